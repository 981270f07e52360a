//! Constant expressions, evaluated with C's types as GCC does: integer
//! constants get the type their value and suffix give them (`0xffffffff` is
//! `unsigned int`, `1ul` `unsigned long`), operands go through the integer
//! promotions and the usual arithmetic conversions, every result wraps to its
//! type's width (`~0u` is 4294967295, `~(size_t)0` 18446744073709551615), and
//! casts convert to the named type. Floating constants keep their type's
//! value (`9.80665f` is the float nearest to 9.80665). In `#if`, every integer
//! is `intmax_t` or `uintmax_t`, as C specifies.
//!
//! Operands that C does not evaluate (the other side of `&&`, `||` and `?:`,
//! the operand of `sizeof`) are parsed but cannot fail on a value (a division
//! by zero there is fine).

use super::{ErrorKind, PResult, ParseError, Parser};
use crate::cdecl::lexer::Kind;
use crate::types::{Type, CHAR_SIGNED, LONG_BYTES, POINTER_SIZE};

/// An integer type after the integer promotions: its width in bits (32 or
/// 64) and signedness. Types of the same width and signedness (`long` and
/// `long long` on LP64) give the same values, so they are not told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntTy {
    pub bits: u8,
    pub signed: bool,
}

pub const INT: IntTy = IntTy { bits: 32, signed: true };
pub const UINT: IntTy = IntTy {
    bits: 32,
    signed: false,
};
const LONG: IntTy = IntTy {
    bits: LONG_BYTES * 8,
    signed: true,
};
const ULONG: IntTy = IntTy {
    bits: LONG_BYTES * 8,
    signed: false,
};
const LLONG: IntTy = IntTy { bits: 64, signed: true };
const ULLONG: IntTy = IntTy {
    bits: 64,
    signed: false,
};
/// `size_t`, the type of `sizeof`.
const SIZE: IntTy = IntTy {
    bits: (POINTER_SIZE * 8) as u8,
    signed: false,
};

/// The size of `long double` on this target.
const LONG_DOUBLE_BYTES: usize = if cfg!(any(windows, all(target_os = "macos", target_arch = "aarch64"))) {
    8
} else if cfg!(target_arch = "x86") {
    12
} else {
    16
};

impl IntTy {
    /// `v` reduced to this type's range (two's complement wrap-around).
    pub fn wrap(self, v: i128) -> i128 {
        let bits = u32::from(self.bits).clamp(1, 64);
        let m = v & ((1i128 << bits) - 1);
        if self.signed && m >= 1i128 << (bits - 1) {
            m - (1i128 << bits)
        } else {
            m
        }
    }

    fn fits(self, v: i128) -> bool {
        self.wrap(v) == v
    }

    /// The usual arithmetic conversions of two promoted integer types.
    fn common(self, other: IntTy) -> IntTy {
        if self.bits != other.bits {
            // The wider type can hold every value of the narrower one when
            // it is signed; when it is unsigned, it wins anyway.
            return if self.bits > other.bits { self } else { other };
        }
        IntTy {
            bits: self.bits,
            signed: self.signed && other.signed,
        }
    }
}

/// The type of a floating value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FloatTy {
    Float,
    Double,
    LongDouble,
}

/// The value of a constant expression, with its type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Int(i128, IntTy),
    /// A floating value; a `Float` holds a value a `float` can hold.
    Float(f64, FloatTy),
    /// A pointer made by a cast, such as `(void *)0`.
    Ptr(u64),
}

impl Value {
    fn truth(self) -> bool {
        match self {
            Value::Int(v, _) => v != 0,
            Value::Float(f, _) => f != 0.0,
            Value::Ptr(p) => p != 0,
        }
    }

    /// The size of the value's type, for `sizeof expr`.
    fn size(self) -> usize {
        match self {
            Value::Int(_, t) => usize::from(t.bits / 8),
            Value::Float(_, FloatTy::Float) => 4,
            Value::Float(_, FloatTy::Double) => 8,
            Value::Float(_, FloatTy::LongDouble) => LONG_DOUBLE_BYTES,
            Value::Ptr(_) => POINTER_SIZE,
        }
    }
}

fn round_to(f: f64, t: FloatTy) -> f64 {
    match t {
        FloatTy::Float => f64::from(f as f32),
        _ => f,
    }
}

fn binary_prec(op: &str) -> Option<u8> {
    Some(match op {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" => 6,
        "<" | ">" | "<=" | ">=" => 7,
        "<<" | ">>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" => 10,
        _ => return None,
    })
}

