//! Per-operation wiring between progenitor's output and the handwritten layer, derived from the
//! spec so that an operation added to `openapi.yaml` is served with no handwritten code. Two
//! files come out of it:
//!
//! - internal glue, included beside progenitor's output: `OPERATIONS`, what the layer needs to
//!   know about each operation at run time (method and path template, whether it documents
//!   `Idempotency-Key`), and an `Envelope` impl for every success envelope, so one generic
//!   unwrap serves all of them;
//! - the public request types (`crate::requests`), one module per tag: for each operation a
//!   method on `crate::Client` taking the required parameters, a request type holding the
//!   parameters with a setter per optional one, `send`/`IntoFuture`, `retry_policy`,
//!   `if_changed` where `If-None-Match` is documented and `items()`/`pages()` on cursor lists.
//!   Sending calls progenitor's method for the operation with the stored parameters.

use std::collections::HashMap;

use openapiv3::{
    Components, OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema,
    SchemaKind, StatusCode, Type,
};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Operations chosen at run time, from the same reading of the spec.
#[path = "dynamic.rs"]
pub mod dynamic;

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
const IF_NONE_MATCH: &str = "If-None-Match";

/// What the success response of an operation carries.
enum Success {
    /// A JSON envelope: its schema name, the Rust type of its `data`, and whether it is paginated.
    Envelope {
        schema: String,
        data: TokenStream,
        /// The element type, when `data` is an array.
        item: Option<TokenStream>,
        paginated: bool,
    },
    /// A body that is not JSON, returned as text.
    Text,
    /// No body.
    Empty,
}

struct Op {
    id: String,
    method: String,
    path: String,
    summary: String,
    description: String,
    /// The first tag: the module of `crate::requests` the request type lives in.
    tag: String,
    /// What the credential must allow (`x-sendmux-permission`).
    permission: Option<String>,
    headers: Vec<String>,
    /// Every parameter, the request body last; required ones first in the order they are
    /// passed: path parameters in path order, then the others in spec order.
    params: Vec<Param>,
    success: Success,
    /// The statuses the success answer comes with, as inclusive ranges.
    success_statuses: Vec<(u16, u16)>,
}

/// Where a parameter goes.
#[derive(Clone, Copy, PartialEq)]
enum Location {
    Path,
    Query,
    Header,
    Body,
}

/// How a parameter's value is taken from callers.
enum Kind {
    /// Any string.
    Text,
    /// A whole number, checked against the schema's bounds.
    Integer {
        signed: bool,
        min: Option<i64>,
        max: Option<i64>,
    },
    Boolean,
    /// A named schema: anything that converts into it, the conversion checked when set.
    Named(String),
}

struct Param {
    /// Name on the wire.
    name: String,
    /// Name of the setter, argument and field: progenitor's name for it.
    ident: proc_macro2::Ident,
    location: Location,
    required: bool,
    description: String,
    /// Constraints and default of the schema, as sentences for the docs.
    constraints: String,
    kind: Kind,
}

