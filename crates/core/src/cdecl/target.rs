//! What the system C compiler brings to a header: its predefined macros, its
//! own headers (`stddef.h`, `stdarg.h`, `float.h`, ...), and its default
//! include search path, for the target cshared was built for.
//!
//! On Linux and macOS cshared presents itself as GCC (or clang, which does
//! the same): `__GNUC__` is defined. Headers choose between compilers with
//! it, and the GNU branch is the one their library was built with: glibc
//! routes functions to their real symbols with `__asm__` names only under
//! `__GNUC__` (`fopen` is `fopen64` with 64-bit file offsets on 32-bit
//! targets), takes `long long`, `__extension__` and attributes from it, and
//! libraries pick their export macros and constants by it. A header read
//! without it would be read differently from the way its library was
//! compiled. On Windows, where libraries are built with MSVC and the system
//! headers are MSVC's, `_MSC_VER` is defined instead.

use std::path::PathBuf;

/// The data model and ABI facts the macros are made from.
struct Target {
    ptr: u8,
    long: u8,
    char_signed: bool,
    little: bool,
    linux: bool,
    mac: bool,
    windows: bool,
    x86_64: bool,
    aarch64: bool,
    x86: bool,
    arm: bool,
    /// `long double`: 80-bit x87 (`x87`), IEEE quad (`quad`), or double.
    ldbl_x87: bool,
    ldbl_quad: bool,
}

fn target() -> Target {
    let ptr: u8 = if cfg!(target_pointer_width = "64") { 8 } else { 4 };
    let windows = cfg!(windows);
    let mac = cfg!(target_os = "macos");
    let linux = cfg!(any(target_os = "linux", target_os = "android"));
    let x86_64 = cfg!(target_arch = "x86_64");
    let aarch64 = cfg!(target_arch = "aarch64");
    let x86 = cfg!(target_arch = "x86");
    let arm = cfg!(target_arch = "arm");
    Target {
        ptr,
        long: if windows { 4 } else { ptr },
        char_signed: crate::types::CHAR_SIGNED,
        little: cfg!(target_endian = "little"),
        linux,
        mac,
        windows,
        x86_64,
        aarch64,
        x86,
        arm,
        ldbl_x87: (x86_64 || x86) && !windows,
        ldbl_quad: aarch64 && linux,
    }
}

/// The version of GCC cshared presents itself as (GCC 12.2, Debian 12's).
pub const GNUC: (u32, u32, u32) = (12, 2, 0);

