//! Long-lived callbacks and errno.

use crate::callback;
use crate::cdecl::{self, Names, Scope};
use crate::env::EnvState;
use crate::error::{Code, Error, OrThrow, Result};
use crate::js::{self, Value};
use crate::marshal::ctype::{self as types};
use crate::types::{Signature, Type};
use napi::bindgen_prelude::{JsValue, Unknown};
use napi::{sys, Env};
use napi_derive::napi;
use std::sync::Arc;

/// The signature a callback type names: a `callback()` CType (or any
/// function pointer type), a function type's name, or a prototype.
unsafe fn callback_sig(env: sys::napi_env, state: &EnvState, v: Value, what: &str) -> Result<Arc<Signature>> {
    unsafe {
        let from_type = |t: &Type| -> Option<Arc<Signature>> {
            match t {
                Type::Function(sig) => Some(sig.clone()),
                Type::Pointer(p) => match &p.to() {
                    Type::Function(sig) => Some(sig.clone()),
                    _ => None,
                },
                _ => None,
            }
        };
        if js::type_of(env, v) == sys::ValueType::napi_string {
            let text = js::get_string(env, v)?;
            let registry = state.registry();
            let mut local = Scope::new();
            if let Ok(t) = cdecl::parse_type(
                &text,
                Names {
                    local: &mut local,
                    bases: &[&registry],
                },
            ) {
                return from_type(&t)
                    .ok_or_else(|| Error::new(Code::ArgType, format!("{what}: {t} is not a function type")));
            }
            let mut local = Scope::new();
            let decl = cdecl::parse_prototype(
                &text,
                Names {
                    local: &mut local,
                    bases: &[&registry],
                },
            )
            .map_err(|e| crate::error::parse_error(what, &text, e))?;
            return Ok(Arc::new(decl.sig));
        }
        let t = types::type_arg(env, state, &Scope::new(), v, what)?;
        from_type(&t).ok_or_else(|| Error::new(Code::ArgType, format!("{what}: {t} is not a function type")))
    }
}

/// Makes a JS function callable from C for as long as it stays registered:
/// `register((a, b) => a - b, cmp)`, with `cmp` from `callback()` (or a
/// prototype string). Returns the function pointer to give to C. C may call
/// it from any thread; it runs on this thread. `onError` receives what the
/// function throws (C gets a zero result); by default it is a warning.
#[napi(
    ts_args_type = "fn: (...args: never[]) => unknown, type: TypeSpec, options?: { onError?: (error: unknown) => void }",
    ts_return_type = "Pointer"
)]
pub fn register<'env>(
    env: &'env Env,
    f: Unknown<'env>,
    ty: Unknown<'env>,
    opts: Option<Unknown<'env>>,
) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            if js::type_of(raw, f.raw()) != sys::ValueType::napi_function {
                return Err(Error::new(
                    Code::ArgType,
                    "register(): the first argument must be a function",
                ));
            }
            let sig = callback_sig(raw, &state, ty.raw(), "register(): the callback type")?;
            let on_error = match opts.map(|o| o.raw()) {
                Some(o) if js::type_of(raw, o) == sys::ValueType::napi_object => {
                    let h = js::get(raw, o, c"onError")?;
                    match js::type_of(raw, h) {
                        sys::ValueType::napi_undefined => None,
                        sys::ValueType::napi_function => Some(h),
                        _ => {
                            return Err(Error::new(
                                Code::ArgType,
                                "register(): options.onError must be a function",
                            ))
                        }
                    }
                }
                _ => None,
            };
            let addr = callback::register(raw, &state, &sig, f.raw(), on_error)?;
            state.make_pointer(raw, addr)
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}

/// Unregisters a callback made by `register()`. C must not call it
/// afterwards: if it does, the process stops with a message naming it.
#[napi(ts_args_type = "callback: Pointer")]
pub fn unregister(env: &Env, p: Unknown) -> napi::Result<()> {
    unsafe {
        (|| -> Result<()> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let addr = state.read_pointer(raw, p.raw())?.ok_or_else(|| {
                Error::new(
                    Code::ArgType,
                    "unregister(): the argument must be the Pointer register() returned",
                )
            })?;
            callback::unregister(raw, &state, addr)
        })()
        .or_throw(env)
    }
}

/// errno as the last foreign call on this thread left it (captured right
/// after the call, before Node could change it; 0 if the call did not set
/// it). `errno(value)` sets it: `errno()` then returns `value`, and the next
/// foreign call starts with errno at `value` instead of 0.
#[napi(ts_args_type = "value?: number")]
pub fn errno(env: &Env, value: Option<Unknown>) -> napi::Result<i32> {
    unsafe {
        (|| -> Result<i32> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            if let Some(v) = value.map(|v| v.raw()) {
                let codec = crate::marshal::codec::Codec {
                    env: raw,
                    state: &state,
                    bigint: false,
                    moved: &[],
                };
                let label = || "errno(): the value".to_string();
                let n = codec.int(
                    v,
                    crate::types::Int::new(4, true),
                    &crate::marshal::codec::Path::Root(&label),
                )?;
                let n = n as i32;
                *state.errno_at = n;
                state.errno_start.set(n);
                state.last_errno.set(n);
            }
            Ok(state.last_errno.get())
        })()
        .or_throw(env)
    }
}

