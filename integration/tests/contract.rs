//! The contract itself: fixtures agree with openapi.yaml, the checker rejects what breaks it,
//! and every generated model describes the same shape as the spec's schema for it.

mod common;

use std::collections::BTreeSet;

use common::contract::{component, json_success_statuses, success_statuses, violations};
use common::fixture;
use schemars::schema::{RootSchema, Schema, SchemaObject, SingleOrVec};
use serde_json::{json, Value};

#[test]
fn every_fixture_fits_its_operation() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    // The operations come from the spec, so a refresh that adds or removes one needs no edit
    // here: only its fixture.
    let operations = json_success_statuses();
    let mut missing = Vec::new();
    for (operation, status) in &operations {
        if !std::path::Path::new(&format!("{dir}/{operation}.json")).exists() {
            missing.push(operation.clone());
            continue;
        }
        let errors = violations(operation, *status, &fixture(operation));
        assert!(errors.is_empty(), "{operation}: {errors:#?}");
    }
    assert!(
        missing.is_empty(),
        "no fixture for {missing:?}: `cargo xtask fixtures` derives one from the spec"
    );
    assert!(operations.len() > 50, "{} operations", operations.len());
}

#[test]
fn every_fixture_belongs_to_an_operation() {
    let operations: BTreeSet<String> = success_statuses().into_iter().map(|(id, _)| id).collect();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let orphaned: Vec<String> = std::fs::read_dir(dir)
        .expect("fixtures directory")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            // Subdirectories hold fixtures of other kinds (webhook vectors).
            path.extension().filter(|e| *e == "json")?;
            path.file_stem()?.to_str().map(str::to_owned)
        })
        .filter(|name| !operations.contains(name))
        .collect();
    assert!(
        orphaned.is_empty(),
        "fixtures of no operation (removed upstream?): {orphaned:?}"
    );
}

#[test]
fn the_checker_rejects_what_breaks_the_contract() {
    let good = fixture("get_domain");
    assert!(violations("get_domain", 200, &good).is_empty());
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut missing = good.clone();
    missing["data"].as_object_mut().unwrap().remove("domain");
    cases.push(("a required field missing", missing));
    let mut wrong_type = good.clone();
    wrong_type["data"]["mailbox_count"] = json!("four");
    cases.push(("a wrong type", wrong_type));
    let mut bad_time = good.clone();
    bad_time["data"]["created_at"] = json!("yesterday");
    cases.push(("a malformed timestamp", bad_time));
    let mut unknown_enum = good.clone();
    unknown_enum["data"]["mode"] = json!("receive_only");
    cases.push(("an enum value outside the spec", unknown_enum));
    let mut null_where_not_nullable = good.clone();
    null_where_not_nullable["data"]["id"] = Value::Null;
    cases.push(("null where not nullable", null_where_not_nullable));
    for (what, body) in cases {
        assert!(
            !violations("get_domain", 200, &body).is_empty(),
            "{what} went unnoticed"
        );
    }
    // Nullable fields accept null, and error answers are checked against the error envelope.
    let mut nullable = good.clone();
    nullable["data"]["verified_at"] = Value::Null;
    assert!(violations("get_domain", 200, &nullable).is_empty());
    assert!(!violations("get_domain", 404, &good).is_empty());
}

/// What a property holds, as far as shape goes: a named schema, or JSON types.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Named(String),
    Types(BTreeSet<String>),
}

/// The kind of a property in the spec (OpenAPI 3.0).
fn spec_kind(schema: &Value) -> Kind {
    if let Some(reference) = schema["$ref"]
        .as_str()
        .or(schema["allOf"][0]["$ref"].as_str())
    {
        let name = reference.rsplit('/').next().unwrap().to_owned();
        // A clearable value is generated as `Clearable<T>`: its shape is that of T.
        return match component(&name)["x-sendmux-clearable"].as_str() {
            Some("string") => Kind::Types(BTreeSet::from(["string".to_owned()])),
            Some(value) => Kind::Named(value.to_owned()),
            None => Kind::Named(name),
        };
    }
    let mut types = BTreeSet::new();
    if let Some(t) = schema["type"].as_str() {
        types.insert(t.to_owned());
    }
    if schema["oneOf"].is_array() {
        types.insert("oneOf".to_owned());
    }
    Kind::Types(types)
}

