//! Drift: what an answer holds that the spec does not know. The schemas let both through (an
//! object may carry more fields; the decoder keeps unknown enum values), so the validator says
//! nothing; this walk of the body beside its schema finds them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
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

/// What the drift walk needs of a schema, compiled once per response schema: for each place
/// of a body, the fields declared there and the enum values listed, with every `$ref` followed
/// and every `allOf`/`anyOf`/`oneOf` merged. A body is then walked without looking anything up
/// in the spec.
#[derive(Debug)]
pub(super) struct Shapes {
    /// The root is the first.
    shapes: Vec<Shape>,
}

#[derive(Debug, Default)]
struct Shape {
    /// Whether the schemas here declare an object's fields; a free-form object does not, and
    /// nothing in it is unknown.
    declares: bool,
    properties: HashMap<String, Property>,
    /// The shape of the fields `additionalProperties` allows.
    extra: Option<usize>,
    items: Option<usize>,
    /// The values allowed here, when every alternative is an enum.
    listed: Option<Vec<Value>>,
}

#[derive(Debug)]
struct Property {
    /// Model and field (`Domain.mode`), when the field belongs to a component.
    field: Option<String>,
    shape: usize,
}

impl Shapes {
    /// Compiles `schema`, whose `$ref`s point into `document`.
    pub(super) fn compile(document: &Value, schema: &Value) -> Self {
        let mut compiler = Compiler {
            document,
            shapes: Vec::new(),
            known: HashMap::new(),
        };
        compiler.shape(&[(None, schema)], 0);
        Self {
            shapes: compiler.shapes,
        }
    }

    /// The drift in `value`.
    pub(super) fn find(&self, value: &Value) -> Vec<DriftItem> {
        let mut found = BTreeSet::new();
        if !self.shapes.is_empty() {
            self.walk(0, value, &mut String::new(), None, &mut found);
        }
        found.into_iter().collect()
    }

    fn walk(
        &self,
        at: usize,
        value: &Value,
        path: &mut String,
        field: Option<&str>,
        found: &mut BTreeSet<DriftItem>,
    ) {
        let shape = &self.shapes[at];
        match value {
            Value::Object(object) if shape.declares => {
                for (name, member) in object {
                    let length = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                    match (shape.properties.get(name), shape.extra) {
                        (Some(property), _) => {
                            self.walk(
                                property.shape,
                                member,
                                path,
                                property.field.as_deref(),
                                found,
                            );
                        }
                        (None, Some(extra)) => self.walk(extra, member, path, None, found),
                        (None, None) => {
                            found.insert(DriftItem::UnknownField { path: path.clone() });
                        }
                    }
                    path.truncate(length);
                }
            }
            Value::Array(items) => {
                if let Some(item) = shape.items {
                    let length = path.len();
                    path.push_str("[]");
                    for value in items {
                        self.walk(item, value, path, field, found);
                    }
                    path.truncate(length);
                }
            }
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                if let Some(listed) = &shape.listed {
                    if !listed.contains(value) {
                        let text = match value {
                            Value::String(text) => text.clone(),
                            other => other.to_string(),
                        };
                        found.insert(DriftItem::NewEnumValue {
                            value: text,
                            field: field.map_or_else(|| display_path(path), str::to_owned),
                        });
                    }
                }
            }
            Value::Object(_) | Value::Null => {}
        }
    }
}

struct Compiler<'a> {
    document: &'a Value,
    shapes: Vec<Shape>,
    /// The shape compiled for each set of schemas, by their addresses: shared parts of the
    /// spec are compiled once, and a cyclic schema ends.
    known: HashMap<Vec<usize>, usize>,
}

/// A schema, with the model it belongs to when it came from a component.
type Facet<'a> = (Option<&'a str>, &'a Value);

impl<'a> Compiler<'a> {
    /// The shape of a place where a value must match `schemas` (alternatives).
    fn shape(&mut self, schemas: &[Facet<'a>], depth: usize) -> usize {
        let mut facets = Vec::new();
        for &(owner, schema) in schemas {
            self.flatten(owner, schema, &mut facets, depth);
        }
        let key: Vec<usize> = facets
            .iter()
            .map(|(_, schema)| std::ptr::from_ref::<Value>(schema) as usize)
            .collect();
        if let Some(&known) = self.known.get(&key) {
            return known;
        }
        let id = self.shapes.len();
        self.shapes.push(Shape::default());
        self.known.insert(key, id);
        if depth > MAX_DEPTH {
            return id;
        }

        let items: Vec<Facet<'a>> = facets
            .iter()
            .filter_map(|&(owner, s)| s.get("items").map(|items| (owner, items)))
            .collect();
        let items = (!items.is_empty()).then(|| self.shape(&items, depth + 1));

        let extras: Vec<Facet<'a>> = facets
            .iter()
            .filter_map(|&(owner, s)| {
                let extra = s.get("additionalProperties").filter(|e| e.is_object())?;
                Some((owner, extra))
            })
            .collect();
        let declares = facets
            .iter()
            .any(|(_, s)| s.get("properties").is_some() || s.get("additionalProperties").is_some());
        let names: BTreeSet<&'a String> = facets
            .iter()
            .filter_map(|(_, s)| s.get("properties").and_then(Value::as_object))
            .flat_map(serde_json::Map::keys)
            .collect();
        let mut properties = HashMap::new();
        for name in names {
            let mut inner = Vec::new();
            let mut field = None;
            for &(owner, schema) in &facets {
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
            let shape = self.shape(&inner, depth + 1);
            properties.insert(name.clone(), Property { field, shape });
        }
        let extra = (!extras.is_empty()).then(|| self.shape(&extras, depth + 1));

        let lists: Vec<&Vec<Value>> = facets
            .iter()
            .filter_map(|(_, s)| s.get("enum").and_then(Value::as_array))
            .collect();
        let other_kind = facets
            .iter()
            .any(|(_, s)| s.get("enum").is_none() && s.get("type").is_some());
        let listed = (!lists.is_empty() && !other_kind)
            .then(|| lists.into_iter().flatten().cloned().collect());

        self.shapes[id] = Shape {
            declares,
            properties,
            extra,
            items,
            listed,
        };
        id
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