/// The predefined macros, one `NAME VALUE` (or `NAME(args) VALUE`) a line,
/// as the system compiler defines them for this target (compare
/// `gcc -dM -E - </dev/null`).
pub fn predefined() -> String {
    let t = target();
    let mut d: Vec<(String, String)> = Vec::new();
    let mut def = |n: &str, v: &str| d.push((n.to_string(), v.to_string()));
    def("__STDC__", "1");
    def("__STDC_VERSION__", "201710L");
    def("__STDC_HOSTED__", "1");
    def("__STDC_UTF_16__", "1");
    def("__STDC_UTF_32__", "1");
    let gnu = !t.windows;
    if gnu {
        let (major, minor, patch) = GNUC;
        if t.mac {
            // Apple clang presents itself as GCC 4.2.1.
            def("__GNUC__", "4");
            def("__GNUC_MINOR__", "2");
            def("__GNUC_PATCHLEVEL__", "1");
            def("__clang__", "1");
            def("__clang_major__", "15");
            def("__clang_minor__", "0");
            def("__clang_patchlevel__", "0");
            def("__APPLE_CC__", "6000");
            def("__VERSION__", "\"Apple LLVM 15.0.0 (cshared)\"");
        } else {
            def("__GNUC__", &major.to_string());
            def("__GNUC_MINOR__", &minor.to_string());
            def("__GNUC_PATCHLEVEL__", &patch.to_string());
            def("__VERSION__", &format!("\"{major}.{minor}.{patch}\""));
        }
        def("__GNUC_STDC_INLINE__", "1");
        def("__NO_INLINE__", "1");
        def("__CHAR_BIT__", "8");
        def("__ATOMIC_RELAXED", "0");
        def("__ATOMIC_CONSUME", "1");
        def("__ATOMIC_ACQUIRE", "2");
        def("__ATOMIC_RELEASE", "3");
        def("__ATOMIC_ACQ_REL", "4");
        def("__ATOMIC_SEQ_CST", "5");
        def("__FINITE_MATH_ONLY__", "0");
        def("__USER_LABEL_PREFIX__", if t.mac { "_" } else { "" });
        def("__REGISTER_PREFIX__", "");
        def("__ORDER_LITTLE_ENDIAN__", "1234");
        def("__ORDER_BIG_ENDIAN__", "4321");
        def("__ORDER_PDP_ENDIAN__", "3412");
        let order = if t.little {
            "__ORDER_LITTLE_ENDIAN__"
        } else {
            "__ORDER_BIG_ENDIAN__"
        };
        def("__BYTE_ORDER__", order);
        def("__FLOAT_WORD_ORDER__", order);
        def("__BIGGEST_ALIGNMENT__", if t.x86_64 || t.aarch64 { "16" } else { "8" });
        if !t.char_signed {
            def("__CHAR_UNSIGNED__", "1");
        }
        for n in [
            "__GCC_ATOMIC_BOOL_LOCK_FREE",
            "__GCC_ATOMIC_CHAR_LOCK_FREE",
            "__GCC_ATOMIC_CHAR16_T_LOCK_FREE",
            "__GCC_ATOMIC_CHAR32_T_LOCK_FREE",
            "__GCC_ATOMIC_WCHAR_T_LOCK_FREE",
            "__GCC_ATOMIC_SHORT_LOCK_FREE",
            "__GCC_ATOMIC_INT_LOCK_FREE",
            "__GCC_ATOMIC_LONG_LOCK_FREE",
            "__GCC_ATOMIC_LLONG_LOCK_FREE",
            "__GCC_ATOMIC_POINTER_LOCK_FREE",
        ] {
            def(n, "2");
        }
        def("__GCC_ATOMIC_TEST_AND_SET_TRUEVAL", "1");
        for n in [1, 2, 4, 8] {
            def(&format!("__GCC_HAVE_SYNC_COMPARE_AND_SWAP_{n}"), "1");
        }
        def("__GCC_IEC_559", "2");
        def("__GCC_IEC_559_COMPLEX", "2");
        def("__PRAGMA_REDEFINE_EXTNAME", "1");
    }
    // The operating system.
    if t.linux {
        for n in ["__linux__", "__linux", "linux", "__unix__", "__unix", "unix", "__ELF__"] {
            def(n, "1");
        }
        if cfg!(target_env = "gnu") {
            def("__gnu_linux__", "1");
        }
    } else if t.mac {
        def("__APPLE__", "1");
        def("__MACH__", "1");
        def("__ENVIRONMENT_MAC_OS_X_VERSION_MIN_REQUIRED__", "110000");
        def("__ENVIRONMENT_OS_VERSION_MIN_REQUIRED__", "110000");
        def("__DYNAMIC__", "1");
    } else if cfg!(unix) {
        for n in ["__unix__", "__unix", "__ELF__"] {
            def(n, "1");
        }
    }
    if t.windows {
        def("_WIN32", "1");
        if t.ptr == 8 {
            def("_WIN64", "1");
        }
        def("_MSC_VER", "1930");
        def("_MSC_FULL_VER", "193030705");
        def("_MSC_EXTENSIONS", "1");
        def("_INTEGRAL_MAX_BITS", "64");
        def("_MT", "1");
        def("_DLL", "1");
    }
    // The architecture.
    if t.x86_64 {
        if t.windows {
            def("_M_X64", "100");
            def("_M_AMD64", "100");
        } else {
            for n in [
                "__x86_64__",
                "__x86_64",
                "__amd64__",
                "__amd64",
                "__k8",
                "__k8__",
                "__code_model_small__",
                "__MMX__",
                "__SSE__",
                "__SSE2__",
                "__FXSR__",
                "__SSE_MATH__",
                "__SSE2_MATH__",
                "__MMX_WITH_SSE__",
                "__SEG_FS",
                "__SEG_GS",
            ] {
                def(n, "1");
            }
            def("__ATOMIC_HLE_ACQUIRE", "65536");
            def("__ATOMIC_HLE_RELEASE", "131072");
        }
    } else if t.aarch64 {
        if t.windows {
            def("_M_ARM64", "1");
        } else {
            def("__aarch64__", "1");
            def("__ARM_64BIT_STATE", "1");
            def("__ARM_ARCH", "8");
            def("__ARM_ARCH_8A", "1");
            def("__ARM_NEON", "1");
            def("__ARM_FP", "14");
            def("__ARM_PCS_AAPCS64", "1");
            def("__ARM_SIZEOF_WCHAR_T", "4");
            // GCC's aarch64 target says C99's FLT_EVAL_METHOD too.
            if !t.mac {
                def("__FLT_EVAL_METHOD_C99__", "0");
            }
            if t.mac {
                def("__arm64__", "1");
                def("__arm64", "1");
            }
            def(if t.little { "__AARCH64EL__" } else { "__AARCH64EB__" }, "1");
        }
    } else if t.x86 {
        if t.windows {
            def("_M_IX86", "600");
        } else {
            for n in ["__i386__", "__i386", "i386", "__i686__", "__i686"] {
                def(n, "1");
            }
        }
    } else if t.arm && !t.windows {
        def("__arm__", "1");
        def("__ARM_ARCH", "7");
        def("__ARM_EABI__", "1");
        def("__ARM_PCS_VFP", "1");
        def("__ARMEL__", "1");
    }
    // The data model.
    if t.ptr == 8 && t.long == 8 {
        def("__LP64__", "1");
        def("_LP64", "1");
    } else if t.ptr == 4 && !t.windows {
        def("__ILP32__", "1");
        def("_ILP32", "1");
    }
    let ll = "long long int";
    let ull = "long long unsigned int";
    let int64 = if t.long == 8 && !t.mac { "long int" } else { ll };
    let uint64 = if t.long == 8 && !t.mac {
        "long unsigned int"
    } else {
        ull
    };
    let (size, ssize) = match (t.ptr, t.windows) {
        (8, true) => (ull, ll),
        (8, false) => ("long unsigned int", "long int"),
        _ => ("unsigned int", "int"),
    };
    let intmax = if t.windows {
        ll
    } else if t.long == 8 {
        "long int"
    } else {
        ll
    };
    let uintmax = if t.windows {
        ull
    } else if t.long == 8 {
        "long unsigned int"
    } else {
        ull
    };
    let (wchar, wchar_signed, wchar_bits) = if t.windows {
        ("short unsigned int", false, 16)
    } else if t.arm || (t.aarch64 && t.linux) {
        ("unsigned int", false, 32)
    } else {
        ("int", true, 32)
    };
    let wint = if t.windows {
        "short unsigned int"
    } else if t.mac {
        "int"
    } else {
        "unsigned int"
    };
    // glibc makes the "fast" 16- and 32-bit types as wide as a long.
    let glibc = t.linux && cfg!(target_env = "gnu");
    let fast16 = if glibc {
        if t.long == 8 {
            "long int"
        } else {
            "int"
        }
    } else if t.mac {
        "short int"
    } else {
        "int"
    };
    let ufast16 = if glibc {
        if t.long == 8 {
            "long unsigned int"
        } else {
            "unsigned int"
        }
    } else if t.mac {
        "short unsigned int"
    } else {
        "unsigned int"
    };
    let fast32 = if glibc && t.long == 8 { "long int" } else { "int" };
    let ufast32 = if glibc && t.long == 8 {
        "long unsigned int"
    } else {
        "unsigned int"
    };
    let max_of = |ty: &str| -> &'static str {
        match ty {
            "signed char" => "0x7f",
            "unsigned char" => "0xff",
            "short int" => "0x7fff",
            "short unsigned int" => "0xffff",
            "int" => "0x7fffffff",
            "unsigned int" => "0xffffffffU",
            "long int" if t.long == 8 => "0x7fffffffffffffffL",
            "long int" => "0x7fffffffL",
            "long unsigned int" if t.long == 8 => "0xffffffffffffffffUL",
            "long unsigned int" => "0xffffffffUL",
            "long long int" => "0x7fffffffffffffffLL",
            _ => "0xffffffffffffffffULL",
        }
    };
    let width_of = |ty: &str| -> &'static str {
        match ty {
            "signed char" | "unsigned char" => "8",
            "short int" | "short unsigned int" => "16",
            "int" | "unsigned int" => "32",
            "long int" | "long unsigned int" if t.long == 4 => "32",
            _ => "64",
        }
    };
    let suffix_of = |ty: &str| -> &'static str {
        match ty {
            "unsigned int" => "U",
            "long int" => "L",
            "long unsigned int" => "UL",
            "long long int" => "LL",
            "long long unsigned int" => "ULL",
            _ => "",
        }
    };
    let ptr_s = t.ptr.to_string();
    let long_s = t.long.to_string();
    def("__SIZEOF_INT__", "4");
    def("__SIZEOF_LONG__", &long_s);
    def("__SIZEOF_LONG_LONG__", "8");
    def("__SIZEOF_SHORT__", "2");
    def("__SIZEOF_FLOAT__", "4");
    def("__SIZEOF_DOUBLE__", "8");
    def(
        "__SIZEOF_LONG_DOUBLE__",
        if t.ldbl_x87 && t.ptr == 4 {
            "12"
        } else if t.ldbl_x87 || t.ldbl_quad {
            "16"
        } else {
            "8"
        },
    );
    def("__SIZEOF_POINTER__", &ptr_s);
    def("__SIZEOF_SIZE_T__", &ptr_s);
    def("__SIZEOF_PTRDIFF_T__", &ptr_s);
    def("__SIZEOF_WCHAR_T__", if t.windows { "2" } else { "4" });
    def("__SIZEOF_WINT_T__", if t.windows { "2" } else { "4" });
    if t.ptr == 8 && !t.windows {
        def("__SIZEOF_INT128__", "16");
    }
    if t.ldbl_x87 {
        def("__SIZEOF_FLOAT80__", if t.ptr == 8 { "16" } else { "12" });
        def("__SIZEOF_FLOAT128__", "16");
    }
    let types: [(&str, &str); 12] = [
        ("SIZE", size),
        ("PTRDIFF", ssize),
        ("WCHAR", wchar),
        ("WINT", wint),
        ("INTMAX", intmax),
        ("UINTMAX", uintmax),
        ("CHAR16", "short unsigned int"),
        ("CHAR32", "unsigned int"),
        ("SIG_ATOMIC", "int"),
        ("INTPTR", ssize),
        ("UINTPTR", size),
        ("INT64", int64),
    ];
    for (n, ty) in types {
        def(&format!("__{n}_TYPE__"), ty);
    }
    let fixed: [(&str, &str); 7] = [
        ("INT8", "signed char"),
        ("INT16", "short int"),
        ("INT32", "int"),
        ("UINT8", "unsigned char"),
        ("UINT16", "short unsigned int"),
        ("UINT32", "unsigned int"),
        ("UINT64", uint64),
    ];
    for (n, ty) in fixed {
        def(&format!("__{n}_TYPE__"), ty);
    }
    for (n, ty) in [
        ("INT8", "signed char"),
        ("INT16", "short int"),
        ("INT32", "int"),
        ("INT64", int64),
        ("UINT8", "unsigned char"),
        ("UINT16", "short unsigned int"),
        ("UINT32", "unsigned int"),
        ("UINT64", uint64),
        ("INTMAX", intmax),
        ("UINTMAX", uintmax),
        ("INTPTR", ssize),
        ("UINTPTR", size),
        ("PTRDIFF", ssize),
        ("SIZE", size),
    ] {
        def(&format!("__{n}_MAX__"), max_of(ty));
    }
    for k in [8, 16, 32, 64] {
        let (s, u) = match k {
            8 => ("signed char", "unsigned char"),
            16 => ("short int", "short unsigned int"),
            32 => ("int", "unsigned int"),
            _ => (int64, uint64),
        };
        let (fs, fu) = match k {
            8 => ("signed char", "unsigned char"),
            16 => (fast16, ufast16),
            32 => (fast32, ufast32),
            _ => (int64, uint64),
        };
        def(&format!("__INT_LEAST{k}_TYPE__"), s);
        def(&format!("__UINT_LEAST{k}_TYPE__"), u);
        def(&format!("__INT_LEAST{k}_MAX__"), max_of(s));
        def(&format!("__UINT_LEAST{k}_MAX__"), max_of(u));
        def(&format!("__INT_LEAST{k}_WIDTH__"), &k.to_string());
        def(&format!("__INT_FAST{k}_TYPE__"), fs);
        def(&format!("__UINT_FAST{k}_TYPE__"), fu);
        def(&format!("__INT_FAST{k}_MAX__"), max_of(fs));
        def(&format!("__UINT_FAST{k}_MAX__"), max_of(fu));
        def(&format!("__INT_FAST{k}_WIDTH__"), width_of(fs));
    }
    def("__SCHAR_MAX__", "0x7f");
    def("__SHRT_MAX__", "0x7fff");
    def("__INT_MAX__", "0x7fffffff");
    def("__LONG_MAX__", max_of("long int"));
    def("__LONG_LONG_MAX__", "0x7fffffffffffffffLL");
    def(
        "__WCHAR_MAX__",
        if wchar_signed {
            "0x7fffffff"
        } else if wchar_bits == 16 {
            "0xffff"
        } else {
            "0xffffffffU"
        },
    );
    def(
        "__WCHAR_MIN__",
        if wchar_signed {
            "(-__WCHAR_MAX__ - 1)"
        } else if wchar_bits == 16 {
            "0"
        } else {
            "0U"
        },
    );
    def("__WINT_MAX__", max_of(wint));
    def(
        "__WINT_MIN__",
        if wint == "int" {
            "(-__WINT_MAX__ - 1)"
        } else if wint == "unsigned int" {
            "0U"
        } else {
            "0"
        },
    );
    def("__SIG_ATOMIC_MAX__", "0x7fffffff");
    def("__SIG_ATOMIC_MIN__", "(-__SIG_ATOMIC_MAX__ - 1)");
    def("__SCHAR_WIDTH__", "8");
    def("__SHRT_WIDTH__", "16");
    def("__INT_WIDTH__", "32");
    def("__LONG_WIDTH__", width_of("long int"));
    def("__LONG_LONG_WIDTH__", "64");
    def("__PTRDIFF_WIDTH__", width_of(ssize));
    def("__SIZE_WIDTH__", width_of(size));
    def("__WCHAR_WIDTH__", &wchar_bits.to_string());
    def("__WINT_WIDTH__", width_of(wint));
    def("__INTMAX_WIDTH__", "64");
    def("__INTPTR_WIDTH__", width_of(ssize));
    def("__SIG_ATOMIC_WIDTH__", "32");
    // Floating types: IEEE single and double everywhere; long double per target.
    for (n, v) in [
        ("__FLT_EVAL_METHOD__", "0"),
        ("__FLT_EVAL_METHOD_TS_18661_3__", "0"),
        ("__FLT_RADIX__", "2"),
        ("__FLT_MANT_DIG__", "24"),
        ("__FLT_DIG__", "6"),
        ("__FLT_MIN_EXP__", "(-125)"),
        ("__FLT_MIN_10_EXP__", "(-37)"),
        ("__FLT_MAX_EXP__", "128"),
        ("__FLT_MAX_10_EXP__", "38"),
        ("__FLT_DECIMAL_DIG__", "9"),
        ("__FLT_MAX__", "3.40282346638528859811704183484516925e+38F"),
        ("__FLT_NORM_MAX__", "3.40282346638528859811704183484516925e+38F"),
        ("__FLT_MIN__", "1.17549435082228750796873653722224568e-38F"),
        ("__FLT_EPSILON__", "1.19209289550781250000000000000000000e-7F"),
        ("__FLT_DENORM_MIN__", "1.40129846432481707092372958328991613e-45F"),
        ("__FLT_HAS_DENORM__", "1"),
        ("__FLT_HAS_INFINITY__", "1"),
        ("__FLT_HAS_QUIET_NAN__", "1"),
        ("__FLT_IS_IEC_60559__", "2"),
        ("__DBL_MANT_DIG__", "53"),
        ("__DBL_DIG__", "15"),
        ("__DBL_MIN_EXP__", "(-1021)"),
        ("__DBL_MIN_10_EXP__", "(-307)"),
        ("__DBL_MAX_EXP__", "1024"),
        ("__DBL_MAX_10_EXP__", "308"),
        ("__DBL_DECIMAL_DIG__", "17"),
        ("__DBL_MAX__", "((double)1.79769313486231570814527423731704357e+308L)"),
        (
            "__DBL_NORM_MAX__",
            "((double)1.79769313486231570814527423731704357e+308L)",
        ),
        ("__DBL_MIN__", "((double)2.22507385850720138309023271733240406e-308L)"),
        (
            "__DBL_EPSILON__",
            "((double)2.22044604925031308084726333618164062e-16L)",
        ),
        (
            "__DBL_DENORM_MIN__",
            "((double)4.94065645841246544176568792868221372e-324L)",
        ),
        ("__DBL_HAS_DENORM__", "1"),
        ("__DBL_HAS_INFINITY__", "1"),
        ("__DBL_HAS_QUIET_NAN__", "1"),
        ("__DBL_IS_IEC_60559__", "2"),
        ("__LDBL_HAS_DENORM__", "1"),
        ("__LDBL_HAS_INFINITY__", "1"),
        ("__LDBL_HAS_QUIET_NAN__", "1"),
        ("__LDBL_IS_IEC_60559__", "2"),
    ] {
        def(n, v);
    }
    let ldbl: [(&str, &str); 11] = if t.ldbl_x87 {
        [
            ("MANT_DIG", "64"),
            ("DIG", "18"),
            ("MIN_EXP", "(-16381)"),
            ("MIN_10_EXP", "(-4931)"),
            ("MAX_EXP", "16384"),
            ("MAX_10_EXP", "4932"),
            ("DECIMAL_DIG", "21"),
            ("MAX", "1.18973149535723176502126385303097021e+4932L"),
            ("MIN", "3.36210314311209350626267781732175260e-4932L"),
            ("EPSILON", "1.08420217248550443400745280086994171e-19L"),
            ("DENORM_MIN", "3.64519953188247460252840593361941982e-4951L"),
        ]
    } else if t.ldbl_quad {
        [
            ("MANT_DIG", "113"),
            ("DIG", "33"),
            ("MIN_EXP", "(-16381)"),
            ("MIN_10_EXP", "(-4931)"),
            ("MAX_EXP", "16384"),
            ("MAX_10_EXP", "4932"),
            ("DECIMAL_DIG", "36"),
            ("MAX", "1.18973149535723176508575932662800702e+4932L"),
            ("MIN", "3.36210314311209350626267781732175260e-4932L"),
            ("EPSILON", "1.92592994438723585305597794258492732e-34L"),
            ("DENORM_MIN", "6.47517511943802511092443895822764655e-4966L"),
        ]
    } else {
        [
            ("MANT_DIG", "53"),
            ("DIG", "15"),
            ("MIN_EXP", "(-1021)"),
            ("MIN_10_EXP", "(-307)"),
            ("MAX_EXP", "1024"),
            ("MAX_10_EXP", "308"),
            ("DECIMAL_DIG", "17"),
            ("MAX", "1.79769313486231570814527423731704357e+308L"),
            ("MIN", "2.22507385850720138309023271733240406e-308L"),
            ("EPSILON", "2.22044604925031308084726333618164062e-16L"),
            ("DENORM_MIN", "4.94065645841246544176568792868221372e-324L"),
        ]
    };
    for (n, v) in ldbl {
        def(&format!("__LDBL_{n}__"), v);
        if n == "MAX" {
            def("__LDBL_NORM_MAX__", v);
        }
    }
    def(
        "__DECIMAL_DIG__",
        if t.ldbl_x87 {
            "21"
        } else if t.ldbl_quad {
            "36"
        } else {
            "17"
        },
    );
    let mut text = String::new();
    for (n, v) in &d {
        text.push_str(n);
        text.push(' ');
        text.push_str(v);
        text.push('\n');
    }
    // The constant macros of the exact-width types.
    for (n, ty) in [
        ("INT8", "signed char"),
        ("INT16", "short int"),
        ("INT32", "int"),
        ("INT64", int64),
        ("UINT8", "unsigned char"),
        ("UINT16", "short unsigned int"),
        ("UINT32", "unsigned int"),
        ("UINT64", uint64),
        ("INTMAX", intmax),
        ("UINTMAX", uintmax),
    ] {
        let s = suffix_of(ty);
        if s.is_empty() {
            text.push_str(&format!("__{n}_C(c) c\n"));
        } else {
            text.push_str(&format!("__{n}_C(c) c ## {s}\n"));
        }
    }
    text
}

