//! C → JS callbacks. Each callback is a libffi closure whose handler runs
//! the JS function on its environment's thread:
//! - called on that thread (qsort calling its comparator), it calls the JS
//!   function directly, through an adapter generated for the signature
//!   (see `codegen::adapter_source`);
//! - called from any other thread (a thread the library made, an async
//!   call's worker), it queues the call to the JS thread through a
//!   threadsafe function and waits for the result; a Promise result is
//!   awaited.
//!
//! A JS function passed as an argument gets a closure for the duration of
//! the call, from a pool per signature. `register()` makes one that lives
//! until `unregister()`. A closure that C calls when no JS function is
//! behind it (after `unregister()`, or after the call it was lent for) stops
//! the process with a message naming it, rather than corrupting memory.
use crate::call::codegen;
use crate::call::ffi::{self, CallIf, RawCif};
use crate::call::plan::{ArgKind, CallbackPlan, CbRet};
use crate::env::{
    thread_mark, CbShared, CbType, EnvLink, EnvState, Func, Lent, Slot, SlotState, TaskErrors, CURRENT_TASK,
};
use crate::error::{call_error, check, Code, Error, Result};
use crate::js::{self, Value};
use crate::marshal::codec::{read_int, write_int_of, Codec, Path};
use crate::marshal::Scratch;
use crate::types::{Signature, Type};
use napi::sys::{self, napi_env};
use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::ptr::null_mut;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};

pub fn check_signature(sig: &Signature) -> std::result::Result<(), crate::call::CallError> {
    CallbackPlan::new(sig).map(|_| ())
}

fn fatal(slot: &Slot, why: &str) -> ! {
    eprintln!(
        "cshared: FATAL: C called the callback '{}' ({}) {why}. The process is stopped here, before memory is corrupted.",
        slot.shared().name,
        slot.shared().plan.ret_ty
    );
    std::process::abort()
}

unsafe fn zero_ret(slot: &Slot, ret: *mut c_void) {
    let size = crate::call::ffi::slot_size(&slot.shared().plan.ret_ty);
    unsafe { std::ptr::write_bytes(ret as *mut u8, 0, size) };
}

unsafe extern "C" fn handler(_cif: *mut RawCif, ret: *mut c_void, args: *mut *mut c_void, data: *mut c_void) {
    let slot = unsafe { &*(data as *const Slot) };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe { dispatch(slot, ret, args) }));
    if outcome.is_err() {
        unsafe { zero_ret(slot, ret) };
    }
}

unsafe fn dispatch(slot: &Slot, ret: *mut c_void, args: *mut *mut c_void) {
    unsafe {
        let why = match slot.state() {
            SlotState::Lent | SlotState::Registered => None,
            SlotState::Dead => Some("after it was unregistered"),
            SlotState::Idle => Some("after the call it was passed to had returned (register() it to keep it)"),
        };
        if let Some(why) = why {
            // On the JS thread the mistake can be reported to JS; from
            // another thread there is no one to tell, and running on with
            // a made-up result would hide it.
            if thread_mark() == slot.link().thread && slot.link().alive.load(Ordering::Acquire) {
                zero_ret(slot, ret);
                expired(slot, why);
                return;
            }
            fatal(slot, why);
        }
        if !slot.link().alive.load(Ordering::Acquire) {
            zero_ret(slot, ret);
            return;
        }
        let n = slot.shared().plan.params.len();
        // libffi's array of pointers to each argument.
        let argv: &[*const u8] = if n == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(args as *const *const u8, n)
        };
        if thread_mark() == slot.link().thread {
            if crate::env::in_fast_call() {
                // Never: the fast path is off while any callback of this
                // thread is lent or registered (src/fast.rs).
                fatal(slot, "during a call made from V8's fast path");
            }
            on_js_thread(slot, ret as *mut u8, argv);
        } else if slot.is_sync() {
            // The JS thread is inside the very call this closure was lent
            // to, so it cannot run the function now; waiting would hang.
            slot.mark_misused();
            zero_ret(slot, ret);
        } else {
            from_other_thread(slot, ret as *mut u8, argv);
        }
    }
}

