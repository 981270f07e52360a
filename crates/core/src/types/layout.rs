//! Struct and union layout as GCC and Clang compute it for the System V and
//! AArch64 ABIs: natural alignment, `packed`, `#pragma pack(n)`, explicit
//! `aligned(n)`, bitfields and flexible array members.
//!
//! The bitfield rules differ by ABI (`Abi`): MSVC starts a new storage unit
//! whenever the declared type's size changes, and AAPCS64 lets a zero-width
//! bitfield raise the record's alignment. The host's rules are used; the
//! others are there so that every target's rules are tested on any host.

use super::{BitField, Field, RecordBody, RecordKind, Type};
use std::sync::Arc;

/// Whose bitfield rules a layout follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    /// GCC and Clang on System V targets (x86-64 Linux and macOS).
    SysV,
    /// GCC and Clang on 64-bit Arm: as System V, but a zero-width bitfield
    /// raises the record's alignment to its type's.
    Aapcs64,
    /// MSVC, and mingw's default (`-mms-bitfields`).
    Ms,
}

impl Abi {
    pub const HOST: Abi = if cfg!(windows) {
        Abi::Ms
    } else if cfg!(target_arch = "aarch64") {
        Abi::Aapcs64
    } else {
        Abi::SysV
    };
}

pub struct RecordBuilder {
    abi: Abi,
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
    unit: Option<(u64, u64)>,
}

impl RecordBuilder {
    pub fn new(kind: RecordKind, max_align: Option<usize>) -> RecordBuilder {
        RecordBuilder::for_abi(Abi::HOST, kind, max_align)
    }

