//! The contract document the `contract` feature embeds: every operation's response schemas,
//! by status, as JSON Schema, with the component schemas their `$ref`s point to.
//!
//! OpenAPI 3.0 is not quite JSON Schema: `nullable: true` becomes a `null` alternative, and the
//! boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric bounds of later drafts.
//! Responses given by reference (`#/components/responses/Error`) are resolved here, so that the
//! crate looks an answer's schema up by operation and status only.

use serde_json::{json, Map, Value};

/// The document for `spec` (openapi.yaml as JSON).
pub fn document(spec: &Value) -> Result<Value, String> {
    let mut schemas = spec
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_else(|| json!({}));
    translate(&mut schemas);
    let mut operations = Map::new();
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the spec has no paths")?;
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let mut responses = Map::new();
            for (status, response) in operation
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let response = resolve(spec, response)
                    .ok_or_else(|| format!("{id}: response {status} refers to nothing"))?;
                // A status without a JSON body (a 304, a text answer) has no schema: `null`.
                let mut schema = response
                    .pointer("/content/application~1json/schema")
                    .cloned()
                    .unwrap_or(Value::Null);
                translate(&mut schema);
                responses.insert(status.clone(), schema);
            }
            operations.insert(
                id.to_owned(),
                json!({
                    "method": method.to_ascii_uppercase(),
                    "path": path,
                    "responses": responses,
                }),
            );
        }
    }
    Ok(json!({
        "operations": operations,
        "components": { "schemas": schemas },
    }))
}

/// `value`, or what its `$ref` points to within `spec`.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> Option<&'a Value> {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => resolve(spec, spec.pointer(reference.strip_prefix('#')?)?),
        None => Some(value),
    }
}

/// Rewrites the OpenAPI 3.0 keywords JSON Schema reads differently, in place.
fn translate(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            for value in object.values_mut() {
                translate(value);
            }
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                match object.get(flag) {
                    Some(Value::Bool(true)) => {
                        let limit = object.remove(bound).unwrap_or(Value::Null);
                        object.insert(flag.into(), limit);
                    }
                    Some(Value::Bool(false)) => {
                        object.remove(flag);
                    }
                    _ => {}
                }
            }
            if object.remove("nullable") == Some(Value::Bool(true)) {
                let inner = Value::Object(std::mem::take(object));
                object.insert("anyOf".into(), json!([inner, { "type": "null" }]));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(translate),
        _ => {}
    }
}
