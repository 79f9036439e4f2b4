//! `#[cfg]` and `#[cfg_attr]` applied as the compiler applies them before a
//! derive sees a struct, so the build script reads the models the crate
//! compiles: a `#[cfg(test)]` fixture, a model behind a feature that is off,
//! or a field cfg'd out is not part of the schema.

use std::collections::BTreeSet;

use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, LitBool, LitStr, Meta, Token};

/// The configuration the crate is compiled with, as cargo tells a build
/// script: `CARGO_CFG_<NAME>` for every target cfg and `CARGO_FEATURE_<NAME>`
/// for every enabled feature. `test`, `doc` and the like are never set: the
/// build script generates for the crate, not for its test build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cfg {
    names: BTreeSet<String>,
    pairs: BTreeSet<(String, String)>,
}

impl Cfg {
    /// An empty configuration: every `cfg(...)` naming something is false.
    pub fn new() -> Self {
        Self::default()
    }

    /// The configuration cargo passes to the build script.
    pub fn from_env() -> Self {
        Self::from_vars(std::env::vars())
    }

    /// The configuration from `(name, value)` environment pairs; anything
    /// but `CARGO_CFG_*` and `CARGO_FEATURE_*` is ignored.
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut cfg = Cfg::new();
        for (key, value) in vars {
            if let Some(feature) = key.strip_prefix("CARGO_FEATURE_") {
                cfg = cfg.with_feature(feature);
            } else if let Some(name) = key.strip_prefix("CARGO_CFG_") {
                let name = name.to_ascii_lowercase();
                // `CARGO_CFG_FEATURE` (newer cargo) repeats the features.
                if name == "feature" {
                    continue;
                }
                if value.is_empty() {
                    cfg.names.insert(name);
                } else {
                    for value in value.split(',') {
                        cfg.pairs.insert((name.clone(), value.to_owned()));
                    }
                }
            }
        }
        cfg
    }

    /// With `cfg(name)` set.
    pub fn with_name(mut self, name: &str) -> Self {
        self.names.insert(name.to_owned());
        self
    }

    /// With `cfg(key = "value")` set.
    pub fn with_pair(mut self, key: &str, value: &str) -> Self {
        self.pairs.insert((key.to_owned(), value.to_owned()));
        self
    }

    /// With `feature = "name"` set (`-` and `_` are the same, as in
    /// `CARGO_FEATURE_*`).
    pub fn with_feature(mut self, name: &str) -> Self {
        self.pairs.insert(("feature".into(), feature_key(name)));
        self
    }

    fn holds(&self, predicate: &Predicate) -> bool {
        match predicate {
            Predicate::Bool(value) => *value,
            Predicate::Name(name) => self.names.contains(name),
            Predicate::Pair(key, value) if key == "feature" => {
                self.pairs.contains(&(key.clone(), feature_key(value)))
            }
            Predicate::Pair(key, value) => self.pairs.contains(&(key.clone(), value.clone())),
            Predicate::All(list) => list.iter().all(|p| self.holds(p)),
            Predicate::Any(list) => list.iter().any(|p| self.holds(p)),
            Predicate::Not(inner) => !self.holds(inner),
        }
    }

    /// Replaces every `#[cfg_attr(predicate, a, b)]` by `#[a] #[b]` when
    /// the predicate holds and removes it otherwise (nested ones too), then
    /// tells whether every `#[cfg(...)]` left holds.
    pub(crate) fn configure(&self, attrs: &mut Vec<Attribute>) -> syn::Result<bool> {
        let mut expanded = Vec::with_capacity(attrs.len());
        let mut pending: Vec<Attribute> = attrs.drain(..).rev().collect();
        while let Some(attr) = pending.pop() {
            if !attr.path().is_ident("cfg_attr") {
                expanded.push(attr);
                continue;
            }
            let CfgAttr { predicate, metas } = attr.parse_args()?;
            if self.holds(&predicate) {
                for meta in metas.into_iter().rev() {
                    pending.push(Attribute {
                        pound_token: attr.pound_token,
                        style: attr.style,
                        bracket_token: attr.bracket_token,
                        meta,
                    });
                }
            }
        }
        *attrs = expanded;
        for attr in attrs.iter().filter(|a| a.path().is_ident("cfg")) {
            if !self.holds(&attr.parse_args()?) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Feature names as `CARGO_FEATURE_*` spells them, lowercased.
fn feature_key(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

/// A cfg predicate: `unix`, `feature = "x"`, `all(..)`, `any(..)`,
/// `not(..)`, `true`, `false`.
#[derive(Debug, Clone, PartialEq)]
enum Predicate {
    Bool(bool),
    Name(String),
    Pair(String, String),
    All(Vec<Predicate>),
    Any(Vec<Predicate>),
    Not(Box<Predicate>),
}

impl Parse for Predicate {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitBool) {
            return Ok(Predicate::Bool(input.parse::<LitBool>()?.value));
        }
        let name = input.call(Ident::parse_any)?.unraw().to_string();
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            let value: LitStr = input.parse()?;
            return Ok(Predicate::Pair(name, value.value()));
        }
        if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            let list: Vec<Predicate> =
                Punctuated::<Predicate, Token![,]>::parse_terminated(&content)?
                    .into_iter()
                    .collect();
            return match name.as_str() {
                "all" => Ok(Predicate::All(list)),
                "any" => Ok(Predicate::Any(list)),
                "not" if list.len() == 1 => Ok(Predicate::Not(Box::new(
                    list.into_iter().next().expect("one element"),
                ))),
                "not" => Err(content.error("`not(...)` takes exactly one predicate")),
                other => Err(content.error(format!("unknown cfg predicate `{other}(...)`"))),
            };
        }
        Ok(Predicate::Name(name))
    }
}

