//! The C type model: what a declaration means, with sizes and layouts as the
//! platform's C compiler computes them. Pure Rust with no N-API, so everything
//! here is testable with `cargo test`.

mod builtin;
mod layout;
mod same;
pub mod scalar;

pub use builtin::{builtin_type, is_builtin_name, CHAR_SIGNED, LONG_BYTES};
pub use layout::RecordBuilder;
pub use same::same_record;
pub use scalar::ArrayClass;

use std::fmt;
use std::sync::{Arc, OnceLock, Weak};

pub const POINTER_SIZE: usize = std::mem::size_of::<usize>();

/// An integer type: width in bytes and signedness, and whether its bytes
/// are in the other order than the host's (`int32_be_t` on a little-endian
/// host): such a value is byte-swapped on its way between JS and C.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Int {
    pub bytes: u8,
    pub signed: bool,
    pub swap: bool,
}

impl Int {
    pub const fn new(bytes: u8, signed: bool) -> Int {
        Int {
            bytes,
            signed,
            swap: false,
        }
    }

    /// The same integer with its bytes in the other order than the host's.
    pub const fn swapped(self) -> Int {
        Int { swap: true, ..self }
    }

    /// The same integer in the host's order.
    pub const fn native(self) -> Int {
        Int { swap: false, ..self }
    }

    /// Smallest and largest values, as i128 so every width fits.
    pub fn range(self) -> (i128, i128) {
        let bits = u32::from(self.bytes) * 8;
        if self.signed {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        }
    }

    /// The short name used in messages and type strings (`int32`, `uint8`).
    pub fn short_name(self) -> &'static str {
        if self.swap {
            let big = cfg!(target_endian = "little");
            return match (self.bytes, self.signed, big) {
                (2, true, true) => "int16_be",
                (2, false, true) => "uint16_be",
                (4, true, true) => "int32_be",
                (4, false, true) => "uint32_be",
                (8, true, true) => "int64_be",
                (8, false, true) => "uint64_be",
                (2, true, false) => "int16_le",
                (2, false, false) => "uint16_le",
                (4, true, false) => "int32_le",
                (4, false, false) => "uint32_le",
                (8, true, false) => "int64_le",
                (8, false, false) => "uint64_le",
                (_, true, _) => "int8",
                (_, false, _) => "uint8",
            };
        }
        match (self.bytes, self.signed) {
            (1, true) => "int8",
            (1, false) => "uint8",
            (2, true) => "int16",
            (2, false) => "uint16",
            (4, true) => "int32",
            (4, false) => "uint32",
            (8, true) => "int64",
            _ => "uint64",
        }
    }
}

/// Go's special by-value types. Their layouts are the ones cgo writes in
/// every generated header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GoType {
    /// `struct { const char *p; ptrdiff_t n; }`
    String,
    /// `struct { void *data; GoInt len; GoInt cap; }`, with the element
    /// type when it is known (from the Go source, or a prototype's `[]T`).
    /// A slice whose element type is unknown takes only `nil` (JS null):
    /// any length cshared gave Go could let it read or write past the
    /// memory passed.
    Slice(Option<ArrayClass>),
}

impl GoType {
    /// The untyped `GoSlice` of Go's headers.
    pub const SLICE: GoType = GoType::Slice(None);
}

#[derive(Clone, Debug)]
pub enum Type {
    Void,
    Bool,
    /// Plain `char`: an integer, except that `char *` means a C string.
    Char(Int),
    Int(Int),
    F32,
    F64,
    Pointer(Arc<PointerType>),
    Array(Arc<ArrayType>),
    Record(Arc<Record>),
    Enum(Arc<EnumType>),
    /// A function type. Only usable behind a pointer (a callback).
    Function(Arc<Signature>),
    Go(GoType),
    /// A type that can be named and pointed to but never passed by value
    /// (`long double`, `_Complex`, `__int128`). The text says what it is.
    Unsupported(Arc<str>),
}

