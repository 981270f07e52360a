//! Every error cshared throws: a stable `code`, the JS error class that goes
//! with it, and the message. The JS-side wrappers (crates/core/src/call/prelude.js) throw
//! the argument errors with the same codes.

use crate::call::CallError;
use crate::cdecl::{self, ParseError};
use napi::sys;
use std::ffi::c_char;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// The library file is missing or cannot be loaded.
    Load,
    /// A symbol is not in the library.
    Symbol,
    /// A prototype, type name or header does not parse.
    Parse,
    /// Wrong number of arguments.
    ArgCount,
    /// An argument of the wrong JS type.
    ArgType,
    /// A number out of range for its C type, or not an integer.
    ArgRange,
    /// An argument of the right type with a bad value (a NUL in a string, a
    /// detached buffer).
    ArgValue,
    /// The library was closed.
    Closed,
    /// C called a callback whose JS function is gone (lent to a call that
    /// returned, or unregistered).
    CallbackExpired,
    /// Declared fine, but cshared cannot call or convert it.
    Unsupported,
    /// A bug in cshared. Please report it.
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Load => "ERR_LOAD",
            Code::Symbol => "ERR_SYMBOL",
            Code::Parse => "ERR_PARSE",
            Code::ArgCount => "ERR_ARG_COUNT",
            Code::ArgType => "ERR_ARG_TYPE",
            Code::ArgRange => "ERR_ARG_RANGE",
            Code::ArgValue => "ERR_ARG_VALUE",
            Code::Closed => "ERR_CLOSED",
            Code::CallbackExpired => "ERR_CALLBACK_EXPIRED",
            Code::Unsupported => "ERR_UNSUPPORTED",
            Code::Internal => "ERR_INTERNAL",
        }
    }

    fn class(self) -> Class {
        match self {
            Code::ArgCount | Code::ArgType | Code::ArgValue => Class::Type,
            Code::ArgRange => Class::Range,
            _ => Class::Plain,
        }
    }
}

enum Class {
    Plain,
    Type,
    Range,
}

/// Where in a text an error is: for parse errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: Option<String>,
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Debug)]
pub struct Error {
    pub code: Code,
    pub msg: String,
    pub at: Option<Location>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: Code, msg: impl Into<String>) -> Error {
        Error {
            code,
            msg: msg.into(),
            at: None,
        }
    }

    pub fn at(mut self, at: Location) -> Error {
        self.at = Some(at);
        self
    }

    /// Builds the JS error object. Returns null if the environment cannot
    /// make one (it is shutting down).
    ///
    /// # Safety
    /// `env` must be the current, valid environment.
    pub unsafe fn to_js(&self, env: sys::napi_env) -> sys::napi_value {
        unsafe {
            let mut code = std::ptr::null_mut();
            let mut msg = std::ptr::null_mut();
            let c = self.code.as_str();
            sys::napi_create_string_utf8(env, c.as_ptr() as *const c_char, c.len() as isize, &mut code);
            sys::napi_create_string_utf8(
                env,
                self.msg.as_ptr() as *const c_char,
                self.msg.len() as isize,
                &mut msg,
            );
            let mut err = std::ptr::null_mut();
            match self.code.class() {
                Class::Plain => sys::napi_create_error(env, code, msg, &mut err),
                Class::Type => sys::napi_create_type_error(env, code, msg, &mut err),
                Class::Range => sys::napi_create_range_error(env, code, msg, &mut err),
            };
            if let (Some(at), false) = (&self.at, err.is_null()) {
                set_number(env, err, c"line", f64::from(at.line));
                set_number(env, err, c"column", f64::from(at.column));
                if let Some(f) = &at.file {
                    let mut v = std::ptr::null_mut();
                    sys::napi_create_string_utf8(env, f.as_ptr() as *const c_char, f.len() as isize, &mut v);
                    sys::napi_set_named_property(env, err, c"file".as_ptr(), v);
                }
            }
            err
        }
    }

    /// Throws this error in `env`.
    ///
    /// # Safety
    /// `env` must be the current, valid environment.
    pub unsafe fn throw(&self, env: sys::napi_env) {
        unsafe {
            let mut pending = false;
            sys::napi_is_exception_pending(env, &mut pending);
            if pending {
                return;
            }
            let err = self.to_js(env);
            if !err.is_null() {
                sys::napi_throw(env, err);
            }
        }
    }
}

unsafe fn set_number(env: sys::napi_env, obj: sys::napi_value, key: &std::ffi::CStr, n: f64) {
    unsafe {
        let mut v = std::ptr::null_mut();
        sys::napi_create_double(env, n, &mut v);
        sys::napi_set_named_property(env, obj, key.as_ptr(), v);
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.msg)
    }
}

/// For `#[napi]` functions: throws the error as cshared's own JS error, then
/// hands napi-rs an error that says an exception is already pending, so it
/// throws nothing more.
pub trait OrThrow<T> {
    fn or_throw(self, env: &napi::Env) -> napi::Result<T>;
}

impl<T> OrThrow<T> for Result<T> {
    fn or_throw(self, env: &napi::Env) -> napi::Result<T> {
        self.map_err(|e| {
            unsafe { e.throw(env.raw()) };
            napi::Error::new(napi::Status::PendingException, e.msg)
        })
    }
}

/// Errors from napi calls made by cshared itself (not the user's input).
impl From<napi::Error> for Error {
    fn from(e: napi::Error) -> Error {
        Error::new(Code::Internal, format!("Node-API call failed: {}", e.reason))
    }
}

/// A core call error with what it is about: `cannot bind f(): …`.
pub fn call_error(what: &str, e: CallError) -> Error {
    let code = match e {
        CallError::Unsupported(_) => Code::Unsupported,
        CallError::Ffi(_) => Code::Internal,
    };
    Error::new(code, format!("{what}: {}", e.message()))
}

/// A C declaration that does not parse: `ERR_PARSE`, quoting the text and
/// saying where.
pub fn parse_error(what: &str, text: &str, e: ParseError) -> Error {
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

/// `"text"`, escaped and cut at 80 characters.
pub fn quote(s: &str) -> String {
    let short: String = s.chars().take(80).collect();
    if short.len() < s.len() {
        format!("\"{}…\"", short.escape_debug())
    } else {
        format!("\"{}\"", short.escape_debug())
    }
}

/// Checks a raw napi status. When the failure is a pending JS exception
/// (user code threw), `throw` leaves that exception in place.
pub fn check(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Code::Internal,
            format!("{what} failed (napi status {status})"),
        ))
    }
}
