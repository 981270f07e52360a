//! Calling C: plans (what goes where), the direct register route, libffi for
//! everything else, and the JS wrapper source.

pub mod abi;
pub mod codegen;
pub mod error;
pub mod ffi;
pub mod jsrec;
pub mod plan;

pub use error::CallError;
pub use plan::{ArgKind, DirectKind, Plan, RetKind, Route};
