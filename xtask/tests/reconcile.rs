//! Reconciling a tiny spec of ours with a tiny upstream document, the drift report, and the
//! `--check` semantics of refresh.

mod common;

use std::path::{Path, PathBuf};

use common::{item_envelope, upstream};
use serde_json::json;
use serde_norway::Value;
use xtask::intentional::Differences;
use xtask::refresh::{compare_texts, run, Options, Source};
use xtask::report::ChangeKind;

/// Our spec: our id, words and extension on the operation, our descriptions on the schema,
/// a field upstream has dropped, a field whose type upstream has changed, and `GET /me`,
/// which upstream lacks.
const OURS: &str = r##"openapi: 3.0.3
info:
  title: Ours
  version: 1.0.0
tags:
- name: Things
  description: Our words about things.
paths:
  /me:
    get:
      tags:
      - Things
      operationId: get_me
      summary: Who am I
      x-sendmux-permission: any
      responses:
        '200':
          description: Me.
        4XX:
          $ref: '#/components/responses/Error'
        5XX:
          $ref: '#/components/responses/Error'
      security:
      - bearerAuth: []
  /things/{id}:
    get:
      tags:
      - Things
      operationId: fetch_thing
      summary: Fetch a thing
      description: Our description of the operation.
      x-sendmux-permission: thing.read
      parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
        description: Our words about the id.
      responses:
        '200':
          description: The thing.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/ThingEnvelope'
        '404':
          $ref: '#/components/responses/Error'
        '429':
          $ref: '#/components/responses/RateLimited'
        4XX:
          $ref: '#/components/responses/Error'
        5XX:
          $ref: '#/components/responses/Error'
      security:
      - bearerAuth: []
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      description: Our words about auth.
  headers:
    RetryAfter:
      description: Seconds to wait.
      schema:
        type: integer
  responses:
    Error:
      description: Failure.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ErrorEnvelope'
    RateLimited:
      description: Too many requests.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ErrorEnvelope'
    Unavailable:
      description: Try later.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ErrorEnvelope'
  schemas:
    ResponseMeta:
      properties:
        request_id:
          type: string
      required:
      - request_id
      type: object
    ErrorEnvelope:
      type: object
      required:
      - ok
      - error
      - meta
      properties:
        ok:
          type: boolean
        error:
          $ref: '#/components/schemas/ErrorBody'
        meta:
          $ref: '#/components/schemas/ResponseMeta'
    ErrorBody:
      type: object
      properties:
        code:
          $ref: '#/components/schemas/ApiErrorErrorCode'
        message:
          type: string
      required:
      - code
      - message
    ApiErrorErrorCode:
      type: string
      enum:
      - not_found
      - conflict
    ThingEnvelope:
      type: object
      required:
      - ok
      - data
      - meta
      properties:
        ok:
          type: boolean
        data:
          $ref: '#/components/schemas/Thing'
        meta:
          $ref: '#/components/schemas/ResponseMeta'
    Thing:
      properties:
        id:
          type: string
          description: Our words about the id field.
        size:
          type: integer
          description: Our words about size.
        legacy:
          type: string
        owner:
          allOf:
          - $ref: '#/components/schemas/Owner'
          description: Who owns it.
      required:
      - id
      - size
      type: object
      description: Our words about things.
      x-sendmux-note: kept
    Owner:
      properties:
        name:
          type: string
      type: object
"##;

fn upstream_doc() -> serde_json::Value {
    upstream(
        json!({"/things/{id}": {"get": {
            "operationId": "managementGetThing",
            "tags": ["Things"],
            "summary": "vendor words",
            "parameters": [{"in": "path", "name": "id", "required": true, "schema": {"type": "string"}}],
            "security": [{"bearerAuth": []}],
            "responses": {
                "200": {"description": "vendor", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingResponse"}}}},
                "404": {"description": "vendor", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}}
            }
        }}}),
        json!({
            "Thing": {
                "type": "object",
                "description": "vendor prose",
                "properties": {
                    "id": {"type": "string", "description": "vendor prose"},
                    "size": {"type": "string"},
                    "tint": {"type": "string"},
                    "owner": {"$ref": "#/components/schemas/Owner"}
                },
                "required": ["id", "size"]
            },
            "Owner": {"type": "object", "properties": {"name": {"type": "string"}}},
            "ThingResponse": item_envelope("Thing"),
        }),
    )
}

fn differences(text: &str) -> Differences {
    Differences::parse(text, Path::new("intentional-differences.txt")).unwrap()
}

const ME: &str = "/paths/~1me — GET /me: newer than the snapshot\n";

