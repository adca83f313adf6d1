//! One small upstream 3.1 fragment per conversion rule.

mod common;

use common::{convert, get_op, item_envelope, page_envelope, schema, upstream};
use serde_json::json;

/// Converts `things: {…}` as the data of `GET /things` and returns our `Thing` schema.
fn thing(properties: serde_json::Value, extra_schemas: serde_json::Value) -> serde_json::Value {
    let mut schemas = json!({
        "Thing": {"type": "object", "properties": properties},
        "ThingResponse": item_envelope("Thing"),
    });
    if let (Some(all), Some(extra)) = (schemas.as_object_mut(), extra_schemas.as_object()) {
        all.extend(extra.clone());
    }
    let doc = convert(&upstream(
        json!({"/things": {"get": get_op("managementGetThing", "ThingResponse")}}),
        schemas,
    ));
    schema(&doc, "Thing").clone()
}

#[test]
fn type_lists_become_nullable() {
    let t = thing(json!({"name": {"type": ["string", "null"]}}), json!({}));
    assert_eq!(
        t["properties"]["name"],
        json!({"type": "string", "nullable": true})
    );
}

#[test]
fn nullable_references_are_wrapped_in_all_of() {
    let t = thing(
        json!({
            "a": {"anyOf": [{"$ref": "#/components/schemas/Part"}, {"type": "null"}]},
            "b": {"allOf": [{"$ref": "#/components/schemas/Part"}, {"type": ["object", "null"]}]}
        }),
        json!({"Part": {"type": "object", "properties": {"x": {"type": "string"}}}}),
    );
    let wrapped = json!({"allOf": [{"$ref": "#/components/schemas/Part"}], "nullable": true});
    assert_eq!(t["properties"]["a"], wrapped);
    assert_eq!(t["properties"]["b"], wrapped);
}

#[test]
fn numeric_exclusive_minimum_becomes_a_boolean() {
    let t = thing(
        json!({"n": {"type": "integer", "exclusiveMinimum": 0}}),
        json!({}),
    );
    assert_eq!(
        t["properties"]["n"],
        json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true})
    );
}

#[test]
fn annotations_unknown_to_3_0_and_closed_objects_are_dropped() {
    let t = thing(
        json!({"n": {
            "type": "string", "description": "vendor prose", "title": "N", "example": "x",
            "examples": ["x"], "const": "x", "minLength": 1
        }}),
        json!({}),
    );
    assert_eq!(
        t["properties"]["n"],
        json!({"type": "string", "minLength": 1})
    );
    let doc = convert(&upstream(
        json!({"/things": {"get": get_op("managementGetThing", "ThingResponse")}}),
        json!({
            "Thing": {"type": "object", "additionalProperties": false, "unevaluatedProperties": false, "properties": {}},
            "ThingResponse": item_envelope("Thing"),
        }),
    ));
    assert_eq!(
        schema(&doc, "Thing"),
        &json!({"type": "object", "properties": {}})
    );
}

#[test]
fn all_of_a_reference_and_annotations_collapses_to_the_reference() {
    let t = thing(
        json!({
            "a": {"allOf": [{"$ref": "#/components/schemas/Part"}, {"description": "vendor prose"}]},
            "b": {"allOf": [{"$ref": "#/components/schemas/Part"}, {"type": "object"}]}
        }),
        json!({"Part": {"type": "object", "properties": {}}}),
    );
    assert_eq!(
        t["properties"]["a"],
        json!({"$ref": "#/components/schemas/Part"})
    );
    assert_eq!(
        t["properties"]["b"],
        json!({"$ref": "#/components/schemas/Part"})
    );
}

#[test]
fn all_of_a_reference_and_properties_is_merged_flat() {
    let doc = convert(&upstream(
        json!({"/things": {"get": get_op("managementGetThing", "ThingResponse")}}),
        json!({
            "Base": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
            "Thing": {"allOf": [
                {"$ref": "#/components/schemas/Base"},
                {"type": "object", "additionalProperties": false, "properties": {"secret": {"type": "string"}}, "required": ["secret"]}
            ]},
            "ThingResponse": item_envelope("Thing"),
        }),
    ));
    assert_eq!(
        schema(&doc, "Thing"),
        &json!({
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "secret": {"type": "string", "x-sendmux-secret": true}
            },
            "required": ["id", "secret"]
        })
    );
}

