//! What the crate shows of the server's answers: a server or proxy echoing the request's headers
//! cannot put the credential into errors, request ids or other metadata, and cannot start a new
//! line in a log through `Display`. A base URL cannot smuggle a password into the client.

mod common;

use std::error::Error as _;

use common::{client, expect, fixture, TOKEN};
use httpmock::Method::GET;
use httpmock::MockServer;
use sendmux_management::{Client, ConfigError, Error, RetryPolicy};
use serde_json::json;

/// The part of the key that must never be shown.
fn key() -> &'static str {
    &TOKEN["smx_root_".len()..]
}

/// Everything the crate lets one print about an error.
fn shown(error: &Error) -> String {
    let mut text = format!("{error}\n{error:?}\n{error:#?}\n{:?}", error.request_id());
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!("\n{cause}\n{cause:?}"));
        source = cause.source();
    }
    text
}

fn assert_clean(text: &str, secret: &str) {
    assert!(!text.contains(secret), "the credential leaked:\n{text}");
}

#[tokio::test]
async fn a_proxy_page_echoing_the_key_shows_it_nowhere() {
    let server = MockServer::start_async().await;
    let page = format!(
        "<html>\n<body>\n<h1>502 Bad Gateway</h1>\n<pre>GET /api/v1/domains\nAuthorization: Bearer {TOKEN}\n</pre>\n</body>\n</html>"
    );
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains");
            then.status(502)
                .header("content-type", "text/html")
                .header("x-request-id", format!("edge-1 Bearer {TOKEN}"))
                .body(page);
        })
        .await;
    let error = client(&server).list_domains().await.expect_err("fails");
    let text = shown(&error);
    assert_clean(&text, key());
    let api = error.as_api().expect("an API error");
    assert!(api.message.contains("Bearer <redacted>"), "{}", api.message);
    assert_eq!(error.request_id(), Some("edge-1 Bearer <redacted>"));
    // The page's lines stay on one line when displayed.
    let line = error.to_string();
    assert!(!line.contains('\n'), "{line}");
    assert!(line.contains(r"<h1>502 Bad Gateway</h1>\n<pre>"), "{line}");
}

#[tokio::test]
async fn an_error_envelope_echoing_the_key_shows_it_nowhere() {
    let server = MockServer::start_async().await;
    let body = json!({
        "ok": false,
        "error": {
            "code": format!("rejected_{TOKEN}"),
            "message": format!("The header `Bearer {TOKEN}` is not valid."),
            "param": format!("authorization={TOKEN}"),
            "doc_url": format!("https://docs.example.com/errors?key={TOKEN}"),
            "retryable": false,
            "errors": [{
                "field": format!("headers.{TOKEN}"),
                "code": format!("bad_{TOKEN}"),
                "message": format!("{TOKEN} was sent")
            }]
        },
        "meta": {"request_id": format!("req_{TOKEN}")}
    });
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains");
            then.status(401).json_body(body);
        })
        .await;
    let error = client(&server).list_domains().await.expect_err("fails");
    assert_clean(&shown(&error), key());
    let api = error.as_api().expect("an API error");
    assert_clean(&format!("{:?}", api.code), key());
    assert_eq!(api.message, "The header `Bearer <redacted>` is not valid.");
    assert_eq!(api.param.as_deref(), Some("authorization=<redacted>"));
    assert_eq!(
        api.doc_url.as_deref(),
        Some("https://docs.example.com/errors?key=<redacted>")
    );
    assert_eq!(api.issues[0].field, "headers.<redacted>");
    assert_eq!(api.issues[0].code, "bad_<redacted>");
    assert_eq!(api.issues[0].message, "<redacted> was sent");
    assert_eq!(api.request_id.as_deref(), Some("req_<redacted>"));
}

#[tokio::test]
async fn a_success_body_echoing_the_key_does_not_show_it_in_the_decode_error() {
    let server = MockServer::start_async().await;
    let mut body = fixture("get_me");
    body["data"]["team"] = json!(format!("Bearer {TOKEN}"));
    server
        .mock_async(|when, then| {
            expect(when, GET, "/me");
            then.status(200).json_body(body);
        })
        .await;
    let error = client(&server).get_me().await.expect_err("does not decode");
    assert_clean(&shown(&error), key());
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert!(decode.excerpt.contains("Bearer <redacted>"), "{decode:?}");
    assert!(decode.reason.contains("Bearer <redacted>"), "{decode:?}");
}

