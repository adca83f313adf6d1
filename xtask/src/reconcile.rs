//! Reconciles our `openapi.yaml` with the converted upstream document.
//!
//! Structure (operations, parameters, fields, types, enum values, required lists) comes from
//! upstream; words and decisions come from us: operation ids, summaries, descriptions, examples,
//! titles and `x-` extensions, our tags and their descriptions, and the components upstream
//! knows nothing of (security schemes, shared headers and responses). Removed items go, new
//! ones arrive with the [`MARKER`] description where we would write one. At a pointer listed in
//! [`Differences`] our version wins outright.
//!
//! Key order is ours; a new key is placed after the key that precedes it upstream.

use std::collections::BTreeSet;

use serde_norway::{Mapping, Value};

use crate::convert::METHODS;
use crate::intentional::Differences;
use crate::tables::MARKER;
use crate::value::{as_ref, entries, get, join, map, s};

/// The reconciled document and which listed differences it kept.
#[derive(Debug)]
pub struct Reconciled {
    /// The document to write back.
    pub document: Value,
    /// Pointers of listed differences where ours and upstream really differ.
    pub kept: BTreeSet<String>,
}

/// Reconciles `ours` with `upstream` (already converted to our dialect).
pub fn reconcile(ours: &Value, upstream: &Value, differences: &Differences) -> Reconciled {
    let mut merger = Merger {
        differences,
        kept: BTreeSet::new(),
    };
    let document = merger.document(ours, upstream);
    Reconciled {
        document,
        kept: merger.kept,
    }
}

/// What a node is, which decides how its children merge.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Paths,
    PathItem,
    Operation,
    Parameters,
    Parameter,
    RequestBody,
    Content,
    MediaType,
    Responses,
    Response,
    Headers,
    Header,
    SchemaMap,
    ParameterMap,
    /// A component schema: gets the marker when new.
    SchemaComponent,
    /// A property of an existing schema: gets the marker when new.
    Property,
    Schema,
    Properties,
    SchemaList,
    Required,
    Leaf,
}

impl Kind {
    /// Mappings keyed by names (paths, property names, status codes…) rather than keywords.
    fn is_named_map(self) -> bool {
        matches!(
            self,
            Kind::Paths
                | Kind::Content
                | Kind::Responses
                | Kind::Headers
                | Kind::SchemaMap
                | Kind::ParameterMap
                | Kind::Properties
        )
    }

    fn is_schema(self) -> bool {
        matches!(self, Kind::SchemaComponent | Kind::Property | Kind::Schema)
    }

    fn child(self, key: &str) -> Kind {
        match (self, key) {
            (Kind::Paths, _) => Kind::PathItem,
            (Kind::PathItem, "parameters") => Kind::Parameters,
            (Kind::PathItem, m) if METHODS.contains(&m) => Kind::Operation,
            (Kind::Operation, "parameters") => Kind::Parameters,
            (Kind::Operation, "requestBody") => Kind::RequestBody,
            (Kind::Operation, "responses") => Kind::Responses,
            (Kind::Parameters, _) | (Kind::ParameterMap, _) => Kind::Parameter,
            (Kind::Parameter | Kind::MediaType | Kind::Header, "schema") => Kind::Schema,
            (Kind::Parameter | Kind::RequestBody | Kind::Response | Kind::Header, "content") => {
                Kind::Content
            }
            (Kind::Content, _) => Kind::MediaType,
            (Kind::Responses, _) => Kind::Response,
            (Kind::Response, "headers") => Kind::Headers,
            (Kind::Headers, _) => Kind::Header,
            (Kind::SchemaMap, _) => Kind::SchemaComponent,
            (Kind::Properties, _) => Kind::Property,
            (Kind::SchemaList, _) => Kind::Schema,
            (k, "properties") if k.is_schema() => Kind::Properties,
            (k, "items" | "additionalProperties" | "not") if k.is_schema() => Kind::Schema,
            (k, "allOf" | "oneOf" | "anyOf") if k.is_schema() => Kind::SchemaList,
            (k, "required") if k.is_schema() => Kind::Required,
            _ => Kind::Leaf,
        }
    }
}

