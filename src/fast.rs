//! V8 fast API calls, through the accelerator (accel/): a small module per
//! Node ABI that makes `invf`, a zero-argument function with a V8 fast C
//! function. The wrapper of a function whose plan is `Plan::fast_safe`
//! writes the arguments into the shared buffer as usual, then calls
//! `invf()`; optimized code calls the accelerator's fast function directly,
//! which calls `fast_call` here through `TABLE`. `fast_call` makes the C
//! call when nothing can run JS, allocate on the JS heap or throw during
//! it, and returns 1; otherwise it does nothing and returns 0, and the
//! wrapper calls the Node-API invoker (`invoke::sync::inv`) as it would
//! without the accelerator.
//!
//! This file is cshared's whole side of it: the C table (its layout is
//! accel/cshared-fast.h), the call, and finding and loading the
//! accelerator (src/js/fast.js) for `EnvState::fast_ready`.

use crate::call::plan::HEADER;
use crate::call::{abi, DirectKind};
use crate::env::{self, EnvState, FastStatus};
use crate::error::{check, Result};
use crate::js::{self, Value};
use napi::sys::{self, napi_env};
use std::ptr::null_mut;

/// "CSFT", and the table's version: accel/cshared-fast.h.
pub const MAGIC: u32 = 0x4353_4654;
pub const VERSION: u32 = 1;

/// `cshared_fast_table` of accel/cshared-fast.h.
#[repr(C)]
pub struct Table {
    magic: u32,
    version: u32,
    call: unsafe extern "C" fn(i32) -> i32,
}

static TABLE: Table = Table {
    magic: MAGIC,
    version: VERSION,
    call: fast_call,
};

/// The call whose id and arguments are in the shared buffer of this
/// thread's environment, made from V8's fast path (`via` 1) or the
/// accelerator's slow callback (0). Nothing here calls Node-API or V8;
/// it returns 0, having done nothing, whenever the call might need them:
/// - the environment is not the only one on its thread (`env::fast_state`);
/// - a callback of this thread is lent or registered, or C was given the
///   `napi_env` (`Fast::js_reachable`): C could run JS during the call;
/// - the function is not fast-safe (a native result, libffi), or its
///   library is closed (the Node-API invoker throws `ERR_CLOSED`).
///
/// C calling a callback after its time, the one way left for JS to be
/// needed, is reported by `callback.rs` through `Fast::defer`: then this
/// returns 0 too and the Node-API invoker throws the error (it does not
/// call again).
unsafe extern "C" fn fast_call(via: i32) -> i32 {
    unsafe {
        let state = env::fast_state();
        if state.is_null() {
            return 0;
        }
        let state = &*state;
        if state.fast.js_reachable() {
            return 0;
        }
        let id = std::ptr::read(state.buf as *const u32);
        let bound = match state.bound_ptr(id) {
            Some(b) => &*b,
            None => return 0,
        };
        let kind = match bound.fast {
            Some(k) if !bound.lib.is_closed() && !state.fast.has_deferred() => k,
            _ => return 0,
        };
        // `invoke::call_in` without what only callbacks need: none can run
        // (no JS can close the library, open a handle scope or nest a call).
        state.fast.set_in_fast_call(true);
        *state.errno_at = state.errno_start.replace(0);
        let slots = state.buf.add(HEADER) as *const u64;
        let r = match kind {
            DirectKind::Ints => abi::call_ints(bound.fnptr, slots),
            DirectKind::Full { float_ret } => abi::call(bound.fnptr, slots, float_ret),
        };
        std::ptr::write(state.buf.add(bound.plan.ret_offset) as *mut u64, r);
        state.last_errno.set(*state.errno_at);
        state.fast.set_in_fast_call(false);
        let n = &state.fast.calls[(via & 1) as usize];
        n.set(n.get() + 1);
        i32::from(!state.fast.has_deferred())
    }
}

/// Looks for the accelerator and, if it loads, makes wrappers from now on
/// call its `invf` (`EnvState::fast_ready` calls this once).
///
/// # Safety
/// `env` must be the current environment and `state` its state.
pub unsafe fn load(env: napi_env, state: &EnvState) {
    unsafe {
        let found = (|| -> Result<Value> {
            let found = if !state.is_sole() {
                // `fast_call` finds its environment through `SOLE`.
                let o = js::object(env)?;
                let why = "this is not the only cshared environment on its thread";
                js::set(env, o, c"reason", js::string(env, why)?)?;
                o
            } else {
                let src = js::string(env, include_str!("js/fast.js"))?;
                let mut loader = null_mut();
                check(sys::napi_run_script(env, src, &mut loader), "the accelerator's loader")?;
                let addr = &TABLE as *const Table as usize as u64;
                let args = [
                    js::string(env, &own_path().unwrap_or_default())?,
                    js::number(env, (addr & 0xffff_ffff) as f64)?,
                    js::number(env, (addr >> 32) as f64)?,
                ];
                js::call(env, loader, &args)?
            };
            let invf = js::get(env, found, c"invf")?;
            if js::type_of(env, invf) == sys::ValueType::napi_function {
                let accelerate = state.helper(env, c"accelerate")?;
                js::call(env, accelerate, &[invf])?;
                state.fast.set_status(FastStatus::Active);
                state.claim_fast_owner();
            }
            Ok(found)
        })();
        match found {
            Ok(v) => {
                if let Ok(r) = js::new_ref(env, v) {
                    state.fast.found.set(r);
                }
            }
            Err(_) => {
                // Without the accelerator, as if it were not installed.
                state.fast.set_status(FastStatus::Off);
                let mut pending = false;
                sys::napi_is_exception_pending(env, &mut pending);
                if pending {
                    let mut e = null_mut();
                    sys::napi_get_and_clear_last_exception(env, &mut e);
                }
            }
        }
    }
}

/// `fastCalls()`: `{ active, accelerator, reason, fast, slow }`.
///
/// # Safety
/// `env` must be the current environment and `state` its state.
pub unsafe fn status(env: napi_env, state: &EnvState) -> Result<Value> {
    unsafe {
        state.fast_ready(env);
        let o = js::object(env)?;
        let active = state.fast.status() == FastStatus::Active;
        js::set(env, o, c"active", js::boolean(env, active)?)?;
        let (mut path, mut reason) = (js::null(env)?, js::null(env)?);
        let r = state.fast.found.get();
        if !r.is_null() {
            let found = js::deref(env, r)?;
            for (key, out) in [(c"path", &mut path), (c"reason", &mut reason)] {
                let v = js::get(env, found, key)?;
                if js::type_of(env, v) == sys::ValueType::napi_string {
                    *out = v;
                }
            }
        } else if !active {
            reason = js::string(env, "the accelerator could not be looked for")?;
        }
        js::set(env, o, c"accelerator", path)?;
        js::set(env, o, c"reason", reason)?;
        js::set(env, o, c"fast", js::number(env, state.fast.calls[1].get() as f64)?)?;
        js::set(env, o, c"slow", js::number(env, state.fast.calls[0].get() as f64)?)?;
        Ok(o)
    }
}

/// The path of cshared's own .node file.
#[cfg(unix)]
fn own_path() -> Option<String> {
    use std::ffi::c_void;
    unsafe {
        let mut info: libc::Dl_info = std::mem::zeroed();
        if libc::dladdr(&TABLE as *const Table as *const c_void, &mut info) == 0 || info.dli_fname.is_null() {
            return None;
        }
        Some(std::ffi::CStr::from_ptr(info.dli_fname).to_string_lossy().into_owned())
    }
}

#[cfg(not(unix))]
fn own_path() -> Option<String> {
    None
}
