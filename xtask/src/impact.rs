//! What a change of the spec means for code using the crate: each [`Change`] of the drift
//! report becomes one or more [`Effect`]s, breaking or additive, naming the Rust item it
//! touches (`Client::get_provider_usage`, `types::Provider::smtp_port`).
//!
//! The rule: whatever can make code that compiled and worked before stop compiling or stop
//! decoding answers is breaking (a removed operation, field, type, parameter or enum value; a
//! changed or narrowed type; a new required field or parameter). Whatever only offers more (a new
//! operation, type, optional field or parameter, enum value) is additive. A change the rules do
//! not recognise counts as breaking, so nothing breaking passes as harmless.

use std::fmt;

use serde_norway::Value;

use crate::convert::METHODS;
use crate::report::{Change, ChangeKind};
use crate::value::{as_ref, deref, get, get_str, join, ref_name, resolve, unescape};

/// Whether code using the crate has to change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Code that compiled and worked may stop compiling or decoding.
    Breaking,
    /// Only more is offered.
    Additive,
}

/// One consequence of the drift for code using the crate.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Effect {
    /// Breaking or additive.
    pub impact: Impact,
    /// The Rust item and what happens to it.
    pub text: String,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The effects of `change`, found by looking at the spec before (`current`) and after
/// (`refreshed`) the refresh.
pub fn effects(change: &Change, current: &Value, refreshed: &Value) -> Vec<Effect> {
    let segments: Vec<String> = change.pointer.split('/').skip(1).map(unescape).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let docs = Docs { current, refreshed };
    let kind = change.kind;
    match segments.as_slice() {
        ["paths", path] => {
            let doc = docs.for_kind(kind);
            let item = resolve(doc, &change.pointer);
            METHODS
                .iter()
                .filter_map(|m| item.and_then(|i| get(i, m)).map(|op| (m, op)))
                .map(|(method, op)| operation_effect(kind, op, method, path))
                .collect()
        }
        ["paths", path, method] if METHODS.contains(method) => {
            let doc = docs.for_kind(kind);
            let op = resolve(doc, &change.pointer).unwrap_or(&Value::Null);
            vec![operation_effect(kind, op, method, path)]
        }
        ["paths", path, method, rest @ ..] if METHODS.contains(method) => {
            let op_ptr = join(&join("/paths", path), method);
            let method_name = docs
                .either(&op_ptr)
                .and_then(|op| get_str(op, "operationId"))
                .map_or_else(
                    || format!("Client ({} {path})", method.to_uppercase()),
                    |id| format!("Client::{id}"),
                );
            vec![operation_part(
                kind,
                &docs,
                change,
                &op_ptr,
                &method_name,
                rest,
            )]
        }
        ["components", "schemas", name] => vec![match kind {
            ChangeKind::Added => additive(format!("types::{name} added")),
            ChangeKind::Removed => breaking(format!("types::{name} removed")),
            ChangeKind::Changed => breaking(format!("types::{name} changed: {}", change.detail)),
        }],
        ["components", "schemas", name, "enum"] => vec![match kind {
            ChangeKind::Added => additive(format!("types::{name}: + {}", plain(&change.detail))),
            ChangeKind::Removed => breaking(format!("types::{name}: − {}", plain(&change.detail))),
            ChangeKind::Changed => additive(format!("types::{name}: values reordered")),
        }],
        // The order of the required list means nothing to the generated code.
        ["components", "schemas", _, "required"] if kind == ChangeKind::Changed => Vec::new(),
        ["components", "schemas", name, "required"] => {
            let field = plain(&change.detail);
            let schema_ptr = join("/components/schemas", name);
            let prop_ptr = join(&join(&schema_ptr, "properties"), &field);
            // A field that comes or goes is reported as such; only a field that stays changes
            // by becoming required or optional.
            let (Some(before), Some(after)) =
                (resolve(current, &prop_ptr), resolve(refreshed, &prop_ptr))
            else {
                return Vec::new();
            };
            let before = rust_type(before, kind != ChangeKind::Added);
            let after = rust_type(after, kind == ChangeKind::Added);
            vec![breaking(format!(
                "types::{name}::{}: {before} → {after}",
                rust_field(&field)
            ))]
        }
        ["components", "schemas", name, "properties", field, rest @ ..] => {
            vec![property_effect(kind, &docs, name, field, rest)]
        }
        ["components", "schemas", name, ..] => vec![match kind {
            ChangeKind::Added => breaking(format!(
                "types::{name} gains a constraint or shape: {}",
                change.detail
            )),
            ChangeKind::Removed => breaking(format!("types::{name} loses {}", change.detail)),
            ChangeKind::Changed => breaking(format!("types::{name} changed: {}", change.detail)),
        }],
        _ => vec![match kind {
            ChangeKind::Added => additive(format!("{}: {} added", change.scope, change.detail)),
            ChangeKind::Removed => breaking(format!("{}: {} removed", change.scope, change.detail)),
            ChangeKind::Changed => breaking(format!("{}: {}", change.scope, change.detail)),
        }],
    }
}

