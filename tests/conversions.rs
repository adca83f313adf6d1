//! Conversions users expect: iterating a list answer by reference, and constrained values whose
//! refusal converts into the crate's error with `?`.

mod common;

use common::{client, stub};
use httpmock::Method::GET;
use httpmock::MockServer;
use sendmux_management::{types, Error};

#[tokio::test]
async fn a_list_answer_iterates_by_reference_and_by_value() {
    let server = MockServer::start_async().await;
    let (_mock, body) = stub(&server, GET, "/domains", 200, "list_domains", |w| w).await;
    let page = client(&server).list_domains().await.expect("listed");
    let mut names = Vec::new();
    for domain in &page {
        names.push(domain.domain.clone());
    }
    let expected: Vec<&str> = body["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| d["domain"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, expected);
    assert!(page.request_id.is_some(), "the response is still whole");
    let owned: Vec<types::Domain> = page.into_iter().collect();
    assert_eq!(owned.len(), expected.len());
}

fn display_name(text: &str) -> Result<types::CreateMailboxBodyDisplayName, Error> {
    Ok(text.parse()?)
}

#[test]
fn a_value_refused_by_its_constraints_is_an_invalid_request() {
    assert_eq!(
        display_name("Support").expect("fits").to_string(),
        "Support"
    );
    let error = display_name("").expect_err("too short");
    assert!(
        matches!(&error, Error::InvalidRequest(m) if m.contains("shorter than 1")),
        "{error}"
    );
    let error = display_name(&"x".repeat(300)).expect_err("too long");
    assert!(matches!(error, Error::InvalidRequest(_)));
}
