//! Converts the vendor's OpenAPI 3.1 document into our 3.0.3 dialect (see
//! `shared/design/PROGENITOR.md`): the structure only, with our names and none of the vendor's
//! prose. Descriptions are ours and are added by [`crate::reconcile`].
//!
//! The rules, each applied wherever it matches:
//! - operations tagged [`tables::SKIPPED_TAG`] are dropped; ids come from
//!   [`tables::OPERATION_IDS`] or are the snake-cased rest of `management…`;
//! - `type: [X, "null"]` → `type: X` + `nullable: true`; a nullable `$ref` →
//!   `allOf: [{$ref}]` + `nullable: true`;
//! - numeric `exclusiveMinimum`/`exclusiveMaximum` → `minimum`/`maximum` + `true`;
//! - `unevaluatedProperties`, `examples`, `example`, `const`, `title`, descriptions and
//!   `additionalProperties: false` are dropped (the last so new fields do not break decoding);
//! - `allOf: [$ref, {description | type}]` collapses to the reference; `allOf: [$ref X,
//!   {properties}]` is merged into one flat object;
//! - success envelopes (`allOf: [SuccessEnvelope, {data, meta, pagination?}]`) become flat
//!   `<Data>Envelope` / `<Item>Page` objects; inline `{deleted, id}` data is the shared `Deleted`;
//! - every string enum becomes a named component, named where our spec already uses it
//!   ([`identity`]), else by [`tables::ENUM_NAMES`] or its first place; boolean and numeric
//!   enums are dropped; `anyOf` unions become named `oneOf` components;
//! - string timestamps (`*_at`, [`tables::TIMESTAMP_PROPERTIES`]) get `format: date-time`;
//! - string properties named like secrets ([`secrets::is_secret_name`]) get
//!   `x-sendmux-secret: true`, so the client never prints them;
//! - shared parameters and response headers become `components` entries referenced by `$ref`;
//! - every operation answers `429` (RateLimited), `4XX` and `5XX` (Error), a documented `503`
//!   with Unavailable; inline request bodies become `<Pascal(operationId)>Body`;
//! - component schemas that are nullable become non-nullable and their references nullable.

use std::collections::{BTreeSet, HashSet};

use serde_norway::{Mapping, Value};

use crate::identity;
use crate::naming::{pascal, snake};
use crate::secrets;
use crate::tables::{self, lookup, MARKER};
use crate::value::{as_ref, entries, get, get_map, get_str, join, map, ref_name, reference, s};
use crate::{Error, Result};

/// HTTP methods that hold operations in a path item.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Converts an OpenAPI 3.1 document (as parsed from its JSON) into a 3.0.3 document in our
/// dialect. Fails on constructs that have no rule, naming where they are.
pub fn convert(upstream: &Value) -> Result<Value> {
    convert_against(upstream, &Value::Null)
}

/// [`convert`], keeping the enum names `ours` (our current spec) uses at the same places: see
/// [`identity`].
pub fn convert_against(upstream: &Value, ours: &Value) -> Result<Value> {
    let empty = Mapping::new();
    let schemas = get(upstream, "components")
        .and_then(|c| get_map(c, "schemas"))
        .unwrap_or(&empty);
    let mut converter = Converter {
        upstream,
        schemas,
        out: Mapping::new(),
        enums: Vec::new(),
        update_bodies: BTreeSet::new(),
        parameters: Mapping::new(),
        headers: Mapping::new(),
        tags: Vec::new(),
    };
    let paths = converter.paths()?;
    converter.error_schemas()?;
    converter.referenced_schemas(&paths)?;
    converter.finish_schemas()?;
    identity::stabilise(ours, converter.document(paths))
}

struct Converter<'a> {
    upstream: &'a Value,
    /// Upstream `components/schemas`.
    schemas: &'a Mapping,
    /// Our component schemas, by our names.
    out: Mapping,
    /// Named string enums with their values, in the order they were met.
    enums: Vec<(String, Vec<String>)>,
    /// Schemas of PATCH bodies, whose optional nullable fields become clearable.
    update_bodies: BTreeSet<String>,
    parameters: Mapping,
    headers: Mapping,
    tags: Vec<String>,
}

/// Where a schema is being converted: the name an unnamed enum or union would get, and the
/// property it belongs to (timestamps are recognised by property name).
#[derive(Clone, Copy)]
struct At<'p> {
    hint: &'p str,
    property: Option<&'p str>,
    pointer: &'p str,
}