#[derive(Clone, Debug)]
pub struct PointerType {
    target: Target,
    pub to_const: bool,
    /// A disposable string type: what it points to is freed once cshared
    /// has read it (`disposable()`, `'char *!'`).
    pub dispose: Dispose,
}

/// Who frees what a disposable pointer points to, once it was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dispose {
    #[default]
    No,
    /// libc `free()`.
    Libc,
    /// The C function `void f(void *)` at this address.
    With(usize),
}

#[derive(Clone, Debug)]
enum Target {
    Owned(Type),
    /// A struct or union that was incomplete when the pointer was made, so
    /// its body may come to hold this pointer (`struct node { struct node
    /// *next; }`): owning it would make an `Arc` cycle that is never freed.
    /// The scope that declared the record owns it.
    Record {
        rec: Weak<Record>,
        kind: RecordKind,
        name: Option<Arc<str>>,
    },
}

impl PointerType {
    /// The pointed-to type. A record nothing owns any more reads as an
    /// incomplete (opaque) record of the same name.
    pub fn to(&self) -> Type {
        match &self.target {
            Target::Owned(t) => t.clone(),
            Target::Record { rec, kind, name } => match rec.upgrade() {
                Some(r) => Type::Record(r),
                None => Type::Record(Arc::new(Record::new(*kind, name.clone()))),
            },
        }
    }
}

#[derive(Clone, Debug)]
pub struct ArrayType {
    pub elem: Type,
    /// `None` for `T x[]` (a flexible array member or an unsized parameter).
    pub len: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    Struct,
    Union,
}

/// A struct or union. The body is set once, when the definition is seen; until
/// then the record is incomplete (an opaque type).
#[derive(Debug)]
pub struct Record {
    pub kind: RecordKind,
    pub name: Option<Arc<str>>,
    body: OnceLock<RecordBody>,
}

#[derive(Clone, Debug)]
pub struct RecordBody {
    pub fields: Vec<Field>,
    pub size: usize,
    pub align: usize,
}

#[derive(Clone, Debug)]
pub struct Field {
    /// `None` for an anonymous struct or union member, whose own fields are
    /// reached as if they were the parent's.
    pub name: Option<Arc<str>>,
    pub ty: Type,
    /// Byte offset from the start of the record.
    pub offset: usize,
    pub bits: Option<BitField>,
}

/// A bitfield: `width` bits starting `shift` bits after the field's byte offset
/// (little-endian bit numbering, as GCC and Clang lay them out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitField {
    pub shift: u32,
    pub width: u32,
}

#[derive(Clone, Debug)]
pub struct EnumType {
    pub name: Option<Arc<str>>,
    pub repr: Int,
    pub values: Vec<(Arc<str>, i64)>,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: Option<Arc<str>>,
    pub ty: Type,
}

#[derive(Clone, Debug)]
pub struct Signature {
    pub ret: Type,
    pub params: Vec<Param>,
    pub variadic: bool,
}

impl Record {
    pub fn new(kind: RecordKind, name: Option<Arc<str>>) -> Record {
        Record {
            kind,
            name,
            body: OnceLock::new(),
        }
    }

    pub fn body(&self) -> Option<&RecordBody> {
        self.body.get()
    }

    /// Completes the record. Returns false if it was already complete.
    pub fn complete(&self, body: RecordBody) -> bool {
        self.body.set(body).is_ok()
    }

    pub fn keyword(&self) -> &'static str {
        match self.kind {
            RecordKind::Struct => "struct",
            RecordKind::Union => "union",
        }
    }
}

impl RecordBody {
    /// Every named field, with anonymous members flattened into their parent,
    /// each with its offset from the start of this record.
    pub fn flat_fields(&self) -> Vec<(Arc<str>, Field)> {
        let mut out = Vec::new();
        flatten(&self.fields, 0, &mut out);
        out
    }
}

fn flatten(fields: &[Field], base: usize, out: &mut Vec<(Arc<str>, Field)>) {
    for f in fields {
        match (&f.name, &f.ty) {
            (Some(name), _) => {
                let mut f = f.clone();
                f.offset += base;
                out.push((name.clone(), f));
            }
            (None, Type::Record(r)) => {
                if let Some(body) = r.body() {
                    flatten(&body.fields, base + f.offset, out);
                }
            }
            // Unnamed bitfields are padding.
            (None, _) => {}
        }
    }
}

