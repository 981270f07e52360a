//! The hot path: the native functions every generated wrapper calls, one
//! file per kind of call (sync, async, variadic, batch), the argument
//! conversion they share, and `decode`'s native reads.
//!
//! `inv` takes no arguments. The wrapper has already written the function's
//! id and every argument into the shared buffer; `inv` calls the C function
//! straight from there on this thread's own stack (Go ≥ 1.21 is slow when
//! entered from any other stack) and writes the result back.
//!
//! `invo` also receives the arguments JS could not write (strings, buffers,
//! structs, callbacks). Converting those may run user code (a getter, a
//! Proxy) that calls other bound functions and reuses the shared buffer, so
//! `invo` works on a copy of the frame.
//!
//! `inva` is `fn.async()`: the same conversion, then the call runs on the
//! libuv thread pool and a Promise settles with its result.

pub mod args;
pub mod batch;
pub mod decode;
pub mod sync;
pub mod task;
pub mod variadic;

use crate::call::plan::HEADER;
use crate::call::{abi, RetKind, Route};
use crate::env::{Bound, EnvState};
use crate::error::{Code, Error, Result};
use crate::js::{self, Value};
use crate::marshal;
use crate::marshal::codec::Codec;
use napi::sys::{self, napi_callback_info, napi_env};
use std::ffi::c_void;
use std::ptr::null_mut;
use std::rc::Rc;

/// The environment a native function was made for, and its arguments.
unsafe fn state_of(env: napi_env, info: napi_callback_info, argc: &mut usize, argv: *mut Value) -> *const EnvState {
    unsafe { js::cb_info(env, info, argc, argv) as *const EnvState }
}

pub unsafe fn current(state: &EnvState) -> Result<Rc<Bound>> {
    let id = unsafe { std::ptr::read(state.buf as *const u32) };
    let bound = state
        .bound(id)
        .ok_or_else(|| Error::new(Code::Internal, format!("no bound function with id {id}")))?;
    if bound.lib.is_closed() {
        return Err(bound.closed());
    }
    Ok(bound)
}

/// Makes the C call with the arguments in `frame`, writing the result at the
/// plan's result offset. `avalues` point at each argument in `frame`.
/// Returns errno as the function left it (`errno_at`: this thread's errno,
/// set to `start` before the call: 0, or what `errno(value)` asked for).
#[inline(always)]
pub(crate) unsafe fn raw_call(
    bound: &Bound,
    frame: *mut u8,
    avalues: *mut *mut c_void,
    errno_at: *mut i32,
    start: i32,
) -> i32 {
    let plan = &bound.plan;
    unsafe {
        *errno_at = start;
        match (plan.route, &bound.cif) {
            (Route::Direct { float_ret }, _) => {
                let r = abi::call(bound.fnptr, frame.add(HEADER) as *const u64, float_ret);
                std::ptr::write(frame.add(plan.ret_offset) as *mut u64, r);
            }
            (Route::Ffi, Some(cif)) => cif.call(bound.fnptr, frame.add(plan.ret_offset) as *mut c_void, avalues),
            // Bind never makes an Ffi plan without a cif.
            (Route::Ffi, None) => {}
        }
        *errno_at
    }
}

#[inline(always)]
pub(crate) unsafe fn call_in(state: &EnvState, bound: &Bound, frame: *mut u8, avalues: *mut *mut c_void) {
    bound.lib.enter();
    let level = state.enter_call();
    let e = unsafe { raw_call(bound, frame, avalues, state.errno_at, state.errno_start.replace(0)) };
    state.leave_call(level);
    state.last_errno.set(e);
    bound.lib.leave();
}

/// Throws the exception a callback threw during the call.
pub(crate) unsafe fn rethrow(env: napi_env, state: &EnvState) -> Error {
    unsafe {
        if let Some(e) = state.take_callback_error(env) {
            sys::napi_throw(env, e);
        }
    }
    Error::new(Code::Internal, "a callback threw")
}

/// All `n` N-API arguments of a call, when there are more than the first
/// eight that every invoker reads.
pub(crate) unsafe fn more_args(env: napi_env, info: napi_callback_info, n: usize) -> Vec<Value> {
    let mut more = vec![null_mut(); n];
    let mut c = n;
    unsafe { state_of(env, info, &mut c, more.as_mut_ptr()) };
    more.truncate(c.min(n));
    more
}

/// A C string, struct or Go value result as JS, for results JS does not read
/// from the buffer itself. `None` for scalars.
///
/// `last`: the caller is a wrapper that keeps its previous C string result.
/// A string equal to that one comes back as undefined, and the wrapper
/// returns the string it has, sparing V8 a new one (the common case of a
/// function that returns a status or a name).
pub(crate) unsafe fn native_result(codec: &Codec, bound: &Bound, ret: *const u8, last: bool) -> Result<Option<Value>> {
    unsafe {
        match &bound.plan.ret {
            RetKind::CString => {
                let p = std::ptr::read(ret as *const *const std::ffi::c_char);
                let v = if last {
                    string_result(codec.env, bound, p)
                } else {
                    marshal::c_string_result(codec.env, p)
                };
                release(bound, p as *mut c_void);
                v.map(Some)
            }
            RetKind::WString(unit) => {
                let p = std::ptr::read(ret as *const *const u8);
                let v = marshal::wide_string_result(codec.env, p, *unit);
                release(bound, p as *mut c_void);
                v.map(Some)
            }
            RetKind::Value(ty) => {
                let v = codec.decode(ty, ret, true);
                if bound.opts.free.is_some() {
                    // The struct's C strings were read (or reading failed):
                    // free them either way.
                    for off in marshal::c_string_fields(ty) {
                        let p = std::ptr::read_unaligned(ret.add(off) as *const *mut c_void);
                        bound.opts.free.release(&bound.lib, p);
                    }
                }
                v.map(Some)
            }
            _ => Ok(None),
        }
    }
}

/// Strings up to this many bytes are compared with the previous result.
const LAST_STRING_MAX: usize = 256;

pub(crate) unsafe fn string_result(env: napi_env, bound: &Bound, p: *const std::ffi::c_char) -> Result<Value> {
    unsafe {
        let mut last = bound.last_string.borrow_mut();
        if p.is_null() {
            *last = None;
            return js::null(env);
        }
        let bytes = std::ffi::CStr::from_ptr(p).to_bytes();
        if bytes.len() > LAST_STRING_MAX {
            *last = None;
            return marshal::c_string_result(env, p);
        }
        if last.as_deref() == Some(bytes) {
            return Ok(null_mut());
        }
        let v = marshal::c_string_result(env, p)?;
        let keep = last.get_or_insert_with(Vec::new);
        keep.clear();
        keep.extend_from_slice(bytes);
        Ok(v)
    }
}

/// Frees a string result once read: by its disposable type, else by the
/// function's `{ free }`.
unsafe fn release(bound: &Bound, p: *mut c_void) {
    unsafe {
        match bound.plan.ret_ty.dispose() {
            crate::types::Dispose::No => bound.opts.free.release(&bound.lib, p),
            how => marshal::dispose(how, p),
        }
    }
}
