//! The benchmarks of `sendmux-management`, under `benches/`: pagination, pacing, decoding,
//! per-request overhead beside plain reqwest and the vendor's `sendmux` crate, memory, the
//! contract check, and a fixed run for counting instructions per request.
//!
//! They live in a package of their own so that criterion and the baseline clients are built only
//! when the benchmarks are, never for the crate's examples or tests. The library is empty: there
//! is nothing here to depend on.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