/// A header of cshared's own compiler directory: its text, or `None` for a
/// header cshared knows but does not read (compiler intrinsics).
pub fn builtin_header(name: &str) -> Option<Option<&'static str>> {
    Some(Some(match name {
        "stddef.h" => STDDEF_H,
        "stdarg.h" => STDARG_H,
        "stdbool.h" => STDBOOL_H,
        "float.h" => FLOAT_H,
        "limits.h" => LIMITS_H,
        "stdint.h" => STDINT_H,
        "stdalign.h" => STDALIGN_H,
        "stdnoreturn.h" => "#ifndef _STDNORETURN_H\n#define _STDNORETURN_H\n#define noreturn _Noreturn\n#endif\n",
        "iso646.h" => ISO646_H,
        "varargs.h" => "#error \"GCC no longer implements <varargs.h>.\"\n",
        _ if is_intrinsics(name) => return Some(None),
        _ => return None,
    }))
}

/// The compiler's intrinsics headers: inline functions and vector types,
/// which no foreign call can use. cshared does not read them.
pub fn is_intrinsics(name: &str) -> bool {
    const NAMES: [&str; 22] = [
        "mmintrin.h",
        "xmmintrin.h",
        "emmintrin.h",
        "pmmintrin.h",
        "tmmintrin.h",
        "smmintrin.h",
        "nmmintrin.h",
        "wmmintrin.h",
        "immintrin.h",
        "x86intrin.h",
        "ia32intrin.h",
        "ammintrin.h",
        "mm3dnow.h",
        "x86gprintrin.h",
        "cpuid.h",
        "mm_malloc.h",
        "arm_neon.h",
        "arm_acle.h",
        "arm_sve.h",
        "arm_fp16.h",
        "altivec.h",
        "intrin.h",
    ];
    NAMES.contains(&name) || (name.ends_with("intrin.h") && !name.contains('/'))
}

