//! Models that can grow: what the generated structs become before they are written out.
//!
//! - Every struct with named fields is `#[non_exhaustive]`, so a field added to the spec is not a
//!   breaking change for code that reads or builds models.
//! - Every `Option` field decodes as `None` when absent: typify requires required-but-nullable
//!   fields to be present, and a server that leaves one out would fail the whole response.
//! - Timestamps decode with `crate::timestamp`, which accepts the ISO 8601 forms servers emit.
//! - Request bodies (and the object schemas nested in them) get a constructor taking the fields
//!   that must have a value, and one chainable setter per other field, which check constrained
//!   values as they are set (`crate::field`). The client is generated in progenitor's positional
//!   style, so typify makes no struct builders: bodies are built with these alone.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

const TIMESTAMP: &str = "crate::timestamp::deserialize";
const OPTIONAL_TIMESTAMP: &str = "crate::timestamp::deserialize_option";
/// The decoder typify names for options that must be present, which `#[serde(default)]` undoes.
const PLAIN_OPTION: &str = "::std::option::Option::deserialize";

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
            if let syn::Fields::Unnamed(fields) = &model.fields {
                let text = fields.unnamed.len() == 1
                    && last_segment(&fields.unnamed[0].ty).is_some_and(|s| s.ident == "String");
                if text {
                    newtypes.insert(model.ident.to_string());
                }
            }
            if matches!(model.fields, syn::Fields::Named(_)) {
                grow(model)?;
                structs.insert(model.ident.to_string(), model.clone());
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
    for item in types.iter_mut() {
        if let syn::Item::Struct(model) = item {
            if bodies.contains(&model.ident.to_string()) {
                keep_refusals(model)?;
            }
        }
    }
    for name in &newtypes {
        types.push(checked_text(name));
    }
    for name in &bodies {
        let model = &structs[name];
        let tokens = constructor(model, &required_order(spec, name), &newtypes, &|wire| {
            bounds(spec, name, wire)
        });
        let checked = checked_parts(model, &bodies);
        let tokens = quote!(#tokens #checked);
        let parsed: syn::File = syn::parse2(tokens)
            .map_err(|e| format!("{name}: generated constructor is not valid Rust: {e}"))?;
        types.extend(parsed.items);
    }
    Ok(())
}

/// The field of a request body that keeps the refusals of the values set on it.
const REFUSALS: &str = "refusals";

/// Adds the never-serialised field holding the body's refusals (`crate::field::Refusals`).
fn keep_refusals(model: &mut syn::ItemStruct) -> Result<(), String> {
    let syn::Fields::Named(fields) = &mut model.fields else {
        return Ok(());
    };
    if fields
        .named
        .iter()
        .any(|f| f.ident.as_ref().is_some_and(|i| i == REFUSALS))
    {
        return Err(format!(
            "{}: a field named `{REFUSALS}` clashes with the one bodies keep their refusals in",
            model.ident
        ));
    }
    fields.named.push(syn::parse_quote! {
        #[serde(skip)]
        pub(crate) refusals: crate::field::Refusals
    });
    Ok(())
}

/// `IntoChecked` for a constrained text type: the type itself, or text checked as it is set. A
/// refused text is kept as it is, never sent: the request carrying it fails first.
fn checked_text(name: &str) -> syn::Item {
    let ty = format_ident!("{name}");
    syn::parse_quote! {
        const _: () = {
            use crate::field::{IntoChecked, Sealed};
            impl IntoChecked<#ty> for #ty {
                fn into_checked(self) -> (#ty, ::std::option::Option<::std::string::String>) {
                    (self, ::std::option::Option::None)
                }
            }
            impl Sealed<#ty> for #ty {}
            impl IntoChecked<#ty> for &str {
                fn into_checked(self) -> (#ty, ::std::option::Option<::std::string::String>) {
                    match self.parse::<#ty>() {
                        ::std::result::Result::Ok(value) => (value, ::std::option::Option::None),
                        ::std::result::Result::Err(error) => {
                            (#ty(self.to_owned()), ::std::option::Option::Some(error.to_string()))
                        }
                    }
                }
            }
            impl Sealed<#ty> for &str {}
            impl IntoChecked<#ty> for ::std::string::String {
                fn into_checked(self) -> (#ty, ::std::option::Option<::std::string::String>) {
                    match self.parse::<#ty>() {
                        ::std::result::Result::Ok(value) => (value, ::std::option::Option::None),
                        ::std::result::Result::Err(error) => {
                            (#ty(self), ::std::option::Option::Some(error.to_string()))
                        }
                    }
                }
            }
            impl Sealed<#ty> for ::std::string::String {}
            impl IntoChecked<#ty> for &::std::string::String {
                fn into_checked(self) -> (#ty, ::std::option::Option<::std::string::String>) {
                    self.as_str().into_checked()
                }
            }
            impl Sealed<#ty> for &::std::string::String {}
        };
    }
}

