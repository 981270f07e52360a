//! Whether two types are the same C type, and a type spelled out with its
//! definition: what a name declared again is checked against (see
//! `cdecl::Scope::define`), and what the error then says.

use super::{PointerType, Record, Signature, Target, Type};
use std::fmt::Write;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Weak};

impl Type {
    /// Whether `self` and `other` are the same C type: the same scalar, or
    /// made the same way of the same types, records field by field (names,
    /// types, offsets, bitfields). A record behind a pointer is compared by
    /// kind and name only, since its body may hold that pointer.
    /// Parameter names do not count.
    pub fn same_as(&self, other: &Type) -> bool {
        same(self, other)
    }

    /// The type as `Display` spells it, with the body of a record or enum:
    /// `struct point { int x; int y; }`, `enum color { RED = 0, GREEN = 1 }`,
    /// `struct node (incomplete)`.
    pub fn definition(&self) -> String {
        match self {
            Type::Record(r) => record_definition(r),
            Type::Enum(e) if !e.values.is_empty() => {
                let mut s = format!("{self} {{");
                for (i, (name, v)) in e.values.iter().enumerate() {
                    let _ = write!(s, "{} {name} = {v}", if i == 0 { "" } else { "," });
                }
                s.push_str(" }");
                s
            }
            _ => self.to_string(),
        }
    }

    /// Whether one of `self` and `other` can stand for the other anywhere,
    /// so that what was made for one (a `CType` object, a bound function)
    /// may be handed out again for the other. Stricter than `same_as`:
    /// parameter names count (messages name them), a struct or union behind
    /// a pointer is compared whole, and an incomplete struct or union is
    /// only the very same record (it may yet be completed). Records that
    /// refer to themselves are compared as they unfold; a comparison that
    /// would look at more than 10,000 types says no.
    pub fn interchangeable(&self, other: &Type) -> bool {
        Interchange {
            assumed: Vec::new(),
            budget: 10_000,
        }
        .types(self, other)
    }

    /// A hash under which interchangeable types meet (others may too).
    pub fn shape_hash(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.definition().hash(&mut h);
        if let Type::Pointer(p) = self {
            p.to().definition().hash(&mut h);
        }
        h.finish()
    }

    /// Whether `self` and `other` name the same struct or union, one of
    /// them incomplete (a forward declaration and its definition).
    pub fn completes(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::Record(a), Type::Record(b)) => {
                a.kind == b.kind && a.name.is_some() && a.name == b.name && (a.body().is_none() || b.body().is_none())
            }
            _ => false,
        }
    }
}

fn same(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Void, Type::Void) | (Type::Bool, Type::Bool) | (Type::F32, Type::F32) | (Type::F64, Type::F64) => true,
        (Type::Char(x), Type::Char(y)) | (Type::Int(x), Type::Int(y)) => x == y,
        (Type::Pointer(p), Type::Pointer(q)) => {
            p.to_const == q.to_const
                && p.dispose == q.dispose
                && match (p.to(), q.to()) {
                    (Type::Record(x), Type::Record(y)) if x.name.is_some() || y.name.is_some() => {
                        x.kind == y.kind && x.name == y.name
                    }
                    (x, y) => same(&x, &y),
                }
        }
        (Type::Array(x), Type::Array(y)) => x.len == y.len && same(&x.elem, &y.elem),
        (Type::Record(x), Type::Record(y)) => same_record(x, y),
        (Type::Enum(x), Type::Enum(y)) => {
            Arc::ptr_eq(x, y) || (x.name == y.name && x.repr == y.repr && x.values == y.values)
        }
        (Type::Function(x), Type::Function(y)) => Arc::ptr_eq(x, y) || same_signature(x, y),
        (Type::Go(x), Type::Go(y)) => x == y,
        (Type::Unsupported(x), Type::Unsupported(y)) => x == y,
        _ => false,
    }
}

/// The same record: one `Arc`, or two of the same kind and name with the
/// same body (or both incomplete).
pub fn same_record(x: &Arc<Record>, y: &Arc<Record>) -> bool {
    if Arc::ptr_eq(x, y) {
        return true;
    }
    if x.kind != y.kind || x.name != y.name {
        return false;
    }
    match (x.body(), y.body()) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.size == b.size
                && a.align == b.align
                && a.fields.len() == b.fields.len()
                && a.fields
                    .iter()
                    .zip(&b.fields)
                    .all(|(f, g)| f.name == g.name && f.offset == g.offset && f.bits == g.bits && same(&f.ty, &g.ty))
        }
        _ => false,
    }
}

