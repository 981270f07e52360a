//! The Go signature reader on arbitrary text, as a `.go` file: every
//! `//export` it finds is read or reported, never a panic, and what it read
//! is applied to a small cgo-style header (typings generated from it).
#![no_main]

use cshared_core::gosrc::{apply, read_source, Package};
use libfuzzer_sys::fuzz_target;

const HEADER: &str = "typedef long long GoInt; typedef double GoFloat64; typedef unsigned char GoUint8;\n\
    typedef struct { const char *p; ptrdiff_t n; } _GoString_; typedef _GoString_ GoString;\n\
    typedef struct { void *data; GoInt len; GoInt cap; } GoSlice;\n\
    struct F_return { GoFloat64 r0; GoUint8 r1; GoInt r2; };\n\
    extern struct F_return F(GoSlice xs, GoInt a, GoString s);\n\
    extern void G(GoSlice xs);\n\
    extern char* H(GoInt n, char** out);\n";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut pkg = Package::default();
    read_source("fuzz.go", &text, &mut pkg);
    let src = cshared_core::cdecl::preproc::SourceFile {
        path: None,
        display: "go.h".into(),
        text: HEADER.into(),
    };
    let Ok(mut h) = cshared_core::header::read(src, &Default::default(), &cshared_fuzz::MemFs) else {
        return;
    };
    apply(&mut h, &pkg);
    let _ = cshared_core::typings::generate(&h, "Go", "go.h");
});