impl Op {
    fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// The smallest and largest values an integer schema allows, exclusive bounds made inclusive.
pub fn inclusive_bounds(integer: &openapiv3::IntegerType) -> (Option<i64>, Option<i64>) {
    let min = integer
        .minimum
        .map(|m| if integer.exclusive_minimum { m + 1 } else { m });
    let max = integer
        .maximum
        .map(|m| if integer.exclusive_maximum { m - 1 } else { m });
    (min, max)
}

/// Every operation of the spec, sorted by id, with the components they refer to.
fn operations(spec: &OpenAPI) -> Result<(Vec<Op>, &Components), String> {
    let components = spec
        .components
        .as_ref()
        .ok_or("the spec has no components")?;
    let mut ops = Vec::new();
    for (path, item) in spec.paths.iter() {
        let item = item
            .as_item()
            .ok_or_else(|| format!("{path}: path items must not be references"))?;
        for (method, operation) in item.iter() {
            ops.push(op(path, method, operation, components)?);
        }
    }
    ops.sort_by(|a, b| a.id.cmp(&b.id));
    Ok((ops, components))
}

/// The internal glue (for `crate::generated`) and the public request types (for
/// `crate::requests`).
/// `signatures` holds, for each operation id, the parameter names of progenitor's method for it
/// in the order it takes them.
pub fn tokens(
    spec: &OpenAPI,
    signatures: &HashMap<String, Vec<String>>,
) -> Result<(TokenStream, TokenStream), String> {
    let (ops, components) = operations(spec)?;

    let table = ops.iter().map(table_entry);
    let ids = ops.iter().map(|op| op.id.as_str());
    let positions = 0..ops.len();
    let envelopes = envelope_impls(&ops, components)?;
    let internal = quote! {
        /// Every operation of the spec, sorted by id.
        pub(crate) static OPERATIONS: &[crate::operation::Operation] = &[ #(#table),* ];

        /// Where the operation with this id sits in `OPERATIONS`. A `match` on the id costs a
        /// fraction of a binary search by string, and every request looks its operation up.
        pub(crate) fn operation_position(id: &str) -> ::std::option::Option<usize> {
            match id {
                #(#ids => ::std::option::Option::Some(#positions),)*
                _ => ::std::option::Option::None,
            }
        }

        #(#envelopes)*
    };

    // Tags in the order the spec lists them; operations without a tag of the list come last.
    let mut tags: Vec<(String, String)> = spec
        .tags
        .iter()
        .map(|t| (t.name.clone(), t.description.clone().unwrap_or_default()))
        .collect();
    for op in &ops {
        if !tags.iter().any(|(name, _)| *name == op.tag) {
            tags.push((op.tag.clone(), String::new()));
        }
    }
    let mut modules = Vec::new();
    for (tag, description) in &tags {
        let members: Vec<&Op> = ops.iter().filter(|op| op.tag == *tag).collect();
        if members.is_empty() {
            continue;
        }
        modules.push(tag_module(tag, description, &members, signatures)?);
    }
    Ok((internal, quote!(#(#modules)*)))
}

fn op(
    path: &str,
    method: &str,
    operation: &Operation,
    components: &Components,
) -> Result<Op, String> {
    let id = operation
        .operation_id
        .clone()
        .ok_or_else(|| format!("{method} {path}: missing operationId"))?;
    let mut headers = Vec::new();
    let mut params = Vec::new();
    for parameter in &operation.parameters {
        let parameter = resolve_parameter(parameter, components)
            .ok_or_else(|| format!("{id}: unresolvable parameter reference"))?;
        let (data, location) = match parameter {
            Parameter::Header { parameter_data, .. } => {
                headers.push(parameter_data.name.clone());
                (parameter_data, Location::Header)
            }
            Parameter::Query { parameter_data, .. } => (parameter_data, Location::Query),
            Parameter::Path { parameter_data, .. } => (parameter_data, Location::Path),
            Parameter::Cookie { parameter_data, .. } => {
                return Err(format!(
                    "{id}: cookie parameter {} is not supported",
                    parameter_data.name
                ))
            }
        };
        let ParameterSchemaOrContent::Schema(schema) = &data.format else {
            return Err(format!("{id}: parameter {} needs a schema", data.name));
        };
        let (kind, constraints) = kind_of(schema, components)
            .ok_or_else(|| format!("{id}: parameter {} has an unsupported schema", data.name))?;
        params.push(Param {
            ident: rust_ident(&data.name),
            name: data.name.clone(),
            location,
            required: data.required || location == Location::Path,
            description: data.description.clone().unwrap_or_default(),
            constraints,
            kind,
        });
    }
    // Path parameters in the order the path names them, then the others as listed.
    let position = |p: &Param| match p.location {
        Location::Path => path.find(&format!("{{{}}}", p.name)).unwrap_or(0),
        _ => usize::MAX,
    };
    params.sort_by_key(|p| (!p.required, position(p)));
    if let Some(body) = &operation.request_body {
        let body = match body {
            ReferenceOr::Item(body) => body,
            ReferenceOr::Reference { .. } => {
                return Err(format!("{id}: the request body must be written inline"))
            }
        };
        let schema = body
            .content
            .get("application/json")
            .and_then(|media| media.schema.as_ref());
        let Some(ReferenceOr::Reference { reference }) = schema else {
            return Err(format!(
                "{id}: the request body must be JSON referencing a named schema"
            ));
        };
        let name = schema_name(reference)?;
        params.push(Param {
            ident: format_ident!("body"),
            name: "body".to_owned(),
            location: Location::Body,
            required: body.required,
            description: body.description.clone().unwrap_or_default(),
            constraints: String::new(),
            kind: Kind::Named(name),
        });
        params.sort_by_key(|p| !p.required);
    }
    let permission = operation
        .extensions
        .get("x-sendmux-permission")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    Ok(Op {
        success: success(&id, operation, components)?,
        success_statuses: success_statuses(operation),
        method: method.to_uppercase(),
        path: path.to_owned(),
        summary: operation.summary.clone().unwrap_or_default(),
        description: operation.description.clone().unwrap_or_default(),
        tag: operation
            .tags
            .first()
            .cloned()
            .unwrap_or_else(|| "Other".to_owned()),
        permission,
        id,
        headers,
        params,
    })
}

/// How a parameter of this schema is taken, and its constraints as sentences.
fn kind_of(schema: &ReferenceOr<Schema>, components: &Components) -> Option<(Kind, String)> {
    match schema {
        ReferenceOr::Reference { reference } => {
            let name = schema_name(reference).ok()?;
            let target = components.schemas.get(&name)?.as_item()?;
            Some((Kind::Named(name), constraints_of(target)))
        }
        ReferenceOr::Item(schema) => {
            let kind = match &schema.schema_kind {
                SchemaKind::Type(Type::String(s))
                    if s.enumeration.is_empty()
                        && s.pattern.is_none()
                        && s.min_length.is_none()
                        && s.max_length.is_none() =>
                {
                    Kind::Text
                }
                SchemaKind::Type(Type::Integer(i)) if i.enumeration.is_empty() => {
                    let (min, max) = inclusive_bounds(i);
                    Kind::Integer {
                        signed: min.is_none_or(|m| m < 0),
                        min,
                        max,
                    }
                }
                SchemaKind::Type(Type::Boolean(_)) => Kind::Boolean,
                // Inline constrained strings and enums would need typify's names for their
                // types; the spec names them as components instead.
                _ => return None,
            };
            Some((kind, constraints_of(schema)))
        }
    }
}

/// The bounds, allowed values and default of a schema, for a setter's docs.
fn constraints_of(schema: &Schema) -> String {
    let mut out = Vec::new();
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            match (s.min_length, s.max_length) {
                (Some(min), Some(max)) => out.push(format!("{min} to {max} characters.")),
                (Some(min), None) => out.push(format!("At least {min} characters.")),
                (None, Some(max)) => out.push(format!("At most {max} characters.")),
                (None, None) => {}
            }
            if let Some(pattern) = &s.pattern {
                out.push(format!("Matches `{pattern}`."));
            }
            let values: Vec<String> = s
                .enumeration
                .iter()
                .flatten()
                .map(|v| format!("`{v}`"))
                .collect();
            if !values.is_empty() {
                out.push(format!("One of {}.", values.join(", ")));
            }
        }
        SchemaKind::Type(Type::Integer(i)) => match (i.minimum, i.maximum) {
            (Some(min), Some(max)) => out.push(format!("From {min} to {max}.")),
            (Some(min), None) => out.push(format!("At least {min}.")),
            (None, Some(max)) => out.push(format!("At most {max}.")),
            (None, None) => {}
        },
        _ => {}
    }
    if let Some(default) = &schema.schema_data.default {
        out.push(format!("The server's default is `{default}`."));
    }
    out.join(" ")
}

/// Progenitor's name for a parameter: snake case, with `_` after a keyword.
fn rust_ident(name: &str) -> proc_macro2::Ident {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    if syn::parse_str::<syn::Ident>(&out).is_err() {
        out.push('_');
    }
    format_ident!("{out}")
}

fn resolve_parameter<'a>(
    parameter: &'a ReferenceOr<Parameter>,
    components: &'a Components,
) -> Option<&'a Parameter> {
    match parameter {
        ReferenceOr::Item(p) => Some(p),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            components.parameters.get(name)?.as_item()
        }
    }
}

