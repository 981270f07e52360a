//! Reading a library's C header: preprocess it, parse every declaration, and
//! collect what a library binding needs: functions, types, constants (enum
//! values and `#define`s), and what was skipped and why. Pure Rust.

use crate::call::Plan;
use crate::cdecl::parser::{self, unquote_bytes, Parser, Value};
use crate::cdecl::preproc::{self, FileSource, SourceFile};
use crate::cdecl::target::{self, SystemDir};
use crate::cdecl::{lexer, Decl, FuncDecl, Names, Pos, Scope};
use crate::types::Type;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub include_dirs: Vec<PathBuf>,
    pub defines: Vec<(String, String)>,
    /// The system search path; `None` for the C compiler's
    /// (`target::default_system_dirs()`).
    pub system_dirs: Option<Vec<SystemDir>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConstValue {
    Int(i128),
    Float(f64),
    Str(String),
    /// A string literal whose bytes are not UTF-8 text (`"\xff\xfe"`).
    Bytes(Vec<u8>),
    /// A cast to a pointer type, such as `((sqlite3_destructor_type)-1)`.
    Pointer(u64),
}

#[derive(Clone, Debug)]
pub struct Constant {
    pub name: Arc<str>,
    pub value: ConstValue,
    pub doc: Option<Arc<str>>,
}

#[derive(Clone, Debug)]
pub struct Skipped {
    pub name: Option<Arc<str>>,
    pub reason: String,
    pub file: String,
    pub line: u32,
}

#[derive(Clone, Debug)]
pub struct NamedType {
    pub name: Arc<str>,
    pub ty: Type,
    pub doc: Option<Arc<str>>,
}

