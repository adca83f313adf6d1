//! Example values for the models whose schema has no `example` of its own: composed from the
//! examples of what the schema refers to, so that an envelope holds its payload's example and a
//! page holds one item's. A value with no example anywhere gets a plain one that fits its schema
//! (the first enum value, a bound, a timestamp); the crate's tests check every example against
//! its schema.

use serde_json::{json, Map, Value};

/// Deep enough for every model of the spec; a cycle ends in `null` rather than looping.
const MAX_DEPTH: usize = 16;

/// An example for every object schema of `spec` (openapi.yaml as JSON) that has properties and
/// no example, by schema name.
pub fn composed(spec: &Value) -> Vec<(String, Value)> {
    let Some(schemas) = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    schemas
        .iter()
        .filter(|(_, schema)| schema.get("example").is_none() && schema.get("properties").is_some())
        .map(|(name, schema)| (name.clone(), compose(spec, schema, 0)))
        .collect()
}

fn compose(spec: &Value, schema: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference
            .strip_prefix('#')
            .and_then(|pointer| spec.pointer(pointer));
        return target.map_or(Value::Null, |target| compose(spec, target, depth + 1));
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|s| s.first())
        {
            return compose(spec, first, depth + 1);
        }
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    match schema.get("type").and_then(Value::as_str) {
        Some("boolean") => Value::Bool(true),
        Some("integer") => {
            let exclusive = schema.get("exclusiveMinimum") == Some(&Value::Bool(true));
            let low = number("minimum").map_or(1.0, |m| if exclusive { m + 1.0 } else { m });
            // Bounds in the spec are small whole numbers.
            json!(low.max(1.0).min(number("maximum").unwrap_or(f64::MAX)) as i64)
        }
        Some("number") => json!(number("minimum").unwrap_or(1.0).max(1.0)),
        Some("string") => Value::String(text(schema)),
        Some("array") => {
            let item = schema
                .get("items")
                .map_or(Value::Null, |items| compose(spec, items, depth + 1));
            Value::Array(vec![item])
        }
        _ => {
            let mut object = Map::new();
            for (name, property) in schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                object.insert(name.clone(), compose(spec, property, depth + 1));
            }
            Value::Object(object)
        }
    }
}

fn text(schema: &Value) -> String {
    let text = match schema.get("format").and_then(Value::as_str) {
        Some("date-time") => "2026-11-02T09:30:00Z",
        Some("date") => "2026-11-02",
        Some("email") => "ops@notify.example.com",
        Some("uri" | "url") => "https://hooks.example.com/sendmux",
        Some("uuid") => "8f14e45f-ceea-467f-a0e6-9bbd3c1c5a6b",
        _ => "example",
    };
    let mut text = text.to_owned();
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0);
    while (text.len() as u64) < min {
        text.push('x');
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        text.truncate(usize::try_from(max).unwrap_or(usize::MAX));
    }
    text
}
