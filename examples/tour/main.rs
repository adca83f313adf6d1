//! A tour of the client.
//!
//! ```sh
//! cargo run --example tour
//! ```
//!
//! Without `SENDMUX_API_KEY`, the tour starts a mock of the Management API inside this process
//! (on loopback, with sample data) and walks the main jobs: checking the connection, listing and
//! streaming domains, creating a mailbox and a key for it, reading metrics and logs, creating a
//! webhook and rotating its secret, and riding out a rate limit. With `SENDMUX_API_KEY` set, it
//! runs the read-only part against the real API instead.

mod sample;

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use sendmux_management::testing::{Method, MockApi};
use sendmux_management::types::{self, MetricsWindow};
use sendmux_management::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    match std::env::var("SENDMUX_API_KEY") {
        Ok(_) => {
            println!("SENDMUX_API_KEY is set: touring your account, read-only.\n");
            read_only(&Client::from_env()?).await
        }
        Err(_) => {
            println!("No SENDMUX_API_KEY: touring a mock of the API running in this process.\n");
            let api = MockApi::start().await;
            sample::stub(&api);
            let client = api.client();
            read_only(&client).await?;
            writes(&client).await?;
            rate_limit(&api, &client).await
        }
    }
}

/// What the tour does with a real key: reads only.
async fn read_only(client: &Client) -> Result<(), Error> {
    step("Connection check: GET /me");
    let me = client.get_me().await?;
    println!(
        "  team {} ({}), credential {:?} with {} permission(s); request {}",
        me.team.name,
        me.team.id,
        me.credential.type_,
        me.permissions.len(),
        me.request_id.as_deref().unwrap_or("-")
    );
    if let Some(rate) = me.rate_limit {
        println!(
            "  rate limit: {} of {} left in this window",
            rate.remaining, rate.limit
        );
    }

    step("First page of domains");
    let page = client.list_domains().limit(2).await?;
    for domain in page.iter() {
        println!(
            "  {:<28} {:<13} {}",
            domain.domain,
            domain.verification_status.as_str(),
            domain.mode.as_str()
        );
    }
    let next = page.pagination.as_ref().and_then(|p| p.next_cursor.clone());
    println!("  next cursor: {next:?}");

    step("Every domain, streamed across pages (the next page is fetched ahead)");
    let all: Vec<_> = client
        .list_domains()
        .limit(2)
        .items()
        .max_items(50)
        .try_collect()
        .await?;
    println!(
        "  {} domain(s): {}",
        all.len(),
        names(all.iter().map(|d| &d.domain))
    );

    step("Sending metrics for the last 7 days");
    let metrics = client
        .get_email_metrics()
        .window(MetricsWindow::Last7Days)
        .await?;
    let s = &metrics.summary;
    println!(
        "  {} sent, {} failed, {} rejected, {} pending of {} ({:+.1}% sent vs the week before)",
        s.sent, s.failed, s.rejected, s.pending, s.total, metrics.comparison.change_pct.sent
    );

    step("The five latest delivery logs");
    let logs: Vec<_> = client
        .list_email_logs()
        .items()
        .max_items(5)
        .try_collect()
        .await?;
    for log in &logs {
        println!(
            "  {} {:<9} {} → {}",
            log.created_at.format("%Y-%m-%d %H:%M"),
            log.status.as_str(),
            log.subject.as_deref().unwrap_or("(no subject)"),
            log.to_email.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

/// Writes, against the mock only.
async fn writes(client: &Client) -> Result<(), Error> {
    step("Create a mailbox (an Idempotency-Key is generated and reused on retries)");
    let body =
        types::CreateMailboxBody::new("support@mail.acme-robotics.example").display_name("Support");
    let created = client.create_mailbox(body).await?;
    println!(
        "  {} created ({}), at {}",
        created.mailbox.email,
        created.mailbox.id,
        created.location.as_deref().unwrap_or("-")
    );
    if let Some(credential) = &created.credential {
        println!(
            "  first credential {}…{} for IMAP {}:{} (the secret is shown once: store it)",
            credential.key_prefix, credential.key_suffix, credential.server, credential.imap_port
        );
    }

    step("Create an API key for the mailbox");
    let key = client
        .create_mailbox_key(
            created.mailbox.id.as_str(),
            types::CreateMailboxKeyBody::new("Helpdesk sync"),
        )
        .await?;
    if let Some(credential) = &key.credential {
        println!(
            "  key {} ({}…{})",
            credential.public_id, credential.key_prefix, credential.key_suffix
        );
    }

    step("Subscribe a webhook, then rotate its signing secret");
    let webhook = client
        .create_webhook(types::WebhookCreateBody::new(
            "https://hooks.acme-robotics.example/sendmux",
            [
                types::WebhookEventType::MessageBounced,
                types::WebhookEventType::MessageComplained,
            ],
        ))
        .await?;
    println!(
        "  {} → {} (secret {})",
        webhook.id,
        webhook.url,
        mask(webhook.secret.expose_secret())
    );
    let rotated = client.rotate_webhook_secret(webhook.id.as_str()).await?;
    println!("  new secret {}", mask(rotated.secret.expose_secret()));
    Ok(())
}

/// A 429 absorbed by the retry policy.
async fn rate_limit(api: &MockApi, client: &Client) -> Result<(), Error> {
    step("A rate limit, absorbed: the mock answers 429 with Retry-After: 1 once");
    let limited = api
        .rate_limited(Method::GET, "/billing/balance", Duration::from_secs(1), 1)
        .await;
    sample::balance(api);
    let started = Instant::now();
    let balance = client.get_balance().await?;
    println!(
        "  balance {} {} after {} refused attempt(s), {:.1} s",
        balance.balance,
        balance.currency,
        limited.calls(),
        started.elapsed().as_secs_f64()
    );
    println!("\nThat's the tour. Next: README.md, and `cargo doc --open` for the guide.");
    Ok(())
}

fn step(title: &str) {
    println!("\n▸ {title}");
}

fn names<'a>(names: impl Iterator<Item = &'a String>) -> String {
    names.map(String::as_str).collect::<Vec<_>>().join(", ")
}

fn mask(secret: &str) -> String {
    let shown: String = secret.chars().take(8).collect();
    format!("{shown}…")
}
