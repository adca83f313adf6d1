//! The integration tests of `sendmux-management`, under `tests/`.
//!
//! They live in a package of their own so that their dependencies (a property-testing library,
//! a YAML parser, JSON Schema generation, a tracing subscriber and the like) are built only when
//! the tests are, never for the crate's examples. The library is empty: there is nothing here to
//! depend on.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
