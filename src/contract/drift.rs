//! Drift: what an answer holds that the spec does not know. The schemas let both through (an
//! object may carry more fields; the decoder keeps unknown enum values), so the validator says
//! nothing; this walk of the body beside its schema finds them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

/// Deeper than any answer of the spec; a cyclic schema stops here.
const MAX_DEPTH: usize = 32;

const COMPONENTS: &str = "#/components/schemas/";

/// One thing an answer holds that the spec does not know.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DriftItem {
    /// A field no schema declares, by its path in the body (`data.items[].foo`).
    UnknownField {
        /// Path of the field: names joined by `.`, `[]` for the items of an array.
        path: String,
    },
    /// An enum value the spec does not list.
    NewEnumValue {
        /// The value.
        value: String,
        /// The field holding it, as model and field (`Domain.mode`), or its path in the body.
        field: String,
    },
}

impl fmt::Display for DriftItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownField { path } => write!(f, "unknown field {path}"),
            Self::NewEnumValue { value, field } => write!(f, "new value {value:?} for {field}"),
        }
    }
}

/// Drift by operation id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drift {
    by_operation: BTreeMap<String, BTreeSet<DriftItem>>,
}

impl Drift {
    pub(super) fn from_map(by_operation: BTreeMap<String, BTreeSet<DriftItem>>) -> Self {
        Self { by_operation }
    }

    /// Whether nothing new was seen.
    pub fn is_empty(&self) -> bool {
        self.by_operation.values().all(BTreeSet::is_empty)
    }

    /// The operations with drift, each with what was seen, sorted.
    pub fn operations(&self) -> impl Iterator<Item = (&str, &BTreeSet<DriftItem>)> {
        self.by_operation
            .iter()
            .map(|(operation, items)| (operation.as_str(), items))
    }

    /// What was seen in the answers of `operation`.
    pub fn of(&self, operation: &str) -> Vec<&DriftItem> {
        self.by_operation
            .get(operation)
            .into_iter()
            .flatten()
            .collect()
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (operation, items) in self.operations() {
            writeln!(f, "{operation}: the API has moved on from openapi.yaml:")?;
            for item in items {
                writeln!(f, "  {item}")?;
            }
        }
        Ok(())
    }
}

/// The drift in `value`, checked against `schema` (whose `$ref`s point into `document`).
pub(super) fn find(document: &Value, schema: &Value, value: &Value) -> Vec<DriftItem> {
    let mut walk = Walk {
        document,
        found: BTreeSet::new(),
    };
    walk.visit(&[(None, schema)], value, "", None, 0);
    walk.found.into_iter().collect()
}

struct Walk<'a> {
    document: &'a Value,
    found: BTreeSet<DriftItem>,
}

/// A schema the value must match, with the model it belongs to when it came from a component.
type Facet<'a> = (Option<&'a str>, &'a Value);

impl<'a> Walk<'a> {
    /// `schemas` are the alternatives at this place of the body, `path` its place, `field`
    /// its name as model and field when known.
    fn visit(
        &mut self,
        schemas: &[Facet<'a>],
        value: &Value,
        path: &str,
        field: Option<&str>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let mut facets = Vec::new();
        for &(owner, schema) in schemas {
            self.flatten(owner, schema, &mut facets, depth);
        }
        match value {
            Value::Object(object) => self.object(&facets, object, path, depth),
            Value::Array(items) => {
                let inner: Vec<Facet<'a>> = facets
                    .iter()
                    .filter_map(|&(owner, s)| s.get("items").map(|items| (owner, items)))
                    .collect();
                if inner.is_empty() {
                    return;
                }
                let path = format!("{path}[]");
                for item in items {
                    self.visit(&inner, item, &path, field, depth + 1);
                }
            }
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                let listed: Vec<&Vec<Value>> = facets
                    .iter()
                    .filter_map(|(_, s)| s.get("enum").and_then(Value::as_array))
                    .collect();
                let declares_other_kind = facets
                    .iter()
                    .any(|(_, s)| s.get("enum").is_none() && s.get("type").is_some());
                if !listed.is_empty()
                    && !declares_other_kind
                    && !listed.iter().any(|values| values.contains(value))
                {
                    let text = match value {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    self.found.insert(DriftItem::NewEnumValue {
                        value: text,
                        field: field.map_or_else(|| display_path(path), str::to_owned),
                    });
                }
            }
            Value::Null => {}
        }
    }

    fn object(
        &mut self,
        facets: &[Facet<'a>],
        object: &serde_json::Map<String, Value>,
        path: &str,
        depth: usize,
    ) {
        let declaring: Vec<Facet<'a>> = facets
            .iter()
            .copied()
            .filter(|(_, s)| {
                s.get("properties").is_some() || s.get("additionalProperties").is_some()
            })
            .collect();
        if declaring.is_empty() {
            // A free-form object: nothing to compare with.
            return;
        }
        for (name, member) in object {
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            let mut inner = Vec::new();
            let mut field = None;
            for &(owner, schema) in &declaring {
                if let Some(property) = schema.get("properties").and_then(|p| p.get(name)) {
                    inner.push((owner, property));
                    if field.is_none() {
                        field = owner.map(|owner| format!("{owner}.{name}"));
                    }
                } else if let Some(extra) = schema
                    .get("additionalProperties")
                    .filter(|extra| extra.is_object())
                {
                    inner.push((owner, extra));
                }
            }
            if inner.is_empty() {
                self.found.insert(DriftItem::UnknownField { path: child });
                continue;
            }
            self.visit(&inner, member, &child, field.as_deref(), depth + 1);
        }
    }

    /// Follows `$ref`s and opens `allOf`/`anyOf`/`oneOf`, down to the schemas that say what a
    /// value holds.
    fn flatten(
        &self,
        owner: Option<&'a str>,
        schema: &'a Value,
        into: &mut Vec<Facet<'a>>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.strip_prefix(COMPONENTS);
            if let Some(target) = reference
                .strip_prefix('#')
                .and_then(|pointer| self.document.pointer(pointer))
            {
                self.flatten(name.or(owner), target, into, depth + 1);
            }
            return;
        }
        let mut composed = false;
        for key in ["allOf", "anyOf", "oneOf"] {
            for part in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                composed = true;
                self.flatten(owner, part, into, depth + 1);
            }
        }
        let only_null = schema.get("type").and_then(Value::as_str) == Some("null");
        if !only_null && (!composed || schema.get("properties").is_some()) {
            into.push((owner, schema));
        }
    }
}

/// A body path for a message: the body itself has no name.
fn display_path(path: &str) -> String {
    if path.is_empty() {
        "the body".to_owned()
    } else {
        path.to_owned()
    }
}