/// C called a closure with no JS function behind it, on the JS thread: the
/// call it happens in throws `ERR_CALLBACK_EXPIRED` when it returns (or, in
/// no call, a process warning says so). C got a zero result.
unsafe fn expired(slot: &Slot, why: &str) {
    unsafe {
        let e = Error::new(
            Code::CallbackExpired,
            format!(
                "C called the callback '{}' {why}; C got a zero result",
                slot.shared().name
            ),
        );
        if crate::env::in_fast_call() {
            // No Node-API here: the call made from the fast path reports
            // that it did nothing more, and the Node-API invoker throws this.
            let sole = crate::env::SOLE.with(|s| s.get());
            if !sole.is_null() {
                (*sole).fast.defer(e);
            }
            return;
        }
        let state = &*slot.link().state;
        let env = state.env;
        let mut scope = null_mut();
        sys::napi_open_handle_scope(env, &mut scope);
        let in_call = state.in_call();
        if in_call && state.cb_error.get().is_none() {
            if let Ok(r) = js::keep(env, e.to_js(env)) {
                state.cb_error.set(Some(r));
            }
        } else if !in_call {
            warn_text(env, &e.msg);
        }
        if !scope.is_null() {
            sys::napi_close_handle_scope(env, scope);
        }
    }
}

/// Runs the callback on its own JS thread, inside whatever call led here.
unsafe fn on_js_thread(slot: &Slot, ret: *mut u8, argv: &[*const u8]) {
    unsafe {
        let state = &*slot.link().state;
        let env = state.env;
        if state.cb_error.get().is_some() {
            // A callback already threw during this call: the rest get defaults.
            zero_ret(slot, ret as *mut c_void);
            return;
        }
        let scope = state.callback_scope(slot.state() == SlotState::Lent && slot.is_sync());
        match run_js(env, state, slot, argv, ret) {
            Ok(Some(promise)) => {
                let _ = promise;
                zero_ret(slot, ret as *mut c_void);
                let e = Error::new(
                    Code::Unsupported,
                    format!(
                        "callback '{}' returned a Promise, but its C caller runs on the JS thread and cannot wait for it; call the C function with .async() to await callbacks",
                        slot.shared().name
                    ),
                );
                record_error(env, state, slot, e.to_js(env), None, true);
            }
            Ok(None) => {}
            Err(exception) => {
                zero_ret(slot, ret as *mut c_void);
                record_error(env, state, slot, exception, None, true);
            }
        }
        if !scope.is_null() {
            sys::napi_close_handle_scope(env, scope);
        }
    }
}

/// Keeps a callback's exception: for the async call it happened in, the
/// registered callback's `onError`, or the current call (which throws it
/// when the C function returns).
unsafe fn record_error(
    env: napi_env,
    state: &EnvState,
    slot: &Slot,
    exception: Value,
    task: Option<&TaskErrors>,
    in_call: bool,
) {
    unsafe {
        if let Some(t) = task {
            if let Ok(mut first) = t.first.lock() {
                if first.is_none() {
                    if let Ok(r) = js::keep(env, exception) {
                        *first = Some(r as usize);
                    }
                }
            }
            return;
        }
        if let Some(handler) = slot.on_error() {
            if let Ok(f) = js::deref(env, handler) {
                let _ = js::call(env, f, &[exception]);
                clear_exception(env);
            }
            return;
        }
        if !in_call {
            // No call to throw it from: warn rather than crash the process.
            warn(env, slot, exception);
            return;
        }
        if state.cb_error.get().is_none() {
            if let Ok(r) = js::keep(env, exception) {
                state.cb_error.set(Some(r));
            }
        }
    }
}

