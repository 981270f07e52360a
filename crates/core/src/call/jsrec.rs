//! Structs simple enough for the generated JS to write and read in the
//! buffer itself: named scalar and pointer fields at aligned offsets, and
//! nested structs of the same kind. Anything else (unions, bitfields, arrays,
//! strings, callbacks, packed fields) is converted natively.

use crate::types::{Int, RecordKind, Type, POINTER_SIZE};
use std::sync::Arc;

/// The most scalar fields a record may have to be handled in JS; bigger
/// records would make wrappers too large to inline.
const MAX_LEAVES: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Leaf {
    Int(Int),
    Bool,
    F32,
    F64,
    /// A pointer to anything but `char` (read back as a string) or a function.
    Pointer,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A scalar at this byte offset from the start of the outermost record.
    Leaf(usize, Leaf),
    Record(Vec<(Arc<str>, Node)>),
}

/// The fields of a struct JS can handle, in declaration order, or `None`.
pub fn layout(ty: &Type) -> Option<Vec<(Arc<str>, Node)>> {
    let mut leaves = 0;
    match record(ty, 0, &mut leaves)? {
        Node::Record(fields) => Some(fields),
        Node::Leaf(..) => None,
    }
}

fn record(ty: &Type, base: usize, leaves: &mut usize) -> Option<Node> {
    let Type::Record(r) = ty else { return None };
    if r.kind != RecordKind::Struct {
        return None;
    }
    let body = r.body()?;
    let fields = body.flat_fields();
    if fields.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(fields.len());
    for (name, f) in fields {
        // `__proto__` would set the prototype in an object literal.
        if f.bits.is_some() || &*name == "__proto__" {
            return None;
        }
        let off = base + f.offset;
        let node = match &f.ty {
            Type::Record(_) => record(&f.ty, off, leaves)?,
            t => {
                *leaves += 1;
                Node::Leaf(off, leaf(t, off)?)
            }
        };
        if *leaves > MAX_LEAVES {
            return None;
        }
        out.push((name, node));
    }
    Some(Node::Record(out))
}

fn leaf(ty: &Type, off: usize) -> Option<Leaf> {
    let l = match ty {
        Type::Bool => Leaf::Bool,
        Type::Char(i) | Type::Int(i) if !i.swap => Leaf::Int(*i),
        Type::Enum(e) => Leaf::Int(e.repr),
        Type::F32 => Leaf::F32,
        Type::F64 => Leaf::F64,
        Type::Pointer(p) if POINTER_SIZE == 8 && !matches!(p.to(), Type::Char(_) | Type::Function(_)) => Leaf::Pointer,
        _ => return None,
    };
    // Typed-array views need offsets aligned to the element size.
    let size = ty.size()?;
    (off.is_multiple_of(size) && matches!(size, 1 | 2 | 4 | 8)).then_some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(decls: &str) -> Option<Vec<(Arc<str>, Node)>> {
        let h = crate::header::read_text(&format!("{decls}\nvoid f(struct t v);"));
        layout(&h.functions[0].sig.params[0].ty)
    }

    #[test]
    fn plain_structs_are_handled_in_js() {
        let l = arg("struct p { int x; int y; }; struct t { char c; struct p at; double d; void *q; long long n; };")
            .unwrap();
        let names: Vec<&str> = l.iter().map(|(n, _)| &**n).collect();
        assert_eq!(names, ["c", "at", "d", "q", "n"]);
        assert_eq!(l[0].1, Node::Leaf(0, Leaf::Int(Int::new(1, crate::types::CHAR_SIGNED))));
        match &l[1].1 {
            Node::Record(f) => assert_eq!(f[1].1, Node::Leaf(8, Leaf::Int(Int::new(4, true)))),
            other => panic!("{other:?}"),
        }
        assert_eq!(l[2].1, Node::Leaf(16, Leaf::F64));
        assert_eq!(l[4].1, Node::Leaf(32, Leaf::Int(Int::new(8, true))));
    }

    #[test]
    fn others_are_native() {
        assert!(arg("struct t { const char *s; };").is_none());
        assert!(arg("struct t { int a[2]; };").is_none());
        assert!(arg("struct t { int a : 3; };").is_none());
        assert!(arg("struct t { char c; int i; } __attribute__((packed));").is_none());
        assert!(arg("union u { int i; float f; };\nstruct t { union u v; };").is_none());
        assert!(arg("struct t { int (*cb)(int); };").is_none());
        assert!(arg("struct t { int __proto__; };").is_none());
    }
}
