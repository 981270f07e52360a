//! Any C value ⇄ JS: encode a JS value into C memory of a given type, and
//! decode C memory into a JS value. Structs are objects, fixed arrays are
//! TypedArrays (or strings for `char[N]`, arrays otherwise), Go strings are
//! strings. Used for values passed by value, out-parameters and results.

use super::Scratch;
use crate::env::EnvState;
use crate::error::{check, Code, Error, Result};
use crate::js::{self, Value};
use crate::types::{ArrayClass, ArrayType, BitField, Field, GoType, Int, Record, RecordKind, Type};
use napi::sys::{self, napi_env, ValueType};
use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::Arc;

/// Where a value sits, for messages: `f(): argument 1 (p).x[2]`.
#[derive(Clone, Copy)]
pub enum Path<'a> {
    Root(&'a dyn Fn() -> String),
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, u32),
}

impl Path<'_> {
    pub fn render(&self) -> String {
        match self {
            Path::Root(f) => f(),
            Path::Field(p, name) => format!("{}.{}", p.render(), name),
            Path::Index(p, i) => format!("{}[{}]", p.render(), i),
        }
    }
}

pub struct Codec<'s> {
    pub env: napi_env,
    pub state: &'s EnvState,
    pub bigint: bool,
    /// The buffers an async call had copied: a pointer into a copy is read
    /// as the address it stands for in the buffer (see `Scratch::place`).
    pub moved: &'s [super::Moved],
}

/// Writes the low `bytes` bytes of `v`, little-endian.
pub unsafe fn write_int(dst: *mut u8, bytes: u8, v: i128) {
    let b = v.to_le_bytes();
    unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), dst, usize::from(bytes)) };
}

/// An integer of type `i` written in its byte order (`int32_be_t` swapped).
pub unsafe fn write_int_of(dst: *mut u8, i: Int, v: i128) {
    unsafe {
        write_int(dst, i.bytes, v);
        if i.swap {
            std::slice::from_raw_parts_mut(dst, usize::from(i.bytes)).reverse();
        }
    }
}

pub unsafe fn read_int(src: *const u8, i: Int) -> i128 {
    let mut b = [0u8; 16];
    unsafe { std::ptr::copy_nonoverlapping(src, b.as_mut_ptr(), usize::from(i.bytes)) };
    if i.swap {
        b[..usize::from(i.bytes)].reverse();
    }
    let raw = u128::from_le_bytes(b);
    let bits = u32::from(i.bytes) * 8;
    if i.signed && raw >> (bits - 1) & 1 == 1 {
        (raw as i128) - (1i128 << bits)
    } else {
        raw as i128
    }
}

