//! Small JSON helpers shared by the HTTP layer and persistence.

use std::fmt;

use serde_json::value::RawValue;

/// The deepest a stored value may nest arrays and objects: a scalar is depth
/// 0, `[1]` and `{}` depth 1, `[[1]]` depth 2. serde_json reads a
/// [`RawValue`] with a loop (no recursion limit, so this server alone would
/// take any depth), but other servers' readers and writers recurse, and
/// every server must load what any server wrote.
pub const MAX_VALUE_DEPTH: usize = 512;

/// Why a value (or request body) cannot be stored.
#[derive(Debug, PartialEq, Eq)]
pub enum ValueError {
    TooDeep,
    /// A `\u` escape of a UTF-16 surrogate that is not half of a high-low
    /// pair, as written (`\ud800`).
    LoneSurrogate(String),
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooDeep => write!(f, "value is nested more than {MAX_VALUE_DEPTH} levels deep"),
            Self::LoneSurrogate(escape) => write!(
                f,
                "lone UTF-16 surrogate escape {escape} in a string: it is not Unicode"
            ),
        }
    }
}

/// Checks a value serde_json has already validated (it does not look into a
/// [`RawValue`]'s strings beyond their syntax, so `"\ud800"` passes there) for
/// nesting over [`MAX_VALUE_DEPTH`] and lone surrogate escapes.
///
/// Nesting d levels takes at least 2d bytes and a surrogate escape takes a
/// backslash, so most values (short, no backslash) cost one `memchr`. The
/// others get one forward pass with a depth counter, no recursion, that stops
/// at the first bracket past the limit.
pub fn check_value(raw: &RawValue) -> Result<(), ValueError> {
    let b = raw.get().as_bytes();
    if b.len() < 2 * (MAX_VALUE_DEPTH + 1) {
        // Cannot be too deep; in valid JSON every backslash is in a string.
        if !b.contains(&b'\\') {
            return Ok(());
        }
        return find_lone_surrogate(b).map_or(Ok(()), Err);
    }
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() {
                    match b[i] {
                        b'"' => break,
                        b'\\' => i = escape_end(b, i)?,
                        _ => i += 1,
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_VALUE_DEPTH {
                    return Err(ValueError::TooDeep);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The first lone surrogate escape in a request body, valid JSON or not: in
/// valid JSON every backslash starts an escape inside a string. Used to
/// explain a body serde_json refused, whose own message for a lone trailing
/// surrogate reads "lone leading surrogate".
pub fn find_lone_surrogate(body: &[u8]) -> Option<ValueError> {
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            match escape_end(body, i) {
                Ok(end) => i = end,
                Err(e) => return Some(e),
            }
        } else {
            i += 1;
        }
    }
    None
}

/// For the escape starting at `b[i] == b'\\'`, the index just past it, or the
/// lone surrogate it is. Never panics, whatever follows the backslash.
fn escape_end(b: &[u8], i: usize) -> Result<usize, ValueError> {
    if b.get(i + 1) != Some(&b'u') {
        return Ok(i + 2); // a one-character escape such as \" or \\
    }
    let lone = || {
        let escape = &b[i..i + 6];
        Err(ValueError::LoneSurrogate(
            String::from_utf8_lossy(escape).into_owned(),
        ))
    };
    match hex4(b, i + 2) {
        Some(0xd800..=0xdbff) => {
            // A high surrogate: a low one must follow at once.
            if b.get(i + 6) == Some(&b'\\')
                && b.get(i + 7) == Some(&b'u')
                && matches!(hex4(b, i + 8), Some(0xdc00..=0xdfff))
            {
                Ok(i + 12)
            } else {
                lone()
            }
        }
        Some(0xdc00..=0xdfff) => lone(),
        Some(_) => Ok(i + 6),
        None => Ok(i + 2), // not an escape at all: serde_json says what is wrong
    }
}

/// The four hex digits at `b[at..at + 4]`, if there are four.
fn hex4(b: &[u8], at: usize) -> Option<u16> {
    let digits = b.get(at..at + 4)?;
    let mut n = 0u16;
    for &d in digits {
        n = n << 4 | (d as char).to_digit(16)? as u16;
    }
    Some(n)
}

/// Returns `raw` with the insignificant whitespace removed, so what we store,
/// serve and write to disk is compact JSON whatever spacing the client used.
///
/// `raw` has already been validated by serde_json, so a byte scan that only
/// tracks "inside a string" and escapes is enough; no re-parse into a `Value`
/// tree. The common case (no whitespace at all) is a plain copy.
pub fn compact(raw: &RawValue) -> Box<RawValue> {
    let text = raw.get();
    if !text.bytes().any(is_json_whitespace) {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c.is_ascii() && is_json_whitespace(c as u8) {
            continue;
        }
        out.push(c);
    }
    RawValue::from_string(out).expect("dropping whitespace outside strings keeps valid JSON valid")
}

fn is_json_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str) -> Result<(), ValueError> {
        let raw: Box<RawValue> = serde_json::from_str(json).unwrap();
        check_value(&raw)
    }

    fn nested(depth: usize) -> String {
        format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn depth_counts_arrays_and_objects_not_brackets_in_strings() {
        for ok in [
            "1",
            "\"[[[\"",
            "[]",
            "{}",
            "[1]",
            "[[1]]",
            "{\"a\":[{}]}",
            "[\"]]]]\",[[\"\\\"[\"]]]",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        assert_eq!(check(&nested(MAX_VALUE_DEPTH)), Ok(()));
        assert_eq!(
            check(&nested(MAX_VALUE_DEPTH + 1)),
            Err(ValueError::TooDeep)
        );
        // Brackets inside strings do not count.
        let in_string = format!("[\"{}\"]", "[".repeat(1000));
        assert_eq!(check(&in_string), Ok(()));
        // Far past serde_json's recursion limit of 128, without recursion.
        assert_eq!(check(&nested(100_000)), Err(ValueError::TooDeep));
    }

    #[test]
    fn lone_surrogates_are_found_pairs_pass() {
        let lone = |s: &str| Err(ValueError::LoneSurrogate(s.to_owned()));
        assert_eq!(check(r#""\ud800""#), lone(r"\ud800"));
        assert_eq!(check(r#"{"a":["x\uDC00y"]}"#), lone(r"\uDC00"));
        assert_eq!(check(r#"{"\ud800":1}"#), lone(r"\ud800"));
        assert_eq!(check(r#""\ud800\u0041""#), lone(r"\ud800"));
        assert_eq!(check(r#""\ud800\ud800\udc00""#), lone(r"\ud800"));
        assert_eq!(check(r#""\ude00\ud83d""#), lone(r"\ude00"));
        assert_eq!(check(r#"["\ud83d\ude00", "\\ud800", "\u00e9\n"]"#), Ok(()));
        assert_eq!(
            find_lone_surrogate(br#"{"key":"\udc00","value":1}"#),
            Some(ValueError::LoneSurrogate(r"\udc00".into()))
        );
        assert_eq!(
            find_lone_surrogate(br#"{"key":"\ud83d\ude00","value":1}"#),
            None
        );
        // Truncated or invalid input never panics.
        for junk in [
            &b"\\"[..],
            b"\\u",
            b"\\ud8",
            b"\\ud800\\",
            b"\\ud800\\u",
            b"\\ud800\\udc",
            b"\\uzzzz",
        ] {
            let _ = find_lone_surrogate(junk);
        }
        assert!(find_lone_surrogate(b"\\ud800\\u").is_some());
    }

    fn compact_str(json: &str) -> String {
        let raw: Box<RawValue> = serde_json::from_str(json).unwrap();
        compact(&raw).get().to_owned()
    }

    #[test]
    fn strips_whitespace_outside_strings_only() {
        assert_eq!(
            compact_str(" { \"a b\" : [ 1 , \"x \\\" y\" ,\n\tnull ] } "),
            "{\"a b\":[1,\"x \\\" y\",null]}"
        );
        assert_eq!(compact_str("\"\\\\\" "), "\"\\\\\"");
        assert_eq!(compact_str("17"), "17");
        assert_eq!(compact_str("\"é ü\""), "\"é ü\"");
    }
}