/// Every 2xx status the operation documents, a code or the whole class.
fn success_statuses(operation: &Operation) -> Vec<(u16, u16)> {
    operation
        .responses
        .responses
        .keys()
        .filter_map(|status| match status {
            StatusCode::Code(code) if (200..300).contains(code) => Some((*code, *code)),
            StatusCode::Range(2) => Some((200, 299)),
            _ => None,
        })
        .collect()
}

fn success(id: &str, operation: &Operation, components: &Components) -> Result<Success, String> {
    let response = operation
        .responses
        .responses
        .iter()
        .find(|(status, _)| matches!(status, StatusCode::Code(c) if (200..300).contains(c)))
        .map(|(_, r)| r)
        .ok_or_else(|| format!("{id}: no 2xx response"))?;
    let response = match response {
        ReferenceOr::Item(r) => r,
        ReferenceOr::Reference { .. } => {
            return Err(format!("{id}: the 2xx response must be written inline"))
        }
    };
    let Some((content_type, media)) = response.content.iter().next() else {
        return Ok(Success::Empty);
    };
    if content_type != "application/json" {
        return Ok(Success::Text);
    }
    let schema = match &media.schema {
        Some(ReferenceOr::Reference { reference }) => schema_name(reference)?,
        _ => {
            return Err(format!(
                "{id}: the JSON success body must reference a named envelope"
            ))
        }
    };
    let envelope = components
        .schemas
        .get(&schema)
        .and_then(ReferenceOr::as_item)
        .ok_or_else(|| format!("{id}: envelope {schema} is not a component schema"))?;
    let properties = match &envelope.schema_kind {
        SchemaKind::Type(Type::Object(object)) => &object.properties,
        _ => return Err(format!("{schema}: an envelope must be a flat object")),
    };
    let (data, item) = match properties.get("data") {
        Some(ReferenceOr::Reference { reference }) => {
            let name = format_ident!("{}", schema_name(reference)?);
            (quote!(types::#name), None)
        }
        Some(ReferenceOr::Item(item)) => {
            let name = array_of_named(item).ok_or_else(|| {
                format!("{schema}: `data` must reference a schema or be an array of one")
            })?;
            let name = format_ident!("{name}");
            (
                quote!(::std::vec::Vec<types::#name>),
                Some(quote!(types::#name)),
            )
        }
        None => return Err(format!("{schema}: an envelope needs a `data` property")),
    };
    Ok(Success::Envelope {
        paginated: properties.contains_key("pagination"),
        schema,
        data,
        item,
    })
}

fn array_of_named(schema: &Schema) -> Option<String> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Array(array)) => match array.items.as_ref()? {
            ReferenceOr::Reference { reference } => schema_name(reference).ok(),
            ReferenceOr::Item(_) => None,
        },
        _ => None,
    }
}

fn schema_name(reference: &str) -> Result<String, String> {
    reference
        .strip_prefix("#/components/schemas/")
        .map(str::to_owned)
        .ok_or_else(|| format!("unsupported reference {reference}"))
}

/// `list_domains` → `ListDomains`: the name of the operation's request type.
fn request_ident(id: &str) -> proc_macro2::Ident {
    let pascal: String = id
        .split('_')
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    format_ident!("{pascal}")
}

fn table_entry(op: &Op) -> TokenStream {
    let Op {
        id, method, path, ..
    } = op;
    let idempotency_key = op.headers.iter().any(|h| h == IDEMPOTENCY_KEY);
    quote! {
        crate::operation::Operation {
            id: #id,
            method: #method,
            path: #path,
            idempotency_key: #idempotency_key,
        }
    }
}

fn envelope_impls(ops: &[Op], components: &Components) -> Result<Vec<TokenStream>, String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut impls = Vec::new();
    for op in ops {
        let Success::Envelope {
            schema,
            data,
            paginated,
            ..
        } = &op.success
        else {
            continue;
        };
        if !seen.insert(schema.clone()) {
            continue;
        }
        if !components.schemas.contains_key(schema) {
            return Err(format!("{schema}: unknown envelope"));
        }
        let name = format_ident!("{schema}");
        let pagination = if *paginated {
            quote!(Some(crate::Pagination {
                has_more: self.pagination.has_more,
                next_cursor: self.pagination.next_cursor,
            }))
        } else {
            quote!(None)
        };
        let (pagination_start, followed_by) = if *paginated {
            (
                quote!(pagination: types::CursorPagination { has_more: false, next_cursor: None },),
                quote! {
                    /// Says another page follows, at `cursor`.
                    pub fn followed_by(mut self, cursor: impl ::std::convert::Into<::std::string::String>) -> Self {
                        self.pagination = types::CursorPagination {
                            has_more: true,
                            next_cursor: Some(cursor.into()),
                        };
                        self
                    }
                },
            )
        } else {
            (quote!(), quote!())
        };
        let constructor = quote! {
            /// A successful answer holding `data`, as the service would send it (on lists: the
            /// last page, unless `followed_by` says otherwise).
            pub fn of(data: #data) -> Self {
                Self {
                    ok: true,
                    data,
                    meta: types::ResponseMeta { request_id: crate::testing::REQUEST_ID.to_owned() },
                    #pagination_start
                }
            }

            #followed_by
        };
        impls.push(quote! {
            #[cfg(feature = "testing")]
            #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
            impl types::#name {
                #constructor
            }

            impl crate::envelope::Envelope for types::#name {
                type Data = #data;
                fn into_parts(self) -> crate::envelope::Parts<Self::Data> {
                    crate::envelope::Parts {
                        data: self.data,
                        request_id: self.meta.request_id,
                        pagination: #pagination,
                    }
                }
            }
        });
    }
    Ok(impls)
}

