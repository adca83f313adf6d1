//! The drift report: what refreshing would change in `openapi.yaml`, as added / removed /
//! changed items grouped by operation and by schema.

use std::fmt;

use serde_norway::Value;

use crate::convert::METHODS;
use crate::impact::{self, Effect, Impact};
use crate::value::{as_ref, brief, get, get_str, join, resolve, unescape};

/// Kind of a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// Present after the refresh only.
    Added,
    /// Present before the refresh only.
    Removed,
    /// Present in both, with another value.
    Changed,
}

/// One difference between the spec and its refreshed version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Kind of the change.
    pub kind: ChangeKind,
    /// JSON pointer (into the refreshed document for additions, the current one otherwise).
    pub pointer: String,
    /// The operation, schema or section the change belongs to.
    pub scope: String,
    /// A short description of the value(s).
    pub detail: String,
}

/// Every difference between the spec and its refreshed version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DriftReport {
    /// The changes, in document order.
    pub changes: Vec<Change>,
    /// What they mean for code using the crate, each consequence once, breaking first.
    pub effects: Vec<Effect>,
}

impl DriftReport {
    /// Compares the current spec with its refreshed version.
    pub fn between(current: &Value, refreshed: &Value) -> Self {
        let mut differ = Differ {
            current,
            refreshed,
            changes: Vec::new(),
        };
        differ.diff(current, refreshed, "");
        let mut effects: Vec<Effect> = Vec::new();
        for change in &differ.changes {
            for effect in impact::effects(change, current, refreshed) {
                if !effects.contains(&effect) {
                    effects.push(effect);
                }
            }
        }
        // Stable: within each impact, document order.
        effects.sort_by_key(|e| e.impact);
        Self {
            changes: differ.changes,
            effects,
        }
    }

    /// Whether code using the crate may stop compiling or decoding after the refresh.
    pub fn is_breaking(&self) -> bool {
        self.effects.iter().any(|e| e.impact == Impact::Breaking)
    }

    /// The consequences of one impact.
    pub fn effects_of(&self, impact: Impact) -> impl Iterator<Item = &Effect> {
        self.effects.iter().filter(move |e| e.impact == impact)
    }

    /// No drift at all.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Number of changes of one kind.
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.kind == kind).count()
    }
}

impl fmt::Display for DriftReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "No drift.");
        }
        writeln!(
            f,
            "Drift: {} breaking, {} additive for code using the crate.",
            self.effects_of(Impact::Breaking).count(),
            self.effects_of(Impact::Additive).count()
        )?;
        for (impact, title) in [
            (
                Impact::Breaking,
                "breaking (code using the crate may stop compiling or decoding):",
            ),
            (Impact::Additive, "additive:"),
        ] {
            if self.effects_of(impact).next().is_some() {
                writeln!(f, "{title}")?;
                for effect in self.effects_of(impact) {
                    writeln!(f, "  {effect}")?;
                }
            }
        }
        writeln!(
            f,
            "In the spec: {} added, {} removed, {} changed.",
            self.count(ChangeKind::Added),
            self.count(ChangeKind::Removed),
            self.count(ChangeKind::Changed)
        )?;
        for (kind, title) in [
            (ChangeKind::Added, "added"),
            (ChangeKind::Removed, "removed"),
            (ChangeKind::Changed, "changed"),
        ] {
            let changes: Vec<&Change> = self.changes.iter().filter(|c| c.kind == kind).collect();
            if changes.is_empty() {
                continue;
            }
            writeln!(f, "{title}:")?;
            let mut scopes: Vec<&str> = Vec::new();
            for change in &changes {
                if !scopes.contains(&change.scope.as_str()) {
                    scopes.push(&change.scope);
                }
            }
            for scope in scopes {
                writeln!(f, "  {scope}")?;
                for change in changes.iter().filter(|c| c.scope == scope) {
                    writeln!(f, "    {}: {}", change.pointer, change.detail)?;
                }
            }
        }
        Ok(())
    }
}

struct Differ<'a> {
    current: &'a Value,
    refreshed: &'a Value,
    changes: Vec<Change>,
}

