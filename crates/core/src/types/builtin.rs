//! Type names every declaration can use without defining them: the standard
//! typedefs (stdint, stddef, stdbool, stdarg, stdio's FILE), cshared's short
//! names (`int8` … `uint64`) and Go's cgo names (`GoInt`, `GoString`, …).
//! Multi-word C types (`unsigned long long`) are built by the parser from
//! their keywords; these are the single identifiers.

use super::{GoType, Int, Record, RecordKind, Type, POINTER_SIZE};
use std::sync::{Arc, OnceLock};

const PTR: u8 = POINTER_SIZE as u8;

/// `long` is 4 bytes on Windows and the pointer's width elsewhere.
pub const LONG_BYTES: u8 = if cfg!(windows) { 4 } else { PTR };

/// Plain `char` is unsigned on Linux/Android for ARM, signed elsewhere.
pub const CHAR_SIGNED: bool =
    !(cfg!(any(target_os = "linux", target_os = "android")) && cfg!(any(target_arch = "aarch64", target_arch = "arm")));

const WCHAR: Int = if cfg!(windows) {
    Int::new(2, false)
} else {
    Int::new(4, true)
};

// glibc makes the 16- and 32-bit "fast" types as wide as a pointer; musl
// and Windows make int_fast16_t an int.
const FAST16: u8 = if cfg!(all(target_os = "linux", target_env = "gnu")) {
    PTR
} else if cfg!(any(windows, target_env = "musl")) {
    4
} else {
    2
};
const FAST32: u8 = if cfg!(all(target_os = "linux", target_env = "gnu")) {
    PTR
} else {
    4
};

fn int(bytes: u8, signed: bool) -> Type {
    Type::Int(Int::new(bytes, signed))
}

