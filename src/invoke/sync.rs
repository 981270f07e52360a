//! Synchronous calls: `inv` (every argument already in the shared buffer)
//! and `invo` (some passed as N-API values), and `view_address`, which
//! stamps TypedArrays for the wrappers.

use super::args::{avalues_for, convert};
use super::{call_in, current, more_args, native_result, rethrow, state_of};
use crate::call::plan::SCRATCH_WORD;
use crate::env::{Bound, EnvState};
use crate::error::{Code, Error, Result};
use crate::js::{self, guarded, Value};
use crate::marshal::codec::Codec;
use crate::marshal::{self, Scratch};
use napi::sys::{self, napi_callback_info, napi_env};
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;

pub unsafe extern "C" fn inv(env: napi_env, info: napi_callback_info) -> Value {
    unsafe {
        let mut argc = 0;
        let state = state_of(env, info, &mut argc, null_mut());
        scalar_call(env, &*state)
    }
}

/// `inv` for the sole environment on its thread (see `env::SOLE`): the
/// state comes from a thread-local instead of `napi_get_cb_info`.
pub unsafe extern "C" fn inv_sole(env: napi_env, info: napi_callback_info) -> Value {
    unsafe {
        let state = crate::env::SOLE.with(|s| s.get());
        if state.is_null() {
            return inv(env, info);
        }
        scalar_call(env, &*state)
    }
}

#[inline(always)]
unsafe fn scalar_call(env: napi_env, state: &EnvState) -> Value {
    // Nothing below panics, but no panic may ever reach V8.
    match catch_unwind(AssertUnwindSafe(|| unsafe { scalar_call_inner(env, state) })) {
        Ok(v) => v,
        Err(_) => unsafe {
            guarded(env, || {
                Err(Error::new(
                    Code::Internal,
                    "internal error in cshared (a panic); please report it",
                ))
            })
        },
    }
}

#[inline(always)]
unsafe fn scalar_call_inner(env: napi_env, state: &EnvState) -> Value {
    unsafe {
        // The call was made from the fast path, which could not throw this.
        if state.fast.has_deferred() {
            if let Some(e) = state.fast.take_deferred() {
                return guarded(env, || Err(e));
            }
        }
        let id = std::ptr::read(state.buf as *const u32);
        let bound = match state.bound_ptr(id) {
            Some(b) => &*b,
            None => {
                return guarded(env, || {
                    Err(Error::new(Code::Internal, format!("no bound function with id {id}")))
                })
            }
        };
        if bound.lib.is_closed() {
            return guarded(env, || Err(bound.closed()));
        }
        call_in(state, bound, state.buf, bound.avalues.as_ptr() as *mut *mut c_void);
        if state.cb_error.get().is_some() {
            return guarded(env, || Err(rethrow(env, state)));
        }
        if bound.plan.native_result() {
            // A C string or a struct JS does not read itself.
            return guarded(env, || {
                let codec = Codec {
                    env,
                    state,
                    bigint: bound.opts.bigint,
                    moved: &[],
                };
                Ok(native_result(&codec, bound, state.buf.add(bound.plan.ret_offset), true)?.unwrap_or(null_mut()))
            });
        }
        null_mut()
    }
}

/// The prelude's `addr(view)`: a TypedArray's data address, at u32[2] and
/// u32[3], so the wrappers can write it themselves on later calls. False for
/// anything else, and for an empty, detached or shared buffer (native code
/// converts or rejects those on every call). Getting the address moves a
/// small on-heap array's data off the heap, where it stays put.
pub unsafe extern "C" fn view_address(env: napi_env, info: napi_callback_info) -> Value {
    unsafe {
        let mut argv: [Value; 1] = [null_mut()];
        let mut argc = 1;
        let state = state_of(env, info, &mut argc, argv.as_mut_ptr());
        let mut yes = false;
        let ok = argc == 1
            && sys::napi_is_typedarray(env, argv[0], &mut yes) == sys::Status::napi_ok
            && yes
            && matches!(marshal::buffer_data(env, argv[0]), Ok(Some((p, n))) if !p.is_null() && n > 0)
            && {
                let mut data = null_mut();
                let (mut kind, mut len, mut ab, mut off) = (0, 0, null_mut(), 0);
                sys::napi_get_typedarray_info(env, argv[0], &mut kind, &mut len, &mut data, &mut ab, &mut off);
                let addr = data as usize as u64;
                let w = (*state).buf as *mut u32;
                std::ptr::write(w.add(SCRATCH_WORD), addr as u32);
                std::ptr::write(w.add(SCRATCH_WORD + 1), (addr >> 32) as u32);
                !data.is_null()
            };
        js::boolean(env, ok).unwrap_or(null_mut())
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
            if n <= 8 {
                return object_call(env, state, &bound, &argv[..argc.min(n)]);
            }
            object_call(env, state, &bound, &more_args(env, info, n))
        })
    }
}

