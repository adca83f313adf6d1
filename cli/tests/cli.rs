//! Runs the `sendmux-mgmt` binary against loopback mocks started here. The operations come from
//! `openapi.yaml` itself, so a command missing for an operation fails these tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sendmux_management::testing::{self, Method, MockApi, MockServerExt};
use sendmux_management::types::{Domain, DomainPage, ErrorCode};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_sendmux-mgmt");
/// A port nothing listens on: a request sent there fails to connect (exit code 4).
const NOWHERE: &str = "http://127.0.0.1:9";
const KEY: &str = "smx_root_k3yThatMustNeverBeShown";

/// A fresh directory for configuration files.
fn scratch() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "sendmux-cli-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary with a clean environment: no key, no profile, no base URL.
fn cli(config_home: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", config_home)
        .env("XDG_CONFIG_HOME", config_home)
        .stdin(std::process::Stdio::null());
    command
}

fn run(mut command: Command) -> Output {
    command.output().unwrap()
}

async fn run_async(command: Command) -> Output {
    tokio::task::spawn_blocking(move || run(command))
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// Each line of `sendmux-mgmt operations`: command words, method, path, id.
fn listed_operations() -> Vec<(Vec<String>, String, String, String)> {
    let output = run(cli(&scratch()).tap_arg("operations"));
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    text(&output.stdout)
        .lines()
        .map(|line| {
            let parts: Vec<&str> = line.split('\t').collect();
            assert_eq!(parts.len(), 4, "{line}");
            (
                parts[0].split(' ').map(str::to_owned).collect(),
                parts[1].to_owned(),
                parts[2].to_owned(),
                parts[3].to_owned(),
            )
        })
        .collect()
}

trait Tap {
    fn tap_arg(self, arg: &str) -> Self;
}

impl Tap for Command {
    fn tap_arg(mut self, arg: &str) -> Self {
        self.arg(arg);
        self
    }
}

fn spec() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap();
    let yaml: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    serde_json::to_value(yaml).unwrap()
}

/// (method, path, request body schema) of every operation of the spec.
fn spec_operations(spec: &Value) -> Vec<(String, String, Option<Value>)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let body = operation
                .pointer("/requestBody/content/application~1json/schema")
                .cloned();
            out.push((method.to_uppercase(), path.clone(), body));
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

/// The smallest value the schema accepts, for bodies of the commands under test.
fn minimal(schema: &Value, spec: &Value) -> Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let target = spec
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{reference}"));
        return minimal(target, spec);
    }
    for combinator in ["allOf", "oneOf", "anyOf"] {
        if let Some(first) = schema[combinator].get(0) {
            return minimal(first, spec);
        }
    }
    if let Some(first) = schema["enum"].get(0) {
        return first.clone();
    }
    match schema["type"].as_str() {
        Some("object") | None if schema.get("properties").is_some() => {
            let mut object = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                object.insert(name.to_owned(), minimal(&schema["properties"][name], spec));
            }
            Value::Object(object)
        }
        Some("string") => match schema["format"].as_str() {
            Some("email") => json!("ops@example.com"),
            Some("uri") => json!("https://hooks.example.com/sendmux"),
            Some("date-time") => json!("2026-01-01T00:00:00Z"),
            _ => {
                let length = schema["minLength"].as_u64().unwrap_or(1).max(1);
                json!("x".repeat(usize::try_from(length).unwrap()))
            }
        },
        Some("integer") | Some("number") => {
            let minimum = schema["minimum"].as_i64().unwrap_or(1);
            let exclusive = schema["exclusiveMinimum"].as_bool().unwrap_or(false);
            json!(minimum + i64::from(exclusive))
        }
        Some("boolean") => json!(true),
        Some("array") => {
            let count = schema["minItems"].as_u64().unwrap_or(0);
            Value::Array(
                (0..count)
                    .map(|_| minimal(&schema["items"], spec))
                    .collect(),
            )
        }
        _ => json!({}),
    }
}