#[test]
fn success_envelopes_become_flat_named_objects() {
    let mut list = get_op("managementListThings", "ThingListResponse");
    list["parameters"] = json!([{"in": "query", "name": "cursor", "schema": {"type": "string"}}]);
    let deleted = json!({
        "allOf": [
            {"$ref": "#/components/schemas/SuccessEnvelope"},
            {"type": "object", "properties": {"data": {
                "type": "object", "additionalProperties": false,
                "properties": {"deleted": {"type": "boolean", "enum": [true]}, "id": {"type": "string"}},
                "required": ["deleted", "id"]
            }}}
        ]
    });
    let doc = convert(&upstream(
        json!({
            "/things": {"get": list},
            "/things/{id}": {
                "get": get_op("managementGetThing", "ThingResponse"),
                "delete": get_op("managementDeleteThing", "ThingDeletedResponse")
            }
        }),
        json!({
            "Thing": {"type": "object", "properties": {"id": {"type": "string"}}},
            "ThingResponse": item_envelope("Thing"),
            "ThingListResponse": page_envelope("Thing"),
            "ThingDeletedResponse": deleted,
        }),
    ));
    let meta = json!({"$ref": "#/components/schemas/ResponseMeta"});
    assert_eq!(
        schema(&doc, "ThingEnvelope"),
        &json!({
            "type": "object",
            "required": ["ok", "data", "meta"],
            "properties": {"ok": {"type": "boolean"}, "data": {"$ref": "#/components/schemas/Thing"}, "meta": meta}
        })
    );
    assert_eq!(
        schema(&doc, "ThingPage"),
        &json!({
            "type": "object",
            "required": ["ok", "data", "meta", "pagination"],
            "properties": {
                "ok": {"type": "boolean"},
                "data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                "meta": meta,
                "pagination": {"$ref": "#/components/schemas/CursorPagination"}
            }
        })
    );
    assert_eq!(
        schema(&doc, "Deleted"),
        &json!({"type": "object", "properties": {"deleted": {"type": "boolean"}, "id": {"type": "string"}}, "required": ["deleted", "id"]})
    );
    let delete_schema = &doc["paths"]["/things/{id}"]["delete"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    assert_eq!(
        delete_schema,
        &json!({"$ref": "#/components/schemas/DeletedEnvelope"})
    );
    assert!(
        schema(&doc, "ThingResponse").is_null(),
        "upstream envelope names are not kept"
    );
    assert_eq!(
        schema(&doc, "ErrorEnvelope")["properties"]["error"],
        json!({"$ref": "#/components/schemas/ErrorBody"})
    );
}

#[test]
fn string_enums_become_named_components_and_other_enums_are_dropped() {
    let t = thing(
        json!({
            "mode": {"type": "string", "enum": ["send_receive", "send_only"]},
            "colour": {"type": ["string", "null"], "enum": ["red", "blue", null]},
            "ok": {"type": "boolean", "enum": [true]},
            "days": {"type": "number", "enum": [7]}
        }),
        json!({}),
    );
    assert_eq!(
        t["properties"]["mode"],
        json!({"$ref": "#/components/schemas/DomainMode"})
    );
    assert_eq!(
        t["properties"]["colour"],
        json!({"allOf": [{"$ref": "#/components/schemas/ThingColour"}], "nullable": true}),
        "an enum with no name in the table is named after its place"
    );
    assert_eq!(t["properties"]["ok"], json!({"type": "boolean"}));
    assert_eq!(t["properties"]["days"], json!({"type": "number"}));
    let doc = convert(&upstream(
        json!({"/things": {"get": get_op("managementGetThing", "ThingResponse")}}),
        json!({
            "Thing": {"type": "object", "properties": {"mode": {"type": "string", "enum": ["send_only", "send_receive"]}}},
            "ThingResponse": item_envelope("Thing"),
        }),
    ));
    assert_eq!(
        schema(&doc, "DomainMode"),
        &json!({"type": "string", "enum": ["send_only", "send_receive"]})
    );
}

#[test]
fn clashing_enum_names_are_an_error_not_a_panic() {
    let doc = upstream(
        json!({"/things": {"get": get_op("managementGetThing", "ThingResponse")}}),
        json!({
            "Thing": {"type": "object", "properties": {
                "a": {"type": "string", "enum": ["x"]},
                "sub": {"type": "object", "properties": {"a": {"type": "string", "enum": ["y"]}}}
            }},
            "ThingSubA": {"type": "string", "enum": ["z"]},
            "Holder": {"type": "object", "properties": {"s": {"$ref": "#/components/schemas/ThingSubA"}}},
            "ThingResponse": item_envelope("Thing"),
            "HolderResponse": item_envelope("Holder"),
        }),
    );
    let mut doc = doc;
    doc["paths"]["/holders"] = json!({"get": get_op("managementGetHolder", "HolderResponse")});
    let err = xtask::convert::convert(&common::tree(&doc)).unwrap_err();
    assert!(err.to_string().contains("ThingSubA"), "{err}");
}

#[test]
fn timestamps_get_the_date_time_format() {
    let t = thing(
        json!({
            "created_at": {"type": "string"},
            "sent_at": {"type": ["string", "null"]},
            "timestamp": {"type": "string"},
            "billing_bucket_start": {"type": "string"},
            "at_home": {"type": "string"},
            "count_at": {"type": "integer"}
        }),
        json!({}),
    );
    let p = &t["properties"];
    assert_eq!(
        p["created_at"],
        json!({"type": "string", "format": "date-time"})
    );
    assert_eq!(
        p["sent_at"],
        json!({"type": "string", "format": "date-time", "nullable": true})
    );
    assert_eq!(p["timestamp"]["format"], "date-time");
    assert_eq!(p["billing_bucket_start"]["format"], "date-time");
    assert!(p["at_home"].get("format").is_none());
    assert!(p["count_at"].get("format").is_none());
}

#[test]
fn schemas_get_our_names() {
    let doc = convert(&upstream(
        json!({"/domains": {"get": get_op("managementListDomains", "DomainItemResponse")}}),
        json!({
            "MailboxDomain": {"type": "object", "properties": {"records": {"$ref": "#/components/schemas/MailboxDomainDnsRecords"}}},
            "MailboxDomainDnsRecords": {"type": "object", "properties": {}},
            "DomainItemResponse": item_envelope("MailboxDomain"),
        }),
    ));
    assert!(schema(&doc, "Domain").is_object());
    assert!(schema(&doc, "DomainEnvelope").is_object());
    assert_eq!(
        schema(&doc, "Domain")["properties"]["records"],
        json!({"$ref": "#/components/schemas/DomainDnsRecords"})
    );
    assert!(schema(&doc, "MailboxDomain").is_null());
}

#[test]
fn operations_keep_our_ids_and_skip_the_other_surface() {
    let mut mailbox_api = get_op("mailboxListMessages", "ThingResponse");
    mailbox_api["tags"] = json!(["Mailbox API"]);
    let doc = convert(&upstream(
        json!({
            "/balance": {"get": get_op("managementListBalance", "ThingResponse")},
            "/things/{id}/archive": {"post": get_op("managementArchiveThing", "ThingResponse")},
            "/messages": {"get": mailbox_api}
        }),
        json!({"Thing": {"type": "object", "properties": {}}, "ThingResponse": item_envelope("Thing")}),
    ));
    assert_eq!(
        doc["paths"]["/balance"]["get"]["operationId"],
        "get_balance"
    );
    assert_eq!(
        doc["paths"]["/things/{id}/archive"]["post"]["operationId"],
        "archive_thing"
    );
    assert!(doc["paths"].get("/messages").is_none());
    let op = &doc["paths"]["/balance"]["get"];
    assert!(
        op.get("summary").is_none() && op.get("description").is_none(),
        "no vendor prose"
    );
    assert_eq!(op["security"], json!([{"bearerAuth": []}]));
}

#[test]
fn shared_parameters_become_components() {
    let mut op = get_op("managementCreateThing", "ThingResponse");
    op["parameters"] = json!([
        {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": 255, "description": "vendor"}},
        {"in": "header", "name": "If-Match", "schema": {"type": "string"}},
        {"in": "query", "name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
        {"in": "path", "name": "id", "schema": {"type": "string"}}
    ]);
    let doc = convert(&upstream(
        json!({"/things/{id}": {"post": op}}),
        json!({"Thing": {"type": "object", "properties": {}}, "ThingResponse": item_envelope("Thing")}),
    ));
    let params = &doc["paths"]["/things/{id}"]["post"]["parameters"];
    assert_eq!(
        params[0],
        json!({"$ref": "#/components/parameters/IdempotencyKey"})
    );
    assert_eq!(
        params[1],
        json!({"$ref": "#/components/parameters/IfMatch"})
    );
    assert_eq!(params[2], json!({"$ref": "#/components/parameters/Limit"}));
    assert_eq!(
        params[3],
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}})
    );
    let components = &doc["components"]["parameters"];
    assert_eq!(
        components["IdempotencyKey"],
        json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"$ref": "#/components/schemas/IdempotencyKey"}})
    );
    assert_eq!(
        schema(&doc, "IdempotencyKey"),
        &json!({"type": "string", "maxLength": 255, "minLength": 1})
    );
    assert_eq!(
        components["Limit"]["schema"],
        json!({"type": "integer", "minimum": 1, "maximum": 100})
    );
}