impl Converter<'_> {
    fn paths(&mut self) -> Result<Mapping> {
        let mut out = Mapping::new();
        let Some(paths) = get_map(self.upstream, "paths") else {
            return Ok(out);
        };
        for (path, item) in entries(paths) {
            let item_ptr = join("/paths", path);
            let Some(item) = item.as_mapping() else {
                continue;
            };
            let mut new_item = Mapping::new();
            for (method, op) in entries(item) {
                if !METHODS.contains(&method) {
                    continue;
                }
                let tags: Vec<&str> = get(op, "tags")
                    .and_then(Value::as_sequence)
                    .map(|t| t.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if tags.contains(&tables::SKIPPED_TAG) {
                    continue;
                }
                let op_ptr = join(&item_ptr, method);
                new_item.insert(s(method), self.operation(op, &op_ptr)?);
            }
            if !new_item.is_empty() {
                out.insert(s(path), Value::Mapping(new_item));
            }
        }
        Ok(out)
    }

    fn operation(&mut self, op: &Value, ptr: &str) -> Result<Value> {
        let upstream_id = get_str(op, "operationId")
            .ok_or_else(|| unsupported(ptr, "operation without operationId"))?;
        let id = operation_id(upstream_id);
        let mut out = Mapping::new();
        if let Some(tags) = get(op, "tags") {
            for tag in tags
                .as_sequence()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !self.tags.iter().any(|t| t == tag) {
                    self.tags.push(tag.to_owned());
                }
            }
            out.insert(s("tags"), tags.clone());
        }
        out.insert(s("operationId"), s(&id));

        let mut parameters = Vec::new();
        let params = get(op, "parameters").and_then(Value::as_sequence);
        for (i, param) in params.into_iter().flatten().enumerate() {
            let param_ptr = join(&join(ptr, "parameters"), &i.to_string());
            let param = follow(self.upstream, param, &param_ptr)?;
            parameters.push(self.parameter(param, &id, &param_ptr)?);
        }
        if !parameters.is_empty() {
            out.insert(s("parameters"), Value::Sequence(parameters));
        }

        if let Some(body) = get(op, "requestBody") {
            let body_ptr = join(ptr, "requestBody");
            out.insert(s("requestBody"), self.request_body(body, &id, &body_ptr)?);
        }

        let mut responses: Vec<(String, Value)> = Vec::new();
        let upstream_responses = get_map(op, "responses")
            .ok_or_else(|| unsupported(ptr, "operation without responses"))?;
        for (code, response) in entries(upstream_responses) {
            let response_ptr = join(&join(ptr, "responses"), code);
            let response = follow(self.upstream, response, &response_ptr)?;
            let converted = if code.starts_with('2') || code == "304" {
                self.success_response(response, &id, &response_ptr)?
            } else {
                reference("responses", error_response_for(code))
            };
            responses.push((code.to_owned(), converted));
        }
        // Every operation can be rate limited and can fail; listing the ranges makes the
        // generated client decode every error body instead of returning it unparsed.
        for (code, name) in [("429", "RateLimited"), ("4XX", "Error"), ("5XX", "Error")] {
            if !responses.iter().any(|(c, _)| c == code) {
                responses.push((code.to_owned(), reference("responses", name)));
            }
        }
        responses.sort_by_key(|(code, _)| response_order(code));
        let responses: Mapping = responses.into_iter().map(|(c, r)| (s(&c), r)).collect();
        out.insert(s("responses"), Value::Mapping(responses));

        let security = get(op, "security")
            .or_else(|| get(self.upstream, "security"))
            .cloned()
            .unwrap_or_else(|| Value::Sequence(Vec::new()));
        out.insert(s("security"), security);
        Ok(Value::Mapping(out))
    }

    fn parameter(&mut self, param: &Value, operation_id: &str, ptr: &str) -> Result<Value> {
        let name =
            get_str(param, "name").ok_or_else(|| unsupported(ptr, "parameter without name"))?;
        let location =
            get_str(param, "in").ok_or_else(|| unsupported(ptr, "parameter without `in`"))?;
        let schema = get(param, "schema").cloned().unwrap_or_else(|| map([]));
        let schema_ptr = join(ptr, "schema");
        let shared = tables::SHARED_PARAMETERS.iter().find(|p| {
            p.location == location
                && if location == "header" {
                    p.name.eq_ignore_ascii_case(name)
                } else {
                    p.name == name
                }
        });
        if let Some(shared) = shared {
            if !self.parameters.contains_key(shared.component) {
                let mut schema = schema;
                if let (Some(min), Value::Mapping(m)) = (shared.schema_component, &mut schema) {
                    if !m.contains_key("minLength") {
                        m.insert(s("minLength"), Value::Number(min.into()));
                    }
                }
                let at = At {
                    hint: shared.component,
                    property: None,
                    pointer: &schema_ptr,
                };
                let mut converted = self.schema(&schema, at)?;
                if shared.schema_component.is_some() {
                    self.out.insert(s(shared.component), converted);
                    converted = reference("schemas", shared.component);
                }
                let required = get(param, "required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let component = map([
                    ("name", s(name)),
                    ("in", s(location)),
                    ("required", Value::Bool(required)),
                    ("schema", converted),
                ]);
                self.parameters.insert(s(shared.component), component);
            }
            return Ok(reference("parameters", shared.component));
        }
        let required = get(param, "required")
            .and_then(Value::as_bool)
            .unwrap_or(location == "path");
        let hint = pascal(operation_id) + &pascal(name);
        let at = At {
            hint: &hint,
            property: Some(name),
            pointer: &schema_ptr,
        };
        Ok(map([
            ("name", s(name)),
            ("in", s(location)),
            ("required", Value::Bool(required)),
            ("schema", self.schema(&schema, at)?),
        ]))
    }

    fn request_body(&mut self, body: &Value, operation_id: &str, ptr: &str) -> Result<Value> {
        let body = follow(self.upstream, body, ptr)?;
        let mut content = Mapping::new();
        for (media, item) in get_map(body, "content").into_iter().flat_map(entries) {
            let schema_ptr = join(&join(&join(ptr, "content"), media), "schema");
            let schema = get(item, "schema").cloned().unwrap_or_else(|| map([]));
            let name = pascal(operation_id) + "Body";
            let at = At {
                hint: &name,
                property: None,
                pointer: &schema_ptr,
            };
            let mut converted = self.schema(&schema, at)?;
            if ptr.ends_with("/patch/requestBody") {
                let body_name = match get_str(&converted, "$ref") {
                    Some(reference) => reference.rsplit('/').next().unwrap_or_default().to_owned(),
                    None => name.clone(),
                };
                self.update_bodies.insert(body_name);
            }
            if as_ref(&schema).is_none() && media.contains("json") {
                // Inline bodies get a name so the generated builder type is stable and readable.
                self.out.insert(s(&name), converted);
                converted = reference("schemas", &name);
            }
            content.insert(s(media), map([("schema", converted)]));
        }
        // OpenAPI's default: a body is optional unless the document says otherwise. Where we
        // know better, the intentional-differences list says so.
        let required = get(body, "required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Ok(map([
            ("required", Value::Bool(required)),
            ("content", Value::Mapping(content)),
        ]))
    }

    fn success_response(
        &mut self,
        response: &Value,
        operation_id: &str,
        ptr: &str,
    ) -> Result<Value> {
        let mut out = Mapping::new();
        // A response needs a description; the vendor's prose is never copied.
        out.insert(s("description"), s(MARKER));
        if let Some(headers) = get_map(response, "headers").filter(|h| !h.is_empty()) {
            let mut refs = Mapping::new();
            for (name, header) in entries(headers) {
                let component = name.replace('-', "");
                if !self.headers.contains_key(component.as_str()) {
                    let header_ptr = join(&join(ptr, "headers"), name);
                    let header = follow(self.upstream, header, &header_ptr)?;
                    let schema = get(header, "schema").cloned().unwrap_or_else(|| map([]));
                    let schema_ptr = join(&header_ptr, "schema");
                    let at = At {
                        hint: &component,
                        property: None,
                        pointer: &schema_ptr,
                    };
                    let schema = self.schema(&schema, at)?;
                    self.headers.insert(
                        s(&component),
                        map([("description", s(MARKER)), ("schema", schema)]),
                    );
                }
                refs.insert(s(name), reference("headers", &component));
            }
            out.insert(s("headers"), Value::Mapping(refs));
        }
        // One body per status: progenitor accepts a single schema per success class.
        if let Some((media, item)) = get_map(response, "content").and_then(|c| entries(c).next()) {
            let schema_ptr = join(&join(&join(ptr, "content"), media), "schema");
            let schema = if media.contains("json") {
                let schema = get(item, "schema")
                    .ok_or_else(|| unsupported(&schema_ptr, "JSON response without schema"))?;
                reference(
                    "schemas",
                    &self.envelope(schema, operation_id, &schema_ptr)?,
                )
            } else {
                map([("type", s("string"))])
            };
            out.insert(s("content"), map([(media, map([("schema", schema)]))]));
        }
        Ok(Value::Mapping(out))
    }

    /// Turns a success body into a flat envelope component and returns its name.
    fn envelope(&mut self, schema: &Value, operation_id: &str, ptr: &str) -> Result<String> {
        let (source, source_name) = match as_ref(schema) {
            Some(r) => {
                let name = ref_name(r);
                let target = self
                    .schemas
                    .get(name)
                    .ok_or_else(|| unsupported(ptr, &format!("dangling reference {r}")))?;
                (target, Some(name))
            }
            None => (schema, None),
        };
        let Some(extension) = envelope_extension(source) else {
            // Not an envelope: keep the body as it is, under a name.
            return match source_name {
                Some(name) => Ok(rename(name).to_owned()),
                None => {
                    let name = pascal(operation_id) + "Response";
                    let at = At {
                        hint: &name,
                        property: None,
                        pointer: ptr,
                    };
                    let converted = self.schema(schema, at)?;
                    self.out.insert(s(&name), converted);
                    Ok(name)
                }
            };
        };
        let properties = get_map(extension, "properties")
            .ok_or_else(|| unsupported(ptr, "envelope without properties"))?;
        let data = properties
            .get("data")
            .ok_or_else(|| unsupported(ptr, "envelope without data"))?;
        let paged = properties.contains_key("pagination");
        let data_ptr = join(ptr, "data");

        let (name, data_schema) = if paged {
            let item = get(data, "items").and_then(as_ref).ok_or_else(|| {
                unsupported(&data_ptr, "a page's data must be an array of references")
            })?;
            let name = format!("{}Page", rename(ref_name(item)));
            let at = At {
                hint: &name,
                property: None,
                pointer: &data_ptr,
            };
            (name.clone(), Some(self.schema(data, at)?))
        } else if let Some(r) = as_ref(data) {
            let name = format!("{}Envelope", rename(ref_name(r)));
            (
                name,
                Some(self.schema(
                    data,
                    At {
                        hint: "",
                        property: None,
                        pointer: &data_ptr,
                    },
                )?),
            )
        } else {
            (inline_data_name(data, operation_id) + "Envelope", None)
        };
        if self.out.contains_key(name.as_str()) {
            return Ok(name);
        }
        let data_schema = match data_schema {
            Some(schema) => schema,
            None => {
                let data_name = inline_data_name(data, operation_id);
                if !self.out.contains_key(data_name.as_str()) {
                    let at = At {
                        hint: &data_name,
                        property: None,
                        pointer: &data_ptr,
                    };
                    let converted = self.schema(data, at)?;
                    self.out.insert(s(&data_name), converted);
                }
                reference("schemas", &data_name)
            }
        };
        let mut required = vec![s("ok"), s("data"), s("meta")];
        let mut props = Mapping::new();
        props.insert(s("ok"), map([("type", s("boolean"))]));
        props.insert(s("data"), data_schema);
        props.insert(s("meta"), reference("schemas", "ResponseMeta"));
        if paged {
            required.push(s("pagination"));
            props.insert(s("pagination"), reference("schemas", "CursorPagination"));
        }
        let envelope = map([
            ("type", s("object")),
            ("required", Value::Sequence(required)),
            ("properties", Value::Mapping(props)),
        ]);
        self.out.insert(s(&name), envelope);
        Ok(name)
    }

    /// `ErrorEnvelope` and `ErrorBody` from the upstream error schema.
    fn error_schemas(&mut self) -> Result<()> {
        let ptr = join("/components/schemas", tables::ERROR_SCHEMA);
        let Some(error) = self.schemas.get(tables::ERROR_SCHEMA) else {
            return Err(unsupported(&ptr, "the error schema is missing"));
        };
        let at = At {
            hint: tables::ERROR_SCHEMA,
            property: None,
            pointer: &ptr,
        };
        let converted = self.schema(error, at)?;
        let body = get(&converted, "properties")
            .and_then(|p| get(p, "error"))
            .ok_or_else(|| unsupported(&ptr, "the error schema has no `error` property"))?
            .clone();
        self.out.insert(s("ErrorBody"), body);
        let envelope = map([
            ("type", s("object")),
            (
                "required",
                Value::Sequence(vec![s("ok"), s("error"), s("meta")]),
            ),
            (
                "properties",
                map([
                    ("ok", map([("type", s("boolean"))])),
                    ("error", reference("schemas", "ErrorBody")),
                    ("meta", reference("schemas", "ResponseMeta")),
                ]),
            ),
        ]);
        self.out.insert(s("ErrorEnvelope"), envelope);
        Ok(())
    }

    /// Converts every upstream schema that the converted paths and schemas reference, and the
    /// payloads delivered to users.
    fn referenced_schemas(&mut self, paths: &Mapping) -> Result<()> {
        let mut todo: Vec<String> = Vec::new();
        collect_schema_refs(&Value::Mapping(paths.clone()), &mut todo);
        collect_schema_refs(&Value::Mapping(self.out.clone()), &mut todo);
        if let Some(webhooks) = get(self.upstream, "webhooks") {
            let mut upstream_refs = Vec::new();
            collect_schema_refs(webhooks, &mut upstream_refs);
            todo.extend(upstream_refs.iter().map(|n| rename(n).to_owned()));
        }
        todo.extend(
            tables::EXTRA_SCHEMAS
                .iter()
                .filter(|n| self.schemas.contains_key(**n))
                .map(|n| rename(n).to_owned()),
        );
        let mut seen = HashSet::new();
        while let Some(name) = todo.pop() {
            // A name already taken by an enum is converted anyway: the enum naming then
            // catches an upstream component whose name an inline enum took.
            if !seen.insert(name.clone()) || self.out.contains_key(name.as_str()) {
                continue;
            }
            let source = upstream_name(&name);
            let Some(schema) = self.schemas.get(source) else {
                continue;
            };
            let ptr = join("/components/schemas", source);
            let converted = self.schema(
                schema,
                At {
                    hint: &name,
                    property: None,
                    pointer: &ptr,
                },
            )?;
            // A component that is itself a string enum is registered as an enum of that name.
            if as_ref(&converted) == Some(format!("#/components/schemas/{name}").as_str()) {
                continue;
            }
            collect_schema_refs(&converted, &mut todo);
            self.out.insert(s(&name), converted);
        }
        Ok(())
    }

    /// Nullable components become non-nullable with nullable references; enums are added; the
    /// whole set is put in our order.
    fn finish_schemas(&mut self) -> Result<()> {
        let mut nullable = BTreeSet::new();
        for (name, schema) in self.out.iter_mut() {
            if let Value::Mapping(m) = schema {
                if m.shift_remove("nullable") == Some(Value::Bool(true)) {
                    nullable.extend(name.as_str().map(str::to_owned));
                }
            }
        }
        if !nullable.is_empty() {
            for (_, schema) in self.out.iter_mut() {
                wrap_nullable_refs(schema, &nullable);
            }
        }
        let mut clearable = BTreeSet::new();
        for name in &self.update_bodies {
            if let Some(schema) = self.out.get_mut(name.as_str()) {
                make_clearable(schema, &mut clearable);
            }
        }
        for value in clearable {
            let (name, schema) = clearable_schema(&value);
            self.out.insert(s(&name), schema);
        }
        for (name, values) in &self.enums {
            if self.out.contains_key(name.as_str()) {
                return Err(unsupported(
                    &join("/components/schemas", name),
                    &format!("an enum and another schema would both be named {name}; add a row to ENUM_NAMES"),
                ));
            }
            let values = values.iter().map(|v| s(v)).collect();
            self.out.insert(
                s(name),
                map([("type", s("string")), ("enum", Value::Sequence(values))]),
            );
        }
        self.out = identity::order_schemas(std::mem::take(&mut self.out));
        Ok(())
    }

    fn document(&mut self, paths: Mapping) -> Value {
        let info = get(self.upstream, "info");
        let text = |key: &str| s(info.and_then(|i| get_str(i, key)).unwrap_or_default());
        let servers: Vec<Value> = get(self.upstream, "servers")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(|srv| get_str(srv, "url"))
            .map(|url| map([("url", s(url))]))
            .collect();
        let mut security_schemes = Mapping::new();
        let upstream_schemes =
            get(self.upstream, "components").and_then(|c| get_map(c, "securitySchemes"));
        for (name, scheme) in upstream_schemes.into_iter().flat_map(entries) {
            let mut scheme = scheme.clone();
            if let Value::Mapping(m) = &mut scheme {
                m.shift_remove("description");
            }
            security_schemes.insert(s(name), scheme);
        }
        let error_response = |with_retry_after: bool| {
            let mut response = Mapping::new();
            response.insert(s("description"), s(MARKER));
            if with_retry_after {
                response.insert(
                    s("headers"),
                    map([("Retry-After", reference("headers", "RetryAfter"))]),
                );
            }
            response.insert(
                s("content"),
                map([(
                    "application/json",
                    map([("schema", reference("schemas", "ErrorEnvelope"))]),
                )]),
            );
            Value::Mapping(response)
        };
        let mut headers = std::mem::take(&mut self.headers);
        if !headers.contains_key("RetryAfter") {
            headers.insert(
                s("RetryAfter"),
                map([
                    ("description", s(MARKER)),
                    (
                        "schema",
                        map([("type", s("integer")), ("minimum", Value::Number(0.into()))]),
                    ),
                ]),
            );
        }
        let tags = self.tags.iter().map(|t| map([("name", s(t))])).collect();
        map([
            ("openapi", s("3.0.3")),
            (
                "info",
                map([("title", text("title")), ("version", text("version"))]),
            ),
            ("servers", Value::Sequence(servers)),
            (
                "security",
                get(self.upstream, "security")
                    .cloned()
                    .unwrap_or(Value::Sequence(Vec::new())),
            ),
            ("tags", Value::Sequence(tags)),
            ("paths", Value::Mapping(paths)),
            (
                "components",
                map([
                    ("securitySchemes", Value::Mapping(security_schemes)),
                    (
                        "parameters",
                        Value::Mapping(std::mem::take(&mut self.parameters)),
                    ),
                    ("headers", Value::Mapping(headers)),
                    (
                        "responses",
                        map([
                            ("Error", error_response(false)),
                            ("RateLimited", error_response(true)),
                            ("Unavailable", error_response(true)),
                        ]),
                    ),
                    ("schemas", Value::Mapping(std::mem::take(&mut self.out))),
                ]),
            ),
        ])
    }

    /// Converts one schema (see the module documentation for the rules).
    fn schema(&mut self, x: &Value, at: At) -> Result<Value> {
        let Value::Mapping(source) = x else {
            return Ok(x.clone());
        };
        let mut m = source.clone();
        for key in [
            "description",
            "example",
            "examples",
            "unevaluatedProperties",
            "const",
            "title",
        ] {
            m.shift_remove(key);
        }
        if m.get("additionalProperties") == Some(&Value::Bool(false)) {
            m.shift_remove("additionalProperties");
        }
        let mut nullable = false;
        if let Some(Value::Sequence(types)) = m.get("type") {
            let rest: Vec<Value> = types
                .iter()
                .filter(|t| t.as_str() != Some("null"))
                .cloned()
                .collect();
            nullable = rest.len() != types.len();
            let [single] = rest.as_slice() else {
                return Err(unsupported(
                    at.pointer,
                    "a type list must hold exactly one type besides null",
                ));
            };
            m.insert(s("type"), single.clone());
        }
        if let Some(r) = m.get("$ref").and_then(Value::as_str) {
            let renamed = format!("#/components/schemas/{}", rename(ref_name(r)));
            return Ok(nullable_of(map([("$ref", s(&renamed))]), nullable));
        }
        if let Some(Value::Sequence(all)) = m.get("allOf").cloned() {
            let annotations = |a: &Value| {
                a.as_mapping()
                    .is_some_and(|a| entries(a).all(|(k, _)| k == "type" || k == "description"))
            };
            if let Some((first, rest)) = all.split_first() {
                if rest.iter().all(annotations) {
                    // `{type: [object, null]}` beside the reference makes it nullable.
                    let null_member = rest.iter().any(|a| match get(a, "type") {
                        Some(Value::Sequence(t)) => t.iter().any(|t| t.as_str() == Some("null")),
                        Some(t) => t.as_str() == Some("null"),
                        None => false,
                    });
                    let converted = self.schema(
                        first,
                        At {
                            property: None,
                            ..at
                        },
                    )?;
                    return Ok(nullable_of(converted, nullable || null_member));
                }
                if let [ext] = rest {
                    if as_ref(first).is_some() && get(ext, "properties").is_some() {
                        return self.merge_all_of(first, ext, at);
                    }
                }
            }
            let mut members = Vec::new();
            for (i, member) in all.iter().enumerate() {
                let ptr = join(&join(at.pointer, "allOf"), &i.to_string());
                members.push(self.schema(
                    member,
                    At {
                        property: None,
                        pointer: &ptr,
                        ..at
                    },
                )?);
            }
            m.insert(s("allOf"), Value::Sequence(members));
        }
        if let Some(Value::Sequence(any)) = m.get("anyOf").cloned() {
            return self.union(&any, nullable, at);
        }
        for (exclusive, bound) in [
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ] {
            if let Some(limit) = m.get(exclusive).filter(|v| v.is_number()).cloned() {
                m.shift_remove(exclusive);
                m.insert(s(bound), limit);
                m.insert(s(exclusive), Value::Bool(true));
            }
        }
        if let Some(Value::Sequence(values)) = m.get("enum").cloned() {
            if matches!(
                m.get("type").and_then(Value::as_str),
                Some("boolean" | "integer" | "number")
            ) {
                // A fixed boolean or number (`ok: true`) says nothing a client can use.
                m.shift_remove("enum");
            } else {
                let mut strings = Vec::new();
                for v in &values {
                    match v {
                        Value::Null => nullable = true,
                        Value::String(text) => strings.push(text.clone()),
                        other => {
                            return Err(unsupported(
                                at.pointer,
                                &format!("enum value {other:?} is not a string"),
                            ))
                        }
                    }
                }
                let name = self.name_enum(strings, at)?;
                return Ok(nullable_of(reference("schemas", &name), nullable));
            }
        }
        if m.get("type").and_then(Value::as_str) == Some("string")
            && !m.contains_key("format")
            && at.property.is_some_and(is_timestamp)
        {
            m.insert(s("format"), s("date-time"));
        }
        if let Some(Value::Mapping(props)) = m.get("properties").cloned() {
            let mut converted = Mapping::new();
            for (name, prop) in entries(&props) {
                let hint = format!("{}{}", at.hint, pascal(name));
                let ptr = join(&join(at.pointer, "properties"), name);
                let mut property = self.schema(
                    prop,
                    At {
                        hint: &hint,
                        property: Some(name),
                        pointer: &ptr,
                    },
                )?;
                if let (true, Value::Mapping(m)) =
                    (secrets::needs_mark(name, &property), &mut property)
                {
                    m.insert(s(secrets::MARK), Value::Bool(true));
                }
                converted.insert(s(name), property);
            }
            m.insert(s("properties"), Value::Mapping(converted));
        }
        if let Some(items) = m.get("items").cloned() {
            let hint = format!("{}Item", at.hint);
            let ptr = join(at.pointer, "items");
            m.insert(
                s("items"),
                self.schema(
                    &items,
                    At {
                        hint: &hint,
                        property: None,
                        pointer: &ptr,
                    },
                )?,
            );
        }
        if let Some(extra @ Value::Mapping(_)) = m.get("additionalProperties").cloned() {
            let hint = format!("{}Value", at.hint);
            let ptr = join(at.pointer, "additionalProperties");
            m.insert(
                s("additionalProperties"),
                self.schema(
                    &extra,
                    At {
                        hint: &hint,
                        property: None,
                        pointer: &ptr,
                    },
                )?,
            );
        }
        if nullable {
            m.insert(s("nullable"), Value::Bool(true));
        }
        Ok(Value::Mapping(m))
    }

    /// `allOf: [$ref Base, {properties…}]` → Base's object with the extra properties.
    fn merge_all_of(&mut self, base: &Value, ext: &Value, at: At) -> Result<Value> {
        let base_ref = as_ref(base).unwrap_or_default();
        let source = self
            .schemas
            .get(ref_name(base_ref))
            .ok_or_else(|| unsupported(at.pointer, &format!("dangling reference {base_ref}")))?;
        let mut merged = self.schema(
            source,
            At {
                property: None,
                ..at
            },
        )?;
        let ext = self.schema(
            ext,
            At {
                property: None,
                ..at
            },
        )?;
        let Value::Mapping(m) = &mut merged else {
            return Err(unsupported(at.pointer, "allOf base is not an object"));
        };
        if let Some(Value::Mapping(extra)) = get(&ext, "properties") {
            let props = m
                .entry(s("properties"))
                .or_insert_with(|| Value::Mapping(Mapping::new()));
            if let Value::Mapping(props) = props {
                for (k, v) in extra {
                    props.insert(k.clone(), v.clone());
                }
            }
        }
        if let Some(Value::Sequence(extra)) = get(&ext, "required") {
            let required = m
                .entry(s("required"))
                .or_insert_with(|| Value::Sequence(Vec::new()));
            if let Value::Sequence(required) = required {
                required.extend(extra.iter().cloned());
            }
        }
        Ok(merged)
    }

    /// `anyOf` of alternatives (and null): one alternative is that alternative; several become a
    /// named `oneOf` component.
    fn union(&mut self, any: &[Value], mut nullable: bool, at: At) -> Result<Value> {
        let is_null = |a: &&Value| get_str(a, "type") == Some("null");
        let alternatives: Vec<&Value> = any.iter().filter(|a| !is_null(a)).collect();
        nullable |= alternatives.len() != any.len();
        if let [single] = alternatives.as_slice() {
            let converted = self.schema(single, at)?;
            return Ok(nullable_of(converted, nullable));
        }
        let mut converted = Vec::new();
        for (i, alternative) in alternatives.iter().enumerate() {
            let hint = format!("{}Option{}", at.hint, i + 1);
            let ptr = join(&join(at.pointer, "anyOf"), &i.to_string());
            converted.push(self.schema(
                alternative,
                At {
                    hint: &hint,
                    property: None,
                    pointer: &ptr,
                },
            )?);
        }
        let signature: Vec<&str> = converted
            .iter()
            .map(|c| {
                as_ref(c)
                    .map(ref_name)
                    .or_else(|| get_str(c, "type"))
                    .unwrap_or("?")
            })
            .collect();
        let name = tables::UNION_NAMES
            .iter()
            .find(|(sig, _)| *sig == signature.as_slice())
            .map_or_else(|| at.hint.to_owned(), |(_, n)| (*n).to_owned());
        let union = map([("oneOf", Value::Sequence(converted))]);
        match self.out.get(name.as_str()) {
            Some(existing) if *existing != union => {
                return Err(unsupported(
                    at.pointer,
                    &format!("two different unions would be named {name}"),
                ));
            }
            Some(_) => {}
            None => {
                self.out.insert(s(&name), union);
            }
        }
        Ok(nullable_of(reference("schemas", &name), nullable))
    }

    fn name_enum(&mut self, values: Vec<String>, at: At) -> Result<String> {
        let wanted: Vec<&str> = values.iter().map(String::as_str).collect();
        let name = tables::ENUM_NAMES
            .iter()
            .find(|(set, _)| sorted(set) == sorted(&wanted))
            .map_or_else(|| at.hint.to_owned(), |(_, n)| (*n).to_owned());
        if name.is_empty() {
            return Err(unsupported(at.pointer, "an enum here cannot be named"));
        }
        // A name taken by an enum with other values gets a provisional suffix: our spec may
        // know these uses under one name (one of them gained a value), which
        // `identity::stabilise` finds; if it does not, it refuses the name.
        let mut candidate = name.clone();
        for n in 2.. {
            match self.enums.iter().find(|(taken, _)| *taken == candidate) {
                None => break,
                Some((_, existing)) => {
                    let existing: Vec<&str> = existing.iter().map(String::as_str).collect();
                    if sorted(&existing) == sorted(&wanted) {
                        return Ok(candidate);
                    }
                }
            }
            candidate = format!("{name}{}{n}", identity::PROVISIONAL);
        }
        self.enums.push((candidate.clone(), values));
        Ok(candidate)
    }
}

