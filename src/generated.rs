//! The raw client, generated from `openapi.yaml` at build time. Never edited by hand. Only the
//! request types of `crate::requests` call its methods, which leaves parts of it unused.
#![allow(
    dead_code,
    missing_docs,
    clippy::all,
    clippy::pedantic,
    unused_imports,
    unreachable_patterns
)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

/// Typed httpmock helpers, one per operation.
#[cfg(feature = "testing")]
pub mod mock {
    include!(concat!(env!("OUT_DIR"), "/mock.rs"));
}
