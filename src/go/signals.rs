//! `SA_ONSTACK` for every signal handler, forced from inside the process.
//!
//! On Linux, each loaded object calls `sigaction` through its GOT (a slot the
//! dynamic linker fills with libc's address). We point those slots, in every
//! object but libc and this addon, at a wrapper that adds `SA_ONSTACK` to
//! real handlers before calling libc. That covers libuv (linked into the
//! node, electron, bun or deno binary) and any other native code. Handlers
//! already installed are re-installed with the flag.
//!
//! Elsewhere (macOS, the BSDs; on Linux with `Mode::Listen`) the installed
//! handlers are fixed now and again each time the host installs one: the
//! caller re-runs `fix_installed` after `process.on(signal)`, which is how
//! Node installs every handler there (libuv watches children with kqueue,
//! not SIGCHLD). Windows has no such signals; `install` says so.

use std::sync::OnceLock;

/// How handlers installed after the Go library loads get `SA_ONSTACK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Patch `sigaction` in every loaded object (Linux only), and fix the
    /// installed handlers.
    Patch,
    /// Fix the installed handlers now and each time the caller asks.
    Listen,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    /// GOT slots pointed at the wrapper.
    pub patched: usize,
    /// Handlers that were already installed and got `SA_ONSTACK` added.
    pub fixed_handlers: usize,
    /// The caller must call `fix_installed` after the host installs a
    /// handler.
    pub listen: bool,
    /// Why nothing was done, where nothing could be.
    pub skipped: Option<String>,
}

static REPORT: OnceLock<Report> = OnceLock::new();

/// Once per process; the first call's mode is the one used.
pub fn install(mode: Mode) -> &'static Report {
    REPORT.get_or_init(|| imp::install(mode))
}

/// Adds `SA_ONSTACK` to the handlers installed without it; returns how many.
#[cfg(unix)]
pub fn fix_installed() -> usize {
    #[cfg(target_os = "linux")]
    let last = libc::SIGRTMAX();
    #[cfg(not(target_os = "linux"))]
    let last = 32;
    let mut fixed = 0;
    for sig in 1..last {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        unsafe {
            let mut cur: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, std::ptr::null(), &mut cur) != 0 {
                continue;
            }
            if cur.sa_sigaction != libc::SIG_DFL
                && cur.sa_sigaction != libc::SIG_IGN
                && cur.sa_flags & libc::SA_ONSTACK == 0
            {
                cur.sa_flags |= libc::SA_ONSTACK;
                if libc::sigaction(sig, &cur, std::ptr::null_mut()) == 0 {
                    fixed += 1;
                }
            }
        }
    }
    fixed
}

#[cfg(not(unix))]
pub fn fix_installed() -> usize {
    0
}

#[cfg(target_os = "linux")]
mod imp {
    use super::{fix_installed, Mode, Report};
    use libc::{c_int, c_void};
    use std::ffi::CStr;

    #[cfg(target_arch = "x86_64")]
    const GOT_RELOCS: [u32; 2] = [6, 7]; // R_X86_64_GLOB_DAT, R_X86_64_JUMP_SLOT
    #[cfg(target_arch = "aarch64")]
    const GOT_RELOCS: [u32; 2] = [1025, 1026]; // R_AARCH64_GLOB_DAT, R_AARCH64_JUMP_SLOT
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    const GOT_RELOCS: [u32; 0] = [];

    const DT_NULL: i64 = 0;
    const DT_PLTRELSZ: i64 = 2;
    const DT_STRTAB: i64 = 5;
    const DT_SYMTAB: i64 = 6;
    const DT_RELA: i64 = 7;
    const DT_RELASZ: i64 = 8;
    const DT_JMPREL: i64 = 23;
    const DT_PLTREL: i64 = 20;
    const PT_DYNAMIC: u32 = 2;
    const PT_GNU_RELRO: u32 = 0x6474e552;

    #[repr(C)]
    struct Dyn {
        tag: i64,
        val: u64,
    }

    #[repr(C)]
    struct Rela {
        offset: u64,
        info: u64,
        addend: i64,
    }

    #[repr(C)]
    struct Sym {
        name: u32,
        info: u8,
        other: u8,
        shndx: u16,
        value: u64,
        size: u64,
    }

    /// Called instead of libc's `sigaction` by patched objects.
    unsafe extern "C" fn sigaction_onstack(
        sig: c_int,
        act: *const libc::sigaction,
        old: *mut libc::sigaction,
    ) -> c_int {
        unsafe {
            if !act.is_null() {
                let a = &*act;
                if a.sa_sigaction != libc::SIG_DFL
                    && a.sa_sigaction != libc::SIG_IGN
                    && a.sa_flags & libc::SA_ONSTACK == 0
                {
                    let mut with = std::ptr::read(act);
                    with.sa_flags |= libc::SA_ONSTACK;
                    return libc::sigaction(sig, &with, old);
                }
            }
            libc::sigaction(sig, act, old)
        }
    }

    struct Walk {
        skip: Vec<usize>,
        patched: usize,
    }

