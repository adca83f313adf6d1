//! `webhooks verify`: checks a delivery (its headers and raw body) with the secret of the
//! subscription, read from an environment variable so that it stays off the command line.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use clap::{value_parser, Arg, ArgAction, ArgMatches, Command};
use sendmux_management::webhooks::{Verifier, SIGNATURE_HEADER};

use crate::exit::{Failure, NOT_VERIFIED, USAGE};
use crate::output;

pub fn command() -> Command {
    Command::new(crate::commands::VERIFY)
        .about("Verify a webhook delivery's signature and print its event")
        .long_about(
            "Verify a webhook delivery: its X-Sendmux-Signature over the raw body, the headers \
             that repeat the body's event id and type, and the event's age. Prints the event as \
             JSON when it is authentic; exits with 6 when it is not.",
        )
        .arg(
            Arg::new("secret-env")
                .long("secret-env")
                .value_name("VAR")
                .required(true)
                .action(ArgAction::Append)
                .help("Environment variable holding the signing secret (repeat during a rotation)"),
        )
        .arg(
            Arg::new("payload")
                .long("payload")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("The raw body as received [default: stdin]"),
        )
        .arg(
            Arg::new("headers")
                .long("headers")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("The request's headers, one `Name: value` per line (a leading request or status line is skipped)"),
        )
        .arg(
            Arg::new("signature")
                .long("signature")
                .value_name("VALUE")
                .help("The X-Sendmux-Signature value, when no headers file is given"),
        )
        .arg(
            Arg::new("max-age")
                .long("max-age")
                .value_name("SECONDS")
                .value_parser(value_parser!(u64))
                .help("Oldest event accepted, in seconds; 0 accepts any age [default: 48 hours]"),
        )
}

pub fn run(matches: &ArgMatches) -> Result<(), Failure> {
    let mut verifier: Option<Verifier> = None;
    for var in matches
        .get_many::<String>("secret-env")
        .into_iter()
        .flatten()
    {
        let secret = std::env::var(var)
            .map_err(|_| Failure::usage(format!("the environment variable {var} is not set")))?;
        let next = match verifier.take() {
            None => Verifier::new(secret.as_bytes()),
            Some(v) => v.with_secret(secret.as_bytes()),
        };
        verifier = Some(next.map_err(|_| Failure::usage(format!("the secret in {var} is empty")))?);
    }
    let mut verifier = verifier.ok_or_else(|| Failure::usage("--secret-env is required"))?;
    if let Some(seconds) = matches.get_one::<u64>("max-age") {
        verifier = verifier.max_age((*seconds > 0).then(|| Duration::from_secs(*seconds)));
    }

    let body = match matches.get_one::<PathBuf>("payload") {
        Some(path) => std::fs::read(path)
            .map_err(|e| Failure::other(format!("reading {}: {e}", path.display())))?,
        None => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| Failure::other(format!("reading stdin: {e}")))?;
            body
        }
    };
    let mut headers = match matches.get_one::<PathBuf>("headers") {
        Some(path) => parse_headers(
            &std::fs::read_to_string(path)
                .map_err(|e| Failure::other(format!("reading {}: {e}", path.display())))?,
        )?,
        None => http::HeaderMap::new(),
    };
    if let Some(signature) = matches.get_one::<String>("signature") {
        let value = http::HeaderValue::from_str(signature)
            .map_err(|_| Failure::usage("--signature holds characters a header cannot"))?;
        headers.insert(SIGNATURE_HEADER, value);
    }
    let delivery = verifier
        .delivery(&headers, &body)
        .map_err(|e| Failure::new(NOT_VERIFIED, format!("delivery not verified: {e}")))?;
    let event = serde_json::to_value(&delivery.event)
        .map_err(|e| Failure::other(format!("writing the event: {e}")))?;
    output::print(&output::json(&event))
}

fn parse_headers(text: &str) -> Result<http::HeaderMap, Failure> {
    let mut headers = http::HeaderMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            if number == 0 {
                continue; // `POST /hooks HTTP/1.1`
            }
            return Err(Failure::new(
                USAGE,
                format!("headers line {} is not `Name: value`", number + 1),
            ));
        };
        let name = http::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            Failure::usage(format!("headers line {}: not a header name", number + 1))
        })?;
        let value = http::HeaderValue::from_str(value.trim()).map_err(|_| {
            Failure::usage(format!("headers line {}: not a header value", number + 1))
        })?;
        headers.append(name, value);
    }
    Ok(headers)
}
