//! Monitoring: yesterday's sending metrics, then failed deliveries as they are logged.
//!
//! ```sh
//! SENDMUX_API_KEY=smx_root_… cargo run --example monitoring
//! ```
//!
//! Needs a key with `analytics.read` and `logs.read` (the `root:readonly` role covers both).

use std::collections::HashSet;
use std::time::Duration;

use futures::TryStreamExt;
use sendmux_management::types::{DeliveryStatus, MetricsGranularity, MetricsWindow};
use sendmux_management::{Client, Error, RateBudget};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // A monitor runs forever: pace it so it can never exhaust the key's budget.
    let client = Client::builder()
        .api_key(std::env::var("SENDMUX_API_KEY").unwrap_or_default())
        .pace_requests(RateBudget::default())
        .build()?;

    let metrics = client
        .get_email_metrics()
        .window(MetricsWindow::Last24Hours)
        .granularity(MetricsGranularity::Hourly)
        .await?;
    let summary = &metrics.summary;
    let failure_rate = if summary.total > 0.0 {
        100.0 * (summary.failed + summary.rejected) / summary.total
    } else {
        0.0
    };
    println!(
        "last 24 h: {} messages, {:.2}% failed or rejected ({:+.1}% volume vs the day before)",
        summary.total, failure_rate, metrics.comparison.change_pct.total
    );
    for bucket in &metrics.timeseries {
        println!(
            "  {}  {:>6} sent  {:>4} failed",
            bucket.timestamp.format("%H:%M"),
            bucket.sent,
            bucket.failed
        );
    }

    // Poll for failures: each pass walks the newest page(s) and reports what it has not seen.
    let mut seen = HashSet::new();
    loop {
        let mut failures = client
            .list_email_logs()
            .status(DeliveryStatus::Failed)
            .items()
            .max_items(200);
        while let Some(log) = failures.try_next().await? {
            if seen.insert(log.id.clone()) {
                println!(
                    "{} failed: {} → {} ({})",
                    log.created_at.format("%Y-%m-%d %H:%M:%S"),
                    log.subject.as_deref().unwrap_or("(no subject)"),
                    log.to_email.as_deref().unwrap_or("-"),
                    log.status_reason.as_deref().unwrap_or("no reason given")
                );
            }
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
}