impl Codec<'_> {
    fn type_error(&self, path: &Path, expect: &str, v: Value) -> Error {
        let got = unsafe { self.state.describe(self.env, v) };
        Error::new(
            Code::ArgType,
            format!("{} must be {}, got {}", path.render(), expect, got),
        )
    }

    /// An integer of type `i` from a number or bigint, range-checked.
    pub unsafe fn int(&self, v: Value, i: Int, path: &Path) -> Result<i128> {
        unsafe {
            let env = self.env;
            let n: i128 = match js::type_of(env, v) {
                ValueType::napi_number => {
                    let f = js::get_f64(env, v)?;
                    if !f.is_finite() || f.fract() != 0.0 {
                        return Err(Error::new(
                            Code::ArgRange,
                            format!(
                                "{} ({}) must be an integer, got {}",
                                path.render(),
                                i.short_name(),
                                self.state.describe(env, v)
                            ),
                        ));
                    }
                    if f.abs() >= 1.8446744073709552e19 {
                        i128::MAX
                    } else {
                        f as i128
                    }
                }
                ValueType::napi_bigint => bigint_value(env, v)?.unwrap_or(i128::MAX),
                _ => return Err(self.type_error(path, &format!("a number or bigint ({})", i.short_name()), v)),
            };
            let (lo, hi) = i.range();
            if n < lo || n > hi {
                return Err(Error::new(
                    Code::ArgRange,
                    format!(
                        "{} ({}) must be in range {lo}..{hi}, got {}",
                        path.render(),
                        i.short_name(),
                        self.state.describe(env, v)
                    ),
                ));
            }
            Ok(n)
        }
    }

    /// Encodes `v` as a C value of type `ty` at `dst`.
    pub unsafe fn encode(&self, scratch: &mut Scratch, v: Value, ty: &Type, dst: *mut u8, path: &Path) -> Result<()> {
        unsafe {
            let env = self.env;
            let t = js::type_of(env, v);
            match ty {
                Type::Bool => {
                    if t != ValueType::napi_boolean {
                        return Err(self.type_error(path, "a boolean", v));
                    }
                    *dst = u8::from(js::get_bool(env, v)?);
                }
                Type::Char(i) | Type::Int(i) => write_int_of(dst, *i, self.int(v, *i, path)?),
                Type::Enum(e) => {
                    let n = if t == ValueType::napi_string {
                        let name = js::get_string(env, v)?;
                        match e.values.iter().find(|(n, _)| **n == *name) {
                            Some((_, val)) => i128::from(*val),
                            None => {
                                return Err(Error::new(
                                    Code::ArgValue,
                                    format!("{}: '{}' is not a value of {}", path.render(), name, ty),
                                ));
                            }
                        }
                    } else {
                        self.int(v, e.repr, path)?
                    };
                    write_int(dst, e.repr.bytes, n);
                }
                Type::F32 | Type::F64 => {
                    if t != ValueType::napi_number {
                        return Err(self.type_error(path, "a number", v));
                    }
                    let f = js::get_f64(env, v)?;
                    if matches!(ty, Type::F32) {
                        std::ptr::write_unaligned(dst as *mut f32, f as f32);
                    } else {
                        std::ptr::write_unaligned(dst as *mut f64, f);
                    }
                }
                Type::Pointer(p) if t == ValueType::napi_function => match p.to() {
                    // Lent a closure by the invoker, for the call.
                    Type::Function(sig) => {
                        std::ptr::write_unaligned(dst as *mut usize, 0);
                        scratch.functions.push((dst, sig.clone(), v));
                    }
                    to => return Err(self.type_error(path, &format!("a Pointer or null ({to} *)"), v)),
                },
                Type::Pointer(p) => self.pointer(scratch, v, &p.to(), dst, path)?,
                Type::Array(a) => self.array(scratch, v, a, dst, path)?,
                Type::Record(r) => self.record(scratch, v, r, dst, path)?,
                Type::Go(GoType::String) => {
                    let (p, n) = match t {
                        ValueType::napi_null => (0usize, 0usize),
                        ValueType::napi_string => {
                            let bytes = scratch.c_string(env, v)?;
                            (bytes.as_ptr() as usize, bytes.len())
                        }
                        _ => return Err(self.type_error(path, "a string (GoString)", v)),
                    };
                    std::ptr::write_unaligned(dst as *mut usize, p);
                    std::ptr::write_unaligned(dst.add(8) as *mut usize, n);
                }
                Type::Go(GoType::Slice(elem)) => self.go_slice(scratch, v, *elem, dst, path)?,
                Type::Void | Type::Function(_) | Type::Unsupported(_) => {
                    return Err(Error::new(
                        Code::Unsupported,
                        format!("{}: a {} value cannot be passed", path.render(), ty),
                    ));
                }
            }
            Ok(())
        }
    }

    /// Writes at `dst` the address for a pointer of type `to *`: null, a
    /// Pointer, a buffer (for an async call, a copy of it: see
    /// `Scratch::buffer`), or (for `char *`) a string copied for the call.
    pub unsafe fn pointer(&self, scratch: &mut Scratch, v: Value, to: &Type, dst: *mut u8, path: &Path) -> Result<()> {
        unsafe {
            let addr = self.address(scratch, v, to, dst, path)?;
            std::ptr::write_unaligned(dst as *mut usize, addr);
            Ok(())
        }
    }

    unsafe fn address(&self, scratch: &mut Scratch, v: Value, to: &Type, dst: *mut u8, path: &Path) -> Result<usize> {
        unsafe {
            let env = self.env;
            match js::type_of(env, v) {
                ValueType::napi_null => Ok(0),
                ValueType::napi_string => match to {
                    Type::Char(i) if i.bytes == 1 => scratch.c_string_arg(env, v, &|| path.render()),
                    Type::Char(i) => scratch.wide_string_arg(env, v, i.bytes, &|| path.render()),
                    _ => Err(self.type_error(path, "a Pointer, Buffer, TypedArray, ArrayBuffer or null", v)),
                },
                ValueType::napi_object => match super::buffer_info(env, v) {
                    Ok(Some(info)) => Ok(scratch.buffer(v, info, dst)),
                    Ok(None) => match self.state.read_pointer(env, v)? {
                        Some(addr) => Ok(addr),
                        None => Err(self.type_error(path, "a Pointer, Buffer, TypedArray, ArrayBuffer or null", v)),
                    },
                    Err(why) => Err(Error::new(Code::ArgValue, format!("{} {}", path.render(), why))),
                },
                _ => Err(self.type_error(
                    path,
                    if matches!(to, Type::Char(_)) {
                        "a string, Pointer, Buffer, TypedArray or null"
                    } else {
                        "a Pointer, Buffer, TypedArray, ArrayBuffer or null"
                    },
                    v,
                )),
            }
        }
    }

    unsafe fn array(&self, scratch: &mut Scratch, v: Value, a: &ArrayType, dst: *mut u8, path: &Path) -> Result<()> {
        unsafe {
            let env = self.env;
            let n = a.len.unwrap_or(0);
            let esize = a.elem.size().unwrap_or(0);
            std::ptr::write_bytes(dst, 0, n * esize);
            let t = js::type_of(env, v);
            // A wide string fills a char16_t or char32_t array.
            if let (ValueType::napi_string, Type::Char(i)) = (t, &a.elem) {
                if i.bytes > 1 {
                    let units = super::string_units(env, v, i.bytes)?;
                    if units.len() > n {
                        return Err(Error::new(
                            Code::ArgRange,
                            format!(
                                "{}: the string is {} code units, more than the {} of {}",
                                path.render(),
                                units.len(),
                                n,
                                Type::Array(std::sync::Arc::new(a.clone()))
                            ),
                        ));
                    }
                    for (k, &c) in units.iter().enumerate() {
                        match i.bytes {
                            2 => std::ptr::write_unaligned((dst as *mut u16).add(k), c as u16),
                            _ => std::ptr::write_unaligned((dst as *mut u32).add(k), c),
                        }
                    }
                    return Ok(());
                }
            }
            // A string fills a char array, or any array of bytes (int8_t[64]).
            if t == ValueType::napi_string
                && (matches!(a.elem, Type::Char(_)) || matches!(&a.elem, Type::Int(i) if i.bytes == 1))
            {
                let bytes = js::get_string(env, v)?.into_bytes();
                if bytes.len() > n {
                    return Err(Error::new(
                        Code::ArgRange,
                        format!(
                            "{}: the string is {} bytes in UTF-8, more than the {} of {}",
                            path.render(),
                            bytes.len(),
                            n,
                            Type::Array(std::sync::Arc::new(a.clone()))
                        ),
                    ));
                }
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len());
                return Ok(());
            }
            if t == ValueType::napi_object {
                if let Some(kind) = typed_array_kind(env, v) {
                    if typed_array_matches(kind, &a.elem) {
                        if let Ok(Some((data, len))) = super::buffer_data(env, v) {
                            if len > n * esize {
                                return Err(Error::new(
                                    Code::ArgRange,
                                    format!("{}: {} elements do not fit in {}", path.render(), len / esize.max(1), n),
                                ));
                            }
                            std::ptr::copy_nonoverlapping(data, dst, len);
                            return Ok(());
                        }
                    }
                }
                if js::is_array(env, v) || typed_array_kind(env, v).is_some() {
                    let len = js::get(env, v, c"length").and_then(|l| js::get_f64(env, l))? as usize;
                    if len > n {
                        return Err(Error::new(
                            Code::ArgRange,
                            format!("{}: {} elements do not fit in {}", path.render(), len, n),
                        ));
                    }
                    for i in 0..len {
                        let e = js::get_element(env, v, i as u32)?;
                        let p = Path::Index(path, i as u32);
                        self.encode(scratch, e, &a.elem, dst.add(i * esize), &p)?;
                    }
                    return Ok(());
                }
            }
            Err(self.type_error(path, "an array or TypedArray", v))
        }
    }

    unsafe fn record(&self, scratch: &mut Scratch, v: Value, r: &Record, dst: *mut u8, path: &Path) -> Result<()> {
        unsafe {
            let env = self.env;
            let body = match r.body() {
                Some(b) => b,
                None => {
                    return Err(Error::new(
                        Code::Unsupported,
                        format!(
                            "{}: {} is incomplete",
                            path.render(),
                            Type::Record(std::sync::Arc::new(Record::new(r.kind, r.name.clone())))
                        ),
                    ))
                }
            };
            // A plain object (or a class instance), not an array, a Pointer or
            // a buffer: those have no fields to read, and are not a struct.
            if js::type_of(env, v) != ValueType::napi_object
                || js::is_array(env, v)
                || super::buffer_data(env, v) != Ok(None)
                || self.state.read_pointer(env, v)?.is_some()
            {
                return Err(self.type_error(
                    path,
                    &format!(
                        "an object ({} {})",
                        r.keyword(),
                        r.name.as_deref().unwrap_or("(anonymous)")
                    ),
                    v,
                ));
            }
            let fields = body.flat_fields();
            let values = self.own_fields(v, r, &fields, path)?;
            std::ptr::write_bytes(dst, 0, body.size);
            for (i, (name, f)) in fields.into_iter().enumerate() {
                let fv = js::get_element(env, values, i as u32)?;
                if js::type_of(env, fv) == ValueType::napi_undefined {
                    // Missing fields are zero, as in a C initializer.
                    continue;
                }
                let p = Path::Field(path, &name);
                match f.bits {
                    Some(bits) => {
                        let int = match &f.ty {
                            Type::Bool => Int::new(1, false),
                            Type::Char(i) | Type::Int(i) => *i,
                            Type::Enum(e) => e.repr,
                            _ => Int::new(4, true),
                        };
                        let val = if matches!(f.ty, Type::Bool) {
                            i128::from(js::get_bool(env, fv).map_err(|_| self.type_error(&p, "a boolean", fv))?)
                        } else {
                            self.int(fv, int, &p)?
                        };
                        let (lo, hi) = bit_range(bits, int.signed);
                        if val < lo || val > hi {
                            return Err(Error::new(
                                Code::ArgRange,
                                format!("{} must fit in {} bits ({lo}..{hi})", p.render(), bits.width),
                            ));
                        }
                        write_bits(dst.add(f.offset), bits, val);
                    }
                    None => self.encode(scratch, fv, &f.ty, dst.add(f.offset), &p)?,
                }
                if r.kind == RecordKind::Union {
                    // A union holds one member: the first one given.
                    break;
                }
            }
            Ok(())
        }
    }

    /// The values of the fields of `r` that object `v` has as own
    /// properties (an array, undefined for the others), after checking that
    /// every own enumerable key of `v` is a field: a misspelled field would
    /// otherwise be zero, silently. An inherited property is no field's
    /// value.
    unsafe fn own_fields(&self, v: Value, r: &Record, fields: &[(Arc<str>, Field)], path: &Path) -> Result<Value> {
        unsafe {
            let env = self.env;
            let mut names = String::new();
            for (i, (name, _)) in fields.iter().enumerate() {
                if i > 0 {
                    names.push('\0');
                }
                names.push_str(name);
            }
            let got = self
                .state
                .own_fields(env, v, &names, fields.iter().map(|(name, _)| &**name))?;
            if js::type_of(env, got) != ValueType::napi_string {
                return Ok(got);
            }
            let key = js::get_string(env, got)?;
            let names: Vec<&str> = fields.iter().map(|(name, _)| &**name).collect();
            Err(Error::new(
                Code::ArgValue,
                format!(
                    "{}: unknown field '{key}' for {} {} ({})",
                    path.render(),
                    r.keyword(),
                    r.name.as_deref().unwrap_or("(anonymous)"),
                    if names.is_empty() {
                        "it has no fields".to_string()
                    } else {
                        format!("fields: {}", names.join(", "))
                    }
                ),
            ))
        }
    }

    /// A `GoSlice`: nil for null; with a known element type, a TypedArray
    /// of exactly that type (Go gets its memory and its element count), or
    /// a plain array converted element by element and copied back after the
    /// call. With an unknown element type only null: any length cshared
    /// gave Go could let it read or write past the memory passed.
    unsafe fn go_slice(
        &self,
        scratch: &mut Scratch,
        v: Value,
        elem: Option<ArrayClass>,
        dst: *mut u8,
        path: &Path,
    ) -> Result<()> {
        unsafe {
            let env = self.env;
            let t = js::type_of(env, v);
            let (data, len) = if t == ValueType::napi_null {
                (0usize, 0usize)
            } else {
                let Some(class) = elem else {
                    return Err(Error::new(
                        Code::Unsupported,
                        format!(
                            "{}: cshared does not know the element type of this GoSlice, so it takes only null (a nil slice): \
                             any length given to Go could let it read or write past the memory passed. \
                             Load the library with {{ header, goSource }} (the Go package's directory), \
                             or declare the parameter with its Go type in the prototype ([]float64 xs, []int32 xs, []byte b, …)",
                            path.render()
                        ),
                    ));
                };
                let size = class.size();
                if t == ValueType::napi_object && js::is_array(env, v) {
                    let n = js::array_len(env, v)? as usize;
                    let mem = scratch.alloc(n * size, size);
                    let et = class.elem();
                    for i in 0..n {
                        let e = js::get_element(env, v, i as u32)?;
                        let p = Path::Index(path, i as u32);
                        self.encode(scratch, e, &et, mem.add(i * size), &p)?;
                    }
                    if n > 0 {
                        scratch.write_back(env, v, mem, et, n)?;
                    }
                    (mem as usize, n)
                } else if t == ValueType::napi_object && typed_array_kind(env, v) == Some(js::typedarray_type(class)) {
                    match super::buffer_info(env, v) {
                        Ok(Some(info)) => (scratch.buffer(v, info, dst), info.len / size),
                        Ok(None) => return Err(Error::new(Code::Internal, "a TypedArray without a buffer")),
                        Err(why) => return Err(Error::new(Code::ArgValue, format!("{} {}", path.render(), why))),
                    }
                } else {
                    let what = if matches!(class, ArrayClass::Float32 | ArrayClass::Float64) {
                        "numbers"
                    } else {
                        "integers"
                    };
                    return Err(self.type_error(
                        path,
                        &format!(
                            "a {}, an array of {what} or null ({})",
                            class.name(),
                            Type::Go(GoType::Slice(elem))
                        ),
                        v,
                    ));
                }
            };
            std::ptr::write_unaligned(dst as *mut usize, data);
            std::ptr::write_unaligned(dst.add(8) as *mut usize, len);
            std::ptr::write_unaligned(dst.add(16) as *mut usize, len);
            Ok(())
        }
    }

    /// Decodes a C value of type `ty` at `src`. `strings`: read `char *` as
    /// strings (not inside unions, where the member may not be a pointer).
    pub unsafe fn decode(&self, ty: &Type, src: *const u8, strings: bool) -> Result<Value> {
        unsafe {
            let env = self.env;
            match ty {
                Type::Bool => js::boolean(env, *src != 0),
                Type::Char(i) | Type::Int(i) => self.int_value(read_int(src, *i), *i),
                Type::Enum(e) => self.int_value(read_int(src, e.repr), e.repr),
                Type::F32 => js::number(env, f64::from(std::ptr::read_unaligned(src as *const f32))),
                Type::F64 => js::number(env, std::ptr::read_unaligned(src as *const f64)),
                Type::Pointer(p) => {
                    let addr = std::ptr::read_unaligned(src as *const usize);
                    if strings {
                        let v = match p.to() {
                            Type::Char(i) if i.bytes == 1 => {
                                super::c_string_result(env, addr as *const std::ffi::c_char)
                            }
                            Type::Char(i) => super::wide_string_result(env, addr as *const u8, i.bytes),
                            _ => return self.state.make_pointer(env, super::original(self.moved, addr)),
                        };
                        // A disposable string is freed once read (or not).
                        super::dispose(p.dispose, addr as *mut c_void);
                        return v;
                    }
                    self.state.make_pointer(env, super::original(self.moved, addr))
                }
                Type::Array(a) => self.decode_array(a, src, strings),
                Type::Record(r) => {
                    let body = r
                        .body()
                        .ok_or_else(|| Error::new(Code::Unsupported, format!("{ty} is incomplete")))?;
                    let obj = js::object(env)?;
                    let strings = strings && r.kind == RecordKind::Struct;
                    for (name, f) in body.flat_fields() {
                        let v = match (f.bits, &f.ty) {
                            (Some(bits), Type::Bool) => {
                                js::boolean(env, read_bits(src.add(f.offset), bits, false) != 0)?
                            }
                            (Some(bits), Type::Char(i) | Type::Int(i)) => {
                                self.int_value(read_bits(src.add(f.offset), bits, i.signed), *i)?
                            }
                            (Some(bits), Type::Enum(e)) => {
                                self.int_value(read_bits(src.add(f.offset), bits, e.repr.signed), e.repr)?
                            }
                            _ => self.decode(&f.ty, src.add(f.offset), strings)?,
                        };
                        let key = js::string(env, &name)?;
                        check(sys::napi_set_property(env, obj, key, v), "setting a field")?;
                    }
                    Ok(obj)
                }
                Type::Go(GoType::String) => {
                    let p = std::ptr::read_unaligned(src as *const *const u8);
                    let n = std::ptr::read_unaligned(src.add(8) as *const isize);
                    if p.is_null() || n <= 0 {
                        return js::string(env, "");
                    }
                    let mut v = null_mut();
                    check(
                        sys::napi_create_string_utf8(env, p as *const std::ffi::c_char, n, &mut v),
                        "making a string",
                    )?;
                    Ok(v)
                }
                Type::Go(GoType::Slice(_)) => {
                    let obj = js::object(env)?;
                    js::set(
                        env,
                        obj,
                        c"data",
                        self.state.make_pointer(
                            env,
                            super::original(self.moved, std::ptr::read_unaligned(src as *const usize)),
                        )?,
                    )?;
                    let int = Int::new(8, true);
                    js::set(env, obj, c"len", self.int_value(read_int(src.add(8), int), int)?)?;
                    js::set(env, obj, c"cap", self.int_value(read_int(src.add(16), int), int)?)?;
                    Ok(obj)
                }
                Type::Void => js::undefined(env),
                Type::Function(_) | Type::Unsupported(_) => {
                    Err(Error::new(Code::Unsupported, format!("a {ty} value cannot be read")))
                }
            }
        }
    }

    /// A number, or a bigint for 64-bit values beyond 2^53 (always, in bigint mode).
    pub unsafe fn int_value(&self, v: i128, i: Int) -> Result<Value> {
        unsafe {
            let env = self.env;
            let safe = v.unsigned_abs() < (1u128 << 53);
            if i.bytes < 8 || (safe && !self.bigint) {
                return js::number(env, v as f64);
            }
            let mut out = null_mut();
            if i.signed {
                check(
                    sys::napi_create_bigint_int64(env, v as i64, &mut out),
                    "making a bigint",
                )?;
            } else {
                check(
                    sys::napi_create_bigint_uint64(env, v as u64, &mut out),
                    "making a bigint",
                )?;
            }
            Ok(out)
        }
    }

    unsafe fn decode_array(&self, a: &ArrayType, src: *const u8, strings: bool) -> Result<Value> {
        unsafe {
            let env = self.env;
            let n = a.len.unwrap_or(0);
            if let Type::Char(i) = &a.elem {
                if i.bytes > 1 {
                    let len = super::wide_len(src, i.bytes, n).unwrap_or(n);
                    return super::wide_string(env, src, len, i.bytes);
                }
                let bytes = std::slice::from_raw_parts(src, n);
                let end = bytes.iter().position(|&b| b == 0).unwrap_or(n);
                let mut v = null_mut();
                check(
                    sys::napi_create_string_utf8(env, src as *const std::ffi::c_char, end as isize, &mut v),
                    "making a string",
                )?;
                return Ok(v);
            }
            if let Some(kind) = typed_array_for(&a.elem) {
                let size = n * a.elem.size().unwrap_or(1);
                let mut data: *mut c_void = null_mut();
                let mut ab = null_mut();
                check(
                    sys::napi_create_arraybuffer(env, size, &mut data, &mut ab),
                    "making an ArrayBuffer",
                )?;
                if size > 0 {
                    std::ptr::copy_nonoverlapping(src, data as *mut u8, size);
                }
                let mut ta = null_mut();
                check(
                    sys::napi_create_typedarray(env, kind, n, ab, 0, &mut ta),
                    "making a TypedArray",
                )?;
                return Ok(ta);
            }
            let arr = js::array(env, n)?;
            let esize = a.elem.size().unwrap_or(0);
            for i in 0..n {
                let v = self.decode(&a.elem, src.add(i * esize), strings)?;
                js::set_element(env, arr, i as u32, v)?;
            }
            Ok(arr)
        }
    }
}

