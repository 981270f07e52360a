//! Why a signature cannot be called. The Node side maps each kind to an
//! error code in one place (src/error.rs).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// Valid C that cshared cannot pass or return (a type, a size); the
    /// message names the parameter and the reason.
    Unsupported(String),
    /// libffi could not prepare a call or a closure.
    Ffi(String),
}

impl CallError {
    pub fn message(&self) -> &str {
        match self {
            CallError::Unsupported(m) | CallError::Ffi(m) => m,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for CallError {}
