//! C tokens, shared by the preprocessor and the declaration parser.

use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    /// Index into the list of files the preprocessor read (0 for a lone string).
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Ident,
    /// A preprocessing number: digits, letters, dots and exponent signs.
    Number,
    Str,
    Char,
    Punct,
    /// A character no C token starts with. Kept so the parser can point at it.
    Other,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub kind: Kind,
    pub text: Arc<str>,
    pub pos: Pos,
    /// First token on its line (a `#` here starts a directive).
    pub bol: bool,
    /// White space came before it (for `#` stringizing).
    pub space: bool,
    /// The comment right before it, for doc comments in typings.
    pub doc: Option<Arc<str>>,
}

impl Token {
    pub fn is(&self, text: &str) -> bool {
        matches!(self.kind, Kind::Punct | Kind::Ident) && &*self.text == text
    }

    pub fn is_ident(&self) -> bool {
        self.kind == Kind::Ident
    }
}

#[derive(Debug, Clone)]
pub struct LexError {
    pub pos: Pos,
    pub msg: String,
}

const PUNCTS: [&str; 49] = [
    "%:%:", "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=", "/=", "%=",
    "+=", "-=", "&=", "^=", "|=", "##", "<:", ":>", "<%", "%>", "%:", "[", "]", "(", ")", "{", "}", ".", "&", "*", "+",
    "-", "~", "!", "/", "%", "<", ">", "^", "|", "?",
];
const PUNCTS1: [&str; 5] = [":", ";", "=", ",", "#"];

/// Splits `src` into tokens. Backslash-newline continuations are joined, and
/// comments are dropped (the last one is kept on the next token as `doc`).
pub fn lex(src: &str, file: u32) -> Result<Vec<Token>, LexError> {
    let mut lx = Lexer {
        s: src.as_bytes(),
        i: 0,
        line: 1,
        col: 1,
        file,
        line_comment_run: false,
    };
    let mut out = Vec::with_capacity(src.len() / 4);
    let mut bol = true;
    let mut space = false;
    let mut doc: Option<Arc<str>> = None;
    loop {
        let c = match lx.peek(0) {
            None => break,
            Some(c) => c,
        };
        if c == b'\n' {
            lx.bump();
            bol = true;
            space = false;
            if lx.peek(0) == Some(b'\n') {
                // A blank line ends a run of line comments.
                lx.line_comment_run = false;
            }
            continue;
        }
        if c == b' ' || c == b'\t' || c == b'\r' || c == 0x0b || c == 0x0c {
            lx.bump();
            space = true;
            continue;
        }
        if c == b'/' && lx.peek(1) == Some(b'*') {
            let start = lx.pos();
            lx.bump();
            lx.bump();
            let from = lx.i;
            loop {
                match lx.peek(0) {
                    None => {
                        return Err(LexError {
                            pos: start,
                            msg: "unterminated comment".into(),
                        })
                    }
                    Some(b'*') if lx.peek(1) == Some(b'/') => {
                        let text = String::from_utf8_lossy(&lx.s[from..lx.i]);
                        doc = Some(Arc::from(clean_comment(&text)));
                        lx.line_comment_run = false;
                        lx.bump();
                        lx.bump();
                        break;
                    }
                    _ => lx.bump(),
                }
            }
            space = true;
            continue;
        }
        if c == b'/' && lx.peek(1) == Some(b'/') {
            let from = lx.i + 2;
            while !matches!(lx.peek(0), None | Some(b'\n')) {
                lx.bump();
            }
            let text = String::from_utf8_lossy(&lx.s[from..lx.i]).trim().to_string();
            // Consecutive line comments form one doc block.
            doc = Some(match doc.take() {
                Some(prev) if lx.line_comment_run => Arc::from(format!("{prev}\n{text}")),
                _ => Arc::from(text),
            });
            lx.line_comment_run = true;
            space = true;
            continue;
        }
        lx.line_comment_run = false;
        let pos = lx.pos();
        let start = lx.i;
        let kind = lx.token(c)?;
        let text: Arc<str> = Arc::from(&*lx.text(start));
        out.push(Token {
            kind,
            text,
            pos,
            bol,
            space,
            doc: doc.take(),
        });
        bol = false;
        space = false;
    }
    Ok(out)
}

/// Strips comment decoration: leading `*`s on each line, and the `*` that
/// opens a `/** ... */` comment.
fn clean_comment(text: &str) -> String {
    let text = text.strip_prefix('*').unwrap_or(text);
    let lines: Vec<&str> = text
        .lines()
        .map(|l| {
            let t = l.trim();
            t.strip_prefix("* ").or_else(|| t.strip_prefix('*')).unwrap_or(t)
        })
        .collect();
    lines.join("\n").trim().to_string()
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
    line: u32,
    col: u32,
    file: u32,
    /// The last thing read was a `//` comment (so the next one joins it).
    line_comment_run: bool,
}

