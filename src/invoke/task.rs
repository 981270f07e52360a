//! `fn.async()`: the arguments are converted on the JS thread, the C call
//! runs on the libuv thread pool, and a Promise settles with its result.

use super::args::{avalues_for, convert_all};
use super::{current, more_args, native_result, raw_call, state_of};
use crate::env::{errno_location, Bound, EnvState, TaskErrors, CURRENT_TASK};
use crate::error::{check, Code, Error, Result};
use crate::js::{self, guarded, Value};
use crate::marshal::codec::Codec;
use crate::marshal::Scratch;
use napi::sys::{self, napi_callback_info, napi_env};
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;
use std::rc::Rc;

struct Task {
    bound: Rc<Bound>,
    state: Rc<EnvState>,
    frame: Vec<u64>,
    avalues: Vec<*mut c_void>,
    /// Boxed so that pointers into its inline arena stay valid. It holds
    /// everything C is given that JS made (strings, copies of buffers,
    /// out-parameters, lent callbacks), so no JS value must stay alive for
    /// C: the values it updates afterwards are held by reference.
    scratch: Box<Scratch>,
    deferred: sys::napi_deferred,
    work: sys::napi_async_work,
    errno: i32,
    errors: std::sync::Arc<TaskErrors>,
}

pub unsafe extern "C" fn inva(env: napi_env, info: napi_callback_info) -> Value {
    unsafe {
        let mut argv: [Value; 8] = [null_mut(); 8];
        let mut argc = argv.len();
        let state = state_of(env, info, &mut argc, argv.as_mut_ptr());
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
            if n <= 8 {
                return schedule(env, state, bound, &argv[..n]);
            }
            let args = more_args(env, info, n);
            schedule(env, state, bound, &args)
        })
    }
}

unsafe fn schedule(env: napi_env, state: &EnvState, bound: Rc<Bound>, args: &[Value]) -> Result<Value> {
    unsafe {
        let plan = &bound.plan;
        let mut frame = vec![0u64; plan.frame.div_ceil(8)];
        let fp = frame.as_mut_ptr() as *mut u8;
        let codec = Codec {
            env,
            state,
            bigint: bound.opts.bigint,
            moved: &[],
        };
        let errors = std::sync::Arc::new(TaskErrors::default());
        let mut scratch = Box::new(Scratch::new());
        scratch.keep = true;
        scratch.task = Some(errors.clone());
        let converted = convert_all(&codec, &bound, args, fp, &mut scratch);
        // C works on copies of the buffers, so nothing JS does to them
        // during the call can move memory from under it.
        let placed = converted.and_then(|()| scratch.place(env, &bound.name));
        let mut deferred = null_mut();
        let mut promise = null_mut();
        let made = placed
            .and_then(|()| {
                check(
                    sys::napi_create_promise(env, &mut deferred, &mut promise),
                    "napi_create_promise",
                )
            })
            .and_then(|()| EnvState::get(env));
        let strong = match made {
            Ok(s) => s,
            Err(e) => {
                let _ = scratch.release_callbacks(env);
                scratch.drop_refs(env);
                return Err(e);
            }
        };
        let avalues = avalues_for(&bound, fp);
        let task = Box::new(Task {
            bound: bound.clone(),
            state: strong,
            frame,
            avalues,
            scratch,
            deferred,
            work: null_mut(),
            // The errno the call starts with, then the one it left.
            errno: state.errno_start.replace(0),
            errors,
        });
        let name = match js::string(env, "cshared.async") {
            Ok(n) => n,
            Err(e) => {
                cleanup(env, *task);
                return Err(e);
            }
        };
        let raw = Box::into_raw(task);
        let mut work = null_mut();
        let status = sys::napi_create_async_work(
            env,
            null_mut(),
            name,
            Some(execute),
            Some(complete),
            raw as *mut c_void,
            &mut work,
        );
        if status != sys::Status::napi_ok {
            let task = Box::from_raw(raw);
            cleanup(env, *task);
            return Err(Error::new(Code::Internal, "napi_create_async_work failed"));
        }
        (*raw).work = work;
        // The library stays loaded until the call is done.
        bound.lib.enter();
        if sys::napi_queue_async_work(env, work) != sys::Status::napi_ok {
            bound.lib.leave();
            sys::napi_delete_async_work(env, work);
            let task = Box::from_raw(raw);
            cleanup(env, *task);
            return Err(Error::new(Code::Internal, "napi_queue_async_work failed"));
        }
        Ok(promise)
    }
}

