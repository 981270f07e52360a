//! Declaring types from JS: `cdef()`, `struct()`, `union()`, `array()`,
//! `pointer()`, `opaque()` and `callback()`.

use crate::cdecl::{self, lexer, parser::Parser, Decl, Names, Scope};
use crate::env::EnvState;
use crate::error::{check, parse_error, Code, Error, OrThrow, Result};
use crate::js::{self, Value};
use crate::marshal::ctype::{ctype_of, ctype_value, type_arg};
use crate::marshal::string_arg;
use crate::types::{RecordKind, Type};
use napi::bindgen_prelude::{JsValue, Unknown};
use napi::{sys, Env};
use napi_derive::napi;

/// Declares C types (typedefs, structs, unions, enums) for later prototypes
/// and type names in this thread, and returns them by name:
/// `cdef('struct point { int x; int y; };').point`.
#[napi(ts_args_type = "declarations: string", ts_return_type = "Record<string, CType>")]
pub fn cdef<'env>(env: &'env Env, text: Unknown<'env>) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let text = string_arg(raw, text.raw(), "cdef(): the declarations")?;
            let state = EnvState::get(raw)?;
            let toks = lexer::lex(&text, 0).map_err(|e| {
                parse_error(
                    "cdef()",
                    &text,
                    cdecl::ParseError {
                        kind: cdecl::ErrorKind::Syntax,
                        pos: e.pos,
                        msg: e.msg,
                    },
                )
            })?;
            let mut local = Scope::new();
            let mut decls = Vec::new();
            let mut skipped = Vec::new();
            {
                let registry = state.registry();
                Parser::new(
                    &toks,
                    Names {
                        local: &mut local,
                        bases: &[&registry],
                    },
                )
                .header(&mut decls, &mut skipped)
                .map_err(|e| parse_error("cdef()", &text, e))?;
            }
            if let Some(s) = skipped.first() {
                let e = cdecl::ParseError {
                    kind: cdecl::ErrorKind::Unsupported,
                    pos: s.pos,
                    msg: s.reason.clone(),
                };
                return Err(parse_error("cdef()", &text, e));
            }
            // All or nothing: a name declared again must mean the same type.
            define(&state, &local, "cdef()", Code::Parse)?;
            let out = js::object(raw)?;
            for d in decls {
                // What the name means now: the type declared first, when
                // this one is the same again (see `Scope::define`).
                let registry = state.registry();
                let (name, ty) = match d {
                    Decl::Typedef { name, ty, .. } => {
                        let ty = registry.typedefs.get(&name).cloned().unwrap_or(ty);
                        (name, ty)
                    }
                    Decl::Record { record, .. } => match record.name.clone() {
                        Some(n) => {
                            let r = registry.records.get(&n).cloned().unwrap_or(record);
                            (n, Type::Record(r))
                        }
                        None => continue,
                    },
                    Decl::Enum { ty, .. } => match ty.name.clone() {
                        Some(n) => {
                            let e = registry.enums.get(&n).cloned().unwrap_or(ty);
                            (n, Type::Enum(e))
                        }
                        None => continue,
                    },
                    Decl::Function(f) => {
                        return Err(Error::new(
                            Code::Parse,
                            format!("cdef(): '{}' is a function; bind functions with lib.func()", f.name),
                        ))
                    }
                    Decl::Variable { name, .. } => {
                        return Err(Error::new(
                            Code::Parse,
                            format!("cdef(): '{name}' is a variable; use lib.symbol() for globals"),
                        ))
                    }
                };
                drop(registry);
                let key = js::string(raw, &name)?;
                let v = ctype_value(raw, ty)?;
                crate::error::check(sys::napi_set_property(raw, out, key, v), "setting a property")?;
            }
            Ok(out)
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}

// ----- making types from JS -----

