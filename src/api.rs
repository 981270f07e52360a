//! The exported JS API, as thin `#[napi]` wrappers over the rest of the
//! crate. Arguments arrive as raw values and are checked here, so that a bad
//! one gets cshared's own error class and `code`, not napi-rs's.

use crate::bind;
use crate::call::codegen::Options;
use crate::cdecl::{self, Names, ParseError, Scope};
use crate::env::EnvState;
use crate::error::{Code, Error, Location, OrThrow, Result};
use crate::js::{self, Value};
use crate::library::LibCore;
use crate::types::Signature;
use napi::bindgen_prelude::{JsValue, Unknown};
use napi::{sys, Env};
use napi_derive::napi;
use std::rc::Rc;

/// A loaded shared library. Made by `load()`.
#[napi]
pub struct Library {
    core: Rc<LibCore>,
    bigint: bool,
}

fn parse_error(what: &str, text: &str, e: ParseError) -> Error {
    let kind = match e.kind {
        cdecl::ErrorKind::Syntax => "cannot parse",
        cdecl::ErrorKind::Unsupported => "cannot use",
    };
    let line = if text.contains('\n') {
        format!("line {}, ", e.pos.line)
    } else {
        String::new()
    };
    Error::new(
        Code::Parse,
        format!(
            "{what}: {kind} {}: {} ({line}column {})",
            quote(text),
            e.msg,
            e.pos.col
        ),
    )
    .at(Location {
        file: None,
        line: e.pos.line,
        column: e.pos.col,
    })
}

fn quote(s: &str) -> String {
    let short: String = s.chars().take(80).collect();
    if short.len() < s.len() {
        format!("\"{}…\"", short.escape_debug())
    } else {
        format!("\"{}\"", short.escape_debug())
    }
}

unsafe fn string_arg(env: sys::napi_env, v: Value, what: &str) -> Result<String> {
    unsafe {
        if js::type_of(env, v) != sys::ValueType::napi_string {
            let state = EnvState::get(env)?;
            return Err(Error::new(
                Code::ArgType,
                format!(
                    "{what} must be a string, got {}",
                    crate::marshal::describe(env, &state, v)
                ),
            ));
        }
        js::get_string(env, v)
    }
}

/// Reads `{ bigint }` from an options argument (undefined is fine).
unsafe fn options(
    env: sys::napi_env,
    v: Option<Value>,
    base: Options,
    what: &str,
) -> Result<Options> {
    unsafe {
        let v = match v {
            Some(v) if js::type_of(env, v) != sys::ValueType::napi_undefined => v,
            _ => return Ok(base),
        };
        if js::type_of(env, v) != sys::ValueType::napi_object {
            return Err(Error::new(
                Code::ArgType,
                format!("{what}: options must be an object"),
            ));
        }
        let mut opts = base;
        let b = js::get(env, v, c"bigint")?;
        match js::type_of(env, b) {
            sys::ValueType::napi_undefined => {}
            sys::ValueType::napi_boolean => opts.bigint = js::get_bool(env, b)?,
            _ => {
                return Err(Error::new(
                    Code::ArgType,
                    format!("{what}: options.bigint must be a boolean"),
                ))
            }
        }
        Ok(opts)
    }
}