/// The value and type of an integer constant (`42`, `0x10UL`, `0b101`,
/// `1'000`), as C gives it; `None` if it is not one.
pub fn int_literal(text: &str) -> Option<(i128, IntTy)> {
    let t: String = text.chars().filter(|&c| c != '\'').collect();
    let body = t.trim_end_matches(['u', 'U', 'l', 'L']);
    let suffix = t.get(body.len()..)?.to_ascii_lowercase();
    let (unsigned, longs) = match suffix.as_str() {
        "" => (false, 0),
        "u" => (true, 0),
        "l" => (false, 1),
        "ul" | "lu" => (true, 1),
        "ll" => (false, 2),
        "ull" | "llu" => (true, 2),
        _ => return None,
    };
    let (digits, radix) = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (b, 2)
    } else if body.len() > 1 && body.starts_with('0') {
        (body.get(1..)?, 8)
    } else {
        (body, 10)
    };
    if digits.is_empty() || digits.len() > 130 {
        return None;
    }
    let v = u128::from_str_radix(digits, radix).ok()?;
    if v > u128::from(u64::MAX) {
        return None;
    }
    let v = v as i128;
    let decimal = radix == 10;
    let candidates: &[IntTy] = match (unsigned, longs, decimal) {
        (false, 0, true) => &[INT, LONG, LLONG],
        (false, 0, false) => &[INT, UINT, LONG, ULONG, LLONG, ULLONG],
        (true, 0, _) => &[UINT, ULONG, ULLONG],
        (false, 1, true) => &[LONG, LLONG],
        (false, 1, false) => &[LONG, ULONG, LLONG, ULLONG],
        (true, 1, _) => &[ULONG, ULLONG],
        (false, _, true) => &[LLONG],
        (false, _, false) => &[LLONG, ULLONG],
        (true, _, _) => &[ULLONG],
    };
    // GCC: a decimal constant too large for `long long` "is so large that
    // it is unsigned".
    let ty = candidates.iter().copied().find(|t| t.fits(v)).unwrap_or(ULLONG);
    Some((v, ty))
}

/// The value of a floating constant (`1.5`, `9.80665f`, `1e-7F`, `0x1p-3`),
/// rounded once to its type; `None` if it is not one.
pub fn float_literal(text: &str) -> Option<(f64, FloatTy)> {
    let lower = text.to_ascii_lowercase();
    let hex = lower.starts_with("0x");
    let (body, ty) = if let Some(b) = lower.strip_suffix("f32") {
        (b, FloatTy::Float)
    } else if let Some(b) = lower.strip_suffix("f64") {
        (b, FloatTy::Double)
    } else if lower.ends_with('f') && (!hex || lower.contains('p')) {
        // (In hexadecimal, `f` is a digit unless an exponent came first.)
        (lower.get(..lower.len() - 1)?, FloatTy::Float)
    } else if let Some(b) = lower.strip_suffix('l') {
        (b, FloatTy::LongDouble)
    } else {
        (lower.as_str(), FloatTy::Double)
    };
    if body.is_empty() || body.len() > 800 {
        return None;
    }
    if hex {
        let f = hex_float(body.get(2..)?)?;
        return Some((round_to(f, ty), ty));
    }
    if !body
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'))
    {
        return None;
    }
    if !body.contains(['.', 'e']) {
        return None;
    }
    let f = match ty {
        // Parsed straight to a float, so it is rounded once.
        FloatTy::Float => f64::from(body.parse::<f32>().ok()?),
        _ => body.parse::<f64>().ok()?,
    };
    Some((f, ty))
}

/// `1.8p3` and the like (after `0x`): a hexadecimal significand and a binary exponent.
fn hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = s.split_once('p')?;
    let exp: i64 = exp.parse().ok()?;
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let mut m: u128 = 0;
    let mut shift: i64 = 0;
    for (k, c) in int.chars().chain(frac.chars()).enumerate() {
        let d = c.to_digit(16)?;
        if m >> 120 != 0 {
            // Digits beyond 120 bits only count for their place.
            if k < int.len() {
                shift += 4;
            }
            continue;
        }
        m = (m << 4) | u128::from(d);
        if k >= int.len() {
            shift -= 4;
        }
    }
    let e = exp.checked_add(shift)?.clamp(-2000, 2000) as i32;
    Some((m as f64) * 2f64.powi(e))
}