/// The kind of a property in a derived schema, seeing through typify's constrained newtypes.
fn derived_kind(schema: &Schema, root: &RootSchema) -> Kind {
    let Schema::Object(object) = schema else {
        return Kind::Types(BTreeSet::new());
    };
    if let Some(reference) = first_reference(object) {
        let name = reference.rsplit('/').next().unwrap().to_owned();
        if component(&name).is_object() {
            return Kind::Named(name);
        }
        return derived_kind(&root.definitions[&name], root);
    }
    let mut types = BTreeSet::new();
    match &object.instance_type {
        Some(SingleOrVec::Single(t)) => {
            types.insert(type_name(t));
        }
        Some(SingleOrVec::Vec(ts)) => types.extend(ts.iter().map(type_name)),
        None => {}
    }
    types.remove("null");
    if object
        .subschemas
        .as_ref()
        .is_some_and(|s| s.one_of.is_some() || s.any_of.is_some())
    {
        types.insert("oneOf".to_owned());
    }
    Kind::Types(types)
}

fn first_reference(object: &SchemaObject) -> Option<&str> {
    if let Some(reference) = &object.reference {
        return Some(reference);
    }
    let subschemas = object.subschemas.as_ref()?;
    [&subschemas.all_of, &subschemas.any_of]
        .into_iter()
        .flatten()
        .flatten()
        .find_map(|s| match s {
            Schema::Object(o) => o.reference.as_deref(),
            Schema::Bool(_) => None,
        })
}

fn type_name(t: &schemars::schema::InstanceType) -> String {
    serde_json::to_value(t)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

fn compare(name: &str, derived: RootSchema) -> Vec<String> {
    let spec = component(name);
    let mut problems = Vec::new();
    if let Some(values) = spec["enum"].as_array() {
        let derived_values = derived.schema.enum_values.clone().unwrap_or_default();
        if &derived_values != values {
            problems.push(format!(
                "{name}: enum {derived_values:?} vs spec {values:?}"
            ));
        }
        return problems;
    }
    let Some(properties) = spec["properties"].as_object() else {
        return problems;
    };
    let derived_properties = derived
        .schema
        .object
        .as_ref()
        .map(|o| o.properties.clone())
        .unwrap_or_default();
    let spec_names: BTreeSet<_> = properties.keys().cloned().collect();
    let derived_names: BTreeSet<_> = derived_properties.keys().cloned().collect();
    if spec_names != derived_names {
        problems.push(format!(
            "{name}: properties {derived_names:?} vs spec {spec_names:?}"
        ));
        return problems;
    }
    for (property, schema) in properties {
        let expected = spec_kind(schema);
        let found = derived_kind(&derived_properties[property], &derived);
        if expected != found {
            problems.push(format!("{name}.{property}: {found:?} vs spec {expected:?}"));
        }
    }
    problems
}

#[test]
fn every_model_has_the_shape_of_its_schema() {
    let mut problems = Vec::new();
    let mut compared = 0;
    macro_rules! models {
        ($($model:ident,)*) => {{
            $(
                problems.extend(compare(
                    stringify!($model),
                    schemars::schema_for!(sendmux_management::types::$model),
                ));
                compared += 1;
            )*
        }};
    }
    include!(concat!(env!("OUT_DIR"), "/models.rs"));
    assert!(compared > 100, "compared {compared} models");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_model_comparison_notices_differences() {
    let other_model = schemars::schema_for!(sendmux_management::types::Mailbox);
    assert!(!compare("Domain", other_model).is_empty());
    let wrong_kind: RootSchema = serde_json::from_value(json!({
        "type": "object",
        "properties": {"deleted": {"type": "string"}, "id": {"type": "string"}}
    }))
    .unwrap();
    assert_eq!(compare("Deleted", wrong_kind).len(), 1);
    let wrong_reference: RootSchema = serde_json::from_value(json!({
        "type": "object",
        "properties": {
            "ok": {"type": "boolean"},
            "data": {"$ref": "#/definitions/Mailbox"},
            "meta": {"$ref": "#/definitions/ResponseMeta"}
        }
    }))
    .unwrap();
    assert_eq!(compare("DomainEnvelope", wrong_reference).len(), 1);
}
