//! cshared: call C-ABI shared libraries (Go c-shared, C, Rust cdylib, Zig)
//! from Node.js.
//!
//! The pure-Rust core (C types, declarations, headers, call plans, the
//! generated JS, typings) is the `cshared-core` crate in crates/core. This
//! crate is the Node-API side, in layers; each file imports only from the
//! layers below it (README, "Code map"):
//!
//! 1. `error` (every error's code), `js` (raw Node-API helpers),
//!    `library` and `go` (loading, and Go's runtime);
//! 2. `env`: per-environment and per-call state;
//! 3. `marshal`: JS ⇄ C values, and `CType`;
//! 4. `bind`: a declared function becomes a JS function;
//! 5. `callback`: C → JS;
//! 6. `invoke`: the native functions the wrappers call;
//! 7. `fast`: V8 fast calls through the accelerator (accel/);
//! 8. `prelude`: sets up an environment and lists those functions;
//! 9. `api`: the exported `#[napi]` functions and classes.
#![deny(clippy::unwrap_used)]

pub use cshared_core::{call, cdecl, fileurl, gosrc, header, types, typings};

pub mod error;
pub mod go;
pub mod library;

pub(crate) mod api;
mod bind;
mod callback;
mod env;
mod fast;
mod invoke;
mod js;
mod marshal;
mod prelude;
