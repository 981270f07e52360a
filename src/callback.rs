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
use crate::call::ffi::CallIf;
use crate::call::plan::{ArgKind, CallbackPlan, CbRet};
use crate::env::EnvState;
use crate::error::{check, Code, Error, Result};
use crate::js::{self, Value};
use crate::marshal::codec::{read_int, Codec, Path};
use crate::marshal::Scratch;
use crate::types::{Signature, Type};
use libffi::raw;
use napi::sys::{self, napi_env};
use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr::null_mut;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex};

pub fn check_signature(sig: &Signature) -> std::result::Result<(), String> {
    CallbackPlan::new(sig).map(|_| ())
}

thread_local! {
    static MARK: u8 = const { 0 };
    /// Set on a worker thread while it runs an async call, so callbacks made
    /// during it report their errors to that call.
    pub static CURRENT_TASK: Cell<*const TaskErrors> = const { Cell::new(std::ptr::null()) };
}

/// An identity for the current thread, at the cost of a TLS address.
pub fn thread_mark() -> usize {
    MARK.with(|m| m as *const u8 as usize)
}

/// Where errors of callbacks made during an async call go.
#[derive(Default)]
pub struct TaskErrors {
    pub first: Mutex<Option<usize>>,
}

/// What a foreign thread needs to reach an environment.
pub struct EnvLink {
    pub state: *const EnvState,
    pub thread: usize,
    pub alive: AtomicBool,
    pub tsfn: Mutex<Option<usize>>,
}

// SAFETY: `state` is only dereferenced on the environment's own thread
// (checked against `thread`) or after `alive` is seen true under the
// `tsfn` lock that teardown also takes.
unsafe impl Send for EnvLink {}
unsafe impl Sync for EnvLink {}

const IDLE: u8 = 0;
const LENT: u8 = 1;
const REGISTERED: u8 = 2;
const DEAD: u8 = 3;

/// What a closure needs on every thread.
pub struct CbShared {
    pub name: Arc<str>,
    pub plan: CallbackPlan,
    cif: CallIf,
    /// The adapter (a napi_ref), used on the JS thread only.
    adapter: usize,
}

enum Func {
    None,
    /// A JS function valid in the current handle scope (a sync call).
    Value(Value),
    /// A JS function kept by a reference (registered, or lent to an async call).
    Ref(sys::napi_ref),
}

pub struct Slot {
    shared: Arc<CbShared>,
    link: Arc<EnvLink>,
    state: AtomicU8,
    /// Lent to a synchronous call (the JS thread is inside it).
    sync: AtomicBool,
    /// C called it from another thread during that synchronous call.
    pub misused: AtomicBool,
    /// Lent to an async call: where its errors go (the call rejects with them).
    task: std::sync::atomic::AtomicPtr<TaskErrors>,
    func: UnsafeCell<Func>,
    /// Where errors go for a registered callback with `onError` (a napi_ref).
    on_error: UnsafeCell<Option<sys::napi_ref>>,
    pub code: *const c_void,
}

// SAFETY: `func` and `on_error` are only touched on the environment's own
// thread; other threads only read `state`, `shared`, `link` and `code`.
unsafe impl Send for Slot {}
unsafe impl Sync for Slot {}

/// Per-environment callback state.
#[derive(Default)]
pub struct Callbacks {
    types: HashMap<String, Rc<CbType>>,
    /// Registered callbacks by code address.
    registered: HashMap<usize, Arc<Slot>>,
}

struct CbType {
    shared: Arc<CbShared>,
    idle: RefCell<Vec<Arc<Slot>>>,
}

fn fatal(slot: &Slot, why: &str) -> ! {
    eprintln!(
        "cshared: FATAL: C called the callback '{}' ({}) {why}. The process is stopped here, before memory is corrupted.",
        slot.shared.name,
        slot.shared.plan.ret_ty
    );
    std::process::abort()
}

