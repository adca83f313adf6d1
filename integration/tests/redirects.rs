//! The API never redirects, so a redirect comes from something between the client and the API:
//! none is followed, none is retried, and the request never reaches where it points.

mod common;

use std::time::Duration;

use common::{any_request, fixture, TOKEN};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use sendmux_management::{types, Client, Error, RetryPolicy};
use serde_json::json;

const REDIRECTS: [u16; 5] = [301, 302, 303, 307, 308];

/// Retries on, and quick: a retried redirect would show as more than one call.
fn retrying() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

fn client_for(server: &MockServer) -> Client {
    Client::builder()
        .api_key(TOKEN)
        .base_url(server.base_url())
        .retry_policy(retrying())
        .build()
        .expect("client")
}

/// A create whose body carries a secret, the request a redirect must not carry elsewhere.
fn provider() -> types::ProviderCreateBody {
    serde_json::from_value(json!({
        "name": "Transactional SMTP",
        "smtp_host": "smtp.example.net",
        "smtp_port": 587,
        "smtp_protocol": "starttls",
        "smtp_username": "relay",
        "smtp_password": "s3cret-pass",
        "from_email": "billing@notify.example.com",
        "percentage": 50,
        "quotas": {"per_day": 10000, "per_second": {"min": 2, "max": 5}}
    }))
    .expect("request body fits its schema")
}

/// Answers every request with `status` and `Location: location`.
async fn redirecting<'a>(
    server: &'a MockServer,
    status: u16,
    location: &str,
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(status)
                .header("location", location)
                .header("content-type", "application/json")
                .json_body(fixture("get_me"));
        })
        .await
}

fn assert_redirect(error: &Error, status: u16, location: Option<&str>, context: &str) {
    let Error::Redirect(redirect) = error else {
        panic!("{context}: expected a redirect error, got {error:?}");
    };
    assert_eq!(redirect.status, Some(status), "{context}");
    assert_eq!(redirect.location.as_deref(), location, "{context}");
    assert_eq!(error.status(), Some(status), "{context}");
    assert!(!error.is_retryable(), "{context}");
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains(TOKEN),
        "{context}: the key shows in {shown}"
    );
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_nor_retried() {
    for status in REDIRECTS {
        let api = MockServer::start_async().await;
        let elsewhere = MockServer::start_async().await;
        let stolen = any_request(&elsewhere).await;
        let location = format!("{}/me", elsewhere.base_url());
        let redirect = redirecting(&api, status, &location).await;
        let client = client_for(&api);

        let error = client.get_me().await.expect_err("a redirect is an error");
        assert_redirect(&error, status, Some(&location), &format!("GET {status}"));
        redirect.assert_calls_async(1).await;

        let error = client
            .create_provider(provider())
            .await
            .expect_err("a redirect is an error");
        assert_redirect(&error, status, Some(&location), &format!("POST {status}"));
        redirect.assert_calls_async(2).await;

        stolen.assert_calls_async(0).await;
    }
}

#[tokio::test]
async fn a_redirect_within_the_api_host_is_not_followed_either() {
    for status in REDIRECTS {
        let api = MockServer::start_async().await;
        let redirect = |method, path: &'static str| {
            api.mock_async(move |when, then| {
                when.method(method).path(path);
                then.status(status).header("location", "/admin/export");
            })
        };
        let get = redirect(GET, "/me").await;
        let post = redirect(POST, "/providers").await;
        let elsewhere = any_request(&api).await;
        let client = client_for(&api);

        let error = client.get_me().await.expect_err("redirected");
        assert_redirect(
            &error,
            status,
            Some("/admin/export"),
            &format!("GET {status}"),
        );
        let error = client
            .create_provider(provider())
            .await
            .expect_err("redirected");
        assert_redirect(
            &error,
            status,
            Some("/admin/export"),
            &format!("POST {status}"),
        );

        get.assert_calls_async(1).await;
        post.assert_calls_async(1).await;
        elsewhere.assert_calls_async(0).await;
    }
}

#[tokio::test]
async fn a_redirect_without_location_is_reported_too() {
    let api = MockServer::start_async().await;
    let mock = api
        .mock_async(|when, then| {
            when.any_request();
            then.status(300);
        })
        .await;
    let error = client_for(&api).get_me().await.expect_err("redirected");
    assert_redirect(&error, 300, None, "300");
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_supplied_http_client_that_follows_redirects_gets_no_answer_from_elsewhere() {
    let api = MockServer::start_async().await;
    let elsewhere = MockServer::start_async().await;
    // A well-formed answer, which must still not pass for the API's.
    let impostor = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(fixture("get_me"));
        })
        .await;
    let location = format!("{}/me", elsewhere.base_url());
    let redirect = redirecting(&api, 307, &location).await;
    sendmux_management::install_crypto_provider();
    let following = reqwest::Client::builder().build().expect("http client");
    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(api.base_url())
        .retry_policy(retrying())
        .http_client(following)
        .build()
        .expect("client");
    let error = client
        .get_me()
        .await
        .expect_err("the answer came from elsewhere");
    let Error::Redirect(refused) = &error else {
        panic!("expected a redirect error, got {error:?}");
    };
    assert_eq!(refused.status, None);
    assert_eq!(refused.location.as_deref(), Some(location.as_str()));
    assert!(!error.is_retryable());
    redirect.assert_calls_async(1).await;
    // That client followed the redirect before the crate saw the answer: the request did
    // reach the other server, which is why such a client must not follow redirects.
    impostor.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_supplied_http_client_that_does_not_follow_behaves_like_the_built_in_one() {
    let api = MockServer::start_async().await;
    let elsewhere = MockServer::start_async().await;
    let stolen = any_request(&elsewhere).await;
    let location = format!("{}/me", elsewhere.base_url());
    let redirect = redirecting(&api, 308, &location).await;
    sendmux_management::install_crypto_provider();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let client = Client::builder()
        .api_key(TOKEN)
        .base_url(api.base_url())
        .retry_policy(retrying())
        .http_client(http)
        .build()
        .expect("client");
    let error = client.get_me().await.expect_err("redirected");
    assert_redirect(&error, 308, Some(&location), "supplied client");
    redirect.assert_calls_async(1).await;
    stolen.assert_calls_async(0).await;
}
