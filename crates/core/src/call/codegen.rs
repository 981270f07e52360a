//! JS source for the wrapper of a bound function. The wrapper checks each
//! argument, writes scalars into the shared buffer in their C representation,
//! calls the native invoker and reads the result back, so a scalar call costs
//! one zero-argument N-API call.
//!
//! The source depends only on the plan's shape, not on names, so functions of
//! one shape share one compiled factory (see src/env.rs). Names and messages
//! come from `R.meta` at run time.

use super::jsrec::{Leaf, Node};
use super::plan::{ArgKind, Plan, RetKind, ID_WORD, TOP_WORD};
use crate::types::{scalar, Int};
use std::fmt::Write;
use std::sync::Arc;

/// The prelude as written: evaluated once per environment, it returns the
/// helpers the generated wrappers close over (`V`). `prelude()` fills in
/// its scalar section.
const PRELUDE: &str = include_str!("prelude.js");
const SCALAR_SECTION: &str = "/* scalar table (codegen::prelude) */";

/// The prelude's source, with the scalar table's kind sizes and readers.
pub fn prelude() -> String {
    let mut sizes = String::from("0");
    let mut cases = String::new();
    for s in &scalar::SCALARS {
        let _ = write!(sizes, ", {}", s.size);
        let _ = write!(cases, "      case {}:\n        return {};\n", s.code, s.read);
    }
    let section = format!(
        "const sizes = [{sizes}];\n  // The value of kind k (see `decode`) at byte d of DataView dv.\n  function readKind(dv, d, k) {{\n    switch (k) {{\n{cases}      default:\n        return undefined;\n    }}\n  }}"
    );
    PRELUDE.replacen(SCALAR_SECTION, &section, 1)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Options {
    /// Return 64-bit integers as bigint always, not only when unsafe as numbers.
    pub bigint: bool,
    /// Call `invf`, the accelerator's V8 fast function, before `inv`
    /// (only for plans that are `Plan::fast_safe`).
    pub fast: bool,
}

/// A short key that determines `wrapper_source` exactly (it reads only what
/// goes in here), so a cached factory is found without generating the
/// source. `None` for plans with structs handled in JS, whose source names
/// their fields: those are cached by their source.
pub fn shape_key(plan: &Plan, opts: Options) -> Option<String> {
    if plan.variadic {
        return Some("v".into());
    }
    if plan.big {
        return Some("n".into());
    }
    if plan.ret_record.is_some() || plan.args.iter().any(|a| a.record.is_some()) {
        return None;
    }
    // Built by hand: this runs for every function bound, and `write!`
    // costs more than the rest of it.
    fn int(k: &mut String, i: &crate::types::Int) {
        k.push('i');
        num(k, usize::from(i.bytes));
        k.push(if i.signed { 's' } else { 'u' });
        if i.swap {
            k.push('x');
        }
    }
    fn num(k: &mut String, mut n: usize) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        k.extend(digits[at..].iter().map(|&d| char::from(d)));
    }
    let mut k = String::with_capacity(8 + 8 * plan.args.len());
    k.push(if opts.bigint { 'B' } else { 'b' });
    if opts.fast {
        k.push('F');
    }
    for a in &plan.args {
        match &a.kind {
            ArgKind::Int(i) => int(&mut k, i),
            ArgKind::Bool => k.push('t'),
            ArgKind::F32 => k.push('f'),
            ArgKind::F64 => k.push('d'),
            // Written as a C string is (`wc`): the same source.
            ArgKind::Pointer(to) if to.is_bytes() => k.push('c'),
            ArgKind::Pointer(_) => k.push('p'),
            ArgKind::CString => k.push('c'),
            ArgKind::WString(_) => k.push('w'),
            ArgKind::Value(_) => k.push('v'),
            ArgKind::Callback(_) => k.push('k'),
        }
        num(&mut k, a.offset);
        k.push(',');
    }
    k.push('|');
    match &plan.ret {
        RetKind::Void => k.push('V'),
        RetKind::Int(i) => int(&mut k, i),
        RetKind::Bool => k.push('t'),
        RetKind::F32 => k.push('f'),
        RetKind::F64 => k.push('d'),
        RetKind::Pointer => k.push('p'),
        RetKind::CString => k.push('c'),
        RetKind::WString(_) => k.push('W'),
        RetKind::Value(_) => k.push('v'),
    }
    num(&mut k, plan.ret_offset);
    Some(k)
}

