//! cshared: call C-ABI shared libraries (Go c-shared, C, Rust cdylib, Zig)
//! from Node.js.
//!
//! Pure Rust, testable with `cargo test`: `types` (the C type model and
//! layouts), `cdecl` (C declarations), `call` (call plans, the register
//! route, libffi, wrapper source). N-API on top: `env` (per-environment
//! state), `bind` and `invoke` (bound functions and the hot path), `marshal`
//! (JS ⇄ C values), `api` (the exported functions and classes).
#![deny(clippy::unwrap_used)]

pub mod call;
pub mod cdecl;
pub mod error;
pub mod go;
pub mod header;
pub mod library;
pub mod types;
pub mod typings;

pub(crate) mod api;
mod bind;
mod callback;
mod env;
mod invoke;
mod js;
mod marshal;
