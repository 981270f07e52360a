//! Binding: a declared function becomes a JS function. The signature is
//! planned once, the wrapper is compiled once per shape, and each call then
//! goes through `invoke` with no parsing or allocation for scalars.

use crate::call::codegen;
use crate::call::ffi::CallIf;
use crate::call::{ArgKind, Plan, Route};
use crate::env::{Bound, EnvState, Options};
use crate::error::{call_error, check, Code, Error, Result};
use crate::js::{self, Value};
use crate::library::LibCore;
use crate::types::{Signature, Type};
use napi::sys::{self, napi_env};
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::Arc;

/// Where a bound function's code is.
#[derive(Clone, Copy)]
pub enum Target<'a> {
    /// A symbol of the library, looked up once the signature is planned.
    Symbol(&'a str),
    /// A C function pointer (from a result, a struct, `lib.symbol()`).
    Address(*const c_void),
}

/// Binds `sig`, found at `symbol` in `lib`, as a JS function named `name`;
/// `header`'s type names are those a variadic call's extra arguments may use.
///
/// # Safety
/// `env` must be the current environment.
#[allow(clippy::too_many_arguments)]
pub unsafe fn bind(
    env: napi_env,
    state: &Rc<EnvState>,
    lib: &Rc<LibCore>,
    name: &str,
    symbol: Target,
    sig: &Signature,
    opts: Options,
    header: Option<&Rc<crate::header::Header>>,
) -> Result<Value> {
    unsafe {
        let what = || format!("cannot bind {name}()");
        let plan = Plan::new(sig).map_err(|e| call_error(&what(), e))?;
        if opts.free.is_some() {
            if let Some(why) = nothing_to_free(sig) {
                return Err(Error::new(Code::Unsupported, format!("cannot bind {name}(): {why}")));
            }
        }
        let fnptr = match symbol {
            Target::Symbol(s) => lib.symbol(s)?,
            Target::Address(a) => a,
        };
        // The same function bound again (`lib.func(proto)` in a loop): the
        // function made before, while it is alive. It behaves the same, and
        // making another would cost native memory that only its finalizer
        // frees, which Node-API runs when the event loop turns.
        let cache_key = (Rc::as_ptr(lib) as usize, bound_hash(name, sig, opts));
        let fits = |b: &Bound| b.fnptr == fnptr && b.opts == opts && *b.name == *name && b.sig.interchangeable(sig);
        if let Some(f) = state.find_bound(env, cache_key, fits) {
            return Ok(f);
        }
        let cif = match plan.route {
            Route::Ffi if plan.variadic => None,
            Route::Ffi => {
                let params: Vec<Type> = sig.params.iter().map(|p| p.ty.clone()).collect();
                Some(CallIf::new(&params, &sig.ret, None).map_err(|e| call_error(&what(), e))?)
            }
            Route::Direct { .. } => None,
        };
        let avalues = plan
            .args
            .iter()
            .map(|a| state.buf.add(a.offset) as *mut c_void)
            .collect();
        let natives = plan
            .args
            .iter()
            .enumerate()
            .filter(|(_, a)| a.kind.may_be_native())
            .map(|(k, _)| k)
            .collect();
        // The accelerator is looked for when the first function it can call is bound.
        let fast = (plan.fast_safe() && state.fast_ready(env))
            .then(|| plan.direct_kind())
            .flatten();
        let gen_opts = codegen::Options {
            bigint: opts.bigint,
            fast: fast.is_some(),
        };
        let key = codegen::shape_key(&plan, gen_opts);
        let bound = Bound {
            opts,
            name: Arc::from(name),
            sig: sig.clone(),
            cache_key: Some(cache_key),
            plan,
            fnptr,
            lib: lib.clone(),
            cif,
            avalues,
            natives,
            var_cifs: Default::default(),
            header: header.cloned(),
            last_string: Default::default(),
            fast,
        };
        let id = state.insert(bound)?;
        let made = (|| -> Result<Value> {
            let b = state
                .bound(id)
                .ok_or_else(|| Error::new(Code::Internal, "a bound function vanished"))?;
            let make = state.maker(env, key.as_deref(), || codegen::wrapper_source(&b.plan, gen_opts))?;
            let f = state.finish(env, make, id, name)?;
            let data = Box::into_raw(Box::new((state.clone(), id)));
            let status = sys::napi_add_finalizer(
                env,
                f,
                data as *mut c_void,
                Some(finalize_bound),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
            if status != sys::Status::napi_ok {
                drop(Box::from_raw(data));
                check(status, "napi_add_finalizer")?;
            }
            // Not kept, it is only made again next time.
            let _ = state.keep_bound(env, cache_key, f, id);
            Ok(f)
        })();
        if made.is_err() {
            state.remove(id);
        }
        made
    }
}

/// Why `{ free }` makes no sense for a function of this signature, if it
/// does not: it frees C strings the function hands over, which are its
/// `char *` result, the `char *` fields of its struct result, or what it
/// leaves in its `char **` parameters.
pub fn nothing_to_free(sig: &Signature) -> Option<String> {
    let result = sig.ret.string_unit().is_some() || !crate::marshal::c_string_fields(&sig.ret).is_empty();
    let out_param = sig
        .params
        .iter()
        .any(|p| matches!(&p.ty, Type::Pointer(q) if q.to().is_c_string()));
    (!result && !out_param).then(|| {
        format!(
            "{{ free }} needs a char * result, a struct result with char * fields, or a char ** parameter; this function returns {}",
            sig.ret
        )
    })
}

/// The prelude's `metaOf(id)`: the meta object of a bound function, made
/// when an error message first needs it.
pub unsafe extern "C" fn meta_of(env: napi_env, info: sys::napi_callback_info) -> js::Value {
    unsafe {
        let mut argv = [std::ptr::null_mut(); 1];
        let mut argc = 1;
        let state = &*(js::cb_info(env, info, &mut argc, argv.as_mut_ptr()) as *const EnvState);
        js::guarded(env, || {
            let id = js::get_f64(env, argv[0])?;
            let bound = state
                .bound(id as u32)
                .ok_or_else(|| Error::new(Code::Internal, format!("no bound function with id {id}")))?;
            meta_object(env, &bound)
        })
    }
}

/// `{ name, params: [{ name, type, expect, range, lo, hi }] }`, read by
/// the wrapper's error paths only.
unsafe fn meta_object(env: napi_env, b: &Bound) -> Result<Value> {
    unsafe {
        let meta = js::object(env)?;
        js::set(env, meta, c"name", js::string(env, &b.name)?)?;
        let params = js::array(env, b.plan.args.len())?;
        for (k, a) in b.plan.args.iter().enumerate() {
            let p = param_meta(env, a.name.as_deref(), &a.ty, &a.kind, &b.expect(k))?;
            js::set_element(env, params, k as u32, p)?;
        }
        js::set(env, meta, c"params", params)?;
        Ok(meta)
    }
}

/// What error messages say about one parameter (or a callback's result).
pub unsafe fn param_meta(env: napi_env, name: Option<&str>, ty: &Type, kind: &ArgKind, expect: &str) -> Result<Value> {
    unsafe {
        let p = js::object(env)?;
        let name = match name {
            Some(n) => js::string(env, n)?,
            None => js::null(env)?,
        };
        js::set(env, p, c"name", name)?;
        js::set(env, p, c"type", js::string(env, &ty.to_string())?)?;
        js::set(env, p, c"expect", js::string(env, expect)?)?;
        if let ArgKind::Int(i) = kind {
            let (lo, hi) = i.range();
            js::set(env, p, c"range", js::string(env, &format!("{lo}..{hi}"))?)?;
            js::set(env, p, c"lo", bigint(env, lo)?)?;
            js::set(env, p, c"hi", bigint(env, hi)?)?;
        }
        Ok(p)
    }
}

unsafe fn bigint(env: napi_env, v: i128) -> Result<Value> {
    unsafe {
        let mag = v.unsigned_abs();
        let words = [mag as u64, (mag >> 64) as u64];
        let mut out = std::ptr::null_mut();
        check(
            sys::napi_create_bigint_words(env, i32::from(v < 0), 2, words.as_ptr(), &mut out),
            "making a bigint",
        )?;
        Ok(out)
    }
}

/// What a bound function is kept under, with its library's address: its
/// name, options and the outline of its signature (cheap to hash; what
/// shares a hash is told apart by `Signature::interchangeable`).
fn bound_hash(name: &str, sig: &Signature, opts: Options) -> u64 {
    use std::hash::{Hash, Hasher};
    fn outline(t: &Type, h: &mut impl Hasher) {
        std::mem::discriminant(t).hash(h);
        match t {
            Type::Char(i) | Type::Int(i) => (i.bytes, i.signed).hash(h),
            Type::Pointer(p) => p.to_const.hash(h),
            Type::Array(a) => a.len.hash(h),
            Type::Record(r) => r.name.hash(h),
            _ => {}
        }
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (name, opts.bigint, opts.free, sig.variadic, sig.params.len()).hash(&mut h);
    outline(&sig.ret, &mut h);
    for p in &sig.params {
        p.name.hash(&mut h);
        outline(&p.ty, &mut h);
    }
    h.finish()
}

unsafe extern "C" fn finalize_bound(env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    let boxed = unsafe { Box::from_raw(data as *mut (Rc<EnvState>, u32)) };
    let (state, id) = (&boxed.0, boxed.1);
    if let Some(key) = state.bound(id).and_then(|b| b.cache_key) {
        unsafe { state.forget_bound(env, key, id) };
    }
    state.remove(id);
}