/// The body of `function (V)`, compiled once per shape: called with the
/// env's views, it returns the shape's maker, `make(id, meta)`, which
/// returns the wrapper of the bound function `id` (the prelude's `finish`
/// names it and adds `async` and `batch`). `meta` starts as `{ id }`; the
/// prelude fills in the rest when an error message needs it.
pub fn wrapper_source(plan: &Plan, opts: Options) -> String {
    if plan.variadic {
        // Fixed arguments, then (type, value) pairs: all converted natively.
        return "'use strict';\nconst { u32, invv, E } = V;\nreturn function (id, meta) {\n\
                const f = function (...args) {\n  u32[0] = id;\n  return invv(...args);\n};\n\
                f.async = function () {\n  try {\n    E.unsupported(meta, 'an async call of a variadic function');\n  } catch (e) {\n    return Promise.reject(e);\n  }\n};\n\
                return f;\n};\n"
            .to_string();
    }
    if plan.big {
        // Every argument converted natively, into a frame of its own.
        return "'use strict';\nconst { u32, invn } = V;\nreturn function (id, meta) {\n\
                return function (...args) {\n  u32[0] = id;\n  return invn(...args);\n};\n};\n"
            .to_string();
    }
    let n = plan.args.len();
    let mut s = String::with_capacity(256 + 120 * n);
    match plan.ret {
        RetKind::CString => s.push_str("let last;\n"),
        RetKind::Pointer => s.push_str("let last = null, plo = 0, phi = 0;\n"),
        _ => {}
    }
    let params: Vec<String> = (0..n).map(|k| format!("a{k}")).collect();
    let natives: Vec<String> = plan
        .args
        .iter()
        .enumerate()
        .filter(|(_, a)| a.kind.may_be_native())
        .map(|(k, _)| format!("o{k}"))
        .collect();
    // Strings written into the buffer's string area live until the call
    // returns: the wrapper gives the area back then.
    let strings = plan.args.iter().any(|a| match &a.kind {
        ArgKind::CString => true,
        ArgKind::Pointer(to) => to.is_bytes(),
        _ => false,
    });
    // Constants of the maker, shared by its wrappers: struct field names.
    let mut consts = String::new();
    let sync = prologue(plan, &natives, &mut consts);
    let _ = writeln!(s, "const f = function ({}) {{", params.join(", "));
    let _ = writeln!(s, "  if (arguments.length !== {n}) E.count(meta, arguments.length);");
    // Every argument JS may hand over natively came out written (undefined):
    // then the zero-argument invoker does the call.
    let js_args = plan.args.iter().all(|a| match a.kind {
        ArgKind::Value(_) => a.record.is_some(),
        _ => true,
    });
    let none: Vec<String> = natives.iter().map(|o| format!("{o} === undefined")).collect();
    let call_with = |inv: &str| {
        if natives.is_empty() {
            inv.to_string()
        } else if js_args {
            format!("({}) ? {inv} : invo({})", none.join(" && "), natives.join(", "))
        } else {
            format!("invo({})", natives.join(", "))
        }
    };
    // With the accelerator, `invf()` makes the call from V8's fast path and
    // returns 1, or returns 0 having done nothing (see src/fast.rs). Called
    // with no arguments: V8 13 and later take the fast path only when the
    // argument count is the declared one.
    let fast = opts.fast && plan.fast_safe();
    if strings && fast {
        // Outside any try block: V8 12.4 (Node 22) makes no fast call
        // inside one. The string area is given back on every way out.
        let decls: String = natives.iter().map(|o| format!("  let {o};\n")).collect();
        s.push_str(&decls);
        let _ = write!(
            s,
            "  const top = u32[{TOP_WORD}];\n  try {{\n{}  }} catch (e) {{\n    u32[{TOP_WORD}] = top;\n    throw e;\n  }}\n",
            sync.strip_prefix(decls.as_str()).unwrap_or(&sync)
        );
        let mut cond = none.clone();
        cond.push("invf() === 1".to_string());
        let _ = writeln!(s, "  if ({}) {{", cond.join(" && "));
        write_result(&mut s, &format!("u32[{TOP_WORD}] = top"), plan, opts);
        if plan.ret_record.is_none() && matches!(plan.ret, RetKind::Void) {
            s.push_str("  return;\n");
        }
        s.push_str("  }\n  try {\n");
        write_result(&mut s, &call_with("inv()"), plan, opts);
        let _ = write!(s, "  }} finally {{\n    u32[{TOP_WORD}] = top;\n  }}\n");
    } else {
        if strings {
            let _ = write!(s, "  const top = u32[{TOP_WORD}];\n  try {{\n");
        }
        s.push_str(&sync);
        write_result(
            &mut s,
            &call_with(if fast { "(invf() === 1 || inv())" } else { "inv()" }),
            plan,
            opts,
        );
        if strings {
            let _ = write!(s, "  }} finally {{\n    u32[{TOP_WORD}] = top;\n  }}\n");
        }
    }
    s.push_str("};\n");
    s.push_str("return f;\n");
    // Only the helpers the body uses, so there is less to parse; taken from
    // the views once per shape, not once per function.
    let used = used_helpers(&s);
    format!(
        "'use strict';\nconst {{ {} }} = V;\n{consts}return function (id, meta) {{\n{s}}};\n",
        used.join(", ")
    )
}

