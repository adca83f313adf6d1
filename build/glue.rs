//! Per-operation wiring between progenitor's output and the handwritten layer, derived from the
//! spec so that an operation added to `openapi.yaml` is served with no handwritten code:
//!
//! - `OPERATIONS`: what the layer needs to know about each operation at run time (method and path
//!   template, whether it documents `Idempotency-Key`);
//! - an `Envelope` impl for every success envelope, so one generic unwrap serves all of them;
//! - a method on `crate::Client` per operation, returning progenitor's request builder;
//! - `IntoFuture` for every builder, so awaiting it yields `Result<Response<Data>, Error>`, and
//!   `retry_policy` to override the client's policy for one request;
//! - `if_changed` on builders of operations documenting `If-None-Match`;
//! - `pages()` and `items()` on builders of cursor-paginated lists.

use openapiv3::{
    Components, OpenAPI, Operation, Parameter, ReferenceOr, Schema, SchemaKind, StatusCode, Type,
};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

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
    headers: Vec<String>,
    query: Vec<String>,
    success: Success,
}

pub fn tokens(spec: &OpenAPI) -> Result<TokenStream, String> {
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

    let table = ops.iter().map(table_entry);
    let ids = ops.iter().map(|op| op.id.as_str());
    let positions = 0..ops.len();
    let envelopes = envelope_impls(&ops, components)?;
    let methods = ops.iter().map(client_method);
    let futures = ops.iter().map(into_future);
    let conditionals = ops
        .iter()
        .filter(|op| op.headers.iter().any(|h| h == IF_NONE_MATCH))
        .map(conditional);
    let lists = ops.iter().filter_map(cursor_list);

    Ok(quote! {
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

        impl crate::Client {
            #(#methods)*
        }

        #(#futures)*
        #(#conditionals)*
        #(#lists)*
    })
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
    let mut query = Vec::new();
    for parameter in &operation.parameters {
        let parameter = resolve_parameter(parameter, components)
            .ok_or_else(|| format!("{id}: unresolvable parameter reference"))?;
        match parameter {
            Parameter::Header { parameter_data, .. } => headers.push(parameter_data.name.clone()),
            Parameter::Query { parameter_data, .. } => query.push(parameter_data.name.clone()),
            _ => {}
        }
    }
    Ok(Op {
        success: success(&id, operation, components)?,
        method: method.to_uppercase(),
        path: path.to_owned(),
        summary: operation.summary.clone().unwrap_or_default(),
        description: operation.description.clone().unwrap_or_default(),
        id,
        headers,
        query,
    })
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

/// `list_domains` → `ListDomains`, as progenitor names the builder.
fn builder_ident(id: &str) -> proc_macro2::Ident {
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

fn client_method(op: &Op) -> TokenStream {
    let method = format_ident!("{}", op.id);
    let builder = builder_ident(&op.id);
    let data = data_type(op).to_string().replace(' ', "");
    let mut doc = format!("{}\n\n", op.summary);
    if !op.description.is_empty() {
        doc.push_str(&format!("{}\n\n", op.description));
    }
    doc.push_str(&format!(
        "`{} {}`. Set the parameters on the returned builder, then `.await` it for a \
         `Response<{data}>`.",
        op.method, op.path
    ));
    quote! {
        #[doc = #doc]
        pub fn #method(&self) -> builder::#builder<'_> {
            self.raw().#method()
        }
    }
}

fn into_future(op: &Op) -> TokenStream {
    let builder = builder_ident(&op.id);
    let id = &op.id;
    let data = data_type(op);
    // The request's future is large; boxing it first means it is moved once, not at every
    // layer that wraps it.
    let run = match op.success {
        Success::Envelope { .. } => quote!(crate::call::json(#id, Box::pin(self.send()))),
        Success::Text => quote!(crate::call::text(#id, Box::pin(self.send()))),
        Success::Empty => quote!(crate::call::empty(#id, Box::pin(self.send()))),
    };
    quote! {
        impl<'a> ::std::future::IntoFuture for builder::#builder<'a> {
            type Output = ::std::result::Result<crate::Response<#data>, crate::Error>;
            type IntoFuture = crate::call::CallFuture<'a, #data>;
            fn into_future(self) -> Self::IntoFuture {
                #run
            }
        }

        impl<'a> builder::#builder<'a> {
            /// Uses `policy` for this request instead of the client's.
            pub fn retry_policy(self, policy: crate::RetryPolicy) -> crate::WithOptions<Self> {
                crate::WithOptions::new(self).retry_policy(policy)
            }
        }
    }
}

fn conditional(op: &Op) -> TokenStream {
    let builder = builder_ident(&op.id);
    let id = &op.id;
    let data = data_type(op);
    quote! {
        impl<'a> builder::#builder<'a> {
            /// Fetches the resource only if it changed since the response that carried `etag`:
            /// sends `If-None-Match` and resolves to `Conditional::NotModified` when the server
            /// answers 304, or to `Conditional::Modified` with the new representation.
            pub fn if_changed(
                self,
                etag: impl ::std::convert::Into<::std::string::String>,
            ) -> crate::call::ConditionalFuture<'a, #data> {
                crate::call::conditional(#id, Box::pin(self.if_none_match(etag.into()).send()))
            }
        }

        impl<'a> crate::WithOptions<builder::#builder<'a>> {
            /// Fetches the resource only if it changed since the response that carried `etag`,
            /// with this request's options: see the builder's `if_changed`.
            pub fn if_changed(
                self,
                etag: impl ::std::convert::Into<::std::string::String>,
            ) -> crate::call::ConditionalFuture<'a, #data> {
                self.run(|request| request.if_changed(etag))
            }
        }
    }
}

/// Streams for a list whose envelope carries `pagination` and which takes a `cursor`.
fn cursor_list(op: &Op) -> Option<TokenStream> {
    let Success::Envelope {
        paginated: true,
        data,
        item: Some(item),
        ..
    } = &op.success
    else {
        return None;
    };
    if !op.query.iter().any(|q| q == "cursor") {
        return None;
    }
    let builder = builder_ident(&op.id);
    Some(quote! {
        impl<'a> crate::pagination::CursorList for builder::#builder<'a> {
            type Item = #item;
            fn with_cursor(self, cursor: ::std::string::String) -> Self {
                self.cursor(cursor)
            }
            fn fetch<'f>(self) -> crate::call::CallFuture<'f, #data>
            where
                Self: 'f,
            {
                ::std::future::IntoFuture::into_future(self)
            }
        }

        impl<'a> builder::#builder<'a> {
            /// Every item of the list across pages, as a stream. Parameters set on this builder
            /// apply to every page; a cursor set on it is where the walk starts.
            pub fn items(self) -> crate::Items<'a, #item> {
                crate::Items::new(self)
            }

            /// The pages of the list, as a stream. Parameters set on this builder apply to every
            /// page; a cursor set on it is where the walk starts.
            pub fn pages(self) -> crate::Pages<'a, #item> {
                crate::Pages::new(self)
            }
        }
    })
}
