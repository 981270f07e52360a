//! Loading and closing libraries, and finding their symbols.

use crate::error::{Code, Error, Result};
use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::path::Path;

/// A loaded library, shared by its JS `Library` object and every function
/// bound from it. Lives on one JS thread.
pub struct LibCore {
    /// The path as given, or `None` for the process itself.
    pub path: Option<String>,
    handle: RefCell<Option<libloading::Library>>,
    closed: Cell<bool>,
    /// Calls into the library that have not returned (nested sync calls,
    /// async calls in flight). Unloading waits for them.
    busy: Cell<u32>,
    /// The types of the library's header. Pointers to structs declared
    /// before their definition do not own them (see `types::PointerType`),
    /// so they live as long as any function bound from the library, or
    /// until `close()`.
    types: RefCell<Option<std::rc::Rc<crate::header::Header>>>,
}

impl LibCore {
    /// Loads the library at `path`, or the running process for `None`.
    pub fn open(path: Option<&str>) -> Result<LibCore> {
        let handle = match path {
            None => this_process()?,
            Some(p) => {
                let resolved = resolve(p);
                // SAFETY: loading runs the library's constructors; that is
                // what the user asked for.
                unsafe { libloading::Library::new(&resolved) }
                    .map_err(|e| Error::new(Code::Load, format!("cannot load library '{p}': {}", reason(&e))))?
            }
        };
        Ok(LibCore {
            path: path.map(str::to_string),
            handle: RefCell::new(Some(handle)),
            closed: Cell::new(false),
            busy: Cell::new(0),
            types: RefCell::new(None),
        })
    }

    /// A stand-in for code found by address (a C function pointer): never
    /// loaded by cshared, so never closed by it.
    pub fn detached() -> LibCore {
        LibCore {
            path: Some("a function pointer".into()),
            handle: RefCell::new(None),
            closed: Cell::new(false),
            busy: Cell::new(0),
            types: RefCell::new(None),
        }
    }

    pub fn keep_types(&self, header: std::rc::Rc<crate::header::Header>) {
        *self.types.borrow_mut() = Some(header);
    }

    pub fn display_name(&self) -> &str {
        self.path.as_deref().unwrap_or("the current process")
    }

    pub fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// The address of `name`.
    pub fn symbol(&self, name: &str) -> Result<*const c_void> {
        let h = self.handle.borrow();
        let lib = match (&*h, self.closed.get()) {
            (Some(lib), false) => lib,
            _ => {
                return Err(Error::new(
                    Code::Closed,
                    format!("library '{}' was closed", self.display_name()),
                ))
            }
        };
        if name.is_empty() || name.contains('\0') {
            return Err(Error::new(
                Code::Symbol,
                format!("'{}' is not a valid symbol name", name.escape_debug()),
            ));
        }
        // SAFETY: the address is only used as a function or data address of
        // the declared type; the library stays loaded while it is in use.
        let sym = unsafe { lib.get::<*const c_void>(name.as_bytes()) }.map_err(|e| {
            Error::new(
                Code::Symbol,
                format!("symbol '{name}' not found in '{}': {}", self.display_name(), reason(&e)),
            )
        })?;
        let addr = *sym;
        if addr.is_null() {
            return Err(Error::new(
                Code::Symbol,
                format!("symbol '{name}' in '{}' is NULL", self.display_name()),
            ));
        }
        Ok(addr)
    }

    /// Whether the library exports `name` (used to recognize Go libraries).
    pub fn has_symbol(&self, name: &str) -> bool {
        self.symbol(name).is_ok()
    }

    /// Marks the library closed and unloads it once no call is running.
    pub fn close(&self) {
        self.closed.set(true);
        // Functions bound from it are not called again, and their call
        // plans own what a call still in flight needs: the header's types
        // go now, not when the last of those functions is collected (a
        // pointer to a struct that only they held then reads as an opaque
        // struct of that name).
        self.types.borrow_mut().take();
        self.unload_if_idle();
    }

    pub fn enter(&self) {
        self.busy.set(self.busy.get() + 1);
    }

    pub fn leave(&self) {
        self.busy.set(self.busy.get().saturating_sub(1));
        if self.closed.get() {
            self.unload_if_idle();
        }
    }

    fn unload_if_idle(&self) {
        if self.busy.get() == 0 {
            // Dropping the handle calls dlclose. Go libraries are marked
            // NODELETE by their linker, so for them this unmaps nothing.
            let h = self.handle.borrow_mut().take();
            drop(h);
        }
    }
}

/// Only `close()` unloads. A library whose JS object and functions were
/// collected without it stays loaded: its threads, its symbols' Pointers
/// and the callbacks it holds may still be in use, and nothing can tell.
impl Drop for LibCore {
    fn drop(&mut self) {
        if let Some(h) = self.handle.get_mut().take() {
            std::mem::forget(h);
        }
    }
}

/// A bare file name that exists in the working directory is loaded from
/// there (as ctypes does on macOS); anything else goes to the loader's search.
fn resolve(p: &str) -> std::ffi::OsString {
    let path = Path::new(p);
    if !p.contains(std::path::MAIN_SEPARATOR) && !p.contains('/') && path.is_file() {
        return Path::new(".").join(path).into_os_string();
    }
    path.as_os_str().to_os_string()
}

fn reason(e: &libloading::Error) -> String {
    use std::error::Error as _;
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

#[cfg(unix)]
fn this_process() -> Result<libloading::Library> {
    Ok(libloading::os::unix::Library::this().into())
}

#[cfg(windows)]
fn this_process() -> Result<libloading::Library> {
    libloading::os::windows::Library::this()
        .map(Into::into)
        .map_err(|e| Error::new(Code::Load, format!("cannot open the current process: {e}")))
}
