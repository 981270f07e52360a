//! Memory helpers: make pointers, allocate and free C memory, and copy values
//! between JS and C memory. Everything copies: no ArrayBuffer is ever made
//! over foreign memory (Electron's V8 memory cage forbids external buffers).

use crate::env::EnvState;
use crate::error::{check, Code, Error, OrThrow, Result};
use crate::js::{self, Value};
use crate::marshal::codec::{Codec, Path};
use crate::marshal::ctype::type_arg;
use crate::marshal::{string_arg, Scratch};
use crate::types::Type;
use napi::bindgen_prelude::{JsValue, Unknown};
use napi::{sys, Env};
use napi_derive::napi;
use std::ffi::c_void;

/// The most values one `decode()` makes: a JS array this long is already
/// hundreds of MB; past it V8 aborts the process rather than throw.
const MAX_DECODE_COUNT: usize = 1 << 24;
/// The most bytes one `decode()` or `copyBytes()` copies out of C memory
/// (Node's Buffer limit on 64-bit Node 20).
const MAX_COPY_BYTES: usize = 1 << 32;

fn unknown<'env>(env: &'env Env, v: Value) -> Unknown<'env> {
    unsafe { Unknown::from_raw_unchecked(env.raw(), v) }
}

/// The address a Pointer argument holds; null is 0 only when `null_ok`.
unsafe fn address(env: sys::napi_env, state: &EnvState, v: Value, what: &str, null_ok: bool) -> Result<usize> {
    unsafe {
        if js::type_of(env, v) == sys::ValueType::napi_null {
            if null_ok {
                return Ok(0);
            }
            return Err(Error::new(Code::ArgValue, format!("{what} is null")));
        }
        state.read_pointer(env, v)?.ok_or_else(|| {
            Error::new(
                Code::ArgType,
                format!("{what} must be a Pointer, got {}", state.describe(env, v)),
            )
        })
    }
}

/// A count argument: a non-negative safe integer.
unsafe fn count(env: sys::napi_env, v: Option<Value>, what: &str, default: usize) -> Result<usize> {
    unsafe {
        let v = match v {
            Some(v) if js::type_of(env, v) != sys::ValueType::napi_undefined => v,
            _ => return Ok(default),
        };
        if js::type_of(env, v) != sys::ValueType::napi_number {
            return Err(Error::new(Code::ArgType, format!("{what} must be a number")));
        }
        let n = js::get_f64(env, v)?;
        if n.fract() != 0.0 || !(0.0..=9.007_199_254_740_991e15).contains(&n) {
            return Err(Error::new(
                Code::ArgRange,
                format!("{what} must be a non-negative integer, got {n}"),
            ));
        }
        Ok(n as usize)
    }
}

unsafe fn sized(env: sys::napi_env, state: &EnvState, v: Value, what: &str) -> Result<(Type, usize)> {
    unsafe {
        let t = type_arg(env, state, &Default::default(), v, what)?;
        match t.size() {
            Some(s) if s > 0 => Ok((t, s)),
            _ => Err(Error::new(Code::ArgValue, format!("{what}: {t} has no size"))),
        }
    }
}

/// A Pointer for an address (a number or bigint), or null for 0. For addresses C code gave
/// you as integers; passing a made-up address to C is undefined behaviour.
#[napi(
    js_name = "makePointer",
    ts_args_type = "address: number | bigint",
    ts_return_type = "Pointer | null"
)]
pub fn make_pointer<'env>(env: &'env Env, address_v: Unknown<'env>) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let codec = Codec {
                env: raw,
                state: &state,
                bigint: false,
                moved: &[],
            };
            let label = || "makePointer(): the address".to_string();
            let int = crate::types::Int::new(8, false);
            // Negative values wrap, as `(void *)-1` does in C.
            let a = match js::type_of(raw, address_v.raw()) {
                sys::ValueType::napi_bigint | sys::ValueType::napi_number => {
                    match codec.int(address_v.raw(), int, &Path::Root(&label)) {
                        Ok(v) => v,
                        Err(_) => codec.int(address_v.raw(), crate::types::Int::new(8, true), &Path::Root(&label))?,
                    }
                }
                _ => {
                    return Err(Error::new(
                        Code::ArgType,
                        format!(
                            "makePointer(): the address must be a number or bigint, got {}",
                            state.describe(raw, address_v.raw())
                        ),
                    ))
                }
            };
            state.make_pointer(raw, a as u64 as usize)
        })()
    }
    .or_throw(env)?;
    Ok(unknown(env, r))
}

