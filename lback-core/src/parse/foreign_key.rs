//! Foreign keys: a field's `references = "table(column)"` and a struct's
//! `foreign_key(a, b, references = "t(x, y)", ...)` over several columns.

use super::attr::{self, ColumnList, ForeignKeyList};
use super::ctxt::Ctxt;
use super::model::{list_name, resolve_list};
use super::{names, FieldDef, ReadField};
use crate::schema::{constraint_name, ForeignKey, Name, ReferentialAction};

/// A struct-level `foreign_key(a, b, references = "t(x, y)", ...)`: a
/// foreign key over several columns (onto a composite primary or unique
/// key). That the target exists, is a key and has the same types is checked
/// with the other models, by `Schema::validate`.
pub(super) fn read_composite_foreign_key(
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

pub(super) fn read_foreign_key(
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
