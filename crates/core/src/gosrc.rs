//! A small reader of Go signatures: the `//export` functions of a Go
//! package's source, with their parameter and result types, names and doc
//! comments, and what that adds to the header `go build -buildmode=c-shared`
//! wrote (`apply`). cgo's header declares every slice as an untyped
//! `GoSlice` and names multiple results `r0`, `r1`…; the Go source says
//! `[]float64` and `(mean, min float64)`.
//!
//! This is no Go parser. It finds `//export NAME` lines, reads the `func`
//! declaration that follows up to its body's `{`, and understands the types
//! a C caller can pass: Go's numeric types, `bool`, `string`, slices of
//! numeric types, `unsafe.Pointer`, `*C.char` and other C types, and
//! pointers. Anything else is reported (and the header's declaration is used
//! as it is). Every input is bounded: the files read, their size, the tokens
//! of one signature and its nesting.

use crate::cdecl::preproc::read_header_file;
use crate::cdecl::Pos;
use crate::header::{Header, Skipped};
use crate::types::{ArrayClass, GoType, Int, Param, Record, RecordBody, RecordKind, Signature, Type, POINTER_SIZE};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Most `.go` files read from one directory.
pub const MAX_FILES: usize = 512;
/// Most bytes of Go source read in all (each file is also at most
/// `preproc::MAX_FILE_BYTES`).
pub const MAX_TOTAL_BYTES: usize = 64 << 20;
/// Most tokens in one signature (from `func` to its body's `{`).
pub const MAX_SIG_TOKENS: usize = 4096;
/// Deepest nesting of brackets in one signature.
pub const MAX_DEPTH: usize = 64;
/// Most lines of one doc comment kept.
const MAX_DOC_LINES: usize = 200;

/// A Go type, as far as a C caller is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoTy {
    /// `int8` … `uint64`, `int`, `uint`, `uintptr`, `byte`, `rune`.
    Int(Int),
    F32,
    F64,
    Bool,
    String,
    /// `unsafe.Pointer`
    UnsafePointer,
    /// `*C.char`
    CString,
    /// A C type (`C.int`, `*C.struct_x`): the header's C declaration says it all.
    C,
    /// A pointer to a Go type (`*int`).
    Pointer,
    /// A slice of a numeric type.
    Slice(ArrayClass),
    /// Anything else (maps, channels, interfaces, named and composite types,
    /// slices of other types, complex numbers).
    Other,
}

#[derive(Clone, Debug)]
pub struct GoParam {
    pub name: Option<String>,
    pub ty: GoTy,
    /// The type as the source spells it (tokens joined), for messages.
    pub spelled: String,
}

#[derive(Clone, Debug)]
pub struct GoFunc {
    pub name: String,
    pub params: Vec<GoParam>,
    pub results: Vec<GoParam>,
    pub doc: Option<String>,
    pub file: String,
    pub line: u32,
}

/// Something the reader could not use, and why.
#[derive(Clone, Debug)]
pub struct Problem {
    pub name: Option<String>,
    pub reason: String,
    pub file: String,
    pub line: u32,
}

#[derive(Clone, Debug, Default)]
pub struct Package {
    pub funcs: Vec<GoFunc>,
    pub problems: Vec<Problem>,
}

/// Reads the Go source at `path`: a package directory (its `.go` files,
/// not `_test.go` ones, not subdirectories) or one `.go` file. The error is
/// the reason alone, for the caller to put after the path.
pub fn read_path(path: &Path) -> Result<Package, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    if meta.is_dir() {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(path).map_err(|e| e.to_string())? {
            let entry = entry.map_err(|e| e.to_string())?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".go") && !name.ends_with("_test.go") && !name.starts_with('.') {
                names.push(entry.path());
                if names.len() > MAX_FILES {
                    return Err(format!("more than {MAX_FILES} .go files"));
                }
            }
        }
        names.sort();
        if names.is_empty() {
            return Err("no .go files in the directory".into());
        }
        files = names;
    } else {
        files.push(path.to_path_buf());
    }
    let mut pkg = Package::default();
    let mut total = 0usize;
    for f in files {
        let display = f.display().to_string();
        // A file that is not regular (a FIFO named x.go) is refused, not read.
        let text = read_header_file(&f).map_err(|e| format!("{display}: {e}"))?;
        total += text.len();
        if total > MAX_TOTAL_BYTES {
            return Err(format!("more than {MAX_TOTAL_BYTES} bytes of Go source"));
        }
        read_source(&display, &text, &mut pkg);
    }
    Ok(pkg)
}

