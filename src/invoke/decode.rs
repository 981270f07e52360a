//! `decode()` of one scalar, read in JS: `kindOf` names the scalar kind of
//! a type name, and `peek` copies a value of that kind next to the
//! arguments, where the prelude reads it.

use crate::call::plan::SCRATCH_WORD;
use crate::env::EnvState;
use crate::js::{self, Value};
use crate::marshal::ctype::type_arg;
use crate::types::{scalar, Type};
use napi::sys;

/// The prelude's `kindOf(name)`: the code `peek` reads a value of the named
/// scalar type by (see the prelude's `decode`), or -1 for anything else. 16
/// is added when the name is made of C keywords and built-in type names
/// only, so the prelude may remember it until the registry changes (see
/// `EnvState::registry_mut`).
pub unsafe extern "C" fn scalar_kind(env: sys::napi_env, info: sys::napi_callback_info) -> Value {
    unsafe {
        let mut argv = [std::ptr::null_mut(); 1];
        let mut argc = 1;
        let state = &*(js::cb_info(env, info, &mut argc, argv.as_mut_ptr()) as *const EnvState);
        js::guarded(env, || {
            let text = js::get_string(env, argv[0])?;
            let code = match type_arg(env, state, &Default::default(), argv[0], "decode(): the type") {
                Ok(t) => scalar_code(&t),
                // The native decode explains it.
                Err(_) => -1,
            };
            let fixed = crate::cdecl::lexer::lex(&text, 0).is_ok_and(|toks| {
                toks.iter().all(|t| {
                    t.kind != crate::cdecl::lexer::Kind::Ident
                        || matches!(
                            &*t.text,
                            "void"
                                | "char"
                                | "short"
                                | "int"
                                | "long"
                                | "signed"
                                | "unsigned"
                                | "float"
                                | "double"
                                | "_Bool"
                                | "const"
                                | "volatile"
                        )
                        || crate::types::is_builtin_name(&t.text)
                })
            });
            js::number(env, f64::from(if fixed { code + 16 } else { code }))
        })
    }
}

fn scalar_code(t: &Type) -> i32 {
    scalar::of_type(t).map_or(-1, |s| i32::from(s.code))
}

/// The prelude's `peek()`: copies the value of kind u32[0] at the address
/// in u32[2..4] into those same 8 bytes, for `decode` to convert in JS.
pub unsafe extern "C" fn peek(env: sys::napi_env, info: sys::napi_callback_info) -> Value {
    unsafe {
        // As `inv_sole`: the thread's only environment needs no lookup.
        let mut state = crate::env::SOLE.with(|s| s.get());
        if state.is_null() {
            let mut argc = 0;
            state = js::cb_info(env, info, &mut argc, std::ptr::null_mut()) as *const EnvState;
        }
        let buf = (*state).buf;
        let size = scalar::by_code(std::ptr::read(buf as *const u32)).map_or(0, |s| usize::from(s.size));
        let at = buf.add(4 * SCRATCH_WORD);
        let addr = std::ptr::read_unaligned(at as *const usize) as *const u8;
        if size > 0 && !addr.is_null() {
            std::ptr::copy_nonoverlapping(addr, at, size);
        }
        std::ptr::null_mut()
    }
}
