//! The exported JS API, as thin `#[napi]` wrappers over the rest of the
//! crate. Arguments arrive as raw values and are checked here, so that a bad
//! one gets cshared's own error class and `code`, not napi-rs's.

mod header;
mod library;
pub(crate) mod memory;
mod runtime;
pub(crate) mod types;

use crate::bind::Options;
use crate::cdecl::{self, ParseError};
use crate::env::EnvState;
use crate::error::{Code, Error, Location, Result};
use crate::js::{self, Value};
use napi::sys;

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
        format!("{what}: {kind} {}: {} ({line}column {})", quote(text), e.msg, e.pos.col),
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

/// Per environment, after the `#[napi]` exports are registered: `decode`
/// becomes the prelude's JS function, which reads single scalars with one
/// argument-less native call and hands everything else to the native one.
#[napi_derive::napi(module_exports)]
pub fn exports(exports: napi::bindgen_prelude::Object, env: napi::Env) -> napi::Result<()> {
    use napi::bindgen_prelude::JsValue;
    use napi::Error as NapiError;
    let raw = env.raw();
    unsafe {
        (|| -> Result<()> {
            let state = EnvState::get(raw)?;
            let obj = exports.raw();
            let native = js::get(raw, obj, c"decode")?;
            let wrap = state.helper(raw, c"fastDecode")?;
            let fast = js::call(raw, wrap, &[native])?;
            js::set(raw, obj, c"decode", fast)
        })()
    }
    .map_err(|e| NapiError::from_reason(e.to_string()))
}
