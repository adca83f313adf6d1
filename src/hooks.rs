//! The seam through which every generated operation sends its request.

use progenitor_client::{ClientHooks, OperationInfo};

use crate::generated::Client;

/// Progenitor adds an `api-version` header carrying the spec's `info.version`; the Sendmux API
/// does not use it, so it is removed rather than leaked on every request.
const GENERATOR_VERSION_HEADER: &str = "api-version";

impl ClientHooks for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        request.headers_mut().remove(GENERATOR_VERSION_HEADER);
        Ok(())
    }
}
