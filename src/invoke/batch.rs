//! `fn.batch(...)`: one C function called once per element of its
//! TypedArray arguments, in a single JS → native crossing.
//!
//! Each argument is a TypedArray (one element per call) or a single value
//! used for every call; the results go into an output TypedArray (made if
//! not given). An argument whose TypedArray holds exactly the C type is
//! loaded with no checks; a Float64Array for an integer parameter is
//! checked element by element.

use crate::call::plan::HEADER;
use crate::call::{abi, ArgKind, RetKind, Route};
use crate::env::Bound;
use crate::env::EnvState;
use crate::error::{check, Code, Error, Result};
use crate::js::{self, Value};
use crate::marshal;
use crate::types::{scalar, Int};
use napi::sys::{self, napi_env, TypedarrayType as T};
use std::ffi::c_void;
use std::ptr::null_mut;

/// Where one parameter's value comes from on each call.
enum Feed {
    /// An integer TypedArray of the parameter's own width and sign.
    Int { data: *const u8, int: Int },
    /// A Float64Array for an integer parameter: checked per element.
    Checked { data: *const f64, int: Int },
    /// A float parameter from a Float32Array or Float64Array.
    Float { data: *const u8, from32: bool, to32: bool },
    /// The same value every time, already in its slot form.
    Const(u64),
}

fn elem_size(kind: sys::napi_typedarray_type) -> usize {
    match kind {
        T::int16_array | T::uint16_array => 2,
        T::int32_array | T::uint32_array | T::float32_array => 4,
        T::float64_array | T::bigint64_array | T::biguint64_array => 8,
        _ => 1,
    }
}

/// The TypedArray type that holds values of `kind` exactly, for the kinds
/// the scalar table lets batch calls take.
fn array_for(kind: &ArgKind) -> Option<sys::napi_typedarray_type> {
    let s = match kind {
        ArgKind::Int(i) if !i.swap => scalar::int(*i),
        ArgKind::Bool => scalar::BOOL,
        ArgKind::F32 => scalar::F32,
        ArgKind::F64 => scalar::F64,
        _ => return None,
    };
    s.array.filter(|_| s.batch).map(js::typedarray_type)
}

fn ret_arg_kind(r: &RetKind) -> Option<ArgKind> {
    Some(match r {
        RetKind::Int(i) => ArgKind::Int(*i),
        RetKind::Bool => ArgKind::Bool,
        RetKind::F32 => ArgKind::F32,
        RetKind::F64 => ArgKind::F64,
        _ => return None,
    })
}

unsafe fn typed_array(env: napi_env, v: Value) -> Option<(sys::napi_typedarray_type, *mut u8, usize)> {
    unsafe {
        let mut yes = false;
        sys::napi_is_typedarray(env, v, &mut yes);
        if !yes {
            return None;
        }
        let mut kind = 0;
        let mut len = 0;
        let mut data: *mut c_void = null_mut();
        let mut ab = null_mut();
        let mut off = 0;
        sys::napi_get_typedarray_info(env, v, &mut kind, &mut len, &mut data, &mut ab, &mut off);
        Some((kind, data as *mut u8, len))
    }
}

/// Loads an integer of `bytes` bytes, extended to 64 bits.
#[inline(always)]
unsafe fn load_int(p: *const u8, i: Int) -> u64 {
    unsafe {
        match (i.bytes, i.signed) {
            (1, true) => *(p as *const i8) as i64 as u64,
            (1, false) => u64::from(*p),
            (2, true) => std::ptr::read_unaligned(p as *const i16) as i64 as u64,
            (2, false) => u64::from(std::ptr::read_unaligned(p as *const u16)),
            (4, true) => std::ptr::read_unaligned(p as *const i32) as i64 as u64,
            (4, false) => u64::from(std::ptr::read_unaligned(p as *const u32)),
            _ => std::ptr::read_unaligned(p as *const u64),
        }
    }
}