/// The arguments of every operation's command: its words, a value per path parameter, and a
/// minimal body; with the expected method and path.
fn every_command() -> Vec<(String, Vec<String>, String, String)> {
    let spec = spec();
    let expected = spec_operations(&spec);
    let listed = listed_operations();
    assert_eq!(listed.len(), expected.len(), "one command per operation");
    let mut mapped: Vec<(String, String)> = listed
        .iter()
        .map(|(_, method, path, _)| (method.clone(), path.clone()))
        .collect();
    mapped.sort();
    let spec_pairs: Vec<(String, String)> = expected
        .iter()
        .map(|(m, p, _)| (m.clone(), p.clone()))
        .collect();
    assert_eq!(mapped, spec_pairs);

    let mut out = Vec::new();
    for (words, method, path, id) in listed {
        let mut args = words.clone();
        let mut sent_path = path.clone();
        for (i, _) in path.matches('{').enumerate() {
            let value = format!("p{i}");
            let start = sent_path.find('{').unwrap();
            let end = sent_path[start..].find('}').unwrap() + start;
            sent_path.replace_range(start..=end, &value);
            args.push(value);
        }
        let info = sendmux_management::dynamic::operation(&id).unwrap();
        let mut query = Vec::new();
        for param in info.params.iter().filter(|p| p.required) {
            if param.location != sendmux_management::dynamic::Location::Query {
                continue;
            }
            let value = match param.value {
                sendmux_management::dynamic::ValueKind::Enum(values) => values[0].to_owned(),
                sendmux_management::dynamic::ValueKind::Integer { min, .. } => {
                    min.unwrap_or(1).to_string()
                }
                _ => "q".to_owned(),
            };
            args.push(format!("--{}", param.name.replace('_', "-")));
            args.push(value.clone());
            query.push(format!("{}={value}", param.name));
        }
        if !query.is_empty() {
            sent_path = format!("{sent_path}?{}", query.join("&"));
        }
        let body = expected
            .iter()
            .find(|(m, p, _)| *m == method && *p == path)
            .and_then(|(_, _, body)| body.clone());
        if let Some(schema) = body {
            args.push("--body".to_owned());
            args.push(minimal(&schema, &spec).to_string());
        }
        out.push((id, args, method, sent_path));
    }
    out
}

#[test]
fn every_operation_dry_runs_with_its_method_and_path() {
    let commands = every_command();
    assert_eq!(commands.len(), 54);
    for (id, args, method, path) in commands {
        let mut command = cli(&scratch());
        command
            .args(&args)
            .args(["--dry-run", "--base-url", NOWHERE]);
        let output = run(command);
        assert_eq!(code(&output), 0, "{id} {args:?}: {}", text(&output.stderr));
        let stdout = text(&output.stdout);
        let first = stdout.lines().next().unwrap_or_default();
        assert_eq!(first, format!("{method} {NOWHERE}{path}"), "{id}");
        assert!(stdout.contains("authorization: Bearer <redacted>"), "{id}");
    }
}

#[test]
fn every_operation_answers_with_the_mock() {
    for (id, args, _, _) in every_command() {
        let mut command = cli(&scratch());
        command.arg("--mock").args(&args);
        let output = run(command);
        assert_eq!(code(&output), 0, "{id} {args:?}: {}", text(&output.stderr));
        let stdout = text(&output.stdout);
        if id != "get_domain_zone_file" {
            let value: Value =
                serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{id}: {e}: {stdout}"));
            assert!(!value.is_null(), "{id}");
        }
    }
}

#[test]
fn mock_lists_domains_as_the_spec_example() {
    let output = run(cli(&scratch())
        .tap_arg("--mock")
        .tap_arg("domains")
        .tap_arg("list"));
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let example = serde_json::to_value(vec![Domain::example()]).unwrap();
    assert_eq!(listed, example);
}