/// The compiler's default include search path for this target, after
/// cshared's own compiler headers: where `gcc -v -E - </dev/null` (or
/// clang) looks for `#include <...>`, with C_INCLUDE_PATH first on Unix.
/// Directories that do not exist are left out.
pub fn default_system_dirs() -> Vec<SystemDir> {
    system_dirs(std::env::var_os("C_INCLUDE_PATH"))
}

/// `default_system_dirs` with this value of C_INCLUDE_PATH.
pub(crate) fn system_dirs(c_include_path: Option<std::ffi::OsString>) -> Vec<SystemDir> {
    let mut out: Vec<SystemDir> = Vec::new();
    let mut add = |p: PathBuf, os_only: bool| {
        if p.is_dir() && !out.iter().any(|d| d.path == p) {
            out.push(SystemDir { path: p, os_only });
        }
    };
    if cfg!(target_os = "macos") {
        add(PathBuf::from("/usr/local/include"), false);
        let sdk = std::env::var_os("SDKROOT")
            .map(PathBuf::from)
            .into_iter()
            .chain([
                PathBuf::from("/Library/Developer/CommandLineTools/SDKs/MacOSX.sdk"),
                PathBuf::from(
                    "/Applications/Xcode.app/Contents/Developer/Platforms/MacOSX.platform/Developer/SDKs/MacOSX.sdk",
                ),
            ])
            .find(|p| p.join("usr/include").is_dir());
        if let Some(sdk) = sdk {
            add(sdk.join("usr/include"), true);
        }
    } else if cfg!(windows) {
        // MSVC's search path is the INCLUDE variable (set by the developer prompt).
        if let Some(inc) = std::env::var_os("INCLUDE") {
            for p in std::env::split_paths(&inc) {
                add(p, true);
            }
        }
    } else {
        // As gcc and clang: C_INCLUDE_PATH's directories come first (a cross
        // sysroot's, e.g. /usr/aarch64-linux-gnu/include under qemu-user).
        if let Some(dirs) = c_include_path {
            for p in std::env::split_paths(&dirs).filter(|p| !p.as_os_str().is_empty()) {
                add(p, false);
            }
        }
        add(PathBuf::from("/usr/local/include"), false);
        if let Some(triple) = multiarch() {
            add(PathBuf::from("/usr/include").join(triple), false);
        }
        add(PathBuf::from("/usr/include"), false);
    }
    out
}