/// A bigint's value, or `None` if it does not fit in 128 bits.
unsafe fn bigint_value(env: napi_env, v: Value) -> Result<Option<i128>> {
    unsafe {
        let mut sign = 0;
        let mut count = 0usize;
        check(
            sys::napi_get_value_bigint_words(env, v, null_mut(), &mut count, null_mut()),
            "reading a bigint",
        )?;
        if count > 2 {
            return Ok(None);
        }
        let mut words = [0u64; 2];
        let mut c = 2usize;
        check(
            sys::napi_get_value_bigint_words(env, v, &mut sign, &mut c, words.as_mut_ptr()),
            "reading a bigint",
        )?;
        let mag = u128::from(words[0]) | (u128::from(words[1]) << 64);
        if mag > i128::MAX as u128 {
            return Ok(None);
        }
        Ok(Some(if sign != 0 { -(mag as i128) } else { mag as i128 }))
    }
}

fn bit_range(bits: BitField, signed: bool) -> (i128, i128) {
    if signed {
        (-(1i128 << (bits.width - 1)), (1i128 << (bits.width - 1)) - 1)
    } else {
        (0, (1i128 << bits.width) - 1)
    }
}

fn bit_span(bits: BitField) -> usize {
    (bits.shift + bits.width).div_ceil(8) as usize
}