unsafe fn clear_exception(env: napi_env) {
    unsafe {
        let mut pending = false;
        sys::napi_is_exception_pending(env, &mut pending);
        if pending {
            let mut e = null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut e);
        }
    }
}

/// `process.emitWarning()` for an error no call can report.
unsafe fn warn(env: napi_env, slot: &Slot, exception: Value) {
    let _ = exception;
    let msg = format!(
        "cshared: callback '{}' threw; C got a default value",
        slot.shared().name
    );
    unsafe { warn_text(env, &msg) };
}

unsafe fn warn_text(env: napi_env, text: &str) {
    unsafe {
        let _ = (|| -> Result<()> {
            let mut global = null_mut();
            check(sys::napi_get_global(env, &mut global), "global")?;
            let process = js::get(env, global, c"process")?;
            let emit = js::get(env, process, c"emitWarning")?;
            let msg = js::string(env, text)?;
            let _ = js::call(env, emit, &[msg]);
            Ok(())
        })();
        clear_exception(env);
    }
}

/// Calls the JS function with the C arguments and writes its result to
/// `ret`. `Ok(Some(promise))` when it returned a Promise (the caller decides
/// what to do), `Err(exception)` when it threw or returned a bad value.
unsafe fn run_js(
    env: napi_env,
    state: &EnvState,
    slot: &Slot,
    argv: &[*const u8],
    ret: *mut u8,
) -> std::result::Result<Option<Value>, Value> {
    unsafe {
        let fail = |e: Error| -> Value { e.to_js(env) };
        let shared = &slot.shared();
        let plan = &shared.plan;
        let func = match slot.func() {
            Func::Value(v) => *v,
            Func::Ref(r) => js::deref(env, *r).map_err(fail)?,
            Func::None => return Err(fail(Error::new(Code::Internal, "callback without a function"))),
        };
        let codec = Codec {
            env,
            state,
            bigint: false,
            moved: &[],
        };
        // The function, then the arguments JS cannot read from the buffer;
        // on the stack for the usual few.
        let mut few: [Value; 8] = [null_mut(); 8];
        let mut many: Vec<Value> = Vec::new();
        let natives = plan.params.iter().filter(|p| p.scalar.is_none()).count();
        let call_args: &mut [Value] = if natives < few.len() {
            &mut few[..natives + 1]
        } else {
            many.resize(natives + 1, null_mut());
            &mut many
        };
        call_args[0] = func;
        let mut j = 1;
        for (k, p) in plan.params.iter().enumerate() {
            match &p.scalar {
                Some(_) => {
                    let size = p.ty.size().unwrap_or(8).min(8);
                    std::ptr::copy_nonoverlapping(argv[k], state.buf.add(p.offset), size);
                }
                None => {
                    call_args[j] = codec.decode(&p.ty, argv[k], true).map_err(fail)?;
                    j += 1;
                }
            }
        }
        let adapter = js::deref(env, shared.adapter as sys::napi_ref).map_err(fail)?;
        let recv = js::undefined(env).map_err(fail)?;
        let mut out = null_mut();
        let status = sys::napi_call_function(env, recv, adapter, call_args.len(), call_args.as_ptr(), &mut out);
        if status != sys::Status::napi_ok {
            let mut e = null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut e);
            return Err(e);
        }
        let mut is_promise = false;
        sys::napi_is_promise(env, out, &mut is_promise);
        if is_promise {
            return Ok(Some(out));
        }
        write_result(env, state, slot, out, ret).map_err(fail)?;
        Ok(None)
    }
}

