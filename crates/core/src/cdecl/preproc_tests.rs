use super::*;
use crate::cdecl::lexer;
use crate::cdecl::parser::{self, Decl};
use std::collections::HashMap;

/// Files in memory, by path.
struct MapFs(HashMap<PathBuf, String>);

impl FileSource for MapFs {
    fn read(&self, path: &Path) -> Option<String> {
        self.0.get(path).cloned()
    }
}

fn mapfs(files: &[(&str, &str)]) -> MapFs {
    MapFs(files.iter().map(|(p, t)| (PathBuf::from(p), t.to_string())).collect())
}

fn main_file(src: &str) -> SourceFile {
    SourceFile {
        path: Some(PathBuf::from("main.h")),
        display: "main.h".into(),
        text: src.into(),
    }
}

fn run_opts(src: &str, files: &[(&str, &str)], opts: &Options) -> Result<Output, PpError> {
    preprocess(main_file(src), opts, &mapfs(files))
}

/// A relative path as the preprocessor names an included file: joined with
/// the platform's separator (`\` on Windows).
fn native(p: &str) -> String {
    p.replace('/', std::path::MAIN_SEPARATOR_STR)
}

fn run_files(src: &str, files: &[(&str, &str)]) -> Result<Output, PpError> {
    run_opts(src, files, &Options::default())
}

fn run(src: &str) -> Result<Output, PpError> {
    run_files(src, &[])
}

fn join(toks: &[Token]) -> String {
    toks.iter().map(|t| &*t.text).collect::<Vec<_>>().join(" ")
}

/// The output as text, one space between tokens.
fn pp(src: &str) -> String {
    match run(src) {
        Ok(out) => join(&out.tokens),
        Err(e) => panic!("{e}"),
    }
}

/// `expected` with the same spacing as `pp` output.
fn norm(expected: &str) -> String {
    join(&lexer::lex(expected, 0).unwrap())
}

fn functions(toks: &[Token]) -> (Vec<Decl>, Vec<parser::Skipped>, Result<(), crate::cdecl::ParseError>) {
    let mut local = Scope::new();
    let mut decls = Vec::new();
    let mut skipped = Vec::new();
    let r = Parser::new(
        toks,
        Names {
            local: &mut local,
            bases: &[],
        },
    )
    .header(&mut decls, &mut skipped);
    (decls, skipped, r)
}

