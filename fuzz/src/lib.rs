//! Shared pieces of the cshared fuzz targets: a fixed in-memory file system
//! (so that `#include` is exercised without touching the disk), the paths and
//! options the targets use, and a base scope for the parser target.
//!
//! Everything here is deterministic: each run of a target starts from the
//! same files and options, whatever earlier runs did.

use cshared_core::cdecl::lexer;
use cshared_core::cdecl::parser::Parser;
use cshared_core::cdecl::preproc::{FileSource, Options, SourceFile};
use cshared_core::cdecl::target::SystemDir;
use cshared_core::cdecl::{Names, Scope};
use std::path::{Path, PathBuf};

/// Where the fuzzed text pretends to live: `#include "x.h"` looks in `fuzz/` first.
pub const MAIN_PATH: &str = "fuzz/main.h";
pub const MAIN_DISPLAY: &str = "main.h";

/// `#include <...>` and `#include_next` search these, in order.
pub fn include_dirs() -> Vec<PathBuf> {
    vec![PathBuf::from("inc"), PathBuf::from("inc2")]
}

/// The system search path (after cshared's own compiler headers): files
/// found there are system headers, whose declarations serve the header but
/// are not the library's.
pub fn system_dirs() -> Vec<SystemDir> {
    vec![SystemDir {
        path: PathBuf::from("sys"),
        os_only: false,
    }]
}

/// Object-like macros given as options, as a user of `cshared` would.
pub fn defines() -> Vec<(String, String)> {
    vec![
        ("ZLIB_CONST".to_string(), String::new()),
        ("FUZZ_LEVEL".to_string(), "3".to_string()),
    ]
}

