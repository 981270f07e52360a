//! cshared: call C-ABI shared libraries (Go c-shared, C, Rust cdylib, Zig)
//! from Node.js.
//!
//! The pure-Rust core (C types, declarations, headers, call plans,
//! typings) is the `cshared-core` crate in crates/core. This crate is the
//! Node-API side: `env` (per-environment state), `bind` and `invoke` (bound
//! functions and the hot path), `callback` (C → JS), `marshal` (JS ⇄ C
//! values), `library` and `go` (loading, and Go's runtime), `api` (the
//! exported functions and classes), `error` (every error's code).
#![deny(clippy::unwrap_used)]

pub use cshared_core::{call, cdecl, header, types, typings};

pub mod error;
pub mod go;
pub mod library;

pub(crate) mod api;
mod batch;
mod bind;
mod callback;
mod env;
mod invoke;
mod js;
mod marshal;