/// `crate::field::Checked` for a body: its own refusals, then those of the bodies nested in it.
fn checked_parts(model: &syn::ItemStruct, bodies: &BTreeSet<String>) -> TokenStream {
    let name = &model.ident;
    let nested = model.fields.iter().filter_map(|field| {
        let mut mentions_body = false;
        named_types(&field.ty, &mut |ident| {
            mentions_body |= bodies.contains(ident)
        });
        let ident = field.ident.as_ref().filter(|_| mentions_body)?;
        let wire = wire_name(field);
        Some(quote! {
            crate::field::Checked::refusals(&self.#ident, &crate::field::join(path, #wire), out);
        })
    });
    quote! {
        impl crate::field::Checked for #name {
            fn refusals(&self, path: &str, out: &mut ::std::vec::Vec<::std::string::String>) {
                self.refusals.report(path, out);
                #(#nested)*
            }
        }
    }
}

/// The `minimum` and `maximum` of integer property `wire` of component schema `schema`.
fn bounds(spec: &OpenAPI, schema: &str, wire: &str) -> Bounds {
    let property = spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get(schema))
        .and_then(ReferenceOr::as_item)
        .and_then(|s| match &s.schema_kind {
            openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)) => {
                object.properties.get(wire)
            }
            _ => None,
        })
        .and_then(ReferenceOr::as_item);
    match property.map(|p| &p.schema_kind) {
        Some(openapiv3::SchemaKind::Type(openapiv3::Type::Integer(integer))) => {
            crate::glue::inclusive_bounds(integer)
        }
        _ => (None, None),
    }
}

