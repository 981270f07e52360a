//! Header options of `load()`, what a header adds to a `Library` object
//! (`functions`, `constants`, `types`, `skipped`), and `typings()`.

use crate::cdecl::preproc::{header_text, read_header_file, FileSource, SourceFile, MAX_FILE_BYTES};
use crate::env::EnvState;
use crate::error::{check, Code, Error, Location, OrThrow, Result};
use crate::gosrc;
use crate::header::{self, ConstValue, Header};
use crate::js::{self, Value};
use crate::marshal::ctype::{self as types};
use crate::marshal::{is_url, path_arg, string_arg};
use napi::bindgen_prelude::{JsValue, Unknown};
use napi::{sys, Env};
use napi_derive::napi;
use std::path::PathBuf;

/// Reads header files through the runtime's own `fs` module (the prelude's
/// `readHeader`), so that a header inside Electron's app.asar, or anything
/// else the runtime's fs serves, is read as the runtime reads it. Only
/// regular files of at most [`MAX_FILE_BYTES`] are read. Without an fs
/// module to use (a runtime without `process.getBuiltinModule`), cshared
/// reads the file itself, with the same limits.
pub struct JsFs {
    env: sys::napi_env,
    helper: Option<Value>,
}

impl JsFs {
    /// # Safety
    /// `env` must be the current environment; use the value within the call.
    pub unsafe fn new(env: sys::napi_env) -> JsFs {
        let helper = unsafe { EnvState::get(env).and_then(|s| s.helper(env, c"readHeader")).ok() };
        JsFs { env, helper }
    }

    /// The text of the file at `path`, or why not (the reason alone).
    pub fn read_file(&self, path: &std::path::Path) -> std::result::Result<String, String> {
        let Some(helper) = self.helper else {
            return read_header_file(path);
        };
        unsafe {
            let env = self.env;
            let mut scope = std::ptr::null_mut();
            if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
                return read_header_file(path);
            }
            let r = (|| -> Result<Option<std::result::Result<String, String>>> {
                let p = js::string(env, &path.to_string_lossy())?;
                let max = js::number(env, MAX_FILE_BYTES as f64)?;
                let got = js::call(env, helper, &[p, max])?;
                match js::type_of(env, got) {
                    // No fs module here: cshared reads it.
                    sys::ValueType::napi_undefined => Ok(None),
                    sys::ValueType::napi_string => Ok(Some(Err(js::get_string(env, got)?))),
                    _ => match crate::marshal::buffer_data(env, got) {
                        Ok(Some((data, len))) if len as u64 <= MAX_FILE_BYTES => {
                            let bytes = if len == 0 {
                                Vec::new()
                            } else {
                                std::slice::from_raw_parts(data, len).to_vec()
                            };
                            Ok(Some(Ok(header_text(bytes))))
                        }
                        _ => Ok(Some(Err("unreadable".into()))),
                    },
                }
            })();
            sys::napi_close_handle_scope(env, scope);
            match r {
                Ok(Some(r)) => r,
                Ok(None) => read_header_file(path),
                Err(e) => {
                    // (The helper never throws; anything else is reported as the reason.)
                    let mut pending = false;
                    sys::napi_is_exception_pending(env, &mut pending);
                    if pending {
                        let mut ex = std::ptr::null_mut();
                        sys::napi_get_and_clear_last_exception(env, &mut ex);
                    }
                    Err(e.to_string())
                }
            }
        }
    }
}

impl FileSource for JsFs {
    fn read(&self, path: &std::path::Path) -> Option<String> {
        self.read_file(path).ok()
    }
}

/// The header named by `opts.header` (a path, or `{ text, path? }`), with
/// `opts.includeDirs` and `opts.defines`. `None` if there is no header.
pub unsafe fn source(env: sys::napi_env, opts: Value, what: &str) -> Result<Option<(SourceFile, header::Options)>> {
    unsafe {
        let h = js::get(env, opts, c"header")?;
        let src = match js::type_of(env, h) {
            sys::ValueType::napi_undefined | sys::ValueType::napi_null => return Ok(None),
            _ if js::type_of(env, h) == sys::ValueType::napi_string || is_url(env, h)? => {
                let path = path_arg(env, h, &format!("{what}: options.header"))?;
                let text = JsFs::new(env)
                    .read_file(std::path::Path::new(&path))
                    .map_err(|e| Error::new(Code::Load, format!("{what}: cannot read header '{path}': {e}")))?;
                SourceFile {
                    path: Some(PathBuf::from(&path)),
                    display: path,
                    text,
                }
            }
            sys::ValueType::napi_object => {
                let text = string_arg(env, js::get(env, h, c"text")?, &format!("{what}: header.text"))?;
                let p = js::get(env, h, c"path")?;
                let path = match js::type_of(env, p) {
                    sys::ValueType::napi_undefined => None,
                    _ => Some(string_arg(env, p, &format!("{what}: header.path"))?),
                };
                SourceFile {
                    display: path.clone().unwrap_or_else(|| "<header>".into()),
                    path: path.map(PathBuf::from),
                    text,
                }
            }
            _ => {
                return Err(Error::new(
                    Code::ArgType,
                    format!("{what}: options.header must be a path, a file: URL or {{ text }}"),
                ))
            }
        };
        Ok(Some((src, header_options(env, opts, what)?)))
    }
}