/// The fixed files every target can include. Paths are as the preprocessor
/// asks for them: the including file's directory (or an include directory)
/// joined with the name, `.` components removed, `..` kept.
const FILES: &[(&str, &str)] = &[
    // `#pragma once`, a function-like macro, a struct typedef.
    (
        "fuzz/a.h",
        "#pragma once\n#define f(x) x x\nint a;\ntypedef struct A { int x; char *s; } A;\n",
    ),
    // A classic include guard with constants, an enum, a callback and a function.
    (
        "fuzz/guard.h",
        "#ifndef GUARD_H\n#define GUARD_H\n/** The version. */\n#define G_VERSION \"1.0\"\n\
         #define G_MAX (1 << 10)\n#define G_HALF (G_MAX / 2)\n#define G_PI 3.25f\n\
         #define G_NONE ((g_handle)-1)\n\
         enum g_mode { G_READ = 1, G_WRITE = 2, G_BOTH = G_READ | G_WRITE };\n\
         typedef void *g_handle;\ntypedef int (*g_cb)(void *ctx, const char *msg, size_t len);\n\
         /** Opens a thing. */\nextern g_handle g_open(const char *path, enum g_mode mode, g_cb cb);\n\
         int g_close(g_handle h);\nint g_printf(g_handle h, const char *fmt, ...);\n#endif\n",
    ),
    // Includes itself without a guard: stopped by the include depth limit.
    ("fuzz/loop.h", "int loop;\n#include \"loop.h\"\n"),
    // Includes itself four times: an exponential tree, stopped by the token budget.
    (
        "fuzz/fan.h",
        "#include \"fan.h\"\n#include \"fan.h\"\n#include \"fan.h\"\n#include \"fan.h\"\n",
    ),
    // Errors inside an included file.
    ("fuzz/unterminated_if.h", "#if 1\nint x;\n"),
    ("fuzz/unterminated_call.h", "#define uc(x) x\nuc(1\n"),
    ("fuzz/error.h", "#error stop here\n"),
    // `#line` and macros with `#`, `##` and `__VA_OPT__`.
    (
        "fuzz/macros.h",
        "#line 100 \"renamed.h\"\n#define CAT(a, b) a ## b\n#define STR(x) #x\n#define XSTR(x) STR(x)\n\
         #define V(fmt, ...) g(fmt __VA_OPT__(,) __VA_ARGS__)\n#define E(fmt, ...) g(fmt, ## __VA_ARGS__)\n\
         #define XCAT(a, b) CAT(a, b)\n#define NAME CAT(na, me)\nint XCAT(x, __LINE__);\nconst char *s = XSTR(NAME);\n",
    ),
    // A `..` path from a subdirectory.
    ("fuzz/sub/inner.h", "#include \"../sibling.h\"\n#include \"deeper.h\"\n"),
    ("fuzz/sub/../sibling.h", "int sibling;\n"),
    ("fuzz/sub/deeper.h", "struct deeper { int d[4]; };\n"),
    // A stand-in for zlib's zconf.h (hand-written, only what zlib.h needs), so
    // that zlib.h in the corpus gets past its `#include "zconf.h"`.
    (
        "fuzz/zconf.h",
        "#ifndef ZCONF_H\n#define ZCONF_H\n#define ZEXTERN extern\n#define ZEXPORT\n#define ZEXPORTVA\n\
         #define FAR\n#define OF(args) args\n#define Z_ARG(args) args\n#define z_const const\n#define MAX_MEM_LEVEL 9\n\
         #define MAX_WBITS 15\ntypedef size_t z_size_t;\ntypedef unsigned char Byte;\n\
         typedef unsigned int uInt;\ntypedef unsigned long uLong;\ntypedef Byte FAR Bytef;\n\
         typedef char FAR charf;\ntypedef int FAR intf;\ntypedef uInt FAR uIntf;\n\
         typedef uLong FAR uLongf;\ntypedef void const *voidpc;\ntypedef void FAR *voidpf;\n\
         typedef void *voidp;\ntypedef unsigned z_crc_t;\n#define z_off_t long\n\
         #define z_off64_t z_off_t\n#endif\n",
    ),
    // `#include_next`: inc/a.h continues the search in inc2.
    ("inc/a.h", "#include_next <a.h>\nint inc_a;\n"),
    ("inc2/a.h", "#define FROM_INC2 2\nint inc2_a;\n"),
    ("inc/pkg/b.h", "#include \"c.h\"\nint pkg_b;\n"),
    (
        "inc/pkg/c.h",
        "#pragma pack(push, 1)\nstruct packed { char c; int i; };\n#pragma pack(pop)\n\
         _Pragma(\"pack(2)\") struct two { char c; int i; };\n#pragma pack()\n",
    ),
    // An absolute path.
    ("/abs/z.h", "#pragma once\nint z;\n"),
    // System headers (on the system path): a C library's stdio.h, with GNU
    // extensions, and what it includes.
    (
        "sys/stdio.h",
        "#ifndef _STDIO_H\n#define _STDIO_H\n#include <bits/types.h>\n#define __need_size_t\n#include <stddef.h>\n\
         #define __need___va_list\n#include <stdarg.h>\n#define EOF (-1)\ntypedef struct _IO_FILE FILE;\n\
         extern int fscanf (FILE *__restrict __stream, const char *__restrict __format, ...)\n\
           __asm__ (\"\" \"__isoc99_fscanf\") __attribute__ ((__nothrow__ , __leaf__));\n\
         extern int vprintf (const char *__restrict __format, __gnuc_va_list __arg);\n\
         static __inline int __getc_unlocked_body(FILE *f) { return ({ int c = 0; c; }); }\n#endif\n",
    ),
    (
        "sys/bits/types.h",
        "#pragma once\n__extension__ typedef long long int __quad_t;\ntypedef int __pid_t;\n\
         typedef int register_t __attribute__ ((__mode__ (__word__)));\n\
         typedef __typeof__(sizeof(int)) __size_type;\n#define __ENOENT 2\n",
    ),
];

/// The fixed files, served from memory.
pub struct MemFs;

impl FileSource for MemFs {
    fn read(&self, path: &Path) -> Option<String> {
        FILES
            .iter()
            .find(|(p, _)| Path::new(p) == path)
            .map(|(_, text)| (*text).to_string())
    }
}

/// The fuzz input as the main file (invalid UTF-8 replaced, as `RealFs` does).
pub fn main_file(data: &[u8]) -> SourceFile {
    SourceFile {
        path: Some(PathBuf::from(MAIN_PATH)),
        display: MAIN_DISPLAY.to_string(),
        text: String::from_utf8_lossy(data).into_owned(),
    }
}