fn sorted<'a>(values: &[&'a str]) -> Vec<&'a str> {
    let mut values = values.to_vec();
    values.sort_unstable();
    values
}

/// Follows an upstream `$ref` to a component (parameters, bodies, responses and headers may be
/// shared).
fn follow<'v>(upstream: &'v Value, value: &'v Value, ptr: &str) -> Result<&'v Value> {
    match as_ref(value) {
        None => Ok(value),
        Some(r) => crate::value::resolve_ref(upstream, r)
            .ok_or_else(|| unsupported(ptr, &format!("dangling reference {r}"))),
    }
}

/// Our operation id for an upstream one.
pub fn operation_id(upstream: &str) -> String {
    lookup(tables::OPERATION_IDS, upstream).map_or_else(
        || {
            snake(
                upstream
                    .strip_prefix(tables::OPERATION_ID_PREFIX)
                    .unwrap_or(upstream),
            )
        },
        str::to_owned,
    )
}

/// Our name for an upstream schema.
pub fn rename(upstream: &str) -> &str {
    lookup(tables::SCHEMA_RENAMES, upstream).unwrap_or(upstream)
}

/// The upstream name of one of our schemas.
fn upstream_name(ours: &str) -> &str {
    tables::SCHEMA_RENAMES
        .iter()
        .find(|(_, o)| *o == ours)
        .map_or(ours, |(u, _)| u)
}