/// A field spec: a type (a name such as `'uint32_t'`, `'uint32_t:3'` for a
/// bitfield, or a CType), or `{ type, bits?, align? }`.
unsafe fn field_spec(
    env: sys::napi_env,
    state: &EnvState,
    scope: &Scope,
    v: Value,
    what: &str,
) -> Result<(Type, Option<u32>, Option<usize>)> {
    unsafe {
        match js::type_of(env, v) {
            sys::ValueType::napi_string => {
                let text = js::get_string(env, v)?;
                let (ty_text, bits) = match text.rsplit_once(':') {
                    Some((t, b)) if b.trim().chars().all(|c| c.is_ascii_digit()) && !b.trim().is_empty() => {
                        let bits = b
                            .trim()
                            .parse::<u32>()
                            .map_err(|_| Error::new(Code::ArgRange, format!("{what}: bad bit width '{b}'")))?;
                        (t.to_string(), Some(bits))
                    }
                    _ => (text.clone(), None),
                };
                let s = js::string(env, &ty_text)?;
                Ok((type_arg(env, state, scope, s, what)?, bits, None))
            }
            sys::ValueType::napi_object if ctype_of(env, v).is_none() => {
                let t = js::get(env, v, c"type")?;
                let ty = type_arg(env, state, scope, t, &format!("{what}.type"))?;
                let num = |key: &std::ffi::CStr| -> Result<Option<f64>> {
                    let n = js::get(env, v, key)?;
                    match js::type_of(env, n) {
                        sys::ValueType::napi_undefined => Ok(None),
                        sys::ValueType::napi_number => Ok(Some(js::get_f64(env, n)?)),
                        _ => Err(Error::new(
                            Code::ArgType,
                            format!("{what}.{} must be a number", key.to_string_lossy()),
                        )),
                    }
                };
                let bits = num(c"bits")?.map(|b| b as u32);
                let align = num(c"align")?.map(|a| a as usize);
                Ok((ty, bits, align))
            }
            _ => Ok((type_arg(env, state, &Scope::new(), v, what)?, None, None)),
        }
    }
}

/// `{ packed, pack, align }` for struct() and union().
unsafe fn record_options(env: sys::napi_env, v: Option<Value>, what: &str) -> Result<(Option<usize>, Option<usize>)> {
    unsafe {
        let v = match v {
            Some(v) if js::type_of(env, v) == sys::ValueType::napi_object => v,
            Some(v) if js::type_of(env, v) != sys::ValueType::napi_undefined => {
                return Err(Error::new(Code::ArgType, format!("{what}: options must be an object")))
            }
            _ => return Ok((None, None)),
        };
        let mut max_align = None;
        let p = js::get(env, v, c"packed")?;
        if js::type_of(env, p) == sys::ValueType::napi_boolean && js::get_bool(env, p)? {
            max_align = Some(1);
        }
        let power_of_two = |key: &std::ffi::CStr| -> Result<Option<usize>> {
            let n = js::get(env, v, key)?;
            if js::type_of(env, n) == sys::ValueType::napi_undefined {
                return Ok(None);
            }
            let f = if js::type_of(env, n) == sys::ValueType::napi_number {
                js::get_f64(env, n)?
            } else {
                -1.0
            };
            if !(1.0..=65536.0).contains(&f) || f.fract() != 0.0 || (f as usize).count_ones() != 1 {
                return Err(Error::new(
                    Code::ArgRange,
                    format!("{what}: options.{} must be a power of two", key.to_string_lossy()),
                ));
            }
            Ok(Some(f as usize))
        };
        if let Some(n) = power_of_two(c"pack")? {
            max_align = Some(n);
        }
        let align = power_of_two(c"align")?;
        Ok((max_align, align))
    }
}

