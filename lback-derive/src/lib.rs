//! The `#[derive(Model)]` macro of [lback](https://docs.rs/lback).
//!
//! Use it through the `lback` crate (`#[derive(lback::Model)]`); this crate is
//! an implementation detail. It holds no domain logic: the struct is read by
//! the parser in `lback-core` (shared with the build script) and turned into
//! a constant table definition registered for `lback::registry()`.

mod embed;
mod expand;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Records the struct's table in lback's registry. See the `lback` crate for
/// the attributes.
#[proc_macro_derive(Model, attributes(lback, diesel))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}

/// Embeds the migrations folder (`./migrations`, or the path given
/// relative to the crate's `Cargo.toml`) into the binary, for
/// `lback::migrate`. See the `lback` crate.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let dir = if input.is_empty() {
        None
    } else {
        Some(parse_macro_input!(input as syn::LitStr))
    };
    embed::expand(dir).into()
}
