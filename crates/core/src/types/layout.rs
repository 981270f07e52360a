//! Struct and union layout as GCC and Clang compute it for the System V and
//! AArch64 ABIs: natural alignment, `packed`, `#pragma pack(n)`, explicit
//! `aligned(n)`, bitfields and flexible array members.
//!
//! MSVC lays out bitfields differently (a new storage unit whenever the
//! declared type changes); that variant is used on Windows targets.

use super::{BitField, Field, RecordBody, RecordKind, Type};
use std::sync::Arc;

pub struct RecordBuilder {
    kind: RecordKind,
    /// Every field is at most this aligned (`packed` is 1, `#pragma pack(n)` is n).
    max_align: Option<usize>,
    fields: Vec<Field>,
    /// Position of the next free bit.
    bit: u64,
    /// Largest size seen, for unions.
    size: u64,
    align: usize,
    /// MSVC: the storage unit the last bitfield went into (start bit, size in bytes).
    #[cfg_attr(not(windows), allow(dead_code))]
    unit: Option<(u64, u64)>,
}

impl RecordBuilder {
    pub fn new(kind: RecordKind, max_align: Option<usize>) -> RecordBuilder {
        RecordBuilder {
            kind,
            max_align,
            fields: Vec::new(),
            bit: 0,
            size: 0,
            align: 1,
            unit: None,
        }
    }

    fn cap(&self, align: usize) -> usize {
        match self.max_align {
            Some(m) => align.min(m.max(1)),
            None => align,
        }
    }

    /// Adds a member. `explicit_align` is an `aligned(n)`/`_Alignas(n)` on the
    /// member; it is not reduced by packing, as in GCC.
    pub fn field(&mut self, name: Option<Arc<str>>, ty: Type, explicit_align: Option<usize>) -> Result<(), String> {
        let size = match (&ty, ty.size()) {
            (_, Some(s)) => s,
            // A flexible array member takes no room but still aligns.
            (Type::Array(a), None) if a.len.is_none() => 0,
            _ => return Err(format!("field has incomplete type {ty}")),
        };
        let natural = ty.align().unwrap_or(1);
        let mut align = self.cap(natural);
        if let Some(a) = explicit_align {
            align = align.max(a);
        }
        self.unit = None;
        let offset = match self.kind {
            RecordKind::Union => 0,
            RecordKind::Struct => {
                let byte = self.bit.div_ceil(8);
                align_up(byte, align as u64)
            }
        };
        let end = offset + size as u64;
        if self.kind == RecordKind::Struct {
            self.bit = end * 8;
        }
        self.size = self.size.max(end);
        self.align = self.align.max(align);
        self.fields.push(Field {
            name,
            ty,
            offset: offset as usize,
            bits: None,
        });
        Ok(())
    }

    /// Adds a bitfield `ty name : width`.
    pub fn bitfield(&mut self, name: Option<Arc<str>>, ty: Type, width: u32) -> Result<(), String> {
        let unit = match &ty {
            Type::Bool | Type::Char(_) | Type::Int(_) | Type::Enum(_) => ty.size().unwrap_or(1) as u64,
            _ => return Err(format!("bitfield has non-integer type {ty}")),
        };
        if u64::from(width) > unit * 8 {
            return Err(format!("bitfield width {width} exceeds its type {ty}"));
        }
        if width > 0 && name.is_none() && self.kind == RecordKind::Union {
            // Unnamed bitfields in a union are padding only.
            self.size = self.size.max(u64::from(width).div_ceil(8));
            return Ok(());
        }
        let packed = self.max_align == Some(1);
        let align = self.cap(unit as usize) as u64;
        let start = if self.kind == RecordKind::Union {
            0
        } else {
            self.place_bitfield(unit, align, width, packed)
        };
        if width == 0 {
            return Ok(());
        }
        let end_bit = start + u64::from(width);
        if self.kind == RecordKind::Struct {
            self.bit = end_bit;
        }
        self.size = self.size.max(end_bit.div_ceil(8));
        // On System V, unnamed bitfields don't affect the record's alignment.
        if name.is_some() || cfg!(windows) {
            self.align = self.align.max(if packed { 1 } else { align as usize });
        }
        if let Some(name) = name {
            self.fields.push(Field {
                name: Some(name),
                ty,
                offset: (start / 8) as usize,
                bits: Some(BitField {
                    shift: (start % 8) as u32,
                    width,
                }),
            });
        }
        Ok(())
    }