fn same_signature(x: &Signature, y: &Signature) -> bool {
    x.variadic == y.variadic
        && same(&x.ret, &y.ret)
        && x.params.len() == y.params.len()
        && x.params.iter().zip(&y.params).all(|(p, q)| same(&p.ty, &q.ty))
}

impl Signature {
    /// Whether one of two signatures can stand for the other anywhere (see
    /// `Type::interchangeable`).
    pub fn interchangeable(&self, other: &Signature) -> bool {
        Interchange {
            assumed: Vec::new(),
            budget: 10_000,
        }
        .signatures(self, other)
    }
}

/// `Type::interchangeable`: records already being compared (a record that
/// refers to itself) count as interchangeable while the rest is checked.
struct Interchange {
    assumed: Vec<(usize, usize)>,
    budget: u32,
}

impl Interchange {
    fn types(&mut self, a: &Type, b: &Type) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        match (a, b) {
            (Type::Void, Type::Void) | (Type::Bool, Type::Bool) | (Type::F32, Type::F32) | (Type::F64, Type::F64) => {
                true
            }
            (Type::Char(x), Type::Char(y)) | (Type::Int(x), Type::Int(y)) => x == y,
            (Type::Pointer(p), Type::Pointer(q)) => {
                Arc::ptr_eq(p, q) || (p.to_const == q.to_const && p.dispose == q.dispose && self.targets(p, q))
            }
            (Type::Array(x), Type::Array(y)) => Arc::ptr_eq(x, y) || (x.len == y.len && self.types(&x.elem, &y.elem)),
            (Type::Record(x), Type::Record(y)) => self.records(x, y),
            (Type::Enum(x), Type::Enum(y)) => {
                Arc::ptr_eq(x, y) || (x.name == y.name && x.repr == y.repr && x.values == y.values)
            }
            (Type::Function(x), Type::Function(y)) => Arc::ptr_eq(x, y) || self.signatures(x, y),
            (Type::Go(x), Type::Go(y)) => x == y,
            (Type::Unsupported(x), Type::Unsupported(y)) => x == y,
            _ => false,
        }
    }

    fn targets(&mut self, p: &PointerType, q: &PointerType) -> bool {
        match (&p.target, &q.target) {
            (Target::Owned(a), Target::Owned(b)) => self.types(a, b),
            (
                Target::Record {
                    rec: a,
                    kind: ka,
                    name: na,
                },
                Target::Record {
                    rec: b,
                    kind: kb,
                    name: nb,
                },
            ) => {
                if Weak::ptr_eq(a, b) {
                    return true;
                }
                if ka != kb || na != nb {
                    return false;
                }
                match (a.upgrade(), b.upgrade()) {
                    (Some(x), Some(y)) => self.records(&x, &y),
                    // Both read as the same opaque record.
                    (None, None) => true,
                    _ => false,
                }
            }
            _ => false,
        }
    }

    fn records(&mut self, x: &Arc<Record>, y: &Arc<Record>) -> bool {
        if Arc::ptr_eq(x, y) {
            return true;
        }
        if x.kind != y.kind || x.name != y.name {
            return false;
        }
        let (Some(a), Some(b)) = (x.body(), y.body()) else {
            return false;
        };
        let pair = (Arc::as_ptr(x) as usize, Arc::as_ptr(y) as usize);
        if self.assumed.contains(&pair) {
            return true;
        }
        self.assumed.push(pair);
        a.size == b.size
            && a.align == b.align
            && a.fields.len() == b.fields.len()
            && a.fields
                .iter()
                .zip(&b.fields)
                .all(|(f, g)| f.name == g.name && f.offset == g.offset && f.bits == g.bits && self.types(&f.ty, &g.ty))
    }

    fn signatures(&mut self, x: &Signature, y: &Signature) -> bool {
        x.variadic == y.variadic
            && x.params.len() == y.params.len()
            && self.types(&x.ret, &y.ret)
            && x.params
                .iter()
                .zip(&y.params)
                .all(|(p, q)| p.name == q.name && self.types(&p.ty, &q.ty))
    }
}

