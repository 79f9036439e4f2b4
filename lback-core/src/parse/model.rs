//! Reading a struct as a whole: the table's name, the fields, the primary
//! key and the struct-level lists (indexes, uniques, foreign keys), each
//! checked and named.

use std::collections::BTreeMap;

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, FieldsNamed, Ident};

use super::attr::{self, ColumnList, FieldAttrs, Spanned, StructAttrs};
use super::ctxt::Ctxt;
use super::diesel::{self, DieselStruct};
use super::field::read_field;
use super::foreign_key::{read_composite_foreign_key, read_foreign_key};
use super::{infer_table_name, names, same_name, FieldDef, ModelDef, ReadField};
use crate::schema::{constraint_name, ForeignKey, Index, Name, Names, UniqueConstraint};

pub(super) fn read_model(cx: &Ctxt, input: &DeriveInput) -> Option<ModelDef> {
    let struct_attrs = attr::struct_attrs(cx, &input.attrs);
    let diesel_attrs = diesel::struct_attrs(&input.attrs);
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "lback models cannot have generic parameters; derive Model on a struct that owns its data",
        );
    }
    let named = named_fields(cx, input)?;
    let table = table_name(cx, input, &struct_attrs, &diesel_attrs);

    // Read every field first: struct-level lists refer to them.
    // A key written somewhere, even wrongly: its mistake is reported, and
    // "no primary key" would only repeat it.
    let mut key_written = struct_attrs.mentioned.contains("primary_key");
    let fields = read_fields(cx, named, &table, &mut key_written);
    let primary_key = model_primary_key(
        cx,
        input,
        &struct_attrs,
        &diesel_attrs,
        &fields,
        named,
        key_written,
    );

    let mut constraints = Constraints::default();
    let mut defs = Vec::new();
    for read in &fields {
        let def = read_field(cx, read, &primary_key);
        constraints.add_field_flags(cx, read, &table);
        if let Some(fk) = read_foreign_key(cx, read, &def, &table) {
            constraints.foreign_keys.push(fk);
        }
        defs.push(def);
    }
    constraints.add_struct_lists(cx, &struct_attrs, &fields, &defs, named, &table);
    constraints.check_and_sort(cx, input);

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
        indexes: constraints.indexes,
        unique_constraints: constraints.uniques,
        foreign_keys: constraints.foreign_keys,
    })
}

/// The struct's named fields; anything else (a tuple or unit struct, an
/// enum, a union) is reported and gives `None`.
fn named_fields<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Option<&'a FieldsNamed> {
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Some(named),
            Fields::Unnamed(_) => {
                cx.error_spanned_by(
                    &input.ident,
                    "lback models need named fields (one per column); tuple structs are not supported",
                );
                None
            }
            Fields::Unit => {
                cx.error_spanned_by(
                    &input.ident,
                    "lback models need named fields, one per column",
                );
                None
            }
        },
        Data::Enum(data) => {
            cx.error_spanned_by(
                data.enum_token,
                "lback::Model derives on structs only; an enum is not a table",
            );
            None
        }
        Data::Union(data) => {
            cx.error_spanned_by(data.union_token, "lback::Model derives on structs only");
            None
        }
    }
}

/// The table's name: lback's `table = ...`, else diesel's `table_name`,
/// else inferred from the struct's name. Where both are written they must
/// agree.
fn table_name(
    cx: &Ctxt,
    input: &DeriveInput,
    struct_attrs: &StructAttrs,
    diesel_attrs: &DieselStruct,
) -> String {
    let table = written_name(cx, &struct_attrs.table, "table", String::new).unwrap_or_else(|| {
        match &diesel_attrs.table_name {
            Some(diesel) => diesel.name.clone(),
            None => infer_table_name(&input.ident.unraw().to_string()),
        }
    });
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
    table
}

/// Reads every field that is not skipped, with its column name; two fields
/// on one column are reported. Sets `key_written` when a field mentions
/// `primary_key`, even a skipped one.
fn read_fields<'a>(
    cx: &Ctxt,
    named: &'a FieldsNamed,
    table: &str,
    key_written: &mut bool,
) -> Vec<ReadField<'a>> {
    let mut fields = Vec::new();
    let mut columns_seen: BTreeMap<String, &Ident> = BTreeMap::new();
    for field in &named.named {
        let ident = field.ident.as_ref().expect("named fields have names");
        let attrs = attr::field_attrs(cx, &field.attrs);
        *key_written |= attrs.mentioned.contains("primary_key");
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
        let column = column_name(cx, field, &attrs, table);
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
    fields
}

/// The name written as `key = "..."`, if it is. An empty one is reported
/// and read as `empty()`, so checks that follow still have a name.
fn written_name(
    cx: &Ctxt,
    written: &Option<Spanned<String>>,
    key: &str,
    empty: impl FnOnce() -> String,
) -> Option<String> {
    let written = written.as_ref()?;
    if written.value.trim().is_empty() {
        cx.syn_error(syn::Error::new(
            written.span,
            format!("`{key}` needs a name"),
        ));
        Some(empty())
    } else {
        Some(written.value.clone())
    }
}

