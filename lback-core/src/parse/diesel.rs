//! Reads the `#[diesel(...)]` attributes that name what lback names too:
//! `table_name = path::to::users` (its last segment), `primary_key(a, b)`
//! and, on a field, `column_name = name`. A struct that derives both
//! lback's and diesel's traits then never repeats a name; where both are
//! written they must agree (checked in the parser's `mod.rs`).
//!
//! Everything else in `#[diesel(...)]` is diesel's business and skipped
//! without a word: diesel's own derives report its mistakes.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident, LitStr, Token};

/// A name written in a diesel attribute, with where it was written.
#[derive(Debug, Clone)]
pub struct DieselName {
    /// The Rust name (`users`, `type_`).
    pub name: String,
    /// Its tokens.
    pub span: Span,
    /// The attribute as written, for messages (`table_name = crate::schema::users`).
    pub written: String,
}

/// The struct-level diesel attributes lback reads.
#[derive(Debug, Default)]
pub struct DieselStruct {
    /// `table_name = ...`: the last segment.
    pub table_name: Option<DieselName>,
    /// `primary_key(a, b)`: the fields, in key order.
    pub primary_key: Option<(Vec<Ident>, Span)>,
}

/// Reads the struct's `#[diesel(...)]` attributes.
pub(crate) fn struct_attrs(attrs: &[Attribute]) -> DieselStruct {
    let mut out = DieselStruct::default();
    for (key, value) in items(attrs) {
        match (key.to_string().as_str(), value) {
            ("table_name", Item::Value(tokens)) => {
                if let Some(name) = last_segment(&tokens) {
                    out.table_name.get_or_insert(DieselName {
                        written: format!(
                            "table_name = {}",
                            tokens.to_string().replace(" :: ", "::")
                        ),
                        ..name
                    });
                }
            }
            ("primary_key", Item::Group(tokens)) => {
                let span = key.span();
                let parser =
                    |input: ParseStream| input.parse_terminated(Ident::parse_any, Token![,]);
                if let Ok(list) = parser.parse2(tokens) {
                    out.primary_key
                        .get_or_insert((list.into_iter().collect(), span));
                }
            }
            _ => {}
        }
    }
    out
}

/// A field's `#[diesel(column_name = ...)]`.
pub(crate) fn column_name(attrs: &[Attribute]) -> Option<DieselName> {
    items(attrs)
        .into_iter()
        .find_map(|(key, value)| match value {
            Item::Value(tokens) if key == "column_name" => {
                let name = single_name(&tokens)?;
                Some(DieselName {
                    written: format!("column_name = {tokens}"),
                    ..name
                })
            }
            _ => None,
        })
}

/// One `key = value` or `key(...)` of a diesel attribute.
enum Item {
    Value(TokenStream),
    Group(TokenStream),
    Flag,
}

/// Every item of every `#[diesel(...)]`, split at the top-level commas
/// (outside `<...>` too: `select_expression_type = Eq<a, b>`).
fn items(attrs: &[Attribute]) -> Vec<(Ident, Item)> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("diesel")) {
        let Ok(list) = attr.meta.require_list() else {
            continue;
        };
        let mut parts: Vec<Vec<TokenTree>> = vec![Vec::new()];
        let mut angle = 0i32;
        for token in list.tokens.clone() {
            match &token {
                TokenTree::Punct(p) if p.as_char() == '<' => angle += 1,
                TokenTree::Punct(p) if p.as_char() == '>' && angle > 0 => angle -= 1,
                TokenTree::Punct(p) if p.as_char() == ',' && angle == 0 => {
                    parts.push(Vec::new());
                    continue;
                }
                _ => {}
            }
            parts.last_mut().expect("never empty").push(token);
        }
        for part in parts {
            let mut tokens = part.into_iter();
            let Some(TokenTree::Ident(key)) = tokens.next() else {
                continue;
            };
            let rest: Vec<TokenTree> = tokens.collect();
            let item = match rest.first() {
                None => Item::Flag,
                Some(TokenTree::Punct(p)) if p.as_char() == '=' => {
                    Item::Value(rest[1..].iter().cloned().collect())
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    Item::Group(g.stream())
                }
                _ => continue,
            };
            if matches!(item, Item::Flag) {
                continue;
            }
            out.push((key, item));
        }
    }
    out
}

/// `crate::schema::users` → `users`; also a string literal `"users"`.
fn last_segment(tokens: &TokenStream) -> Option<DieselName> {
    if let Ok(path) = syn::parse2::<syn::Path>(tokens.clone()) {
        let last = path.segments.last()?;
        return Some(DieselName {
            name: last.ident.unraw().to_string(),
            span: last.ident.span(),
            written: String::new(),
        });
    }
    single_name(tokens)
}

/// `name`, `r#type` or `"name"`.
fn single_name(tokens: &TokenStream) -> Option<DieselName> {
    if let Ok(ident) = Ident::parse_any.parse2(tokens.clone()) {
        return Some(DieselName {
            name: ident.unraw().to_string(),
            span: ident.span(),
            written: String::new(),
        });
    }
    let lit = syn::parse2::<LitStr>(tokens.clone()).ok()?;
    Some(DieselName {
        name: lit.value(),
        span: lit.span(),
        written: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(source: &str) -> Vec<Attribute> {
        let input: syn::DeriveInput = syn::parse_str(source).unwrap();
        input.attrs
    }

    #[test]
    fn the_names_diesel_reads_are_found_among_its_other_attributes() {
        let read = struct_attrs(&attrs(
            "#[diesel(check_for_backend(diesel::sqlite::Sqlite), table_name = crate::schema::users)]
             #[diesel(select_expression_type = dsl::Eq<a, b>, primary_key(user_id, r#type))]
             struct X;",
        ));
        assert_eq!(read.table_name.unwrap().name, "users");
        let key: Vec<String> = read
            .primary_key
            .unwrap()
            .0
            .iter()
            .map(|i| i.unraw().to_string())
            .collect();
        assert_eq!(key, ["user_id", "type"]);
        let column = column_name(&attrs("#[diesel(column_name = type_)] struct X;")).unwrap();
        assert_eq!(column.name, "type_");
        assert_eq!(column.written, "column_name = type_");
        assert!(column_name(&attrs("#[diesel(treat_none_as_null = true)] struct X;")).is_none());
    }
}