impl Type {
    /// `void` or a one-byte integer: what a string may stand for behind a
    /// pointer (`void *`, `int8_t *`, `unsigned char *`).
    pub fn is_bytes(&self) -> bool {
        match self {
            Type::Void => true,
            Type::Char(i) | Type::Int(i) => i.bytes == 1,
            _ => false,
        }
    }

    pub fn pointer_to(to: Type, to_const: bool) -> Type {
        let target = match &to {
            Type::Record(r) if r.body().is_none() => Target::Record {
                rec: Arc::downgrade(r),
                kind: r.kind,
                name: r.name.clone(),
            },
            _ => Target::Owned(to),
        };
        Type::Pointer(Arc::new(PointerType {
            target,
            to_const,
            dispose: Dispose::No,
        }))
    }

    /// The disposable form of a string type (`char *`, `char16_t *`, …):
    /// what it points to is freed by `how` once it was read. `None` for
    /// other types.
    pub fn disposable(&self, how: Dispose) -> Option<Type> {
        match self {
            Type::Pointer(p) if self.string_unit().is_some() => Some(Type::Pointer(Arc::new(PointerType {
                target: p.target.clone(),
                to_const: p.to_const,
                dispose: how,
            }))),
            _ => None,
        }
    }

    /// How a disposable pointer's target is freed (`Dispose::No` for any
    /// other type).
    pub fn dispose(&self) -> Dispose {
        match self {
            Type::Pointer(p) => p.dispose,
            _ => Dispose::No,
        }
    }

    pub fn array_of(elem: Type, len: Option<usize>) -> Type {
        Type::Array(Arc::new(ArrayType { elem, len }))
    }

    /// `const char *` and `char *`: strings in and out, as UTF-8.
    pub fn is_c_string(&self) -> bool {
        self.string_unit() == Some(1)
    }