/// `#[non_exhaustive]`, `#[serde(default)]` on options, lenient timestamps.
fn grow(model: &mut syn::ItemStruct) -> Result<(), String> {
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
            remove_serde_entry(&mut field.attrs, "deserialize_with", |_| true)?;
            field
                .attrs
                .push(syn::parse_quote!(#[serde(deserialize_with = #function)]));
        } else if inner.is_some() {
            // With `#[serde(default)]` below, typify's plain option decoder changes nothing but
            // costs a wrapper type and its decoders in every struct that names it.
            remove_serde_entry(&mut field.attrs, "deserialize_with", |value| {
                value == PLAIN_OPTION
            })?;
        }
        if inner.is_some() && !field.attrs.iter().any(|attr| serde_has(attr, "default")) {
            field.attrs.push(syn::parse_quote!(#[serde(default)]));
        }
    }
    Ok(())
}

/// Removes `key = "..."` from the `#[serde(...)]` attributes in `attrs` where `remove` accepts
/// its value, keeping the attribute's other entries (such as a `rename` beside it).
fn remove_serde_entry(
    attrs: &mut Vec<syn::Attribute>,
    key: &str,
    remove: impl Fn(&str) -> bool,
) -> Result<(), String> {
    type Entries = syn::punctuated::Punctuated<syn::Meta, syn::Token![,]>;
    let removable = |entry: &syn::Meta| match entry {
        syn::Meta::NameValue(syn::MetaNameValue {
            path,
            value:
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(value),
                    ..
                }),
            ..
        }) => path.is_ident(key) && remove(&value.value()),
        _ => false,
    };
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("serde") {
            kept.push(attr);
            continue;
        }
        let entries: Entries = attr
            .parse_args_with(Entries::parse_terminated)
            .map_err(|e| format!("unexpected serde attribute in a model: {e}"))?;
        if !entries.iter().any(removable) {
            kept.push(attr);
            continue;
        }
        let rest: Entries = entries.into_iter().filter(|e| !removable(e)).collect();
        if !rest.is_empty() {
            kept.push(syn::parse_quote!(#[serde(#rest)]));
        }
    }
    *attrs = kept;
    Ok(())
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

/// The `minimum` and `maximum` of an integer field, when the spec gives them.
type Bounds = (Option<i64>, Option<i64>);

/// How a constructor parameter or setter takes the value of one field.
enum Setting {
    /// A constrained text type, or a number that cannot be zero: the type itself or a plain
    /// value, checked as it is set (and against the schema's bounds, if it has any).
    Checked { ty: TokenStream, bounds: Bounds },
    /// A bounded integer, checked as it is set.
    Bounded { ty: TokenStream, bounds: Bounds },
    /// A list of constrained text values, each checked.
    Each { item: TokenStream },
    /// Anything converting into the type.
    Into { ty: TokenStream },
}

impl Setting {
    fn of(ty: &syn::Type, newtypes: &BTreeSet<String>, bounds: Bounds) -> Self {
        let name = last_segment(ty).map(|s| s.ident.to_string());
        let is_newtype = |t: &syn::Type| {
            last_segment(t).is_some_and(|s| newtypes.contains(&s.ident.to_string()))
        };
        match name.as_deref() {
            _ if is_newtype(ty) => Self::Checked {
                ty: quote!(#ty),
                bounds: (None, None),
            },
            Some("NonZeroU64") => Self::Checked {
                ty: quote!(#ty),
                bounds,
            },
            Some("i64") if bounds != (None, None) => Self::Bounded {
                ty: quote!(#ty),
                bounds,
            },
            Some("Vec") => match generic_argument(ty) {
                Some(item) if is_newtype(item) => Self::Each {
                    item: quote!(#item),
                },
                _ => Self::Into { ty: quote!(#ty) },
            },
            _ => Self::Into { ty: quote!(#ty) },
        }
    }

    /// The parameter's type.
    fn parameter(&self) -> TokenStream {
        match self {
            Self::Checked { ty, .. } => quote!(impl crate::field::IntoChecked<#ty>),
            Self::Bounded { ty, .. } => quote!(#ty),
            Self::Each { item } => quote!(
                impl ::std::iter::IntoIterator<Item = impl crate::field::IntoChecked<#item>>
            ),
            Self::Into { ty } => quote!(impl ::std::convert::Into<#ty>),
        }
    }

    /// The stored value made from `value`, recording a refusal in `refusals`.
    fn value(&self, wire: &str, refusals: TokenStream, value: TokenStream) -> TokenStream {
        let bound = |b: &Option<i64>| match b {
            Some(b) => {
                let b = i128::from(*b);
                quote!(::std::option::Option::Some(#b))
            }
            None => quote!(::std::option::Option::None),
        };
        match self {
            Self::Checked {
                bounds: (None, None),
                ..
            } => quote!(#refusals.check(#wire, #value)),
            Self::Checked {
                bounds: (min, max), ..
            }
            | Self::Bounded {
                bounds: (min, max), ..
            } => {
                let (min, max) = (bound(min), bound(max));
                quote!(#refusals.check_within(#wire, #value, #min, #max))
            }
            Self::Each { .. } => quote!(#refusals.check_each(#wire, #value)),
            Self::Into { .. } => quote!(#value.into()),
        }
    }

    /// What a setter's documentation says about the value it takes.
    fn note(&self) -> Option<String> {
        let range = |(min, max): &Bounds| match (min, max) {
            (Some(min), Some(max)) => format!(" from {min} to {max}"),
            (Some(min), None) => format!(" of at least {min}"),
            (None, Some(max)) => format!(" of at most {max}"),
            (None, None) => String::new(),
        };
        const REFUSED: &str = "the request carrying the body fails with \
            [`Error::InvalidRequest`](crate::Error::InvalidRequest), naming the field, before \
            anything is sent";
        match self {
            Self::Checked { ty, bounds } if ty.to_string().contains("NonZeroU64") => Some(format!(
                "Takes a `u64`{}; for another value, {REFUSED}.",
                match bounds {
                    (_, Some(max)) => format!(" from 1 to {max}"),
                    _ => " other than 0".to_owned(),
                }
            )),
            Self::Checked { .. } => Some(format!(
                "Takes text (`&str`, `String`) or the checked type; for text that does not \
                 meet the field's constraints, {REFUSED}."
            )),
            Self::Bounded { bounds, .. } => Some(format!(
                "Takes an integer{}; for another value, {REFUSED}.",
                range(bounds)
            )),
            Self::Each { .. } => Some(format!(
                "Takes a list of text values (`&str`, `String`) or of the checked type; for an \
                 entry that does not meet the constraints, {REFUSED}."
            )),
            Self::Into { .. } => None,
        }
    }
}

/// `T` of `Vec<T>` and other one-parameter types.
fn generic_argument(ty: &syn::Type) -> Option<&syn::Type> {
    match &last_segment(ty)?.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

/// `new` with the fields that need a value, and a setter for each of the others.
///
/// Constrained values are taken as plain text or numbers and checked where they are set
/// (`crate::field`); every other value through `Into` (`&str` for a `String`, an array for a
/// `Vec`, a value for a `Clearable`).
fn constructor(
    model: &syn::ItemStruct,
    order: &[String],
    newtypes: &BTreeSet<String>,
    bounds: &dyn Fn(&str) -> Bounds,
) -> TokenStream {
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
                let setting = Setting::of(&field.ty, newtypes, bounds(&wire));
                let ty = setting.parameter();
                parameters.push(quote!(#ident: #ty));
                let value = setting.value(&wire, quote!(refusals), quote!(#ident));
                inits.push(quote!(#ident: #value));
                let mut line = match described.first() {
                    Some(text) => format!("- `{wire}`: {text}"),
                    None => format!("- `{wire}`"),
                };
                if let Some(note) = setting.note() {
                    line.push(' ');
                    line.push_str(&note);
                }
                parameter_docs.push(line);
            }
            Some(value) => {
                inits.push(quote!(#ident: #value));
                let inner = option_inner(&field.ty);
                let setting = Setting::of(inner.unwrap_or(&field.ty), newtypes, bounds(&wire));
                let ty = setting.parameter();
                let stored = setting.value(&wire, quote!(self.refusals), quote!(value));
                let stored = match inner {
                    Some(_) => quote!(::std::option::Option::Some(#stored)),
                    None => stored,
                };
                let mut doc = described.clone();
                if doc.is_empty() {
                    doc.push(format!("Sets `{wire}`."));
                }
                if let Some(note) = setting.note() {
                    doc.push(String::new());
                    doc.push(note);
                }
                if inner.is_some() {
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
                        self.#ident = #stored;
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
                #[allow(unused_mut)]
                let mut refusals = crate::field::Refusals::default();
                Self { #( #inits, )* refusals }
            }
            #( #setters )*
        }
    }
}
