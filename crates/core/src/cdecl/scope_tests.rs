//! Scope's merging rules, on declarations the parser reads (here, not in
//! scope.rs, so that scope.rs does not depend on the parser that uses it).

use super::lexer;
use super::parser::Parser;
use super::scope::{Names, Redefinition, Scope};
use std::sync::Arc;

/// The names `text` declares, read against `base`.
fn declare(base: &Scope, text: &str) -> Scope {
    let toks = lexer::lex(text, 0).expect("lexes");
    let mut local = Scope::new();
    let (mut decls, mut skipped) = (Vec::new(), Vec::new());
    Parser::new(
        &toks,
        Names {
            local: &mut local,
            bases: &[base],
        },
    )
    .header(&mut decls, &mut skipped)
    .expect("parses");
    local
}

fn define(reg: &mut Scope, text: &str) -> Result<(), Redefinition> {
    let local = declare(reg, text);
    reg.define(&local)
}

#[test]
fn the_same_definition_again_is_kept() {
    let mut reg = Scope::new();
    define(
        &mut reg,
        "struct p { int x; struct p *next; }; typedef struct p P; enum e { A, B };",
    )
    .unwrap();
    let first = reg.records["p"].clone();
    define(
        &mut reg,
        "struct p { int x; struct p *next; }; typedef struct p P; enum e { A, B };",
    )
    .unwrap();
    assert!(Arc::ptr_eq(&first, &reg.records["p"]));
}

#[test]
fn another_definition_is_refused_and_changes_nothing() {
    let mut reg = Scope::new();
    define(&mut reg, "typedef int t; struct p { int x; };").unwrap();
    let e = define(&mut reg, "typedef int fine; struct p { long long x; };").unwrap_err();
    assert_eq!(
        e.to_string(),
        "'p' is already defined as struct p { int32 x; }; it cannot be redefined as struct p { int64 x; }"
    );
    assert!(!reg.typedefs.contains_key("fine"));
    let e = define(&mut reg, "typedef long long t;").unwrap_err();
    assert_eq!((&*e.name, &*e.old, &*e.new), ("t", "int32", "int64"));
    assert!(define(&mut reg, "union p { int x; };").is_err());
    define(&mut reg, "enum e { A };").unwrap();
    assert!(define(&mut reg, "enum e { A, B };").is_err());
    assert!(define(&mut reg, "enum other { A = 1 };").is_err());
    // Several: the first by name.
    let e = define(&mut reg, "typedef long long t; struct p { char c; };").unwrap_err();
    assert_eq!(&*e.name, "p");
}

#[test]
fn a_forward_declaration_is_completed() {
    let mut reg = Scope::new();
    define(&mut reg, "struct s; typedef struct s S;").unwrap();
    assert!(reg.typedefs["S"].size().is_none());
    define(&mut reg, "struct s { int a; double b; };").unwrap();
    assert_eq!(reg.records["s"].body().map(|b| b.size), Some(16));
    // The typedef that named the incomplete struct names the complete one.
    assert_eq!(reg.typedefs["S"].size(), Some(16));
    define(&mut reg, "struct s; typedef struct s S;").unwrap();
    assert_eq!(reg.typedefs["S"].size(), Some(16));
    assert!(define(&mut reg, "struct s { int a; };").is_err());
}

#[test]
fn declaring_the_same_again_changes_nothing() {
    let mut reg = Scope::new();
    let text = "struct p { int x; struct p *next; }; typedef struct p P; enum e { A, B }; typedef int (*cb)(P *);";
    assert!(reg.would_change(&declare(&reg, text)));
    define(&mut reg, text).unwrap();
    assert!(!reg.would_change(&declare(&reg, text)));
    assert!(!reg.would_change(&declare(&reg, "struct p;")));
    assert!(reg.would_change(&declare(&reg, "typedef int other;")));
    // Completing a forward declaration is a change.
    define(&mut reg, "struct s; typedef struct s S;").unwrap();
    assert!(!reg.would_change(&declare(&reg, "struct s; typedef struct s S;")));
    assert!(reg.would_change(&declare(&reg, "struct s { int a; };")));
}