unsafe fn object_call(env: napi_env, state: &EnvState, bound: &Bound, args: &[Value]) -> Result<Value> {
    unsafe {
        let plan = &bound.plan;
        // A private copy of the frame (see the module comment); only the
        // bytes copied into it are ever read.
        let mut stack = std::mem::MaybeUninit::<[u64; 128]>::uninit();
        let mut heap: Vec<u64>;
        let words = plan.frame.div_ceil(8);
        let frame: *mut u8 = if words <= 128 {
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
            moved: &[],
        };
        let mut scratch = Scratch::new();
        convert(&codec, bound, args, frame, &mut scratch)?;
        let mut avalues = avalues_for(bound, frame);
        call_in(state, bound, frame, avalues.as_mut_ptr());
        // `scratch` stays alive past this point: a result may point into it
        // (a C function that returns its argument).
        let released = scratch.release_callbacks(env);
        if state.cb_error.get().is_some() {
            return Err(rethrow(env, state));
        }
        released?;
        scratch.finish(&codec)?;
        scratch.free_handed_over(bound.opts.free, &bound.lib);
        let ret = frame.add(plan.ret_offset);
        if plan.native_result() {
            if let Some(v) = native_result(&codec, bound, ret, true)? {
                return Ok(v);
            }
        }
        // Back to the shared buffer, where the wrapper reads it.
        let size = crate::call::ffi::slot_size(&plan.ret_ty);
        std::ptr::copy_nonoverlapping(ret, state.buf.add(plan.ret_offset), size);
        Ok(null_mut())
    }
}

/// `invn(...args)`: a call whose frame does not fit in the shared buffer
/// (`Plan::big`): every argument is converted natively into a frame of
/// its own, and the result comes back natively.
pub unsafe extern "C" fn invn(env: napi_env, info: napi_callback_info) -> Value {
    unsafe {
        let mut argc = 0;
        let state = state_of(env, info, &mut argc, null_mut());
        guarded(env, || {
            let state = &*state;
            let bound = current(state)?;
            let n = bound.plan.args.len();
            if argc != n {
                return Err(Error::new(
                    Code::ArgCount,
                    format!(
                        "{}() takes {n} argument{}, got {argc}",
                        bound.name,
                        if n == 1 { "" } else { "s" }
                    ),
                ));
            }
            let args = more_args(env, info, n);
            let plan = &bound.plan;
            let mut frame = vec![0u64; plan.frame.div_ceil(8)];
            let fp = frame.as_mut_ptr() as *mut u8;
            let codec = Codec {
                env,
                state,
                bigint: bound.opts.bigint,
                moved: &[],
            };
            let mut scratch = Scratch::new();
            super::args::convert_all(&codec, &bound, &args, fp, &mut scratch)?;
            let mut avalues = avalues_for(&bound, fp);
            call_in(state, &bound, fp, avalues.as_mut_ptr());
            let released = scratch.release_callbacks(env);
            if state.cb_error.get().is_some() {
                return Err(rethrow(env, state));
            }
            released?;
            scratch.finish(&codec)?;
            let ret = fp.add(plan.ret_offset);
            if let Some(v) = native_result(&codec, &bound, ret, false)? {
                return Ok(v);
            }
            if plan.ret_ty.is_void() {
                return js::undefined(env);
            }
            codec.decode(&plan.ret_ty, ret, true)
        })
    }
}
