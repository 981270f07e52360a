//! A C preprocessor for headers: directives, conditional groups, includes
//! and macro expansion, producing the token stream the declaration parser
//! reads.
//!
//! Expansion follows the C standard's model. While a macro's replacement is
//! being rescanned the macro is disabled (an `End` marker on the pending stack
//! turns it back on when the replacement has been read), and an identifier
//! that names a disabled macro is painted so that it never expands later.
//! Arguments are expanded on their own before substitution, except next to
//! `#` and `##`.
//!
//! The input is untrusted: nothing here indexes out of bounds or recurses
//! without a limit, and the work is bounded by a token budget and a budget
//! on the bytes of text that `#` and `##` make (a paste makes one token, so
//! the token budget alone lets its text double at each level of a macro).

use super::lexer::{lex, Kind, LexError, Pos, Token};
use super::parser::{parse_int, unquote, Parser};
use super::scope::{Names, Scope};
use super::target::{self, SystemDir};
use std::cell::Cell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// Nesting limit for `#if` groups (over all open files).
pub const MAX_IF_DEPTH: usize = 1024;
/// Nesting limit for macro calls inside macro arguments.
pub const MAX_ARG_NESTING: u32 = 128;
/// Files larger than this are not read.
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// Unmatched quotes tolerated in one file (each costs a new lexer run).
const MAX_LEX_RECOVERIES: usize = 4096;
/// Expansion budget for each macro reported in [`Output::macros`].
const FINAL_MACRO_BUDGET: usize = 1 << 16;
/// Bytes of token text that `#` and `##` may make in one run (8 MiB). Real
/// headers make little (zlib.h and sqlite3.h: none); the limit is what stops
/// a paste whose text doubles at each level of a chain of macros.
pub const MAX_MADE_BYTES: usize = 8 << 20;
/// The same budget for each macro reported in [`Output::macros`] (1 MiB).
const FINAL_MACRO_BYTES: usize = 1 << 20;
/// The byte order mark some editors write at the start of a UTF-8 file.
const BOM: char = '\u{FEFF}';

pub struct Options {
    /// Searched first, as `-I` (after the including file's own directory
    /// for `#include "..."`).
    pub include_dirs: Vec<PathBuf>,
    /// The system search path, after cshared's own compiler headers
    /// (`target::default_system_dirs()` is the C compiler's).
    pub system_dirs: Vec<SystemDir>,
    /// Extra object-like macros: (name, replacement text), e.g. ("ZLIB_CONST", "").
    pub defines: Vec<(String, String)>,
    pub max_include_depth: usize,
    /// Budget on the tokens produced by macro expansion, in total (and,
    /// separately, on the tokens read from files).
    pub max_tokens: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            include_dirs: Vec::new(),
            system_dirs: Vec::new(),
            defines: Vec::new(),
            max_include_depth: 64,
            max_tokens: 5_000_000,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: Option<PathBuf>,
    pub display: String,
    pub text: String,
}

/// Where included files come from (the real file system in production, a map in tests).
pub trait FileSource {
    fn read(&self, path: &Path) -> Option<String>;
}

/// Reads regular files of at most [`MAX_FILE_BYTES`] from the file system
/// (with [`read_header_file`]).
pub struct RealFs;

impl FileSource for RealFs {
    fn read(&self, path: &Path) -> Option<String> {
        read_header_file(path).ok()
    }
}

/// Reads a header file: a regular file of at most [`MAX_FILE_BYTES`], as
/// text (invalid UTF-8 replaced with U+FFFD, a leading byte order mark
/// removed). Anything else is refused without reading from it: a device
/// such as `/dev/zero` would never end, and opening a FIFO waits for a
/// writer. The error is the reason alone ("not a regular file", "larger
/// than N bytes", or the I/O error), for the caller to put after the path.
pub fn read_header_file(path: &Path) -> Result<String, String> {
    let too_large = || format!("larger than {MAX_FILE_BYTES} bytes");
    let check = |meta: &std::fs::Metadata| {
        if !meta.is_file() {
            Err("not a regular file".to_string())
        } else if meta.len() > MAX_FILE_BYTES {
            Err(too_large())
        } else {
            Ok(())
        }
    };
    check(&std::fs::metadata(path).map_err(|e| e.to_string())?)?;
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    {
        // If the path is replaced by a FIFO after the check above, the open
        // still returns at once (and the check below refuses the file). For
        // a regular file the flag changes nothing.
        use std::os::unix::fs::OpenOptionsExt;
        open.custom_flags(libc::O_NONBLOCK);
    }
    let file = open.open(path).map_err(|e| e.to_string())?;
    check(&file.metadata().map_err(|e| e.to_string())?)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(header_text(bytes))
}

/// A header file's bytes as text: invalid UTF-8 replaced with U+FFFD, a
/// leading byte order mark removed.
pub fn header_text(bytes: Vec<u8>) -> String {
    let mut text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    if text.starts_with(BOM) {
        text.drain(..BOM.len_utf8());
    }
    text
}

#[derive(Clone, Debug, Default)]
pub struct Output {
    /// The preprocessed translation unit (no directives, macros expanded).
    pub tokens: Vec<Token>,
    /// Display names; `Token.pos.file` indexes this (0 = main file).
    pub files: Vec<String>,
    /// Object-like macros still defined at the end, in definition order, each
    /// with its replacement list fully macro-expanded, and the position of the
    /// `#define`. Predefined macros, `Options::defines` and the macros of
    /// system headers are not listed, nor macros whose expansion fails or
    /// exceeds its budget, nor those that use `__FILE__` or `__LINE__`.
    pub macros: Vec<(Arc<str>, Vec<Token>, Pos)>,
    /// The macros left out of `macros` because they use `__FILE__` or `__LINE__`.
    pub positional: Vec<(Arc<str>, Pos)>,
    /// Includes that were not read, each name once: not found (or compiler
    /// intrinsics, which cshared does not read).
    pub skipped_includes: Vec<SkippedInclude>,
    /// For each file of `files`: whether it is a system header (the C
    /// library's, the operating system's or the compiler's) rather than the
    /// library's. Its declarations serve the library's but are not the
    /// library's own.
    pub system: Vec<bool>,
}

/// An `#include` that was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedInclude {
    /// As written: `<stdio.h>` or `"util.h"`.
    pub name: String,
    pub pos: Pos,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PpError {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub msg: String,
}

impl fmt::Display for PpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.msg)
    }
}

impl std::error::Error for PpError {}

/// Preprocesses `main`: runs its directives, expands macros and reads the
/// files it includes through `fs`.
pub fn preprocess(main: SourceFile, opts: &Options, fs: &dyn FileSource) -> Result<Output, PpError> {
    let mut pp = Pp::new(opts, fs, &main.display);
    pp.predefine()?;
    let toks = pp.lex_file(&main.text, 0)?;
    let key = main.path.as_deref().map(normalize);
    let dir = main
        .path
        .as_deref()
        .map(|p| p.parent().map(Path::to_path_buf).unwrap_or_default());
    pp.frames.push(Frame::new(Rc::new(toks), 0, dir, key, None));
    pp.preinclude()?;
    pp.run()?;
    let (macros, positional) = pp.final_macros();
    let mut system = std::mem::take(&mut pp.system);
    system.resize(pp.files.len(), false);
    Ok(Output {
        tokens: std::mem::take(&mut pp.out),
        files: std::mem::take(&mut pp.files),
        macros,
        positional,
        skipped_includes: std::mem::take(&mut pp.skipped_includes),
        system,
    })
}

// ----- internal types -----

/// A token on its way through expansion.
#[derive(Clone, Debug)]
struct PTok {
    tok: Token,
    /// Painted: it named a disabled macro and never expands.
    noexpand: bool,
}

impl PTok {
    fn new(tok: Token) -> PTok {
        PTok { tok, noexpand: false }
    }
}

enum Item {
    Tok(PTok),
    /// The replacement of this macro has been read: enable it again.
    End(Rc<Macro>),
    /// The end of a token list being expanded on its own (an argument, a
    /// directive's operands).
    ArgEnd,
    /// An included file ended.
    FileEnd,
    /// The main file ended.
    Eof,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Plain,
    Param(usize),
    /// `#` before a parameter.
    Stringize,
    /// `##`.
    Paste,
    /// `__VA_OPT__` (its `( ... )` follows).
    VaOpt,
}

struct BodyTok {
    tok: Token,
    op: Op,
}

struct Macro {
    /// `None` for an object-like macro.
    params: Option<Vec<Arc<str>>>,
    variadic: bool,
    body: Vec<BodyTok>,
    /// The body has `#`, `##` or `__VA_OPT__`.
    complex: bool,
    /// Where it was defined (the `#`).
    pos: Pos,
    /// Definition order.
    seq: u64,
    /// Predefined, or from `Options::defines`.
    builtin: bool,
    /// Being rescanned (a count, for safety; in practice 0 or 1).
    disabled: Cell<u32>,
}

impl Macro {
    fn enable(&self) {
        self.disabled.set(self.disabled.get().saturating_sub(1));
    }

