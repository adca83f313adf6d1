//! `cargo xtask lint`: checks that `openapi.yaml` is valid OpenAPI 3.0.3, complete, keeps to
//! the dialect the generated client needs (`shared/design/PROGENITOR.md`), and marks the fields
//! that hold secrets.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde_norway::Value;

use crate::convert::METHODS;
use crate::examples::ExampleChecker;
use crate::naming::is_snake;
use crate::secrets;
use crate::tables::MARKER;
use crate::value::{as_ref, deref, entries, get, get_map, get_str, join, resolve_ref};
use crate::walk::{each_schema, response_roots_of, schema_roots};
use crate::{Error, Result};

/// Extension that exempts a component schema from the unused-schema rule.
pub const UNUSED_OK: &str = "x-sendmux-unused-ok";
/// Extension naming the permission an operation needs.
pub const PERMISSION: &str = "x-sendmux-permission";

/// One problem, located by a JSON pointer into the document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// Where (empty for the whole document).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "(document)"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {}", self.message)
    }
}

/// Lints the file at `path`.
pub fn lint_file(path: &Path) -> Result<Vec<Finding>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    Ok(lint(&text))
}

/// Lints a YAML document; the findings are sorted by pointer.
pub fn lint(text: &str) -> Vec<Finding> {
    let doc: Value = match serde_norway::from_str(text) {
        Ok(doc) => doc,
        Err(e) => return vec![finding("", format!("not valid YAML: {e}"))],
    };
    let mut linter = Linter {
        doc: &doc,
        findings: Vec::new(),
    };
    linter.structure();
    linter.references();
    linter.operations();
    linter.schemas();
    linter.unused_schemas();
    linter.examples();
    linter.markers(&doc, "");
    let mut findings = linter.findings;
    findings.sort();
    findings.dedup();
    findings
}

fn finding(pointer: &str, message: impl Into<String>) -> Finding {
    Finding {
        pointer: pointer.to_owned(),
        message: message.into(),
    }
}

struct Linter<'a> {
    doc: &'a Value,
    findings: Vec<Finding>,
}

