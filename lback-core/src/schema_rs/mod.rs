//! diesel's schema module (`src/schema.rs`) written from a schema: one
//! `diesel::table!` per table, `diesel::joinable!` for every foreign key
//! diesel can express, `diesel::allow_tables_to_appear_in_same_query!`.
//!
//! The text is what `diesel print-schema` prints for the database lback's
//! migration builds (its names, order, layout and SQL types), so a project
//! can switch between the two and diff them; the deliberate differences
//! are listed in ARCHITECTURE.md. [`render`] is a pure function of the
//! schema and the dialects; [`SchemaFile`] says where the text goes.

mod file;
mod names;
mod types;

use std::collections::BTreeSet;
use std::fmt::Write;

pub use file::{SchemaFile, SchemaFileSetting};
pub use names::rust_name;

use self::names::rust_string;
use self::types::DieselType;
use crate::schema::{Schema, Table};
use crate::sql::Dialect;
use crate::Error;

/// The first line of every schema.rs lback writes.
pub const HEADER: &str =
    "// @generated automatically by lback from the models (migrations/.lback/schema.json).\n\
// Do not edit: change the models and run `lback makemigrations <name>` (or `lback schema`).\n";

/// The derives of a custom SQL type when `diesel.toml` names none (those
/// `diesel setup` writes).
pub const DEFAULT_CUSTOM_TYPE_DERIVES: &[&str] = &["diesel::query_builder::QueryId", "Clone"];

/// How to write the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Derives of the structs in `sql_types` (`diesel.toml`'s
    /// `custom_type_derives`); `diesel::sql_types::SqlType` is always added.
    pub custom_type_derives: Vec<String>,
    /// `use` lines at the top of every `table!` (`diesel.toml`'s
    /// `import_types`); `None`: diesel's default.
    pub import_types: Option<Vec<String>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            custom_type_derives: DEFAULT_CUSTOM_TYPE_DERIVES
                .iter()
                .map(|d| (*d).to_owned())
                .collect(),
            import_types: None,
        }
    }
}

/// diesel's schema module for `schema`, for the project's dialects
/// (primary first): with one dialect its own types, with several the
/// portable ones. A column no portable diesel type describes is an error
/// naming it.
///
/// ```
/// use lback_core::schema::{Column, ColumnType, Schema, Table};
/// use lback_core::schema_rs::{render, Options};
/// use lback_core::sql::Dialect;
///
/// let users = Table::new("users")
///     .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
///     .with_column(Column::new("bio", ColumnType::Text).nullable())
///     .with_primary_key(["id"]);
/// let schema = Schema::from_tables([users]).unwrap();
/// let text = render(&schema, &[Dialect::Postgres], &Options::default()).unwrap();
/// assert!(text.ends_with(
///     "diesel::table! {\n    users (id) {\n        id -> Int8,\n        bio -> Nullable<Text>,\n    }\n}\n"
/// ));
/// ```
pub fn render(schema: &Schema, dialects: &[Dialect], options: &Options) -> Result<String, Error> {
    let tables: Vec<TableTypes> = schema
        .tables()
        .map(|table| TableTypes::of(table, dialects))
        .collect::<Result<_, _>>()?;
    let mut out = String::from(HEADER);
    out.push('\n');
    write_custom_types(&mut out, &tables, options);
    for (i, table) in tables.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        write_table(&mut out, table, options.import_types.as_deref());
    }
    let joinables = joinables(schema);
    if !joinables.is_empty() {
        out.push('\n');
    }
    for line in &joinables {
        out.push_str(line);
        out.push('\n');
    }
    let names: Vec<String> = tables
        .iter()
        .filter(|t| !t.table.primary_key.is_empty())
        .map(|t| t.rust_name.clone())
        .collect();
    if names.len() >= 2 {
        out.push('\n');
        out.push_str(&allow_tables(&names));
    }
    Ok(out)
}

/// One table with the diesel type of each column.
struct TableTypes<'a> {
    table: &'a Table,
    rust_name: String,
    columns: Vec<(String, DieselType)>,
}