unsafe fn header_options(env: sys::napi_env, opts: Value, what: &str) -> Result<header::Options> {
    unsafe {
        let mut out = header::Options::default();
        let dirs = js::get(env, opts, c"includeDirs")?;
        if js::type_of(env, dirs) != sys::ValueType::napi_undefined {
            if !js::is_array(env, dirs) {
                return Err(Error::new(
                    Code::ArgType,
                    format!("{what}: options.includeDirs must be an array of paths"),
                ));
            }
            for i in 0..js::array_len(env, dirs)? {
                let d = string_arg(
                    env,
                    js::get_element(env, dirs, i)?,
                    &format!("{what}: options.includeDirs[{i}]"),
                )?;
                out.include_dirs.push(PathBuf::from(d));
            }
        }
        let sys_dirs = js::get(env, opts, c"systemIncludeDirs")?;
        if js::type_of(env, sys_dirs) != sys::ValueType::napi_undefined {
            if !js::is_array(env, sys_dirs) {
                return Err(Error::new(
                    Code::ArgType,
                    format!("{what}: options.systemIncludeDirs must be an array of paths"),
                ));
            }
            let mut dirs = Vec::new();
            for i in 0..js::array_len(env, sys_dirs)? {
                let d = string_arg(
                    env,
                    js::get_element(env, sys_dirs, i)?,
                    &format!("{what}: options.systemIncludeDirs[{i}]"),
                )?;
                dirs.push(crate::cdecl::target::SystemDir {
                    path: PathBuf::from(d),
                    os_only: false,
                });
            }
            out.system_dirs = Some(dirs);
        }
        let defs = js::get(env, opts, c"defines")?;
        match js::type_of(env, defs) {
            sys::ValueType::napi_undefined => {}
            sys::ValueType::napi_object => {
                let mut keys = std::ptr::null_mut();
                check(sys::napi_get_property_names(env, defs, &mut keys), "listing defines")?;
                for i in 0..js::array_len(env, keys)? {
                    let k = js::get_element(env, keys, i)?;
                    let name = js::get_string(env, k)?;
                    let mut v = std::ptr::null_mut();
                    check(sys::napi_get_property(env, defs, k, &mut v), "reading a define")?;
                    let text = match js::type_of(env, v) {
                        sys::ValueType::napi_string => js::get_string(env, v)?,
                        sys::ValueType::napi_number => {
                            let n = js::get_f64(env, v)?;
                            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                                format!("{}", n as i64)
                            } else {
                                format!("{n}")
                            }
                        }
                        sys::ValueType::napi_boolean => {
                            if js::get_bool(env, v)? {
                                "1".into()
                            } else {
                                "0".into()
                            }
                        }
                        _ => {
                            return Err(Error::new(
                                Code::ArgType,
                                format!("{what}: options.defines.{name} must be a string, number or boolean"),
                            ))
                        }
                    };
                    out.defines.push((name, text));
                }
            }
            _ => {
                return Err(Error::new(
                    Code::ArgType,
                    format!("{what}: options.defines must be an object"),
                ))
            }
        }
        Ok(out)
    }
}

