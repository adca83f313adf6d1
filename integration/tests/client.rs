//! Building a client: credentials, base URL checks, configuration, and what goes out on the wire.

mod common;

use std::future::IntoFuture;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{fixture, TOKEN};
use httpmock::Method::GET;
use httpmock::MockServer;
use sendmux_management::{Client, ConfigError, Error, RetryPolicy, TokenProvider};

/// A token provider handing out `oat_1`, `oat_2`, …, and how many it handed out.
fn numbered_tokens() -> (Arc<AtomicUsize>, impl TokenProvider) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let provider = move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move { Ok(format!("oat_{n}")) }
    };
    (calls, provider)
}

fn config_error(result: Result<Client, Error>) -> ConfigError {
    match result {
        Err(Error::Config(error)) => error,
        Err(other) => panic!("expected a configuration error, got {other}"),
        Ok(client) => panic!("expected a configuration error, got {client:?}"),
    }
}

#[test]
fn bad_keys_are_refused_without_echoing_them() {
    let cases = [
        ("", "empty"),
        ("smx_mbx_abcdef123456", "not root"),
        ("smx_root_abc\ndef", "control"),
        ("smx_root_abc\u{7f}def", "control"),
        ("smx_root_abc def", "space"),
    ];
    for (key, why) in cases {
        let error = config_error(Client::new(key));
        let shown = format!("{error} {error:?}");
        match why {
            "empty" => assert!(matches!(error, ConfigError::EmptyKey)),
            "not root" => assert!(matches!(error, ConfigError::NotARootKey)),
            _ => assert!(
                matches!(error, ConfigError::MalformedKey),
                "{why}: {error:?}"
            ),
        }
        if !key.is_empty() {
            assert!(
                !shown.contains(&key[4..]),
                "{why}: the message echoes the key: {shown}"
            );
        }
    }
}

#[test]
fn a_missing_key_is_a_configuration_error() {
    assert!(matches!(
        config_error(Client::builder().build()),
        ConfigError::MissingKey
    ));
}

#[test]
fn plain_http_is_refused_unless_loopback() {
    for url in ["http://app.sendmux.ai/api/v1", "http://10.0.0.5:8080"] {
        let error = config_error(Client::builder().api_key(TOKEN).base_url(url).build());
        assert!(
            matches!(error, ConfigError::InsecureBaseUrl),
            "{url}: {error:?}"
        );
    }
    for url in [
        "http://127.0.0.1:9",
        "http://localhost:8080/api/v1",
        "http://[::1]:9",
    ] {
        Client::builder()
            .api_key(TOKEN)
            .base_url(url)
            .build()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }
    for url in ["not a url", "ftp://example.com", "https://example.com/?q=1"] {
        let error = config_error(Client::builder().api_key(TOKEN).base_url(url).build());
        assert!(
            matches!(error, ConfigError::InvalidBaseUrl(_)),
            "{url}: {error:?}"
        );
    }
}

#[test]
fn the_default_base_url_is_production() {
    let client = Client::new(TOKEN).expect("client");
    assert_eq!(client.base_url(), "https://app.sendmux.ai/api/v1");
}

#[test]
fn clones_are_cheap_and_thread_safe() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Client>();
}

#[tokio::test]
async fn requests_carry_the_key_and_identify_the_crate() {
    let server = MockServer::start_async().await;
    let body = fixture("get_me");
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/me")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header_prefix("user-agent", "sendmux-management-rust/")
                .header_suffix("user-agent", " billing-sync/2.1");
            then.status(200).json_body(body);
        })
        .await;
    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(server.base_url())
        .user_agent_suffix("billing-sync/2.1")
        .build()
        .expect("client");
    client.get_me().await.expect("me");
    mock.assert_async().await;
}

#[tokio::test]
async fn an_oauth_token_needs_no_key_prefix() {
    let server = MockServer::start_async().await;
    let body = fixture("get_me");
    let mock = server
        .mock_async(|when, then| {
            when.path("/me")
                .header("authorization", "Bearer oat_2b7f9c");
            then.status(200).json_body(body);
        })
        .await;
    let client = Client::builder()
        .oauth_token("oat_2b7f9c")
        .base_url(server.base_url())
        .build()
        .expect("client");
    client.get_me().await.expect("me");
    mock.assert_async().await;
}

#[tokio::test]
async fn a_token_provider_is_asked_before_every_request() {
    let server = MockServer::start_async().await;
    let body = fixture("get_me");
    let first = server
        .mock_async(|when, then| {
            when.path("/me").header("authorization", "Bearer oat_1");
            then.status(200).json_body(body.clone());
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.path("/me").header("authorization", "Bearer oat_2");
            then.status(200).json_body(body.clone());
        })
        .await;
    let (calls, provider) = numbered_tokens();
    let client = Client::builder()
        .token_provider(provider)
        .base_url(server.base_url())
        .build()
        .expect("client");
    client.get_me().await.expect("first");
    client.clone().get_me().await.expect("second");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn a_token_provider_is_asked_again_for_a_retried_attempt() {
    let server = MockServer::start_async().await;
    let unavailable = server
        .mock_async(|when, then| {
            when.path("/me").header("authorization", "Bearer oat_1");
            then.status(503);
        })
        .await;
    let answered = server
        .mock_async(|when, then| {
            when.path("/me").header("authorization", "Bearer oat_2");
            then.status(200).json_body(fixture("get_me"));
        })
        .await;
    let (calls, provider) = numbered_tokens();
    let client = Client::builder()
        .token_provider(provider)
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(1)))
        .build()
        .expect("client");
    client.get_me().await.expect("the second attempt succeeds");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    unavailable.assert_async().await;
    answered.assert_async().await;
}

