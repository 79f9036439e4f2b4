//! Turns a parsed model into a `static` table, its registration and the
//! `Model` impl. Every path is absolute (`::lback::__private::...`) and the
//! items sit in `const _: () = { ... };` so nothing leaks into user code.

use lback_core::parse::{parse_model, AutoIncrement, FieldDef, FieldType, ModelDef};
use lback_core::schema::{
    ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, UniqueConstraint,
};
use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::DeriveInput;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    match parse_model(input) {
        Ok(model) => expand(&model),
        Err(errors) => {
            // The real mistakes, plus a stub impl so uses of `Model` on this
            // type add no follow-on errors.
            let errors = errors.to_compile_error();
            let ident = &input.ident;
            let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
            quote! {
                #errors
                #[automatically_derived]
                impl #impl_generics ::lback::Model for #ident #type_generics #where_clause {
                    fn table() -> &'static ::lback::__private::Table {
                        ::core::unreachable!()
                    }
                }
            }
        }
    }
}

fn expand(model: &ModelDef) -> TokenStream {
    let ident = &model.ident;
    let name = cow_str(&model.table);
    let columns = model.fields.iter().map(column);
    let primary_key = cow_names(&model.primary_key);
    let indexes = model.indexes.iter().map(index);
    let uniques = model.unique_constraints.iter().map(unique);
    let foreign_keys = model.foreign_keys.iter().map(foreign_key);
    let renamed_from = option_str(model.renamed_from.as_deref());
    let rust_name = ident.to_string();
    quote! {
        const _: () = {
            use ::lback::__private as __lback;

            static __LBACK_TABLE: __lback::Table = __lback::Table {
                name: #name,
                columns: __lback::Cow::Borrowed(&[#(#columns),*]),
                primary_key: #primary_key,
                indexes: __lback::Cow::Borrowed(&[#(#indexes),*]),
                unique_constraints: __lback::Cow::Borrowed(&[#(#uniques),*]),
                foreign_keys: __lback::Cow::Borrowed(&[#(#foreign_keys),*]),
                renamed_from: #renamed_from,
            };

            __lback::inventory::submit! {
                __lback::ModelEntry::new(
                    ::core::concat!(::core::module_path!(), "::", #rust_name),
                    &__LBACK_TABLE,
                )
            }

            #[automatically_derived]
            impl ::lback::Model for #ident {
                fn table() -> &'static __lback::Table {
                    &__LBACK_TABLE
                }
            }
        };
    }
}

fn column(field: &FieldDef) -> TokenStream {
    let name = cow_str(&field.column);
    let ty = &field.ty;
    // The trait is the authority for the type; errors point at the field's type.
    let mapped = |item: TokenStream| quote_spanned!(ty.span()=> <#ty as ::lback::__private::HasColumnType>::#item);
    let (column_type, nullable) = match &field.column_type {
        FieldType::Sql(sql) => {
            let nullable = field.nullable;
            (column_type(sql), quote!(#nullable))
        }
        FieldType::Rust {
            max_length,
            precision,
            scale,
            ..
        } => {
            let base = mapped(quote!(COLUMN_TYPE));
            let column_type = if max_length.is_none() && precision.is_none() && scale.is_none() {
                base
            } else {
                let (m, p, s) = (
                    option_u32(*max_length),
                    option_u32(*precision),
                    option_u32(*scale),
                );
                let checks = modifier_checks(
                    field,
                    max_length.is_some(),
                    precision.is_some(),
                    scale.is_some(),
                );
                quote_spanned! {ty.span()=> {
                    let __ty = #base;
                    #checks
                    __ty.with_modifiers(#m, #p, #s)
                }}
            };
            (column_type, mapped(quote!(NULLABLE)))
        }
    };
    let default = match &field.default {
        Some(value) => {
            let value = default_value(value);
            quote!(::core::option::Option::Some(#value))
        }
        None => quote!(::core::option::Option::None),
    };
    let auto_increment = match (field.auto_increment, &field.column_type) {
        (AutoIncrement::Explicit(on), _) => quote!(#on),
        (AutoIncrement::No, _) => quote!(false),
        (AutoIncrement::IfInteger, FieldType::Sql(sql)) => {
            let on = sql.is_integer();
            quote!(#on)
        }
        (AutoIncrement::IfInteger, FieldType::Rust { .. }) => {
            let base = mapped(quote!(COLUMN_TYPE));
            quote!(__lback::is_integer(#base))
        }
    };
    let renamed_from = option_str(field.renamed_from.as_deref());
    quote! {
        __lback::Column {
            name: #name,
            ty: #column_type,
            nullable: #nullable,
            default: #default,
            auto_increment: #auto_increment,
            renamed_from: #renamed_from,
        }
    }
}

/// Checks, in constant evaluation, that the modifiers fit the type
/// `HasColumnType` gives (the parser checks only the types it can spell), so
/// a mistake stops the compile at the field's type with a message naming the
/// field, before `ColumnType::with_modifiers` would panic without one.
fn modifier_checks(
    field: &FieldDef,
    max_length: bool,
    precision: bool,
    scale: bool,
) -> TokenStream {
    let ty = &field.ty;
    let name = field.ident.unraw();
    let mut checks = TokenStream::new();
    if max_length {
        let message = format!(
            "lback: `max_length` applies only to String fields, and the type of field `{name}` \
             maps to a column that is not text; remove `max_length`"
        );
        checks.extend(quote_spanned! {ty.span()=>
            if !::core::matches!(__ty, __lback::ColumnType::Text | __lback::ColumnType::Varchar(_)) {
                ::core::mem::forget(__ty);
                ::core::panic!(#message);
            }
        });
    }
    if precision || scale {
        let (given, verb, pronoun) = match (precision, scale) {
            (true, true) => ("`precision` and `scale`", "apply", "them"),
            (true, false) => ("`precision`", "applies", "it"),
            _ => ("`scale`", "applies", "it"),
        };
        let message = format!(
            "lback: {given} {verb} only to decimal fields, and the type of field `{name}` \
             maps to a column that is not decimal; remove {pronoun}"
        );
        checks.extend(quote_spanned! {ty.span()=>
            if !::core::matches!(__ty, __lback::ColumnType::Decimal { .. }) {
                ::core::mem::forget(__ty);
                ::core::panic!(#message);
            }
        });
    }
    checks
}

fn column_type(ty: &ColumnType) -> TokenStream {
    let variant = match ty {
        ColumnType::SmallInt => quote!(SmallInt),
        ColumnType::Integer => quote!(Integer),
        ColumnType::BigInt => quote!(BigInt),
        ColumnType::Real => quote!(Real),
        ColumnType::Double => quote!(Double),
        ColumnType::Boolean => quote!(Boolean),
        ColumnType::Text => quote!(Text),
        ColumnType::Varchar(n) => quote!(Varchar(#n)),
        ColumnType::Binary => quote!(Binary),
        ColumnType::Date => quote!(Date),
        ColumnType::Time => quote!(Time),
        ColumnType::Timestamp => quote!(Timestamp),
        ColumnType::TimestampTz => quote!(TimestampTz),
        ColumnType::Uuid => quote!(Uuid),
        ColumnType::Json => quote!(Json),
        ColumnType::Decimal { precision, scale } => {
            let (p, s) = (option_u32(*precision), option_u32(*scale));
            quote!(Decimal { precision: #p, scale: #s })
        }
        ColumnType::Custom(sql) => {
            let sql = cow_str(sql);
            quote!(Custom(#sql))
        }
    };
    quote!(__lback::ColumnType::#variant)
}

fn default_value(value: &DefaultValue) -> TokenStream {
    match value {
        DefaultValue::Bool(b) => quote!(__lback::DefaultValue::Bool(#b)),
        DefaultValue::Int(i) => {
            let i = Literal::i64_suffixed(*i);
            quote!(__lback::DefaultValue::Int(#i))
        }
        DefaultValue::Float(f) => {
            let f = Literal::f64_suffixed(*f);
            quote!(__lback::DefaultValue::Float(#f))
        }
        DefaultValue::Text(text) => {
            let text = cow_str(text);
            quote!(__lback::DefaultValue::Text(#text))
        }
        DefaultValue::Sql(sql) => {
            let sql = cow_str(sql);
            quote!(__lback::DefaultValue::Sql(#sql))
        }
    }
}

fn index(index: &Index) -> TokenStream {
    let name = cow_str(&index.name);
    let columns = cow_names(&index.columns);
    let unique = index.unique;
    quote!(__lback::Index { name: #name, columns: #columns, unique: #unique })
}

fn unique(unique: &UniqueConstraint) -> TokenStream {
    let name = cow_str(&unique.name);
    let columns = cow_names(&unique.columns);
    quote!(__lback::UniqueConstraint { name: #name, columns: #columns })
}

fn foreign_key(fk: &ForeignKey) -> TokenStream {
    let name = cow_str(&fk.name);
    let columns = cow_names(&fk.columns);
    let referenced_table = cow_str(&fk.referenced_table);
    let referenced_columns = cow_names(&fk.referenced_columns);
    let on_delete = action(fk.on_delete);
    let on_update = action(fk.on_update);
    quote! {
        __lback::ForeignKey {
            name: #name,
            columns: #columns,
            referenced_table: #referenced_table,
            referenced_columns: #referenced_columns,
            on_delete: #on_delete,
            on_update: #on_update,
        }
    }
}

fn action(action: ReferentialAction) -> TokenStream {
    let variant = match action {
        ReferentialAction::NoAction => quote!(NoAction),
        ReferentialAction::Restrict => quote!(Restrict),
        ReferentialAction::Cascade => quote!(Cascade),
        ReferentialAction::SetNull => quote!(SetNull),
        ReferentialAction::SetDefault => quote!(SetDefault),
    };
    quote!(__lback::ReferentialAction::#variant)
}

fn cow_str(text: &str) -> TokenStream {
    quote!(__lback::Cow::Borrowed(#text))
}

fn cow_names<S: AsRef<str>>(names: &[S]) -> TokenStream {
    let names = names.iter().map(|n| cow_str(n.as_ref()));
    quote!(__lback::Cow::Borrowed(&[#(#names),*]))
}

fn option_str(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => {
            let text = cow_str(text);
            quote!(::core::option::Option::Some(#text))
        }
        None => quote!(::core::option::Option::None),
    }
}

fn option_u32(value: Option<u32>) -> TokenStream {
    match value {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    }
}