fn field<'a>(doc: &'a Value, name: &str) -> &'a Value {
    &doc["components"]["schemas"]["Thing"]["properties"][name]
}

#[test]
fn structure_comes_from_upstream_and_words_from_us() {
    let outcome = compare_texts(OURS, &upstream_doc().to_string(), &differences(ME)).unwrap();
    let doc = &outcome.document;
    let op = &doc["paths"]["/things/{id}"]["get"];
    assert_eq!(
        op["operationId"].as_str(),
        Some("fetch_thing"),
        "our id is kept"
    );
    assert_eq!(op["summary"].as_str(), Some("Fetch a thing"));
    assert_eq!(
        op["description"].as_str(),
        Some("Our description of the operation.")
    );
    assert_eq!(op["x-sendmux-permission"].as_str(), Some("thing.read"));
    assert_eq!(
        op["parameters"][0]["description"].as_str(),
        Some("Our words about the id.")
    );
    assert_eq!(
        op["responses"]["200"]["description"].as_str(),
        Some("The thing.")
    );
    assert_eq!(
        doc["tags"][0]["description"].as_str(),
        Some("Our words about things.")
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["description"].as_str(),
        Some("Our words about auth.")
    );

    let thing = &doc["components"]["schemas"]["Thing"];
    assert_eq!(
        thing["description"].as_str(),
        Some("Our words about things.")
    );
    assert_eq!(thing["x-sendmux-note"].as_str(), Some("kept"));
    assert_eq!(
        field(doc, "id")["description"].as_str(),
        Some("Our words about the id field.")
    );
    assert_eq!(
        field(doc, "owner")["description"].as_str(),
        Some("Who owns it."),
        "described reference kept"
    );
    assert_eq!(
        field(doc, "owner")["allOf"][0]["$ref"].as_str(),
        Some("#/components/schemas/Owner")
    );

    assert_eq!(
        field(doc, "size")["type"].as_str(),
        Some("string"),
        "changed type changed"
    );
    assert_eq!(
        field(doc, "size")["description"].as_str(),
        Some("Our words about size.")
    );
    assert!(field(doc, "legacy").is_null(), "removed field removed");
    assert_eq!(
        field(doc, "tint")["description"].as_str(),
        Some("TODO: describe"),
        "added field marked"
    );

    assert!(
        doc["paths"]["/me"]["get"].is_mapping(),
        "listed difference kept"
    );
    let keys: Vec<&str> = thing["properties"]
        .as_mapping()
        .unwrap()
        .keys()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        keys,
        ["id", "size", "tint", "owner"],
        "our order, new keys after their upstream predecessor"
    );
}

#[test]
fn the_report_lists_added_removed_and_changed_items() {
    let outcome = compare_texts(OURS, &upstream_doc().to_string(), &differences(ME)).unwrap();
    let report = &outcome.report;
    let find = |kind: ChangeKind, pointer: &str| {
        report
            .changes
            .iter()
            .find(|c| c.kind == kind && c.pointer == pointer)
            .unwrap_or_else(|| panic!("no {kind:?} at {pointer} in\n{report}"))
    };
    let added = find(
        ChangeKind::Added,
        "/components/schemas/Thing/properties/tint",
    );
    assert_eq!(added.scope, "schema Thing");
    find(
        ChangeKind::Removed,
        "/components/schemas/Thing/properties/legacy",
    );
    let changed = find(
        ChangeKind::Changed,
        "/components/schemas/Thing/properties/size/type",
    );
    assert_eq!(changed.detail, "`integer` → `string`");
    assert_eq!(report.changes.len(), 3, "{report}");

    let text = report.to_string();
    assert!(
        text.starts_with("Drift: 2 breaking, 1 additive for code using the crate."),
        "{text}"
    );
    for line in [
        "In the spec: 1 added, 1 removed, 1 changed.",
        "breaking (code using the crate may stop compiling or decoding):",
        "  types::Thing::legacy removed",
        "  types::Thing::size: i64 → String",
        "additive:",
        "  types::Thing::tint added: Option<String>",
        "added:",
        "removed:",
        "changed:",
        "  schema Thing",
        "/components/schemas/Thing/properties/tint: type string",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert_eq!(
        outcome.exit_code(true),
        xtask::refresh::EXIT_BREAKING,
        "--check tells breaking drift apart"
    );
    assert_eq!(
        outcome.exit_code(false),
        0,
        "a refresh that writes succeeds"
    );
}

#[test]
fn operations_are_reported_by_method_path_and_id() {
    let mut up = upstream_doc();
    up["paths"]["/things/{id}"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"in": "query", "name": "expand", "schema": {"type": "boolean"}}));
    let outcome = compare_texts(OURS, &up.to_string(), &differences(ME)).unwrap();
    let added = outcome
        .report
        .changes
        .iter()
        .find(|c| c.pointer == "/paths/~1things~1{id}/get/parameters/1")
        .expect("parameter added");
    assert_eq!(added.scope, "operation GET /things/{id} (fetch_thing)");
    assert_eq!(added.detail, "query parameter `expand`");
    let param = &outcome.document["paths"]["/things/{id}"]["get"]["parameters"][1];
    assert_eq!(param["description"].as_str(), Some("TODO: describe"));
}