impl Library {
    unsafe fn func_impl(&self, env: sys::napi_env, args: &[Option<Value>]) -> Result<Value> {
        unsafe {
            let base = Options {
                bigint: self.bigint,
            };
            let first = args.first().copied().flatten();
            let first = match first {
                Some(v) => v,
                None => return Err(Error::new(
                    Code::ArgCount,
                    "lib.func() needs a prototype, or a name, a result type and parameter types",
                )),
            };
            let second = args.get(1).copied().flatten();
            let third = args.get(2).copied().flatten();
            let three_form =
                third.is_some_and(|v| js::type_of(env, v) != sys::ValueType::napi_undefined);
            let mut local = Scope::new();
            let (name, symbol, sig, opts) = if !three_form {
                let text = string_arg(env, first, "lib.func(): the prototype")?;
                let decl = cdecl::parse_prototype(
                    &text,
                    Names {
                        local: &mut local,
                        bases: &[],
                    },
                )
                .map_err(|e| parse_error("lib.func()", &text, e))?;
                let opts = options(env, second, base, "lib.func()")?;
                let symbol = decl.symbol.clone().unwrap_or_else(|| decl.name.clone());
                (decl.name.to_string(), symbol.to_string(), decl.sig, opts)
            } else {
                let name = string_arg(env, first, "lib.func(): the function name")?;
                let what = format!("lib.func('{name}')");
                let ret_v = second.ok_or_else(|| {
                    Error::new(Code::ArgType, format!("{what}: the result type is missing"))
                })?;
                let ret_text = string_arg(env, ret_v, &format!("{what}: the result type"))?;
                let ret = cdecl::parse_type(
                    &ret_text,
                    Names {
                        local: &mut local,
                        bases: &[],
                    },
                )
                .map_err(|e| parse_error(&format!("{what}: result type"), &ret_text, e))?;
                let list = third.unwrap_or(first);
                if !js::is_array(env, list) {
                    return Err(Error::new(
                        Code::ArgType,
                        format!("{what}: the parameter types must be an array of type names"),
                    ));
                }
                let n = js::array_len(env, list)?;
                let mut params = Vec::with_capacity(n as usize);
                for i in 0..n {
                    let v = js::get_element(env, list, i)?;
                    let t = string_arg(env, v, &format!("{what}: parameter type {}", i + 1))?;
                    let ty = cdecl::parse_type(
                        &t,
                        Names {
                            local: &mut local,
                            bases: &[],
                        },
                    )
                    .map_err(|e| parse_error(&format!("{what}: parameter {}", i + 1), &t, e))?;
                    params.push(crate::types::Param {
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
            let state = EnvState::get(env)?;
            bind::bind(env, &state, &self.core, &name, &symbol, &sig, opts)
        }
    }
}

/// Array parameter types are pointers, as in C.
fn decay(t: crate::types::Type) -> crate::types::Type {
    match t {
        crate::types::Type::Array(a) => crate::types::Type::pointer_to(a.elem.clone(), false),
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

    /// Binds a function, declared by a C prototype
    /// (`lib.func('long long ModXY(long long x, long long y)')`) or by a name
    /// and type names (`lib.func('ModXY', 'int64', ['int64', 'int64'])`).
    #[napi(
        ts_args_type = "prototypeOrName: string, resultOrOptions?: string | FuncOptions, params?: readonly string[], options?: FuncOptions",
        ts_return_type = "ForeignFunction"
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
    pub fn symbol<'env>(
        &self,
        env: &'env Env,
        name: Option<Unknown<'env>>,
    ) -> napi::Result<Unknown<'env>> {
        let r = unsafe {
            (|| -> Result<Value> {
                let raw = env.raw();
                let v = name.map(|v| v.raw()).ok_or_else(|| {
                    Error::new(Code::ArgCount, "lib.symbol() needs a symbol name")
                })?;
                let name = string_arg(raw, v, "lib.symbol(): the name")?;
                let addr = self.core.symbol(&name)?;
                EnvState::get(raw)?.make_pointer(raw, addr as usize)
            })()
        }
        .or_throw(env)?;
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
    }

    /// Unloads the library. Functions bound from it throw `ERR_CLOSED`
    /// afterwards. Calls still running finish first. Safe to call twice.
    #[napi]
    pub fn close(&self) {
        self.core.close();
    }
}

/// Loads a shared library: a path (`./libmod.so`), a name the system loader
/// finds (`libz.so.1`), or null for the running process.
#[napi(
    ts_args_type = "path: string | null, options?: LoadOptions",
    ts_return_type = "Library"
)]
pub fn load<'env>(
    env: &'env Env,
    path: Unknown<'env>,
    options_v: Option<Unknown<'env>>,
) -> napi::Result<Library> {
    unsafe {
        (|| -> Result<Library> {
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
            let opts = options(
                raw,
                options_v.map(|v| v.raw()),
                Options::default(),
                "load()",
            )?;
            let core = LibCore::open(p.as_deref())?;
            Ok(Library {
                core: Rc::new(core),
                bigint: opts.bigint,
            })
        })()
        .or_throw(env)
    }
}
