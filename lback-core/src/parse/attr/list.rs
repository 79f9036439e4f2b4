//! Struct-level lists: `primary_key(a, b)`, `index(...)`, `unique(...)`
//! and `foreign_key(a, b, references = "t(x, y)", ...)`, and the
//! `"table(a, b)"` text of `references`.

use proc_macro2::TokenTree;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::Ident;

use super::value::{action, flag, recover, string_value};
use super::{path_name, ColumnList, ForeignKeyList, Once};
use crate::parse::ctxt::Ctxt;

pub(super) fn column_list(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    allow_name: bool,
    allow_unique: bool,
) -> syn::Result<ColumnList> {
    let what = path_name(meta);
    let span = meta.path.span();
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format_args!(
            "`{what}` on a struct lists columns: `#[lback({what}(a, b))]` (on a single field, write `#[lback({what})]` on the field)"
        )));
    }
    let empty = || -> syn::Result<bool> {
        let content;
        syn::parenthesized!(content in meta.input.fork());
        Ok(content.is_empty())
    };
    if empty()? {
        meta.input.parse::<TokenTree>()?;
        return Err(syn::Error::new(
            span,
            format!("`{what}(...)` needs at least one field"),
        ));
    }
    let mut list = ColumnList {
        columns: Vec::new(),
        name: None,
        unique: false,
    };
    meta.parse_nested_meta(|inner| {
        let read = (|| {
            if inner.path.is_ident("name") && inner.input.peek(syn::Token![=]) {
                if !allow_name {
                    return Err(inner.error(format_args!("`{what}` takes no name")));
                }
                if list.name.is_some() {
                    return Err(inner.error("duplicate `name`"));
                }
                list.name = Some(string_value(&inner)?);
            } else if allow_unique && inner.path.is_ident("unique") {
                list.unique = true;
                flag(&inner)?;
            } else if let Some(ident) = inner.path.get_ident() {
                list.columns.push(ident.clone());
            } else {
                return Err(inner.error(format_args!("expected a field name in `{what}(...)`")));
            }
            Ok(())
        })();
        recover(cx, inner.input, read)
    })?;
    if list.columns.is_empty() {
        return Err(syn::Error::new(
            span,
            format!("`{what}(...)` needs at least one field"),
        ));
    }
    Ok(list)
}

/// `foreign_key(a, b, references = "t(x, y)", on_delete = "...", on_update
/// = "...", name = "...")`: the columns first or anywhere, the options once
/// each. What needs the fields (the columns exist, as many as referenced,
/// nullable for `set_null`) is checked by the caller.
pub(super) fn foreign_key_list(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<ForeignKeyList> {
    let span = meta.path.span();
    const FORM: &str = "`foreign_key(a, b, references = \"table(x, y)\")`";
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format_args!(
            "`foreign_key` on a struct lists its columns and what they reference: {FORM} \
             (on a single field, write `#[lback(references = \"table(column)\")]` on the field)"
        )));
    }
    let mut list = ForeignKeyList {
        columns: Vec::new(),
        references: None,
        on_delete: None,
        on_update: None,
        name: None,
    };
    let mut references = Once::new("foreign_key", "references");
    let mut on_delete = Once::new("foreign_key", "on_delete");
    let mut on_update = Once::new("foreign_key", "on_update");
    let mut name = Once::new("foreign_key", "name");
    // Written but malformed: reported already, no "needs `references`".
    let mut wrote_references = false;
    meta.parse_nested_meta(|inner| {
        let key_span = inner.path.span();
        let read = (|| {
            let valued = inner.input.peek(syn::Token![=]);
            match inner.path.get_ident().map(Ident::to_string).as_deref() {
                Some("references") if valued => {
                    wrote_references = true;
                    let lit = string_value(&inner)?;
                    match split_reference(&lit.value()) {
                        Some(target) => references.set_at(cx, key_span, target, lit.span()),
                        None => cx.error_spanned_by(
                            &lit,
                            format!(
                                "malformed `references = {:?}`: expected \"table(x, y)\", the \
                                 referenced columns in the order of the foreign key's",
                                lit.value()
                            ),
                        ),
                    }
                }
                Some("on_delete") if valued => {
                    on_delete.set(cx, key_span, action(&inner, "on_delete")?)
                }
                Some("on_update") if valued => {
                    on_update.set(cx, key_span, action(&inner, "on_update")?)
                }
                Some("name") if valued => name.set(cx, key_span, string_value(&inner)?),
                Some(_) if !valued && !inner.input.peek(syn::token::Paren) => {
                    let ident = inner.path.get_ident().expect("matched an ident");
                    list.columns.push(ident.clone());
                }
                _ => {
                    return Err(inner.error(format_args!(
                        "expected a column or `references`, `on_delete`, `on_update`, `name` in \
                         {FORM}"
                    )))
                }
            }
            Ok(())
        })();
        recover(cx, inner.input, read)
    })?;
    list.references = references.value;
    list.on_delete = on_delete.value;
    list.on_update = on_update.value;
    list.name = name.value.map(|n| n.value);
    if list.columns.is_empty() {
        return Err(syn::Error::new(
            span,
            format!("`foreign_key(...)` needs at least one column: {FORM}"),
        ));
    }
    if list.references.is_none() && !wrote_references {
        cx.syn_error(syn::Error::new(
            span,
            format!("`foreign_key(...)` needs `references`: {FORM}"),
        ));
    }
    Ok(list)
}

/// `"table(column)"` / `"table(a, b)"` into the table and its columns.
/// Names may hold spaces (`"odd name(id)"`, as `table = "odd name"`
/// allows), but no parenthesis or comma; each is trimmed.
pub(super) fn split_reference(text: &str) -> Option<(String, Vec<String>)> {
    let (table, rest) = text.trim().split_once('(')?;
    let columns = rest.strip_suffix(')')?;
    let valid = |s: &str| !s.is_empty() && !s.contains(['(', ')', ',']);
    let table = table.trim();
    let columns: Vec<String> = columns.split(',').map(|c| c.trim().to_owned()).collect();
    (valid(table) && columns.iter().all(|c| valid(c))).then(|| (table.to_owned(), columns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_into_table_and_columns() {
        let split = |table: &str, columns: &[&str]| {
            Some((
                table.to_owned(),
                columns.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            ))
        };
        assert_eq!(split_reference("users(id)"), split("users", &["id"]));
        assert_eq!(split_reference(" users ( id ) "), split("users", &["id"]));
        assert_eq!(
            split_reference("odd name(my id)"),
            split("odd name", &["my id"])
        );
        assert_eq!(
            split_reference("orders(shop_id, number)"),
            split("orders", &["shop_id", "number"])
        );
        for bad in [
            "users",
            "users()",
            "(id)",
            "users(id",
            "users(a,)",
            "users(, b)",
            "users(id)x",
            "a(b)(id)",
        ] {
            assert_eq!(split_reference(bad), None, "{bad}");
        }
    }
}
