//! The success envelope every response shares, unwrapped once for all operations.

use crate::response::Pagination;

/// A success envelope of the spec (`ok`, `data`, `meta`, and `pagination` on lists). Implemented
/// for every envelope by generated code.
pub(crate) trait Envelope: serde::de::DeserializeOwned {
    /// The type of `data`.
    type Data;
    /// Splits the envelope into what a [`crate::Response`] keeps.
    fn into_parts(self) -> Parts<Self::Data>;
}

/// The parts of a success envelope.
pub(crate) struct Parts<T> {
    pub data: T,
    pub request_id: String,
    pub pagination: Option<Pagination>,
}