/// What the prelude's `views` offers the wrappers.
const HELPERS: [&str; 37] = [
    "i32", "u32", "u8", "i8", "u16", "i16", "f32", "f64", "b64", "u64", "inv", "invf", "invo", "invn", "P", "mk", "E",
    "S", "T", "B", "K", "wi8", "wu8", "wi16", "wu16", "wi32", "wu32", "wi64", "wu64", "wb", "wf", "wd", "wp", "wc",
    "wk", "ws", "X",
];

/// The helpers `src` names, in `HELPERS` order: one pass over its
/// identifiers (not after a `.`, so `f.async` is not `async`).
fn used_helpers(src: &str) -> Vec<&'static str> {
    let b = src.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
    let mut seen = [false; HELPERS.len()];
    let mut i = 0;
    while i < b.len() {
        if !ident(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && ident(b[i]) {
            i += 1;
        }
        if start > 0 && b[start - 1] == b'.' {
            continue;
        }
        let word = &src[start..i];
        if let Some(k) = HELPERS.iter().position(|h| *h == word) {
            seen[k] = true;
        }
    }
    HELPERS
        .iter()
        .zip(seen)
        .filter(|(_, on)| *on)
        .map(|(h, _)| *h)
        .collect()
}

/// Checks the arguments and writes them into the buffer, leaving in `oK`
/// those native code must convert.
fn prologue(plan: &Plan, natives: &[String], consts: &mut String) -> String {
    let mut p = String::new();
    for o in natives {
        let _ = writeln!(p, "  let {o};");
    }
    // Reading a struct's fields may run user code (a getter, a Proxy) that
    // calls other functions, which reuse the buffer: read them all first.
    for (k, arg) in plan.args.iter().enumerate() {
        if let Some(fields) = &arg.record {
            record_reads(&mut p, consts, k, fields);
        }
    }
    for (k, arg) in plan.args.iter().enumerate() {
        match &arg.record {
            Some(fields) => record_writes(&mut p, k, fields, arg.offset),
            None => wrapper_arg(&mut p, k, &arg.kind, arg.offset),
        }
    }
    let _ = writeln!(p, "  u32[{ID_WORD}] = id;");
    p
}

/// Checks argument `k` and writes it, through the prelude's writers.
fn wrapper_arg(s: &mut String, k: usize, kind: &ArgKind, off: usize) {
    let (w, q) = (off / 4, off / 8);
    let _ = match kind {
        // In the other byte order: checked and written as usual, then swapped.
        ArgKind::Int(i) if i.swap => writeln!(
            s,
            "  {}(meta, {k}, a{k}, {w});\n  X(u8, {}, {});",
            scalar::int(*i).write,
            4 * w,
            i.bytes
        ),
        ArgKind::Int(i) => writeln!(s, "  {}(meta, {k}, a{k}, {w});", scalar::int(*i).write),
        ArgKind::Bool => writeln!(s, "  {}(meta, {k}, a{k}, {w});", scalar::BOOL.write),
        ArgKind::F32 => writeln!(s, "  {}(meta, {k}, a{k}, {w});", scalar::F32.write),
        ArgKind::F64 => writeln!(s, "  {}(meta, {k}, a{k}, {q});", scalar::F64.write),
        // `void *` and byte pointers also take a string (UTF-8, NUL-terminated).
        ArgKind::Pointer(to) if to.is_bytes() => writeln!(s, "  o{k} = wc(meta, {k}, a{k}, {w});"),
        ArgKind::Pointer(_) => writeln!(s, "  o{k} = {}(meta, {k}, a{k}, {w});", scalar::POINTER.write),
        ArgKind::CString => writeln!(s, "  o{k} = wc(meta, {k}, a{k}, {w});"),
        // Wide strings are converted natively.
        ArgKind::WString(_) => writeln!(s, "  o{k} = ws(meta, {k}, a{k}, {w});"),
        ArgKind::Callback(_) => writeln!(s, "  o{k} = wk(meta, {k}, a{k}, {w});"),
        ArgKind::Value(_) => writeln!(s, "  o{k} = a{k};"),
    };
}

