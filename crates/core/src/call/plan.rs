//! Call plans: a signature resolved once into where each argument lives in the
//! argument buffer, how it is converted, and how the call is made. Pure Rust;
//! the N-API side (`invoke`) and the JS side (`codegen`) both follow a plan.
//!
//! The argument buffer is a V8-allocated ArrayBuffer, one per environment. The
//! generated JS wrapper writes scalar arguments into it in their C
//! representation, the native invoker reads them from there, and writes the
//! result back for JS to read. Values JS cannot write (strings, buffers) are
//! passed to the invoker as ordinary N-API arguments.

use super::{abi, jsrec, CallError};
use crate::types::{GoType, Int, Signature, Type};
use std::sync::Arc;

/// The buffer's first 32-bit words, shared by the prelude, the generated
/// wrappers and native code (the core test `prelude_matches_the_layout`
/// checks the prelude against them): the bound function's id (or `decode`'s
/// kind code), the string area's top, and two words of scratch (a Pointer's
/// or a TypedArray's address; the value `peek` read).
pub const ID_WORD: usize = 0;
pub const TOP_WORD: usize = 1;
pub const SCRATCH_WORD: usize = 2;
/// Bytes at the start of the buffer before the first argument: the words above.
pub const HEADER: usize = 16;
/// Size of the per-environment argument buffer.
pub const BUFFER_SIZE: usize = 256 * 1024;
/// Bytes after the argument area where the wrappers write short strings.
pub const STRING_AREA: usize = 64 * 1024;

/// How one argument gets from JS to C.
#[derive(Clone, Debug)]
pub enum ArgKind {
    Int(Int),
    Bool,
    F32,
    F64,
    /// `void *` or `T *`: a Pointer or null from JS, or a buffer or array
    /// converted natively.
    Pointer(Type),
    /// `char *` / `const char *`: a string, a pointer, a buffer or null.
    CString,
    /// `char16_t *`, `char32_t *`, `wchar_t *` (code unit size 2 or 4): a
    /// string (converted natively), a pointer, a buffer or null.
    WString(u8),
    /// A struct, union or Go value passed by value, converted natively.
    Value(Type),
    /// A function pointer: a JS function (lent a closure for the call), a
    /// Pointer (a registered callback, a C function) or null.
    Callback(Arc<Signature>),
}

#[derive(Clone, Debug)]
pub enum RetKind {
    Void,
    Int(Int),
    Bool,
    F32,
    F64,
    Pointer,
    /// A C string read into a JS string (null for NULL).
    CString,
    /// A UTF-16 or UTF-32 string (code unit size 2 or 4), read natively.
    WString(u8),
    /// A struct, union or Go value returned by value, decoded natively.
    Value(Type),
}

#[derive(Clone, Debug)]
pub struct ArgPlan {
    pub name: Option<Arc<str>>,
    pub ty: Type,
    pub kind: ArgKind,
    /// Byte offset of the argument's slot in the buffer.
    pub offset: usize,
    /// For a struct the generated JS writes itself: its fields.
    pub record: Option<Vec<(Arc<str>, jsrec::Node)>>,
}

/// See `Plan::direct_kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectKind {
    Ints,
    Full { float_ret: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Every argument fits in registers: call through a fixed register
    /// signature (see `abi`).
    Direct { float_ret: bool },
    /// Everything else: libffi with a prepared cif.
    Ffi,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub args: Vec<ArgPlan>,
    pub ret: RetKind,
    pub ret_ty: Type,
    pub ret_offset: usize,
    /// For a struct result the generated JS reads itself: its fields.
    pub ret_record: Option<Vec<(Arc<str>, jsrec::Node)>>,
    pub route: Route,
    /// Bytes of the buffer the call uses.
    pub frame: usize,
    /// Declared with `...`: the extra arguments come as (type, value) pairs
    /// and are converted natively.
    pub variadic: bool,
    /// The frame does not fit in the shared buffer: the wrapper hands every
    /// argument to native code (`invn`), which calls with a frame of its own.
    pub big: bool,
}

impl ArgKind {
    /// Whether the native invoker receives this argument as an N-API value
    /// (when JS could not write it into the buffer itself).
    pub fn may_be_native(&self) -> bool {
        matches!(
            self,
            ArgKind::Pointer(_) | ArgKind::CString | ArgKind::WString(_) | ArgKind::Value(_) | ArgKind::Callback(_)
        )
    }

