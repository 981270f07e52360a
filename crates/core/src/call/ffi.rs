//! The general route: libffi with a cif prepared once per plan. The `libffi`
//! crate builds its bundled C library, so nothing is needed on the machine.

use super::CallError;
use crate::types::{GoType, Int, RecordKind, Type};
use libffi::middle::{Cif, Type as FfiType};
use libffi::raw;
use std::ffi::c_void;

/// A prepared call interface. Immutable once built.
pub struct CallIf {
    cif: Cif,
}

// SAFETY: the cif and the type descriptions it points to are never written
// after `ffi_prep_cif`; libffi only reads them during calls.
unsafe impl Send for CallIf {}
unsafe impl Sync for CallIf {}

fn int_type(i: Int) -> FfiType {
    match (i.bytes, i.signed) {
        (1, true) => FfiType::i8(),
        (1, false) => FfiType::u8(),
        (2, true) => FfiType::i16(),
        (2, false) => FfiType::u16(),
        (4, true) => FfiType::i32(),
        (4, false) => FfiType::u32(),
        (_, true) => FfiType::i64(),
        (_, false) => FfiType::u64(),
    }
}

pub fn ffi_type(t: &Type) -> Result<FfiType, String> {
    Ok(match t {
        Type::Void => FfiType::void(),
        Type::Bool => FfiType::u8(),
        Type::Char(i) | Type::Int(i) => int_type(*i),
        Type::Enum(e) => int_type(e.repr),
        Type::F32 => FfiType::f32(),
        Type::F64 => FfiType::f64(),
        Type::Pointer(_) => FfiType::pointer(),
        Type::Go(GoType::String) => FfiType::structure([FfiType::pointer(), FfiType::i64()]),
        Type::Go(GoType::Slice(_)) => FfiType::structure([FfiType::pointer(), FfiType::i64(), FfiType::i64()]),
        Type::Record(_) if t.by_value_problem().is_none() => record_type(t)?,
        other => {
            return Err(other
                .by_value_problem()
                .unwrap_or_else(|| format!("{other} cannot be passed by value yet")))
        }
    })
}

/// A struct or union for libffi. A struct laid out naturally is described
/// field by field (exact on every ABI). Unions, packed structs and bitfields
/// have no libffi description, so they are described by what the ABI looks
/// at: their size, alignment and, for small ones, which eightbytes hold only
/// floating-point data.
fn record_type(t: &Type) -> Result<FfiType, String> {
    let mut elems = Vec::new();
    if padded_in_memory(t) {
        // libffi cannot describe an unaligned field, so the record is described
        // as 24 bytes, which libffi also passes in memory. `check_stack_order`
        // makes sure the extra bytes push no other argument out of place.
        return Ok(FfiType::structure(bytes_elements(24, 1)));
    }
    if natural(t) {
        flatten(t, &mut elems)?;
        return Ok(FfiType::structure(elems));
    }
    let size = t.size().unwrap_or(0);
    let align = t.align().unwrap_or(1);
    let mut leaves = Vec::new();
    leaf_classes(t, 0, &mut leaves);
    Ok(FfiType::structure(opaque_elements(size, align, &leaves)))
}

/// Bytes of buffer an argument or result of type `t` needs for libffi: its
/// size rounded up to 8, or more for records described as larger than they are.
pub fn slot_size(t: &Type) -> usize {
    let size = t.size().unwrap_or(8).max(8).div_ceil(8) * 8;
    if padded_in_memory(t) {
        size.max(24)
    } else {
        size
    }
}

/// System V x86-64 passes a record with an unaligned field (a packed
/// struct) in memory, however small it is.
#[cfg(all(target_arch = "x86_64", not(windows)))]
fn padded_in_memory(t: &Type) -> bool {
    matches!(t, Type::Record(_)) && t.size().is_some_and(|s| s <= 16) && unaligned(t)
}

#[cfg(not(all(target_arch = "x86_64", not(windows))))]
fn padded_in_memory(_t: &Type) -> bool {
    false
}