/// A field's column name: diesel's `column_name` when lback's `column` is
/// not written, else lback's `column` (which must agree with diesel's), else
/// the field's name.
fn column_name(cx: &Ctxt, field: &syn::Field, attrs: &FieldAttrs, table: &str) -> String {
    let field_name = || {
        let ident = field.ident.as_ref().expect("named fields have names");
        ident.unraw().to_string()
    };
    let column = written_name(cx, &attrs.column, "column", field_name).unwrap_or_else(field_name);
    match (diesel::column_name(&field.attrs), &attrs.column) {
        (Some(diesel), None) => diesel.name,
        (Some(diesel), Some(lback)) if !same_name(&lback.value, &diesel.name, Some(table)) => {
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
                        Some(&crate::schema_rs::rust_name(table, None))
                    )
                ),
            ));
            column
        }
        _ => column,
    }
}

/// The primary key's columns. diesel's `primary_key(...)` is the key when
/// lback's names none, and must agree with it when lback's does.
fn model_primary_key(
    cx: &Ctxt,
    input: &DeriveInput,
    struct_attrs: &StructAttrs,
    diesel_attrs: &DieselStruct,
    fields: &[ReadField],
    named: &FieldsNamed,
    key_written: bool,
) -> Vec<String> {
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
        fields,
        named,
        key_written || diesel_key.is_some(),
    );
    if let (Some((list, span)), true) = (&diesel_key, lback_key) {
        let diesel_columns = resolve_list(cx, list, fields, named, "primary_key");
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
    primary_key
}

/// The table's indexes, unique constraints and foreign keys, gathered from
/// the fields' flags and the struct's lists.
#[derive(Default)]
struct Constraints {
    indexes: Vec<Index>,
    uniques: Vec<UniqueConstraint>,
    foreign_keys: Vec<ForeignKey>,
}

impl Constraints {
    /// Adds the one-column index or unique constraint a field's `index` or
    /// `unique` flag asks for; a flag that adds nothing (an index on a
    /// unique or key column) is reported instead.
    fn add_field_flags(&mut self, cx: &Ctxt, read: &ReadField, table: &str) {
        let a = &read.attrs;
        let column = read.column.as_str();
        let index_redundant = if a.unique.is_some() {
            Some("`unique` already creates an index; remove `index`")
        } else if a.primary_key.is_some() {
            Some("a primary key is already indexed; remove `index`")
        } else {
            None
        };
        if flag_adds(cx, a.index, index_redundant) {
            self.indexes.push(Index {
                name: constraint_name("ix", table, &[column], None).into(),
                columns: one_column(column),
                unique: false,
            });
        }
        let unique_redundant = a
            .primary_key
            .map(|_| "a primary key is already unique; remove `unique`");
        if flag_adds(cx, a.unique, unique_redundant) {
            self.uniques.push(UniqueConstraint {
                name: constraint_name("uq", table, &[column], None).into(),
                columns: one_column(column),
            });
        }
    }

    /// Adds the struct's `index(...)`, `unique(...)` and `foreign_key(...)`
    /// lists.
    fn add_struct_lists(
        &mut self,
        cx: &Ctxt,
        struct_attrs: &StructAttrs,
        fields: &[ReadField],
        defs: &[FieldDef],
        named: &FieldsNamed,
        table: &str,
    ) {
        for list in &struct_attrs.indexes {
            let columns = resolve_list(cx, list, fields, named, "index");
            let prefix = if list.unique { "ux" } else { "ix" };
            self.indexes.push(Index {
                name: list_name(table, prefix, list, &columns),
                columns: names(&columns),
                unique: list.unique,
            });
        }
        for list in &struct_attrs.uniques {
            let columns = resolve_list(cx, list, fields, named, "unique");
            self.uniques.push(UniqueConstraint {
                name: list_name(table, "uq", list, &columns),
                columns: names(&columns),
            });
        }
        for list in &struct_attrs.foreign_keys {
            if let Some(fk) = read_composite_foreign_key(cx, list, fields, defs, named, table) {
                self.foreign_keys.push(fk);
            }
        }
    }

    /// Checks that no two names clash, then sorts each list by name.
    fn check_and_sort(&mut self, cx: &Ctxt, input: &DeriveInput) {
        check_distinct_names(cx, input, &self.indexes, &self.uniques, &self.foreign_keys);
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

/// Whether a field's flag (written at `flag`) adds a constraint: it does
/// when written and not `redundant`; a redundant one is reported at the flag.
fn flag_adds(cx: &Ctxt, flag: Option<Span>, redundant: Option<&str>) -> bool {
    match (flag, redundant) {
        (Some(at), Some(message)) => {
            cx.syn_error(syn::Error::new(at, message));
            false
        }
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The column list of a one-column index or constraint.
fn one_column(column: &str) -> Names {
    vec![Name::from(column.to_owned())].into()
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
pub(super) fn resolve_list(
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

pub(super) fn list_name(table: &str, prefix: &str, list: &ColumnList, columns: &[String]) -> Name {
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