/// Reads every field of struct argument `k` into `rK_N`; `okK` says
/// whether the argument had the shape: objects whose own enumerable keys
/// are the fields (checked by the prelude's `K` against `NK...`, constants
/// of the maker), so none is inherited, missing or misspelled.
fn record_reads(s: &mut String, consts: &mut String, k: usize, fields: &[(Arc<str>, Node)]) {
    let mut vars = Vec::new();
    let mut body = String::new();
    let mut tmp = 0;
    let names = format!("N{k}");
    field_names(consts, &names, fields);
    reads_of(&mut body, consts, &format!("a{k}"), fields, k, &mut vars, &mut tmp, 2);
    let _ = writeln!(
        s,
        "  let ok{k} = typeof a{k} === 'object' && a{k} !== null && K(a{k}, {names}), {};",
        vars.join(", ")
    );
    let _ = writeln!(s, "  if (ok{k}) {{");
    s.push_str(&body);
    s.push_str("  }\n");
}

/// `const NAME = ["x", "y"];`: the names of `fields`.
fn field_names(consts: &mut String, name: &str, fields: &[(Arc<str>, Node)]) {
    let list: Vec<String> = fields.iter().map(|(n, _)| js_string(n)).collect();
    let _ = writeln!(consts, "const {name} = [{}];", list.join(", "));
}

#[allow(clippy::too_many_arguments)]
fn reads_of(
    s: &mut String,
    consts: &mut String,
    obj: &str,
    fields: &[(Arc<str>, Node)],
    k: usize,
    vars: &mut Vec<String>,
    tmp: &mut usize,
    depth: usize,
) {
    let pad = "  ".repeat(depth);
    for (name, node) in fields {
        let key = js_string(name);
        match node {
            Node::Leaf(..) => {
                let v = format!("r{k}_{}", vars.len());
                let _ = writeln!(s, "{pad}{v} = {obj}[{key}];");
                vars.push(v);
            }
            Node::Record(inner) => {
                let t = format!("t{k}_{tmp}");
                let names = format!("N{k}_{tmp}");
                *tmp += 1;
                field_names(consts, &names, inner);
                let _ = writeln!(s, "{pad}const {t} = {obj}[{key}];");
                let _ = writeln!(
                    s,
                    "{pad}if (typeof {t} === 'object' && {t} !== null && K({t}, {names})) {{"
                );
                reads_of(s, consts, &t, inner, k, vars, tmp, depth + 1);
                let _ = writeln!(s, "{pad}}} else ok{k} = false;");
            }
        }
    }
}

fn leaves(fields: &[(Arc<str>, Node)], out: &mut Vec<(usize, Leaf)>) {
    for (_, node) in fields {
        match node {
            Node::Leaf(off, l) => out.push((*off, l.clone())),
            Node::Record(inner) => leaves(inner, out),
        }
    }
}