#[cfg(all(target_arch = "x86_64", not(windows)))]
fn unaligned(t: &Type) -> bool {
    match t {
        Type::Record(r) => r.body().is_some_and(|b| {
            b.fields
                .iter()
                .any(|f| f.bits.is_none() && (f.offset % f.ty.align().unwrap_or(1) != 0 || unaligned(&f.ty)))
        }),
        Type::Array(a) => unaligned(&a.elem),
        _ => false,
    }
}

/// With a record described as larger than it is (`padded_in_memory`), every
/// argument after it must go in registers: one on the stack would be read
/// from the wrong place. Checks that by following System V's register
/// assignment; a signature that breaks it is refused rather than miscalled.
#[cfg(all(target_arch = "x86_64", not(windows)))]
pub fn check_stack_order(params: &[Type], ret: &Type) -> Result<(), String> {
    let (mut gpr, mut sse) = (6usize, 8usize);
    if ret.size().is_some_and(|s| s > 16) || padded_in_memory(ret) {
        gpr -= 1; // the hidden result pointer
    }
    let mut padded_before = false;
    for (i, t) in params.iter().enumerate() {
        let (g, f, memory) = match t {
            Type::F32 | Type::F64 => (0, 1, false),
            Type::Record(_) | Type::Go(_) => {
                let size = t.size().unwrap_or(0);
                if size > 16 || padded_in_memory(t) {
                    (0, 0, true)
                } else {
                    let mut leaves = Vec::new();
                    leaf_classes(t, 0, &mut leaves);
                    let mut g = 0;
                    let mut f = 0;
                    for start in (0..size).step_by(8) {
                        let inside: Vec<_> = leaves
                            .iter()
                            .filter(|(o, s, _)| *o < start + 8 && o + s > start)
                            .collect();
                        if !inside.is_empty() && inside.iter().all(|(_, _, fl)| *fl) {
                            f += 1;
                        } else {
                            g += 1;
                        }
                    }
                    (g, f, false)
                }
            }
            _ => (1, 0, false),
        };
        let on_stack = memory || g > gpr || f > sse;
        if !on_stack {
            gpr -= g;
            sse -= f;
        } else if padded_before {
            return Err(format!(
                "parameter {} would be passed after a packed struct on the stack, which cshared cannot lay out",
                i + 1
            ));
        }
        if padded_in_memory(t) {
            padded_before = true;
        }
    }
    Ok(())
}

#[cfg(not(all(target_arch = "x86_64", not(windows))))]
pub fn check_stack_order(_params: &[Type], _ret: &Type) -> Result<(), String> {
    Ok(())
}

/// Whether every field sits where natural alignment would put it.
fn natural(t: &Type) -> bool {
    match t {
        Type::Record(r) => {
            let body = match r.body() {
                Some(b) => b,
                None => return false,
            };
            if r.kind != RecordKind::Struct || body.fields.is_empty() {
                return false;
            }
            let mut end = 0usize;
            let mut max_align = 1usize;
            for f in &body.fields {
                if f.bits.is_some() || !natural(&f.ty) {
                    return false;
                }
                let (size, align) = match (f.ty.size(), f.ty.align()) {
                    (Some(s), Some(a)) => (s, a),
                    _ => return false,
                };
                if f.offset != end.div_ceil(align) * align {
                    return false;
                }
                end = f.offset + size;
                max_align = max_align.max(align);
            }
            body.align == max_align && body.size == end.div_ceil(max_align) * max_align
        }
        Type::Array(a) => a.len.is_some_and(|n| n > 0) && natural(&a.elem),
        _ => true,
    }
}

fn flatten(t: &Type, out: &mut Vec<FfiType>) -> Result<(), String> {
    match t {
        Type::Record(r) => {
            for f in r.body().map(|b| b.fields.as_slice()).unwrap_or(&[]) {
                flatten(&f.ty, out)?;
            }
        }
        Type::Array(a) => {
            for _ in 0..a.len.unwrap_or(0) {
                flatten(&a.elem, out)?;
            }
        }
        other => out.push(ffi_type(other)?),
    }
    Ok(())
}

