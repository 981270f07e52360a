use super::*;
use crate::types::{Int, RecordKind, Type};

fn proto(text: &str) -> Result<FuncDecl, ParseError> {
    let mut local = Scope::new();
    parse_prototype(
        text,
        Names {
            local: &mut local,
            bases: &[],
        },
    )
}

fn ty(text: &str) -> Result<Type, ParseError> {
    let mut local = Scope::new();
    parse_type(
        text,
        Names {
            local: &mut local,
            bases: &[],
        },
    )
}

/// What the parser reads of `toks` as a header: the names it declared, its
/// declarations and what it skipped.
fn read_header(toks: &[lexer::Token]) -> (Scope, Vec<Decl>, Vec<parser::Skipped>) {
    let mut local = Scope::new();
    let (mut decls, mut skipped) = (Vec::new(), Vec::new());
    parser::Parser::new(
        toks,
        Names {
            local: &mut local,
            bases: &[],
        },
    )
    .header(&mut decls, &mut skipped)
    .unwrap();
    (local, decls, skipped)
}

#[test]
fn seed_prototype() {
    let f = proto("long long ModXY(long long x, long long y)").unwrap();
    assert_eq!(&*f.name, "ModXY");
    assert_eq!(f.sig.params.len(), 2);
    assert_eq!(f.sig.params[0].name.as_deref(), Some("x"));
    assert!(matches!(
        f.sig.ret,
        Type::Int(Int {
            bytes: 8,
            signed: true,
            swap: false
        })
    ));
}

