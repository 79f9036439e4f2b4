//! Reading one field: its column type, nullability, default,
//! auto-increment and rename, each checked.

use super::ctxt::Ctxt;
use super::types;
use super::{AutoIncrement, FieldDef, FieldType, ReadField};
use crate::schema::{ColumnType, DefaultValue};

pub(super) fn read_field(cx: &Ctxt, read: &ReadField, primary_key: &[String]) -> FieldDef {
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
