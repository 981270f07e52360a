//! Small safe-ish helpers over raw Node-API calls, for the code paths that
//! build JS values by hand (the hot path and the wrappers it needs).
//! Every function takes the current environment; a failed napi call becomes
//! an `ERR_INTERNAL` error unless a JS exception is already pending.

use crate::error::{check, Code, Error, Result};
use napi::sys::{self, napi_env, napi_value};
use std::ffi::{c_char, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;

pub type Value = napi_value;

pub unsafe fn string(env: napi_env, s: &str) -> Result<Value> {
    let mut v = null_mut();
    check(
        unsafe { sys::napi_create_string_utf8(env, s.as_ptr() as *const c_char, s.len() as isize, &mut v) },
        "napi_create_string_utf8",
    )?;
    Ok(v)
}

pub unsafe fn number(env: napi_env, n: f64) -> Result<Value> {
    let mut v = null_mut();
    check(unsafe { sys::napi_create_double(env, n, &mut v) }, "napi_create_double")?;
    Ok(v)
}

pub unsafe fn boolean(env: napi_env, b: bool) -> Result<Value> {
    let mut v = null_mut();
    check(unsafe { sys::napi_get_boolean(env, b, &mut v) }, "napi_get_boolean")?;
    Ok(v)
}

pub unsafe fn null(env: napi_env) -> Result<Value> {
    let mut v = null_mut();
    check(unsafe { sys::napi_get_null(env, &mut v) }, "napi_get_null")?;
    Ok(v)
}

pub unsafe fn undefined(env: napi_env) -> Result<Value> {
    let mut v = null_mut();
    check(unsafe { sys::napi_get_undefined(env, &mut v) }, "napi_get_undefined")?;
    Ok(v)
}

pub unsafe fn object(env: napi_env) -> Result<Value> {
    let mut v = null_mut();
    check(unsafe { sys::napi_create_object(env, &mut v) }, "napi_create_object")?;
    Ok(v)
}

pub unsafe fn array(env: napi_env, len: usize) -> Result<Value> {
    let mut v = null_mut();
    check(
        unsafe { sys::napi_create_array_with_length(env, len, &mut v) },
        "napi_create_array",
    )?;
    Ok(v)
}

pub unsafe fn type_of(env: napi_env, v: Value) -> sys::napi_valuetype {
    let mut t = sys::ValueType::napi_undefined;
    unsafe { sys::napi_typeof(env, v, &mut t) };
    t
}

pub unsafe fn set(env: napi_env, obj: Value, key: &CStr, v: Value) -> Result<()> {
    check(
        unsafe { sys::napi_set_named_property(env, obj, key.as_ptr(), v) },
        "napi_set_named_property",
    )
}

pub unsafe fn get(env: napi_env, obj: Value, key: &CStr) -> Result<Value> {
    let mut v = null_mut();
    check(
        unsafe { sys::napi_get_named_property(env, obj, key.as_ptr(), &mut v) },
        "napi_get_named_property",
    )?;
    Ok(v)
}

pub unsafe fn set_element(env: napi_env, arr: Value, i: u32, v: Value) -> Result<()> {
    check(unsafe { sys::napi_set_element(env, arr, i, v) }, "napi_set_element")
}

pub unsafe fn get_element(env: napi_env, arr: Value, i: u32) -> Result<Value> {
    let mut v = null_mut();
    check(
        unsafe { sys::napi_get_element(env, arr, i, &mut v) },
        "napi_get_element",
    )?;
    Ok(v)
}

pub unsafe fn array_len(env: napi_env, arr: Value) -> Result<u32> {
    let mut n = 0;
    check(
        unsafe { sys::napi_get_array_length(env, arr, &mut n) },
        "napi_get_array_length",
    )?;
    Ok(n)
}

pub unsafe fn is_array(env: napi_env, v: Value) -> bool {
    let mut b = false;
    unsafe { sys::napi_is_array(env, v, &mut b) };
    b
}

/// Calls `f` with `this` undefined.
pub unsafe fn call(env: napi_env, f: Value, args: &[Value]) -> Result<Value> {
    unsafe {
        let recv = undefined(env)?;
        let mut out = null_mut();
        check(
            sys::napi_call_function(env, recv, f, args.len(), args.as_ptr(), &mut out),
            "calling a JS function",
        )?;
        Ok(out)
    }
}

/// `process.on(event, listener)`. Best effort: a runtime without
/// `process.on` gets no listener, and no exception is left pending.
pub unsafe fn process_on(env: napi_env, event: &str, listener: Value) -> bool {
    unsafe {
        let added = (|| -> Result<()> {
            let mut global = null_mut();
            check(sys::napi_get_global(env, &mut global), "napi_get_global")?;
            let process = get(env, global, c"process")?;
            let on = get(env, process, c"on")?;
            let args = [string(env, event)?, listener];
            let mut out = null_mut();
            check(
                sys::napi_call_function(env, process, on, 2, args.as_ptr(), &mut out),
                "process.on()",
            )
        })();
        if added.is_err() {
            let mut pending = false;
            sys::napi_is_exception_pending(env, &mut pending);
            if pending {
                let mut e = null_mut();
                sys::napi_get_and_clear_last_exception(env, &mut e);
            }
        }
        added.is_ok()
    }
}

/// The string's contents as UTF-8. Lone surrogates become U+FFFD.
pub unsafe fn get_string(env: napi_env, v: Value) -> Result<String> {
    unsafe {
        let mut len = 0;
        check(
            sys::napi_get_value_string_utf8(env, v, null_mut(), 0, &mut len),
            "napi_get_value_string_utf8",
        )?;
        let mut buf = vec![0u8; len + 1];
        let mut copied = 0;
        check(
            sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr() as *mut c_char, len + 1, &mut copied),
            "napi_get_value_string_utf8",
        )?;
        buf.truncate(copied);
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }
}

