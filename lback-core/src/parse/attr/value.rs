//! The values of keys: flags, strings, numbers, referential actions and
//! `default` literals, each a clear error naming the key and its form when
//! mistyped; and the recovery that keeps reading the keys after a mistake.

use proc_macro2::{Span, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned as _;
use syn::{Expr, ExprLit, ExprUnary, Lit, LitInt, LitStr, UnOp};

use super::{path_name, Once};
use crate::parse::ctxt::Ctxt;
use crate::schema::{DefaultValue, ReferentialAction};

/// Reports the error of one key, if any, and skips what is left of its
/// value, so the keys after it are still read (and their mistakes reported
/// in the same compile).
pub(super) fn recover(cx: &Ctxt, input: ParseStream, read: syn::Result<()>) -> syn::Result<()> {
    if let Err(error) = read {
        cx.syn_error(error);
        skip_to_comma(input)?;
    }
    Ok(())
}

/// Consumes the rest of a key (`= value` or `(...)`) up to the next comma.
pub(super) fn skip_to_comma(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(syn::Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// A flag: a value after it is an error, but the flag counts as given, so
/// no follow-on error says it is missing.
pub(super) fn set_flag(cx: &Ctxt, meta: &ParseNestedMeta, once: &mut Once<()>) -> syn::Result<()> {
    once.set(cx, meta.path.span(), ());
    flag(meta)
}

pub(super) fn flag(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format_args!(
            "`{}` takes no value: write `#[lback({})]`",
            path_name(meta),
            path_name(meta)
        )));
    }
    Ok(())
}

/// The value of `key = value`. A missing or mistyped value is an error
/// naming the key and showing the form: "`column` takes a string: `column = "..."`".
pub(super) fn value_of<T: Parse>(
    meta: &ParseNestedMeta,
    what: &str,
    example: &str,
) -> syn::Result<T> {
    let name = path_name(meta);
    let message = format!("`{name}` takes {what}: `{name} = {example}`");
    if !meta.input.peek(syn::Token![=]) {
        return Err(meta.error(message));
    }
    meta.value()?
        .parse::<T>()
        .map_err(|e| syn::Error::new(e.span(), message))
}

pub(super) fn string_value(meta: &ParseNestedMeta) -> syn::Result<LitStr> {
    value_of(meta, "a string", "\"...\"")
}

/// A whole number of at least `min`.
pub(super) fn number(meta: &ParseNestedMeta, min: u32, example: &str) -> syn::Result<u32> {
    let name = path_name(meta);
    let lit: LitInt = value_of(meta, "a whole number", example)?;
    let value = lit.base10_parse::<u32>().map_err(|_| {
        syn::Error::new(
            lit.span(),
            format!("`{name}` takes a whole number: `{name} = {example}`"),
        )
    })?;
    if value < min {
        return Err(syn::Error::new(
            lit.span(),
            format!("`{name}` must be at least {min}"),
        ));
    }
    Ok(value)
}

pub(super) fn action(meta: &ParseNestedMeta, name: &str) -> syn::Result<ReferentialAction> {
    let lit: LitStr = value_of(meta, "a string", "\"cascade\"")?;
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

/// The value of `default = <literal>`, with the place of the literal.
pub(super) fn default_literal(meta: &ParseNestedMeta) -> syn::Result<(DefaultValue, Span)> {
    let expr: Expr = value_of(meta, "a literal (number, string, true or false)", "0")?;
    let at = expr.span();
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
    let value = match lit {
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
    };
    Ok((value, at))
}
