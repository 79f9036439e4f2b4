//! The Rust names diesel gives SQL names, exactly as `diesel print-schema`
//! derives them (`diesel_cli`'s `infer_schema_internals::inference`).

/// Names diesel's `table!` reserves for itself.
const RESERVED_NAMES: &[&str] = &["table", "columns", "is_nullable"];

/// Rust's keywords, as syn refuses them as identifiers (what diesel_cli
/// checks with `syn::parse_str::<syn::Ident>`).
const KEYWORDS: &[&str] = &[
    "_", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "Self", "self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !KEYWORDS.contains(&name)
}

fn is_reserved(name: &str) -> bool {
    !is_identifier(name)
        || RESERVED_NAMES.contains(&name)
        // Names ending in `_` are not reserved, so appending one always helps.
        || (name.starts_with("__") && !name.ends_with('_'))
}

/// `[a-zA-Z0-9_]` only: every run of other characters becomes one `_`; a
/// leading digit gets a `_` in front.
fn replace_unmappable(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 1);
    let mut last_was_underscore = false;
    for (i, c) in name.chars().enumerate() {
        if i == 0 && c.is_ascii_digit() {
            out.push('_');
            last_was_underscore = true;
        }
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
            last_was_underscore = false;
        } else {
            if !last_was_underscore {
                out.push('_');
            }
            last_was_underscore = true;
        }
    }
    out
}

/// The Rust name diesel gives an SQL name: `type` → `type_`, `odd name` →
/// `odd_name`, a column named like its table → `users_`.
///
/// ```
/// use lback_core::schema_rs::rust_name;
///
/// assert_eq!(rust_name("users", None), "users");
/// assert_eq!(rust_name("type", None), "type_");
/// assert_eq!(rust_name("odd name", None), "odd_name");
/// assert_eq!(rust_name("1st", None), "_1st");
/// assert_eq!(rust_name("tags", Some("tags")), "tags_");
/// ```
pub fn rust_name(sql_name: &str, table_rust_name: Option<&str>) -> String {
    let name = replace_unmappable(sql_name);
    if is_reserved(&name) || Some(name.as_str()) == table_rust_name {
        format!("{name}_")
    } else {
        name
    }
}

/// heck's `UpperCamelCase` for the type names diesel derives (`int8` →
/// `Int8`, `my_enum` → `MyEnum`, `posts status enum` → `PostsStatusEnum`).
pub(super) fn upper_camel_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in words(text) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.extend(chars.flat_map(char::to_lowercase));
        }
    }
    out
}

/// Words as heck splits them: at every non-alphanumeric character and
/// where a lowercase letter or digit is followed by an uppercase one.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous = None;
            continue;
        }
        if let Some(p) = previous {
            if c.is_uppercase() && (p.is_lowercase() || p.is_ascii_digit()) && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        }
        word.push(c);
        previous = Some(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// A string literal as diesel writes `#[sql_name = ...]`: raw when it holds
/// a quote.
pub(super) fn rust_string(text: &str) -> String {
    if text.contains('"') {
        let hashes = "#".repeat(text.matches('#').count() + 1);
        format!("r{hashes}\"{text}\"{hashes}")
    } else {
        format!("\"{text}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_names_follow_diesel_print_schema() {
        assert_eq!(rust_name("id", None), "id");
        assert_eq!(rust_name("Mixed Case", None), "Mixed_Case");
        assert_eq!(rust_name("a--b", None), "a_b");
        assert_eq!(rust_name("self", None), "self_");
        assert_eq!(rust_name("columns", None), "columns_");
        assert_eq!(rust_name("__hidden", None), "__hidden_");
        assert_eq!(rust_name("__ok_", None), "__ok_");
        assert_eq!(rust_name("_", None), "__");
        assert_eq!(rust_name("café", None), "caf_");
        assert_eq!(rust_name("9lives", None), "_9lives");
    }

    #[test]
    fn type_names_are_upper_camel_case() {
        assert_eq!(upper_camel_case("int8"), "Int8");
        assert_eq!(upper_camel_case("timestamptz"), "Timestamptz");
        assert_eq!(upper_camel_case("my_enum"), "MyEnum");
        assert_eq!(upper_camel_case("posts status enum"), "PostsStatusEnum");
        assert_eq!(upper_camel_case("smallint"), "Smallint");
    }

    #[test]
    fn sql_names_with_quotes_become_raw_strings() {
        assert_eq!(rust_string("odd name"), "\"odd name\"");
        assert_eq!(rust_string("say \"hi\""), "r#\"say \"hi\"\"#");
    }
}