/// Checks the fields read by `record_reads` and writes them at `base`; any
/// field JS cannot take as it is (a bigint, a missing field, a wrong type)
/// leaves the whole struct to native code, which converts or explains it.
fn record_writes(s: &mut String, k: usize, fields: &[(Arc<str>, Node)], base: usize) {
    let mut ls = Vec::new();
    leaves(fields, &mut ls);
    let mut checks = vec![format!("ok{k}")];
    let mut writes = String::new();
    for (i, (off, leaf)) in ls.iter().enumerate() {
        let v = format!("r{k}_{i}");
        let at = base + off;
        let (w, q) = (at / 4, at / 8);
        match leaf {
            Leaf::Int(int) => {
                let (lo, hi) = int.range();
                match int.bytes {
                    8 => {
                        let (nlo, nhi, view) = if int.signed {
                            ("-9223372036854775808", "9223372036854775808", "i32")
                        } else {
                            ("0", "18446744073709551616", "u32")
                        };
                        checks.push(format!(
                            "typeof {v} === 'number' && {v} >= {nlo} && {v} < {nhi} && Number.isInteger({v})"
                        ));
                        let _ = writeln!(
                            writes,
                            "    {view}[{w}] = {v}; {view}[{w1}] = Math.floor({v} / 4294967296);",
                            w1 = w + 1
                        );
                    }
                    4 => {
                        checks.push(if int.signed {
                            format!("typeof {v} === 'number' && ({v} | 0) === {v}")
                        } else {
                            format!("typeof {v} === 'number' && ({v} >>> 0) === {v}")
                        });
                        let _ = writeln!(writes, "    i32[{w}] = {v};");
                    }
                    bytes => {
                        checks.push(format!(
                            "typeof {v} === 'number' && ({v} | 0) === {v} && {v} >= {lo} && {v} <= {hi}"
                        ));
                        let view = if bytes == 1 {
                            format!("u8[{at}]")
                        } else {
                            format!("u16[{}]", at / 2)
                        };
                        let _ = writeln!(writes, "    {view} = {v};");
                    }
                }
            }
            Leaf::Bool => {
                checks.push(format!("typeof {v} === 'boolean'"));
                let _ = writeln!(writes, "    u8[{at}] = {v} ? 1 : 0;");
            }
            Leaf::F32 => {
                checks.push(format!("typeof {v} === 'number'"));
                let _ = writeln!(writes, "    f32[{w}] = {v};");
            }
            Leaf::F64 => {
                checks.push(format!("typeof {v} === 'number'"));
                let _ = writeln!(writes, "    f64[{q}] = {v};");
            }
            Leaf::Pointer => {
                checks.push(format!("({v} === null || P.is({v}))"));
                let _ = writeln!(
                    writes,
                    "    if ({v} === null) {{ u32[{w}] = 0; u32[{w1}] = 0; }} else P.put({v}, {w});",
                    w1 = w + 1
                );
            }
        }
    }
    let _ = writeln!(s, "  if ({}) {{", checks.join(" && "));
    s.push_str(&writes);
    // Native code takes undefined as "already written".
    let _ = writeln!(
        s,
        "  }} else if (a{k} === undefined) E.type(meta, {k}, a{k});\n  else o{k} = a{k};"
    );
}