fn golden(name: &str) -> String {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn with_key(home: &Path, api: &MockApi) -> Command {
    let mut command = cli(home);
    command
        .env("SENDMUX_API_KEY", KEY)
        .args(["--base-url", api.base_url()]);
    command
}

/// Two pages of domains: `mdom_1` then `mdom_2`.
async fn two_pages(api: &MockApi) {
    let mut second = Domain::example();
    second.id = "mdom_2".to_owned();
    second.domain = "news.example.com".to_owned();
    api.list_domains(|when, then| {
        when.cursor("page_2");
        then.ok(&DomainPage::of(vec![second]));
    });
    let mut first = Domain::example();
    first.id = "mdom_1".to_owned();
    api.list_domains(|_, then| {
        then.ok(&DomainPage::of(vec![first]).followed_by("page_2"));
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn golden_outputs() {
    let api = MockApi::start().await;
    two_pages(&api).await;
    api.answer_with_examples().await;
    let home = scratch();
    let cases: &[(&[&str], &str)] = &[
        (&["domains", "list"], "domains_list.json"),
        (&["domains", "list", "-o", "table"], "domains_list.table"),
        (&["domains", "list", "--all"], "domains_list_all.ndjson"),
        (
            &["mailboxes", "list", "-o", "table"],
            "mailboxes_list.table",
        ),
        (
            &["webhooks", "get", "whk_1", "-o", "table"],
            "webhooks_get.table",
        ),
    ];
    for (args, file) in cases {
        let mut command = with_key(&home, &api);
        command.args(*args);
        let output = run_async(command).await;
        assert_eq!(code(&output), 0, "{args:?}: {}", text(&output.stderr));
        let path = format!("{}/tests/golden/{file}", env!("CARGO_MANIFEST_DIR"));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, text(&output.stdout)).unwrap();
        }
        assert_eq!(text(&output.stdout), golden(file), "{args:?}");
        // Not a terminal: no progress line.
        assert_eq!(text(&output.stderr), "", "{args:?}");
    }
    // --max-items stops the walk.
    let mut command = with_key(&home, &api);
    command.args(["domains", "list", "--max-items", "1"]);
    let output = run_async(command).await;
    assert_eq!(text(&output.stdout).lines().count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_codes_follow_the_class_of_failure() {
    let api = MockApi::start().await;
    let missing =
        serde_json::to_value(testing::error(ErrorCode::NotFound, "No such domain.")).unwrap();
    api.mock_async(|when, then| {
        when.method(Method::GET).path("/domains/mdom_gone");
        then.status(404).json_body(missing);
    })
    .await;
    api.rate_limited(Method::GET, "/mailboxes", Duration::ZERO, 1)
        .await;
    api.unavailable(Method::GET, "/webhooks", usize::MAX).await;
    api.answer_with_examples().await;
    let home = scratch();

    let mut command = with_key(&home, &api);
    command.args(["domains", "get", "mdom_gone"]);
    let output = run_async(command).await;
    let stderr = text(&output.stderr);
    assert_eq!(code(&output), 3, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("404") && stderr.contains("req_mock"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());

    let mut command = with_key(&home, &api);
    command.args(["mailboxes", "list", "-v"]);
    let output = run_async(command).await;
    let stderr = text(&output.stderr);
    assert_eq!(code(&output), 0, "{stderr}");
    assert!(stderr.contains("retry: attempt 1 failed"), "{stderr}");
    assert!(stderr.contains("request id: req_mock"), "{stderr}");

    let mut command = with_key(&home, &api);
    command.args(["webhooks", "list", "-v", "--max-attempts", "2"]);
    let output = run_async(command).await;
    let stderr = text(&output.stderr);
    assert_eq!(code(&output), 4, "{stderr}");
    assert_eq!(stderr.matches("retry:").count(), 1, "{stderr}");
    assert!(stderr.contains("503"), "{stderr}");

    // A body that does not fit its model: refused before sending (a request sent to NOWHERE
    // would exit with 4), naming the JSON pointer.
    let mut command = cli(&home);
    command.env("SENDMUX_API_KEY", KEY).args([
        "--base-url",
        NOWHERE,
        "mailboxes",
        "create",
        "--body",
        r#"{"email": 5}"#,
    ]);
    let output = run_async(command).await;
    let stderr = text(&output.stderr);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(stderr.contains("/email"), "{stderr}");

    // No key: a configuration failure.
    let mut command = cli(&home);
    command.args(["--base-url", NOWHERE, "domains", "list"]);
    assert_eq!(code(&run_async(command).await), 5);

    // Unreachable: a transport failure.
    let mut command = cli(&home);
    command.env("SENDMUX_API_KEY", KEY).args([
        "--base-url",
        NOWHERE,
        "--max-attempts",
        "1",
        "domains",
        "list",
    ]);
    assert_eq!(code(&run_async(command).await), 4);

    // Usage.
    assert_eq!(
        code(&run(cli(&home).tap_arg("domains").tap_arg("frobnicate"))),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_is_used_from_each_source_and_never_shown() {
    let api = MockApi::start().await;
    let missing =
        serde_json::to_value(testing::error(ErrorCode::NotFound, "No such domain.")).unwrap();
    let authorization = format!("Bearer {KEY}");
    api.mock_async(|when, then| {
        when.method(Method::GET)
            .path("/domains/mdom_gone")
            .header("authorization", &authorization);
        then.status(404).json_body(missing);
    })
    .await;
    let example = serde_json::to_value(DomainPage::of(vec![Domain::example()])).unwrap();
    // Only the right key gets an answer: success proves the key of each source was sent.
    api.mock_async(|when, then| {
        when.method(Method::GET)
            .path("/domains")
            .header("authorization", &authorization);
        then.status(200).json_body(example);
    })
    .await;

    let env_home = scratch();
    let file_home = scratch();
    let key_file = file_home.join("key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let profile_home = scratch();
    std::fs::create_dir_all(profile_home.join("sendmux")).unwrap();
    std::fs::write(
        profile_home.join("sendmux/config.toml"),
        format!(
            "[profiles.work]\napi_key = \"{KEY}\"\nbase_url = \"{}\"\n",
            api.base_url()
        ),
    )
    .unwrap();

    for source in ["env", "file", "profile"] {
        for args in [
            &["domains", "list", "-v"][..],
            &["domains", "get", "mdom_gone", "-v"],
            &[
                "domains",
                "create",
                "--domain",
                "mail.example.com",
                "--dry-run",
            ],
        ] {
            let mut command = match source {
                "env" => {
                    let mut c = cli(&env_home);
                    c.env("SENDMUX_API_KEY", KEY)
                        .args(["--base-url", api.base_url()]);
                    c
                }
                "file" => {
                    let mut c = cli(&file_home);
                    c.arg("--api-key-file")
                        .arg(&key_file)
                        .args(["--base-url", api.base_url()]);
                    c
                }
                _ => {
                    let mut c = cli(&profile_home);
                    c.args(["--profile", "work"]);
                    c
                }
            };
            command.args(args);
            let output = run_async(command).await;
            let all = text(&output.stdout) + &text(&output.stderr);
            let expected = if args[1] == "get" { 3 } else { 0 };
            assert_eq!(code(&output), expected, "{source} {args:?}: {all}");
            assert!(!all.contains(KEY), "{source} {args:?}: {all}");
            assert!(!all.contains("k3yThat"), "{source} {args:?}: {all}");
        }
    }

    // A broken configuration file is reported without quoting the line holding the key.
    let broken = scratch();
    std::fs::create_dir_all(broken.join("sendmux")).unwrap();
    std::fs::write(
        broken.join("sendmux/config.toml"),
        format!("[profiles.default]\napi_key = \"{KEY}\n"),
    )
    .unwrap();
    let output = run(cli(&broken).tap_arg("me"));
    let all = text(&output.stdout) + &text(&output.stderr);
    assert_eq!(code(&output), 5, "{all}");
    assert!(all.contains("line 2"), "{all}");
    assert!(!all.contains("k3yThat"), "{all}");
}

#[test]
fn body_fields_are_options() {
    let output = run(cli(&scratch())
        .tap_arg("--dry-run")
        .tap_arg("domains")
        .tap_arg("create")
        .tap_arg("--domain")
        .tap_arg("mail.example.com"));
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("POST https://"), "{stdout}");
    assert!(stdout.contains("idempotency-key: <a new key"), "{stdout}");
    let body: Value = serde_json::from_str(&stdout[stdout.find("\n\n").unwrap()..]).unwrap();
    assert_eq!(body, json!({"domain": "mail.example.com"}));

    // A required field missing is named.
    let output = run(cli(&scratch())
        .tap_arg("--dry-run")
        .tap_arg("domains")
        .tap_arg("create"));
    assert_eq!(code(&output), 2);
    assert!(text(&output.stderr).contains("domain"));
}

const EVENT: &str = r#"{"id":"evt_1","type":"sendmux.test","team_public_id":"team_1","occurred_at":"2026-11-02T09:30:00Z","data":{"message_id":null,"message_id_kind":null,"sendmux_message_id":null,"sender":null,"recipients":[],"mailbox_id":null,"bounce_type":null,"bounce_subtype":null,"complaint_type":null,"complaint_subtype":null,"reject_reason":null,"delay_type":null,"delay_expires_at":null,"is_spam":null,"webhook_id":"whk_1"}}"#;
const SECRET: &str = "whsec_dontPrintMe42";

fn verify(body: &str, signature: &str) -> Output {
    let home = scratch();
    let payload = home.join("body.json");
    std::fs::write(&payload, body).unwrap();
    let headers = home.join("headers.txt");
    std::fs::write(
        &headers,
        format!(
            "POST /hooks HTTP/1.1\r\nContent-Type: application/json\r\nX-Sendmux-Signature: {signature}\r\nX-Sendmux-Event-Id: evt_1\r\n"
        ),
    )
    .unwrap();
    let mut command = cli(&home);
    command
        .env("HOOK_SECRET", SECRET)
        .args([
            "webhooks",
            "verify",
            "--secret-env",
            "HOOK_SECRET",
            "--max-age",
            "0",
        ])
        .arg("--payload")
        .arg(&payload)
        .arg("--headers")
        .arg(&headers);
    run(command)
}

#[test]
fn webhook_deliveries_are_verified() {
    let signature = sendmux_management::webhooks::sign(SECRET, EVENT.as_bytes());
    let output = verify(EVENT, &signature);
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let event: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(event["id"], "evt_1");

    let tampered = EVENT.replace("team_1", "team_2");
    let output = verify(&tampered, &signature);
    assert_eq!(code(&output), 6);
    assert!(output.stdout.is_empty());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("not verified"), "{stderr}");
    assert!(!stderr.contains(SECRET));

    let wrong = sendmux_management::webhooks::sign("whsec_other", EVENT.as_bytes());
    assert_eq!(code(&verify(EVENT, &wrong)), 6);
}

#[test]
fn completions_and_help() {
    let output = run(cli(&scratch()).tap_arg("completions").tap_arg("bash"));
    assert_eq!(code(&output), 0);
    assert!(text(&output.stdout).contains("sendmux-mgmt"));

    let output = run(cli(&scratch()).tap_arg("--help"));
    assert_eq!(code(&output), 0);
    let help = text(&output.stdout);
    assert!(
        help.contains("Exit codes:") && help.contains("SENDMUX_API_KEY"),
        "{help}"
    );

    let output = run(cli(&scratch())
        .tap_arg("emails")
        .tap_arg("logs")
        .tap_arg("list")
        .tap_arg("--help"));
    let help = text(&output.stdout);
    assert!(help.contains("--status"), "{help}");
    assert!(help.contains("rejected"), "enum values are listed: {help}");
}