/// This environment's `napi_env`, as a Pointer: for C code that itself
/// uses Node-API. Valid on this thread while the environment lives.
#[napi(js_name = "envPointer", ts_return_type = "Pointer")]
pub fn env_pointer<'env>(env: &'env Env) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            state.fast.expose_env();
            state.make_pointer(raw, raw as usize)
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}

/// A Pointer's address as a bigint; 0n for null.
#[napi(ts_args_type = "ptr: Pointer | null", ts_return_type = "bigint")]
pub fn address(env: &Env, p: Unknown) -> napi::Result<u64> {
    unsafe {
        (|| -> Result<u64> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            if js::type_of(raw, p.raw()) == sys::ValueType::napi_null {
                return Ok(0);
            }
            state.read_pointer(raw, p.raw())?.map(|a| a as u64).ok_or_else(|| {
                Error::new(
                    Code::ArgType,
                    format!(
                        "address(): the argument must be a Pointer or null, got {}",
                        state.describe(raw, p.raw())
                    ),
                )
            })
        })()
        .or_throw(env)
    }
}

/// A bound function calling the C function at `addr`, of signature `sig`.
pub(super) unsafe fn bind_pointer(
    env: sys::napi_env,
    state: &std::rc::Rc<EnvState>,
    addr: usize,
    sig: &Signature,
    opts: crate::env::Options,
) -> Result<Value> {
    unsafe {
        let lib = std::rc::Rc::new(crate::library::LibCore::detached());
        let name = format!("fn@0x{addr:x}");
        crate::bind::bind(
            env,
            state,
            &lib,
            &name,
            crate::bind::Target::Address(addr as *const std::ffi::c_void),
            sig,
            opts,
            None,
        )
    }
}

/// The function type a type argument names, if it names one: a function
/// type, a pointer to one (a `callback()` type), or a prototype string.
pub(super) unsafe fn function_sig(env: sys::napi_env, state: &EnvState, v: Value) -> Option<Arc<Signature>> {
    unsafe { callback_sig(env, state, v, "").ok() }
}

unsafe fn code_address(env: sys::napi_env, state: &EnvState, p: Value, what: &str) -> Result<usize> {
    unsafe {
        match state.read_pointer(env, p)? {
            Some(a) if a != 0 => Ok(a),
            _ => Err(Error::new(
                Code::ArgType,
                format!(
                    "{what} must be a non-null Pointer to a C function, got {}",
                    state.describe(env, p)
                ),
            )),
        }
    }
}

/// A JS function calling the C function at `ptr` (a function pointer C
/// returned or stored), declared by `type`: a `callback()` type, a function
/// pointer type's name, or a prototype. It is a bound function like
/// `lib.func()`'s, with `.async()` and variadic arguments. Calling a pointer
/// that is not a function of that type is undefined behaviour.
#[napi(
    js_name = "func",
    ts_args_type = "ptr: Pointer, type: TypeSpec, options?: FuncOptions",
    ts_return_type = "ForeignFunction"
)]
pub fn func_at<'env>(
    env: &'env Env,
    p: Unknown<'env>,
    ty: Unknown<'env>,
    opts: Option<Unknown<'env>>,
) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            let addr = code_address(raw, &state, p.raw(), "func(): the pointer")?;
            let sig = callback_sig(raw, &state, ty.raw(), "func(): the type")?;
            let none = crate::library::LibCore::detached();
            let opts = super::options(raw, opts.map(|o| o.raw()), Default::default(), "func()", Some(&none))?;
            bind_pointer(raw, &state, addr, &sig, opts)
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}

/// Calls the C function at `ptr`, declared by `type` (see `func()`), once:
/// `call(ptr, 'int (int, int)', 2, 3)`.
#[napi(
    ts_args_type = "ptr: Pointer, type: TypeSpec, ...args: CValue[]",
    ts_return_type = "CValue | undefined"
)]
pub fn call(env: &Env) -> napi::Result<()> {
    // Replaced per environment by the prelude's variadic `call` (see
    // `api::exports`); declared here so that it is a named export.
    Err(Error::new(Code::Internal, "call() was not set up")).or_throw(env)
}

/// Whether calls of scalar functions go through V8's fast path (the
/// accelerator for this Node, accel/), and how many did:
/// `{ active, accelerator, reason, fast, slow }`. `fast` counts calls V8
/// made from optimized code, `slow` those through the accelerator's
/// ordinary callback; calls through Node-API are not counted.
#[napi(
    js_name = "fastCalls",
    ts_return_type = "{ active: boolean; accelerator: string | null; reason: string | null; fast: number; slow: number }"
)]
pub fn fast_calls<'env>(env: &'env Env) -> napi::Result<Unknown<'env>> {
    let r = unsafe {
        (|| -> Result<Value> {
            let raw = env.raw();
            let state = EnvState::get(raw)?;
            crate::fast::status(raw, &state)
        })()
    }
    .or_throw(env)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), r) })
}