/// The value of a character constant (`'a'`, `'\n'`, `'ab'`, `L'é'`), an
/// `int` (a `wchar_t`, `char16_t` or `char32_t` with a prefix).
pub fn char_literal(text: &str) -> Option<(i128, IntTy)> {
    let prefix_len = text.find('\'')?;
    let prefix = text.get(..prefix_len)?;
    let inner = text.get(prefix_len + 1..)?.strip_suffix('\'')?;
    let bytes = super::unescape(inner)?;
    if bytes.is_empty() {
        return None;
    }
    if !prefix.is_empty() && prefix != "u8" {
        // A wide character: its code point (of the first character).
        let s = String::from_utf8_lossy(&bytes);
        let c = s.chars().next()? as i128;
        let ty = match prefix {
            "L" if cfg!(windows) => IntTy {
                bits: 32,
                signed: false,
            },
            "L" => INT,
            _ => UINT,
        };
        return Some((c, ty));
    }
    if bytes.len() == 1 {
        let b = bytes.first().copied().unwrap_or(0);
        let v = if CHAR_SIGNED {
            i128::from(b as i8)
        } else {
            i128::from(b)
        };
        return Some((v, INT));
    }
    // GCC's multi-character constant: the bytes in order, as an int.
    let mut v: i128 = 0;
    for b in &bytes {
        v = ((v << 8) | i128::from(*b)) & 0xffff_ffff;
    }
    Some((INT.wrap(v), INT))
}

impl Parser<'_, '_> {
    /// Evaluates a `#if` expression (after `defined` has been replaced).
    pub fn pp_expr(&mut self) -> PResult<i128> {
        self.pp_mode = true;
        let v = self.expr_value()?;
        if !self.at_end() {
            return self.syntax(format!("unexpected {} in #if expression", self.describe()));
        }
        Ok(match v {
            Value::Int(v, _) => v,
            other => i128::from(other.truth()),
        })
    }

    /// An integer constant expression (array sizes, bitfield widths, enum
    /// values): its value.
    pub fn const_expr(&mut self) -> PResult<i128> {
        let pos = self.pos();
        match self.expr_value()? {
            Value::Int(v, _) => Ok(v),
            Value::Float(..) => self.unsupported(pos, "a floating value where an integer constant is needed"),
            Value::Ptr(_) => self.unsupported(pos, "a pointer where an integer constant is needed"),
        }
    }

    /// A constant expression: its value and type.
    pub fn const_value(&mut self) -> PResult<Value> {
        self.expr_value()
    }

    /// The type `#if` gives every integer: `intmax_t` or `uintmax_t`.
    fn pp_type(&self, t: IntTy) -> IntTy {
        if self.pp_mode {
            IntTy {
                bits: 64,
                signed: t.signed,
            }
        } else {
            t
        }
    }

    fn int(&self, v: bool) -> Value {
        Value::Int(i128::from(v), self.pp_type(INT))
    }

    fn expr_value(&mut self) -> PResult<Value> {
        self.enter()?;
        let r = self.conditional();
        self.leave();
        r
    }

    /// Parses an operand C does not evaluate.
    fn unevaluated(&mut self, f: impl FnOnce(&mut Self) -> PResult<Value>) -> PResult<Value> {
        self.uneval += 1;
        let r = f(self);
        self.uneval -= 1;
        r
    }

    /// A value error (a division by zero, a shift out of range): an error
    /// where the operand is evaluated, a zero where it is not.
    fn value_error(&self, pos: crate::cdecl::Pos, msg: String, ty: IntTy) -> PResult<Value> {
        if self.uneval > 0 {
            return Ok(Value::Int(0, ty));
        }
        Err(ParseError {
            kind: ErrorKind::Unsupported,
            pos,
            msg,
        })
    }

    fn conditional(&mut self) -> PResult<Value> {
        let c = self.binary(0)?;
        if self.eat("?") {
            let take = c.truth();
            let a = if take {
                self.expr_value()?
            } else {
                self.unevaluated(|p| p.expr_value())?
            };
            self.expect(":")?;
            let b = if take {
                self.unevaluated(|p| p.expr_value())?
            } else {
                self.expr_value()?
            };
            let pos = self.pos();
            let (a, b) = self.convert(a, b, pos)?;
            return Ok(if take { a } else { b });
        }
        Ok(c)
    }

    /// The usual arithmetic conversions: both operands in their common type.
    fn convert(&self, a: Value, b: Value, pos: crate::cdecl::Pos) -> PResult<(Value, Value)> {
        Ok(match (a, b) {
            (Value::Int(x, s), Value::Int(y, t)) => {
                let c = s.common(t);
                (Value::Int(c.wrap(x), c), Value::Int(c.wrap(y), c))
            }
            (Value::Float(x, s), Value::Float(y, t)) => {
                let c = s.max(t);
                (Value::Float(x, c), Value::Float(y, c))
            }
            (Value::Float(x, s), Value::Int(y, _)) => (Value::Float(x, s), Value::Float(round_to(y as f64, s), s)),
            (Value::Int(x, _), Value::Float(y, t)) => (Value::Float(round_to(x as f64, t), t), Value::Float(y, t)),
            (Value::Ptr(x), Value::Ptr(y)) => (Value::Ptr(x), Value::Ptr(y)),
            _ => return self.unsupported(pos, "arithmetic on a pointer is not a constant cshared evaluates"),
        })
    }