struct CfgAttr {
    predicate: Predicate,
    metas: Punctuated<Meta, Token![,]>,
}

impl Parse for CfgAttr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let predicate = input.parse()?;
        input.parse::<Token![,]>()?;
        let metas = Punctuated::parse_terminated(input)?;
        Ok(CfgAttr { predicate, metas })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(source: &str) -> Vec<Attribute> {
        let item: syn::ItemStruct = syn::parse_str(&format!("{source} struct S;")).unwrap();
        item.attrs
    }

    fn enabled(cfg: &Cfg, source: &str) -> bool {
        cfg.configure(&mut attrs(source)).unwrap()
    }

    #[test]
    fn cargo_variables_become_the_configuration() {
        let cfg = Cfg::from_vars([
            ("CARGO_CFG_UNIX".to_owned(), String::new()),
            ("CARGO_CFG_TARGET_OS".to_owned(), "linux".to_owned()),
            ("CARGO_CFG_TARGET_FEATURE".to_owned(), "fxsr,sse".to_owned()),
            ("CARGO_FEATURE_EXTRA_MODELS".to_owned(), "1".to_owned()),
            ("CARGO_CFG_FEATURE".to_owned(), "extra-models".to_owned()),
            ("PATH".to_owned(), "/bin".to_owned()),
        ]);
        assert!(enabled(&cfg, "#[cfg(unix)]"));
        assert!(enabled(&cfg, "#[cfg(target_os = \"linux\")]"));
        assert!(enabled(&cfg, "#[cfg(target_feature = \"sse\")]"));
        assert!(enabled(&cfg, "#[cfg(feature = \"extra-models\")]"));
        assert!(enabled(&cfg, "#[cfg(feature = \"extra_models\")]"));
        assert!(!enabled(&cfg, "#[cfg(feature = \"other\")]"));
        assert!(!enabled(&cfg, "#[cfg(windows)]"));
        assert!(!enabled(&cfg, "#[cfg(test)]"), "never a test build");
        assert!(
            !enabled(&cfg, "#[cfg(path)]"),
            "only CARGO_ variables count"
        );
    }

    #[test]
    fn predicates_combine() {
        let cfg = Cfg::new().with_name("unix").with_feature("a");
        assert!(enabled(&cfg, "#[cfg(all(unix, feature = \"a\"))]"));
        assert!(!enabled(&cfg, "#[cfg(all(unix, feature = \"b\"))]"));
        assert!(enabled(&cfg, "#[cfg(any(windows, feature = \"a\"))]"));
        assert!(enabled(&cfg, "#[cfg(not(test))]"));
        assert!(!enabled(&cfg, "#[cfg(not(unix))]"));
        assert!(enabled(&cfg, "#[cfg(all())]"), "all() of nothing holds");
        assert!(!enabled(&cfg, "#[cfg(any())]"), "any() of nothing does not");
        assert!(enabled(&cfg, "#[cfg(true)]"));
        assert!(!enabled(&cfg, "#[cfg(false)]"));
        assert!(
            !enabled(&cfg, "#[cfg(unix)] #[cfg(test)]"),
            "every cfg must hold"
        );
        assert!(enabled(&cfg, "#[derive(Debug)]"), "no cfg: always there");
    }

    #[test]
    fn cfg_attr_expands_to_its_attributes_when_it_holds() {
        let cfg = Cfg::new().with_feature("db");
        let mut list = attrs(
            "#[cfg_attr(feature = \"db\", derive(lback::Model), lback(table = \"t\"))] \
             #[cfg_attr(test, lback(renamed_from = \"x\"))] \
             #[cfg_attr(all(), cfg_attr(feature = \"db\", allow(dead_code)))] \
             #[doc = \"kept\"]",
        );
        assert!(cfg.configure(&mut list).unwrap());
        let kept: Vec<String> = list.iter().map(|a| quote::quote!(#a).to_string()).collect();
        assert_eq!(
            kept,
            [
                "# [derive (lback :: Model)]",
                "# [lback (table = \"t\")]",
                "# [allow (dead_code)]",
                "# [doc = \"kept\"]",
            ]
        );
        let mut hidden = attrs("#[cfg_attr(feature = \"db\", cfg(test))]");
        assert!(
            !cfg.configure(&mut hidden).unwrap(),
            "a cfg that cfg_attr adds counts too"
        );
    }

    #[test]
    fn malformed_predicates_are_errors() {
        let cfg = Cfg::new();
        for source in [
            "#[cfg(not(a, b))]",
            "#[cfg(nope(a))]",
            "#[cfg(feature = 1)]",
            "#[cfg_attr(unix)]",
        ] {
            assert!(cfg.configure(&mut attrs(source)).is_err(), "{source}");
        }
    }
}
