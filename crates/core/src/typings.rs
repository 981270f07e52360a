//! TypeScript typings for a header: an interface with one typed method per
//! function, interfaces for structs, and typed constants, for
//! `load<Lib>(path, { header })`. Pure Rust.

use crate::header::{ConstValue, Header};
use crate::types::{ArrayClass, GoType, RecordKind, Type};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// Where a value of a type goes, which decides what JS may pass or gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    /// An argument of a bound function (the wrapper's and `invoke/args.rs`'s rules).
    Arg,
    /// A value converted natively (`marshal/codec.rs` encode): a struct's
    /// field, an array's element, an element of an out-array, a callback's result.
    Field,
    /// What JS gets back (`codec.rs` decode, the wrappers' readers). `big`:
    /// 64-bit integers follow the interface's `B` (the `bigint` option);
    /// `strings`: `char *` is read as a string (not inside a union).
    Out { big: bool, strings: bool },
}

const OUT: Side = Side::Out {
    big: true,
    strings: true,
};

const RESERVED: &[&str] = &[
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "new",
    "null",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
    "let",
    "static",
    "implements",
    "interface",
    "package",
    "private",
    "protected",
    "public",
    "await",
    "arguments",
    "eval",
];

/// Members a `Library` already has: header functions with these names are
/// reached through `lib.functions` only.
pub const LIBRARY_MEMBERS: &[&str] = &[
    "func",
    "symbol",
    "close",
    "path",
    "closed",
    "constants",
    "types",
    "functions",
    "skipped",
    "constructor",
    "toString",
    "valueOf",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "__proto__",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
];

fn ident(name: &str) -> String {
    if RESERVED.contains(&name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

fn is_ident(name: &str) -> bool {
    let mut c = name.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == '$')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '$')
}