    fn binary(&mut self, min_prec: u8) -> PResult<Value> {
        let mut lhs = self.unary()?;
        loop {
            let (op, prec) = match self.peek() {
                Some(t) if t.kind == Kind::Punct => match binary_prec(&t.text) {
                    Some(p) if p >= min_prec => (t.text.clone(), p),
                    _ => break,
                },
                _ => break,
            };
            let pos = self.pos();
            self.i += 1;
            // `0 && x` and `1 || x` do not evaluate x.
            let skip = match &*op {
                "&&" => !lhs.truth(),
                "||" => lhs.truth(),
                _ => false,
            };
            self.enter()?;
            let rhs = if skip {
                self.unevaluated(|p| p.binary(prec + 1))
            } else {
                self.binary(prec + 1)
            };
            self.leave();
            let rhs = rhs?;
            lhs = self.apply_binary(&op, lhs, rhs, pos)?;
        }
        Ok(lhs)
    }

    fn apply_binary(&self, op: &str, lhs: Value, rhs: Value, pos: crate::cdecl::Pos) -> PResult<Value> {
        match op {
            "&&" => return Ok(self.int(lhs.truth() && rhs.truth())),
            "||" => return Ok(self.int(lhs.truth() || rhs.truth())),
            "<<" | ">>" => return self.shift(op, lhs, rhs, pos),
            _ => {}
        }
        let (a, b) = self.convert(lhs, rhs, pos)?;
        match (a, b) {
            (Value::Int(x, t), Value::Int(y, _)) => {
                let v = match op {
                    "|" => x | y,
                    "^" => x ^ y,
                    "&" => x & y,
                    "==" => return Ok(self.int(x == y)),
                    "!=" => return Ok(self.int(x != y)),
                    "<" => return Ok(self.int(x < y)),
                    ">" => return Ok(self.int(x > y)),
                    "<=" => return Ok(self.int(x <= y)),
                    ">=" => return Ok(self.int(x >= y)),
                    "+" => x.wrapping_add(y),
                    "-" => x.wrapping_sub(y),
                    "*" => x.wrapping_mul(y),
                    "/" | "%" => {
                        if y == 0 {
                            return self.value_error(pos, "division by zero".into(), t);
                        }
                        if op == "/" {
                            x.wrapping_div(y)
                        } else {
                            x.wrapping_rem(y)
                        }
                    }
                    _ => return self.syntax(format!("unknown operator '{op}'")),
                };
                Ok(Value::Int(t.wrap(v), t))
            }
            (Value::Float(x, t), Value::Float(y, _)) => {
                let v = match op {
                    "==" => return Ok(self.int(x == y)),
                    "!=" => return Ok(self.int(x != y)),
                    "<" => return Ok(self.int(x < y)),
                    ">" => return Ok(self.int(x > y)),
                    "<=" => return Ok(self.int(x <= y)),
                    ">=" => return Ok(self.int(x >= y)),
                    "+" => x + y,
                    "-" => x - y,
                    "*" => x * y,
                    "/" => x / y,
                    _ => return self.unsupported(pos, format!("'{op}' on a floating value")),
                };
                Ok(Value::Float(round_to(v, t), t))
            }
            (Value::Ptr(x), Value::Ptr(y)) => match op {
                "==" => Ok(self.int(x == y)),
                "!=" => Ok(self.int(x != y)),
                _ => self.unsupported(pos, "arithmetic on a pointer is not a constant cshared evaluates"),
            },
            _ => self.unsupported(pos, "mixed operands"),
        }
    }

    fn shift(&self, op: &str, lhs: Value, rhs: Value, pos: crate::cdecl::Pos) -> PResult<Value> {
        let (Value::Int(x, t), Value::Int(n, _)) = (lhs, rhs) else {
            return self.unsupported(pos, format!("'{op}' needs integer operands"));
        };
        let bits = i128::from(t.bits);
        let left = op == "<<";
        if !(0..bits).contains(&n) {
            if self.pp_mode {
                // The preprocessor's arithmetic: a negative count shifts the
                // other way, a count past the width leaves 0 (or -1).
                let (left, n) = if n < 0 { (!left, n.saturating_neg()) } else { (left, n) };
                let v = if n < bits {
                    if left {
                        x << n
                    } else {
                        x >> n
                    }
                } else if !left && x < 0 {
                    -1
                } else {
                    0
                };
                return Ok(Value::Int(t.wrap(v), t));
            }
            return self.value_error(pos, format!("shift count {n} is out of range for a {bits}-bit type"), t);
        }
        let v = if left { x << n } else { x >> n };
        Ok(Value::Int(t.wrap(v), t))
    }

