//! The contract tests' fixtures, `integration/tests/fixtures/<operationId>.json`: one success body per
//! operation that answers JSON. After a refresh, new operations need one and removed operations
//! leave theirs behind; [`survey`] finds both and [`derive()`] writes a body for a new operation
//! from the spec alone: its `example`s where it has them, otherwise the simplest values its
//! schemas accept (the first enum value, the lower bound, a timestamp for `date-time`…).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value as Json};
use serde_norway::Value;

use crate::convert::METHODS;
use crate::value::{as_ref, deref, entries, get, get_map, get_str};
use crate::{Error, Result};

/// Which fixtures are missing and which belong to no operation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Survey {
    /// Operations answering JSON without a fixture.
    pub missing: Vec<String>,
    /// Fixture names (file stems) that are no operation's id.
    pub orphaned: Vec<String>,
}

/// The operations whose success answer is JSON, with that answer's schema, in document order.
pub fn json_operations(doc: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (_, item) in get_map(doc, "paths").into_iter().flat_map(entries) {
        for (method, op) in item.as_mapping().into_iter().flat_map(entries) {
            if !METHODS.contains(&method) {
                continue;
            }
            let Some(id) = get_str(op, "operationId") else {
                continue;
            };
            let success = get_map(op, "responses")
                .into_iter()
                .flat_map(entries)
                .find(|(code, _)| code.starts_with('2'))
                .map(|(_, response)| deref(doc, response));
            let schema = success
                .and_then(|r| get(r, "content"))
                .and_then(|c| get(c, "application/json"))
                .and_then(|m| get(m, "schema"));
            if let Some(schema) = schema {
                out.push((id.to_owned(), schema.clone()));
            }
        }
    }
    out
}

/// Compares the operations of `doc` with the fixtures in `dir`.
pub fn survey(doc: &Value, dir: &Path) -> Result<Survey> {
    let present = fixture_names(dir)?;
    let operations: BTreeSet<String> = operation_ids(doc);
    let missing = json_operations(doc)
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| !present.contains(id))
        .collect();
    let orphaned = present
        .into_iter()
        .filter(|name| !operations.contains(name))
        .collect();
    Ok(Survey { missing, orphaned })
}

/// Writes a derived fixture for every operation in `doc` that answers JSON and has none in
/// `dir`; returns the files written.
pub fn write_missing(doc: &Value, dir: &Path) -> Result<Vec<PathBuf>> {
    let present = fixture_names(dir)?;
    let mut written = Vec::new();
    for (id, schema) in json_operations(doc) {
        if present.contains(&id) {
            continue;
        }
        let path = dir.join(format!("{id}.json"));
        let body = derive(doc, &schema);
        let text = serde_json::to_string_pretty(&body).map_err(|e| Error::Emit(e.to_string()))?;
        std::fs::write(&path, text + "\n").map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// A body that `schema` accepts (see the module documentation).
pub fn derive(doc: &Value, schema: &Value) -> Json {
    derive_at(doc, schema, 0)
}

/// Deep enough for every body of the spec; a cycle ends in `null` rather than looping.
const MAX_DEPTH: usize = 12;

fn derive_at(doc: &Value, schema: &Value, depth: usize) -> Json {
    if depth > MAX_DEPTH {
        return Json::Null;
    }
    if let Some(example) = get(schema, "example") {
        return serde_json::to_value(example).unwrap_or(Json::Null);
    }
    if as_ref(schema).is_some() {
        return derive_at(doc, deref(doc, schema), depth + 1);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(first) = get(schema, key)
            .and_then(Value::as_sequence)
            .and_then(|s| s.first())
        {
            return derive_at(doc, first, depth + 1);
        }
    }
    if let Some(first) = get(schema, "enum")
        .and_then(Value::as_sequence)
        .and_then(|s| s.first())
    {
        return serde_json::to_value(first).unwrap_or(Json::Null);
    }
    let number = |key: &str| get(schema, key).and_then(Value::as_f64);
    let exclusive = |key: &str| get(schema, key) == Some(&Value::Bool(true));
    match get_str(schema, "type") {
        Some("boolean") => Json::Bool(true),
        Some("integer") => {
            let low =
                number("minimum").map(|m| m + f64::from(u8::from(exclusive("exclusiveMinimum"))));
            let high = number("maximum");
            let value = low.unwrap_or(1.0).min(high.unwrap_or(f64::MAX)).ceil();
            // Bounds in the spec are small whole numbers, so the cast loses nothing.
            #[allow(clippy::cast_possible_truncation)]
            let value = value as i64;
            json!(value)
        }
        Some("number") => {
            let value = number("minimum")
                .unwrap_or(1.0)
                .min(number("maximum").unwrap_or(f64::MAX));
            json!(value)
        }
        Some("string") => Json::String(string_for(schema)),
        Some("array") => {
            let item = get(schema, "items").map_or(Json::Null, |i| derive_at(doc, i, depth + 1));
            let count = number("minItems").map_or(1, |n| n.max(1.0) as usize).min(3);
            Json::Array(vec![item; count])
        }
        _ => {
            let mut object = Map::new();
            for (name, property) in get_map(schema, "properties").into_iter().flat_map(entries) {
                object.insert(name.to_owned(), derive_at(doc, property, depth + 1));
            }
            Json::Object(object)
        }
    }
}

fn string_for(schema: &Value) -> String {
    let text = match get_str(schema, "format") {
        Some("date-time") => "2026-01-01T00:00:00Z",
        Some("date") => "2026-01-01",
        Some("email") => "user@example.com",
        Some("uri" | "url") => "https://example.com/",
        Some("uuid") => "00000000-0000-4000-8000-000000000000",
        _ => "example",
    };
    let min = get(schema, "minLength")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let max = get(schema, "maxLength").and_then(Value::as_u64);
    let mut text = text.to_owned();
    while (text.len() as u64) < min {
        text.push('x');
    }
    if let Some(max) = max {
        text.truncate(usize::try_from(max).unwrap_or(usize::MAX));
    }
    text
}

fn operation_ids(doc: &Value) -> BTreeSet<String> {
    get_map(doc, "paths")
        .into_iter()
        .flat_map(entries)
        .flat_map(|(_, item)| item.as_mapping().into_iter().flat_map(entries))
        .filter(|(method, _)| METHODS.contains(method))
        .filter_map(|(_, op)| get_str(op, "operationId").map(str::to_owned))
        .collect()
}

fn fixture_names(dir: &Path) -> Result<BTreeSet<String>> {
    let read_error = |source| Error::Read {
        path: dir.to_owned(),
        source,
    };
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path.extension().is_some_and(|e| e == "json") {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                names.insert(stem.to_owned());
            }
        }
    }
    Ok(names)
}