    fn nparams(&self) -> usize {
        self.params.as_ref().map_or(0, Vec::len)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Text,
    /// A `#if` expression: `defined` and `__has_*` are operators.
    If,
}

struct Cond {
    parent_active: bool,
    active: bool,
    /// Some group of this `#if` was (or, inside a skipped group, counts as) taken.
    taken: bool,
    seen_else: bool,
    pos: Pos,
}

struct Frame {
    toks: Rc<Vec<Token>>,
    i: usize,
    /// Index of the file in `files`.
    file: u32,
    /// The directory `#include "..."` searches first.
    dir: Option<PathBuf>,
    /// Normalized path, for `#pragma once`.
    key: Option<PathBuf>,
    /// Which include directory the file was found in (for `#include_next`).
    dir_idx: Option<usize>,
    conds: Vec<Cond>,
    /// After `#line`: (file index, line delta).
    map: Option<(u32, i64)>,
    /// A system header (see `Output::system`).
    system: bool,
}

impl Frame {
    fn new(
        toks: Rc<Vec<Token>>,
        file: u32,
        dir: Option<PathBuf>,
        key: Option<PathBuf>,
        dir_idx: Option<usize>,
    ) -> Frame {
        Frame {
            toks,
            i: 0,
            file,
            dir,
            key,
            dir_idx,
            conds: Vec::new(),
            map: None,
            system: false,
        }
    }
}

enum Cached {
    Missing,
    /// A header cshared knows and does not read (compiler intrinsics).
    NotRead,
    Text(Rc<str>),
    Lexed(Rc<Vec<Token>>, u32),
}

/// `#pragma pack` state: the value in force and the push stack.
#[derive(Default)]
struct Pack {
    cur: Option<i128>,
    stack: Vec<(Option<Arc<str>>, Option<i128>)>,
}

/// Where cshared's own compiler headers live (they are in memory).
const BUILTIN_DIR: &str = "<cshared>";

#[derive(Clone, Copy, PartialEq, Eq)]
enum DirKind {
    /// `-I` (`includeDirs`).
    User,
    /// cshared's own compiler headers.
    Builtin,
    System {
        os_only: bool,
    },
}

struct SearchDir {
    path: PathBuf,
    kind: DirKind,
}

/// An entry of [`Output::macros`].
type MacroOut = (Arc<str>, Vec<Token>, Pos);

/// Function-like operators of `#if` that are always 0 here.
const HAS_ZERO: [&str; 8] = [
    "__has_attribute",
    "__has_feature",
    "__has_builtin",
    "__has_extension",
    "__has_cpp_attribute",
    "__has_c_attribute",
    "__has_declspec_attribute",
    "__has_warning",
];

fn is_hash(t: &Token) -> bool {
    t.kind == Kind::Punct && (&*t.text == "#" || &*t.text == "%:")
}

fn is_paste(t: &Token) -> bool {
    t.kind == Kind::Punct && (&*t.text == "##" || &*t.text == "%:%:")
}

fn mk(kind: Kind, text: &str, pos: Pos) -> Token {
    Token {
        kind,
        text: Arc::from(text),
        pos,
        bol: false,
        space: true,
        doc: None,
    }
}

fn apply_map(mut pos: Pos, (file, delta): (u32, i64)) -> Pos {
    pos.file = file;
    pos.line = (i64::from(pos.line) + delta).clamp(0, i64::from(u32::MAX)) as u32;
    pos
}

/// The C standard library's, POSIX's, the operating system's and the
/// compiler's headers, by the name `#include <...>` gives them: a file
/// included by such a name is a system header (and so is what it
/// includes), whose declarations are not the library's.
pub fn is_system_header(name: &str) -> bool {
    const DIRS: [&str; 23] = [
        "sys/",
        "bits/",
        "gnu/",
        "linux/",
        "asm/",
        "asm-generic/",
        "mach/",
        "mach-o/",
        "machine/",
        "arpa/",
        "netinet/",
        "netinet6/",
        "netpacket/",
        "net/",
        "scsi/",
        "rpc/",
        "libkern/",
        "xlocale/",
        "_types/",
        "os/",
        "dispatch/",
        "i386/",
        "sys\\",
    ];
    const NAMES: [&str; 112] = [
        // C11/C23
        "assert.h",
        "complex.h",
        "ctype.h",
        "errno.h",
        "fenv.h",
        "float.h",
        "inttypes.h",
        "iso646.h",
        "limits.h",
        "locale.h",
        "math.h",
        "setjmp.h",
        "signal.h",
        "stdalign.h",
        "stdarg.h",
        "stdatomic.h",
        "stdbit.h",
        "stdbool.h",
        "stdckdint.h",
        "stddef.h",
        "stdint.h",
        "stdio.h",
        "stdlib.h",
        "stdnoreturn.h",
        "string.h",
        "tgmath.h",
        "threads.h",
        "time.h",
        "uchar.h",
        "wchar.h",
        "wctype.h",
        // POSIX and C libraries
        "aio.h",
        "alloca.h",
        "cpio.h",
        "dirent.h",
        "dlfcn.h",
        "endian.h",
        "fcntl.h",
        "features.h",
        "fnmatch.h",
        "ftw.h",
        "getopt.h",
        "glob.h",
        "grp.h",
        "iconv.h",
        "langinfo.h",
        "libgen.h",
        "malloc.h",
        "memory.h",
        "monetary.h",
        "mqueue.h",
        "netdb.h",
        "nl_types.h",
        "poll.h",
        "pthread.h",
        "pwd.h",
        "regex.h",
        "sched.h",
        "search.h",
        "semaphore.h",
        "spawn.h",
        "strings.h",
        "syslog.h",
        "tar.h",
        "termios.h",
        "ulimit.h",
        "unistd.h",
        "utime.h",
        "utmpx.h",
        "wordexp.h",
        "xlocale.h",
        "stdc-predef.h",
        "err.h",
        "error.h",
        "execinfo.h",
        "link.h",
        "elf.h",
        "byteswap.h",
        "paths.h",
        "termio.h",
        "ucontext.h",
        "utmp.h",
        "wait.h",
        "sysexits.h",
        "ifaddrs.h",
        "mntent.h",
        "shadow.h",
        "syscall.h",
        "values.h",
        "Availability.h",
        "AvailabilityMacros.h",
        "TargetConditionals.h",
        "sal.h",
        "excpt.h",
        "winapifamily.h",
        "sdkddkver.h",
        // Windows
        "windows.h",
        "winsock2.h",
        "ws2tcpip.h",
        "io.h",
        "process.h",
        "direct.h",
        "basetsd.h",
        "windef.h",
        "winbase.h",
        "crtdefs.h",
        "vadefs.h",
        "tchar.h",
        // Compiler intrinsics
        "intrin.h",
        "immintrin.h",
        "x86intrin.h",
        "arm_neon.h",
    ];
    DIRS.iter().any(|d| name.starts_with(d))
        || NAMES.contains(&name)
        // MSVC's C runtime.
        || name.starts_with("corecrt")
        || name.starts_with("vcruntime")
}

/// Removes `.` components, so `./a.h` and `a.h` are one file for `#pragma once`.
fn normalize(p: &Path) -> PathBuf {
    p.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}

fn quote_string(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    q
}

/// The C spelling of a token list (a single space where there was white space).
fn spell(toks: &[Token]) -> String {
    let mut s = String::new();
    for (k, t) in toks.iter().enumerate() {
        if k > 0 && (t.space || t.bol) {
            s.push(' ');
        }
        s.push_str(&t.text);
    }
    s
}

/// Byte offset in `src` of the lexer position (`line`, `col`), both from 1.
fn offset_of(src: &str, line: u32, col: u32) -> Option<usize> {
    let b = src.as_bytes();
    let (mut i, mut l, mut c) = (0usize, 1u32, 1u32);
    while i < b.len() {
        if l == line && c == col {
            return Some(i);
        }
        let splice = match (b.get(i), b.get(i + 1), b.get(i + 2)) {
            (Some(b'\\'), Some(b'\n'), _) => 2,
            (Some(b'\\'), Some(b'\r'), Some(b'\n')) => 3,
            _ => 0,
        };
        if splice > 0 {
            i += splice;
            l += 1;
            c = 1;
            continue;
        }
        let ch = b.get(i).copied().unwrap_or(0);
        if ch == b'\n' {
            l += 1;
            c = 1;
        } else if ch & 0xC0 != 0x80 {
            c += 1;
        }
        i += 1;
    }
    None
}

/// Line and column just after `src[..end]`, counted as the lexer does.
fn end_position(src: &str, end: usize) -> (u32, u32) {
    let b = src.as_bytes();
    let (mut i, mut l, mut c) = (0usize, 1u32, 1u32);
    while i < end.min(b.len()) {
        let splice = match (b.get(i), b.get(i + 1), b.get(i + 2)) {
            (Some(b'\\'), Some(b'\n'), _) => 2,
            (Some(b'\\'), Some(b'\r'), Some(b'\n')) => 3,
            _ => 0,
        };
        if splice > 0 {
            i += splice;
            l += 1;
            c = 1;
            continue;
        }
        let ch = b.get(i).copied().unwrap_or(0);
        if ch == b'\n' {
            l += 1;
            c = 1;
        } else if ch & 0xC0 != 0x80 {
            c += 1;
        }
        i += 1;
    }
    (l, c)
}

/// Moves tokens lexed from a chunk that starts at (`line`, `col`) of the file.
fn shift(toks: &mut [Token], line: u32, col: u32, first_chunk: bool) {
    for t in toks {
        if t.pos.line == 1 {
            t.pos.col = t.pos.col.saturating_add(col - 1);
            if !first_chunk {
                // The chunk starts in the middle of a line.
                t.bol = false;
            }
        }
        t.pos.line = t.pos.line.saturating_add(line - 1);
    }
}

/// Lexes a whole file. An unmatched `'` or `"` (an apostrophe in `#error
/// don't`, in a skipped group, ...) becomes an `Other` token instead of an
/// error, as in C compilers.
fn lex_lenient(src: &str, file: u32) -> Result<Vec<Token>, LexError> {
    let mut out: Vec<Token> = Vec::new();
    let mut start = 0usize;
    let (mut line, mut col) = (1u32, 1u32);
    let mut recoveries = 0usize;
    loop {
        let chunk = src.get(start..).unwrap_or("");
        let first = start == 0;
        let e = match lex(chunk, file) {
            Ok(mut toks) => {
                shift(&mut toks, line, col, first);
                out.append(&mut toks);
                return Ok(out);
            }
            Err(e) => e,
        };
        let fail = |e: &LexError| {
            let mut e = e.clone();
            if e.pos.line == 1 {
                e.pos.col = e.pos.col.saturating_add(col - 1);
            }
            e.pos.line = e.pos.line.saturating_add(line - 1);
            e
        };
        recoveries += 1;
        if !e.msg.starts_with("missing terminating") || recoveries > MAX_LEX_RECOVERIES {
            return Err(fail(&e));
        }
        let Some(off) = offset_of(chunk, e.pos.line, e.pos.col) else {
            return Err(fail(&e));
        };
        // The quote that opened the literal (after an L/u/U/u8 prefix).
        let Some(q) = chunk
            .as_bytes()
            .iter()
            .skip(off)
            .position(|&c| c == b'\'' || c == b'"')
            .map(|k| k + off)
        else {
            return Err(fail(&e));
        };
        let mut before = match chunk.get(..off).map(|s| lex(s, file)) {
            Some(Ok(t)) => t,
            _ => return Err(fail(&e)),
        };
        shift(&mut before, line, col, first);
        let prev_line = before.last().map(|t| t.pos.line).or(out.last().map(|t| t.pos.line));
        out.append(&mut before);
        let mut pos = e.pos;
        pos.file = file;
        if pos.line == 1 {
            pos.col = pos.col.saturating_add(col - 1);
        }
        pos.line = pos.line.saturating_add(line - 1);
        let text: String = chunk
            .get(off..=q)
            .unwrap_or("'")
            .chars()
            .filter(|&c| c != '\\' && c != '\n' && c != '\r')
            .collect();
        let bol = prev_line != Some(pos.line);
        let space = off
            .checked_sub(1)
            .and_then(|k| chunk.as_bytes().get(k))
            .is_some_and(|c| c.is_ascii_whitespace());
        out.push(Token {
            kind: Kind::Other,
            text: Arc::from(text.as_str()),
            pos,
            bol,
            space,
            doc: None,
        });
        let (l, c) = end_position(chunk, q + 1);
        if l == 1 {
            col = col.saturating_add(c - 1);
        } else {
            col = c;
        }
        line = line.saturating_add(l - 1);
        start += q + 1;
    }
}

// ----- the preprocessor -----

struct Pp<'a> {
    opts: &'a Options,
    fs: &'a dyn FileSource,
    files: Vec<String>,
    file_ids: HashMap<String, u32>,
    cache: HashMap<PathBuf, Cached>,
    frames: Vec<Frame>,
    once: HashSet<PathBuf>,
    macros: HashMap<Arc<str>, Rc<Macro>>,
    pushed: HashMap<Arc<str>, Vec<Option<Rc<Macro>>>>,
    seq: u64,
    /// Tokens to read next, last first, with `End` markers between them.
    pending: Vec<Item>,
    /// Tokens a directive produced (`#pragma pack`), read before the file.
    raw_queue: VecDeque<Token>,
    out: Vec<Token>,
    /// The doc comment of a macro use that expanded to nothing.
    carry_doc: Option<Arc<str>>,
    /// Tokens produced by expansion so far, and the limit on that.
    expanded: usize,
    limit: usize,
    /// Bytes of token text made by `#` and `##` so far, and the limit on that.
    made: usize,
    made_limit: usize,
    /// `__FILE__` or `__LINE__` was expanded (their value depends on where).
    positional: Cell<bool>,
    /// Tokens read from files so far.
    visited: usize,
    nesting: u32,
    if_depth: usize,
    skipped_includes: Vec<SkippedInclude>,
    skipped_set: HashSet<String>,
    /// The search path: `-I` directories, cshared's compiler headers, the system's.
    search: Vec<SearchDir>,
    /// By file index: a system header.
    system: Vec<bool>,
    pack: Pack,
    one: Arc<str>,
    zero: Arc<str>,
}

