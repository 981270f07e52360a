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
    let n = plan.args.len();
    let mut s = String::with_capacity(256 + 200 * n);
    s.push_str(
        "'use strict';\nconst { i32, u32, f32, f64, b64, u64, inv, invo, P, mk, E } = V;\nconst { id, meta } = R;\n",
    );
    let params: Vec<String> = (0..n).map(|k| format!("a{k}")).collect();
    let _ = writeln!(s, "return function ({}) {{", params.join(", "));
    let _ = writeln!(s, "  if (arguments.length !== {n}) E.count(meta, arguments.length);");
    let mut natives = Vec::new();
    for (k, arg) in plan.args.iter().enumerate() {
        if arg.kind.may_be_native() {
            let _ = writeln!(s, "  let o{k};");
            natives.push(format!("o{k}"));
        }
    }
    for (k, arg) in plan.args.iter().enumerate() {
        write_arg(&mut s, k, &arg.kind, arg.offset);
    }
    s.push_str("  u32[0] = id;\n");
    let call = if natives.is_empty() && !plan.native_result() {
        "inv()".to_string()
    } else {
        format!("invo({})", natives.join(", "))
    };
    write_result(&mut s, &call, &plan.ret, plan.ret_offset, opts);
    s.push_str("};\n");
    s
}

fn write_arg(s: &mut String, k: usize, kind: &ArgKind, off: usize) {
    let a = format!("a{k}");
    let w = off / 4;
    let bad_type = format!("E.type(meta, {k}, {a})");
    let bad_range = format!("E.range(meta, {k}, {a})");
    match kind {
        ArgKind::Int(i) if i.bytes <= 4 => {
            let (lo, hi) = i.range();
            let check = match (i.bytes, i.signed) {
                (4, true) => format!("({a} | 0) === {a}"),
                (4, false) => format!("({a} >>> 0) === {a}"),
                _ => format!("({a} | 0) === {a} && {a} >= {lo} && {a} <= {hi}"),
            };
            let _ = writeln!(
                s,
                "  if (typeof {a} === 'number') {{ if (!({check})) {bad_range}; i32[{w}] = {a}; }}\n  \
                 else if (typeof {a} === 'bigint') {{ if ({a} < {lo}n || {a} > {hi}n) {bad_range}; i32[{w}] = Number({a}); }}\n  \
                 else {bad_type};"
            );
        }
        ArgKind::Int(i) => {
            let (lo, hi) = i.range();
            // Doubles compare exactly against 2^63 and 2^64.
            let (nlo, nhi, view) = if i.signed {
                ("-9223372036854775808", "9223372036854775808", "i32")
            } else {
                ("0", "18446744073709551616", "u32")
            };
            let big = if i.signed { "b64" } else { "u64" };
            let _ = writeln!(
                s,
                "  if (typeof {a} === 'number') {{ if (!({a} >= {nlo} && {a} < {nhi} && Number.isInteger({a}))) {bad_range}; {view}[{w}] = {a}; {view}[{w1}] = Math.floor({a} / 4294967296); }}\n  \
                 else if (typeof {a} === 'bigint') {{ if ({a} < {lo}n || {a} > {hi}n) {bad_range}; {big}[{q}] = {a}; }}\n  \
                 else {bad_type};",
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
