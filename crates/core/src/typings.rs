//! TypeScript typings for a header: an interface with one typed method per
//! function, interfaces for structs, and typed constants, for
//! `load<Lib>(path, { header })`. Pure Rust.

use crate::header::{ConstValue, Header};
use crate::types::{GoType, RecordKind, Type};
use std::collections::HashSet;
use std::fmt::Write;

/// Which side of a call a type is on: what JS may pass, or what it gets back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    In,
    Out,
}

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
}

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

    fn ts(&self, t: &Type, side: Side, depth: u32) -> String {
        if depth > 8 {
            return "unknown".into();
        }
        match t {
            Type::Void => "void".into(),
            Type::Bool => "boolean".into(),
            Type::Char(i) | Type::Int(i) => match (side, i.bytes) {
                (Side::In, _) => "number | bigint".into(),
                (Side::Out, 8) => "number | bigint".into(),
                (Side::Out, _) => "number".into(),
            },
            Type::Enum(e) => match side {
                Side::In => "number | bigint".into(),
                Side::Out if e.repr.bytes == 8 => "number | bigint".into(),
                Side::Out => "number".into(),
            },
            Type::F32 | Type::F64 => "number".into(),
            Type::Pointer(p) => match (side, &p.to()) {
                (Side::Out, Type::Char(_)) => "string | null".into(),
                (Side::Out, _) => "Pointer | null".into(),
                (Side::In, Type::Char(_)) => "string | Pointer | ArrayBufferView | ArrayBuffer | null".into(),
                (Side::In, Type::Void) | (Side::In, Type::Function(_)) | (Side::In, Type::Unsupported(_)) => {
                    "Pointer | ArrayBufferView | ArrayBuffer | null".into()
                }
                (Side::In, to) => {
                    // An array of the pointee works as an in/out parameter, and so
                    // does an object for a struct pointer.
                    let elem = self.ts(to, Side::In, depth + 1);
                    let mut s = format!("Pointer | ArrayBufferView | ArrayBuffer | Array<{elem}> | null");
                    if let Some(n) = self.record_name(to) {
                        s = format!(
                            "Pointer | ArrayBufferView | ArrayBuffer | Partial<{n}> | Array<Partial<{n}>> | null"
                        );
                    }
                    s
                }
            },
            Type::Array(a) => match (&a.elem, side) {
                (Type::Char(_), _) => "string".into(),
                (Type::Int(i), Side::Out) => typed_array(i.bytes, i.signed).into(),
                (Type::F32, Side::Out) => "Float32Array".into(),
                (Type::F64, Side::Out) => "Float64Array".into(),
                (elem, Side::Out) => format!("Array<{}>", self.ts(elem, side, depth + 1)),
                (elem, Side::In) => format!("ArrayLike<{}>", self.ts(elem, side, depth + 1)),
            },
            Type::Record(r) => {
                if let Some(n) = self.record_name(t) {
                    return match side {
                        Side::In => format!("Partial<{n}>"),
                        Side::Out => n,
                    };
                }
                match r.body() {
                    Some(body) => {
                        let fields: Vec<String> = body
                            .flat_fields()
                            .iter()
                            .map(|(name, f)| format!("{}: {}", key(name), self.ts(&f.ty, side, depth + 1)))
                            .collect();
                        let opt = if side == Side::In { "?" } else { "" };
                        let fields: Vec<String> = fields
                            .into_iter()
                            .map(|f| f.replacen(": ", &format!("{opt}: "), 1))
                            .collect();
                        format!("{{ {} }}", fields.join("; "))
                    }
                    None => "never".into(),
                }
            }
            Type::Go(GoType::String) => match side {
                Side::In => "string | null".into(),
                Side::Out => "string".into(),
            },
            Type::Go(GoType::Slice) => match side {
                Side::In => "ArrayBufferView | ArrayBuffer | Array<number | bigint> | null".into(),
                Side::Out => "{ data: Pointer | null; len: number | bigint; cap: number | bigint }".into(),
            },
            Type::Function(_) | Type::Unsupported(_) => "never".into(),
        }
    }

    fn record_interface(&self, out: &mut String, name: &str, t: &Type, docs: Option<&str>) {
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
                return;
            }
        };
        let kind = if r.kind == RecordKind::Union { "union" } else { "struct" };
        doc(out, "", docs.or(Some(&format!("{kind} {name}"))));
        let _ = writeln!(out, "export interface {} {{", ident(name));
        for (fname, f) in body.flat_fields() {
            let _ = writeln!(out, "  {}: {}", key(&fname), self.ts(&f.ty, Side::Out, 0));
        }
        let _ = writeln!(out, "}}");
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

/// The typings module for `header`, whose main interface is `name`.
pub fn generate(header: &Header, name: &str, source: &str) -> String {
    let mut named = HashSet::new();
    for t in &header.types {
        if let Type::Record(r) = &t.ty {
            if r.name.as_deref() == Some(&*t.name) {
                named.insert(t.name.to_string());
            }
        }
    }
    let g = Gen { named };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Typings for {source}, generated by cshared. Do not edit; regenerate with `npx cshared typings`."
    );
    let _ = writeln!(
        out,
        "import type {{ CFunction, CType, CValue, Pointer }} from 'cshared'\n"
    );
    let mut done = HashSet::new();
    for t in &header.types {
        if !done.insert(t.name.to_string()) {
            continue;
        }
        match &t.ty {
            Type::Record(r) if r.name.as_deref() == Some(&*t.name) => {
                g.record_interface(&mut out, &t.name, &t.ty, t.doc.as_deref());
            }
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
                let _ = writeln!(out, "export type {} = {}", ident(&t.name), g.ts(ty, Side::Out, 0));
            }
        }
    }
    let _ = writeln!(out);
    // (name, doc comment and signature) of every function.
    let mut fns: Vec<(String, String)> = Vec::new();
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
                format!("{n}: {}", g.ts(&p.ty, Side::In, 0))
            })
            .collect();
        let mut params = params;
        if f.sig.variadic {
            params.push("...args: CValue[]".into());
        }
        let ret = g.ts(&f.sig.ret, Side::Out, 0);
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
            "The functions, constants and types of {source}: `load<{name}>(path, {{ header }})`."
        )),
    );
    let _ = writeln!(out, "export interface {name} {{");
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
