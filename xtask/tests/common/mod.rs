//! Helpers shared by the xtask tests.
#![allow(dead_code)]

use serde_json::{json, Value as Json};
use serde_norway::Value;

/// A minimal upstream 3.1 document: the error schema, the success envelope base, and the
/// given paths and extra schemas.
pub fn upstream(paths: Json, schemas: Json) -> Json {
    let mut all = json!({
        "ApiError": {
            "additionalProperties": false,
            "type": "object",
            "properties": {
                "ok": {"type": "boolean", "enum": [false]},
                "error": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string", "enum": ["not_found", "conflict"]},
                        "message": {"type": "string", "description": "vendor prose"}
                    },
                    "required": ["code", "message"]
                },
                "meta": {"$ref": "#/components/schemas/ResponseMeta"}
            },
            "required": ["ok", "error", "meta"]
        },
        "SuccessEnvelope": {
            "type": "object",
            "properties": {"ok": {"type": "boolean", "enum": [true]}, "meta": {"type": "object"}},
            "required": ["ok", "meta"]
        },
        "ResponseMeta": {
            "type": "object",
            "additionalProperties": false,
            "properties": {"request_id": {"type": "string", "example": "req_1"}},
            "required": ["request_id"]
        },
        "CursorPagination": {
            "type": "object",
            "properties": {"has_more": {"type": "boolean"}, "next_cursor": {"type": "string"}},
            "required": ["has_more"]
        }
    });
    if let (Json::Object(all), Json::Object(extra)) = (&mut all, schemas) {
        all.extend(extra);
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Test", "version": "1.0.0"},
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {"schemas": all}
    })
}

/// `allOf: [SuccessEnvelope, {data: $ref name}]` as upstream writes a single-item response.
pub fn item_envelope(data: &str) -> Json {
    json!({
        "allOf": [
            {"$ref": "#/components/schemas/SuccessEnvelope"},
            {"type": "object", "properties": {
                "data": {"$ref": format!("#/components/schemas/{data}")},
                "meta": {"$ref": "#/components/schemas/ResponseMeta"}
            }, "required": ["data"]}
        ],
        "unevaluatedProperties": false
    })
}

/// The paged variant of [`item_envelope`].
pub fn page_envelope(item: &str) -> Json {
    json!({
        "allOf": [
            {"$ref": "#/components/schemas/SuccessEnvelope"},
            {"type": "object", "properties": {
                "data": {"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}},
                "meta": {"$ref": "#/components/schemas/ResponseMeta"},
                "pagination": {"$ref": "#/components/schemas/CursorPagination"}
            }, "required": ["data", "pagination"]}
        ],
        "unevaluatedProperties": false
    })
}

/// A GET operation answering `200` with `schema` (a `$ref` to a response schema).
pub fn get_op(id: &str, response: &str) -> Json {
    json!({
        "operationId": id,
        "tags": ["Things"],
        "summary": "vendor summary",
        "description": "vendor description",
        "security": [{"bearerAuth": []}],
        "responses": {
            "200": {
                "description": "vendor words",
                "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{response}")}}}
            },
            "404": {
                "description": "vendor words",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
            }
        }
    })
}

/// Parses a `json!` value into the tree the library works on.
pub fn tree(json: &Json) -> Value {
    xtask::value::parse_json(&json.to_string(), "test document").expect("valid JSON")
}

/// A tree as JSON, for order-insensitive comparison with `json!`.
pub fn as_json(value: &Value) -> Json {
    serde_json::to_value(value).expect("JSON-compatible")
}

/// Converts an upstream fragment and returns the result as JSON.
pub fn convert(upstream: &Json) -> Json {
    as_json(&xtask::convert::convert(&tree(upstream)).expect("converts"))
}

/// A component schema of a converted document.
pub fn schema<'a>(doc: &'a Json, name: &str) -> &'a Json {
    &doc["components"]["schemas"][name]
}