/// Debian's multiarch directory name for this target.
fn multiarch() -> Option<&'static str> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let musl = cfg!(target_env = "musl");
    Some(if cfg!(target_arch = "x86_64") {
        if musl {
            "x86_64-linux-musl"
        } else {
            "x86_64-linux-gnu"
        }
    } else if cfg!(target_arch = "aarch64") {
        if musl {
            "aarch64-linux-musl"
        } else {
            "aarch64-linux-gnu"
        }
    } else if cfg!(target_arch = "x86") {
        "i386-linux-gnu"
    } else if cfg!(target_arch = "arm") {
        "arm-linux-gnueabihf"
    } else {
        return None;
    })
}

/// A directory of the system search path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemDir {
    pub path: PathBuf,
    /// Holds only the operating system's headers (macOS's SDK, Windows'
    /// INCLUDE): whatever is read from it belongs to the system, not to the
    /// library. On Linux, /usr/include holds libraries' headers too, so it
    /// is not.
    pub os_only: bool,
}

const STDDEF_H: &str = r#"/* cshared's <stddef.h>, as the compiler's: with glibc's __need_* protocol. */
#if !defined(__need_wchar_t) && !defined(__need_size_t) && !defined(__need_ptrdiff_t) \
    && !defined(__need_NULL) && !defined(__need_wint_t) && !defined(__need_max_align_t)