#[tokio::test]
async fn a_token_from_a_provider_is_removed_as_well() {
    const PROVIDED: &str = "oauth_at_5d1e93b7c2f04a68";
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/domains")
                .header("authorization", format!("Bearer {PROVIDED}"));
            then.status(500)
                .header("x-request-id", PROVIDED)
                .body(format!("upstream said no to {PROVIDED}"));
        })
        .await;
    let client = Client::builder()
        .token_provider(|| async { Ok(PROVIDED.to_owned()) })
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let error = client.list_domains().await.expect_err("fails");
    assert_clean(&shown(&error), PROVIDED);
    assert_eq!(error.request_id(), Some("<redacted>"));
}

#[tokio::test]
async fn a_success_echoing_the_key_in_its_metadata_does_not_show_it() {
    let server = MockServer::start_async().await;
    let mut body = fixture("get_me");
    body["meta"]["request_id"] = json!(format!("req Bearer {TOKEN}"));
    server
        .mock_async(|when, then| {
            expect(when, GET, "/me");
            then.status(200)
                .header("etag", format!("\"{TOKEN}\""))
                .header("location", format!("/echo/{TOKEN}"))
                .json_body(body);
        })
        .await;
    let me = client(&server).get_me().await.expect("decodes");
    assert_clean(&format!("{me:?}"), key());
    assert_eq!(me.request_id.as_deref(), Some("req Bearer <redacted>"));
    assert_eq!(me.etag.as_deref(), Some("\"<redacted>\""));
    assert_eq!(me.location.as_deref(), Some("/echo/<redacted>"));
}

#[tokio::test]
async fn a_304_echoing_the_key_does_not_show_it() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains/mdom_1");
            then.status(304)
                .header("etag", format!("W/\"{TOKEN}\""))
                .header("x-request-id", format!("req_{TOKEN}"));
        })
        .await;
    let answer = client(&server)
        .get_domain("mdom_1")
        .if_changed("W/\"1\"")
        .await
        .expect("answered");
    assert_clean(&format!("{answer:?}"), key());
    let sendmux_management::Conditional::NotModified(unchanged) = answer else {
        panic!("expected not modified");
    };
    assert_eq!(unchanged.request_id.as_deref(), Some("req_<redacted>"));
}

#[tokio::test]
async fn server_text_cannot_break_a_log_line() {
    let server = MockServer::start_async().await;
    let forged =
        "Denied.\n2026-11-02T09:30:00Z INFO login ok user=admin\r\u{1b}[2K\u{85}\u{2028}\u{202e}";
    let body = json!({
        "ok": false,
        "error": {
            "code": "not_found",
            "message": forged,
            "param": "id\nx",
            "retryable": false
        },
        "meta": {"request_id": "req_1\r\nSet-Cookie: x"}
    });
    server
        .mock_async(|when, then| {
            expect(when, GET, "/domains/mdom_1");
            then.status(404).json_body(body);
        })
        .await;
    let error = client(&server)
        .get_domain("mdom_1")
        .await
        .expect_err("fails");
    let line = error.to_string();
    assert!(
        !line
            .chars()
            .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{202e}')),
        "{line:?}"
    );
    assert_eq!(
        line,
        r"API error 404 not_found: Denied.\n2026-11-02T09:30:00Z INFO login ok user=admin\r\u{1b}[2K\u{85}\u{2028}\u{202e} (param id\nx) [request req_1\r\nSet-Cookie: x]"
    );
    // The fields keep the text as the server sent it, for programs to read.
    assert_eq!(error.as_api().unwrap().message, forged);
}

#[test]
fn a_base_url_with_a_user_or_password_is_refused_without_echoing_it() {
    for url in [
        "https://ops:hunter2-pw@app.sendmux.ai/api/v1",
        "http://ops:hunter2-pw@127.0.0.1:9",
        "https://:hunter2-pw@app.sendmux.ai",
        "https://hunter2-pw@app.sendmux.ai",
    ] {
        let result = Client::builder().api_key(TOKEN).base_url(url).build();
        let error = match result {
            Err(Error::Config(error)) => error,
            Err(other) => panic!("{url}: expected a configuration error, got {other:?}"),
            Ok(_) => panic!("{url}: accepted"),
        };
        assert!(
            matches!(error, ConfigError::InvalidBaseUrl(_)),
            "{url}: {error:?}"
        );
        assert_clean(&format!("{error}\n{error:?}"), "hunter2-pw");
    }
}
