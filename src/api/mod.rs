//! The exported JS API, as thin `#[napi]` wrappers over the rest of the
//! crate. Arguments arrive as raw values and are checked here, so that a bad
//! one gets cshared's own error class and `code`, not napi-rs's.

mod header;
mod library;
pub(crate) mod memory;
mod runtime;
pub(crate) mod types;

use crate::env::{Free, Options};
use crate::error::{Code, Error, Result};
use crate::js::{self, Value};
use crate::library::LibCore;
use napi::sys;

/// Reads `{ bigint, free }` from an options argument (undefined is fine).
/// `free` is read only for a function of `lib` (`lib.func()`): `true`
/// (libc's `free()`) or the name of the library's own function.
unsafe fn options(
    env: sys::napi_env,
    v: Option<Value>,
    base: Options,
    what: &str,
    lib: Option<&LibCore>,
) -> Result<Options> {
    unsafe {
        let v = match v {
            Some(v) if js::type_of(env, v) != sys::ValueType::napi_undefined => v,
            _ => return Ok(base),
        };
        if js::type_of(env, v) != sys::ValueType::napi_object {
            return Err(Error::new(Code::ArgType, format!("{what}: options must be an object")));
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
        if let Some(lib) = lib {
            let f = js::get(env, v, c"free")?;
            if js::type_of(env, f) != sys::ValueType::napi_undefined {
                opts.free = free_value(env, f, lib, &format!("{what}: options.free"))?;
            }
        }
        Ok(opts)
    }
}

/// Who frees what a function hands over: `true` is libc's `free()`,
/// `false` nobody, a string names a `void f(void *)` of the library.
unsafe fn free_value(env: sys::napi_env, v: Value, lib: &LibCore, what: &str) -> Result<Free> {
    unsafe {
        match js::type_of(env, v) {
            sys::ValueType::napi_boolean => Ok(if js::get_bool(env, v)? { Free::Libc } else { Free::No }),
            sys::ValueType::napi_string => {
                let name = js::get_string(env, v)?;
                let addr = lib
                    .symbol(&name)
                    .map_err(|e| Error::new(e.code, format!("{what}: {}", e.msg)))?;
                Ok(Free::With(addr as usize))
            }
            _ => Err(Error::new(
                Code::ArgType,
                format!("{what} must be true (libc free()) or the name of the library's function that frees"),
            )),
        }
    }
}

/// Per environment, after the `#[napi]` exports are registered: the
/// environment's state and prelude are made, and `decode` becomes the prelude's JS function, which reads single scalars with one
/// argument-less native call and hands everything else to the native one.
#[napi_derive::napi(module_exports)]
pub fn exports(exports: napi::bindgen_prelude::Object, env: napi::Env) -> napi::Result<()> {
    use napi::bindgen_prelude::JsValue;
    use napi::Error as NapiError;
    let raw = env.raw();
    unsafe {
        (|| -> Result<()> {
            let state = crate::prelude::install(raw)?;
            let obj = exports.raw();
            library::install(raw, &state, obj)?;
            let native = js::get(raw, obj, c"decode")?;
            let wrap = state.helper(raw, c"fastDecode")?;
            let fast = js::call(raw, wrap, &[native])?;
            js::set(raw, obj, c"decode", fast)?;
            let func = js::get(raw, obj, c"func")?;
            let make_call = state.helper(raw, c"makeCall")?;
            js::set(raw, obj, c"call", js::call(raw, make_call, &[func])?)
        })()
    }
    .map_err(|e| NapiError::from_reason(e.to_string()))
}