/// Adds the `//export` functions of one Go file to `pkg`.
pub fn read_source(file: &str, text: &str, pkg: &mut Package) {
    let lines: Vec<(usize, &str)> = {
        let mut at = 0;
        text.split('\n')
            .map(|l| {
                let start = at;
                at += l.len() + 1;
                (start, l)
            })
            .collect()
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].1.trim_start();
        let Some(rest) = line.strip_prefix("//export ") else {
            i += 1;
            continue;
        };
        let name = rest.trim().to_string();
        let export_line = i;
        // The func follows, after more comment lines if any.
        let mut j = i + 1;
        while j < lines.len() && lines[j].1.trim_start().starts_with("//") {
            j += 1;
        }
        i = j.max(i + 1);
        let problem = |pkg: &mut Package, reason: String, line: usize| {
            pkg.problems.push(Problem {
                name: Some(name.clone()),
                reason,
                file: file.to_string(),
                line: line as u32 + 1,
            })
        };
        if j >= lines.len() || !lines[j].1.trim_start().starts_with("func") {
            problem(pkg, format!("//export {name} is not followed by a func"), export_line);
            continue;
        }
        let start = lines[j].0 + (lines[j].1.len() - lines[j].1.trim_start().len());
        let doc = doc_comment(&lines, j);
        match signature(&text[start..]) {
            Ok((fname, params, results)) => {
                if fname != name {
                    problem(
                        pkg,
                        format!("//export {name} is followed by func {fname}, not func {name}"),
                        j,
                    );
                    continue;
                }
                pkg.funcs.push(GoFunc {
                    name,
                    params,
                    results,
                    doc,
                    file: file.to_string(),
                    line: j as u32 + 1,
                });
            }
            Err(why) => problem(pkg, format!("cannot read the signature of {name}: {why}"), j),
        }
    }
}

/// The doc comment above line `func_line`: the `//` lines right above it,
/// without directives (`//export`, `//go:…`, `//line`), as go/doc reads them.
fn doc_comment(lines: &[(usize, &str)], func_line: usize) -> Option<String> {
    let mut first = func_line;
    while first > 0 && lines[first - 1].1.trim_start().starts_with("//") && func_line - first < MAX_DOC_LINES {
        first -= 1;
    }
    let mut out: Vec<&str> = Vec::new();
    for (_, l) in &lines[first..func_line] {
        let body = &l.trim_start()[2..];
        let directive = body.starts_with("export ")
            || body.starts_with("extern ")
            || body.starts_with("line ")
            || is_directive(body);
        if directive {
            continue;
        }
        let body = body.strip_prefix(' ').unwrap_or(body);
        out.push(body.trim_end_matches('\r'));
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.trim().is_empty()) {
        out.remove(0);
    }
    (!out.is_empty()).then(|| out.join("\n"))
}

