//! Small helpers over [`serde_norway::Value`], the order-preserving tree every task works on, and
//! JSON pointers into it.

use serde_norway::{Mapping, Value};

/// A string key or value.
pub fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

/// The value under `key` when `value` is a mapping.
pub fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value.as_mapping()?.get(key)
}

/// The string under `key` when `value` is a mapping and the entry is a string.
pub fn get_str<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    get(value, key)?.as_str()
}

/// The mapping under `key`.
pub fn get_map<'a>(value: &'a Value, key: &str) -> Option<&'a Mapping> {
    get(value, key)?.as_mapping()
}

/// Iterates the string-keyed entries of a mapping; other keys do not occur in OpenAPI.
pub fn entries(map: &Mapping) -> impl Iterator<Item = (&str, &Value)> {
    map.iter().filter_map(|(k, v)| Some((k.as_str()?, v)))
}

/// Builds a mapping from string keys, keeping their order.
pub fn map<const N: usize>(items: [(&str, Value); N]) -> Value {
    let mut m = Mapping::new();
    for (k, v) in items {
        m.insert(s(k), v);
    }
    Value::Mapping(m)
}

/// `{$ref: #/components/<section>/<name>}`.
pub fn reference(section: &str, name: &str) -> Value {
    map([("$ref", s(&format!("#/components/{section}/{name}")))])
}

/// The last segment of a local `$ref` (`#/components/schemas/Domain` → `Domain`).
pub fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// The `$ref` of a pure reference object, if `value` is one.
pub fn as_ref(value: &Value) -> Option<&str> {
    get_str(value, "$ref")
}

/// Escapes one JSON-pointer segment (`/` → `~1`, `~` → `~0`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Un-escapes one JSON-pointer segment.
pub fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Appends a segment to a pointer.
pub fn join(pointer: &str, segment: &str) -> String {
    format!("{pointer}/{}", escape(segment))
}

/// Resolves a JSON pointer (`/a/b/0`) against `root`.
pub fn resolve<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    let mut node = root;
    for raw in pointer.strip_prefix('/')?.split('/') {
        let segment = unescape(raw);
        node = match node {
            Value::Mapping(m) => m.get(segment.as_str())?,
            Value::Sequence(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Resolves a local `$ref` (`#/components/...`) against `root`.
pub fn resolve_ref<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    resolve(root, reference.strip_prefix('#')?)
}

/// Follows `$ref`s (a few hops at most, so a cycle cannot hang) until a non-reference object.
pub fn deref<'a>(root: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match as_ref(value).and_then(|r| resolve_ref(root, r)) {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

/// A short, one-line rendering of a value for messages.
pub fn brief(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(text) => format!("`{text}`"),
        Value::Sequence(items) => {
            let parts: Vec<String> = items.iter().map(brief).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Mapping(m) => {
            let nullable = if get(value, "nullable") == Some(&Value::Bool(true)) {
                ", nullable"
            } else {
                ""
            };
            if let Some(r) = as_ref(value) {
                return format!("$ref {}", ref_name(r));
            }
            if let Some(t) = get_str(value, "type") {
                let format = get_str(value, "format")
                    .map(|f| format!(", format {f}"))
                    .unwrap_or_default();
                return format!("type {t}{format}{nullable}");
            }
            if let Some(Value::Sequence(all)) = get(value, "allOf") {
                if let [single] = all.as_slice() {
                    return format!("allOf [{}]{nullable}", brief(single));
                }
            }
            let keys: Vec<&str> = entries(m).map(|(k, _)| k).collect();
            format!("{{{}}}", keys.join(", "))
        }
        Value::Tagged(t) => brief(&t.value),
    }
}

/// Parses YAML text into a tree, naming the document in the error.
pub fn parse_yaml(text: &str, what: &str) -> crate::Result<Value> {
    serde_norway::from_str(text).map_err(|e| crate::Error::Parse {
        what: what.to_owned(),
        message: e.to_string(),
    })
}

/// Parses JSON text into the same order-preserving tree (the JSON parser drives the YAML
/// value's visitor, so key order is the file's).
pub fn parse_json(text: &str, what: &str) -> crate::Result<Value> {
    serde_json::from_str(text).map_err(|e| crate::Error::Parse {
        what: what.to_owned(),
        message: e.to_string(),
    })
}