#define __cshared_stddef_all 1
#ifndef _STDDEF_H
#define _STDDEF_H
#define _STDDEF_H_
#define _ANSI_STDDEF_H
#endif
#endif
#if defined(__cshared_stddef_all) || defined(__need_ptrdiff_t)
#ifndef _PTRDIFF_T
#define _PTRDIFF_T
#define _T_PTRDIFF_
#define _T_PTRDIFF
#define __PTRDIFF_T
#define _PTRDIFF_T_
#define _BSD_PTRDIFF_T_
#define ___int_ptrdiff_t_h
#define _GCC_PTRDIFF_T
#define _PTRDIFF_T_DECLARED
typedef __PTRDIFF_TYPE__ ptrdiff_t;
#endif
#endif
#if defined(__cshared_stddef_all) || defined(__need_size_t)
#ifndef _SIZE_T
#define _SIZE_T
#define __SIZE_T__
#define _SYS_SIZE_T_H
#define _T_SIZE_
#define _T_SIZE
#define __SIZE_T
#define _SIZE_T_
#define _BSD_SIZE_T_
#define _SIZE_T_DEFINED_
#define _SIZE_T_DEFINED
#define _BSD_SIZE_T_DEFINED_
#define _SIZE_T_DECLARED
#define ___int_size_t_h
#define _GCC_SIZE_T
#define _SIZET_
#define __size_t__
#define __size_t
typedef __SIZE_TYPE__ size_t;
#endif
#endif
#if defined(__cshared_stddef_all) || defined(__need_wchar_t)
#ifndef _WCHAR_T
#define _WCHAR_T
#define __WCHAR_T__
#define _T_WCHAR_
#define _T_WCHAR
#define __WCHAR_T
#define _WCHAR_T_
#define _BSD_WCHAR_T_
#define _WCHAR_T_DEFINED_
#define _WCHAR_T_DEFINED
#define _WCHAR_T_H
#define ___int_wchar_t_h
#define __INT_WCHAR_T_H
#define _GCC_WCHAR_T
#define _WCHAR_T_DECLARED
typedef __WCHAR_TYPE__ wchar_t;
#endif
#endif
#if defined(__need_wint_t)
#ifndef _WINT_T
#define _WINT_T
typedef __WINT_TYPE__ wint_t;
#endif
#endif
#if defined(__cshared_stddef_all) || defined(__need_NULL)
#undef NULL
#define NULL ((void *)0)
#endif
#if defined(__cshared_stddef_all)
#define offsetof(TYPE, MEMBER) __builtin_offsetof (TYPE, MEMBER)
#if !defined(_GCC_MAX_ALIGN_T)
#define _GCC_MAX_ALIGN_T
typedef struct {
  long long __max_align_ll __attribute__((__aligned__(__alignof__(long long))));
  long double __max_align_ld __attribute__((__aligned__(__alignof__(long double))));
} max_align_t;
#endif
#endif
#undef __cshared_stddef_all
#undef __need_ptrdiff_t
#undef __need_size_t
#undef __need_wchar_t
#undef __need_wint_t
#undef __need_NULL
#undef __need_max_align_t
"#;

const STDARG_H: &str = r#"/* cshared's <stdarg.h>, as the compiler's. */
#ifndef __GNUC_VA_LIST
#define __GNUC_VA_LIST
typedef __builtin_va_list __gnuc_va_list;
#endif
#ifndef __need___va_list
#ifndef _STDARG_H
#define _STDARG_H
#define _ANSI_STDARG_H_
#define va_start(v, ...) __builtin_va_start(v, 0)
#define va_end(v) __builtin_va_end(v)
#define va_arg(v, l) __builtin_va_arg(v, l)
#define va_copy(d, s) __builtin_va_copy(d, s)
#define __va_copy(d, s) __builtin_va_copy(d, s)
#ifndef _VA_LIST_
#define _VA_LIST_
#define _VA_LIST
#define _VA_LIST_DEFINED
#define _VA_LIST_T_H
#define __va_list__
typedef __gnuc_va_list va_list;
#endif
#endif
#endif
#undef __need___va_list
"#;

const STDBOOL_H: &str = r#"/* cshared's <stdbool.h>, as the compiler's. */
#ifndef _STDBOOL_H
#define _STDBOOL_H
#define bool _Bool
#define true 1
#define false 0
#define __bool_true_false_are_defined 1
#endif
"#;

const STDALIGN_H: &str = r#"/* cshared's <stdalign.h>, as the compiler's. */
#ifndef _STDALIGN_H
#define _STDALIGN_H
#define alignas _Alignas
#define alignof _Alignof
#define __alignas_is_defined 1
#define __alignof_is_defined 1
#endif
"#;

