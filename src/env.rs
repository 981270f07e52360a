//! Per-environment state. Each Node environment (the main thread, every
//! worker_thread, every Electron context that loads the addon) gets its own:
//! the shared argument buffer, the JS helpers from the prelude, the table of
//! bound functions and the cache of compiled wrapper factories. Nothing here
//! is shared between environments.

use crate::bind::Bound;
use crate::call::plan::{BUFFER_SIZE, STRING_AREA};
use crate::cdecl::Scope;
use crate::error::{check, Code, Error, Result};
use crate::js::{self, Value};
use napi::sys::{self, napi_env};
use std::cell::{Cell, OnceCell, Ref, RefCell, RefMut};
use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr::null_mut;
use std::rc::Rc;
use std::sync::Arc;

const PRELUDE: &str = include_str!("js/prelude.js");

thread_local! {
    /// The one environment on this thread, when there is exactly one: lets
    /// the scalar invoker skip `napi_get_cb_info`. Null when there is none,
    /// or when a second environment shares the thread (it then gets the
    /// general invoker).
    pub static SOLE: Cell<*const EnvState> = const { Cell::new(std::ptr::null()) };
}

/// Byte offset of the scratch word native code uses to read a Pointer's
/// address out of JS (see `read_pointer`).
const SCRATCH: usize = 8;

struct Refs {
    helpers: sys::napi_ref,
    views: sys::napi_ref,
    /// The prelude's `put` and `makePtr`, used on every Pointer read and made.
    put: sys::napi_ref,
    make_ptr: sys::napi_ref,
    /// The prelude's `finish`, used for every bound function.
    finish: sys::napi_ref,
}

pub struct EnvState {
    /// The environment itself: valid for as long as this state is.
    pub env: napi_env,
    /// The shared argument buffer's memory (V8-allocated, never moves).
    pub buf: *mut u8,
    /// How callbacks reach this environment from other threads.
    pub link: Arc<crate::callback::EnvLink>,
    pub callbacks: RefCell<crate::callback::Callbacks>,
    /// The first exception a callback threw during the current call; the
    /// call throws it when the C function returns.
    pub cb_error: Cell<Option<sys::napi_ref>>,
    /// The synchronous call the JS thread is in, for the callbacks made
    /// during it (see `callback::enter_call`).
    pub cb_level: Cell<crate::callback::CallLevel>,
    /// This thread's errno, and its value right after the last call.
    pub errno_at: *mut i32,
    pub last_errno: Cell<i32>,
    refs: OnceCell<Refs>,
    bound: RefCell<Slab>,
    factories: RefCell<HashMap<String, sys::napi_ref>>,
    /// Wrapper makers by shape key.
    makers: RefCell<HashMap<String, sys::napi_ref>>,
    /// Types declared with `cdef()` and friends, for every later declaration.
    registry: RefCell<Scope>,
    /// Type names already parsed against the registry alone (`decode(p,
    /// 'int')` in a loop); cleared whenever the registry changes.
    type_names: RefCell<HashMap<String, crate::types::Type>>,
}

#[derive(Default)]
struct Slab {
    items: Vec<Option<Rc<Bound>>>,
    free: Vec<u32>,
}

impl EnvState {
    /// This environment's state, created on first use.
    ///
    /// # Safety
    /// `env` must be the current environment.
    pub unsafe fn get(env: napi_env) -> Result<Rc<EnvState>> {
        unsafe {
            let mut data: *mut c_void = null_mut();
            check(sys::napi_get_instance_data(env, &mut data), "napi_get_instance_data")?;
            if !data.is_null() {
                return Ok((*(data as *const Rc<EnvState>)).clone());
            }
            Self::create(env)
        }
    }

    unsafe fn create(env: napi_env) -> Result<Rc<EnvState>> {
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
                link: Arc::new(crate::callback::EnvLink::placeholder(weak.as_ptr())),
                callbacks: RefCell::new(Default::default()),
                cb_error: Cell::new(None),
                cb_level: Cell::new(crate::callback::CallLevel::OUTSIDE),
                errno_at: crate::invoke::errno_location(),
                last_errno: Cell::new(0),
                refs: OnceCell::new(),
                bound: RefCell::new(Slab::default()),
                factories: RefCell::new(HashMap::new()),
                makers: RefCell::new(HashMap::new()),
                registry: RefCell::new(Scope::new()),
                type_names: RefCell::new(HashMap::new()),
            });
            let data = Rc::as_ptr(&state) as *mut c_void;
            crate::callback::connect(env, &state.link)?;
            let sole = SOLE.with(|s| {
                if s.get().is_null() {
                    s.set(Rc::as_ptr(&state));
                    true
                } else {
                    false
                }
            });
            let scalar: sys::napi_callback = if sole {
                Some(crate::invoke::inv_sole)
            } else {
                Some(crate::invoke::inv)
            };
            let inv = js::function(env, "invoke", scalar, data)?;
            let invo = js::function(env, "invoke", Some(crate::invoke::invo), data)?;
            let inva = js::function(env, "invokeAsync", Some(crate::invoke::inva), data)?;
            let invv = js::function(env, "invokeVariadic", Some(crate::invoke::invv), data)?;
            let invb = js::function(env, "invokeBatch", Some(crate::batch::invb), data)?;
            let addr_of = js::function(env, "viewAddress", Some(crate::invoke::view_address), data)?;
            let meta_of = js::function(env, "metaOf", Some(crate::bind::meta_of), data)?;
            let kind_of = js::function(env, "kindOf", Some(crate::api::memory::scalar_kind), data)?;
            let peek = js::function(env, "peek", Some(crate::api::memory::peek), data)?;
            let src = js::string(env, PRELUDE)?;
            let mut prelude = null_mut();
            check(sys::napi_run_script(env, src, &mut prelude), "evaluating the prelude")?;
            // The buffer's address, for the strings the wrappers write in it.
            let addr = buf as usize as u64;
            let lo = js::number(env, (addr & 0xffff_ffff) as f64)?;
            let hi = js::number(env, (addr >> 32) as f64)?;
            let area = js::number(env, BUFFER_SIZE as f64)?;
            let helpers = js::call(
                env,
                prelude,
                &[
                    ab, lo, hi, area, inv, invo, inva, invv, invb, addr_of, meta_of, kind_of, peek,
                ],
            )?;
            let views = js::get(env, helpers, c"views")?;
            let _ = state.refs.set(Refs {
                helpers: js::new_ref(env, helpers)?,
                views: js::new_ref(env, views)?,
                put: js::new_ref(env, js::get(env, helpers, c"put")?)?,
                make_ptr: js::new_ref(env, js::get(env, helpers, c"makePtr")?)?,
                finish: js::new_ref(env, js::get(env, helpers, c"finish")?)?,
            });
            let boxed = Box::into_raw(Box::new(state.clone()));
            let status = sys::napi_set_instance_data(env, boxed as *mut c_void, Some(finalize_state), null_mut());
            if status != sys::Status::napi_ok {
                drop(Box::from_raw(boxed));
                return Err(Error::new(Code::Internal, "napi_set_instance_data failed"));
            }
            Ok(state)
        }
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
            self.factories.borrow_mut().insert(source.to_string(), r);
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
            self.makers.borrow_mut().insert(key, r);
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

unsafe extern "C" fn finalize_state(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    // References die with the environment; only the Rust side is freed here.
    let state = unsafe { Box::from_raw(data as *mut Rc<EnvState>) };
    SOLE.with(|s| {
        if s.get() == Rc::as_ptr(&state) {
            s.set(std::ptr::null());
        }
    });
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