/// Moves the adapter's result into the closure's return slot: from the
/// buffer (scalars), or converted natively (`out`: a struct, a buffer).
unsafe fn write_result(env: napi_env, state: &EnvState, slot: &Slot, out: Value, ret: *mut u8) -> Result<()> {
    unsafe {
        let plan = &slot.shared().plan;
        let codec = Codec {
            env,
            state,
            bigint: false,
            moved: &[],
        };
        let label = || format!("the result of callback '{}'", slot.shared().name);
        let path = Path::Root(&label);
        match &plan.ret {
            CbRet::Void => Ok(()),
            CbRet::Native(ty) => {
                let mut scratch = Scratch::new();
                // Inside a foreign call on this thread, strings in the result
                // live until that call returns (`EnvState::own_written`).
                let in_call = state.in_call() && thread_mark() == state.link.thread;
                if in_call {
                    scratch.persist = Some(Vec::new());
                }
                let size = ty.size().unwrap_or(0);
                let mut tmp = vec![0u128; size.div_ceil(16).max(1)];
                let r = codec.encode(&mut scratch, out, ty, tmp.as_mut_ptr() as *mut u8, &path);
                let kept = scratch.persist.take().unwrap_or_default();
                if r.is_err() || !scratch.is_empty() {
                    for a in kept {
                        libc::free(a as *mut c_void);
                    }
                    r?;
                    return Err(Error::new(
                        Code::ArgValue,
                        format!(
                            "{} holds a string or array whose memory would be gone (outside a call on the JS thread; return alloc() memory instead)",
                            label()
                        ),
                    ));
                }
                state.own_written(kept);
                std::ptr::copy_nonoverlapping(tmp.as_ptr() as *const u8, ret, size);
                Ok(())
            }
            CbRet::Scalar(kind) => {
                let src = state.buf.add(plan.ret_offset);
                if matches!(kind, ArgKind::Pointer(_) | ArgKind::CString)
                    && js::type_of(env, out) != sys::ValueType::napi_undefined
                {
                    let mut scratch = Scratch::new();
                    return codec.pointer(&mut scratch, out, &Type::Void, ret, &path);
                }
                // libffi wants integers narrower than a register widened to one.
                match kind {
                    // The adapter wrote the value in the host's order.
                    ArgKind::Int(i) if i.swap => {
                        let mut tmp = [0u8; 8];
                        write_int_of(tmp.as_mut_ptr(), *i, read_int(src, i.native()));
                        let raw = read_int(tmp.as_ptr(), crate::types::Int::new(i.bytes, false));
                        std::ptr::write_unaligned(ret as *mut i64, raw as i64)
                    }
                    ArgKind::Int(i) => std::ptr::write_unaligned(ret as *mut i64, read_int(src, *i) as i64),
                    ArgKind::Bool => std::ptr::write_unaligned(ret as *mut u64, u64::from(*src != 0)),
                    ArgKind::F32 => std::ptr::copy_nonoverlapping(src, ret, 4),
                    _ => std::ptr::copy_nonoverlapping(src, ret, 8),
                }
                Ok(())
            }
        }
    }
}

// ----- calls from other threads -----

struct Request {
    slot: *const Slot,
    args: Vec<Vec<u8>>,
    ret: UnsafeCell<Vec<u8>>,
    done: Mutex<bool>,
    cv: Condvar,
    task: *const TaskErrors,
    /// Let go by `release_waiting` while still queued: the queue may yet
    /// hand it to `call_js` (with a null env at teardown), so it is never
    /// freed (one small leak, at exit only).
    abandoned: std::sync::atomic::AtomicBool,
}

