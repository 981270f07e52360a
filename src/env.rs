//! Per-environment and per-call state, and nothing that acts on it from
//! above. Each Node environment (the main thread, every worker_thread,
//! every Electron context that loads the addon) gets its own `EnvState`:
//! the shared argument buffer, the prelude's helpers, the bound functions,
//! the compiled wrapper makers and the callback slots. Nothing here is
//! shared between environments except through `EnvLink`.
//!
//! The callback slot protocol (idle → lent → idle, or registered → dead)
//! is sealed here: `callback.rs` drives it only through `Slot`'s methods.

use crate::call::ffi::CallIf;
use crate::call::plan::{CallbackPlan, Plan, BUFFER_SIZE, SCRATCH_WORD, STRING_AREA};
use crate::cdecl::Scope;
use crate::error::{check, Code, Error, Result};
use crate::js::{self, Value};
use crate::library::LibCore;
use crate::types::Signature;
use napi::sys::{self, napi_env};
use std::cell::{Cell, OnceCell, Ref, RefCell, RefMut, UnsafeCell};
use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr::null_mut;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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

thread_local! {
    /// The one environment on this thread, when there is exactly one: lets
    /// the scalar invoker skip `napi_get_cb_info`. Null when there is none,
    /// or when a second environment shares the thread (it then gets the
    /// general invoker).
    pub static SOLE: Cell<*const EnvState> = const { Cell::new(std::ptr::null()) };
    static MARK: u8 = const { 0 };
    /// Set on a worker thread while it runs an async call, so callbacks made
    /// during it report their errors to that call.
    pub static CURRENT_TASK: Cell<*const TaskErrors> = const { Cell::new(std::ptr::null()) };
    /// Set while this thread is in a call made by the accelerator's fast
    /// function (src/fast.rs): nothing may run JS, allocate on the JS heap
    /// or throw until it returns.
    static IN_FAST: Cell<bool> = const { Cell::new(false) };
    /// What on this thread could run JS during any foreign call: callbacks
    /// of its environments that are lent or registered (C may call them),
    /// and environments whose `napi_env` C was given (`envPointer()`).
    /// The fast path is off while there are any.
    static JS_REACHABLE: Cell<u32> = const { Cell::new(0) };
}

/// Whether this thread is in a call made from the fast path.
pub fn in_fast_call() -> bool {
    IN_FAST.with(|f| f.get())
}

/// The environment the fast path serves with no thread-local lookup (one
/// costs about as much as the rest of a call there): the first whose
/// accelerator loaded, and the thread it is on (`pthread_self`, which
/// reads a register). Other threads' sole environments are found through
/// `SOLE`. Cleared when that environment goes.
static FAST_OWNER: AtomicUsize = AtomicUsize::new(0);
static FAST_STATE: AtomicPtr<EnvState> = AtomicPtr::new(null_mut());

/// This thread's identity: its thread pointer, one register read where the
/// ELF TLS ABI puts it (on x86-64 the word at %fs:0 is the thread pointer
/// itself), else `pthread_self()`.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[inline(always)]
fn thread_id() -> usize {
    let tp: usize;
    unsafe { std::arch::asm!("mov {}, qword ptr fs:[0]", out(reg) tp, options(nostack, readonly, preserves_flags)) };
    tp
}

#[cfg(all(target_arch = "aarch64", target_os = "linux"))]
#[inline(always)]
fn thread_id() -> usize {
    let tp: usize;
    unsafe { std::arch::asm!("mrs {}, tpidr_el0", out(reg) tp, options(nomem, nostack, preserves_flags)) };
    tp
}

#[cfg(all(
    unix,
    not(all(any(target_arch = "x86_64", target_arch = "aarch64"), target_os = "linux"))
))]
#[inline(always)]
fn thread_id() -> usize {
    unsafe { libc::pthread_self() as usize }
}

#[cfg(not(unix))]
#[inline(always)]
fn thread_id() -> usize {
    0
}

/// The sole environment on this thread, for the fast path.
#[inline(always)]
pub fn fast_state() -> *const EnvState {
    let me = thread_id();
    if me != 0 && FAST_OWNER.load(Ordering::Relaxed) == me {
        return FAST_STATE.load(Ordering::Relaxed);
    }
    SOLE.with(|s| s.get())
}

fn reachable(up: bool) {
    JS_REACHABLE.with(|n| n.set(if up { n.get() + 1 } else { n.get().saturating_sub(1) }));
}

/// An identity for the current thread, at the cost of a TLS address.
pub fn thread_mark() -> usize {
    MARK.with(|m| m as *const u8 as usize)
}

/// Byte offset of the scratch words native code uses to read a Pointer's
/// address out of JS (see `read_pointer`).
const SCRATCH: usize = 4 * SCRATCH_WORD;

// ----- bound functions -----

/// How a function is bound.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Return 64-bit integers as bigint always.
    pub bigint: bool,
    /// The C strings the function hands over are the caller's to free:
    /// read them, then free them.
    pub free: Free,
}

/// Who frees the C strings a function hands over (its `char *` result, the
/// `char *` fields of its struct result, what it leaves in `char **`
/// out-parameters): nobody, libc's `free()`, or a `void f(void *)` of the
/// library, at this address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Free {
    #[default]
    No,
    Libc,
    With(usize),
}

impl Free {
    pub fn is_some(self) -> bool {
        self != Free::No
    }

    /// Frees `p` (nothing for NULL). A library function is not called once
    /// the library is closed: the memory is left, rather than calling into
    /// an unloaded library.
    ///
    /// # Safety
    /// `p` must be memory the function handed over, freed once.
    pub unsafe fn release(self, lib: &LibCore, p: *mut c_void) {
        if p.is_null() {
            return;
        }
        match self {
            Free::No => {}
            Free::Libc => unsafe { libc::free(p) },
            Free::With(f) => {
                if lib.is_closed() {
                    return;
                }
                // SAFETY: `f` is the address of a function of `lib`, which
                // the user named as the one that frees what it hands over.
                let f: unsafe extern "C" fn(*mut c_void) = unsafe { std::mem::transmute(f) };
                lib.enter();
                unsafe { f(p) };
                lib.leave();
            }
        }
    }
}

