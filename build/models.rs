//! Models that can grow: what the generated structs become before they are written out.
//!
//! - Every struct with named fields is `#[non_exhaustive]`, so a field added to the spec is not a
//!   breaking change for code that reads or builds models.
//! - Every `Option` field decodes as `None` when absent: typify requires required-but-nullable
//!   fields to be present, and a server that leaves one out would fail the whole response.
//! - Timestamps decode with `crate::timestamp`, which accepts the ISO 8601 forms servers emit.
//! - Request bodies (and the object schemas nested in them) get a constructor taking the fields
//!   that must have a value, and one chainable setter per other field; typify's fallible
//!   `builder()` is dropped from them so that there is one way to build a body.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

const TIMESTAMP: &str = "crate::timestamp::deserialize";
const OPTIONAL_TIMESTAMP: &str = "crate::timestamp::deserialize_option";

/// Applies the transformations above to the `types` module of `file`.
pub fn apply(file: &mut syn::File, spec: &OpenAPI) -> Result<(), String> {
    let types = &mut file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
            _ => None,
        })
        .ok_or("progenitor output has no `types` module")?
        .1;

    let mut structs = BTreeMap::new();
    let mut newtypes = BTreeSet::new();
    for item in types.iter_mut() {
        if let syn::Item::Struct(model) = item {
            if matches!(model.fields, syn::Fields::Unnamed(_)) {
                newtypes.insert(model.ident.to_string());
            }
            if matches!(model.fields, syn::Fields::Named(_)) {
                grow(model);
                structs.insert(model.ident.to_string(), model.clone());
            }
        }
    }

    for item in types.iter_mut() {
        if let syn::Item::Mod(builders) = item {
            if builders.ident == "builder" {
                if let Some((_, items)) = builders.content.as_mut() {
                    unset_options_are_none(items);
                }
            }
        }
    }

    for (name, example) in examples(spec, &structs)? {
        let json = serde_json::to_string(&example).map_err(|e| format!("{name}: {e}"))?;
        let ident = format_ident!("{name}");
        let doc = format!(
            "A `{name}` holding the example of the spec (or one composed from the examples \
             of its fields), for tests (feature `testing`). `cargo xtask lint` checks each \
             example of the spec against its schema and the crate's tests decode and check \
             each one, so this never fails."
        );
        types.push(syn::parse_quote! {
            #[cfg(feature = "testing")]
            #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
            impl #ident {
                #[doc = #doc]
                pub fn example() -> Self {
                    crate::testing::example(#json)
                }
            }
        });
    }

    let bodies = request_bodies(spec, &structs)?;
    types.retain(|item| !is_typify_builder_fn(item, &bodies));
    for name in &bodies {
        let model = &structs[name];
        let tokens = constructor(model, &required_order(spec, name), &newtypes);
        let parsed: syn::File = syn::parse2(tokens)
            .map_err(|e| format!("{name}: generated constructor is not valid Rust: {e}"))?;
        types.extend(parsed.items);
    }
    Ok(())
}

