//! `load()` and the `Library` class.
//!
//! `Library` is a JS class (`library.js`): its native state (`LibState`) is
//! wrapped on each object by `load()`, and taken off and freed by
//! `close()`. So a library closed holds no native memory and needs no
//! finalizer: with a napi-rs class the state would stay until the
//! object's finalizer ran, which Node-API does only when the event loop
//! turns (a loop of `load()` + `close()` piled them up).

use super::options;
use crate::bind;
use crate::cdecl::{self, Names, Scope};
use crate::env::EnvState;
use crate::env::{Free, Options};
use crate::error::parse_error;
use crate::error::{check, Code, Error, OrThrow, Result};
use crate::header::Header;
use crate::js::{self, Value};
use crate::library::LibCore;
use crate::marshal::ctype::{self as types};
use crate::marshal::{path_arg, string_arg};
use crate::types::{Param, Signature, Type};
use napi::bindgen_prelude::{JsValue, Unknown};
use napi::{sys, Env};
use napi_derive::napi;
use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr::null_mut;
use std::rc::Rc;

/// A loaded shared library. Made by `load()`.
// The class is `library.js`'s, put in its place by `install`; this item
// only names the export (its members are typed in src/js/header.d.ts).
#[napi]
pub struct Library {}

/// The JS class and its natives (`func`, `symbol`, `close`, `bind`).
const LIBRARY_JS: &str = include_str!("library.js");

/// Marks the objects `load()` made (a wrap alone could be another's).
const TAG: sys::napi_type_tag = sys::napi_type_tag {
    lower: 0x6373_6861_7265_642e,
    upper: 0x6c69_6272_6172_7901,
};

/// What a `Library` object holds until `close()`.
struct LibState {
    core: Rc<LibCore>,
    bigint: bool,
    /// The library's header: its types are in scope for `func()`.
    header: Option<Rc<Header>>,
    /// `load(path, { free: { NAME: true | 'freeFn' } })`: who frees what
    /// each named header function hands over.
    free: Rc<HashMap<String, Free>>,
}

/// Sets up `Library` for this environment: replaces the export and keeps
/// the function that makes instances.
///
/// # Safety
/// `env` must be the current environment.
pub unsafe fn install(env: sys::napi_env, state: &EnvState, exports: Value) -> Result<()> {
    unsafe {
        let src = js::string(env, LIBRARY_JS)?;
        let mut setup = null_mut();
        check(sys::napi_run_script(env, src, &mut setup), "evaluating library.js")?;
        let natives = [
            js::function(env, "func", Some(lib_func), null_mut())?,
            js::function(env, "symbol", Some(lib_symbol), null_mut())?,
            js::function(env, "close", Some(lib_close), null_mut())?,
            js::function(env, "bind", Some(lib_bind), null_mut())?,
        ];
        let made = js::call(env, setup, &natives)?;
        js::set(env, exports, c"Library", js::get(env, made, c"Library")?)?;
        state.set_library_maker(env, js::get(env, made, c"make")?)
    }
}

/// A `Library`'s state, cloned out: its library, its `bigint` default, its
/// header and its header functions' `free`.
type LibParts = (Rc<LibCore>, bool, Option<Rc<Header>>, Rc<HashMap<String, Free>>);

