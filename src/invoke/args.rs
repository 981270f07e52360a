//! Argument conversion for the native invokers: the arguments a wrapper
//! could not write itself (strings, buffers, out-parameters, structs,
//! callbacks), or every argument for async and variadic calls.

use crate::call::{ArgKind, Route};
use crate::env::Bound;
use crate::error::{Code, Error, Result};
use crate::js::{self, Value};
use crate::marshal::codec::{Codec, Path};
use crate::marshal::{buffer_data, Scratch};
use crate::types::Type;
use napi::sys::{self, ValueType};
use std::ffi::c_void;

/// Converts the natively passed arguments into `frame`. On failure, the
/// closures lent so far are given back.
pub unsafe fn convert(
    codec: &Codec,
    bound: &Bound,
    args: &[Value],
    frame: *mut u8,
    scratch: &mut Scratch,
) -> Result<()> {
    unsafe {
        let plan = &bound.plan;
        let r = (|| -> Result<()> {
            for (j, &k) in bound.natives.iter().enumerate() {
                match args.get(j) {
                    Some(&v) => arg(codec, bound, k, v, frame.add(plan.args[k].offset), scratch)?,
                    None if matches!(plan.args[k].kind, ArgKind::Value(_)) => {
                        return Err(Error::new(Code::ArgType, format!("{} is missing", bound.arg_label(k))));
                    }
                    None => {}
                }
            }
            lend_functions(codec, scratch)
        })();
        if r.is_err() {
            let _ = scratch.release_callbacks(codec.env);
        }
        r
    }
}

pub fn avalues_for(bound: &Bound, frame: *mut u8) -> Vec<*mut c_void> {
    match bound.plan.route {
        Route::Ffi => bound
            .plan
            .args
            .iter()
            .map(|a| unsafe { frame.add(a.offset) } as *mut c_void)
            .collect(),
        Route::Direct { .. } => Vec::new(),
    }
}

/// Converts every argument natively into `frame` (async and variadic calls,
/// whose wrappers write nothing themselves). On failure, the closures lent
/// so far are given back.
pub unsafe fn convert_all(
    codec: &Codec,
    bound: &Bound,
    args: &[Value],
    frame: *mut u8,
    scratch: &mut Scratch,
) -> Result<()> {
    unsafe {
        let r = (|| -> Result<()> {
            for (k, a) in bound.plan.args.iter().enumerate() {
                let v = *args
                    .get(k)
                    .ok_or_else(|| Error::new(Code::ArgCount, format!("{}() is missing arguments", bound.name)))?;
                let slot = frame.add(a.offset);
                // marshal::arg reads undefined as "written by the wrapper".
                if a.kind.may_be_native() && !matches!(a.kind, ArgKind::Value(_)) {
                    if js::type_of(codec.env, v) == sys::ValueType::napi_undefined {
                        return Err(Error::new(
                            Code::ArgType,
                            format!("{} must be {}, got undefined", bound.arg_label(k), bound.expect(k)),
                        ));
                    }
                    arg(codec, bound, k, v, slot, scratch)?;
                } else {
                    let label = || bound.arg_label(k);
                    codec.encode(scratch, v, &a.ty, slot, &Path::Root(&label))?;
                }
            }
            lend_functions(codec, scratch)
        })();
        if r.is_err() {
            let _ = scratch.release_callbacks(codec.env);
        }
        r
    }
}

