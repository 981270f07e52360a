//! A whole header, as `cshared` reads one: preprocess (with the fixed
//! in-memory include files), parse every declaration, collect constants; then
//! what cshared does next with it: a call plan and JS wrapper source for each
//! function, and the TypeScript typings. Any input must give `Ok` or `Err`,
//! never a panic, a hang or unbounded memory.
#![no_main]

use cshared_core::call::codegen::{wrapper_source, Options as CodegenOptions};
use cshared_core::call::Plan;
use cshared_core::header::{self, Options};
use cshared_core::typings;
use cshared_fuzz::{defines, include_dirs, main_file, system_dirs, MemFs, MAIN_DISPLAY};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = Options {
        include_dirs: include_dirs(),
        defines: defines(),
        system_dirs: Some(system_dirs()),
    };
    let Ok(h) = header::read(main_file(data), &opts, &MemFs) else {
        return;
    };
    for (i, f) in h.functions.iter().enumerate() {
        if h.unbindable.contains_key(&i) {
            continue;
        }
        if let Ok(plan) = Plan::new(&f.sig) {
            let _ = wrapper_source(&plan, CodegenOptions::default());
        }
    }
    let _ = typings::generate(&h, "Fuzz", MAIN_DISPLAY);
});