/// The state of the `Library` object `this`: `ERR_CLOSED` once it is
/// closed, `ERR_ARG_TYPE` for an object `load()` did not make. Cloned out,
/// since JS that runs meanwhile (an options getter) may close it.
unsafe fn lib_state(env: sys::napi_env, this: Option<Value>, what: &str) -> Result<LibParts> {
    unsafe {
        let not_one = || Error::new(Code::ArgType, format!("{what} must be called on a Library"));
        let this = this.ok_or_else(not_one)?;
        let mut tagged = false;
        if js::type_of(env, this) != sys::ValueType::napi_object
            || sys::napi_check_object_type_tag(env, this, &TAG, &mut tagged) != sys::Status::napi_ok
            || !tagged
        {
            return Err(not_one());
        }
        let mut raw: *mut c_void = null_mut();
        if sys::napi_unwrap(env, this, &mut raw) != sys::Status::napi_ok || raw.is_null() {
            let path = js::get(env, this, c"path")?;
            let name = match js::type_of(env, path) {
                sys::ValueType::napi_string => js::get_string(env, path)?,
                _ => "the current process".into(),
            };
            return Err(Error::new(Code::Closed, format!("library '{name}' was closed")));
        }
        let s = &*(raw as *const LibState);
        Ok((s.core.clone(), s.bigint, s.header.clone(), s.free.clone()))
    }
}

/// `this` and up to `N - 1` arguments of a native called as `f(this,
/// ...args)`; an argument left out, undefined or null is `None`.
unsafe fn this_and_args<const N: usize>(env: sys::napi_env, info: sys::napi_callback_info) -> [Option<Value>; N] {
    unsafe {
        let mut argv = [null_mut(); N];
        let mut argc = N;
        js::cb_info(env, info, &mut argc, argv.as_mut_ptr());
        let mut out = [None; N];
        for (i, v) in argv.into_iter().enumerate().take(argc.min(N)) {
            let absent = matches!(
                js::type_of(env, v),
                sys::ValueType::napi_undefined | sys::ValueType::napi_null
            );
            if i == 0 || !absent {
                out[i] = Some(v);
            }
        }
        out
    }
}

/// `lib.func(...)`.
unsafe extern "C" fn lib_func(env: sys::napi_env, info: sys::napi_callback_info) -> Value {
    unsafe {
        let args = this_and_args::<5>(env, info);
        js::guarded(env, || {
            let (core, bigint, header, _) = lib_state(env, args[0], "lib.func()")?;
            func_impl(env, &core, bigint, header.as_ref(), &args[1..])
        })
    }
}

/// `lib.symbol(name)`: the address of a symbol (a function or a global variable).
unsafe extern "C" fn lib_symbol(env: sys::napi_env, info: sys::napi_callback_info) -> Value {
    unsafe {
        let args = this_and_args::<2>(env, info);
        js::guarded(env, || {
            let (core, _, _, _) = lib_state(env, args[0], "lib.symbol()")?;
            let v = args[1].ok_or_else(|| Error::new(Code::ArgCount, "lib.symbol() needs a symbol name"))?;
            let name = string_arg(env, v, "lib.symbol(): the name")?;
            let addr = core.symbol(&name)?;
            EnvState::get(env)?.make_pointer(env, addr as usize)
        })
    }
}

/// `lib.close()`: unloads the library (after calls in flight) and frees
/// the object's state. The class calls it once.
unsafe extern "C" fn lib_close(env: sys::napi_env, info: sys::napi_callback_info) -> Value {
    unsafe {
        let args = this_and_args::<1>(env, info);
        js::guarded(env, || {
            lib_state(env, args[0], "lib.close()")?;
            let this = args[0].ok_or_else(|| Error::new(Code::Internal, "no Library"))?;
            let mut raw: *mut c_void = null_mut();
            check(sys::napi_remove_wrap(env, this, &mut raw), "napi_remove_wrap")?;
            if !raw.is_null() {
                let s = Box::from_raw(raw as *mut LibState);
                s.core.close();
            }
            js::undefined(env)
        })
    }
}