impl<'a> TableTypes<'a> {
    fn of(table: &'a Table, dialects: &[Dialect]) -> Result<Self, Error> {
        let rust_table = rust_name(&table.name, None);
        let mut columns = Vec::new();
        for column in table.columns.iter() {
            let ty = match dialects {
                [] | [_] => types::for_dialect(
                    dialects.first().copied().unwrap_or(Dialect::Sqlite),
                    &table.name,
                    column,
                ),
                several => types::portable(column, &table.name, several).ok_or_else(|| {
                    let each: Vec<String> = several
                        .iter()
                        .map(|d| {
                            format!("`{}` on {d}", types::for_dialect(*d, &table.name, column))
                        })
                        .collect();
                    Error::DieselSchema(format!(
                        "column `{}.{}` ({}) has no diesel SQL type that serves every database \
                         of this project: it is {}; give the field a type every database \
                         shares (e.g. `#[lback(sql_type = \"timestamp\")]` on a \
                         `NaiveDateTime`, `\"text\"` on a `String`), or generate for one \
                         database",
                        table.name,
                        column.name,
                        column.ty,
                        each.join(", ")
                    ))
                })?,
            };
            columns.push((rust_name(&column.name, Some(&rust_table)), ty));
        }
        Ok(TableTypes {
            table,
            rust_name: rust_table,
            columns,
        })
    }
}

fn write_custom_types(out: &mut String, tables: &[TableTypes], options: &Options) {
    let mut seen = BTreeSet::new();
    let mut custom: Vec<&DieselType> = tables
        .iter()
        .flat_map(|t| t.columns.iter().map(|(_, ty)| ty))
        .filter(|ty| ty.custom.is_some())
        .collect();
    custom.sort_by(|a, b| a.name.cmp(&b.name));
    custom.retain(|ty| seen.insert(ty.name.clone()));
    if custom.is_empty() {
        return;
    }
    let mut derives = options.custom_type_derives.clone();
    if !derives.iter().any(|d| d == "diesel::sql_types::SqlType") {
        derives.push("diesel::sql_types::SqlType".into());
    }
    out.push_str("pub mod sql_types {\n");
    for (i, ty) in custom.iter().enumerate() {
        let custom = ty.custom.as_ref().expect("filtered on it");
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "    #[derive({})]", derives.join(", "));
        let _ = writeln!(
            out,
            "    #[diesel({}(name = {}))]",
            custom.backend,
            rust_string(&custom.sql_name)
        );
        let _ = writeln!(out, "    pub struct {};", ty.name);
    }
    out.push_str("}\n\n");
}

fn write_table(out: &mut String, t: &TableTypes, import_types: Option<&[String]>) {
    let table = t.table;
    if table.primary_key.is_empty() {
        // diesel_cli refuses such a table; diesel's `table!` needs a key.
        let _ = writeln!(
            out,
            "// table `{}` has no primary key, which diesel's `table!` needs; it is left out",
            table.name
        );
        return;
    }
    out.push_str("diesel::table! {\n");
    // As diesel_cli: the configured imports, else `diesel::sql_types::*`
    // before the first custom type.
    let mut any_import = false;
    for import in import_types.unwrap_or_default() {
        let _ = writeln!(out, "    use {import};");
        any_import = true;
    }
    let mut imported = BTreeSet::new();
    for (_, ty) in &t.columns {
        if ty.custom.is_some() && imported.insert(ty.name.clone()) {
            if !any_import {
                out.push_str("    use diesel::sql_types::*;\n");
            }
            let _ = writeln!(out, "    use super::sql_types::{};", ty.name);
            any_import = true;
        }
    }
    if any_import {
        out.push('\n');
    }
    if t.rust_name != table.name {
        let _ = writeln!(out, "    #[sql_name = {}]", rust_string(&table.name));
    }
    let key: Vec<String> = table
        .primary_key
        .iter()
        .map(|k| rust_name(k, Some(&t.rust_name)))
        .collect();
    let _ = writeln!(out, "    {} ({}) {{", t.rust_name, key.join(", "));
    for (column, (rust, ty)) in table.columns.iter().zip(&t.columns) {
        if *rust != column.name {
            let _ = writeln!(out, "        #[sql_name = {}]", rust_string(&column.name));
        }
        if let Some(max_length) = ty.max_length {
            let _ = writeln!(out, "        #[max_length = {max_length}]");
        }
        let _ = writeln!(out, "        {rust} -> {ty},");
    }
    out.push_str("    }\n}\n");
}