impl Differ<'_> {
    fn push(&mut self, kind: ChangeKind, pointer: String, detail: String) {
        let scope = self.scope(&pointer);
        self.changes.push(Change {
            kind,
            pointer,
            scope,
            detail,
        });
    }

    fn diff(&mut self, before: &Value, after: &Value, ptr: &str) {
        if before == after {
            return;
        }
        match (before, after) {
            (Value::Mapping(b), Value::Mapping(a)) if shape(before) == shape(after) => {
                for (key, value) in b {
                    let child = join(ptr, key.as_str().unwrap_or(""));
                    match a.get(key) {
                        Some(other) => self.diff(value, other, &child),
                        None => self.push(ChangeKind::Removed, child, brief(value)),
                    }
                }
                for (key, value) in a {
                    if !b.contains_key(key) {
                        let child = join(ptr, key.as_str().unwrap_or(""));
                        self.push(ChangeKind::Added, child, brief(value));
                    }
                }
            }
            (Value::Sequence(b), Value::Sequence(a)) => self.sequence(b, a, ptr),
            _ => self.push(
                ChangeKind::Changed,
                ptr.to_owned(),
                format!("{} → {}", brief(before), brief(after)),
            ),
        }
    }

    fn sequence(&mut self, before: &[Value], after: &[Value], ptr: &str) {
        let scalars = |items: &[Value]| items.iter().all(|v| !v.is_mapping() && !v.is_sequence());
        if scalars(before) && scalars(after) {
            let mut same_members = true;
            for value in before.iter().filter(|v| !after.contains(v)) {
                same_members = false;
                self.push(ChangeKind::Removed, ptr.to_owned(), brief(value));
            }
            for value in after.iter().filter(|v| !before.contains(v)) {
                same_members = false;
                self.push(ChangeKind::Added, ptr.to_owned(), brief(value));
            }
            if same_members {
                self.push(
                    ChangeKind::Changed,
                    ptr.to_owned(),
                    format!(
                        "order {} → {}",
                        brief(&before.to_vec().into()),
                        brief(&after.to_vec().into())
                    ),
                );
            }
            return;
        }
        let ids = |items: &[Value]| items.iter().map(identity).collect::<Option<Vec<String>>>();
        if let (Some(before_ids), Some(after_ids)) = (ids(before), ids(after)) {
            for (i, id) in before_ids.iter().enumerate() {
                let child = join(ptr, &i.to_string());
                match after_ids.iter().position(|x| x == id) {
                    Some(j) => self.diff(&before[i], &after[j], &child),
                    None => self.push(ChangeKind::Removed, child, id.clone()),
                }
            }
            for (j, id) in after_ids.iter().enumerate() {
                if !before_ids.contains(id) {
                    self.push(ChangeKind::Added, join(ptr, &j.to_string()), id.clone());
                }
            }
            return;
        }
        if before.len() == after.len() {
            for (i, (b, a)) in before.iter().zip(after).enumerate() {
                self.diff(b, a, &join(ptr, &i.to_string()));
            }
        } else {
            self.push(
                ChangeKind::Changed,
                ptr.to_owned(),
                format!(
                    "{} → {}",
                    brief(&before.to_vec().into()),
                    brief(&after.to_vec().into())
                ),
            );
        }
    }

    /// The operation, schema or section a pointer belongs to.
    fn scope(&self, pointer: &str) -> String {
        let segments: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
        match segments
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["paths", path, method, ..] if METHODS.contains(method) => {
                let op_ptr = join(&join("/paths", path), method);
                let id = [self.refreshed, self.current].into_iter().find_map(|doc| {
                    resolve(doc, &op_ptr).and_then(|op| get_str(op, "operationId"))
                });
                match id {
                    Some(id) => format!("operation {} {path} ({id})", method.to_uppercase()),
                    None => format!("operation {} {path}", method.to_uppercase()),
                }
            }
            ["paths", path, ..] => {
                // A whole path item comes or goes: name its operations, which are what users
                // call.
                let item_ptr = join("/paths", path);
                let ops: Vec<String> = [self.refreshed, self.current]
                    .into_iter()
                    .find_map(|doc| resolve(doc, &item_ptr))
                    .and_then(Value::as_mapping)
                    .into_iter()
                    .flatten()
                    .filter_map(|(method, op)| {
                        let method = method.as_str().filter(|m| METHODS.contains(m))?;
                        let id = get_str(op, "operationId").unwrap_or("?");
                        Some(format!("{} {id}", method.to_uppercase()))
                    })
                    .collect();
                if ops.is_empty() {
                    format!("path {path}")
                } else {
                    format!("path {path} ({})", ops.join(", "))
                }
            }
            ["components", "schemas", name, ..] => format!("schema {name}"),
            ["components", "parameters", name, ..] => format!("parameter {name}"),
            ["components", section, name, ..] => format!("{section} {name}"),
            [first, ..] => (*first).to_owned(),
            [] => "document".to_owned(),
        }
    }
}

/// What kind of schema-like node a value is; a change of kind is reported as one change.
fn shape(value: &Value) -> &'static str {
    if as_ref(value).is_some() {
        "ref"
    } else if get(value, "allOf").is_some() {
        "allOf"
    } else if get(value, "oneOf").is_some() || get(value, "anyOf").is_some() {
        "union"
    } else {
        "other"
    }
}

/// A stable identity for list members that have one (parameters, tags, references).
fn identity(value: &Value) -> Option<String> {
    if let Some(r) = as_ref(value) {
        return Some(format!("$ref {r}"));
    }
    match (get_str(value, "in"), get_str(value, "name")) {
        (Some(location), Some(name)) => Some(format!("{location} parameter `{name}`")),
        (None, Some(name)) => Some(format!("`{name}`")),
        _ => None,
    }
}
