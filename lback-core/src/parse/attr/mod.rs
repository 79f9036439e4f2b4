//! Reads `#[lback(...)]` attributes into raw values, keeping each value's
//! tokens so later checks can point at them.

mod list;
mod value;

use std::collections::BTreeSet;

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, Ident, LitBool, LitStr};

use self::list::{column_list, foreign_key_list, split_reference};
use self::value::{
    action, default_literal, flag, number, recover, set_flag, skip_to_comma, string_value, value_of,
};
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
        self.set_at(cx, span, value, span);
    }

    /// Sets the value given at `key`, keeping `at` as the place later
    /// checks of the value point at.
    fn set_at(&mut self, cx: &Ctxt, key: Span, value: T, at: Span) {
        if self.value.is_some() {
            cx.syn_error(syn::Error::new(
                key,
                format!(
                    "duplicate lback {} attribute `{}`; remove this one",
                    self.kind, self.name
                ),
            ));
        } else {
            self.value = Some(Spanned { value, span: at });
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

/// A foreign key over columns of the struct:
/// `foreign_key(a, b, references = "table(x, y)", on_delete = "cascade",
/// on_update = "...", name = "...")`.
#[derive(Debug, Clone)]
pub struct ForeignKeyList {
    /// The listed columns (by field or column name), with their tokens.
    pub columns: Vec<Ident>,
    /// `references = "table(x, y)"`, split, spanned at the string.
    pub references: Option<Spanned<(String, Vec<String>)>>,
    /// `on_delete = "..."`.
    pub on_delete: Option<Spanned<ReferentialAction>>,
    /// `on_update = "..."`.
    pub on_update: Option<Spanned<ReferentialAction>>,
    /// `name = "..."`.
    pub name: Option<LitStr>,
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
    /// `foreign_key(...)`, each occurrence.
    pub foreign_keys: Vec<ForeignKeyList>,
    /// `renamed_from = "..."`.
    pub renamed_from: Option<Spanned<String>>,
    /// Every attribute name written, valid or not, and the name a
    /// misspelling was taken for: a check that would only repeat a reported
    /// mistake (no primary key after `primay_key`) looks here first.
    pub mentioned: BTreeSet<String>,
}

const STRUCT_ATTRIBUTES: &[&str] = &[
    "table",
    "primary_key",
    "index",
    "unique",
    "foreign_key",
    "renamed_from",
];
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
    let mut foreign_keys = Vec::new();
    let mut mentioned = BTreeSet::new();
    read_keys(
        cx,
        attrs,
        &STRUCT_LEVEL,
        &mut mentioned,
        |meta, span, key| {
            match key {
                "table" => table.set(cx, span, string_value(meta)?.value()),
                "renamed_from" => renamed_from.set(cx, span, string_value(meta)?.value()),
                "primary_key" => {
                    let list = column_list(cx, meta, false, false)?;
                    primary_key.set(cx, span, list);
                }
                "index" => indexes.push(column_list(cx, meta, true, true)?),
                "unique" => uniques.push(column_list(cx, meta, true, false)?),
                "foreign_key" => foreign_keys.push(foreign_key_list(cx, meta)?),
                _ => return Ok(false),
            }
            Ok(true)
        },
    );
    StructAttrs {
        table: table.value,
        primary_key: primary_key.value.map(|s| s.value),
        indexes,
        uniques,
        foreign_keys,
        renamed_from: renamed_from.value,
        mentioned,
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
    /// `default = <literal>`, spanned at the literal.
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
    /// Every attribute name written, valid or not, and the name a
    /// misspelling was taken for: a check that would only repeat a reported
    /// mistake (`on_delete` without `references` after a malformed
    /// `references`) looks here first.
    pub mentioned: BTreeSet<String>,
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
    let mut mentioned = BTreeSet::new();
    read_keys(
        cx,
        attrs,
        &FIELD_LEVEL,
        &mut mentioned,
        |meta, span, key| {
            if key != "skip" && FIELD_ATTRIBUTES.contains(&key) && first_other.is_none() {
                first_other = Some(span);
            }
            match key {
                "primary_key" => set_flag(cx, meta, &mut primary_key)?,
                "unique" => set_flag(cx, meta, &mut unique)?,
                "index" => set_flag(cx, meta, &mut index)?,
                "skip" => set_flag(cx, meta, &mut skip)?,
                "column" => column.set(cx, span, string_value(meta)?.value()),
                "renamed_from" => renamed_from.set(cx, span, string_value(meta)?.value()),
                "default" => {
                    let (value, at) = default_literal(meta)?;
                    default.set_at(cx, span, value, at);
                }
                "default_sql" => {
                    let sql = string_value(meta)?;
                    if sql.value().trim().is_empty() {
                        cx.error_spanned_by(&sql, "`default_sql` needs an SQL expression");
                    }
                    default_sql.set(cx, span, sql.value());
                }
                "max_length" => max_length.set(cx, span, number(meta, 1, "255")?),
                "precision" => precision.set(cx, span, number(meta, 1, "10")?),
                "scale" => scale.set(cx, span, number(meta, 0, "2")?),
                "sql_type" => {
                    let sql = string_value(meta)?;
                    if sql.value().trim().is_empty() {
                        cx.error_spanned_by(
                            &sql,
                            "`sql_type` needs a type, e.g. `sql_type = \"citext\"`",
                        );
                    }
                    sql_type.set(cx, span, sql.value());
                }
                "references" => {
                    let lit = string_value(meta)?;
                    match split_reference(&lit.value()) {
                            Some((table, columns)) if columns.len() == 1 => {
                                let column = columns.into_iter().next().expect("one column");
                                references.set(cx, span, (table, column))
                            }
                            Some((_, columns)) => cx.error_spanned_by(
                                &lit,
                                format!(
                                    "`references` on a field names one column, this names {}; \
                                     a foreign key over several columns goes on the struct: \
                                     `#[lback(foreign_key(a, b, references = {:?}))]`",
                                    columns.len(),
                                    lit.value()
                                ),
                            ),
                            None => cx.error_spanned_by(
                                &lit,
                                format!(
                                    "malformed `references = {:?}`: expected \"table(column)\", e.g. \"users(id)\"",
                                    lit.value()
                                ),
                            ),
                        }
                }
                "on_delete" => on_delete.set(cx, span, action(meta, "on_delete")?),
                "on_update" => on_update.set(cx, span, action(meta, "on_update")?),
                "auto_increment" => {
                    let value = if meta.input.peek(syn::Token![=]) {
                        value_of::<LitBool>(meta, "`true` or `false`", "false")?.value
                    } else {
                        flag(meta)?;
                        true
                    };
                    auto_increment.set(cx, span, value);
                }
                _ => return Ok(false),
            }
            Ok(true)
        },
    );
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
        mentioned,
    }
}

/// Which attribute a key belongs to, for the message about an unknown key.
struct Level {
    /// `struct` or `field`.
    kind: &'static str,
    /// The keys this level knows.
    known: &'static [&'static str],
    /// The keys the other level knows, to say a key is on the wrong one.
    other: &'static [&'static str],
}