impl Lexer<'_> {
    fn pos(&self) -> Pos {
        Pos {
            file: self.file,
            line: self.line,
            col: self.col,
        }
    }

    /// The byte `n` places ahead, looking through backslash-newlines.
    fn peek(&self, n: usize) -> Option<u8> {
        let mut i = self.i;
        let mut left = n;
        loop {
            i = self.skip_splices(i);
            let c = *self.s.get(i)?;
            if left == 0 {
                return Some(c);
            }
            left -= 1;
            i += 1;
        }
    }

    /// Length of a backslash-newline at `i`, or 0.
    fn splice_len(&self, i: usize) -> usize {
        match (self.s.get(i), self.s.get(i + 1), self.s.get(i + 2)) {
            (Some(b'\\'), Some(b'\n'), _) => 2,
            (Some(b'\\'), Some(b'\r'), Some(b'\n')) => 3,
            _ => 0,
        }
    }

    fn skip_splices(&self, mut i: usize) -> usize {
        loop {
            match self.splice_len(i) {
                0 => return i,
                n => i += n,
            }
        }
    }

    fn bump(&mut self) {
        loop {
            match self.splice_len(self.i) {
                0 => break,
                n => {
                    self.i += n;
                    self.line += 1;
                    self.col = 1;
                }
            }
        }
        if let Some(&c) = self.s.get(self.i) {
            self.i += 1;
            if c == b'\n' {
                self.line += 1;
                self.col = 1;
            } else if c & 0xC0 != 0x80 {
                // Columns count characters, not UTF-8 continuation bytes.
                self.col += 1;
            }
        }
    }

    /// Token text from `start`, with line continuations removed.
    fn text(&self, start: usize) -> std::borrow::Cow<'_, str> {
        let raw = &self.s[start..self.i];
        if raw.contains(&b'\\') {
            let mut v = Vec::with_capacity(raw.len());
            let mut j = 0;
            while j < raw.len() {
                if raw[j] == b'\\' && raw.get(j + 1) == Some(&b'\n') {
                    j += 2;
                } else if raw[j] == b'\\' && raw.get(j + 1) == Some(&b'\r') && raw.get(j + 2) == Some(&b'\n') {
                    j += 3;
                } else {
                    v.push(raw[j]);
                    j += 1;
                }
            }
            std::borrow::Cow::Owned(String::from_utf8_lossy(&v).into_owned())
        } else {
            String::from_utf8_lossy(raw)
        }
    }

    fn token(&mut self, c: u8) -> Result<Kind, LexError> {
        let pos = self.pos();
        // String and character literals, with optional prefixes.
        let quote_at = match c {
            b'"' | b'\'' => Some(0),
            b'L' | b'U' | b'u' => match (self.peek(1), self.peek(2)) {
                (Some(b'"' | b'\''), _) => Some(1),
                (Some(b'8'), Some(b'"' | b'\'')) if c == b'u' => Some(2),
                _ => None,
            },
            _ => None,
        };
        if let Some(n) = quote_at {
            for _ in 0..n {
                self.bump();
            }
            let q = self.peek(0).unwrap_or(b'"');
            self.bump();
            loop {
                match self.peek(0) {
                    None | Some(b'\n') => {
                        return Err(LexError {
                            pos,
                            msg: format!("missing terminating {} character", q as char),
                        })
                    }
                    Some(b'\\') => {
                        self.bump();
                        self.bump();
                    }
                    Some(x) if x == q => {
                        self.bump();
                        break;
                    }
                    _ => self.bump(),
                }
            }
            return Ok(if q == b'"' { Kind::Str } else { Kind::Char });
        }
        if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80 {
            // The common case in one pass: no line continuation inside.
            let ident = |x: u8| x.is_ascii_alphanumeric() || x == b'_' || x == b'$' || x >= 0x80;
            let end = self.i + self.s[self.i..].iter().take_while(|&&x| ident(x)).count();
            if self.s.get(end) != Some(&b'\\') {
                self.col += self.s[self.i..end].iter().filter(|&&x| x & 0xC0 != 0x80).count() as u32;
                self.i = end;
                return Ok(Kind::Ident);
            }
            while let Some(x) = self.peek(0) {
                if x.is_ascii_alphanumeric() || x == b'_' || x == b'$' || x >= 0x80 {
                    self.bump();
                } else {
                    break;
                }
            }
            return Ok(Kind::Ident);
        }
        if c.is_ascii_digit() || (c == b'.' && self.peek(1).is_some_and(|d| d.is_ascii_digit())) {
            self.bump();
            while let Some(x) = self.peek(0) {
                if matches!(x, b'e' | b'E' | b'p' | b'P') && matches!(self.peek(1), Some(b'+' | b'-')) {
                    self.bump();
                    self.bump();
                } else if x.is_ascii_alphanumeric() || x == b'.' || x == b'_' || x == b'\'' {
                    self.bump();
                } else {
                    break;
                }
            }
            return Ok(Kind::Number);
        }
        // Punctuators that start no longer one.
        if matches!(c, b'(' | b')' | b',' | b';' | b'[' | b']' | b'{' | b'}' | b'?' | b'~') {
            self.bump();
            return Ok(Kind::Punct);
        }
        for p in PUNCTS.iter().chain(PUNCTS1.iter()) {
            let pb = p.as_bytes();
            if (0..pb.len()).all(|k| self.peek(k) == Some(pb[k])) {
                for _ in 0..pb.len() {
                    self.bump();
                }
                return Ok(Kind::Punct);
            }
        }
        self.bump();
        Ok(Kind::Other)
    }
}