/// Everything a call needs, looked up by the id the wrapper writes.
pub struct Bound {
    pub opts: Options,
    pub name: Arc<str>,
    /// The signature as declared: binding it again (same library, name,
    /// symbol and options) hands out this function while it is alive.
    pub sig: Signature,
    /// Where the function is kept in `EnvState::bound_cache`.
    pub cache_key: Option<BoundKey>,
    pub plan: Plan,
    pub fnptr: *const c_void,
    pub lib: Rc<LibCore>,
    pub cif: Option<CallIf>,
    /// For the libffi route: pointers to each argument's slot in the shared buffer.
    pub avalues: Vec<*mut c_void>,
    /// Indices of the arguments the invoker may receive as N-API values, in
    /// the order the wrapper passes them.
    pub natives: Vec<usize>,
    /// Variadic functions: a cif per list of extra argument types.
    pub var_cifs: RefCell<HashMap<String, Rc<CallIf>>>,
    /// The type names the extra arguments' types may use besides the
    /// builtin and `cdef()` ones: the library's header's.
    /// The library's header, whose type names a variadic call's extra
    /// arguments may use.
    pub header: Option<Rc<crate::header::Header>>,
    /// The bytes of the last C string result the wrapper holds as `last`.
    pub last_string: RefCell<Option<Vec<u8>>>,
    /// Its wrapper calls `invf` (`Plan::fast_safe`, with the accelerator),
    /// and how `fast::fast_call` calls it then (`Plan::direct_kind`).
    pub fast: Option<crate::call::DirectKind>,
}

impl Bound {
    /// "ModXY(): argument 1 (x)", as the JS side words it.
    pub fn arg_label(&self, k: usize) -> String {
        match &self.plan.args[k].name {
            Some(n) => format!("{}(): argument {} ({})", self.name, k + 1, n),
            None => format!("{}(): argument {}", self.name, k + 1),
        }
    }

    /// What argument `k` must be, for messages.
    pub fn expect(&self, k: usize) -> String {
        use crate::call::ArgKind;
        use crate::types::{GoType, Type};
        let a = &self.plan.args[k];
        let what = match &a.kind {
            ArgKind::Int(_) => "a number or bigint",
            ArgKind::Bool => "a boolean",
            ArgKind::F32 | ArgKind::F64 => "a number",
            ArgKind::Pointer(to) if to.is_bytes() => {
                "a Pointer, Buffer, TypedArray, ArrayBuffer, DataView, string or null"
            }
            ArgKind::Pointer(_) => "a Pointer, Buffer, TypedArray, ArrayBuffer, DataView or null",
            ArgKind::CString | ArgKind::WString(_) => "a string, Buffer, TypedArray, Pointer or null",
            ArgKind::Value(Type::Go(GoType::String)) => "a string",
            ArgKind::Value(Type::Go(GoType::Slice(None))) => "null (its element type is unknown)",
            ArgKind::Value(Type::Go(GoType::Slice(Some(c)))) => {
                return format!("a {} or an array of numbers, or null ({})", c.name(), a.ty)
            }
            ArgKind::Value(_) => "an object",
            ArgKind::Callback(_) => "a function, a Pointer or null",
        };
        format!("{what} ({})", a.ty)
    }

    /// The error for a call into a closed library.
    pub fn closed(&self) -> Error {
        Error::new(
            Code::Closed,
            format!("{}(): library '{}' was closed", self.name, self.lib.display_name()),
        )
    }
}

// ----- callbacks -----

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
    /// None once the environment is going away: nothing more is queued.
    pub tsfn: Mutex<Option<usize>>,
    /// Requests of other threads waiting for the JS thread (see
    /// `callback::release_waiting`).
    pub pending: Mutex<Vec<usize>>,
}

// SAFETY: `state` is only dereferenced on the environment's own thread
// (checked against `thread`) or after `alive` is seen true under the
// `tsfn` lock that teardown also takes.
unsafe impl Send for EnvLink {}
unsafe impl Sync for EnvLink {}

impl EnvLink {
    /// A link for the state at `state`, on this thread, not yet connected.
    fn placeholder(state: *const EnvState) -> EnvLink {
        EnvLink {
            state,
            thread: thread_mark(),
            alive: AtomicBool::new(true),
            tsfn: Mutex::new(None),
            pending: Mutex::new(Vec::new()),
        }
    }
}

/// What a callback type's closures share on every thread.
pub struct CbShared {
    /// Tells the types of one environment apart (see `callback::register`).
    pub id: u32,
    pub name: Arc<str>,
    pub plan: CallbackPlan,
    pub cif: CallIf,
    /// The adapter (a napi_ref), used on the JS thread only.
    pub adapter: usize,
}

/// The JS function behind a slot.
pub enum Func {
    None,
    /// A JS function valid in the current handle scope (a sync call).
    Value(Value),
    /// A JS function kept by a reference (registered, or lent to an async call).
    Ref(sys::napi_ref),
}

/// Where a slot is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotState {
    /// In its type's pool, waiting to be lent.
    Idle,
    /// Lent to a call; back to `Idle` when the call is done.
    Lent,
    /// Registered until `unregister()`.
    Registered,
    /// Unregistered; never used again.
    Dead,
}

const IDLE: u8 = 0;
const LENT: u8 = 1;
const REGISTERED: u8 = 2;
const DEAD: u8 = 3;

/// One C function pointer (a libffi closure) and the JS function behind it.
pub struct Slot {
    shared: Arc<CbShared>,
    link: Arc<EnvLink>,
    state: AtomicU8,
    /// Lent to a synchronous call (the JS thread is inside it).
    sync: AtomicBool,
    /// C called it from another thread during that synchronous call.
    misused: AtomicBool,
    /// Lent to an async call: where its errors go (the call rejects with them).
    task: AtomicPtr<TaskErrors>,
    func: UnsafeCell<Func>,
    /// Where errors go for a registered callback with `onError` (a napi_ref).
    on_error: UnsafeCell<Option<sys::napi_ref>>,
    code: *const c_void,
}

// SAFETY: `func` and `on_error` are only touched on the environment's own
// thread; other threads only read the atomics, `shared`, `link` and `code`.
unsafe impl Send for Slot {}
unsafe impl Sync for Slot {}