unsafe fn from_other_thread(slot: &Slot, ret: *mut u8, argv: &[*const u8]) {
    unsafe {
        let plan = &slot.shared().plan;
        let args = plan
            .params
            .iter()
            .zip(argv)
            .map(|(p, &a)| {
                let size = p.ty.size().unwrap_or(8);
                std::slice::from_raw_parts(a, size).to_vec()
            })
            .collect();
        let size = crate::call::ffi::slot_size(&plan.ret_ty);
        let req = Box::new(Request {
            slot,
            args,
            ret: UnsafeCell::new(vec![0u8; size]),
            done: Mutex::new(false),
            cv: Condvar::new(),
            task: match slot.task() {
                t if !t.is_null() => t,
                _ => CURRENT_TASK.with(|t| t.get()),
            },
            abandoned: std::sync::atomic::AtomicBool::new(false),
        });
        let req_ptr = Box::into_raw(req);
        let link = slot.link();
        let queued = match link.tsfn.lock() {
            Ok(guard) => match *guard {
                Some(tsfn) => {
                    let ok = sys::napi_call_threadsafe_function(
                        tsfn as sys::napi_threadsafe_function,
                        req_ptr as *mut c_void,
                        1,
                    ) == sys::Status::napi_ok;
                    if ok {
                        if let Ok(mut p) = link.pending.lock() {
                            p.push(req_ptr as usize);
                        }
                    }
                    ok
                }
                None => false,
            },
            Err(_) => false,
        };
        if !queued {
            drop(Box::from_raw(req_ptr));
            zero_ret(slot, ret as *mut c_void);
            return;
        }
        let req = &*req_ptr;
        if let Ok(mut done) = req.done.lock() {
            while !*done {
                done = match req.cv.wait(done) {
                    Ok(d) => d,
                    Err(_) => break,
                };
            }
        }
        // Off the list before it is freed; `release_waiting` holds the lock
        // while it finishes what is on it.
        if let Ok(mut p) = link.pending.lock() {
            p.retain(|&r| r != req_ptr as usize);
        }
        std::ptr::copy_nonoverlapping((*req.ret.get()).as_ptr(), ret, size);
        if !req.abandoned.load(Ordering::Acquire) {
            drop(Box::from_raw(req_ptr));
        }
    }
}

/// The environment is going away (`process.exit()`, the end of the
/// script, a worker's end): threads waiting for the JS thread get the
/// callback type's zero result now, and later calls get it at once.
/// Otherwise an exit inside such a callback hangs: the JS thread joins the
/// thread pool, whose thread waits for a C thread, which waits for JS.
pub fn release_waiting(link: &EnvLink) {
    link.alive.store(false, Ordering::Release);
    if let Ok(mut t) = link.tsfn.lock() {
        *t = None;
    }
    if let Ok(p) = link.pending.lock() {
        for &r in p.iter() {
            // SAFETY: a request stays allocated while it is on the list.
            let req = unsafe { &*(r as *const Request) };
            req.abandoned.store(true, Ordering::Release);
            unsafe {
                let ret = &mut *req.ret.get();
                ret.iter_mut().for_each(|b| *b = 0);
                finish(req);
            }
        }
    }
}

/// `process.on('exit')` (installed by the prelude setup): see `release_waiting`.
pub unsafe extern "C" fn on_exit(env: napi_env, info: sys::napi_callback_info) -> Value {
    unsafe {
        let mut argc = 0;
        let state = js::cb_info(env, info, &mut argc, null_mut()) as *const EnvState;
        if !state.is_null() {
            release_waiting(&(*state).link);
        }
        null_mut()
    }
}

unsafe fn finish(req: &Request) {
    if let Ok(mut d) = req.done.lock() {
        *d = true;
    }
    req.cv.notify_all();
}

/// Runs a queued request on the JS thread (`env` is null when the
/// environment is going away: the caller gets a default value).
pub unsafe extern "C" fn call_js(env: napi_env, _f: Value, _ctx: *mut c_void, data: *mut c_void) {
    unsafe {
        let req = &*(data as *const Request);
        if env.is_null() {
            finish(req);
            return;
        }
        let slot = &*req.slot;
        let state = &*slot.link().state;
        let argv: Vec<*const u8> = req.args.iter().map(|a| a.as_ptr()).collect();
        let ret = (*req.ret.get()).as_mut_ptr();
        let task = req.task.as_ref();
        match run_js(env, state, slot, &argv, ret) {
            Ok(None) => finish(req),
            Ok(Some(promise)) => {
                if let Err(e) = await_promise(env, promise, data) {
                    record_error(env, state, slot, e.to_js(env), task, false);
                    finish(req);
                }
            }
            Err(exception) => {
                record_error(env, state, slot, exception, task, false);
                finish(req);
            }
        }
    }
}

