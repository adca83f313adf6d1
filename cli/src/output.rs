//! Writing answers: JSON (pretty on a terminal, compact when piped), one JSON object per line for
//! the items of a walk, or a table of chosen columns.

use std::io::{IsTerminal, Write};

use serde_json::{Map, Value};

use crate::exit::Failure;

/// How answers are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Table,
}

impl Format {
    pub fn parse(name: &str) -> Self {
        if name == "table" {
            Self::Table
        } else {
            Self::Json
        }
    }
}

fn write_failure(error: std::io::Error) -> Failure {
    Failure::other(format!("writing the output: {error}"))
}

/// Writes `text` to stdout; a closed pipe (`| head`) is not a failure.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(write_failure),
    }
}

/// JSON of a whole answer.
pub fn json(value: &Value) -> String {
    let text = if std::io::stdout().is_terminal() {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    text.unwrap_or_default() + "\n"
}

/// An answer: text as it came, `null` as nothing, the rest as JSON or a table.
pub fn answer(value: &Value, format: Format) -> String {
    match (value, format) {
        (Value::Null, _) => String::new(),
        (Value::String(text), _) => text.clone(),
        (_, Format::Json) => json(value),
        (Value::Array(items), Format::Table) => table(items),
        (Value::Object(object), Format::Table) => fields(object),
        (other, Format::Table) => json(other),
    }
}

/// One line of NDJSON.
pub fn line(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default() + "\n"
}

/// A progress line on stderr, shown only on a terminal.
pub struct Progress {
    shown: bool,
}

impl Progress {
    pub fn new() -> Self {
        Self {
            shown: std::io::stderr().is_terminal(),
        }
    }

    pub fn update(&self, count: u64) {
        if self.shown {
            eprint!("\r\x1b[2K{count} items…");
        }
    }

    pub fn finish(&self) {
        if self.shown {
            eprint!("\r\x1b[2K");
        }
    }
}

/// The columns of a table of these items: the id, up to two name-like and two status-like
/// fields, and when it was created; every scalar field when none of those is present.
pub fn columns(items: &[Value]) -> Vec<String> {
    const NAMES: &[&str] = &[
        "name",
        "display_name",
        "email",
        "domain",
        "url",
        "app_name",
        "subject",
        "to_email",
        "type",
        "event_type",
    ];
    const STATES: &[&str] = &["status", "state", "enabled", "result", "mode", "active"];
    const TIMES: &[&str] = &["created_at", "occurred_at", "received_at", "sent_at"];
    let Some(Value::Object(first)) = items.first() else {
        return Vec::new();
    };
    let scalar: Vec<&str> = first
        .iter()
        .filter(|(_, v)| !v.is_object() && !v.is_array())
        .map(|(k, _)| k.as_str())
        .collect();
    let pick = |wanted: &[&'static str], most: usize| -> Vec<&'static str> {
        wanted
            .iter()
            .filter(|w| scalar.contains(w))
            .take(most)
            .copied()
            .collect()
    };
    let mut chosen = pick(&["id"], 1);
    if chosen.is_empty() {
        chosen.extend(scalar.iter().find(|k| k.ends_with("_id")));
    }
    chosen.extend(pick(NAMES, 2));
    let mut states = pick(STATES, 2);
    let mut suffixed: Vec<&str> = scalar
        .iter()
        .filter(|k| k.ends_with("_status"))
        .copied()
        .collect();
    // `verification_status` before `ses_dkim_status`: the fewer qualifiers, the more general.
    suffixed.sort_by_key(|k| (k.matches('_').count(), k.len()));
    states.extend(suffixed);
    chosen.extend(states.into_iter().take(2));
    chosen.extend(pick(TIMES, 1));
    if chosen.len() < 2 {
        return scalar.into_iter().map(str::to_owned).collect();
    }
    chosen.into_iter().map(str::to_owned).collect()
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
    .replace(['\n', '\r', '\t'], " ")
}

/// Items as a table with a header row.
pub fn table(items: &[Value]) -> String {
    let columns = columns(items);
    if columns.is_empty() {
        return if items.is_empty() {
            String::new()
        } else {
            items.iter().map(line).collect()
        };
    }
    let mut rows = vec![columns.iter().map(|c| c.to_uppercase()).collect::<Vec<_>>()];
    for item in items {
        rows.push(columns.iter().map(|c| cell(item.get(c))).collect());
    }
    aligned(&rows)
}

/// One object as a two-column table of its scalar fields, nested ones as compact JSON.
fn fields(object: &Map<String, Value>) -> String {
    const WIDEST: usize = 60;
    let rows: Vec<Vec<String>> = object
        .iter()
        .map(|(key, value)| {
            let mut text = cell(Some(value));
            if (value.is_object() || value.is_array()) && text.chars().count() > WIDEST {
                text = text.chars().take(WIDEST - 1).collect::<String>() + "…";
            }
            vec![key.clone(), text]
        })
        .collect();
    aligned(&rows)
}

fn aligned(rows: &[Vec<String>]) -> String {
    let count = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..count)
        .map(|i| {
            rows.iter()
                .filter_map(|row| row.get(i))
                .map(|text| text.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, text) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(text);
            } else {
                let pad = widths[i] - text.chars().count();
                line.push_str(text);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_prefer_ids_names_and_states() {
        let items = [json!({
            "created_at": "2026-01-01T00:00:00Z",
            "dns_records": [],
            "domain": "mail.example.com",
            "id": "mdom_1",
            "sending_enabled": true,
            "verification_status": "verified",
        })];
        assert_eq!(
            columns(&items),
            ["id", "domain", "verification_status", "created_at"]
        );
        // Without known names, every scalar field.
        assert_eq!(columns(&[json!({"a": 1, "b": [1]})]), ["a"]);
    }

    #[test]
    fn tables_align_their_columns() {
        let items = [
            json!({"id": "a", "name": "first", "status": "on"}),
            json!({"id": "bbbb", "name": null, "status": "off"}),
        ];
        assert_eq!(
            table(&items),
            "ID    NAME   STATUS\na     first  on\nbbbb         off\n"
        );
    }
}