struct Docs<'a> {
    current: &'a Value,
    refreshed: &'a Value,
}

impl<'a> Docs<'a> {
    /// The document an item of this kind is found in: the refreshed one for additions.
    fn for_kind(&self, kind: ChangeKind) -> &'a Value {
        if kind == ChangeKind::Added {
            self.refreshed
        } else {
            self.current
        }
    }

    fn either(&self, pointer: &str) -> Option<&'a Value> {
        resolve(self.refreshed, pointer).or_else(|| resolve(self.current, pointer))
    }
}

fn breaking(text: String) -> Effect {
    Effect {
        impact: Impact::Breaking,
        text,
    }
}

fn additive(text: String) -> Effect {
    Effect {
        impact: Impact::Additive,
        text,
    }
}

/// `` `deferred` `` → `deferred`.
fn plain(detail: &str) -> String {
    detail.trim_matches('`').to_owned()
}

fn operation_effect(kind: ChangeKind, op: &Value, method: &str, path: &str) -> Effect {
    let id = get_str(op, "operationId").unwrap_or("?");
    let at = format!("({} {path})", method.to_uppercase());
    match kind {
        ChangeKind::Added => additive(format!("Client::{id} added {at}")),
        ChangeKind::Removed => breaking(format!("Client::{id} removed {at}")),
        ChangeKind::Changed => breaking(format!("Client::{id} changed {at}")),
    }
}

fn operation_part(
    kind: ChangeKind,
    docs: &Docs,
    change: &Change,
    op_ptr: &str,
    method: &str,
    rest: &[&str],
) -> Effect {
    match rest {
        ["parameters", index, inner @ ..] => {
            let param_ptr = join(&join(op_ptr, "parameters"), index);
            let doc = docs.for_kind(kind);
            let param = resolve(doc, &param_ptr).map(|p| deref(doc, p));
            let name = param.and_then(|p| get_str(p, "name")).unwrap_or("?");
            let required = param.and_then(|p| get(p, "required")) == Some(&Value::Bool(true));
            match (kind, inner) {
                (ChangeKind::Added, []) if required => {
                    breaking(format!("{method}: new required parameter `{name}`"))
                }
                (ChangeKind::Added, []) => {
                    additive(format!("{method}: new optional parameter `{name}`"))
                }
                (ChangeKind::Removed, []) => {
                    breaking(format!("{method}: parameter `{name}` removed"))
                }
                (ChangeKind::Changed, ["required"]) if change.detail.ends_with("`false`") => {
                    additive(format!("{method}: parameter `{name}` becomes optional"))
                }
                (ChangeKind::Changed, ["required"]) => {
                    breaking(format!("{method}: parameter `{name}` becomes required"))
                }
                _ => breaking(format!(
                    "{method}: parameter `{name}` changed: {}",
                    change.detail
                )),
            }
        }
        ["requestBody", ..] => match kind {
            ChangeKind::Added => breaking(format!("{method}: now takes a body")),
            ChangeKind::Removed => breaking(format!("{method}: no longer takes a body")),
            ChangeKind::Changed => breaking(format!("{method}: body changed: {}", change.detail)),
        },
        ["responses", code] => match kind {
            ChangeKind::Added => additive(format!("{method}: new answer {code}")),
            ChangeKind::Removed => breaking(format!("{method}: answer {code} removed")),
            ChangeKind::Changed => breaking(format!("{method}: answer {code} changed")),
        },
        ["responses", code, ..] => breaking(format!(
            "{method}: answer {code} changed: {}",
            change.detail
        )),
        _ => match kind {
            ChangeKind::Added => additive(format!("{method}: {} added", change.detail)),
            ChangeKind::Removed => breaking(format!("{method}: {} removed", change.detail)),
            ChangeKind::Changed => breaking(format!("{method}: {}", change.detail)),
        },
    }
}