    /// The code unit size of a string type: 1 for `char *` (UTF-8), 2 for
    /// `char16_t *` (UTF-16), 4 for `char32_t *` (UTF-32); `wchar_t *` is 2
    /// on Windows and 4 elsewhere. `None` for anything else.
    pub fn string_unit(&self) -> Option<u8> {
        match self {
            Type::Pointer(p) => match p.to() {
                Type::Char(i) => Some(i.bytes),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn is_void(&self) -> bool {
        matches!(self, Type::Void)
    }

    /// Size in bytes, or `None` for types that have no size (void, functions,
    /// incomplete records, unsized arrays).
    pub fn size(&self) -> Option<usize> {
        Some(match self {
            Type::Void | Type::Function(_) | Type::Unsupported(_) => return None,
            Type::Bool => 1,
            Type::Char(i) | Type::Int(i) => usize::from(i.bytes),
            Type::Enum(e) => usize::from(e.repr.bytes),
            Type::F32 => 4,
            Type::F64 => 8,
            Type::Pointer(_) => POINTER_SIZE,
            Type::Array(a) => a.elem.size()?.checked_mul(a.len?)?,
            Type::Record(r) => r.body()?.size,
            Type::Go(GoType::String) => 2 * POINTER_SIZE,
            Type::Go(GoType::Slice(_)) => 3 * POINTER_SIZE,
        })
    }

    pub fn align(&self) -> Option<usize> {
        Some(match self {
            Type::Void | Type::Function(_) | Type::Unsupported(_) => return None,
            Type::Array(a) => a.elem.align()?,
            Type::Record(r) => r.body()?.align,
            Type::Go(_) => POINTER_SIZE,
            // Scalars are aligned to their size on every supported target.
            _ => self.size()?,
        })
    }

    /// Why a value of this type cannot be passed or returned by value, if it
    /// cannot.
    pub fn by_value_problem(&self) -> Option<String> {
        match self {
            Type::Unsupported(what) => Some(format!("{what} is not supported")),
            Type::Function(_) => Some("a function cannot be passed by value (use a pointer)".into()),
            Type::Record(r) if r.name.as_deref() == Some("va_list") => {
                Some("a va_list cannot be made in JS; bind the function's variadic (...) form instead".into())
            }
            Type::Record(r) if r.body().is_none() => {
                Some(format!("{self} is incomplete (opaque); pass a pointer to it"))
            }
            Type::Array(a) if a.len.is_none() => Some(format!("{self} has no size")),
            Type::Record(r) => r
                .body()
                .and_then(|b| b.fields.iter().find_map(|f| f.ty.by_value_problem())),
            Type::Array(a) => a.elem.by_value_problem(),
            _ => None,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Void => f.write_str("void"),
            Type::Bool => f.write_str("bool"),
            Type::Char(i) => f.write_str(match (i.bytes, i.signed) {
                // Plain char is signed or not by platform (unsigned on ARM Linux).
                (1, s) if s == CHAR_SIGNED => "char",
                (1, true) => "char (signed)",
                (1, false) => "char (unsigned)",
                (2, _) => "char16_t",
                (_, false) => "char32_t",
                (_, true) => "wchar_t",
            }),
            Type::Int(i) => f.write_str(i.short_name()),
            Type::F32 => f.write_str("float"),
            Type::F64 => f.write_str("double"),
            Type::Pointer(p) => {
                if p.to_const {
                    write!(f, "const ")?;
                }
                match &p.to() {
                    Type::Function(sig) => write!(f, "{}", sig)?,
                    to => write!(f, "{to} *")?,
                }
                match p.dispose {
                    Dispose::No => Ok(()),
                    Dispose::Libc => f.write_str("!"),
                    Dispose::With(a) => write!(f, "!<0x{a:x}>"),
                }
            }
            Type::Array(a) => match a.len {
                Some(n) => write!(f, "{}[{}]", a.elem, n),
                None => write!(f, "{}[]", a.elem),
            },
            Type::Record(r) => match &r.name {
                Some(n) => write!(f, "{} {}", r.keyword(), n),
                None => write!(f, "{} (anonymous)", r.keyword()),
            },
            Type::Enum(e) => match &e.name {
                Some(n) => write!(f, "enum {n}"),
                None => f.write_str("enum (anonymous)"),
            },
            Type::Function(sig) => write!(f, "{sig}"),
            Type::Go(GoType::String) => f.write_str("GoString"),
            Type::Go(GoType::Slice(None)) => f.write_str("GoSlice"),
            Type::Go(GoType::Slice(Some(e))) => write!(f, "[]{}", e.go_name()),
            Type::Unsupported(what) => f.write_str(what),
        }
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (*)(", self.ret)?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", p.ty)?;
        }
        if self.variadic {
            f.write_str(if self.params.is_empty() { "..." } else { ", ..." })?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_ranges() {
        assert_eq!(Int::new(1, true).range(), (-128, 127));
        assert_eq!(Int::new(8, false).range(), (0, u64::MAX as i128));
        assert_eq!(Int::new(8, true).range(), (i64::MIN as i128, i64::MAX as i128));
    }

    #[test]
    fn plain_char_is_named_char_on_every_platform() {
        assert_eq!(Type::Char(Int::new(1, CHAR_SIGNED)).to_string(), "char");
        assert_eq!(
            Type::Char(Int::new(1, !CHAR_SIGNED)).to_string(),
            if CHAR_SIGNED {
                "char (unsigned)"
            } else {
                "char (signed)"
            }
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(Type::pointer_to(Type::Void, false).size(), Some(POINTER_SIZE));
        assert_eq!(Type::array_of(Type::F64, Some(3)).size(), Some(24));
        assert_eq!(Type::array_of(Type::F64, None).size(), None);
        assert_eq!(Type::Go(GoType::SLICE).size(), Some(24));
        assert_eq!(
            Type::Go(GoType::Slice(Some(ArrayClass::Float64))).to_string(),
            "[]float64"
        );
        assert!(Type::Void.size().is_none());
    }
}
