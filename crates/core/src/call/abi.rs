//! The direct call: on System V x86-64 and AArch64 (not Windows), integer and
//! floating-point arguments go in two separate register files, each filled in
//! order. So any function whose arguments all fit in registers can be called
//! through one fixed signature, `f(i0..iN, d0..d7)`, with the values placed
//! in their class's order and unused registers ignored by the callee.
//!
//! What makes it exact:
//! - integers are read from 64-bit slots the wrapper filled with the value
//!   sign- or zero-extended to at least 32 bits (Clang callees rely on that
//!   for `char` and `short`);
//! - a `float` is the low 32 bits of its 64-bit slot, which is where the
//!   callee reads it from its vector register;
//! - narrow results are read from the low bits of the result register and
//!   extended by the wrapper.
//!
//! Variadic functions and anything passed in memory take the libffi route.

use std::ffi::c_void;

#[cfg(all(target_arch = "x86_64", not(windows)))]
mod regs {
    pub const DIRECT: bool = true;
    pub const INT_REGS: usize = 6;
    pub const FLOAT_REGS: usize = 8;
}

#[cfg(all(target_arch = "aarch64", not(windows)))]
mod regs {
    pub const DIRECT: bool = true;
    pub const INT_REGS: usize = 8;
    pub const FLOAT_REGS: usize = 8;
}

#[cfg(not(any(
    all(target_arch = "x86_64", not(windows)),
    all(target_arch = "aarch64", not(windows))
)))]
mod regs {
    pub const DIRECT: bool = false;
    pub const INT_REGS: usize = 0;
    pub const FLOAT_REGS: usize = 0;
}

pub use regs::{DIRECT, FLOAT_REGS, INT_REGS};

#[cfg(all(target_arch = "x86_64", not(windows)))]
type IntFn = unsafe extern "C" fn(u64, u64, u64, u64, u64, u64, f64, f64, f64, f64, f64, f64, f64, f64) -> u64;
#[cfg(all(target_arch = "x86_64", not(windows)))]
type FloatFn = unsafe extern "C" fn(u64, u64, u64, u64, u64, u64, f64, f64, f64, f64, f64, f64, f64, f64) -> f64;
#[cfg(all(target_arch = "aarch64", not(windows)))]
type IntFn =
    unsafe extern "C" fn(u64, u64, u64, u64, u64, u64, u64, u64, f64, f64, f64, f64, f64, f64, f64, f64) -> u64;
#[cfg(all(target_arch = "aarch64", not(windows)))]
type FloatFn =
    unsafe extern "C" fn(u64, u64, u64, u64, u64, u64, u64, u64, f64, f64, f64, f64, f64, f64, f64, f64) -> f64;

/// Calls `f` with its integer registers loaded from `slots[0..INT_REGS]` and
/// its float registers from the next `FLOAT_REGS` slots. Returns the raw
/// result register (integer or float, as `float_ret` says) as 64 bits.
///
/// # Safety
/// `f` must be a function whose parameters are all scalars, at most
/// `INT_REGS` of integer class and `FLOAT_REGS` of float class, and `slots`
/// must hold `INT_REGS + FLOAT_REGS` readable slots laid out as above.
#[cfg(any(
    all(target_arch = "x86_64", not(windows)),
    all(target_arch = "aarch64", not(windows))
))]
#[inline(always)]
pub unsafe fn call(f: *const c_void, slots: *const u64, float_ret: bool) -> u64 {
    let s = |k: usize| unsafe { *slots.add(k) };
    let d = |k: usize| unsafe { f64::from_bits(*slots.add(INT_REGS + k)) };
    unsafe {
        if float_ret {
            let f: FloatFn = std::mem::transmute(f);
            #[cfg(target_arch = "x86_64")]
            let r = f(
                s(0),
                s(1),
                s(2),
                s(3),
                s(4),
                s(5),
                d(0),
                d(1),
                d(2),
                d(3),
                d(4),
                d(5),
                d(6),
                d(7),
            );
            #[cfg(target_arch = "aarch64")]
            let r = f(
                s(0),
                s(1),
                s(2),
                s(3),
                s(4),
                s(5),
                s(6),
                s(7),
                d(0),
                d(1),
                d(2),
                d(3),
                d(4),
                d(5),
                d(6),
                d(7),
            );
            r.to_bits()
        } else {
            let f: IntFn = std::mem::transmute(f);
            #[cfg(target_arch = "x86_64")]
            let r = f(
                s(0),
                s(1),
                s(2),
                s(3),
                s(4),
                s(5),
                d(0),
                d(1),
                d(2),
                d(3),
                d(4),
                d(5),
                d(6),
                d(7),
            );
            #[cfg(target_arch = "aarch64")]
            let r = f(
                s(0),
                s(1),
                s(2),
                s(3),
                s(4),
                s(5),
                s(6),
                s(7),
                d(0),
                d(1),
                d(2),
                d(3),
                d(4),
                d(5),
                d(6),
                d(7),
            );
            r
        }
    }
}

