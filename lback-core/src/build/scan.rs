//! Finds the `#[derive(lback::Model)]` structs of a crate in its source and
//! reads each with the derive's own parser ([`parse_model`]), so the build
//! script and the derive build the same table from the same struct.
//!
//! The walk follows the module tree as rustc does: `mod x;` is `x.rs` or
//! `x/mod.rs` beside a crate root or `mod.rs` file, and `<stem>/x.rs` below
//! any other file; `#[path = "..."]` is honoured; inline `mod x { ... }`
//! blocks are walked; `#[cfg]` and `#[cfg_attr]` are applied (see
//! [`Cfg`]). Structs inside functions or produced by macros are not seen.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, DeriveInput, Item, ItemStruct, Token, UseTree};

use super::cfg::Cfg;
use crate::error::SourceError;
use crate::parse::parse_model;
use crate::schema::Table;

/// A model found in the source.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// Its table, as the derive builds it.
    pub table: Table,
    /// The struct's name.
    pub name: String,
    /// Where the struct's name is (the message is empty).
    pub at: SourceError,
}

impl Found {
    /// `file:line:column`, the file relative to `manifest`.
    pub fn at_text(&self, manifest: &Path) -> String {
        let path = self.at.path.strip_prefix(manifest).unwrap_or(&self.at.path);
        format!("{}:{}:{}", path.display(), self.at.line, self.at.column)
    }
}

/// What a scan found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// The models, in the order met.
    pub models: Vec<Found>,
    /// Every file read, in the order read.
    pub files: Vec<PathBuf>,
    /// Every mistake, each at its place.
    pub errors: Vec<SourceError>,
}

/// Walks the module trees of `roots` (each read as a crate root when it is
/// named `lib.rs`, `main.rs` or `mod.rs`, else as a module file).
///
/// `generated` files (diesel's schema.rs, which lback writes) are never
/// read, and may not exist yet: they hold no model.
pub(crate) fn scan(roots: &[PathBuf], cfg: &Cfg, generated: &[PathBuf]) -> Scan {
    let mut walker = Walker {
        cfg,
        seen: HashSet::new(),
        scan: Scan::default(),
        generated: generated.iter().map(|p| normalize(p)).collect(),
    };
    for root in roots {
        let owns_dir = matches!(
            root.file_name().and_then(|n| n.to_str()),
            Some("lib.rs" | "main.rs" | "mod.rs")
        );
        walker.file(root, owns_dir, None);
    }
    walker.scan
}

struct Walker<'a> {
    cfg: &'a Cfg,
    seen: HashSet<PathBuf>,
    scan: Scan,
    generated: Vec<PathBuf>,
}

/// `a/./b/../c` → `a/c`, without touching the file system (the file may
/// not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Where a module's items sit.
struct Module<'a> {
    /// The file they are written in.
    file: &'a Path,
    /// Where `mod x;` looks for `x.rs` / `x/mod.rs`.
    dir: PathBuf,
    /// Whether the items are in an inline `mod x { ... }` block (a
    /// `#[path]` inside is relative to `dir`, not to the file's folder).
    inline: bool,
}