pub unsafe extern "C" fn invb(env: napi_env, info: sys::napi_callback_info) -> Value {
    unsafe {
        let mut argc = 0;
        let mut data: *mut c_void = null_mut();
        sys::napi_get_cb_info(env, info, &mut argc, null_mut(), null_mut(), &mut data);
        let mut args = vec![null_mut(); argc];
        let mut c = argc;
        sys::napi_get_cb_info(env, info, &mut c, args.as_mut_ptr(), null_mut(), null_mut());
        let state = &*(data as *const EnvState);
        crate::js::guarded(env, || {
            let bound = crate::invoke::current(state)?;
            batch(env, state, &bound, &args)
        })
    }
}

unsafe fn batch(env: napi_env, state: &EnvState, bound: &Bound, args: &[Value]) -> Result<Value> {
    unsafe {
        let plan = &bound.plan;
        let name = &bound.name;
        let bad = |why: String| Error::new(Code::Unsupported, format!("{name}.batch(): {why}"));
        if plan.variadic {
            return Err(bad("a variadic function cannot be batched".into()));
        }
        for (k, a) in plan.args.iter().enumerate() {
            if array_for(&a.kind).is_none() {
                return Err(bad(format!("parameter {} ({}) is not a number type", k + 1, a.ty)));
            }
        }
        let out_kind = match &plan.ret {
            RetKind::Void => None,
            r => {
                Some(ret_arg_kind(r).ok_or_else(|| bad(format!("its result ({}) is not a number type", plan.ret_ty)))?)
            }
        };
        let np = plan.args.len();
        if args.len() != np && !(out_kind.is_some() && args.len() == np + 1) {
            return Err(Error::new(
                Code::ArgCount,
                format!(
                    "{name}.batch() takes {np} TypedArrays or values{}, got {}",
                    if out_kind.is_some() {
                        " and an optional output TypedArray"
                    } else {
                        ""
                    },
                    args.len()
                ),
            ));
        }
        // How many calls: the length of the TypedArray arguments, which must agree.
        let mut n: Option<usize> = None;
        for (k, &v) in args[..np].iter().enumerate() {
            if let Some((_, _, len)) = typed_array(env, v) {
                match n {
                    Some(m) if m != len => {
                        return Err(Error::new(
                            Code::ArgValue,
                            format!("{name}.batch(): argument {} has {len} elements, the others {m}", k + 1),
                        ))
                    }
                    _ => n = Some(len),
                }
            }
        }
        let n = n.unwrap_or(1);
        let mut feeds = Vec::with_capacity(np);
        for (k, (&v, a)) in args[..np].iter().zip(&plan.args).enumerate() {
            feeds.push(feed(env, state, bound, k, v, &a.kind)?);
        }
        // The output array: given, or made to fit.
        let out = match out_kind.as_ref() {
            None => None,
            Some(kind) => {
                let want = array_for(kind).unwrap_or(T::float64_array);
                let (arr, data) = if args.len() == np + 1 {
                    let v = args[np];
                    match typed_array(env, v) {
                        Some((k, d, len)) if (k == want || k == T::float64_array) && len >= n => (v, (k, d)),
                        _ => {
                            return Err(Error::new(
                                Code::ArgType,
                                format!(
                                    "{name}.batch(): the output must be a {} or Float64Array of at least {n} elements",
                                    array_name(want)
                                ),
                            ))
                        }
                    }
                } else {
                    let size = n * elem_size(want);
                    let mut d: *mut c_void = null_mut();
                    let mut ab = null_mut();
                    check(
                        sys::napi_create_arraybuffer(env, size, &mut d, &mut ab),
                        "making the output",
                    )?;
                    let mut ta = null_mut();
                    check(
                        sys::napi_create_typedarray(env, want, n, ab, 0, &mut ta),
                        "making the output",
                    )?;
                    (ta, (want, d as *mut u8))
                };
                Some((arr, data.0, data.1, kind.clone()))
            }
        };
        run(
            state,
            bound,
            &feeds,
            n,
            out.as_ref().map(|(_, k, d, kind)| (*k, *d, kind)),
        )?;
        match out {
            Some((arr, ..)) => Ok(arr),
            None => js::undefined(env),
        }
    }
}