    /// Values only the register route can take (scalars and pointers).
    fn is_scalar(&self) -> bool {
        !matches!(self, ArgKind::Value(_))
    }

    fn is_float(&self) -> bool {
        matches!(self, ArgKind::F32 | ArgKind::F64)
    }
}

fn arg_kind(ty: &Type) -> Result<ArgKind, String> {
    Ok(match ty {
        Type::Bool => ArgKind::Bool,
        Type::Char(i) | Type::Int(i) => ArgKind::Int(*i),
        Type::Enum(e) => ArgKind::Int(e.repr),
        Type::F32 => ArgKind::F32,
        Type::F64 => ArgKind::F64,
        t if t.is_c_string() => ArgKind::CString,
        t if t.string_unit().is_some() => ArgKind::WString(t.string_unit().unwrap_or(2)),
        Type::Pointer(p) => match &p.to() {
            Type::Function(sig) => ArgKind::Callback(sig.clone()),
            to => ArgKind::Pointer(to.clone()),
        },
        Type::Void => return Err("a parameter cannot be void".into()),
        Type::Go(GoType::String) | Type::Go(GoType::Slice(_)) | Type::Record(_) => match ty.by_value_problem() {
            Some(p) => return Err(p),
            None => ArgKind::Value(ty.clone()),
        },
        other => {
            return Err(other
                .by_value_problem()
                .unwrap_or_else(|| format!("{other} cannot be passed")))
        }
    })
}

fn ret_kind(ty: &Type) -> Result<RetKind, String> {
    Ok(match ty {
        Type::Void => RetKind::Void,
        Type::Bool => RetKind::Bool,
        Type::Char(i) | Type::Int(i) => RetKind::Int(*i),
        Type::Enum(e) => RetKind::Int(e.repr),
        Type::F32 => RetKind::F32,
        Type::F64 => RetKind::F64,
        t if t.is_c_string() => RetKind::CString,
        t if t.string_unit().is_some() => RetKind::WString(t.string_unit().unwrap_or(2)),
        Type::Pointer(_) => RetKind::Pointer,
        Type::Go(_) | Type::Record(_) => match ty.by_value_problem() {
            Some(p) => return Err(p),
            None => RetKind::Value(ty.clone()),
        },
        other => {
            return Err(other
                .by_value_problem()
                .unwrap_or_else(|| format!("{other} cannot be returned")))
        }
    })
}

impl Plan {
    /// Plans a call to a function of this signature. The error says which
    /// parameter cannot be passed and why.
    pub fn new(sig: &Signature) -> Result<Plan, CallError> {
        let mut kinds = Vec::with_capacity(sig.params.len());
        for (i, p) in sig.params.iter().enumerate() {
            let k = arg_kind(&p.ty).map_err(|e| {
                CallError::Unsupported(match &p.name {
                    Some(n) => format!("parameter {} ({}): {}", i + 1, n, e),
                    None => format!("parameter {}: {}", i + 1, e),
                })
            })?;
            kinds.push(k);
        }
        let ret = ret_kind(&sig.ret).map_err(|e| CallError::Unsupported(format!("result: {e}")))?;
        let ints = kinds.iter().filter(|k| !k.is_float()).count();
        let floats = kinds.len() - ints;
        // The register counts are 0 where there is no direct route (Windows).
        #[allow(clippy::absurd_extreme_comparisons)]
        let direct = abi::DIRECT
            && !sig.variadic
            && ints <= abi::INT_REGS
            && floats <= abi::FLOAT_REGS
            && kinds.iter().all(ArgKind::is_scalar)
            && !matches!(ret, RetKind::Value(_));
        let mut args = Vec::with_capacity(kinds.len());
        let (ret_offset, frame, route);
        if direct {
            let (mut ni, mut nf) = (0, 0);
            for (p, kind) in sig.params.iter().zip(kinds) {
                let offset = if kind.is_float() {
                    nf += 1;
                    HEADER + 8 * (abi::INT_REGS + nf - 1)
                } else {
                    ni += 1;
                    HEADER + 8 * (ni - 1)
                };
                args.push(ArgPlan {
                    name: p.name.clone(),
                    ty: p.ty.clone(),
                    kind,
                    offset,
                    record: None,
                });
            }
            ret_offset = HEADER + 8 * (abi::INT_REGS + abi::FLOAT_REGS);
            frame = ret_offset + 16;
            route = Route::Direct {
                float_ret: matches!(ret, RetKind::F32 | RetKind::F64),
            };
        } else {
            let params: Vec<Type> = sig.params.iter().map(|p| p.ty.clone()).collect();
            super::ffi::check_stack_order(&params, &sig.ret).map_err(CallError::Unsupported)?;
            let mut off = HEADER;
            for (p, kind) in sig.params.iter().zip(kinds) {
                let size = super::ffi::slot_size(&p.ty);
                let align = p.ty.align().unwrap_or(8).max(8);
                off = off.div_ceil(align) * align;
                let record = match kind {
                    ArgKind::Value(_) => jsrec::layout(&p.ty),
                    _ => None,
                };
                args.push(ArgPlan {
                    name: p.name.clone(),
                    ty: p.ty.clone(),
                    kind,
                    offset: off,
                    record,
                });
                off += size;
            }
            let align = sig.ret.align().unwrap_or(8).max(8);
            ret_offset = off.div_ceil(align) * align;
            frame = ret_offset + super::ffi::slot_size(&sig.ret);
            route = Route::Ffi;
        }
        // Larger than the shared buffer (a struct of hundreds of KB by
        // value): every argument is converted natively into a frame of its
        // own, and the result comes back natively too.
        let big = frame > BUFFER_SIZE;
        if big {
            for a in &mut args {
                a.record = None;
            }
        }
        let ret_record = match ret {
            RetKind::Value(_) if !big => jsrec::layout(&sig.ret),
            _ => None,
        };
        Ok(Plan {
            args,
            ret,
            ret_record,
            ret_ty: sig.ret.clone(),
            ret_offset,
            route,
            frame,
            variadic: sig.variadic,
            big,
        })
    }

