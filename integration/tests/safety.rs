//! Ids cannot change the request they are put into.

mod common;

use common::{client, expect, fixture};
use httpmock::Method::GET;
use httpmock::MockServer;
use sendmux_management::Error;

#[tokio::test]
async fn ids_are_percent_encoded_into_one_path_segment() {
    let server = MockServer::start_async().await;
    let body = fixture("get_domain");
    for (id, sent) in [
        ("a/b", "/domains/a%2Fb"),
        ("../x", "/domains/..%2Fx"),
        ("x?admin=1", "/domains/x%3Fadmin%3D1"),
        (r"a\..\b", "/domains/a%5C..%5Cb"),
        ("x#frag", "/domains/x%23frag"),
        ("50%", "/domains/50%25"),
    ] {
        let served = body.clone();
        let mock = server
            .mock_async(|when, then| {
                expect(when, GET, sent).query_param_count(".*", ".*", 0);
                then.status(200).json_body(served);
            })
            .await;
        client(&server)
            .get_domain(id)
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        mock.assert_async().await;
        mock.delete_async().await;
    }
}

#[tokio::test]
async fn ids_that_would_escape_their_segment_are_refused_before_sending() {
    let server = MockServer::start_async().await;
    let any = common::any_request(&server).await;
    for id in ["..", ".", ""] {
        let error = client(&server).get_domain(id).await.expect_err("refused");
        assert!(
            matches!(error, Error::InvalidRequest(_)),
            "{id:?}: {error:?}"
        );
    }
    let error = client(&server)
        .delete_mailbox_key("mbx_1", "..")
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    any.assert_calls_async(0).await;
}
