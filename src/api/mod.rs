//! The exported JS API, as thin `#[napi]` wrappers over the rest of the
//! crate. Arguments arrive as raw values and are checked here, so that a bad
//! one gets cshared's own error class and `code`, not napi-rs's.

mod header;
mod library;
pub(crate) mod memory;
mod runtime;
pub(crate) mod types;

use crate::env::Options;
use crate::error::{Code, Error, Result};
use crate::js::{self, Value};
use napi::sys;

/// Reads `{ bigint, free }` from an options argument (undefined is fine).
unsafe fn options(env: sys::napi_env, v: Option<Value>, base: Options, what: &str) -> Result<Options> {
    unsafe {
        let v = match v {
            Some(v) if js::type_of(env, v) != sys::ValueType::napi_undefined => v,
            _ => return Ok(base),
        };
        if js::type_of(env, v) != sys::ValueType::napi_object {
            return Err(Error::new(Code::ArgType, format!("{what}: options must be an object")));
        }
        let mut opts = base;
        for (key, field) in [(c"bigint", &mut opts.bigint), (c"free", &mut opts.free)] {
            let b = js::get(env, v, key)?;
            match js::type_of(env, b) {
                sys::ValueType::napi_undefined => {}
                sys::ValueType::napi_boolean => *field = js::get_bool(env, b)?,
                _ => {
                    return Err(Error::new(
                        Code::ArgType,
                        format!("{what}: options.{} must be a boolean", key.to_string_lossy()),
                    ))
                }
            }
        }
        Ok(opts)
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
            js::set(raw, obj, c"decode", fast)
        })()
    }
    .map_err(|e| NapiError::from_reason(e.to_string()))
}