const ISO646_H: &str = r#"/* cshared's <iso646.h>. */
#ifndef _ISO646_H
#define _ISO646_H
#define and &&
#define and_eq &=
#define bitand &
#define bitor |
#define compl ~
#define not !
#define not_eq !=
#define or ||
#define or_eq |=
#define xor ^
#define xor_eq ^=
#endif
"#;

const FLOAT_H: &str = r#"/* cshared's <float.h>, from the predefined macros, as the compiler's. */
#ifndef _FLOAT_H___
#define _FLOAT_H___
#define FLT_RADIX __FLT_RADIX__
#define FLT_MANT_DIG __FLT_MANT_DIG__
#define DBL_MANT_DIG __DBL_MANT_DIG__
#define LDBL_MANT_DIG __LDBL_MANT_DIG__
#define FLT_DIG __FLT_DIG__
#define DBL_DIG __DBL_DIG__
#define LDBL_DIG __LDBL_DIG__
#define FLT_MIN_EXP __FLT_MIN_EXP__
#define DBL_MIN_EXP __DBL_MIN_EXP__
#define LDBL_MIN_EXP __LDBL_MIN_EXP__
#define FLT_MIN_10_EXP __FLT_MIN_10_EXP__
#define DBL_MIN_10_EXP __DBL_MIN_10_EXP__
#define LDBL_MIN_10_EXP __LDBL_MIN_10_EXP__
#define FLT_MAX_EXP __FLT_MAX_EXP__
#define DBL_MAX_EXP __DBL_MAX_EXP__
#define LDBL_MAX_EXP __LDBL_MAX_EXP__
#define FLT_MAX_10_EXP __FLT_MAX_10_EXP__
#define DBL_MAX_10_EXP __DBL_MAX_10_EXP__
#define LDBL_MAX_10_EXP __LDBL_MAX_10_EXP__
#define FLT_MAX __FLT_MAX__
#define DBL_MAX __DBL_MAX__
#define LDBL_MAX __LDBL_MAX__
#define FLT_EPSILON __FLT_EPSILON__
#define DBL_EPSILON __DBL_EPSILON__
#define LDBL_EPSILON __LDBL_EPSILON__
#define FLT_MIN __FLT_MIN__
#define DBL_MIN __DBL_MIN__
#define LDBL_MIN __LDBL_MIN__
#define FLT_ROUNDS 1
#define FLT_EVAL_METHOD __FLT_EVAL_METHOD__
#define DECIMAL_DIG __DECIMAL_DIG__
#define FLT_DECIMAL_DIG __FLT_DECIMAL_DIG__
#define DBL_DECIMAL_DIG __DBL_DECIMAL_DIG__
#define LDBL_DECIMAL_DIG __LDBL_DECIMAL_DIG__
#define FLT_HAS_SUBNORM __FLT_HAS_DENORM__
#define DBL_HAS_SUBNORM __DBL_HAS_DENORM__
#define LDBL_HAS_SUBNORM __LDBL_HAS_DENORM__
#define FLT_TRUE_MIN __FLT_DENORM_MIN__
#define DBL_TRUE_MIN __DBL_DENORM_MIN__
#define LDBL_TRUE_MIN __LDBL_DENORM_MIN__
#endif
"#;

const LIMITS_H: &str = r#"/* cshared's <limits.h>, as the compiler's: the C library's, then the
   compiler's own values from the predefined macros. */
#ifndef _GCC_LIMITS_H_
#define _GCC_LIMITS_H_
#ifndef _LIBC_LIMITS_H_
#if __has_include_next(<limits.h>)
#include_next <limits.h>
#endif
#endif
#undef CHAR_BIT
#ifdef __CHAR_BIT__
#define CHAR_BIT __CHAR_BIT__
#else
#define CHAR_BIT 8
#endif
#ifndef MB_LEN_MAX
#define MB_LEN_MAX 1
#endif
#undef SCHAR_MIN
#define SCHAR_MIN (-SCHAR_MAX - 1)
#undef SCHAR_MAX
#define SCHAR_MAX __SCHAR_MAX__
#undef UCHAR_MAX
#define UCHAR_MAX (SCHAR_MAX * 2 + 1)
#ifdef __CHAR_UNSIGNED__
#undef CHAR_MIN
#define CHAR_MIN 0
#undef CHAR_MAX
#define CHAR_MAX UCHAR_MAX
#else
#undef CHAR_MIN
#define CHAR_MIN SCHAR_MIN
#undef CHAR_MAX
#define CHAR_MAX SCHAR_MAX
#endif
#undef SHRT_MIN
#define SHRT_MIN (-SHRT_MAX - 1)
#undef SHRT_MAX
#define SHRT_MAX __SHRT_MAX__
#undef USHRT_MAX
#define USHRT_MAX (SHRT_MAX * 2 + 1)
#undef INT_MIN
#define INT_MIN (-INT_MAX - 1)
#undef INT_MAX
#define INT_MAX __INT_MAX__
#undef UINT_MAX
#define UINT_MAX (INT_MAX * 2U + 1U)
#undef LONG_MIN
#define LONG_MIN (-LONG_MAX - 1L)
#undef LONG_MAX
#define LONG_MAX __LONG_MAX__
#undef ULONG_MAX
#define ULONG_MAX (LONG_MAX * 2UL + 1UL)
#undef LLONG_MIN
#define LLONG_MIN (-LLONG_MAX - 1LL)
#undef LLONG_MAX
#define LLONG_MAX __LONG_LONG_MAX__
#undef ULLONG_MAX
#define ULLONG_MAX (LLONG_MAX * 2ULL + 1ULL)
#undef LONG_LONG_MIN
#define LONG_LONG_MIN (-LONG_LONG_MAX - 1LL)
#undef LONG_LONG_MAX
#define LONG_LONG_MAX __LONG_LONG_MAX__
#undef ULONG_LONG_MAX
#define ULONG_LONG_MAX (LONG_LONG_MAX * 2ULL + 1ULL)
#endif
"#;