/// `#[non_exhaustive]`, `#[serde(default)]` on options, lenient timestamps.
fn grow(model: &mut syn::ItemStruct) {
    model.attrs.push(syn::parse_quote!(#[non_exhaustive]));
    for field in model.fields.iter_mut() {
        let inner = option_inner(&field.ty);
        let timestamp = if is_timestamp(&field.ty) {
            Some(TIMESTAMP)
        } else if inner.is_some_and(is_timestamp) {
            Some(OPTIONAL_TIMESTAMP)
        } else {
            None
        };
        if let Some(function) = timestamp {
            // Typify's own `deserialize_with` (which makes a nullable field required) gives way.
            field
                .attrs
                .retain(|attr| !serde_has(attr, "deserialize_with"));
            field
                .attrs
                .push(syn::parse_quote!(#[serde(deserialize_with = #function)]));
        }
        if inner.is_some() && !field.attrs.iter().any(|attr| serde_has(attr, "default")) {
            field.attrs.push(syn::parse_quote!(#[serde(default)]));
        }
    }
}

/// Typify's builders start every field as "no value supplied", so building a model whose
/// nullable field was never set failed at run time; an unset `Option` now starts as `None`.
fn unset_options_are_none(items: &mut [syn::Item]) {
    let mut optional: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in items.iter() {
        let syn::Item::Struct(builder) = item else {
            continue;
        };
        let fields = optional.entry(builder.ident.to_string()).or_default();
        for field in builder.fields.iter() {
            // `Result<Option<T>, String>`
            let holds_option = last_segment(&field.ty)
                .and_then(|s| match &s.arguments {
                    syn::PathArguments::AngleBracketed(args) => args.args.first(),
                    _ => None,
                })
                .is_some_and(|first| {
                    matches!(first, syn::GenericArgument::Type(t) if option_inner(t).is_some())
                });
            if let (true, Some(ident)) = (holds_option, &field.ident) {
                fields.insert(ident.to_string());
            }
        }
    }
    for item in items.iter_mut() {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_default = block
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last())
            .is_some_and(|s| s.ident == "Default");
        let Some(fields) = last_segment(&block.self_ty)
            .filter(|_| is_default)
            .and_then(|s| optional.get(&s.ident.to_string()))
        else {
            continue;
        };
        for member in &mut block.items {
            let syn::ImplItem::Fn(function) = member else {
                continue;
            };
            for statement in &mut function.block.stmts {
                let syn::Stmt::Expr(syn::Expr::Struct(value), _) = statement else {
                    continue;
                };
                for field in &mut value.fields {
                    let syn::Member::Named(name) = &field.member else {
                        continue;
                    };
                    if fields.contains(&name.to_string()) {
                        field.expr = syn::parse_quote!(Ok(::std::option::Option::None));
                    }
                }
            }
        }
    }
}

/// Whether `attr` is a `#[serde(...)]` naming `key`.
fn serde_has(attr: &syn::Attribute, key: &str) -> bool {
    if !attr.path().is_ident("serde") {
        return false;
    }
    let mut found = false;
    let _ = attr.parse_nested_meta(|meta| {
        found |= meta.path.is_ident(key);
        if meta.input.peek(syn::Token![=]) {
            let _: syn::Expr = meta.value()?.parse()?;
        }
        Ok(())
    });
    found
}

fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last(),
        _ => None,
    }
}

/// `T` of `Option<T>`.
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let segment = last_segment(ty)?;
    if segment.ident != "Option" {
        return None;
    }
    match &segment.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

fn is_timestamp(ty: &syn::Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "DateTime")
}

/// The `example` of every component schema generated as a struct with named fields.
pub fn examples(
    spec: &OpenAPI,
    structs: &BTreeMap<String, syn::ItemStruct>,
) -> Result<Vec<(String, serde_json::Value)>, String> {
    let mut found = Vec::new();
    for (name, schema) in spec.components.iter().flat_map(|c| &c.schemas) {
        let Some(example) = schema
            .as_item()
            .and_then(|s| s.schema_data.example.as_ref())
        else {
            continue;
        };
        if !structs.contains_key(name) {
            return Err(format!(
                "{name}: examples are read for object schemas only, which this one is not"
            ));
        }
        found.push((name.clone(), example.clone()));
    }
    let spec = serde_json::to_value(spec).map_err(|e| format!("the spec as JSON: {e}"))?;
    found.extend(
        crate::examples::composed(&spec)
            .into_iter()
            .filter(|(name, _)| structs.contains_key(name)),
    );
    Ok(found)
}

/// The structs built by callers: every operation's JSON request body and the object schemas
/// reachable from it.
fn request_bodies(
    spec: &OpenAPI,
    structs: &BTreeMap<String, syn::ItemStruct>,
) -> Result<BTreeSet<String>, String> {
    let mut pending = Vec::new();
    for (path, method, operation) in spec.operations() {
        let Some(body) = &operation.request_body else {
            continue;
        };
        let ReferenceOr::Item(body) = body else {
            return Err(format!(
                "{method} {path}: write the request body inline, with its schema as a reference"
            ));
        };
        for media in body.content.values() {
            match &media.schema {
                Some(ReferenceOr::Reference { reference }) => {
                    pending.push(reference.rsplit('/').next().unwrap_or_default().to_owned());
                }
                Some(ReferenceOr::Item(_)) => {
                    return Err(format!(
                        "{method} {path}: make the request body schema a component, so that \
                         its model has a stable name"
                    ))
                }
                None => {}
            }
        }
    }
    let mut found = BTreeSet::new();
    while let Some(name) = pending.pop() {
        let Some(model) = structs.get(&name) else {
            continue;
        };
        if !found.insert(name) {
            continue;
        }
        for field in model.fields.iter() {
            named_types(&field.ty, &mut |ident| {
                if structs.contains_key(ident) {
                    pending.push(ident.to_owned());
                }
            });
        }
    }
    Ok(found)
}

/// Calls `f` with the name of every type a field type mentions.
fn named_types(ty: &syn::Type, f: &mut impl FnMut(&str)) {
    let syn::Type::Path(path) = ty else {
        return;
    };
    for segment in &path.path.segments {
        f(&segment.ident.to_string());
        if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
            for arg in &args.args {
                if let syn::GenericArgument::Type(inner) = arg {
                    named_types(inner, f);
                }
            }
        }
    }
}

/// The spec's `required` list of the component schema `name`: constructor parameters follow
/// it, which puts what matters first (`url` before `event_types`), where typify sorts fields.
fn required_order(spec: &OpenAPI, name: &str) -> Vec<String> {
    let schema = spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get(name))
        .and_then(ReferenceOr::as_item);
    match schema.map(|s| &s.schema_kind) {
        Some(openapiv3::SchemaKind::Type(openapiv3::Type::Object(object))) => {
            object.required.clone()
        }
        _ => Vec::new(),
    }
}

