//! `cargo xtask refresh`: converts the vendor's document, reconciles it with `openapi.yaml`,
//! reports the drift and writes the result (or, with `--check`, only reports).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_norway::Value;

use crate::convert::convert_against;
use crate::emit::to_yaml;
use crate::intentional::{Difference, Differences};
use crate::reconcile::reconcile;
use crate::report::DriftReport;
use crate::value::{parse_json, parse_yaml};
use crate::{Error, Result};

/// Where the live API publishes its current document.
pub const DEFAULT_SOURCE: &str = "https://app.sendmux.ai/api/v1/openapi.json";

/// Exit status of `refresh --check` when the spec has drifted in ways that only add.
pub const EXIT_ADDITIVE: u8 = 1;
/// Exit status of `refresh --check` when some of the drift breaks code using the crate. (2 is
/// taken by inputs that cannot be read.)
pub const EXIT_BREAKING: u8 = 3;

/// How long fetching the document may take in all before the refresh gives up: the live
/// document is well under a megabyte, so a slower answer means something is wrong.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest document accepted; the real one is about half a megabyte.
const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// Where the upstream document is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Fetched over HTTP(S).
    Url(String),
    /// Read from a file.
    File(PathBuf),
}

impl Source {
    /// `http://…`/`https://…` is a URL, anything else a path.
    pub fn from_arg(arg: &str) -> Self {
        if arg.starts_with("https://") || arg.starts_with("http://") {
            Self::Url(arg.to_owned())
        } else {
            Self::File(PathBuf::from(arg))
        }
    }

    /// The document's text; a fetch gives up after [`FETCH_TIMEOUT`].
    pub fn read(&self) -> Result<String> {
        self.read_within(FETCH_TIMEOUT)
    }