/// (offset, size, is floating point) of every scalar inside `t`.
fn leaf_classes(t: &Type, base: usize, out: &mut Vec<(usize, usize, bool)>) {
    match t {
        Type::Record(r) => {
            for f in r.body().map(|b| b.fields.as_slice()).unwrap_or(&[]) {
                match f.bits {
                    Some(bits) => out.push((base + f.offset, (bits.shift + bits.width).div_ceil(8) as usize, false)),
                    None => leaf_classes(&f.ty, base + f.offset, out),
                }
            }
        }
        Type::Array(a) => {
            let size = a.elem.size().unwrap_or(0);
            for i in 0..a.len.unwrap_or(0) {
                leaf_classes(&a.elem, base + i * size, out);
            }
        }
        Type::F32 | Type::F64 => out.push((base, t.size().unwrap_or(4), true)),
        other => out.push((base, other.size().unwrap_or(0), false)),
    }
}

fn uint_of(bytes: usize) -> FfiType {
    match bytes {
        1 => FfiType::u8(),
        2 => FfiType::u16(),
        3 | 4 => FfiType::u32(),
        _ => FfiType::u64(),
    }
}

/// Elements with the record's size and alignment and, on System V and
/// AArch64, the eightbyte classes of small records.
#[cfg(not(windows))]
fn opaque_elements(size: usize, align: usize, leaves: &[(usize, usize, bool)]) -> Vec<FfiType> {
    if size <= 16 {
        let mut out = Vec::new();
        let mut at = 0;
        while at < size {
            let end = (at + 8).min(size);
            let inside: Vec<_> = leaves.iter().filter(|(o, s, _)| *o < end && o + s > at).collect();
            let all_float = !inside.is_empty() && inside.iter().all(|(_, _, f)| *f);
            if all_float && inside.iter().all(|(_, s, _)| *s == 4) {
                out.push(FfiType::f32());
                if end - at > 4 {
                    out.push(FfiType::f32());
                }
            } else if all_float {
                out.push(FfiType::f64());
            } else {
                out.push(uint_of(end - at));
            }
            at = end;
        }
        return out;
    }
    bytes_elements(size, align)
}

/// Windows x64 passes records of 1, 2, 4 or 8 bytes as integers and the rest
/// by reference, so size and alignment are all that matter.
#[cfg(windows)]
fn opaque_elements(size: usize, align: usize, _leaves: &[(usize, usize, bool)]) -> Vec<FfiType> {
    if matches!(size, 1 | 2 | 4 | 8) {
        return vec![uint_of(size)];
    }
    bytes_elements(size, align)
}

fn bytes_elements(size: usize, align: usize) -> Vec<FfiType> {
    let unit = align.clamp(1, 8);
    (0..size / unit).map(|_| uint_of(unit)).collect()
}

impl CallIf {
    /// `fixed` is the number of fixed parameters of a variadic function.
    pub fn new(params: &[Type], ret: &Type, fixed: Option<usize>) -> Result<CallIf, CallError> {
        let args = params
            .iter()
            .map(ffi_type)
            .collect::<Result<Vec<_>, _>>()
            .map_err(CallError::Unsupported)?;
        let ret = ffi_type(ret).map_err(CallError::Unsupported)?;
        let cif = match fixed {
            Some(n) => Cif::try_new_variadic(args, n, ret),
            None => Cif::try_new(args, ret),
        }
        .map_err(|e| CallError::Unsupported(format!("libffi could not prepare the call: {e:?}")))?;
        Ok(CallIf { cif })
    }