/// The name of a field on the wire: its `#[serde(rename)]`, or the identifier.
fn wire_name(field: &syn::Field) -> String {
    let mut name = field
        .ident
        .as_ref()
        .map(|i| i.to_string().trim_start_matches("r#").to_owned())
        .unwrap_or_default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.input.peek(syn::Token![=]) {
                let value: syn::Expr = meta.value()?.parse()?;
                if meta.path.is_ident("rename") {
                    if let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) = value
                    {
                        name = s.value();
                    }
                }
            }
            Ok(())
        });
    }
    name
}

/// Typify's `impl X { pub fn builder() -> builder::X }` for a model in `bodies`.
fn is_typify_builder_fn(item: &syn::Item, bodies: &BTreeSet<String>) -> bool {
    let syn::Item::Impl(block) = item else {
        return false;
    };
    if block.trait_.is_some() {
        return false;
    }
    let Some(segment) = last_segment(&block.self_ty) else {
        return false;
    };
    bodies.contains(&segment.ident.to_string())
        && block.items.len() == 1
        && matches!(&block.items[0], syn::ImplItem::Fn(f) if f.sig.ident == "builder")
}

/// The doc comment lines of a field (the spec's description), if any.
fn docs(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The value a field takes when the caller gives none: `None`, or the serde default it has.
fn initial(field: &syn::Field) -> Option<TokenStream> {
    if option_inner(&field.ty).is_some() {
        return Some(quote!(::std::option::Option::None));
    }
    let mut value = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                if meta.input.peek(syn::Token![=]) {
                    let path: syn::LitStr = meta.value()?.parse()?;
                    let path: syn::ExprPath = path.parse()?;
                    value = Some(quote!(#path()));
                } else {
                    value = Some(quote!(::std::default::Default::default()));
                }
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    value
}

/// `new` with the fields that need a value, and a setter for each of the others.
///
/// Values of typify's constrained newtypes are taken as they are, so that `"…".parse()?` at the
/// call site knows its type; every other value through `Into` (`&str` for a `String`, an array
/// for a `Vec`, a value for a `Clearable`).
fn constructor(
    model: &syn::ItemStruct,
    order: &[String],
    newtypes: &BTreeSet<String>,
) -> TokenStream {
    let parameter_is_exact =
        |ty: &syn::Type| last_segment(ty).is_some_and(|s| newtypes.contains(&s.ident.to_string()));
    let parameter = |ty: &syn::Type| {
        if parameter_is_exact(ty) {
            (quote!(#ty), quote!(value))
        } else {
            (quote!(impl ::std::convert::Into<#ty>), quote!(value.into()))
        }
    };
    let name = &model.ident;
    let mut parameters = Vec::new();
    let mut parameter_docs = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    let mut fields: Vec<&syn::Field> = model.fields.iter().collect();
    // Stable: fields the list does not name keep typify's order, after those it names.
    fields.sort_by_key(|f| {
        let wire = wire_name(f);
        order.iter().position(|r| *r == wire).unwrap_or(usize::MAX)
    });
    for field in fields {
        let Some(ident) = &field.ident else {
            continue;
        };
        let wire = wire_name(field);
        let described = docs(&field.attrs);
        match initial(field) {
            None => {
                let (ty, _) = parameter(&field.ty);
                parameters.push(quote!(#ident: #ty));
                inits.push(if parameter_is_exact(&field.ty) {
                    quote!(#ident)
                } else {
                    quote!(#ident: #ident.into())
                });
                let line = match described.first() {
                    Some(text) => format!("- `{wire}`: {text}"),
                    None => format!("- `{wire}`"),
                };
                parameter_docs.push(line);
            }
            Some(value) => {
                inits.push(quote!(#ident: #value));
                let (ty, wrap) = match option_inner(&field.ty) {
                    Some(inner) => {
                        let (ty, value) = parameter(inner);
                        (ty, quote!(::std::option::Option::Some(#value)))
                    }
                    None => parameter(&field.ty),
                };
                let mut doc = described.clone();
                if doc.is_empty() {
                    doc.push(format!("Sets `{wire}`."));
                }
                if option_inner(&field.ty).is_some() {
                    doc.push(String::new());
                    let skipped = field
                        .attrs
                        .iter()
                        .any(|a| serde_has(a, "skip_serializing_if"));
                    doc.push(if skipped {
                        "Left unset, the field is not sent.".to_owned()
                    } else {
                        "Left unset, it is sent as `null`.".to_owned()
                    });
                }
                let setter = format_ident!("{}", ident.to_string().trim_start_matches("r#"));
                let setter = if setter == "new" {
                    format_ident!("with_new")
                } else {
                    setter
                };
                setters.push(quote! {
                    #( #[doc = #doc] )*
                    #[must_use]
                    pub fn #setter(mut self, value: #ty) -> Self {
                        self.#ident = #wrap;
                        self
                    }
                });
            }
        }
    }
    let mut new_doc = vec![if parameter_docs.is_empty() {
        format!("An empty `{name}`: every field is optional; set them with the methods named after them.")
    } else {
        format!(
            "A `{name}` with the fields it cannot do without; set the others with the methods \
             named after them."
        )
    }];
    if !parameter_docs.is_empty() {
        new_doc.push(String::new());
        new_doc.extend(parameter_docs);
    }
    let lint = (parameters.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    quote! {
        impl #name {
            #( #[doc = #new_doc] )*
            #lint
            pub fn new( #( #parameters ),* ) -> Self {
                Self { #( #inits ),* }
            }
            #( #setters )*
        }
    }
}
