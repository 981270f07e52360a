//! The scalar table: one row per value kind that crosses between JS and C
//! as a plain number, bigint, boolean or Pointer. Everything that treats
//! scalars kind by kind takes its values from here: the wrappers' argument
//! writers (codegen), `decode`'s kind codes and readers (the prelude and
//! `peek`), batch calls and TypedArray matching. Adding a scalar type is
//! one row here, plus its tests.

use super::{Int, Type, POINTER_SIZE};

/// The TypedArray class that holds a scalar exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArrayClass {
    Int8,
    Uint8,
    Int16,
    Uint16,
    Int32,
    Uint32,
    BigInt64,
    BigUint64,
    Float32,
    Float64,
}

impl ArrayClass {
    pub fn name(self) -> &'static str {
        match self {
            ArrayClass::Int8 => "Int8Array",
            ArrayClass::Uint8 => "Uint8Array",
            ArrayClass::Int16 => "Int16Array",
            ArrayClass::Uint16 => "Uint16Array",
            ArrayClass::Int32 => "Int32Array",
            ArrayClass::Uint32 => "Uint32Array",
            ArrayClass::BigInt64 => "BigInt64Array",
            ArrayClass::BigUint64 => "BigUint64Array",
            ArrayClass::Float32 => "Float32Array",
            ArrayClass::Float64 => "Float64Array",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            ArrayClass::Int8 | ArrayClass::Uint8 => 1,
            ArrayClass::Int16 | ArrayClass::Uint16 => 2,
            ArrayClass::Int32 | ArrayClass::Uint32 | ArrayClass::Float32 => 4,
            ArrayClass::BigInt64 | ArrayClass::BigUint64 | ArrayClass::Float64 => 8,
        }
    }

    /// The C type of one element.
    pub fn elem(self) -> Type {
        match self {
            ArrayClass::Float32 => Type::F32,
            ArrayClass::Float64 => Type::F64,
            ArrayClass::Int8 => Type::Int(Int::new(1, true)),
            ArrayClass::Uint8 => Type::Int(Int::new(1, false)),
            ArrayClass::Int16 => Type::Int(Int::new(2, true)),
            ArrayClass::Uint16 => Type::Int(Int::new(2, false)),
            ArrayClass::Int32 => Type::Int(Int::new(4, true)),
            ArrayClass::Uint32 => Type::Int(Int::new(4, false)),
            ArrayClass::BigInt64 => Type::Int(Int::new(8, true)),
            ArrayClass::BigUint64 => Type::Int(Int::new(8, false)),
        }
    }

    /// Go's name for the element type (`int` and `uint` are the 64-bit ones).
    pub fn go_name(self) -> &'static str {
        match self {
            ArrayClass::Int8 => "int8",
            ArrayClass::Uint8 => "uint8",
            ArrayClass::Int16 => "int16",
            ArrayClass::Uint16 => "uint16",
            ArrayClass::Int32 => "int32",
            ArrayClass::Uint32 => "uint32",
            ArrayClass::BigInt64 => "int64",
            ArrayClass::BigUint64 => "uint64",
            ArrayClass::Float32 => "float32",
            ArrayClass::Float64 => "float64",
        }
    }

    /// The slice element class for a Go numeric type name (`float64`,
    /// `byte`, `rune`, `int`, `uintptr`) or its cgo name (`GoFloat64`).
    /// `int`, `uint` and `uintptr` are pointer-sized, as in Go.
    pub fn of_go_name(name: &str) -> Option<ArrayClass> {
        let name = name
            .strip_prefix("Go")
            .map_or(name.to_string(), |n| n.to_ascii_lowercase());
        let wide = POINTER_SIZE == 8;
        Some(match name.as_str() {
            "int8" => ArrayClass::Int8,
            "uint8" | "byte" => ArrayClass::Uint8,
            "int16" => ArrayClass::Int16,
            "uint16" => ArrayClass::Uint16,
            "int32" | "rune" => ArrayClass::Int32,
            "uint32" => ArrayClass::Uint32,
            "int64" => ArrayClass::BigInt64,
            "uint64" => ArrayClass::BigUint64,
            "int" if wide => ArrayClass::BigInt64,
            "uint" | "uintptr" if wide => ArrayClass::BigUint64,
            "int" => ArrayClass::Int32,
            "uint" | "uintptr" => ArrayClass::Uint32,
            "float32" => ArrayClass::Float32,
            "float64" => ArrayClass::Float64,
            _ => return None,
        })
    }
}