/// A property key: bare when it can be, quoted otherwise.
fn key(name: &str) -> String {
    if is_ident(name) {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

/// `FooBar` from `libfoo-bar`.
pub fn interface_name(stem: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for ch in stem.chars() {
        if ch.is_ascii_alphanumeric() {
            if up {
                out.extend(ch.to_uppercase());
            } else {
                out.push(ch);
            }
            up = false;
        } else {
            up = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Lib");
    }
    out
}

fn doc(out: &mut String, indent: &str, text: Option<&str>) {
    let text = match text.map(str::trim) {
        Some(t) if !t.is_empty() => t,
        _ => return,
    };
    let safe = text.replace("*/", "* /");
    let _ = writeln!(out, "{indent}/**");
    for line in safe.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            let _ = writeln!(out, "{indent} *");
        } else {
            let _ = writeln!(out, "{indent} * {line}");
        }
    }
    let _ = writeln!(out, "{indent} */");
}

struct Gen {
    /// Names of records that get their own interface.
    named: HashSet<String>,
    /// The namespace of their input interfaces (`Input`, unless the header has a type of that name).
    input: String,
    /// `uses_big` of each record, by its address (a header can nest records
    /// by value many times over; each is looked at once).
    big_records: RefCell<HashMap<usize, bool>>,
    /// Records and callbacks written in line so far: past [`MAX_INLINE`],
    /// the rest are `unknown` (types written in line can nest many times over).
    inlined: Cell<usize>,
}

/// Records and callback types written in line in one module, at most.
const MAX_INLINE: usize = 100_000;

const BUFFERS: &str = "Pointer | ArrayBufferView | ArrayBuffer";

impl Gen {
    fn record_name(&self, t: &Type) -> Option<String> {
        match t {
            Type::Record(r) => r
                .name
                .as_deref()
                .filter(|n| self.named.contains(*n))
                .map(str::to_string),
            _ => None,
        }
    }

    /// The 64-bit integer a result has: `bigint` with `{ bigint: true }`, else a
    /// number when it is exact.
    fn int64(side: Side) -> String {
        match side {
            Side::Out { big: true, .. } => "B extends true ? bigint : number | bigint".into(),
            _ => "number | bigint".into(),
        }
    }

    fn ts(&self, t: &Type, side: Side, depth: u32) -> String {
        if depth > 8 {
            return "unknown".into();
        }
        let out = matches!(side, Side::Out { .. });
        match t {
            Type::Void => if out { "void" } else { "never" }.into(),
            Type::Bool => "boolean".into(),
            Type::Char(i) | Type::Int(i) => match side {
                Side::Out { .. } if i.bytes == 8 => Self::int64(side),
                Side::Out { .. } => "number".into(),
                _ => "number | bigint".into(),
            },
            Type::Enum(e) => match side {
                Side::Out { .. } if e.repr.bytes == 8 => Self::int64(side),
                Side::Out { .. } => "number".into(),
                Side::Arg => "number | bigint".into(),
                // Natively, an enum also takes the name of one of its values.
                Side::Field => {
                    let mut s = String::from("number | bigint");
                    for (n, _) in e.values.iter().take(256) {
                        let _ = write!(s, " | {n:?}");
                    }
                    s
                }
            },
            Type::F32 | Type::F64 => "number".into(),
            Type::Pointer(p) => {
                let to = p.to();
                match side {
                    Side::Out { strings, .. } => match to {
                        Type::Char(_) if strings => "string | null".into(),
                        _ => "Pointer | null".into(),
                    },
                    Side::Field => match to {
                        Type::Char(_) => format!("string | {BUFFERS} | null"),
                        _ => format!("{BUFFERS} | null"),
                    },
                    Side::Arg => match &to {
                        Type::Char(_) => format!("string | {BUFFERS} | null"),
                        // A JS function is lent to C for the call.
                        Type::Function(sig) => format!("{} | {BUFFERS} | null", self.callback(sig, depth)),
                        // An array of the pointee is an in/out parameter, and
                        // so is an object for a struct; both need a size.
                        to if to.size().is_some_and(|n| n > 0) => {
                            let elem = self.ts(to, Side::Field, depth + 1);
                            // `int8_t *` and the like also take a string (UTF-8).
                            let text = if to.is_bytes() { "string | " } else { "" };
                            match to {
                                Type::Record(_) => format!("{BUFFERS} | {elem} | Array<{elem}> | null"),
                                _ => format!("{text}{BUFFERS} | Array<{elem}> | null"),
                            }
                        }
                        // `void *` also takes a string (UTF-8, for the call).
                        Type::Void => format!("string | {BUFFERS} | null"),
                        _ => format!("{BUFFERS} | null"),
                    },
                }
            }
            Type::Array(a) => {
                let elem = &a.elem;
                if out {
                    return match elem {
                        Type::Char(_) => "string".into(),
                        Type::Int(i) => typed_array(i.bytes, i.signed).into(),
                        Type::Enum(e) => typed_array(e.repr.bytes, e.repr.signed).into(),
                        Type::F32 => "Float32Array".into(),
                        Type::F64 => "Float64Array".into(),
                        elem => format!("Array<{}>", self.ts(elem, side, depth + 1)),
                    };
                }
                let each = self.ts(elem, Side::Field, depth + 1);
                match elem {
                    Type::Char(_) => format!("string | ReadonlyArray<{each}> | NumberArray"),
                    Type::Int(_) | Type::Enum(_) | Type::F32 | Type::F64 => {
                        format!("ReadonlyArray<{each}> | NumberArray")
                    }
                    _ => format!("ReadonlyArray<{each}>"),
                }
            }
            Type::Record(r) => {
                if let Some(n) = self.record_name(t) {
                    let uses = self.uses_big(t, depth);
                    return match side {
                        Side::Out {
                            big: true,
                            strings: true,
                        } if uses => format!("{}<B>", ident(&n)),
                        Side::Out {
                            big: false,
                            strings: true,
                        } if uses => format!("{}<false>", ident(&n)),
                        Side::Out { strings: true, .. } => ident(&n),
                        // Inside a union, char * is not read as a string.
                        Side::Out { big, strings: false } => {
                            self.inline_record(r, Side::Out { big, strings: false }, depth)
                        }
                        _ => format!("{}.{}", self.input, ident(&n)),
                    };
                }
                self.inline_record(r, side, depth)
            }
            Type::Go(GoType::String) => if out { "string" } else { "string | null" }.into(),
            Type::Go(GoType::Slice(elem)) => {
                if out {
                    let n = Self::int64(side);
                    format!("{{ data: Pointer | null; len: {n}; cap: {n} }}")
                } else {
                    match elem {
                        // Only nil: cshared does not know the element type (no goSource).
                        None => "null".into(),
                        Some(e) => format!("{} | {} | null", e.name(), js_elems(*e)),
                    }
                }
            }
            Type::Function(_) | Type::Unsupported(_) => "never".into(),
        }
    }

    /// Counts one more type written in line; false past the limit.
    fn inline_budget(&self) -> bool {
        let n = self.inlined.get().saturating_add(1);
        self.inlined.set(n);
        n <= MAX_INLINE
    }

    /// A struct or union as an object type, fields in line.
    fn inline_record(&self, r: &crate::types::Record, side: Side, depth: u32) -> String {
        let Some(body) = r.body() else { return "never".into() };
        if !self.inline_budget() {
            return "unknown".into();
        }
        let side = match side {
            Side::Out { big, strings } => Side::Out {
                big,
                strings: strings && r.kind == RecordKind::Struct,
            },
            s => s,
        };
        let opt = if matches!(side, Side::Out { .. }) { "" } else { "?" };
        let fields: Vec<String> = body
            .flat_fields()
            .iter()
            .map(|(name, f)| format!("{}{opt}: {}", key(name), self.ts(&f.ty, side, depth + 1)))
            .collect();
        format!("{{ {} }}", fields.join("; "))
    }

    /// The JS function a callback parameter takes: its arguments as C passes
    /// them (64-bit ones a number when exact), its result as C needs it.
    fn callback(&self, sig: &crate::types::Signature, depth: u32) -> String {
        if !self.inline_budget() {
            return "((...args: never[]) => unknown)".into();
        }
        let args = Side::Out {
            big: false,
            strings: true,
        };
        let mut seen = HashSet::new();
        let params: Vec<String> = sig
            .params
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let mut n = p.name.as_deref().map(ident).unwrap_or_else(|| format!("arg{k}"));
                if !is_ident(&n) || !seen.insert(n.clone()) {
                    n = format!("arg{k}");
                }
                format!("{n}: {}", self.ts(&p.ty, args, depth + 1))
            })
            .collect();
        let ret = match sig.ret {
            Type::Void => "void".to_string(),
            ref t => self.ts(t, Side::Field, depth + 1),
        };
        format!("(({}) => {ret})", params.join(", "))
    }

    fn record_interface(
        &self,
        out: &mut String,
        inputs: &mut String,
        name: &str,
        t: &Type,
        docs: Option<&str>,
        big: bool,
    ) {
        let r = match t {
            Type::Record(r) => r,
            _ => return,
        };
        let body = match r.body() {
            Some(b) => b,
            None => {
                doc(
                    out,
                    "",
                    docs.or(Some(&format!(
                        "{} {name} is opaque: only pointers to it can be passed.",
                        r.keyword()
                    ))),
                );
                let _ = writeln!(out, "export type {} = never", ident(name));
                let _ = writeln!(inputs, "  export type {} = never", ident(name));
                return;
            }
        };
        let kind = if r.kind == RecordKind::Union { "union" } else { "struct" };
        doc(out, "", docs.or(Some(&format!("{kind} {name}"))));
        let _ = writeln!(
            out,
            "export interface {}{} {{",
            ident(name),
            self.type_params(self.uses_big(t, 0), big)
        );
        let side = Side::Out {
            big: true,
            strings: r.kind == RecordKind::Struct,
        };
        for (fname, f) in body.flat_fields() {
            let _ = writeln!(out, "  {}: {}", key(&fname), self.ts(&f.ty, side, 0));
        }
        let _ = writeln!(out, "}}");
        let _ = writeln!(
            inputs,
            "  /** What a {kind} {name} argument takes: an object of some of its fields. */"
        );
        let _ = writeln!(inputs, "  export interface {} {{", ident(name));
        for (fname, f) in body.flat_fields() {
            let _ = writeln!(inputs, "    {}?: {}", key(&fname), self.ts(&f.ty, Side::Field, 0));
        }
        let _ = writeln!(inputs, "  }}");
    }
}

