//! Finds the schema objects of an OpenAPI 3.0 document, with their JSON pointers.

use std::collections::BTreeSet;

use serde_norway::Value;

use crate::convert::METHODS;
use crate::value::{as_ref, entries, get, get_map, join, resolve};

/// Pointers of the places that hold a schema directly: component schemas, parameter, header,
/// request and response schemas, in paths and in components.
pub fn schema_roots(doc: &Value) -> Vec<String> {
    let mut roots = Vec::new();
    let components = get(doc, "components");
    for (name, _) in components
        .and_then(|c| get_map(c, "schemas"))
        .into_iter()
        .flat_map(entries)
    {
        roots.push(join("/components/schemas", name));
    }
    let section = |name: &str| {
        components
            .and_then(|c| get_map(c, name))
            .into_iter()
            .flat_map(entries)
    };
    for (name, param) in section("parameters") {
        parameter_roots(param, &join("/components/parameters", name), &mut roots);
    }
    for (name, header) in section("headers") {
        parameter_roots(header, &join("/components/headers", name), &mut roots);
    }
    for (name, body) in section("requestBodies") {
        content_roots(body, &join("/components/requestBodies", name), &mut roots);
    }
    for (name, response) in section("responses") {
        response_roots(response, &join("/components/responses", name), &mut roots);
    }
    for (path, item) in get_map(doc, "paths").into_iter().flat_map(entries) {
        let item_ptr = join("/paths", path);
        for (i, param) in list(item, "parameters") {
            parameter_roots(
                param,
                &join(&join(&item_ptr, "parameters"), &i.to_string()),
                &mut roots,
            );
        }
        for (method, op) in item.as_mapping().into_iter().flat_map(entries) {
            if !METHODS.contains(&method) {
                continue;
            }
            let op_ptr = join(&item_ptr, method);
            for (i, param) in list(op, "parameters") {
                parameter_roots(
                    param,
                    &join(&join(&op_ptr, "parameters"), &i.to_string()),
                    &mut roots,
                );
            }
            if let Some(body) = get(op, "requestBody") {
                content_roots(body, &join(&op_ptr, "requestBody"), &mut roots);
            }
            for (code, response) in get_map(op, "responses").into_iter().flat_map(entries) {
                response_roots(
                    response,
                    &join(&join(&op_ptr, "responses"), code),
                    &mut roots,
                );
            }
        }
    }
    roots
}

/// Pointers of the schemas of response bodies, in paths and in `components/responses`.
pub fn response_roots_of(doc: &Value) -> Vec<String> {
    let mut roots = Vec::new();
    let responses = get(doc, "components").and_then(|c| get_map(c, "responses"));
    for (name, response) in responses.into_iter().flat_map(entries) {
        content_roots(response, &join("/components/responses", name), &mut roots);
    }
    for (path, item) in get_map(doc, "paths").into_iter().flat_map(entries) {
        for (method, op) in item.as_mapping().into_iter().flat_map(entries) {
            if !METHODS.contains(&method) {
                continue;
            }
            let op_ptr = join(&join("/paths", path), method);
            for (code, response) in get_map(op, "responses").into_iter().flat_map(entries) {
                content_roots(
                    response,
                    &join(&join(&op_ptr, "responses"), code),
                    &mut roots,
                );
            }
        }
    }
    roots
}

/// Calls `visit(pointer, schema)` for every schema at or below each root, once per pointer.
/// With `follow_refs`, also walks the targets of `$ref`s (by their own pointers).
pub fn each_schema<'a>(
    doc: &'a Value,
    roots: &[String],
    follow_refs: bool,
    visit: &mut dyn FnMut(&str, &'a Value),
) {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.iter().rev().cloned().collect();
    while let Some(ptr) = stack.pop() {
        if !seen.insert(ptr.clone()) {
            continue;
        }
        let Some(schema) = resolve(doc, &ptr) else {
            continue;
        };
        visit(&ptr, schema);
        let mut children = Vec::new();
        if follow_refs {
            if let Some(target) = as_ref(schema).and_then(|r| r.strip_prefix('#')) {
                children.push(target.to_owned());
            }
        }
        for key in ["items", "not"] {
            if get(schema, key).is_some_and(Value::is_mapping) {
                children.push(join(&ptr, key));
            }
        }
        if get(schema, "additionalProperties").is_some_and(Value::is_mapping) {
            children.push(join(&ptr, "additionalProperties"));
        }
        for (name, _) in get_map(schema, "properties").into_iter().flat_map(entries) {
            children.push(join(&join(&ptr, "properties"), name));
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for (i, _) in list(schema, key) {
                children.push(join(&join(&ptr, key), &i.to_string()));
            }
        }
        stack.extend(children.into_iter().rev());
    }
}

fn list<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = (usize, &'a Value)> {
    get(value, key)
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
}

fn parameter_roots(param: &Value, ptr: &str, roots: &mut Vec<String>) {
    if get(param, "schema").is_some() {
        roots.push(join(ptr, "schema"));
    }
    content_roots(param, ptr, roots);
}

fn content_roots(holder: &Value, ptr: &str, roots: &mut Vec<String>) {
    for (media, item) in get_map(holder, "content").into_iter().flat_map(entries) {
        if get(item, "schema").is_some() {
            roots.push(join(&join(&join(ptr, "content"), media), "schema"));
        }
    }
}

fn response_roots(response: &Value, ptr: &str, roots: &mut Vec<String>) {
    content_roots(response, ptr, roots);
    for (name, header) in get_map(response, "headers").into_iter().flat_map(entries) {
        parameter_roots(header, &join(&join(ptr, "headers"), name), roots);
    }
}
