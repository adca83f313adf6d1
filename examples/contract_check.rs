//! The contract tools end to end, offline: record a session against a mock standing for the API,
//! replay the cassette with every answer checked against openapi.yaml, and print what the API
//! sent that the spec does not know yet.
//!
//! ```sh
//! cargo run --example contract_check --features contract
//! ```
//!
//! Against the real API, point the recorder at `https://app.sendmux.ai/api/v1` with a real key,
//! commit the cassette, and replay it in CI.

use sendmux_management::contract::{Cassette, ContractCheck, Recorder};
use sendmux_management::testing::{MockApi, MockServerExt, API_KEY};
use sendmux_management::types::{Domain, DomainEnvelope, DomainPage};
use sendmux_management::Client;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The "real" API: a mock whose list answer carries fields and an enum value the spec does
    // not have, as a newer API would. The enum value breaks the schema, the fields do not.
    let api = MockApi::start().await;
    api.get_domain(|when, then| {
        when.public_id("mdom_1");
        then.ok(&DomainEnvelope::of(Domain::example()));
    });
    let mut page = serde_json::to_value(DomainPage::of(vec![Domain::example()]))?;
    page["data"][0]["inbound_tls"] = serde_json::json!("required");
    page["data"][0]["dns_records"]["dmarc"]["policy"] = serde_json::json!("reject");
    page["data"][0]["mode"] = serde_json::json!("receive_only");
    api.list_domains(|_, then| {
        then.into_inner()
            .status(200)
            .header("content-type", "application/json")
            .json_body(page);
    });

    // Record.
    let recorder = Recorder::start(api.base_url()).await?;
    let recording = Client::builder()
        .api_key(API_KEY)
        .base_url(recorder.base_url())
        .build()?;
    recording.get_domain("mdom_1").await?;
    recording.list_domains().limit(10).await?;
    let path = std::env::temp_dir().join("sendmux-contract-check.json");
    recorder.cassette().save(&path)?;
    println!(
        "recorded {} exchanges to {}",
        recorder.cassette().exchanges.len(),
        path.display()
    );

    // Replay, offline, with the contract checked on every answer.
    let replay = MockApi::start().await;
    replay.replay(&Cassette::load(&path)?);
    let check = ContractCheck::report();
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(replay.base_url())
        .contract_check(check.clone())
        .build()?;
    let domain = client.get_domain("mdom_1").await?;
    let domains = client.list_domains().limit(10).await?;
    println!(
        "replayed: {} and a page of {} domains",
        domain.domain,
        domains.len()
    );
    std::fs::remove_file(&path)?;

    println!("\n{}", check.summary());
    Ok(())
}