/// The plain JS array a slice of `e` also takes.
fn js_elems(e: ArrayClass) -> &'static str {
    match e {
        ArrayClass::BigInt64 | ArrayClass::BigUint64 => "Array<number | bigint>",
        _ => "number[]",
    }
}

fn typed_array(bytes: u8, signed: bool) -> &'static str {
    match (bytes, signed) {
        (1, true) => "Int8Array",
        (1, false) => "Uint8Array",
        (2, true) => "Int16Array",
        (2, false) => "Uint16Array",
        (4, true) => "Int32Array",
        (4, false) => "Uint32Array",
        (_, true) => "BigInt64Array",
        (_, false) => "BigUint64Array",
    }
}

fn const_ts(v: &ConstValue) -> String {
    match v {
        ConstValue::Int(i) if i.unsigned_abs() < (1u128 << 53) => i.to_string(),
        ConstValue::Int(i) => format!("{i}n"),
        ConstValue::Float(f) if f.is_finite() => format!("{f:?}"),
        ConstValue::Float(_) => "number".into(),
        ConstValue::Str(s) => format!("{s:?}"),
        ConstValue::Bytes(_) => "Uint8Array".into(),
        ConstValue::Pointer(0) => "null".into(),
        ConstValue::Pointer(_) => "Pointer".into(),
    }
}

