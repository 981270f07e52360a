//! Calls of variadic functions: the fixed arguments, then a (type, value)
//! pair per extra argument, all converted natively, through a libffi cif
//! per list of extra types.

use super::args::convert_all;
use super::{current, native_result, rethrow, state_of};
use crate::env::{Bound, EnvState};
use crate::error::{call_error, Code, Error, Result};
use crate::js::{self, guarded, Value};
use crate::marshal::codec::{self, Codec, Path};
use crate::marshal::ctype::type_arg;
use crate::marshal::Scratch;
use napi::sys::{napi_callback_info, napi_env};
use std::ffi::c_void;
use std::ptr::null_mut;
use std::rc::Rc;

/// C's default argument promotions for a value passed through `...`.
fn promote(t: crate::types::Type) -> crate::types::Type {
    use crate::types::{Int, Type};
    match t {
        Type::F32 => Type::F64,
        Type::Bool => Type::Int(Int::new(4, true)),
        Type::Char(i) | Type::Int(i) if i.bytes < 4 => Type::Int(Int::new(4, true)),
        Type::Enum(e) if e.repr.bytes < 4 => Type::Int(Int::new(4, true)),
        Type::Array(a) => Type::pointer_to(a.elem.clone(), false),
        t => t,
    }
}

pub unsafe extern "C" fn invv(env: napi_env, info: napi_callback_info) -> Value {
    unsafe {
        let mut argc = 0;
        let state = state_of(env, info, &mut argc, null_mut());
        guarded(env, || {
            let state = &*state;
            let bound = current(state)?;
            let mut args = vec![null_mut(); argc];
            let mut c = argc;
            state_of(env, info, &mut c, args.as_mut_ptr());
            variadic_call(env, state, &bound, &args)
        })
    }
}

unsafe fn variadic_call(env: napi_env, state: &EnvState, bound: &Bound, args: &[Value]) -> Result<Value> {
    unsafe {
        let plan = &bound.plan;
        let fixed = plan.args.len();
        if args.len() < fixed || !(args.len() - fixed).is_multiple_of(2) {
            return Err(Error::new(
                Code::ArgCount,
                format!(
                    "{}() takes {fixed} argument{} and then (type, value) pairs for '...', got {}",
                    bound.name,
                    if fixed == 1 { "" } else { "s" },
                    args.len()
                ),
            ));
        }
        let mut extra = Vec::new();
        for (i, pair) in args[fixed..].chunks(2).enumerate() {
            let what = format!("{}(): the type of variadic argument {}", bound.name, fixed + i + 1);
            let none = crate::cdecl::Scope::new();
            let scope = bound.header.as_ref().map_or(&none, |h| &h.scope);
            let t = type_arg(env, state, scope, pair[0], &what)?;
            if let Some(p) = t
                .by_value_problem()
                .filter(|_| !matches!(t, crate::types::Type::Array(_)))
            {
                return Err(Error::new(Code::Unsupported, format!("{what}: {p}")));
            }
            extra.push((promote(t.clone()), t));
        }
        let key: Vec<String> = extra.iter().map(|(t, _)| t.to_string()).collect();
        let key = key.join(",");
        let cached = bound.var_cifs.borrow().get(&key).cloned();
        let cif = match cached {
            Some(c) => c,
            None => {
                let mut types: Vec<crate::types::Type> = plan.args.iter().map(|a| a.ty.clone()).collect();
                types.extend(extra.iter().map(|(t, _)| t.clone()));
                let c = Rc::new(
                    crate::call::ffi::CallIf::new(&types, &plan.ret_ty, Some(fixed))
                        .map_err(|e| call_error(&format!("{}()", bound.name), e))?,
                );
                bound.var_cifs.borrow_mut().insert(key, c.clone());
                c
            }
        };
        // The frame: fixed arguments where the plan puts them, then the extras.
        let mut offsets: Vec<usize> = plan.args.iter().map(|a| a.offset).collect();
        let mut end = plan.frame;
        for (t, _) in &extra {
            offsets.push(end);
            end += crate::call::ffi::slot_size(t);
        }
        let mut frame = vec![0u64; end.div_ceil(8)];
        let fp = frame.as_mut_ptr() as *mut u8;
        let codec = Codec {
            env,
            state,
            bigint: bound.opts.bigint,
            moved: &[],
        };
        let mut scratch = Scratch::new();
        let converted = (|| -> Result<()> {
            convert_all(&codec, bound, &args[..fixed], fp, &mut scratch)?;
            for (i, (promoted, declared)) in extra.iter().enumerate() {
                let label = || format!("{}(): variadic argument {}", bound.name, fixed + i + 1);
                let v = args[fixed + 2 * i + 1];
                let slot = fp.add(offsets[fixed + i]);
                // Checked as the declared type, passed as the promoted one.
                let mut tmp = [0u64; 2];
                let t = tmp.as_mut_ptr() as *mut u8;
                let path = Path::Root(&label);
                match declared {
                    crate::types::Type::F32 => {
                        codec.encode(&mut scratch, v, declared, t, &path)?;
                        std::ptr::write_unaligned(
                            slot as *mut f64,
                            f64::from(std::ptr::read_unaligned(t as *const f32)),
                        );
                    }
                    crate::types::Type::Bool => {
                        codec.encode(&mut scratch, v, declared, t, &path)?;
                        std::ptr::write_unaligned(slot as *mut i32, i32::from(*t));
                    }
                    crate::types::Type::Char(int) | crate::types::Type::Int(int) if int.bytes < 4 => {
                        codec.encode(&mut scratch, v, declared, t, &path)?;
                        let n = codec::read_int(t, *int);
                        std::ptr::write_unaligned(slot as *mut i32, n as i32);
                    }
                    crate::types::Type::Enum(e) if e.repr.bytes < 4 => {
                        codec.encode(&mut scratch, v, declared, t, &path)?;
                        let n = codec::read_int(t, e.repr);
                        std::ptr::write_unaligned(slot as *mut i32, n as i32);
                    }
                    _ => codec.encode(&mut scratch, v, promoted, slot, &path)?,
                }
            }
            Ok(())
        })();
        if let Err(e) = converted {
            let _ = scratch.release_callbacks(env);
            return Err(e);
        }
        let mut avalues: Vec<*mut c_void> = offsets.iter().map(|&o| fp.add(o) as *mut c_void).collect();
        let ret = fp.add(plan.ret_offset);
        bound.lib.enter();
        let level = state.enter_call();
        *state.errno_at = state.errno_start.replace(0);
        cif.call(bound.fnptr, ret as *mut c_void, avalues.as_mut_ptr());
        let e = *state.errno_at;
        state.leave_call(level);
        state.last_errno.set(e);
        bound.lib.leave();
        let released = scratch.release_callbacks(env);
        if state.cb_error.get().is_some() {
            return Err(rethrow(env, state));
        }
        released?;
        scratch.finish(&codec)?;
        scratch.free_handed_over(bound.opts.free, &bound.lib);
        if let Some(v) = native_result(&codec, bound, ret, false)? {
            return Ok(v);
        }
        if plan.ret_ty.is_void() {
            return js::undefined(env);
        }
        codec.decode(&plan.ret_ty, ret, true)
    }
}
