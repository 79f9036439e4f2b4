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
mod types;

use std::borrow::Cow;
use std::collections::BTreeMap;

use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident};

use self::attr::{ColumnList, FieldAttrs, ForeignKeyList};
use self::ctxt::Ctxt;
pub use self::types::{option_inner, spelled_type, SpelledType};
use crate::schema::{
    constraint_name, Column, ColumnType, DefaultValue, ForeignKey, Index, Name, ReferentialAction,
    Table, UniqueConstraint,
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

fn read_model(cx: &Ctxt, input: &DeriveInput) -> Option<ModelDef> {
    let struct_attrs = attr::struct_attrs(cx, &input.attrs);
    let diesel_attrs = diesel::struct_attrs(&input.attrs);
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "lback models cannot have generic parameters; derive Model on a struct that owns its data",
        );
    }
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => named,
            Fields::Unnamed(_) => {
                cx.error_spanned_by(
                    &input.ident,
                    "lback models need named fields (one per column); tuple structs are not supported",
                );
                return None;
            }
            Fields::Unit => {
                cx.error_spanned_by(
                    &input.ident,
                    "lback models need named fields, one per column",
                );
                return None;
            }
        },
        Data::Enum(data) => {
            cx.error_spanned_by(
                data.enum_token,
                "lback::Model derives on structs only; an enum is not a table",
            );
            return None;
        }
        Data::Union(data) => {
            cx.error_spanned_by(data.union_token, "lback::Model derives on structs only");
            return None;
        }
    };

    let table = match &struct_attrs.table {
        Some(table) if table.value.trim().is_empty() => {
            cx.syn_error(syn::Error::new(table.span, "`table` needs a name"));
            String::new()
        }
        Some(table) => table.value.clone(),
        None => match &diesel_attrs.table_name {
            Some(diesel) => diesel.name.clone(),
            None => infer_table_name(&input.ident.unraw().to_string()),
        },
    };
    if let (Some(lback), Some(diesel)) = (&struct_attrs.table, &diesel_attrs.table_name) {
        if !same_name(&lback.value, &diesel.name, None) {
            cx.syn_error(syn::Error::new(
                diesel.span,
                format!(
                    "`#[lback(table = {:?})]` and `#[diesel({})]` name different tables \
                     (diesel's `table!` module for table `{}` is `{}`); remove `table = ...` \
                     (lback reads diesel's `table_name`) or make the two agree",
                    lback.value,
                    diesel.written,
                    lback.value,
                    crate::schema_rs::rust_name(&lback.value, None)
                ),
            ));
        }
    }

    // Read every field first: struct-level lists refer to them.
    let mut fields = Vec::new();
    let mut columns_seen: BTreeMap<String, &Ident> = BTreeMap::new();
    // A key written somewhere, even wrongly: its mistake is reported, and
    // "no primary key" would only repeat it.
    let mut key_written = struct_attrs.mentioned.contains("primary_key");
    for field in &named.named {
        let ident = field.ident.as_ref().expect("named fields have names");
        let attrs = attr::field_attrs(cx, &field.attrs);
        key_written |= attrs.mentioned.contains("primary_key");
        if let Some(skip) = attrs.skip {
            if attrs.primary_key.is_some() {
                cx.syn_error(syn::Error::new(
                    skip,
                    "a primary key field cannot be skipped",
                ));
            } else if let Some(other) = attrs.first_other {
                cx.syn_error(syn::Error::new(
                    other,
                    "`skip` leaves this field out of the table; remove its other lback attributes",
                ));
            }
            continue;
        }
        let column = match &attrs.column {
            Some(c) if c.value.trim().is_empty() => {
                cx.syn_error(syn::Error::new(c.span, "`column` needs a name"));
                ident.unraw().to_string()
            }
            Some(c) => c.value.clone(),
            None => ident.unraw().to_string(),
        };
        let column = match (diesel::column_name(&field.attrs), &attrs.column) {
            (Some(diesel), None) => diesel.name,
            (Some(diesel), Some(lback)) if !same_name(&lback.value, &diesel.name, Some(&table)) => {
                cx.syn_error(syn::Error::new(
                    diesel.span,
                    format!(
                        "`#[lback(column = {:?})]` and `#[diesel({})]` name different columns \
                         (diesel's name for column `{}` is `{}`); remove `column = ...` (lback \
                         reads diesel's `column_name`) or make the two agree",
                        lback.value,
                        diesel.written,
                        lback.value,
                        crate::schema_rs::rust_name(
                            &lback.value,
                            Some(&crate::schema_rs::rust_name(&table, None))
                        )
                    ),
                ));
                column
            }
            _ => column,
        };
        if let Some(previous) = columns_seen.get(&column) {
            let at = attrs.column.as_ref().map_or(ident.span(), |c| c.span);
            cx.syn_error(syn::Error::new(
                at,
                format!(
                    "fields `{previous}` and `{ident}` both map to column `{column}`; \
                     give one of them another `column = \"...\"`"
                ),
            ));
        } else {
            columns_seen.insert(column.clone(), ident);
        }
        fields.push(ReadField {
            field,
            ident,
            attrs,
            column,
        });
    }

    // diesel's `primary_key(...)` is the key when lback's names none, and
    // must agree with it when lback's does.
    let lback_key =
        struct_attrs.primary_key.is_some() || fields.iter().any(|f| f.attrs.primary_key.is_some());
    let diesel_key = diesel_attrs.primary_key.as_ref().map(|(columns, span)| {
        (
            attr::ColumnList {
                columns: columns.clone(),
                name: None,
                unique: false,
            },
            *span,
        )
    });
    let on_struct = match (&diesel_key, lback_key) {
        (Some((list, _)), false) => Some(list.clone()),
        _ => struct_attrs.primary_key.clone(),
    };
    let primary_key = read_primary_key(
        cx,
        input,
        &on_struct,
        &fields,
        named,
        key_written || diesel_key.is_some(),
    );
    if let (Some((list, span)), true) = (&diesel_key, lback_key) {
        let diesel_columns = resolve_list(cx, list, &fields, named, "primary_key");
        if diesel_columns != primary_key {
            cx.syn_error(syn::Error::new(
                *span,
                format!(
                    "lback's primary key ({}) and `#[diesel(primary_key({}))]` disagree; \
                     remove lback's (it reads diesel's) or make the two agree",
                    primary_key.join(", "),
                    list.columns
                        .iter()
                        .map(|c| c.unraw().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }

    let mut indexes = Vec::new();
    let mut uniques = Vec::new();
    let mut foreign_keys = Vec::new();
    let mut defs = Vec::new();
    for read in &fields {
        let def = read_field(cx, read, &primary_key);
        let a = &read.attrs;
        let column = read.column.as_str();
        if let Some(index) = a.index {
            if a.unique.is_some() {
                cx.syn_error(syn::Error::new(
                    index,
                    "`unique` already creates an index; remove `index`",
                ));
            } else if a.primary_key.is_some() {
                cx.syn_error(syn::Error::new(
                    index,
                    "a primary key is already indexed; remove `index`",
                ));
            } else {
                indexes.push(Index {
                    name: constraint_name("ix", &table, &[column], None).into(),
                    columns: vec![Name::from(column.to_owned())].into(),
                    unique: false,
                });
            }
        }
        if let Some(unique) = a.unique {
            if a.primary_key.is_some() {
                cx.syn_error(syn::Error::new(
                    unique,
                    "a primary key is already unique; remove `unique`",
                ));
            } else {
                uniques.push(UniqueConstraint {
                    name: constraint_name("uq", &table, &[column], None).into(),
                    columns: vec![Name::from(column.to_owned())].into(),
                });
            }
        }
        if let Some(fk) = read_foreign_key(cx, read, &def, &table) {
            foreign_keys.push(fk);
        }
        defs.push(def);
    }
    for list in &struct_attrs.indexes {
        let columns = resolve_list(cx, list, &fields, named, "index");
        let prefix = if list.unique { "ux" } else { "ix" };
        indexes.push(Index {
            name: list_name(&table, prefix, list, &columns),
            columns: names(&columns),
            unique: list.unique,
        });
    }
    for list in &struct_attrs.uniques {
        let columns = resolve_list(cx, list, &fields, named, "unique");
        uniques.push(UniqueConstraint {
            name: list_name(&table, "uq", list, &columns),
            columns: names(&columns),
        });
    }
    for list in &struct_attrs.foreign_keys {
        if let Some(fk) = read_composite_foreign_key(cx, list, &fields, &defs, named, &table) {
            foreign_keys.push(fk);
        }
    }
    check_distinct_names(cx, input, &indexes, &uniques, &foreign_keys);
    indexes.sort_by(|a, b| a.name.cmp(&b.name));
    uniques.sort_by(|a, b| a.name.cmp(&b.name));
    foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));

    if let Some(renamed) = &struct_attrs.renamed_from {
        if renamed.value == table {
            cx.syn_error(syn::Error::new(
                renamed.span,
                "`renamed_from` names the table's current name; give the previous one",
            ));
        }
    }

    Some(ModelDef {
        ident: input.ident.clone(),
        table,
        renamed_from: struct_attrs.renamed_from.map(|r| r.value),
        fields: defs,
        primary_key,
        indexes,
        unique_constraints: uniques,
        foreign_keys,
    })
}

fn read_primary_key(
    cx: &Ctxt,
    input: &DeriveInput,
    on_struct: &Option<ColumnList>,
    fields: &[ReadField],
    named: &syn::FieldsNamed,
    key_written: bool,
) -> Vec<String> {
    let on_fields: Vec<&ReadField> = fields
        .iter()
        .filter(|f| f.attrs.primary_key.is_some())
        .collect();
    if let Some(list) = on_struct {
        for field in &on_fields {
            cx.syn_error(syn::Error::new(
                field.attrs.primary_key.expect("filtered on it"),
                "the struct already lists its primary key with `primary_key(...)`; remove this one",
            ));
        }
        return resolve_list(cx, list, fields, named, "primary_key");
    }
    match on_fields.as_slice() {
        [] if key_written => Vec::new(),
        [] => {
            cx.error_spanned_by(
                &input.ident,
                format!(
                    "lback model `{}` has no primary key: mark a field `#[lback(primary_key)]`, \
                     or list the columns with `#[lback(primary_key(a, b))]` on the struct",
                    input.ident
                ),
            );
            Vec::new()
        }
        [one] => vec![one.column.clone()],
        [first, rest @ ..] => {
            for field in rest {
                cx.syn_error(syn::Error::new(
                    field.attrs.primary_key.expect("filtered on it"),
                    format!(
                        "a second primary key (the first is `{}`); for a composite key write \
                         `#[lback(primary_key({}, {}))]` on the struct instead",
                        first.ident, first.ident, field.ident
                    ),
                ));
            }
            vec![first.column.clone()]
        }
    }
}

/// Resolves the names of a struct-level list to columns: a field name, or
/// else a column name.
fn resolve_list(
    cx: &Ctxt,
    list: &ColumnList,
    fields: &[ReadField],
    named: &syn::FieldsNamed,
    what: &str,
) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for ident in &list.columns {
        let wanted = ident.unraw().to_string();
        let found = fields
            .iter()
            .find(|f| f.ident.unraw() == wanted)
            .or_else(|| fields.iter().find(|f| f.column == wanted));
        match found {
            Some(field) if columns.contains(&field.column) => {
                cx.error_spanned_by(
                    ident,
                    format!("`{wanted}` is listed twice in `{what}(...)`"),
                );
            }
            Some(field) => columns.push(field.column.clone()),
            None if named
                .named
                .iter()
                .any(|f| f.ident.as_ref().is_some_and(|i| i.unraw() == wanted)) =>
            {
                cx.error_spanned_by(
                    ident,
                    format!("field `{wanted}` is skipped, so `{what}(...)` cannot use it"),
                );
            }
            None => cx.error_spanned_by(
                ident,
                format!("`{what}(...)` names `{wanted}`, which is not a field of this struct"),
            ),
        }
    }
    columns
}

fn list_name(table: &str, prefix: &str, list: &ColumnList, columns: &[String]) -> Name {
    match &list.name {
        Some(name) => name.value().into(),
        None => {
            let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
            constraint_name(prefix, table, &columns, None).into()
        }
    }
}

fn check_distinct_names(
    cx: &Ctxt,
    input: &DeriveInput,
    indexes: &[Index],
    uniques: &[UniqueConstraint],
    foreign_keys: &[ForeignKey],
) {
    let mut seen = BTreeMap::new();
    let all = indexes
        .iter()
        .map(|i| &i.name)
        .chain(uniques.iter().map(|u| &u.name))
        .chain(foreign_keys.iter().map(|f| &f.name));
    for name in all {
        if name.trim().is_empty() {
            cx.error_spanned_by(&input.ident, "an index or constraint `name` is empty");
        } else if seen.insert(name.clone(), ()).is_some() {
            cx.error_spanned_by(
                &input.ident,
                format!("two indexes or constraints of this table are named `{name}`; give one another `name = \"...\"`"),
            );
        }
    }
}

fn read_field(cx: &Ctxt, read: &ReadField, primary_key: &[String]) -> FieldDef {
    let a = &read.attrs;
    let ty = &read.field.ty;
    let key_len = primary_key.len();
    let is_key = primary_key.contains(&read.column) || a.primary_key.is_some();
    let nullable = types::option_inner(ty).is_some();
    if let Some(inner) = types::option_inner(ty) {
        if types::option_inner(inner).is_some() {
            cx.error_spanned_by(
                ty,
                "`Option<Option<_>>` is not a column type; use one `Option`",
            );
        }
    }
    if nullable && is_key {
        cx.error_spanned_by(
            ty,
            "a primary key cannot be nullable; use the type without `Option`",
        );
    }

    let column_type = match &a.sql_type {
        Some(sql) => {
            for (given, name) in [
                (&a.max_length, "max_length"),
                (&a.precision, "precision"),
                (&a.scale, "scale"),
            ] {
                if let Some(given) = given {
                    cx.syn_error(syn::Error::new(
                        given.span,
                        format!("`sql_type` already fixes the type; write the {name} in it"),
                    ));
                }
            }
            FieldType::Sql(sql_type(&sql.value))
        }
        None => {
            let spelled = types::spelled_type(ty).column_type;
            let max_length = a.max_length.as_ref().map(|s| s.value);
            let precision = a.precision.as_ref().map(|s| s.value);
            let scale = a.scale.as_ref().map(|s| s.value);
            if let (Some(scale), None) = (&a.scale, &a.precision) {
                cx.syn_error(syn::Error::new(scale.span, "`scale` needs `precision` too"));
            }
            if let (Some(scale), Some(precision)) = (&a.scale, &a.precision) {
                if scale.value > precision.value {
                    cx.syn_error(syn::Error::new(
                        scale.span,
                        "`scale` cannot exceed `precision`",
                    ));
                }
            }
            if let Some(precision) = &a.precision {
                if precision.value > 65 {
                    cx.syn_error(syn::Error::new(
                        precision.span,
                        "`precision` above 65 is not supported by MySQL; use at most 65",
                    ));
                }
            }
            let spelled = spelled.map(|t| {
                if let Some(length) = &a.max_length {
                    if !t.is_text() {
                        cx.syn_error(syn::Error::new(
                            length.span,
                            format!("`max_length` applies only to String fields, not to a column of type `{t}`"),
                        ));
                    }
                }
                if let Some(given) = a.precision.as_ref().or(a.scale.as_ref()) {
                    if !matches!(t, ColumnType::Decimal { .. }) {
                        cx.syn_error(syn::Error::new(
                            given.span,
                            format!("`precision` and `scale` apply only to decimal fields, not to a column of type `{t}`"),
                        ));
                    }
                }
                if t.is_text() || matches!(t, ColumnType::Decimal { .. }) {
                    t.with_modifiers(max_length, precision, scale)
                } else {
                    t
                }
            });
            FieldType::Rust {
                spelled,
                max_length,
                precision,
                scale,
            }
        }
    };
    let known_type = match &column_type {
        FieldType::Sql(t) => Some(t),
        FieldType::Rust { spelled, .. } => spelled.as_ref(),
    };

    let default = match (&a.default, &a.default_sql) {
        (Some(_), Some(sql)) => {
            cx.syn_error(syn::Error::new(
                sql.span,
                "give either `default` or `default_sql`, not both",
            ));
            None
        }
        (Some(value), None) => {
            if let Some(t) = known_type {
                if !value.value.fits(t) {
                    cx.syn_error(syn::Error::new(
                        value.span,
                        format!(
                            "`default = {}` does not fit a column of type `{t}`",
                            value.value
                        ),
                    ));
                }
            }
            Some(value.value.clone())
        }
        (None, Some(sql)) => Some(DefaultValue::Sql(sql.value.clone().into())),
        (None, None) => None,
    };

    let auto_increment = match &a.auto_increment {
        Some(explicit) => {
            if explicit.value {
                if !is_key || key_len != 1 {
                    cx.syn_error(syn::Error::new(
                        explicit.span,
                        "`auto_increment` needs the field to be the table's only primary key column",
                    ));
                }
                if let Some(t) = known_type.filter(|t| !t.is_integer()) {
                    cx.syn_error(syn::Error::new(
                        explicit.span,
                        format!(
                            "only integer columns can auto-increment, not a column of type `{t}`"
                        ),
                    ));
                }
                if default.is_some() {
                    cx.syn_error(syn::Error::new(
                        explicit.span,
                        "an auto_increment column gets its values from the database; remove its default",
                    ));
                }
            }
            AutoIncrement::Explicit(explicit.value)
        }
        None if is_key && key_len == 1 && default.is_none() => AutoIncrement::IfInteger,
        None => AutoIncrement::No,
    };

    let renamed_from = a.renamed_from.as_ref().map(|r| {
        if r.value == read.column {
            cx.syn_error(syn::Error::new(
                r.span,
                "`renamed_from` names the column's current name; give the previous one",
            ));
        }
        r.value.clone()
    });

    FieldDef {
        ident: read.ident.clone(),
        ty: ty.clone(),
        column: read.column.clone(),
        column_type,
        nullable,
        default,
        auto_increment,
        renamed_from,
    }
}

/// `sql_type` text: one of lback's own type names is taken as that
/// (portable across dialects); anything else is used verbatim.
fn sql_type(text: &str) -> ColumnType {
    match text.trim().parse::<ColumnType>() {
        Ok(ColumnType::Custom(_)) | Err(_) => ColumnType::Custom(text.trim().to_owned().into()),
        Ok(portable) => portable,
    }
}

/// A struct-level `foreign_key(a, b, references = "t(x, y)", ...)`: a
/// foreign key over several columns (onto a composite primary or unique
/// key). That the target exists, is a key and has the same types is checked
/// with the other models, by `Schema::validate`.
fn read_composite_foreign_key(
    cx: &Ctxt,
    list: &ForeignKeyList,
    fields: &[ReadField],
    defs: &[FieldDef],
    named: &syn::FieldsNamed,
    table: &str,
) -> Option<ForeignKey> {
    let as_list = ColumnList {
        columns: list.columns.clone(),
        name: list.name.clone(),
        unique: false,
    };
    let columns = resolve_list(cx, &as_list, fields, named, "foreign_key");
    let target = list.references.as_ref()?;
    let (referenced_table, referenced_columns) = &target.value;
    if referenced_columns.len() != list.columns.len() {
        cx.syn_error(syn::Error::new(
            target.span,
            format!(
                "`foreign_key` lists {} column(s) but `references` names {}; name the \
                 referenced columns in the order of the listed ones",
                list.columns.len(),
                referenced_columns.len()
            ),
        ));
        return None;
    }
    if columns.len() != list.columns.len() {
        // A column was not found: reported already.
        return None;
    }
    let action = |given: &Option<attr::Spanned<ReferentialAction>>| {
        given
            .as_ref()
            .map_or(ReferentialAction::NoAction, |s| s.value)
    };
    for given in [&list.on_delete, &list.on_update].into_iter().flatten() {
        for def in defs.iter().filter(|d| columns.contains(&d.column)) {
            if given.value == ReferentialAction::SetNull && !def.nullable {
                cx.syn_error(syn::Error::new(
                    given.span,
                    format!(
                        "`set_null` sets every column of the foreign key to NULL, but `{}` is \
                         not nullable; make the field an `Option`",
                        def.ident
                    ),
                ));
            }
            if given.value == ReferentialAction::SetDefault && def.default.is_none() {
                cx.syn_error(syn::Error::new(
                    given.span,
                    format!("`set_default` needs a `default` on field `{}`", def.ident),
                ));
            }
        }
    }
    Some(ForeignKey {
        name: list_name(table, "fk", &as_list, &columns),
        columns: names(&columns),
        referenced_table: referenced_table.clone().into(),
        referenced_columns: names(referenced_columns),
        on_delete: action(&list.on_delete),
        on_update: action(&list.on_update),
    })
}

fn read_foreign_key(
    cx: &Ctxt,
    read: &ReadField,
    def: &FieldDef,
    table: &str,
) -> Option<ForeignKey> {
    let a = &read.attrs;
    let Some(target) = &a.references else {
        if a.mentioned.contains("references") {
            // Written but malformed: that is reported already.
            return None;
        }
        for given in [&a.on_delete, &a.on_update].into_iter().flatten() {
            cx.syn_error(syn::Error::new(
                given.span,
                "`on_delete` / `on_update` need `references = \"table(column)\"` on the same field",
            ));
        }
        return None;
    };
    let on_delete = a
        .on_delete
        .as_ref()
        .map_or(ReferentialAction::NoAction, |s| s.value);
    let on_update = a
        .on_update
        .as_ref()
        .map_or(ReferentialAction::NoAction, |s| s.value);
    for given in [&a.on_delete, &a.on_update].into_iter().flatten() {
        if given.value == ReferentialAction::SetNull && !def.nullable {
            cx.syn_error(syn::Error::new(
                given.span,
                "`set_null` needs a nullable column; make the field an `Option`",
            ));
        }
        if given.value == ReferentialAction::SetDefault && def.default.is_none() {
            cx.syn_error(syn::Error::new(
                given.span,
                "`set_default` needs a `default` on this field",
            ));
        }
    }
    let (referenced_table, referenced_column) = &target.value;
    Some(ForeignKey {
        name: constraint_name("fk", table, &[&read.column], None).into(),
        columns: vec![Name::from(read.column.clone())].into(),
        referenced_table: referenced_table.clone().into(),
        referenced_columns: vec![Name::from(referenced_column.clone())].into(),
        on_delete,
        on_update,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_follow_diesel() {
        assert_eq!(infer_table_name("User"), "users");
        assert_eq!(infer_table_name("BlogPost"), "blog_posts");
        assert_eq!(infer_table_name("FooBarBaz"), "foo_bar_bazs");
    }

    fn table_of(source: &str) -> Table {
        let input: DeriveInput = syn::parse_str(source).unwrap();
        parse_model(&input).unwrap().to_table().unwrap()
    }

    fn errors_of(source: &str) -> Vec<String> {
        let input: DeriveInput = syn::parse_str(source).unwrap();
        parse_model(&input)
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn a_reference_to_a_table_whose_name_has_a_space() {
        let table = table_of(
            "#[lback(table = \"odd items\")] struct OddItem { #[lback(primary_key)] id: i64, \
             #[lback(references = \"odd name(my id)\", on_delete = \"cascade\")] odd_id: i64 }",
        );
        assert_eq!(table.foreign_keys[0].referenced_table, "odd name");
        assert_eq!(table.foreign_keys[0].referenced_columns[..], ["my id"]);
        let errors = errors_of(
            "struct Item { #[lback(primary_key)] id: i64, #[lback(references = \"shops(a, b)\")] shop: i64 }",
        );
        assert!(
            errors[0].contains("`references` on a field names one column, this names 2"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_foreign_key_over_several_columns_goes_on_the_struct() {
        let table = table_of(
            "#[lback(primary_key(id))] \
             #[lback(foreign_key(shop, order_no, references = \"orders(shop_id, number)\", \
                 on_delete = \"cascade\"))] \
             #[lback(foreign_key(maybe_shop, maybe_no, references = \"orders(shop_id, number)\", \
                 on_delete = \"set_null\", on_update = \"cascade\", name = \"fk_lines_maybe\"))] \
             struct OrderLine { id: i64, shop: i64, #[lback(column = \"order_no\")] number: i32, \
                 maybe_shop: Option<i64>, maybe_no: Option<i32> }",
        );
        assert_eq!(
            table.foreign_keys[..],
            [
                ForeignKey {
                    name: "fk_lines_maybe".into(),
                    columns: vec![Name::from("maybe_shop"), Name::from("maybe_no")].into(),
                    referenced_table: "orders".into(),
                    referenced_columns: vec![Name::from("shop_id"), Name::from("number")].into(),
                    on_delete: ReferentialAction::SetNull,
                    on_update: ReferentialAction::Cascade,
                },
                ForeignKey {
                    name: "fk_order_lines_shop_order_no".into(),
                    columns: vec![Name::from("shop"), Name::from("order_no")].into(),
                    referenced_table: "orders".into(),
                    referenced_columns: vec![Name::from("shop_id"), Name::from("number")].into(),
                    on_delete: ReferentialAction::Cascade,
                    on_update: ReferentialAction::NoAction,
                },
            ]
        );

        let errors = errors_of(
            "#[lback(foreign_key(shop, number, references = \"orders(shop_id)\"))] \
             #[lback(foreign_key(shop, nope, references = \"orders(shop_id, number)\"))] \
             #[lback(foreign_key(shop, number))] \
             #[lback(foreign_key(shop, number, references = \"orders(a, b)\", on_delete = \"set_null\"))] \
             #[lback(foreign_key(references = \"orders(a)\"))] \
             #[lback(foreign_key)] \
             struct Line { #[lback(primary_key)] id: i64, shop: i64, number: i32 }",
        );
        let expected = [
            "`foreign_key(...)` needs `references`",
            "`foreign_key(...)` needs at least one column",
            "`foreign_key` on a struct lists its columns and what they reference",
            "`foreign_key` lists 2 column(s) but `references` names 1",
            "`foreign_key(...)` names `nope`, which is not a field of this struct",
            "`set_null` sets every column of the foreign key to NULL, but `shop` is not nullable",
        ];
        for wanted in expected {
            assert!(
                errors.iter().any(|e| e.starts_with(wanted)),
                "{wanted}: {errors:#?}"
            );
        }
        assert_eq!(errors.len(), 7, "{errors:#?}");
    }

    #[test]
    fn a_plain_struct_becomes_a_table() {
        let table = table_of(
            "struct User { #[lback(primary_key)] id: i64, #[lback(unique, max_length = 255)] email: String, bio: Option<String> }",
        );
        assert_eq!(table.name, "users");
        assert_eq!(
            table.columns[0],
            Column::new("id", ColumnType::BigInt).auto_increment()
        );
        assert_eq!(
            table.columns[1],
            Column::new("email", ColumnType::Varchar(255))
        );
        assert_eq!(
            table.columns[2],
            Column::new("bio", ColumnType::Text).nullable()
        );
        assert_eq!(table.unique_constraints[0].name, "uq_users_email");
    }

    #[test]
    fn every_mistake_of_a_struct_is_reported_at_once() {
        let errors = errors_of(
            "struct X { #[lback(primay_key)] a: i64, #[lback(max_length = 3)] b: i32, #[lback(references = \"nope\")] c: i64 }",
        );
        // The misspelled key, the max_length and the references; not also
        // "no primary key", which only repeats the misspelling.
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors[0].contains("did you mean `primary_key`"));
        assert!(
            errors.iter().all(|e| !e.contains("no primary key")),
            "{errors:#?}"
        );
    }

    #[test]
    fn a_bad_value_does_not_hide_the_keys_after_it() {
        let errors = errors_of(
            "struct X { #[lback(max_length = \"64\", primary_key = true, on_delete = \"cascade\")] a: String }",
        );
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(
            errors[0].contains("`max_length` takes a whole number"),
            "{errors:#?}"
        );
        assert!(
            errors[1].contains("`primary_key` takes no value"),
            "{errors:#?}"
        );
        assert!(errors[2].contains("need `references"), "{errors:#?}");
    }

    #[test]
    fn a_nullable_column_of_a_composite_key_is_refused() {
        let errors = errors_of("#[lback(primary_key(a, b))] struct X { a: Option<i64>, b: i64 }");
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("cannot be nullable"), "{errors:#?}");
    }

    #[test]
    fn the_build_script_reading_refuses_types_it_cannot_know() {
        let input: DeriveInput =
            syn::parse_str("struct T { #[lback(primary_key)] id: UserId }").unwrap();
        let model = parse_model(&input).unwrap();
        let error = model.to_table().unwrap_err().to_string();
        assert!(error.contains("add `#[lback(sql_type"), "{error}");
    }

    #[test]
    fn sql_type_takes_portable_names_and_verbatim_sql() {
        let table = table_of(
            "struct T { #[lback(primary_key, sql_type = \"bigint\")] id: Id, #[lback(sql_type = \"citext\")] name: Option<Name> }",
        );
        assert_eq!(table.columns[0].ty, ColumnType::BigInt);
        assert!(table.columns[0].auto_increment);
        assert_eq!(table.columns[1].ty, ColumnType::Custom("citext".into()));
        assert!(table.columns[1].nullable);
    }
}

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
