//! Literal normalisation: reading a default as a catalog spells it, and
//! writing date/time and JSON literals the way a database prints them.

use std::borrow::Cow;

use crate::schema::{ColumnType, DefaultValue};
use crate::sql::Dialect;

/// A default as a catalog spells it, once the dialect's wrapping (casts,
/// quoting) is taken off.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Literal {
    /// A quoted string literal, unescaped.
    Quoted(String),
    /// Anything else, verbatim: a number, `TRUE`, or an expression.
    Bare(String),
}

/// The default a literal stands for in a column of type `ty`, or `None`
/// when it is not a literal of that type (it is then an SQL expression).
pub(super) fn interpret(
    literal: &Literal,
    ty: &ColumnType,
    dialect: Dialect,
) -> Option<DefaultValue> {
    use ColumnType as T;
    let text = match literal {
        Literal::Quoted(text) | Literal::Bare(text) => text.as_str(),
    };
    match ty {
        T::SmallInt | T::Integer | T::BigInt => {
            is_number(text).then(|| text.parse().ok().map(DefaultValue::Int))?
        }
        T::Real | T::Double | T::Decimal { .. } => read_float(text).map(DefaultValue::Float),
        T::Boolean => read_bool(text).map(DefaultValue::Bool),
        T::Custom(_) => match literal {
            Literal::Quoted(text) => Some(DefaultValue::Text(Cow::Owned(text.clone()))),
            Literal::Bare(text) => {
                if let Some(int) = is_number(text).then(|| text.parse().ok()).flatten() {
                    Some(DefaultValue::Int(int))
                } else if let Some(float) = read_float(text) {
                    Some(DefaultValue::Float(float))
                } else if dialect == Dialect::Postgres {
                    match text.as_str() {
                        "true" => Some(DefaultValue::Bool(true)),
                        "false" => Some(DefaultValue::Bool(false)),
                        _ => None,
                    }
                } else {
                    None
                }
            }
        },
        T::Text
        | T::Varchar(_)
        | T::Binary
        | T::Date
        | T::Time
        | T::Timestamp
        | T::TimestampTz
        | T::Uuid
        | T::Json => match literal {
            Literal::Quoted(text) => Some(DefaultValue::Text(Cow::Owned(text.clone()))),
            Literal::Bare(_) => None,
        },
    }
}

/// The default of a column whose catalog reports `raw`, already split into
/// a literal: `None` for `NULL`, the literal read by type, else `raw` as SQL.
pub(super) fn read_default(
    raw: &str,
    literal: Literal,
    ty: &ColumnType,
    dialect: Dialect,
) -> Option<DefaultValue> {
    if matches!(&literal, Literal::Bare(text) if text.eq_ignore_ascii_case("null")) {
        return None;
    }
    Some(
        interpret(&literal, ty, dialect)
            .unwrap_or_else(|| DefaultValue::Sql(Cow::Owned(raw.to_owned()))),
    )
}

fn read_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "t" | "1" => Some(true),
        "false" | "f" | "0" => Some(false),
        _ => None,
    }
}

fn read_float(text: &str) -> Option<f64> {
    if !is_number(text) {
        return None;
    }
    text.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Whether `text` is a plain decimal number: an optional sign, digits with
/// an optional fraction, an optional exponent.
pub(super) fn is_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

/// Reads a single-quoted SQL string at the start of `text` (`''` is a
/// quote; with `backslashes`, MySQL's backslash escapes too), returning its
/// value and the text after the closing quote.
pub(super) fn split_quoted(text: &str, backslashes: bool) -> Option<(String, &str)> {
    let mut chars = text.strip_prefix('\'')?.char_indices();
    let body = &text[1..];
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => {
                if body[i + 1..].starts_with('\'') {
                    chars.next();
                    value.push('\'');
                } else {
                    return Some((value, &body[i + 1..]));
                }
            }
            '\\' if backslashes => {
                let (_, escaped) = chars.next()?;
                value.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    'b' => '\u{8}',
                    'Z' => '\u{1a}',
                    other => other,
                });
            }
            c => value.push(c),
        }
    }
    None
}