/// Preprocessor options for the `preproc` target: the fixed include
/// directories and defines, the default include depth, and a token budget
/// small enough that one run stays well under a second.
pub fn preproc_options() -> Options {
    Options {
        include_dirs: include_dirs(),
        system_dirs: system_dirs(),
        defines: defines(),
        max_tokens: 200_000,
        ..Options::default()
    }
}

/// Declarations the `parse` target resolves names against (a library's
/// header, as `lib.func('proto')` does). Built fresh for each run, so that
/// no run sees what an earlier one defined. `struct node` points to itself:
/// that leaked (an `Arc` cycle) before commit 0f86a47, and with leak
/// detection on, a regression shows up in the first run.
const BASE_DECLS: &str = "typedef long long GoInt; typedef struct { const char *p; GoInt n; } GoString;\n\
    typedef struct node { struct node *next; struct fwd *other; int v; } node_t; struct fwd;\n\
    enum color { RED, GREEN = 5, BLUE }; typedef int (*cmp_fn)(const void *, const void *);\n\
    union u { int i; double d; char c[3]; }; typedef unsigned char u8x4[4];\n";

pub fn base_scope() -> Scope {
    let mut scope = Scope::new();
    let toks = lexer::lex(BASE_DECLS, 0).unwrap_or_default();
    let mut decls = Vec::new();
    let mut skipped = Vec::new();
    let _ = Parser::new(
        &toks,
        Names {
            local: &mut scope,
            bases: &[],
        },
    )
    .header(&mut decls, &mut skipped);
    scope
}

#[cfg(test)]
mod tests {
    use super::*;
    use cshared_core::cdecl::preproc::preprocess;

    /// The fixed files are all reachable and the base scope is not empty.
    #[test]
    fn fixtures_work() {
        let src = b"#include \"a.h\"\n#include \"guard.h\"\n#include \"macros.h\"\n#include \"sub/inner.h\"\n\
                    #include \"zconf.h\"\n#include <a.h>\n#include <pkg/b.h>\n#include \"/abs/z.h\"\n#include <stdio.h>\nint end;\n";
        let out = match preprocess(main_file(src), &preproc_options(), &MemFs) {
            Ok(out) => out,
            Err(e) => panic!("{e}"),
        };
        let texts: Vec<&str> = out.tokens.iter().map(|t| &*t.text).collect();
        for name in [
            "a", "g_open", "x107", "sibling", "deeper", "uLongf", "inc_a", "inc2_a", "pkg_b", "z", "fscanf", "end",
        ] {
            assert!(texts.contains(&name), "{name} not in {texts:?}");
        }
        let scope = base_scope();
        assert!(scope.typedefs.contains_key("GoString") && scope.typedefs.contains_key("cmp_fn"));
        assert!(scope.records.contains_key("node") && scope.enums.contains_key("color"));
        for (file, _) in FILES {
            assert!(MemFs.read(Path::new(file)).is_some());
        }
        for bad in ["loop.h", "fan.h", "unterminated_if.h", "unterminated_call.h", "error.h"] {
            let src = format!("#include \"{bad}\"\n");
            assert!(
                preprocess(main_file(src.as_bytes()), &preproc_options(), &MemFs).is_err(),
                "{bad}"
            );
        }
    }
}

#[cfg(test)]
mod seed_tests {
    use super::*;
    use cshared_core::header;

    /// The committed header seeds (but the two that test limits) read without
    /// errors, so the fuzzer starts from inputs that reach the parser.
    #[test]
    fn header_seeds_read() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/header");
        let opts = header::Options {
            include_dirs: include_dirs(),
            defines: defines(),
            system_dirs: Some(system_dirs()),
        };
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Ok(text) = std::fs::read(&path) else { continue };
            let r = header::read(main_file(&text), &opts, &MemFs);
            if name.starts_with("include_") {
                assert!(r.is_err(), "{name} should hit a limit");
            } else {
                if let Err(e) = r {
                    panic!("{name}: {}:{}:{}: {}", e.file, e.line, e.column, e.msg);
                }
            }
            n += 1;
        }
        assert!(n >= 5, "{n} seeds in {}", dir.display());
    }
}