const STDINT_H: &str = r#"/* cshared's <stdint.h>: the C library's, or (without one) the types and
   limits from the predefined macros, as the compiler's. */
#if __has_include_next(<stdint.h>)
#include_next <stdint.h>
#else
#ifndef _GCC_STDINT_H
#define _GCC_STDINT_H
typedef __INT8_TYPE__ int8_t;
typedef __INT16_TYPE__ int16_t;
typedef __INT32_TYPE__ int32_t;
typedef __INT64_TYPE__ int64_t;
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INT_LEAST8_TYPE__ int_least8_t;
typedef __INT_LEAST16_TYPE__ int_least16_t;
typedef __INT_LEAST32_TYPE__ int_least32_t;
typedef __INT_LEAST64_TYPE__ int_least64_t;
typedef __UINT_LEAST8_TYPE__ uint_least8_t;
typedef __UINT_LEAST16_TYPE__ uint_least16_t;
typedef __UINT_LEAST32_TYPE__ uint_least32_t;
typedef __UINT_LEAST64_TYPE__ uint_least64_t;
typedef __INT_FAST8_TYPE__ int_fast8_t;
typedef __INT_FAST16_TYPE__ int_fast16_t;
typedef __INT_FAST32_TYPE__ int_fast32_t;
typedef __INT_FAST64_TYPE__ int_fast64_t;
typedef __UINT_FAST8_TYPE__ uint_fast8_t;
typedef __UINT_FAST16_TYPE__ uint_fast16_t;
typedef __UINT_FAST32_TYPE__ uint_fast32_t;
typedef __UINT_FAST64_TYPE__ uint_fast64_t;
typedef __INTPTR_TYPE__ intptr_t;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef __INTMAX_TYPE__ intmax_t;
typedef __UINTMAX_TYPE__ uintmax_t;
#define INT8_MAX __INT8_MAX__
#define INT8_MIN (-INT8_MAX - 1)
#define UINT8_MAX __UINT8_MAX__
#define INT16_MAX __INT16_MAX__
#define INT16_MIN (-INT16_MAX - 1)
#define UINT16_MAX __UINT16_MAX__
#define INT32_MAX __INT32_MAX__
#define INT32_MIN (-INT32_MAX - 1)
#define UINT32_MAX __UINT32_MAX__
#define INT64_MAX __INT64_MAX__
#define INT64_MIN (-INT64_MAX - 1)
#define UINT64_MAX __UINT64_MAX__
#define INT_LEAST8_MAX __INT_LEAST8_MAX__
#define INT_LEAST8_MIN (-INT_LEAST8_MAX - 1)
#define UINT_LEAST8_MAX __UINT_LEAST8_MAX__
#define INT_LEAST16_MAX __INT_LEAST16_MAX__
#define INT_LEAST16_MIN (-INT_LEAST16_MAX - 1)
#define UINT_LEAST16_MAX __UINT_LEAST16_MAX__
#define INT_LEAST32_MAX __INT_LEAST32_MAX__
#define INT_LEAST32_MIN (-INT_LEAST32_MAX - 1)
#define UINT_LEAST32_MAX __UINT_LEAST32_MAX__
#define INT_LEAST64_MAX __INT_LEAST64_MAX__
#define INT_LEAST64_MIN (-INT_LEAST64_MAX - 1)
#define UINT_LEAST64_MAX __UINT_LEAST64_MAX__
#define INT_FAST8_MAX __INT_FAST8_MAX__
#define INT_FAST8_MIN (-INT_FAST8_MAX - 1)
#define UINT_FAST8_MAX __UINT_FAST8_MAX__
#define INT_FAST16_MAX __INT_FAST16_MAX__
#define INT_FAST16_MIN (-INT_FAST16_MAX - 1)
#define UINT_FAST16_MAX __UINT_FAST16_MAX__
#define INT_FAST32_MAX __INT_FAST32_MAX__
#define INT_FAST32_MIN (-INT_FAST32_MAX - 1)
#define UINT_FAST32_MAX __UINT_FAST32_MAX__
#define INT_FAST64_MAX __INT_FAST64_MAX__
#define INT_FAST64_MIN (-INT_FAST64_MAX - 1)
#define UINT_FAST64_MAX __UINT_FAST64_MAX__
#define INTPTR_MAX __INTPTR_MAX__
#define INTPTR_MIN (-INTPTR_MAX - 1)
#define UINTPTR_MAX __UINTPTR_MAX__
#define INTMAX_MAX __INTMAX_MAX__
#define INTMAX_MIN (-INTMAX_MAX - 1)
#define UINTMAX_MAX __UINTMAX_MAX__
#define PTRDIFF_MAX __PTRDIFF_MAX__
#define PTRDIFF_MIN (-PTRDIFF_MAX - 1)
#define SIZE_MAX __SIZE_MAX__
#define SIG_ATOMIC_MAX __SIG_ATOMIC_MAX__
#define SIG_ATOMIC_MIN __SIG_ATOMIC_MIN__
#define WCHAR_MAX __WCHAR_MAX__
#define WCHAR_MIN __WCHAR_MIN__
#define WINT_MAX __WINT_MAX__
#define WINT_MIN __WINT_MIN__
#define INT8_C(c) __INT8_C(c)
#define INT16_C(c) __INT16_C(c)
#define INT32_C(c) __INT32_C(c)
#define INT64_C(c) __INT64_C(c)
#define UINT8_C(c) __UINT8_C(c)
#define UINT16_C(c) __UINT16_C(c)
#define UINT32_C(c) __UINT32_C(c)
#define UINT64_C(c) __UINT64_C(c)
#define INTMAX_C(c) __INTMAX_C(c)
#define UINTMAX_C(c) __UINTMAX_C(c)
#endif
#endif
"#;
