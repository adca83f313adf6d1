//! The arguments of an operation from its command line: parameters, and the body from `--body`
//! (inline JSON, `@FILE` or `-` for stdin) with the fields given as options added to it.

use std::io::Read;

use clap::ArgMatches;
use sendmux_management::dynamic::{Arguments, OperationInfo};
use serde_json::{Map, Value};

use crate::commands::{json_value, BODY, FIELD, PARAM};
use crate::exit::Failure;

/// The parameters and body given to `op`, and the body alone for a dry run.
pub fn arguments(
    op: &OperationInfo,
    matches: &ArgMatches,
) -> Result<(Arguments, Option<Value>), Failure> {
    let mut arguments = Arguments::new();
    for param in op.params {
        let id = format!("{PARAM}{}", param.name);
        if let Some(value) = json_value(matches, &id, param.value) {
            arguments = arguments.param(param.name, value);
        }
    }
    let Some(info) = &op.body else {
        return Ok((arguments, None));
    };
    let mut body = match matches.get_one::<String>(BODY) {
        Some(source) => Some(read(source)?),
        None => None,
    };
    let mut fields = Map::new();
    for field in info.fields {
        let id = format!("{FIELD}{}", field.name);
        if let Some(value) = json_value(matches, &id, field.value) {
            fields.insert(field.name.to_owned(), value);
        }
    }
    if !fields.is_empty() {
        match body.get_or_insert_with(|| Value::Object(Map::new())) {
            Value::Object(object) => object.extend(fields),
            _ => {
                return Err(Failure::usage(
                    "--body is not a JSON object, so field options cannot be added to it",
                ))
            }
        }
    }
    match &body {
        Some(body) => arguments = arguments.body(body.clone()),
        None if info.required => {
            let required: Vec<String> = info
                .fields
                .iter()
                .filter(|f| f.required)
                .map(|f| format!("--{}", f.name.replace('_', "-")))
                .collect();
            let options = if required.is_empty() {
                String::new()
            } else {
                format!(" (required: {})", required.join(", "))
            };
            return Err(Failure::usage(format!(
                "this command needs a {} body: --body JSON|@FILE|-, or its field options{options}",
                info.schema
            )));
        }
        None => {}
    }
    Ok((arguments, body))
}

/// The JSON of `--body`: inline, `@FILE` or `-` for stdin.
fn read(source: &str) -> Result<Value, Failure> {
    let (text, from) = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::other(format!("reading the body from stdin: {e}")))?;
        (text, "stdin".to_owned())
    } else if let Some(path) = source.strip_prefix('@') {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::other(format!("reading the body from {path}: {e}")))?;
        (text, path.to_owned())
    } else {
        (source.to_owned(), "--body".to_owned())
    };
    serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "the body in {from} is not JSON: {} at line {}, column {}",
            describe(&e),
            e.line(),
            e.column()
        ))
    })
}

/// The reason alone: serde_json's message repeats the position, given separately.
fn describe(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}