fn property_effect(
    kind: ChangeKind,
    docs: &Docs,
    schema: &str,
    field: &str,
    rest: &[&str],
) -> Effect {
    let schema_ptr = join("/components/schemas", schema);
    let prop_ptr = join(&join(&schema_ptr, "properties"), field);
    let item = format!("types::{schema}::{}", rust_field(field));
    let required_in = |doc: &Value| {
        resolve(doc, &join(&schema_ptr, "required"))
            .and_then(Value::as_sequence)
            .is_some_and(|r| r.iter().any(|v| v.as_str() == Some(field)))
    };
    let type_in = |doc: &Value| resolve(doc, &prop_ptr).map(|p| rust_type(p, required_in(doc)));
    match (kind, rest) {
        (ChangeKind::Added, []) => {
            let ty = type_in(docs.refreshed).unwrap_or_default();
            if required_in(docs.refreshed) {
                breaking(format!("{item} added, required: {ty}"))
            } else {
                additive(format!("{item} added: {ty}"))
            }
        }
        (ChangeKind::Removed, []) => breaking(format!("{item} removed")),
        _ => {
            let before = type_in(docs.current).unwrap_or_default();
            let after = type_in(docs.refreshed).unwrap_or_default();
            if before != after {
                breaking(format!("{item}: {before} → {after}"))
            } else if rest.is_empty() {
                // Rewritten (a reference wrapped to be nullable, say) into the same Rust type.
                additive(format!("{item}: still {after}, written differently"))
            } else if kind == ChangeKind::Removed {
                additive(format!("{item}: constraint lifted ({})", rest.join("/")))
            } else {
                breaking(format!("{item}: constraint changed ({})", rest.join("/")))
            }
        }
    }
}

/// The name of a field in the generated struct: Rust keywords get a trailing underscore.
fn rust_field(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
        "where", "while", "async", "await", "dyn",
    ];
    if KEYWORDS.contains(&name) {
        format!("{name}_")
    } else {
        name.to_owned()
    }
}

/// The Rust type a schema becomes, near enough to tell two apart: `Option<…>` when the field
/// may be absent or null.
pub fn rust_type(schema: &Value, required: bool) -> String {
    let nullable = get(schema, "nullable") == Some(&Value::Bool(true));
    let inner = bare_type(schema);
    if required && !nullable {
        inner
    } else {
        format!("Option<{inner}>")
    }
}

fn bare_type(schema: &Value) -> String {
    if let Some(r) = as_ref(schema) {
        return ref_name(r).to_owned();
    }
    if let Some([single]) = get(schema, "allOf")
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
    {
        return bare_type(single);
    }
    match get_str(schema, "type") {
        Some("integer") => {
            let unsigned = get(schema, "minimum")
                .and_then(Value::as_f64)
                .is_some_and(|m| m >= 0.0);
            match (get_str(schema, "format"), unsigned) {
                (Some("int32"), false) => "i32",
                (Some("int32"), true) => "u32",
                (_, true) => "u64",
                (_, false) => "i64",
            }
            .to_owned()
        }
        Some("number") => "f64".to_owned(),
        Some("boolean") => "bool".to_owned(),
        Some("string") if get_str(schema, "format") == Some("date-time") => {
            "DateTime<Utc>".to_owned()
        }
        Some("string") => "String".to_owned(),
        Some("array") => {
            let item =
                get(schema, "items").map_or_else(|| "serde_json::Value".to_owned(), bare_type);
            format!("Vec<{item}>")
        }
        _ => match get(schema, "additionalProperties") {
            Some(extra @ Value::Mapping(_)) => {
                format!("HashMap<String, {}>", bare_type(extra))
            }
            _ => "serde_json::Map<String, serde_json::Value>".to_owned(),
        },
    }
}
