//! JS source for the wrapper of a bound function. The wrapper checks each
//! argument, writes scalars into the shared buffer in their C representation,
//! calls the native invoker and reads the result back, so a scalar call costs
//! one zero-argument N-API call.
//!
//! The source depends only on the plan's shape, not on names, so functions of
//! one shape share one compiled factory (see `env.rs`). Names and messages
//! come from `R.meta` at run time.

use super::plan::{ArgKind, Plan, RetKind};
use crate::types::Int;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Options {
    /// Return 64-bit integers as bigint always, not only when unsafe as numbers.
    pub bigint: bool,
}

/// The body of `new Function('V', 'R', body)`; calling that with the env's
/// views and the function's `{ id, meta }` returns the wrapper.
pub fn wrapper_source(plan: &Plan, opts: Options) -> String {
    if plan.variadic {
        // Fixed arguments, then (type, value) pairs: all converted natively.
        return "'use strict';\nconst { u32, invv, E } = V;\nconst { id, meta } = R;\n\
                const f = function (...args) {\n  u32[0] = id;\n  return invv(...args);\n};\n\
                f.async = function () {\n  try {\n    E.unsupported(meta, 'an async call of a variadic function');\n  } catch (e) {\n    return Promise.reject(e);\n  }\n};\n\
                return f;\n"
            .to_string();
    }
    let n = plan.args.len();
    let mut s = String::with_capacity(256 + 400 * n);
    s.push_str("'use strict';\nconst { i32, u32, f32, f64, b64, u64, inv, invo, inva, invb, P, mk, E, S } = V;\nconst { id, meta } = R;\n");
    let params: Vec<String> = (0..n).map(|k| format!("a{k}")).collect();
    let natives: Vec<String> = plan
        .args
        .iter()
        .enumerate()
        .filter(|(_, a)| a.kind.may_be_native())
        .map(|(k, _)| format!("o{k}"))
        .collect();
    // The arguments, checked and written into the buffer; shared by the
    // function and its .async() twin.
    let mut prologue = String::new();
    let _ = writeln!(
        prologue,
        "  if (arguments.length !== {n}) E.count(meta, arguments.length);"
    );
    for o in &natives {
        let _ = writeln!(prologue, "  let {o};");
    }
    for (k, arg) in plan.args.iter().enumerate() {
        write_arg(&mut prologue, k, &arg.kind, arg.offset);
    }
    prologue.push_str("  u32[0] = id;\n");
    let _ = writeln!(s, "const f = function ({}) {{", params.join(", "));
    s.push_str(&prologue);
    let call = if natives.is_empty() && !plan.native_result() {
        "inv()".to_string()
    } else if !plan.native_result() && plan.args.iter().all(|a| !matches!(a.kind, ArgKind::Value(_))) {
        // Pointers and null are written by the wrapper; only buffers,
        // strings and functions need the general invoker.
        let none: Vec<String> = natives.iter().map(|o| format!("{o} === undefined")).collect();
        format!("({}) ? inv() : invo({})", none.join(" && "), natives.join(", "))
    } else {
        format!("invo({})", natives.join(", "))
    };
    write_result(&mut s, &call, &plan.ret, plan.ret_offset, opts);
    s.push_str("};\n");
    // Argument errors reject the Promise rather than throw.
    let _ = writeln!(s, "f.async = function ({}) {{\n try {{", params.join(", "));
    s.push_str(&prologue);
    let _ = writeln!(
        s,
        "  return inva({});\n }} catch (e) {{\n  return Promise.reject(e);\n }}\n}};",
        natives.join(", ")
    );
    // One call per element of TypedArray arguments, in one crossing.
    s.push_str("f.batch = function (...args) {\n  u32[0] = id;\n  return invb(...args);\n};\n");
    s.push_str("return f;\n");
    s
}

