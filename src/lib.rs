//! Typed client for the Sendmux Management API.
#![warn(missing_docs)]

mod generated;
mod hooks;

pub use generated::{types, Client};