fn is_timestamp(property: &str) -> bool {
    property.ends_with("_at") || tables::TIMESTAMP_PROPERTIES.contains(&property)
}

fn error_response_for(code: &str) -> &'static str {
    match code {
        "429" => "RateLimited",
        "503" => "Unavailable",
        _ => "Error",
    }
}

/// Status codes in numeric order, each explicit code before its `NXX` range.
fn response_order(code: &str) -> (char, bool, String) {
    let class = code.chars().next().unwrap_or('9');
    (class, code.ends_with("XX"), code.to_owned())
}

/// The member of an `allOf` success envelope that declares `data` (`None` if `schema` is not
/// such an envelope).
fn envelope_extension(schema: &Value) -> Option<&Value> {
    get(schema, "allOf")?.as_sequence()?.iter().find(|member| {
        get(member, "properties")
            .and_then(|p| get(p, "data"))
            .is_some()
    })
}

/// Name of an inline envelope `data` schema: every `{deleted, id}` is the shared `Deleted`.
fn inline_data_name(data: &Value, operation_id: &str) -> String {
    let keys: BTreeSet<&str> = get_map(data, "properties")
        .into_iter()
        .flat_map(entries)
        .map(|(k, _)| k)
        .collect();
    if keys == BTreeSet::from(["deleted", "id"]) {
        "Deleted".to_owned()
    } else {
        pascal(operation_id) + "Data"
    }
}