fn data_type(op: &Op) -> TokenStream {
    match &op.success {
        Success::Envelope { data, .. } => data.clone(),
        Success::Text => quote!(::std::string::String),
        Success::Empty => quote!(()),
    }
}

/// `Domain Filters` → `domain_filters`.
fn module_ident(tag: &str) -> proc_macro2::Ident {
    let mut out = String::new();
    for c in tag.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_');
    format_ident!("{}", if out.is_empty() { "other" } else { out })
}

fn tag_module(
    tag: &str,
    description: &str,
    ops: &[&Op],
    signatures: &HashMap<String, Vec<String>>,
) -> Result<TokenStream, String> {
    let module = module_ident(tag);
    let mut module_doc = format!("# {tag}\n\n");
    if !description.is_empty() {
        module_doc.push_str(&format!("{description}\n\n"));
    }
    module_doc.push_str(
        "Requests of this group, made by these methods of [`Client`](crate::Client):\n\n",
    );
    for op in ops {
        module_doc.push_str(&format!(
            "- [`{id}`](crate::Client::{id}) → [`{ty}`](crate::requests::{module}::{ty}): \
             {summary}\n",
            id = op.id,
            ty = request_ident(&op.id),
            summary = op.summary,
        ));
    }
    let impl_doc = format!(
        "# {tag}\n\n{description}\n\nThe request types are in [`requests::{module}`](crate::requests::{module})."
    );
    let methods = ops.iter().map(|op| client_method(op));
    let requests = ops
        .iter()
        .map(|op| {
            let signature = signatures
                .get(&op.id)
                .ok_or_else(|| format!("progenitor generated no method for {}", op.id))?;
            request_type(op, signature)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(quote! {
        #[doc = #module_doc]
        pub mod #module {
            #[allow(unused_imports)]
            use crate::types;

            #[doc = #impl_doc]
            impl crate::Client {
                #(#methods)*
            }

            #(#requests)*
        }
    })
}

/// The Rust type a caller passes for a parameter, and how the stored value is made from it.
/// `generic` is the name of the type parameter a named schema needs.
fn argument(param: &Param) -> (TokenStream, TokenStream, TokenStream) {
    let ident = &param.ident;
    let name = ident.to_string();
    match &param.kind {
        Kind::Text => (
            quote!(impl ::std::convert::Into<::std::string::String>),
            quote!(),
            quote!(::std::option::Option::Some(::std::convert::Into::into(#ident))),
        ),
        Kind::Boolean => (
            quote!(bool),
            quote!(),
            quote!(::std::option::Option::Some(#ident)),
        ),
        Kind::Integer { signed, min, max } => {
            let number = if *signed { quote!(i64) } else { quote!(u64) };
            let bound = |b: &Option<i64>| match b {
                Some(b) if *signed => quote!(::std::option::Option::Some(#b)),
                Some(b) => {
                    let b = u64::try_from(*b).unwrap_or_default();
                    quote!(::std::option::Option::Some(#b))
                }
                None => quote!(::std::option::Option::None),
            };
            let (min, max) = (bound(min), bound(max));
            (
                quote!(impl ::std::convert::TryInto<#number>),
                quote!(),
                quote!(call.checked_number::<#number>(#name, ::std::convert::TryInto::try_into(#ident).ok(), #min, #max)),
            )
        }
        Kind::Named(schema) => {
            let ty = format_ident!("{schema}");
            let generic = format_ident!("V{}", pascal(&name));
            let value = match param.location {
                Location::Body => quote!(call.body::<types::#ty, _>(#ident)),
                _ => quote!(call.converted::<types::#ty, _>(#name, #ident)),
            };
            (
                quote!(#generic),
                quote!(#generic: ::std::convert::TryInto<types::#ty>, #generic::Error: ::std::fmt::Display,),
                value,
            )
        }
    }
}

fn pascal(name: &str) -> String {
    request_ident(name).to_string()
}

/// The type of the stored value.
fn stored_type(param: &Param) -> TokenStream {
    match &param.kind {
        Kind::Text => quote!(::std::string::String),
        Kind::Boolean => quote!(bool),
        Kind::Integer { signed: true, .. } => quote!(i64),
        Kind::Integer { signed: false, .. } => quote!(u64),
        Kind::Named(schema) => {
            let ty = format_ident!("{schema}");
            quote!(types::#ty)
        }
    }
}

fn where_sent(param: &Param) -> String {
    match param.location {
        Location::Path => format!("the `{}` path segment", param.name),
        Location::Query => format!("the `{}` query parameter", param.name),
        Location::Header => format!("the `{}` header", param.name),
        Location::Body => "the JSON body".to_owned(),
    }
}

fn param_doc(param: &Param) -> String {
    let mut doc = param.description.trim().to_owned();
    if !doc.is_empty() && !doc.ends_with('.') {
        doc.push('.');
    }
    if !param.constraints.is_empty() {
        doc.push(' ');
        doc.push_str(&param.constraints);
    }
    doc.trim().to_owned()
}

/// What a setter or argument takes, and what happens to a value it cannot use.
fn accepted(param: &Param) -> String {
    const REFUSED: &str = "fails the request with \
        [`Error::InvalidRequest`](crate::Error::InvalidRequest), naming the parameter, when it is \
        sent";
    match &param.kind {
        Kind::Text => "Takes a `&str` or a `String`.".to_owned(),
        Kind::Boolean => "Takes a `bool`.".to_owned(),
        Kind::Integer { .. } => {
            format!("Takes an integer of any type; a value out of bounds {REFUSED}.")
        }
        Kind::Named(name) => match param.location {
            Location::Body => format!(
                "Takes a [`{name}`](crate::types::{name}); a value its constructor or setters \
                 refused {REFUSED}."
            ),
            _ => format!(
                "Takes a [`{name}`](crate::types::{name}) or anything converting into one \
                 (such as its text); a value that does not convert {REFUSED}."
            ),
        },
    }
}

fn client_method(op: &Op) -> TokenStream {
    let method = format_ident!("{}", op.id);
    let request = request_ident(&op.id);
    let required: Vec<&Param> = op.params.iter().filter(|p| p.required).collect();
    let optional: Vec<&Param> = op.params.iter().filter(|p| !p.required).collect();
    let data = data_type(op).to_string().replace(' ', "");

    let mut doc = format!("{}\n\n", op.summary);
    if !op.description.is_empty() {
        doc.push_str(&format!("{}\n\n", op.description));
    }
    doc.push_str(&format!("`{} {}`", op.method, op.path));
    if let Some(permission) = &op.permission {
        doc.push_str(&format!(", permission `{permission}`"));
    }
    doc.push_str(".\n\n");
    if !required.is_empty() {
        doc.push_str("Required, in this order:\n");
        for p in &required {
            let takes = match &p.kind {
                Kind::Text => "`&str` or `String`".to_owned(),
                Kind::Boolean => "`bool`".to_owned(),
                Kind::Integer { .. } => "an integer".to_owned(),
                Kind::Named(name) => {
                    format!("[`{name}`](crate::types::{name}) or anything converting into one")
                }
            };
            doc.push_str(&format!(
                "- `{}` ({takes}), {}: {}\n",
                p.ident,
                where_sent(p),
                param_doc(p)
            ));
        }
        doc.push('\n');
    }
    if !optional.is_empty() {
        doc.push_str(&format!("Optional, set on the returned [`{request}`]:\n"));
        for p in &optional {
            doc.push_str(&format!(
                "- [`{ident}`]({request}::{ident}): {desc}\n",
                ident = p.ident,
                desc = p.description.trim()
            ));
        }
        doc.push('\n');
    }
    doc.push_str(&format!(
        "Send it with `.await` (or [`send`]({request}::send)) for a `Response<{data}>`."
    ));
    if cursor_list_item(op).is_some() {
        doc.push_str(&format!(
            " A cursor-paginated list: [`items`]({request}::items) and [`pages`]({request}::pages) \
             walk every page."
        ));
    }
    if op.param(IF_NONE_MATCH).is_some() {
        doc.push_str(&format!(
            " [`if_changed`]({request}::if_changed) fetches it only if it changed."
        ));
    }

    let mut generics = Vec::new();
    let mut arguments = Vec::new();
    let mut fields = Vec::new();
    for p in &required {
        let ident = &p.ident;
        let (ty, bound, value) = argument(p);
        if !bound.is_empty() {
            generics.push(ty.clone());
        }
        arguments.push(quote!(#ident: #ty));
        fields.push((ident, bound, value));
    }
    let bounds: Vec<&TokenStream> = fields.iter().map(|(_, b, _)| b).collect();
    let generics = if generics.is_empty() {
        quote!()
    } else {
        quote!(<#(#generics),*>)
    };
    let where_clause = if bounds.iter().all(|b| b.is_empty()) {
        quote!()
    } else {
        quote!(where #(#bounds)*)
    };
    // Only values checked when set need the call, to record a bad one.
    let checks = |p: &&Param| matches!(p.kind, Kind::Named(_) | Kind::Integer { .. });
    let call_binding = if required.iter().any(checks) {
        quote!(let mut call = crate::call::Call::new(self);)
    } else {
        quote!(let call = crate::call::Call::new(self);)
    };
    let params_ty = format_ident!("{request}Params");
    let inits = fields
        .iter()
        .map(|(ident, _, value)| quote!(#ident: #value,));
    let rest = if optional.is_empty() {
        quote!()
    } else {
        quote!(..#params_ty::default())
    };
    quote! {
        #[doc = #doc]
        pub fn #method #generics(&self, #(#arguments),*) -> #request #where_clause {
            #call_binding
            let params = #params_ty { #(#inits)* #rest };
            #request { call, params }
        }
    }
}

/// The item type, when the operation is a cursor-paginated list.
fn cursor_list_item(op: &Op) -> Option<&TokenStream> {
    let Success::Envelope {
        paginated: true,
        item: Some(item),
        ..
    } = &op.success
    else {
        return None;
    };
    match op.param("cursor") {
        Some(Param {
            kind: Kind::Text,
            required: false,
            ..
        }) => Some(item),
        _ => None,
    }
}

fn request_type(op: &Op, signature: &[String]) -> Result<TokenStream, String> {
    let request = request_ident(&op.id);
    let params_ty = format_ident!("{request}Params");
    let method = format_ident!("{}", op.id);
    let id = &op.id;
    let data = data_type(op);

    let doc = format!(
        "A request to {summary}: see [`Client::{id}`](crate::Client::{id}).\n\n\
         Set optional parameters with its methods, then `.await` it (or call `send`). It owns a \
         handle to the client: it can be stored, returned or moved to another task.",
        summary = lowercase_first(&op.summary),
    );

    let fields = op.params.iter().map(|p| {
        let ident = &p.ident;
        let ty = stored_type(p);
        quote!(#ident: ::std::option::Option<#ty>,)
    });
    let names: Vec<&proc_macro2::Ident> = op.params.iter().map(|p| &p.ident).collect();
    let prepare = op.params.iter().map(prepare_argument);
    if signature.len() != op.params.len() {
        return Err(format!(
            "progenitor's {} takes ({}), the spec's parameters are ({})",
            op.id,
            signature.join(", "),
            names
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let arguments = signature
        .iter()
        .map(|name| {
            op.params
                .iter()
                .find(|p| p.ident == name)
                .map(raw_argument)
                .ok_or_else(|| {
                    format!(
                        "progenitor's {} takes `{name}`, which the spec lacks",
                        op.id
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let setters = op.params.iter().filter(|p| !p.required).map(|p| {
        let ident = &p.ident;
        let (ty, bound, value) = argument(p);
        let doc = format!(
            "{}\n\n{}\n\nSent as {}.",
            param_doc(p),
            accepted(p),
            where_sent(p)
        );
        let (generics, where_clause) = if bound.is_empty() {
            (quote!(), quote!())
        } else {
            (quote!(<#ty>), quote!(where #bound))
        };
        let call = match p.kind {
            Kind::Named(_) | Kind::Integer { .. } => quote!(let call = &mut self.call;),
            Kind::Text | Kind::Boolean => quote!(),
        };
        quote! {
            #[doc = #doc]
            pub fn #ident #generics(mut self, #ident: #ty) -> Self #where_clause {
                #call
                self.params.#ident = #value;
                self
            }
        }
    });

    let (success_from, success_to): (Vec<u16>, Vec<u16>) =
        op.success_statuses.iter().copied().unzip();
    let (answer, run) = match &op.success {
        Success::Envelope { schema, .. } => {
            let schema = format_ident!("{schema}");
            (quote!(types::#schema), quote!(crate::call::json(self)))
        }
        Success::Text => (
            quote!(::progenitor_client::ByteStream),
            quote!(crate::call::text(self)),
        ),
        Success::Empty => (quote!(()), quote!(crate::call::empty(self))),
    };

    let conditional = match op.param(IF_NONE_MATCH) {
        Some(Param {
            ident,
            kind: Kind::Text,
            ..
        }) => quote! {
            /// Fetches the resource only if it changed since the response that carried `etag`:
            /// sends `If-None-Match` and resolves to `Conditional::NotModified` when the server
            /// answers 304, or to `Conditional::Modified` with the new representation. Every
            /// other setting of this request applies.
            pub fn if_changed(
                mut self,
                etag: impl ::std::convert::Into<::std::string::String>,
            ) -> crate::ConditionalFuture<#data> {
                self.params.#ident = ::std::option::Option::Some(etag.into());
                crate::call::conditional(self)
            }
        },
        _ => quote!(),
    };

    let list = match cursor_list_item(op) {
        Some(item) => {
            let cursor = &op.param("cursor").map(|p| p.ident.clone());
            quote! {
                impl #request {
                    /// Every item of the list across pages, as a stream. The parameters and
                    /// retry policy set on this request apply to every page; a cursor set on
                    /// it is where the walk starts.
                    pub fn items(self) -> crate::Items<#item> {
                        crate::Items::new(self)
                    }

                    /// The pages of the list, as a stream. The parameters and retry policy set
                    /// on this request apply to every page; a cursor set on it is where the walk
                    /// starts.
                    pub fn pages(self) -> crate::Pages<#item> {
                        crate::Pages::new(self)
                    }
                }

                impl crate::pagination::CursorList for #request {
                    type Item = #item;
                    fn with_cursor(mut self, cursor: ::std::string::String) -> Self {
                        self.params.#cursor = ::std::option::Option::Some(cursor);
                        self
                    }
                    fn fetch(self) -> crate::CallFuture<::std::vec::Vec<#item>> {
                        ::std::future::IntoFuture::into_future(self)
                    }
                }
            }
        }
        None => quote!(),
    };

    Ok(quote! {
        #[doc = #doc]
        #[derive(Clone, Debug)]
        #[must_use = "a request does nothing until it is sent or awaited"]
        pub struct #request {
            call: crate::call::Call,
            params: #params_ty,
        }

        /// The parameters set so far.
        #[derive(Clone, Debug, Default)]
        pub(crate) struct #params_ty {
            #(#fields)*
        }

        impl #request {
            #(#setters)*

            /// Uses `policy` for this request instead of the client's (for every page, when the
            /// request walks a list).
            pub fn retry_policy(mut self, policy: crate::RetryPolicy) -> Self {
                self.call.set_retry_policy(policy);
                self
            }

            /// Sends the request; the same as `.await`ing it.
            pub fn send(self) -> crate::CallFuture<#data> {
                ::std::future::IntoFuture::into_future(self)
            }

            #conditional
        }

        impl ::std::future::IntoFuture for #request {
            type Output = ::std::result::Result<crate::Response<#data>, crate::Error>;
            type IntoFuture = crate::CallFuture<#data>;
            fn into_future(self) -> Self::IntoFuture {
                #run
            }
        }

        impl crate::call::Operation for #request {
            const ID: &'static str = #id;
            const SUCCESS: &'static [::std::ops::RangeInclusive<u16>] = &[#(#success_from..=#success_to),*];
            type Answer = #answer;
            type Params = #params_ty;
            fn into_parts(self) -> (crate::call::Call, Self::Params) {
                (self.call, self.params)
            }
            // The method's future is returned as it is, not awaited inside another: the call
            // builds the request with it in place, and moving it would copy all of it.
            #[allow(clippy::redundant_closure_call)]
            fn send_raw<'a>(
                client: &'a crate::generated::Client,
                params: &'a Self::Params,
            ) -> impl ::std::future::Future<Output = crate::call::Raw<Self::Answer>> + Send + 'a {
                let #params_ty { #(#names),* } = params;
                let prepared: ::std::result::Result<_, ::std::string::String> = (|| {
                    #(#prepare)*
                    ::std::result::Result::Ok((#(#names,)*))
                })();
                match prepared {
                    ::std::result::Result::Ok((#(#names,)*)) => {
                        ::futures::future::Either::Left(client.#method(#(#arguments),*))
                    }
                    ::std::result::Result::Err(message) => {
                        ::futures::future::Either::Right(::std::future::ready(
                            ::std::result::Result::Err(
                                ::progenitor_client::Error::InvalidRequest(message),
                            ),
                        ))
                    }
                }
            }
        }

        #list
    })
}

/// Readies a stored parameter for progenitor's method: a required one must be present, and a
/// number must fit the type progenitor generated for it; what is wrong is said in a `String`.
fn prepare_argument(param: &Param) -> TokenStream {
    let ident = &param.ident;
    let name = &param.name;
    let out_of_range = format!("`{name}` is out of range");
    let by_value = passed_by_value(param);
    // The parameters are borrowed, since every attempt sends them again; numbers and booleans
    // are copied out.
    let copied = if by_value {
        quote!(let #ident = *#ident;)
    } else {
        quote!()
    };
    let converted = match (param.required, by_value) {
        (true, _) => {
            let missing = format!("the required parameter `{name}` has no value");
            let convert = if by_value {
                quote! {
                    let #ident = ::std::convert::TryFrom::try_from(#ident)
                        .map_err(|_| #out_of_range.to_owned())?;
                }
            } else {
                quote!()
            };
            quote! {
                let ::std::option::Option::Some(#ident) = #ident else {
                    return ::std::result::Result::Err(#missing.to_owned());
                };
                #convert
            }
        }
        (false, true) => quote! {
            let #ident = match #ident {
                ::std::option::Option::Some(value) => ::std::option::Option::Some(
                    ::std::convert::TryFrom::try_from(value)
                        .map_err(|_| #out_of_range.to_owned())?,
                ),
                ::std::option::Option::None => ::std::option::Option::None,
            };
        },
        (false, false) => quote!(),
    };
    quote! {
        #copied
        #converted
    }
}

/// Progenitor takes numbers and booleans by value, text as `&str` and other types by reference.
fn raw_argument(param: &Param) -> TokenStream {
    let ident = &param.ident;
    match (param.required, passed_by_value(param), &param.kind) {
        (_, true, _) => quote!(#ident),
        (true, false, _) => quote!(#ident),
        (false, false, Kind::Text) => quote!(#ident.as_deref()),
        (false, false, _) => quote!(#ident.as_ref()),
    }
}

fn passed_by_value(param: &Param) -> bool {
    matches!(param.kind, Kind::Integer { .. } | Kind::Boolean)
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}