#[derive(Debug, Default)]
pub struct Header {
    /// Every type name the header declares, for prototypes and type names.
    pub scope: Scope,
    /// Functions in declaration order (a later redeclaration replaces an earlier one).
    pub functions: Vec<FuncDecl>,
    /// Why a function cannot be called, by index into `functions` (a type
    /// cshared cannot pass). Such functions throw this when called.
    pub unbindable: HashMap<usize, String>,
    pub variables: Vec<NamedType>,
    /// Typedefs, structs, unions and enums with names, in declaration order.
    pub types: Vec<NamedType>,
    pub constants: Vec<Constant>,
    pub skipped: Vec<Skipped>,
    pub files: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Error {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub msg: String,
}

/// Reads a header from `source` (its text, and its path when it has one, so
/// that its own `#include "..."` files are found next to it), as the C
/// compiler would: with its predefined macros, its own headers and the
/// system headers the header includes. What the system headers declare
/// serves the header's declarations (types, constants in expressions) but
/// is not listed as the library's.
pub fn read(source: SourceFile, opts: &Options, fs: &dyn FileSource) -> Result<Header, Error> {
    let pp_opts = preproc::Options {
        include_dirs: opts.include_dirs.clone(),
        system_dirs: opts.system_dirs.clone().unwrap_or_else(target::default_system_dirs),
        defines: opts.defines.clone(),
        ..preproc::Options::default()
    };
    let out = preproc::preprocess(source, &pp_opts, fs).map_err(|e| Error {
        file: e.file,
        line: e.line,
        column: e.col,
        msg: e.msg,
    })?;
    let file_name = |pos: Pos| out.files.get(pos.file as usize).cloned().unwrap_or_default();
    let system = |pos: Pos| out.system.get(pos.file as usize).copied().unwrap_or(false);
    let mut scope = Scope::new();
    let mut decls = Vec::new();
    let mut parse_skipped = Vec::new();
    Parser::new(
        &out.tokens,
        Names {
            local: &mut scope,
            bases: &[],
        },
    )
    .system_files(&out.system)
    .header(&mut decls, &mut parse_skipped)
    .map_err(|e| Error {
        file: file_name(e.pos),
        line: e.pos.line,
        column: e.pos.col,
        msg: e.msg,
    })?;
    let mut h = Header {
        files: out.files.clone(),
        ..Header::default()
    };
    for inc in &out.skipped_includes {
        h.skipped.push(Skipped {
            name: Some(Arc::from(inc.name.as_str())),
            reason: inc.reason.clone(),
            file: file_name(inc.pos),
            line: inc.pos.line,
        });
    }
    for s in parse_skipped {
        // What a system header has that cshared cannot use is not the
        // library's business, unless cshared could not read it at all.
        if system(s.pos) && !s.reason.starts_with(parser::NOT_READ) {
            continue;
        }
        h.skipped.push(Skipped {
            name: s.name,
            reason: s.reason,
            file: file_name(s.pos),
            line: s.pos.line,
        });
    }
    let mut by_name: HashMap<Arc<str>, usize> = HashMap::new();
    for d in decls {
        match d {
            Decl::Function(f) if !system(f.pos) => match by_name.get(&f.name) {
                Some(&i) => h.functions[i] = f,
                None => {
                    by_name.insert(f.name.clone(), h.functions.len());
                    h.functions.push(f);
                }
            },
            Decl::Variable { name, ty, doc, pos } if !system(pos) => h.variables.push(NamedType { name, ty, doc }),
            Decl::Typedef { name, ty, doc, pos } if !system(pos) => h.types.push(NamedType { name, ty, doc }),
            Decl::Record { record, doc, pos } if !system(pos) => {
                if let Some(name) = record.name.clone() {
                    h.types.push(NamedType {
                        name,
                        ty: Type::Record(record),
                        doc,
                    });
                }
            }
            Decl::Enum { ty, doc, pos } if !system(pos) => {
                for (name, v) in &ty.values {
                    // Values of an unsigned enum above i64::MAX are stored wrapped.
                    let v = if ty.repr.signed {
                        i128::from(*v)
                    } else {
                        i128::from(*v as u64)
                    };
                    h.constants.push(Constant {
                        name: name.clone(),
                        value: ConstValue::Int(v),
                        doc: None,
                    });
                }
                if let Some(name) = ty.name.clone() {
                    h.types.push(NamedType {
                        name,
                        ty: Type::Enum(ty),
                        doc,
                    });
                }
            }
            _ => {}
        }
    }
    let defined: std::collections::HashSet<Arc<str>> = h.constants.iter().map(|c| c.name.clone()).collect();
    for (name, toks, pos) in &out.macros {
        if defined.contains(name) {
            continue;
        }
        // `#define pcre2_compile pcre2_compile_8`: the function under the macro's name too.
        if let [t] = toks.as_slice() {
            if let Some(&i) = by_name.get(&t.text) {
                if !by_name.contains_key(name) {
                    let mut f = h.functions[i].clone();
                    f.symbol = Some(f.symbol.clone().unwrap_or_else(|| f.name.clone()));
                    f.name = name.clone();
                    by_name.insert(name.clone(), h.functions.len());
                    h.functions.push(f);
                }
                continue;
            }
        }
        match macro_value(toks, &scope) {
            Ok(value) => h.constants.push(Constant {
                name: name.clone(),
                value,
                doc: toks.first().and_then(|t| t.doc.clone()),
            }),
            Err(why) if looks_like_a_value(toks) => h.skipped.push(Skipped {
                name: Some(name.clone()),
                reason: format!("not a constant: {why}"),
                file: file_name(*pos),
                line: pos.line,
            }),
            Err(_) => {}
        }
    }
    // cgo declares helpers for the Go side that no Go library exports.
    if scope.typedefs.contains_key("_GoString_") {
        let cgo = ["_GoStringLen", "_GoStringPtr"];
        let (helpers, rest): (Vec<FuncDecl>, Vec<FuncDecl>) = std::mem::take(&mut h.functions)
            .into_iter()
            .partition(|f| cgo.contains(&&*f.name));
        h.functions = rest;
        for f in helpers {
            h.skipped.push(Skipped {
                name: Some(f.name.clone()),
                reason: "not exported by the library (cgo's helper for Go code)".into(),
                file: file_name(f.pos),
                line: f.pos.line,
            });
        }
    }
    for (name, pos) in &out.positional {
        h.skipped.push(Skipped {
            name: Some(name.clone()),
            reason: "not a constant: its value depends on where it is used (__FILE__ or __LINE__)".into(),
            file: file_name(*pos),
            line: pos.line,
        });
    }
    for (i, f) in h.functions.iter().enumerate() {
        if let Err(why) = Plan::new(&f.sig) {
            h.skipped.push(Skipped {
                name: Some(f.name.clone()),
                reason: format!("cannot be called: {why}"),
                file: file_name(f.pos),
                line: f.pos.line,
            });
            h.unbindable.insert(i, why.to_string());
        }
    }
    h.scope = scope;
    Ok(h)
}

impl Header {
    /// Keeps the functions whose symbol `exported` says the library has;
    /// the others go to `skipped` (a header may declare what its library
    /// does not export: cgo's `_GoStringLen`, another library's functions).
    pub fn retain_exported(&mut self, exported: impl Fn(&str) -> bool) {
        let functions = std::mem::take(&mut self.functions);
        let mut unbindable = HashMap::new();
        for (i, f) in functions.into_iter().enumerate() {
            let symbol = f.symbol.clone().unwrap_or_else(|| f.name.clone());
            if exported(&symbol) {
                if let Some(why) = self.unbindable.remove(&i) {
                    unbindable.insert(self.functions.len(), why);
                }
                self.functions.push(f);
            } else {
                let file = self.files.get(f.pos.file as usize).cloned().unwrap_or_default();
                self.skipped
                    .retain(|s| !(s.name.as_deref() == Some(&*f.name) && s.reason.starts_with("cannot be called")));
                self.skipped.push(Skipped {
                    name: Some(f.name.clone()),
                    reason: format!("not exported by the library (no symbol '{symbol}')"),
                    file,
                    line: f.pos.line,
                });
            }
        }
        self.unbindable = unbindable;
    }
}

/// Whether a macro's expansion reads as a value that was meant to be a
/// constant (a number, a string, a parenthesized or signed expression),
/// rather than a keyword, attribute or type that a header spells with a
/// macro.
fn looks_like_a_value(toks: &[lexer::Token]) -> bool {
    // A list (`1L,2L,840L`, OpenSSL's object identifiers) is an initializer, not a value.
    let mut depth = 0i32;
    for t in toks {
        if t.is("(") {
            depth += 1;
        } else if t.is(")") {
            depth -= 1;
        } else if t.is(",") && depth == 0 {
            return false;
        }
    }
    match toks.first() {
        Some(t) => {
            matches!(t.kind, lexer::Kind::Number | lexer::Kind::Char | lexer::Kind::Str)
                || (["(", "-", "~", "+", "!"].iter().any(|p| t.is(p))
                    && toks
                        .iter()
                        .any(|t| matches!(t.kind, lexer::Kind::Number | lexer::Kind::Char)))
        }
        None => false,
    }
}

/// The value of an object-like macro, if it is a constant: string literals
/// (concatenated), or a constant expression (integer, floating or a pointer
/// cast) evaluated with C's types. Otherwise why it is not one.
fn macro_value(toks: &[lexer::Token], scope: &Scope) -> Result<ConstValue, String> {
    let mut inner = toks;
    while inner.len() >= 2 && inner[0].is("(") && inner[inner.len() - 1].is(")") {
        inner = &inner[1..inner.len() - 1];
    }
    if inner.is_empty() {
        return Err("empty".into());
    }
    if inner.iter().all(|t| t.kind == lexer::Kind::Str) {
        let mut bytes = Vec::new();
        for t in inner {
            bytes.extend(unquote_bytes(&t.text));
        }
        return Ok(match String::from_utf8(bytes) {
            Ok(s) => ConstValue::Str(s),
            Err(e) => ConstValue::Bytes(e.into_bytes()),
        });
    }
    let mut local = Scope::new();
    let bases = [scope];
    let mut p = Parser::new(
        toks,
        Names {
            local: &mut local,
            bases: &bases,
        },
    );
    match p.const_value() {
        Ok(_) if !p.at_end() => Err(format!(
            "unexpected '{}' after the expression",
            toks.get(p.index()).map_or("", |t| &*t.text)
        )),
        Ok(Value::Int(v, _)) => Ok(ConstValue::Int(v)),
        Ok(Value::Float(f, _)) => Ok(ConstValue::Float(f)),
        Ok(Value::Ptr(a)) => Ok(ConstValue::Pointer(a)),
        Err(e) => Err(e.msg),
    }
}

/// Reads header text with no include files, for tests.
#[cfg(test)]
pub(crate) fn read_text(text: &str) -> Header {
    struct NoFiles;
    impl FileSource for NoFiles {
        fn read(&self, _path: &std::path::Path) -> Option<String> {
            None
        }
    }
    let src = SourceFile {
        path: None,
        display: "test.h".into(),
        text: text.into(),
    };
    match read(src, &Options::default(), &NoFiles) {
        Ok(h) => h,
        Err(e) => panic!("{}:{}:{}: {}", e.file, e.line, e.column, e.msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> Header {
        read_text(text)
    }

    #[test]
    fn byte_order_mark_at_the_start() {
        struct NoFiles;
        impl FileSource for NoFiles {
            fn read(&self, _path: &std::path::Path) -> Option<String> {
                None
            }
        }
        let src = SourceFile {
            path: None,
            display: "bom.h".into(),
            text: "\u{FEFF}int f(int);".into(),
        };
        let h = match read(src, &Options::default(), &NoFiles) {
            Ok(h) => h,
            Err(e) => panic!("{}:{}:{}: {}", e.file, e.line, e.column, e.msg),
        };
        let names: Vec<&str> = h.functions.iter().map(|f| &*f.name).collect();
        assert_eq!(names, vec!["f"]);
    }

    #[test]
    fn self_referential_structs_are_freed_with_their_header() {
        let h = header(
            "struct node { struct node *next; int v; };\n\
             struct a; struct b { struct a *a; }; struct a { struct b *b; };\n\
             typedef struct api api; struct api { int (*f)(api *self); };\n\
             struct node *first(struct node *n);",
        );
        let weak: Vec<_> = ["node", "a", "b", "api"]
            .iter()
            .map(|n| std::sync::Arc::downgrade(&h.scope.records[*n]))
            .collect();
        // Usable while the header is: the pointer reaches the definition.
        let node = &h.scope.records["node"];
        let next = &node.body().unwrap().fields[0].ty;
        assert_eq!(next.to_string(), "struct node *");
        match next {
            Type::Pointer(p) => assert_eq!(p.to().size(), Some(16)),
            other => panic!("{other:?}"),
        }
        drop(h);
        for w in weak {
            assert!(w.upgrade().is_none(), "a record outlived its header");
        }
    }

    #[test]
    fn constants_from_defines_and_enums() {
        let h = header(
            "#define VERSION \"1.2\" \".3\"\n#define N (1 << 4)\n#define PI 3.25f\n#define NEG (-2.5)\n\
             #define EMPTY\n#define CALL(x) x\nenum color { RED, GREEN = N };\n#define TWO_GREEN (GREEN * 2)\n",
        );
        let get = |n: &str| h.constants.iter().find(|c| &*c.name == n).map(|c| c.value.clone());
        assert_eq!(get("VERSION"), Some(ConstValue::Str("1.2.3".into())));
        assert_eq!(get("N"), Some(ConstValue::Int(16)));
        assert_eq!(get("PI"), Some(ConstValue::Float(3.25)));
        assert_eq!(get("NEG"), Some(ConstValue::Float(-2.5)));
        assert_eq!(get("GREEN"), Some(ConstValue::Int(16)));
        assert_eq!(get("TWO_GREEN"), Some(ConstValue::Int(32)));
        assert_eq!(get("EMPTY"), None);
        assert_eq!(get("CALL"), None);
    }

    #[test]
    fn constants_have_c_types() {
        let h = header(
            "typedef unsigned int Uint32;\n#define A (~(size_t)0)\n#define B ~0u\n#define C (-1)\n\
             #define CURLAUTH_DIGEST_IE (((unsigned long)1)<<4)\n#define CURLAUTH_ANY (~CURLAUTH_DIGEST_IE)\n\
             #define MAXWAIT (~(Uint32)0)\n#define G 9.80665f\n#define ZT (~(size_t)0)\n#define CH 'x'\n\
             #define P ((void *)-1)\nenum big { BIG = 0xffffffffffffffff };\n#define BAD (1 << 40)\n",
        );
        let get = |n: &str| h.constants.iter().find(|c| &*c.name == n).map(|c| c.value.clone());
        assert_eq!(get("A"), Some(ConstValue::Int(u64::MAX as i128)));
        assert_eq!(get("B"), Some(ConstValue::Int(4294967295)));
        assert_eq!(get("C"), Some(ConstValue::Int(-1)));
        // unsigned long: 32-bit on Windows.
        let ulong_max = if crate::types::LONG_BYTES == 8 {
            u64::MAX as i128
        } else {
            u32::MAX as i128
        };
        assert_eq!(get("CURLAUTH_ANY"), Some(ConstValue::Int(ulong_max - 16)));
        assert_eq!(get("MAXWAIT"), Some(ConstValue::Int(4294967295)));
        assert_eq!(get("G"), Some(ConstValue::Float(f64::from(9.80665f32))));
        assert_eq!(get("CH"), Some(ConstValue::Int(120)));
        assert_eq!(get("P"), Some(ConstValue::Pointer(u64::MAX)));
        assert_eq!(get("BIG"), Some(ConstValue::Int(u64::MAX as i128)));
        assert_eq!(get("BAD"), None);
    }

    #[test]
    fn gnu_extensions_of_system_headers() {
        let h = header(
            "__extension__ typedef long long ll_t;\n\
             typedef int register_t __attribute__ ((__mode__ (__word__)));\n\
             typedef unsigned int u8_t __attribute__((mode(QI)));\n\
             typedef __typeof__(sizeof(int)) size_type;\n\
             typedef __typeof__(1.0f) flt;\n\
             typedef __typeof__(int *) intp;\n\
             extern int fscanf_(void *__restrict __stream, const char *__restrict __format, ...)\n\
               __asm__ (\"\" \"__isoc99_fscanf\") __attribute__ ((__nothrow__ , __leaf__));\n\
             static __inline int inl(int x) { return ({ int y = x; y * 2; }); }\n\
             extern __inline __attribute__ ((__gnu_inline__)) int gi(void) { return 1; }\n\
             extern _Float128 strtof128(const char *__restrict, char **__restrict);\n\
             typedef __builtin_va_list my_va;\n\
             int vf(const char *, my_va);\n\
             #define STMT ({ int z = 1; z; })\n\
             #define SZ sizeof(struct { int a; char b; })\n\
             #define EXT (__extension__ 0x7fffffffffffffffLL)\n\
             struct __attribute__((__packed__)) pk { char c; int i; } __attribute__((__aligned__(2)));\n\
             int __attribute__((visibility(\"default\"))) vis(void) __attribute__((__warn_unused_result__));\n\
             _Static_assert(sizeof(struct pk) == 6, \"packed\");\n",
        );
        let ty = |n: &str| h.types.iter().find(|t| &*t.name == n).map(|t| t.ty.to_string());
        assert_eq!(ty("ll_t").as_deref(), Some("int64"));
        assert_eq!(
            ty("register_t").as_deref(),
            Some(if cfg!(target_pointer_width = "64") {
                "int64"
            } else {
                "int32"
            })
        );
        assert_eq!(ty("u8_t").as_deref(), Some("uint8"));
        assert_eq!(
            ty("size_type").as_deref(),
            Some(if cfg!(target_pointer_width = "64") {
                "uint64"
            } else {
                "uint32"
            })
        );
        assert_eq!(ty("flt").as_deref(), Some("float"));
        assert_eq!(ty("intp").as_deref(), Some("int32 *"));
        let pk = h.types.iter().find(|t| &*t.name == "pk").map(|t| t.ty.size());
        assert_eq!(pk, Some(Some(6)));
        let f = |n: &str| h.functions.iter().position(|f| &*f.name == n);
        let scanf = f("fscanf_").map(|i| h.functions[i].symbol.clone());
        assert_eq!(scanf, Some(Some(std::sync::Arc::from("__isoc99_fscanf"))));
        assert!(f("vis").is_some());
        assert!(h
            .unbindable
            .get(&f("strtof128").unwrap())
            .is_some_and(|w| w.contains("_Float128")));
        assert!(h
            .unbindable
            .get(&f("vf").unwrap())
            .is_some_and(|w| w.contains("va_list")));
        let skipped = |n: &str| {
            h.skipped
                .iter()
                .find(|s| s.name.as_deref() == Some(n))
                .map(|s| s.reason.clone())
        };
        assert!(skipped("inl").is_some_and(|r| r.contains("static inline")));
        assert!(skipped("gi").is_some_and(|r| r.contains("static inline")));
        assert!(
            skipped("STMT").is_some_and(|r| r.contains("statement expression")),
            "{:?}",
            skipped("STMT")
        );
        let get = |n: &str| h.constants.iter().find(|c| &*c.name == n).map(|c| c.value.clone());
        assert_eq!(get("SZ"), Some(ConstValue::Int(8)));
        assert_eq!(get("EXT"), Some(ConstValue::Int(i128::from(i64::MAX))));
    }

    #[test]
    fn functions_types_and_skipped() {
        let h = header(
            "typedef struct { int x, y; } point;\nint area(point p);\nlong double ld(void);\n\
             int vf(const char *fmt, ...);\nstatic inline int f(void) { return 1; }\n",
        );
        let names: Vec<&str> = h.functions.iter().map(|f| &*f.name).collect();
        assert_eq!(names, vec!["area", "ld", "vf"]);
        // long double cannot be called; a variadic function can.
        assert!(h.unbindable.contains_key(&1) && !h.unbindable.contains_key(&2));
        assert!(h.types.iter().any(|t| &*t.name == "point"));
        let reasons: Vec<String> = h
            .skipped
            .iter()
            .map(|s| format!("{:?}: {}", s.name, s.reason))
            .collect();
        assert!(
            reasons.iter().any(|r| r.contains("ld") && r.contains("long double")),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("\"f\"") && r.contains("static inline")),
            "{reasons:?}"
        );
        assert!(h.skipped.iter().all(|s| s.file == "test.h"));
    }
}
