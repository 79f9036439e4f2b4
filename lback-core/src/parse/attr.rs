//! Reads `#[lback(...)]` attributes into raw values, keeping each value's
//! tokens so later checks can point at them.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, Expr, ExprLit, ExprUnary, Ident, Lit, LitBool, LitInt, LitStr, UnOp};

use super::ctxt::Ctxt;
use crate::schema::{DefaultValue, ReferentialAction};

/// A value together with the tokens it came from.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

/// One attribute that may be given once: a second occurrence is an error.
struct Once<T> {
    name: &'static str,
    kind: &'static str,
    value: Option<Spanned<T>>,
}

impl<T> Once<T> {
    fn new(kind: &'static str, name: &'static str) -> Self {
        Self {
            name,
            kind,
            value: None,
        }
    }

    fn set(&mut self, cx: &Ctxt, span: Span, value: T) {
        if self.value.is_some() {
            cx.syn_error(syn::Error::new(
                span,
                format!("duplicate lback {} attribute `{}`", self.kind, self.name),
            ));
        } else {
            self.value = Some(Spanned { value, span });
        }
    }
}

/// A column list with options: `index(a, b, name = "ix", unique)`.
#[derive(Debug, Clone)]
pub struct ColumnList {
    /// The listed names, with their tokens.
    pub columns: Vec<Ident>,
    /// `name = "..."`.
    pub name: Option<LitStr>,
    /// `unique` (indexes only).
    pub unique: bool,
}

/// The struct-level attributes.
#[derive(Default)]
pub struct StructAttrs {
    /// `table = "..."`.
    pub table: Option<Spanned<String>>,
    /// `primary_key(a, b)`.
    pub primary_key: Option<ColumnList>,
    /// `index(...)`, each occurrence.
    pub indexes: Vec<ColumnList>,
    /// `unique(...)`, each occurrence.
    pub uniques: Vec<ColumnList>,
    /// `renamed_from = "..."`.
    pub renamed_from: Option<Spanned<String>>,
}

const STRUCT_ATTRIBUTES: &[&str] = &["table", "primary_key", "index", "unique", "renamed_from"];
const FIELD_ATTRIBUTES: &[&str] = &[
    "primary_key",
    "column",
    "unique",
    "index",
    "default",
    "default_sql",
    "max_length",
    "precision",
    "scale",
    "sql_type",
    "references",
    "on_delete",
    "on_update",
    "renamed_from",
    "skip",
    "auto_increment",
];