impl Linter<'_> {
    fn report(&mut self, pointer: &str, message: impl Into<String>) {
        self.findings.push(finding(pointer, message));
    }

    /// Valid OpenAPI 3.0.3, as the generator's parser reads it.
    fn structure(&mut self) {
        match get_str(self.doc, "openapi") {
            Some("3.0.3") => {}
            Some(other) => self.report("/openapi", format!("must be `3.0.3`, not `{other}`")),
            None => self.report("/openapi", "missing; must be `3.0.3`"),
        }
        let Some(whole) = parse_error::<openapiv3::OpenAPI>(self.doc, "") else {
            return;
        };
        // The parser loses track of where it is inside some maps; parsing each path item and
        // component on its own gives a precise pointer.
        let mut parts = Vec::new();
        for (path, item) in get_map(self.doc, "paths").into_iter().flat_map(entries) {
            let item_ptr = join("/paths", path);
            let before = parts.len();
            for (method, op) in item.as_mapping().into_iter().flat_map(entries) {
                if METHODS.contains(&method) {
                    parts.extend(parse_part::<openapiv3::Operation>(
                        op,
                        &join(&item_ptr, method),
                    ));
                }
            }
            if parts.len() == before {
                parts.extend(parse_part::<openapiv3::PathItem>(item, &item_ptr));
            }
        }
        let components = get(self.doc, "components");
        let section = |name: &str| {
            components
                .and_then(|c| get_map(c, name))
                .into_iter()
                .flat_map(entries)
        };
        let base = |kind: &str, name: &str| join(&join("/components", kind), name);
        for (name, v) in section("schemas") {
            parts.extend(parse_part::<openapiv3::Schema>(v, &base("schemas", name)));
        }
        for (name, v) in section("parameters") {
            parts.extend(parse_part::<openapiv3::Parameter>(
                v,
                &base("parameters", name),
            ));
        }
        for (name, v) in section("responses") {
            parts.extend(parse_part::<openapiv3::Response>(
                v,
                &base("responses", name),
            ));
        }
        for (name, v) in section("headers") {
            parts.extend(parse_part::<openapiv3::Header>(v, &base("headers", name)));
        }
        for (name, v) in section("requestBodies") {
            parts.extend(parse_part::<openapiv3::RequestBody>(
                v,
                &base("requestBodies", name),
            ));
        }
        if parts.is_empty() {
            parts.push(whole);
        }
        self.findings.extend(parts);
    }

    /// Every `$ref` is local and resolves.
    fn references(&mut self) {
        let mut refs = Vec::new();
        collect_refs(self.doc, "", &mut refs);
        for (pointer, reference) in refs {
            if !reference.starts_with('#') {
                self.report(
                    &pointer,
                    format!("`{reference}` is not a local reference; only `#/…` is supported"),
                );
            } else if resolve_ref(self.doc, &reference).is_none() {
                self.report(&pointer, format!("`{reference}` does not resolve"));
            }
        }
    }

    fn operations(&mut self) {
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for (path, item) in get_map(self.doc, "paths").into_iter().flat_map(entries) {
            for (method, op) in item.as_mapping().into_iter().flat_map(entries) {
                if !METHODS.contains(&method) {
                    continue;
                }
                let ptr = join(&join("/paths", path), method);
                self.operation(item, op, &ptr);
                if let Some(id) = get_str(op, "operationId") {
                    if let Some(first) = ids.insert(id.to_owned(), ptr.clone()) {
                        self.report(
                            &join(&ptr, "operationId"),
                            format!("`{id}` is also the id of {first}"),
                        );
                    }
                }
            }
        }
    }

    fn operation(&mut self, item: &Value, op: &Value, ptr: &str) {
        let non_empty = |key: &str| match get(op, key) {
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Sequence(s)) => !s.is_empty(),
            Some(_) => true,
            None => false,
        };
        for (key, what) in [
            ("operationId", "an operationId"),
            ("tags", "a tag"),
            ("summary", "a summary"),
        ] {
            if !non_empty(key) {
                self.report(&join(ptr, key), format!("operation lacks {what}"));
            }
        }
        if !non_empty(PERMISSION) {
            let advice = match proposed_permission(self.doc, ptr) {
                Some((permission, like)) => format!(
                    "proposed: `{permission}`, as {like} nearby; check it against the vendor's \
                     permissions per endpoint group"
                ),
                None => "which one? the vendor lists the permissions per endpoint group".to_owned(),
            };
            self.report(
                &join(ptr, PERMISSION),
                format!("operation lacks the permission it needs; {advice}"),
            );
        }
        if get(op, "security").is_none() {
            self.report(
                &join(ptr, "security"),
                "operation lacks its security requirement",
            );
        }
        let responses = get_map(op, "responses");
        for range in ["4XX", "5XX"] {
            if !responses.is_some_and(|r| r.contains_key(range)) {
                self.report(
                    &join(&join(ptr, "responses"), range),
                    format!("operation lacks a `{range}` response"),
                );
            }
        }

        let params: Vec<&Value> = [get(item, "parameters"), get(op, "parameters")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_sequence)
            .flatten()
            .map(|p| deref(self.doc, p))
            .collect();
        let has_param = |location: &str, name: &str| {
            params.iter().any(|p| {
                get_str(p, "in") == Some(location)
                    && get_str(p, "name").is_some_and(|n| {
                        if location == "header" {
                            n.eq_ignore_ascii_case(name)
                        } else {
                            n == name
                        }
                    })
            })
        };
        let params_ptr = join(ptr, "parameters");

        // A cursor list is recognised by either half; both halves must then be there.
        let success = responses
            .into_iter()
            .flat_map(entries)
            .find(|(code, _)| code.starts_with('2'));
        let envelope = success.and_then(|(code, response)| {
            let response = deref(self.doc, response);
            let schema = get(response, "content")
                .and_then(|c| get(c, "application/json"))
                .and_then(|m| get(m, "schema"))?;
            Some((code, deref(self.doc, schema)))
        });
        let paginated = envelope.is_some_and(|(_, e)| {
            get(e, "properties")
                .and_then(|p| get(p, "pagination"))
                .is_some()
        });
        let has_cursor = has_param("query", "cursor");
        if has_cursor || paginated {
            if !has_cursor {
                self.report(
                    &params_ptr,
                    "cursor list lacks the `cursor` query parameter",
                );
            }
            if !has_param("query", "limit") {
                self.report(&params_ptr, "cursor list lacks the `limit` query parameter");
            }
            if !paginated {
                let at = envelope.map_or_else(
                    || join(ptr, "responses"),
                    |(code, _)| join(&join(ptr, "responses"), code),
                );
                self.report(&at, "cursor list's success envelope lacks `pagination`");
            }
        }

        if responses.is_some_and(|r| r.contains_key("201"))
            && !has_param("header", "Idempotency-Key")
        {
            self.report(
                &params_ptr,
                "create operation (201) lacks the `Idempotency-Key` header parameter",
            );
        }
    }

    fn schemas(&mut self) {
        let doc = self.doc;
        let mut found = Vec::new();
        each_schema(doc, &schema_roots(doc), false, &mut |ptr, schema| {
            if get(schema, "type").is_some_and(Value::is_sequence) {
                found.push(finding(
                    &join(ptr, "type"),
                    "a `type` list; use one type and `nullable: true`",
                ));
            }
            for (name, property) in get_map(schema, "properties").into_iter().flat_map(entries) {
                if !is_snake(name) {
                    found.push(finding(
                        &join(&join(ptr, "properties"), name),
                        format!("property `{name}` is not snake_case"),
                    ));
                }
                if secrets::needs_mark(name, property) && get(property, secrets::MARK).is_none() {
                    found.push(finding(
                        &join(&join(ptr, "properties"), name),
                        format!(
                            "property `{name}` is named like a secret; mark it `{}: true` so the client never prints it, or `false` if it holds none",
                            secrets::MARK
                        ),
                    ));
                }
            }
            found.extend(secret_mark_misplaced(ptr, schema));
            for (i, member) in get(schema, "allOf")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if is_envelope(deref(doc, member)) {
                    found.push(finding(
                        &join(&join(ptr, "allOf"), &i.to_string()),
                        "an `allOf` envelope; write the envelope as one flat object",
                    ));
                }
            }
            if let (Some(Value::Sequence(names)), Some(Value::Sequence(values))) =
                (get(schema, "x-enum-varnames"), get(schema, "enum"))
            {
                if names.len() != values.len() {
                    found.push(finding(
                        &join(ptr, "x-enum-varnames"),
                        format!(
                            "{} variant names for {} enum values",
                            names.len(),
                            values.len()
                        ),
                    ));
                }
            }
        });
        // Response schemas decode server data: closed enums and denied extra fields break
        // decoding when the API grows.
        each_schema(doc, &response_roots_of(doc), true, &mut |ptr, schema| {
            let is_string_enum = get(schema, "enum").is_some()
                && get_str(schema, "type").is_none_or(|t| t == "string");
            let named_component = ptr
                .strip_prefix("/components/schemas/")
                .is_some_and(|rest| !rest.contains('/'));
            if is_string_enum && !named_component {
                found.push(finding(
                    &join(ptr, "enum"),
                    "an inline string enum in a response schema; make it a named component schema so it is generated as an open enum",
                ));
            }
            if get(schema, "additionalProperties") == Some(&Value::Bool(false)) {
                found.push(finding(
                    &join(ptr, "additionalProperties"),
                    "`additionalProperties: false` in a response schema; new fields would fail decoding",
                ));
            }
        });
        self.findings.extend(found);
    }

    /// Component schemas that nothing outside `components/schemas` leads to, unless marked
    /// [`UNUSED_OK`]; and marks on schemas that are in fact used, so the allow-list stays true.
    fn unused_schemas(&mut self) {
        let Some(schemas) = get(self.doc, "components").and_then(|c| get_map(c, "schemas")) else {
            return;
        };
        let mut roots = Vec::new();
        if let Value::Mapping(doc) = self.doc {
            for (key, value) in doc {
                if key.as_str() != Some("components") {
                    collect_refs(value, "", &mut roots);
                }
            }
        }
        // Other components (parameters, responses…) count only when reached from the paths.
        let roots: Vec<String> = roots.into_iter().map(|(_, r)| r).collect();
        let marked: Vec<&str> = entries(schemas)
            .filter(|(_, schema)| get(schema, UNUSED_OK) == Some(&Value::Bool(true)))
            .map(|(name, _)| name)
            .collect();
        let used = self.reachable(roots.clone());
        let allowed = self.reachable(
            roots
                .into_iter()
                .chain(marked.iter().map(|n| schema_ref(n)))
                .collect(),
        );
        for (name, _) in entries(schemas) {
            let reference = schema_ref(name);
            let ptr = join("/components/schemas", name);
            if !allowed.contains(&reference) {
                self.report(
                    &ptr,
                    format!("component schema `{name}` is not used; use or remove it, or mark it `{UNUSED_OK}: true`"),
                );
            } else if marked.contains(&name) && used.contains(&reference) {
                self.report(
                    &join(&ptr, UNUSED_OK),
                    format!("`{name}` is used; remove the mark"),
                );
            }
        }
    }

    /// Every reference reached from `roots`, following references inside their targets.
    fn reachable(&self, roots: Vec<String>) -> BTreeSet<String> {
        let mut reached = BTreeSet::new();
        let mut stack = roots;
        while let Some(reference) = stack.pop() {
            if !reached.insert(reference.clone()) {
                continue;
            }
            if let Some(target) = resolve_ref(self.doc, &reference) {
                let mut refs = Vec::new();
                collect_refs(target, "", &mut refs);
                stack.extend(refs.into_iter().map(|(_, r)| r));
            }
        }
        reached
    }

    fn examples(&mut self) {
        let doc = self.doc;
        let mut cases: Vec<(String, &Value, &Value)> = Vec::new();
        each_schema(doc, &schema_roots(doc), false, &mut |ptr, schema| {
            if let Some(example) = get(schema, "example") {
                cases.push((join(ptr, "example"), schema, example));
            }
        });
        let mut holders = Vec::new();
        collect_example_holders(doc, "", &mut holders);
        for (ptr, holder) in holders {
            let Some(schema) = get(holder, "schema") else {
                continue;
            };
            if let Some(example) = get(holder, "example") {
                cases.push((join(&ptr, "example"), schema, example));
            }
            for (name, item) in get_map(holder, "examples").into_iter().flat_map(entries) {
                let item = deref(doc, item);
                if let Some(value) = get(item, "value") {
                    cases.push((
                        join(&join(&join(&ptr, "examples"), name), "value"),
                        schema,
                        value,
                    ));
                }
            }
        }
        if cases.is_empty() {
            return;
        }
        let checker = ExampleChecker::new(doc);
        for (ptr, schema, example) in cases {
            for problem in checker.problems(schema, example) {
                self.report(
                    &ptr,
                    format!("example does not match its schema: {problem}"),
                );
            }
        }
    }

    /// Descriptions and summaries still carrying the placeholder that `refresh` writes.
    fn markers(&mut self, value: &Value, ptr: &str) {
        match value {
            Value::Mapping(m) => {
                for (key, child) in entries(m) {
                    let child_ptr = join(ptr, key);
                    match child {
                        Value::String(text)
                            if matches!(key, "description" | "summary")
                                && text.contains(MARKER) =>
                        {
                            self.report(
                                &child_ptr,
                                format!("still `{MARKER}`; write our own words"),
                            );
                        }
                        // Descriptions become the crate's rustdoc: no note to ourselves belongs
                        // there.
                        Value::String(text)
                            if matches!(key, "description" | "summary" | "title")
                                && text.contains("TODO") =>
                        {
                            self.report(&child_ptr, "a `TODO` would be published in the docs");
                        }
                        _ => self.markers(child, &child_ptr),
                    }
                }
            }
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.markers(item, &join(ptr, &i.to_string()));
                }
            }
            _ => {}
        }
    }
}