#[test]
fn every_operation_answers_errors_through_shared_responses() {
    let mut op = get_op("managementGetThing", "ThingResponse");
    op["responses"]["503"] = json!({"description": "x", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}});
    op["responses"]["304"] = json!({"description": "x", "headers": {"ETag": {"schema": {"type": "string", "description": "vendor"}}}});
    op["responses"]["200"]["headers"] = json!({"ETag": {"schema": {"type": "string"}}});
    let doc = convert(&upstream(
        json!({"/things": {"get": op}}),
        json!({"Thing": {"type": "object", "properties": {}}, "ThingResponse": item_envelope("Thing")}),
    ));
    let responses = &doc["paths"]["/things"]["get"]["responses"];
    let error = |name: &str| json!({"$ref": format!("#/components/responses/{name}")});
    assert_eq!(responses["404"], error("Error"));
    assert_eq!(responses["429"], error("RateLimited"));
    assert_eq!(responses["503"], error("Unavailable"));
    assert_eq!(responses["4XX"], error("Error"));
    assert_eq!(responses["5XX"], error("Error"));
    assert_eq!(
        responses["304"]["headers"]["ETag"],
        json!({"$ref": "#/components/headers/ETag"})
    );
    assert_eq!(
        doc["components"]["headers"]["ETag"]["schema"],
        json!({"type": "string"})
    );

    let tree = xtask::convert::convert(&common::tree(&upstream(
        json!({"/things": {"get": op_with_codes()}}),
        json!({"Thing": {"type": "object", "properties": {}}, "ThingResponse": item_envelope("Thing")}),
    )))
    .unwrap();
    let codes: Vec<&str> = tree["paths"]["/things"]["get"]["responses"]
        .as_mapping()
        .unwrap()
        .keys()
        .filter_map(|k| k.as_str())
        .collect();
    assert_eq!(
        codes,
        ["200", "304", "404", "429", "4XX", "500", "503", "5XX"]
    );
}