/// A JS string literal.
fn js_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Checks and writes a callback's result (the adapter's `put`), inline.
/// Nothing is lent from the string area or by stamped address: the result
/// outlives the JS code that made it.
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
        ArgKind::CString | ArgKind::WString(_) => {
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

fn write_result(s: &mut String, call: &str, plan: &Plan, opts: Options) {
    let off = plan.ret_offset;
    let w = off / 4;
    let q = off / 8;
    if let Some(fields) = &plan.ret_record {
        let _ = writeln!(s, "  {call};\n  return {};", record_literal(fields, off, opts));
        return;
    }
    let _ = match &plan.ret {
        RetKind::Void => writeln!(s, "  {call};"),
        // undefined: the same string as the last one (see src/invoke/mod.rs, `string_result`).
        RetKind::CString => writeln!(s, "  const r = {call};\n  return r === undefined ? last : (last = r);"),
        RetKind::Value(_) | RetKind::WString(_) => writeln!(s, "  return {call};"),
        RetKind::Bool => writeln!(s, "  {call};\n  return (i32[{w}] & 0xff) !== 0;"),
        RetKind::F32 => writeln!(s, "  {call};\n  return f32[{w}];"),
        RetKind::F64 => writeln!(s, "  {call};\n  return f64[{q}];"),
        // The previous result's Pointer again when the address is the same
        // (a handle returned on every call): no allocation.
        RetKind::Pointer => writeln!(
            s,
            "  {call};\n  const lo = u32[{w}], hi = u32[{}];\n  \
             if (lo === plo && hi === phi && last !== null) return last;\n  \
             plo = lo;\n  phi = hi;\n  return (last = mk(lo, hi));",
            w + 1
        ),
        RetKind::Int(i) if i.swap => writeln!(
            s,
            "  {call};\n  X(u8, {}, {});\n  {}",
            4 * w,
            i.bytes,
            int_result(i.native(), w, q, opts)
        ),
        RetKind::Int(i) => writeln!(s, "  {call};\n  {}", int_result(*i, w, q, opts)),
    };
}

/// An object literal of a struct result's fields, read from the buffer.
fn record_literal(fields: &[(Arc<str>, Node)], base: usize, opts: Options) -> String {
    let mut parts = Vec::with_capacity(fields.len());
    for (name, node) in fields {
        let value = match node {
            Node::Record(inner) => record_literal(inner, base, opts),
            Node::Leaf(off, leaf) => {
                let at = base + off;
                let (w, q) = (at / 4, at / 8);
                match leaf {
                    Leaf::Bool => format!("u8[{at}] !== 0"),
                    Leaf::F32 => format!("f32[{w}]"),
                    Leaf::F64 => format!("f64[{q}]"),
                    Leaf::Pointer => format!("mk(u32[{w}], u32[{}])", w + 1),
                    Leaf::Int(i) => match (i.bytes, i.signed) {
                        (1, true) => format!("i8[{at}]"),
                        (1, false) => format!("u8[{at}]"),
                        (2, true) => format!("i16[{}]", at / 2),
                        (2, false) => format!("u16[{}]", at / 2),
                        (4, true) => format!("i32[{w}]"),
                        (4, false) => format!("u32[{w}]"),
                        (_, true) if opts.bigint => format!("b64[{q}]"),
                        (_, false) if opts.bigint => format!("u64[{q}]"),
                        (_, true) => format!("S.ri64({w})"),
                        (_, false) => format!("S.ru64({w})"),
                    },
                }
            }
        };
        parts.push(format!("{}: {value}", js_string(name)));
    }
    format!("{{ {} }}", parts.join(", "))
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
                // A 32-bit value first, with integer operations only (a
                // small integer, no heap number); then exact as a double
                // when |v| <= 2^53 - 1; otherwise a bigint.
                let small = if signed {
                    format!(
                        "const lo = i32[{w}], hi = i32[{w1}];\n  if (hi === lo >> 31) return lo;",
                        w1 = w + 1
                    )
                } else {
                    format!("const hi = u32[{w1}];\n  if (hi === 0) return u32[{w}];", w1 = w + 1)
                };
                format!(
                    "{small}\n  const v = {hi_view}[{w1}] * 4294967296 + u32[{w}];\n  \
                     return v <= 9007199254740991 && v >= -9007199254740991 ? v : {big}[{q}];",
                    w1 = w + 1
                )
            }
        }
    }
}

#[cfg(test)]
mod prelude_tests {
    use super::*;
    use crate::call::plan::{HEADER, SCRATCH_WORD};

    /// The names the prelude's `views` object offers: its own keys and
    /// those of `W`, which it spreads.
    fn offered(p: &str) -> Vec<String> {
        let line = p
            .lines()
            .find(|l| l.trim_start().starts_with("const views = {"))
            .expect("the prelude has a views object");
        let inner = &line[line.find('{').unwrap() + 1..line.rfind('}').unwrap()];
        let mut names: Vec<String> = inner
            .split(',')
            .map(|k| k.split(':').next().unwrap().trim().to_string())
            .filter(|k| !k.starts_with("..."))
            .collect();
        assert!(inner.contains("...W"), "views spreads W");
        let w = &p[p.find("const W = {").expect("the prelude has W")..];
        let w = &w[..w.find("\n  };").unwrap()];
        for l in w.lines() {
            let t = l.trim_start();
            if l.starts_with("    ") && !l.starts_with("     ") {
                if let Some(name) = t.strip_suffix(" {").and_then(|h| h.split('(').next()) {
                    names.push(name.to_string());
                }
            }
        }
        names
    }

    #[test]
    fn prelude_offers_every_helper() {
        let p = prelude();
        let names = offered(&p);
        for h in HELPERS {
            assert!(
                names.iter().any(|n| n == h),
                "the prelude's views lack '{h}' (codegen::HELPERS)"
            );
        }
        for s in &scalar::SCALARS {
            assert!(
                HELPERS.contains(&s.write),
                "scalar writer {} is not in HELPERS",
                s.write
            );
        }
    }