/// `promise.then(settled, settled)`: the waiting thread gets the value
/// (or a default and the error reported) once it settles.
unsafe fn await_promise(env: napi_env, promise: Value, data: *mut c_void) -> Result<()> {
    unsafe {
        let ok = js::function(env, "fulfilled", Some(on_settled::<true>), data)?;
        let err = js::function(env, "rejected", Some(on_settled::<false>), data)?;
        let then = js::get(env, promise, c"then")?;
        let mut out = null_mut();
        let args = [ok, err];
        check(
            sys::napi_call_function(env, promise, then, 2, args.as_ptr(), &mut out),
            "promise.then",
        )
    }
}

unsafe extern "C" fn on_settled<const OK: bool>(env: napi_env, info: sys::napi_callback_info) -> Value {
    unsafe {
        let mut argc = 1;
        let mut argv = [null_mut(); 1];
        let mut data = null_mut();
        sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), null_mut(), &mut data);
        let req = &*(data as *const Request);
        let slot = &*req.slot;
        let state = &*slot.link().state;
        let value = if argc > 0 {
            argv[0]
        } else {
            js::undefined(env).unwrap_or(null_mut())
        };
        let ret = (*req.ret.get()).as_mut_ptr();
        if OK {
            // Check and write the settled value as the callback's result.
            let put = adapter_put(env, slot);
            let outcome = match put {
                Ok(put) => {
                    let mut out = null_mut();
                    let status = sys::napi_call_function(
                        env,
                        js::undefined(env).unwrap_or(null_mut()),
                        put,
                        1,
                        &value,
                        &mut out,
                    );
                    if status == sys::Status::napi_ok {
                        write_result(env, state, slot, out, ret).map_err(|e| e.to_js(env))
                    } else {
                        let mut e = null_mut();
                        sys::napi_get_and_clear_last_exception(env, &mut e);
                        Err(e)
                    }
                }
                Err(e) => Err(e.to_js(env)),
            };
            if let Err(e) = outcome {
                std::ptr::write_bytes(ret, 0, (*req.ret.get()).len());
                record_error(env, state, slot, e, req.task.as_ref(), false);
            }
        } else {
            record_error(env, state, slot, value, req.task.as_ref(), false);
        }
        finish(req);
        null_mut()
    }
}

/// The adapter's `put`, which checks and writes a result.
unsafe fn adapter_put(env: napi_env, slot: &Slot) -> Result<Value> {
    unsafe {
        let adapter = js::deref(env, slot.shared().adapter as sys::napi_ref)?;
        js::get(env, adapter, c"put")
    }
}
// ----- making closures -----