/// Allocates zeroed C memory for `count` values of `type` (default 1) with
/// libc `calloc`. Free it with `free()`.
#[napi(ts_args_type = "type: TypeSpec, count?: number", ts_return_type = "Pointer")]
pub fn alloc<'env>(env: &'env Env, ty: Unknown<'env>, n: Option<Unknown<'env>>) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let (_, size) = sized(raw, &state, ty.raw(), "alloc(): the type")?;
            let n = count(raw, n.map(|v| v.raw()), "alloc(): the count", 1)?;
            let p = libc::calloc(n.max(1), size);
            if p.is_null() {
                return Err(Error::new(
                    Code::ArgRange,
                    format!("alloc(): out of memory for {n} × {size} bytes"),
                ));
            }
            state.note_alloc(p as usize);
            state.make_pointer(raw, p as usize)
        })()
    }
    .or_throw(env)?;
    Ok(unknown(env, r))
}

/// Frees memory from `alloc()`. null is ignored. Any other Pointer (one
/// C returned, one `.add()` made, one already freed) is refused: freeing it
/// would corrupt the heap. Memory C allocated is freed by the library's own
/// function, or with `{ free: true }` for `char *` results.
#[napi(ts_args_type = "ptr: Pointer | null")]
pub fn free(env: &Env, p: Unknown) -> napi::Result<()> {
    unsafe {
        (|| -> Result<()> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let a = address(raw, &state, p.raw(), "free(): the pointer", true)?;
            if a != 0 && !state.take_alloc(a) {
                return Err(Error::new(
                    Code::ArgValue,
                    format!("free(): 0x{a:x} was not made by alloc() in this thread, or was freed already; free what C allocated with the library's own function"),
                ));
            }
            libc::free(a as *mut c_void);
            Ok(())
        })()
        .or_throw(env)
    }
}

/// Memory `decode()` reads or `encode()` writes: C memory at a Pointer
/// (unbounded: the caller vouches for it), or the bytes of a Buffer,
/// TypedArray, DataView or ArrayBuffer (bounded by its length).
struct Region {
    addr: usize,
    len: Option<usize>,
}

/// The memory argument and the optional byte offset that follows it:
/// `(ptr, type, …)` or `(ptr, offset, type, …)`. Returns the region from
/// the offset on, and the arguments after the offset.
unsafe fn region<'a>(
    env: sys::napi_env,
    state: &EnvState,
    args: &'a [Option<Value>],
    what: &str,
) -> Result<(Region, &'a [Option<Value>])> {
    unsafe {
        let v = match args.first().copied().flatten() {
            Some(v) => v,
            None => js::undefined(env)?,
        };
        let (mut r, rest) = match crate::marshal::buffer_data(env, v) {
            Ok(Some((p, n))) => (
                Region {
                    addr: p as usize,
                    len: Some(n),
                },
                &args[1..],
            ),
            Err(why) => return Err(Error::new(Code::ArgValue, format!("{what}: the buffer {why}"))),
            Ok(None) => (
                Region {
                    addr: address(env, state, v, &format!("{what}: the pointer"), false)?,
                    len: None,
                },
                &args[1..],
            ),
        };
        let off = rest.first().copied().flatten();
        if let Some(o) = off.filter(|&o| js::type_of(env, o) == sys::ValueType::napi_number) {
            let o = count(env, Some(o), &format!("{what}: the offset"), 0)?;
            if let Some(n) = r.len {
                if o > n {
                    return Err(Error::new(
                        Code::ArgRange,
                        format!("{what}: offset {o} is past the end of the buffer ({n} bytes)"),
                    ));
                }
                r.len = Some(n - o);
            }
            r.addr = r
                .addr
                .checked_add(o)
                .ok_or_else(|| Error::new(Code::ArgRange, format!("{what}: the offset wraps around")))?;
            return Ok((r, &rest[1..]));
        }
        if r.addr == 0 {
            return Err(Error::new(Code::ArgValue, format!("{what}: the pointer is null")));
        }
        Ok((r, rest))
    }
}

fn check_fits(r: &Region, bytes: usize, what: &str) -> Result<()> {
    match r.len {
        Some(n) if bytes > n => Err(Error::new(
            Code::ArgRange,
            format!("{what}: {bytes} bytes do not fit in the {n} bytes of the buffer from there"),
        )),
        _ => Ok(()),
    }
}

