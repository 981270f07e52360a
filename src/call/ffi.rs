//! The general route: libffi with a cif prepared once per plan. The `libffi`
//! crate builds its bundled C library, so nothing is needed on the machine.

use crate::types::{Int, Type};
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
        other => {
            return Err(other
                .by_value_problem()
                .unwrap_or_else(|| format!("{other} cannot be passed by value yet")))
        }
    })
}

impl CallIf {
    /// `fixed` is the number of fixed parameters of a variadic function.
    pub fn new(params: &[Type], ret: &Type, fixed: Option<usize>) -> Result<CallIf, String> {
        let args = params.iter().map(ffi_type).collect::<Result<Vec<_>, _>>()?;
        let ret = ffi_type(ret)?;
        let cif = match fixed {
            Some(n) => Cif::try_new_variadic(args, n, ret),
            None => Cif::try_new(args, ret),
        }
        .map_err(|e| format!("libffi could not prepare the call: {e:?}"))?;
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
            raw::ffi_call(self.cif.as_raw_ptr(), Some(fun), ret, args);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" fn nine(
        a: i32,
        b: i32,
        c: i32,
        d: i32,
        e: i32,
        f: i32,
        g: i32,
        h: i32,
        i: i8,
    ) -> i64 {
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
        let mut ptrs: Vec<*mut c_void> = vals
            .iter_mut()
            .map(|v| v as *mut u64 as *mut c_void)
            .collect();
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
