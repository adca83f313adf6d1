//! The cost of the contract check (feature `contract`) per answer, beside decoding alone: a page
//! of 100 delivery logs and a single domain. The check reads the body as a JSON value,
//! validates it against the operation's schema and walks it for drift; the target is at most
//! three times the cost of decoding.
//!
//! ```sh
//! cargo bench -p sendmux-management-benchmarks --bench contract
//! ```

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sendmux_management::contract::inspect_answer;
use sendmux_management::types::{DeliveryLogItemPage, Domain, DomainEnvelope};
use serde::de::DeserializeOwned;
use std::hint::black_box;

mod support;

fn compare<T: DeserializeOwned>(c: &mut Criterion, name: &str, operation: &str, body: &[u8]) {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap();
    let inspection = inspect_answer(operation, 200, &value);
    assert!(inspection.is_valid(), "{:?}", inspection.violations);
    assert!(inspection.drift.is_empty(), "{:?}", inspection.drift);

    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("decode_alone", |b| {
        b.iter(|| black_box(serde_json::from_slice::<T>(black_box(body)).unwrap()))
    });
    group.bench_function("contract_check", |b| {
        b.iter(|| {
            let value: serde_json::Value = serde_json::from_slice(black_box(body)).unwrap();
            black_box(inspect_answer(operation, 200, &value))
        })
    });
    group.finish();
}

fn contract(c: &mut Criterion) {
    let page = support::page_body(0, 2, 100).into_bytes();
    compare::<DeliveryLogItemPage>(
        c,
        "contract_page_of_100_delivery_logs",
        "list_email_logs",
        &page,
    );
    let domain = serde_json::to_vec(&DomainEnvelope::of(Domain::example())).unwrap();
    compare::<DomainEnvelope>(c, "contract_single_domain", "get_domain", &domain);
}

criterion_group!(benches, contract);
criterion_main!(benches);