    #[cfg(not(windows))]
    fn place_bitfield(&mut self, unit: u64, align: u64, width: u32, packed: bool) -> u64 {
        let unit_bits = unit * 8;
        if width == 0 {
            // A zero-width bitfield moves to the next unit of its type.
            self.bit = align_up(self.bit, align * 8);
            return self.bit;
        }
        if !packed {
            let unit_start = self.bit / (align * 8) * (align * 8);
            if self.bit + u64::from(width) > unit_start + unit_bits {
                self.bit = align_up(self.bit, align * 8);
            }
        }
        self.bit
    }

    #[cfg(windows)]
    fn place_bitfield(&mut self, unit: u64, align: u64, width: u32, _packed: bool) -> u64 {
        // MSVC: bits share a storage unit only with bitfields of the same size
        // that still fit in it.
        match self.unit {
            Some((start, size)) if size == unit && self.bit + u64::from(width) <= start + unit * 8 && width > 0 => {
                self.bit
            }
            _ => {
                let byte = align_up(self.bit.div_ceil(8), align);
                self.bit = byte * 8;
                self.unit = if width == 0 { None } else { Some((self.bit, unit)) };
                if width > 0 {
                    // The whole unit is taken even if fewer bits are used.
                    self.size = self.size.max(byte + unit);
                }
                self.bit
            }
        }
    }

    /// Finishes the layout. `explicit_align` is an `aligned(n)` on the record.
    pub fn finish(mut self, explicit_align: Option<usize>) -> RecordBody {
        if let Some(a) = explicit_align {
            self.align = self.align.max(a);
        }
        let used = match self.kind {
            RecordKind::Struct => self.bit.div_ceil(8).max(self.size),
            RecordKind::Union => self.size,
        };
        RecordBody {
            fields: self.fields,
            size: align_up(used, self.align as u64) as usize,
            align: self.align,
        }
    }
}

fn align_up(v: u64, a: u64) -> u64 {
    if a <= 1 {
        v
    } else {
        v.div_ceil(a) * a
    }
}

#[cfg(all(test, not(windows)))]
mod tests {
    use super::*;
    use crate::types::Int;

    fn int(bytes: u8) -> Type {
        Type::Int(Int::new(bytes, true))
    }

    fn name(s: &str) -> Option<Arc<str>> {
        Some(Arc::from(s))
    }

    #[test]
    fn natural_padding() {
        // struct { char a; double b; short c; } is 24 bytes, b at 8, c at 16.
        let mut b = RecordBuilder::new(RecordKind::Struct, None);
        b.field(name("a"), int(1), None).unwrap();
        b.field(name("b"), Type::F64, None).unwrap();
        b.field(name("c"), int(2), None).unwrap();
        let body = b.finish(None);
        assert_eq!((body.size, body.align), (24, 8));
        let offs: Vec<usize> = body.fields.iter().map(|f| f.offset).collect();
        assert_eq!(offs, vec![0, 8, 16]);
    }

    #[test]
    fn packed_record() {
        let mut b = RecordBuilder::new(RecordKind::Struct, Some(1));
        b.field(name("a"), int(1), None).unwrap();
        b.field(name("b"), int(4), None).unwrap();
        let body = b.finish(None);
        assert_eq!((body.size, body.align, body.fields[1].offset), (5, 1, 1));
    }

    #[test]
    fn bitfields_share_units() {
        // struct { unsigned a:3; unsigned b:30; unsigned c:1; } => 8 bytes
        let u = Type::Int(Int::new(4, false));
        let mut b = RecordBuilder::new(RecordKind::Struct, None);
        b.bitfield(name("a"), u.clone(), 3).unwrap();
        b.bitfield(name("b"), u.clone(), 30).unwrap();
        b.bitfield(name("c"), u, 1).unwrap();
        let body = b.finish(None);
        assert_eq!(body.size, 8);
        assert_eq!(body.fields[0].bits, Some(BitField { shift: 0, width: 3 }));
        assert_eq!((body.fields[1].offset, body.fields[1].bits.unwrap().shift), (4, 0));
        assert_eq!((body.fields[2].offset, body.fields[2].bits.unwrap().shift), (7, 6));
    }

    #[test]
    fn union_size() {
        let mut b = RecordBuilder::new(RecordKind::Union, None);
        b.field(name("a"), int(1), None).unwrap();
        b.field(name("b"), Type::F64, None).unwrap();
        let body = b.finish(None);
        assert_eq!((body.size, body.align), (8, 8));
    }
}
