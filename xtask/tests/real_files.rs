//! The real spec against the real reference document: no drift, no lint findings, and a
//! byte-identical write-back.

use std::path::{Path, PathBuf};

use xtask::intentional::Differences;
use xtask::refresh::compare_texts;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn openapi_yaml_matches_the_reference_up_to_listed_differences() {
    let reference = repo().join("../shared/reference/sendmux/openapi-app.json");
    if !reference.exists() {
        println!("skipped: {} is not present", reference.display());
        return;
    }
    let list = repo().join("xtask/intentional-differences.txt");
    let differences = Differences::load(&list).unwrap();
    let ours = read(&repo().join("openapi.yaml"));
    let outcome = compare_texts(&ours, &read(&reference), &differences).unwrap();
    assert!(outcome.report.is_empty(), "{}", outcome.report);
    assert_eq!(outcome.exit_code(true), 0);
    let stale: Vec<&str> = outcome.stale.iter().map(|d| d.pointer.as_str()).collect();
    assert!(
        stale.is_empty(),
        "stale entries in {}: {stale:?}",
        list.display()
    );
}

#[test]
fn openapi_yaml_passes_lint() {
    let findings = xtask::lint::lint_file(&repo().join("openapi.yaml")).unwrap();
    let text: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert!(findings.is_empty(), "{text:#?}");
}

#[test]
fn openapi_yaml_is_written_back_byte_for_byte() {
    let text = read(&repo().join("openapi.yaml"));
    let value = xtask::value::parse_yaml(&text, "openapi.yaml").unwrap();
    let written = xtask::emit::to_yaml(&value).unwrap();
    let first_difference = text
        .lines()
        .zip(written.lines())
        .position(|(a, b)| a != b)
        .map(|i| i + 1);
    assert!(written == text, "differs from line {first_difference:?}");
}