    /// Whether the invoker needs N-API arguments at all.
    pub fn has_native_args(&self) -> bool {
        self.args.iter().any(|a| a.kind.may_be_native())
    }

    /// Whether a call can be made with no JS and no JS values at all: by the
    /// register route, from the shared buffer, with the result read by JS.
    /// The accelerator's fast function makes only these (src/fast.rs).
    pub fn fast_safe(&self) -> bool {
        matches!(self.route, Route::Direct { .. }) && !self.variadic && !self.big && !self.native_result()
    }

    /// How the direct route calls this plan: `Ints` when no argument and no
    /// result is of float class (only the integer registers are loaded,
    /// `abi::call_ints`), else `Full` (`abi::call`). `None` off the direct route.
    pub fn direct_kind(&self) -> Option<DirectKind> {
        match self.route {
            Route::Direct { float_ret } if !float_ret && !self.args.iter().any(|a| a.kind.is_float()) => {
                Some(DirectKind::Ints)
            }
            Route::Direct { float_ret } => Some(DirectKind::Full { float_ret }),
            Route::Ffi => None,
        }
    }

    /// Whether the result is made natively (a string, a struct) rather than read by JS.
    pub fn native_result(&self) -> bool {
        if self.big {
            return !matches!(self.ret, RetKind::Void);
        }
        match self.ret {
            RetKind::CString | RetKind::WString(_) => true,
            RetKind::Value(_) => self.ret_record.is_none(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdecl::{parse_prototype, Names, Scope};

    fn plan(proto: &str) -> Result<Plan, String> {
        let mut s = Scope::new();
        let f = parse_prototype(
            proto,
            Names {
                local: &mut s,
                bases: &[],
            },
        )
        .map_err(|e| e.msg)?;
        Plan::new(&f.sig).map_err(|e| e.to_string())
    }

    #[test]
    fn scalar_plan_uses_registers() {
        let p = plan("double f(int a, double b, long long c)").unwrap();
        if abi::DIRECT {
            assert_eq!(p.route, Route::Direct { float_ret: true });
            assert_eq!(p.args[0].offset, HEADER);
            assert_eq!(p.args[1].offset, HEADER + 8 * abi::INT_REGS);
            assert_eq!(p.args[2].offset, HEADER + 8);
        }
        assert!(!p.has_native_args());
    }

    #[test]
    fn many_args_use_libffi() {
        let p = plan("int f(int a, int b, int c, int d, int e, int f, int g, int h, int i)").unwrap();
        assert_eq!(p.route, Route::Ffi);
        let offs: Vec<usize> = p.args.iter().map(|a| a.offset).collect();
        assert_eq!(offs[0], HEADER);
        assert_eq!(offs[8], HEADER + 64);
        assert_eq!(p.ret_offset, HEADER + 72);
    }

    #[test]
    fn strings_and_pointers_are_native_capable() {
        let p = plan("const char *f(const char *s, void *p)").unwrap();
        assert!(matches!(p.args[0].kind, ArgKind::CString));
        assert!(matches!(p.args[1].kind, ArgKind::Pointer(Type::Void)));
        assert!(p.native_result());
    }

    #[test]
    fn structs_and_go_values_take_libffi() {
        let p = plan("struct r { long a; long b; }; struct r f(GoString s, GoSlice v)");
        assert!(p.is_err()); // a prototype, not a header: no struct definitions
        let mut s = Scope::new();
        let f = parse_prototype(
            "GoInt f(GoString s, GoSlice v, double d)",
            Names {
                local: &mut s,
                bases: &[],
            },
        )
        .unwrap();
        let p = Plan::new(&f.sig).unwrap();
        assert_eq!(p.route, Route::Ffi);
        assert!(matches!(p.args[0].kind, ArgKind::Value(_)));
        assert_eq!(p.args[1].offset, HEADER + 16);
        assert_eq!(p.args[2].offset, HEADER + 40);
    }

    #[test]
    fn unsupported_params_are_named() {
        let e = plan("void f(int x, long double y)").unwrap_err();
        assert!(e.contains("long double"), "{e}");
        let e = plan("void f(struct opaque s)").unwrap_err();
        assert!(e.contains("parameter 1"), "{e}");
        assert!(e.contains("incomplete"), "{e}");
    }
}

/// How a C callback's arguments reach the JS function and its result comes
/// back: the native trampoline writes scalar arguments into the buffer, the
/// generated adapter reads them, calls the function and writes the result.
#[derive(Clone, Debug)]
pub struct CallbackPlan {
    pub params: Vec<CbParam>,
    pub ret: CbRet,
    pub ret_ty: Type,
    pub ret_offset: usize,
    pub frame: usize,
}

#[derive(Clone, Debug)]
pub struct CbParam {
    pub ty: Type,
    /// `Some(kind)` when the adapter reads it from the buffer at `offset`;
    /// `None` when native code decodes it (strings, structs) and passes it.
    pub scalar: Option<RetKind>,
    pub offset: usize,
}

#[derive(Clone, Debug)]
pub enum CbRet {
    /// Written by the adapter into the buffer, checked like an argument.
    Scalar(ArgKind),
    /// Returned by the adapter and converted natively.
    Native(Type),
    Void,
}

impl CallbackPlan {
    pub fn new(sig: &Signature) -> Result<CallbackPlan, CallError> {
        let unsupported = |m: String| CallError::Unsupported(m);
        if sig.variadic {
            return Err(unsupported("a variadic function cannot be a callback".into()));
        }
        let mut params = Vec::with_capacity(sig.params.len());
        let mut off = HEADER;
        for (i, p) in sig.params.iter().enumerate() {
            let kind = ret_kind(&p.ty).map_err(|e| unsupported(format!("parameter {}: {e}", i + 1)))?;
            let scalar = match kind {
                RetKind::CString | RetKind::WString(_) | RetKind::Value(_) => None,
                // In the other byte order: decoded natively.
                RetKind::Int(i) if i.swap => None,
                k => Some(k),
            };
            let size = super::ffi::slot_size(&p.ty);
            params.push(CbParam {
                ty: p.ty.clone(),
                scalar,
                offset: off,
            });
            off += size;
        }
        let ret = match &sig.ret {
            Type::Void => CbRet::Void,
            t if t.string_unit().is_some() => {
                return Err(unsupported("a callback cannot return a C string: the JS string's memory would be gone; return a Pointer (const void *) instead".into()))
            }
            t => match arg_kind(t).map_err(|e| unsupported(format!("result: {e}")))? {
                ArgKind::Value(t) => CbRet::Native(t),
                k => CbRet::Scalar(k),
            },
        };
        let ret_offset = off;
        let frame = ret_offset + super::ffi::slot_size(&sig.ret);
        if frame > BUFFER_SIZE {
            return Err(unsupported("the callback's arguments are too large".into()));
        }
        Ok(CallbackPlan {
            params,
            ret,
            ret_ty: sig.ret.clone(),
            ret_offset,
            frame,
        })
    }
}
