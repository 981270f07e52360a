//! JS ⇄ C for the values the generated wrappers cannot handle themselves:
//! strings, Buffers and TypedArrays going in, strings coming out. Scalars
//! never come here; the wrapper writes them straight into the buffer.

use crate::bind::Bound;
use crate::call::ArgKind;
use crate::env::EnvState;
use crate::error::{check, Code, Error, Result};
use crate::js::{self, Value};
use napi::sys::{self, napi_env};
use std::ffi::c_char;
use std::ptr::null_mut;

const ARENA: usize = 2048;

/// Memory that must outlive the C call: the bytes of string arguments.
/// Short strings go in an inline arena, so a call with a few short strings
/// makes no heap allocation.
pub struct Scratch {
    arena: [u8; ARENA],
    used: usize,
    heap: Vec<Vec<u8>>,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            arena: [0; ARENA],
            used: 0,
            heap: Vec::new(),
        }
    }

    /// Copies the JS string `v` as a NUL-terminated UTF-8 C string and returns
    /// its bytes (without the NUL). The bytes stay put until `self` is dropped.
    unsafe fn c_string(&mut self, env: napi_env, v: Value) -> Result<&[u8]> {
        unsafe {
            let room = ARENA - self.used;
            if room > 8 {
                let at = self.arena.as_mut_ptr().add(self.used) as *mut c_char;
                let mut n = 0;
                check(
                    sys::napi_get_value_string_utf8(env, v, at, room, &mut n),
                    "reading a string",
                )?;
                // A code point is at most 4 bytes, so this much room left
                // means nothing was cut off.
                if n + 5 < room {
                    let start = self.used;
                    self.used += n + 1;
                    return Ok(&self.arena[start..start + n]);
                }
            }
            let mut len = 0;
            check(
                sys::napi_get_value_string_utf8(env, v, null_mut(), 0, &mut len),
                "reading a string",
            )?;
            let mut buf = vec![0u8; len + 1];
            let mut n = 0;
            check(
                sys::napi_get_value_string_utf8(
                    env,
                    v,
                    buf.as_mut_ptr() as *mut c_char,
                    len + 1,
                    &mut n,
                ),
                "reading a string",
            )?;
            self.heap.push(buf);
            let last = self.heap.len() - 1;
            Ok(&self.heap[last][..n])
        }
    }
}

/// Where a Buffer, TypedArray, DataView or ArrayBuffer keeps its bytes.
/// `Ok(None)` if `v` is none of these.
pub unsafe fn buffer_data(
    env: napi_env,
    v: Value,
) -> std::result::Result<Option<(*mut u8, usize)>, &'static str> {
    unsafe {
        let mut yes = false;
        let mut data: *mut std::ffi::c_void = null_mut();
        let mut len = 0usize;
        let mut ab = null_mut();
        let mut offset = 0usize;
        sys::napi_is_typedarray(env, v, &mut yes);
        if yes {
            let mut kind = 0;
            sys::napi_get_typedarray_info(
                env,
                v,
                &mut kind,
                &mut len,
                &mut data,
                &mut ab,
                &mut offset,
            );
            let elem = match kind {
                sys::TypedarrayType::int16_array | sys::TypedarrayType::uint16_array => 2,
                sys::TypedarrayType::int32_array
                | sys::TypedarrayType::uint32_array
                | sys::TypedarrayType::float32_array => 4,
                sys::TypedarrayType::float64_array
                | sys::TypedarrayType::bigint64_array
                | sys::TypedarrayType::biguint64_array => 8,
                _ => 1,
            };
            len *= elem;
        } else {
            sys::napi_is_dataview(env, v, &mut yes);
            if yes {
                sys::napi_get_dataview_info(env, v, &mut len, &mut data, &mut ab, &mut offset);
            } else {
                sys::napi_is_arraybuffer(env, v, &mut yes);
                if !yes {
                    return Ok(None);
                }
                ab = v;
                sys::napi_get_arraybuffer_info(env, v, &mut data, &mut len);
            }
        }
        let mut plain = false;
        sys::napi_is_arraybuffer(env, ab, &mut plain);
        if !plain {
            return Err("is backed by a SharedArrayBuffer, which cannot be passed");
        }
        let mut detached = false;
        sys::napi_is_detached_arraybuffer(env, ab, &mut detached);
        if detached {
            return Err("is backed by a detached ArrayBuffer");
        }
        Ok(Some((data as *mut u8, len)))
    }
}

/// Converts argument `k`, which the wrapper passed natively, into its slot.
pub unsafe fn arg(
    env: napi_env,
    state: &EnvState,
    bound: &Bound,
    k: usize,
    v: Value,
    slot: *mut u8,
    scratch: &mut Scratch,
) -> Result<()> {
    unsafe {
        let a = &bound.plan.args[k];
        let t = js::type_of(env, v);
        let ptr: *const u8 = match (&a.kind, t) {
            (_, sys::ValueType::napi_undefined) => return Ok(()),
            (ArgKind::CString, sys::ValueType::napi_string) => {
                let bytes = scratch.c_string(env, v)?;
                if bytes.contains(&0) {
                    return Err(Error::new(
                        Code::ArgValue,
                        format!(
                            "{} must not contain a NUL character (C strings end at the first one)",
                            bound.arg_label(k)
                        ),
                    ));
                }
                bytes.as_ptr()
            }
            (ArgKind::CString | ArgKind::Pointer(_), sys::ValueType::napi_object) => {
                match buffer_data(env, v) {
                    Ok(Some((data, _))) => data,
                    Ok(None) => return Err(bad_type(env, state, bound, k, v)),
                    Err(why) => {
                        return Err(Error::new(
                            Code::ArgValue,
                            format!("{} {}", bound.arg_label(k), why),
                        ));
                    }
                }
            }
            _ => return Err(bad_type(env, state, bound, k, v)),
        };
        std::ptr::write_unaligned(slot as *mut usize, ptr as usize);
        Ok(())
    }
}

unsafe fn bad_type(env: napi_env, state: &EnvState, bound: &Bound, k: usize, v: Value) -> Error {
    let got = unsafe { describe(env, state, v) };
    Error::new(
        Code::ArgType,
        format!(
            "{} must be {}, got {}",
            bound.arg_label(k),
            bound.expect(k),
            got
        ),
    )
}

/// How the prelude describes a value in messages ("a string (\"abc\")").
pub unsafe fn describe(env: napi_env, state: &EnvState, v: Value) -> String {
    unsafe {
        let r = state
            .helper(env, c"describe")
            .and_then(|f| js::call(env, f, &[v]))
            .and_then(|s| js::get_string(env, s));
        r.unwrap_or_else(|_| "a value".to_string())
    }
}

/// A C string result as a JS string, or null for NULL.
pub unsafe fn c_string_result(env: napi_env, p: *const c_char) -> Result<Value> {
    unsafe {
        if p.is_null() {
            return js::null(env);
        }
        let mut v = null_mut();
        check(
            sys::napi_create_string_utf8(env, p, -1, &mut v),
            "making a string",
        )?;
        Ok(v)
    }
}