    fn object_base_of(addr: *const c_void) -> usize {
        unsafe {
            let mut info: libc::Dl_info = std::mem::zeroed();
            if libc::dladdr(addr, &mut info) != 0 {
                info.dli_fbase as usize
            } else {
                0
            }
        }
    }

    pub fn install(mode: Mode) -> Report {
        if mode == Mode::Listen {
            return Report {
                fixed_handlers: fix_installed(),
                listen: true,
                ..Report::default()
            };
        }
        let mut walk = Walk {
            // libc itself, and this addon (it must reach the real sigaction).
            skip: vec![
                object_base_of(libc::sigaction as *const c_void),
                object_base_of(install as *const c_void),
            ],
            patched: 0,
        };
        unsafe { libc::dl_iterate_phdr(Some(visit), &mut walk as *mut Walk as *mut c_void) };
        Report {
            patched: walk.patched,
            fixed_handlers: fix_installed(),
            ..Report::default()
        }
    }

    unsafe extern "C" fn visit(info: *mut libc::dl_phdr_info, _size: usize, data: *mut c_void) -> c_int {
        unsafe {
            let walk = &mut *(data as *mut Walk);
            let info = &*info;
            let base = info.dlpi_addr as usize;
            let phdrs = std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum));
            // dladdr's base is the first mapping; compare with the lowest PT_LOAD.
            let first_load = phdrs
                .iter()
                .filter(|p| p.p_type == libc::PT_LOAD)
                .map(|p| base + p.p_vaddr as usize)
                .min()
                .unwrap_or(base);
            if walk.skip.iter().any(|&s| s != 0 && (s == first_load || s == base)) {
                return 0;
            }
            let dynamic = match phdrs.iter().find(|p| p.p_type == PT_DYNAMIC) {
                Some(p) => (base + p.p_vaddr as usize) as *const Dyn,
                None => return 0,
            };
            let relro = phdrs
                .iter()
                .find(|p| p.p_type == PT_GNU_RELRO)
                .map(|p| (base + p.p_vaddr as usize, base + (p.p_vaddr + p.p_memsz) as usize));
            let mut tabs = [0u64; 24];
            let mut d = dynamic;
            let mut guard = 0;
            while (*d).tag != DT_NULL && guard < 4096 {
                if let Ok(t) = usize::try_from((*d).tag) {
                    if t < tabs.len() {
                        tabs[t] = (*d).val;
                    }
                }
                d = d.add(1);
                guard += 1;
            }
            // glibc rewrites these to absolute addresses; musl leaves them relative.
            let abs = |v: u64| -> usize {
                let v = v as usize;
                if v != 0 && v < base {
                    v + base
                } else {
                    v
                }
            };
            let (strtab, symtab) = (abs(tabs[DT_STRTAB as usize]), abs(tabs[DT_SYMTAB as usize]));
            if strtab == 0 || symtab == 0 {
                return 0;
            }
            let mut tables = vec![(abs(tabs[DT_RELA as usize]), tabs[DT_RELASZ as usize] as usize)];
            if tabs[DT_PLTREL as usize] as i64 == DT_RELA {
                tables.push((abs(tabs[DT_JMPREL as usize]), tabs[DT_PLTRELSZ as usize] as usize));
            }
            for (start, size) in tables {
                if start == 0 {
                    continue;
                }
                let relas = std::slice::from_raw_parts(start as *const Rela, size / std::mem::size_of::<Rela>());
                for r in relas {
                    let kind = (r.info & 0xffff_ffff) as u32;
                    let sym = (r.info >> 32) as usize;
                    if sym == 0 || !GOT_RELOCS.contains(&kind) {
                        continue;
                    }
                    let s = &*((symtab as *const Sym).add(sym));
                    let name = CStr::from_ptr((strtab + s.name as usize) as *const libc::c_char);
                    if name.to_bytes() == b"sigaction" || name.to_bytes() == b"__sigaction" {
                        let slot = base + r.offset as usize;
                        if patch(slot, relro) {
                            walk.patched += 1;
                        }
                    }
                }
            }
            0
        }
    }

    /// Points the GOT slot at the wrapper, making its page writable for the
    /// write and read-only again if it was in the RELRO segment.
    unsafe fn patch(slot: usize, relro: Option<(usize, usize)>) -> bool {
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE) as usize;
            let start = slot & !(page - 1);
            let in_relro = relro.is_some_and(|(a, b)| slot >= a && slot < b);
            if libc::mprotect(start as *mut c_void, page, libc::PROT_READ | libc::PROT_WRITE) != 0 {
                return false;
            }
            let wrapper = sigaction_onstack as *const () as usize;
            std::ptr::write_volatile(slot as *mut usize, wrapper);
            if in_relro {
                libc::mprotect(start as *mut c_void, page, libc::PROT_READ);
            }
            true
        }
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
mod imp {
    use super::{fix_installed, Mode, Report};

    pub fn install(_: Mode) -> Report {
        Report {
            fixed_handlers: fix_installed(),
            listen: true,
            ..Report::default()
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use super::{Mode, Report};

    pub fn install(_: Mode) -> Report {
        Report {
            skipped: Some(format!("no POSIX signals on {}", std::env::consts::OS)),
            ..Report::default()
        }
    }
}