pub(crate) fn struct_attrs(cx: &Ctxt, attrs: &[Attribute]) -> StructAttrs {
    let mut table = Once::new("struct", "table");
    let mut primary_key = Once::new("struct", "primary_key");
    let mut renamed_from = Once::new("struct", "renamed_from");
    let mut indexes = Vec::new();
    let mut uniques = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("lback")) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            let key = path_name(&meta);
            match key.as_str() {
                "table" => table.set(cx, span, string_value(&meta)?.value()),
                "renamed_from" => renamed_from.set(cx, span, string_value(&meta)?.value()),
                "primary_key" => {
                    let list = column_list(&meta, false, false)?;
                    primary_key.set(cx, span, list);
                }
                "index" => indexes.push(column_list(&meta, true, true)?),
                "unique" => uniques.push(column_list(&meta, true, false)?),
                _ => {
                    unknown(cx, &meta, "struct", &key, STRUCT_ATTRIBUTES, FIELD_ATTRIBUTES);
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    StructAttrs {
        table: table.value,
        primary_key: primary_key.value.map(|s| s.value),
        indexes,
        uniques,
        renamed_from: renamed_from.value,
    }
}

/// The field-level attributes.
#[derive(Default)]
pub struct FieldAttrs {
    /// `primary_key`.
    pub primary_key: Option<Span>,
    /// `column = "..."`.
    pub column: Option<Spanned<String>>,
    /// `unique`.
    pub unique: Option<Span>,
    /// `index`.
    pub index: Option<Span>,
    /// `default = <literal>`.
    pub default: Option<Spanned<DefaultValue>>,
    /// `default_sql = "..."`.
    pub default_sql: Option<Spanned<String>>,
    /// `max_length = N`.
    pub max_length: Option<Spanned<u32>>,
    /// `precision = N`.
    pub precision: Option<Spanned<u32>>,
    /// `scale = N`.
    pub scale: Option<Spanned<u32>>,
    /// `sql_type = "..."`.
    pub sql_type: Option<Spanned<String>>,
    /// `references = "table(column)"`, split.
    pub references: Option<Spanned<(String, String)>>,
    /// `on_delete = "..."`.
    pub on_delete: Option<Spanned<ReferentialAction>>,
    /// `on_update = "..."`.
    pub on_update: Option<Spanned<ReferentialAction>>,
    /// `renamed_from = "..."`.
    pub renamed_from: Option<Spanned<String>>,
    /// `skip`.
    pub skip: Option<Span>,
    /// `auto_increment` or `auto_increment = bool`.
    pub auto_increment: Option<Spanned<bool>>,
    /// Span of the first `#[lback]` attribute other than `skip`, to point at
    /// when `skip` is combined with anything else.
    pub first_other: Option<Span>,
}

pub(crate) fn field_attrs(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut primary_key = Once::new("field", "primary_key");
    let mut column = Once::new("field", "column");
    let mut unique = Once::new("field", "unique");
    let mut index = Once::new("field", "index");
    let mut default = Once::new("field", "default");
    let mut default_sql = Once::new("field", "default_sql");
    let mut max_length = Once::new("field", "max_length");
    let mut precision = Once::new("field", "precision");
    let mut scale = Once::new("field", "scale");
    let mut sql_type = Once::new("field", "sql_type");
    let mut references = Once::new("field", "references");
    let mut on_delete = Once::new("field", "on_delete");
    let mut on_update = Once::new("field", "on_update");
    let mut renamed_from = Once::new("field", "renamed_from");
    let mut skip = Once::new("field", "skip");
    let mut auto_increment = Once::new("field", "auto_increment");
    let mut first_other = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("lback")) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            let key = path_name(&meta);
            if key != "skip" && first_other.is_none() {
                first_other = Some(span);
            }
            match key.as_str() {
                "primary_key" => primary_key.set(cx, span, flag(&meta)?),
                "unique" => unique.set(cx, span, flag(&meta)?),
                "index" => index.set(cx, span, flag(&meta)?),
                "skip" => skip.set(cx, span, flag(&meta)?),
                "column" => column.set(cx, span, string_value(&meta)?.value()),
                "renamed_from" => renamed_from.set(cx, span, string_value(&meta)?.value()),
                "default" => default.set(cx, span, default_literal(&meta)?),
                "default_sql" => {
                    let sql = string_value(&meta)?;
                    if sql.value().trim().is_empty() {
                        cx.error_spanned_by(&sql, "`default_sql` needs an SQL expression");
                    }
                    default_sql.set(cx, span, sql.value());
                }
                "max_length" => max_length.set(cx, span, positive(&meta, "max_length")?),
                "precision" => precision.set(cx, span, positive(&meta, "precision")?),
                "scale" => {
                    let lit: LitInt = meta.value()?.parse()?;
                    scale.set(cx, span, lit.base10_parse::<u32>()?);
                }
                "sql_type" => {
                    let sql = string_value(&meta)?;
                    if sql.value().trim().is_empty() {
                        cx.error_spanned_by(&sql, "`sql_type` needs a type, e.g. `sql_type = \"citext\"`");
                    }
                    sql_type.set(cx, span, sql.value());
                }
                "references" => {
                    let lit = string_value(&meta)?;
                    match split_reference(&lit.value()) {
                        Some(target) => references.set(cx, span, target),
                        None => cx.error_spanned_by(
                            &lit,
                            format!(
                                "malformed `references = {:?}`: expected \"table(column)\", e.g. \"users(id)\"",
                                lit.value()
                            ),
                        ),
                    }
                }
                "on_delete" => on_delete.set(cx, span, action(&meta, "on_delete")?),
                "on_update" => on_update.set(cx, span, action(&meta, "on_update")?),
                "auto_increment" => {
                    let value = if meta.input.peek(syn::Token![=]) {
                        meta.value()?.parse::<LitBool>()?.value
                    } else {
                        true
                    };
                    auto_increment.set(cx, span, value);
                }
                _ => {
                    unknown(cx, &meta, "field", &key, FIELD_ATTRIBUTES, STRUCT_ATTRIBUTES);
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    let span_only = |once: Once<()>| once.value.map(|s| s.span);
    FieldAttrs {
        primary_key: span_only(primary_key),
        column: column.value,
        unique: span_only(unique),
        index: span_only(index),
        default: default.value,
        default_sql: default_sql.value,
        max_length: max_length.value,
        precision: precision.value,
        scale: scale.value,
        sql_type: sql_type.value,
        references: references.value,
        on_delete: on_delete.value,
        on_update: on_update.value,
        renamed_from: renamed_from.value,
        skip: span_only(skip),
        auto_increment: auto_increment.value,
        first_other,
    }
}

fn path_name(meta: &ParseNestedMeta) -> String {
    meta.path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn unknown(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    kind: &str,
    key: &str,
    known: &[&str],
    other_level: &[&str],
) {
    let mut message = format!("unknown lback {kind} attribute `{key}`");
    if let Some(close) = known.iter().find(|k| edit_distance(k, key) <= 2) {
        message.push_str(&format!("; did you mean `{close}`?"));
    } else if other_level.contains(&key) {
        let place = if kind == "field" { "the struct" } else { "a field" };
        message.push_str(&format!("; `{key}` belongs on {place}"));
    } else {
        message.push_str(&format!("; expected one of {}", known.join(", ")));
    }
    cx.error_spanned_by(&meta.path, message);
}

/// Consumes `= value` or `(...)` after an unknown key so parsing can go on.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

fn flag(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format_args!(
            "`{}` takes no value: write `#[lback({})]`",
            path_name(meta),
            path_name(meta)
        )));
    }
    Ok(())
}