#[derive(Debug)]
pub struct Scalar {
    /// The kind code the prelude and native code agree on (`decode`, `peek`).
    pub code: u8,
    pub size: u8,
    pub align: u8,
    /// The prelude's expression for the value at byte `d` of DataView `dv`
    /// (`little`: the host is little-endian).
    pub read: &'static str,
    /// The prelude's writer the wrappers call for an argument of this kind.
    pub write: &'static str,
    /// The TypedArray class holding it exactly, if any.
    pub array: Option<ArrayClass>,
    /// Whether `fn.batch` takes and returns it.
    pub batch: bool,
}

const fn row(
    code: u8,
    size: u8,
    read: &'static str,
    write: &'static str,
    array: Option<ArrayClass>,
    batch: bool,
) -> Scalar {
    Scalar {
        code,
        size,
        align: size,
        read,
        write,
        array,
        batch,
    }
}

/// Indexed by `code - 1`.
pub const SCALARS: [Scalar; 12] = [
    row(1, 1, "dv.getInt8(d)", "wi8", Some(ArrayClass::Int8), true),
    row(2, 1, "dv.getUint8(d)", "wu8", Some(ArrayClass::Uint8), true),
    row(3, 2, "dv.getInt16(d, little)", "wi16", Some(ArrayClass::Int16), true),
    row(4, 2, "dv.getUint16(d, little)", "wu16", Some(ArrayClass::Uint16), true),
    row(5, 4, "dv.getInt32(d, little)", "wi32", Some(ArrayClass::Int32), true),
    row(6, 4, "dv.getUint32(d, little)", "wu32", Some(ArrayClass::Uint32), true),
    row(7, 8, "readI64(dv, d)", "wi64", Some(ArrayClass::BigInt64), true),
    row(8, 8, "readU64(dv, d)", "wu64", Some(ArrayClass::BigUint64), true),
    row(9, 4, "dv.getFloat32(d, little)", "wf", Some(ArrayClass::Float32), true),
    row(10, 8, "dv.getFloat64(d, little)", "wd", Some(ArrayClass::Float64), true),
    row(11, 1, "dv.getUint8(d) !== 0", "wb", Some(ArrayClass::Uint8), true),
    row(12, POINTER_SIZE as u8, "readPtr(dv, d)", "wp", None, false),
];

pub const BOOL: &Scalar = &SCALARS[10];
pub const F32: &Scalar = &SCALARS[8];
pub const F64: &Scalar = &SCALARS[9];
pub const POINTER: &Scalar = &SCALARS[11];

/// The row of an integer of this width and signedness.
pub fn int(i: Int) -> &'static Scalar {
    let k = match i.bytes {
        1 => 0,
        2 => 2,
        4 => 4,
        _ => 6,
    };
    &SCALARS[k + usize::from(!i.signed)]
}

/// The row for a kind code; `None` for any other number.
#[inline(always)]
pub fn by_code(code: u32) -> Option<&'static Scalar> {
    SCALARS.get((code as usize).wrapping_sub(1))
}

/// The row of a C type read as a scalar: integers, enums, floats, `bool`,
/// and pointers other than `char *` (which reads as a string).
pub fn of_type(t: &Type) -> Option<&'static Scalar> {
    match t {
        // Swapped integers are read natively.
        Type::Char(i) | Type::Int(i) if !i.swap => Some(int(*i)),
        Type::Enum(e) => Some(int(e.repr)),
        Type::F32 => Some(F32),
        Type::F64 => Some(F64),
        Type::Bool => Some(BOOL),
        Type::Pointer(p) if !matches!(p.to(), Type::Char(_)) && POINTER_SIZE == 8 => Some(POINTER),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_positions() {
        for (i, s) in SCALARS.iter().enumerate() {
            assert_eq!(usize::from(s.code), i + 1);
            assert!(std::ptr::eq(by_code(u32::from(s.code)).unwrap(), s));
            assert_eq!(s.align, s.size);
        }
        assert!(by_code(0).is_none());
        assert!(by_code(13).is_none());
    }

    #[test]
    fn ints_find_their_rows() {
        for bytes in [1u8, 2, 4, 8] {
            for signed in [true, false] {
                let s = int(Int::new(bytes, signed));
                assert_eq!(s.size, bytes);
                let t = Type::Int(Int::new(bytes, signed));
                assert_eq!(t.size(), Some(usize::from(s.size)));
                assert!(s.write.starts_with(if signed { "wi" } else { "wu" }), "{}", s.write);
                assert!(s.write.ends_with(&(usize::from(bytes) * 8).to_string()));
            }
        }
        assert_eq!(of_type(&Type::F64).map(|s| s.code), Some(10));
        assert_eq!(of_type(&Type::Bool).map(|s| s.code), Some(11));
        assert!(of_type(&Type::Void).is_none());
    }
}