/// How many values of `size` bytes come before the first all-zero one
/// (`count` -1), within `max` values.
unsafe fn count_to_zero(addr: usize, size: usize, max: usize) -> Option<usize> {
    (0..max).find(|&i| {
        unsafe { std::slice::from_raw_parts((addr + i * size) as *const u8, size) }
            .iter()
            .all(|&b| b == 0)
    })
}

/// Reads the C value(s) of `type` at `ptr` (a Pointer, or a Buffer,
/// TypedArray, DataView or ArrayBuffer, optionally from byte `offset`):
/// one value, an array of `count`, or with `count` -1 the values up to the
/// first zero one. For a function type, the function at `ptr` (see `func()`).
#[napi(skip_typescript)]
pub fn decode<'env>(
    env: &'env Env,
    a0: Unknown<'env>,
    a1: Unknown<'env>,
    a2: Unknown<'env>,
    a3: Unknown<'env>,
) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            // Unknown, not Option: napi-rs reads null as None, and null is
            // a value here (a null pointer). Undefined stands for absent.
            let args = [a0, a1, a2, a3].map(|v| {
                let v = v.raw();
                (js::type_of(raw, v) != sys::ValueType::napi_undefined).then_some(v)
            });
            let (reg, rest) = region(raw, &state, &args, "decode()")?;
            let ty = rest
                .first()
                .copied()
                .flatten()
                .ok_or_else(|| Error::new(Code::ArgType, "decode(): the type is missing"))?;
            let n = rest
                .get(1)
                .copied()
                .flatten()
                .filter(|&v| js::type_of(raw, v) != sys::ValueType::napi_undefined);
            if n.is_none() && reg.len.is_none() {
                // As koffi: the function at `p`, callable (see `func()`).
                if let Some(sig) = super::runtime::function_sig(raw, &state, ty) {
                    return super::runtime::bind_pointer(raw, &state, reg.addr, &sig, Default::default());
                }
            }
            let (t, size) = sized(raw, &state, ty, "decode(): the type")?;
            let codec = Codec {
                env: raw,
                state: &state,
                bigint: false,
                moved: &[],
            };
            let Some(nv) = n else {
                check_fits(&reg, size, "decode()")?;
                return codec.decode(&t, reg.addr as *const u8, true);
            };
            let to_zero = js::type_of(raw, nv) == sys::ValueType::napi_number && js::get_f64(raw, nv)? == -1.0;
            let n = if to_zero {
                let max = reg.len.map_or(MAX_DECODE_COUNT, |l| (l / size).min(MAX_DECODE_COUNT));
                match count_to_zero(reg.addr, size, max) {
                    Some(n) => n,
                    None if reg.len.is_some() => max,
                    None => {
                        return Err(Error::new(
                            Code::ArgRange,
                            format!("decode(): no zero {t} within {MAX_DECODE_COUNT} values"),
                        ))
                    }
                }
            } else {
                count(raw, Some(nv), "decode(): the count (or -1)", 0)?
            };
            if n > MAX_DECODE_COUNT || n.saturating_mul(size) > MAX_COPY_BYTES {
                return Err(Error::new(
                    Code::ArgRange,
                    format!(
                        "decode(): {n} values of {t} ({} bytes) is more than one call reads (at most {MAX_DECODE_COUNT} values and {MAX_COPY_BYTES} bytes)",
                        n.saturating_mul(size)
                    ),
                ));
            }
            check_fits(&reg, n * size, "decode()")?;
            let arr_ty = Type::array_of(t, Some(n));
            codec.decode(&arr_ty, reg.addr as *const u8, true)
        })()
    }
    .or_throw(env)?;
    Ok(unknown(env, r))
}