/// Keys whose values are ours wherever they appear (outside name-keyed maps).
fn is_ours(kind: Kind, key: &str) -> bool {
    key.starts_with("x-")
        || matches!(
            key,
            "description" | "summary" | "title" | "example" | "examples" | "externalDocs"
        )
        || (kind == Kind::Operation && key == "operationId")
}

struct Merger<'a> {
    differences: &'a Differences,
    kept: BTreeSet<String>,
}

impl Merger<'_> {
    fn document(&mut self, ours: &Value, upstream: &Value) -> Value {
        let mut doc = ours.as_mapping().cloned().unwrap_or_default();

        if let Some(tags) = self.tags(get(ours, "tags"), get(upstream, "tags")) {
            set_after(&mut doc, "tags", tags, "openapi");
        }
        match self.node(
            get(ours, "paths"),
            get(upstream, "paths"),
            "/paths",
            Kind::Paths,
        ) {
            Some(paths) => set_after(&mut doc, "paths", paths, "tags"),
            None => {
                doc.shift_remove("paths");
            }
        }

        let empty = Value::Mapping(Mapping::new());
        let ours_components = get(ours, "components").unwrap_or(&empty);
        let up_components = get(upstream, "components").unwrap_or(&empty);
        let mut components = ours_components.as_mapping().cloned().unwrap_or_default();
        for (section, kind) in [
            ("parameters", Kind::ParameterMap),
            ("schemas", Kind::SchemaMap),
        ] {
            let ptr = join("/components", section);
            let ours_section = get(ours_components, section);
            match self.node(ours_section, get(up_components, section), &ptr, kind) {
                // An empty section we never had is not worth adding.
                Some(Value::Mapping(m)) if m.is_empty() && ours_section.is_none() => {}
                Some(merged) => set_after(&mut components, section, merged, ""),
                None => {
                    components.shift_remove(section);
                }
            }
        }
        // Ours entirely; upstream only adds what its references need.
        for section in ["securitySchemes", "headers", "responses"] {
            if let Some(Value::Mapping(up)) = get(up_components, section)
                .filter(|s| s.as_mapping().is_some_and(|m| !m.is_empty()))
            {
                let mut merged = get(ours_components, section)
                    .and_then(Value::as_mapping)
                    .cloned()
                    .unwrap_or_default();
                for (key, value) in up {
                    if !merged.contains_key(key) {
                        let ptr = join(&join("/components", section), key.as_str().unwrap_or(""));
                        if self.listed(&ptr, None, Some(value)) {
                            continue;
                        }
                        merged = insert_after_predecessor(merged, up, key, value.clone());
                    }
                }
                set_after(&mut components, section, Value::Mapping(merged), "");
            }
        }
        if !components.is_empty() {
            set_after(&mut doc, "components", Value::Mapping(components), "");
        }
        Value::Mapping(doc)
    }

    /// Our tags, plus a described-later entry for each tag new operations use.
    fn tags(&mut self, ours: Option<&Value>, upstream: Option<&Value>) -> Option<Value> {
        let mut tags = ours
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default();
        let known: BTreeSet<String> = tags
            .iter()
            .filter_map(|t| get(t, "name").and_then(Value::as_str).map(str::to_owned))
            .collect();
        for tag in upstream.and_then(Value::as_sequence).into_iter().flatten() {
            let Some(name) = get(tag, "name").and_then(Value::as_str) else {
                continue;
            };
            if !known.contains(name) {
                tags.push(map([("name", s(name)), ("description", s(MARKER))]));
            }
        }
        (ours.is_some() || !tags.is_empty()).then_some(Value::Sequence(tags))
    }

    /// Whether `ptr` is a listed difference; if so, records it when it really differs.
    fn listed(&mut self, ptr: &str, ours: Option<&Value>, upstream: Option<&Value>) -> bool {
        if !self.differences.contains(ptr) {
            return false;
        }
        if ours != upstream {
            self.kept.insert(ptr.to_owned());
        }
        true
    }

    fn node(
        &mut self,
        ours: Option<&Value>,
        upstream: Option<&Value>,
        ptr: &str,
        kind: Kind,
    ) -> Option<Value> {
        if self.listed(ptr, ours, upstream) {
            return ours.cloned();
        }
        match (ours, upstream) {
            (None, None) => None,
            (Some(o), None) => {
                // Gone upstream, but listed parts below it stay.
                if !self.differences.has_below(ptr) {
                    return None;
                }
                let empty = match o {
                    Value::Mapping(_) => Value::Mapping(Mapping::new()),
                    Value::Sequence(_) => Value::Sequence(Vec::new()),
                    _ => return None,
                };
                Some(self.merge(o, &empty, ptr, kind))
            }
            (None, Some(u)) => Some(self.fresh(u, ptr, kind)),
            (Some(o), Some(u)) => Some(self.merge(o, u, ptr, kind)),
        }
    }

    fn merge(&mut self, ours: &Value, upstream: &Value, ptr: &str, kind: Kind) -> Value {
        match kind {
            // Equal maps may list their keys in another order; ours stays then.
            Kind::Leaf if ours == upstream => ours.clone(),
            Kind::Leaf => upstream.clone(),
            Kind::Required => {
                // A set: our order stands when the members are the same.
                let set = |v: &Value| -> BTreeSet<String> {
                    v.as_sequence()
                        .into_iter()
                        .flatten()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                };
                if set(ours) == set(upstream) {
                    ours.clone()
                } else {
                    upstream.clone()
                }
            }
            Kind::Parameters => self.parameters(ours, upstream, ptr),
            Kind::SchemaList => match (ours.as_sequence(), upstream.as_sequence()) {
                (Some(o), Some(u)) if o.len() == u.len() => Value::Sequence(
                    o.iter()
                        .zip(u)
                        .enumerate()
                        .filter_map(|(i, (o, u))| {
                            self.node(Some(o), Some(u), &join(ptr, &i.to_string()), Kind::Schema)
                        })
                        .collect(),
                ),
                _ => upstream.clone(),
            },
            _ => self.mapping(ours, upstream, ptr, kind),
        }
    }

    fn mapping(&mut self, ours: &Value, upstream: &Value, ptr: &str, kind: Kind) -> Value {
        let (Some(o), Some(u)) = (ours.as_mapping(), upstream.as_mapping()) else {
            return upstream.clone();
        };
        let unwrapped;
        let o = if kind.is_schema() {
            unwrapped = unwrap_described_ref(o);
            &unwrapped
        } else {
            o
        };
        let named = kind.is_named_map();
        let mut result = Mapping::new();
        for (key, value) in o {
            let Some(name) = key.as_str() else { continue };
            if !named && is_ours(kind, name) {
                result.insert(key.clone(), value.clone());
                continue;
            }
            if let Some(merged) =
                self.node(Some(value), u.get(key), &join(ptr, name), kind.child(name))
            {
                result.insert(key.clone(), merged);
            }
        }
        for (key, value) in u {
            let Some(name) = key.as_str() else { continue };
            if o.contains_key(key) {
                continue;
            }
            let merged = if !named && is_ours(kind, name) {
                Some(value.clone())
            } else {
                self.node(None, Some(value), &join(ptr, name), kind.child(name))
            };
            if let Some(merged) = merged {
                result = if kind == Kind::Paths {
                    insert_beside_siblings(result, u, key, merged)
                } else {
                    insert_after_predecessor(result, u, key, merged)
                };
            }
        }
        let result = Value::Mapping(result);
        if kind.is_schema() {
            wrap_described_ref(result)
        } else {
            result
        }
    }

    /// Parameters match by `$ref`, or by `in` + `name`.
    fn parameters(&mut self, ours: &Value, upstream: &Value, ptr: &str) -> Value {
        let (Some(o), Some(u)) = (ours.as_sequence(), upstream.as_sequence()) else {
            return upstream.clone();
        };
        let mut result: Vec<(Option<String>, Value)> = Vec::new();
        for (i, param) in o.iter().enumerate() {
            let id = parameter_id(param);
            let theirs = u.iter().find(|p| parameter_id(p) == id);
            if let Some(merged) = self.node(
                Some(param),
                theirs,
                &join(ptr, &i.to_string()),
                Kind::Parameter,
            ) {
                result.push((id, merged));
            }
        }
        for (i, param) in u.iter().enumerate() {
            let id = parameter_id(param);
            if o.iter().any(|p| parameter_id(p) == id) {
                continue;
            }
            let fresh = self.fresh(
                param,
                &join(ptr, &format!("{}", result.len())),
                Kind::Parameter,
            );
            // After the closest earlier upstream parameter we kept.
            let position = u[..i]
                .iter()
                .rev()
                .find_map(|p| {
                    let pid = parameter_id(p);
                    result.iter().position(|(id, _)| *id == pid)
                })
                .map_or(0, |at| at + 1);
            result.insert(position, (id, fresh));
        }
        Value::Sequence(result.into_iter().map(|(_, v)| v).collect())
    }

    /// A node new upstream, with marker descriptions where we would write ours.
    fn fresh(&mut self, upstream: &Value, ptr: &str, kind: Kind) -> Value {
        match kind {
            Kind::Paths
            | Kind::PathItem
            | Kind::Responses
            | Kind::SchemaMap
            | Kind::ParameterMap => {
                let Some(m) = upstream.as_mapping() else {
                    return upstream.clone();
                };
                let mut out = Mapping::new();
                for (key, value) in m {
                    let child_ptr = join(ptr, key.as_str().unwrap_or(""));
                    if self.listed(&child_ptr, None, Some(value)) {
                        continue;
                    }
                    out.insert(
                        key.clone(),
                        self.fresh(value, &child_ptr, kind.child(key.as_str().unwrap_or(""))),
                    );
                }
                Value::Mapping(out)
            }
            Kind::Operation => {
                let Some(m) = upstream.as_mapping() else {
                    return upstream.clone();
                };
                let mut out = Mapping::new();
                for (key, value) in m {
                    let name = key.as_str().unwrap_or("");
                    let value = match name {
                        "parameters" => Value::Sequence(
                            value
                                .as_sequence()
                                .into_iter()
                                .flatten()
                                .enumerate()
                                .map(|(i, p)| {
                                    self.fresh(
                                        p,
                                        &join(&join(ptr, name), &i.to_string()),
                                        Kind::Parameter,
                                    )
                                })
                                .collect(),
                        ),
                        "requestBody" => self.fresh(value, &join(ptr, name), Kind::RequestBody),
                        _ => value.clone(),
                    };
                    out.insert(key.clone(), value);
                    if name == "operationId" {
                        out.insert(s("summary"), s(MARKER));
                        out.insert(s("description"), s(MARKER));
                    }
                }
                Value::Mapping(out)
            }
            Kind::Parameter | Kind::RequestBody if as_ref(upstream).is_none() => {
                let mut out = upstream.as_mapping().cloned().unwrap_or_default();
                if !out.contains_key("description") {
                    out.insert(s("description"), s(MARKER));
                }
                Value::Mapping(out)
            }
            Kind::SchemaComponent | Kind::Property => with_description(upstream.clone(), MARKER),
            _ => upstream.clone(),
        }
    }
}

