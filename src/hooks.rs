//! The seam through which the call takes each attempt's request from the generated method:
//! path safety, the URL's length and idempotency keys are settled in the pre hook, which then
//! hands the request over and stops the method (see `call::build`). The call adds the credential
//! and sends it; the generated method's own sending and decoding never run.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method;

use crate::call;
use crate::client::Shared;
use crate::error::Error;
use crate::generated::Client;
use crate::operation;
use crate::response::IDEMPOTENCY_KEY;

/// Progenitor adds an `api-version` header carrying the spec's `info.version`; the Sendmux API
/// does not use it, so it is removed rather than leaked on every request.
const GENERATOR_VERSION_HEADER: HeaderName = HeaderName::from_static("api-version");

/// The longest URL a request can carry: the `http` crate refuses longer ones when the request
/// is sent, as a transport failure that would not say which parameter is at fault.
const MAX_URL_LEN: usize = u16::MAX as usize - 1;

impl ClientHooks<Shared> for Client {
    /// Never waits: the call polls the generated method once and expects the request back.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let state = &self.inner().0;
        request.headers_mut().remove(&GENERATOR_VERSION_HEADER);
        let url_len = request.url().as_str().len();
        if url_len > MAX_URL_LEN {
            return Err(call::build::refuse(Error::InvalidRequest(format!(
                "the URL of {} would be {url_len} bytes, over the {MAX_URL_LEN} a request can \
                 carry: a parameter is too long",
                info.operation_id
            ))));
        }
        if let Some(op) = operation::find(info.operation_id) {
            if !op.path_matches(request.url().path(), &state.base_path) {
                return Err(call::build::refuse(Error::InvalidRequest(format!(
                    "a path parameter of {} is empty or a dot segment",
                    op.id
                ))));
            }
            // One key per logical request, generated before the first attempt and sent again
            // by every later one, so that the server can recognise a repeat.
            if op.idempotency_key
                && request.method() == Method::POST
                && !request.headers().contains_key(&IDEMPOTENCY_KEY)
            {
                let key = call::build::idempotency_key()
                    .or_else(|| HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).ok());
                if let Some(key) = key {
                    request.headers_mut().insert(IDEMPOTENCY_KEY, key);
                }
            }
        }
        Err(call::build::hand_over(request))
    }
}