unsafe fn make_record(
    env: sys::napi_env,
    kind: crate::types::RecordKind,
    a: Option<Value>,
    b: Option<Value>,
    c: Option<Value>,
) -> Result<Value> {
    unsafe {
        let fname = if kind == RecordKind::Union {
            "union()"
        } else {
            "struct()"
        };
        let state = EnvState::get(env)?;
        let a = a.ok_or_else(|| Error::new(Code::ArgCount, format!("{fname} needs fields")))?;
        // struct(name, fields, options) or struct(fields, options)
        let (name, fields, opts) = if js::type_of(env, a) == sys::ValueType::napi_string {
            let n = js::get_string(env, a)?;
            if !is_identifier(&n) {
                return Err(Error::new(
                    Code::ArgValue,
                    format!("{fname}: '{n}' is not a C identifier"),
                ));
            }
            (Some(n), b, c)
        } else {
            (None, Some(a), b)
        };
        let fields = fields
            .filter(|&f| js::type_of(env, f) == sys::ValueType::napi_object && !js::is_array(env, f))
            .ok_or_else(|| {
                Error::new(
                    Code::ArgType,
                    format!("{fname}: the fields must be an object such as {{ x: 'int', y: 'double' }}"),
                )
            })?;
        let (max_align, align) = record_options(env, opts, fname)?;
        // The record exists before its fields, so that they may point to it
        // (`struct('Node', { next: 'Node *' })`). A record the registry has
        // as incomplete (`opaque('Node')`, `struct Node;`) is completed in
        // place, so every type that points to it sees the fields.
        let rec = match &name {
            Some(n) => match state.registry().records.get(n.as_str()) {
                Some(old) if old.body().is_none() && old.kind == kind => old.clone(),
                _ => std::sync::Arc::new(crate::types::Record::new(kind, Some(std::sync::Arc::from(n.as_str())))),
            },
            None => std::sync::Arc::new(crate::types::Record::new(kind, None)),
        };
        let mut own = Scope::new();
        if let Some(n) = &name {
            let n: std::sync::Arc<str> = std::sync::Arc::from(n.as_str());
            own.records.insert(n.clone(), rec.clone());
            own.typedefs.insert(n, Type::Record(rec.clone()));
        }
        // Own enumerable string keys only: an enumerable property of
        // Object.prototype is not a field.
        let mut keys = std::ptr::null_mut();
        check(
            sys::napi_get_all_property_names(
                env,
                fields,
                sys::KeyCollectionMode::own_only,
                sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                sys::KeyConversion::numbers_to_strings,
                &mut keys,
            ),
            "listing fields",
        )?;
        let mut b = crate::types::RecordBuilder::new(kind, max_align);
        for i in 0..js::array_len(env, keys)? {
            let k = js::get_element(env, keys, i)?;
            let key = js::get_string(env, k)?;
            let mut v = std::ptr::null_mut();
            check(sys::napi_get_property(env, fields, k, &mut v), "reading a field")?;
            let what = format!("{fname}: field '{key}'");
            if !is_identifier(&key) {
                return Err(Error::new(
                    Code::ArgValue,
                    format!("{fname}: '{}' is not a field name (a C identifier)", key.escape_debug()),
                ));
            }
            let (ty, bits, falign) = field_spec(env, &state, &own, v, &what)?;
            let r = match bits {
                Some(w) => b.bitfield(Some(std::sync::Arc::from(key.as_str())), ty, w),
                None => b.field(Some(std::sync::Arc::from(key.as_str())), ty, falign),
            };
            r.map_err(|e| Error::new(Code::ArgValue, format!("{what}: {e}")))?;
        }
        rec.complete(b.finish(align));
        let ty = Type::Record(rec);
        if let (Some(n), Type::Record(r)) = (&name, &ty) {
            let n: std::sync::Arc<str> = std::sync::Arc::from(n.as_str());
            let mut names = Scope::new();
            names.records.insert(n.clone(), r.clone());
            names.typedefs.insert(n, ty.clone());
            define(&state, &names, fname, Code::ArgValue)?;
        }
        ctype_value(env, ty)
    }
}

/// A C identifier: letters, digits and `_`, not starting with a digit.
fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// Declares `names` in the registry, or none of them if one already means
/// another type: an error with `code` then, `ERR_PARSE` for declarations
/// (`cdef()`, `callback()`) and `ERR_ARG_VALUE` for a name passed to
/// `struct()`, `union()` or `opaque()`.
fn define(state: &EnvState, names: &Scope, fname: &str, code: Code) -> Result<()> {
    // Checked first, to leave the registry and what was cached about type
    // names (registry_mut() forgets it) as they were.
    if let Some(r) = state.registry().redefinition(names) {
        return Err(Error::new(code, format!("{fname}: {r}")));
    }
    // The same declarations again (a loop): nothing to forget.
    if !state.registry().would_change(names) {
        return Ok(());
    }
    state
        .registry_mut()
        .define(names)
        .map_err(|r| Error::new(code, format!("{fname}: {r}")))
}