    #[test]
    fn prelude_has_the_scalar_table() {
        let p = prelude();
        assert!(!p.contains(SCALAR_SECTION));
        let sizes: Vec<String> = std::iter::once("0".to_string())
            .chain(scalar::SCALARS.iter().map(|s| s.size.to_string()))
            .collect();
        assert!(p.contains(&format!("const sizes = [{}];", sizes.join(", "))));
        for s in &scalar::SCALARS {
            assert!(p.contains(&format!("case {}:\n        return {};", s.code, s.read)));
        }
    }

    #[test]
    fn prelude_matches_the_layout() {
        let p = prelude();
        assert_eq!(HEADER, 4 * (SCRATCH_WORD + 2));
        assert!(p.contains(&format!("u32[{ID_WORD}] = id;")));
        assert!(p.contains(&format!("u32[{ID_WORD}] = k;")));
        assert!(p.contains(&format!("u32[{TOP_WORD}] = area;")));
        assert!(wrapper_uses_top());
        assert!(p.contains(&format!("Pointer.put(p, {SCRATCH_WORD})")));
        assert!(p.contains(&format!(
            "new View(a, u32[{}], u32[{}])",
            SCRATCH_WORD,
            SCRATCH_WORD + 1
        )));
        assert!(p.contains(&format!("readKind(bufView, {}, k)", 4 * SCRATCH_WORD)));
    }