fn op_with_codes() -> serde_json::Value {
    let mut op = get_op("managementGetThing", "ThingResponse");
    for code in ["503", "500", "304"] {
        op["responses"][code] = json!({"description": "x"});
    }
    op
}

#[test]
fn inline_request_bodies_are_named_after_the_operation() {
    let mut op = get_op("managementCreateMailboxKey", "ThingResponse");
    op["requestBody"] = json!({"content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": false,
        "properties": {"app_name": {"type": "string", "minLength": 1}}, "required": ["app_name"]
    }}}});
    let doc = convert(&upstream(
        json!({"/mailboxes/{id}/keys": {"post": op}}),
        json!({"Thing": {"type": "object", "properties": {}}, "ThingResponse": item_envelope("Thing")}),
    ));
    assert_eq!(
        doc["paths"]["/mailboxes/{id}/keys"]["post"]["requestBody"],
        json!({"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateMailboxKeyBody"}}}})
    );
    assert_eq!(
        schema(&doc, "CreateMailboxKeyBody"),
        &json!({"type": "object", "properties": {"app_name": {"type": "string", "minLength": 1}}, "required": ["app_name"]})
    );
}

#[test]
fn nullable_components_move_nullability_to_their_references() {
    let t = thing(
        json!({"credential": {"$ref": "#/components/schemas/Credential"}}),
        json!({"Credential": {"type": ["object", "null"], "properties": {"id": {"type": "string"}}}}),
    );
    assert_eq!(
        t["properties"]["credential"],
        json!({"allOf": [{"$ref": "#/components/schemas/Credential"}], "nullable": true})
    );
    let doc = convert(&upstream(
        json!({"/things": {"get": get_op("managementGetThing", "ThingResponse")}}),
        json!({
            "Thing": {"type": "object", "properties": {"credential": {"$ref": "#/components/schemas/Credential"}}},
            "Credential": {"type": ["object", "null"], "properties": {"id": {"type": "string"}}},
            "ThingResponse": item_envelope("Thing"),
        }),
    ));
    assert!(schema(&doc, "Credential").get("nullable").is_none());
}