/// What `generate` is asked for besides the header.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The library is loaded with `{ bigint: true }`: the interfaces' `B`
    /// type parameter defaults to `true` (64-bit results are bigints).
    pub bigint: bool,
}

/// The typings module for `header`, whose main interface is `name`.
pub fn generate(header: &Header, name: &str, source: &str) -> String {
    generate_with(header, name, source, &Options::default())
}

/// Records reachable from `t` (through pointers, arrays, fields and
/// signatures), by name, each once.
fn reachable(t: &Type, depth: u32, seen: &mut HashSet<String>, out: &mut Vec<Type>) {
    if depth > 16 {
        return;
    }
    match t {
        Type::Pointer(p) => reachable(&p.to(), depth + 1, seen, out),
        Type::Array(a) => reachable(&a.elem, depth + 1, seen, out),
        Type::Function(sig) => {
            reachable(&sig.ret, depth + 1, seen, out);
            for p in &sig.params {
                reachable(&p.ty, depth + 1, seen, out);
            }
        }
        Type::Record(r) => {
            let Some(n) = r.name.as_deref() else {
                if let Some(body) = r.body() {
                    for f in &body.fields {
                        reachable(&f.ty, depth + 1, seen, out);
                    }
                }
                return;
            };
            if !seen.insert(n.to_string()) {
                return;
            }
            out.push(t.clone());
            if let Some(body) = r.body() {
                for f in &body.fields {
                    reachable(&f.ty, depth + 1, seen, out);
                }
            }
        }
        _ => {}
    }
}

impl Gen {
    /// Whether a result of type `t` depends on the `bigint` option (`B`).
    fn uses_big(&self, t: &Type, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        match t {
            Type::Char(i) | Type::Int(i) => i.bytes == 8,
            Type::Enum(e) => e.repr.bytes == 8,
            Type::Go(GoType::Slice(_)) => true,
            Type::Array(a) => {
                !matches!(
                    a.elem,
                    Type::Int(_) | Type::Enum(_) | Type::Char(_) | Type::F32 | Type::F64
                ) && self.uses_big(&a.elem, depth + 1)
            }
            Type::Record(r) => {
                let key = std::sync::Arc::as_ptr(r) as usize;
                if let Some(&known) = self.big_records.borrow().get(&key) {
                    return known;
                }
                let uses = r
                    .body()
                    .is_some_and(|b| b.flat_fields().iter().any(|(_, f)| self.uses_big(&f.ty, depth + 1)));
                self.big_records.borrow_mut().insert(key, uses);
                uses
            }
            _ => false,
        }
    }

    /// `<B extends boolean = false>` for a declaration whose result type depends on B.
    fn type_params(&self, uses: bool, big: bool) -> String {
        if uses {
            format!("<B extends boolean = {big}>")
        } else {
            String::new()
        }
    }
}

