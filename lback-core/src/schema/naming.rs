//! Generated names of indexes and constraints.

/// The longest identifier every supported database keeps intact
/// (PostgreSQL truncates past 63 bytes, MySQL refuses past 64).
pub const MAX_IDENTIFIER_LEN: usize = 63;

/// The name lback gives an index or constraint: `<prefix>_<table>_<columns>`
/// (plus `_<suffix>` when given), e.g. `ix_posts_author_id`.
///
/// A name longer than [`MAX_IDENTIFIER_LEN`] keeps its beginning and ends
/// in a hash of the whole name, so it stays unique and deterministic.
///
/// ```
/// use lback_core::schema::constraint_name;
///
/// assert_eq!(constraint_name("ix", "posts", &["author_id"], None), "ix_posts_author_id");
/// let long = constraint_name("uq", &"t".repeat(80), &["a", "b"], None);
/// assert_eq!(long.len(), 63);
/// ```
pub fn constraint_name(
    prefix: &str,
    table: &str,
    columns: &[&str],
    suffix: Option<&str>,
) -> String {
    let mut name = format!("{prefix}_{table}");
    for column in columns {
        name.push('_');
        name.push_str(column);
    }
    if let Some(suffix) = suffix {
        name.push('_');
        name.push_str(suffix);
    }
    shorten(name)
}

fn shorten(name: String) -> String {
    if name.len() <= MAX_IDENTIFIER_LEN {
        return name;
    }
    let hash = format!("{:016x}", fnv1a(name.as_bytes()));
    let keep = MAX_IDENTIFIER_LEN - 1 - 10;
    let mut cut = keep;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{}", &name[..cut], &hash[..10])
}

/// FNV-1a: tiny, stable across platforms and Rust versions (unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_shortened_deterministically_and_stay_distinct() {
        let table = "a_table_with_a_name_long_enough_to_need_shortening";
        let a = constraint_name("ix", table, &["first_column", "second_column"], None);
        let b = constraint_name("ix", table, &["first_column", "second_columns"], None);
        assert_eq!(a.len(), MAX_IDENTIFIER_LEN);
        assert_ne!(a, b);
        assert_eq!(
            a,
            constraint_name("ix", table, &["first_column", "second_column"], None)
        );
        assert!(a.starts_with("ix_a_table_with"));
    }

    #[test]
    fn multibyte_names_are_cut_on_a_character_boundary() {
        let name = constraint_name("ix", &"é".repeat(60), &["c"], None);
        assert!(name.len() <= MAX_IDENTIFIER_LEN);
    }
}
