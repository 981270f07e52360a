//! `load()` and the `Library` class.

use super::options;
use crate::bind;
use crate::cdecl::{self, Names, Scope};
use crate::env::EnvState;
use crate::env::Options;
use crate::error::parse_error;
use crate::error::{Code, Error, OrThrow, Result};
use crate::header::Header;
use crate::js::{self, Value};
use crate::library::LibCore;
use crate::marshal::ctype::{self as types};
use crate::marshal::string_arg;
use crate::types::{Param, Signature, Type};
use napi::bindgen_prelude::{JsValue, ToNapiValue, Unknown};
use napi::{sys, Env};
use napi_derive::napi;
use std::rc::Rc;

/// A loaded shared library. Made by `load()`.
#[napi]
pub struct Library {
    core: Rc<LibCore>,
    bigint: bool,
    /// Types declared by the library's header (empty without one).
    scope: Rc<Scope>,
    header: Option<Rc<Header>>,
}

impl Library {
    unsafe fn func_impl(&self, env: sys::napi_env, args: &[Option<Value>]) -> Result<Value> {
        unsafe {
            let base = Options {
                bigint: self.bigint,
                free: false,
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
                let opts = options(env, second, base, "lib.func()")?;
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
                let opts = options(env, args.get(3).copied().flatten(), base, &what)?;
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
            bind::bind(env, &state, &self.core, &name, &symbol, &sig, opts, &self.scope)
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
                    free: false,
                };
                match bind::bind(raw, &state, &self.core, &name, symbol, &decl.sig, opts, &self.scope) {
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

/// Loads a shared library: a path (`./libmod.so`), a name the system loader
/// finds (`libz.so.1`), or null for the running process. With `{ header }`,
/// every function the header declares is bound (on first use), and its types
/// and constants are in `lib.types` and `lib.constants`.
#[napi(
    ts_generic_types = "T extends object = {}",
    ts_args_type = "path: string | null, options?: LoadOptions",
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
                        "load() needs a library path, or null for the running process",
                    ))
                }
                _ => Some(string_arg(raw, v, "load(): the library path")?),
            };
            let opts = options(raw, options_v.map(|v| v.raw()), Options::default(), "load()")?;
            if opts.free {
                return Err(Error::new(
                    Code::ArgType,
                    "load(): options.free applies to one function; pass it to lib.func()",
                ));
            }
            let header_opt = match options_v.map(|v| v.raw()) {
                Some(o) if js::type_of(raw, o) == sys::ValueType::napi_object => {
                    super::header::source(raw, o, "load()")?
                }
                _ => None,
            };
            let core = LibCore::open(p.as_deref())?;
            if p.is_some()
                && crate::go::is_go(&core)
                && std::env::var_os("CSHARED_GO_SIGNALS").is_none_or(|v| v != "off")
            {
                crate::go::prepare_host();
            }
            let header = match header_opt {
                Some((src, hopts)) => {
                    let mut h = super::header::read(raw, src, &hopts)?;
                    // What the library does not export is not its function
                    // (cgo's _GoStringLen, a declaration of another library's).
                    h.retain_exported(|symbol| core.symbol(symbol).is_ok());
                    Some(Rc::new(h))
                }
                None => None,
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
            };
            let instance = Library::to_napi_value(raw, lib).map_err(Error::from)?;
            super::header::decorate(raw, instance, header.as_deref())?;
            Ok(instance)
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}