/// The typings module for `header`, whose main interface is `name`, as `opts` say.
pub fn generate_with(header: &Header, name: &str, source: &str, opts: &Options) -> String {
    // Records get interfaces: the header's, and those its declarations reach
    // (a system header's `struct timespec`), unless a name is taken.
    let taken: HashSet<String> = header.types.iter().map(|t| t.name.to_string()).collect();
    let mut named = HashSet::new();
    let mut seen = HashSet::new();
    let mut records: Vec<(String, Type, Option<String>)> = Vec::new();
    for t in &header.types {
        if let Type::Record(r) = &t.ty {
            if r.name.as_deref() == Some(&*t.name) && seen.insert(t.name.to_string()) {
                named.insert(t.name.to_string());
                records.push((t.name.to_string(), t.ty.clone(), t.doc.as_deref().map(str::to_string)));
            }
        }
    }
    let mut more = Vec::new();
    for t in &header.types {
        reachable(&t.ty, 0, &mut seen, &mut more);
    }
    for f in &header.functions {
        reachable(
            &Type::Function(std::sync::Arc::new(f.sig.clone())),
            0,
            &mut seen,
            &mut more,
        );
    }
    for t in more {
        if let Type::Record(r) = &t {
            if let Some(n) = r.name.as_deref() {
                if !taken.contains(n) && named.insert(n.to_string()) {
                    records.push((n.to_string(), t.clone(), None));
                }
            }
        }
    }
    let input = if taken.contains("Input") { "Input_" } else { "Input" }.to_string();
    let g = Gen {
        named,
        input,
        big_records: RefCell::new(HashMap::new()),
        inlined: Cell::new(0),
    };
    let big = opts.bigint;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Typings for {source}, generated by cshared. Do not edit; regenerate with `npx cshared typings`."
    );
    let _ = writeln!(
        out,
        "import type {{ CFunction, CType, CValue, NumberArray, Pointer }} from 'cshared'\n"
    );
    let mut inputs = String::new();
    let mut done = HashSet::new();
    for (rname, ty, d) in &records {
        if done.insert(rname.clone()) {
            g.record_interface(&mut out, &mut inputs, rname, ty, d.as_deref(), big);
        }
    }
    for t in &header.types {
        if !done.insert(t.name.to_string()) {
            continue;
        }
        match &t.ty {
            Type::Enum(e) => {
                let values: Vec<String> = e.values.iter().map(|(n, v)| format!("{n} = {v}")).collect();
                let text = match t.doc.as_deref() {
                    Some(d) => format!("{d}\n\nenum {}: {}", t.name, values.join(", ")),
                    None => format!("enum {}: {}", t.name, values.join(", ")),
                };
                doc(&mut out, "", Some(&text));
                let _ = writeln!(out, "export type {} = number", ident(&t.name));
            }
            ty => {
                // A typedef: an alias of what it names, as a value JS gets back.
                doc(&mut out, "", t.doc.as_deref());
                let _ = writeln!(
                    out,
                    "export type {}{} = {}",
                    ident(&t.name),
                    g.type_params(g.uses_big(ty, 0), big),
                    g.ts(ty, OUT, 0)
                );
            }
        }
    }
    if !inputs.is_empty() {
        let _ = writeln!(
            out,
            "/** What struct and union arguments take: objects of some of their fields. */"
        );
        let _ = writeln!(out, "export namespace {} {{\n{inputs}}}", g.input);
    }
    let _ = writeln!(out);
    // (name, doc comment and signature) of every function.
    let mut fns: Vec<(String, String)> = Vec::new();
    let mut main_big = false;
    for (i, f) in header.functions.iter().enumerate() {
        let mut d = f.doc.as_deref().map(str::to_string).unwrap_or_default();
        if let Some(why) = header.unbindable.get(&i) {
            if !d.is_empty() {
                d.push_str("\n\n");
            }
            d.push_str(&format!("@deprecated cshared cannot call this function: {why}"));
        }
        let mut text = String::new();
        doc(&mut text, "  ", Some(&d));
        let mut seen = HashSet::new();
        let params: Vec<String> = f
            .sig
            .params
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let mut n = p.name.as_deref().map(ident).unwrap_or_else(|| format!("arg{k}"));
                if !is_ident(&n) || !seen.insert(n.clone()) {
                    n = format!("arg{k}");
                }
                format!("{n}: {}", g.ts(&p.ty, Side::Arg, 0))
            })
            .collect();
        let mut params = params;
        if f.sig.variadic {
            params.push("...args: CValue[]".into());
        }
        main_big |= g.uses_big(&f.sig.ret, 0);
        let ret = g.ts(&f.sig.ret, OUT, 0);
        let ret = if ret == "void" { "undefined".to_string() } else { ret };
        let _ = writeln!(
            text,
            "  readonly {}: CFunction<[{}], {}>",
            key(&f.name),
            params.join(", "),
            ret
        );
        fns.push((f.name.to_string(), text));
    }
    doc(
        &mut out,
        "",
        Some(&format!(
            "The functions, constants and types of {source}: `load<{name}>(path, {{ header }})`{}.",
            if main_big {
                format!("; with `{{ bigint: true }}`, `load<{name}<true>>` (64-bit results are then always bigints)")
            } else {
                String::new()
            }
        )),
    );
    let _ = writeln!(out, "export interface {name}{} {{", g.type_params(main_big, big));
    // Functions whose names a Library uses itself are only in `functions`.
    for (fname, text) in &fns {
        if !LIBRARY_MEMBERS.contains(&fname.as_str()) {
            out.push_str(text);
        }
    }
    let _ = writeln!(out, "  readonly functions: {{");
    for (_, text) in &fns {
        for line in text.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    let _ = writeln!(out, "  }}");
    let _ = writeln!(out, "  readonly constants: {{");
    let mut seen = HashSet::new();
    for c in &header.constants {
        if !seen.insert(c.name.to_string()) {
            continue;
        }
        doc(&mut out, "    ", c.doc.as_deref());
        let _ = writeln!(out, "    readonly {}: {}", key(&c.name), const_ts(&c.value));
    }
    let _ = writeln!(out, "  }}");
    let _ = writeln!(out, "  readonly types: {{");
    let mut seen = HashSet::new();
    for t in &header.types {
        if seen.insert(t.name.to_string()) {
            let _ = writeln!(out, "    readonly {}: CType", key(&t.name));
        }
    }
    let _ = writeln!(out, "  }}");
    let _ = writeln!(out, "}}");
    out
}