/// The callback type for `sig` in this environment: its plan, cif and
/// adapter, made once.
unsafe fn cb_type(env: napi_env, state: &EnvState, sig: &Signature, name: &str) -> Result<Rc<CbType>> {
    let key = format!("{sig}");
    if let Some(t) = state.callbacks.borrow().get_type(&key) {
        return Ok(t);
    }
    let plan = CallbackPlan::new(sig).map_err(|e| call_error(&format!("callback {name}"), e))?;
    let params: Vec<Type> = sig.params.iter().map(|p| p.ty.clone()).collect();
    let cif = CallIf::new(&params, &sig.ret, None).map_err(|e| call_error(&format!("callback {name}"), e))?;
    let adapter = unsafe {
        let src = codegen::adapter_source(&plan);
        let factory = state.factory(env, &src)?;
        let r = js::object(env)?;
        let meta = js::object(env)?;
        js::set(env, meta, c"name", js::string(env, &format!("callback {name}"))?)?;
        let params = js::array(env, 1)?;
        let expect = format!("a value of type {}", sig.ret);
        let p = match &plan.ret {
            CbRet::Scalar(kind) => crate::bind::param_meta(env, Some("result"), &sig.ret, kind, &expect)?,
            _ => crate::bind::param_meta(env, Some("result"), &sig.ret, &ArgKind::Bool, &expect)?,
        };
        js::set_element(env, params, 0, p)?;
        js::set(env, meta, c"params", params)?;
        js::set(env, r, c"meta", meta)?;
        let views = state.views(env)?;
        js::call(env, factory, &[views, r])?
    };
    let adapter_ref = unsafe { js::new_ref(env, adapter)? };
    let id = state.callbacks.borrow_mut().new_type_id();
    let t = Rc::new(CbType::new(CbShared {
        id,
        name: Arc::from(name),
        plan,
        cif,
        adapter: adapter_ref as usize,
    }));
    state.callbacks.borrow_mut().add_type(key, t.clone());
    Ok(t)
}

/// A new slot whose closure calls `handler` with the slot.
fn new_slot(shared: &Arc<CbShared>, link: &Arc<EnvLink>) -> Result<Arc<Slot>> {
    // SAFETY: slots are never freed (see `Slot::new`).
    Slot::new(shared, link, |me| unsafe {
        ffi::leak_closure(&shared.cif, handler, me as *mut c_void).map_err(|e| call_error("a callback", e))
    })
}

/// Lends a closure calling `f` (a JS function) for the duration of a call.
/// `task`: the call is async (its errors go there), so the function is held
/// by a reference.
pub unsafe fn lend(
    env: napi_env,
    state: &EnvState,
    sig: &Signature,
    f: Value,
    task: Option<&Arc<TaskErrors>>,
) -> Result<Lent> {
    unsafe {
        let name = function_name(env, f);
        let ty = cb_type(env, state, sig, &name)?;
        let r = match task {
            Some(_) => Some(js::new_ref(env, f)?),
            None => None,
        };
        let t = task.map_or(std::ptr::null(), Arc::as_ptr);
        let lent = Lent::new(ty, |shared| new_slot(shared, &state.link), f, r, t);
        if lent.is_err() {
            if let Some(r) = r {
                sys::napi_delete_reference(env, r);
            }
        }
        lent
    }
}

unsafe fn function_name(env: napi_env, f: Value) -> String {
    unsafe {
        js::get(env, f, c"name")
            .and_then(|n| js::get_string(env, n))
            .ok()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "(anonymous)".into())
    }
}

/// Registers `f` as a long-lived callback; returns its code address.
pub unsafe fn register(
    env: napi_env,
    state: &EnvState,
    sig: &Signature,
    f: Value,
    on_error: Option<Value>,
) -> Result<usize> {
    unsafe {
        let name = function_name(env, f);
        let ty = cb_type(env, state, sig, &name)?;
        // A registered closure gets its own slot and never goes back to a
        // pool. Its closure is never freed, so a slot is for good: the same
        // function registered again with the same type, after
        // `unregister()`, gets its slot back (C calling the old address then
        // reaches that very function, registered again). Any other function
        // gets a new one, so that a stale address never reaches it.
        let slot = match revive(env, state, &ty.shared, f) {
            Some(slot) => slot,
            None => new_slot(&ty.shared, &state.link)?,
        };
        let func = js::new_ref(env, f);
        let on_error = match (&func, on_error) {
            (Ok(_), Some(h)) => Some(js::new_ref(env, h)),
            _ => None,
        };
        let (func, on_error) = match (func, on_error.transpose()) {
            (Ok(func), Ok(on_error)) => (func, on_error),
            (func, _) => {
                // Not registered: dead, as it was or would have been.
                if let Ok(r) = func {
                    sys::napi_delete_reference(env, r);
                }
                if slot.state() == SlotState::Dead {
                    bury(env, state, &slot, f);
                }
                return Err(Error::new(Code::Internal, "cannot keep the callback's function"));
            }
        };
        slot.register(func, on_error);
        let addr = slot.code() as usize;
        state.callbacks.borrow_mut().add_registered(slot);
        Ok(addr)
    }
}

