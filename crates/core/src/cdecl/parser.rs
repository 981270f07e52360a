//! A recursive-descent parser for C declarations: prototypes, type names and
//! whole (preprocessed) headers. It resolves types as it goes, as a C compiler
//! does, because telling a typedef name from a declarator name needs them.
//!
//! Why not a crate: `lang-c` parses whole translation units but fails the
//! whole file on the first construct it does not know, recurses without a
//! bound (a deeply nested input overflows the stack, which no `catch_unwind`
//! can stop) and is no longer maintained; tree-sitter-c does not expand macros
//! and adds a large generated parser; libclang is not on users' machines. A
//! header binder must skip what it cannot bind and say why, never fail the
//! load for one odd declaration, and never crash on hostile text, so the
//! parser is ours, with an explicit depth limit.

use super::lexer::{Kind, Pos, Token};
use super::scope::Names;
use crate::types::{
    builtin_type, ArrayClass, EnumType, GoType, Int, Param, Record, RecordBuilder, RecordKind, Signature, Type,
};
use std::sync::Arc;

#[path = "expr.rs"]
mod expr;
pub use expr::{char_literal, float_literal, int_literal, FloatTy, IntTy, Value};

/// The start of the reason for a declaration of a system header that
/// cshared could not read.
pub const NOT_READ: &str = "cshared could not read this declaration of a system header";

/// Nesting limit for declarators, records and expressions.
pub const MAX_DEPTH: u32 = 128;
/// Parameter limit for one function.
pub const MAX_PARAMS: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not C.
    Syntax,
    /// C that cshared cannot represent; in a header, the declaration is skipped.
    Unsupported,
}

#[derive(Clone, Debug)]
pub struct ParseError {
    pub kind: ErrorKind,
    pub pos: Pos,
    pub msg: String,
}

type PResult<T> = Result<T, ParseError>;

/// One declaration of a header (or a prototype string).
#[derive(Clone, Debug)]
pub enum Decl {
    Function(FuncDecl),
    Variable {
        name: Arc<str>,
        ty: Type,
        doc: Option<Arc<str>>,
        pos: Pos,
    },
    Typedef {
        name: Arc<str>,
        ty: Type,
        doc: Option<Arc<str>>,
        pos: Pos,
    },
    /// A struct or union defined (not just named) here.
    Record {
        record: Arc<Record>,
        doc: Option<Arc<str>>,
        pos: Pos,
    },
    Enum {
        ty: Arc<EnumType>,
        doc: Option<Arc<str>>,
        pos: Pos,
    },
}

#[derive(Clone, Debug)]
pub struct FuncDecl {
    pub name: Arc<str>,
    pub sig: Signature,
    pub doc: Option<Arc<str>>,
    pub pos: Pos,
    /// The symbol named by `__asm__("...")`, when it differs from `name`.
    pub symbol: Option<Arc<str>>,
}

/// Something in a header that could not be bound, and why.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub name: Option<Arc<str>>,
    pub pos: Pos,
    pub reason: String,
}

#[derive(Default, Clone, Copy)]
struct Storage {
    typedef: bool,
    is_static: bool,
    inline: bool,
}

#[derive(Default, Clone)]
struct Attrs {
    packed: bool,
    aligned: Option<usize>,
    /// `__attribute__((mode(DI)))`: the machine mode that sets an integer's width.
    mode: Option<Arc<str>>,
}

struct Specs {
    storage: Storage,
    base: Type,
    is_const: bool,
    align: Option<usize>,
    /// `__attribute__((mode(...)))` among the specifiers.
    mode: Option<Arc<str>>,
    /// A struct, union or enum defined by these specifiers.
    defined: Option<Decl>,
}

/// A struct member before layout: name, type, bit width, explicit alignment, position.
type Member = (Option<Arc<str>>, Type, Option<u32>, Option<usize>, Pos);

#[derive(Clone)]
enum Deriv {
    Ptr { is_const: bool },
    Array(Option<usize>),
    Func { params: Vec<Param>, variadic: bool },
}

struct Declarator {
    name: Option<(Arc<str>, Pos)>,
    derivs: Vec<Deriv>,
}

pub struct Parser<'t, 'n> {
    toks: &'t [Token],
    i: usize,
    names: Names<'n>,
    depth: u32,
    /// `#pragma pack(n)` in force: the largest alignment a member may have.
    pub pack: Option<usize>,
    /// In `#if`: identifiers are 0 and there are no types.
    pp_mode: bool,
    /// Inside operands C does not evaluate (`0 && x`, `sizeof x`).
    uneval: u32,
    /// Reading a parameter's specifiers, where a lone unknown name is a type.
    param_specs: bool,
    /// By file index: a system header, where what cshared cannot read is
    /// skipped (recorded as [`NOT_READ`]) rather than an error.
    system: &'t [bool],
    end: Pos,
}

impl<'t, 'n> Parser<'t, 'n> {
    pub fn new(toks: &'t [Token], names: Names<'n>) -> Parser<'t, 'n> {
        let end = toks
            .last()
            .map(|t| Pos {
                col: t.pos.col + t.text.chars().count() as u32,
                ..t.pos
            })
            .unwrap_or(Pos {
                file: 0,
                line: 1,
                col: 1,
            });
        Parser {
            toks,
            i: 0,
            names,
            depth: 0,
            pack: None,
            pp_mode: false,
            uneval: 0,
            param_specs: false,
            system: &[],
            end,
        }
    }

    /// Which files are system headers (by file index).
    pub fn system_files(mut self, system: &'t [bool]) -> Self {
        self.system = system;
        self
    }

    // ----- token helpers -----