fn write_arg(s: &mut String, k: usize, kind: &ArgKind, off: usize) {
    let a = format!("a{k}");
    let w = off / 4;
    let bad_type = format!("E.type(meta, {k}, {a})");
    match kind {
        // The common case inline; bigints and errors in `S` (the prelude).
        ArgKind::Int(i) if i.bytes <= 4 => {
            let (lo, hi) = i.range();
            let check = match (i.bytes, i.signed) {
                (4, true) => format!("({a} | 0) === {a}"),
                (4, false) => format!("({a} >>> 0) === {a}"),
                _ => format!("({a} | 0) === {a} && {a} >= {lo} && {a} <= {hi}"),
            };
            let _ = writeln!(
                s,
                "  if (typeof {a} === 'number' && {check}) i32[{w}] = {a}; else S.int(meta, {k}, {a}, {w});"
            );
        }
        ArgKind::Int(i) => {
            // Doubles compare exactly against 2^63 and 2^64.
            let (nlo, nhi, view, slow) = if i.signed {
                ("-9223372036854775808", "9223372036854775808", "i32", "i64")
            } else {
                ("0", "18446744073709551616", "u32", "u64")
            };
            let _ = writeln!(
                s,
                "  if (typeof {a} === 'number' && {a} >= {nlo} && {a} < {nhi} && Number.isInteger({a})) {{ {view}[{w}] = {a}; {view}[{w1}] = Math.floor({a} / 4294967296); }}\n  \
                 else S.{slow}(meta, {k}, {a}, {q});",
                w1 = w + 1,
                q = off / 8
            );
        }
        ArgKind::Bool => {
            let _ = writeln!(
                s,
                "  if ({a} === true) i32[{w}] = 1; else if ({a} === false) i32[{w}] = 0; else {bad_type};"
            );
        }
        ArgKind::F64 => {
            let _ = writeln!(
                s,
                "  if (typeof {a} === 'number') f64[{q}] = {a}; else {bad_type};",
                q = off / 8
            );
        }
        ArgKind::F32 => {
            let _ = writeln!(s, "  if (typeof {a} === 'number') f32[{w}] = {a}; else {bad_type};");
        }
        ArgKind::Pointer(_) => {
            let _ = writeln!(
                s,
                "  if ({a} === null) {{ u32[{w}] = 0; u32[{w1}] = 0; }}\n  \
                 else if (typeof {a} === 'object') {{ if (!P.put({a}, {w})) o{k} = {a}; }}\n  \
                 else {bad_type};",
                w1 = w + 1
            );
        }
        ArgKind::Value(_) => {
            let _ = writeln!(s, "  o{k} = {a};");
        }
        ArgKind::Callback(_) => {
            let _ = writeln!(
                s,
                "  if ({a} === null) {{ u32[{w}] = 0; u32[{w1}] = 0; }}\n  \
                 else if (typeof {a} === 'function') o{k} = {a};\n  \
                 else if (typeof {a} === 'object') {{ if (!P.put({a}, {w})) o{k} = {a}; }}\n  \
                 else {bad_type};",
                w1 = w + 1
            );
        }
        ArgKind::CString => {
            let _ = writeln!(
                s,
                "  if (typeof {a} === 'string') o{k} = {a};\n  \
                 else if ({a} === null) {{ u32[{w}] = 0; u32[{w1}] = 0; }}\n  \
                 else if (typeof {a} === 'object') {{ if (!P.put({a}, {w})) o{k} = {a}; }}\n  \
                 else {bad_type};",
                w1 = w + 1
            );
        }
    }
}

fn write_result(s: &mut String, call: &str, ret: &RetKind, off: usize, opts: Options) {
    let w = off / 4;
    let q = off / 8;
    let _ = match ret {
        RetKind::Void => writeln!(s, "  {call};"),
        RetKind::CString | RetKind::Value(_) => writeln!(s, "  return {call};"),
        RetKind::Bool => writeln!(s, "  {call};\n  return (i32[{w}] & 0xff) !== 0;"),
        RetKind::F32 => writeln!(s, "  {call};\n  return f32[{w}];"),
        RetKind::F64 => writeln!(s, "  {call};\n  return f64[{q}];"),
        RetKind::Pointer => writeln!(s, "  {call};\n  return mk(u32[{w}], u32[{}]);", w + 1),
        RetKind::Int(i) => writeln!(s, "  {call};\n  {}", int_result(*i, w, q, opts)),
    };
}