fn array_name(k: sys::napi_typedarray_type) -> &'static str {
    match k {
        T::int8_array => "Int8Array",
        T::uint8_array => "Uint8Array",
        T::int16_array => "Int16Array",
        T::uint16_array => "Uint16Array",
        T::int32_array => "Int32Array",
        T::uint32_array => "Uint32Array",
        T::float32_array => "Float32Array",
        T::float64_array => "Float64Array",
        T::bigint64_array => "BigInt64Array",
        T::biguint64_array => "BigUint64Array",
        _ => "TypedArray",
    }
}

unsafe fn feed(env: napi_env, state: &EnvState, bound: &Bound, k: usize, v: Value, kind: &ArgKind) -> Result<Feed> {
    unsafe {
        let label = || format!("{}.batch(): argument {}", bound.name, k + 1);
        let want = array_for(kind).unwrap_or(T::float64_array);
        if let Some((have, data, _)) = typed_array(env, v) {
            let wrong = || {
                Error::new(
                    Code::ArgType,
                    format!(
                        "{} ({}) must be a {} or Float64Array, got a {}",
                        label(),
                        bound.plan.args[k].ty,
                        array_name(want),
                        array_name(have)
                    ),
                )
            };
            return match kind {
                ArgKind::Int(i) if have == want => Ok(Feed::Int { data, int: *i }),
                ArgKind::Int(i) if have == T::float64_array => Ok(Feed::Checked {
                    data: data as *const f64,
                    int: *i,
                }),
                ArgKind::Bool if have == T::uint8_array => Ok(Feed::Int {
                    data,
                    int: Int::new(1, false),
                }),
                ArgKind::F32 | ArgKind::F64 if have == T::float32_array || have == T::float64_array => {
                    Ok(Feed::Float {
                        data,
                        from32: have == T::float32_array,
                        to32: matches!(kind, ArgKind::F32),
                    })
                }
                _ => Err(wrong()),
            };
        }
        // A single value for every call, converted as an argument would be.
        let codec = marshal::codec::Codec {
            env,
            state,
            bigint: false,
            moved: &[],
        };
        let mut scratch = marshal::Scratch::new();
        let mut slot = [0u8; 8];
        codec.encode(
            &mut scratch,
            v,
            &bound.plan.args[k].ty,
            slot.as_mut_ptr(),
            &marshal::codec::Path::Root(&label),
        )?;
        let raw = match kind {
            ArgKind::Int(i) => load_int(slot.as_ptr(), *i),
            ArgKind::Bool => u64::from(slot[0]),
            _ => u64::from_le_bytes(slot),
        };
        Ok(Feed::Const(raw))
    }
}

/// Elements handled per chunk: the argument columns stay in cache.
const CHUNK: usize = 1024;

/// The value of argument element `i` as its 64-bit slot form.
#[inline(always)]
unsafe fn value(f: &Feed, i: usize) -> u64 {
    unsafe {
        match *f {
            Feed::Int { data, int } => load_int(data.add(i * usize::from(int.bytes)), int),
            Feed::Checked { data, .. } => *data.add(i) as i128 as i64 as u64,
            Feed::Float { data, from32, to32 } => {
                let x = if from32 {
                    f64::from(*(data as *const f32).add(i))
                } else {
                    *(data as *const f64).add(i)
                };
                if to32 {
                    u64::from((x as f32).to_bits())
                } else {
                    x.to_bits()
                }
            }
            Feed::Const(c) => c,
        }
    }
}

/// Fills `col[..m]` with elements `base..base + m` of one argument, in a
/// loop of one kind that the compiler can vectorize.
unsafe fn fill(f: &Feed, base: usize, m: usize, col: &mut [u64]) {
    unsafe {
        match *f {
            Feed::Const(c) => col[..m].fill(c),
            Feed::Int { data, int } if int.bytes == 4 && int.signed => {
                let src = std::slice::from_raw_parts((data as *const i32).add(base), m);
                for (d, &x) in col.iter_mut().zip(src) {
                    *d = x as i64 as u64;
                }
            }
            Feed::Int { data, int } if int.bytes == 8 => {
                let src = std::slice::from_raw_parts((data as *const u64).add(base), m);
                col[..m].copy_from_slice(src);
            }
            Feed::Float {
                data,
                from32: false,
                to32: false,
            } => {
                let src = std::slice::from_raw_parts((data as *const u64).add(base), m);
                col[..m].copy_from_slice(src);
            }
            _ => {
                for (j, d) in col.iter_mut().take(m).enumerate() {
                    *d = value(f, base + j);
                }
            }
        }
    }
}