impl Walker<'_> {
    /// Reads one file. `owns_dir`: a crate root, a `mod.rs` or a file
    /// loaded through `#[path]`, whose submodules sit beside it.
    fn file(&mut self, path: &Path, owns_dir: bool, declared_at: Option<SourceError>) {
        let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if !self.seen.insert(key) {
            return;
        }
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                let message = format!("cannot read {}: {e}", path.display());
                self.scan.errors.push(match declared_at {
                    Some(at) => SourceError { message, ..at },
                    None => SourceError {
                        path: path.to_path_buf(),
                        line: 0,
                        column: 0,
                        message,
                    },
                });
                return;
            }
        };
        self.scan.files.push(path.to_path_buf());
        let parsed = match syn::parse_file(&text) {
            Ok(parsed) => parsed,
            Err(e) => {
                self.errors(path, e);
                return;
            }
        };
        let folder = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let dir = if owns_dir {
            folder
        } else {
            let stem = path.file_stem().unwrap_or_default();
            folder.join(stem)
        };
        self.items(
            &parsed.items,
            &Module {
                file: path,
                dir,
                inline: false,
            },
        );
    }

    fn items(&mut self, items: &[Item], module: &Module) {
        let imports = Imports::of(items, self.cfg);
        for item in items {
            match item {
                Item::Struct(item) => self.strukt(item, module, &imports),
                Item::Mod(item) => self.module(item, module),
                _ => {}
            }
        }
    }

    fn module(&mut self, item: &syn::ItemMod, module: &Module) {
        let mut attrs = item.attrs.clone();
        match self.cfg.configure(&mut attrs) {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => return self.errors(module.file, e),
        }
        let path_attr = match path_attribute(&attrs) {
            Ok(path) => path,
            Err(e) => return self.errors(module.file, e),
        };
        let name = item.ident.unraw().to_string();
        if let Some((_, items)) = &item.content {
            let dir = module.dir.join(path_attr.as_deref().unwrap_or(&name));
            self.items(
                items,
                &Module {
                    file: module.file,
                    dir,
                    inline: true,
                },
            );
            return;
        }
        let at = self.place(module.file, item.ident.span());
        let (file, owns_dir) = match path_attr {
            Some(path) => {
                let base = if module.inline {
                    module.dir.clone()
                } else {
                    module.file.parent().unwrap_or(Path::new("")).to_path_buf()
                };
                (base.join(path), true)
            }
            None => {
                let flat = module.dir.join(format!("{name}.rs"));
                let nested = module.dir.join(&name).join("mod.rs");
                if self.generated.contains(&normalize(&flat)) {
                    return;
                }
                if flat.is_file() {
                    (flat, false)
                } else if nested.is_file() {
                    (nested, true)
                } else {
                    self.scan.errors.push(SourceError {
                        message: format!(
                            "module `{name}` has no file: neither {} nor {} exists",
                            flat.display(),
                            nested.display()
                        ),
                        ..at
                    });
                    return;
                }
            }
        };
        self.file(&file, owns_dir, Some(at));
    }

    fn strukt(&mut self, item: &ItemStruct, module: &Module, imports: &Imports) {
        let mut item = item.clone();
        match self.cfg.configure(&mut item.attrs) {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => return self.errors(module.file, e),
        }
        let has_lback_attr = item.attrs.iter().any(is_lback)
            || item.fields.iter().any(|f| f.attrs.iter().any(is_lback));
        match derives_model(&item.attrs, imports, has_lback_attr) {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => return self.errors(module.file, e),
        }
        // The compiler removes cfg'd-out fields before the derive sees them.
        if let syn::Fields::Named(named) = &mut item.fields {
            let mut kept = Punctuated::new();
            for mut field in std::mem::take(&mut named.named) {
                match self.cfg.configure(&mut field.attrs) {
                    Ok(true) => kept.push(field),
                    Ok(false) => {}
                    Err(e) => return self.errors(module.file, e),
                }
            }
            named.named = kept;
        }
        let name = item.ident.unraw().to_string();
        let at = self.place(module.file, item.ident.span());
        let input = DeriveInput::from(item);
        match parse_model(&input).and_then(|model| model.to_table()) {
            Ok(table) => self.scan.models.push(Found { table, name, at }),
            Err(e) => self.errors(module.file, e),
        }
    }

    fn place(&self, file: &Path, span: proc_macro2::Span) -> SourceError {
        let start = span.start();
        SourceError {
            path: file.to_path_buf(),
            line: start.line,
            column: start.column + 1,
            message: String::new(),
        }
    }

    fn errors(&mut self, file: &Path, errors: syn::Error) {
        for error in errors {
            let at = self.place(file, error.span());
            self.scan.errors.push(SourceError {
                message: error.to_string(),
                ..at
            });
        }
    }
}

fn is_lback(attr: &Attribute) -> bool {
    attr.path().is_ident("lback")
}

/// `#[path = "..."]`, if given.
fn path_attribute(attrs: &[Attribute]) -> syn::Result<Option<String>> {
    for attr in attrs {
        if attr.path().is_ident("path") {
            let value = &attr.meta.require_name_value()?.value;
            return match value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(path),
                    ..
                }) => Ok(Some(path.value())),
                other => Err(syn::Error::new(other.span(), "expected a string path")),
            };
        }
    }
    Ok(None)
}

/// Whether the struct derives lback's `Model`: `lback::Model` (or
/// `::lback::Model`), a name the module imports from lback (`use
/// lback::Model as Table;`), or a bare `Model` that the module does not
/// import from elsewhere, on a struct with `#[lback(...)]` attributes
/// (every model has some: a primary key is one).
fn derives_model(
    attrs: &[Attribute],
    imports: &Imports,
    has_lback_attr: bool,
) -> syn::Result<bool> {
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let paths = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)?;
        for path in paths {
            let segments: Vec<String> = path
                .segments
                .iter()
                .map(|s| s.ident.unraw().to_string())
                .collect();
            let found = match segments.as_slice() {
                [krate, model] => krate == "lback" && model == "Model",
                [name] if path.leading_colon.is_none() => {
                    imports.lback_model.contains(name)
                        || (name == "Model" && has_lback_attr && !imports.elsewhere.contains(name))
                }
                _ => false,
            };
            if found {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// What a module's `use` items bring in under the names a derive can use.
#[derive(Debug, Default)]
struct Imports {
    /// Names bound to `lback::Model`.
    lback_model: BTreeSet<String>,
    /// Names bound to something else.
    elsewhere: BTreeSet<String>,
}

impl Imports {
    fn of(items: &[Item], cfg: &Cfg) -> Self {
        let mut imports = Imports::default();
        for item in items {
            if let Item::Use(item) = item {
                let mut attrs = item.attrs.clone();
                if cfg.configure(&mut attrs).unwrap_or(true) {
                    imports.add(&item.tree, Vec::new());
                }
            }
        }
        imports
    }

    fn add(&mut self, tree: &UseTree, prefix: Vec<String>) {
        let full = |ident: &syn::Ident| {
            let mut full = prefix.clone();
            full.push(ident.unraw().to_string());
            full
        };
        match tree {
            UseTree::Path(path) => self.add(&path.tree, full(&path.ident)),
            UseTree::Name(name) => self.bind(full(&name.ident), name.ident.unraw().to_string()),
            UseTree::Rename(rename) => {
                self.bind(full(&rename.ident), rename.rename.unraw().to_string())
            }
            UseTree::Group(group) => {
                for tree in &group.items {
                    self.add(tree, prefix.clone());
                }
            }
            UseTree::Glob(_) => {}
        }
    }

    fn bind(&mut self, full: Vec<String>, local: String) {
        if full == ["lback", "Model"] {
            self.lback_model.insert(local);
        } else {
            self.elsewhere.insert(local);
        }
    }
}
