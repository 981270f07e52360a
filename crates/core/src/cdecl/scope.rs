//! Names a declaration can refer to: typedefs, struct/union/enum tags and enum
//! constants. A parse writes into one local scope and reads through a chain
//! of base scopes (a library's header, types the user declared), then the
//! builtins.

use crate::types::{builtin_type, EnumType, Record, Type};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

#[derive(Default, Debug, Clone)]
pub struct Scope {
    pub typedefs: HashMap<Arc<str>, Type>,
    pub records: HashMap<Arc<str>, Arc<Record>>,
    pub enums: HashMap<Arc<str>, Arc<EnumType>>,
    pub constants: HashMap<Arc<str>, i64>,
}

impl Scope {
    pub fn new() -> Scope {
        Scope::default()
    }

    pub fn is_empty(&self) -> bool {
        self.typedefs.is_empty() && self.records.is_empty() && self.enums.is_empty() && self.constants.is_empty()
    }

    /// The first name, in name order, that `new` declares as something
    /// else than this scope does: a typedef, struct or union tag, enum tag
    /// or enum constant. Declaring a name again as the same type is no
    /// redefinition, nor is completing a struct or union declared without
    /// a body (`struct s;`, `opaque('s')`), nor declaring one without a
    /// body again.
    pub fn redefinition(&self, new: &Scope) -> Option<Redefinition> {
        let mut first: Option<Redefinition> = None;
        let mut found = |name: &Arc<str>, old: String, new: String| {
            if first.as_ref().is_none_or(|f| *name < f.name) {
                first = Some(Redefinition {
                    name: name.clone(),
                    old,
                    new,
                });
            }
        };
        for (name, t) in &new.typedefs {
            if let Some(old) = self.typedefs.get(name) {
                if !old.same_as(t) && !old.completes(t) {
                    found(name, old.definition(), t.definition());
                }
            }
        }
        for (name, r) in &new.records {
            if let Some(old) = self.records.get(name) {
                let (old, r) = (Type::Record(old.clone()), Type::Record(r.clone()));
                if !old.same_as(&r) && !old.completes(&r) {
                    found(name, old.definition(), r.definition());
                }
            }
        }
        for (name, e) in &new.enums {
            if let Some(old) = self.enums.get(name) {
                let (old, e) = (Type::Enum(old.clone()), Type::Enum(e.clone()));
                if !old.same_as(&e) {
                    found(name, old.definition(), e.definition());
                }
            }
        }
        for (name, v) in &new.constants {
            if let Some(old) = self.constants.get(name) {
                if old != v {
                    found(name, format!("the constant {old}"), format!("the constant {v}"));
                }
            }
        }
        first
    }

    /// Whether `define(new)` would change anything here: a name not declared
    /// yet, or a struct or union (or a typedef of one) to complete. Declaring
    /// the same types again changes nothing, and need not be done.
    pub fn would_change(&self, new: &Scope) -> bool {
        new.records.iter().any(|(name, r)| match self.records.get(name) {
            Some(old) => old.body().is_none() && r.body().is_some(),
            None => true,
        }) || new.typedefs.iter().any(|(name, t)| match self.typedefs.get(name) {
            Some(old) => old.completes(t) && t.size().is_some(),
            None => true,
        }) || new.enums.keys().any(|name| !self.enums.contains_key(name))
            || new
                .constants
                .iter()
                .any(|(name, v)| self.constants.get(name) != Some(v))
    }

    /// Declares the names of `new` here, or none of them if one is already
    /// something else (see `redefinition`). A name declared again as the
    /// same type keeps its first type. A struct or union that was
    /// incomplete becomes the complete one, and so do the typedefs here
    /// that named it.
    pub fn define(&mut self, new: &Scope) -> Result<(), Redefinition> {
        if let Some(r) = self.redefinition(new) {
            return Err(r);
        }
        for (name, r) in &new.records {
            match self.records.get(name) {
                Some(old) if old.body().is_none() && r.body().is_some() => {
                    // Completed in place: every type that points to the
                    // incomplete record (a function bound while it was
                    // opaque, a typedef) now sees its fields.
                    if let Some(body) = r.body() {
                        old.complete(body.clone());
                    }
                }
                Some(_) => {}
                None => {
                    self.records.insert(name.clone(), r.clone());
                }
            }
        }
        for (name, t) in &new.typedefs {
            match self.typedefs.get(name) {
                Some(old) if !(old.completes(t) && t.size().is_some()) => {}
                _ => {
                    self.typedefs.insert(name.clone(), t.clone());
                }
            }
        }
        for (name, e) in &new.enums {
            self.enums.entry(name.clone()).or_insert_with(|| e.clone());
        }
        for (name, v) in &new.constants {
            self.constants.insert(name.clone(), *v);
        }
        Ok(())
    }
}

/// A name declared again as another type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redefinition {
    pub name: Arc<str>,
    /// The type it has, spelled with its definition (`Type::definition`).
    pub old: String,
    /// The type it would have had.
    pub new: String,
}

impl fmt::Display for Redefinition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is already defined as {}; it cannot be redefined as {}",
            self.name, self.old, self.new
        )
    }
}

/// A local scope to define into, plus the scopes to look names up in.
pub struct Names<'a> {
    pub local: &'a mut Scope,
    pub bases: &'a [&'a Scope],
}

impl Names<'_> {
    fn chain(&self) -> impl Iterator<Item = &Scope> {
        std::iter::once(&*self.local).chain(self.bases.iter().copied())
    }

    pub fn typedef(&self, name: &str) -> Option<Type> {
        self.chain()
            .find_map(|s| s.typedefs.get(name).cloned())
            .or_else(|| builtin_type(name))
    }

    pub fn record(&self, name: &str) -> Option<Arc<Record>> {
        self.chain().find_map(|s| s.records.get(name).cloned())
    }

    pub fn enum_type(&self, name: &str) -> Option<Arc<EnumType>> {
        self.chain().find_map(|s| s.enums.get(name).cloned())
    }

    pub fn constant(&self, name: &str) -> Option<i64> {
        self.chain().find_map(|s| s.constants.get(name).copied())
    }
}