/// Writes `value` as a C value of `type` at `ptr` (a Pointer, or a Buffer,
/// TypedArray, DataView or ArrayBuffer, optionally from byte `offset`).
/// Strings inside it are not kept alive: write pointers to memory you
/// allocated instead.
#[napi(skip_typescript)]
pub fn encode<'env>(
    env: &'env Env,
    a0: Unknown<'env>,
    a1: Unknown<'env>,
    a2: Unknown<'env>,
    a3: Unknown<'env>,
) -> napi::Result<()> {
    unsafe {
        (|| -> Result<()> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            // Unknown, not Option: napi-rs reads null as None, and null is
            // a value here (a null pointer). Undefined stands for absent.
            let args = [a0, a1, a2, a3].map(|v| {
                let v = v.raw();
                (js::type_of(raw, v) != sys::ValueType::napi_undefined).then_some(v)
            });
            let (reg, rest) = region(raw, &state, &args, "encode()")?;
            let ty = rest
                .first()
                .copied()
                .flatten()
                .ok_or_else(|| Error::new(Code::ArgType, "encode(): the type is missing"))?;
            let value = match rest.get(1).copied().flatten() {
                Some(v) => v,
                None => js::undefined(raw)?,
            };
            let (t, size) = sized(raw, &state, ty, "encode(): the type")?;
            check_fits(&reg, size, "encode()")?;
            let codec = Codec {
                env: raw,
                state: &state,
                bigint: false,
                moved: &[],
            };
            // Encode into a copy first, so a bad value leaves memory untouched.
            let mut tmp = vec![0u128; size.div_ceil(16)];
            // Strings in the value are copied into C memory that outlives
            // encode(): see `EnvState::own_written`.
            let mut scratch = Scratch::new();
            scratch.persist = Some(Vec::new());
            let label = || "encode(): the value".to_string();
            let r = (|| -> Result<()> {
                codec.encode(&mut scratch, value, &t, tmp.as_mut_ptr() as *mut u8, &Path::Root(&label))?;
                if !scratch.functions.is_empty() {
                    return Err(Error::new(
                        Code::ArgValue,
                        "encode(): the value holds a JS function, which lives only as long as a call; register() it and write the Pointer",
                    ));
                }
                if !scratch.is_empty() {
                    return Err(Error::new(
                        Code::ArgValue,
                        "encode(): the value holds memory that would be freed when encode() returns; alloc() memory for it and write its Pointer",
                    ));
                }
                // The buffer may have been detached or shrunk by a getter the
                // conversion ran: look again before writing.
                let (again, _) = region(raw, &state, &args, "encode()")?;
                if again.addr != reg.addr || again.len.is_some_and(|n| n < size) {
                    return Err(Error::new(Code::ArgValue, "encode(): the buffer changed while the value was converted"));
                }
                Ok(())
            })();
            let kept = scratch.persist.take().unwrap_or_default();
            if let Err(e) = r {
                for a in kept {
                    libc::free(a as *mut c_void);
                }
                return Err(e);
            }
            state.own_written(kept);
            std::ptr::copy_nonoverlapping(tmp.as_ptr() as *const u8, reg.addr as *mut u8, size);
            Ok(())
        })()
        .or_throw(env)
    }
}

/// Reads the NUL-terminated UTF-8 string at `ptr` (at most `maxBytes`
/// bytes when given), or in a buffer C wrote it into (at most its length).
/// null for a NULL pointer.
#[napi(
    js_name = "readCString",
    ts_args_type = "ptr: Pointer | ArrayBuffer | ArrayBufferView | null, maxBytes?: number",
    ts_return_type = "string | null"
)]
pub fn read_c_string<'env>(
    env: &'env Env,
    p: Unknown<'env>,
    max: Option<Unknown<'env>>,
) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let max = match max
                .map(|v| v.raw())
                .filter(|&v| js::type_of(raw, v) != sys::ValueType::napi_undefined)
            {
                None => None,
                Some(v) => Some(count(raw, Some(v), "readCString(): maxBytes", 0)?),
            };
            // A buffer C wrote a string into: read within it.
            let (a, max) = match crate::marshal::buffer_data(raw, p.raw()) {
                Ok(Some((data, n))) => (data as usize, Some(max.map_or(n, |m| m.min(n)))),
                Err(why) => return Err(Error::new(Code::ArgValue, format!("readCString(): the buffer {why}"))),
                Ok(None) => (address(raw, &state, p.raw(), "readCString(): the pointer", true)?, max),
            };
            if a == 0 {
                return js::null(raw);
            }
            let len = match max {
                None => libc::strlen(a as *const libc::c_char),
                Some(m) => libc::strnlen(a as *const libc::c_char, m),
            };
            let mut out = std::ptr::null_mut();
            check(
                sys::napi_create_string_utf8(raw, a as *const libc::c_char, len as isize, &mut out),
                "making a string",
            )?;
            Ok(out)
        })()
    }
    .or_throw(env)?;
    Ok(unknown(env, r))
}