#[test]
fn specifier_combinations() {
    let cases: &[(&str, u8, bool)] = &[
        ("unsigned", 4, false),
        ("short int", 2, true),
        ("unsigned short", 2, false),
        ("long long unsigned int", 8, false),
        ("signed char", 1, true),
        ("unsigned char", 1, false),
        ("uint16_t", 2, false),
        ("GoInt", 8, true),
        ("size_t", 8, false),
    ];
    for (text, bytes, signed) in cases {
        match ty(text).unwrap() {
            Type::Int(i) => assert_eq!((i.bytes, i.signed), (*bytes, *signed), "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(matches!(ty("char").unwrap(), Type::Char(_)));
    assert!(ty("const char *").unwrap().is_c_string());
}

#[test]
fn complex_declarators() {
    // signal(): a function taking a callback and returning one.
    let f = proto("void (*signal(int sig, void (*func)(int)))(int)").unwrap();
    assert_eq!(&*f.name, "signal");
    match &f.sig.ret {
        Type::Pointer(p) => assert!(matches!(p.to(), Type::Function(_))),
        other => panic!("{other:?}"),
    }
    match &f.sig.params[1].ty {
        Type::Pointer(p) => assert!(matches!(p.to(), Type::Function(_))),
        other => panic!("{other:?}"),
    }
    // Pointer to array vs array of pointers.
    match ty("int (*)[3]").unwrap() {
        Type::Pointer(p) => assert_eq!(p.to().size(), Some(12)),
        other => panic!("{other:?}"),
    }
    assert_eq!(ty("int *[3]").unwrap().size(), Some(24));
}

#[test]
fn params_decay_and_void() {
    let f = proto("int f(void)").unwrap();
    assert!(f.sig.params.is_empty());
    let f = proto("int g(int a[10], int cb(int))").unwrap();
    assert!(matches!(f.sig.params[0].ty, Type::Pointer(_)));
    assert!(matches!(f.sig.params[1].ty, Type::Pointer(_)));
    let f = proto("int printf(const char *fmt, ...);").unwrap();
    assert!(f.sig.variadic);
    let f = proto("extern void F();").unwrap();
    assert!(f.sig.params.is_empty() && !f.sig.variadic);
}

#[test]
fn errors_have_columns() {
    let e = proto("int f(int x").unwrap_err();
    assert_eq!(e.pos.col, 12);
    let e = proto("foo_t f(int x)").unwrap_err();
    assert!(e.msg.contains("foo_t"), "{}", e.msg);
    let e = proto("int f(bar_t x)").unwrap_err();
    assert!(e.msg.contains("bar_t"), "{}", e.msg);
    assert_eq!(e.pos.col, 7);
    assert!(proto("int").is_err());
    assert!(proto("int x").is_err());
    assert!(proto("").is_err());
    assert!(proto("int f(int) extra").is_err());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("int {}f{}(void)", "(".repeat(5000), ")".repeat(5000));
    assert!(proto(&deep).is_err());
    let ptrs = format!("int {}f(void)", "*".repeat(19));
    assert!(proto(&ptrs).is_ok());
    let expr = format!("int f(int a[{}1{}])", "(".repeat(5000), ")".repeat(5000));
    assert!(proto(&expr).is_err());
}

#[test]
fn header_structs_and_enums() {
    let src = r#"
        /** A point. */
        typedef struct point { int x; double y; } point_t;
        enum color { RED, GREEN = 5, BLUE };
        struct flags { unsigned a : 3; unsigned b : 5; };
        typedef char check[sizeof(void*) == 8 ? 1 : -1];
        int area(const point_t *p);
        static inline int helper(void) { return 1; }
        int uses_unknown(pthread_t t);
        #define IGNORED
    "#;
    let toks: Vec<_> = lexer::lex(src, 0)
        .unwrap()
        .into_iter()
        .filter(|t| !t.is("#") && !t.is("define") && !t.is("IGNORED"))
        .collect();
    let (local, decls, skipped) = read_header(&toks);
    let funcs: Vec<_> = decls
        .iter()
        .filter_map(|d| match d {
            Decl::Function(f) => Some(&*f.name),
            _ => None,
        })
        .collect();
    assert_eq!(funcs, vec!["area"]);
    let reasons: Vec<_> = skipped
        .iter()
        .map(|s| (s.name.as_deref().unwrap_or(""), s.reason.as_str()))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|(n, r)| *n == "helper" && r.contains("static inline")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(n, r)| *n == "uses_unknown" && r.contains("pthread_t")),
        "{reasons:?}"
    );
    assert_eq!(local.constants.get("BLUE"), Some(&6));
    let pt = local.typedefs.get("point_t").unwrap();
    assert_eq!(pt.size(), Some(16));
    let flags = local.records.get("flags").unwrap();
    assert_eq!(flags.kind, RecordKind::Struct);
    assert_eq!(flags.body().unwrap().size, 4);
    let doc = decls.iter().find_map(|d| match d {
        Decl::Typedef { name, doc, .. } if &**name == "point_t" => doc.clone(),
        _ => None,
    });
    assert_eq!(doc.as_deref(), Some("A point."));
}

#[test]
fn go_typedefs_become_go_types() {
    let src = "typedef struct { const char *p; ptrdiff_t n; } _GoString_;\n\
               typedef _GoString_ GoString;\n\
               typedef struct { void *data; GoInt len; GoInt cap; } GoSlice;\n\
               struct F_return { GoInt r0; GoInt r1; };\n\
               extern struct F_return F(GoString s, GoSlice v);";
    let toks = lexer::lex(src, 0).unwrap();
    let (_, decls, skipped) = read_header(&toks);
    assert!(skipped.is_empty(), "{skipped:?}");
    let f = decls
        .iter()
        .find_map(|d| match d {
            Decl::Function(f) => Some(f),
            _ => None,
        })
        .unwrap();
    assert!(matches!(f.sig.params[0].ty, Type::Go(crate::types::GoType::String)));
    assert!(matches!(f.sig.params[1].ty, Type::Go(crate::types::GoType::SLICE)));
    assert_eq!(f.sig.ret.size(), Some(16));
}

/// cgo's header on Windows (`_MSC_VER`) spells its complex types with
/// MSVC's `<complex.h>`, which is not read: they are still declared, and
/// unsupported as `float _Complex` is.
#[test]
fn msvc_complex_types_are_declared_unsupported() {
    let src = "typedef _Fcomplex GoComplex64;\ntypedef _Dcomplex GoComplex128;\ntypedef _Lcomplex lc;";
    let toks = lexer::lex(src, 0).unwrap();
    let (local, _, skipped) = read_header(&toks);
    assert!(skipped.is_empty(), "{skipped:?}");
    for name in ["GoComplex64", "GoComplex128", "lc"] {
        assert!(matches!(local.typedefs.get(name), Some(Type::Unsupported(_))), "{name}");
    }
}

#[test]
fn go_slices_spelled_as_in_go() {
    use crate::types::{ArrayClass, GoType};
    let f = proto("GoFloat64 Sum([]float64 xs, []int n, []byte b, []GoInt32 r, []rune u, []uintptr p)").unwrap();
    let elems: Vec<Option<ArrayClass>> = f
        .sig
        .params
        .iter()
        .map(|p| match p.ty {
            Type::Go(GoType::Slice(e)) => e,
            ref other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        elems,
        [
            Some(ArrayClass::Float64),
            Some(ArrayClass::BigInt64),
            Some(ArrayClass::Uint8),
            Some(ArrayClass::Int32),
            Some(ArrayClass::Int32),
            Some(ArrayClass::BigUint64)
        ]
    );
    assert_eq!(f.sig.params[0].name.as_deref(), Some("xs"));
    assert_eq!(f.sig.params[1].ty.to_string(), "[]int64");
    assert_eq!(ty("[]float32").unwrap().to_string(), "[]float32");
    // Unnamed, and as a type name.
    assert_eq!(
        proto("void f([]int16)").unwrap().sig.params[0].ty.to_string(),
        "[]int16"
    );
    for bad in [
        "void f([]string s)",
        "void f([]bool b)",
        "void f([]struct x s)",
        "void f([] )",
        "void f(int []float64)",
    ] {
        assert!(proto(bad).is_err(), "{bad}");
    }
    assert_eq!(proto("void f([]string s)").unwrap_err().kind, ErrorKind::Unsupported);
    // An untyped GoSlice stays untyped.
    assert_eq!(
        proto("void f(GoSlice s)").unwrap().sig.params[0].ty.to_string(),
        "GoSlice"
    );
}

#[test]
fn unknown_types_in_unnamed_parameters_are_skipped_like_named_ones() {
    let toks = lexer::lex(
        "void f(pid_t);\nvoid g(pid_t p);\nvoid h(const mode_t, int);\nint ok(int);\nvoid k(jmp_buf);\n",
        0,
    )
    .unwrap();
    let (_, decls, skipped) = read_header(&toks);
    let names: Vec<String> = skipped
        .iter()
        .map(|s| format!("{}: {}", s.name.as_deref().unwrap_or("?"), s.reason))
        .collect();
    assert_eq!(
        names,
        vec![
            "f: unknown type name 'pid_t'",
            "g: unknown type name 'pid_t'",
            "h: unknown type name 'mode_t'",
            "k: unknown type name 'jmp_buf'"
        ]
    );
    assert_eq!(decls.len(), 1);
    // A prototype string still says what is wrong.
    let e = proto("void f(pid_t)").unwrap_err();
    assert_eq!(e.msg, "unknown type name 'pid_t'");
}

#[test]
fn nested_type_names_are_bounded() {
    for (open, close) in [("typeof(", ")"), ("_Atomic(", ")"), ("_Alignas(", ") int")] {
        let text = format!("{}int{}", open.repeat(100_000), close.repeat(100_000));
        // An error, not a stack overflow.
        assert!(ty(&text).is_err());
    }
}

#[test]
fn sal_annotations_and_calling_conventions_are_read_past() {
    let f =
        proto("int __stdcall f(_In_ const char *s, _Out_ int *n, _Inout_opt_ void *p, _In_z_ const char *z)").unwrap();
    assert_eq!(f.sig.params.len(), 4);
    assert!(f.sig.params[0].ty.is_c_string());
    assert_eq!(f.sig.params[1].ty.to_string(), "int32 *");
    let g = proto("void __cdecl g(int a)").unwrap();
    assert_eq!(g.sig.params.len(), 1);
    let h = proto("_Ret_maybenull_ char * __fastcall h(void)").unwrap();
    assert!(h.sig.ret.is_c_string());
}
