//! Decoding a page of 100 delivery logs: the generated models against hand-written serde
//! structs of the same shape and against `serde_json::Value`, in the same run.

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde::Deserialize;
use std::hint::black_box;

mod support;

/// The same envelope written by hand: same field types (timestamps parsed, status an enum).
#[allow(dead_code)]
#[derive(Deserialize)]
struct HandPage {
    ok: bool,
    data: Vec<HandLog>,
    meta: HandMeta,
    pagination: HandPagination,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct HandMeta {
    request_id: String,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct HandPagination {
    has_more: bool,
    next_cursor: Option<String>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum HandStatus {
    Pending,
    Sent,
    Failed,
    Rejected,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct HandLog {
    id: String,
    provider_id: Option<String>,
    provider_name: Option<String>,
    message_id: Option<String>,
    from_email: Option<String>,
    sent_from_email: Option<String>,
    to_email: Option<String>,
    subject: Option<String>,
    status: HandStatus,
    status_reason: Option<String>,
    attempts: f64,
    sent_at: Option<DateTime<Utc>>,
    size_bytes: Option<f64>,
    created_at: DateTime<Utc>,
    recipient_count: Option<u64>,
    accepted_recipient_count: Option<u64>,
    rejected_recipient_count: Option<u64>,
}

fn decode(c: &mut Criterion) {
    let body = support::page_body(0, 2, 100).into_bytes();
    let mut group = c.benchmark_group("decode_page_of_100_delivery_logs");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("generated_models", |b| {
        b.iter(|| {
            let page: sendmux_management::types::DeliveryLogItemPage =
                serde_json::from_slice(black_box(&body)).unwrap();
            black_box(page)
        })
    });
    group.bench_function("hand_written_serde", |b| {
        b.iter(|| {
            let page: HandPage = serde_json::from_slice(black_box(&body)).unwrap();
            black_box(page)
        })
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| {
            let page: serde_json::Value = serde_json::from_slice(black_box(&body)).unwrap();
            black_box(page)
        })
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