/// `lib.__bind(name)`: binds a function the header declares (once per
/// name, on first use). Binding never fails the load: if it fails, the
/// function throws why when called.
unsafe extern "C" fn lib_bind(env: sys::napi_env, info: sys::napi_callback_info) -> Value {
    unsafe {
        let args = this_and_args::<2>(env, info);
        js::guarded(env, || {
            let state = EnvState::get(env)?;
            let v = args[1].ok_or_else(|| Error::new(Code::Internal, "no function name"))?;
            let name = js::get_string(env, v)?;
            let bound = lib_state(env, args[0], "lib.__bind()").and_then(|(core, bigint, header, free)| {
                let header = header.ok_or_else(|| Error::new(Code::Internal, "no header"))?;
                let decl = header
                    .functions
                    .iter()
                    .find(|f| *f.name == *name)
                    .ok_or_else(|| Error::new(Code::Internal, format!("{name} is not in the header")))?;
                let symbol = decl.symbol.as_deref().unwrap_or(&decl.name);
                let opts = Options {
                    bigint,
                    free: free.get(&name).copied().unwrap_or_default(),
                };
                bind::bind(
                    env,
                    &state,
                    &core,
                    &name,
                    bind::Target::Symbol(symbol),
                    &decl.sig,
                    opts,
                    Some(&header),
                )
            });
            match bound {
                Ok(f) => Ok(f),
                Err(e) => {
                    let failing = state.helper(env, c"failing")?;
                    js::call(env, failing, &[js::string(env, &name)?, e.to_js(env)])
                }
            }
        })
    }
}

unsafe extern "C" fn finalize_lib(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // Never closed: dropped, not unloaded (see `LibCore`'s Drop).
    drop(unsafe { Box::from_raw(data as *mut LibState) });
}

/// `lib.func(prototype, options?)` or `lib.func(name, result, params, options?)`.
unsafe fn func_impl(
    env: sys::napi_env,
    core: &Rc<LibCore>,
    bigint: bool,
    header: Option<&Rc<Header>>,
    args: &[Option<Value>],
) -> Result<Value> {
    unsafe {
        let no_types = Scope::new();
        let scope = header.map_or(&no_types, |h| &h.scope);
        let base = Options { bigint, free: Free::No };
        let first = match args.first().copied().flatten() {
            Some(v) => v,
            None => {
                return Err(Error::new(
                    Code::ArgCount,
                    "lib.func() needs a prototype, or a name, a result type and parameter types",
                ))
            }
        };
        let second = args.get(1).copied().flatten();
        let third = args.get(2).copied().flatten();
        let three_form = third.is_some_and(|v| js::type_of(env, v) != sys::ValueType::napi_undefined);
        let state = EnvState::get(env)?;
        let (name, symbol, sig, opts) = if !three_form {
            let text = string_arg(env, first, "lib.func(): the prototype")?;
            let registry = state.registry();
            let mut local = Scope::new();
            let decl = cdecl::parse_prototype(
                &text,
                Names {
                    local: &mut local,
                    bases: &[scope, &registry],
                },
            )
            .map_err(|e| parse_error("lib.func()", &text, e))?;
            let opts = options(env, second, base, "lib.func()", Some(core))?;
            let symbol = decl.symbol.clone().unwrap_or_else(|| decl.name.clone());
            (decl.name.to_string(), symbol.to_string(), decl.sig, opts)
        } else {
            let name = string_arg(env, first, "lib.func(): the function name")?;
            let what = format!("lib.func('{name}')");
            let ret_v =
                second.ok_or_else(|| Error::new(Code::ArgType, format!("{what}: the result type is missing")))?;
            let ret = types::type_arg(env, &state, scope, ret_v, &format!("{what}: result type"))?;
            let list = third.unwrap_or(first);
            if !js::is_array(env, list) {
                return Err(Error::new(
                    Code::ArgType,
                    format!("{what}: the parameter types must be an array of types"),
                ));
            }
            let n = js::array_len(env, list)?;
            let mut params = Vec::with_capacity(n as usize);
            for i in 0..n {
                let v = js::get_element(env, list, i)?;
                let ty = types::type_arg(env, &state, scope, v, &format!("{what}: parameter {}", i + 1))?;
                params.push(Param {
                    name: None,
                    ty: decay(ty),
                });
            }
            let opts = options(env, args.get(3).copied().flatten(), base, &what, Some(core))?;
            (
                name.clone(),
                name,
                Signature {
                    ret,
                    params,
                    variadic: false,
                },
                opts,
            )
        };
        bind::bind(
            env,
            &state,
            core,
            &name,
            bind::Target::Symbol(&symbol),
            &sig,
            opts,
            header,
        )
    }
}

