//! The hot path: the native functions every generated wrapper calls.
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

use crate::bind::Bound;
use crate::call::plan::HEADER;
use crate::call::{abi, ArgKind, RetKind, Route};
use crate::callback::{TaskErrors, CURRENT_TASK};
use crate::env::EnvState;
use crate::error::{check, Code, Error, Result};
use crate::js::{self, Value};
use crate::marshal::codec::Codec;
use crate::marshal::{self, Scratch};
use napi::sys::{self, napi_callback_info, napi_env};
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;
use std::rc::Rc;

#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn errno_location() -> *mut i32 {
    unsafe { libc::__errno_location() }
}

#[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
pub fn errno_location() -> *mut i32 {
    unsafe { libc::__error() }
}

#[cfg(windows)]
pub fn errno_location() -> *mut i32 {
    unsafe extern "C" {
        fn _errno() -> *mut i32;
    }
    unsafe { _errno() }
}

/// Runs `f`, turning an error or a panic into a JS exception. No panic
/// crosses into V8.
pub(crate) unsafe fn guarded(env: napi_env, f: impl FnOnce() -> Result<Value>) -> Value {
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

pub(crate) unsafe fn current(state: &EnvState) -> Result<Rc<Bound>> {
    let id = unsafe { std::ptr::read(state.buf as *const u32) };
    let bound = state
        .bound(id)
        .ok_or_else(|| Error::new(Code::Internal, format!("no bound function with id {id}")))?;
    if bound.lib.is_closed() {
        return Err(closed(&bound));
    }
    Ok(bound)
}

/// Makes the C call with the arguments in `frame`, writing the result at the
/// plan's result offset. `avalues` point at each argument in `frame`.
/// Returns errno as the function left it (`errno_at`: this thread's errno).
#[inline(always)]
unsafe fn raw_call(bound: &Bound, frame: *mut u8, avalues: *mut *mut c_void, errno_at: *mut i32) -> i32 {
    let plan = &bound.plan;
    unsafe {
        *errno_at = 0;
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
unsafe fn call_in(state: &EnvState, bound: &Bound, frame: *mut u8, avalues: *mut *mut c_void) {
    bound.lib.enter();
    let level = crate::callback::enter_call(state);
    let e = unsafe { raw_call(bound, frame, avalues, state.errno_at) };
    unsafe { crate::callback::leave_call(state, level) };
    state.last_errno.set(e);
    bound.lib.leave();
}

/// Throws the exception a callback threw during the call.
unsafe fn rethrow(env: napi_env, state: &EnvState) -> Error {
    unsafe {
        if let Some(e) = crate::callback::take_error(env, state) {
            sys::napi_throw(env, e);
        }
    }
    Error::new(Code::Internal, "a callback threw")
}

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
            return guarded(env, || Err(closed(bound)));
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
                };
                Ok(native_result(&codec, bound, state.buf.add(bound.plan.ret_offset), true)?.unwrap_or(null_mut()))
            });
        }
        null_mut()
    }
}

fn closed(bound: &Bound) -> Error {
    Error::new(
        Code::Closed,
        format!("{}(): library '{}' was closed", bound.name, bound.lib.display_name()),
    )
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
                std::ptr::write(w.add(2), addr as u32);
                std::ptr::write(w.add(3), (addr >> 32) as u32);
                !data.is_null()
            };
        js::boolean(env, ok).unwrap_or(null_mut())
    }
}