/// Hours, minutes, seconds and the fraction's digits.
type Clock = (u32, u32, u32, String);

/// A date, a time of day or both, as written in a default literal.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Temporal {
    date: Option<(u32, u32, u32)>,
    time: Option<Clock>,
    /// Whatever follows (a zone), verbatim.
    rest: String,
}

impl Temporal {
    /// Reads `YYYY-MM-DD`, `HH:MM[:SS[.f]]` or both separated by a space or
    /// `T`, followed by anything (kept as is).
    pub(super) fn parse(text: &str) -> Option<Self> {
        fn number(text: &str, max_len: usize) -> Option<(u32, &str)> {
            let len = text.bytes().take_while(u8::is_ascii_digit).count();
            if len == 0 || len > max_len {
                return None;
            }
            Some((text[..len].parse().ok()?, &text[len..]))
        }
        fn date(text: &str) -> Option<((u32, u32, u32), &str)> {
            let (y, rest) = number(text, 4)?;
            let (m, rest) = number(rest.strip_prefix('-')?, 2)?;
            let (d, rest) = number(rest.strip_prefix('-')?, 2)?;
            Some(((y, m, d), rest))
        }
        fn time(text: &str) -> Option<(Clock, &str)> {
            let (h, rest) = number(text, 2)?;
            let (m, mut rest) = number(rest.strip_prefix(':')?, 2)?;
            let mut s = 0;
            let mut fraction = String::new();
            if let Some(after) = rest.strip_prefix(':') {
                let (sec, after) = number(after, 2)?;
                s = sec;
                rest = after;
                if let Some(after) = rest.strip_prefix('.') {
                    let len = after.bytes().take_while(u8::is_ascii_digit).count();
                    fraction = after[..len].to_owned();
                    rest = &after[len..];
                }
            }
            Some(((h, m, s, fraction), rest))
        }
        if let Some((d, rest)) = date(text) {
            let Some(after) = rest.strip_prefix([' ', 'T']) else {
                return rest.is_empty().then(|| Self {
                    date: Some(d),
                    time: None,
                    rest: String::new(),
                });
            };
            let (t, rest) = time(after)?;
            return Some(Self {
                date: Some(d),
                time: Some(t),
                rest: rest.to_owned(),
            });
        }
        let (t, rest) = time(text)?;
        Some(Self {
            date: None,
            time: Some(t),
            rest: rest.to_owned(),
        })
    }

    /// Writes the value back with zero-padded fields; the fraction padded
    /// to `digits`, or without trailing zeros when `None`.
    pub(super) fn render(&self, digits: Option<usize>) -> String {
        let mut out = String::new();
        if let Some((y, m, d)) = self.date {
            out.push_str(&format!("{y:04}-{m:02}-{d:02}"));
        }
        if let Some((h, m, s, fraction)) = &self.time {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
            let fraction = match digits {
                Some(n) => {
                    let mut f: String = fraction.chars().take(n).collect();
                    while f.len() < n {
                        f.push('0');
                    }
                    f
                }
                None => fraction.trim_end_matches('0').to_owned(),
            };
            if !fraction.is_empty() {
                out.push('.');
                out.push_str(&fraction);
            }
        }
        out.push_str(&self.rest);
        out
    }
}

