//! Rust model source for a schema: one `#[derive(lback::Model)]` struct per
//! table, every attribute explicit where lback would otherwise infer
//! something else.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::schema::{Column, ColumnType, DefaultValue, ReferentialAction, Schema, Table};
use crate::sql::Dialect;

/// Words that cannot be field names even as raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Rust's keywords (strict and reserved, 2021 edition).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// The source of a models file for `schema` (read from a `dialect`
/// database); `notes` (what was left out) head the file as comments.
pub fn model_source(schema: &Schema, dialect: Dialect, notes: &[String]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "//! Models of the {dialect} database, written by `lback inspect`.\n\
         //!\n\
         //! Review them: rename the structs and fields as you like (a field that\n\
         //! names another column says so with `column`), add diesel's derives\n\
         //! (`Queryable`, `Selectable`, `Insertable`), and keep them as the source\n\
         //! of truth from now on. The baseline migration records this schema.\n"
    ));
    let features = needed_features(schema);
    if !features.is_empty() {
        out.push_str(&format!(
            "//!\n//! Field types need lback's feature(s) {} (and the crates of the same name).\n",
            features
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !notes.is_empty() {
        out.push_str(
            "//!\n//! Not in the models as the database has it (the database keeps it):\n",
        );
        for note in notes {
            out.push_str(&format!("//! - {note}\n"));
        }
    }
    let mut taken = BTreeSet::new();
    for table in schema.tables() {
        out.push('\n');
        let name = struct_name(&table.name, &mut taken);
        write_struct(&mut out, table, &name);
    }
    out
}

fn needed_features(schema: &Schema) -> BTreeSet<&'static str> {
    schema
        .tables()
        .flat_map(|t| t.columns.iter())
        .filter_map(|c| match c.ty {
            ColumnType::Date
            | ColumnType::Time
            | ColumnType::Timestamp
            | ColumnType::TimestampTz => Some("chrono"),
            ColumnType::Uuid => Some("uuid"),
            ColumnType::Json => Some("serde_json"),
            ColumnType::Decimal { .. } => Some("decimal"),
            _ => None,
        })
        .collect()
}

fn write_struct(out: &mut String, table: &Table, name: &str) {
    let fields: Vec<(String, bool)> = table.columns.iter().map(|c| field_name(&c.name)).collect();
    let field_of = |column: &str| -> String {
        table
            .columns
            .iter()
            .position(|c| c.name == column)
            .map_or_else(|| column.to_owned(), |i| fields[i].0.clone())
    };
    let list = |columns: &[crate::schema::Name]| -> String {
        columns
            .iter()
            .map(|c| field_of(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "/// Table `{}`.", table.name);
    out.push_str("#[derive(lback::Model)]\n");
    let _ = writeln!(out, "#[lback(table = {})]", string(&table.name));
    let composite = table.primary_key.len() > 1;
    if composite {
        let _ = writeln!(out, "#[lback(primary_key({}))]", list(&table.primary_key));
    }
    for unique in table.unique_constraints.iter() {
        let _ = writeln!(
            out,
            "#[lback(unique({}, name = {}))]",
            list(&unique.columns),
            string(&unique.name)
        );
    }
    for index in table.indexes.iter() {
        let unique = if index.unique { ", unique" } else { "" };
        let _ = writeln!(
            out,
            "#[lback(index({}, name = {}{unique}))]",
            list(&index.columns),
            string(&index.name)
        );
    }
    let _ = writeln!(out, "pub struct {name} {{");
    for (column, (field, renamed)) in table.columns.iter().zip(&fields) {
        write_field(out, table, column, field, *renamed, composite);
    }
    out.push_str("}\n");
}

fn write_field(
    out: &mut String,
    table: &Table,
    column: &Column,
    field: &str,
    renamed: bool,
    composite: bool,
) {
    let mut attrs: Vec<String> = Vec::new();
    let is_key = !composite && table.primary_key.first() == Some(&column.name);
    if is_key {
        attrs.push("primary_key".into());
    }
    if renamed {
        attrs.push(format!("column = {}", string(&column.name)));
    }
    let (rust, comment) = rust_type(&column.ty, &mut attrs);
    if let Some(default) = &column.default {
        attrs.push(default_attr(default));
    }
    // A single integer key auto-increments unless told otherwise.
    let inferred = is_key && column.default.is_none() && column.ty.is_integer();
    if column.auto_increment != inferred {
        attrs.push(if column.auto_increment {
            "auto_increment".into()
        } else {
            "auto_increment = false".into()
        });
    }
    if let Some(fk) = table
        .foreign_keys
        .iter()
        .find(|fk| fk.columns.len() == 1 && fk.columns[0] == column.name)
    {
        attrs.push(format!(
            "references = {}",
            string(&format!(
                "{}({})",
                fk.referenced_table, fk.referenced_columns[0]
            ))
        ));
        for (action, key) in [(fk.on_delete, "on_delete"), (fk.on_update, "on_update")] {
            if action != ReferentialAction::NoAction {
                attrs.push(format!("{key} = {}", string(action_name(action))));
            }
        }
    }
    if let Some(comment) = comment {
        let _ = writeln!(out, "    // {comment}");
    }
    if !attrs.is_empty() {
        let _ = writeln!(out, "    #[lback({})]", attrs.join(", "));
    }
    let ty = if column.nullable {
        format!("Option<{rust}>")
    } else {
        rust
    };
    let _ = writeln!(out, "    pub {field}: {ty},");
}

/// The Rust type of a field of SQL type `ty`, adding the attributes it
/// needs to `attrs`, and a comment for the field when `ty` is not lback's.
fn rust_type(ty: &ColumnType, attrs: &mut Vec<String>) -> (String, Option<String>) {
    let mut comment = None;
    let rust = match ty {
        ColumnType::SmallInt => "i16".to_owned(),
        ColumnType::Integer => "i32".to_owned(),
        ColumnType::BigInt => "i64".to_owned(),
        ColumnType::Real => "f32".to_owned(),
        ColumnType::Double => "f64".to_owned(),
        ColumnType::Boolean => "bool".to_owned(),
        ColumnType::Text => "String".to_owned(),
        ColumnType::Varchar(n) => {
            attrs.push(format!("max_length = {n}"));
            "String".to_owned()
        }
        ColumnType::Binary => "Vec<u8>".to_owned(),
        ColumnType::Date => "chrono::NaiveDate".to_owned(),
        ColumnType::Time => "chrono::NaiveTime".to_owned(),
        ColumnType::Timestamp => "chrono::NaiveDateTime".to_owned(),
        ColumnType::TimestampTz => "chrono::DateTime<chrono::Utc>".to_owned(),
        ColumnType::Uuid => "uuid::Uuid".to_owned(),
        ColumnType::Json => "serde_json::Value".to_owned(),
        ColumnType::Decimal { precision, scale } => {
            if let Some(p) = precision {
                attrs.push(format!("precision = {p}"));
            }
            if let (Some(_), Some(s)) = (precision, scale) {
                attrs.push(format!("scale = {s}"));
            }
            "bigdecimal::BigDecimal".to_owned()
        }
        ColumnType::Custom(text) => {
            attrs.push(format!("sql_type = {}", string(text)));
            comment = Some(format!(
                "`{text}` is not a type lback knows: pick the Rust type diesel reads it into"
            ));
            "String".to_owned()
        }
    };
    (rust, comment)
}

/// The attribute that says a field's default.
fn default_attr(default: &DefaultValue) -> String {
    match default {
        DefaultValue::Sql(sql) => format!("default_sql = {}", string(sql)),
        DefaultValue::Text(text) => format!("default = {}", string(text)),
        DefaultValue::Int(n) => format!("default = {n}"),
        DefaultValue::Bool(b) => format!("default = {b}"),
        DefaultValue::Float(f) => {
            let mut text = format!("{f:?}");
            if !text.contains(['.', 'e', 'E']) {
                text.push_str(".0");
            }
            format!("default = {text}")
        }
    }
}

fn action_name(action: ReferentialAction) -> &'static str {
    ReferentialAction::ALL
        .iter()
        .find(|(_, a)| *a == action)
        .map(|(name, _)| *name)
        .expect("every action has an attribute spelling")
}

/// A Rust string literal.
fn string(text: &str) -> String {
    format!("{text:?}")
}

/// The field for a column, and whether it needs `column = "..."`.
fn field_name(column: &str) -> (String, bool) {
    let plain = !column.is_empty()
        && column
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !column.starts_with(|c: char| c.is_ascii_digit())
        && column != "_";
    if plain {
        if !KEYWORDS.contains(&column) {
            return (column.to_owned(), false);
        }
        if !NOT_RAW.contains(&column) {
            return (format!("r#{column}"), false);
        }
    }
    let mut field: String = column
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if field.is_empty() || field.starts_with(|c: char| c.is_ascii_digit()) || field == "_" {
        field.insert_str(0, "column_");
    }
    if KEYWORDS.contains(&field.as_str()) {
        field.push('_');
    }
    (field, true)
}

/// A struct name for a table: singular, PascalCase, unique in the file.
fn struct_name(table: &str, taken: &mut BTreeSet<String>) -> String {
    let singular = if let Some(stem) = table.strip_suffix("ies") {
        format!("{stem}y")
    } else if ["sses", "xes", "ches", "shes"]
        .iter()
        .any(|end| table.ends_with(end))
    {
        table[..table.len() - 2].to_owned()
    } else if table.ends_with('s')
        && !["ss", "us", "is"].iter().any(|end| table.ends_with(end))
        && table.len() > 1
    {
        table[..table.len() - 1].to_owned()
    } else {
        table.to_owned()
    };
    let pascal = |text: &str| -> String {
        let mut out = String::new();
        let mut upper = true;
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                if upper {
                    out.push(c.to_ascii_uppercase());
                } else {
                    out.push(c);
                }
                upper = false;
            } else {
                upper = true;
            }
        }
        if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
            out.insert_str(0, "Table");
        }
        if KEYWORDS.contains(&out.as_str()) {
            out.push('_');
        }
        out
    };
    let mut name = pascal(&singular);
    if taken.contains(&name) {
        name = pascal(table);
    }
    let base = name.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_become_fields() {
        assert_eq!(field_name("email"), ("email".into(), false));
        assert_eq!(field_name("type"), ("r#type".into(), false));
        assert_eq!(field_name("self"), ("self_".into(), true));
        assert_eq!(field_name("it's odd"), ("it_s_odd".into(), true));
        assert_eq!(field_name("2fa"), ("column_2fa".into(), true));
        assert_eq!(field_name("Name"), ("Name".into(), false));
    }

    #[test]
    fn tables_become_singular_structs() {
        let mut taken = BTreeSet::new();
        assert_eq!(struct_name("users", &mut taken), "User");
        assert_eq!(struct_name("categories", &mut taken), "Category");
        assert_eq!(struct_name("addresses", &mut taken), "Address");
        assert_eq!(struct_name("order_items", &mut taken), "OrderItem");
        assert_eq!(struct_name("user", &mut taken), "User2");
        assert_eq!(struct_name("status", &mut taken), "Status");
        assert_eq!(struct_name("match", &mut taken), "Match");
    }
}
