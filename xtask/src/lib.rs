//! Maintenance of `openapi.yaml`: converting the vendor's OpenAPI 3.1 document to our 3.0.3
//! dialect ([`convert`]), reconciling it with our spec ([`reconcile`]), reporting the drift
//! ([`report`]) and linting the spec ([`lint`]). `cargo xtask refresh` and `cargo xtask lint`
//! ([`refresh::run`], [`lint::lint_file`]) put them together.

#![warn(missing_docs)]

pub mod convert;
pub mod emit;
pub mod error;
pub mod examples;
pub mod fixtures;
pub mod identity;
pub mod impact;
pub mod intentional;
pub mod lint;
pub mod naming;
pub mod reconcile;
pub mod refresh;
pub mod report;
pub mod secrets;
pub mod tables;
pub mod value;
pub mod walk;

pub use error::{Error, Result};