/// The Go source named by `opts.goSource` (a package directory or one
/// `.go` file, as a path or a file: URL, or one file's `{ text, path? }`),
/// read for its `//export` signatures. `None` if there is none.
pub unsafe fn go_source(env: sys::napi_env, opts: Value, what: &str) -> Result<Option<gosrc::Package>> {
    unsafe {
        let g = js::get(env, opts, c"goSource")?;
        match js::type_of(env, g) {
            sys::ValueType::napi_undefined | sys::ValueType::napi_null => return Ok(None),
            sys::ValueType::napi_object if !is_url(env, g)? => {
                // The text of one .go file, read by the caller (from an
                // Electron asar archive, say, which only Node's fs can read).
                let text = string_arg(env, js::get(env, g, c"text")?, &format!("{what}: goSource.text"))?;
                let p = js::get(env, g, c"path")?;
                let file = match js::type_of(env, p) {
                    sys::ValueType::napi_undefined => "<goSource>".to_string(),
                    _ => string_arg(env, p, &format!("{what}: goSource.path"))?,
                };
                if text.len() > gosrc::MAX_TOTAL_BYTES {
                    return Err(Error::new(
                        Code::Load,
                        format!(
                            "{what}: cannot read goSource '{file}': more than {} bytes of Go source",
                            gosrc::MAX_TOTAL_BYTES
                        ),
                    ));
                }
                let mut pkg = gosrc::Package::default();
                gosrc::read_source(&file, &text, &mut pkg);
                return Ok(Some(pkg));
            }
            _ => {}
        }
        let path = path_arg(env, g, &format!("{what}: options.goSource"))?;
        gosrc::read_path(std::path::Path::new(&path))
            .map(Some)
            .map_err(|e| Error::new(Code::Load, format!("{what}: cannot read goSource '{path}': {e}")))
    }
}

/// Preprocesses and parses a header. A syntax error is `ERR_PARSE` with its
/// file, line and column.
pub fn read(env: sys::napi_env, src: SourceFile, opts: &header::Options) -> Result<Header> {
    let fs = unsafe { JsFs::new(env) };
    header::read(src, opts, &fs).map_err(|e| {
        Error::new(Code::Parse, format!("{}:{}:{}: {}", e.file, e.line, e.column, e.msg)).at(Location {
            file: Some(e.file),
            line: e.line,
            column: e.column,
        })
    })
}

/// Adds `functions` (bound on first use; also as `lib.NAME` where the name
/// is free), `constants`, `types` and `skipped` to a Library object.
pub unsafe fn decorate(env: sys::napi_env, lib: Value, header: Option<&Header>) -> Result<()> {
    unsafe {
        let state = EnvState::get(env)?;
        let constants = js::object(env)?;
        let types_obj = js::object(env)?;
        let skipped = js::array(env, header.map_or(0, |h| h.skipped.len()))?;
        let names = js::array(env, header.map_or(0, |h| h.functions.len()))?;
        if let Some(h) = header {
            for c in &h.constants {
                let k = js::string(env, &c.name)?;
                check(
                    sys::napi_set_property(env, constants, k, const_value(env, &c.value)?),
                    "constant",
                )?;
            }
            for t in &h.types {
                let k = js::string(env, &t.name)?;
                check(
                    sys::napi_set_property(env, types_obj, k, types::ctype_value(env, t.ty.clone())?),
                    "type",
                )?;
            }
            for (i, s) in h.skipped.iter().enumerate() {
                let o = js::object(env)?;
                let name = match &s.name {
                    Some(n) => js::string(env, n)?,
                    None => js::null(env)?,
                };
                js::set(env, o, c"name", name)?;
                js::set(env, o, c"reason", js::string(env, &s.reason)?)?;
                js::set(env, o, c"file", js::string(env, &s.file)?)?;
                js::set(env, o, c"line", js::number(env, f64::from(s.line))?)?;
                js::set_element(env, skipped, i as u32, o)?;
            }
            for (i, f) in h.functions.iter().enumerate() {
                js::set_element(env, names, i as u32, js::string(env, &f.name)?)?;
            }
        }
        let freeze = |v: Value| check(sys::napi_object_freeze(env, v), "freezing");
        freeze(constants)?;
        freeze(types_obj)?;
        freeze(skipped)?;
        js::define_value(env, lib, "constants", constants)?;
        js::define_value(env, lib, "types", types_obj)?;
        js::define_value(env, lib, "skipped", skipped)?;
        let reserved = js::array(env, crate::typings::LIBRARY_MEMBERS.len())?;
        for (i, m) in crate::typings::LIBRARY_MEMBERS.iter().enumerate() {
            js::set_element(env, reserved, i as u32, js::string(env, m)?)?;
        }
        let declare = state.helper(env, c"declare")?;
        let bind = js::get(env, lib, c"__bind")?;
        js::call(env, declare, &[lib, names, bind, reserved])?;
        Ok(())
    }
}