impl<'a> Pp<'a> {
    fn new(opts: &'a Options, fs: &'a dyn FileSource, main: &str) -> Pp<'a> {
        let mut file_ids = HashMap::new();
        file_ids.insert(main.to_string(), 0);
        Pp {
            opts,
            fs,
            files: vec![main.to_string()],
            file_ids,
            cache: HashMap::new(),
            frames: Vec::new(),
            once: HashSet::new(),
            macros: HashMap::new(),
            pushed: HashMap::new(),
            seq: 0,
            pending: Vec::new(),
            raw_queue: VecDeque::new(),
            out: Vec::new(),
            carry_doc: None,
            expanded: 0,
            limit: opts.max_tokens,
            made: 0,
            made_limit: MAX_MADE_BYTES,
            positional: Cell::new(false),
            visited: 0,
            nesting: 0,
            if_depth: 0,
            skipped_includes: Vec::new(),
            skipped_set: HashSet::new(),
            search: opts
                .include_dirs
                .iter()
                .map(|p| SearchDir {
                    path: p.clone(),
                    kind: DirKind::User,
                })
                .chain(std::iter::once(SearchDir {
                    path: PathBuf::from(BUILTIN_DIR),
                    kind: DirKind::Builtin,
                }))
                .chain(opts.system_dirs.iter().map(|d| SearchDir {
                    path: d.path.clone(),
                    kind: DirKind::System { os_only: d.os_only },
                }))
                .collect(),
            system: vec![false],
            pack: Pack::default(),
            one: Arc::from("1"),
            zero: Arc::from("0"),
        }
    }

    fn err(&self, pos: Pos, msg: impl Into<String>) -> PpError {
        PpError {
            file: self.files.get(pos.file as usize).cloned().unwrap_or_default(),
            line: pos.line,
            col: pos.col,
            msg: msg.into(),
        }
    }

    fn file_id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.file_ids.get(name) {
            return id;
        }
        let id = u32::try_from(self.files.len()).unwrap_or(u32::MAX);
        self.files.push(name.to_string());
        self.file_ids.insert(name.to_string(), id);
        id
    }

    /// Lexes the text of a file (without its byte order mark, if any).
    fn lex_file(&self, text: &str, file: u32) -> Result<Vec<Token>, PpError> {
        let text = text.strip_prefix(BOM).unwrap_or(text);
        let mut toks = lex_lenient(text, file).map_err(|e| self.err(e.pos, e.msg))?;
        toks.shrink_to_fit();
        Ok(toks)
    }

    // ----- predefined macros -----

    fn predefine(&mut self) -> Result<(), PpError> {
        let text = target::predefined();
        let toks = lex(&text, 0).map_err(|e| self.err(e.pos, format!("predefined macros: {}", e.msg)))?;
        let builtin_pos = Pos::default();
        for line in split_lines(&toks) {
            self.define(line, builtin_pos, true)?;
        }
        for (name, value) in &self.opts.defines {
            let bad = |msg: String| PpError {
                file: "<command line>".into(),
                line: 0,
                col: 0,
                msg,
            };
            let mut toks = lex(name, 0).map_err(|e| bad(format!("bad macro name '{name}': {}", e.msg)))?;
            let mut body = lex(value, 0).map_err(|e| bad(format!("bad value for macro '{name}': {}", e.msg)))?;
            if let Some(first) = body.first_mut() {
                first.space = true;
            }
            toks.append(&mut body);
            self.define(&toks, builtin_pos, true).map_err(|e| bad(e.msg))?;
        }
        Ok(())
    }

    // ----- reading files -----

    fn active(&self) -> bool {
        self.frames.last().and_then(|f| f.conds.last()).is_none_or(|c| c.active)
    }

    /// The position `#line` gives `pos` in the current file.
    fn map_pos(&self, pos: Pos) -> Pos {
        match self.frames.last().and_then(|f| f.map) {
            Some(map) => apply_map(pos, map),
            None => pos,
        }
    }

    fn mapped(&self, t: &Token) -> Token {
        let mut t = t.clone();
        t.pos = self.map_pos(t.pos);
        t
    }

    /// Counts tokens read from files; `pos` is where (before `#line` mapping).
    fn count_visited(&mut self, n: usize, pos: Pos) -> Result<(), PpError> {
        self.visited = self.visited.saturating_add(n);
        if self.visited > self.opts.max_tokens {
            let pos = self.map_pos(pos);
            return Err(self.err(
                pos,
                format!("input too large: more than {} tokens read", self.opts.max_tokens),
            ));
        }
        Ok(())
    }

    /// The next token of the active groups of the files, after directives.
    fn next_raw(&mut self) -> Result<Item, PpError> {
        loop {
            if let Some(t) = self.raw_queue.pop_front() {
                return Ok(Item::Tok(PTok { tok: t, noexpand: true }));
            }
            let Some(f) = self.frames.last_mut() else {
                return Ok(Item::Eof);
            };
            let active = f.conds.last().is_none_or(|c| c.active);
            let Some(t) = f.toks.get(f.i) else {
                if let Some(c) = f.conds.first() {
                    let pos = c.pos;
                    return Err(self.err(pos, "unterminated conditional directive (#if without #endif)"));
                }
                self.frames.pop();
                return Ok(if self.frames.is_empty() {
                    Item::Eof
                } else {
                    Item::FileEnd
                });
            };
            let pos = t.pos;
            if t.bol && is_hash(t) {
                let toks = f.toks.clone();
                let start = f.i;
                let mut end = start + 1;
                while toks.get(end).is_some_and(|t| !t.bol) {
                    end += 1;
                }
                f.i = end;
                self.count_visited(end - start, pos)?;
                self.directive(toks.get(start..end).unwrap_or(&[]))?;
            } else if active {
                let mut t = t.clone();
                f.i += 1;
                if let Some(map) = f.map {
                    t.pos = apply_map(t.pos, map);
                }
                self.count_visited(1, pos)?;
                return Ok(Item::Tok(PTok::new(t)));
            } else {
                // A skipped group: on to the next directive.
                let start = f.i;
                let mut i = start;
                while f.toks.get(i).is_some_and(|t| !(t.bol && is_hash(t))) {
                    i += 1;
                }
                f.i = i;
                self.count_visited(i - start, pos)?;
            }
        }
    }

    // ----- directives -----

    fn directive(&mut self, raw: &[Token]) -> Result<(), PpError> {
        let Some(name) = raw.get(1) else {
            return Ok(()); // the null directive
        };
        let active = self.active();
        let hash_pos = match raw.first() {
            Some(t) => self.mapped(t).pos,
            None => return Ok(()),
        };
        let name_text: &str = if name.kind == Kind::Ident { &name.text } else { "" };
        match name_text {
            "if" | "ifdef" | "ifndef" => {
                if self.if_depth >= MAX_IF_DEPTH {
                    return Err(self.err(hash_pos, format!("#if nested deeper than {MAX_IF_DEPTH} levels")));
                }
                let v = if active {
                    let rest: Vec<Token> = raw.iter().skip(2).map(|t| self.mapped(t)).collect();
                    if name_text == "if" {
                        self.eval_if(&rest, hash_pos)?
                    } else {
                        self.ifdef(&rest, hash_pos, name_text)? == (name_text == "ifdef")
                    }
                } else {
                    false
                };
                if let Some(f) = self.frames.last_mut() {
                    f.conds.push(Cond {
                        parent_active: active,
                        active: v,
                        taken: v || !active,
                        seen_else: false,
                        pos: hash_pos,
                    });
                    self.if_depth += 1;
                }
                Ok(())
            }
            "elif" | "elifdef" | "elifndef" => {
                let (parent_active, taken, seen_else) = match self.frames.last().and_then(|f| f.conds.last()) {
                    Some(c) => (c.parent_active, c.taken, c.seen_else),
                    None => return Err(self.err(hash_pos, format!("#{name_text} without #if"))),
                };
                if seen_else {
                    return Err(self.err(hash_pos, format!("#{name_text} after #else")));
                }
                let v = if parent_active && !taken {
                    let rest: Vec<Token> = raw.iter().skip(2).map(|t| self.mapped(t)).collect();
                    if name_text == "elif" {
                        self.eval_if(&rest, hash_pos)?
                    } else {
                        self.ifdef(&rest, hash_pos, name_text)? == (name_text == "elifdef")
                    }
                } else {
                    false
                };
                if let Some(c) = self.frames.last_mut().and_then(|f| f.conds.last_mut()) {
                    c.active = v;
                    c.taken |= v;
                }
                Ok(())
            }
            "else" => {
                let pos = hash_pos;
                match self.frames.last_mut().and_then(|f| f.conds.last_mut()) {
                    None => Err(self.err(pos, "#else without #if")),
                    Some(c) if c.seen_else => Err(self.err(pos, "#else after #else")),
                    Some(c) => {
                        c.seen_else = true;
                        c.active = c.parent_active && !c.taken;
                        c.taken = true;
                        Ok(())
                    }
                }
            }
            "endif" => match self.frames.last_mut().and_then(|f| f.conds.pop()) {
                None => Err(self.err(hash_pos, "#endif without #if")),
                Some(_) => {
                    self.if_depth = self.if_depth.saturating_sub(1);
                    Ok(())
                }
            },
            _ if !active => Ok(()),
            _ => self.active_directive(raw, name, hash_pos),
        }
    }

    fn active_directive(&mut self, raw: &[Token], name: &Token, hash_pos: Pos) -> Result<(), PpError> {
        let line: Vec<Token> = raw.iter().map(|t| self.mapped(t)).collect();
        let rest = line.get(2..).unwrap_or(&[]);
        let name_pos = self.mapped(name).pos;
        if name.kind == Kind::Number {
            // A GNU line marker: `# 33 "file.h" 1`.
            return self.line_directive(line.get(1..).unwrap_or(&[]), raw, hash_pos);
        }
        if name.kind != Kind::Ident {
            return Err(self.err(name_pos, format!("invalid preprocessing directive #{}", name.text)));
        }
        match &*name.text {
            "define" => self.define(rest, hash_pos, false),
            "undef" => {
                match rest.first() {
                    Some(t) if t.is_ident() => {
                        self.macros.remove(&*t.text);
                    }
                    Some(t) => return Err(self.err(t.pos, "macro names must be identifiers")),
                    None => return Err(self.err(name_pos, "no macro name given in #undef directive")),
                }
                Ok(())
            }
            "include" | "include_next" | "import" => self.include(rest, hash_pos, &name.text),
            "line" => self.line_directive(rest, raw, hash_pos),
            "pragma" => {
                let toks = self.pragma(rest, hash_pos)?;
                self.raw_queue.extend(toks);
                Ok(())
            }
            "error" => Err(self.err(hash_pos, format!("#error {}", spell(rest)))),
            "warning" | "ident" | "sccs" | "assert" | "unassert" => Ok(()),
            other => Err(self.err(name_pos, format!("invalid preprocessing directive #{other}"))),
        }
    }

    fn ifdef(&mut self, rest: &[Token], pos: Pos, which: &str) -> Result<bool, PpError> {
        match rest.first() {
            Some(t) if t.is_ident() => Ok(self.is_defined(&t.text)),
            Some(t) => Err(self.err(t.pos, "macro names must be identifiers")),
            None => Err(self.err(pos, format!("no macro name given in #{which} directive"))),
        }
    }

    fn is_defined(&self, name: &str) -> bool {
        self.macros.contains_key(name)
            || matches!(name, "__FILE__" | "__LINE__" | "__has_include" | "__has_include_next")
            || HAS_ZERO.contains(&name)
    }

    fn eval_if(&mut self, rest: &[Token], pos: Pos) -> Result<bool, PpError> {
        if rest.is_empty() {
            return Err(self.err(pos, "#if with no expression"));
        }
        let toks = rest.iter().cloned().map(PTok::new).collect();
        let toks: Vec<Token> = self
            .expand_isolated(toks, Mode::If, pos)?
            .into_iter()
            .map(|p| p.tok)
            .collect();
        if toks.is_empty() {
            return Err(self.err(pos, "#if expression is empty after macro expansion"));
        }
        let mut scope = Scope::new();
        let mut p = Parser::new(
            &toks,
            Names {
                local: &mut scope,
                bases: &[],
            },
        );
        match p.pp_expr() {
            Ok(v) => Ok(v != 0),
            Err(e) => Err(self.err(e.pos, format!("in #if: {}", e.msg))),
        }
    }

    fn define(&mut self, rest: &[Token], pos: Pos, builtin: bool) -> Result<(), PpError> {
        let name = match rest.first() {
            Some(t) if t.is_ident() => t,
            Some(t) => return Err(self.err(t.pos, "macro names must be identifiers")),
            None => return Err(self.err(pos, "no macro name given in #define directive")),
        };
        if &*name.text == "defined" {
            return Err(self.err(name.pos, "\"defined\" cannot be used as a macro name"));
        }
        let mut i = 1;
        let mut params: Option<Vec<Arc<str>>> = None;
        let mut variadic = false;
        if rest.get(1).is_some_and(|t| t.is("(") && !t.space) {
            i = 2;
            let mut ps: Vec<Arc<str>> = Vec::new();
            loop {
                let Some(t) = rest.get(i) else {
                    return Err(self.err(name.pos, "missing ')' in macro parameter list"));
                };
                i += 1;
                if t.is(")") && ps.is_empty() {
                    break;
                }
                if t.is("...") {
                    variadic = true;
                    ps.push(Arc::from("__VA_ARGS__"));
                } else if t.is_ident() {
                    if &*t.text == "__VA_ARGS__" || ps.contains(&t.text) {
                        return Err(self.err(t.pos, format!("bad or duplicate macro parameter '{}'", t.text)));
                    }
                    ps.push(t.text.clone());
                    if rest.get(i).is_some_and(|n| n.is("...")) {
                        // GNU named variadic parameter: `args...`.
                        variadic = true;
                        i += 1;
                    }
                } else {
                    return Err(self.err(t.pos, format!("expected a parameter name, found '{}'", t.text)));
                }
                match rest.get(i) {
                    Some(n) if n.is(")") => {
                        i += 1;
                        break;
                    }
                    Some(n) if n.is(",") && !variadic => i += 1,
                    Some(n) => {
                        return Err(self.err(
                            n.pos,
                            format!("expected ',' or ')' in macro parameter list, found '{}'", n.text),
                        ))
                    }
                    None => return Err(self.err(name.pos, "missing ')' in macro parameter list")),
                }
            }
            params = Some(ps);
        }
        let body_toks = rest.get(i..).unwrap_or(&[]);
        let body = self.macro_body(body_toks, params.as_deref(), variadic)?;
        let complex = body
            .iter()
            .any(|b| matches!(b.op, Op::Stringize | Op::Paste | Op::VaOpt));
        self.seq += 1;
        let m = Macro {
            params,
            variadic,
            body,
            complex,
            pos,
            seq: self.seq,
            builtin,
            disabled: Cell::new(0),
        };
        self.macros.insert(name.text.clone(), Rc::new(m));
        Ok(())
    }

    /// Classifies and checks a replacement list.
    fn macro_body(&self, toks: &[Token], params: Option<&[Arc<str>]>, variadic: bool) -> Result<Vec<BodyTok>, PpError> {
        let index: Option<HashMap<&str, usize>> = match params {
            Some(ps) if ps.len() > 8 => Some(ps.iter().enumerate().map(|(k, p)| (&**p, k)).collect()),
            _ => None,
        };
        let find = |w: &str| -> Option<usize> {
            match (&index, params) {
                (Some(ix), _) => ix.get(w).copied(),
                (None, Some(ps)) => ps.iter().position(|p| &**p == w),
                (None, None) => None,
            }
        };
        let mut body: Vec<BodyTok> = toks
            .iter()
            .map(|t| {
                let op = if is_paste(t) {
                    Op::Paste
                } else if params.is_some() && is_hash(t) {
                    Op::Stringize
                } else if t.kind == Kind::Ident {
                    match find(&t.text) {
                        Some(k) => Op::Param(k),
                        None if variadic && &*t.text == "__VA_OPT__" => Op::VaOpt,
                        None => Op::Plain,
                    }
                } else {
                    Op::Plain
                };
                let mut tok = t.clone();
                tok.doc = None;
                tok.bol = false;
                BodyTok { tok, op }
            })
            .collect();
        if let Some(first) = body.first_mut() {
            first.tok.space = false;
        }
        let at = |k: usize| body.get(k).map(|b| b.op);
        let len = body.len();
        // Inside a `__VA_OPT__( ... )`: the indexes of its parentheses.
        let mut va: Option<(usize, usize)> = None;
        for (k, b) in body.iter().enumerate() {
            let pos = b.tok.pos;
            match b.op {
                Op::Paste => {
                    let at_start = k == 0 || va.is_some_and(|(o, _)| o + 1 == k);
                    let at_end = k + 1 == len || va.is_some_and(|(_, c)| c == k + 1) || at(k + 1) == Some(Op::Paste);
                    if at_start || at_end {
                        return Err(self.err(pos, "'##' cannot appear at either end of a macro expansion"));
                    }
                }
                Op::Stringize if !matches!(at(k + 1), Some(Op::Param(_))) => {
                    return Err(self.err(pos, "'#' is not followed by a macro parameter"));
                }
                Op::VaOpt => {
                    if va.is_some() {
                        return Err(self.err(pos, "__VA_OPT__ may not appear in a __VA_OPT__"));
                    }
                    match va_opt_close(&body, k) {
                        Some(c) => va = Some((k + 1, c)),
                        None => return Err(self.err(pos, "unterminated __VA_OPT__")),
                    }
                }
                _ => {}
            }
            if va.is_some_and(|(_, c)| c == k) {
                va = None;
            }
        }
        Ok(body)
    }

    fn line_directive(&mut self, rest: &[Token], raw: &[Token], pos: Pos) -> Result<(), PpError> {
        let toks: Vec<Token> = if rest.first().is_some_and(|t| t.kind == Kind::Number) {
            rest.to_vec()
        } else {
            let ptoks = rest.iter().cloned().map(PTok::new).collect();
            self.expand_isolated(ptoks, Mode::Text, pos)?
                .into_iter()
                .map(|p| p.tok)
                .collect()
        };
        let n = match toks.first() {
            Some(t) if t.kind == Kind::Number && t.text.bytes().all(|c| c.is_ascii_digit()) => {
                match t.text.parse::<u32>() {
                    Ok(n) if n <= i32::MAX as u32 => n,
                    _ => return Err(self.err(t.pos, "line number out of range")),
                }
            }
            _ => return Err(self.err(pos, "#line directive requires a simple digit sequence")),
        };
        let file = match toks.get(1) {
            Some(t) if t.kind == Kind::Str => Some(unquote(&t.text)),
            Some(t) => return Err(self.err(t.pos, "invalid file name in #line directive")),
            None => None,
        };
        let file_idx = match file {
            Some(name) => self.file_id(&name),
            None => self
                .frames
                .last()
                .map(|f| f.map.map_or(f.file, |m| m.0))
                .unwrap_or(pos.file),
        };
        let last_line = raw.last().map_or(0, |t| t.pos.line);
        let delta = i64::from(n) - (i64::from(last_line) + 1);
        if let Some(f) = self.frames.last_mut() {
            f.map = Some((file_idx, delta));
        }
        Ok(())
    }

    // ----- includes -----

    /// Reads (once) the file at `path`; false if there is none.
    fn exists(&mut self, path: &Path) -> bool {
        if let Some(c) = self.cache.get(path) {
            return !matches!(c, Cached::Missing);
        }
        let builtin = path
            .strip_prefix(BUILTIN_DIR)
            .ok()
            .and_then(|rest| rest.to_str())
            .map(|name| target::builtin_header(&name.replace('\\', "/")));
        let entry = match builtin {
            Some(Some(Some(text))) => Cached::Text(Rc::from(text)),
            Some(Some(None)) => Cached::NotRead,
            Some(None) => Cached::Missing,
            None => match self.fs.read(path) {
                Some(text) => Cached::Text(Rc::from(text.as_str())),
                None => Cached::Missing,
            },
        };
        let found = !matches!(entry, Cached::Missing);
        self.cache.insert(path.to_path_buf(), entry);
        found
    }

    fn tokens_of(&mut self, path: &Path, pos: Pos) -> Result<(Rc<Vec<Token>>, u32), PpError> {
        let text = match self.cache.get(path) {
            Some(Cached::Lexed(t, id)) => return Ok((t.clone(), *id)),
            Some(Cached::Text(t)) => t.clone(),
            _ => return Err(self.err(pos, format!("cannot read {}", path.display()))),
        };
        let id = self.file_id(&path.display().to_string());
        let toks = Rc::new(self.lex_file(&text, id)?);
        self.cache.insert(path.to_path_buf(), Cached::Lexed(toks.clone(), id));
        Ok((toks, id))
    }

    /// Where `#include` finds `name`: the path and the include directory index.
    fn find_include(&mut self, name: &str, angled: bool, next: bool) -> Option<(PathBuf, Option<usize>)> {
        let p = Path::new(name);
        if p.is_absolute() {
            let p = normalize(p);
            return self.exists(&p).then_some((p, None));
        }
        let mut start = 0;
        if next {
            if let Some(k) = self.frames.last().and_then(|f| f.dir_idx) {
                start = k + 1;
            }
        } else if !angled {
            if let Some(dir) = self.frames.last().and_then(|f| f.dir.clone()) {
                let cand = normalize(&dir.join(name));
                if self.exists(&cand) {
                    return Some((cand, None));
                }
            }
        }
        for k in start..self.search.len() {
            let Some(d) = self.search.get(k) else { break };
            let cand = normalize(&d.path.join(name));
            if self.exists(&cand) {
                return Some((cand, Some(k)));
            }
        }
        None
    }

    /// The header name of an `#include` or `__has_include`: (name, angled).
    fn header_name(&self, toks: &[Token], pos: Pos) -> Result<(String, bool), PpError> {
        match toks.first() {
            Some(t) if t.kind == Kind::Str && t.text.starts_with('"') => {
                let inner = t.text.get(1..t.text.len().saturating_sub(1)).unwrap_or("");
                Ok((inner.to_string(), false))
            }
            Some(t) if t.is("<") => {
                let close = toks.iter().position(|t| t.is(">"));
                match close {
                    Some(c) => Ok((spell(toks.get(1..c).unwrap_or(&[])), true)),
                    None => Err(self.err(t.pos, "missing '>' in header name")),
                }
            }
            Some(t) => Err(self.err(t.pos, "expected \"FILENAME\" or <FILENAME>")),
            None => Err(self.err(pos, "expected \"FILENAME\" or <FILENAME>")),
        }
    }

    fn include(&mut self, rest: &[Token], pos: Pos, which: &str) -> Result<(), PpError> {
        let toks: Vec<Token> = if rest.first().is_some_and(|t| t.kind == Kind::Str || t.is("<")) {
            rest.to_vec()
        } else {
            let ptoks = rest.iter().cloned().map(PTok::new).collect();
            self.expand_isolated(ptoks, Mode::Text, pos)?
                .into_iter()
                .map(|p| p.tok)
                .collect()
        };
        let (name, angled) = self.header_name(&toks, pos)?;
        if name.is_empty() {
            return Err(self.err(pos, format!("empty file name in #{which}")));
        }
        let next = which == "include_next";
        let found = self.find_include(&name, angled, next);
        let spelled = if angled {
            format!("<{name}>")
        } else {
            format!("\"{name}\"")
        };
        let Some((path, dir_idx)) = found else {
            let reason = format!("#{which} {spelled}: file not found");
            self.skip_include(spelled, pos, reason);
            return Ok(());
        };
        if matches!(self.cache.get(&path), Some(Cached::NotRead)) {
            let reason = format!(
                "#{which} {spelled}: compiler intrinsics are not read (inline functions and vector types, which no foreign call can use)"
            );
            self.skip_include(spelled, pos, reason);
            return Ok(());
        }
        // A system header: the C library's, the OS's or the compiler's, or
        // anything one of those includes.
        let kind = dir_idx.and_then(|k| self.search.get(k)).map(|d| d.kind);
        let system = self.frames.last().is_some_and(|f| f.system)
            || matches!(kind, Some(DirKind::Builtin | DirKind::System { os_only: true }))
            || ((angled || next) && is_system_header(&name));
        if self.once.contains(&path) {
            return Ok(());
        }
        if which == "import" {
            self.once.insert(path.clone());
        }
        if self.frames.len() > self.opts.max_include_depth {
            return Err(self.err(
                pos,
                format!("#include nested deeper than {} levels", self.opts.max_include_depth),
            ));
        }
        let (toks, file) = self.tokens_of(&path, pos)?;
        let dir = path.parent().map(Path::to_path_buf);
        let mut frame = Frame::new(toks, file, dir, Some(path), dir_idx);
        frame.system = system;
        self.set_system(file, system);
        self.frames.push(frame);
        Ok(())
    }

    fn set_system(&mut self, file: u32, system: bool) {
        let k = file as usize;
        if self.system.len() <= k {
            self.system.resize(k + 1, false);
        }
        if let Some(slot) = self.system.get_mut(k) {
            *slot = system;
        }
    }

    fn skip_include(&mut self, spelled: String, pos: Pos, reason: String) {
        if self.skipped_set.insert(spelled.clone()) {
            self.skipped_includes.push(SkippedInclude {
                name: spelled,
                pos,
                reason,
            });
        }
    }

    /// What GCC includes before the main file on a glibc system:
    /// `<stdc-predef.h>` (the `__STDC_IEC_559__` and `__STDC_ISO_10646__`
    /// macros), when the system has it.
    fn preinclude(&mut self) -> Result<(), PpError> {
        if !cfg!(target_os = "linux") {
            return Ok(());
        }
        let Some((path, dir_idx)) = self.find_include("stdc-predef.h", true, false) else {
            return Ok(());
        };
        let (toks, file) = self.tokens_of(&path, Pos::default())?;
        let dir = path.parent().map(Path::to_path_buf);
        let mut frame = Frame::new(toks, file, dir, Some(path), dir_idx);
        frame.system = true;
        self.set_system(file, true);
        self.frames.push(frame);
        Ok(())
    }

    // ----- pragmas -----

    /// Runs a pragma; returns the tokens it puts in the output.
    fn pragma(&mut self, rest: &[Token], pos: Pos) -> Result<Vec<Token>, PpError> {
        let Some(first) = rest.first() else {
            return Ok(Vec::new());
        };
        match &*first.text {
            "once" => {
                if let Some(key) = self.frames.last().and_then(|f| f.key.clone()) {
                    self.once.insert(key);
                }
                Ok(Vec::new())
            }
            "pack" => {
                let ptoks = rest.iter().skip(1).cloned().map(PTok::new).collect();
                let toks: Vec<Token> = self
                    .expand_isolated(ptoks, Mode::Text, pos)?
                    .into_iter()
                    .map(|p| p.tok)
                    .collect();
                Ok(self.pragma_pack(&toks, pos))
            }
            "push_macro" | "pop_macro" => {
                let name = match (rest.get(1), rest.get(2), rest.get(3)) {
                    (Some(o), Some(s), Some(c)) if o.is("(") && s.kind == Kind::Str && c.is(")") => unquote(&s.text),
                    _ => return Ok(Vec::new()),
                };
                let name: Arc<str> = Arc::from(name.as_str());
                if &*first.text == "push_macro" {
                    let cur = self.macros.get(&name).cloned();
                    self.pushed.entry(name).or_default().push(cur);
                } else if let Some(saved) = self.pushed.get_mut(&name).and_then(Vec::pop) {
                    match saved {
                        Some(m) => {
                            self.macros.insert(name, m);
                        }
                        None => {
                            self.macros.remove(&name);
                        }
                    }
                }
                Ok(Vec::new())
            }
            _ => Ok(Vec::new()),
        }
    }

    /// `#pragma pack` in its GCC and MSVC forms. Malformed ones are ignored, as GCC does.
    fn pragma_pack(&mut self, toks: &[Token], pos: Pos) -> Vec<Token> {
        let inner = match (toks.first(), toks.last()) {
            (Some(o), Some(c)) if toks.len() >= 2 && o.is("(") && c.is(")") => {
                toks.get(1..toks.len() - 1).unwrap_or(&[])
            }
            _ => return Vec::new(),
        };
        let items: Vec<&[Token]> = if inner.is_empty() {
            Vec::new()
        } else {
            inner.split(|t| t.is(",")).collect()
        };
        let single = |k: usize| -> Option<&Token> {
            match items.get(k) {
                Some([t]) => Some(t),
                _ => None,
            }
        };
        let value = |t: &Token| -> Option<i128> {
            if t.kind != Kind::Number {
                return None;
            }
            parse_int(&t.text).filter(|&v| v == 0 || (v > 0 && v <= 64 && v & (v - 1) == 0))
        };
        let word = |k: usize| single(k).filter(|t| t.is_ident()).map(|t| t.text.clone());
        let set = |pp: &mut Self, v: Option<i128>| -> Vec<Token> {
            let v = v.filter(|&v| v != 0);
            pp.pack.cur = v;
            let mut out = vec![mk(Kind::Ident, "__pragma_pack", pos), mk(Kind::Punct, "(", pos)];
            if let Some(v) = v {
                out.push(mk(Kind::Number, &v.to_string(), pos));
            }
            out.push(mk(Kind::Punct, ")", pos));
            out
        };
        if items.is_empty() {
            return set(self, None);
        }
        let first_word = word(0);
        match first_word.as_deref() {
            None => match (items.len(), single(0).and_then(value)) {
                (1, Some(v)) => set(self, Some(v)),
                _ => Vec::new(),
            },
            Some("push") => {
                let (label, val) = match items.len() {
                    1 => (None, None),
                    2 => match single(1) {
                        Some(t) if t.is_ident() => (Some(t.text.clone()), None),
                        Some(t) => match value(t) {
                            Some(v) => (None, Some(v)),
                            None => return Vec::new(),
                        },
                        None => return Vec::new(),
                    },
                    3 => match (word(1), single(2).and_then(value)) {
                        (Some(l), Some(v)) => (Some(l), Some(v)),
                        _ => return Vec::new(),
                    },
                    _ => return Vec::new(),
                };
                let cur = self.pack.cur;
                self.pack.stack.push((label, cur));
                match val {
                    Some(v) => set(self, Some(v)),
                    None => Vec::new(),
                }
            }
            Some("pop") => match items.len() {
                1 => {
                    let prev = self.pack.stack.pop().and_then(|e| e.1);
                    set(self, prev)
                }
                2 => match single(1) {
                    Some(t) if t.is_ident() => {
                        let label = t.text.clone();
                        match self.pack.stack.iter().rposition(|e| e.0.as_deref() == Some(&*label)) {
                            Some(k) => {
                                let prev = self.pack.stack.get(k).and_then(|e| e.1);
                                self.pack.stack.truncate(k);
                                set(self, prev)
                            }
                            None => Vec::new(),
                        }
                    }
                    Some(t) => match value(t) {
                        Some(v) => {
                            self.pack.stack.pop();
                            set(self, Some(v))
                        }
                        None => Vec::new(),
                    },
                    None => Vec::new(),
                },
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// `_Pragma ( "..." )` in the text.
    fn pragma_operator(&mut self, t: &PTok) -> Result<(), PpError> {
        let pos = t.tok.pos;
        let bad = |pp: &Self| pp.err(pos, "_Pragma takes a parenthesized string literal");
        match self.pull_tok()? {
            Some(p) if p.tok.is("(") => {}
            _ => return Err(bad(self)),
        }
        let s = match self.pull_tok()? {
            Some(p) if p.tok.kind == Kind::Str => p.tok.text,
            _ => return Err(bad(self)),
        };
        match self.pull_tok()? {
            Some(p) if p.tok.is(")") => {}
            _ => return Err(bad(self)),
        }
        let inner = s.trim_start_matches(['L', 'u', 'U', '8']);
        let inner = inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or("");
        let text = inner
            .replace("\\\\", "\u{0}")
            .replace("\\\"", "\"")
            .replace('\u{0}', "\\");
        if let Ok(mut toks) = lex(&text, pos.file) {
            for tok in &mut toks {
                tok.pos = pos;
            }
            for tok in self.pragma(&toks, pos)? {
                self.emit(tok);
            }
        }
        Ok(())
    }

    // ----- macro expansion -----

    fn pull(&mut self) -> Result<Item, PpError> {
        match self.pending.pop() {
            Some(it) => Ok(it),
            None => self.next_raw(),
        }
    }

    /// The next token, re-enabling macros on the way; `None` at the end of
    /// the current list or file.
    fn pull_tok(&mut self) -> Result<Option<PTok>, PpError> {
        loop {
            match self.pull()? {
                Item::Tok(p) => return Ok(Some(p)),
                Item::End(m) => m.enable(),
                Item::ArgEnd => {
                    self.pending.push(Item::ArgEnd);
                    return Ok(None);
                }
                Item::FileEnd | Item::Eof => return Ok(None),
            }
        }
    }

    fn emit(&mut self, mut t: Token) {
        if let Some(d) = self.carry_doc.take() {
            if t.doc.is_none() {
                t.doc = Some(d);
            }
        }
        self.out.push(t);
    }

    /// The main loop: expands the text of the files into `out`.
    fn run(&mut self) -> Result<(), PpError> {
        loop {
            match self.pull()? {
                Item::Tok(t) => {
                    if t.tok.kind != Kind::Ident || t.noexpand {
                        self.emit(t.tok);
                        continue;
                    }
                    if &*t.tok.text == "_Pragma" && !self.macros.contains_key("_Pragma") {
                        self.pragma_operator(&t)?;
                        continue;
                    }
                    if let Some(t) = self.expand_ident(t, Mode::Text)? {
                        self.emit(t.tok);
                    }
                }
                Item::End(m) => m.enable(),
                Item::ArgEnd | Item::FileEnd => {}
                Item::Eof => return Ok(()),
            }
        }
    }

    /// Fully expands `toks` on their own (a macro argument, a directive's operands).
    fn expand_isolated(&mut self, toks: Vec<PTok>, mode: Mode, pos: Pos) -> Result<Vec<PTok>, PpError> {
        if self.nesting >= MAX_ARG_NESTING {
            return Err(self.err(pos, format!("macro calls nested deeper than {MAX_ARG_NESTING} levels")));
        }
        self.nesting += 1;
        let base = self.pending.len();
        self.pending.push(Item::ArgEnd);
        self.pending.extend(toks.into_iter().rev().map(Item::Tok));
        let r = self.expand_loop(mode);
        if r.is_err() {
            // Drop what is left of the list, enabling its macros again.
            while self.pending.len() > base {
                if let Some(Item::End(m)) = self.pending.pop() {
                    m.enable();
                }
            }
        }
        self.nesting -= 1;
        r
    }

    fn expand_loop(&mut self, mode: Mode) -> Result<Vec<PTok>, PpError> {
        let mut out = Vec::new();
        loop {
            let t = match self.pending.pop() {
                Some(Item::Tok(t)) => t,
                Some(Item::End(m)) => {
                    m.enable();
                    continue;
                }
                Some(Item::ArgEnd) | None => return Ok(out),
                Some(Item::FileEnd | Item::Eof) => continue,
            };
            if t.tok.kind != Kind::Ident || t.noexpand {
                out.push(t);
                continue;
            }
            if mode == Mode::If && !self.macros.contains_key(&*t.tok.text) {
                let name = &*t.tok.text;
                if name == "defined" {
                    let v = self.defined_operator(&t)?;
                    out.push(self.number(v, &t.tok));
                    continue;
                }
                if name == "__has_include" || name == "__has_include_next" {
                    let v = self.has_include(&t)?;
                    out.push(self.number(v, &t.tok));
                    continue;
                }
                if HAS_ZERO.contains(&name) {
                    self.skip_call(&t)?;
                    out.push(self.number(false, &t.tok));
                    continue;
                }
            }
            if let Some(t) = self.expand_ident(t, mode)? {
                out.push(t);
            }
        }
    }

    fn number(&self, v: bool, at: &Token) -> PTok {
        let mut tok = at.clone();
        tok.kind = Kind::Number;
        tok.text = if v { self.one.clone() } else { self.zero.clone() };
        PTok { tok, noexpand: true }
    }

    fn defined_operator(&mut self, t: &PTok) -> Result<bool, PpError> {
        let pos = t.tok.pos;
        let mut next = self.pull_tok()?;
        let paren = next.as_ref().is_some_and(|p| p.tok.is("("));
        if paren {
            next = self.pull_tok()?;
        }
        let name = match next {
            Some(p) if p.tok.is_ident() => p.tok.text,
            _ => return Err(self.err(pos, "operator \"defined\" requires an identifier")),
        };
        if paren && !self.pull_tok()?.is_some_and(|p| p.tok.is(")")) {
            return Err(self.err(pos, "missing ')' after \"defined\""));
        }
        Ok(self.is_defined(&name))
    }

    fn has_include(&mut self, t: &PTok) -> Result<bool, PpError> {
        let pos = t.tok.pos;
        let bad = |pp: &Self| pp.err(pos, format!("{} expects \"FILENAME\" or <FILENAME>", t.tok.text));
        if !self.pull_tok()?.is_some_and(|p| p.tok.is("(")) {
            return Err(bad(self));
        }
        let mut toks: Vec<Token> = Vec::new();
        let mut depth = 0usize;
        loop {
            match self.pull_tok()? {
                None => return Err(bad(self)),
                Some(p) if p.tok.is(")") && depth == 0 => break,
                Some(p) => {
                    if p.tok.is("(") {
                        depth += 1;
                    } else if p.tok.is(")") {
                        depth -= 1;
                    }
                    toks.push(p.tok);
                }
            }
        }
        if !toks.first().is_some_and(|t| t.kind == Kind::Str || t.is("<")) {
            // `__has_include(MACRO)`.
            let ptoks = toks.into_iter().map(PTok::new).collect();
            toks = self
                .expand_isolated(ptoks, Mode::Text, pos)?
                .into_iter()
                .map(|p| p.tok)
                .collect();
        }
        let (name, angled) = self.header_name(&toks, pos)?;
        if name.is_empty() {
            return Ok(false);
        }
        let next = &*t.tok.text == "__has_include_next";
        Ok(self.find_include(&name, angled, next).is_some())
    }

    /// Skips `( ... )` after a `__has_*` operator.
    fn skip_call(&mut self, t: &PTok) -> Result<(), PpError> {
        let pos = t.tok.pos;
        if !self.pull_tok()?.is_some_and(|p| p.tok.is("(")) {
            return Err(self.err(pos, format!("missing '(' after {}", t.tok.text)));
        }
        let mut depth = 0usize;
        loop {
            match self.pull_tok()? {
                None => return Err(self.err(pos, format!("missing ')' after {}", t.tok.text))),
                Some(p) if p.tok.is("(") => depth += 1,
                Some(p) if p.tok.is(")") => {
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                }
                Some(_) => {}
            }
        }
    }

    /// `__FILE__` and `__LINE__`; other identifiers pass unchanged.
    fn builtin_ident(&self, mut t: PTok) -> PTok {
        if t.tok.text.starts_with("__") {
            if matches!(&*t.tok.text, "__FILE__" | "__LINE__") {
                self.positional.set(true);
            }
            let text = match &*t.tok.text {
                "__FILE__" => {
                    let name = self.files.get(t.tok.pos.file as usize).map_or("", String::as_str);
                    Some((Kind::Str, quote_string(name)))
                }
                "__LINE__" => Some((Kind::Number, t.tok.pos.line.to_string())),
                _ => None,
            };
            if let Some((kind, text)) = text {
                t.tok.kind = kind;
                t.tok.text = Arc::from(text.as_str());
                t.noexpand = true;
            }
        }
        t
    }

    /// Expands the identifier `t` if it names an enabled macro (the result
    /// goes back on the pending stack). Otherwise returns the token to pass
    /// on, painted if its macro is disabled.
    fn expand_ident(&mut self, mut t: PTok, mode: Mode) -> Result<Option<PTok>, PpError> {
        let Some(m) = self.macros.get(&*t.tok.text).cloned() else {
            return Ok(Some(self.builtin_ident(t)));
        };
        if m.disabled.get() > 0 {
            t.noexpand = true;
            return Ok(Some(t));
        }
        let args = if m.params.is_some() {
            if !self.next_is_lparen()? {
                return Ok(Some(t));
            }
            self.collect_args(&m, &t)?
        } else {
            Vec::new()
        };
        let mut result = self.substitute(&m, &t, &args, mode)?;
        self.expanded = self.expanded.saturating_add(result.len());
        if self.expanded > self.limit {
            return Err(self.err(t.tok.pos, "macro expansion too large"));
        }
        match result.first_mut() {
            Some(first) => {
                first.tok.space = t.tok.space;
                first.tok.bol = t.tok.bol;
                if t.tok.doc.is_some() {
                    first.tok.doc = t.tok.doc.clone();
                }
            }
            None => {
                if self.nesting == 0 && t.tok.doc.is_some() {
                    self.carry_doc = t.tok.doc.clone();
                }
            }
        }
        m.disabled.set(m.disabled.get().saturating_add(1));
        self.pending.push(Item::End(m));
        self.pending.extend(result.into_iter().rev().map(Item::Tok));
        Ok(None)
    }

    /// After a function-like macro's name: is a `(` next? (It is consumed if so.)
    fn next_is_lparen(&mut self) -> Result<bool, PpError> {
        loop {
            match self.pull()? {
                Item::End(m) => m.enable(),
                Item::Tok(p) => {
                    if p.tok.is("(") {
                        return Ok(true);
                    }
                    self.pending.push(Item::Tok(p));
                    return Ok(false);
                }
                Item::ArgEnd => {
                    self.pending.push(Item::ArgEnd);
                    return Ok(false);
                }
                Item::FileEnd | Item::Eof => return Ok(false),
            }
        }
    }

    fn collect_args(&mut self, m: &Macro, name: &PTok) -> Result<Vec<Vec<PTok>>, PpError> {
        let nparams = m.nparams();
        let mut args: Vec<Vec<PTok>> = vec![Vec::new()];
        let mut depth = 0usize;
        let unterminated = |pp: &Self| {
            pp.err(
                name.tok.pos,
                format!("unterminated argument list invoking macro \"{}\"", name.tok.text),
            )
        };
        loop {
            let mut p = match self.pull()? {
                Item::Tok(p) => p,
                Item::End(m2) => {
                    m2.enable();
                    continue;
                }
                Item::ArgEnd => {
                    self.pending.push(Item::ArgEnd);
                    return Err(unterminated(self));
                }
                Item::FileEnd | Item::Eof => return Err(unterminated(self)),
            };
            match p.tok.kind {
                Kind::Punct => match &*p.tok.text {
                    "(" => depth += 1,
                    ")" if depth == 0 => break,
                    ")" => depth -= 1,
                    "," if depth == 0 && !(m.variadic && args.len() >= nparams) => {
                        args.push(Vec::new());
                        continue;
                    }
                    _ => {}
                },
                Kind::Ident if !p.noexpand && self.macros.get(&*p.tok.text).is_some_and(|m2| m2.disabled.get() > 0) => {
                    p.noexpand = true;
                }
                _ => {}
            }
            if let Some(a) = args.last_mut() {
                a.push(p);
            }
        }
        let given = args.len();
        if nparams == 0 {
            if given == 1 && args.first().is_some_and(Vec::is_empty) {
                return Ok(Vec::new());
            }
            return Err(self.err(
                name.tok.pos,
                format!("macro \"{}\" passed {given} arguments, but takes none", name.tok.text),
            ));
        }
        if m.variadic && given + 1 == nparams {
            args.push(Vec::new());
        } else if given < nparams {
            return Err(self.err(
                name.tok.pos,
                format!(
                    "macro \"{}\" requires {nparams} arguments, but only {given} given",
                    name.tok.text
                ),
            ));
        } else if given > nparams {
            return Err(self.err(
                name.tok.pos,
                format!(
                    "macro \"{}\" passed {given} arguments, but takes just {nparams}",
                    name.tok.text
                ),
            ));
        }
        Ok(args)
    }

    fn body_tok(bt: &BodyTok, at: &PTok) -> PTok {
        let mut tok = bt.tok.clone();
        tok.pos = at.tok.pos;
        PTok::new(tok)
    }

    /// Argument `p` fully expanded (computed once per call).
    fn expanded_arg<'x>(
        &mut self,
        args: &[Vec<PTok>],
        cache: &'x mut [Option<Vec<PTok>>],
        p: usize,
        mode: Mode,
        pos: Pos,
    ) -> Result<&'x [PTok], PpError> {
        let Some(slot) = cache.get_mut(p) else {
            return Ok(&[]);
        };
        if slot.is_none() {
            let arg = args.get(p).map_or(&[][..], Vec::as_slice);
            let needs = arg
                .iter()
                .any(|t| t.tok.kind == Kind::Ident && !t.noexpand && self.may_expand(&t.tok.text, mode));
            let e = if needs {
                self.expand_isolated(arg.to_vec(), mode, pos)?
            } else {
                arg.to_vec()
            };
            *slot = Some(e);
        }
        Ok(slot.as_deref().unwrap_or(&[]))
    }

    fn may_expand(&self, name: &str, mode: Mode) -> bool {
        self.macros.contains_key(name)
            || matches!(name, "__FILE__" | "__LINE__")
            || (mode == Mode::If
                && (matches!(name, "defined" | "__has_include" | "__has_include_next") || HAS_ZERO.contains(&name)))
    }

    fn check_budget(&self, extra: usize, pos: Pos) -> Result<(), PpError> {
        if self.expanded.saturating_add(extra) > self.limit {
            return Err(self.err(pos, "macro expansion too large"));
        }
        Ok(())
    }

    /// Bytes of token text `#` or `##` may still make.
    fn made_left(&self) -> usize {
        self.made_limit.saturating_sub(self.made)
    }

    /// Counts `n` bytes of text made by `#` or `##` against their budget.
    fn charge_made(&mut self, n: usize, pos: Pos) -> Result<(), PpError> {
        if n > self.made_left() {
            self.made = self.made_limit;
            return Err(self.made_error(pos));
        }
        self.made += n;
        Ok(())
    }

    fn made_error(&self, pos: Pos) -> PpError {
        self.err(
            pos,
            format!("macro expansion too large: more than {MAX_MADE_BYTES} bytes of text made by # and ##"),
        )
    }

    /// The replacement list of `m` with the arguments substituted.
    fn substitute(&mut self, m: &Rc<Macro>, at: &PTok, args: &[Vec<PTok>], mode: Mode) -> Result<Vec<PTok>, PpError> {
        let pos = at.tok.pos;
        let mut cache: Vec<Option<Vec<PTok>>> = vec![None; args.len()];
        let mut out: Vec<PTok> = Vec::with_capacity(m.body.len());
        if !m.complex {
            for bt in &m.body {
                match bt.op {
                    Op::Param(p) => {
                        let e = self.expanded_arg(args, &mut cache, p, mode, pos)?;
                        let n = e.len();
                        out.extend_from_slice(e);
                        if n > 0 {
                            self.check_budget(out.len(), pos)?;
                        }
                    }
                    _ => out.push(Self::body_tok(bt, at)),
                }
            }
            return Ok(out);
        }
        self.subst_complex(m, &m.body, at, args, &mut cache, mode, &mut out)?;
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn subst_complex(
        &mut self,
        m: &Macro,
        body: &[BodyTok],
        at: &PTok,
        args: &[Vec<PTok>],
        cache: &mut [Option<Vec<PTok>>],
        mode: Mode,
        out: &mut Vec<PTok>,
    ) -> Result<(), PpError> {
        let pos = at.tok.pos;
        let va = if m.variadic { m.nparams().checked_sub(1) } else { None };
        let mut i = 0;
        while i < body.len() {
            let (mut cur, mut j) = self.operand(m, body, i, false, at, args, cache, mode)?;
            while body.get(j).is_some_and(|b| b.op == Op::Paste) {
                let rhs_is_va = va.is_some() && body.get(j + 1).map(|b| b.op) == va.map(Op::Param);
                let (rhs, j2) = self.operand(m, body, j + 1, true, at, args, cache, mode)?;
                if rhs_is_va && cur.last().is_some_and(|t| t.tok.is(",")) {
                    // GNU: `, ## __VA_ARGS__` drops the comma when there are no variable arguments.
                    if rhs.is_empty() {
                        cur.pop();
                    } else {
                        cur.extend(rhs);
                    }
                } else {
                    cur = self.paste(cur, rhs, pos)?;
                }
                j = j2.max(j + 1);
            }
            out.extend(cur);
            self.check_budget(out.len(), pos)?;
            i = j.max(i + 1);
        }
        Ok(())
    }

    /// One operand of `##` (or a lone token) at `body[i]`: its tokens and the
    /// index after it.
    #[allow(clippy::too_many_arguments)]
    fn operand(
        &mut self,
        m: &Macro,
        body: &[BodyTok],
        i: usize,
        after_paste: bool,
        at: &PTok,
        args: &[Vec<PTok>],
        cache: &mut [Option<Vec<PTok>>],
        mode: Mode,
    ) -> Result<(Vec<PTok>, usize), PpError> {
        let pos = at.tok.pos;
        let Some(bt) = body.get(i) else {
            return Ok((Vec::new(), i + 1));
        };
        match bt.op {
            Op::Stringize => {
                let p = match body.get(i + 1).map(|b| b.op) {
                    Some(Op::Param(p)) => p,
                    _ => return Ok((vec![Self::body_tok(bt, at)], i + 1)),
                };
                let arg = args.get(p).map_or(&[][..], Vec::as_slice);
                let Some(text) = stringize(arg, self.made_left()) else {
                    return Err(self.made_error(pos));
                };
                self.charge_made(text.len(), pos)?;
                let mut tok = mk(Kind::Str, &text, pos);
                tok.space = bt.tok.space;
                Ok((vec![PTok::new(tok)], i + 2))
            }
            Op::Param(p) => {
                let raw = after_paste || body.get(i + 1).is_some_and(|b| b.op == Op::Paste);
                if raw {
                    Ok((args.get(p).cloned().unwrap_or_default(), i + 1))
                } else {
                    let e = self.expanded_arg(args, cache, p, mode, pos)?;
                    Ok((e.to_vec(), i + 1))
                }
            }
            Op::VaOpt => {
                let close = va_opt_close(body, i).unwrap_or(body.len());
                let has_va = m.variadic && args.last().is_some_and(|a| !a.is_empty());
                let mut v = Vec::new();
                if has_va {
                    let inner = body.get(i + 2..close).unwrap_or(&[]);
                    if inner.iter().any(|b| b.op == Op::VaOpt) {
                        return Err(self.err(pos, "__VA_OPT__ may not appear in a __VA_OPT__"));
                    }
                    self.subst_complex(m, inner, at, args, cache, mode, &mut v)?;
                }
                Ok((v, close + 1))
            }
            Op::Paste | Op::Plain => Ok((vec![Self::body_tok(bt, at)], i + 1)),
        }
    }

    /// `lhs ## rhs`: the last token of `lhs` and the first of `rhs` become one.
    fn paste(&mut self, mut lhs: Vec<PTok>, rhs: Vec<PTok>, pos: Pos) -> Result<Vec<PTok>, PpError> {
        let mut rhs = rhs.into_iter();
        let Some(r) = rhs.next() else {
            return Ok(lhs);
        };
        let Some(l) = lhs.pop() else {
            lhs.push(r);
            lhs.extend(rhs);
            return Ok(lhs);
        };
        self.charge_made(l.tok.text.len().saturating_add(r.tok.text.len()), pos)?;
        let text = format!("{}{}", l.tok.text, r.tok.text);
        let mut toks = match lex(&text, l.tok.pos.file) {
            Ok(t) if t.len() == 1 && t.first().is_some_and(|t| t.text.len() == text.len()) => t,
            _ => {
                return Err(self.err(
                    pos,
                    format!(
                        "pasting \"{}\" and \"{}\" does not give a valid preprocessing token",
                        l.tok.text, r.tok.text
                    ),
                ))
            }
        };
        if let Some(t) = toks.pop() {
            lhs.push(PTok::new(Token {
                kind: t.kind,
                text: t.text,
                pos: l.tok.pos,
                bol: l.tok.bol,
                space: l.tok.space,
                doc: l.tok.doc,
            }));
        }
        lhs.extend(rhs);
        Ok(lhs)
    }

    // ----- the end -----

    /// Object-like macros defined by the files, each expanded on its own.
    /// This phase has a budget of its own (`max_tokens`, and
    /// [`FINAL_MACRO_BUDGET`] for each macro): a macro whose expansion fails
    /// or runs over is left out, and when the whole budget is spent (long
    /// chains of macros make this quadratic) the rest are left out.
    fn final_macros(&mut self) -> (Vec<MacroOut>, Vec<(Arc<str>, Pos)>) {
        let mut list: Vec<(Arc<str>, Rc<Macro>)> = self
            .macros
            .iter()
            .filter(|(_, m)| {
                !m.builtin && m.params.is_none() && !self.system.get(m.pos.file as usize).copied().unwrap_or(false)
            })
            .map(|(n, m)| (n.clone(), m.clone()))
            .collect();
        list.sort_by_key(|(_, m)| m.seq);
        self.frames.clear();
        self.expanded = 0;
        self.made = 0;
        let mut out = Vec::with_capacity(list.len());
        let mut positional = Vec::new();
        for (name, m) in list {
            if self.expanded >= self.opts.max_tokens || self.made >= MAX_MADE_BYTES {
                break;
            }
            self.limit = self
                .expanded
                .saturating_add(FINAL_MACRO_BUDGET)
                .min(self.opts.max_tokens);
            self.made_limit = self.made.saturating_add(FINAL_MACRO_BYTES).min(MAX_MADE_BYTES);
            let tok = Token {
                kind: Kind::Ident,
                text: name.clone(),
                pos: m.pos,
                bol: true,
                space: false,
                doc: None,
            };
            // On an error (the budget, a bad call in the macro) it is left
            // out, and so is a macro whose value depends on where it is used.
            self.positional.set(false);
            if let Ok(toks) = self.expand_isolated(vec![PTok::new(tok)], Mode::Text, m.pos) {
                if self.positional.get() {
                    positional.push((name, m.pos));
                } else {
                    out.push((name, toks.into_iter().map(|p| p.tok).collect(), m.pos));
                }
            }
        }
        (out, positional)
    }
}

/// The index of the `)` closing the `__VA_OPT__(` at `body[k]`.
fn va_opt_close(body: &[BodyTok], k: usize) -> Option<usize> {
    if !body.get(k + 1).is_some_and(|b| b.tok.is("(")) {
        return None;
    }
    let mut depth = 0usize;
    for (j, b) in body.iter().enumerate().skip(k + 1) {
        if b.tok.is("(") {
            depth += 1;
        } else if b.tok.is(")") {
            depth -= 1;
            if depth == 0 {
                return Some(j);
            }
        }
    }
    None
}

/// `#x`: the spelling of an argument as a string literal; `None` if it
/// would be longer than `max` bytes.
fn stringize(arg: &[PTok], max: usize) -> Option<String> {
    let mut s = String::from("\"");
    for (k, t) in arg.iter().enumerate() {
        // Stops once past `max`, which it overshoots by one (escaped) token at most.
        if s.len() > max {
            return None;
        }
        if k > 0 && (t.tok.space || t.tok.bol) {
            s.push(' ');
        }
        if matches!(t.tok.kind, Kind::Str | Kind::Char) {
            for c in t.tok.text.chars() {
                if c == '"' || c == '\\' {
                    s.push('\\');
                }
                s.push(c);
            }
        } else {
            s.push_str(&t.tok.text);
        }
    }
    s.push('"');
    (s.len() <= max).then_some(s)
}

/// Splits a token list into lines (at tokens that start a line).
fn split_lines(toks: &[Token]) -> Vec<&[Token]> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (k, t) in toks.iter().enumerate() {
        if t.bol && k > start {
            lines.push(toks.get(start..k).unwrap_or(&[]));
            start = k;
        }
    }
    if start < toks.len() {
        lines.push(toks.get(start..).unwrap_or(&[]));
    }
    lines
}

#[cfg(test)]
#[path = "preproc_tests.rs"]
mod tests;
