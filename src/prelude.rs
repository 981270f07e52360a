//! Sets up an environment: makes its state, runs the prelude
//! (crates/core/src/call/prelude.js) and hands it every native function
//! it calls. This list, and the prelude's parameter list, are the whole
//! JS → native surface of the hot path.

use crate::call::codegen;
use crate::call::plan::BUFFER_SIZE;
use crate::env::EnvState;
use crate::error::{check, Result};
use crate::invoke::{batch, decode, sync, task, variadic};
use crate::js;
use napi::sys::{self, napi_env};
use std::ffi::c_void;
use std::ptr::null_mut;
use std::rc::Rc;

/// Makes `env`'s state and its prelude.
///
/// # Safety
/// `env` must be the current environment, without a state yet.
pub unsafe fn install(env: napi_env) -> Result<Rc<EnvState>> {
    unsafe {
        let (state, buffer) = EnvState::create(env)?;
        crate::callback::connect(env, &state.link)?;
        let data = Rc::as_ptr(&state) as *mut c_void;
        let scalar: sys::napi_callback = if state.is_sole() {
            Some(sync::inv_sole)
        } else {
            Some(sync::inv)
        };
        let natives = [
            js::function(env, "invoke", scalar, data)?,
            js::function(env, "invoke", Some(sync::invo), data)?,
            js::function(env, "invokeAsync", Some(task::inva), data)?,
            js::function(env, "invokeVariadic", Some(variadic::invv), data)?,
            js::function(env, "invokeBatch", Some(batch::invb), data)?,
            js::function(env, "invokeNative", Some(sync::invn), data)?,
            js::function(env, "viewAddress", Some(sync::view_address), data)?,
            js::function(env, "metaOf", Some(crate::bind::meta_of), data)?,
            js::function(env, "kindOf", Some(decode::scalar_kind), data)?,
            js::function(env, "peek", Some(decode::peek), data)?,
        ];
        let src = js::string(env, &codegen::prelude())?;
        let mut prelude = null_mut();
        check(sys::napi_run_script(env, src, &mut prelude), "evaluating the prelude")?;
        // The buffer's address, for the strings the wrappers write in it.
        let addr = state.buf as usize as u64;
        let mut args = vec![
            buffer,
            js::number(env, (addr & 0xffff_ffff) as f64)?,
            js::number(env, (addr >> 32) as f64)?,
            js::number(env, BUFFER_SIZE as f64)?,
        ];
        args.extend(natives);
        let helpers = js::call(env, prelude, &args)?;
        state.set_helpers(env, helpers)?;
        // Threads waiting on a callback are let go at exit (see
        // `callback::release_waiting`). Best effort: a runtime without
        // `process.on` still loads cshared.
        let listener = js::function(env, "csharedExit", Some(crate::callback::on_exit), data)?;
        js::process_on(env, "exit", listener);
        state.fast.set_loader(crate::fast::load);
        state.attach(env)?;
        Ok(state)
    }
}
