//! The attribute parser shared by `#[derive(Model)]` and the build script:
//! one reading of a struct, so both produce the same schema from the same
//! source.
//!
//! [`parse_model`] reads a struct and checks everything that one struct can
//! tell, reporting every mistake at its token. What needs the other models
//! (foreign keys) is checked by [`Schema::validate`](crate::schema::Schema::validate).

mod attr;
mod ctxt;
mod diesel;
mod field;
mod foreign_key;
mod model;
mod types;

use std::borrow::Cow;

use syn::{DeriveInput, Ident};

use self::attr::FieldAttrs;
use self::ctxt::Ctxt;
use self::model::read_model;
pub use self::types::{option_inner, spelled_type, SpelledType};
use crate::schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, Name, Table, UniqueConstraint,
};

/// A struct read and checked: everything `#[derive(Model)]` needs to emit
/// its table, and the build script to rebuild it.
#[derive(Debug, Clone)]
pub struct ModelDef {
    /// The struct's name.
    pub ident: Ident,
    /// The table's name.
    pub table: String,
    /// `renamed_from` on the struct.
    pub renamed_from: Option<String>,
    /// The columns, in field order (skipped fields left out).
    pub fields: Vec<FieldDef>,
    /// Primary key columns.
    pub primary_key: Vec<String>,
    /// Indexes, sorted by name.
    pub indexes: Vec<Index>,
    /// Unique constraints, sorted by name.
    pub unique_constraints: Vec<UniqueConstraint>,
    /// Foreign keys, sorted by name.
    pub foreign_keys: Vec<ForeignKey>,
}

/// One field that maps to a column.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// The field's name.
    pub ident: Ident,
    /// The field's Rust type.
    pub ty: syn::Type,
    /// The column's name.
    pub column: String,
    /// Where the column type comes from.
    pub column_type: FieldType,
    /// Whether the column is nullable, as far as the source tells: true for
    /// `Option<T>`. (A type alias of an `Option` is known only to the derive.)
    pub nullable: bool,
    /// `default` or `default_sql`.
    pub default: Option<DefaultValue>,
    /// Whether the column auto-increments.
    pub auto_increment: AutoIncrement,
    /// `renamed_from`.
    pub renamed_from: Option<String>,
}

/// Where a column's type comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    /// `sql_type = "..."`: the type is fixed by the attribute.
    Sql(ColumnType),
    /// The field's Rust type, through `HasColumnType`, with the
    /// `max_length` / `precision` / `scale` attributes applied.
    Rust {
        /// The type the spelling names, modifiers applied; `None` for a type
        /// only `HasColumnType` can tell (a newtype or an alias).
        spelled: Option<ColumnType>,
        /// `max_length`.
        max_length: Option<u32>,
        /// `precision`.
        precision: Option<u32>,
        /// `scale`.
        scale: Option<u32>,
    },
}

/// Whether a column auto-increments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoIncrement {
    /// Said with `auto_increment` / `auto_increment = false`.
    Explicit(bool),
    /// The table's single primary key column: auto-increments if its type
    /// is an integer.
    IfInteger,
    /// Not a candidate.
    No,
}

impl ModelDef {
    /// The table, for a reader that has only the source (the build script).
    ///
    /// A field whose type the spelling does not name (a newtype, an alias)
    /// is an error saying what to add.
    pub fn to_table(&self) -> syn::Result<Table> {
        let cx = Ctxt::default();
        let mut columns = Vec::new();
        for field in &self.fields {
            let ty = match &field.column_type {
                FieldType::Sql(ty)
                | FieldType::Rust {
                    spelled: Some(ty), ..
                } => ty.clone(),
                FieldType::Rust { spelled: None, .. } => {
                    cx.error_spanned_by(
                        &field.ty,
                        format!(
                            "lback cannot tell the column type of field `{}` from its Rust type alone \
                             (the build script reads the source, where a type alias or a `HasColumnType` \
                             impl is out of sight); add `#[lback(sql_type = \"...\")]` to the field \
                             (e.g. \"bigint\", \"varchar(64)\", or any SQL type)",
                            field.ident
                        ),
                    );
                    continue;
                }
            };
            let auto_increment = match field.auto_increment {
                AutoIncrement::Explicit(on) => on,
                AutoIncrement::IfInteger => ty.is_integer(),
                AutoIncrement::No => false,
            };
            columns.push(Column {
                name: field.column.clone().into(),
                ty,
                nullable: field.nullable,
                default: field.default.clone(),
                auto_increment,
                renamed_from: field.renamed_from.clone().map(Into::into),
            });
        }
        cx.check()?;
        Ok(Table {
            name: self.table.clone().into(),
            columns: columns.into(),
            primary_key: names(&self.primary_key),
            indexes: self.indexes.clone().into(),
            unique_constraints: self.unique_constraints.clone().into(),
            foreign_keys: self.foreign_keys.clone().into(),
            renamed_from: self.renamed_from.clone().map(Into::into),
        })
    }
}