/// Copies `length` bytes at `ptr` into a new Buffer (typed as the
/// Uint8Array it is, so the typings need no Node types).
#[napi(
    js_name = "copyBytes",
    ts_args_type = "ptr: Pointer, length: number",
    ts_return_type = "Uint8Array"
)]
pub fn copy_bytes<'env>(env: &'env Env, p: Unknown<'env>, n: Unknown<'env>) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let a = address(raw, &state, p.raw(), "copyBytes(): the pointer", false)?;
            let n = count(raw, Some(n.raw()), "copyBytes(): the length", 0)?;
            if n > MAX_COPY_BYTES {
                return Err(Error::new(
                    Code::ArgRange,
                    format!("copyBytes(): the length must be at most {MAX_COPY_BYTES}, got {n}"),
                ));
            }
            let mut out = std::ptr::null_mut();
            let mut data = std::ptr::null_mut();
            check(
                sys::napi_create_buffer_copy(raw, n, a as *const c_void, &mut data, &mut out),
                "making a Buffer",
            )?;
            Ok(out)
        })()
    }
    .or_throw(env)?;
    Ok(unknown(env, r))
}

/// `sizeof(type)`.
#[napi(ts_args_type = "type: TypeSpec")]
pub fn sizeof(env: &Env, ty: Unknown) -> napi::Result<u32> {
    unsafe {
        (|| -> Result<u32> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let (_, size) = sized(raw, &state, ty.raw(), "sizeof(): the type")?;
            u32::try_from(size).map_err(|_| Error::new(Code::ArgRange, "sizeof(): the type is larger than 4 GiB"))
        })()
        .or_throw(env)
    }
}

/// `alignof(type)`.
#[napi(ts_args_type = "type: TypeSpec")]
pub fn alignof(env: &Env, ty: Unknown) -> napi::Result<u32> {
    unsafe {
        (|| -> Result<u32> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let (t, _) = sized(raw, &state, ty.raw(), "alignof(): the type")?;
            Ok(t.align().unwrap_or(1) as u32)
        })()
        .or_throw(env)
    }
}

/// `offsetof(type, field)`, for a struct or union (fields of anonymous
/// members are reached by their own names).
#[napi(ts_args_type = "type: TypeSpec, field: string")]
pub fn offsetof(env: &Env, ty: Unknown, field: Unknown) -> napi::Result<u32> {
    unsafe {
        (|| -> Result<u32> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let (t, _) = sized(raw, &state, ty.raw(), "offsetof(): the type")?;
            let name = string_arg(raw, field.raw(), "offsetof(): the field")?;
            let body = match &t {
                Type::Record(r) => r.body(),
                _ => None,
            }
            .ok_or_else(|| Error::new(Code::ArgType, format!("offsetof(): {t} is not a struct or union")))?;
            body.flat_fields()
                .into_iter()
                .find(|(n, _)| **n == *name)
                .map(|(_, f)| f.offset as u32)
                .ok_or_else(|| Error::new(Code::ArgValue, format!("offsetof(): {t} has no field '{name}'")))
        })()
        .or_throw(env)
    }
}

/// A zeroed Buffer of `capacity` bytes for C to write a string into,
/// holding `initial` (UTF-8, NUL-terminated) when given: pass it for a
/// `char *` parameter, then read the string back with `readCString(buf)`.
#[napi(
    js_name = "stringBuffer",
    ts_args_type = "capacity: number, initial?: string",
    ts_return_type = "Uint8Array"
)]
pub fn string_buffer<'env>(
    env: &'env Env,
    capacity: Unknown<'env>,
    initial: Option<Unknown<'env>>,
) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let n = count(raw, Some(capacity.raw()), "stringBuffer(): the capacity", 0)?;
            if n == 0 || n > MAX_COPY_BYTES {
                return Err(Error::new(
                    Code::ArgRange,
                    format!("stringBuffer(): the capacity must be 1 to {MAX_COPY_BYTES} bytes, got {n}"),
                ));
            }
            let text = match initial.map(|v| v.raw()) {
                Some(v) => string_arg(raw, v, "stringBuffer(): the initial string")?,
                None => String::new(),
            };
            if text.len() + 1 > n || text.contains('\0') {
                return Err(Error::new(
                    if text.contains('\0') { Code::ArgValue } else { Code::ArgRange },
                    format!(
                        "stringBuffer(): the initial string ({} bytes of UTF-8 and a NUL, none inside) must fit in {n} bytes",
                        text.len()
                    ),
                ));
            }
            let mut out = std::ptr::null_mut();
            let mut data = std::ptr::null_mut();
            check(sys::napi_create_buffer(raw, n, &mut data, &mut out), "making a Buffer")?;
            let bytes = std::slice::from_raw_parts_mut(data as *mut u8, n);
            bytes.fill(0);
            bytes[..text.len()].copy_from_slice(text.as_bytes());
            Ok(out)
        })()
    }
    .or_throw(env)?;
    Ok(unknown(env, r))
}