fn function_names(decls: &[Decl]) -> Vec<String> {
    decls
        .iter()
        .filter_map(|d| match d {
            Decl::Function(f) => Some(f.name.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn object_and_function_macros() {
    assert_eq!(
        pp("#define N 10\n#define ADD(a, b) ((a) + (b))\nint x = ADD(N, 2);"),
        norm("int x = ((10) + (2));")
    );
    // Empty arguments, no parameters, nested parentheses, arguments over lines.
    assert_eq!(
        pp("#define E() e\n#define I(x) [x]\nE() I() I((a, b))"),
        norm("e [] [(a, b)]")
    );
    assert_eq!(pp("#define f(x) x+1\nf(\n  (1,\n 2)\n)"), norm("(1, 2)+1"));
    // A function-like macro name without `(` is left alone.
    assert_eq!(pp("#define f(x) x+1\nint f; f (2); f\n(3)"), norm("int f; 2+1; 3+1"));
    assert_eq!(pp("#define f(x) x\n#define g f\ng(1) g"), norm("1 f"));
    // Redefinition and #undef.
    assert_eq!(pp("#define A 1\nA\n#undef A\nA\n#define A 2\nA"), norm("1 A 2"));
    // Wrong argument counts are errors.
    assert!(run("#define f(a, b) a\nf(1)").unwrap_err().msg.contains("requires 2"));
    assert!(run("#define f(a) a\nf(1, 2)").unwrap_err().msg.contains("passed 2"));
    assert!(run("#define f(a) a\nf(1")
        .unwrap_err()
        .msg
        .contains("unterminated argument list"));
    assert!(run("#define f(a, a) a").is_err());
    assert!(run("#define 3 x").is_err());
    assert!(run("#define defined 1").is_err());
}

#[test]
fn recursion_is_guarded() {
    // C11 6.10.3.4 EXAMPLE (x and y refer to each other).
    assert_eq!(
        pp("#define x (4 + y)\n#define y (2 * x)\nx; y;"),
        norm("(4 + (2 * x)); (2 * (4 + y));")
    );
    assert_eq!(pp("#define foo foo\nfoo"), "foo");
    assert_eq!(pp("#define f(x) f(x) g\n#define g f\nf(1)(2)"), norm("f(1) f (2)"));
    // A painted name stays painted when it later meets a `(`.
    assert_eq!(pp("#define f(a) a*g\n#define g(a) f(a)\nf(2)(9)"), norm("2*9*g"));
    assert_eq!(pp("#define A B B\n#define B A A\nA"), norm("A A A A"));
}

#[test]
fn c_standard_example_3() {
    let src = r#"#define x 3
#define f(a) f(x * (a))
#undef x
#define x 2
#define g f
#define z z[0]
#define h g(~
#define m(a) a(w)
#define w 0,1
#define t(a) a
#define p() int
#define q(x) x
#define r(x,y) x ## y
#define str(x) # x
f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);
g(x+(3,4)-w) | h 5) & m
(f)^m(m);
p() i[q()] = { q(1), r(2,3), r(4,), r(,5), r(,) };
char c[2][6] = { str(hello), str() };
"#;
    let expected = r#"f(2 * (y+1)) + f(2 * (f(2 * (z[0])))) % f(2 * (0)) + t(1);
f(2 * (2+(3,4)-0,1)) | f(2 * (~ 5)) & f(2 * (0,1))^m(0,1);
int i[] = { 1, 23, 4, 5, };
char c[2][6] = { "hello", "" };"#;
    assert_eq!(pp(src), norm(expected));
}

#[test]
fn stringizing_and_pasting() {
    // C11 6.10.3.5 EXAMPLE 4.
    let src = r#"#define str(s) # s
#define xstr(s) str(s)
#define debug(s, t) printf("x" # s "= %d, x" # t "= %s", \
 x ## s, x ## t)
#define INCFILE(n) vers ## n
#define glue(a, b) a ## b
#define xglue(a, b) glue(a, b)
#define HIGHLOW "hello"
#define LOW LOW ", world"
debug(1, 2);
fputs(str(strncmp("abc\0d", "abc", '\4') // this goes away
 == 0) str(: @\n), s);
xstr(INCFILE(2).h)
glue(HIGH, LOW);
xglue(HIGH, LOW)
"#;
    let out = run(src).unwrap();
    let texts: Vec<&str> = out.tokens.iter().map(|t| &*t.text).collect();
    assert_eq!(
        texts,
        vec![
            "printf",
            "(",
            "\"x\"",
            "\"1\"",
            "\"= %d, x\"",
            "\"2\"",
            "\"= %s\"",
            ",",
            "x1",
            ",",
            "x2",
            ")",
            ";",
            "fputs",
            "(",
            r#""strncmp(\"abc\\0d\", \"abc\", '\\4') == 0""#,
            r#"": @\n""#,
            ",",
            "s",
            ")",
            ";",
            "\"vers2.h\"",
            "\"hello\"",
            ";",
            "\"hello\"",
            "\", world\"",
        ]
    );
    // C11 6.10.3.3 EXAMPLE: `##` produced by pasting is not an operator.
    let src = "#define hash_hash # ## #\n#define mkstr(a) # a\n#define in_between(a) mkstr(a)\n\
               #define join(c, d) in_between(c hash_hash d)\nchar p[] = join(x, y);";
    assert_eq!(pp(src), norm(r#"char p[] = "x ## y";"#));
    // Placemarkers, pasting into numbers and punctuators.
    assert_eq!(
        pp("#define cat(a, b) a ## b\ncat(,) cat(a,) cat(,b) cat(1, 2) cat(-, >) cat(<<, =)"),
        norm("a b 12 -> <<=")
    );
    assert_eq!(
        pp("#define c3(a, b, c) a ## b ## c\nc3(x, , z) c3(, , z)"),
        norm("xz z")
    );
    assert!(run("#define cat(a, b) a ## b\ncat(+, /)")
        .unwrap_err()
        .msg
        .contains("pasting"));
    assert!(run("#define bad(a) # b").is_err());
    assert!(run("#define bad ## a").is_err());
    assert!(run("#define bad a ##").is_err());
    // Stringizing keeps one space where there was white space, and escapes.
    assert_eq!(
        pp("#define s(x) #x\ns(  a   +\n b  ) s(\"q\\n\") s('\"')"),
        norm(r#""a + b" "\"q\\n\"" "'\"'""#)
    );
}

#[test]
fn variadic_macros() {
    let src = r#"#define debug(...) fprintf(stderr, __VA_ARGS__)
#define showlist(...) puts(#__VA_ARGS__)
#define report(test, ...) ((test)?puts(#test): printf(__VA_ARGS__))
debug("Flag");
debug("X = %d\n", x);
showlist(The first, second, and third items.);
report(x>y, "x is %d but y is %d", x, y);
"#;
    let expected = r#"fprintf(stderr, "Flag");
fprintf(stderr, "X = %d\n", x);
puts("The first, second, and third items.");
((x>y)?puts("x>y"): printf("x is %d but y is %d", x, y));"#;
    assert_eq!(pp(src), norm(expected));
    // GNU comma deletion and named variadic parameters.
    assert_eq!(
        pp("#define e(fmt, ...) f(fmt, ## __VA_ARGS__)\ne(a) e(a, b, c)"),
        norm("f(a) f(a, b, c)")
    );
    assert_eq!(pp("#define g(args...) h(args)\ng(1, 2)"), norm("h(1, 2)"));
    // __VA_OPT__.
    assert_eq!(
        pp("#define F(a, ...) g(a __VA_OPT__(,) __VA_ARGS__)\nF(1) F(1, 2, 3)"),
        norm("g(1) g(1, 2, 3)")
    );
    assert!(run("#define F(...) __VA_OPT__(x").is_err());
}

#[test]
fn conditionals() {
    let src = "#define A 2\n#if defined(A) && A > 1\nyes1\n#else\nno1\n#endif\n\
               #if defined B || !defined(A)\nno2\n#elif A == 2\nyes2\n#elif 1\nno3\n#else\nno4\n#endif\n\
               #ifdef A\nyes3\n#endif\n#ifndef A\nno5\n#endif\n#ifndef B\nyes4\n#endif\n\
               #if 0\n#if 1\nno6\n#else\nno7\n#endif\n#elif 1\nyes5\n#endif\n\
               #if UNDEFINED_THING\nno8\n#endif\n#if true || false\nno9\n#endif\n\
               #include <stdbool.h>\n#if true && !false\nyes6\n#endif";
    assert_eq!(pp(src), "yes1 yes2 yes3 yes4 yes5 yes6");
    // A macro that expands to `defined`, as some real headers do.
    assert_eq!(
        pp("#define HAS(x) defined(HAVE_ ## x)\n#define HAVE_Z\n#if HAS(Z) && !HAS(Y)\nok\n#endif"),
        "ok"
    );
    assert_eq!(pp("#define HAS_Z defined(Z)\n#define Z\n#if HAS_Z\nok\n#endif"), "ok");
    // A group after a taken one is not evaluated.
    assert_eq!(pp("#if 1\nok\n#elif 1/0\n#endif"), "ok");
    // Skipped groups may hold anything but must nest.
    let junk = "#if 0\n#error no\n#foo bar\nit's \"unterminated\n#if garbage ((\n#include <nothing>\n#elif 1/0 &&\n\
                #else\n#endif\n#endif\nint x;";
    assert_eq!(pp(junk), "int x ;");
    let junk2 = "#ifdef NOPE\n#if ((\n#elif ))\n#else\n#line x y\n#endif\n#endif\nok";
    assert_eq!(pp(junk2), "ok");
    // Structure errors.
    assert!(run("#endif").unwrap_err().msg.contains("without #if"));
    assert!(run("#else").is_err());
    assert!(run("#elif 1").is_err());
    assert!(run("#if 1\n#else\n#else\n#endif")
        .unwrap_err()
        .msg
        .contains("#else after #else"));
    assert!(run("#if 1\n#else\n#elif 1\n#endif").is_err());
    let e = run("int a;\n#if 1\nint b;").unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("main.h", 2));
    assert!(run("#if\n#endif").is_err());
    assert!(run("#if 1 +\n#endif").is_err());
    assert!(run("#ifdef\n#endif").is_err());
    assert!(run("#ifdef 3\n#endif").is_err());
    // C23 #elifdef.
    assert_eq!(pp("#define Q\n#if 0\n#elifdef Q\nq\n#endif"), "q");
}

#[test]
fn includes_guards_and_once() {
    let files = [
        ("a.h", "#ifndef A_H\n#define A_H\nint a;\n#endif\n"),
        ("b.h", "#pragma once\nint b;\n"),
        (
            "self.h",
            "#ifndef SELF_H\n#define SELF_H\n#include \"self.h\"\nint s;\n#endif\n",
        ),
        ("sub/inner.h", "#include \"sibling.h\"\n"),
        ("sub/sibling.h", "int sibling;\n"),
        ("inc/x.h", "int x;\n"),
        ("inc/y.h", "#include \"x.h\"\nint y;\n"),
    ];
    let opts = Options {
        include_dirs: vec![PathBuf::from("inc")],
        ..Options::default()
    };
    let src = "#include \"a.h\"\n#include \"a.h\"\n#include \"b.h\"\n#include \"./b.h\"\n#include \"self.h\"\n\
               #include \"sub/inner.h\"\n#include <x.h>\n#include \"y.h\"\n#define HDR \"b.h\"\n#include HDR\n\
               #define ANGLE <x.h>\n#include ANGLE\nint end;";
    let out = run_opts(src, &files, &opts).unwrap();
    assert_eq!(
        join(&out.tokens),
        norm("int a; int b; int s; int sibling; int x; int x; int y; int x; int end;")
    );
    // Tokens say which file they came from.
    let b = out.tokens.iter().find(|t| &*t.text == "b").unwrap();
    assert_eq!(out.files[b.pos.file as usize], "b.h");
    assert_eq!(b.pos.line, 2);
    let s = out.tokens.iter().find(|t| &*t.text == "sibling").unwrap();
    assert_eq!(out.files[s.pos.file as usize], native("sub/sibling.h"));
    assert!(out.skipped_includes.is_empty());
}

fn skipped(out: &Output) -> Vec<&str> {
    out.skipped_includes.iter().map(|s| s.name.as_str()).collect()
}

#[test]
fn include_errors_and_skips() {
    // A file not found is recorded (once, where it was first included), not an error.
    let out = run("int a;\n#include \"nothere.h\"\n#include \"nothere.h\"\n").unwrap();
    assert_eq!(skipped(&out), vec!["\"nothere.h\""]);
    let miss = &out.skipped_includes[0];
    assert_eq!(
        (out.files[miss.pos.file as usize].as_str(), miss.pos.line),
        ("main.h", 2)
    );
    assert_eq!(miss.reason, "#include \"nothere.h\": file not found");
    let out = run_files("#include \"a.h\"\n", &[("a.h", "\n\n#include \"missing.h\"\n")]).unwrap();
    let miss = &out.skipped_includes[0];
    assert_eq!((out.files[miss.pos.file as usize].as_str(), miss.pos.line), ("a.h", 3));
    // Without a system search path, system headers are not found either.
    let out = run("#include <stdio.h>\n#include <sys/types.h>\n#include <stdio.h>\nint x;").unwrap();
    assert_eq!(skipped(&out), vec!["<stdio.h>", "<sys/types.h>"]);
    assert_eq!(join(&out.tokens), "int x ;");
    // Angle includes do not look next to the including file.
    let out = run_files("#include <a.h>\n", &[("a.h", "int a;")]).unwrap();
    assert_eq!(skipped(&out), vec!["<a.h>"]);
    assert!(out.tokens.is_empty());
    // Compiler intrinsics are known and not read.
    let out = run("#include <immintrin.h>\nint x;").unwrap();
    assert!(
        out.skipped_includes[0].reason.contains("intrinsics"),
        "{:?}",
        out.skipped_includes
    );
    // An include directory comes first, as -I does, even for a standard header.
    let opts = Options {
        include_dirs: vec![PathBuf::from("inc")],
        ..Options::default()
    };
    let files = [("inc/limits.h", "int from_inc;"), ("inc/sys/types.h", "int types;")];
    let out = run_opts("#include <limits.h>\n#include <sys/types.h>\n", &files, &opts).unwrap();
    assert_eq!(join(&out.tokens), "int from_inc ; int types ;");
    // System headers: found on the system path, marked as such, with what they include.
    let opts = Options {
        system_dirs: vec![target::SystemDir {
            path: PathBuf::from("/sys"),
            os_only: false,
        }],
        ..Options::default()
    };
    let files = [
        ("/sys/stdio.h", "#include \"bits/x.h\"\nint printf_;"),
        ("/sys/bits/x.h", "int bits;"),
        ("/sys/lib.h", "#include <stdio.h>\nint lib;"),
    ];
    let out = run_opts("#include <lib.h>\nint main_;", &files, &opts).unwrap();
    assert_eq!(join(&out.tokens), "int bits ; int printf_ ; int lib ; int main_ ;");
    let system_of = |name: &str| {
        let t = out.tokens.iter().find(|t| &*t.text == name).unwrap();
        out.system[t.pos.file as usize]
    };
    assert!(system_of("bits") && system_of("printf_"));
    assert!(!system_of("lib") && !system_of("main_"));
    // cshared's own compiler headers come before the system's.
    let out = run_opts(
        "#include <stddef.h>\n#include <stdbool.h>\nsize_t n = sizeof(bool);\n",
        &files,
        &opts,
    )
    .unwrap();
    let size_t = if cfg!(windows) {
        "typedef long long unsigned int size_t ;"
    } else {
        "typedef long unsigned int size_t ;"
    };
    assert!(join(&out.tokens).contains(size_t) || cfg!(not(target_pointer_width = "64")));
    assert!(out.skipped_includes.is_empty());
    assert!(run("#include\n").is_err());
    assert!(run("#include foo\n").is_err());
    assert!(run("#include <a.h\n").is_err());
}

#[test]
fn include_depth_is_limited() {
    // A file that includes itself without a guard.
    let e = run_files("#include \"loop.h\"\n", &[("loop.h", "int x;\n#include \"loop.h\"\n")]).unwrap_err();
    assert!(e.msg.contains("nested deeper than 64"), "{}", e.msg);
    let files = [
        ("1.h", "#include \"2.h\"\n"),
        ("2.h", "#include \"3.h\"\n"),
        ("3.h", "#include \"4.h\"\n"),
        ("4.h", "int deep;\n"),
    ];
    let opts = |d| Options {
        max_include_depth: d,
        ..Options::default()
    };
    assert!(run_opts("#include \"1.h\"\n", &files, &opts(4)).is_ok());
    let e = run_opts("#include \"1.h\"\n", &files, &opts(3)).unwrap_err();
    assert_eq!(e.file, "3.h");
    // Wide include trees are bounded by the token budget.
    let fan = "#include \"fan.h\"\n#include \"fan.h\"\n#include \"fan.h\"\n#include \"fan.h\"\n";
    let e = run_files("#include \"fan.h\"\n", &[("fan.h", fan)]).unwrap_err();
    assert!(e.msg.contains("nested") || e.msg.contains("too large"), "{}", e.msg);
}

#[test]
fn has_include_and_friends() {
    let files = [("a.h", ""), ("inc/x.h", "")];
    let opts = Options {
        include_dirs: vec![PathBuf::from("inc")],
        ..Options::default()
    };
    let src = "#if __has_include(\"a.h\")\nq1\n#endif\n#if __has_include(<a.h>)\nno1\n#endif\n\
               #if __has_include(<x.h>) && __has_include(\"x.h\")\nq2\n#endif\n\
               #if __has_include(<nothere.h>)\nno2\n#endif\n\
               #if defined(__has_include) && defined __has_attribute\nq3\n#endif\n\
               #if __has_attribute(packed) || __has_feature(modules) || __has_builtin(__builtin_expect) \
               || __has_extension(x) || __has_cpp_attribute(nodiscard) || __has_c_attribute(gnu::packed)\nno3\n#endif\n\
               #ifdef __has_feature\nq4\n#endif";
    let out = run_opts(src, &files, &opts).unwrap();
    assert_eq!(join(&out.tokens), "q1 q2 q3 q4");
    // A header that defines its own fallback wins.
    assert_eq!(
        pp("#define __has_feature(x) 1\n#if __has_feature(y)\nyes\n#endif"),
        "yes"
    );
    assert!(run("#if __has_include\n#endif").is_err());
    let out = run_opts(
        "#define HDR <x.h>\n#define Q \"a.h\"\n#if __has_include(HDR) && __has_include(Q)\nyes\n#endif",
        &files,
        &opts,
    )
    .unwrap();
    assert_eq!(join(&out.tokens), "yes");
}

#[test]
fn line_directive_and_builtins() {
    let out = run("#line 100 \"foo.c\"\nint x;\n__FILE__ __LINE__\n# 7 \"bar.h\" 1\nbar\n#line 20\n__LINE__ __FILE__")
        .unwrap();
    let int = &out.tokens[0];
    assert_eq!(
        (out.files[int.pos.file as usize].as_str(), int.pos.line),
        ("foo.c", 100)
    );
    assert_eq!(join(&out.tokens[3..]), norm("\"foo.c\" 101 bar 20 \"bar.h\""));
    let bar = out.tokens.iter().find(|t| &*t.text == "bar").unwrap();
    assert_eq!((out.files[bar.pos.file as usize].as_str(), bar.pos.line), ("bar.h", 7));
    assert_eq!(pp("a\n\n__LINE__"), "a 3");
    assert_eq!(pp("#define L __LINE__\n\nL"), "3");
    assert!(run("#line x").is_err());
    assert!(run("#line 10 x").is_err());
    // Errors after #line use the new name and numbering.
    let e = run("#line 50 \"gen.c\"\n\n#error stop").unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("gen.c", 51));
}

#[test]
fn pragmas() {
    let src = "#pragma pack(push, 1)\nA\n#pragma pack(pop)\nB\n#pragma pack(4)\n#pragma pack()\n\
               #pragma pack(push, r, 2)\n#pragma pack(push, 8)\n#pragma pack(pop, r)\n\
               #pragma GCC diagnostic push\n#pragma weird stuff (\n#pragma pack(3)\n_Pragma(\"pack(2)\") C";
    assert_eq!(
        pp(src),
        norm(
            "__pragma_pack(1) A __pragma_pack() B __pragma_pack(4) __pragma_pack() __pragma_pack(2) \
             __pragma_pack(8) __pragma_pack() __pragma_pack(2) C"
        )
    );
    // push_macro / pop_macro.
    assert_eq!(
        pp("#define M 1\n#pragma push_macro(\"M\")\n#undef M\n#define M 2\nM\n#pragma pop_macro(\"M\")\nM"),
        "2 1"
    );
    // The parser applies the packing.
    let out = run(
        "#pragma pack(push, 1)\nstruct s { char c; int i; };\n#pragma pack(pop)\n\
                   struct t { char c; int i; };",
    )
    .unwrap();
    let mut local = Scope::new();
    let (mut decls, mut skipped) = (Vec::new(), Vec::new());
    Parser::new(
        &out.tokens,
        Names {
            local: &mut local,
            bases: &[],
        },
    )
    .header(&mut decls, &mut skipped)
    .unwrap();
    assert_eq!(local.records.get("s").unwrap().body().unwrap().size, 5);
    assert_eq!(local.records.get("t").unwrap().body().unwrap().size, 8);
}

#[test]
fn errors_and_other_directives() {
    let e = run("int a;\n#error \"boom\" here").unwrap_err();
    assert!(e.msg.contains("boom") && e.msg.contains("here"), "{}", e.msg);
    assert_eq!(e.line, 2);
    let e = run("#error don't do that").unwrap_err();
    assert!(e.msg.contains("don't do that"), "{}", e.msg);
    assert_eq!(
        pp("#if 0\n#error no\n#endif\n#warning careful\n#\n# /* empty */\n#ident \"x\"\nok"),
        "ok"
    );
    assert!(run("#frobnicate").unwrap_err().msg.contains("frobnicate"));
    assert!(run("#\"x\"").is_err());
    // An apostrophe in text is an `Other` token, not a lexing error.
    let out = run("it's").unwrap();
    assert_eq!(out.tokens.len(), 3);
    assert_eq!(out.tokens[1].kind, Kind::Other);
    assert!(run("/* never closed").is_err());
}

#[test]
fn budget_stops_exponential_macros() {
    let mut src = String::from("#define A0 x\n");
    for i in 1..=40 {
        src.push_str(&format!("#define A{i} A{p} A{p}\n", p = i - 1));
    }
    let opts = Options {
        max_tokens: 200_000,
        ..Options::default()
    };
    let e = run_opts(&format!("{src}A40\n"), &[], &opts).unwrap_err();
    assert!(e.msg.contains("macro expansion too large"), "{}", e.msg);
    assert_eq!(e.line, 42);
    // Defined but never used: the run succeeds and the big ones are left out of `macros`.
    let out = run_opts(&format!("{src}int x;\n"), &[], &Options::default()).unwrap();
    assert_eq!(join(&out.tokens), "int x ;");
    assert!(out.macros.iter().any(|(n, t, _)| &**n == "A10" && t.len() == 1024));
    assert!(!out.macros.iter().any(|(n, _, _)| &**n == "A30"));
    // Function-like blowup.
    let f = "#define D(x) x x\n#define D4(x) D(D(D(D(x))))\n#define D16(x) D4(D4(D4(D4(x))))\nD16(D16(y))";
    let e = run_opts(f, &[], &opts).unwrap_err();
    assert!(e.msg.contains("too large"), "{}", e.msg);
}

#[test]
fn depth_limits() {
    let deep_if = "#if 1\n".repeat(2000);
    assert!(run(&deep_if).unwrap_err().msg.contains("nested deeper"));
    let deep_args = format!("#define f(x) x\n{}1{}", "f(".repeat(5000), ")".repeat(5000));
    assert!(run(&deep_args).unwrap_err().msg.contains("nested deeper"));
    let ok_args = format!("#define f(x) x\n{}1{}", "f(".repeat(50), ")".repeat(50));
    assert_eq!(pp(&ok_args), "1");
    let deep_expr = format!("#if {}1{}\n#endif", "(".repeat(5000), ")".repeat(5000));
    assert!(run(&deep_expr).is_err());
    // A long chain of macros is fine (expansion is iterative).
    let mut chain = String::from("#define M0 end\n");
    for i in 1..1500 {
        chain.push_str(&format!("#define M{i} M{}\n", i - 1));
    }
    chain.push_str("M1499");
    let out = run(&chain).unwrap();
    assert_eq!(join(&out.tokens), "end");
    assert!(out.macros.iter().all(|(_, t, _)| join(t) == "end"));
    // Reporting every macro of a longer chain would be quadratic: the report
    // has its own budget, and what does not fit is left out, not an error.
    let opts = Options {
        max_tokens: 100_000,
        ..Options::default()
    };
    let out = run_opts(&chain, &[], &opts).unwrap();
    assert_eq!(join(&out.tokens), "end");
    assert!(
        out.macros.len() > 100 && out.macros.len() < 1500,
        "{}",
        out.macros.len()
    );
}

#[test]
fn macros_output() {
    let src = "#define VERSION \"1.2\"\n#define N (1 << 4)\n#define M N\n#define F(x) x\n\
               #define GONE 1\n#undef GONE\n#define EMPTY\n#define SELF SELF + 1\n#define BAD F(\n";
    let out = run(src).unwrap();
    let m: Vec<(String, String, u32)> = out
        .macros
        .iter()
        .map(|(n, t, p)| (n.to_string(), join(t), p.line))
        .collect();
    assert_eq!(
        m,
        vec![
            ("VERSION".to_string(), "\"1.2\"".to_string(), 1),
            ("N".to_string(), "( 1 << 4 )".to_string(), 2),
            ("M".to_string(), "( 1 << 4 )".to_string(), 3),
            ("EMPTY".to_string(), "".to_string(), 7),
            ("SELF".to_string(), "SELF + 1".to_string(), 8),
        ]
    );
    // Predefined macros are not listed.
    assert!(!out
        .macros
        .iter()
        .any(|(n, _, _)| &**n == "INT_MAX" || &**n == "__STDC__"));
}

#[test]
fn predefined_macros() {
    let long_max = if cfg!(windows) || cfg!(target_pointer_width = "32") {
        "2147483647"
    } else {
        "9223372036854775807"
    };
    let src = format!(
        "#include <limits.h>\n#include <stdint.h>\n#include <stddef.h>\n#include <stdbool.h>\n\
         #if __STDC__ == 1 && __STDC_VERSION__ == 201710L && __STDC_HOSTED__\nstd\n#endif\n\
         #if LONG_MAX == {long_max} && LONG_MIN == -LONG_MAX - 1 && ULONG_MAX == 2 * LONG_MAX + 1\nlong\n#endif\n\
         #if INT_MAX == 2147483647 && INT_MIN == -2147483648 && UINT_MAX == 4294967295 && CHAR_BIT == 8\nint\n#endif\n\
         #if UINT64_MAX == 18446744073709551615ULL && INT64_MIN < 0 && INT8_MIN == -128 && UINT16_MAX == 65535\nstdint\n#endif\n\
         #if SIZE_MAX == UINTPTR_MAX && __SIZEOF_POINTER__ * CHAR_BIT == {bits} && PTRDIFF_MAX == INTPTR_MAX\nptr\n#endif\n\
         #if LLONG_MAX == 9223372036854775807 && SCHAR_MIN == -128 && USHRT_MAX == 65535\nll\n#endif\n\
         #if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER) || defined(__cplusplus)\ncompiler\n#endif\n\
         #if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__\nle\n#endif\n\
         #if true && !false && __bool_true_false_are_defined\nbool\n#endif\n\
         NULL UINT64_C(5)",
        bits = usize::BITS
    );
    let mut expected = String::from("std long int stdint ptr ll compiler");
    if cfg!(target_endian = "little") {
        expected.push_str(" le");
    }
    expected.push_str(
        if cfg!(all(target_pointer_width = "64", not(windows), not(target_os = "macos"))) {
            " _Bool ( ( void * ) 0 ) 5UL"
        } else {
            " _Bool ( ( void * ) 0 ) 5ULL"
        },
    );
    // (After the typedefs of stdint.h and stddef.h.)
    let out = pp(&src);
    assert!(out.ends_with(&format!("; {expected}")), "{out}");
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        assert_eq!(
            pp("#if defined(__linux__) && defined(__x86_64__) && defined(__LP64__) && __SIZEOF_LONG__ == 8\nok\n#endif"),
            "ok"
        );
    }
    // Options::defines come after the predefined ones.
    let opts = Options {
        defines: vec![
            ("ZLIB_CONST".into(), "".into()),
            ("LEVEL".into(), "3".into()),
            ("INT_MAX".into(), "7".into()),
            ("PAREN".into(), "(1)".into()),
        ],
        ..Options::default()
    };
    let out = run_opts(
        "#if defined(ZLIB_CONST) && LEVEL == 3 && INT_MAX == 7\nok PAREN\n#endif",
        &[],
        &opts,
    )
    .unwrap();
    assert_eq!(join(&out.tokens), "ok ( 1 )");
    assert!(out.macros.is_empty());
    let bad = Options {
        defines: vec![("1x".into(), "".into())],
        ..Options::default()
    };
    assert!(run_opts("", &[], &bad).is_err());
}

#[test]
fn doc_comments_survive() {
    let src =
        "/** Opens. */\nint open(void);\n#define API\n#define EXPORT extern\n/** Closes. */\nAPI int close(void);\n\
               /** Reads. */\nEXPORT int read(void);\nint plain; /* trailing */\n";
    let out = run(src).unwrap();
    let doc_of = |name: &str| {
        let k = out.tokens.iter().position(|t| &*t.text == name).unwrap();
        out.tokens[k].doc.clone()
    };
    assert_eq!(doc_of("int").as_deref(), Some("Opens."));
    let (decls, skipped, r) = functions(&out.tokens);
    r.unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    let docs: Vec<(String, Option<String>)> = decls
        .iter()
        .filter_map(|d| match d {
            Decl::Function(f) => Some((f.name.to_string(), f.doc.as_deref().map(String::from))),
            _ => None,
        })
        .collect();
    assert_eq!(
        docs,
        vec![
            ("open".to_string(), Some("Opens.".to_string())),
            ("close".to_string(), Some("Closes.".to_string())),
            ("read".to_string(), Some("Reads.".to_string())),
        ]
    );
}

const GO_HEADER: &str = r#"/* Code generated by cmd/cgo; DO NOT EDIT. */

/* package libmod */


#line 1 "cgo-builtin-export-prolog"

#include <stddef.h>

#ifndef GO_CGO_EXPORT_PROLOGUE_H
#define GO_CGO_EXPORT_PROLOGUE_H

#ifndef GO_CGO_GOSTRING_TYPEDEF
typedef struct { const char *p; ptrdiff_t n; } _GoString_;
extern size_t _GoStringLen(_GoString_ s);
extern const char *_GoStringPtr(_GoString_ s);
#endif

#endif

/* Start of preamble from import "C" comments.  */




/* End of preamble from import "C" comments.  */


/* Start of boilerplate cgo prologue.  */
#line 1 "cgo-gcc-export-header-prolog"

#ifndef GO_CGO_PROLOGUE_H
#define GO_CGO_PROLOGUE_H

typedef signed char GoInt8;
typedef long long GoInt64;
typedef GoInt64 GoInt;
typedef size_t GoUintptr;
typedef double GoFloat64;
#ifdef _MSC_VER
#if !defined(__cplusplus) || _MSVC_LANG <= 201402L
#include <complex.h>
typedef _Fcomplex GoComplex64;
#else
#include <complex>
typedef std::complex<float> GoComplex64;
#endif
#else
typedef float _Complex GoComplex64;
#endif

typedef char _check_for_64_bit_pointer_matching_GoInt[sizeof(void*)==64/8 ? 1:-1];

#ifndef GO_CGO_GOSTRING_TYPEDEF
typedef _GoString_ GoString;
#endif
typedef void *GoMap;
typedef struct { void *data; GoInt len; GoInt cap; } GoSlice;

#endif

/* End of boilerplate cgo prologue.  */

#ifdef __cplusplus
extern "C" {
#endif

extern GoInt ModXY(GoInt x, GoInt y);

#ifdef __cplusplus
}
#endif
"#;

#[test]
fn go_cgo_header() {
    let out = preprocess(
        SourceFile {
            path: Some(PathBuf::from("/nonexistent/libmod.h")),
            display: "libmod.h".into(),
            text: GO_HEADER.into(),
        },
        &Options::default(),
        &mapfs(&[]),
    )
    .unwrap();
    let texts: Vec<&str> = out.tokens.iter().map(|t| &*t.text).collect();
    // Windows (_MSC_VER) takes the branch of MSVC's <complex.h> types.
    let bad: &[&str] = if cfg!(windows) {
        assert!(texts.contains(&"_Fcomplex"), "{texts:?}");
        &["#", "##", "std", "complex", "_MSVC_LANG"]
    } else {
        &["#", "##", "std", "complex", "_Fcomplex", "_MSVC_LANG"]
    };
    for bad in bad {
        assert!(!texts.contains(bad), "{bad} in {texts:?}");
    }
    assert!(!texts.windows(2).any(|w| w[0] == "extern" && w[1] == "\"C\""));
    // (MSVC's <complex.h> is not read: its two types are builtin.)
    let skipped: Vec<&str> = out.skipped_includes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(skipped, if cfg!(windows) { vec!["<complex.h>"] } else { vec![] });
    // Tokens after the second #line say they come from it.
    let k = texts.iter().position(|t| *t == "GoInt8").unwrap();
    let t = &out.tokens[k];
    assert_eq!(out.files[t.pos.file as usize], "cgo-gcc-export-header-prolog");
    assert_eq!(t.pos.line, 5);
    // (The first of the header's own: stddef.h's come before.)
    let first = out.tokens.iter().find(|t| !out.system[t.pos.file as usize]).unwrap();
    assert_eq!(out.files[first.pos.file as usize], "cgo-builtin-export-prolog");
    assert_eq!(first.pos.line, 8);
    let modxy = out.tokens.iter().find(|t| &*t.text == "ModXY").unwrap();
    assert_eq!(out.files[modxy.pos.file as usize], "cgo-gcc-export-header-prolog");
    let (decls, skipped, r) = functions(&out.tokens);
    r.unwrap();
    let names = function_names(&decls);
    assert!(names.contains(&"ModXY".to_string()), "{names:?} {skipped:?}");
    assert!(names.contains(&"_GoStringLen".to_string()), "{names:?}");
}

/// The real headers, when this machine has them.
fn system_header(path: &str) -> Option<Output> {
    let text = std::fs::read_to_string(path).ok()?;
    let opts = Options {
        system_dirs: target::default_system_dirs(),
        ..Options::default()
    };
    let main = SourceFile {
        path: Some(PathBuf::from(path)),
        display: path.to_string(),
        text,
    };
    match preprocess(main, &opts, &RealFs) {
        Ok(out) => Some(out),
        Err(e) => panic!("{path}: {e}"),
    }
}

fn check_functions(what: &str, out: &Output, wanted: &[&str]) {
    let (decls, skipped, r) = functions(&out.tokens);
    if let Err(e) = &r {
        let file = out.files.get(e.pos.file as usize).cloned().unwrap_or_default();
        panic!(
            "{what}: parser failed at {file}:{}:{}: {}",
            e.pos.line, e.pos.col, e.msg
        );
    }
    let names = function_names(&decls);
    for w in wanted {
        assert!(
            names.iter().any(|n| n == w),
            "{what}: {w} not found; skipped {skipped:?}"
        );
    }
}

#[test]
fn real_zlib_header() {
    let Some(out) = system_header("/usr/include/zlib.h") else {
        eprintln!("no /usr/include/zlib.h; skipped");
        return;
    };
    assert!(out.files.iter().any(|f| f.ends_with("zconf.h")), "{:?}", out.files);
    assert!(out
        .macros
        .iter()
        .any(|(n, t, _)| &**n == "ZLIB_VERSION" && t.len() == 1 && t[0].kind == Kind::Str));
    check_functions(
        "zlib.h",
        &out,
        &["zlibVersion", "compress", "uncompress", "deflateInit_"],
    );
}

#[test]
fn real_sqlite3_header() {
    let Some(out) = system_header("/usr/include/sqlite3.h") else {
        eprintln!("no /usr/include/sqlite3.h; skipped");
        return;
    };
    assert!(out.macros.iter().any(|(n, _, _)| &**n == "SQLITE_VERSION"));
    check_functions(
        "sqlite3.h",
        &out,
        &[
            "sqlite3_open",
            "sqlite3_prepare_v2",
            "sqlite3_step",
            "sqlite3_column_text",
        ],
    );
}

/// Random token soup must never panic or hang.
#[test]
fn fuzz_no_panics() {
    let pieces = [
        "#define ",
        "#undef ",
        "#if ",
        "#ifdef ",
        "#elif ",
        "#else\n",
        "#endif\n",
        "#include ",
        "#line ",
        "#pragma pack(",
        "#pragma once\n",
        "#error ",
        "\n",
        " ",
        "(",
        ")",
        ",",
        "##",
        "#",
        "__VA_ARGS__",
        "...",
        "__VA_OPT__",
        "defined",
        "f",
        "g",
        "x",
        "f(",
        "g(x)",
        "1",
        "0x7f",
        "'",
        "\"",
        "\"a.h\"",
        "<a.h>",
        "<",
        ">",
        "__has_include(",
        "__LINE__",
        "__FILE__",
        "_Pragma(\"pack(1)\")",
        "/*",
        "*/",
        "//",
        "\\\n",
        "L'",
        "u8\"",
        "\u{e9}",
        "@",
        "-",
        "1/0",
        "%:",
        "%:%:",
        "__has_attribute(",
        "A",
        "B",
        "A B",
        "#define A B B\n",
        "#define B A A\n",
        "#define f(x) x f\n",
        "#define g(...) __VA_OPT__(g)\n",
        "#include \"a.h\"\n",
    ];
    let files = [
        ("a.h", "#pragma once\n#define f(x) x x\nint a;\n"),
        ("inc/a.h", "#include_next <a.h>\n"),
    ];
    let fs = mapfs(&files);
    let opts = Options {
        include_dirs: vec![PathBuf::from("inc")],
        max_tokens: 20_000,
        ..Options::default()
    };
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3000 {
        let mut src = String::new();
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let n = (seed >> 33) % 40;
        for _ in 0..n {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            src.push_str(pieces[((seed >> 33) as usize) % pieces.len()]);
        }
        let _ = preprocess(main_file(&src), &opts, &fs);
    }
}

#[test]
fn misc_expansion_cases() {
    // Directives inside a macro's arguments are run, as GCC does.
    assert_eq!(
        pp("#define f(x) [x]\nf(1\n#ifdef NOPE\n+2\n#else\n+3\n#endif\n)"),
        norm("[1 +3]")
    );
    // _Pragma from a macro keeps its place in the output.
    assert_eq!(
        pp("#define PACKED _Pragma(\"pack(1)\") struct\nPACKED s;"),
        norm("__pragma_pack(1) struct s;")
    );
    assert!(run("_Pragma(1)").is_err());
    // A macro call may not run past the end of an included file.
    let e = run_files("#include \"a.h\"\n)", &[("a.h", "#define f(x) x\nf(1\n")]).unwrap_err();
    assert!(e.msg.contains("unterminated argument list"), "{}", e.msg);
    assert_eq!(e.file, "a.h");
    // `#include` of a macro that expands to a <...> name.
    let opts = Options {
        include_dirs: vec![PathBuf::from("inc")],
        ..Options::default()
    };
    let out = run_opts(
        "#define H(x) <x.h>\n#include H(pkg)\n",
        &[("inc/pkg.h", "int pkg;")],
        &opts,
    )
    .unwrap();
    assert_eq!(join(&out.tokens), "int pkg ;");
    // __FILE__ in an included file, and an include found through a `..` path.
    let out = run_files(
        "#include \"sub/a.h\"\n",
        &[("sub/a.h", "#include \"../b.h\"\n__FILE__"), ("sub/../b.h", "__FILE__")],
    )
    .unwrap();
    // (__FILE__ is a string literal: a `\` in it is escaped.)
    let lit = |p: &str| format!("\"{}\"", native(p).replace('\\', "\\\\"));
    assert_eq!(join(&out.tokens), format!("{} {}", lit("sub/../b.h"), lit("sub/a.h")));
    // A function-like macro name at the very end of the input.
    assert_eq!(pp("#define f(x) x\nf"), "f");
    // Arguments that contain commas inside parentheses, and an empty variadic part.
    assert_eq!(
        pp("#define v(a, ...) <a|__VA_ARGS__>\nv((1, 2)) v(x, (3, 4), 5)"),
        norm("<(1, 2)|> <x|(3, 4), 5>")
    );
    // Unknown directives are errors only in active groups.
    assert!(run("#if 1\n#pragmaa\n#endif").is_err());
    assert_eq!(pp("#if 0\n#pragmaa\n#endif\nok"), "ok");
}

/// `CAT(a,a)` applied `levels` times: one token whose text doubles at each level.
fn paste_bomb(levels: usize) -> String {
    let mut src = String::from("#define CAT(a,b) a##b\n#define X(a) CAT(a,a)\n#define Y0 q\n");
    for i in 1..=levels {
        src.push_str(&format!("#define Y{i} X(Y{})\n", i - 1));
    }
    src.push_str(&format!("int Y{levels};\n"));
    src
}

#[test]
fn paste_bomb_hits_the_budget() {
    for levels in [28, 40] {
        let start = std::time::Instant::now();
        let r = run(&paste_bomb(levels));
        let elapsed = start.elapsed();
        let e = match r {
            Ok(out) => panic!("{levels} levels: no error ({} tokens)", out.tokens.len()),
            Err(e) => e,
        };
        assert!(e.msg.contains("macro expansion too large"), "{}", e.msg);
        assert!(e.msg.contains(&MAX_MADE_BYTES.to_string()), "{}", e.msg);
        // A hang guard, not a speed test (the machine may be busy): without
        // the budget, 40 levels take hours.
        assert!(
            elapsed < std::time::Duration::from_secs(60),
            "{levels} levels: {elapsed:?}"
        );
    }
    // Defined but not used: read, and the big ones are left out of `macros`.
    let src = paste_bomb(40).replace("int Y40;", "int x;");
    let start = std::time::Instant::now();
    let out = run(&src).unwrap();
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(join(&out.tokens), "int x ;");
    let q8 = "q".repeat(256);
    assert!(out.macros.iter().any(|(n, t, _)| &**n == "Y8" && join(t) == q8));
    assert!(!out.macros.iter().any(|(n, _, _)| &**n == "Y40"));
    // Stringizing doubles text the same way.
    let mut src = String::from("#define S(a) #a\n#define X(a) S(a a)\n#define Y0 q\n");
    for i in 1..=40 {
        src.push_str(&format!("#define Y{i} X(Y{})\n", i - 1));
    }
    src.push_str("Y40\n");
    let start = std::time::Instant::now();
    let e = run(&src).unwrap_err();
    assert!(e.msg.contains("macro expansion too large"), "{}", e.msg);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    // Ordinary pasting and stringizing still work.
    assert_eq!(
        pp("#define CAT(a,b) a##b\n#define S(a) #a\nCAT(foo, bar) S(x y)"),
        "foobar \"x y\""
    );
}

#[test]
fn byte_order_mark_is_skipped() {
    let out = run_files("\u{FEFF}#include \"a.h\"\nint b;", &[("a.h", "\u{FEFF}int a;\n")]).unwrap();
    assert_eq!(join(&out.tokens), "int a ; int b ;");
    assert_eq!((out.tokens[0].pos.line, out.tokens[0].pos.col), (1, 1));
    assert_eq!(pp("\u{FEFF}int f(int);"), "int f ( int ) ;");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cshared-preproc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn read_header_file_reads_regular_files() {
    let dir = temp_dir("regular");
    let path = dir.join("a.h");
    std::fs::write(&path, "\u{FEFF}int a;\n").unwrap();
    assert_eq!(read_header_file(&path).as_deref(), Ok("int a;\n"));
    assert_eq!(RealFs.read(&path).as_deref(), Some("int a;\n"));
    // Invalid UTF-8 is replaced, as for included files.
    std::fs::write(&path, b"int \xff;").unwrap();
    assert_eq!(read_header_file(&path).as_deref(), Ok("int \u{FFFD};"));
    let e = read_header_file(&dir.join("missing.h")).unwrap_err();
    assert!(!e.is_empty(), "{e}");
    assert_eq!(read_header_file(&dir).unwrap_err(), "not a regular file");
    assert!(RealFs.read(&dir).is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn read_header_file_refuses_devices_and_fifos() {
    let zero = Path::new("/dev/zero");
    if zero.exists() {
        assert_eq!(read_header_file(zero).unwrap_err(), "not a regular file");
        assert!(RealFs.read(zero).is_none());
    }
    let dir = temp_dir("fifo");
    let fifo = dir.join("pipe.h");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // On a thread, so that a regression fails the test instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    let p = fifo.clone();
    std::thread::spawn(move || {
        let _ = tx.send((read_header_file(&p), RealFs.read(&p)));
    });
    match rx.recv_timeout(std::time::Duration::from_secs(5)) {
        Ok((r, real)) => {
            assert_eq!(r.unwrap_err(), "not a regular file");
            assert!(real.is_none());
        }
        Err(_) => {
            // Unblock the reader before failing.
            let _ = std::fs::write(&fifo, "");
            panic!("reading a FIFO blocked");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn read_header_file_refuses_large_files() {
    let dir = temp_dir("large");
    let path = dir.join("big.h");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(MAX_FILE_BYTES + 1).unwrap(); // sparse
    drop(f);
    assert_eq!(
        read_header_file(&path).unwrap_err(),
        format!("larger than {MAX_FILE_BYTES} bytes")
    );
    assert!(RealFs.read(&path).is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The predefined macros are the system gcc's for this target (when gcc is
/// installed and targets the same machine): every macro cshared predefines
/// that gcc also predefines has gcc's value, and the families that shape
/// headers (sizes, types, limits, byte order, architecture, OS) are all there.
#[test]
fn predefined_macros_match_gcc() {
    if !cfg!(all(
        target_os = "linux",
        target_env = "gnu",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )) {
        return;
    }
    // This target's gcc by its triplet name (Debian has one per target: a
    // cross run under qemu compares with aarch64-linux-gnu-gcc), else gcc.
    let run = |gcc: &str| {
        std::process::Command::new(gcc)
            .args(["-dM", "-E", "-x", "c", "/dev/null"])
            .output()
    };
    let Ok(out) = run(&format!("{}-linux-gnu-gcc", std::env::consts::ARCH)).or_else(|_| run("gcc")) else {
        eprintln!("no gcc; skipped");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let gcc: HashMap<String, String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|l| {
            let (name, value) = l.split_once(' ').unwrap_or((l, ""));
            (!name.contains('(')).then(|| (name.to_string(), value.replace(' ', "")))
        })
        .collect();
    let ours: HashMap<String, String> = target::predefined()
        .lines()
        .filter_map(|l| {
            let (name, value) = l.split_once(' ').unwrap_or((l, ""));
            (!name.contains('(')).then(|| (name.to_string(), value.replace(' ', "")))
        })
        .collect();
    let version = ["__VERSION__", "__GNUC__", "__GNUC_MINOR__", "__GNUC_PATCHLEVEL__"];
    let mut differ = Vec::new();
    for (name, value) in &ours {
        if let Some(g) = gcc.get(name) {
            if g != value && !version.contains(&name.as_str()) {
                differ.push(format!("{name}: cshared {value}, gcc {g}"));
            }
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
    let families = [
        "__SIZEOF_",
        "_TYPE__",
        "_MAX__",
        "_MIN__",
        "_WIDTH__",
        "__BYTE_ORDER__",
        "__ORDER_",
        "__LP64__",
        "__CHAR_BIT__",
        "__x86_64",
        "__amd64",
        "__aarch64__",
        "__linux",
        "__unix",
        "__ELF__",
        "__STDC",
        "__FLT_",
        "__DBL_",
        "__LDBL_",
        "__SSE",
        "__MMX__",
        "__CHAR_UNSIGNED__",
        "__GCC_ATOMIC",
        "__ATOMIC_",
    ];
    let skip = [
        "__FLT16",
        "__FLT32",
        "__FLT64",
        "__FLT128",
        "__BFLT16",
        "__DEC",
        "__STDC_IEC",
        "__STDC_ISO_10646__",
    ];
    let mut missing: Vec<&String> = gcc
        .keys()
        .filter(|n| families.iter().any(|f| n.contains(f)) && !skip.iter().any(|s| n.starts_with(s)))
        .filter(|n| !ours.contains_key(*n))
        .collect();
    missing.sort();
    assert!(
        missing.is_empty(),
        "gcc predefines these and cshared does not: {missing:?}"
    );
}

/// C_INCLUDE_PATH's directories come before the default ones, as in gcc.
#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn c_include_path_first() {
    let dir = std::env::temp_dir();
    let dirs = target::system_dirs(Some(dir.clone().into_os_string()));
    assert_eq!(dirs.first().map(|d| d.path.clone()), Some(dir));
    assert!(
        dirs.iter().any(|d| d.path == std::path::Path::new("/usr/include")),
        "{dirs:?}"
    );
    assert_eq!(target::system_dirs(None), target::system_dirs(Some("".into())));
}
