//! `--dry-run`: the request as it would be sent, with the credential redacted.

use clap::ArgMatches;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sendmux_management::dynamic::{Location, OperationInfo};
use serde_json::Value;

use crate::commands::{json_value, PARAM};
use crate::exit::Failure;

/// What a path segment keeps as is: the unreserved characters of RFC 3986.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The request line, headers and body.
pub fn render(
    op: &OperationInfo,
    matches: &ArgMatches,
    base_url: &str,
    body: Option<&Value>,
) -> Result<String, Failure> {
    let mut path = op.path.to_owned();
    let mut query = Vec::new();
    let mut headers = vec![
        ("accept".to_owned(), "application/json".to_owned()),
        ("authorization".to_owned(), "Bearer <redacted>".to_owned()),
    ];
    for param in op.params {
        let Some(value) = json_value(matches, &format!("{PARAM}{}", param.name), param.value)
        else {
            continue;
        };
        let value = text(&value);
        match param.location {
            Location::Path => {
                let encoded = utf8_percent_encode(&value, SEGMENT).to_string();
                path = path.replace(&format!("{{{}}}", param.name), &encoded);
            }
            Location::Query => query.push((param.name, value)),
            _ => headers.push((param.name.to_ascii_lowercase(), value)),
        }
    }
    let documents_key = op.params.iter().any(|p| p.name == IDEMPOTENCY_KEY);
    let key = IDEMPOTENCY_KEY.to_ascii_lowercase();
    if documents_key && !headers.iter().any(|(name, _)| *name == key) {
        headers.push((key, "<a new key, generated when sent>".to_owned()));
    }
    if body.is_some() {
        headers.push(("content-type".to_owned(), "application/json".to_owned()));
    }
    headers.sort();
    let mut url = url::Url::parse(&format!("{}{path}", base_url.trim_end_matches('/')))
        .map_err(|e| Failure::usage(format!("the base URL {base_url:?} is not valid: {e}")))?;
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in &query {
            pairs.append_pair(name, value);
        }
    }
    let mut out = format!("{} {url}\n", op.method);
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\n"));
    }
    if let Some(body) = body {
        out.push('\n');
        out.push_str(&serde_json::to_string_pretty(body).unwrap_or_default());
        out.push('\n');
    }
    Ok(out)
}