    /// Calls `f`. `args[i]` points at argument i; the result is written at
    /// `ret`, which must have room for the result or 8 bytes, whichever is more.
    ///
    /// # Safety
    /// `f` must have the signature this cif was built for, and the pointers
    /// must be valid.
    pub unsafe fn call(&self, f: *const c_void, ret: *mut c_void, args: *mut *mut c_void) {
        unsafe {
            let fun: unsafe extern "C" fn() = std::mem::transmute(f);
            #[cfg(windows)]
            {
                // libffi's Win64 code copies records it passes by reference
                // and points `args[i]` at the copy, in its own frame: the
                // caller's array (kept from call to call) gets a private one.
                let n = (*self.cif.as_raw_ptr()).nargs as usize;
                if n > 0 {
                    let mut own = [std::ptr::null_mut::<c_void>(); 16];
                    let mut big = Vec::new();
                    let copy: &mut [*mut c_void] = if n <= own.len() {
                        &mut own[..n]
                    } else {
                        big.resize(n, std::ptr::null_mut());
                        &mut big
                    };
                    copy.copy_from_slice(std::slice::from_raw_parts(args, n));
                    raw::ffi_call(self.cif.as_raw_ptr(), Some(fun), ret, copy.as_mut_ptr());
                    return;
                }
            }
            raw::ffi_call(self.cif.as_raw_ptr(), Some(fun), ret, args);
        }
    }
}

/// The raw call interface a closure handler receives; opaque outside this module.
pub type RawCif = raw::ffi_cif;

/// What C calls through a closure: `ret` is the result slot, `args[i]`
/// points at argument i, `data` is what the closure was made with.
pub type Handler = unsafe extern "C" fn(cif: *mut RawCif, ret: *mut c_void, args: *mut *mut c_void, data: *mut c_void);

/// Makes a C function pointer of `cif`'s signature that calls `handler`
/// with `data`. The closure is never freed: a pointer C may still hold
/// must stay callable, so its handler can say what went wrong.
///
/// # Safety
/// `data` must stay valid for as long as C may call the closure.
pub unsafe fn leak_closure(cif: &CallIf, handler: Handler, data: *mut c_void) -> Result<*const c_void, CallError> {
    unsafe {
        let mut code: *mut c_void = std::ptr::null_mut();
        let closure =
            raw::ffi_closure_alloc(std::mem::size_of::<raw::ffi_closure>(), &mut code) as *mut raw::ffi_closure;
        if closure.is_null() {
            return Err(CallError::Ffi("cannot allocate a callback trampoline".into()));
        }
        let status = raw::ffi_prep_closure_loc(closure, cif.cif.as_raw_ptr(), Some(handler), data, code);
        if status != raw::ffi_status_FFI_OK {
            raw::ffi_closure_free(closure as *mut c_void);
            return Err(CallError::Ffi("cannot prepare a callback trampoline".into()));
        }
        Ok(code as *const c_void)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn double_it(_cif: *mut RawCif, ret: *mut c_void, args: *mut *mut c_void, data: *mut c_void) {
        unsafe {
            let x = *(*args as *const i32);
            let k = *(data as *const i64);
            *(ret as *mut i64) = i64::from(x) * k;
        }
    }

    #[test]
    fn closures_call_their_handler() {
        let int = Type::Int(Int::new(4, true));
        let cif = CallIf::new(&[int], &Type::Int(Int::new(8, true)), None).unwrap();
        let k: &'static i64 = Box::leak(Box::new(3));
        let code = unsafe { leak_closure(&cif, double_it, k as *const i64 as *mut c_void) }.unwrap();
        let f: extern "C" fn(i32) -> i64 = unsafe { std::mem::transmute(code) };
        assert_eq!(f(14), 42);
        assert_eq!(f(-5), -15);
    }

    extern "C" fn nine(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, g: i32, h: i32, i: i8) -> i64 {
        i64::from(a + b + c + d + e + f + g + h) * 1000 + i64::from(i)
    }

    #[test]
    fn calls_through_libffi() {
        let int = Type::Int(Int::new(4, true));
        let mut params = vec![int; 8];
        params.push(Type::Int(Int::new(1, true)));
        let cif = CallIf::new(&params, &Type::Int(Int::new(8, true)), None).unwrap();
        let mut vals: Vec<u64> = (1..=8).collect();
        vals.push((-2i8) as u8 as u64);
        let mut ptrs: Vec<*mut c_void> = vals.iter_mut().map(|v| v as *mut u64 as *mut c_void).collect();
        let mut out = 0i64;
        unsafe {
            cif.call(
                nine as *const c_void,
                &mut out as *mut i64 as *mut c_void,
                ptrs.as_mut_ptr(),
            )
        };
        assert_eq!(out, 36 * 1000 - 2);
    }
}
