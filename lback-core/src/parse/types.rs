//! Reads a field's column type from the spelling of its Rust type.
//!
//! The derive takes the type from [`HasColumnType`](crate::HasColumnType),
//! which also sees through aliases and newtypes; this reading serves the
//! checks that need a type at parse time and the build script, which has
//! only the source. `tests/it/type_mapping.rs` proves both agree on every
//! supported type.

use syn::{GenericArgument, PathArguments, Type, TypePath};

use crate::schema::ColumnType;

/// What the spelling of a field's type says.
#[derive(Debug, Clone, PartialEq)]
pub struct SpelledType {
    /// The column type, when the spelling names a supported type.
    pub column_type: Option<ColumnType>,
    /// Whether the outermost type is `Option<_>`.
    pub nullable: bool,
}

/// Reads `ty`: `Option<T>` is nullable `T`; the supported types are known by
/// name (qualified or not: `String`, `std::string::String`, `chrono::NaiveDate`).
pub fn spelled_type(ty: &Type) -> SpelledType {
    match option_inner(ty) {
        Some(inner) => SpelledType {
            column_type: known(inner),
            nullable: true,
        },
        None => SpelledType {
            column_type: known(ty),
            nullable: false,
        },
    }
}

/// `T` when `ty` is spelled `Option<T>`.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    let path = as_path(ty)?;
    let last = path.path.segments.last()?;
    if last.ident != "Option" || !qualified_by(path, &["std", "core"], &["option"]) {
        return None;
    }
    single_type_argument(&last.arguments)
}

fn as_path(ty: &Type) -> Option<&TypePath> {
    match ty {
        Type::Path(path) if path.qself.is_none() => Some(path),
        Type::Group(group) => as_path(&group.elem),
        Type::Paren(paren) => as_path(&paren.elem),
        _ => None,
    }
}

fn single_type_argument(arguments: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

/// Whether the path is the bare name, or starts with one of `crates`
/// followed only by `modules` (any module when `modules` is empty).
fn qualified_by(path: &TypePath, crates: &[&str], modules: &[&str]) -> bool {
    let segments: Vec<_> = path.path.segments.iter().collect();
    if segments.len() == 1 {
        return path.path.leading_colon.is_none();
    }
    let first_ok = crates.iter().any(|c| segments[0].ident == c);
    let middle_ok = segments[1..segments.len() - 1]
        .iter()
        .all(|s| modules.is_empty() || modules.iter().any(|m| s.ident == m));
    let no_args = segments[..segments.len() - 1]
        .iter()
        .all(|s| s.arguments.is_none());
    first_ok && middle_ok && no_args
}

fn known(ty: &Type) -> Option<ColumnType> {
    let path = as_path(ty)?;
    let last = path.path.segments.last()?;
    let name = last.ident.to_string();
    let plain = last.arguments.is_none();
    let std = |modules: &[&str]| qualified_by(path, &["std", "core", "alloc"], modules);
    let from = |krate: &str| qualified_by(path, &[krate], &[]);
    Some(match name.as_str() {
        "i16" if plain && std(&["primitive"]) => ColumnType::SmallInt,
        "i32" if plain && std(&["primitive"]) => ColumnType::Integer,
        "i64" if plain && std(&["primitive"]) => ColumnType::BigInt,
        "f32" if plain && std(&["primitive"]) => ColumnType::Real,
        "f64" if plain && std(&["primitive"]) => ColumnType::Double,
        "bool" if plain && std(&["primitive"]) => ColumnType::Boolean,
        "String" if plain && std(&["string"]) => ColumnType::Text,
        "Vec" if std(&["vec"]) && is_u8(single_type_argument(&last.arguments)?) => {
            ColumnType::Binary
        }
        "NaiveDate" if plain && from("chrono") => ColumnType::Date,
        "NaiveTime" if plain && from("chrono") => ColumnType::Time,
        "NaiveDateTime" if plain && from("chrono") => ColumnType::Timestamp,
        "DateTime" if from("chrono") && is_chrono_zone(single_type_argument(&last.arguments)?) => {
            ColumnType::TimestampTz
        }
        "Date" if plain && from("time") => ColumnType::Date,
        "Time" if plain && from("time") => ColumnType::Time,
        "PrimitiveDateTime" if plain && from("time") => ColumnType::Timestamp,
        "OffsetDateTime" if plain && from("time") => ColumnType::TimestampTz,
        "Uuid" if plain && from("uuid") => ColumnType::Uuid,
        // `Value` alone is too common a name to assume serde_json's.
        "Value" if plain && path.path.segments.len() > 1 && from("serde_json") => ColumnType::Json,
        "BigDecimal" if plain && from("bigdecimal") => ColumnType::Decimal {
            precision: None,
            scale: None,
        },
        _ => return None,
    })
}

fn is_u8(ty: &Type) -> bool {
    matches!(known_name(ty).as_deref(), Some("u8"))
}

fn is_chrono_zone(ty: &Type) -> bool {
    matches!(known_name(ty).as_deref(), Some("Utc" | "FixedOffset"))
}

fn known_name(ty: &Type) -> Option<String> {
    let path = as_path(ty)?;
    let last = path.path.segments.last()?;
    last.arguments.is_none().then(|| last.ident.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spell(text: &str) -> SpelledType {
        spelled_type(&syn::parse_str(text).unwrap())
    }

    #[test]
    fn names_and_qualified_paths_are_known() {
        assert_eq!(spell("i64").column_type, Some(ColumnType::BigInt));
        assert_eq!(
            spell("std::string::String").column_type,
            Some(ColumnType::Text)
        );
        assert_eq!(spell("Vec<u8>").column_type, Some(ColumnType::Binary));
        assert_eq!(
            spell("chrono::NaiveDateTime").column_type,
            Some(ColumnType::Timestamp)
        );
        assert_eq!(
            spell("DateTime<Utc>").column_type,
            Some(ColumnType::TimestampTz)
        );
        assert_eq!(
            spell("serde_json::Value").column_type,
            Some(ColumnType::Json)
        );
    }

    #[test]
    fn options_are_nullable() {
        let spelled = spell("Option<String>");
        assert!(spelled.nullable);
        assert_eq!(spelled.column_type, Some(ColumnType::Text));
        assert!(spell("std::option::Option<i32>").nullable);
    }

    #[test]
    fn unknown_or_foreign_spellings_are_not_guessed() {
        for text in [
            "Value",
            "my::String",
            "Vec<i32>",
            "UserId",
            "mytime::Date",
            "DateTime<Local>",
            "u64",
        ] {
            assert_eq!(spell(text).column_type, None, "{text}");
        }
        assert!(!spell("my::Option<i32>").nullable);
    }
}