    /// A layout by another ABI's rules (for tests of every target).
    pub fn for_abi(abi: Abi, kind: RecordKind, max_align: Option<usize>) -> RecordBuilder {
        RecordBuilder {
            abi,
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
        let start = match (self.kind, self.abi) {
            (RecordKind::Union, _) => 0,
            (RecordKind::Struct, Abi::Ms) => self.place_ms(unit, align, width),
            (RecordKind::Struct, _) => self.place_gcc(unit, align, width, packed),
        };
        if width == 0 {
            if self.abi == Abi::Aapcs64 && !packed {
                self.align = self.align.max(align as usize);
            }
            return Ok(());
        }
        let end_bit = start + u64::from(width);
        if self.kind == RecordKind::Struct {
            self.bit = end_bit;
        }
        self.size = self.size.max(end_bit.div_ceil(8));
        // With GCC's rules, unnamed bitfields don't affect the record's alignment.
        if name.is_some() || self.abi == Abi::Ms {
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

    fn place_gcc(&mut self, unit: u64, align: u64, width: u32, packed: bool) -> u64 {
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

    fn place_ms(&mut self, unit: u64, align: u64, width: u32) -> u64 {
        if width == 0 {
            // MSVC: a zero-width bitfield right after a bitfield closes its
            // unit and aligns what follows, and the record, to its type;
            // anywhere else it is ignored.
            if let Some((start, size)) = self.unit.take() {
                self.bit = align_up(self.bit.max(start + size * 8).div_ceil(8), align) * 8;
                self.align = self.align.max(align as usize);
            }
            return self.bit;
        }
        // MSVC: bits share a storage unit only with bitfields of the same size
        // that still fit in it; a unit left behind is taken whole.
        match self.unit {
            Some((start, size)) if size == unit && self.bit + u64::from(width) <= start + unit * 8 => self.bit,
            prev => {
                if let Some((start, size)) = prev {
                    self.bit = self.bit.max(start + size * 8);
                }
                let byte = align_up(self.bit.div_ceil(8), align);
                self.bit = byte * 8;
                self.unit = Some((self.bit, unit));
                // The whole unit is taken even if fewer bits are used.
                self.size = self.size.max(byte + unit);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Int;

    fn int(bytes: u8) -> Type {
        Type::Int(Int::new(bytes, true))
    }

    fn name(s: &str) -> Option<Arc<str>> {
        Some(Arc::from(s))
    }

    fn uint(bytes: u8) -> Type {
        Type::Int(Int::new(bytes, false))
    }

    /// `struct { char x; unsigned short y:9; unsigned short z:9; int:0; char w; }`
    fn zero_width(abi: Abi) -> RecordBody {
        let mut b = RecordBuilder::for_abi(abi, RecordKind::Struct, None);
        b.field(name("x"), int(1), None).unwrap();
        b.bitfield(name("y"), uint(2), 9).unwrap();
        b.bitfield(name("z"), uint(2), 9).unwrap();
        b.bitfield(None, int(4), 0).unwrap();
        b.field(name("w"), int(1), None).unwrap();
        b.finish(None)
    }

    #[test]
    fn zero_width_bitfield_aligns_the_record_on_aapcs64_only() {
        // x86-64 gcc: 10 bytes, align 2; aarch64 gcc: 12 bytes, align 4.
        let sysv = zero_width(Abi::SysV);
        assert_eq!((sysv.size, sysv.align, sysv.fields[3].offset), (10, 2, 8));
        let arm = zero_width(Abi::Aapcs64);
        assert_eq!((arm.size, arm.align, arm.fields[3].offset), (12, 4, 8));
    }

    #[test]
    fn ms_zero_width_bitfield_after_a_bitfield_aligns_the_record() {
        // mingw gcc: 12 bytes, align 4, w at 8.
        let ms = zero_width(Abi::Ms);
        assert_eq!((ms.size, ms.align, ms.fields[3].offset), (12, 4, 8));
        // After a plain field or another zero-width one it is ignored:
        // struct { char x; int:0; char w; } is 2 bytes, align 1;
        // struct { char x:3; int:0; int:0; char w; } is 8 bytes, align 4, w at 4.
        let mut b = RecordBuilder::for_abi(Abi::Ms, RecordKind::Struct, None);
        b.field(name("x"), int(1), None).unwrap();
        b.bitfield(None, int(4), 0).unwrap();
        b.field(name("w"), int(1), None).unwrap();
        let plain = b.finish(None);
        assert_eq!((plain.size, plain.align, plain.fields[1].offset), (2, 1, 1));
        let mut b = RecordBuilder::for_abi(Abi::Ms, RecordKind::Struct, None);
        b.bitfield(name("x"), int(1), 3).unwrap();
        b.bitfield(None, int(4), 0).unwrap();
        b.bitfield(None, int(4), 0).unwrap();
        b.field(name("w"), int(1), None).unwrap();
        let twice = b.finish(None);
        assert_eq!((twice.size, twice.align, twice.fields[1].offset), (8, 4, 4));
        // Under #pragma pack(1) it aligns nothing: 2 bytes, w at 1.
        let mut b = RecordBuilder::for_abi(Abi::Ms, RecordKind::Struct, Some(1));
        b.bitfield(name("x"), int(1), 3).unwrap();
        b.bitfield(None, int(4), 0).unwrap();
        b.field(name("w"), int(1), None).unwrap();
        let packed = b.finish(None);
        assert_eq!((packed.size, packed.align, packed.fields[1].offset), (2, 1, 1));
    }

    /// `struct { unsigned a:3, b:5; signed c:4; unsigned d:20; uint64_t e:40; unsigned char f:1; }`
    fn mixed_units(abi: Abi) -> RecordBody {
        let mut b = RecordBuilder::for_abi(abi, RecordKind::Struct, None);
        b.bitfield(name("a"), uint(4), 3).unwrap();
        b.bitfield(name("b"), uint(4), 5).unwrap();
        b.bitfield(name("c"), int(4), 4).unwrap();
        b.bitfield(name("d"), uint(4), 20).unwrap();
        b.bitfield(name("e"), uint(8), 40).unwrap();
        b.bitfield(name("f"), uint(1), 1).unwrap();
        b.finish(None)
    }

    #[test]
    fn ms_bitfields_take_whole_units() {
        // MSVC and mingw: a..d in one 4-byte unit, e in an 8-byte unit at 8,
        // f in a new 1-byte unit at 16 (after all of e's unit): 24 bytes.
        let ms = mixed_units(Abi::Ms);
        let at: Vec<(usize, u32)> = ms.fields.iter().map(|f| (f.offset, f.bits.unwrap().shift)).collect();
        assert_eq!(at, vec![(0, 0), (0, 3), (1, 0), (1, 4), (8, 0), (16, 0)]);
        assert_eq!((ms.size, ms.align), (24, 8));
        // GCC packs them: 16 bytes.
        let gcc = mixed_units(Abi::SysV);
        assert_eq!((gcc.size, gcc.align), (16, 8));
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
