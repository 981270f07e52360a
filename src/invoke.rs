//! The hot path: the two native functions every generated wrapper calls.
//!
//! `inv` takes no arguments. The wrapper has already written the function's
//! id and every argument into the shared buffer; `inv` calls the C function
//! straight from there on this thread's own stack (Go ≥ 1.21 is slow when
//! entered from any other stack) and writes the result back.
//!
//! `invo` also receives the arguments JS could not write (strings, buffers).
//! Converting those may run user code (a getter, a Proxy) that calls other
//! bound functions and reuses the shared buffer, so `invo` works on a copy of
//! the frame.

use crate::bind::Bound;
use crate::call::plan::HEADER;
use crate::call::RetKind;
use crate::call::{abi, Route};
use crate::env::EnvState;
use crate::error::{Code, Error, Result};
use crate::js::Value;
use crate::marshal::codec::Codec;
use crate::marshal::{self, Scratch};
use napi::sys::{self, napi_callback_info, napi_env};
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;
use std::rc::Rc;

/// Runs `f`, turning an error or a panic into a JS exception. No panic
/// crosses into V8.
unsafe fn guarded(env: napi_env, f: impl FnOnce() -> Result<Value>) -> Value {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            unsafe { e.throw(env) };
            null_mut()
        }
        Err(_) => {
            unsafe { Error::new(Code::Internal, "internal error in cshared (a panic); please report it").throw(env) };
            null_mut()
        }
    }
}

unsafe fn state_of(env: napi_env, info: napi_callback_info, argc: &mut usize, argv: *mut Value) -> *const EnvState {
    let mut data: *mut c_void = null_mut();
    unsafe { sys::napi_get_cb_info(env, info, argc, argv, null_mut(), &mut data) };
    data as *const EnvState
}

unsafe fn current(state: &EnvState) -> Result<Rc<Bound>> {
    let id = unsafe { std::ptr::read(state.buf as *const u32) };
    let bound = state
        .bound(id)
        .ok_or_else(|| Error::new(Code::Internal, format!("no bound function with id {id}")))?;
    if bound.lib.is_closed() {
        return Err(Error::new(
            Code::Closed,
            format!("{}(): library '{}' was closed", bound.name, bound.lib.display_name()),
        ));
    }
    Ok(bound)
}

/// Makes the C call with the arguments in `frame`, writing the result at the
/// plan's result offset. `avalues` point at each argument in `frame`.
#[inline(always)]
unsafe fn call_in(bound: &Bound, frame: *mut u8, avalues: *mut *mut c_void) {
    let plan = &bound.plan;
    bound.lib.enter();
    unsafe {
        match (plan.route, &bound.cif) {
            (Route::Direct { float_ret }, _) => {
                let r = abi::call(bound.fnptr, frame.add(HEADER) as *const u64, float_ret);
                std::ptr::write(frame.add(plan.ret_offset) as *mut u64, r);
            }
            (Route::Ffi, Some(cif)) => {
                cif.call(bound.fnptr, frame.add(plan.ret_offset) as *mut c_void, avalues);
            }
            // Bind never makes an Ffi plan without a cif.
            (Route::Ffi, None) => {}
        }
    }
    bound.lib.leave();
}

pub unsafe extern "C" fn inv(env: napi_env, info: napi_callback_info) -> Value {
    unsafe {
        let mut argc = 0;
        let state = state_of(env, info, &mut argc, null_mut());
        guarded(env, || {
            let state = &*state;
            let bound = current(state)?;
            call_in(&bound, state.buf, bound.avalues.as_ptr() as *mut *mut c_void);
            Ok(null_mut())
        })
    }
}

pub unsafe extern "C" fn invo(env: napi_env, info: napi_callback_info) -> Value {
    unsafe {
        let mut argv: [Value; 8] = [null_mut(); 8];
        let mut argc = argv.len();
        let state = state_of(env, info, &mut argc, argv.as_mut_ptr());
        guarded(env, || {
            let state = &*state;
            let bound = current(state)?;
            let n = bound.natives.len();
            let mut more: Vec<Value>;
            let args: &[Value] = if n > argv.len() {
                more = vec![null_mut(); n];
                let mut c = n;
                state_of(env, info, &mut c, more.as_mut_ptr());
                &more[..c.min(n)]
            } else {
                &argv[..argc.min(n)]
            };
            object_call(env, state, &bound, args)
        })
    }
}

unsafe fn object_call(env: napi_env, state: &EnvState, bound: &Bound, args: &[Value]) -> Result<Value> {
    unsafe {
        let plan = &bound.plan;
        // A private copy of the frame (see the module comment).
        let mut stack = [0u64; 128];
        let mut heap: Vec<u64>;
        let words = plan.frame.div_ceil(8);
        let frame: *mut u8 = if words <= stack.len() {
            stack.as_mut_ptr() as *mut u8
        } else {
            heap = vec![0u64; words];
            heap.as_mut_ptr() as *mut u8
        };
        std::ptr::copy_nonoverlapping(state.buf, frame, plan.frame);
        let codec = Codec {
            env,
            state,
            bigint: bound.opts.bigint,
        };
        let mut scratch = Scratch::new();
        for (j, &k) in bound.natives.iter().enumerate() {
            match args.get(j) {
                Some(&v) => marshal::arg(&codec, bound, k, v, frame.add(plan.args[k].offset), &mut scratch)?,
                None if matches!(plan.args[k].kind, crate::call::ArgKind::Value(_)) => {
                    return Err(Error::new(Code::ArgType, format!("{} is missing", bound.arg_label(k))));
                }
                None => {}
            }
        }
        let mut avalues: Vec<*mut c_void> = match plan.route {
            Route::Ffi => plan.args.iter().map(|a| frame.add(a.offset) as *mut c_void).collect(),
            Route::Direct { .. } => Vec::new(),
        };
        call_in(bound, frame, avalues.as_mut_ptr());
        // `scratch` stays alive past this point: a result may point into it
        // (a C function that returns its argument).
        scratch.finish(&codec)?;
        let ret = frame.add(plan.ret_offset);
        match &plan.ret {
            RetKind::CString => {
                let p = std::ptr::read(ret as *const *const std::ffi::c_char);
                let v = marshal::c_string_result(env, p);
                if bound.opts.free && !p.is_null() {
                    libc::free(p as *mut c_void);
                }
                return v;
            }
            RetKind::Value(ty) => return codec.decode(ty, ret, true),
            _ => {}
        }
        // Back to the shared buffer, where the wrapper reads it.
        let size = crate::call::ffi::slot_size(&plan.ret_ty);
        std::ptr::copy_nonoverlapping(frame.add(plan.ret_offset), state.buf.add(plan.ret_offset), size);
        Ok(null_mut())
    }
}