fn raw<'env>(v: Option<Unknown<'env>>) -> Option<Value> {
    v.map(|u| u.raw())
}

/// A struct type: `struct('point', { x: 'int', y: 'int' })`. Fields are in
/// declaration order; `'uint32_t:3'` is a bitfield; `{ packed: true }`,
/// `{ pack: n }` and `{ align: n }` change the layout as their C
/// attributes do. A named struct can be used by name afterwards.
#[napi(
    js_name = "struct",
    ts_args_type = "nameOrFields: string | Record<string, FieldSpec>, fieldsOrOptions?: Record<string, FieldSpec> | RecordOptions, options?: RecordOptions",
    ts_return_type = "CType"
)]
pub fn struct_type<'env>(
    env: &'env Env,
    a: Option<Unknown<'env>>,
    b: Option<Unknown<'env>>,
    c: Option<Unknown<'env>>,
) -> napi::Result<Unknown<'env>> {
    let r = unsafe { make_record(env.raw(), RecordKind::Struct, raw(a), raw(b), raw(c)) }.or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}

/// A union type: `union('value', { i: 'int64_t', d: 'double' })`.
#[napi(
    js_name = "union",
    ts_args_type = "nameOrFields: string | Record<string, FieldSpec>, fieldsOrOptions?: Record<string, FieldSpec> | RecordOptions, options?: RecordOptions",
    ts_return_type = "CType"
)]
pub fn union_type<'env>(
    env: &'env Env,
    a: Option<Unknown<'env>>,
    b: Option<Unknown<'env>>,
    c: Option<Unknown<'env>>,
) -> napi::Result<Unknown<'env>> {
    let r = unsafe { make_record(env.raw(), RecordKind::Union, raw(a), raw(b), raw(c)) }.or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}

/// A fixed-size array type: `array('int', 4)` is `int[4]`.
#[napi(ts_args_type = "type: TypeSpec, length: number", ts_return_type = "CType")]
pub fn array<'env>(env: &'env Env, ty: Unknown<'env>, n: Unknown<'env>) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let t = type_arg(raw, &state, &Scope::new(), ty.raw(), "array(): the element type")?;
            if t.size().is_none_or(|s| s == 0) {
                return Err(Error::new(Code::ArgValue, format!("array(): {t} has no size")));
            }
            let len = if js::type_of(raw, n.raw()) == sys::ValueType::napi_number {
                js::get_f64(raw, n.raw())?
            } else {
                -1.0
            };
            if len < 0.0 || len.fract() != 0.0 || len > 1e9 {
                return Err(Error::new(
                    Code::ArgRange,
                    "array(): the length must be a non-negative integer",
                ));
            }
            ctype_value(raw, Type::array_of(t, Some(len as usize)))
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}

/// A pointer type: `pointer('int')` is `int *`, `pointer(point)` is `struct point *`.
#[napi(ts_args_type = "type: TypeSpec", ts_return_type = "CType")]
pub fn pointer<'env>(env: &'env Env, ty: Unknown<'env>) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let t = type_arg(raw, &state, &Scope::new(), ty.raw(), "pointer(): the type")?;
            ctype_value(raw, Type::pointer_to(t, false))
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}

/// An opaque type: a struct only ever handled through pointers
/// (`opaque('sqlite3')`, then `'sqlite3 *'`).
#[napi(ts_args_type = "name: string", ts_return_type = "CType")]
pub fn opaque<'env>(env: &'env Env, name: Unknown<'env>) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let n = string_arg(raw, name.raw(), "opaque(): the name")?;
            if n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error::new(
                    Code::ArgValue,
                    format!("opaque(): '{n}' is not a C identifier"),
                ));
            }
            let n: std::sync::Arc<str> = std::sync::Arc::from(n.as_str());
            // The struct of that name if there is one (complete or not), else
            // a new one (which a union of that name makes a redefinition).
            let known = state
                .registry()
                .records
                .get(&n)
                .filter(|r| r.kind == RecordKind::Struct)
                .cloned();
            let rec = known
                .unwrap_or_else(|| std::sync::Arc::new(crate::types::Record::new(RecordKind::Struct, Some(n.clone()))));
            let ty = Type::Record(rec.clone());
            let mut names = Scope::new();
            names.records.insert(n.clone(), rec);
            names.typedefs.insert(n, ty.clone());
            define(&state, &names, "opaque()", Code::ArgValue)?;
            ctype_value(raw, ty)
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}