unsafe fn read_bits(src: *const u8, bits: BitField, signed: bool) -> i128 {
    let mut b = [0u8; 16];
    unsafe { std::ptr::copy_nonoverlapping(src, b.as_mut_ptr(), bit_span(bits)) };
    let raw = u128::from_le_bytes(b) >> bits.shift;
    let mask = (1u128 << bits.width) - 1;
    let v = raw & mask;
    if signed && bits.width > 0 && v >> (bits.width - 1) & 1 == 1 {
        v as i128 - (1i128 << bits.width)
    } else {
        v as i128
    }
}

unsafe fn write_bits(dst: *mut u8, bits: BitField, v: i128) {
    let n = bit_span(bits);
    let mut b = [0u8; 16];
    unsafe { std::ptr::copy_nonoverlapping(dst, b.as_mut_ptr(), n) };
    let mut raw = u128::from_le_bytes(b);
    let mask = ((1u128 << bits.width) - 1) << bits.shift;
    raw = (raw & !mask) | (((v as u128) << bits.shift) & mask);
    unsafe { std::ptr::copy_nonoverlapping(raw.to_le_bytes().as_ptr(), dst, n) };
}

unsafe fn typed_array_kind(env: napi_env, v: Value) -> Option<sys::napi_typedarray_type> {
    unsafe {
        let mut yes = false;
        sys::napi_is_typedarray(env, v, &mut yes);
        if !yes {
            return None;
        }
        let mut kind = 0;
        let mut len = 0;
        sys::napi_get_typedarray_info(env, v, &mut kind, &mut len, null_mut(), null_mut(), null_mut());
        Some(kind)
    }
}

/// The TypedArray that holds elements of `t` exactly (integers, enums and
/// floats; `char` and `bool` arrays are read otherwise).
fn typed_array_for(t: &Type) -> Option<sys::napi_typedarray_type> {
    match t {
        Type::Int(_) | Type::Enum(_) | Type::F32 | Type::F64 => crate::types::scalar::of_type(t)
            .and_then(|s| s.array)
            .map(js::typedarray_type),
        _ => None,
    }
}

fn typed_array_matches(kind: sys::napi_typedarray_type, elem: &Type) -> bool {
    use sys::TypedarrayType as T;
    match typed_array_for(elem) {
        Some(k) => k == kind || (kind == T::uint8_clamped_array && k == T::uint8_array),
        None => false,
    }
}