#[test]
fn an_unlisted_difference_is_drift_and_a_listed_one_is_not() {
    let outcome = compare_texts(OURS, &upstream_doc().to_string(), &differences("")).unwrap();
    assert!(outcome
        .report
        .changes
        .iter()
        .any(|c| c.kind == ChangeKind::Removed && c.pointer == "/paths/~1me"));
    assert!(outcome.document["paths"]["/me"].is_null());

    let listed = format!(
        "{ME}/components/schemas/Thing/properties/size — kept as an integer\n/components/schemas/Gone — stale\n"
    );
    let outcome = compare_texts(OURS, &upstream_doc().to_string(), &differences(&listed)).unwrap();
    assert_eq!(
        field(&outcome.document, "size")["type"].as_str(),
        Some("integer")
    );
    assert!(!outcome
        .report
        .changes
        .iter()
        .any(|c| c.pointer.contains("size")));
    let stale: Vec<&str> = outcome.stale.iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(stale, ["/components/schemas/Gone"]);
}

#[test]
fn a_refreshed_spec_has_no_drift() {
    let up = upstream_doc().to_string();
    let first = compare_texts(OURS, &up, &differences(ME)).unwrap();
    let text = xtask::emit::to_yaml(&first.document).unwrap();
    let second = compare_texts(&text, &up, &differences(ME)).unwrap();
    assert!(second.report.is_empty(), "{}", second.report);
    assert_eq!(second.exit_code(true), 0);
}

#[test]
fn malformed_difference_lists_are_errors() {
    for bad in [
        "no-pointer — reason",
        "/x",
        "/x —  ",
        "/a~2b — bad escape",
        "/x — a\n/x — b",
    ] {
        assert!(
            Differences::parse(bad, Path::new("list")).is_err(),
            "{bad:?} accepted"
        );
    }
    let ok = differences("# comment\n\n/x -- reason\n");
    assert!(ok.contains("/x"));
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("xtask-test-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn check_writes_nothing_and_fails_on_drift_while_refresh_writes() {
    let scratch = Scratch::new("check");
    let spec = scratch.file("openapi.yaml", OURS);
    let options = Options {
        source: Source::File(scratch.file("upstream.json", &upstream_doc().to_string())),
        spec: spec.clone(),
        differences: scratch.file("differences.txt", ME),
        check: true,
    };
    let mut out = Vec::new();
    assert_eq!(
        run(&options, &mut out).unwrap(),
        xtask::refresh::EXIT_BREAKING
    );
    assert_eq!(
        std::fs::read_to_string(&spec).unwrap(),
        OURS,
        "--check writes nothing"
    );
    assert!(String::from_utf8(out).unwrap().contains("has drifted"));

    let write = Options {
        check: false,
        ..options.clone()
    };
    assert_eq!(run(&write, &mut Vec::new()).unwrap(), 0);
    assert_ne!(std::fs::read_to_string(&spec).unwrap(), OURS);

    let mut out = Vec::new();
    assert_eq!(
        run(&options, &mut out).unwrap(),
        0,
        "no drift after the refresh"
    );
    assert!(String::from_utf8(out).unwrap().contains("No drift."));
}

#[test]
fn missing_inputs_are_errors_not_panics() {
    let scratch = Scratch::new("missing");
    let options = Options {
        source: Source::File(scratch.0.join("absent.json")),
        spec: scratch.file("openapi.yaml", OURS),
        differences: scratch.file("differences.txt", ""),
        check: true,
    };
    let err = run(&options, &mut Vec::new()).unwrap_err();
    assert!(err.to_string().contains("absent.json"), "{err}");
    let bad = Options {
        source: Source::File(scratch.file("upstream.json", "{not json")),
        ..options
    };
    assert!(run(&bad, &mut Vec::new()).is_err());
}

#[test]
fn sources_are_urls_or_paths() {
    assert_eq!(
        Source::from_arg("https://example.invalid/openapi.json"),
        Source::Url("https://example.invalid/openapi.json".into())
    );
    assert_eq!(
        Source::from_arg("../x.json"),
        Source::File("../x.json".into())
    );
}
