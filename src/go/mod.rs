//! Go c-shared libraries living inside Node.
//!
//! A Go library starts the Go runtime when it is loaded, and the runtime
//! needs every signal handler that can run on its threads to run on the
//! alternate signal stack (`SA_ONSTACK`). Go adds that flag to the handlers
//! that exist when it loads, but libuv installs more later (SIGCHLD on the
//! first child process, one for each `process.on(signal)`) without it, and a
//! signal that lands on a Go thread then crashes the process. `signals`
//! fixes that from inside the process.

mod signals;

use crate::library::LibCore;

/// Whether a loaded library carries the Go runtime (cgo exports these).
pub fn is_go(lib: &LibCore) -> bool {
    lib.has_symbol("_cgo_topofstack") && lib.has_symbol("_cgo_panic")
}

/// Makes the host safe for a Go runtime: every signal handler installed from
/// now on gets `SA_ONSTACK` (with `Mode::Listen`, when the caller reports
/// one through `fix_handlers`), and so does every one installed already.
/// Runs once per process; later calls return what the first one did.
pub fn prepare_host(mode: Mode) -> &'static signals::Report {
    signals::install(mode)
}

/// Adds `SA_ONSTACK` to the installed handlers that lack it.
pub fn fix_handlers() -> usize {
    signals::fix_installed()
}

pub use signals::{Mode, Report};
