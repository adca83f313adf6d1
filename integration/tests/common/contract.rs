//! Checks bodies against the contract with the crate's own contract tools
//! (`sendmux_management::contract`), the same ones users' tests get.

use sendmux_management::contract::{
    assert_answer, documented_statuses, inspect_answer, operations,
};
use serde_json::Value;

/// Fails the test unless `body` is a valid `status` answer of `operation`.
#[track_caller]
pub fn check(operation: &str, status: u16, body: &Value) {
    assert_answer(operation, status, body);
}

/// Every way `body` breaks the contract of `operation`'s `status` answer.
pub fn violations(operation: &str, status: u16, body: &Value) -> Vec<String> {
    inspect_answer(operation, status, body)
        .violations
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The operation ids of the spec with the status of their success answer, and whether that
/// answer is JSON.
fn successes() -> Vec<(String, u16, bool)> {
    operations()
        .into_iter()
        .map(|(id, _, _)| {
            let (status, json) = documented_statuses(id)
                .into_iter()
                .find_map(|(code, json)| {
                    let code = code.parse::<u16>().ok()?;
                    (200..300).contains(&code).then_some((code, json))
                })
                .unwrap_or_else(|| panic!("{id} documents no success"));
            (id.to_owned(), status, json)
        })
        .collect()
}

/// The operation ids of the spec with the status of their success answer.
pub fn success_statuses() -> Vec<(String, u16)> {
    successes()
        .into_iter()
        .map(|(id, status, _)| (id, status))
        .collect()
}

/// The operation ids of the spec whose success answer is JSON (a fixture can stand for it),
/// with the status of that answer.
pub fn json_success_statuses() -> Vec<(String, u16)> {
    successes()
        .into_iter()
        .filter(|(_, _, json)| *json)
        .map(|(id, status, _)| (id, status))
        .collect()
}

/// A component schema of the spec, untranslated (still OpenAPI 3.0).
pub fn component(name: &str) -> Value {
    static RAW: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    RAW.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
        let yaml: serde_norway::Value =
            serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        serde_json::to_value(yaml).unwrap()
    })["components"]["schemas"][name]
        .clone()
}
