//! C declarations: a lexer, a parser for prototypes, type names and headers,
//! and the scopes names resolve in. Pure Rust, no N-API.

pub mod lexer;
pub mod parser;
pub mod preproc;
pub mod scope;
pub mod target;

pub use lexer::Pos;
pub use parser::{Decl, ErrorKind, FuncDecl, ParseError, Skipped};
pub use scope::{Names, Redefinition, Scope};

use crate::types::Type;

fn lex_one(text: &str) -> Result<Vec<lexer::Token>, ParseError> {
    lexer::lex(text, 0).map_err(|e| ParseError {
        kind: ErrorKind::Syntax,
        pos: e.pos,
        msg: e.msg,
    })
}

/// Parses one function prototype such as `long long ModXY(long long x, long long y)`.
pub fn parse_prototype(text: &str, names: Names) -> Result<FuncDecl, ParseError> {
    let toks = lex_one(text)?;
    parser::Parser::new(&toks, names).prototype()
}

/// Parses a type name such as `const char *` or `int[4]`.
pub fn parse_type(text: &str, names: Names) -> Result<Type, ParseError> {
    let toks = lex_one(text)?;
    let mut p = parser::Parser::new(&toks, names);
    let ty = p.type_name()?;
    if !p.at_end() {
        let pos = toks.get(p.index()).map(|t| t.pos).unwrap_or_default();
        return Err(ParseError {
            kind: ErrorKind::Syntax,
            pos,
            msg: "unexpected text after the type".into(),
        });
    }
    Ok(ty)
}

#[cfg(test)]
mod scope_tests;
#[cfg(test)]
mod tests;
