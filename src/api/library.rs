//! `load()` and the `Library` class.

use super::options;
use crate::bind;
use crate::cdecl::{self, Names, Scope};
use crate::env::EnvState;
use crate::env::{Free, Options};
use crate::error::parse_error;
use crate::error::{Code, Error, OrThrow, Result};
use crate::header::Header;
use crate::js::{self, Value};
use crate::library::LibCore;
use crate::marshal::ctype::{self as types};
use crate::marshal::{path_arg, string_arg};
use crate::types::{Param, Signature, Type};
use napi::bindgen_prelude::{JsValue, ToNapiValue, Unknown};
use napi::{sys, Env};
use napi_derive::napi;
use std::collections::HashMap;
use std::rc::Rc;

/// A loaded shared library. Made by `load()`.
#[napi]
pub struct Library {
    core: Rc<LibCore>,
    bigint: bool,
    /// Types declared by the library's header (empty without one).
    scope: Rc<Scope>,
    header: Option<Rc<Header>>,
    /// `load(path, { free: { NAME: true | 'freeFn' } })`: who frees what
    /// each named header function hands over.
    free: HashMap<String, Free>,
}

impl Library {
    unsafe fn func_impl(&self, env: sys::napi_env, args: &[Option<Value>]) -> Result<Value> {
        unsafe {
            let base = Options {
                bigint: self.bigint,
                free: Free::No,
            };
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
                        bases: &[&self.scope, &registry],
                    },
                )
                .map_err(|e| parse_error("lib.func()", &text, e))?;
                let opts = options(env, second, base, "lib.func()", Some(&self.core))?;
                let symbol = decl.symbol.clone().unwrap_or_else(|| decl.name.clone());
                (decl.name.to_string(), symbol.to_string(), decl.sig, opts)
            } else {
                let name = string_arg(env, first, "lib.func(): the function name")?;
                let what = format!("lib.func('{name}')");
                let ret_v =
                    second.ok_or_else(|| Error::new(Code::ArgType, format!("{what}: the result type is missing")))?;
                let ret = types::type_arg(env, &state, &self.scope, ret_v, &format!("{what}: result type"))?;
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
                    let ty = types::type_arg(env, &state, &self.scope, v, &format!("{what}: parameter {}", i + 1))?;
                    params.push(Param {
                        name: None,
                        ty: decay(ty),
                    });
                }
                let opts = options(env, args.get(3).copied().flatten(), base, &what, Some(&self.core))?;
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
                &self.core,
                &name,
                bind::Target::Symbol(&symbol),
                &sig,
                opts,
            )
        }
    }
}

/// Array parameter types are pointers, as in C.
fn decay(t: Type) -> Type {
    match t {
        Type::Array(a) => Type::pointer_to(a.elem.clone(), false),
        t => t,
    }
}

#[napi]
impl Library {
    /// The path the library was loaded from; null for the running process.
    #[napi(getter)]
    pub fn path(&self) -> Option<String> {
        self.core.path.clone()
    }

    /// Whether `close()` was called.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.core.is_closed()
    }

    /// Binds a function declared by a C prototype:
    /// `lib.func('long long ModXY(long long x, long long y)')`. Its type
    /// follows from the prototype. (Also `lib.func(name, result, params)`.)
    #[napi(
        ts_generic_types = "S extends string",
        ts_args_type = "prototype: S, options?: FuncOptions",
        ts_return_type = "ProtoFunction<S>"
    )]
    pub fn func<'env>(
        &self,
        env: &'env Env,
        a: Option<Unknown<'env>>,
        b: Option<Unknown<'env>>,
        c: Option<Unknown<'env>>,
        d: Option<Unknown<'env>>,
    ) -> napi::Result<Unknown<'env>> {
        let args = [
            a.map(|v| v.raw()),
            b.map(|v| v.raw()),
            c.map(|v| v.raw()),
            d.map(|v| v.raw()),
        ];
        let v = unsafe { self.func_impl(env.raw(), &args) }.or_throw(env)?;
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), v) })
    }

    /// The address of a symbol (a function or a global variable).
    #[napi(ts_args_type = "name: string", ts_return_type = "Pointer")]
    pub fn symbol<'env>(&self, env: &'env Env, name: Option<Unknown<'env>>) -> napi::Result<Unknown<'env>> {
        let r = unsafe {
            (|| -> Result<Value> {
                let raw = env.raw();
                let v = name
                    .map(|v| v.raw())
                    .ok_or_else(|| Error::new(Code::ArgCount, "lib.symbol() needs a symbol name"))?;
                let name = string_arg(raw, v, "lib.symbol(): the name")?;
                let addr = self.core.symbol(&name)?;
                EnvState::get(raw)?.make_pointer(raw, addr as usize)
            })()
        }
        .or_throw(env)?;
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
    }

    /// Binds a function the header declares (called once per name, on first use).
    #[napi(js_name = "__bind", skip_typescript)]
    pub fn bind_declared<'env>(&self, env: &'env Env, name: String) -> napi::Result<Unknown<'env>> {
        let r = unsafe {
            (|| -> Result<Value> {
                let raw = env.raw();
                let state = EnvState::get(raw)?;
                let header = self
                    .header
                    .as_ref()
                    .ok_or_else(|| Error::new(Code::Internal, "no header"))?;
                let decl = header
                    .functions
                    .iter()
                    .find(|f| *f.name == *name)
                    .ok_or_else(|| Error::new(Code::Internal, format!("{name} is not in the header")))?;
                let symbol = decl.symbol.as_deref().unwrap_or(&decl.name);
                let opts = Options {
                    bigint: self.bigint,
                    free: self.free.get(&name).copied().unwrap_or_default(),
                };
                match bind::bind(
                    raw,
                    &state,
                    &self.core,
                    &name,
                    bind::Target::Symbol(symbol),
                    &decl.sig,
                    opts,
                ) {
                    Ok(f) => Ok(f),
                    Err(e) => {
                        // Binding never fails the load: the function throws why when called.
                        let failing = state.helper(raw, c"failing")?;
                        js::call(raw, failing, &[js::string(raw, &name)?, e.to_js(raw)])
                    }
                }
            })()
        }
        .or_throw(env)?;
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
    }

    /// Unloads the library. Functions bound from it throw `ERR_CLOSED`
    /// afterwards. Calls still running finish first. Safe to call twice.
    /// A Go library stays mapped (Go cannot be unloaded), but it is closed
    /// all the same.
    #[napi]
    pub fn close(&self) {
        self.core.close();
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
            if p.is_some()
                && crate::go::is_go(&core)
                && std::env::var_os("CSHARED_GO_SIGNALS").is_none_or(|v| v != "off")
            {
                crate::go::prepare_host();
            }
            let header = match header_opt {
                Some((src, hopts)) => {
                    let mut h = super::header::read(src, &hopts)?;
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
            let scope = header.as_ref().map(|h| Rc::new(h.scope.clone())).unwrap_or_default();
            let lib = Library {
                core: Rc::new(core),
                bigint: opts.bigint,
                scope,
                header: header.clone(),
                free,
            };
            let instance = Library::to_napi_value(raw, lib).map_err(Error::from)?;
            super::header::decorate(raw, instance, header.as_deref())?;
            Ok(instance)
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}