    fn unary(&mut self) -> PResult<Value> {
        self.enter()?;
        let r = self.unary_inner();
        self.leave();
        r
    }

    fn unary_inner(&mut self) -> PResult<Value> {
        let t = match self.peek() {
            Some(t) => t,
            None => return self.syntax("expected an expression but found end of input"),
        };
        let pos = t.pos;
        match t.kind {
            Kind::Punct => match &*t.text {
                "-" => {
                    self.i += 1;
                    match self.unary()? {
                        Value::Int(v, ty) => Ok(Value::Int(ty.wrap(v.wrapping_neg()), ty)),
                        Value::Float(f, ty) => Ok(Value::Float(-f, ty)),
                        Value::Ptr(_) => self.unsupported(pos, "'-' on a pointer"),
                    }
                }
                "+" => {
                    self.i += 1;
                    match self.unary()? {
                        Value::Ptr(_) => self.unsupported(pos, "'+' on a pointer"),
                        v => Ok(v),
                    }
                }
                "!" => {
                    self.i += 1;
                    let v = self.unary()?;
                    Ok(self.int(!v.truth()))
                }
                "~" => {
                    self.i += 1;
                    match self.unary()? {
                        Value::Int(v, ty) => Ok(Value::Int(ty.wrap(!v), ty)),
                        _ => self.unsupported(pos, "'~' needs an integer operand"),
                    }
                }
                "(" => {
                    if self.peek_at(1).is_some_and(|n| n.is("{")) {
                        return self.unsupported(pos, "a statement expression is not a constant");
                    }
                    self.i += 1;
                    if !self.pp_mode && self.starts_type() && !self.at("__extension__") {
                        // A cast: `(int)x`, `(size_t)-1`, `(void *)0`.
                        let ty = self.type_name()?;
                        self.expect(")")?;
                        if self.at("{") {
                            return self.unsupported(pos, "a compound literal is not a constant");
                        }
                        let v = self.unary()?;
                        return self.cast(&ty, v, pos);
                    }
                    let v = self.expr_value()?;
                    self.expect(")")?;
                    Ok(v)
                }
                _ => self.syntax(format!("expected an expression but found '{}'", t.text)),
            },
            Kind::Number => {
                self.i += 1;
                if let Some((v, ty)) = int_literal(&t.text) {
                    return Ok(Value::Int(v, self.pp_type(ty)));
                }
                if self.pp_mode {
                    return self.syntax(format!("'{}' is not an integer constant", t.text));
                }
                match float_literal(&t.text) {
                    Some((f, ty)) => Ok(Value::Float(f, ty)),
                    None => self.unsupported(pos, format!("'{}' is not a number cshared reads", t.text)),
                }
            }
            Kind::Char => {
                self.i += 1;
                match char_literal(&t.text) {
                    Some((v, ty)) => Ok(Value::Int(v, self.pp_type(ty))),
                    None => Err(ParseError {
                        kind: ErrorKind::Syntax,
                        pos,
                        msg: format!("bad character constant {}", t.text),
                    }),
                }
            }
            Kind::Str if !self.pp_mode => self.unsupported(pos, "a string in an arithmetic expression"),
            Kind::Ident => self.ident_value(),
            _ => self.syntax(format!("expected an expression but found '{}'", t.text)),
        }
    }

    fn ident_value(&mut self) -> PResult<Value> {
        let Some(t) = self.peek() else {
            return self.syntax("expected an expression but found end of input");
        };
        let pos = t.pos;
        let w = &*t.text;
        if self.pp_mode {
            // Identifiers left after macro expansion are 0.
            self.i += 1;
            return Ok(Value::Int(0, self.pp_type(INT)));
        }
        match w {
            "__extension__" => {
                self.i += 1;
                return self.unary();
            }
            "sizeof" | "_Alignof" | "alignof" | "__alignof__" | "__alignof" => {
                self.i += 1;
                return self.size_or_align(w == "sizeof", w, pos);
            }
            "__builtin_offsetof" => {
                self.i += 1;
                return self.offsetof(pos);
            }
            _ => {}
        }
        if self.peek_at(1).is_some_and(|n| n.is("(")) {
            return self.unsupported(pos, format!("calls '{w}', which is not a constant"));
        }
        self.i += 1;
        match self.names.constant(w) {
            Some(v) => {
                let v = i128::from(v);
                // An enumeration constant is an int; GCC gives one that does
                // not fit a wider type.
                let ty = [INT, UINT, LONG, ULONG, LLONG, ULLONG]
                    .into_iter()
                    .find(|t| t.fits(v))
                    .unwrap_or(LLONG);
                Ok(Value::Int(v, ty))
            }
            None if self.names.typedef(w).is_some() => self.unsupported(pos, format!("'{w}' is a type, not a value")),
            None => self.unsupported(pos, format!("'{w}' is not a known constant")),
        }
    }

