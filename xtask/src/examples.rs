//! Checks `example` values against their schemas with a JSON Schema validator.
//!
//! OpenAPI 3.0 schemas are read as JSON Schema draft 4 (whose boolean `exclusiveMinimum`
//! matches 3.0) once `nullable: true` is rewritten as "or null".

use serde_json::{json, Map, Value as Json};
use serde_norway::Value;

/// Validates examples against schemas of one document.
pub struct ExampleChecker {
    /// The document's component schemas, translated, for `$ref`s to resolve against.
    components: Json,
}

impl ExampleChecker {
    /// Prepares the component schemas of `doc`.
    pub fn new(doc: &Value) -> Self {
        let schemas = crate::value::get(doc, "components")
            .and_then(|c| crate::value::get(c, "schemas"))
            .map(to_json)
            .unwrap_or_else(|| json!({}));
        let schemas = match schemas {
            Json::Object(m) => {
                Json::Object(m.into_iter().map(|(k, v)| (k, translate(v))).collect())
            }
            other => other,
        };
        Self {
            components: json!({ "schemas": schemas }),
        }
    }

    /// The ways `example` fails `schema` (empty when it conforms).
    pub fn problems(&self, schema: &Value, example: &Value) -> Vec<String> {
        let root = json!({
            "allOf": [translate(to_json(schema))],
            "components": self.components,
        });
        let validator = match jsonschema::draft4::options()
            .should_validate_formats(true)
            .build(&root)
        {
            Ok(v) => v,
            Err(e) => return vec![format!("the schema cannot be used for validation: {e}")],
        };
        let instance = to_json(example);
        validator
            .iter_errors(&instance)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() {
                    e.to_string()
                } else {
                    format!("{at}: {e}")
                }
            })
            .collect()
    }
}

fn to_json(value: &Value) -> Json {
    // Only string keys occur in OpenAPI documents; anything else becomes null, which then fails
    // validation visibly instead of passing silently.
    serde_json::to_value(value).unwrap_or(Json::Null)
}

/// Rewrites `nullable: true` as `anyOf: [schema, {type: null}]`, in schema positions only (so
/// example data that happens to have a `nullable` key is left alone).
fn translate(schema: Json) -> Json {
    let Json::Object(mut m) = schema else {
        return schema;
    };
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = m.remove(key) {
            m.insert(key.to_owned(), translate(child));
        }
    }
    if let Some(Json::Object(props)) = m.remove("properties") {
        let props: Map<String, Json> = props.into_iter().map(|(k, v)| (k, translate(v))).collect();
        m.insert("properties".to_owned(), Json::Object(props));
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Json::Array(items)) = m.remove(key) {
            m.insert(
                key.to_owned(),
                Json::Array(items.into_iter().map(translate).collect()),
            );
        }
    }
    if m.remove("nullable") == Some(Json::Bool(true)) {
        return json!({ "anyOf": [Json::Object(m), { "type": "null" }] });
    }
    Json::Object(m)
}