    /// The document's text; a fetch gives up when the whole exchange (connecting, sending,
    /// receiving the body) takes longer than `timeout`.
    pub fn read_within(&self, timeout: Duration) -> Result<String> {
        match self {
            Self::File(path) => read(path),
            Self::Url(url) => {
                let fail = |e: ureq::Error| Error::Fetch {
                    url: url.clone(),
                    message: match e {
                        ureq::Error::Timeout(_) => format!(
                            "no complete answer within {:.1} s; is the server up and reachable?",
                            timeout.as_secs_f64()
                        ),
                        ureq::Error::StatusCode(code) => format!("the server answered {code}"),
                        other => other.to_string(),
                    },
                };
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .timeout_global(Some(timeout))
                    .build()
                    .into();
                let mut response = agent.get(url).call().map_err(fail)?;
                response
                    .body_mut()
                    .with_config()
                    .limit(MAX_DOCUMENT_BYTES)
                    .read_to_string()
                    .map_err(fail)
            }
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Url(url) => f.write_str(url),
            Self::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// What a refresh found.
#[derive(Debug)]
pub struct Outcome {
    /// The reconciled document.
    pub document: Value,
    /// How it differs from the current spec.
    pub report: DriftReport,
    /// Listed differences that are real today.
    pub kept: Vec<Difference>,
    /// Listed differences that no longer differ: candidates for removal from the list.
    pub stale: Vec<Difference>,
}

impl Outcome {
    /// Exit status of the command: with `--check`, [`EXIT_ADDITIVE`] when there is drift that
    /// only adds, [`EXIT_BREAKING`] when some of it breaks code using the crate.
    pub fn exit_code(&self, check: bool) -> u8 {
        if !check || self.report.is_empty() {
            0
        } else if self.report.is_breaking() {
            EXIT_BREAKING
        } else {
            EXIT_ADDITIVE
        }
    }
}

/// Converts `upstream` (OpenAPI 3.1), reconciles it with `ours` and compares.
pub fn compare(ours: &Value, upstream: &Value, differences: &Differences) -> Result<Outcome> {
    let converted = convert_against(upstream, ours)?;
    let mut reconciled = reconcile(ours, &converted, differences);
    crate::identity::align_variant_names(ours, &mut reconciled.document);
    let report = DriftReport::between(ours, &reconciled.document);
    let (kept, stale) = differences
        .iter()
        .cloned()
        .partition(|d| reconciled.kept.contains(&d.pointer));
    Ok(Outcome {
        document: reconciled.document,
        report,
        kept,
        stale,
    })
}

/// [`compare`] on texts: `ours` is YAML, `upstream` JSON (or YAML).
pub fn compare_texts(ours: &str, upstream: &str, differences: &Differences) -> Result<Outcome> {
    let ours = parse_yaml(ours, "openapi.yaml")?;
    let what = "the upstream document";
    let parsed = parse_json(upstream, what)
        .or_else(|json_error| parse_yaml(upstream, what).map_err(|_| json_error));
    // A page of text (a proxy's error page, say) parses as YAML too: only an OpenAPI document
    // is one.
    let upstream = match parsed {
        Ok(doc) if crate::value::get(&doc, "openapi").is_some() => doc,
        Ok(_) => {
            let start: String = upstream.chars().take(60).collect();
            return Err(Error::Parse {
                what: what.to_owned(),
                message: format!("not an OpenAPI document (it starts with {start:?})"),
            });
        }
        Err(e) => return Err(e),
    };
    compare(&ours, &upstream, differences)
}

/// Options of `cargo xtask refresh`.
#[derive(Clone, Debug)]
pub struct Options {
    /// The upstream document.
    pub source: Source,
    /// Our spec.
    pub spec: PathBuf,
    /// The intentional-differences list.
    pub differences: PathBuf,
    /// Report only; write nothing.
    pub check: bool,
}

/// Runs a refresh, printing the report to `out`; returns the exit status.
pub fn run(options: &Options, out: &mut dyn Write) -> Result<u8> {
    let differences = Differences::load(&options.differences)?;
    let upstream = options.source.read()?;
    let ours = read(&options.spec)?;
    let outcome = compare_texts(&ours, &upstream, &differences)?;
    let spec = options.spec.display();
    let print = |out: &mut dyn Write, text: String| -> Result<()> {
        out.write_all(text.as_bytes())
            .map_err(|source| Error::Write {
                path: PathBuf::from("<stdout>"),
                source,
            })
    };
    print(out, format!("Comparing {spec} with {}.\n", options.source))?;
    print(out, outcome.report.to_string())?;
    print(
        out,
        format!(
            "{} intentional difference(s) kept (listed in {}).\n",
            outcome.kept.len(),
            options.differences.display()
        ),
    )?;
    for stale in &outcome.stale {
        print(
            out,
            format!(
                "warning: {}:{}: {} no longer differs from upstream; remove it from the list\n",
                options.differences.display(),
                stale.line,
                stale.pointer
            ),
        )?;
    }
    if options.check {
        if outcome.report.is_breaking() {
            print(
                out,
                format!(
                    "{spec} has drifted, and code using the crate may break (exit status {EXIT_BREAKING}); \
                     run `cargo xtask refresh` and review.\n"
                ),
            )?;
        } else if !outcome.report.is_empty() {
            print(
                out,
                format!(
                    "{spec} has drifted, only adding (exit status {EXIT_ADDITIVE}); run `cargo xtask refresh` and review.\n"
                ),
            )?;
        }
    } else if outcome.report.is_empty() {
        print(out, format!("{spec} is up to date; nothing written.\n"))?;
    } else {
        let text = to_yaml(&outcome.document)?;
        std::fs::write(&options.spec, &text).map_err(|source| Error::Write {
            path: options.spec.clone(),
            source,
        })?;
        let todo = crate::lint::lint(&text);
        if todo.is_empty() {
            print(out, format!("Wrote {spec}; it lints clean.\n"))?;
        } else {
            print(
                out,
                format!(
                    "Wrote {spec}; before committing, write what `cargo xtask lint` asks for ({} item(s)):\n",
                    todo.len()
                ),
            )?;
            for finding in &todo {
                print(out, format!("  {finding}\n"))?;
            }
        }
        let dir = fixtures_dir(&options.spec);
        if dir.is_dir() {
            let survey = crate::fixtures::survey(&outcome.document, &dir)?;
            for id in &survey.missing {
                print(
                    out,
                    format!("  {id} has no fixture in {}; `cargo xtask fixtures` derives one from the spec\n", dir.display()),
                )?;
            }
            for name in &survey.orphaned {
                print(
                    out,
                    format!(
                        "  {}/{name}.json belongs to no operation any more; remove it\n",
                        dir.display()
                    ),
                )?;
            }
        }
    }
    Ok(outcome.exit_code(options.check))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })
}

/// The contract tests' fixtures beside a spec: `integration/tests/fixtures` in the spec's
/// directory, where the package of integration tests keeps them.
pub fn fixtures_dir(spec: &Path) -> PathBuf {
    spec.parent()
        .unwrap_or_else(|| Path::new("."))
        .join("integration/tests/fixtures")
}