/// Array parameter types are pointers, as in C.
fn decay(t: Type) -> Type {
    match t {
        Type::Array(a) => Type::pointer_to(a.elem.clone(), false),
        t => t,
    }
}

/// `options.free` of `load()`: `{ NAME: true | 'freeFn' | false }`, each
/// NAME a function the header declares that hands over C strings.
unsafe fn free_map(env: sys::napi_env, v: Value, h: &Header, core: &LibCore) -> Result<HashMap<String, Free>> {
    unsafe {
        if js::type_of(env, v) != sys::ValueType::napi_object || js::is_array(env, v) {
            return Err(Error::new(
                Code::ArgType,
                "load(): options.free must be an object naming the functions whose C strings are the caller's: { Reverse: true, Slugify: 'FreeFn' }",
            ));
        }
        let mut keys = std::ptr::null_mut();
        crate::error::check(sys::napi_get_property_names(env, v, &mut keys), "listing options.free")?;
        let mut out = HashMap::new();
        for i in 0..js::array_len(env, keys)? {
            let k = js::get_element(env, keys, i)?;
            let name = js::get_string(env, k)?;
            let mut fv = std::ptr::null_mut();
            crate::error::check(sys::napi_get_property(env, v, k, &mut fv), "reading options.free")?;
            let what = format!("load(): options.free.{name}");
            let Some((idx, decl)) = h.functions.iter().enumerate().find(|(_, f)| *f.name == *name) else {
                return Err(Error::new(
                    Code::ArgValue,
                    format!("{what}: the header declares no function {name}"),
                ));
            };
            let free = super::free_value(env, fv, core, &what)?;
            if free.is_some() && !h.unbindable.contains_key(&idx) {
                if let Some(why) = bind::nothing_to_free(&decl.sig) {
                    return Err(Error::new(Code::Unsupported, format!("{what}: {why}")));
                }
            }
            out.insert(name, free);
        }
        Ok(out)
    }
}