/// The dead slot of `f` (a JS function) and this type, if `f` was
/// registered with it before and unregistered. The prelude keeps their
/// code addresses in a WeakMap by function; what it returns is only taken
/// if it is a dead slot of this type.
unsafe fn revive(env: napi_env, state: &EnvState, shared: &Arc<CbShared>, f: Value) -> Option<Arc<Slot>> {
    unsafe {
        let take = state.helper(env, c"reviveCallback").ok()?;
        let found = js::call(env, take, &[f, js::number(env, f64::from(shared.id)).ok()?]).ok()?;
        if !js::is_array(env, found) {
            return None;
        }
        let lo = js::get_f64(env, js::get_element(env, found, 0).ok()?).ok()?;
        let hi = js::get_f64(env, js::get_element(env, found, 1).ok()?).ok()?;
        let addr = (hi as u64) << 32 | lo as u64;
        state.callbacks.borrow_mut().take_dead(addr as usize, shared)
    }
}

/// Notes `slot`, dead, as `f`'s for its type (see `revive`).
unsafe fn bury(env: napi_env, state: &EnvState, slot: &Arc<Slot>, f: Value) {
    unsafe {
        state.callbacks.borrow_mut().add_dead(slot.clone());
        let addr = slot.code() as usize as u64;
        let _ = (|| -> Result<()> {
            let keep = state.helper(env, c"buryCallback")?;
            let args = [
                f,
                js::number(env, f64::from(slot.shared().id))?,
                js::number(env, (addr & 0xffff_ffff) as f64)?,
                js::number(env, (addr >> 32) as f64)?,
            ];
            js::call(env, keep, &args).map(|_| ())
        })();
    }
}

/// Unregisters the callback at `addr`. Its closure stays allocated and stops
/// the process with a message if C calls it again.
pub unsafe fn unregister(env: napi_env, state: &EnvState, addr: usize) -> Result<()> {
    unsafe {
        let slot = state.callbacks.borrow_mut().take_registered(addr).ok_or_else(|| {
            Error::new(
                Code::ArgValue,
                "unregister(): that Pointer is not a registered callback",
            )
        })?;
        let f = match slot.func() {
            Func::Ref(r) => js::deref(env, *r).ok(),
            _ => None,
        };
        slot.kill(env);
        if let Some(f) = f {
            bury(env, state, &slot, f);
        }
        Ok(())
    }
}

/// Gives the link its threadsafe function (unref'd, so it never keeps the
/// process alive), through which other threads reach the JS thread.
pub unsafe fn connect(env: napi_env, link: &Arc<EnvLink>) -> Result<()> {
    unsafe {
        let name = js::string(env, "cshared callback")?;
        let mut tsfn = null_mut();
        let ctx = Arc::into_raw(link.clone()) as *mut c_void;
        check(
            sys::napi_create_threadsafe_function(
                env,
                null_mut(),
                null_mut(),
                name,
                0,
                1,
                ctx,
                Some(tsfn_finalize),
                ctx,
                Some(call_js),
                &mut tsfn,
            ),
            "napi_create_threadsafe_function",
        )?;
        sys::napi_unref_threadsafe_function(env, tsfn);
        if let Ok(mut g) = link.tsfn.lock() {
            *g = Some(tsfn as usize);
        }
        Ok(())
    }
}

unsafe extern "C" fn tsfn_finalize(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    unsafe {
        let link = Arc::from_raw(data as *const EnvLink);
        link.alive.store(false, Ordering::Release);
        let _ = link.tsfn.lock().map(|mut g| *g = None);
    }
}