/// The permission an operation probably needs, judged by the operations that share most of its
/// path (`/domains/{id}/events` by the other operations under `/domains/{id}`), those with the
/// same method first, the most common among them; with the operation that gave it. `None` when
/// no operation shares even the first segment.
pub fn proposed_permission(doc: &Value, op_ptr: &str) -> Option<(String, String)> {
    let (item_ptr, method) = op_ptr.rsplit_once('/')?;
    let path = crate::value::unescape(item_ptr.strip_prefix("/paths/")?);
    let segments = |p: &str| {
        p.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let mine = segments(&path);
    let mut candidates: Vec<(usize, bool, String, String)> = Vec::new();
    for (other, item) in get_map(doc, "paths").into_iter().flat_map(entries) {
        for (other_method, op) in item.as_mapping().into_iter().flat_map(entries) {
            let Some(permission) = get_str(op, PERMISSION).filter(|p| !p.trim().is_empty()) else {
                continue;
            };
            if !METHODS.contains(&other_method) || (other == path && other_method == method) {
                continue;
            }
            let shared = mine
                .iter()
                .zip(segments(other))
                .take_while(|(a, b)| **a == *b)
                .count();
            if shared > 0 {
                let like = format!("{} {other}", other_method.to_uppercase());
                candidates.push((shared, other_method == method, permission.to_owned(), like));
            }
        }
    }
    let best = candidates.iter().map(|(s, same, ..)| (*s, *same)).max()?;
    let chosen: Vec<&(usize, bool, String, String)> = candidates
        .iter()
        .filter(|(s, same, ..)| (*s, *same) == best)
        .collect();
    let count = |p: &str| chosen.iter().filter(|c| c.2 == p).count();
    let winner = chosen
        .iter()
        .max_by_key(|c| (count(&c.2), std::cmp::Reverse(c.2.clone())))?;
    Some((winner.2.clone(), winner.3.clone()))
}

/// A secret mark the client cannot honour: not a boolean, or `true` anywhere but on a string
/// property of a component schema (build.rs looks there only).
fn secret_mark_misplaced(ptr: &str, schema: &Value) -> Option<Finding> {
    let mark = get(schema, secrets::MARK)?;
    let at = join(ptr, secrets::MARK);
    if !mark.is_bool() {
        return Some(finding(&at, "must be `true` or `false`"));
    }
    let property_of_component = ptr.starts_with("/components/schemas/")
        && ptr
            .rsplit('/')
            .nth(1)
            .is_some_and(|parent| parent == "properties");
    let string = get_str(schema, "type") == Some("string");
    (secrets::is_marked(schema) && !(property_of_component && string)).then(|| {
        finding(
            &at,
            "only string properties of component schemas can be marked as secrets",
        )
    })
}

/// Parses one part of the document as `T` (or as a reference to one).
fn parse_part<T: serde::de::DeserializeOwned>(value: &Value, base: &str) -> Option<Finding> {
    if as_ref(value).is_some() {
        parse_error::<openapiv3::ReferenceOr<T>>(value, base)
    } else {
        parse_error::<T>(value, base)
    }
}

/// Parses `value` as `T`; on failure, a finding at the deepest pointer the parser reports.
fn parse_error<T: serde::de::DeserializeOwned>(value: &Value, base: &str) -> Option<Finding> {
    let error = serde_path_to_error::deserialize::<_, T>(value.clone()).err()?;
    let mut pointer = base.to_owned();
    for segment in error.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => {
                pointer = join(&pointer, &index.to_string())
            }
            serde_path_to_error::Segment::Map { key } => pointer = join(&pointer, key),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    Some(finding(
        &pointer,
        format!("not valid OpenAPI 3.0: {}", error.inner()),
    ))
}

fn schema_ref(name: &str) -> String {
    format!("#/components/schemas/{}", crate::value::escape(name))
}

/// An object shaped like a response envelope: it has `ok`, or `data` next to `meta`.
fn is_envelope(schema: &Value) -> bool {
    let props = get_map(schema, "properties");
    props
        .is_some_and(|p| p.contains_key("ok") || (p.contains_key("data") && p.contains_key("meta")))
}

/// `(pointer of the $ref, reference)` for every `$ref` under `value`.
fn collect_refs(value: &Value, ptr: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Mapping(m) => {
            if let Some(r) = as_ref(value) {
                out.push((join(ptr, "$ref"), r.to_owned()));
            }
            for (key, child) in entries(m) {
                if key != "$ref" {
                    collect_refs(child, &join(ptr, key), out);
                }
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_refs(item, &join(ptr, &i.to_string()), out);
            }
        }
        _ => {}
    }
}

/// Parameters, headers and media types: the objects whose `example(s)` illustrate a `schema`
/// beside them. Recognised by having both `schema` and an example.
fn collect_example_holders<'a>(value: &'a Value, ptr: &str, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Mapping(m) => {
            let schema_beside = get(value, "schema").is_some_and(Value::is_mapping);
            if schema_beside && (m.contains_key("example") || m.contains_key("examples")) {
                out.push((ptr.to_owned(), value));
            }
            for (key, child) in entries(m) {
                // Example values are data, not documents to search.
                if !matches!(key, "example" | "examples" | "enum" | "default") {
                    collect_example_holders(child, &join(ptr, key), out);
                }
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_example_holders(item, &join(ptr, &i.to_string()), out);
            }
        }
        _ => {}
    }
}