impl Slot {
    /// A new idle slot; `make_code` makes the C function pointer, given the
    /// address the slot will live at (its closure's data). Slots are never
    /// freed, so a late call from C finds one that says what went wrong.
    pub fn new(
        shared: &Arc<CbShared>,
        link: &Arc<EnvLink>,
        make_code: impl FnOnce(*const Slot) -> Result<*const c_void>,
    ) -> Result<Arc<Slot>> {
        let mut failed = None;
        let slot = Arc::new_cyclic(|me| {
            let code = match make_code(me.as_ptr()) {
                Ok(c) => c,
                Err(e) => {
                    failed = Some(e);
                    std::ptr::null()
                }
            };
            Slot {
                shared: shared.clone(),
                link: link.clone(),
                state: AtomicU8::new(IDLE),
                sync: AtomicBool::new(false),
                misused: AtomicBool::new(false),
                task: AtomicPtr::new(null_mut()),
                func: UnsafeCell::new(Func::None),
                on_error: UnsafeCell::new(None),
                code,
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        // The closure's own reference: never given back.
        std::mem::forget(slot.clone());
        Ok(slot)
    }

    pub fn state(&self) -> SlotState {
        match self.state.load(Ordering::Acquire) {
            IDLE => SlotState::Idle,
            LENT => SlotState::Lent,
            REGISTERED => SlotState::Registered,
            _ => SlotState::Dead,
        }
    }

    pub fn shared(&self) -> &Arc<CbShared> {
        &self.shared
    }

    pub fn link(&self) -> &Arc<EnvLink> {
        &self.link
    }

    pub fn code(&self) -> *const c_void {
        self.code
    }

    /// Lent to a synchronous call the JS thread is inside.
    pub fn is_sync(&self) -> bool {
        self.sync.load(Ordering::Acquire)
    }

    pub fn mark_misused(&self) {
        self.misused.store(true, Ordering::Release);
    }

    /// The async call this slot is lent to, or null.
    pub fn task(&self) -> *const TaskErrors {
        self.task.load(Ordering::Acquire)
    }

    /// The JS function. # Safety: on the environment's thread only.
    pub unsafe fn func(&self) -> &Func {
        unsafe { &*self.func.get() }
    }

    /// The `onError` handler. # Safety: on the environment's thread only.
    pub unsafe fn on_error(&self) -> Option<sys::napi_ref> {
        unsafe { *self.on_error.get() }
    }

    /// Idle → lent. # Safety: on the environment's thread only.
    unsafe fn lend(&self, func: Func, sync: bool, task: *const TaskErrors) {
        unsafe { *self.func.get() = func };
        self.sync.store(sync, Ordering::Release);
        self.task.store(task as *mut TaskErrors, Ordering::Release);
        self.misused.store(false, Ordering::Release);
        self.state.store(LENT, Ordering::Release);
        reachable(true);
    }

    /// New → registered. # Safety: on the environment's thread only.
    pub unsafe fn register(&self, func: sys::napi_ref, on_error: Option<sys::napi_ref>) {
        unsafe {
            *self.func.get() = Func::Ref(func);
            *self.on_error.get() = on_error;
        }
        self.state.store(REGISTERED, Ordering::Release);
        reachable(true);
    }

    /// Registered → dead: the references it held are deleted.
    /// # Safety: on the environment's thread only.
    pub unsafe fn kill(&self, env: napi_env) {
        if self.state.swap(DEAD, Ordering::AcqRel) == REGISTERED {
            reachable(false);
        }
        unsafe {
            if let Func::Ref(r) = std::mem::replace(&mut *self.func.get(), Func::None) {
                sys::napi_delete_reference(env, r);
            }
            if let Some(r) = (*self.on_error.get()).take() {
                sys::napi_delete_reference(env, r);
            }
        }
    }
}

/// A callback type: its shared part and its pool of idle slots.
pub struct CbType {
    pub shared: Arc<CbShared>,
    idle: RefCell<Vec<Arc<Slot>>>,
}

impl CbType {
    pub fn new(shared: CbShared) -> CbType {
        CbType {
            shared: Arc::new(shared),
            idle: RefCell::new(Vec::new()),
        }
    }
}

/// Per-environment callback state.
#[derive(Default)]
pub struct Callbacks {
    types: HashMap<String, Rc<CbType>>,
    /// The id of the next type.
    next_id: u32,
    /// Registered callbacks by code address.
    registered: HashMap<usize, Arc<Slot>>,
    /// Unregistered ones, by code address, that the same JS function may
    /// get back (see `callback::register`).
    dead: HashMap<usize, Arc<Slot>>,
}

impl Callbacks {
    pub fn get_type(&self, key: &str) -> Option<Rc<CbType>> {
        self.types.get(key).cloned()
    }

    pub fn add_type(&mut self, key: String, t: Rc<CbType>) {
        self.types.insert(key, t);
    }

    /// An id for a new type.
    pub fn new_type_id(&mut self) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        self.next_id
    }

    pub fn add_registered(&mut self, slot: Arc<Slot>) {
        self.registered.insert(slot.code as usize, slot);
    }

    pub fn take_registered(&mut self, addr: usize) -> Option<Arc<Slot>> {
        self.registered.remove(&addr)
    }

    /// Keeps `slot`, dead, for its function to get back.
    pub fn add_dead(&mut self, slot: Arc<Slot>) {
        self.dead.insert(slot.code as usize, slot);
    }

    /// The dead slot at code address `addr`, if it is one of type `shared`
    /// (taken out; what the prelude said is checked here).
    pub fn take_dead(&mut self, addr: usize, shared: &Arc<CbShared>) -> Option<Arc<Slot>> {
        match self.dead.get(&addr) {
            Some(s) if s.state() == SlotState::Dead && Arc::ptr_eq(&s.shared, shared) => self.dead.remove(&addr),
            _ => None,
        }
    }
}

/// A closure lent to one call; given back with `release`.
pub struct Lent {
    ty: Rc<CbType>,
    slot: Arc<Slot>,
    r: Option<sys::napi_ref>,
}

impl Lent {
    /// Lends a slot of `ty` (an idle one, or one `fresh` makes) calling
    /// `func`. `task`: an async call's errors (the function is then held by
    /// the reference `r`). # Safety: on the environment's thread only.
    pub unsafe fn new(
        ty: Rc<CbType>,
        fresh: impl FnOnce(&Arc<CbShared>) -> Result<Arc<Slot>>,
        f: Value,
        r: Option<sys::napi_ref>,
        task: *const TaskErrors,
    ) -> Result<Lent> {
        let popped = ty.idle.borrow_mut().pop();
        let slot = match popped {
            Some(s) => s,
            None => fresh(&ty.shared)?,
        };
        let func = match r {
            Some(r) => Func::Ref(r),
            None => Func::Value(f),
        };
        unsafe { slot.lend(func, r.is_none(), task) };
        Ok(Lent { ty, slot, r })
    }

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

    /// Lent → idle, back in its type's pool.
    /// # Safety: on the environment's thread only.
    pub unsafe fn release(self, env: napi_env) {
        if self.slot.state.swap(IDLE, Ordering::AcqRel) == LENT {
            reachable(false);
        }
        self.slot.task.store(null_mut(), Ordering::Release);
        unsafe {
            *self.slot.func.get() = Func::None;
            if let Some(r) = self.r {
                sys::napi_delete_reference(env, r);
            }
        }
        self.ty.idle.borrow_mut().push(self.slot);
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
    const OUTSIDE: CallLevel = CallLevel {
        in_call: false,
        scope: std::ptr::null_mut(),
        uses: 0,
    };
}

/// Callbacks after which the shared scope is closed and a new one opened,
/// so that a long call does not pile up handles.
const SCOPE_USES: u32 = 128;

// ----- the fast path (src/fast.rs) -----

/// Loads the accelerator for an environment: `fast::load`, handed down by
/// the prelude's setup.
pub type FastLoader = unsafe fn(napi_env, &EnvState);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FastStatus {
    /// Not looked for yet: it is, when the first function it could call is bound.
    Untried,
    /// Wrappers of functions it can call call `invf`.
    Active,
    /// Not found, not loadable, turned off, or not for this environment.
    Off,
}

/// An environment's side of the fast path.
pub struct Fast {
    status: Cell<FastStatus>,
    loader: Cell<Option<FastLoader>>,
    /// Calls made through the accelerator: [by its slow callback, by V8's fast path].
    pub calls: [Cell<u64>; 2],
    /// What the loader found (its result object), for `fastCalls()`.
    pub found: Cell<sys::napi_ref>,
    /// An error a call from the fast path could not throw (C called a
    /// callback after its time): the Node-API invoker throws it next.
    deferred: RefCell<Option<Error>>,
    has_deferred: Cell<bool>,
    env_exposed: Cell<bool>,
    /// This thread's `IN_FAST` and `JS_REACHABLE` (the state lives and dies
    /// on it), read by the fast path with no thread-local lookup.
    in_fast: *const Cell<bool>,
    reachable: *const Cell<u32>,
}

impl Fast {
    fn new() -> Fast {
        Fast {
            in_fast: IN_FAST.with(|f| f as *const Cell<bool>),
            reachable: JS_REACHABLE.with(|n| n as *const Cell<u32>),
            status: Cell::new(FastStatus::Untried),
            loader: Cell::new(None),
            calls: [Cell::new(0), Cell::new(0)],
            found: Cell::new(null_mut()),
            deferred: RefCell::new(None),
            has_deferred: Cell::new(false),
            env_exposed: Cell::new(false),
        }
    }

    pub fn status(&self) -> FastStatus {
        self.status.get()
    }

    pub fn set_status(&self, s: FastStatus) {
        self.status.set(s);
    }

    pub fn set_loader(&self, f: FastLoader) {
        self.loader.set(Some(f));
    }

    /// Whether a foreign call on this thread may run JS (see `JS_REACHABLE`).
    #[inline(always)]
    pub fn js_reachable(&self) -> bool {
        unsafe { (*self.reachable).get() != 0 }
    }

    /// Marks this thread as in (or out of) a call made from the fast path.
    #[inline(always)]
    pub fn set_in_fast_call(&self, on: bool) {
        unsafe { (*self.in_fast).set(on) };
    }

    /// Keeps `e` for the Node-API invoker to throw (the first one only).
    pub fn defer(&self, e: Error) {
        if !self.has_deferred.get() {
            *self.deferred.borrow_mut() = Some(e);
            self.has_deferred.set(true);
        }
    }

    #[inline(always)]
    pub fn has_deferred(&self) -> bool {
        self.has_deferred.get()
    }

    pub fn take_deferred(&self) -> Option<Error> {
        self.has_deferred.set(false);
        self.deferred.borrow_mut().take()
    }

    /// C was given this environment's `napi_env`: it may call Node-API (and
    /// so JS) during any call, and the fast path is off on this thread.
    pub fn expose_env(&self) {
        if !self.env_exposed.replace(true) {
            reachable(true);
        }
    }
}

struct Refs {
    helpers: sys::napi_ref,
    views: sys::napi_ref,
    /// The prelude's `put` and `makePtr`, used on every Pointer read and made.
    put: sys::napi_ref,
    make_ptr: sys::napi_ref,
    /// The prelude's `finish`, used for every bound function.
    finish: sys::napi_ref,
    /// The prelude's `ownFields`, for every struct converted natively.
    own_fields: sys::napi_ref,
}

pub struct EnvState {
    /// The environment itself: valid for as long as this state is.
    pub env: napi_env,
    /// The shared argument buffer's memory (V8-allocated, never moves).
    pub buf: *mut u8,
    /// How callbacks reach this environment from other threads.
    pub link: Arc<EnvLink>,
    pub callbacks: RefCell<Callbacks>,
    /// The first exception a callback threw during the current call; the
    /// call throws it when the C function returns.
    pub cb_error: Cell<Option<sys::napi_ref>>,
    /// The synchronous call the JS thread is in, for the callbacks made
    /// during it (see `EnvState::enter_call`).
    cb_level: Cell<CallLevel>,
    /// This thread's errno, and its value right after the last call.
    pub errno_at: *mut i32,
    pub last_errno: Cell<i32>,
    /// The errno the next foreign call starts with (`errno(value)`); 0 after.
    pub errno_start: Cell<i32>,
    refs: OnceCell<Refs>,
    /// `(path) => new Library(...)` (src/api/library.js).
    library_maker: OnceCell<sys::napi_ref>,
    bound: RefCell<Slab>,
    factories: RefCell<HashMap<String, sys::napi_ref>>,
    /// The field names of structs converted natively, as JS arrays, by
    /// the names joined with NULs (see `own_fields`).
    field_lists: RefCell<HashMap<String, sys::napi_ref>>,
    /// Wrapper makers by shape key.
    makers: RefCell<HashMap<String, sys::napi_ref>>,
    /// Types declared with `cdef()` and friends, for every later declaration.
    registry: RefCell<Scope>,
    /// Addresses `alloc()` returned and `free()` has not taken back.
    allocated: RefCell<std::collections::HashSet<usize>>,
    /// C memory for strings JS wrote during the current outermost foreign
    /// call (a callback's struct result, `encode()` in a callback): freed
    /// when that call returns.
    call_allocs: RefCell<Vec<usize>>,
    has_call_allocs: Cell<bool>,
    /// Type names already parsed against the registry alone (`decode(p,
    /// 'int')` in a loop); cleared whenever the registry changes.
    type_names: RefCell<HashMap<String, crate::types::Type>>,
    /// The fast path's state (src/fast.rs).
    pub fast: Fast,
    /// The `CType` objects alive, held weakly, by `Type::shape_hash` (see
    /// `marshal::ctype::ctype_value`).
    ctypes: RefCell<WeakRefs<u64>>,
    /// The bound functions alive, held weakly, by library and how they
    /// were bound (see `bind::bind`); each with its id.
    bound_cache: RefCell<HashMap<BoundKey, Vec<(sys::napi_ref, u32)>>>,
    /// Whether this environment re-checks signal handlers for Go after
    /// `process.on(signal)` (api/library.rs, `prepare_for_go`).
    pub go_signals_hooked: Cell<bool>,
}

/// A bound function's library (its `LibCore`'s address, which stays its
/// own while a function bound from it is alive) and a hash of its name,
/// signature and options.
pub type BoundKey = (usize, u64);

/// Weak references to JS objects, by a key; references to collected
/// objects are deleted when met, and all of them whenever the count has
/// doubled since the last sweep.
pub struct WeakRefs<K> {
    map: HashMap<K, Vec<sys::napi_ref>>,
    count: usize,
    sweep_at: usize,
}

impl<K> Default for WeakRefs<K> {
    fn default() -> Self {
        WeakRefs {
            map: HashMap::new(),
            count: 0,
            sweep_at: 256,
        }
    }
}

/// The object a weak reference holds, or `None` once it was collected.
unsafe fn weak_value(env: napi_env, r: sys::napi_ref) -> Option<Value> {
    let mut v = null_mut();
    let status = unsafe { sys::napi_get_reference_value(env, r, &mut v) };
    (status == sys::Status::napi_ok && !v.is_null()).then_some(v)
}

/// A weak reference to `v` (an object).
unsafe fn weak_ref(env: napi_env, v: Value) -> Result<sys::napi_ref> {
    let mut r = null_mut();
    check(
        unsafe { sys::napi_create_reference(env, v, 0, &mut r) },
        "napi_create_reference",
    )?;
    Ok(r)
}

#[derive(Default)]
struct Slab {
    items: Vec<Option<Rc<Bound>>>,
    free: Vec<u32>,
}

impl EnvState {
    /// This environment's state, made by `prelude::install` when the addon
    /// was loaded into it.
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn get(env: napi_env) -> Result<Rc<EnvState>> {
        unsafe {
            let mut data: *mut c_void = null_mut();
            check(sys::napi_get_instance_data(env, &mut data), "napi_get_instance_data")?;
            if data.is_null() {
                return Err(Error::new(
                    Code::Internal,
                    "cshared is not initialised in this environment",
                ));
            }
            Ok((*(data as *const Rc<EnvState>)).clone())
        }
    }

    /// A new state for `env` and its shared buffer (returned as the
    /// ArrayBuffer the prelude views). It is not the environment's until
    /// `attach`.
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn create(env: napi_env) -> Result<(Rc<EnvState>, Value)> {
        unsafe {
            let mut buf: *mut c_void = null_mut();
            let mut ab = null_mut();
            check(
                sys::napi_create_arraybuffer(env, BUFFER_SIZE + STRING_AREA, &mut buf, &mut ab),
                "napi_create_arraybuffer",
            )?;
            // The link needs the state's address, and the state holds the link.
            let state = Rc::<EnvState>::new_cyclic(|weak| EnvState {
                env,
                buf: buf as *mut u8,
                link: Arc::new(EnvLink::placeholder(weak.as_ptr())),
                callbacks: RefCell::new(Default::default()),
                cb_error: Cell::new(None),
                cb_level: Cell::new(CallLevel::OUTSIDE),
                errno_at: errno_location(),
                last_errno: Cell::new(0),
                errno_start: Cell::new(0),
                refs: OnceCell::new(),
                library_maker: OnceCell::new(),
                bound: RefCell::new(Slab::default()),
                factories: RefCell::new(HashMap::new()),
                field_lists: RefCell::new(HashMap::new()),
                makers: RefCell::new(HashMap::new()),
                registry: RefCell::new(Scope::new()),
                allocated: RefCell::new(Default::default()),
                call_allocs: RefCell::new(Vec::new()),
                has_call_allocs: Cell::new(false),
                type_names: RefCell::new(HashMap::new()),
                fast: Fast::new(),
                ctypes: RefCell::new(WeakRefs::default()),
                go_signals_hooked: Cell::new(false),
                bound_cache: RefCell::new(HashMap::new()),
            });
            SOLE.with(|s| {
                if s.get().is_null() {
                    s.set(Rc::as_ptr(&state));
                }
            });
            Ok((state, ab))
        }
    }

    /// Whether wrappers made from now on may call `invf`: the accelerator
    /// is looked for the first time this is asked (the prelude's setup is
    /// too early: Node does not load an addon while it loads another).
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn fast_ready(&self, env: napi_env) -> bool {
        if self.fast.status.get() == FastStatus::Untried {
            self.fast.status.set(FastStatus::Off);
            if let Some(load) = self.fast.loader.get() {
                unsafe { load(env, self) };
            }
        }
        self.fast.status.get() == FastStatus::Active
    }

    /// Makes this (the sole environment on its thread, now accelerated) the
    /// one `fast_state` finds with no thread-local lookup, if none is yet.
    pub fn claim_fast_owner(&self) {
        let me = thread_id();
        if me != 0 && self.is_sole() && FAST_STATE.load(Ordering::Acquire).is_null() {
            FAST_STATE.store(self as *const EnvState as *mut EnvState, Ordering::Release);
            FAST_OWNER.store(me, Ordering::Release);
        }
    }

    /// Whether this is the only environment on its thread (see `SOLE`).
    pub fn is_sole(&self) -> bool {
        SOLE.with(|s| std::ptr::eq(s.get(), self))
    }

    /// Keeps the prelude's helpers (the object it returned).
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn set_helpers(&self, env: napi_env, helpers: Value) -> Result<()> {
        unsafe {
            let views = js::get(env, helpers, c"views")?;
            let _ = self.refs.set(Refs {
                helpers: js::new_ref(env, helpers)?,
                views: js::new_ref(env, views)?,
                put: js::new_ref(env, js::get(env, helpers, c"put")?)?,
                make_ptr: js::new_ref(env, js::get(env, helpers, c"makePtr")?)?,
                finish: js::new_ref(env, js::get(env, helpers, c"finish")?)?,
                own_fields: js::new_ref(env, js::get(env, helpers, c"ownFields")?)?,
            });
            Ok(())
        }
    }

    /// Makes this the environment's state, freed with the environment.
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn attach(self: &Rc<Self>, env: napi_env) -> Result<()> {
        unsafe {
            let boxed = Box::into_raw(Box::new(self.clone()));
            let status = sys::napi_set_instance_data(env, boxed as *mut c_void, Some(finalize_state), null_mut());
            if status != sys::Status::napi_ok {
                drop(Box::from_raw(boxed));
                return Err(Error::new(Code::Internal, "napi_set_instance_data failed"));
            }
            Ok(())
        }
    }

    /// Keeps the function that makes `Library` objects.
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn set_library_maker(&self, env: napi_env, make: Value) -> Result<()> {
        unsafe {
            let r = js::new_ref(env, make)?;
            if self.library_maker.set(r).is_err() {
                sys::napi_delete_reference(env, r);
            }
            Ok(())
        }
    }

    /// The function that makes `Library` objects.
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn library_maker(&self, env: napi_env) -> Result<Value> {
        let r = self
            .library_maker
            .get()
            .ok_or_else(|| Error::new(Code::Internal, "Library is not set up in this environment"))?;
        unsafe { js::deref(env, *r) }
    }

    fn refs(&self) -> Result<&Refs> {
        self.refs
            .get()
            .ok_or_else(|| Error::new(Code::Internal, "environment state is not initialised"))
    }

    /// A helper exported by the prelude (`makePtr`, `isPointer`, ...).
    pub unsafe fn helper(&self, env: napi_env, name: &std::ffi::CStr) -> Result<Value> {
        unsafe {
            let helpers = js::deref(env, self.refs()?.helpers)?;
            js::get(env, helpers, name)
        }
    }

    pub unsafe fn views(&self, env: napi_env) -> Result<Value> {
        unsafe { js::deref(env, self.refs()?.views) }
    }

    /// The compiled `function (V, R)` for an adapter's source (see
    /// `codegen::adapter_source`), compiled once.
    pub unsafe fn factory(&self, env: napi_env, source: &str) -> Result<Value> {
        unsafe {
            if let Some(r) = self.factories.borrow().get(source) {
                return js::deref(env, *r);
            }
            let f = compile(env, &format!("(function (V, R) {{\n{source}\n}})"))?;
            let r = js::new_ref(env, f)?;
            let mut factories = self.factories.borrow_mut();
            forget_some(env, &mut factories);
            factories.insert(source.to_string(), r);
            Ok(f)
        }
    }

    /// A wrapper shape's maker (see `codegen::wrapper_source`), compiled
    /// once per shape: cached under `key`, which must determine the source
    /// exactly (then `source` is only generated when it is not cached), or
    /// without a key under the source itself.
    pub unsafe fn maker(&self, env: napi_env, key: Option<&str>, source: impl FnOnce() -> String) -> Result<Value> {
        unsafe {
            let cached = |k: &str| self.makers.borrow().get(k).copied();
            let (key, text) = match key {
                Some(k) => {
                    if let Some(r) = cached(k) {
                        return js::deref(env, r);
                    }
                    (k.to_string(), source())
                }
                None => {
                    let s = source();
                    if let Some(r) = cached(&s) {
                        return js::deref(env, r);
                    }
                    (s.clone(), s)
                }
            };
            let f = compile(env, &format!("(function (V) {{\n{text}\n}})"))?;
            let make = js::call(env, f, &[self.views(env)?])?;
            let r = js::new_ref(env, make)?;
            let mut makers = self.makers.borrow_mut();
            forget_some(env, &mut makers);
            makers.insert(key, r);
            Ok(make)
        }
    }

    /// A bound function from its maker: `finish(make, id, name)`.
    pub unsafe fn finish(&self, env: napi_env, make: Value, id: u32, name: &str) -> Result<Value> {
        unsafe {
            let finish = js::deref(env, self.refs()?.finish)?;
            js::call(
                env,
                finish,
                &[make, js::number(env, f64::from(id))?, js::string(env, name)?],
            )
        }
    }

    pub fn registry(&self) -> Ref<'_, Scope> {
        self.registry.borrow()
    }

    /// The registry, to change: what was cached about type names is
    /// forgotten, here and in the prelude (`decode`'s kinds), since a name
    /// may now mean another type (`cdef()` may even shadow `int8_t`).
    pub fn registry_mut(&self) -> RefMut<'_, Scope> {
        self.type_names.borrow_mut().clear();
        // Only the API functions change the registry, on the JS thread.
        unsafe {
            if let Ok(forget) = self.helper(self.env, c"forgetKinds") {
                let _ = js::call(self.env, forget, &[]);
            }
        }
        self.registry.borrow_mut()
    }

    /// A type name parsed against the registry alone, if seen before.
    pub fn cached_type(&self, name: &str) -> Option<crate::types::Type> {
        self.type_names.borrow().get(name).cloned()
    }

    pub fn cache_type(&self, name: String, ty: crate::types::Type) {
        let mut names = self.type_names.borrow_mut();
        // Bounded: a program that makes type names on the fly starts over.
        if names.len() >= 1024 {
            names.clear();
        }
        names.insert(name, ty);
    }

    /// The `CType` object alive for a type of hash `hash` that `fits`, if
    /// there is one.
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn find_ctype(&self, env: napi_env, hash: u64, fits: impl Fn(Value) -> bool) -> Option<Value> {
        unsafe { find_weak(env, &self.ctypes, &hash, fits) }
    }

    /// Notes `v`, a new `CType` object, under `hash`.
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn add_ctype(&self, env: napi_env, hash: u64, v: Value) -> Result<()> {
        unsafe { add_weak(env, &self.ctypes, hash, v) }
    }

    /// The bound function alive under `key` whose `Bound` `fits`, if any.
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn find_bound(&self, env: napi_env, key: BoundKey, fits: impl Fn(&Bound) -> bool) -> Option<Value> {
        unsafe {
            // Copied out: no borrow is held across Node-API calls.
            let entries = self.bound_cache.borrow().get(&key).cloned().unwrap_or_default();
            for (r, id) in entries {
                match weak_value(env, r) {
                    Some(f) if self.bound(id).is_some_and(|b| fits(&b)) => return Some(f),
                    Some(_) => {}
                    // Collected, its finalizer not run yet: forgotten now.
                    None => self.forget_bound(env, key, id),
                }
            }
            None
        }
    }

    /// Keeps `f`, the bound function with id `id`, under `key` (weakly).
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn keep_bound(&self, env: napi_env, key: BoundKey, f: Value, id: u32) -> Result<()> {
        unsafe {
            let r = weak_ref(env, f)?;
            self.bound_cache.borrow_mut().entry(key).or_default().push((r, id));
            Ok(())
        }
    }

    /// Forgets the bound function with id `id` kept under `key`.
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn forget_bound(&self, env: napi_env, key: BoundKey, id: u32) {
        let mut cache = self.bound_cache.borrow_mut();
        if let Some(list) = cache.get_mut(&key) {
            list.retain(|&(r, i)| {
                if i == id {
                    unsafe { sys::napi_delete_reference(env, r) };
                }
                i != id
            });
            if list.is_empty() {
                cache.remove(&key);
            }
        }
    }

    pub fn insert(&self, bound: Bound) -> Result<u32> {
        let mut slab = self.bound.borrow_mut();
        let item = Some(Rc::new(bound));
        if let Some(id) = slab.free.pop() {
            slab.items[id as usize] = item;
            return Ok(id);
        }
        let id = u32::try_from(slab.items.len()).map_err(|_| Error::new(Code::Internal, "too many bound functions"))?;
        slab.items.push(item);
        Ok(id)
    }

    pub fn bound(&self, id: u32) -> Option<Rc<Bound>> {
        self.bound.borrow().items.get(id as usize).and_then(|b| b.clone())
    }

    /// The bound function with this id, for the hot path: no reference
    /// count traffic. The Bound stays alive while its wrapper can run,
    /// which it is doing when this is called (only the wrapper's finalizer
    /// removes it), so the pointer is valid for the call.
    #[inline(always)]
    pub fn bound_ptr(&self, id: u32) -> Option<*const Bound> {
        // SAFETY: the slab is only changed outside this short read (by
        // binding and by finalizers), all on this thread.
        let slab = unsafe { &*self.bound.as_ptr() };
        match slab.items.get(id as usize) {
            Some(Some(b)) => Some(Rc::as_ptr(b)),
            _ => None,
        }
    }

    pub fn remove(&self, id: u32) {
        let mut slab = self.bound.borrow_mut();
        if let Some(slot) = slab.items.get_mut(id as usize) {
            if slot.take().is_some() {
                slab.free.push(id);
            }
        }
    }

    /// Notes memory `alloc()` made, so that `free()` takes only that.
    pub fn note_alloc(&self, addr: usize) {
        self.allocated.borrow_mut().insert(addr);
    }

    /// Whether `alloc()` made `addr` and it was not freed yet; forgets it.
    pub fn take_alloc(&self, addr: usize) -> bool {
        self.allocated.borrow_mut().remove(&addr)
    }

    /// Before a synchronous foreign call on the JS thread; give what it
    /// returns to `leave_call` when the call returns.
    #[inline(always)]
    pub fn enter_call(&self) -> CallLevel {
        self.cb_level.replace(CallLevel {
            in_call: true,
            scope: null_mut(),
            uses: 0,
        })
    }

    /// Whether the JS thread is inside a synchronous foreign call.
    pub fn in_call(&self) -> bool {
        self.cb_level.get().in_call
    }

    /// After the call: closes the scope its callbacks shared. Scopes nest as
    /// calls do (a callback's nested call closes its own before it returns),
    /// so this one is the innermost.
    #[inline(always)]
    pub fn leave_call(&self, outer: CallLevel) {
        let mine = self.cb_level.replace(outer);
        if !mine.scope.is_null() {
            unsafe { sys::napi_close_handle_scope(self.env, mine.scope) };
        }
        if !outer.in_call && self.has_call_allocs.get() {
            self.free_call_allocs();
        }
    }

    /// Keeps `addr` (from `libc::malloc`) until the outermost foreign call
    /// returns. Only while the JS thread is inside one (`in_call`).
    pub fn keep_for_call(&self, addr: usize) {
        self.call_allocs.borrow_mut().push(addr);
        // A flag, so that `leave_call` (the hot path) looks only then.
        self.has_call_allocs.set(true);
    }

    /// Who owns C memory (from libc) for strings JS wrote into C memory:
    /// inside a foreign call (a callback's result or `encode()`), that
    /// call, which frees it when it returns; else the caller, as memory
    /// from `alloc()` (`free()` it).
    pub fn own_written(&self, kept: Vec<usize>) {
        for a in kept {
            if self.in_call() {
                self.keep_for_call(a);
            } else {
                self.note_alloc(a);
            }
        }
    }

    fn free_call_allocs(&self) {
        self.has_call_allocs.set(false);
        for a in self.call_allocs.borrow_mut().drain(..) {
            unsafe { libc::free(a as *mut c_void) };
        }
    }

    /// The handle scope for one callback on the JS thread: the call's shared
    /// one for a callback lent to that call (`lent_here`), else one of its
    /// own (returned, to be closed when the callback is done). A registered
    /// callback may come from other native code than the call, with scopes
    /// of its own open.
    pub fn callback_scope(&self, lent_here: bool) -> sys::napi_handle_scope {
        unsafe {
            let env = self.env;
            let level = self.cb_level.get();
            let mut scope = null_mut();
            if !level.in_call || !lent_here {
                sys::napi_open_handle_scope(env, &mut scope);
                return scope;
            }
            if !level.scope.is_null() && level.uses < SCOPE_USES {
                self.cb_level.set(CallLevel {
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
            self.cb_level.set(CallLevel {
                in_call: true,
                scope,
                uses: 1,
            });
            null_mut()
        }
    }

    /// The exception a callback threw during the call that just returned, if any.
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn take_callback_error(&self, env: napi_env) -> Option<Value> {
        unsafe {
            let r = self.cb_error.take()?;
            let v = js::kept(env, r).ok();
            sys::napi_delete_reference(env, r);
            v
        }
    }

    /// How the prelude describes a value in messages ("a string (\"abc\")").
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn describe(&self, env: napi_env, v: Value) -> String {
        unsafe {
            let r = self
                .helper(env, c"describe")
                .and_then(|f| js::call(env, f, &[v]))
                .and_then(|s| js::get_string(env, s));
            r.unwrap_or_else(|_| "a value".to_string())
        }
    }

    /// The prelude's `ownFields(v, names)`: an array of the values of the
    /// own properties of object `v` named `names` (undefined for those it
    /// does not have), or a string, the first own enumerable key of `v`
    /// that is not in `names`. `joined`: the names joined by NULs, which
    /// finds the JS array of them made the first time.
    pub unsafe fn own_fields<'n>(
        &self,
        env: napi_env,
        v: Value,
        joined: &str,
        names: impl ExactSizeIterator<Item = &'n str>,
    ) -> Result<Value> {
        unsafe {
            let cached = self.field_lists.borrow().get(joined).copied();
            let list = match cached {
                Some(r) => js::deref(env, r)?,
                None => {
                    let list = js::array(env, names.len())?;
                    for (i, name) in names.enumerate() {
                        js::set_element(env, list, i as u32, js::string(env, name)?)?;
                    }
                    let mut lists = self.field_lists.borrow_mut();
                    // Bounded: a program that makes struct types on the fly starts over.
                    if lists.len() >= 1024 {
                        for (_, r) in lists.drain() {
                            sys::napi_delete_reference(env, r);
                        }
                    }
                    lists.insert(joined.to_string(), js::new_ref(env, list)?);
                    list
                }
            };
            let f = js::deref(env, self.refs()?.own_fields)?;
            js::call(env, f, &[v, list])
        }
    }

    /// A JS Pointer for `addr`, or null for 0.
    pub unsafe fn make_pointer(&self, env: napi_env, addr: usize) -> Result<Value> {
        unsafe {
            let a = addr as u64;
            let mk = js::deref(env, self.refs()?.make_ptr)?;
            let lo = js::number(env, (a & 0xffff_ffff) as f64)?;
            let hi = js::number(env, (a >> 32) as f64)?;
            js::call(env, mk, &[lo, hi])
        }
    }

    /// The address of a JS Pointer; `None` if `v` is not one.
    pub unsafe fn read_pointer(&self, env: napi_env, v: Value) -> Result<Option<usize>> {
        unsafe {
            if js::type_of(env, v) != sys::ValueType::napi_object {
                return Ok(None);
            }
            let put = js::deref(env, self.refs()?.put)?;
            let at = js::number(env, (SCRATCH / 4) as f64)?;
            let ok = js::call(env, put, &[v, at])?;
            if !js::get_bool(env, ok)? {
                return Ok(None);
            }
            let addr = std::ptr::read_unaligned(self.buf.add(SCRATCH) as *const u64);
            Ok(Some(addr as usize))
        }
    }
}

/// Before a cache of compiled functions grows past 1,024: a program that
/// makes new shapes on the fly starts over (what was made stays alive
/// where it is used).
fn forget_some(env: napi_env, cache: &mut HashMap<String, sys::napi_ref>) {
    if cache.len() >= 1024 {
        for (_, r) in cache.drain() {
            unsafe { sys::napi_delete_reference(env, r) };
        }
    }
}

/// The first object alive under `key` that `fits`; references to collected
/// objects met on the way are deleted.
unsafe fn find_weak<K: std::hash::Hash + Eq + Clone>(
    env: napi_env,
    cell: &RefCell<WeakRefs<K>>,
    key: &K,
    fits: impl Fn(Value) -> bool,
) -> Option<Value> {
    unsafe {
        let refs = cell.borrow().map.get(key).cloned().unwrap_or_default();
        let mut dead = Vec::new();
        let mut found = None;
        for r in refs {
            match weak_value(env, r) {
                Some(v) => {
                    if fits(v) {
                        found = Some(v);
                        break;
                    }
                }
                None => dead.push(r),
            }
        }
        if !dead.is_empty() {
            let mut w = cell.borrow_mut();
            if let Some(list) = w.map.get_mut(key) {
                list.retain(|r| !dead.contains(r));
                if list.is_empty() {
                    w.map.remove(key);
                }
            }
            w.count -= dead.len().min(w.count);
            for r in dead {
                sys::napi_delete_reference(env, r);
            }
        }
        found
    }
}

unsafe fn add_weak<K: std::hash::Hash + Eq + Clone>(
    env: napi_env,
    cell: &RefCell<WeakRefs<K>>,
    key: K,
    v: Value,
) -> Result<()> {
    unsafe {
        let r = weak_ref(env, v)?;
        let mut w = cell.borrow_mut();
        w.map.entry(key).or_default().push(r);
        w.count += 1;
        if w.count >= w.sweep_at {
            let mut live = 0;
            w.map.retain(|_, list| {
                list.retain(|&r| {
                    let alive = weak_value(env, r).is_some();
                    if !alive {
                        sys::napi_delete_reference(env, r);
                    }
                    alive
                });
                live += list.len();
                !list.is_empty()
            });
            w.count = live;
            w.sweep_at = (2 * live).max(256);
        }
        Ok(())
    }
}

unsafe extern "C" fn finalize_state(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    // References die with the environment; only the Rust side is freed here.
    let state = unsafe { Box::from_raw(data as *mut Rc<EnvState>) };
    SOLE.with(|s| {
        if s.get() == Rc::as_ptr(&state) {
            s.set(std::ptr::null());
        }
    });
    if std::ptr::eq(FAST_STATE.load(Ordering::Acquire), Rc::as_ptr(&state)) {
        FAST_OWNER.store(0, Ordering::Release);
        FAST_STATE.store(null_mut(), Ordering::Release);
    }
    drop(state);
}

/// Compiles and runs `source`, a parenthesized function expression: in a
/// script it is compiled as it is parsed, where `new Function` would parse
/// the body again on the first call.
unsafe fn compile(env: napi_env, source: &str) -> Result<Value> {
    unsafe {
        let body = js::string(env, source)?;
        let mut f = null_mut();
        check(sys::napi_run_script(env, body, &mut f), "compiling a wrapper")?;
        Ok(f)
    }
}