/// All `n` N-API arguments of a call, when there are more than the first
/// eight that every invoker reads.
unsafe fn more_args(env: napi_env, info: napi_callback_info, n: usize) -> Vec<Value> {
    let mut more = vec![null_mut(); n];
    let mut c = n;
    unsafe { state_of(env, info, &mut c, more.as_mut_ptr()) };
    more.truncate(c.min(n));
    more
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

/// Converts the natively passed arguments into `frame`. On failure, the
/// closures lent so far are given back.
unsafe fn convert(codec: &Codec, bound: &Bound, args: &[Value], frame: *mut u8, scratch: &mut Scratch) -> Result<()> {
    unsafe {
        let plan = &bound.plan;
        let r = (|| -> Result<()> {
            for (j, &k) in bound.natives.iter().enumerate() {
                match args.get(j) {
                    Some(&v) => marshal::arg(codec, bound, k, v, frame.add(plan.args[k].offset), scratch)?,
                    None if matches!(plan.args[k].kind, ArgKind::Value(_)) => {
                        return Err(Error::new(Code::ArgType, format!("{} is missing", bound.arg_label(k))));
                    }
                    None => {}
                }
            }
            Ok(())
        })();
        if r.is_err() {
            let _ = scratch.release_callbacks(codec.env);
        }
        r
    }
}

fn avalues_for(bound: &Bound, frame: *mut u8) -> Vec<*mut c_void> {
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

/// A C string, struct or Go value result as JS, for results JS does not read
/// from the buffer itself. `None` for scalars.
///
/// `last`: the caller is a wrapper that keeps its previous C string result.
/// A string equal to that one comes back as undefined, and the wrapper
/// returns the string it has, sparing V8 a new one (the common case of a
/// function that returns a status or a name).
unsafe fn native_result(codec: &Codec, bound: &Bound, ret: *const u8, last: bool) -> Result<Option<Value>> {
    unsafe {
        match &bound.plan.ret {
            RetKind::CString => {
                let p = std::ptr::read(ret as *const *const std::ffi::c_char);
                let v = if last {
                    string_result(codec.env, bound, p)
                } else {
                    marshal::c_string_result(codec.env, p)
                };
                if bound.opts.free && !p.is_null() {
                    libc::free(p as *mut c_void);
                }
                v.map(Some)
            }
            RetKind::Value(ty) => codec.decode(ty, ret, true).map(Some),
            _ => Ok(None),
        }
    }
}

/// Strings up to this many bytes are compared with the previous result.
const LAST_STRING_MAX: usize = 256;

unsafe fn string_result(env: napi_env, bound: &Bound, p: *const std::ffi::c_char) -> Result<Value> {
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

// ----- async calls -----

struct Task {
    bound: Rc<Bound>,
    state: Rc<EnvState>,
    frame: Vec<u64>,
    avalues: Vec<*mut c_void>,
    /// Boxed so that pointers into its inline arena stay valid.
    scratch: Box<Scratch>,
    /// The JS objects passed natively, kept alive until the call is done.
    refs: Vec<sys::napi_ref>,
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

/// Converts every argument natively into `frame` (async and variadic calls,
/// whose wrappers write nothing themselves). On failure, the closures lent
/// so far are given back.
unsafe fn convert_all(
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
                    marshal::arg(codec, bound, k, v, slot, scratch)?;
                } else {
                    let label = || bound.arg_label(k);
                    codec.encode(scratch, v, &a.ty, slot, &marshal::codec::Path::Root(&label))?;
                }
            }
            Ok(())
        })();
        if r.is_err() {
            let _ = scratch.release_callbacks(codec.env);
        }
        r
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
        };
        let errors = std::sync::Arc::new(TaskErrors::default());
        let mut scratch = Box::new(Scratch::new());
        scratch.keep = true;
        scratch.task = Some(errors.clone());
        convert_all(&codec, &bound, args, fp, &mut scratch)?;
        let mut refs = Vec::new();
        for &v in args {
            if matches!(
                js::type_of(env, v),
                sys::ValueType::napi_object | sys::ValueType::napi_function
            ) {
                refs.push(js::new_ref(env, v)?);
            }
        }
        let mut deferred = null_mut();
        let mut promise = null_mut();
        check(
            sys::napi_create_promise(env, &mut deferred, &mut promise),
            "napi_create_promise",
        )?;
        let avalues = avalues_for(&bound, fp);
        let strong = EnvState::get(env)?;
        let task = Box::new(Task {
            bound: bound.clone(),
            state: strong,
            frame,
            avalues,
            scratch,
            refs,
            deferred,
            work: null_mut(),
            errno: 0,
            errors,
        });
        let name = js::string(env, "cshared.async")?;
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
        for r in task.refs.drain(..) {
            sys::napi_delete_reference(env, r);
        }
    }
}

/// On a thread-pool thread: only the frame and the immutable plan are touched.
unsafe extern "C" fn execute(_env: napi_env, data: *mut c_void) {
    unsafe {
        let task = &mut *(data as *mut Task);
        let _ = catch_unwind(AssertUnwindSafe(|| {
            CURRENT_TASK.with(|t| t.set(std::sync::Arc::as_ptr(&task.errors)));
            let fp = task.frame.as_mut_ptr() as *mut u8;
            task.errno = raw_call(&task.bound, fp, task.avalues.as_mut_ptr(), errno_location());
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
        let first = task.errors.first.lock().ok().and_then(|mut f| f.take());
        if let Some(r) = first {
            let r = r as sys::napi_ref;
            let v = js::deref(env, r).map_err(fail);
            sys::napi_delete_reference(env, r);
            return Err(v?);
        }
        released.map_err(fail)?;
        let state = &*task.state;
        let codec = Codec {
            env,
            state,
            bigint: task.bound.opts.bigint,
        };
        task.scratch.finish(&codec).map_err(fail)?;
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

// ----- variadic calls -----

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
            let t = crate::api::types::type_arg(env, state, &Default::default(), pair[0], &what)?;
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
                        .map_err(|e| Error::new(Code::Unsupported, format!("{}(): {e}", bound.name)))?,
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
                let path = marshal::codec::Path::Root(&label);
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
                        let n = marshal::codec::read_int(t, *int);
                        std::ptr::write_unaligned(slot as *mut i32, n as i32);
                    }
                    crate::types::Type::Enum(e) if e.repr.bytes < 4 => {
                        codec.encode(&mut scratch, v, declared, t, &path)?;
                        let n = marshal::codec::read_int(t, e.repr);
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
        let level = crate::callback::enter_call(state);
        *state.errno_at = 0;
        cif.call(bound.fnptr, ret as *mut c_void, avalues.as_mut_ptr());
        let e = *state.errno_at;
        crate::callback::leave_call(state, level);
        state.last_errno.set(e);
        bound.lib.leave();
        let released = scratch.release_callbacks(env);
        if state.cb_error.get().is_some() {
            return Err(rethrow(env, state));
        }
        released?;
        scratch.finish(&codec)?;
        if let Some(v) = native_result(&codec, bound, ret, false)? {
            return Ok(v);
        }
        if plan.ret_ty.is_void() {
            return js::undefined(env);
        }
        codec.decode(&plan.ret_ty, ret, true)
    }
}