fn string_value(meta: &ParseNestedMeta) -> syn::Result<LitStr> {
    let name = path_name(meta);
    let value = meta.value()?;
    value.parse::<LitStr>().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("`{name}` takes a string: `{name} = \"...\"`"),
        )
    })
}

fn positive(meta: &ParseNestedMeta, name: &str) -> syn::Result<u32> {
    let lit: LitInt = meta.value()?.parse()?;
    let value = lit.base10_parse::<u32>()?;
    if value == 0 {
        return Err(syn::Error::new(lit.span(), format!("`{name}` must be at least 1")));
    }
    Ok(value)
}

fn action(meta: &ParseNestedMeta, name: &str) -> syn::Result<ReferentialAction> {
    let lit: LitStr = meta.value()?.parse()?;
    ReferentialAction::from_attribute(&lit.value()).ok_or_else(|| {
        let names: Vec<_> = ReferentialAction::ALL.iter().map(|(n, _)| *n).collect();
        syn::Error::new(
            lit.span(),
            format!(
                "unknown `{name}` action {:?}: expected one of {}",
                lit.value(),
                names.join(", ")
            ),
        )
    })
}

fn default_literal(meta: &ParseNestedMeta) -> syn::Result<DefaultValue> {
    let expr: Expr = meta.value()?.parse()?;
    let refuse = |tokens: &dyn quote::ToTokens| {
        syn::Error::new_spanned(
            tokens,
            "`default` takes a literal (number, string, true or false); \
             for an SQL expression use `default_sql = \"...\"`",
        )
    };
    let (negative, lit) = match &expr {
        Expr::Lit(ExprLit { lit, .. }) => (false, lit),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr: inner,
            ..
        }) => match &**inner {
            Expr::Lit(ExprLit { lit, .. }) => (true, lit),
            _ => return Err(refuse(&expr)),
        },
        _ => return Err(refuse(&expr)),
    };
    Ok(match lit {
        Lit::Int(int) => {
            let text = if negative {
                format!("-{}", int.base10_digits())
            } else {
                int.base10_digits().to_owned()
            };
            DefaultValue::Int(text.parse().map_err(|_| {
                syn::Error::new_spanned(&expr, "integer default out of range for a 64-bit column")
            })?)
        }
        Lit::Float(float) => {
            let value: f64 = float.base10_parse()?;
            DefaultValue::Float(if negative { -value } else { value })
        }
        Lit::Bool(b) if !negative => DefaultValue::Bool(b.value),
        Lit::Str(s) if !negative => DefaultValue::Text(s.value().into()),
        _ => return Err(refuse(&expr)),
    })
}

fn column_list(meta: &ParseNestedMeta, allow_name: bool, allow_unique: bool) -> syn::Result<ColumnList> {
    let what = path_name(meta);
    let span = meta.path.span();
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format_args!(
            "`{what}` on a struct lists columns: `#[lback({what}(a, b))]` (on a single field, write `#[lback({what})]` on the field)"
        )));
    }
    let mut list = ColumnList {
        columns: Vec::new(),
        name: None,
        unique: false,
    };
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("name") && inner.input.peek(syn::Token![=]) {
            if !allow_name {
                return Err(inner.error(format_args!("`{what}` takes no name")));
            }
            if list.name.is_some() {
                return Err(inner.error("duplicate `name`"));
            }
            list.name = Some(inner.value()?.parse()?);
        } else if allow_unique && inner.path.is_ident("unique") {
            flag(&inner)?;
            list.unique = true;
        } else if let Some(ident) = inner.path.get_ident() {
            list.columns.push(ident.clone());
        } else {
            return Err(inner.error(format_args!("expected a field name in `{what}(...)`")));
        }
        Ok(())
    })?;
    if list.columns.is_empty() {
        return Err(syn::Error::new(span, format!("`{what}(...)` needs at least one field")));
    }
    Ok(list)
}

/// `"table(column)"` into its two parts.
fn split_reference(text: &str) -> Option<(String, String)> {
    let (table, rest) = text.trim().split_once('(')?;
    let column = rest.strip_suffix(')')?;
    let (table, column) = (table.trim(), column.trim());
    let valid = |s: &str| !s.is_empty() && !s.contains(['(', ')', ',', ' ']);
    (valid(table) && valid(column)).then(|| (table.to_owned(), column.to_owned()))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_into_table_and_column() {
        assert_eq!(split_reference("users(id)"), Some(("users".into(), "id".into())));
        assert_eq!(split_reference(" users ( id ) "), Some(("users".into(), "id".into())));
        for bad in ["users", "users()", "(id)", "users(id", "users(a, b)", "users(id)x"] {
            assert_eq!(split_reference(bad), None, "{bad}");
        }
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("primary_key", "primay_key"), 1);
        assert_eq!(edit_distance("index", "index"), 0);
        assert_eq!(edit_distance("abc", ""), 3);
    }
}
