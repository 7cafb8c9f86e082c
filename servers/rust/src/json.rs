//! Small JSON helpers shared by the HTTP layer and persistence.

use serde_json::value::RawValue;

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