/// Identity of a parameter within an operation.
fn parameter_id(param: &Value) -> Option<String> {
    if let Some(r) = as_ref(param) {
        return Some(format!("ref {r}"));
    }
    let location = get(param, "in")?.as_str()?;
    let name = get(param, "name")?.as_str()?;
    let name = if location == "header" {
        name.to_ascii_lowercase()
    } else {
        name.to_owned()
    };
    Some(format!("{location} {name}"))
}

/// Inserts `key: value` into `result` after the nearest key that precedes `key` in `order`
/// and is already in `result`; at the front when there is none.
fn insert_after_predecessor(
    result: Mapping,
    order: &Mapping,
    key: &Value,
    value: Value,
) -> Mapping {
    let keys: Vec<&Value> = order.keys().collect();
    let index = keys.iter().position(|k| *k == key).unwrap_or(keys.len());
    let anchor = keys[..index]
        .iter()
        .rev()
        .find(|k| result.contains_key(**k))
        .copied();
    let mut out = Mapping::new();
    if anchor.is_none() {
        out.insert(key.clone(), value.clone());
    }
    for (k, v) in result {
        let is_anchor = Some(&k) == anchor;
        out.insert(k, v);
        if is_anchor {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

/// Inserts a new path among the paths that share most of its leading segments, in
/// alphabetical place among them (`/domains/{id}/events` between `/domains/{id}` and
/// `/domains/{id}/filters`), wherever the vendor put it; a path with no relative anywhere goes
/// after its upstream predecessor.
fn insert_beside_siblings(result: Mapping, order: &Mapping, key: &Value, value: Value) -> Mapping {
    let Some(path) = key.as_str() else {
        return insert_after_predecessor(result, order, key, value);
    };
    let segments = |p: &str| {
        p.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let mine = segments(path);
    let shared = |other: &str| {
        mine.iter()
            .zip(segments(other))
            .take_while(|(a, b)| *a == b)
            .count()
    };
    let best = result
        .keys()
        .filter_map(Value::as_str)
        .map(shared)
        .max()
        .unwrap_or(0);
    if best == 0 {
        return insert_after_predecessor(result, order, key, value);
    }
    let family: Vec<String> = result
        .keys()
        .filter_map(Value::as_str)
        .filter(|k| shared(k) == best)
        .map(str::to_owned)
        .collect();
    // After the last relative that sorts before it, else before the first relative.
    let anchor = family.iter().rfind(|k| k.as_str() < path);
    let first = family.first();
    let mut out = Mapping::new();
    let mut value = Some(value);
    for (k, v) in result {
        let name = k.as_str().map(str::to_owned);
        if anchor.is_none() && name.as_ref() == first {
            if let Some(v) = value.take() {
                out.insert(key.clone(), v);
            }
        }
        out.insert(k, v);
        if anchor.is_some() && name.as_ref() == anchor {
            if let Some(v) = value.take() {
                out.insert(key.clone(), v);
            }
        }
    }
    if let Some(v) = value {
        out.insert(key.clone(), v);
    }
    out
}

/// Sets `key` in place if present, else right after `after` (or at the end).
fn set_after(m: &mut Mapping, key: &str, value: Value, after: &str) {
    if let Some(slot) = m.get_mut(key) {
        *slot = value;
        return;
    }
    let mut value = Some(value);
    let mut out = Mapping::new();
    for (k, v) in std::mem::take(m) {
        let is_after = k.as_str() == Some(after);
        out.insert(k, v);
        if is_after {
            if let Some(v) = value.take() {
                out.insert(s(key), v);
            }
        }
    }
    if let Some(v) = value {
        out.insert(s(key), v);
    }
    *m = out;
}

/// `{allOf: [{$ref}], description…}` (our way to describe a reference in 3.0) →
/// `{$ref, description…}`, so it merges like the plain reference upstream has.
fn unwrap_described_ref(m: &Mapping) -> Mapping {
    let single_ref = match m
        .get("allOf")
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
    {
        Some([member])
            if member.as_mapping().is_some_and(|x| x.len() == 1) && as_ref(member).is_some() =>
        {
            member
        }
        _ => return m.clone(),
    };
    let only_words = entries(m).all(|(k, _)| k == "allOf" || is_ours(Kind::Schema, k));
    if !only_words {
        return m.clone();
    }
    m.iter()
        .map(|(k, v)| {
            if k.as_str() == Some("allOf") {
                (
                    s("$ref"),
                    single_ref.get("$ref").cloned().unwrap_or(Value::Null),
                )
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

/// The reverse of [`unwrap_described_ref`]: a `$ref` with words beside it is wrapped in `allOf`.
fn wrap_described_ref(value: Value) -> Value {
    let Value::Mapping(m) = value else {
        return value;
    };
    if !m.contains_key("$ref") || m.len() == 1 {
        return Value::Mapping(m);
    }
    m.into_iter()
        .map(|(k, v)| {
            if k.as_str() == Some("$ref") {
                (s("allOf"), Value::Sequence(vec![map([("$ref", v)])]))
            } else {
                (k, v)
            }
        })
        .collect::<Mapping>()
        .into()
}

/// Adds `text` as the description of a schema (wrapping a bare reference).
fn with_description(schema: Value, text: &str) -> Value {
    let Value::Mapping(mut m) = schema else {
        return schema;
    };
    if !m.contains_key("description") {
        m.insert(s("description"), s(text));
    }
    wrap_described_ref(Value::Mapping(m))
}