/// `call` for a function with no floating-point argument and an integer
/// (or pointer, or no) result: only the integer registers are loaded.
///
/// # Safety
/// As for `call`, and the function takes no float-class argument.
#[cfg(all(target_arch = "x86_64", not(windows)))]
#[inline(always)]
pub unsafe fn call_ints(f: *const c_void, slots: *const u64) -> u64 {
    type IntsFn = unsafe extern "C" fn(u64, u64, u64, u64, u64, u64) -> u64;
    let s = |k: usize| unsafe { *slots.add(k) };
    unsafe {
        let f: IntsFn = std::mem::transmute(f);
        f(s(0), s(1), s(2), s(3), s(4), s(5))
    }
}

/// `call_ints` on AAPCS64: eight integer registers.
///
/// # Safety
/// As for `call`, and the function takes no float-class argument.
#[cfg(all(target_arch = "aarch64", not(windows)))]
#[inline(always)]
pub unsafe fn call_ints(f: *const c_void, slots: *const u64) -> u64 {
    type IntsFn = unsafe extern "C" fn(u64, u64, u64, u64, u64, u64, u64, u64) -> u64;
    let s = |k: usize| unsafe { *slots.add(k) };
    unsafe {
        let f: IntsFn = std::mem::transmute(f);
        f(s(0), s(1), s(2), s(3), s(4), s(5), s(6), s(7))
    }
}

#[cfg(not(any(
    all(target_arch = "x86_64", not(windows)),
    all(target_arch = "aarch64", not(windows))
)))]
/// # Safety
/// Never unsafe: plans never choose the direct route where DIRECT is false.
pub unsafe fn call_ints(_f: *const c_void, _slots: *const u64) -> u64 {
    0
}

#[cfg(not(any(
    all(target_arch = "x86_64", not(windows)),
    all(target_arch = "aarch64", not(windows))
)))]
/// # Safety
/// Never unsafe: plans never choose the direct route where DIRECT is false.
pub unsafe fn call(_f: *const c_void, _slots: *const u64, _float_ret: bool) -> u64 {
    0
}

#[cfg(all(
    test,
    any(
        all(target_arch = "x86_64", not(windows)),
        all(target_arch = "aarch64", not(windows))
    )
))]
mod tests {
    use super::*;

    extern "C" fn mixed(a: i32, x: f64, b: i64, y: f32, c: u8) -> f64 {
        f64::from(a) + x + b as f64 + f64::from(y) + f64::from(c)
    }

    extern "C" fn narrow(a: i8, b: u16) -> i64 {
        i64::from(a) * 1000 + i64::from(b)
    }

    #[test]
    fn register_classes_fill_in_order() {
        let mut slots = [0u64; INT_REGS + FLOAT_REGS];
        slots[0] = 7; // a
        slots[1] = (-3i64) as u64; // b
        slots[2] = 200; // c
        slots[INT_REGS] = 0.5f64.to_bits(); // x
        slots[INT_REGS + 1] = u64::from(1.25f32.to_bits()); // y, low 32 bits
        let r = unsafe { call(mixed as *const c_void, slots.as_ptr(), true) };
        assert_eq!(f64::from_bits(r), 7.0 + 0.5 - 3.0 + 1.25 + 200.0);
        let mut slots = [0u64; INT_REGS + FLOAT_REGS];
        slots[0] = (-5i32) as u32 as u64;
        slots[1] = 65535;
        let r = unsafe { call(narrow as *const c_void, slots.as_ptr(), false) };
        assert_eq!(r as i64, -5000 + 65535);
        let r = unsafe { call_ints(narrow as *const c_void, slots.as_ptr()) };
        assert_eq!(r as i64, -5000 + 65535);
    }
}
