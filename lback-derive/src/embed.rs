//! `embed_migrations!()`: compiles the migrations folder into the binary.
//!
//! Every SQL file is embedded with `include_str!`, so editing one rebuilds
//! the crate. A *new* migration folder is noticed because the macro also
//! includes `.lback/schema.json`, which `makemigrations` rewrites with every
//! migration it writes (diesel's `embed_migrations!` misses new folders).

use std::path::{Path, PathBuf};

use lback_core::migrations::Migrations;
use lback_core::sql::Dialect;
use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

pub(crate) fn expand(dir: Option<LitStr>) -> TokenStream {
    let relative = dir
        .as_ref()
        .map_or_else(|| "migrations".to_owned(), LitStr::value);
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let path = Path::new(&manifest).join(&relative);
    match embed(&relative, &path) {
        Ok(tokens) => tokens,
        Err(message) => {
            let span = dir.map_or_else(proc_macro2::Span::call_site, |d| d.span());
            syn::Error::new(span, message).to_compile_error()
        }
    }
}

fn embed(relative: &str, path: &Path) -> Result<TokenStream, String> {
    if !path.is_dir() {
        return Err(format!(
            "lback: no migrations folder at `{relative}` (relative to the crate's Cargo.toml); \
             create the first migration with `cargo run --bin manage -- makemigrations <name>`"
        ));
    }
    let migrations = Migrations::open(path).map_err(|e| format!("lback: {e}"))?;
    migrations
        .check_linear()
        .map_err(|e| format!("lback: {e}"))?;
    let mut entries = Vec::new();
    // metadata.toml files, included so that editing one (turning the
    // transaction off) recompiles the macro's expansion.
    let mut watched = Vec::new();
    for folder in migrations.folders() {
        let metadata = folder.path.join("metadata.toml");
        if metadata.is_file() {
            let file = absolute(&metadata);
            watched.push(quote!(
                const _: &[u8] = ::core::include_bytes!(#file);
            ));
        }
        // The dialect `up.sql` is for; none for a hand-written migration,
        // whose `up.sql` serves every dialect.
        let primary = option_str(folder.primary.map(|d| d.name()));
        let (up, down) = sql_files(&folder.path)?;
        let version = &folder.version;
        let id = folder.id();
        let rebuilds = folder.rebuilds.iter().map(|d| d.name());
        let tables = folder.tables.iter();
        let lock_timeout = match folder.lock_timeout_ms {
            Some(ms) => quote!(::core::option::Option::Some(#ms)),
            None => quote!(::core::option::Option::None),
        };
        let outside = [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite]
            .into_iter()
            .filter(|d| folder.runs_outside_transaction(*d))
            .map(Dialect::name);
        entries.push(quote! {
            ::lback::__private::EmbeddedMigration {
                version: #version,
                id: #id,
                up: &[#(#up),*],
                down: &[#(#down),*],
                rebuilds: &[#(#rebuilds),*],
                tables: &[#(#tables),*],
                primary: #primary,
                outside_transaction: &[#(#outside),*],
                lock_timeout_ms: #lock_timeout,
            }
        });
    }
    let snapshot_path = path.join(".lback").join("schema.json");
    let snapshot = if snapshot_path.is_file() {
        let file = absolute(&snapshot_path);
        quote!(::core::option::Option::Some(::core::include_str!(#file)))
    } else {
        quote!(::core::option::Option::None)
    };
    let count = entries.len();
    Ok(quote! {
        const _: () = {
            #(#watched)*
            static __LBACK_MIGRATIONS: [::lback::__private::EmbeddedMigration; #count] = [#(#entries),*];
            ::lback::__private::inventory::submit! {
                ::lback::__private::EmbeddedSet {
                    directory: #relative,
                    migrations: &__LBACK_MIGRATIONS,
                    snapshot: #snapshot,
                }
            }
        };
    })
}

/// The folder's `up*.sql` and `down*.sql` files as `DialectSql` entries.
fn sql_files(folder: &Path) -> Result<(Vec<TokenStream>, Vec<TokenStream>), String> {
    let mut up = Vec::new();
    let mut down = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .map_err(|e| format!("lback: cannot read {}: {e}", folder.display()))?
        .filter_map(|entry| {
            entry
                .ok()
                .map(|e| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    for name in names {
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let (direction, dialect) = match stem.split_once('.') {
            Some((direction, dialect)) => (direction, Some(dialect)),
            None => (stem, None),
        };
        let path = folder.join(&name);
        // Hashed now, so startup does not hash every migration; the file is
        // `include_str!`ed too, so an edit recompiles and rehashes it.
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("lback: cannot read {}: {e}", path.display()))?;
        let checksum = lback_core::runner::checksum(&text);
        let file = absolute(&path);
        let dialect = option_str(dialect);
        let entry = quote! {
            ::lback::__private::DialectSql {
                dialect: #dialect,
                sql: ::core::include_str!(#file),
                checksum: #checksum,
            }
        };
        match direction {
            "up" => up.push(entry),
            "down" => down.push(entry),
            _ => {}
        }
    }
    Ok((up, down))
}

fn absolute(path: &Path) -> String {
    let path: PathBuf = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.to_string_lossy().into_owned()
}

fn option_str(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    }
}
