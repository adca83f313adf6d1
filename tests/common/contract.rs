//! Checks bodies against the contract: the JSON Schema of an operation's response in
//! openapi.yaml, translated from OpenAPI 3.0 to JSON Schema 2020-12.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{json, Map, Value};

/// openapi.yaml as JSON, with its component schemas translated.
fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
        let yaml: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut spec: Value = serde_json::to_value(yaml).unwrap();
        let schemas = spec["components"]["schemas"].as_object_mut().unwrap();
        for schema in schemas.values_mut() {
            translate(schema);
        }
        spec
    })
}

/// OpenAPI 3.0 → JSON Schema: `nullable` becomes a `null` alternative and boolean
/// `exclusiveMinimum`/`exclusiveMaximum` become numeric bounds.
pub fn translate(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            for value in object.values_mut() {
                translate(value);
            }
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if object.get(flag) == Some(&Value::Bool(true)) {
                    let limit = object.remove(bound).unwrap_or(Value::Null);
                    object.insert(flag.into(), limit);
                } else if object.get(flag) == Some(&Value::Bool(false)) {
                    object.remove(flag);
                }
            }
            if object.remove("nullable") == Some(Value::Bool(true)) {
                let inner = Value::Object(std::mem::take(object));
                *object = Map::from_iter([("anyOf".to_owned(), json!([inner, {"type": "null"}]))]);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(translate),
        _ => {}
    }
}

/// `value`, or what its `$ref` points to, in the spec (whose lifetime is static).
fn resolve(value: &Value) -> &Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => resolve(spec().pointer(&pointer[1..]).expect("reference resolves")),
        None => value,
    }
}

/// The schema of the JSON body `operation` answers with `status`.
fn response_schema(operation: &str, status: u16) -> Value {
    let op = spec()["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .find(|op| op["operationId"] == operation)
        .unwrap_or_else(|| panic!("no operation {operation}"));
    let responses = &op["responses"];
    let range = format!("{}XX", status / 100);
    let response = responses
        .get(status.to_string())
        .or_else(|| responses.get(&range))
        .unwrap_or_else(|| panic!("{operation} documents no {status} response"));
    resolve(response)["content"]["application/json"]["schema"].clone()
}

/// Fails the test unless `body` is a valid `status` answer of `operation`.
pub fn check(operation: &str, status: u16, body: &Value) {
    let errors = violations(operation, status, body);
    assert!(
        errors.is_empty(),
        "{operation} {status}: body breaks the contract:\n{}",
        errors.join("\n")
    );
}

/// Every way `body` breaks the contract of `operation`'s `status` answer.
pub fn violations(operation: &str, status: u16, body: &Value) -> Vec<String> {
    static VALIDATORS: OnceLock<Mutex<HashMap<(String, u16), jsonschema::Validator>>> =
        OnceLock::new();
    let mut validators = VALIDATORS.get_or_init(Default::default).lock().unwrap();
    let validator = validators
        .entry((operation.to_owned(), status))
        .or_insert_with(|| {
            let mut root = response_schema(operation, status);
            root["components"] = spec()["components"].clone();
            jsonschema::options()
                .should_validate_formats(true)
                .build(&root)
                .expect("valid schema")
        });
    validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The operation ids of the spec with the status of their success answer.
pub fn success_statuses() -> Vec<(String, u16)> {
    spec()["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| {
            let status = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .find_map(|code| code.parse::<u16>().ok().filter(|c| (200..300).contains(c)))
                .unwrap();
            (op["operationId"].as_str().unwrap().to_owned(), status)
        })
        .collect()
}

/// The operation ids of the spec whose success answer is JSON (a fixture can stand for it),
/// with the status of that answer.
pub fn json_success_statuses() -> Vec<(String, u16)> {
    success_statuses()
        .into_iter()
        .filter(|(operation, status)| !response_schema(operation, *status).is_null())
        .collect()
}

/// A component schema of the spec, untranslated (still OpenAPI 3.0).
pub fn component(name: &str) -> Value {
    static RAW: OnceLock<Value> = OnceLock::new();
    RAW.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
        let yaml: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        serde_json::to_value(yaml).unwrap()
    })["components"]["schemas"][name]
        .clone()
}