fn record_definition(r: &Record) -> String {
    let head = match &r.name {
        Some(n) => format!("{} {n}", r.keyword()),
        None => format!("{} (anonymous)", r.keyword()),
    };
    let Some(body) = r.body() else {
        return format!("{head} (incomplete)");
    };
    let mut s = head;
    s.push_str(" {");
    for f in &body.fields {
        let ty = match (&f.name, &f.ty) {
            // An anonymous member: its fields are the parent's.
            (None, Type::Record(inner)) => record_definition(inner),
            (_, t) => t.to_string(),
        };
        let _ = write!(s, " {ty}");
        if let Some(n) = &f.name {
            let _ = write!(s, "{}{n}", if ty.ends_with('*') { "" } else { " " });
        }
        if let Some(bits) = f.bits {
            let _ = write!(s, " : {}", bits.width);
        }
        s.push(';');
    }
    s.push_str(" }");
    s
}

#[cfg(test)]
mod tests {
    use crate::types::Type;

    /// Type `name` (as a parameter type) after declarations `decls`.
    fn ty(decls: &str, name: &str) -> Type {
        let h = crate::header::read_text(&format!("{decls}\nvoid f({name});"));
        h.functions[0].sig.params[0].ty.clone()
    }

    #[test]
    fn same_types() {
        let a = ty("struct p { int x; struct p *next; unsigned f : 3; };", "struct p");
        let b = ty("struct p { int x; struct p *next; unsigned f : 3; };", "struct p");
        assert!(a.same_as(&b));
        assert_eq!(a.definition(), "struct p { int32 x; struct p *next; uint32 f : 3; }");
        let c = ty("struct p { int x; struct p *next; unsigned f : 4; };", "struct p");
        assert!(!a.same_as(&c));
        let d = ty("struct p { long long x; struct p *next; unsigned f : 3; };", "struct p");
        assert!(!a.same_as(&d));
        let u = ty("union p { int x; };", "union p");
        assert!(!u.same_as(&ty("struct p { int x; };", "struct p")));
        assert!(ty("", "int (*)(int a)").same_as(&ty("", "int (*)(int b)")));
        assert!(!ty("", "int (*)(int)").same_as(&ty("", "int (*)(long long)")));
        assert!(!ty("", "const char *").same_as(&ty("", "char *")));
        assert!(!ty("", "char").same_as(&ty("", "signed char")));
        let e = ty("enum e { A, B };", "enum e");
        assert!(e.same_as(&ty("enum e { A, B };", "enum e")));
        assert!(!e.same_as(&ty("enum e { A, B, C };", "enum e")));
        assert_eq!(e.definition(), "enum e { A = 0, B = 1 }");
    }

    #[test]
    fn interchangeable_types() {
        let a = ty("struct p { int x; struct p *next; unsigned f : 3; };", "struct p");
        let b = ty("struct p { int x; struct p *next; unsigned f : 3; };", "struct p");
        assert!(a.interchangeable(&b) && b.interchangeable(&a));
        assert_eq!(a.shape_hash(), b.shape_hash());
        let c = ty("struct p { int x; struct p *next; unsigned f : 4; };", "struct p");
        assert!(!a.interchangeable(&c));
        // Behind a pointer a record is compared whole, unlike same_as().
        let q1 = ty("struct q { int x; };", "struct q *");
        let q2 = ty("struct q { long long x; };", "struct q *");
        assert!(q1.same_as(&q2));
        assert!(!q1.interchangeable(&q2));
        assert!(q1.interchangeable(&ty("struct q { int x; };", "struct q *")));
        // Parameter names count: messages name them.
        assert!(!ty("", "int (*)(int a)").interchangeable(&ty("", "int (*)(int b)")));
        assert!(ty("", "int (*)(int a)").interchangeable(&ty("", "int (*)(int a)")));
        assert!(!ty("", "const char *").interchangeable(&ty("", "char *")));
        // An incomplete record may yet be completed: only itself.
        let s1 = ty("struct s;", "struct s");
        let s2 = ty("struct s;", "struct s");
        assert!(s1.interchangeable(&s1.clone()));
        assert!(!s1.interchangeable(&s2));
        // Mutually referring records unfold without end; they still compare.
        let m = "struct a; struct b { struct a *to_a; }; struct a { struct b *to_b; int v; };";
        assert!(ty(m, "struct a").interchangeable(&ty(m, "struct a")));
        assert!(!ty(m, "struct a").interchangeable(&ty(&m.replace("int v", "long long v"), "struct a")));
    }

    #[test]
    fn forward_declarations_complete() {
        let fwd = ty("struct s;", "struct s *");
        let Type::Pointer(p) = fwd else { panic!() };
        let full = ty("struct s { int a; };", "struct s");
        assert!(p.to().completes(&full));
        assert!(full.completes(&p.to()));
        assert!(!full.completes(&ty("union s { int a; };", "union s")));
        assert_eq!(p.to().definition(), "struct s (incomplete)");
    }
}
