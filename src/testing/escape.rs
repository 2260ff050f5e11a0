//! Bytes as readable text and back: the escaping the cell dump, JSON
//! fixture keys and assertion messages share.
//!
//! Printable UTF-8 stays as it is; `\` becomes `\\`; newline, tab and
//! carriage return become `\n`, `\t`, `\r`; every other control character,
//! invisible space and byte that is not UTF-8 becomes `\xNN`, one per byte.
//! What else is escaped depends on where the text goes ([`Field`]), so that
//! a dump line splits at its separators whatever the bytes are.

use std::fmt::Write as _;

/// Where escaped bytes go in a dump line, which decides what else must be
/// escaped there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// The row key: ends at the first space; a leading `#` would read as a
    /// comment line.
    Row,
    /// The family: ends at the first `:`.
    Family,
    /// The qualifier: ends at the first space.
    Qualifier,
    /// The value: runs to the end of the line; spaces at either end are
    /// escaped so that an editor trimming lines cannot change it.
    Value,
}

/// `bytes` as text that [`unescape`] reads back exactly.
pub(crate) fn escape(bytes: &[u8], field: Field) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut at = 0;
    for chunk in bytes.utf8_chunks() {
        for ch in chunk.valid().chars() {
            let first = at == 0;
            let last = at + ch.len_utf8() == bytes.len();
            push_char(&mut out, ch, field, first, last);
            at += ch.len_utf8();
        }
        for byte in chunk.invalid() {
            hex(&mut out, *byte);
            at += 1;
        }
    }
    out
}

fn push_char(out: &mut String, ch: char, field: Field, first: bool, last: bool) {
    match ch {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        ' ' if field != Field::Value || first || last => hex(out, b' '),
        ':' if field == Field::Family => hex(out, b':'),
        '#' if field == Field::Row && first => hex(out, b'#'),
        ch if ch != ' ' && (ch.is_control() || ch.is_whitespace() || is_invisible(ch)) => {
            let mut buf = [0; 4];
            for byte in ch.encode_utf8(&mut buf).bytes() {
                hex(out, byte);
            }
        }
        ch => out.push(ch),
    }
}

/// Characters that print as nothing: a reader could not tell they are
/// there.
fn is_invisible(ch: char) -> bool {
    matches!(ch, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}')
}

fn hex(out: &mut String, byte: u8) {
    let _ = write!(out, "\\x{byte:02X}");
}

/// Reads text written by [`escape`] (or by hand) back into bytes: `\\`,
/// `\n`, `\t`, `\r` and `\xNN` (either case) are escapes, anything else
/// after `\` is an error saying which.
pub(crate) fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte != b'\\' {
            out.push(byte);
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'\\') => out.push(b'\\'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'r') => out.push(b'\r'),
            Some(b'x') => {
                let digits = bytes
                    .get(i + 2..i + 4)
                    .and_then(|d| std::str::from_utf8(d).ok())
                    .and_then(|d| u8::from_str_radix(d, 16).ok());
                match digits {
                    Some(value) => out.push(value),
                    None => return Err("`\\x` must be followed by two hex digits".into()),
                }
                i += 4;
                continue;
            }
            Some(_) => {
                let next = text[i + 1..].chars().next().unwrap_or('?');
                return Err(format!(
                    "unknown escape `\\{next}` (use \\\\, \\n, \\t, \\r or \\xNN)"
                ));
            }
            None => return Err("a line may not end in a lone `\\`".into()),
        }
        i += 2;
    }
    Ok(out)
}

/// `bytes` escaped for a message, cut to about `max` characters.
pub(crate) fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = escape(bytes, Field::Value);
    if text.chars().count() <= max {
        return format!("\"{text}\"");
    }
    let head: String = text.chars().take(max).collect();
    format!("\"{head}\"… ({} bytes)", bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_round_trips_tricky_bytes() {
        let samples: [&[u8]; 7] = [
            b"",
            b" lead and trail ",
            b"a:b@c\\d#e",
            b"#x",
            b"\x00\xFF\n\r\t\x7F",
            "é\u{85}\u{A0}\u{200B}z".as_bytes(),
            b"\xE2\x82",
        ];
        for field in [Field::Row, Field::Family, Field::Qualifier, Field::Value] {
            for sample in samples {
                let text = escape(sample, field);
                assert!(!text.contains('\n'), "{text}");
                assert_eq!(unescape(&text).as_deref(), Ok(sample), "{field:?} {text}");
            }
        }
    }

    #[test]
    fn separators_are_escaped_only_where_they_separate() {
        assert_eq!(escape(b"a b", Field::Row), "a\\x20b");
        assert_eq!(escape(b"a b", Field::Value), "a b");
        assert_eq!(escape(b" a ", Field::Value), "\\x20a\\x20");
        assert_eq!(escape(b"f:g", Field::Family), "f\\x3Ag");
        assert_eq!(escape(b"f:g", Field::Qualifier), "f:g");
        assert_eq!(escape(b"#r", Field::Row), "\\x23r");
        assert_eq!(escape("é".as_bytes(), Field::Value), "é");
    }

    #[test]
    fn bad_escapes_are_errors() {
        assert!(unescape("a\\q").unwrap_err().contains("`\\q`"));
        assert!(unescape("a\\x4").is_err());
        assert!(unescape("a\\").is_err());
        assert_eq!(unescape("\\x4a\\x4A").unwrap(), b"JJ");
    }

    #[test]
    fn excerpts_are_cut() {
        assert_eq!(excerpt(b"abc", 10), "\"abc\"");
        assert_eq!(excerpt(&[b'a'; 20], 4), "\"aaaa\"… (20 bytes)");
    }
}