pub unsafe fn get_bool(env: napi_env, v: Value) -> Result<bool> {
    let mut b = false;
    check(
        unsafe { sys::napi_get_value_bool(env, v, &mut b) },
        "napi_get_value_bool",
    )?;
    Ok(b)
}

pub unsafe fn get_f64(env: napi_env, v: Value) -> Result<f64> {
    let mut n = 0.0;
    check(
        unsafe { sys::napi_get_value_double(env, v, &mut n) },
        "napi_get_value_double",
    )?;
    Ok(n)
}

/// A strong reference, for values native code keeps beyond one call.
pub unsafe fn new_ref(env: napi_env, v: Value) -> Result<sys::napi_ref> {
    let mut r = null_mut();
    check(
        unsafe { sys::napi_create_reference(env, v, 1, &mut r) },
        "napi_create_reference",
    )?;
    Ok(r)
}

/// A reference that keeps any value, primitives included (`throw 'x'`):
/// Node-API before version 10 references objects only, so the value is
/// held in a one-element array. Read it back with `kept`.
pub unsafe fn keep(env: napi_env, v: Value) -> Result<sys::napi_ref> {
    unsafe {
        let holder = array(env, 1)?;
        set_element(env, holder, 0, v)?;
        new_ref(env, holder)
    }
}

/// The value `keep` holds.
pub unsafe fn kept(env: napi_env, r: sys::napi_ref) -> Result<Value> {
    unsafe { get_element(env, deref(env, r)?, 0) }
}

pub unsafe fn deref(env: napi_env, r: sys::napi_ref) -> Result<Value> {
    let mut v = null_mut();
    check(
        unsafe { sys::napi_get_reference_value(env, r, &mut v) },
        "napi_get_reference_value",
    )?;
    if v.is_null() {
        return Err(Error::new(Code::Internal, "a kept JS value was collected"));
    }
    Ok(v)
}

/// Makes a native function; `data` is handed back to `cb` on every call.
pub unsafe fn function(env: napi_env, name: &str, cb: sys::napi_callback, data: *mut c_void) -> Result<Value> {
    let mut v = null_mut();
    check(
        unsafe {
            sys::napi_create_function(
                env,
                name.as_ptr() as *const c_char,
                name.len() as isize,
                cb,
                data,
                &mut v,
            )
        },
        "napi_create_function",
    )?;
    Ok(v)
}

/// Defines a non-enumerable, read-only data property.
pub unsafe fn define_value(env: napi_env, obj: Value, key: &str, v: Value) -> Result<()> {
    unsafe {
        let name = string(env, key)?;
        let desc = sys::napi_property_descriptor {
            utf8name: std::ptr::null(),
            name,
            method: None,
            getter: None,
            setter: None,
            value: v,
            attributes: sys::PropertyAttributes::configurable,
            data: null_mut(),
        };
        check(
            sys::napi_define_properties(env, obj, 1, &desc),
            "napi_define_properties",
        )
    }
}

/// Runs `f`, turning an error or a panic into a JS exception. No panic
/// crosses into V8.
pub unsafe fn guarded(env: napi_env, f: impl FnOnce() -> Result<Value>) -> Value {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            unsafe { e.throw(env) };
            null_mut()
        }
        Err(_) => {
            unsafe { Error::new(Code::Internal, "internal error in cshared (a panic); please report it").throw(env) };
            null_mut()
        }
    }
}

/// A native function's arguments (up to `*argc` into `argv`; `*argc` then
/// holds how many were passed) and the `data` it was made with.
pub unsafe fn cb_info(env: napi_env, info: sys::napi_callback_info, argc: &mut usize, argv: *mut Value) -> *mut c_void {
    let mut data: *mut c_void = null_mut();
    unsafe { sys::napi_get_cb_info(env, info, argc, argv, null_mut(), &mut data) };
    data
}

/// Node-API's name for a TypedArray class of the scalar table.
pub fn typedarray_type(c: crate::types::scalar::ArrayClass) -> sys::napi_typedarray_type {
    use crate::types::scalar::ArrayClass as C;
    use sys::TypedarrayType as T;
    match c {
        C::Int8 => T::int8_array,
        C::Uint8 => T::uint8_array,
        C::Int16 => T::int16_array,
        C::Uint16 => T::uint16_array,
        C::Int32 => T::int32_array,
        C::Uint32 => T::uint32_array,
        C::BigInt64 => T::bigint64_array,
        C::BigUint64 => T::biguint64_array,
        C::Float32 => T::float32_array,
        C::Float64 => T::float64_array,
    }
}