/// A JSON text as PostgreSQL's `jsonb` prints it: object keys ordered by
/// length, then bytes, `": "` and `", "` separators. `None` when the text
/// is not JSON or holds a non-integer number (whose printing lback cannot
/// predict without reading it as jsonb's `numeric`).
pub(super) fn jsonb_text(text: &str) -> Option<String> {
    fn write(value: &serde_json::Value, out: &mut String) -> Option<()> {
        use serde_json::Value as V;
        match value {
            V::Null | V::Bool(_) | V::String(_) => {
                out.push_str(&serde_json::to_string(value).ok()?)
            }
            V::Number(n) => {
                if !(n.is_i64() || n.is_u64()) {
                    return None;
                }
                out.push_str(&n.to_string());
            }
            V::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write(item, out)?;
                }
                out.push(']');
            }
            V::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|(a, _), (b, _)| {
                    (a.len(), a.as_bytes()).cmp(&(b.len(), b.as_bytes()))
                });
                out.push('{');
                for (i, (key, item)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&serde_json::to_string(key).ok()?);
                    out.push_str(": ");
                    write(item, out)?;
                }
                out.push('}');
            }
        }
        Some(())
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut out = String::new();
    write(&value, &mut out)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_recognised_strictly() {
        for yes in ["5", "-5", "+5", "2.5", "-0.5", ".5", "5.", "1e10", "1.5E-3"] {
            assert!(is_number(yes), "{yes}");
        }
        for no in [
            "", "-", ".", "e5", "1e", "1.2.3", "0x10", "5 ", "(5)", "NaN", "inf",
        ] {
            assert!(!is_number(no), "{no}");
        }
    }

    #[test]
    fn quoted_strings_unescape() {
        assert_eq!(
            split_quoted("'it''s'::text", false),
            Some(("it's".to_owned(), "::text"))
        );
        assert_eq!(
            split_quoted(r"'a\\b\'c'", true),
            Some((r"a\b'c".to_owned(), ""))
        );
        assert_eq!(split_quoted(r"'a\b'", false), Some((r"a\b".to_owned(), "")));
        assert_eq!(split_quoted("'open", false), None);
        assert_eq!(split_quoted("plain", false), None);
    }

    #[test]
    fn temporal_literals_normalise_per_dialect() {
        let t = Temporal::parse("2020-1-2T3:04:05.120").unwrap();
        assert_eq!(t.render(None), "2020-01-02 03:04:05.12");
        assert_eq!(t.render(Some(6)), "2020-01-02 03:04:05.120000");
        assert_eq!(Temporal::parse("12:00").unwrap().render(None), "12:00:00");
        assert_eq!(
            Temporal::parse("2020-01-01 00:00:00+00")
                .unwrap()
                .render(None),
            "2020-01-01 00:00:00+00"
        );
        assert_eq!(
            Temporal::parse("2020-01-01").unwrap().render(Some(6)),
            "2020-01-01"
        );
        assert_eq!(Temporal::parse("tomorrow"), None);
    }

    #[test]
    fn jsonb_order_and_spacing() {
        assert_eq!(
            jsonb_text(r#"{"bb":1,"a":[1,{"c":null}],"ab":"x"}"#).as_deref(),
            Some(r#"{"a": [1, {"c": null}], "ab": "x", "bb": 1}"#)
        );
        assert_eq!(jsonb_text("{}").as_deref(), Some("{}"));
        assert_eq!(jsonb_text(r#"{"a":1.5}"#), None);
        assert_eq!(jsonb_text("not json"), None);
    }

    #[test]
    fn literals_are_read_by_column_type() {
        let bare = |t: &str| Literal::Bare(t.to_owned());
        let quoted = |t: &str| Literal::Quoted(t.to_owned());
        let pg = Dialect::Postgres;
        assert_eq!(
            interpret(&quoted("-5"), &ColumnType::Integer, pg),
            Some(DefaultValue::Int(-5))
        );
        assert_eq!(
            interpret(&bare("5"), &ColumnType::Double, pg),
            Some(DefaultValue::Float(5.0))
        );
        assert_eq!(
            interpret(&bare("t"), &ColumnType::Boolean, pg),
            Some(DefaultValue::Bool(true))
        );
        assert_eq!(interpret(&bare("now()"), &ColumnType::Integer, pg), None);
        assert_eq!(interpret(&bare("5"), &ColumnType::Text, pg), None);
        assert_eq!(
            read_default("NULL", bare("NULL"), &ColumnType::Text, pg),
            None
        );
        assert_eq!(
            read_default("now()", bare("now()"), &ColumnType::TimestampTz, pg),
            Some(DefaultValue::Sql("now()".into()))
        );
    }
}