/// Loads a shared library: a path (`./libmod.so`), a name the system loader
/// finds (`libz.so.1`), or null for the running process. With `{ header }`,
/// every function the header declares is bound (on first use), and its types
/// and constants are in `lib.types` and `lib.constants`.
#[napi(
    ts_generic_types = "T extends object = {}",
    ts_args_type = "path: string | FileURL | null, options?: LoadOptions",
    ts_return_type = "Library & T"
)]
pub fn load<'env>(
    env: &'env Env,
    path: Unknown<'env>,
    options_v: Option<Unknown<'env>>,
) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let v = path.raw();
            let p = match js::type_of(raw, v) {
                sys::ValueType::napi_null => None,
                sys::ValueType::napi_undefined => {
                    return Err(Error::new(
                        Code::ArgType,
                        "load() needs a library path (a string or a file: URL), or null for the running process",
                    ))
                }
                _ => Some(path_arg(raw, v, "load(): the library path")?),
            };
            let opts_v = options_v
                .map(|v| v.raw())
                .filter(|&o| js::type_of(raw, o) != sys::ValueType::napi_undefined);
            let opts = options(raw, opts_v, Options::default(), "load()", None)?;
            let (header_opt, go_opt, free_v) = match opts_v {
                Some(o) => (
                    super::header::source(raw, o, "load()")?,
                    super::header::go_source(raw, o, "load()")?,
                    Some(js::get(raw, o, c"free")?)
                        .filter(|&f| js::type_of(raw, f) != sys::ValueType::napi_undefined),
                ),
                None => (None, None, None),
            };
            if header_opt.is_none() {
                if go_opt.is_some() {
                    return Err(Error::new(
                        Code::ArgType,
                        "load(): options.goSource needs options.header, the header go build wrote next to the library",
                    ));
                }
                if free_v.is_some() {
                    return Err(Error::new(
                        Code::ArgType,
                        "load(): options.free names functions of the header, so it needs options.header (for lib.func(), pass { free } to it)",
                    ));
                }
            }
            let core = LibCore::open(p.as_deref())?;
            if p.is_some() && crate::go::is_go(&core) {
                prepare_for_go(raw)?;
            }
            let header = match header_opt {
                Some((src, hopts)) => {
                    let mut h = super::header::read(raw, src, &hopts)?;
                    // What the library does not export is not its function
                    // (cgo's _GoStringLen, a declaration of another library's).
                    h.retain_exported(|symbol| core.symbol(symbol).is_ok());
                    if let Some(pkg) = &go_opt {
                        crate::gosrc::apply(&mut h, pkg);
                    }
                    Some(Rc::new(h))
                }
                None => None,
            };
            let free = match (&header, free_v) {
                (Some(h), Some(f)) => free_map(raw, f, h, &core)?,
                _ => HashMap::new(),
            };
            if let Some(h) = &header {
                core.keep_types(h.clone());
            }
            let state = EnvState::get(raw)?;
            let path_v = match &p {
                Some(s) => js::string(raw, s)?,
                None => js::null(raw)?,
            };
            let instance = js::call(raw, state.library_maker(raw)?, &[path_v])?;
            check(sys::napi_type_tag_object(raw, instance, &TAG), "napi_type_tag_object")?;
            let lib = Box::into_raw(Box::new(LibState {
                core: Rc::new(core),
                bigint: opts.bigint,
                header: header.clone(),
                free: Rc::new(free),
            }));
            let status = sys::napi_wrap(
                raw,
                instance,
                lib as *mut c_void,
                Some(finalize_lib),
                null_mut(),
                null_mut(),
            );
            if status != sys::Status::napi_ok {
                drop(Box::from_raw(lib));
                check(status, "napi_wrap")?;
            }
            super::header::decorate(raw, instance, header.as_deref())?;
            Ok(instance)
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}

/// Makes the process safe for the Go runtime a library just started (see
/// `crate::go`). `CSHARED_GO_SIGNALS`: `off` does nothing, `listen` uses the
/// re-check after `process.on(signal)` even on Linux (how macOS works; for
/// tests), anything else the platform's default.
unsafe fn prepare_for_go(env: sys::napi_env) -> Result<()> {
    let mode = match std::env::var_os("CSHARED_GO_SIGNALS") {
        Some(v) if v == "off" => return Ok(()),
        Some(v) if v == "listen" => crate::go::Mode::Listen,
        _ => crate::go::Mode::Patch,
    };
    if !crate::go::prepare_host(mode).listen {
        return Ok(());
    }
    let state = EnvState::get(env)?;
    if state.go_signals_hooked.replace(true) {
        return Ok(());
    }
    // Node's own 'newListener' listener (added at startup, so it runs
    // first) installs the handler for a signal event; this one then adds
    // SA_ONSTACK.
    unsafe {
        let listener = js::function(env, "csharedGoSignals", Some(on_new_listener), null_mut())?;
        js::process_on(env, "newListener", listener);
    }
    Ok(())
}

unsafe extern "C" fn on_new_listener(env: sys::napi_env, info: sys::napi_callback_info) -> Value {
    unsafe {
        let mut argc = 1;
        let mut argv = [null_mut(); 1];
        js::cb_info(env, info, &mut argc, argv.as_mut_ptr());
        if argc >= 1
            && js::type_of(env, argv[0]) == sys::ValueType::napi_string
            && js::get_string(env, argv[0]).is_ok_and(|name| name.starts_with("SIG"))
        {
            crate::go::fix_handlers();
        }
        null_mut()
    }
}