/// A callback type from a prototype:
/// `callback('int cmp(const void *a, const void *b)')`. The result is the
/// function pointer type; the name (`cmp`) is declared as the function type,
/// so prototypes can say `cmp *compare`.
#[napi(ts_args_type = "prototype: string", ts_return_type = "CType")]
pub fn callback<'env>(env: &'env Env, proto: Unknown<'env>) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let text = string_arg(raw, proto.raw(), "callback(): the prototype")?;
            let decl = {
                let registry = state.registry();
                let mut local = Scope::new();
                cdecl::parse_prototype(
                    &text,
                    Names {
                        local: &mut local,
                        bases: &[&registry],
                    },
                )
                .map_err(|e| parse_error("callback()", &text, e))?
            };
            if let Err(e) = crate::callback::check_signature(&decl.sig) {
                return Err(Error::new(
                    Code::Unsupported,
                    format!("callback(): {} cannot be a callback: {e}", decl.name),
                ));
            }
            let f = Type::Function(std::sync::Arc::new(decl.sig));
            let mut names = Scope::new();
            names.typedefs.insert(decl.name.clone(), f.clone());
            define(&state, &names, "callback()", Code::Parse)?;
            ctype_value(raw, Type::pointer_to(f, false))
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}

/// The disposable form of a string type: what it points to is freed once
/// cshared has read it (a result, an out-parameter, a struct field), by
/// `free`: a function bound with `lib.func()` or a Pointer to a C function
/// `void f(void *)`, by default libc `free()`. `'char *!'` is the same as
/// `disposable('char *')`.
#[napi(
    ts_args_type = "type: TypeSpec, free?: Pointer | ((p: Pointer | null) => unknown)",
    ts_return_type = "CType"
)]
pub fn disposable<'env>(env: &'env Env, ty: Unknown<'env>, free: Option<Unknown<'env>>) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let t = type_arg(raw, &state, &Scope::new(), ty.raw(), "disposable(): the type")?;
            let how = match free.map(|f| f.raw()) {
                None => crate::types::Dispose::Libc,
                Some(f) if js::type_of(raw, f) == sys::ValueType::napi_function => {
                    let id_of = state.helper(raw, c"idOf")?;
                    let id = js::get_f64(raw, js::call(raw, id_of, &[f])?)?;
                    let bound = (id >= 0.0).then(|| state.bound(id as u32)).flatten().ok_or_else(|| {
                        Error::new(
                            Code::ArgType,
                            "disposable(): the free function must be one bound with lib.func() (or a Pointer)",
                        )
                    })?;
                    if bound.plan.args.len() != 1 {
                        return Err(Error::new(
                            Code::ArgValue,
                            format!(
                                "disposable(): {}() takes {} arguments; a free function takes one pointer",
                                bound.name,
                                bound.plan.args.len()
                            ),
                        ));
                    }
                    crate::types::Dispose::With(bound.fnptr as usize)
                }
                Some(f) => match state.read_pointer(raw, f)? {
                    Some(a) if a != 0 => crate::types::Dispose::With(a),
                    _ => {
                        return Err(Error::new(
                            Code::ArgType,
                            format!(
                                "disposable(): the free function must be a bound function or a Pointer, got {}",
                                state.describe(raw, f)
                            ),
                        ))
                    }
                },
            };
            let d = t.disposable(how).ok_or_else(|| {
                Error::new(
                    Code::ArgType,
                    format!("disposable(): only a string type (char *, char16_t *, …) can be disposable, not {t}"),
                )
            })?;
            ctype_value(raw, d)
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}
