//! Names a declaration can refer to: typedefs, struct/union/enum tags and enum
//! constants. A parse writes into one local scope and reads through a chain
//! of base scopes (a library's header, types the user declared), then the
//! builtins.

use crate::types::{builtin_type, EnumType, Record, Type};
use std::collections::HashMap;
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

    /// Copies every name of `other` into this scope (later names win).
    pub fn merge(&mut self, other: &Scope) {
        self.typedefs
            .extend(other.typedefs.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.records
            .extend(other.records.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.enums
            .extend(other.enums.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.constants
            .extend(other.constants.iter().map(|(k, v)| (k.clone(), *v)));
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