    /// `sizeof (type)`, `sizeof expr`, `_Alignof (type)`.
    fn size_or_align(&mut self, is_size: bool, w: &str, pos: crate::cdecl::Pos) -> PResult<Value> {
        let size_ty = self.pp_type(SIZE);
        if self.at("(") && {
            self.i += 1;
            let s = self.starts_type();
            self.i -= 1;
            s
        } {
            self.i += 1;
            let ty = self.type_name()?;
            self.expect(")")?;
            let v = if is_size { ty.size() } else { ty.align() };
            return match v {
                Some(v) => Ok(Value::Int(v as i128, size_ty)),
                None => self.unsupported(pos, format!("{w} of {ty}, which has no size")),
            };
        }
        if !is_size {
            return self.unsupported(pos, format!("{w} of an expression is not supported"));
        }
        // `sizeof "abc"`: the array's size.
        let lit = self.peek().filter(|t| t.kind == Kind::Str).map(|t| t.text.clone());
        if let Some(s) = lit {
            self.i += 1;
            let len = super::unquote(&s).len();
            return Ok(Value::Int(len as i128 + 1, size_ty));
        }
        let v = self.unevaluated(|p| p.unary())?;
        Ok(Value::Int(v.size() as i128, size_ty))
    }

    /// `__builtin_offsetof(type, member.member[index]...)`, stddef.h's `offsetof`.
    fn offsetof(&mut self, pos: crate::cdecl::Pos) -> PResult<Value> {
        self.expect("(")?;
        let mut ty = self.type_name()?;
        self.expect(",")?;
        let mut offset: usize = 0;
        let mut first = true;
        loop {
            if first || self.eat(".") {
                first = false;
                let name = match self.bump() {
                    Some(t) if t.kind == Kind::Ident => t.text.clone(),
                    _ => return self.syntax("expected a member name in offsetof"),
                };
                let Type::Record(r) = &ty else {
                    return self.unsupported(pos, format!("offsetof: {ty} has no member '{name}'"));
                };
                let Some(body) = r.body() else {
                    return self.unsupported(pos, format!("offsetof: {ty} is incomplete"));
                };
                let Some((_, f)) = body.flat_fields().into_iter().find(|(n, _)| *n == name) else {
                    return self.unsupported(pos, format!("offsetof: {ty} has no member '{name}'"));
                };
                if f.bits.is_some() {
                    return self.unsupported(pos, format!("offsetof of the bitfield '{name}'"));
                }
                offset = offset.saturating_add(f.offset);
                ty = f.ty.clone();
            } else if self.eat("[") {
                let n = self.const_expr()?;
                self.expect("]")?;
                let Type::Array(a) = &ty else {
                    return self.unsupported(pos, format!("offsetof: {ty} is not an array"));
                };
                let elem = a.elem.clone();
                let size = elem.size().unwrap_or(0);
                let Ok(n) = usize::try_from(n) else {
                    return self.unsupported(pos, "offsetof: a negative index");
                };
                offset = offset.saturating_add(size.saturating_mul(n));
                ty = elem;
            } else {
                break;
            }
        }
        self.expect(")")?;
        Ok(Value::Int(offset as i128, self.pp_type(SIZE)))
    }