/// TypeScript typings for a header: `typings('./libmod.h')` or
/// `typings({ text })`. The module exports an interface (named after the
/// header, or `options.name`) to use as `load<Name>(path, { header })`.
#[napi(
    ts_args_type = "header: string | FileURL | { text: string; path?: string }, options?: TypingsOptions",
    ts_return_type = "string"
)]
pub fn typings<'env>(
    env: &'env Env,
    header_v: Unknown<'env>,
    options_v: Option<Unknown<'env>>,
) -> napi::Result<String> {
    unsafe {
        (|| -> Result<String> {
            let raw = env.raw();
            let opts = js::object(raw)?;
            js::set(raw, opts, c"header", header_v.raw())?;
            let user = options_v
                .map(|v| v.raw())
                .filter(|&v| js::type_of(raw, v) == sys::ValueType::napi_object);
            if let Some(u) = user {
                for key in [c"includeDirs", c"systemIncludeDirs", c"defines", c"goSource"] {
                    js::set(raw, opts, key, js::get(raw, u, key)?)?;
                }
            }
            let (src, hopts) = source(raw, opts, "typings()")?
                .ok_or_else(|| Error::new(Code::ArgType, "typings() needs a header path or { text }"))?;
            let display = src.display.clone();
            let stem = std::path::Path::new(&display)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "header".into());
            let name = match user {
                Some(u) => {
                    let n = js::get(raw, u, c"name")?;
                    match js::type_of(raw, n) {
                        sys::ValueType::napi_undefined => crate::typings::interface_name(&stem),
                        _ => string_arg(raw, n, "typings(): options.name")?,
                    }
                }
                None => crate::typings::interface_name(&stem),
            };
            let go = go_source(raw, opts, "typings()")?;
            let mut h = read(raw, src, &hopts)?;
            if let Some(pkg) = &go {
                gosrc::apply(&mut h, pkg);
            }
            let mut topts = crate::typings::Options::default();
            if let Some(u) = user {
                let b = js::get(raw, u, c"bigint")?;
                match js::type_of(raw, b) {
                    sys::ValueType::napi_undefined => {}
                    sys::ValueType::napi_boolean => topts.bigint = js::get_bool(raw, b)?,
                    _ => return Err(Error::new(Code::ArgType, "typings(): options.bigint must be a boolean")),
                }
                // With the library, only what it exports, as load() binds.
                let l = js::get(raw, u, c"library")?;
                if js::type_of(raw, l) != sys::ValueType::napi_undefined {
                    let path = string_arg(raw, l, "typings(): options.library")?;
                    let core = crate::library::LibCore::open(Some(&path))?;
                    // (Not unloaded: as with load(), only close() unloads, and
                    // some libraries cannot be unloaded safely.)
                    h.retain_exported(|symbol| core.symbol(symbol).is_ok());
                }
            }
            Ok(crate::typings::generate_with(&h, &name, &display, &topts))
        })()
        .or_throw(env)
    }
}

/// A header constant as a JS value (a bigint beyond 2^53).
unsafe fn const_value(env: sys::napi_env, v: &ConstValue) -> Result<Value> {
    unsafe {
        match v {
            ConstValue::Int(i) if i.unsigned_abs() < (1u128 << 53) => js::number(env, *i as f64),
            ConstValue::Int(i) => {
                let mag = i.unsigned_abs();
                let words = [mag as u64, (mag >> 64) as u64];
                let mut out = std::ptr::null_mut();
                crate::error::check(
                    sys::napi_create_bigint_words(env, i32::from(*i < 0), 2, words.as_ptr(), &mut out),
                    "making a bigint",
                )?;
                Ok(out)
            }
            ConstValue::Float(f) => js::number(env, *f),
            ConstValue::Str(s) => js::string(env, s),
            ConstValue::Bytes(b) => {
                let mut data = std::ptr::null_mut();
                let mut ab = std::ptr::null_mut();
                check(
                    sys::napi_create_arraybuffer(env, b.len(), &mut data, &mut ab),
                    "making an ArrayBuffer",
                )?;
                if !data.is_null() && !b.is_empty() {
                    std::ptr::copy_nonoverlapping(b.as_ptr(), data as *mut u8, b.len());
                }
                let mut out = std::ptr::null_mut();
                check(
                    sys::napi_create_typedarray(env, sys::TypedarrayType::uint8_array, b.len(), ab, 0, &mut out),
                    "making a Uint8Array",
                )?;
                Ok(out)
            }
            ConstValue::Pointer(a) => EnvState::get(env)?.make_pointer(env, *a as usize),
        }
    }
}