#[test]
fn any_of_a_fixed_value_or_a_range_is_the_quota_value_union() {
    let t = thing(
        json!({"per_day": {"anyOf": [
            {"type": "integer", "exclusiveMinimum": 0},
            {"allOf": [{"$ref": "#/components/schemas/ProviderQuotaRange"}, {"type": "object"}]},
            {"type": "null"}
        ]}}),
        json!({"ProviderQuotaRange": {"type": ["object", "null"], "properties": {"min": {"type": "integer"}}}}),
    );
    assert_eq!(
        t["properties"]["per_day"],
        json!({"allOf": [{"$ref": "#/components/schemas/QuotaValue"}], "nullable": true})
    );
    let doc = convert(&upstream(
        json!({"/things": {"get": get_op("managementGetThing", "ThingResponse")}}),
        json!({
            "Thing": {"type": "object", "properties": {"per_day": {"anyOf": [
                {"type": "integer", "exclusiveMinimum": 0},
                {"allOf": [{"$ref": "#/components/schemas/ProviderQuotaRange"}, {"type": "object"}]}
            ]}}},
            "ProviderQuotaRange": {"type": ["object", "null"], "properties": {"min": {"type": "integer"}}},
            "ThingResponse": item_envelope("Thing"),
        }),
    ));
    assert_eq!(
        schema(&doc, "QuotaValue"),
        &json!({"oneOf": [
            {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
            {"$ref": "#/components/schemas/ProviderQuotaRange"}
        ]})
    );
}

#[test]
fn constructs_without_a_rule_are_reported_with_their_place() {
    let doc = upstream(
        json!({"/things": {"get": get_op("managementGetThing", "ThingResponse")}}),
        json!({
            "Thing": {"type": "object", "properties": {"v": {"type": ["string", "integer"]}}},
            "ThingResponse": item_envelope("Thing"),
        }),
    );
    let err = xtask::convert::convert(&common::tree(&doc)).unwrap_err();
    assert!(
        err.to_string()
            .contains("/components/schemas/Thing/properties/v"),
        "{err}"
    );

    let mut no_error_schema = doc;
    no_error_schema["components"]["schemas"]
        .as_object_mut()
        .unwrap()
        .remove("ApiError");
    assert!(xtask::convert::convert(&common::tree(&no_error_schema)).is_err());
}

#[test]
fn optional_nullable_fields_of_updates_become_clearable() {
    let mut op = get_op("managementUpdateMailbox", "ThingResponse");
    op["requestBody"] = json!({"content": {"application/json": {"schema": {
        "type": "object",
        "properties": {
            "display_name": {"type": ["string", "null"], "maxLength": 254},
            "part": {"anyOf": [{"$ref": "#/components/schemas/Part"}, {"type": "null"}]},
            "nested": {"type": "object", "properties": {"note": {"type": ["string", "null"]}}},
            "kept": {"type": ["string", "null"]},
            "plain": {"type": "string"}
        },
        "required": ["kept"]
    }}}});
    let doc = convert(&upstream(
        json!({"/mailboxes/{id}": {"patch": op}}),
        json!({
            "Thing": {"type": "object", "properties": {}},
            "ThingResponse": item_envelope("Thing"),
            "Part": {"type": "object", "properties": {"x": {"type": "string"}}}
        }),
    ));
    let body = schema(&doc, "UpdateMailboxBody");
    let clearable_string = json!({"allOf": [{"$ref": "#/components/schemas/ClearableString"}]});
    assert_eq!(body["properties"]["display_name"], clearable_string);
    assert_eq!(
        body["properties"]["nested"]["properties"]["note"],
        clearable_string
    );
    assert_eq!(
        body["properties"]["part"],
        json!({"$ref": "#/components/schemas/ClearablePart"})
    );
    // A required field cannot be left out, so null there is just a value.
    assert_eq!(
        body["properties"]["kept"],
        json!({"type": "string", "nullable": true})
    );
    assert_eq!(body["properties"]["plain"], json!({"type": "string"}));
    assert_eq!(
        schema(&doc, "ClearableString"),
        &json!({"x-sendmux-clearable": "string", "type": "string", "nullable": true})
    );
    assert_eq!(
        schema(&doc, "ClearablePart"),
        &json!({"x-sendmux-clearable": "Part", "allOf": [{"$ref": "#/components/schemas/Part"}], "nullable": true})
    );
}

#[test]
fn fields_of_other_bodies_stay_as_they_are() {
    let mut op = get_op("managementCreateMailbox", "ThingResponse");
    op["requestBody"] = json!({"content": {"application/json": {"schema": {
        "type": "object",
        "properties": {"display_name": {"type": ["string", "null"]}}
    }}}});
    let doc = convert(&upstream(
        json!({"/mailboxes": {"post": op}}),
        json!({"Thing": {"type": "object", "properties": {}}, "ThingResponse": item_envelope("Thing")}),
    ));
    assert_eq!(
        schema(&doc, "CreateMailboxBody")["properties"]["display_name"],
        json!({"type": "string", "nullable": true})
    );
    assert!(schema(&doc, "ClearableString").is_null());
}

#[test]
fn string_fields_named_like_secrets_are_marked() {
    let t = thing(
        json!({
            "secret": {"type": "string", "description": "vendor prose"},
            "smtp_password": {"type": "string", "minLength": 1},
            "refresh_token": {"type": ["string", "null"]},
            "has_smtp_password": {"type": "boolean"},
            "key_prefix": {"type": "string"}
        }),
        json!({}),
    );
    let p = &t["properties"];
    assert_eq!(
        p["secret"],
        json!({"type": "string", "x-sendmux-secret": true})
    );
    assert_eq!(
        p["smtp_password"],
        json!({"type": "string", "minLength": 1, "x-sendmux-secret": true})
    );
    assert_eq!(
        p["refresh_token"],
        json!({"type": "string", "x-sendmux-secret": true, "nullable": true})
    );
    assert_eq!(p["has_smtp_password"], json!({"type": "boolean"}));
    assert_eq!(p["key_prefix"], json!({"type": "string"}));
}

#[test]
fn request_bodies_are_required_only_when_the_vendor_says_so() {
    for (given, expected) in [(None, false), (Some(false), false), (Some(true), true)] {
        let mut op = get_op("managementCreateMailboxKey", "ThingResponse");
        op["requestBody"] = json!({"content": {"application/json": {"schema": {
            "type": "object", "properties": {"app_name": {"type": "string"}}
        }}}});
        if let Some(given) = given {
            op["requestBody"]["required"] = json!(given);
        }
        let doc = convert(&upstream(
            json!({"/mailboxes/{id}/keys": {"post": op}}),
            json!({"Thing": {"type": "object", "properties": {}}, "ThingResponse": item_envelope("Thing")}),
        ));
        assert_eq!(
            doc["paths"]["/mailboxes/{id}/keys"]["post"]["requestBody"]["required"],
            json!(expected),
            "required given as {given:?}"
        );
    }
}