/// Converts argument `k`, which the wrapper passed natively, into its slot.
unsafe fn arg(codec: &Codec, bound: &Bound, k: usize, v: Value, slot: *mut u8, scratch: &mut Scratch) -> Result<()> {
    unsafe {
        let env = codec.env;
        let a = &bound.plan.args[k];
        let label = || bound.arg_label(k);
        let path = Path::Root(&label);
        let t = js::type_of(env, v);
        match &a.kind {
            // The wrapper already wrote these; undefined means "done".
            ArgKind::CString | ArgKind::Pointer(_) if t == ValueType::napi_undefined => Ok(()),
            // A struct the wrapper wrote itself (it rejects an undefined one).
            ArgKind::Value(_) if t == ValueType::napi_undefined && a.record.is_some() => Ok(()),
            ArgKind::CString if t == ValueType::napi_string => {
                let addr = scratch.c_string_arg(env, v, &label)?;
                std::ptr::write_unaligned(slot as *mut usize, addr);
                Ok(())
            }
            ArgKind::CString => codec.pointer(scratch, v, &Type::Char(crate::types::Int::new(1, true)), slot, &path),
            ArgKind::WString(_) if t == ValueType::napi_undefined => Ok(()),
            ArgKind::WString(unit) => codec.pointer(
                scratch,
                v,
                &Type::Char(crate::types::Int::new(*unit, false)),
                slot,
                &path,
            ),
            ArgKind::Pointer(to) if t == ValueType::napi_string && to.is_bytes() => {
                let addr = scratch.c_string_arg(env, v, &label)?;
                std::ptr::write_unaligned(slot as *mut usize, addr);
                Ok(())
            }
            ArgKind::Pointer(to) => {
                let addr = if t == ValueType::napi_object && js::is_array(env, v) {
                    let mem = out_array(codec, v, to, scratch, &path)?;
                    if bound.opts.free.is_some() && to.is_c_string() {
                        scratch.hand_over(mem as *mut u8, js::array_len(env, v)? as usize);
                    }
                    mem
                } else if t == ValueType::napi_object
                    && matches!(to, Type::Record(_))
                    && buffer_data(env, v) == Ok(None)
                    && codec.state.read_pointer(env, v)?.is_none()
                {
                    // A plain object for `struct T *`: in and out.
                    let size = to.size().unwrap_or(0);
                    let mem = scratch.alloc(size, to.align().unwrap_or(8));
                    codec.encode(scratch, v, to, mem, &path)?;
                    scratch.write_back(env, v, mem, to.clone(), 0)?;
                    mem as usize
                } else {
                    return codec.pointer(scratch, v, to, slot, &path);
                };
                std::ptr::write_unaligned(slot as *mut usize, addr);
                Ok(())
            }
            ArgKind::Value(ty) => codec.encode(scratch, v, ty, slot, &path),
            ArgKind::Callback(_) if t == ValueType::napi_undefined => Ok(()),
            ArgKind::Callback(sig) => {
                if t != ValueType::napi_function {
                    return codec.pointer(scratch, v, &Type::Void, slot, &path);
                }
                let lent = crate::callback::lend(env, codec.state, sig, v, scratch.task.as_ref())?;
                let code = lent.code() as usize;
                scratch.lent.push(lent);
                std::ptr::write_unaligned(slot as *mut usize, code);
                Ok(())
            }
            _ => Err(Error::new(
                Code::Internal,
                format!("{} is not passed natively", label()),
            )),
        }
    }
}

/// A JS array passed for `T *`: C gets an array of T holding the elements,
/// and after the call the array holds what C left there (`[null]` for an
/// out-parameter `sqlite3 **`, `[0]` for an `int *`).
unsafe fn out_array(codec: &Codec, arr: Value, to: &Type, scratch: &mut Scratch, path: &Path) -> Result<usize> {
    unsafe {
        let env = codec.env;
        let size = match (to, to.size()) {
            (_, Some(s)) if s > 0 => s,
            _ => {
                return Err(Error::new(
                    Code::ArgType,
                    format!("{}: an array cannot stand for a pointer to {to} (its elements need a size); pass a Buffer or Pointer", path.render()),
                ))
            }
        };
        let n = js::array_len(env, arr)? as usize;
        let mem = scratch.alloc(n.max(1) * size, to.align().unwrap_or(8));
        for i in 0..n {
            let e = js::get_element(env, arr, i as u32)?;
            if js::type_of(env, e) == ValueType::napi_undefined {
                continue;
            }
            let p = Path::Index(path, i as u32);
            codec.encode(scratch, e, to, mem.add(i * size), &p)?;
        }
        // (An empty array has nothing to hold what C leaves; a count of 0
        // would mean a struct's object.)
        if n > 0 {
            scratch.write_back(env, arr, mem, to.clone(), n)?;
        }
        Ok(mem as usize)
    }
}

/// Lends a closure to each JS function conversion met inside an array or a
/// struct (a function-pointer element or field), for the call, and writes
/// its code address where the conversion left room for it.
unsafe fn lend_functions(codec: &Codec, scratch: &mut Scratch) -> Result<()> {
    unsafe {
        for (slot, sig, f) in std::mem::take(&mut scratch.functions) {
            let lent = crate::callback::lend(codec.env, codec.state, &sig, f, scratch.task.as_ref())?;
            std::ptr::write_unaligned(slot as *mut usize, lent.code() as usize);
            scratch.lent.push(lent);
        }
        Ok(())
    }
}