unsafe fn zero_ret(slot: &Slot, ret: *mut c_void) {
    let size = crate::call::ffi::slot_size(&slot.shared.plan.ret_ty);
    unsafe { std::ptr::write_bytes(ret as *mut u8, 0, size) };
}

unsafe extern "C" fn handler(_cif: *mut raw::ffi_cif, ret: *mut c_void, args: *mut *mut c_void, data: *mut c_void) {
    let slot = unsafe { &*(data as *const Slot) };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe { dispatch(slot, ret, args) }));
    if outcome.is_err() {
        unsafe { zero_ret(slot, ret) };
    }
}

unsafe fn dispatch(slot: &Slot, ret: *mut c_void, args: *mut *mut c_void) {
    unsafe {
        match slot.state.load(Ordering::Acquire) {
            LENT | REGISTERED => {}
            DEAD => fatal(slot, "after it was unregistered"),
            _ => fatal(
                slot,
                "after the call it was passed to had returned (register() it to keep it)",
            ),
        }
        if !slot.link.alive.load(Ordering::Acquire) {
            zero_ret(slot, ret);
            return;
        }
        let n = slot.shared.plan.params.len();
        // libffi's array of pointers to each argument.
        let argv: &[*const u8] = if n == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(args as *const *const u8, n)
        };
        if thread_mark() == slot.link.thread {
            on_js_thread(slot, ret as *mut u8, argv);
        } else if slot.sync.load(Ordering::Acquire) {
            // The JS thread is inside the very call this closure was lent
            // to, so it cannot run the function now; waiting would hang.
            slot.misused.store(true, Ordering::Release);
            zero_ret(slot, ret);
        } else {
            from_other_thread(slot, ret as *mut u8, argv);
        }
    }
}

/// The synchronous foreign call the JS thread is in. The callbacks lent to
/// it share one handle scope, opened by the first of them and closed when
/// the call returns: opening a napi handle scope allocates, and per
/// callback that was about a sixth of a qsort comparator's cost.
#[derive(Clone, Copy)]
pub struct CallLevel {
    in_call: bool,
    scope: sys::napi_handle_scope,
    uses: u32,
}

impl CallLevel {
    pub const OUTSIDE: CallLevel = CallLevel {
        in_call: false,
        scope: std::ptr::null_mut(),
        uses: 0,
    };
}

/// Callbacks after which the shared scope is closed and a new one opened,
/// so that a long call does not pile up handles.
const SCOPE_USES: u32 = 128;

/// Before a synchronous foreign call on the JS thread; give what it
/// returns to `leave_call` when the call returns.
#[inline(always)]
pub fn enter_call(state: &EnvState) -> CallLevel {
    state.cb_level.replace(CallLevel {
        in_call: true,
        scope: null_mut(),
        uses: 0,
    })
}

/// After the call: closes the scope its callbacks shared. Scopes nest as
/// calls do (a callback's nested call closes its own before it returns), so
/// this one is the innermost.
#[inline(always)]
pub unsafe fn leave_call(state: &EnvState, outer: CallLevel) {
    let mine = state.cb_level.replace(outer);
    if !mine.scope.is_null() {
        unsafe { sys::napi_close_handle_scope(state.env, mine.scope) };
    }
}

/// The handle scope for one callback on the JS thread: the call's shared
/// one for a callback lent to that call, else one of its own (returned, to
/// be closed when the callback is done). A registered callback may come
/// from other native code than the call, with scopes of its own open.
unsafe fn callback_scope(state: &EnvState, slot: &Slot) -> sys::napi_handle_scope {
    unsafe {
        let env = state.env;
        let level = state.cb_level.get();
        let mut scope = null_mut();
        if !level.in_call || slot.state.load(Ordering::Acquire) != LENT || !slot.sync.load(Ordering::Acquire) {
            sys::napi_open_handle_scope(env, &mut scope);
            return scope;
        }
        if !level.scope.is_null() && level.uses < SCOPE_USES {
            state.cb_level.set(CallLevel {
                uses: level.uses + 1,
                ..level
            });
            return null_mut();
        }
        if !level.scope.is_null() {
            sys::napi_close_handle_scope(env, level.scope);
        }
        if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
            scope = null_mut();
        }
        state.cb_level.set(CallLevel {
            in_call: true,
            scope,
            uses: 1,
        });
        null_mut()
    }
}

