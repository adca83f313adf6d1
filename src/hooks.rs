//! The seam through which every generated operation sends each attempt of its request:
//! authentication, path safety and idempotency keys before it leaves, the transport, and the stop
//! that keeps the generated code from reading the answer the call reads instead.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::Method;

use crate::call;
use crate::client::Shared;
use crate::error::Error;
use crate::generated::Client;
use crate::operation;
use crate::response::IDEMPOTENCY_KEY;
use crate::send;

/// Progenitor adds an `api-version` header carrying the spec's `info.version`; the Sendmux API
/// does not use it, so it is removed rather than leaked on every request.
const GENERATOR_VERSION_HEADER: HeaderName = HeaderName::from_static("api-version");

/// The longest URL a request can carry: the `http` crate refuses longer ones when the request
/// is sent, as a transport failure that would not say which parameter is at fault.
const MAX_URL_LEN: usize = u16::MAX as usize - 1;

impl ClientHooks<Shared> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let state = &self.inner().0;
        request.headers_mut().remove(&GENERATOR_VERSION_HEADER);
        let url_len = request.url().as_str().len();
        if url_len > MAX_URL_LEN {
            return Err(call::hook_failure(Error::InvalidRequest(format!(
                "the URL of {} would be {url_len} bytes, over the {MAX_URL_LEN} a request can \
                 carry: a parameter is too long",
                info.operation_id
            ))));
        }
        if let Some(op) = operation::find(info.operation_id) {
            if !op.path_matches(request.url().path(), &state.base_path) {
                return Err(call::hook_failure(Error::InvalidRequest(format!(
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
                let key = call::idempotency_key()
                    .or_else(|| HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).ok());
                if let Some(key) = key {
                    request.headers_mut().insert(IDEMPOTENCY_KEY, key);
                }
            }
        }
        let authorization = state
            .auth
            .header()
            .await
            .map_err(|e| call::hook_failure(e.into()))?;
        call::record_request(request, &authorization);
        request.headers_mut().insert(AUTHORIZATION, authorization);
        Ok(())
    }

    // The attempt's future is returned as is rather than wrapped in another state machine.
    fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> impl std::future::Future<Output = reqwest::Result<reqwest::Response>> {
        send::attempt(&self.inner().0, self.client(), request)
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        call::after_exchange(result)
    }
}