fn opaque(name: &str) -> Type {
    // One record per name per process, so every use names the same type.
    static CELLS: OnceLock<Vec<(&'static str, Arc<Record>)>> = OnceLock::new();
    let cells = CELLS.get_or_init(|| {
        ["FILE", "va_list", "DIR", "pthread_mutex_t"]
            .into_iter()
            .map(|n| (n, Arc::new(Record::new(RecordKind::Struct, Some(Arc::from(n))))))
            .collect()
    });
    match cells.iter().find(|(n, _)| *n == name) {
        Some((_, r)) => Type::Record(r.clone()),
        None => Type::Unsupported(Arc::from(name)),
    }
}

/// The type a builtin name stands for, if it is one.
pub fn builtin_type(name: &str) -> Option<Type> {
    Some(match name {
        "int8_t" | "int8" | "GoInt8" | "int_least8_t" | "int_fast8_t" => int(1, true),
        "uint8_t" | "uint8" | "GoUint8" | "uint_least8_t" | "uint_fast8_t" | "u_char" => int(1, false),
        "int16_t" | "int16" | "GoInt16" | "int_least16_t" => int(2, true),
        "uint16_t" | "uint16" | "GoUint16" | "uint_least16_t" | "u_short" => int(2, false),
        "int32_t" | "int32" | "GoInt32" | "int_least32_t" => int(4, true),
        "uint32_t" | "uint32" | "GoUint32" | "uint_least32_t" | "u_int" => int(4, false),
        "int64_t" | "int64" | "GoInt64" | "int_least64_t" | "int_fast64_t" | "intmax_t" => int(8, true),
        "uint64_t" | "uint64" | "GoUint64" | "uint_least64_t" | "uint_fast64_t" | "uintmax_t" => int(8, false),
        "int_fast16_t" => int(FAST16, true),
        "uint_fast16_t" => int(FAST16, false),
        "int_fast32_t" => int(FAST32, true),
        "uint_fast32_t" => int(FAST32, false),
        "size_t" | "uintptr_t" | "GoUintptr" | "GoUint" => int(PTR, false),
        "ssize_t" | "intptr_t" | "ptrdiff_t" | "GoInt" => int(PTR, true),
        "off_t" | "time_t" | "off64_t" => int(8, true),
        "u_long" => int(LONG_BYTES, false),
        // Integers in a given byte order: one of the two is the host's.
        "int16_le_t" | "int16_le" | "int16_be_t" | "int16_be" | "uint16_le_t" | "uint16_le" | "uint16_be_t"
        | "uint16_be" | "int32_le_t" | "int32_le" | "int32_be_t" | "int32_be" | "uint32_le_t" | "uint32_le"
        | "uint32_be_t" | "uint32_be" | "int64_le_t" | "int64_le" | "int64_be_t" | "int64_be" | "uint64_le_t"
        | "uint64_le" | "uint64_be_t" | "uint64_be" => {
            let n = name.trim_end_matches("_t");
            let signed = !n.starts_with('u');
            let bytes = if n.contains("16") {
                2
            } else if n.contains("32") {
                4
            } else {
                8
            };
            let big = n.ends_with("_be");
            let int = Int::new(bytes, signed);
            Type::Int(if big == cfg!(target_endian = "little") {
                int.swapped()
            } else {
                int
            })
        }
        // Character types: a pointer to one is a string (UTF-16, UTF-32).
        "char16_t" => Type::Char(Int::new(2, false)),
        "char32_t" => Type::Char(Int::new(4, false)),
        "wchar_t" => Type::Char(WCHAR),
        "bool" | "_Bool" => Type::Bool,
        "float32" | "GoFloat32" => Type::F32,
        "float64" | "GoFloat64" => Type::F64,
        "GoString" | "_GoString_" => Type::Go(GoType::String),
        "GoSlice" => Type::Go(GoType::SLICE),
        // Go declares these as `void *` in every header.
        "GoMap" | "GoChan" => Type::pointer_to(Type::Void, false),
        "GoInterface" => go_interface(),
        "GoComplex64" | "GoComplex128" => Type::Unsupported(Arc::from(name)),
        // MSVC's <complex.h> types, which cgo's header uses under _MSC_VER.
        "_Fcomplex" | "_Dcomplex" | "_Lcomplex" => Type::Unsupported(Arc::from(name)),
        // The compiler's own `__builtin_va_list` (stdarg.h's `va_list`) is the same type.
        "__builtin_va_list" => opaque("va_list"),
        "FILE" | "va_list" | "DIR" | "pthread_mutex_t" => opaque(name),
        _ => return None,
    })
}

pub fn is_builtin_name(name: &str) -> bool {
    builtin_type(name).is_some()
}

/// `struct { void *t; void *v; }`: opaque to JS, two pointers by value.
fn go_interface() -> Type {
    static IFACE: OnceLock<Arc<Record>> = OnceLock::new();
    let rec = IFACE.get_or_init(|| {
        let rec = Record::new(RecordKind::Struct, Some(Arc::from("GoInterface")));
        let mut b = super::RecordBuilder::new(RecordKind::Struct, None);
        for f in ["t", "v"] {
            // Cannot fail: pointers always have a size.
            let _ = b.field(Some(Arc::from(f)), Type::pointer_to(Type::Void, false), None);
        }
        rec.complete(b.finish(None));
        Arc::new(rec)
    });
    Type::Record(rec.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_names() {
        assert_eq!(builtin_type("GoInt").and_then(|t| t.size()), Some(POINTER_SIZE));
        assert_eq!(
            builtin_type("GoInterface").and_then(|t| t.size()),
            Some(2 * POINTER_SIZE)
        );
        assert!(builtin_type("GoString").is_some());
        assert!(builtin_type("NotAType").is_none());
    }

    /// The fast types as the C library defines them: musl's stdint.h makes
    /// the 16- and 32-bit ones int32_t, glibc's (64-bit) long.
    #[test]
    fn fast_types_follow_the_c_library() {
        let size = |n: &str| builtin_type(n).and_then(|t| t.size());
        let (fast16, fast32) = if cfg!(target_env = "musl") {
            (4, 4)
        } else if cfg!(all(target_os = "linux", target_env = "gnu")) {
            (POINTER_SIZE, POINTER_SIZE)
        } else if cfg!(windows) {
            // MSVC's stdint.h, for the shipped -msvc targets (mingw's says short).
            (4, 4)
        } else {
            // Apple's stdint.h: int16_t and int32_t.
            (2, 4)
        };
        for (name, bytes) in [
            ("int_fast8_t", 1),
            ("int_fast16_t", fast16),
            ("uint_fast16_t", fast16),
            ("int_fast32_t", fast32),
            ("uint_fast32_t", fast32),
            ("int_fast64_t", 8),
        ] {
            assert_eq!(size(name), Some(bytes), "sizeof({name})");
        }
    }
}