    /// `(ty) v`: the value converted to `ty`, then promoted.
    fn cast(&self, ty: &Type, v: Value, pos: crate::cdecl::Pos) -> PResult<Value> {
        let to_int = |bytes: u8, signed: bool| -> PResult<Value> {
            let bits = bytes.saturating_mul(8);
            if bits > 64 {
                return self.unsupported(pos, format!("a cast to {ty}"));
            }
            let target = IntTy { bits, signed };
            let n = match v {
                Value::Int(n, _) => n,
                Value::Ptr(p) => i128::from(p),
                Value::Float(f, _) => {
                    let n = f.trunc();
                    if !n.is_finite() || !target.fits(n as i128) {
                        return self.unsupported(pos, format!("{f} is out of range for {ty}"));
                    }
                    n as i128
                }
            };
            let n = target.wrap(n);
            // The integer promotions: narrower than int becomes int.
            let promoted = if bits < 32 { INT } else { target };
            Ok(Value::Int(n, self.pp_type(promoted)))
        };
        match ty {
            Type::Int(i) | Type::Char(i) => to_int(i.bytes, i.signed),
            Type::Enum(e) => to_int(e.repr.bytes, e.repr.signed),
            Type::Bool => Ok(self.int(v.truth())),
            Type::F32 | Type::F64 => {
                let t = if matches!(ty, Type::F32) {
                    FloatTy::Float
                } else {
                    FloatTy::Double
                };
                match v {
                    Value::Int(n, _) => Ok(Value::Float(round_to(n as f64, t), t)),
                    Value::Float(f, _) => Ok(Value::Float(round_to(f, t), t)),
                    Value::Ptr(_) => self.unsupported(pos, format!("a pointer cast to {ty}")),
                }
            }
            Type::Pointer(_) => match v {
                Value::Int(n, _) => Ok(Value::Ptr(
                    IntTy {
                        bits: (POINTER_SIZE * 8) as u8,
                        signed: false,
                    }
                    .wrap(n) as u64,
                )),
                Value::Ptr(p) => Ok(Value::Ptr(p)),
                Value::Float(..) => self.unsupported(pos, "a floating value cast to a pointer"),
            },
            _ => self.unsupported(pos, format!("a cast to {ty} is not a constant")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdecl::{lexer, Names, Scope};

    fn eval(text: &str) -> Result<Value, String> {
        let toks = lexer::lex(text, 0).map_err(|e| e.msg)?;
        let mut local = Scope::new();
        let mut p = Parser::new(
            &toks,
            Names {
                local: &mut local,
                bases: &[],
            },
        );
        let v = p.const_value().map_err(|e| e.msg)?;
        if !p.at_end() {
            return Err("trailing".into());
        }
        Ok(v)
    }

    fn int(text: &str) -> i128 {
        match eval(text) {
            Ok(Value::Int(v, _)) => v,
            other => panic!("{text}: {other:?}"),
        }
    }

    fn pp(text: &str) -> i128 {
        let toks = lexer::lex(text, 0).expect("lexes");
        let mut local = Scope::new();
        Parser::new(
            &toks,
            Names {
                local: &mut local,
                bases: &[],
            },
        )
        .pp_expr()
        .expect("evaluates")
    }

    #[test]
    fn literal_types() {
        assert_eq!(int_literal("42"), Some((42, INT)));
        // long is 32-bit on Windows: then long long.
        let (long64, ulong64) = if LONG_BYTES == 8 {
            (LONG, ULONG)
        } else {
            (LLONG, ULLONG)
        };
        assert_eq!(int_literal("2147483648"), Some((2147483648, long64)));
        assert_eq!(int_literal("0x80000000"), Some((0x8000_0000, UINT)));
        assert_eq!(int_literal("0xffffffffffffffff"), Some((u64::MAX as i128, ulong64)));
        assert_eq!(int_literal("1u"), Some((1, UINT)));
        assert_eq!(int_literal("1LLU"), Some((1, ULLONG)));
        assert_eq!(int_literal("0b101"), Some((5, INT)));
        assert_eq!(int_literal("017"), Some((15, INT)));
        assert_eq!(int_literal("1'000"), Some((1000, INT)));
        assert_eq!(int_literal("1.5"), None);
        assert_eq!(int_literal("1uu"), None);
        assert_eq!(int_literal("0x1ffffffffffffffff"), None);
    }

    #[test]
    fn unsigned_arithmetic_wraps_as_in_c() {
        assert_eq!(int("~0u"), 4294967295);
        assert_eq!(int("~0"), -1);
        assert_eq!(int("~(size_t)0"), u64::MAX as i128);
        assert_eq!(int("(~(size_t)0)"), u64::MAX as i128);
        assert_eq!(
            int("~0ul"),
            if LONG_BYTES == 8 {
                u64::MAX as i128
            } else {
                u32::MAX as i128
            }
        );
        assert_eq!(int("-1u"), 4294967295);
        assert_eq!(int("(unsigned)-1"), 4294967295);
        assert_eq!(int("(int)4294967295u"), -1);
        assert_eq!(int("(unsigned char)300"), 44);
        assert_eq!(int("(signed char)200"), -56);
        assert_eq!(int("~(unsigned char)0"), -1);
        assert_eq!(int("~(uint32_t)0"), 4294967295);
        // CURLAUTH_ANY: ~CURLAUTH_DIGEST_IE with an unsigned long.
        let ulong_max = if LONG_BYTES == 8 {
            u64::MAX as i128
        } else {
            u32::MAX as i128
        };
        assert_eq!(int("(~(((unsigned long)1)<<4))"), ulong_max - 16);
        // Mixed: int and unsigned int is unsigned int; int and long is long.
        assert_eq!(int("-1 + 0u"), 4294967295);
        assert_eq!(int("-1 + 0l"), -1);
        assert_eq!(int("-1 < 0u"), 0);
        // A 32-bit long (Windows) can't hold every unsigned: both become unsigned long.
        assert_eq!(int("-1L < 0u"), if LONG_BYTES == 8 { 1 } else { 0 });
        assert_eq!(int("-1LL < 0u"), 1);
        assert_eq!(int("0x7fffffff + 1"), i128::from(i32::MIN));
        assert_eq!(int("1 << 31"), i128::from(i32::MIN));
        assert_eq!(int("1u << 31"), 2147483648);
        assert_eq!(int("-7 / 2"), -3);
        assert_eq!(int("-7 % 2"), -1);
        assert_eq!(int("7u / -2"), 0);
        assert_eq!(int("-1 >> 1"), -1);
        assert_eq!(int("0xffffffffu >> 1"), 0x7fff_ffff);
        assert_eq!(int("sizeof(int) * 8"), 32);
        assert_eq!(int("sizeof 1L"), LONG_BYTES as i128);
        assert_eq!(int("sizeof 1LL"), 8);
        assert_eq!(int("sizeof \"abc\""), 4);
        assert_eq!(int("1 ? 2 : 3u"), 2);
        assert_eq!(int("0 ? -1 : 3u"), 3);
        assert_eq!(int("1 ? -1 : 3u"), 4294967295);
        assert_eq!(int("'a'"), 97);
        assert_eq!(int("'ab'"), 0x6162);
        assert_eq!(int("__extension__ 5"), 5);
        assert_eq!(int("__builtin_offsetof(struct { char c; int a[4]; }, a[2])"), 12);
    }

    #[test]
    fn unevaluated_operands_may_divide_by_zero() {
        assert_eq!(int("0 && (1 / 0)"), 0);
        assert_eq!(int("1 || (1 / 0)"), 1);
        assert_eq!(int("1 ? 2 : 1 / 0"), 2);
        assert_eq!(int("sizeof(1 / 0)"), 4);
        assert!(eval("1 / 0").is_err());
        assert!(eval("1 << 32").is_err());
        assert_eq!(int("1LL << 32"), 1 << 32);
        if LONG_BYTES == 8 {
            assert_eq!(int("1L << 32"), 1 << 32);
        } else {
            assert!(eval("1L << 32").is_err());
        }
    }

    #[test]
    fn floats_keep_their_type() {
        assert_eq!(
            eval("9.80665f"),
            Ok(Value::Float(f64::from(9.80665f32), FloatTy::Float))
        );
        assert_eq!(eval("9.80665"), Ok(Value::Float(9.80665, FloatTy::Double)));
        assert_eq!(eval("-1.5"), Ok(Value::Float(-1.5, FloatTy::Double)));
        assert_eq!(eval("1e-07F"), Ok(Value::Float(f64::from(1e-7f32), FloatTy::Float)));
        assert_eq!(eval("0x1p-3"), Ok(Value::Float(0.125, FloatTy::Double)));
        assert_eq!(eval("0x1.8p1f"), Ok(Value::Float(3.0, FloatTy::Float)));
        assert_eq!(
            eval("1.0f / 3"),
            Ok(Value::Float(f64::from(1.0f32 / 3.0), FloatTy::Float))
        );
        assert_eq!(eval("1.0 / 3"), Ok(Value::Float(1.0 / 3.0, FloatTy::Double)));
        assert_eq!(eval("(float)0.1"), Ok(Value::Float(f64::from(0.1f32), FloatTy::Float)));
        assert_eq!(eval("(int)2.9"), Ok(Value::Int(2, INT)));
        assert_eq!(eval("(void *)0"), Ok(Value::Ptr(0)));
        assert_eq!(eval("(void *)-1"), Ok(Value::Ptr(u64::MAX)));
        assert!(eval("~1.0").is_err());
    }

    #[test]
    fn preprocessor_arithmetic_is_intmax() {
        assert_eq!(pp("-1 < 0u"), 0);
        assert_eq!(pp("-1 < 0"), 1);
        assert_eq!(pp("0xffffffff + 1"), 0x1_0000_0000);
        assert_eq!(pp("0xffffffffffffffff == -1"), 1);
        assert_eq!(pp("1 << 63 < 0"), 1);
        assert_eq!(pp("UNDEFINED + 2"), 2);
        assert_eq!(pp("0 && 1 / 0"), 0);
        assert_eq!(pp("(2 || 1 / 0) + 1"), 2);
    }
}