    fn peek(&self) -> Option<&'t Token> {
        self.toks.get(self.i)
    }

    fn peek_at(&self, n: usize) -> Option<&'t Token> {
        self.toks.get(self.i + n)
    }

    fn at(&self, text: &str) -> bool {
        self.peek().is_some_and(|t| t.is(text))
    }

    fn pos(&self) -> Pos {
        self.peek().map(|t| t.pos).unwrap_or(self.end)
    }

    fn bump(&mut self) -> Option<&'t Token> {
        let t = self.toks.get(self.i);
        if t.is_some() {
            self.i += 1;
        }
        t
    }

    fn eat(&mut self, text: &str) -> bool {
        if self.at(text) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn describe(&self) -> String {
        match self.peek() {
            Some(t) => format!("'{}'", t.text),
            None => "end of input".to_string(),
        }
    }

    fn syntax<T>(&self, msg: impl Into<String>) -> PResult<T> {
        Err(ParseError {
            kind: ErrorKind::Syntax,
            pos: self.pos(),
            msg: msg.into(),
        })
    }

    fn unsupported<T>(&self, pos: Pos, msg: impl Into<String>) -> PResult<T> {
        Err(ParseError {
            kind: ErrorKind::Unsupported,
            pos,
            msg: msg.into(),
        })
    }

    fn expect(&mut self, text: &str) -> PResult<()> {
        if self.eat(text) {
            Ok(())
        } else {
            self.syntax(format!("expected '{}' but found {}", text, self.describe()))
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.unsupported(self.pos(), format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    pub fn at_end(&self) -> bool {
        self.i >= self.toks.len()
    }

    /// Index of the next token.
    pub fn index(&self) -> usize {
        self.i
    }

    /// Skips a balanced `(...)`, `[...]` or `{...}` group starting here.
    fn skip_group(&mut self) -> PResult<()> {
        let open = self.pos();
        let mut stack: Vec<&str> = Vec::new();
        while let Some(t) = self.bump() {
            if t.kind != Kind::Punct {
                continue;
            }
            match &*t.text {
                "(" => stack.push(")"),
                "[" => stack.push("]"),
                "{" => stack.push("}"),
                c @ (")" | "]" | "}") if stack.pop() != Some(c) => {
                    return Err(ParseError {
                        kind: ErrorKind::Syntax,
                        pos: t.pos,
                        msg: format!("unbalanced '{c}'"),
                    });
                }
                _ => {}
            }
            if stack.is_empty() {
                return Ok(());
            }
        }
        Err(ParseError {
            kind: ErrorKind::Syntax,
            pos: open,
            msg: "unterminated bracket".into(),
        })
    }

    // ----- entry points -----

    /// A single function prototype, with an optional trailing `;`.
    pub fn prototype(&mut self) -> PResult<FuncDecl> {
        let doc = self.peek().and_then(|t| t.doc.clone());
        let specs = self.specifiers()?;
        if specs.storage.typedef {
            return self.syntax("a prototype cannot be a typedef");
        }
        let start = self.pos();
        let d = self.declarator(false)?;
        let (name, pos) = match d.name.clone() {
            Some(n) => n,
            None => {
                return Err(ParseError {
                    kind: ErrorKind::Syntax,
                    pos: start,
                    msg: "expected a function name".into(),
                })
            }
        };
        let ty = self.apply(specs.base, specs.is_const, &d.derivs, pos)?;
        let symbol = self.trailing_attributes()?;
        let sig = match ty {
            Type::Function(sig) => (*sig).clone(),
            _ => {
                return Err(ParseError {
                    kind: ErrorKind::Syntax,
                    pos,
                    msg: format!("'{name}' is not declared as a function (missing parameter list)"),
                })
            }
        };
        self.eat(";");
        if !self.at_end() {
            return self.syntax(format!("unexpected {} after the prototype", self.describe()));
        }
        Ok(FuncDecl {
            name,
            sig,
            doc,
            pos,
            symbol,
        })
    }

    /// A type name such as `const char *` or `struct point[3]`.
    pub fn type_name(&mut self) -> PResult<Type> {
        // Type names nest through specifiers (`typeof(typeof(...))`,
        // `_Atomic(...)`, `_Alignas(...)`, casts): bounded like the rest.
        self.enter()?;
        let r = self.type_name_inner();
        self.leave();
        r
    }

    fn type_name_inner(&mut self) -> PResult<Type> {
        let specs = self.specifiers()?;
        if specs.storage.typedef || specs.storage.is_static {
            return self.syntax("a type name cannot have a storage class");
        }
        let pos = self.pos();
        let d = self.declarator(true)?;
        if let Some((name, p)) = d.name {
            return Err(ParseError {
                kind: ErrorKind::Syntax,
                pos: p,
                msg: format!("unexpected name '{name}' in a type"),
            });
        }
        self.apply(specs.base, specs.is_const, &d.derivs, pos)
    }

    /// Every declaration of a preprocessed header. Declarations that cannot be
    /// represented go to `skipped`; a syntax error stops the parse.
    pub fn header(&mut self, decls: &mut Vec<Decl>, skipped: &mut Vec<Skipped>) -> PResult<()> {
        let mut extern_blocks = 0u32;
        while let Some(t) = self.peek() {
            if t.is(";") {
                self.i += 1;
                continue;
            }
            if t.is("}") && extern_blocks > 0 {
                extern_blocks -= 1;
                self.i += 1;
                continue;
            }
            if t.is("extern") && self.peek_at(1).is_some_and(|n| n.kind == Kind::Str) {
                if self.peek_at(2).is_some_and(|n| n.is("{")) {
                    self.i += 3;
                    extern_blocks += 1;
                    continue;
                }
                self.i += 2;
            }
            if t.is("__pragma_pack") {
                self.pragma_pack()?;
                continue;
            }
            let start = self.i;
            match self.external_declaration(decls) {
                Ok(()) => {}
                Err(e) if e.kind == ErrorKind::Unsupported => {
                    let name = self.declared_name(start);
                    skipped.push(Skipped {
                        name,
                        pos: e.pos,
                        reason: e.msg,
                    });
                    self.depth = 0;
                    self.param_specs = false;
                    self.recover(start)?;
                }
                Err(e) => {
                    let at = self.toks.get(start).map(|t| t.pos.file as usize);
                    if !at.is_some_and(|f| self.system.get(f).copied().unwrap_or(false)) {
                        return Err(e);
                    }
                    // cshared does not understand a declaration of a system
                    // header (the compiler does): skip it, and say so.
                    let name = self.declared_name(start);
                    skipped.push(Skipped {
                        name,
                        pos: e.pos,
                        reason: format!("{NOT_READ}: {}", e.msg),
                    });
                    self.depth = 0;
                    self.param_specs = false;
                    self.recover(start)?;
                }
            }
        }
        Ok(())
    }

    /// `__pragma_pack ( n )` or `__pragma_pack ( )`, which the preprocessor
    /// writes for `#pragma pack`.
    fn pragma_pack(&mut self) -> PResult<()> {
        self.i += 1;
        self.expect("(")?;
        if self.eat(")") {
            self.pack = None;
            return Ok(());
        }
        let n = self.const_expr()?;
        self.expect(")")?;
        self.pack = match n {
            0 => None,
            n if n > 0 && n <= 64 && (n & (n - 1)) == 0 => Some(n as usize),
            _ => return self.syntax(format!("bad #pragma pack value {n}")),
        };
        Ok(())
    }

    /// Best guess at the name a failed declaration was declaring, for
    /// `skipped`: the last identifier before the first `(`, `;`, `=`, `{` or
    /// `[` that follows one, with attribute groups passed over.
    fn declared_name(&self, start: usize) -> Option<Arc<str>> {
        let toks = &self.toks[start..];
        let mut last: Option<Arc<str>> = None;
        let mut i = 0;
        while i < toks.len() {
            let t = &toks[i];
            if t.kind == Kind::Ident
                && matches!(
                    &*t.text,
                    "__attribute__" | "__attribute" | "__declspec" | "__asm__" | "asm"
                )
            {
                // Skip the balanced group after it.
                let mut depth = 0;
                i += 1;
                while i < toks.len() {
                    if toks[i].is("(") {
                        depth += 1;
                    } else if toks[i].is(")") {
                        depth -= 1;
                        if depth <= 0 {
                            break;
                        }
                    }
                    i += 1;
                }
            } else if t.is("(") || t.is(";") || t.is("=") || t.is("{") || t.is("[") {
                if last.is_some() {
                    break;
                }
            } else if t.kind == Kind::Ident && !is_keyword(&t.text) {
                last = Some(t.text.clone());
            }
            i += 1;
        }
        last
    }

    /// After an unsupported declaration: skip to the end of it.
    fn recover(&mut self, start: usize) -> PResult<()> {
        self.i = start;
        let mut depth = 0i32;
        while let Some(t) = self.bump() {
            if t.kind != Kind::Punct {
                continue;
            }
            match &*t.text {
                "(" | "[" => depth += 1,
                ")" | "]" => depth -= 1,
                "{" => {
                    // After `)`, a function body, which ends the declaration;
                    // else a struct, union or enum body inside it.
                    let body = self.i >= 2 && self.toks[self.i - 2].is(")");
                    self.i -= 1;
                    self.skip_group()?;
                    if depth == 0 && body {
                        return Ok(());
                    }
                }
                ";" if depth <= 0 => return Ok(()),
                _ => {}
            }
        }
        Ok(())
    }

    fn external_declaration(&mut self, decls: &mut Vec<Decl>) -> PResult<()> {
        if self.at("_Static_assert") || self.at("static_assert") {
            self.i += 1;
            self.skip_group()?;
            return self.expect(";");
        }
        if self.at("__asm__") || self.at("asm") || self.at("__asm") {
            self.i += 1;
            self.skip_group()?;
            return self.expect(";");
        }
        let doc = self.peek().and_then(|t| t.doc.clone());
        let specs = self.specifiers()?;
        if let Some(d) = specs.defined.clone() {
            decls.push(match d {
                Decl::Record { record, pos, .. } => Decl::Record {
                    record,
                    doc: doc.clone(),
                    pos,
                },
                Decl::Enum { ty, pos, .. } => Decl::Enum {
                    ty,
                    doc: doc.clone(),
                    pos,
                },
                other => other,
            });
        }
        if self.eat(";") {
            return Ok(());
        }
        loop {
            let dpos = self.pos();
            let d = self.declarator(false)?;
            let (name, pos) = match d.name.clone() {
                Some(n) => n,
                None => {
                    return Err(ParseError {
                        kind: ErrorKind::Syntax,
                        pos: dpos,
                        msg: format!("expected a declaration but found {}", self.describe()),
                    })
                }
            };
            let mut tattrs = Attrs::default();
            let symbol = self.trailing_attributes_into(&mut tattrs)?;
            let mut ty = self.apply(specs.base.clone(), specs.is_const, &d.derivs, pos);
            let mode = tattrs.mode.clone().or_else(|| specs.mode.clone());
            if mode.is_some() {
                ty = ty.and_then(|t| self.apply_mode(t, mode.as_deref(), pos));
            }
            if specs.storage.typedef {
                let t = ty?;
                let t = self.name_anonymous(&name, t);
                self.names.local.typedefs.insert(name.clone(), t.clone());
                decls.push(Decl::Typedef {
                    name,
                    ty: t,
                    doc: doc.clone(),
                    pos,
                });
            } else if self.at("{") {
                // A function definition (a `static inline` in a header): never a symbol.
                self.skip_group()?;
                if ty.is_ok() {
                    ty = self.unsupported(pos, "function defined in the header (static inline), not exported");
                }
                ty?;
                return Ok(());
            } else {
                let t = ty?;
                match t {
                    Type::Function(sig) => {
                        if specs.storage.is_static {
                            return self.unsupported(pos, "static function, not exported");
                        }
                        decls.push(Decl::Function(FuncDecl {
                            name,
                            sig: (*sig).clone(),
                            doc: doc.clone(),
                            pos,
                            symbol,
                        }));
                    }
                    t => {
                        if self.eat("=") {
                            self.skip_initializer()?;
                        }
                        if !specs.storage.is_static {
                            decls.push(Decl::Variable {
                                name,
                                ty: t,
                                doc: doc.clone(),
                                pos,
                            });
                        }
                    }
                }
            }
            if self.eat(",") {
                continue;
            }
            return self.expect(";");
        }
    }

    fn skip_initializer(&mut self) -> PResult<()> {
        while let Some(t) = self.peek() {
            if t.is(",") || t.is(";") {
                return Ok(());
            }
            if t.is("(") || t.is("{") || t.is("[") {
                self.skip_group()?;
            } else {
                self.i += 1;
            }
        }
        Ok(())
    }

    /// `typedef struct { ... } Name;` names the anonymous struct `Name`. Go's
    /// headers define `_GoString_` and `GoSlice` this way; those become Go's
    /// own types when their layout is the expected one.
    fn name_anonymous(&mut self, name: &Arc<str>, t: Type) -> Type {
        match (&**name, &t) {
            ("_GoString_" | "GoString", Type::Record(_)) | ("GoSlice", Type::Record(_)) => {
                if let Some(go) = builtin_type(name) {
                    if go.size() == t.size() {
                        return go;
                    }
                }
                t
            }
            (_, Type::Record(r)) if r.name.is_none() => {
                // Re-create the record with the typedef's name. It has no tag,
                // so nothing else refers to it yet.
                let named = Record::new(r.kind, Some(name.clone()));
                if let Some(body) = r.body() {
                    named.complete(body.clone());
                }
                Type::Record(Arc::new(named))
            }
            (_, Type::Enum(e)) if e.name.is_none() => {
                let mut e2 = (**e).clone();
                e2.name = Some(name.clone());
                Type::Enum(Arc::new(e2))
            }
            _ => t,
        }
    }

    /// `t` in the machine mode `mode` (`__attribute__((mode(DI)))`): the
    /// integer or floating type of that width.
    fn apply_mode(&self, t: Type, mode: Option<&str>, pos: Pos) -> PResult<Type> {
        let Some(mode) = mode else { return Ok(t) };
        let bytes: Option<u8> = match mode {
            "QI" | "byte" => Some(1),
            "HI" => Some(2),
            "SI" => Some(4),
            "DI" => Some(8),
            "word" | "pointer" | "unwind_word" => Some(crate::types::POINTER_SIZE as u8),
            _ => None,
        };
        match (&t, bytes, mode) {
            (Type::Int(i) | Type::Char(i), Some(b), _) => Ok(Type::Int(Int::new(b, i.signed))),
            (Type::Enum(e), Some(b), _) => Ok(Type::Int(Int::new(b, e.repr.signed))),
            (Type::F32 | Type::F64, _, "SF") => Ok(Type::F32),
            (Type::F32 | Type::F64, _, "DF") => Ok(Type::F64),
            _ => self.unsupported(pos, format!("{t} in mode {mode}")),
        }
    }

    /// Attributes and `__asm__("symbol")` after a declarator. Returns the asm name.
    fn trailing_attributes(&mut self) -> PResult<Option<Arc<str>>> {
        self.trailing_attributes_into(&mut Attrs::default())
    }

    fn trailing_attributes_into(&mut self, attrs: &mut Attrs) -> PResult<Option<Arc<str>>> {
        let mut symbol = None;
        loop {
            if self.at("__asm__") || self.at("__asm") || self.at("asm") {
                self.i += 1;
                self.expect("(")?;
                let mut s = String::new();
                while let Some(t) = self.peek() {
                    if t.kind != Kind::Str {
                        break;
                    }
                    s.push_str(&unquote(&t.text));
                    self.i += 1;
                }
                self.expect(")")?;
                if !s.is_empty() {
                    symbol = Some(Arc::from(s));
                }
            } else if self.at_attribute() {
                self.attribute(attrs)?;
            } else {
                return Ok(symbol);
            }
        }
    }

    fn at_attribute(&self) -> bool {
        match self.peek() {
            Some(t) if t.kind == Kind::Ident => matches!(
                &*t.text,
                "__attribute__"
                    | "__attribute"
                    | "__declspec"
                    | "_Noreturn"
                    | "__cdecl"
                    | "__stdcall"
                    | "__fastcall"
                    | "__vectorcall"
                    | "__thiscall"
            ),
            Some(t) => t.is("[") && self.peek_at(1).is_some_and(|n| n.is("[")),
            None => false,
        }
    }

    /// Parses one attribute group, noting `packed` and `aligned(n)`.
    fn attribute(&mut self, attrs: &mut Attrs) -> PResult<()> {
        let t = match self.bump() {
            Some(t) => t,
            None => return Ok(()),
        };
        if t.is("[") {
            // C23 [[...]]
            self.i -= 1;
            return self.skip_group();
        }
        if !matches!(&*t.text, "__attribute__" | "__attribute" | "__declspec") {
            return Ok(());
        }
        let declspec = &*t.text == "__declspec";
        if !self.at("(") {
            return self.syntax(format!("expected '(' after {}", t.text));
        }
        let start = self.i;
        self.skip_group()?;
        let inner = &self.toks[start..self.i];
        let mut k = 0;
        while k < inner.len() {
            let w = &inner[k];
            let word = w.text.trim_matches('_');
            if w.kind == Kind::Ident && word == "packed" {
                attrs.packed = true;
            } else if w.kind == Kind::Ident && (word == "aligned" || (declspec && word == "align")) {
                // aligned(n), or bare `aligned` meaning the largest alignment.
                let mut n = 16;
                if inner.get(k + 1).is_some_and(|t| t.is("(")) {
                    let mut depth = 0usize;
                    let close = (k + 1..inner.len())
                        .find(|&j| {
                            if inner[j].is("(") {
                                depth += 1;
                            } else if inner[j].is(")") {
                                depth = depth.saturating_sub(1);
                            }
                            depth == 0
                        })
                        .unwrap_or(inner.len());
                    let mut sub = Parser::new(
                        &inner[k + 2..close],
                        Names {
                            local: self.names.local,
                            bases: self.names.bases,
                        },
                    );
                    n = sub.const_expr()? as i64 as usize;
                    k = close;
                }
                if n == 0 || (n & (n - 1)) != 0 || n > 1 << 20 {
                    return self.unsupported(w.pos, format!("bad alignment {n}"));
                }
                attrs.aligned = Some(attrs.aligned.unwrap_or(1).max(n));
            } else if w.kind == Kind::Ident && word == "mode" && inner.get(k + 1).is_some_and(|t| t.is("(")) {
                match inner.get(k + 2) {
                    Some(m) if m.kind == Kind::Ident && inner.get(k + 3).is_some_and(|t| t.is(")")) => {
                        attrs.mode = Some(Arc::from(m.text.trim_matches('_')));
                        k += 3;
                    }
                    _ => return self.unsupported(w.pos, "a malformed __attribute__((mode))"),
                }
            } else if w.kind == Kind::Ident && (word == "vector_size" || word == "mode") {
                return self.unsupported(w.pos, format!("__attribute__(({word})) is not supported"));
            }
            k += 1;
        }
        Ok(())
    }

    // ----- specifiers -----

    fn specifiers(&mut self) -> PResult<Specs> {
        let start = self.pos();
        let mut storage = Storage::default();
        let mut is_const = false;
        let mut align: Option<usize> = None;
        let mut attrs = Attrs::default();
        let (mut void, mut boolean, mut chr, mut short, mut int, mut long) = (0, 0, 0, 0, 0, 0);
        let (mut float, mut double, mut signed, mut unsigned, mut complex) = (0, 0, 0, 0, 0);
        // A type cshared knows by name but cannot pass (`__int128`, `_Float128`).
        let mut unsupported: Option<String> = None;
        let mut named: Option<Type> = None;
        let mut defined: Option<Decl> = None;
        let mut any_type = false;
        while let Some(t) = self.peek() {
            if t.is("[") && self.peek_at(1).is_some_and(|n| n.is("[")) {
                self.skip_group()?;
                continue;
            }
            if t.is("[") && self.peek_at(1).is_some_and(|n| n.is("]")) && !any_type && named.is_none() {
                // Go's spelling of a slice whose element type is known:
                // `GoFloat64 Sum([]float64 xs)`.
                named = Some(self.go_slice()?);
                any_type = true;
                continue;
            }
            if t.kind != Kind::Ident {
                break;
            }
            let w = &*t.text;
            match w {
                "typedef" => storage.typedef = true,
                "extern" => {
                    if self.peek_at(1).is_some_and(|n| n.kind == Kind::Str) {
                        self.i += 1;
                    }
                }
                "static" => storage.is_static = true,
                "inline" | "__inline" | "__inline__" | "__forceinline" => storage.inline = true,
                "_Noreturn" | "register" | "auto" | "_Thread_local" | "__thread" | "thread_local" | "__extension__"
                | "constexpr" | "__cdecl" | "__stdcall" | "__fastcall" | "__vectorcall" | "__thiscall" | "__w64"
                | "__ptr64" | "__ptr32" => {}
                // Microsoft's SAL annotations: every pointer is in and out here.
                s if is_sal(s) => {}
                "const" | "__const" | "__const__" => is_const = true,
                "volatile" | "__volatile" | "__volatile__" | "restrict" | "__restrict" | "__restrict__"
                | "_Nonnull" | "_Nullable" | "_Null_unspecified" | "__nonnull" | "_Nullable_result" | "__unaligned" => {
                }
                "_Atomic" => {
                    if self.peek_at(1).is_some_and(|n| n.is("(")) {
                        self.i += 2;
                        let inner = self.type_name()?;
                        self.expect(")")?;
                        named = Some(inner);
                        any_type = true;
                        continue;
                    }
                }
                "__attribute__" | "__attribute" | "__declspec" => {
                    self.attribute(&mut attrs)?;
                    continue;
                }
                "_Alignas" | "alignas" => {
                    self.i += 1;
                    self.expect("(")?;
                    let n = if self.starts_type() {
                        let ty = self.type_name()?;
                        ty.align().unwrap_or(1)
                    } else {
                        self.const_expr()? as usize
                    };
                    self.expect(")")?;
                    align = Some(align.unwrap_or(1).max(n));
                    continue;
                }
                "void" => void += 1,
                // (`bool` is stdbool.h's macro, or a builtin type name for prototypes.)
                "_Bool" => boolean += 1,
                "char" => chr += 1,
                "short" => short += 1,
                "int" => int += 1,
                "long" => long += 1,
                "float" => float += 1,
                "double" => double += 1,
                "signed" | "__signed" | "__signed__" => signed += 1,
                "unsigned" => unsigned += 1,
                // MSVC's sized integer keywords (sqlite3.h: `unsigned __int64`).
                "__int8" if cfg!(windows) => chr += 1,
                "__int16" if cfg!(windows) => short += 1,
                "__int32" if cfg!(windows) => int += 1,
                "__int64" if cfg!(windows) => long += 2,
                "_Complex" | "__complex__" | "_Imaginary" => complex += 1,
                "__int128" | "__int128_t" | "__uint128_t" | "_Float16" | "_Float32" | "_Float64" | "_Float128"
                | "_Float32x" | "_Float64x" | "__float128" | "__fp16" | "__bf16" | "_Decimal32" | "_Decimal64"
                | "_Decimal128" | "__float80" => {
                    unsupported = Some(w.to_string());
                    any_type = true;
                }
                "struct" | "union" => {
                    if any_type || named.is_some() {
                        return self.syntax(format!("two types in one declaration ('{w}')"));
                    }
                    let (ty, def) = self.record_specifier()?;
                    named = Some(ty);
                    defined = def;
                    any_type = true;
                    continue;
                }
                "enum" => {
                    if any_type || named.is_some() {
                        return self.syntax("two types in one declaration ('enum')");
                    }
                    let (ty, def) = self.enum_specifier()?;
                    named = Some(ty);
                    defined = def;
                    any_type = true;
                    continue;
                }
                "typeof" | "__typeof__" | "__typeof" | "typeof_unqual" | "__typeof_unqual__" => {
                    if any_type || named.is_some() {
                        return self.syntax(format!("two types in one declaration ('{w}')"));
                    }
                    named = Some(self.typeof_specifier()?);
                    any_type = true;
                    continue;
                }
                _ => {
                    if any_type || named.is_some() {
                        break;
                    }
                    if let Some(ty) = self.names.typedef(w) {
                        named = Some(ty);
                        any_type = true;
                        self.i += 1;
                        continue;
                    }
                    // An unknown name where a type is expected: `foo_t x`, `foo_t *x`,
                    // and in a parameter list `foo_t` alone (`void f(pid_t);`).
                    let next = self.peek_at(1);
                    let in_param = self.param_specs && !any_type && unsupported.is_none();
                    if (in_param || next.is_some_and(|n| n.kind == Kind::Ident || n.is("*"))) && !is_keyword(w) {
                        return self.unsupported(t.pos, format!("unknown type name '{w}'"));
                    }
                    break;
                }
            }
            if matches!(
                w,
                "void"
                    | "_Bool"
                    | "char"
                    | "short"
                    | "int"
                    | "long"
                    | "float"
                    | "double"
                    | "signed"
                    | "__signed"
                    | "__signed__"
                    | "unsigned"
                    | "_Complex"
                    | "__complex__"
            ) || is_msvc_int(w)
            {
                any_type = true;
            }
            self.i += 1;
        }
        if let Some(what) = unsupported {
            // Declarations using it parse; calling with it is refused.
            return Ok(Specs {
                storage,
                base: Type::Unsupported(Arc::from(what)),
                is_const,
                align,
                mode: attrs.mode.clone(),
                defined,
            });
        }
        let keywords = void + boolean + chr + short + int + long + float + double + signed + unsigned + complex;
        let base = match named {
            Some(t) => {
                if keywords > 0 {
                    return Err(ParseError {
                        kind: ErrorKind::Syntax,
                        pos: start,
                        msg: "conflicting type specifiers".into(),
                    });
                }
                t
            }
            None => {
                if keywords == 0 {
                    // An unknown name where a type belongs (C compilers say
                    // the same): the declaration is skipped, as its type is unknown.
                    return Err(match self.peek() {
                        Some(t) if t.kind == Kind::Ident && !is_keyword(&t.text) => ParseError {
                            kind: ErrorKind::Unsupported,
                            pos: t.pos,
                            msg: format!("unknown type name '{}'", t.text),
                        },
                        _ => ParseError {
                            kind: ErrorKind::Syntax,
                            pos: start,
                            msg: format!("expected a type but found {}", self.describe()),
                        },
                    });
                }
                let bad = |what: &str| ParseError {
                    kind: ErrorKind::Syntax,
                    pos: start,
                    msg: format!("invalid type: {what}"),
                };
                if signed > 0 && unsigned > 0 {
                    return Err(bad("both signed and unsigned"));
                }
                if complex > 0 {
                    let what = if float > 0 { "float _Complex" } else { "double _Complex" };
                    return Ok(Specs {
                        storage,
                        base: Type::Unsupported(Arc::from(what)),
                        is_const,
                        align,
                        mode: attrs.mode.clone(),
                        defined,
                    });
                }
                let is_signed = unsigned == 0;
                if void > 0 {
                    if keywords != 1 {
                        return Err(bad("void combined with another type"));
                    }
                    Type::Void
                } else if boolean > 0 {
                    if keywords != 1 {
                        return Err(bad("bool combined with another type"));
                    }
                    Type::Bool
                } else if chr > 0 {
                    if chr > 1 || short + int + long + float + double > 0 {
                        return Err(bad("char combined with another type"));
                    }
                    if signed + unsigned == 0 {
                        Type::Char(Int::new(1, crate::types::CHAR_SIGNED))
                    } else {
                        Type::Int(Int::new(1, is_signed))
                    }
                } else if float > 0 {
                    if keywords != 1 {
                        return Err(bad("float combined with another type"));
                    }
                    Type::F32
                } else if double > 0 {
                    if long == 1 && keywords == 2 {
                        return Ok(Specs {
                            storage,
                            base: Type::Unsupported(Arc::from("long double")),
                            is_const,
                            align,
                            mode: attrs.mode.clone(),
                            defined,
                        });
                    }
                    if keywords != 1 {
                        return Err(bad("double combined with another type"));
                    }
                    Type::F64
                } else if short > 0 {
                    if short > 1 || long > 0 || int > 1 {
                        return Err(bad("short combined with long"));
                    }
                    Type::Int(Int::new(2, is_signed))
                } else if long > 0 {
                    if long > 2 || int > 1 {
                        return Err(bad("too many 'long'"));
                    }
                    Type::Int(Int::new(
                        if long == 2 { 8 } else { crate::types::LONG_BYTES },
                        is_signed,
                    ))
                } else {
                    if int > 1 {
                        return Err(bad("'int int'"));
                    }
                    Type::Int(Int::new(4, is_signed))
                }
            }
        };
        Ok(Specs {
            storage,
            base,
            is_const,
            align,
            mode: attrs.mode,
            defined,
        })
    }

    /// `[]T` with T one of Go's numeric types (`float64`, `int32`, `byte`,
    /// `int`, …, or the cgo names `GoFloat64` …): a `GoSlice` of that
    /// element type.
    fn go_slice(&mut self) -> PResult<Type> {
        self.i += 2;
        match self.peek() {
            Some(e) if e.kind == Kind::Ident => match ArrayClass::of_go_name(&e.text) {
                Some(c) => {
                    self.i += 1;
                    Ok(Type::Go(GoType::Slice(Some(c))))
                }
                None => self.unsupported(
                    e.pos,
                    format!(
                        "[]{}: a slice's element type must be one of Go's numeric types (int8 … int64, uint8 … uint64, int, uint, uintptr, byte, rune, float32, float64)",
                        e.text
                    ),
                ),
            },
            _ => self.syntax(format!("expected a Go element type after '[]', found {}", self.describe())),
        }
    }

    /// `typeof (type)` or `typeof (expression)`, for a constant expression.
    fn typeof_specifier(&mut self) -> PResult<Type> {
        let pos = self.pos();
        self.i += 1;
        self.expect("(")?;
        let ty = if self.starts_type() {
            self.type_name()?
        } else {
            match self.const_value() {
                Ok(Value::Int(_, t)) => Type::Int(Int::new(t.bits / 8, t.signed)),
                Ok(Value::Float(_, FloatTy::Float)) => Type::F32,
                Ok(Value::Float(_, FloatTy::Double)) => Type::F64,
                Ok(Value::Float(_, FloatTy::LongDouble)) => Type::Unsupported(Arc::from("long double")),
                Ok(Value::Ptr(_)) => Type::pointer_to(Type::Void, false),
                Err(e) if e.kind == ErrorKind::Unsupported => {
                    return self.unsupported(pos, "typeof of an expression that is not a constant");
                }
                Err(e) => return Err(e),
            }
        };
        self.expect(")")?;
        Ok(ty)
    }

    /// Whether the next tokens start a type name (for casts, sizeof, params).
    fn starts_type(&self) -> bool {
        match self.peek() {
            Some(t) if t.kind == Kind::Ident => is_type_keyword(&t.text) || self.names.typedef(&t.text).is_some(),
            _ => false,
        }
    }

    fn record_specifier(&mut self) -> PResult<(Type, Option<Decl>)> {
        let kw = self
            .bump()
            .map(|t| t.text.clone())
            .unwrap_or_else(|| Arc::from("struct"));
        let kind = if &*kw == "union" {
            RecordKind::Union
        } else {
            RecordKind::Struct
        };
        let mut attrs = Attrs::default();
        while self.at_attribute() {
            self.attribute(&mut attrs)?;
        }
        let name_tok = match self.peek() {
            Some(t) if t.kind == Kind::Ident && !is_keyword(&t.text) => {
                self.i += 1;
                Some(t)
            }
            _ => None,
        };
        while self.at_attribute() {
            self.attribute(&mut attrs)?;
        }
        if !self.at("{") {
            let t = match name_tok {
                Some(t) => t,
                None => return self.syntax(format!("expected a name or '{{' after '{kw}'")),
            };
            if let Some(r) = self.names.record(&t.text) {
                if r.kind != kind {
                    return self.syntax(format!("'{}' was declared as a {}", t.text, r.keyword()));
                }
                return Ok((Type::Record(r), None));
            }
            // A forward declaration: an incomplete (opaque) record.
            let r = Arc::new(Record::new(kind, Some(t.text.clone())));
            self.names.local.records.insert(t.text.clone(), r.clone());
            return Ok((Type::Record(r), None));
        }
        self.enter()?;
        let outer_param = std::mem::replace(&mut self.param_specs, false);
        let body_pos = self.pos();
        self.i += 1;
        let mut members: Vec<Member> = Vec::new();
        let mut problem: Option<ParseError> = None;
        while !self.eat("}") {
            if self.at_end() {
                return Err(ParseError {
                    kind: ErrorKind::Syntax,
                    pos: body_pos,
                    msg: format!("unterminated {kw} body"),
                });
            }
            if self.eat(";") {
                continue;
            }
            if self.at("_Static_assert") || self.at("static_assert") {
                self.i += 1;
                self.skip_group()?;
                self.expect(";")?;
                continue;
            }
            let mpos = self.pos();
            let specs = match self.specifiers() {
                Ok(s) => s,
                Err(e) if e.kind == ErrorKind::Unsupported => {
                    // Remember, skip the member, and fail the record at the end.
                    problem.get_or_insert(e);
                    self.skip_member()?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            if self.eat(";") {
                // An anonymous struct/union member.
                match &specs.base {
                    Type::Record(r) if r.name.is_none() => {
                        members.push((None, specs.base.clone(), None, specs.align, mpos))
                    }
                    _ => {}
                }
                continue;
            }
            loop {
                let (name, mut ty, pos) = if self.at(":") {
                    (None, Ok(specs.base.clone()), self.pos())
                } else {
                    let dpos = self.pos();
                    let d = self.declarator(false)?;
                    let pos = d.name.as_ref().map(|n| n.1).unwrap_or(dpos);
                    (
                        d.name.map(|n| n.0),
                        self.apply(specs.base.clone(), specs.is_const, &d.derivs, pos),
                        pos,
                    )
                };
                let width = if self.eat(":") {
                    let w = self.const_expr()?;
                    if !(0..=64).contains(&w) {
                        return Err(ParseError {
                            kind: ErrorKind::Syntax,
                            pos,
                            msg: format!("bad bitfield width {w}"),
                        });
                    }
                    Some(w as u32)
                } else {
                    None
                };
                let mut mattrs = Attrs::default();
                while self.at_attribute() {
                    self.attribute(&mut mattrs)?;
                }
                let mode = mattrs.mode.clone().or_else(|| specs.mode.clone());
                if mode.is_some() {
                    ty = ty.and_then(|t| self.apply_mode(t, mode.as_deref(), pos));
                }
                let align = match (specs.align, mattrs.aligned) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                if let Ok(Type::Function(_)) = &ty {
                    ty = self.unsupported(pos, "a struct member cannot be a function");
                }
                match ty {
                    Ok(t) => members.push((name, t, width, align, pos)),
                    Err(e) if e.kind == ErrorKind::Unsupported => {
                        problem.get_or_insert(e);
                    }
                    Err(e) => return Err(e),
                }
                if self.eat(",") {
                    continue;
                }
                self.expect(";")?;
                break;
            }
        }
        while self.at_attribute() {
            self.attribute(&mut attrs)?;
        }
        self.leave();
        self.param_specs = outer_param;
        let name = name_tok.map(|t| t.text.clone());
        // Find or make the record this body completes.
        let record = match &name {
            Some(n) => match self.names.local.records.get(n) {
                Some(r) if r.body().is_none() && r.kind == kind => r.clone(),
                Some(r) if r.body().is_some() => {
                    let pos = name_tok.map(|t| t.pos).unwrap_or(body_pos);
                    return self.unsupported(pos, format!("redefinition of {} {}", r.keyword(), n));
                }
                _ => {
                    let r = Arc::new(Record::new(kind, Some(n.clone())));
                    self.names.local.records.insert(n.clone(), r.clone());
                    r
                }
            },
            None => Arc::new(Record::new(kind, None)),
        };
        if let Some(e) = problem {
            return Err(e);
        }
        let max_align = if attrs.packed { Some(1) } else { self.pack };
        let mut b = RecordBuilder::new(kind, max_align);
        for (mname, ty, width, align, pos) in members {
            let r = match width {
                Some(w) => b.bitfield(mname, ty, w),
                None => b.field(mname, ty, align),
            };
            if let Err(msg) = r {
                return self.unsupported(pos, msg);
            }
        }
        record.complete(b.finish(attrs.aligned));
        let pos = name_tok.map(|t| t.pos).unwrap_or(body_pos);
        Ok((
            Type::Record(record.clone()),
            Some(Decl::Record { record, doc: None, pos }),
        ))
    }

    /// Skips to the end of a struct member after an error in it.
    fn skip_member(&mut self) -> PResult<()> {
        while let Some(t) = self.peek() {
            if t.is(";") {
                self.i += 1;
                return Ok(());
            }
            if t.is("}") {
                return Ok(());
            }
            if t.is("(") || t.is("[") || t.is("{") {
                self.skip_group()?;
            } else {
                self.i += 1;
            }
        }
        Ok(())
    }

    fn enum_specifier(&mut self) -> PResult<(Type, Option<Decl>)> {
        let enum_pos = self.pos();
        self.i += 1;
        let mut attrs = Attrs::default();
        while self.at_attribute() {
            self.attribute(&mut attrs)?;
        }
        let name = match self.peek() {
            Some(t) if t.kind == Kind::Ident && !is_keyword(&t.text) => {
                self.i += 1;
                Some(t.text.clone())
            }
            _ => None,
        };
        while self.at_attribute() {
            self.attribute(&mut attrs)?;
        }
        let mut fixed: Option<Int> = None;
        if self.eat(":") {
            fixed = match self.type_name()? {
                Type::Int(i) | Type::Char(i) => Some(i),
                Type::Bool => Some(Int::new(1, false)),
                other => return self.syntax(format!("enum base type must be an integer, not {other}")),
            };
        }
        if !self.at("{") {
            let n = match name {
                Some(n) => n,
                None => return self.syntax("expected a name or '{' after 'enum'"),
            };
            if let Some(e) = self.names.enum_type(&n) {
                return Ok((Type::Enum(e), None));
            }
            // GCC accepts a forward-declared enum; it is an int.
            let e = Arc::new(EnumType {
                name: Some(n.clone()),
                repr: fixed.unwrap_or(Int::new(4, true)),
                values: vec![],
            });
            return Ok((Type::Enum(e), None));
        }
        let open = self.pos();
        self.i += 1;
        let mut values: Vec<(Arc<str>, i64)> = Vec::new();
        let mut exact: Vec<i128> = Vec::new();
        let mut next: i128 = 0;
        while !self.eat("}") {
            let t = match self.bump() {
                Some(t) if t.kind == Kind::Ident => t,
                Some(t) => {
                    return Err(ParseError {
                        kind: ErrorKind::Syntax,
                        pos: t.pos,
                        msg: format!("expected an enumerator name but found '{}'", t.text),
                    })
                }
                None => {
                    return Err(ParseError {
                        kind: ErrorKind::Syntax,
                        pos: open,
                        msg: "unterminated enum".into(),
                    })
                }
            };
            while self.at_attribute() {
                self.attribute(&mut Attrs::default())?;
            }
            if self.eat("=") {
                next = self.const_expr()?;
            }
            if next < i128::from(i64::MIN) || next > i128::from(u64::MAX) {
                return self.unsupported(t.pos, format!("enumerator {} is out of range", t.text));
            }
            let v = next as i64;
            exact.push(next);
            values.push((t.text.clone(), v));
            self.names.local.constants.insert(t.text.clone(), v);
            next += 1;
            if !self.eat(",") {
                self.expect("}")?;
                break;
            }
        }
        while self.at_attribute() {
            self.attribute(&mut attrs)?;
        }
        let repr = fixed.unwrap_or_else(|| enum_repr(&exact, attrs.packed));
        let e = Arc::new(EnumType {
            name: name.clone(),
            repr,
            values,
        });
        if let Some(n) = name {
            self.names.local.enums.insert(n, e.clone());
        }
        Ok((
            Type::Enum(e.clone()),
            Some(Decl::Enum {
                ty: e,
                doc: None,
                pos: enum_pos,
            }),
        ))
    }

    // ----- declarators -----

    fn declarator(&mut self, abstract_ok: bool) -> PResult<Declarator> {
        self.enter()?;
        let r = self.declarator_inner(abstract_ok);
        self.leave();
        r
    }

    fn declarator_inner(&mut self, abstract_ok: bool) -> PResult<Declarator> {
        let mut ptrs: Vec<Deriv> = Vec::new();
        loop {
            if self.at_attribute() {
                self.attribute(&mut Attrs::default())?;
                continue;
            }
            if self.at("^") {
                return self.unsupported(self.pos(), "blocks (^) are not supported");
            }
            if !self.eat("*") {
                break;
            }
            if ptrs.len() >= MAX_DEPTH as usize {
                return self.unsupported(self.pos(), format!("more than {MAX_DEPTH} levels of pointers"));
            }
            let mut is_const = false;
            while let Some(t) = self.peek() {
                match &*t.text {
                    "const" | "__const" | "__const__" if t.kind == Kind::Ident => is_const = true,
                    "volatile" | "__volatile__" | "restrict" | "__restrict" | "__restrict__" | "_Nonnull"
                    | "_Nullable" | "_Null_unspecified" | "_Nullable_result" | "__ptr64" | "__ptr32" | "_Atomic"
                    | "__unaligned" | "__cdecl" | "__stdcall" | "__fastcall"
                        if t.kind == Kind::Ident => {}
                    "__attribute__" | "__attribute" | "__declspec" if t.kind == Kind::Ident => {
                        self.attribute(&mut Attrs::default())?;
                        continue;
                    }
                    _ => break,
                }
                self.i += 1;
            }
            ptrs.push(Deriv::Ptr { is_const });
        }
        // Calling conventions between `(` and `*`: `void (__stdcall *f)(void)`.
        while self.at_attribute() {
            self.attribute(&mut Attrs::default())?;
        }
        let mut inner: Vec<Deriv> = Vec::new();
        let mut name = None;
        match self.peek() {
            Some(t) if t.kind == Kind::Ident && !is_keyword(&t.text) => {
                self.i += 1;
                name = Some((t.text.clone(), t.pos));
            }
            Some(t) if t.is("(") && self.nested_declarator_follows(abstract_ok) => {
                self.i += 1;
                let d = self.declarator(abstract_ok)?;
                self.expect(")")?;
                inner = d.derivs;
                name = d.name;
            }
            _ => {}
        }
        if name.is_none() && !abstract_ok {
            return self.syntax(format!("expected a name but found {}", self.describe()));
        }
        let mut suffixes: Vec<Deriv> = Vec::new();
        loop {
            if self.at("[") {
                suffixes.push(self.array_suffix()?);
            } else if self.at("(") {
                suffixes.push(self.params()?);
            } else {
                break;
            }
            if suffixes.len() > MAX_DEPTH as usize {
                return self.unsupported(self.pos(), "declarator is too complex");
            }
        }
        inner.extend(suffixes);
        inner.extend(ptrs.into_iter().rev());
        Ok(Declarator { name, derivs: inner })
    }

    /// At `(`: a parenthesized declarator (`(*f)`) rather than a parameter list.
    fn nested_declarator_follows(&self, abstract_ok: bool) -> bool {
        let next = match self.peek_at(1) {
            Some(n) => n,
            None => return false,
        };
        if !abstract_ok {
            return true;
        }
        if next.is("*") || next.is("(") || next.is("[") || next.is("^") {
            return true;
        }
        if matches!(
            &*next.text,
            "__cdecl" | "__stdcall" | "__fastcall" | "__attribute__" | "__vectorcall"
        ) {
            return true;
        }
        next.kind == Kind::Ident && !is_type_keyword(&next.text) && self.names.typedef(&next.text).is_none()
    }

    fn array_suffix(&mut self) -> PResult<Deriv> {
        self.i += 1;
        while let Some(t) = self.peek() {
            if t.kind == Kind::Ident && matches!(&*t.text, "static" | "const" | "restrict" | "__restrict" | "volatile")
            {
                self.i += 1;
            } else {
                break;
            }
        }
        if self.eat("]") {
            return Ok(Deriv::Array(None));
        }
        if self.at("*") && self.peek_at(1).is_some_and(|n| n.is("]")) {
            self.i += 2;
            return Ok(Deriv::Array(None));
        }
        let pos = self.pos();
        let n = self.const_expr()?;
        self.expect("]")?;
        if n < 0 {
            return self.unsupported(pos, format!("negative array size {n}"));
        }
        if n > (1i128 << 40) {
            return self.unsupported(pos, format!("array size {n} is too large"));
        }
        Ok(Deriv::Array(Some(n as usize)))
    }

    fn params(&mut self) -> PResult<Deriv> {
        self.i += 1;
        let mut params = Vec::new();
        let mut variadic = false;
        if self.eat(")") {
            return Ok(Deriv::Func { params, variadic });
        }
        if self.at("void") && self.peek_at(1).is_some_and(|t| t.is(")")) {
            self.i += 2;
            return Ok(Deriv::Func { params, variadic });
        }
        loop {
            if self.eat("...") {
                variadic = true;
                self.expect(")")?;
                break;
            }
            let pstart = self.pos();
            let outer = std::mem::replace(&mut self.param_specs, true);
            let specs = self.specifiers();
            self.param_specs = outer;
            let specs = specs?;
            let d = self.declarator(true)?;
            let pos = d.name.as_ref().map(|n| n.1).unwrap_or(pstart);
            let ty = self.apply(specs.base, specs.is_const, &d.derivs, pos)?;
            // Arrays and functions as parameters are pointers.
            let ty = match ty {
                Type::Array(a) => Type::pointer_to(a.elem.clone(), specs.is_const),
                f @ Type::Function(_) => Type::pointer_to(f, false),
                Type::Void => {
                    return Err(ParseError {
                        kind: ErrorKind::Syntax,
                        pos,
                        msg: "a parameter cannot have type void".into(),
                    })
                }
                t => t,
            };
            while self.at_attribute() {
                self.attribute(&mut Attrs::default())?;
            }
            params.push(Param {
                name: d.name.map(|n| n.0),
                ty,
            });
            if params.len() > MAX_PARAMS {
                return self.unsupported(pos, format!("more than {MAX_PARAMS} parameters"));
            }
            if self.eat(",") {
                continue;
            }
            self.expect(")")?;
            break;
        }
        Ok(Deriv::Func { params, variadic })
    }

    /// Builds the declared type from the base type and the declarator's
    /// derivations, innermost (closest to the name) first.
    fn apply(&self, base: Type, base_const: bool, derivs: &[Deriv], pos: Pos) -> PResult<Type> {
        let mut t = base;
        let mut is_const = base_const;
        for d in derivs.iter().rev() {
            t = match d {
                Deriv::Ptr { is_const: c } => {
                    let p = Type::pointer_to(t, is_const);
                    is_const = *c;
                    p
                }
                Deriv::Array(n) => {
                    if matches!(t, Type::Function(_)) {
                        return self.unsupported(pos, "array of functions");
                    }
                    if matches!(t, Type::Void) {
                        return self.unsupported(pos, "array of void");
                    }
                    Type::array_of(t, *n)
                }
                Deriv::Func { params, variadic } => {
                    if matches!(t, Type::Array(_) | Type::Function(_)) {
                        return self.unsupported(pos, format!("a function cannot return {t}"));
                    }
                    is_const = false;
                    Type::Function(Arc::new(Signature {
                        ret: t,
                        params: params.clone(),
                        variadic: *variadic,
                    }))
                }
            };
        }
        Ok(t)
    }
}

/// GCC's choice of type for an enum: `unsigned int` when nothing is negative,
/// else `int`, widening to 64 bits when the values need it; the smallest that
/// fits when packed.
fn enum_repr(values: &[i128], packed: bool) -> Int {
    let neg = values.iter().any(|v| *v < 0);
    let min = values.iter().copied().min().unwrap_or(0);
    let max = values.iter().copied().max().unwrap_or(0);
    let sizes: &[u8] = if packed { &[1, 2, 4, 8] } else { &[4, 8] };
    for &bytes in sizes {
        let int = Int::new(bytes, neg);
        let (lo, hi) = int.range();
        if min >= lo && max <= hi {
            return int;
        }
    }
    Int::new(8, neg)
}

/// Parses a C integer constant (decimal, octal, hex or binary, with suffixes).
pub fn parse_int(text: &str) -> Option<i128> {
    let t = text.replace('\'', "");
    let t = t.trim_end_matches(['u', 'U', 'l', 'L', 'z', 'Z']);
    let (digits, radix) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        (b, 2)
    } else if t.len() > 1 && t.starts_with('0') {
        (&t[1..], 8)
    } else {
        (t, 10)
    };
    if digits.is_empty() {
        return None;
    }
    let v = u128::from_str_radix(digits, radix).ok()?;
    if v > u128::from(u64::MAX) {
        return None;
    }
    Some(v as i128)
}

/// The value of a character constant such as `'a'` or `'\n'`.
pub fn char_value(text: &str) -> Option<i128> {
    let inner = text.trim_start_matches(['L', 'u', 'U', '8']);
    let inner = inner.strip_prefix('\'')?.strip_suffix('\'')?;
    let bytes = unescape(inner)?;
    let mut v: i128 = 0;
    for b in &bytes {
        v = (v << 8) | i128::from(*b);
    }
    if bytes.len() == 1 {
        // Plain char is signed on most targets.
        v = i128::from(bytes[0] as i8);
    }
    Some(v)
}

/// Decodes C escapes in the text between quotes.
pub fn unescape(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        let c = *b.get(i)?;
        i += 1;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            b'x' => {
                let start = i;
                while i < b.len() && b[i].is_ascii_hexdigit() {
                    i += 1;
                }
                let v = u32::from_str_radix(std::str::from_utf8(&b[start..i]).ok()?, 16).ok()?;
                out.push(v as u8);
            }
            b'u' | b'U' => {
                // A universal character name: its UTF-8 bytes.
                let n = if c == b'u' { 4 } else { 8 };
                let hex = std::str::from_utf8(b.get(i..i + n)?).ok()?;
                let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                i += n;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'e' => out.push(27),
            other => out.push(other),
        }
    }
    Some(out)
}

/// The bytes of a string literal token, escapes decoded.
pub fn unquote_bytes(text: &str) -> Vec<u8> {
    let inner = text.trim_start_matches(['L', 'u', 'U', '8']);
    let inner = inner
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(inner);
    unescape(inner).unwrap_or_else(|| inner.as_bytes().to_vec())
}

/// The contents of a string literal token, escapes decoded.
pub fn unquote(text: &str) -> String {
    let inner = text.trim_start_matches(['L', 'u', 'U', '8']);
    let inner = inner
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(inner);
    match unescape(inner) {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => inner.to_string(),
    }
}

/// MSVC's sized integer keywords (`unsigned __int64` in sqlite3.h), read on
/// Windows only.
fn is_msvc_int(w: &str) -> bool {
    cfg!(windows) && matches!(w, "__int8" | "__int16" | "__int32" | "__int64")
}

fn is_type_keyword(w: &str) -> bool {
    is_sal(w)
        || is_msvc_int(w)
        || matches!(
            w,
            "void"
                | "char"
                | "short"
                | "int"
                | "long"
                | "float"
                | "double"
                | "signed"
                | "unsigned"
                | "_Bool"
                | "struct"
                | "union"
                | "enum"
                | "const"
                | "volatile"
                | "_Complex"
                | "__signed"
                | "__signed__"
                | "__const"
                | "_Atomic"
                | "__int128"
                | "restrict"
                | "__restrict"
                | "__extension__"
                | "__attribute__"
                | "typeof"
                | "__typeof__"
                | "__typeof"
                | "_Float128"
                | "__float128"
        )
}

/// A SAL annotation without arguments (`_In_`, `_Out_opt_`, `_Inout_z_`).
pub fn is_sal(w: &str) -> bool {
    matches!(
        w,
        "_In_"
            | "_Out_"
            | "_Inout_"
            | "_In_opt_"
            | "_Out_opt_"
            | "_Inout_opt_"
            | "_In_z_"
            | "_Inout_z_"
            | "_In_opt_z_"
            | "_Outptr_"
            | "_Outptr_opt_"
            | "_Ret_maybenull_"
            | "_Ret_notnull_"
            | "_Success_"
    )
}

pub fn is_keyword(w: &str) -> bool {
    is_type_keyword(w)
        || matches!(
            w,
            "typedef"
                | "extern"
                | "static"
                | "inline"
                | "__inline"
                | "__inline__"
                | "register"
                | "auto"
                | "_Noreturn"
                | "_Alignas"
                | "alignas"
                | "sizeof"
                | "return"
                | "if"
                | "else"
                | "for"
                | "while"
                | "do"
                | "switch"
                | "case"
                | "default"
                | "break"
                | "continue"
                | "goto"
                | "__attribute"
                | "__declspec"
                | "_Thread_local"
                | "__thread"
                | "__asm__"
                | "asm"
        )
}