/// Makes a converted schema nullable: a reference is wrapped in `allOf`, since 3.0 ignores
/// siblings of `$ref`.
fn nullable_of(schema: Value, nullable: bool) -> Value {
    if !nullable || get(&schema, "nullable") == Some(&Value::Bool(true)) {
        return schema;
    }
    match schema {
        Value::Mapping(mut m) if !m.contains_key("$ref") => {
            m.insert(s("nullable"), Value::Bool(true));
            Value::Mapping(m)
        }
        reference => map([
            ("allOf", Value::Sequence(vec![reference])),
            ("nullable", Value::Bool(true)),
        ]),
    }
}

/// Wraps every reference to a nullable component in `allOf` + `nullable`, except the members
/// of `allOf`/`oneOf`/`anyOf`, whose nullability belongs to the enclosing schema.
fn wrap_nullable_refs(value: &mut Value, nullable: &BTreeSet<String>) {
    let Value::Mapping(m) = value else { return };
    for (key, child) in m.iter_mut() {
        let in_composition = matches!(key.as_str(), Some("allOf" | "oneOf" | "anyOf"));
        match child {
            Value::Mapping(_) if as_ref(child).is_some_and(|r| nullable.contains(ref_name(r))) => {
                *child = nullable_of(child.clone(), true);
            }
            Value::Mapping(_) => wrap_nullable_refs(child, nullable),
            Value::Sequence(items) => {
                for item in items {
                    if !in_composition
                        && as_ref(item).is_some_and(|r| nullable.contains(ref_name(r)))
                    {
                        *item = nullable_of(item.clone(), true);
                    } else {
                        wrap_nullable_refs(item, nullable);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Appends the names of every `#/components/schemas/…` reference under `value`.
fn collect_schema_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(m) => {
            for (k, v) in m {
                match (k.as_str(), v.as_str()) {
                    (Some("$ref"), Some(r)) if r.starts_with("#/components/schemas/") => {
                        out.push(ref_name(r).to_owned())
                    }
                    _ => collect_schema_refs(v, out),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| collect_schema_refs(v, out)),
        _ => {}
    }
}

fn unsupported(pointer: &str, message: &str) -> Error {
    Error::Unsupported {
        pointer: pointer.to_owned(),
        message: message.to_owned(),
    }
}

/// In an update, an optional field that accepts `null` can be left out (kept), set, or cleared
/// with `null`: such fields refer to a `Clearable…` schema, which the client generates as
/// `Clearable<T>` (see build.rs). Records the value types met in `clearable`.
fn make_clearable(schema: &mut Value, clearable: &mut BTreeSet<String>) {
    let required: Vec<String> = get(schema, "required")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let Some(Value::Mapping(properties)) = schema.get_mut("properties") else {
        return;
    };
    for (key, property) in properties.iter_mut() {
        if key
            .as_str()
            .is_some_and(|k| required.iter().any(|r| r == k))
        {
            continue;
        }
        if get(property, "properties").is_some() {
            make_clearable(property, clearable);
            continue;
        }
        if get(property, "nullable") != Some(&Value::Bool(true)) {
            continue;
        }
        let referenced = get(property, "allOf")
            .and_then(Value::as_sequence)
            .and_then(|members| members.first())
            .and_then(|member| get_str(member, "$ref"))
            .map(|r| r.rsplit('/').next().unwrap_or_default().to_owned());
        *property = match (referenced, get_str(property, "type")) {
            (Some(name), _) => {
                clearable.insert(name.clone());
                reference("schemas", &format!("Clearable{name}"))
            }
            (None, Some("string")) => {
                clearable.insert("string".to_owned());
                map([(
                    "allOf",
                    Value::Sequence(vec![reference("schemas", "ClearableString")]),
                )])
            }
            _ => continue,
        };
    }
}

/// The `Clearable…` component for a value type (`string` or a schema name).
fn clearable_schema(value: &str) -> (String, Value) {
    if value == "string" {
        let schema = map([
            ("x-sendmux-clearable", s("string")),
            ("type", s("string")),
            ("nullable", Value::Bool(true)),
        ]);
        return ("ClearableString".to_owned(), schema);
    }
    let schema = map([
        ("x-sendmux-clearable", s(value)),
        ("allOf", Value::Sequence(vec![reference("schemas", value)])),
        ("nullable", Value::Bool(true)),
    ]);
    (format!("Clearable{value}"), schema)
}