/// `diesel::joinable!` for each foreign key diesel_cli keeps: one column,
/// onto the single-column primary key of another table, and the only
/// foreign key between those two tables (either way); sorted as diesel_cli
/// sorts them (child, parent, column).
fn joinables(schema: &Schema) -> Vec<String> {
    let all: Vec<(&str, &str, &[crate::schema::Name], &[crate::schema::Name])> = schema
        .tables()
        .flat_map(|t| {
            t.foreign_keys.iter().map(move |fk| {
                (
                    t.name.as_ref(),
                    fk.referenced_table.as_ref(),
                    fk.columns.as_ref(),
                    fk.referenced_columns.as_ref(),
                )
            })
        })
        .collect();
    let pair = |child: &str, parent: &str| {
        if child <= parent {
            (child.to_owned(), parent.to_owned())
        } else {
            (parent.to_owned(), child.to_owned())
        }
    };
    let mut kept: Vec<(String, String, String)> = Vec::new();
    for (child, parent, columns, referenced) in &all {
        if child == parent || columns.len() != 1 {
            continue;
        }
        let Some(parent_table) = schema.table(parent) else {
            continue;
        };
        if parent_table.primary_key.len() != 1
            || referenced.first() != parent_table.primary_key.first()
        {
            continue;
        }
        let this = pair(child, parent);
        if all.iter().filter(|(c, p, _, _)| pair(c, p) == this).count() > 1 {
            continue;
        }
        kept.push((
            child.to_string(),
            parent.to_string(),
            columns[0].to_string(),
        ));
    }
    kept.sort();
    kept.iter()
        .map(|(child, parent, column)| {
            let child_rust = rust_name(child, None);
            format!(
                "diesel::joinable!({} -> {} ({}));",
                child_rust,
                rust_name(parent, None),
                rust_name(column, Some(&child_rust))
            )
        })
        .collect()
}

/// The macro as rustfmt lays it out (diesel_cli formats its output with
/// rustfmt): one line when it fits in 100 columns; else the names packed
/// into lines when each is short (rustfmt's "mixed" layout, at most 10
/// characters), one per line otherwise.
fn allow_tables(names: &[String]) -> String {
    const MACRO: &str = "diesel::allow_tables_to_appear_in_same_query!(";
    let one_line = format!("{MACRO}{},);\n", names.join(", "));
    if one_line.len() <= 101 {
        return one_line;
    }
    let mut out = format!("{MACRO}\n");
    if names.iter().all(|n| n.len() <= 10) {
        let mut line = String::from("   ");
        for name in names {
            if line.len() + 1 + name.len() + 1 > 100 {
                out.push_str(&line);
                out.push('\n');
                line = String::from("   ");
            }
            line.push(' ');
            line.push_str(name);
            line.push(',');
        }
        out.push_str(&line);
        out.push('\n');
    } else {
        for name in names {
            let _ = writeln!(out, "    {name},");
        }
    }
    out.push_str(");\n");
    out
}

/// Whether two schema.rs texts say the same once their headers (the
/// `//` lines at the top, and the blank lines after them) are left out:
/// what `diesel print-schema` wrote for a database and what lback writes
/// for the same schema (`// @generated automatically by Diesel CLI.`
/// against lback's header).
///
/// ```
/// use lback_core::schema_rs::same_but_header;
/// let body = "\ndiesel::table! {\n    users (id) {\n        id -> Int8,\n    }\n}\n";
/// let diesel = format!("// @generated automatically by Diesel CLI.\n{body}");
/// let lback = format!("{}{body}", lback_core::schema_rs::HEADER);
/// assert!(same_but_header(&diesel, &lback));
/// assert!(!same_but_header(&diesel, &lback.replace("Int8", "Int4")));
/// ```
pub fn same_but_header(a: &str, b: &str) -> bool {
    fn body(text: &str) -> &str {
        let mut rest = text;
        while rest.starts_with("//") {
            rest = rest.split_once('\n').map_or("", |(_, r)| r);
        }
        rest.trim_start_matches(['\n', '\r'])
    }
    body(a) == body(b)
}

/// The lines of `actual` that differ from `expected`, for messages: a
/// line-by-line comparison, `-` for what the file has and `+` for what the
/// models say, at most `limit` lines.
pub fn differences(expected: &str, actual: &str, limit: usize) -> Vec<String> {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    // The longest common subsequence, small enough for schema files.
    let (n, m) = (actual.len(), expected.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if actual[i] == expected[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while (i < n || j < m) && out.len() < limit {
        if i < n && j < m && actual[i] == expected[j] {
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(format!("+ {}", expected[j]));
            j += 1;
        } else {
            out.push(format!("- {}", actual[i]));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests;
