//! Maintenance tasks for the repository, run as `cargo xtask <task>`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xtask::refresh::{self, Options, Source};
use xtask::{lint, Error};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  refresh [--from URL|PATH] [--check] [--spec PATH]
      Convert the vendor's OpenAPI 3.1 document (default: the live API's) to our dialect,
      reconcile it with openapi.yaml and report the drift; write the result unless --check.
      With --check, write nothing and exit 0 when there is no drift, 1 when the drift only
      adds to the crate, 3 when some of it breaks code using the crate (the report lists
      which). Intentional differences are listed in xtask/intentional-differences.txt.
  fixtures [--check]
      Write a fixture to integration/tests/fixtures for every operation of openapi.yaml that
      answers JSON and has none, derived from the spec, and list fixtures that belong to no
      operation.
      With --check, write nothing and exit 1 when a fixture is missing or left over.
  lint [PATH]
      Check openapi.yaml (or PATH): valid OpenAPI 3.0.3, complete operations, our dialect,
      examples, no placeholder descriptions. Exit 1 on any finding.

Both exit 2 when their inputs cannot be read or understood.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<u8, Error> {
    let Some((task, rest)) = args.split_first() else {
        println!("{USAGE}");
        return Ok(0);
    };
    match task.as_str() {
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(0)
        }
        "refresh" => refresh_task(rest),
        "lint" => lint_task(rest),
        "fixtures" => fixtures_task(rest),
        other => Err(Error::Usage(format!("unknown task `{other}`\n\n{USAGE}"))),
    }
}

fn refresh_task(args: &[String]) -> Result<u8, Error> {
    let mut options = Options {
        source: Source::Url(refresh::DEFAULT_SOURCE.to_owned()),
        spec: root().join("openapi.yaml"),
        differences: root().join("xtask/intentional-differences.txt"),
        check: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| Error::Usage(format!("{flag} needs a value\n\n{USAGE}")))
        };
        match arg.as_str() {
            "--check" => options.check = true,
            "--from" => options.source = Source::from_arg(&value("--from")?),
            "--spec" => options.spec = PathBuf::from(value("--spec")?),
            other => {
                return Err(Error::Usage(format!(
                    "unknown argument `{other}`\n\n{USAGE}"
                )))
            }
        }
    }
    refresh::run(&options, &mut std::io::stdout())
}

fn lint_task(args: &[String]) -> Result<u8, Error> {
    let path = match args {
        [] => root().join("openapi.yaml"),
        [path] => PathBuf::from(path),
        _ => {
            return Err(Error::Usage(format!(
                "lint takes at most one path\n\n{USAGE}"
            )))
        }
    };
    let findings = lint::lint_file(&path)?;
    for f in &findings {
        println!("{}: {f}", path.display());
    }
    if findings.is_empty() {
        println!("{}: no findings", path.display());
        Ok(0)
    } else {
        eprintln!("{} finding(s)", findings.len());
        Ok(1)
    }
}

fn fixtures_task(args: &[String]) -> Result<u8, Error> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => {
            return Err(Error::Usage(format!(
                "fixtures takes only --check\n\n{USAGE}"
            )))
        }
    };
    let spec = root().join("openapi.yaml");
    let text = std::fs::read_to_string(&spec).map_err(|source| Error::Read {
        path: spec.clone(),
        source,
    })?;
    let doc = xtask::value::parse_yaml(&text, "openapi.yaml")?;
    let dir = refresh::fixtures_dir(&spec);
    let survey = xtask::fixtures::survey(&doc, &dir)?;
    for name in &survey.orphaned {
        println!(
            "{}/{name}.json belongs to no operation; remove it",
            dir.display()
        );
    }
    if check {
        for id in &survey.missing {
            println!("{id} has no fixture in {}", dir.display());
        }
    } else {
        for path in xtask::fixtures::write_missing(&doc, &dir)? {
            println!(
                "wrote {}; check that it reads like a real answer",
                path.display()
            );
        }
    }
    let incomplete = !survey.orphaned.is_empty() || (check && !survey.missing.is_empty());
    if !incomplete {
        println!(
            "{}: one fixture for each operation answering JSON, none left over",
            dir.display()
        );
    }
    Ok(u8::from(incomplete))
}

/// The repository root: xtask lives one level below it.
fn root() -> &'static Path {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask)
}