#[tokio::test]
async fn a_token_provider_failing_before_a_retry_ends_the_call_with_its_own_error() {
    let server = MockServer::start_async().await;
    let unavailable = server
        .mock_async(|when, then| {
            when.path("/me");
            then.status(503);
        })
        .await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let client = Client::builder()
        .token_provider(move || {
            let first = counter.fetch_add(1, Ordering::SeqCst) == 0;
            async move {
                if first {
                    Ok("oat_1".to_owned())
                } else {
                    Err("refresh token revoked".into())
                }
            }
        })
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(1)))
        .build()
        .expect("client");
    let error = client
        .get_me()
        .await
        .expect_err("no credential for the retry");
    // Not the 503 of the first attempt: the retry ended the call before it left.
    assert!(
        matches!(error, Error::Config(ConfigError::TokenProvider(_))),
        "{error:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    unavailable.assert_calls_async(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_built_before_a_slow_token_provider_answers_leave_whole() {
    let server = MockServer::start_async().await;
    let answered = server
        .mock_async(|when, then| {
            when.path("/me")
                .header_exists("authorization")
                .header_missing("api-version");
            then.status(200).json_body(fixture("get_me"));
        })
        .await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let client = Client::builder()
        .token_provider(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                // The request is built before the provider is asked; it waits meanwhile.
                tokio::time::sleep(Duration::from_millis(1 + n as u64 % 3)).await;
                Ok(format!("oat_{n}"))
            }
        })
        .base_url(server.base_url())
        .build()
        .expect("client");
    let calls_made: Vec<_> = (0..16)
        .map(|_| tokio::spawn(client.get_me().into_future()))
        .collect();
    for call in calls_made {
        call.await.expect("task").expect("me");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 16);
    answered.assert_calls_async(16).await;
}

#[tokio::test]
async fn a_failing_token_provider_fails_the_request_before_it_leaves() {
    let server = MockServer::start_async().await;
    let mock = common::any_request(&server).await;
    let client = Client::builder()
        .token_provider(|| async { Err("refresh token revoked".into()) })
        .base_url(server.base_url())
        .build()
        .expect("client");
    let error = client.get_me().await.expect_err("fails");
    assert!(
        matches!(error, Error::Config(ConfigError::TokenProvider(_))),
        "{error:?}"
    );
    assert!(error.to_string().contains("refresh token revoked"));
    mock.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_caller_supplied_http_client_is_used() {
    let server = MockServer::start_async().await;
    let body = fixture("get_me");
    let mock = server
        .mock_async(|when, then| {
            when.path("/me").header("x-tenant", "acme");
            then.status(200).json_body(body);
        })
        .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-tenant", "acme".parse().unwrap());
    sendmux_management::install_crypto_provider();
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(server.base_url())
        .http_client(http)
        .build()
        .expect("client");
    client.get_me().await.expect("me");
    mock.assert_async().await;
}

#[tokio::test]
async fn the_request_timeout_applies() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/me");
            then.status(200).delay(Duration::from_secs(5));
        })
        .await;
    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(server.base_url())
        .request_timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let error = client.get_me().await.expect_err("times out");
    let Error::Transport(transport) = &error else {
        panic!("expected a transport error, got {error:?}");
    };
    assert_eq!(
        transport.kind,
        sendmux_management::TransportErrorKind::Timeout
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .expect("client");
    let error = client.get_me().await.expect_err("refused");
    let Error::Transport(transport) = &error else {
        panic!("expected a transport error, got {error:?}");
    };
    assert_eq!(
        transport.kind,
        sendmux_management::TransportErrorKind::Connect
    );
    assert!(std::error::Error::source(&error).is_some());
}

#[tokio::test]
async fn from_env_reads_the_key_and_base_url() {
    // The only test of this binary touching these variables.
    let server = MockServer::start_async().await;
    let body = fixture("get_me");
    let mock = server
        .mock_async(|when, then| {
            when.path("/me")
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(200).json_body(body);
        })
        .await;
    std::env::remove_var("SENDMUX_API_KEY");
    assert!(matches!(
        Client::from_env(),
        Err(Error::Config(ConfigError::MissingKey))
    ));
    std::env::set_var("SENDMUX_API_KEY", TOKEN);
    std::env::set_var("SENDMUX_BASE_URL", server.base_url());
    let client = Client::from_env().expect("client");
    assert_eq!(client.base_url(), server.base_url());
    client.get_me().await.expect("me");
    mock.assert_async().await;
}