/// Runs the callback on its own JS thread, inside whatever call led here.
unsafe fn on_js_thread(slot: &Slot, ret: *mut u8, argv: &[*const u8]) {
    unsafe {
        let state = &*slot.link.state;
        let env = state.env;
        if state.cb_error.get().is_some() {
            // A callback already threw during this call: the rest get defaults.
            zero_ret(slot, ret as *mut c_void);
            return;
        }
        let scope = callback_scope(state, slot);
        match run_js(env, state, slot, argv, ret) {
            Ok(Some(promise)) => {
                let _ = promise;
                zero_ret(slot, ret as *mut c_void);
                let e = Error::new(
                    Code::Unsupported,
                    format!(
                        "callback '{}' returned a Promise, but its C caller runs on the JS thread and cannot wait for it; call the C function with .async() to await callbacks",
                        slot.shared.name
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
                    if let Ok(r) = js::new_ref(env, exception) {
                        *first = Some(r as usize);
                    }
                }
            }
            return;
        }
        if let Some(handler) = *slot.on_error.get() {
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
            if let Ok(r) = js::new_ref(env, exception) {
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
    unsafe {
        let _ = (|| -> Result<()> {
            let mut global = null_mut();
            check(sys::napi_get_global(env, &mut global), "global")?;
            let process = js::get(env, global, c"process")?;
            let emit = js::get(env, process, c"emitWarning")?;
            let msg = js::string(
                env,
                &format!("cshared: callback '{}' threw; C got a default value", slot.shared.name),
            )?;
            let _ = js::call(env, emit, &[msg]);
            let _ = exception;
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
        let shared = &slot.shared;
        let plan = &shared.plan;
        let func = match &*slot.func.get() {
            Func::Value(v) => *v,
            Func::Ref(r) => js::deref(env, *r).map_err(fail)?,
            Func::None => return Err(fail(Error::new(Code::Internal, "callback without a function"))),
        };
        let codec = Codec {
            env,
            state,
            bigint: false,
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
        let plan = &slot.shared.plan;
        let codec = Codec {
            env,
            state,
            bigint: false,
        };
        let label = || format!("the result of callback '{}'", slot.shared.name);
        let path = Path::Root(&label);
        match &plan.ret {
            CbRet::Void => Ok(()),
            CbRet::Native(ty) => {
                let mut scratch = Scratch::new();
                let size = ty.size().unwrap_or(0);
                let mut tmp = vec![0u128; size.div_ceil(16).max(1)];
                codec.encode(&mut scratch, out, ty, tmp.as_mut_ptr() as *mut u8, &path)?;
                if !scratch.is_empty() {
                    return Err(Error::new(
                        Code::ArgValue,
                        format!("{} holds a string or array whose memory would be gone", label()),
                    ));
                }
                std::ptr::copy_nonoverlapping(tmp.as_ptr() as *const u8, ret, size);
                Ok(())
            }
            CbRet::Scalar(kind) => {
                let src = state.buf.add(plan.ret_offset);
                if matches!(kind, ArgKind::Pointer(_) | ArgKind::CString)
                    && js::type_of(env, out) != sys::ValueType::napi_undefined
                {
                    let mut scratch = Scratch::new();
                    let addr = codec.pointer(&mut scratch, out, &Type::Void, &path)?;
                    std::ptr::write_unaligned(ret as *mut usize, addr);
                    return Ok(());
                }
                // libffi wants integers narrower than a register widened to one.
                match kind {
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
}

unsafe fn from_other_thread(slot: &Slot, ret: *mut u8, argv: &[*const u8]) {
    unsafe {
        let plan = &slot.shared.plan;
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
            task: match slot.task.load(Ordering::Acquire) {
                t if !t.is_null() => t,
                _ => CURRENT_TASK.with(|t| t.get()),
            },
        });
        let req_ptr = Box::into_raw(req);
        let queued = match slot.link.tsfn.lock() {
            Ok(guard) => match *guard {
                Some(tsfn) => {
                    sys::napi_call_threadsafe_function(tsfn as sys::napi_threadsafe_function, req_ptr as *mut c_void, 1)
                        == sys::Status::napi_ok
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
        std::ptr::copy_nonoverlapping((*req.ret.get()).as_ptr(), ret, size);
        drop(Box::from_raw(req_ptr));
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
        let state = &*slot.link.state;
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
        let state = &*slot.link.state;
        let value = if argc > 0 {
            argv[0]
        } else {
            js::undefined(env).unwrap_or(null_mut())
        };
        let ret = (*req.ret.get()).as_mut_ptr();
        if OK {
            // Check and write the settled value as the callback's result.
            let put = CbTypeRef(slot).put(env);
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

struct CbTypeRef<'a>(&'a Slot);

impl CbTypeRef<'_> {
    /// The adapter's `put`, which checks and writes a result.
    unsafe fn put(&self, env: napi_env) -> Result<Value> {
        unsafe {
            let adapter = js::deref(env, self.0.shared.adapter as sys::napi_ref)?;
            js::get(env, adapter, c"put")
        }
    }
}

// ----- making closures -----

impl Callbacks {
    fn ty(&mut self, env: napi_env, state: &EnvState, sig: &Signature, name: &str) -> Result<Rc<CbType>> {
        let key = format!("{sig}");
        if let Some(t) = self.types.get(&key) {
            return Ok(t.clone());
        }
        let plan =
            CallbackPlan::new(sig).map_err(|e| Error::new(Code::Unsupported, format!("callback {name}: {e}")))?;
        let params: Vec<Type> = sig.params.iter().map(|p| p.ty.clone()).collect();
        let cif = CallIf::new(&params, &sig.ret, None).map_err(|e| Error::new(Code::Unsupported, e))?;
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
        let t = Rc::new(CbType {
            shared: Arc::new(CbShared {
                name: Arc::from(name),
                plan,
                cif,
                adapter: adapter_ref as usize,
            }),
            idle: RefCell::new(Vec::new()),
        });
        self.types.insert(key, t.clone());
        Ok(t)
    }
}

fn new_slot(shared: &Arc<CbShared>, link: &Arc<EnvLink>) -> Result<Arc<Slot>> {
    unsafe {
        let mut code: *mut c_void = null_mut();
        let closure =
            raw::ffi_closure_alloc(std::mem::size_of::<raw::ffi_closure>(), &mut code) as *mut raw::ffi_closure;
        if closure.is_null() {
            return Err(Error::new(Code::Internal, "cannot allocate a callback trampoline"));
        }
        let slot = Arc::new(Slot {
            shared: shared.clone(),
            link: link.clone(),
            state: AtomicU8::new(IDLE),
            sync: AtomicBool::new(false),
            misused: AtomicBool::new(false),
            task: std::sync::atomic::AtomicPtr::new(null_mut()),
            func: UnsafeCell::new(Func::None),
            on_error: UnsafeCell::new(None),
            code,
        });
        // The closure keeps a reference of its own: slots are never freed,
        // so a late call finds a slot that says what went wrong.
        let data = Arc::into_raw(slot.clone()) as *mut c_void;
        let status = raw::ffi_prep_closure_loc(closure, shared.cif.as_raw(), Some(handler), data, code);
        if status != raw::ffi_status_FFI_OK {
            return Err(Error::new(Code::Internal, "cannot prepare a callback trampoline"));
        }
        Ok(slot)
    }
}

/// A closure lent to one call; given back with `release`.
pub struct Lent {
    ty: Rc<CbType>,
    slot: Arc<Slot>,
    r: Option<sys::napi_ref>,
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
    let keep = task.is_some();
    unsafe {
        let name = function_name(env, f);
        let ty = state.callbacks.borrow_mut().ty(env, state, sig, &name)?;
        let slot = match ty.idle.borrow_mut().pop() {
            Some(s) => s,
            None => new_slot(&ty.shared, &state.link)?,
        };
        let r = if keep { Some(js::new_ref(env, f)?) } else { None };
        *slot.func.get() = match r {
            Some(r) => Func::Ref(r),
            None => Func::Value(f),
        };
        slot.sync.store(!keep, Ordering::Release);
        let t = task.map_or(null_mut(), |t| Arc::as_ptr(t) as *mut TaskErrors);
        slot.task.store(t, Ordering::Release);
        slot.misused.store(false, Ordering::Release);
        slot.state.store(LENT, Ordering::Release);
        Ok(Lent { ty, slot, r })
    }
}

impl Lent {
    pub fn code(&self) -> *const c_void {
        self.slot.code
    }

    /// Whether C called it from another thread while the JS thread was
    /// inside the synchronous call it was lent to.
    pub fn misused(&self) -> bool {
        self.slot.misused.load(Ordering::Acquire)
    }

    pub fn name(&self) -> &str {
        &self.slot.shared.name
    }

    pub unsafe fn release(self, env: napi_env) {
        unsafe {
            self.slot.state.store(IDLE, Ordering::Release);
            self.slot.task.store(null_mut(), Ordering::Release);
            *self.slot.func.get() = Func::None;
            if let Some(r) = self.r {
                sys::napi_delete_reference(env, r);
            }
            self.ty.idle.borrow_mut().push(self.slot);
        }
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
        let ty = state.callbacks.borrow_mut().ty(env, state, sig, &name)?;
        // A registered closure gets its own slot and never goes back to a pool.
        let slot = new_slot(&ty.shared, &state.link)?;
        *slot.func.get() = Func::Ref(js::new_ref(env, f)?);
        if let Some(h) = on_error {
            *slot.on_error.get() = Some(js::new_ref(env, h)?);
        }
        slot.state.store(REGISTERED, Ordering::Release);
        let addr = slot.code as usize;
        state.callbacks.borrow_mut().registered.insert(addr, slot);
        Ok(addr)
    }
}

/// Unregisters the callback at `addr`. Its closure stays allocated and stops
/// the process with a message if C calls it again.
pub unsafe fn unregister(env: napi_env, state: &EnvState, addr: usize) -> Result<()> {
    unsafe {
        let slot = state.callbacks.borrow_mut().registered.remove(&addr).ok_or_else(|| {
            Error::new(
                Code::ArgValue,
                "unregister(): that Pointer is not a registered callback",
            )
        })?;
        slot.state.store(DEAD, Ordering::Release);
        if let Func::Ref(r) = std::mem::replace(&mut *slot.func.get(), Func::None) {
            sys::napi_delete_reference(env, r);
        }
        if let Some(r) = (*slot.on_error.get()).take() {
            sys::napi_delete_reference(env, r);
        }
        Ok(())
    }
}

/// The exception a callback threw during the call that just returned, if any.
pub unsafe fn take_error(env: napi_env, state: &EnvState) -> Option<Value> {
    unsafe {
        let r = state.cb_error.take()?;
        let v = js::deref(env, r).ok();
        sys::napi_delete_reference(env, r);
        v
    }
}

impl EnvLink {
    /// A link for the state at `state`, on this thread, not yet connected.
    pub fn placeholder(state: *const EnvState) -> EnvLink {
        EnvLink {
            state,
            thread: thread_mark(),
            alive: AtomicBool::new(true),
            tsfn: Mutex::new(None),
        }
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
