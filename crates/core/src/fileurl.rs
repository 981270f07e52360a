//! A `file:` URL as a path, by the rules of Node's `url.fileURLToPath`, so
//! that `load(new URL('./libmod.so', import.meta.url))` loads the file the
//! URL names. Pure Rust.

/// The path for a `file:` URL, from the `hostname` and `pathname` a WHATWG
/// `URL` object gives (already normalized; the pathname percent-encoded).
/// `windows`: Windows paths (`/C:/x` → `C:\x`, a host → a UNC path).
pub fn to_path(hostname: &str, pathname: &str, windows: bool) -> Result<String, String> {
    let lower = pathname.to_ascii_lowercase();
    if lower.contains("%2f") || (windows && lower.contains("%5c")) {
        return Err(format!(
            "the file URL's path must not include encoded {} characters",
            if windows { "\\ or /" } else { "/" }
        ));
    }
    let decoded = percent_decode(pathname)?;
    if windows {
        let back = decoded.replace('/', "\\");
        if !hostname.is_empty() {
            return Ok(format!("\\\\{hostname}{back}"));
        }
        let b = back.as_bytes();
        if b.len() < 3 || !b[1].is_ascii_alphabetic() || b[2] != b':' {
            return Err("the file URL's path must be absolute (with a drive letter)".into());
        }
        return Ok(back[1..].to_string());
    }
    if !hostname.is_empty() {
        return Err(format!("a file URL with a host ('{hostname}') names no local file"));
    }
    Ok(decoded)
}

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(v) => {
                    out.push(v);
                    i += 3;
                    continue;
                }
                None => return Err("the file URL's path has a malformed % escape".into()),
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "the file URL's path is not UTF-8 once decoded".into())
}

#[cfg(test)]
mod tests {
    use super::to_path;

    #[test]
    fn posix() {
        assert_eq!(to_path("", "/tmp/libmod.so", false).unwrap(), "/tmp/libmod.so");
        assert_eq!(to_path("", "/a%20b/%C3%A9.so", false).unwrap(), "/a b/é.so");
        assert!(to_path("", "/a%2Fb", false).unwrap_err().contains("encoded"));
        assert!(to_path("host", "/x", false).unwrap_err().contains("host"));
        assert!(to_path("", "/bad%zz", false).is_err());
        assert!(to_path("", "/bad%ff", false).unwrap_err().contains("UTF-8"));
        assert!(to_path("", "/end%4", false).is_err());
    }

    #[test]
    fn windows() {
        assert_eq!(to_path("", "/C:/dir/lib.dll", true).unwrap(), "C:\\dir\\lib.dll");
        assert_eq!(
            to_path("server", "/share/lib.dll", true).unwrap(),
            "\\\\server\\share\\lib.dll"
        );
        assert!(to_path("", "/dir/lib.dll", true).is_err());
        assert!(to_path("", "/C:/a%5Cb", true).is_err());
    }
}
