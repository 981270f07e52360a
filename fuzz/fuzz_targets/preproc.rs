//! The C preprocessor on arbitrary text: directives, conditionals, includes
//! (of the fixed in-memory files), macro expansion, `#line`, pragmas.
//! Any input must give `Ok` or `Err`, quickly and in bounded memory.
#![no_main]

use cshared_core::cdecl::preproc::preprocess;
use cshared_fuzz::{main_file, preproc_options, MemFs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = preproc_options();
    if let Ok(out) = preprocess(main_file(data), &opts, &MemFs) {
        // The output's contract: every position names a file of `files`.
        let nfiles = out.files.len();
        for t in &out.tokens {
            assert!(
                (t.pos.file as usize) < nfiles,
                "token {:?} names file {} of {nfiles}",
                t.text,
                t.pos.file
            );
        }
        for (name, toks, pos) in &out.macros {
            assert!(
                (pos.file as usize) < nfiles,
                "macro {name} defined in file {} of {nfiles}",
                pos.file
            );
            for t in toks {
                assert!(
                    (t.pos.file as usize) < nfiles,
                    "macro {name}: token names file {} of {nfiles}",
                    t.pos.file
                );
            }
        }
    }
});