const STRUCT_LEVEL: Level = Level {
    kind: "struct",
    known: STRUCT_ATTRIBUTES,
    other: FIELD_ATTRIBUTES,
};
const FIELD_LEVEL: Level = Level {
    kind: "field",
    known: FIELD_ATTRIBUTES,
    other: STRUCT_ATTRIBUTES,
};

/// Walks every key of every `#[lback(...)]` attribute in `attrs`, handing
/// each to `read_key` with the key's span and name.
///
/// `read_key` returns `Ok(false)` for a key it does not know: that is
/// reported (with the key it was likely meant as, added to `mentioned`) and
/// skipped. An error from `read_key` is reported and the rest of the key
/// skipped, so the next key is still read. Every key written lands in
/// `mentioned`.
fn read_keys(
    cx: &Ctxt,
    attrs: &[Attribute],
    level: &Level,
    mentioned: &mut BTreeSet<String>,
    mut read_key: impl FnMut(&ParseNestedMeta, Span, &str) -> syn::Result<bool>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("lback")) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            let key = path_name(&meta);
            let read = read_key(&meta, span, &key).and_then(|known| {
                if !known {
                    let meant = unknown(cx, &meta, level, &key);
                    mentioned.extend(meant.map(str::to_owned));
                    skip_to_comma(meta.input)?;
                }
                Ok(())
            });
            mentioned.insert(key);
            recover(cx, meta.input, read)
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
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

/// Reports an unknown key; returns the known one it was likely meant as.
fn unknown(cx: &Ctxt, meta: &ParseNestedMeta, level: &Level, key: &str) -> Option<&'static str> {
    let Level {
        kind,
        known,
        other: other_level,
    } = *level;
    let mut message = format!("unknown lback {kind} attribute `{key}`");
    let close = known.iter().copied().find(|k| edit_distance(k, key) <= 2);
    if let Some(close) = close {
        message.push_str(&format!("; did you mean `{close}`?"));
    } else if other_level.contains(&key) {
        let place = if kind == "field" {
            "the struct"
        } else {
            "a field"
        };
        message.push_str(&format!("; `{key}` belongs on {place}"));
    } else {
        message.push_str(&format!("; expected one of {}", known.join(", ")));
    }
    cx.error_spanned_by(&meta.path, message);
    close
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("primary_key", "primay_key"), 1);
        assert_eq!(edit_distance("index", "index"), 0);
        assert_eq!(edit_distance("abc", ""), 3);
    }
}