unsafe fn cleanup(env: napi_env, mut task: Task) {
    unsafe {
        let _ = task.scratch.release_callbacks(env);
        task.scratch.drop_refs(env);
    }
}

/// On a thread-pool thread: only the frame and the immutable plan are
/// touched (and, by C, the scratch memory the frame points into).
unsafe extern "C" fn execute(_env: napi_env, data: *mut c_void) {
    unsafe {
        let task = &mut *(data as *mut Task);
        let _ = catch_unwind(AssertUnwindSafe(|| {
            CURRENT_TASK.with(|t| t.set(std::sync::Arc::as_ptr(&task.errors)));
            let fp = task.frame.as_mut_ptr() as *mut u8;
            task.errno = raw_call(&task.bound, fp, task.avalues.as_mut_ptr(), errno_location(), task.errno);
            CURRENT_TASK.with(|t| t.set(std::ptr::null()));
        }));
    }
}

unsafe extern "C" fn complete(env: napi_env, status: sys::napi_status, data: *mut c_void) {
    unsafe {
        let mut task = *Box::from_raw(data as *mut Task);
        task.bound.lib.leave();
        sys::napi_delete_async_work(env, task.work);
        if env.is_null() {
            return;
        }
        task.state.last_errno.set(task.errno);
        let outcome = catch_unwind(AssertUnwindSafe(|| settle(env, &mut task, status)));
        let (ok, value) = match outcome {
            Ok(Ok(v)) => (true, v),
            Ok(Err(e)) => (false, e),
            Err(_) => (
                false,
                Error::new(Code::Internal, "internal error in cshared (a panic); please report it").to_js(env),
            ),
        };
        let deferred = task.deferred;
        cleanup(env, task);
        if ok {
            sys::napi_resolve_deferred(env, deferred, value);
        } else {
            sys::napi_reject_deferred(env, deferred, value);
        }
    }
}

/// The async call's result, or the error to reject with (a JS value).
unsafe fn settle(env: napi_env, task: &mut Task, status: sys::napi_status) -> std::result::Result<Value, Value> {
    unsafe {
        let fail = |e: Error| e.to_js(env);
        if status == sys::Status::napi_cancelled {
            return Err(fail(Error::new(
                Code::Closed,
                format!("{}(): the async call was cancelled", task.bound.name),
            )));
        }
        let released = task.scratch.release_callbacks(env);
        // C has run: its writes go back into the buffers, as a synchronous
        // call leaves them, even if the call then rejects.
        task.scratch.copy_back(env);
        let first = task.errors.first.lock().ok().and_then(|mut f| f.take());
        if let Some(r) = first {
            let r = r as sys::napi_ref;
            let v = js::kept(env, r).map_err(fail);
            sys::napi_delete_reference(env, r);
            return Err(v?);
        }
        released.map_err(fail)?;
        let state = &*task.state;
        // A pointer into a copy (a function that returns its argument, a
        // pointer left in an out-parameter) comes back as the address in the
        // buffer.
        let moved = std::mem::take(&mut task.scratch.moved);
        let codec = Codec {
            env,
            state,
            bigint: task.bound.opts.bigint,
            moved: &moved,
        };
        task.scratch.finish(&codec).map_err(fail)?;
        task.scratch.free_handed_over(task.bound.opts.free, &task.bound.lib);
        let ret = (task.frame.as_ptr() as *const u8).add(task.bound.plan.ret_offset);
        if let Some(v) = native_result(&codec, &task.bound, ret, false).map_err(fail)? {
            return Ok(v);
        }
        let ty = &task.bound.plan.ret_ty;
        if ty.is_void() {
            return js::undefined(env).map_err(fail);
        }
        codec.decode(ty, ret, true).map_err(fail)
    }
}
