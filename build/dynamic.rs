//! Operations chosen at run time, by id: the description of every operation as data (for
//! `crate::dynamic`, feature `dynamic`), a `prepare` that builds an operation's typed request
//! from parameters given as JSON values, and the answer of the spec's examples for every
//! operation (for `crate::testing`, feature `testing`).
//!
//! Built from the same reading of the spec as the request types (`super::Op`), so a request
//! chosen at run time is sent through the public request type of its operation, with its retries,
//! idempotency key, pagination and typed errors.

use openapiv3::{Components, OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{
    cursor_list_item, operations, param_doc, stored_type, Kind, Location, Op, Param, Success,
};

/// The table of operations and `prepare`, for `crate::dynamic`.
pub fn tokens(spec: &OpenAPI) -> Result<TokenStream, String> {
    let (ops, components) = operations(spec)?;
    let infos = ops
        .iter()
        .map(|op| info(op, components))
        .collect::<Result<Vec<_>, _>>()?;
    let arms = ops.iter().map(prepare_arm);
    Ok(quote! {
        /// Every operation of the spec, sorted by id.
        pub(crate) static OPERATIONS: &[crate::dynamic::OperationInfo] = &[ #(#infos),* ];

        /// The typed request of operation `id`, built from `arguments`, which it takes the
        /// values of.
        pub(crate) fn prepare(
            client: &crate::Client,
            id: &str,
            arguments: &mut crate::dynamic::Arguments,
        ) -> ::std::result::Result<crate::dynamic::Prepared, crate::Error> {
            #[allow(unused_imports)]
            use crate::types;
            match id {
                #(#arms)*
                _ => ::std::result::Result::Err(crate::Error::InvalidRequest(
                    ::std::format!("no operation has the id {id:?}"),
                )),
            }
        }
    })
}

fn info(op: &Op, components: &Components) -> Result<TokenStream, String> {
    let Op {
        id,
        method,
        path,
        summary,
        description,
        tag,
        ..
    } = op;
    let permission = option_str(op.permission.as_deref());
    let mut params = Vec::new();
    let mut body = quote!(::std::option::Option::None);
    for p in &op.params {
        if p.location == Location::Body {
            let Kind::Named(schema) = &p.kind else {
                return Err(format!("{id}: the body must be a named schema"));
            };
            let fields = body_fields(schema, components)?;
            let required = p.required;
            let description = &p.description;
            body = quote! {
                ::std::option::Option::Some(crate::dynamic::BodyInfo {
                    schema: #schema,
                    required: #required,
                    description: #description,
                    fields: &[ #(#fields),* ],
                })
            };
            continue;
        }
        let location = match p.location {
            Location::Path => quote!(Path),
            Location::Query => quote!(Query),
            Location::Header => quote!(Header),
            Location::Body => unreachable!("handled above"),
        };
        let name = &p.name;
        let required = p.required;
        let help = param_doc(p);
        let value = param_value(p, components)?;
        params.push(quote! {
            crate::dynamic::ParamInfo {
                name: #name,
                location: crate::dynamic::Location::#location,
                required: #required,
                description: #help,
                value: #value,
            }
        });
    }
    let answer = match &op.success {
        Success::Envelope { item, .. } => {
            let list = cursor_list_item(op).is_some();
            let many = item.is_some();
            quote!(crate::dynamic::AnswerKind::Json { list: #many, cursor_list: #list })
        }
        Success::Text => quote!(crate::dynamic::AnswerKind::Text),
        Success::Empty => quote!(crate::dynamic::AnswerKind::Empty),
    };
    Ok(quote! {
        crate::dynamic::OperationInfo {
            id: #id,
            method: #method,
            path: #path,
            summary: #summary,
            description: #description,
            group: #tag,
            permission: #permission,
            params: &[ #(#params),* ],
            body: #body,
            answer: #answer,
        }
    })
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

/// The `ValueKind` of a parameter.
fn param_value(p: &Param, components: &Components) -> Result<TokenStream, String> {
    Ok(match &p.kind {
        Kind::Text => quote!(crate::dynamic::ValueKind::String),
        Kind::Boolean => quote!(crate::dynamic::ValueKind::Boolean),
        Kind::Integer { min, max, .. } => integer(*min, *max),
        Kind::Named(name) => {
            let schema = components
                .schemas
                .get(name)
                .and_then(ReferenceOr::as_item)
                .ok_or_else(|| format!("{}: unknown schema {name}", p.name))?;
            scalar(schema, components).ok_or_else(|| {
                format!(
                    "{}: parameters must be strings, numbers or booleans",
                    p.name
                )
            })?
        }
    })
}

fn integer(min: Option<i64>, max: Option<i64>) -> TokenStream {
    let (min, max) = (option_i64(min), option_i64(max));
    quote!(crate::dynamic::ValueKind::Integer { min: #min, max: #max })
}

fn option_i64(value: Option<i64>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

/// The `ValueKind` of a schema holding one string, number or boolean; `None` for anything else.
fn scalar(schema: &Schema, components: &Components) -> Option<TokenStream> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            let values: Vec<&String> = s.enumeration.iter().flatten().collect();
            Some(if values.is_empty() {
                quote!(crate::dynamic::ValueKind::String)
            } else {
                quote!(crate::dynamic::ValueKind::Enum(&[ #(#values),* ]))
            })
        }
        SchemaKind::Type(Type::Integer(i)) if i.enumeration.is_empty() => {
            let (min, max) = super::inclusive_bounds(i);
            Some(integer(min, max))
        }
        SchemaKind::Type(Type::Number(_)) => Some(quote!(crate::dynamic::ValueKind::Number)),
        SchemaKind::Type(Type::Boolean(_)) => Some(quote!(crate::dynamic::ValueKind::Boolean)),
        // A nullable reference is written as `allOf` with one member.
        SchemaKind::AllOf { all_of } if all_of.len() == 1 => {
            scalar(resolve(&all_of[0], components)?, components)
        }
        _ => None,
    }
}

fn resolve<'a>(schema: &'a ReferenceOr<Schema>, components: &'a Components) -> Option<&'a Schema> {
    match schema {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            // Secrets are not offered as flags: a command line ends up in shell histories and
            // process lists.
            if name == crate::secrets::SCHEMA {
                return None;
            }
            let target = components.schemas.get(name)?.as_item()?;
            match target.schema_data.extensions.get("x-sendmux-clearable") {
                // A field that can be cleared takes its value's type; clearing needs `null`,
                // which only a JSON body says.
                Some(value) if value.as_str() == Some("string") => Some(&STRING),
                Some(_) => None,
                None => Some(target),
            }
        }
    }
}

static STRING: std::sync::LazyLock<Schema> = std::sync::LazyLock::new(|| Schema {
    schema_data: Default::default(),
    schema_kind: SchemaKind::Type(Type::String(Default::default())),
});

/// The top-level fields of a body schema that hold one string, number or boolean.
fn body_fields(schema: &str, components: &Components) -> Result<Vec<TokenStream>, String> {
    let body = components
        .schemas
        .get(schema)
        .and_then(ReferenceOr::as_item)
        .ok_or_else(|| format!("{schema}: unknown body schema"))?;
    let SchemaKind::Type(Type::Object(object)) = &body.schema_kind else {
        return Ok(Vec::new());
    };
    let mut fields = Vec::new();
    for (name, property) in &object.properties {
        let property = property.clone().unbox();
        let Some(resolved) = resolve(&property, components) else {
            continue;
        };
        let Some(value) = scalar(resolved, components) else {
            continue;
        };
        let required = object.required.contains(name);
        let mut help = property
            .as_item()
            .and_then(|s| s.schema_data.description.clone())
            .or_else(|| resolved.schema_data.description.clone())
            .unwrap_or_default();
        let constraints = super::constraints_of(resolved);
        if !constraints.is_empty() {
            if !help.is_empty() && !help.ends_with('.') {
                help.push('.');
            }
            help = format!("{help} {constraints}").trim().to_owned();
        }
        fields.push(quote! {
            crate::dynamic::FieldInfo {
                name: #name,
                required: #required,
                description: #help,
                value: #value,
            }
        });
    }
    Ok(fields)
}

/// The arm of `prepare` for one operation: the client method with the required values in
/// order, then a setter per optional value given.
fn prepare_arm(op: &Op) -> TokenStream {
    let id = &op.id;
    let method = format_ident!("{id}");
    let take = |p: &Param, required: bool| {
        let ty = stored_type(p);
        let name = &p.name;
        match (p.location, required) {
            (Location::Body, true) => quote!(arguments.body_value::<#ty>()?),
            (Location::Body, false) => quote!(arguments.optional_body::<#ty>()?),
            (_, true) => quote!(arguments.required::<#ty>(#name)?),
            (_, false) => quote!(arguments.optional::<#ty>(#name)?),
        }
    };
    let required = op
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| take(p, true));
    let optional = op.params.iter().filter(|p| !p.required).map(|p| {
        let ident = &p.ident;
        let value = take(p, false);
        quote! {
            if let ::std::option::Option::Some(value) = #value {
                request = request.#ident(value);
            }
        }
    });
    let binding = if op.params.iter().any(|p| !p.required) {
        quote!(let mut request)
    } else {
        quote!(let request)
    };
    let wrap = if cursor_list_item(op).is_some() {
        quote!(crate::dynamic::Prepared::list(request))
    } else {
        quote!(crate::dynamic::Prepared::single(request))
    };
    quote! {
        #id => {
            #binding = client.#method(#(#required),*);
            #(#optional)*
            arguments.finish()?;
            ::std::result::Result::Ok(#wrap)
        }
    }
}

/// The spec's example answer of every operation, for `crate::testing`: method, a regular
/// expression matching its paths, status, content type and body. Static paths come before
/// templated ones, so that `/providers/limits` is not taken for `/providers/{public_id}`.
pub fn answers(spec: &OpenAPI) -> Result<TokenStream, String> {
    let (mut ops, components) = operations(spec)?;
    ops.sort_by_key(|op| op.path.matches('{').count());
    let mut answers = Vec::new();
    for op in &ops {
        let pattern = format!(
            "^{}$",
            op.path
                .split('/')
                .map(|segment| if segment.starts_with('{') {
                    "[^/]+".to_owned()
                } else {
                    regex_escape(segment)
                })
                .collect::<Vec<_>>()
                .join("/")
        );
        let status = success_status(spec, op).unwrap_or(200);
        let (status, content_type, body) = match &op.success {
            Success::Envelope { schema, .. } => match envelope_example(schema, components)? {
                Some(body) => (status, "application/json", body),
                None => (
                    501,
                    "application/json",
                    serde_json::json!({
                        "ok": false,
                        "error": {
                            "code": "internal_error",
                            "message": format!("openapi.yaml has no example for {schema}"),
                            "retryable": false,
                        },
                        "meta": { "request_id": "req_mock" },
                    })
                    .to_string(),
                ),
            },
            Success::Text => (status, "text/plain", String::new()),
            Success::Empty => (status, "", String::new()),
        };
        let (method, id) = (&op.method, &op.id);
        answers.push(quote! {
            ExampleAnswer {
                operation: #id,
                method: #method,
                path: #pattern,
                status: #status,
                content_type: #content_type,
                body: #body,
            }
        });
    }
    Ok(quote! {
        /// The example answer of every operation; static paths first.
        pub(crate) static EXAMPLE_ANSWERS: &[ExampleAnswer] = &[ #(#answers),* ];
    })
}

fn success_status(spec: &OpenAPI, op: &Op) -> Option<u16> {
    let item = spec.paths.paths.get(&op.path)?.as_item()?;
    let (_, operation) = item
        .iter()
        .find(|(method, _)| method.eq_ignore_ascii_case(&op.method))?;
    operation
        .responses
        .responses
        .keys()
        .find_map(|status| match status {
            openapiv3::StatusCode::Code(c) if (200..300).contains(c) => Some(*c),
            _ => None,
        })
}

/// The success envelope `schema` around the example of its data, as the last page of a list
/// when it is one; `None` when the data's schema has no example.
fn envelope_example(schema: &str, components: &Components) -> Result<Option<String>, String> {
    let envelope = components
        .schemas
        .get(schema)
        .and_then(ReferenceOr::as_item)
        .ok_or_else(|| format!("{schema}: unknown envelope"))?;
    let SchemaKind::Type(Type::Object(object)) = &envelope.schema_kind else {
        return Err(format!("{schema}: an envelope must be an object"));
    };
    let example_of = |reference: &str| {
        let name = reference.strip_prefix("#/components/schemas/")?;
        components
            .schemas
            .get(name)?
            .as_item()?
            .schema_data
            .example
            .clone()
    };
    let data = match object.properties.get("data").map(|p| p.clone().unbox()) {
        Some(ReferenceOr::Reference { reference }) => example_of(&reference),
        Some(ReferenceOr::Item(Schema {
            schema_kind: SchemaKind::Type(Type::Array(array)),
            ..
        })) => match array.items.map(|i| i.unbox()) {
            Some(ReferenceOr::Reference { reference }) => {
                example_of(&reference).map(|e| serde_json::Value::Array(vec![e]))
            }
            _ => None,
        },
        _ => None,
    };
    let Some(data) = data else {
        return Ok(None);
    };
    let mut body = serde_json::json!({
        "ok": true,
        "data": data,
        "meta": { "request_id": "req_mock" },
    });
    if object.properties.contains_key("pagination") {
        body["pagination"] = serde_json::json!({ "has_more": false, "next_cursor": null });
    }
    Ok(Some(body.to_string()))
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if r"\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