    /// The wrappers save and restore the string area's top themselves.
    fn wrapper_uses_top() -> bool {
        let plan = crate::call::Plan::new(&crate::types::Signature {
            ret: crate::types::Type::Void,
            params: vec![crate::types::Param {
                name: None,
                ty: crate::types::Type::pointer_to(crate::types::Type::Char(Int::new(1, true)), true),
            }],
            variadic: false,
        })
        .unwrap();
        wrapper_source(&plan, Options::default()).contains(&format!("const top = u32[{TOP_WORD}]"))
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

    fn fast_src(proto: &str) -> String {
        let mut s = Scope::new();
        let f = parse_prototype(
            proto,
            Names {
                local: &mut s,
                bases: &[],
            },
        )
        .unwrap();
        wrapper_source(
            &Plan::new(&f.sig).unwrap(),
            Options {
                bigint: false,
                fast: true,
            },
        )
    }

    #[test]
    #[cfg_attr(windows, ignore = "no register route on Windows (abi::DIRECT is false)")]
    fn fast_wrappers_call_invf_with_no_arguments() {
        // Scalars by the register route: invf() first, inv() if it did nothing.
        let s = fast_src("int f(int a, double b)");
        assert!(s.contains("  (invf() === 1 || inv());\n  return i32["), "{s}");
        assert!(s.contains("const { i32, u32, inv, invf, E, wi32, wd } = V;"), "{s}");
        // Pointers JS writes itself, too.
        let s = fast_src("void *f(int *p)");
        assert!(s.contains("? (invf() === 1 || inv()) : invo(o0);"), "{s}");
        // Strings JS writes: invf() outside any try block (V8 12.4 makes no
        // fast call inside one), the string area given back either way.
        let s = fast_src("int f(const char *s, void *p)");
        assert!(
            s.contains("  let o0;\n  let o1;\n  const top = u32[1];\n  try {\n  o0 = wc(meta, 0, a0, 4);"),
            "{s}"
        );
        assert!(s.contains("  } catch (e) {\n    u32[1] = top;\n    throw e;\n  }\n  if (o0 === undefined && o1 === undefined && invf() === 1) {\n  u32[1] = top;\n  return i32["), "{s}");
        assert!(
            s.contains("  try {\n  (o0 === undefined && o1 === undefined) ? inv() : invo(o0, o1);\n  return i32["),
            "{s}"
        );
        assert!(
            s.ends_with("  } finally {\n    u32[1] = top;\n  }\n};\nreturn f;\n};\n"),
            "{s}"
        );
        let s = fast_src("void f(const char *s)");
        assert!(s.contains("invf() === 1) {\n  u32[1] = top;\n  return;\n  }"), "{s}");
        // Never for results made natively, libffi calls or variadic functions.
        for p in [
            "const char *f(int a)",
            // More integer arguments than registers on any ABI (AAPCS64 has 8).
            "int f(int a, int b, int c, int d, int e, int f, int g, int h, int i)",
            "int f(int a, ...)",
        ] {
            assert!(!fast_src(p).contains("invf"), "{p}: {}", fast_src(p));
        }
        // A different shape key: makers made before the accelerator loaded stay as they were.
        let mut sc = Scope::new();
        let f = parse_prototype(
            "int f(int a)",
            Names {
                local: &mut sc,
                bases: &[],
            },
        )
        .unwrap();
        let plan = Plan::new(&f.sig).unwrap();
        assert_ne!(
            shape_key(
                &plan,
                Options {
                    bigint: false,
                    fast: true
                }
            ),
            shape_key(&plan, Options::default())
        );
    }

    #[test]
    fn scalar_call_is_zero_argument() {
        let s = src("int f(int a, double b)");
        assert!(s.contains("inv();"), "{s}");
        assert!(!s.contains("invo("), "{s}");
        let s = src("const char *f(const char *s)");
        assert!(s.contains("const r = (o0 === undefined) ? inv() : invo(o0);"), "{s}");
    }

    #[test]
    fn shape_keys_determine_the_source() {
        let types = [
            "int",
            "int8_t *",
            "int *",
            "unsigned",
            "short",
            "unsigned char",
            "long long",
            "unsigned long long",
            "double",
            "float",
            "_Bool",
            "void *",
            "const char *",
            "char",
        ];
        let mut seen = std::collections::HashMap::new();
        let mut protos = Vec::new();
        for (i, r) in types.iter().chain(["void"].iter()).enumerate() {
            for a in &types {
                for b in &types[..(i % types.len()) + 1] {
                    protos.push(format!("{r} f({a} x, {b} y)"));
                    protos.push(format!("{r} f({b} x)"));
                    protos.push(format!("{r} f({a} x, double d, {b} y, int z, ...)"));
                    protos.push(format!("{r} f(int (*cb)({a}), {b} y)"));
                }
            }
        }
        for p in protos {
            let mut sc = Scope::new();
            let f = parse_prototype(
                &p,
                Names {
                    local: &mut sc,
                    bases: &[],
                },
            )
            .unwrap();
            let plan = Plan::new(&f.sig).unwrap();
            for (bigint, fast) in [(false, false), (true, false), (false, true), (true, true)] {
                let o = Options { bigint, fast };
                let key = shape_key(&plan, o).unwrap();
                let src = wrapper_source(&plan, o);
                let prev = seen.entry(key.clone()).or_insert_with(|| src.clone());
                assert_eq!(*prev, src, "{key} for {p}");
            }
        }
        assert!(seen.len() > 100);
    }

    #[test]
    fn strings_and_arrays_are_lent_only_to_synchronous_calls() {
        // wc and wp lend the string area and stamped arrays (see the
        // prelude); async calls convert natively (`later`).
        let s = src("int f(const char *s, int *p)");
        assert!(
            s.contains("o0 = wc(meta, 0, a0, 4);") && s.contains("o1 = wp(meta, 1, a1, 6);"),
            "{s}"
        );
        // `void *` takes a string too, written as `char *`'s are.
        let v = src("int f(void *p)");
        assert!(
            v.contains("o0 = wc(meta, 0, a0, 4);") && v.contains("u32[1] = top;"),
            "{v}"
        );
        assert!(s.contains("u32[1] = top;"), "{s}");
        assert!(
            s.starts_with("'use strict';\nconst { i32, u32, inv, invo, E, wp, wc } = V;\nreturn function (id, meta) {"),
            "{s}"
        );
    }

    #[test]
    fn plain_structs_are_written_and_read_in_js() {
        let mut scope = Scope::new();
        crate::cdecl::parse_type(
            "struct p { int x; double y; }",
            Names {
                local: &mut scope,
                bases: &[],
            },
        )
        .unwrap();
        let f = parse_prototype(
            "struct p f(struct p a)",
            Names {
                local: &mut scope,
                bases: &[],
            },
        )
        .unwrap();
        let s = wrapper_source(&Plan::new(&f.sig).unwrap(), Options::default());
        assert!(s.contains("r0_0 = a0[\"x\"];"), "{s}");
        // Only objects whose own keys are the fields are written in JS.
        assert!(s.contains("const N0 = [\"x\", \"y\"];\nreturn function"), "{s}");
        assert!(s.contains("&& K(a0, N0)"), "{s}");
        assert!(s.contains("? inv() : invo(o0)"), "{s}");
        assert!(s.contains("return { \"x\": i32["), "{s}");
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
        RetKind::Void | RetKind::CString | RetKind::WString(_) | RetKind::Value(_) => "undefined".into(),
    }
}
