//! C types as JS values: the `CType` class, and reading a type from a JS
//! argument (a type name or a `CType`).

use crate::cdecl::{self, Names, Scope};
use crate::env::EnvState;
use crate::error::{parse_error, Code, Error, Result};
use crate::js::{self, Value};
use crate::types::{RecordKind, Type};
use napi::bindgen_prelude::{ToNapiValue, TypeTag};
use napi::sys;
use napi_derive::napi;

/// A C type: made by `cdef()`, and accepted wherever a type name is.
#[napi]
pub struct CType {
    pub(crate) ty: Type,
}

#[napi]
impl CType {
    /// The type as C would spell it (`int32`, `struct point`, `const char *`).
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.ty.to_string()
    }

    /// `sizeof`, or null for types without a size (void, incomplete structs).
    #[napi(getter)]
    pub fn size(&self) -> Option<u32> {
        self.ty.size().and_then(|s| u32::try_from(s).ok())
    }

    /// `alignof`, or null for types without one.
    #[napi(getter)]
    pub fn align(&self) -> Option<u32> {
        self.ty.align().and_then(|s| u32::try_from(s).ok())
    }

    /// What sort of type: `void`, `bool`, `int`, `float`, `pointer`, `array`,
    /// `struct`, `union`, `enum`, `function`, `GoString`, `GoSlice` or `unsupported`.
    #[napi(getter)]
    pub fn kind(&self) -> &'static str {
        kind(&self.ty)
    }

    #[napi(js_name = "toString")]
    pub fn to_js_string(&self) -> String {
        self.ty.to_string()
    }
}

pub fn kind(t: &Type) -> &'static str {
    match t {
        Type::Void => "void",
        Type::Bool => "bool",
        Type::Char(_) | Type::Int(_) => "int",
        Type::F32 | Type::F64 => "float",
        Type::Pointer(p) if matches!(p.to(), Type::Function(_)) => "callback",
        Type::Pointer(_) => "pointer",
        Type::Array(_) => "array",
        Type::Record(r) if r.kind == RecordKind::Union => "union",
        Type::Record(_) => "struct",
        Type::Enum(_) => "enum",
        Type::Function(_) => "function",
        Type::Go(crate::types::GoType::String) => "GoString",
        Type::Go(crate::types::GoType::Slice(_)) => "GoSlice",
        Type::Unsupported(_) => "unsupported",
    }
}

/// The type a `CType` object holds; `None` for any other value. The
/// type tag check makes a forged object (a plain object with CType's
/// prototype) unusable.
pub unsafe fn ctype_of(env: sys::napi_env, v: Value) -> Option<Type> {
    unsafe {
        let tag = <CType as TypeTag>::type_tag();
        let mut tagged = false;
        if sys::napi_check_object_type_tag(env, v, &tag, &mut tagged) != sys::Status::napi_ok || !tagged {
            return None;
        }
        let mut raw: *mut std::ffi::c_void = std::ptr::null_mut();
        if sys::napi_unwrap(env, v, &mut raw) != sys::Status::napi_ok || raw.is_null() {
            return None;
        }
        Some((*(raw as *const CType)).ty.clone())
    }
}

/// A JS `CType` for `ty`: the one alive for an interchangeable type (see
/// `Type::interchangeable`) if there is one, so that declaring the same
/// type again and again (`cdef()`, `callback()` or `struct()` in a loop)
/// makes no new object, whose native part would wait for the event loop
/// to turn before its finalizer could free it.
pub unsafe fn ctype_value(env: sys::napi_env, ty: Type) -> Result<Value> {
    unsafe {
        let state = EnvState::get(env)?;
        let hash = ty.shape_hash();
        let fits = |v: Value| ctype_of(env, v).is_some_and(|t| t.interchangeable(&ty));
        if let Some(v) = state.find_ctype(env, hash, fits) {
            return Ok(v);
        }
        let v = CType::to_napi_value(env, CType { ty }).map_err(Error::from)?;
        state.add_ctype(env, hash, v)?;
        Ok(v)
    }
}

/// The type an argument names: a type name (`'int64'`, `'const char *'`,
/// `'struct point'`) resolved in `scope` and the registry, or a `CType`.
pub unsafe fn type_arg(env: sys::napi_env, state: &EnvState, scope: &Scope, v: Value, what: &str) -> Result<Type> {
    unsafe {
        match js::type_of(env, v) {
            sys::ValueType::napi_string => {
                let text = js::get_string(env, v)?;
                let plain = scope.is_empty();
                if plain {
                    if let Some(t) = state.cached_type(&text) {
                        return Ok(t);
                    }
                }
                // `char *!`: a disposable string (koffi's spelling), freed
                // with libc `free()` once read.
                let (body, disposable) = match text.trim_end().strip_suffix('!') {
                    Some(b) => (b, true),
                    None => (text.as_str(), false),
                };
                let registry = state.registry();
                let mut local = Scope::new();
                let t = cdecl::parse_type(
                    body,
                    Names {
                        local: &mut local,
                        bases: &[scope, &registry],
                    },
                )
                .map_err(|e| parse_error(what, &text, e))?;
                drop(registry);
                let t = if disposable {
                    t.disposable(crate::types::Dispose::Libc).ok_or_else(|| {
                        Error::new(
                            Code::ArgType,
                            format!("{what}: only a string type (char *, char16_t *, …) can be disposable, not {t}"),
                        )
                    })?
                } else {
                    t
                };
                // A type that declares something (`struct s { ... }`) is new each time.
                if plain && local.is_empty() {
                    state.cache_type(text, t.clone());
                }
                Ok(t)
            }
            sys::ValueType::napi_object => match ctype_of(env, v) {
                Some(t) => Ok(t),
                None => Err(Error::new(
                    Code::ArgType,
                    format!("{what} must be a type name or a CType, got {}", state.describe(env, v)),
                )),
            },
            _ => Err(Error::new(
                Code::ArgType,
                format!("{what} must be a type name or a CType, got {}", state.describe(env, v)),
            )),
        }
    }
}
