//! The part of cshared that knows nothing of Node: the C type model and
//! layouts (`types`), C declarations, the preprocessor and headers (`cdecl`,
//! `header`), call plans, the register route, libffi and the generated JS
//! source (`call`), and TypeScript typings (`typings`). Everything here is
//! testable with `cargo test -p cshared-core` and fuzzable on its own.
#![deny(clippy::unwrap_used)]

pub mod call;
pub mod cdecl;
pub mod fileurl;
pub mod gosrc;
pub mod header;
pub mod types;
pub mod typings;