/// Checks every element of the Float64Arrays given for integer parameters
/// before any call is made.
unsafe fn validate(bound: &Bound, feeds: &[Feed], n: usize) -> Result<()> {
    for (k, f) in feeds.iter().enumerate() {
        if let Feed::Checked { data, int } = *f {
            let (lo, hi) = int.range();
            for i in 0..n {
                let x = unsafe { *data.add(i) };
                if x.fract() != 0.0 || !x.is_finite() || x < lo as f64 || x > hi as f64 || x >= 1.8446744073709552e19 {
                    return Err(Error::new(
                        Code::ArgRange,
                        format!(
                            "{}.batch(): argument {} element {i} ({x}) is not an integer in range {lo}..{hi}",
                            bound.name,
                            k + 1
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

type F0 = unsafe extern "C" fn() -> u64;
type F1 = unsafe extern "C" fn(u64) -> u64;
type F2 = unsafe extern "C" fn(u64, u64) -> u64;
type F3 = unsafe extern "C" fn(u64, u64, u64) -> u64;
type F4 = unsafe extern "C" fn(u64, u64, u64, u64) -> u64;

/// Integer-only functions of up to four arguments on the register route:
/// called through their exact arity, with no frame.
unsafe fn int_calls(f: *const c_void, n_args: usize, cols: &[u64], res: &mut [u64], m: usize) -> bool {
    unsafe {
        let c = |k: usize, j: usize| *cols.get_unchecked(k * CHUNK + j);
        match n_args {
            0 => {
                let f: F0 = std::mem::transmute(f);
                for r in res.iter_mut().take(m) {
                    *r = f();
                }
            }
            1 => {
                let f: F1 = std::mem::transmute(f);
                for (j, r) in res.iter_mut().take(m).enumerate() {
                    *r = f(c(0, j));
                }
            }
            2 => {
                let f: F2 = std::mem::transmute(f);
                for (j, r) in res.iter_mut().take(m).enumerate() {
                    *r = f(c(0, j), c(1, j));
                }
            }
            3 => {
                let f: F3 = std::mem::transmute(f);
                for (j, r) in res.iter_mut().take(m).enumerate() {
                    *r = f(c(0, j), c(1, j), c(2, j));
                }
            }
            4 => {
                let f: F4 = std::mem::transmute(f);
                for (j, r) in res.iter_mut().take(m).enumerate() {
                    *r = f(c(0, j), c(1, j), c(2, j), c(3, j));
                }
            }
            _ => return false,
        }
        true
    }
}

/// The calls, a chunk at a time: argument columns, then the calls, then the
/// results into the output.
unsafe fn run(
    state: &EnvState,
    bound: &Bound,
    feeds: &[Feed],
    n: usize,
    out: Option<(sys::napi_typedarray_type, *mut u8, &ArgKind)>,
) -> Result<()> {
    unsafe {
        validate(bound, feeds, n)?;
        let plan = &bound.plan;
        let np = feeds.len();
        let mut cols = vec![0u64; CHUNK * np.max(1)];
        let mut res = vec![0u64; CHUNK];
        let mut frame = vec![
            0u64;
            plan.frame
                .div_ceil(8)
                .max(HEADER / 8 + abi::INT_REGS + abi::FLOAT_REGS + 2)
        ];
        let fp = frame.as_mut_ptr() as *mut u8;
        let mut avalues: Vec<*mut c_void> = plan.args.iter().map(|a| fp.add(a.offset) as *mut c_void).collect();
        let ret = fp.add(plan.ret_offset);
        let ints_only = plan
            .args
            .iter()
            .all(|a| matches!(a.kind, ArgKind::Int(_) | ArgKind::Bool));
        let fast = abi::DIRECT && ints_only && matches!(plan.route, Route::Direct { float_ret: false });
        bound.lib.enter();
        let level = state.enter_call();
        *state.errno_at = state.errno_start.replace(0);
        let mut base = 0;
        while base < n {
            let m = CHUNK.min(n - base);
            for (k, f) in feeds.iter().enumerate() {
                fill(f, base, m, &mut cols[k * CHUNK..(k + 1) * CHUNK]);
            }
            if !(fast && int_calls(bound.fnptr, np, &cols, &mut res, m)) {
                for (j, r) in res.iter_mut().take(m).enumerate() {
                    for (k, a) in plan.args.iter().enumerate() {
                        std::ptr::write(fp.add(a.offset) as *mut u64, cols[k * CHUNK + j]);
                    }
                    match (plan.route, &bound.cif) {
                        (Route::Direct { float_ret }, _) => {
                            *r = abi::call(bound.fnptr, fp.add(HEADER) as *const u64, float_ret);
                        }
                        (Route::Ffi, Some(cif)) => {
                            cif.call(bound.fnptr, ret as *mut c_void, avalues.as_mut_ptr());
                            *r = std::ptr::read(ret as *const u64);
                        }
                        (Route::Ffi, None) => {}
                    }
                }
            }
            if let Some((kind, dst, rk)) = out {
                store_all(kind, dst, base, &res[..m], rk);
            }
            base += m;
        }
        let e = *state.errno_at;
        state.leave_call(level);
        state.last_errno.set(e);
        bound.lib.leave();
        Ok(())
    }
}

/// Writes results `base..base + res.len()` (raw register bits) into the
/// output array: the common cases as plain loops, the rest one by one.
unsafe fn store_all(kind: sys::napi_typedarray_type, dst: *mut u8, base: usize, res: &[u64], rk: &ArgKind) {
    unsafe {
        match (kind, rk) {
            (T::int32_array | T::uint32_array, ArgKind::Int(int)) if int.bytes == 4 => {
                let out = std::slice::from_raw_parts_mut((dst as *mut u32).add(base), res.len());
                for (d, &r) in out.iter_mut().zip(res) {
                    *d = r as u32;
                }
            }
            (T::float64_array, ArgKind::F64) | (T::bigint64_array | T::biguint64_array, ArgKind::Int(_)) => {
                let out = std::slice::from_raw_parts_mut((dst as *mut u64).add(base), res.len());
                out.copy_from_slice(res);
            }
            (T::float64_array, ArgKind::Int(int)) if int.bytes == 4 && int.signed => {
                let out = std::slice::from_raw_parts_mut((dst as *mut f64).add(base), res.len());
                for (d, &r) in out.iter_mut().zip(res) {
                    *d = f64::from(r as u32 as i32);
                }
            }
            _ => {
                for (j, r) in res.iter().enumerate() {
                    store(kind, dst, base + j, r as *const u64 as *const u8, rk);
                }
            }
        }
    }
}

/// Writes result `i` (raw register bits at `ret`) into the output array.
#[inline(always)]
unsafe fn store(kind: sys::napi_typedarray_type, dst: *mut u8, i: usize, ret: *const u8, rk: &ArgKind) {
    unsafe {
        let as_f64 = || -> f64 {
            match rk {
                ArgKind::Int(int) => load_int(ret, *int) as i64 as f64,
                ArgKind::Bool => f64::from(*ret & 1),
                ArgKind::F32 => f64::from(std::ptr::read_unaligned(ret as *const f32)),
                _ => std::ptr::read_unaligned(ret as *const f64),
            }
        };
        match (kind, rk) {
            (T::float64_array, ArgKind::Int(int)) if !int.signed && int.bytes == 8 => {
                *(dst as *mut f64).add(i) = std::ptr::read_unaligned(ret as *const u64) as f64
            }
            (T::float64_array, _) => *(dst as *mut f64).add(i) = as_f64(),
            (T::float32_array, _) => *(dst as *mut f32).add(i) = std::ptr::read_unaligned(ret as *const f32),
            (_, ArgKind::Int(int)) => {
                let size = usize::from(int.bytes);
                std::ptr::copy_nonoverlapping(ret, dst.add(i * size), size)
            }
            (_, ArgKind::Bool) => *dst.add(i) = *ret & 1,
            _ => {}
        }
    }
}