/// Whether lback's SQL name and the name diesel writes mean one table or
/// column: the same text, or diesel's Rust name for it (`type` → `type_`).
fn same_name(sql: &str, diesel: &str, table: Option<&str>) -> bool {
    let table = table.map(|t| crate::schema_rs::rust_name(t, None));
    sql == diesel || crate::schema_rs::rust_name(sql, table.as_deref()) == diesel
}

fn names(list: &[String]) -> Cow<'static, [Name]> {
    list.iter().map(|n| Name::from(n.clone())).collect()
}

/// diesel's table name for a struct: snake_case plus `s` (`BlogPost` → `blog_posts`).
pub fn infer_table_name(struct_name: &str) -> String {
    let mut result = String::with_capacity(struct_name.len() + 4);
    for (i, c) in struct_name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            result.push('_');
        }
        result.extend(c.to_lowercase());
    }
    result.push('s');
    result
}

/// Reads and checks a `#[derive(Model)]` struct.
///
/// Every mistake is reported, each at the token that caused it, combined
/// into one error.
pub fn parse_model(input: &DeriveInput) -> syn::Result<ModelDef> {
    let cx = Ctxt::default();
    let model = read_model(&cx, input);
    cx.check()?;
    Ok(model.expect("a model is read whenever no error was reported"))
}

struct ReadField<'a> {
    field: &'a syn::Field,
    ident: &'a Ident,
    attrs: FieldAttrs,
    column: String,
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod diesel_attribute_tests {
    use super::*;

    fn read(source: &str) -> syn::Result<Table> {
        let input: DeriveInput = syn::parse_str(source).unwrap();
        parse_model(&input).and_then(|m| m.to_table())
    }

    #[test]
    fn diesel_names_the_table_the_key_and_the_columns_when_lback_does_not() {
        let table = read(
            "#[diesel(table_name = crate::schema::people, primary_key(org, login))]
             struct Account { org: i64, #[diesel(column_name = user_name)] login: String, r#type: i32 }",
        )
        .unwrap();
        assert_eq!(table.name, "people");
        assert_eq!(table.primary_key.as_ref(), ["org", "user_name"]);
        assert_eq!(table.columns[1].name, "user_name");
        assert_eq!(table.columns[2].name, "type");
    }

    #[test]
    fn lback_and_diesel_agreeing_is_fine_also_through_diesel_rust_names() {
        let table = read(
            "#[lback(table = \"odd name\")] #[diesel(table_name = odd_name)]
             struct X { #[lback(primary_key)] #[diesel(column_name = type_)] #[lback(column = \"type\")] id: i64 }",
        )
        .unwrap();
        assert_eq!(table.name, "odd name");
        assert_eq!(table.columns[0].name, "type");
    }

    #[test]
    fn lback_and_diesel_disagreeing_is_an_error_naming_both() {
        let errors: Vec<String> = read(
            "#[lback(table = \"accounts\", primary_key(id))]
             #[diesel(table_name = crate::schema::users, primary_key(email))]
             struct Account { id: i64, #[lback(column = \"mail\")] #[diesel(column_name = email)] email: String }",
        )
        .unwrap_err()
        .into_iter()
        .map(|e| e.to_string())
        .collect();
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors[0].contains("`#[lback(table = \"accounts\")]` and `#[diesel(table_name = crate::schema::users)]`"), "{errors:#?}");
        assert!(
            errors[1]
                .contains("`#[lback(column = \"mail\")]` and `#[diesel(column_name = email)]`"),
            "{errors:#?}"
        );
        assert!(
            errors[2]
                .contains("lback's primary key (id) and `#[diesel(primary_key(email))]` disagree"),
            "{errors:#?}"
        );
    }
}