/// `go:noinline`, `lint:ignore`: a word of lowercase letters and digits, a
/// colon, then a letter (Go's rule for directives in comments).
fn is_directive(body: &str) -> bool {
    let Some(colon) = body.find(':') else { return false };
    let word = &body[..colon];
    !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && body[colon + 1..].starts_with(|c: char| c.is_ascii_lowercase())
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Punct(&'static str),
    /// A number, string or any other character: only ever part of a type
    /// the reader does not know.
    Other(String),
}

impl Tok {
    fn is(&self, p: &str) -> bool {
        matches!(self, Tok::Punct(q) if *q == p)
    }

    fn text(&self) -> &str {
        match self {
            Tok::Ident(s) | Tok::Other(s) => s,
            Tok::Punct(p) => p,
        }
    }
}

/// Tokens from `func` up to the body's `{` (not included).
fn sig_tokens(src: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    // Bracket depth, and whether the last word opens a type's braces
    // (`struct {`, `interface {`), so that `{` is not the body's.
    let mut depth = 0usize;
    let mut braces_are_type = false;
    while i < b.len() {
        if out.len() > MAX_SIG_TOKENS {
            return Err(format!("more than {MAX_SIG_TOKENS} tokens"));
        }
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if src[i..].starts_with("//") {
            i += src[i..].find('\n').unwrap_or(src.len() - i);
            continue;
        }
        if src[i..].starts_with("/*") {
            i += src[i + 2..]
                .find("*/")
                .map(|e| e + 4)
                .ok_or("an unterminated comment")?;
            continue;
        }
        let ch = src[i..].chars().next().unwrap_or(' ');
        if ch.is_alphabetic() || ch == '_' {
            let end = src[i..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(src.len(), |e| i + e);
            let w = &src[i..end];
            braces_are_type = matches!(w, "struct" | "interface");
            out.push(Tok::Ident(w.to_string()));
            i = end;
            continue;
        }
        if src[i..].starts_with("...") {
            out.push(Tok::Punct("..."));
            i += 3;
            braces_are_type = false;
            continue;
        }
        let p = match c {
            b'(' => "(",
            b')' => ")",
            b'[' => "[",
            b']' => "]",
            b'{' => "{",
            b'}' => "}",
            b',' => ",",
            b'.' => ".",
            b'*' => "*",
            _ => "",
        };
        if p.is_empty() {
            // Strings (struct tags), numbers (array lengths), `<-`, `;`.
            let end = if c == b'"' || c == b'`' {
                let mut k = i + 1;
                loop {
                    match b.get(k) {
                        None => return Err("an unterminated string".into()),
                        Some(&q) if q == c => break k + 1,
                        Some(b'\\') if c == b'"' => k += 2,
                        Some(b'\n') if c == b'"' => return Err("an unterminated string".into()),
                        Some(_) => k += 1,
                    }
                }
            } else {
                i + ch.len_utf8()
            };
            out.push(Tok::Other(src[i..end].to_string()));
            i = end;
            braces_are_type = false;
            continue;
        }
        match p {
            "{" if depth == 0 && !braces_are_type => return Ok(out),
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.checked_sub(1).ok_or("unbalanced brackets")?,
            _ => {}
        }
        if depth > MAX_DEPTH {
            return Err(format!("brackets nested more than {MAX_DEPTH} deep"));
        }
        braces_are_type = false;
        out.push(Tok::Punct(p));
        i += 1;
    }
    Err("no function body".into())
}

type Sig = (String, Vec<GoParam>, Vec<GoParam>);

/// `func Name(params) results` from the tokens of a declaration.
fn signature(src: &str) -> Result<Sig, String> {
    let toks = sig_tokens(src)?;
    let mut i = 0;
    if !matches!(toks.first(), Some(Tok::Ident(w)) if w == "func") {
        return Err("expected func".into());
    }
    i += 1;
    let name = match toks.get(i) {
        Some(Tok::Ident(n)) => n.clone(),
        Some(t) if t.is("(") => return Err("a method cannot be exported".into()),
        _ => return Err("expected the function's name".into()),
    };
    i += 1;
    if toks.get(i).is_some_and(|t| t.is("[")) {
        return Err("a generic function cannot be exported".into());
    }
    if !toks.get(i).is_some_and(|t| t.is("(")) {
        return Err("expected '(' after the name".into());
    }
    let close = matching(&toks, i)?;
    let params = param_list(&toks[i + 1..close])?;
    let rest = &toks[close + 1..];
    let results = if rest.is_empty() {
        Vec::new()
    } else if rest[0].is("(") {
        let end = matching(rest, 0)?;
        if end + 1 != rest.len() {
            return Err("unexpected text after the results".into());
        }
        param_list(&rest[1..end])?
    } else {
        vec![go_type(rest, None)?]
    };
    Ok((name, params, results))
}

/// The index of the bracket closing the one at `open`.
fn matching(toks: &[Tok], open: usize) -> Result<usize, String> {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if t.is("(") || t.is("[") || t.is("{") {
            depth += 1;
        } else if t.is(")") || t.is("]") || t.is("}") {
            depth = depth.checked_sub(1).ok_or("unbalanced brackets")?;
            if depth == 0 {
                return Ok(k);
            }
        }
    }
    Err("unbalanced brackets".into())
}

/// A parameter or result list: `a, b int, s string`, or `int, string`.
fn param_list(toks: &[Tok]) -> Result<Vec<GoParam>, String> {
    let mut entries: Vec<&[Tok]> = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (k, t) in toks.iter().enumerate() {
        if t.is("(") || t.is("[") || t.is("{") {
            depth += 1;
        } else if t.is(")") || t.is("]") || t.is("}") {
            depth = depth.saturating_sub(1);
        } else if t.is(",") && depth == 0 {
            entries.push(&toks[start..k]);
            start = k + 1;
        }
    }
    // (Nothing after the last comma is a trailing comma: `f(\n\ta int,\n)`.)
    if start < toks.len() {
        entries.push(&toks[start..]);
    }
    if entries.iter().any(|e| e.is_empty()) {
        return Err("an empty entry in a parameter list".into());
    }
    // Named when some entry is `name Type` (an identifier followed by more
    // than a qualified name's `.`).
    // (`map[K]V`, `chan T`, `func(…)` start with a keyword, not a name.)
    let named = |e: &[Tok]| {
        e.len() >= 2
            && matches!(&e[0], Tok::Ident(w) if !matches!(w.as_str(), "map" | "chan" | "func" | "struct" | "interface"))
            && !e[1].is(".")
    };
    if !entries.iter().any(|e| named(e)) {
        return entries.iter().map(|e| go_type(e, None)).collect();
    }
    let mut out = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    for e in entries {
        if named(e) {
            let ty = go_type(&e[1..], None)?;
            for n in pending.drain(..) {
                out.push(GoParam {
                    name: Some(n),
                    ..ty.clone()
                });
            }
            out.push(GoParam {
                name: Some(e[0].text().to_string()),
                ..ty
            });
        } else if let [Tok::Ident(n)] = e {
            pending.push(n.clone());
        } else {
            return Err("named and unnamed parameters mixed".into());
        }
    }
    if !pending.is_empty() {
        return Err("named and unnamed parameters mixed".into());
    }
    Ok(out)
}

fn spell(toks: &[Tok]) -> String {
    let mut s = String::new();
    for (k, t) in toks.iter().enumerate() {
        if k > 0 && matches!(t, Tok::Ident(_)) && matches!(toks[k - 1], Tok::Ident(_)) {
            s.push(' ');
        }
        s.push_str(t.text());
    }
    s
}

fn basic(name: &str) -> Option<GoTy> {
    let ptr = POINTER_SIZE as u8;
    Some(match name {
        "int8" => GoTy::Int(Int::new(1, true)),
        "uint8" | "byte" => GoTy::Int(Int::new(1, false)),
        "int16" => GoTy::Int(Int::new(2, true)),
        "uint16" => GoTy::Int(Int::new(2, false)),
        "int32" | "rune" => GoTy::Int(Int::new(4, true)),
        "uint32" => GoTy::Int(Int::new(4, false)),
        "int64" => GoTy::Int(Int::new(8, true)),
        "uint64" => GoTy::Int(Int::new(8, false)),
        "int" => GoTy::Int(Int::new(ptr, true)),
        "uint" | "uintptr" => GoTy::Int(Int::new(ptr, false)),
        "float32" => GoTy::F32,
        "float64" => GoTy::F64,
        "bool" => GoTy::Bool,
        "string" => GoTy::String,
        _ => return None,
    })
}

/// The type spelled by all of `toks`.
fn go_type(toks: &[Tok], name: Option<String>) -> Result<GoParam, String> {
    let spelled = spell(toks);
    let ty = match toks {
        [Tok::Ident(w)] => basic(w).unwrap_or(GoTy::Other),
        [Tok::Ident(p), dot, Tok::Ident(w)] if dot.is(".") => match (p.as_str(), w.as_str()) {
            ("unsafe", "Pointer") => GoTy::UnsafePointer,
            ("C", _) => GoTy::C,
            _ => GoTy::Other,
        },
        [star, rest @ ..] if star.is("*") && !rest.is_empty() => match rest {
            [Tok::Ident(c), dot, Tok::Ident(w)] if c == "C" && dot.is(".") && w == "char" => GoTy::CString,
            [Tok::Ident(c), dot, Tok::Ident(_)] if c == "C" && dot.is(".") => GoTy::C,
            _ => GoTy::Pointer,
        },
        [open, close, Tok::Ident(w)] if open.is("[") && close.is("]") => {
            match basic(w).and_then(|_| ArrayClass::of_go_name(w)) {
                Some(c) => GoTy::Slice(c),
                None => GoTy::Other,
            }
        }
        // A variadic parameter is a slice.
        [dots, Tok::Ident(w)] if dots.is("...") => match basic(w).and_then(|_| ArrayClass::of_go_name(w)) {
            Some(c) => GoTy::Slice(c),
            None => GoTy::Other,
        },
        [] => return Err("a missing type".into()),
        _ => GoTy::Other,
    };
    Ok(GoParam { name, ty, spelled })
}

// ----- what the Go source adds to the header -----

/// Whether Go type `g` is what the header declares as `h`, and the type to
/// use: the header's, with a slice's element type, and `bool` as a boolean.
fn merge(h: &Type, g: &GoParam) -> Result<Option<Type>, ()> {
    let same_int = |i: &Int| matches!(h, Type::Int(j) | Type::Char(j) if j == i);
    Ok(match &g.ty {
        GoTy::Int(i) if same_int(i) => Some(h.clone()),
        GoTy::F32 if matches!(h, Type::F32) => Some(h.clone()),
        GoTy::F64 if matches!(h, Type::F64) => Some(h.clone()),
        GoTy::Bool if matches!(h, Type::Bool) || same_int(&Int::new(1, false)) => Some(Type::Bool),
        GoTy::String if matches!(h, Type::Go(GoType::String)) => Some(h.clone()),
        GoTy::Slice(c) if matches!(h, Type::Go(GoType::Slice(_))) => Some(Type::Go(GoType::Slice(Some(*c)))),
        GoTy::UnsafePointer | GoTy::Pointer if matches!(h, Type::Pointer(_)) => Some(h.clone()),
        GoTy::CString if h.is_c_string() => Some(h.clone()),
        GoTy::C => Some(h.clone()),
        // Not understood: the header's type stands.
        GoTy::Other => None,
        _ => return Err(()),
    })
}

/// One function's merge: the new signature, and notes on what was not understood.
fn merge_func(decl_sig: &Signature, g: &GoFunc) -> Result<(Signature, Vec<String>), String> {
    let mut notes = Vec::new();
    if decl_sig.params.len() != g.params.len() {
        return Err(format!(
            "it has {} parameters in the Go source and {} in the header",
            g.params.len(),
            decl_sig.params.len()
        ));
    }
    let mut sig = decl_sig.clone();
    let label = |what: &str, k: usize, name: Option<&str>| match name {
        Some(n) => format!("{what} {} ({n})", k + 1),
        None => format!("{what} {}", k + 1),
    };
    for (k, (p, gp)) in sig.params.iter_mut().zip(&g.params).enumerate() {
        let what = label("parameter", k, gp.name.as_deref().or(p.name.as_deref()));
        match merge(&p.ty, gp) {
            Ok(Some(t)) => p.ty = t,
            Ok(None) => notes.push(unknown_note(&what, gp, &p.ty)),
            Err(()) => return Err(disagree(&what, gp, &p.ty)),
        }
        if let Some(n) = &gp.name {
            if n != "_" {
                p.name = Some(Arc::from(n.as_str()));
            }
        }
    }
    match g.results.len() {
        0 if sig.ret.is_void() => {}
        1 if !sig.ret.is_void() => match merge(&sig.ret, &g.results[0]) {
            Ok(Some(t)) => sig.ret = t,
            Ok(None) => notes.push(unknown_note("the result", &g.results[0], &sig.ret)),
            Err(()) => return Err(disagree("the result", &g.results[0], &sig.ret)),
        },
        n => {
            let Type::Record(r) = &sig.ret else {
                return Err(format!(
                    "it has {n} results in the Go source but returns {} in the header",
                    sig.ret
                ));
            };
            let body = match r.body() {
                Some(b) if b.fields.len() == n && r.kind == RecordKind::Struct => b,
                _ => {
                    return Err(format!(
                        "it has {n} results in the Go source but returns {} in the header",
                        sig.ret
                    ))
                }
            };
            let mut fields = body.fields.clone();
            let named = g.results.iter().all(|p| p.name.as_deref().is_some_and(|n| n != "_"));
            let mut seen = std::collections::HashSet::new();
            let names_ok = named && g.results.iter().all(|p| seen.insert(p.name.clone()));
            for (k, (f, gp)) in fields.iter_mut().zip(&g.results).enumerate() {
                let what = label("result", k, gp.name.as_deref());
                match merge(&f.ty, gp) {
                    Ok(Some(t)) => f.ty = t,
                    Ok(None) => notes.push(unknown_note(&what, gp, &f.ty)),
                    Err(()) => return Err(disagree(&what, gp, &f.ty)),
                }
                if names_ok {
                    if let Some(n) = &gp.name {
                        f.name = Some(Arc::from(n.as_str()));
                    }
                }
            }
            let rec = Record::new(RecordKind::Struct, r.name.clone());
            rec.complete(RecordBody {
                fields,
                size: body.size,
                align: body.align,
            });
            sig.ret = Type::Record(Arc::new(rec));
        }
    }
    Ok((sig, notes))
}

fn unknown_note(what: &str, g: &GoParam, h: &Type) -> String {
    let how = if matches!(h, Type::Go(GoType::Slice(None))) {
        "it takes only null (nil), since cshared does not know its element type".to_string()
    } else {
        format!("it is bound as the header declares it ({h})")
    };
    format!("{what} is {}, a type the Go reader does not know; {how}", g.spelled)
}

fn disagree(what: &str, g: &GoParam, h: &Type) -> String {
    format!("{what} is {} in the Go source but {h} in the header", g.spelled)
}

/// Applies the Go source to a header read from `go build`'s output:
/// slices get their element types, Go's `bool` is a boolean, parameters and
/// multiple results get Go's names (results stay `r0`, `r1`… when Go does
/// not name them), and functions get their Go doc comments. What does not
/// fit goes to `skipped` (the function stays as the header declares it):
/// a signature the reader cannot read, a type it does not know, a function
/// whose Go and C declarations disagree.
pub fn apply(h: &mut Header, pkg: &Package) {
    let skip = |h: &mut Header, name: Option<&str>, reason: String, file: &str, line: u32| {
        h.skipped.push(Skipped {
            name: name.map(Arc::from),
            reason: format!("goSource: {reason}"),
            file: file.to_string(),
            line,
        })
    };
    for p in &pkg.problems {
        skip(h, p.name.as_deref(), p.reason.clone(), &p.file, p.line);
    }
    let mut by_name: HashMap<&str, &GoFunc> = HashMap::new();
    let mut ambiguous = std::collections::HashSet::new();
    for f in &pkg.funcs {
        if let Some(old) = by_name.insert(&f.name, f) {
            if old
                .params
                .iter()
                .map(|p| (&p.ty, &p.spelled))
                .ne(f.params.iter().map(|p| (&p.ty, &p.spelled)))
                || old
                    .results
                    .iter()
                    .map(|p| (&p.ty, &p.name))
                    .ne(f.results.iter().map(|p| (&p.ty, &p.name)))
            {
                ambiguous.insert(f.name.as_str());
            }
        }
    }
    let mut renamed: Vec<(Arc<Record>, Arc<Record>)> = Vec::new();
    let declared: std::collections::HashSet<Arc<str>> = h.functions.iter().map(|f| f.name.clone()).collect();
    for k in 0..h.functions.len() {
        let fname = h.functions[k].name.clone();
        let Some(g) = by_name.get(&*fname).copied() else {
            let untyped = untyped_slices(&h.functions[k].sig);
            if !untyped.is_empty() {
                let pos = h.functions[k].pos;
                let file = file_of(h, pos);
                skip(
                    h,
                    Some(&fname),
                    format!(
                        "no //export {fname} in the Go source; its GoSlice {} {} only null",
                        untyped.join(", "),
                        if untyped.len() == 1 { "takes" } else { "take" }
                    ),
                    &file,
                    pos.line,
                );
            }
            continue;
        };
        if ambiguous.contains(&*fname) {
            skip(
                h,
                Some(&fname),
                format!(
                    "{fname} is declared more than once in the Go source, differently; bound as the header declares it"
                ),
                &g.file,
                g.line,
            );
            continue;
        }
        match merge_func(&h.functions[k].sig, g) {
            Ok((sig, notes)) => {
                if let (Type::Record(old), Type::Record(new)) = (&h.functions[k].sig.ret, &sig.ret) {
                    renamed.push((old.clone(), new.clone()));
                }
                let f = &mut h.functions[k];
                f.sig = sig;
                if let Some(d) = &g.doc {
                    f.doc = Some(Arc::from(d.as_str()));
                }
                for n in notes {
                    skip(h, Some(&fname), format!("{fname}(): {n}"), &g.file, g.line);
                }
            }
            Err(why) => skip(
                h,
                Some(&fname),
                format!(
                    "{fname}(): {why} (is the header out of date?); bound as the header declares it, so its GoSlice parameters take only null"
                ),
                &g.file,
                g.line,
            ),
        }
    }
    for g in &pkg.funcs {
        if !declared.contains(g.name.as_str()) {
            skip(
                h,
                Some(&g.name),
                format!(
                    "{} is exported in the Go source but not declared in the header (is the header out of date?)",
                    g.name
                ),
                &g.file,
                g.line,
            );
        }
    }
    // The result structs with Go's names replace cgo's in the header's types.
    for (old, new) in renamed {
        for t in h.types.iter_mut() {
            if matches!(&t.ty, Type::Record(r) if Arc::ptr_eq(r, &old)) {
                t.ty = Type::Record(new.clone());
            }
        }
        if let Some(name) = &old.name {
            if h.scope.records.get(name).is_some_and(|r| Arc::ptr_eq(r, &old)) {
                h.scope.records.insert(name.clone(), new.clone());
            }
        }
    }
}

fn file_of(h: &Header, pos: Pos) -> String {
    h.files.get(pos.file as usize).cloned().unwrap_or_default()
}

/// The names of a signature's parameters that are `GoSlice`s of unknown elements.
pub fn untyped_slices(sig: &Signature) -> Vec<String> {
    sig.params
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.ty, Type::Go(GoType::Slice(None))))
        .map(|(k, p): (usize, &Param)| p.name.as_deref().map_or(format!("parameter {}", k + 1), str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(src: &str) -> Package {
        let mut p = Package::default();
        read_source("x.go", src, &mut p);
        p
    }

    fn one(src: &str) -> GoFunc {
        let p = pkg(src);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.funcs.len(), 1, "{:?}", p.funcs);
        p.funcs[0].clone()
    }

    fn names(ps: &[GoParam]) -> Vec<Option<&str>> {
        ps.iter().map(|p| p.name.as_deref()).collect()
    }

    #[test]
    fn grouped_params_and_named_results() {
        let f = one(
            "package main\n\n// Stats returns the mean,\n// min and max.\n//\n//export Stats\n\
             func Stats(xs []float64, a, b int) (mean, min, max float64, n int) {\n\treturn\n}\n",
        );
        assert_eq!(f.name, "Stats");
        assert_eq!(f.line, 7);
        assert_eq!(names(&f.params), [Some("xs"), Some("a"), Some("b")]);
        assert_eq!(f.params[0].ty, GoTy::Slice(ArrayClass::Float64));
        assert_eq!(f.params[2].ty, GoTy::Int(Int::new(8, true)));
        assert_eq!(names(&f.results), [Some("mean"), Some("min"), Some("max"), Some("n")]);
        assert_eq!(f.results[2].ty, GoTy::F64);
        assert_eq!(f.results[3].ty, GoTy::Int(Int::new(8, true)));
        assert_eq!(f.doc.as_deref(), Some("Stats returns the mean,\nmin and max."));
    }

    #[test]
    fn unnamed_params_and_results() {
        let f = one("//export F\nfunc F(int, []byte, string) (int32, bool) { return 0, false }");
        assert_eq!(names(&f.params), [None, None, None]);
        assert_eq!(f.params[1].ty, GoTy::Slice(ArrayClass::Uint8));
        assert_eq!(f.params[2].ty, GoTy::String);
        assert_eq!(names(&f.results), [None, None]);
        assert_eq!(f.results[1].ty, GoTy::Bool);
        let f = one("//export G\nfunc G() *C.char { return nil }");
        assert!(f.params.is_empty());
        assert_eq!(f.results[0].ty, GoTy::CString);
        let f = one("//export H\nfunc H(p unsafe.Pointer, n C.int, q *C.struct_x, r *int) {}");
        let tys: Vec<&GoTy> = f.params.iter().map(|p| &p.ty).collect();
        assert_eq!(tys, [&GoTy::UnsafePointer, &GoTy::C, &GoTy::C, &GoTy::Pointer]);
        assert!(f.results.is_empty());
    }

    #[test]
    fn unknown_types_are_other() {
        let f = one(
            "//export F\nfunc F(m map[string]int, s []string, c chan<- int, x struct{ a int \"tag{\" }, f func(int) int, v ...int32) (interface{ M() }) { return nil }",
        );
        let tys: Vec<&GoTy> = f.params.iter().map(|p| &p.ty).collect();
        assert_eq!(
            tys,
            [
                &GoTy::Other,
                &GoTy::Other,
                &GoTy::Other,
                &GoTy::Other,
                &GoTy::Other,
                &GoTy::Slice(ArrayClass::Int32)
            ]
        );
        assert_eq!(f.params[0].spelled, "map[string]int");
        assert_eq!(f.results[0].ty, GoTy::Other);
        // Unnamed lists whose types start with a keyword are not names.
        let f = one("//export G
func G(map[string]int, chan int, func(), []float64) {}");
        assert_eq!(names(&f.params), [None, None, None, None]);
        assert_eq!(f.params[3].ty, GoTy::Slice(ArrayClass::Float64));
    }

    #[test]
    fn multi_line_signatures_and_comments() {
        let f = one("//export F\nfunc F(\n\ta int, // the a\n\t/* b */ b []int32,\n) (\n\tn int,\n) {\n}\n");
        assert_eq!(names(&f.params), [Some("a"), Some("b")]);
        assert_eq!(names(&f.results), [Some("n")]);
    }

    #[test]
    fn directives_are_not_docs() {
        let f = one("// F does it.\n//go:noinline\n//export F\nfunc F() {}");
        assert_eq!(f.doc.as_deref(), Some("F does it."));
        let f = one("\n//export F\nfunc F() {}");
        assert_eq!(f.doc, None);
    }

    #[test]
    fn problems_are_reported_not_fatal() {
        let p = pkg(
            "//export A\nfunc (r T) A() {}\n//export B\nfunc C() {}\n//export D\nvar x = 1\n\
             //export E\nfunc E(a int, int) {}\n//export G\nfunc G(a int) int {}\n//export H\nfunc H(x",
        );
        let names: Vec<&str> = p.funcs.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["G"]);
        let reasons: Vec<&str> = p.problems.iter().map(|p| p.reason.as_str()).collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].contains("method"), "{reasons:?}");
        assert!(reasons[1].contains("func C"), "{reasons:?}");
        assert!(reasons[2].contains("not followed by a func"), "{reasons:?}");
        assert!(reasons[3].contains("mixed"), "{reasons:?}");
        assert!(reasons[4].contains("no function body"), "{reasons:?}");
    }

    #[test]
    fn bounded() {
        let long = format!("//export F\nfunc F({}) {{}}", "a int, ".repeat(MAX_SIG_TOKENS));
        let p = pkg(&long);
        assert!(p.problems[0].reason.contains("tokens"), "{:?}", p.problems);
        let deep = format!("//export F\nfunc F(a {}int{}) {{}}", "[]".repeat(10), "");
        assert_eq!(pkg(&deep).funcs[0].params[0].ty, GoTy::Other);
        let nested = format!(
            "//export F\nfunc F(a {}int{}) {{}}",
            "map[".repeat(100),
            "]int".repeat(100)
        );
        let p = pkg(&nested);
        assert!(p.problems[0].reason.contains("nested"), "{:?}", p.problems);
    }

    const HEADER: &str = "typedef long long GoInt64; typedef GoInt64 GoInt; typedef double GoFloat64; \
        typedef unsigned char GoUint8;\n\
        typedef struct { const char *p; ptrdiff_t n; } _GoString_; typedef _GoString_ GoString;\n\
        typedef struct { void *data; GoInt len; GoInt cap; } GoSlice;\n\
        struct Stats_return { GoFloat64 r0; GoFloat64 r1; GoUint8 r2; GoInt r3; };\n\
        extern struct Stats_return Stats(GoSlice xs);\n\
        struct DivMod_return { GoInt r0; GoInt r1; };\n\
        extern struct DivMod_return DivMod(GoInt a, GoInt b);\n\
        extern void Normalize(GoSlice xs);\n\
        extern GoInt Keys(GoSlice m);\n\
        extern GoInt Stale(GoString s);\n\
        extern GoInt Orphan(GoSlice xs);\n";

    #[test]
    fn apply_types_slices_and_names_results() {
        let mut h = crate::header::read_text(HEADER);
        let p = pkg(
            "// Stats sums up.\n//export Stats\nfunc Stats(xs []float64) (mean, max float64, ok bool, n int) { return }\n\
             //export DivMod\nfunc DivMod(a, b int) (int, int) { return a / b, a % b }\n\
             //export Normalize\nfunc Normalize(xs []float64) {}\n\
             //export Keys\nfunc Keys(m []string) int { return 0 }\n\
             //export Stale\nfunc Stale(s []byte) int { return 0 }\n\
             //export Extra\nfunc Extra() {}\n",
        );
        apply(&mut h, &p);
        let f = |n: &str| h.functions.iter().find(|f| &*f.name == n).unwrap().clone();
        let stats = f("Stats");
        assert_eq!(stats.sig.params[0].ty.to_string(), "[]float64");
        assert_eq!(stats.doc.as_deref(), Some("Stats sums up."));
        let Type::Record(r) = &stats.sig.ret else { panic!() };
        let fields: Vec<(String, String)> = r
            .body()
            .unwrap()
            .fields
            .iter()
            .map(|f| (f.name.as_deref().unwrap().to_string(), f.ty.to_string()))
            .collect();
        assert_eq!(
            fields,
            [("mean", "double"), ("max", "double"), ("ok", "bool"), ("n", "int64")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        // lib.types and the scope see the renamed struct.
        assert!(Arc::ptr_eq(&h.scope.records["Stats_return"], r));
        assert!(h
            .types
            .iter()
            .any(|t| matches!(&t.ty, Type::Record(x) if Arc::ptr_eq(x, r))));
        let Type::Record(d) = &f("DivMod").sig.ret else {
            panic!()
        };
        assert_eq!(d.body().unwrap().fields[1].name.as_deref(), Some("r1"));
        assert_eq!(f("Normalize").sig.params[0].ty.to_string(), "[]float64");
        assert_eq!(f("Keys").sig.params[0].ty.to_string(), "GoSlice");
        assert_eq!(f("Stale").sig.params[0].ty.to_string(), "GoString");
        let reasons: Vec<String> = h.skipped.iter().map(|s| s.reason.clone()).collect();
        let has = |needle: &str| reasons.iter().any(|r| r.contains(needle));
        assert!(has("Keys(): parameter 1 (m) is []string"), "{reasons:?}");
        assert!(
            has("Stale(): parameter 1 (s) is []byte in the Go source but GoString in the header"),
            "{reasons:?}"
        );
        assert!(
            has("no //export Orphan in the Go source; its GoSlice xs takes only null"),
            "{reasons:?}"
        );
        assert!(
            has("Extra is exported in the Go source but not declared"),
            "{reasons:?}"
        );
        assert!(reasons.iter().all(|r| r.starts_with("goSource: ")));
    }

    /// Text made of Go-ish pieces never panics the reader, nor `apply`.
    #[test]
    fn garbage_never_panics() {
        let pieces = [
            "//export F\n",
            "//export G\n",
            "func",
            " F",
            " G",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ",",
            "...",
            "*",
            "C.char",
            "C",
            ".",
            "a",
            " int",
            " bool",
            "\"",
            "`",
            "/*",
            "*/",
            "//",
            "\n",
            "map",
            "struct",
            "interface",
            "é",
            "\\",
            "[]float64",
            "[]string",
            "unsafe.Pointer",
            " ",
            "(a, b int)",
            "<-",
            "chan",
            "_",
            "(x float64, ok bool)",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as usize
        };
        let base = crate::header::read_text(HEADER);
        for _ in 0..5000 {
            let mut text = String::new();
            for _ in 0..next() % 48 {
                text.push_str(pieces[next() % pieces.len()]);
            }
            let mut p = Package::default();
            read_source("g.go", &text, &mut p);
            let mut h = Header {
                functions: base.functions.clone(),
                types: base.types.clone(),
                scope: base.scope.clone(),
                files: base.files.clone(),
                ..Header::default()
            };
            apply(&mut h, &p);
            let _ = crate::typings::generate(&h, "G", "g.h");
        }
    }

    #[test]
    fn typings_after_apply() {
        let mut h = crate::header::read_text(HEADER);
        let before = crate::typings::generate(&h, "Lib", "x.h");
        assert!(
            before.contains("readonly Normalize: CFunction<[xs: null], undefined>"),
            "{before}"
        );
        let p = pkg(
            "// Stats sums up.\n//export Stats\nfunc Stats(xs []float64) (mean, max float64, ok bool, n int) { return }\n\
             //export Keys\nfunc Keys(m []int32) int { return 0 }\n",
        );
        apply(&mut h, &p);
        let after = crate::typings::generate(&h, "Lib", "x.h");
        for want in [
            "  /**\n   * Stats sums up.\n   */\n  readonly Stats: CFunction<[xs: Float64Array | number[] | null], Stats_return<B>>",
            "export interface Stats_return<B extends boolean = false> {\n  mean: number\n  max: number\n  ok: boolean\n  n: B extends true ? bigint : number | bigint\n}",
            "readonly Keys: CFunction<[m: Int32Array | number[] | null], B extends true ? bigint : number | bigint>",
        ] {
            assert!(after.contains(want), "{want}\n---\n{after}");
        }
    }

    #[test]
    fn read_path_is_bounded_and_skips_tests() {
        let dir = std::env::temp_dir().join(format!("cshared-gosrc-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.go"), "//export A\nfunc A(xs []int32) {}\n").unwrap();
        std::fs::write(dir.join("a_test.go"), "//export T\nfunc T() {}\n").unwrap();
        std::fs::write(dir.join("notes.txt"), "//export N\nfunc N() {}\n").unwrap();
        let p = read_path(&dir).unwrap();
        assert_eq!(p.funcs.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["A"]);
        let p = read_path(&dir.join("a.go")).unwrap();
        assert_eq!(p.funcs.len(), 1);
        assert!(read_path(&dir.join("missing")).is_err());
        let empty = dir.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        assert!(read_path(&empty).unwrap_err().contains("no .go files"));
        #[cfg(unix)]
        assert!(read_path(Path::new("/dev/null"))
            .unwrap_err()
            .contains("not a regular file"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
