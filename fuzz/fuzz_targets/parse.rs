//! The C declaration parser on arbitrary text: as a prototype, as a type
//! name, as a whole (unpreprocessed) header, and as `#if` and constant
//! expressions. Names resolve against a small base scope, as they do against
//! a library's header. Any input must give `Ok` or `Err`, never a panic.
#![no_main]

use cshared_core::call::Plan;
use cshared_core::cdecl::parser::Parser;
use cshared_core::cdecl::{lexer, parse_prototype, parse_type, Names, Scope};
use cshared_fuzz::base_scope;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let base = base_scope();
    let bases = [&base];

    // A prototype, as `lib.func('int f(int)')`; a bindable one gets a call plan.
    let mut local = Scope::new();
    if let Ok(f) = parse_prototype(
        &text,
        Names {
            local: &mut local,
            bases: &bases,
        },
    ) {
        let _ = Plan::new(&f.sig);
    }

    // A type name, as `lib.type('struct { int x; } *')`.
    let mut local = Scope::new();
    if let Ok(ty) = parse_type(
        &text,
        Names {
            local: &mut local,
            bases: &bases,
        },
    ) {
        let _ = (ty.size(), ty.align(), ty.by_value_problem());
    }

    let Ok(toks) = lexer::lex(&text, 0) else {
        return;
    };

    // A whole header (without preprocessing).
    let mut local = Scope::new();
    let mut decls = Vec::new();
    let mut skipped = Vec::new();
    let _ = Parser::new(
        &toks,
        Names {
            local: &mut local,
            bases: &bases,
        },
    )
    .header(&mut decls, &mut skipped);

    // Expressions: `#if` (identifiers are 0) and constants (enum values, macros).
    let mut local = Scope::new();
    let _ = Parser::new(
        &toks,
        Names {
            local: &mut local,
            bases: &[],
        },
    )
    .pp_expr();
    let mut local = Scope::new();
    let _ = Parser::new(
        &toks,
        Names {
            local: &mut local,
            bases: &bases,
        },
    )
    .const_expr();
});