/// Reads an integer result. The callee only sets the low bits of narrow
/// results, so they are sign- or zero-extended here.
fn int_result(i: Int, w: usize, q: usize, opts: Options) -> String {
    match (i.bytes, i.signed) {
        (1, true) => format!("return (i32[{w}] << 24) >> 24;"),
        (1, false) => format!("return i32[{w}] & 0xff;"),
        (2, true) => format!("return (i32[{w}] << 16) >> 16;"),
        (2, false) => format!("return i32[{w}] & 0xffff;"),
        (4, true) => format!("return i32[{w}];"),
        (4, false) => format!("return u32[{w}];"),
        (_, signed) => {
            let (hi_view, big) = if signed { ("i32", "b64") } else { ("u32", "u64") };
            if opts.bigint {
                format!("return {big}[{q}];")
            } else {
                // Exact as a double when |v| <= 2^53 - 1; otherwise a bigint.
                format!(
                    "const v = {hi_view}[{w1}] * 4294967296 + u32[{w}];\n  \
                     return v <= 9007199254740991 && v >= -9007199254740991 ? v : {big}[{q}];",
                    w1 = w + 1
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdecl::{parse_prototype, Names, Scope};

    fn src(proto: &str) -> String {
        let mut s = Scope::new();
        let f = parse_prototype(
            proto,
            Names {
                local: &mut s,
                bases: &[],
            },
        )
        .unwrap();
        wrapper_source(&Plan::new(&f.sig).unwrap(), Options::default())
    }

    #[test]
    fn same_shape_same_source() {
        assert_eq!(
            src("long long ModXY(long long x, long long y)"),
            src("int64_t other(int64_t a, int64_t b)")
        );
        assert_ne!(src("int f(int a)"), src("unsigned f(unsigned a)"));
    }

    #[test]
    fn scalar_call_is_zero_argument() {
        let s = src("int f(int a, double b)");
        assert!(s.contains("inv();"), "{s}");
        assert!(!s.contains("invo("), "{s}");
        let s = src("const char *f(const char *s)");
        assert!(s.contains("return invo(o0);"), "{s}");
    }
}

/// The adapter for a callback: `new Function('V', 'R', body)(views, { meta })`
/// gives `function (fn, n0, ...)`, which reads the C arguments from the
/// buffer (and `n0...`, decoded natively), calls `fn`, and writes its result
/// back. It returns what native code must convert (a struct, a buffer), if
/// anything.
pub fn adapter_source(plan: &super::plan::CallbackPlan) -> String {
    use super::plan::CbRet;
    let mut s = String::with_capacity(512);
    s.push_str("'use strict';\nconst { i32, u32, f32, f64, b64, u64, P, mk, E, S } = V;\nconst { meta } = R;\n");
    let natives: Vec<String> = plan
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.scalar.is_none())
        .map(|(k, _)| format!("n{k}"))
        .collect();
    let mut params = vec!["fn".to_string()];
    params.extend(natives.iter().cloned());
    let _ = writeln!(s, "const call = function ({}) {{", params.join(", "));
    let mut call_args = Vec::new();
    for (k, p) in plan.params.iter().enumerate() {
        match &p.scalar {
            Some(kind) => {
                let _ = writeln!(s, "  const c{k} = {};", read_value(kind, p.offset));
                call_args.push(format!("c{k}"));
            }
            None => call_args.push(format!("n{k}")),
        }
    }
    // `put` checks the result and writes it (or returns what native code
    // converts); `call` also hands back a Promise for the caller to await.
    s.push_str("  const r = fn(");
    s.push_str(&call_args.join(", "));
    s.push_str(");\n  if (r instanceof Promise) return r;\n  return put(r);\n};\n");
    s.push_str("function put(a0) {\n");
    match &plan.ret {
        CbRet::Void => {}
        CbRet::Native(_) => s.push_str("  return a0;\n"),
        CbRet::Scalar(kind) => {
            if kind.may_be_native() {
                s.push_str("  let o0;\n");
            }
            write_arg(&mut s, 0, kind, plan.ret_offset);
            if kind.may_be_native() {
                s.push_str("  return o0;\n");
            }
        }
    }
    s.push_str("}\ncall.put = put;\nreturn call;\n");
    s
}

/// A JS expression reading a value of `kind` from the buffer at `off`.
fn read_value(kind: &RetKind, off: usize) -> String {
    let w = off / 4;
    let q = off / 8;
    match kind {
        RetKind::Bool => format!("(i32[{w}] & 0xff) !== 0"),
        RetKind::F32 => format!("f32[{w}]"),
        RetKind::F64 => format!("f64[{q}]"),
        RetKind::Pointer => format!("mk(u32[{w}], u32[{}])", w + 1),
        RetKind::Int(i) => match (i.bytes, i.signed) {
            (1, true) => format!("(i32[{w}] << 24) >> 24"),
            (1, false) => format!("i32[{w}] & 0xff"),
            (2, true) => format!("(i32[{w}] << 16) >> 16"),
            (2, false) => format!("i32[{w}] & 0xffff"),
            (4, true) => format!("i32[{w}]"),
            (4, false) => format!("u32[{w}]"),
            (_, true) => format!(
                "((v) => (v <= 9007199254740991 && v >= -9007199254740991 ? v : b64[{q}]))(i32[{}] * 4294967296 + u32[{w}])",
                w + 1
            ),
            (_, false) => format!(
                "((v) => (v <= 9007199254740991 ? v : u64[{q}]))(u32[{}] * 4294967296 + u32[{w}])",
                w + 1
            ),
        },
        RetKind::Void | RetKind::CString | RetKind::Value(_) => "undefined".into(),
    }
}
