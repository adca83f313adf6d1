//! Runs a request and turns its outcome into `Result<Response<T>, Error>`. Every operation goes
//! through here: the generated request types (`crate::requests`) store their parameters in a
//! [`Call`] and a params struct, and their `IntoFuture` impls pick the function matching the kind
//! of body the operation answers with, which builds progenitor's request from the parameters.

use std::borrow::Cow;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

use futures::TryStreamExt;
use progenitor_client::{ByteStream, Error as RawError, ResponseValue};
use reqwest::header::{HeaderMap, HeaderValue, ETAG, LOCATION};
use tracing::Instrument;

use crate::client::Client;
use crate::envelope::Envelope;
use crate::error::{ApiError, DecodeError, Error, TransportError};
use crate::field::Checked;
use crate::generated;
use crate::json_path;
use crate::response::{header, Conditional, NotModified, RateLimit, Response, X_REQUEST_ID};
use crate::retry::RetryPolicy;
use crate::server_text::Credential;
use crate::types::ErrorEnvelope;

/// The future of a request, returned by its `send` and `IntoFuture`. It owns everything it
/// needs, a handle to the client included: spawn it, store it or return it.
pub type CallFuture<T> = Pin<Box<dyn Future<Output = Result<Response<T>, Error>> + Send + 'static>>;

/// The future of a conditional fetch (`if_changed`), as self-contained as [`CallFuture`].
pub type ConditionalFuture<T> =
    Pin<Box<dyn Future<Output = Result<Conditional<T>, Error>> + Send + 'static>>;

/// What the generated client's methods return.
pub(crate) type Raw<T> = Result<ResponseValue<T>, RawError<ErrorEnvelope>>;

/// Complaints about parameter values, each under the parameter it concerns.
type Complaints = Vec<(&'static str, String)>;

/// What every request holds besides its parameters: the client it goes through, its own
/// options, and what was found invalid in its parameters, reported when it is sent.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    client: Client,
    retry: Option<RetryPolicy>,
    /// Each complaint under the parameter it concerns. Boxed: a bad value is rare and every
    /// request carries this field, which a pointer keeps small.
    #[allow(clippy::box_collection)]
    invalid: Option<Box<Complaints>>,
}

impl Call {
    pub(crate) fn new(client: &Client) -> Self {
        Self {
            client: client.clone(),
            retry: None,
            invalid: None,
        }
    }

    pub(crate) fn set_retry_policy(&mut self, policy: RetryPolicy) {
        self.retry = Some(policy);
    }

    /// Records the outcome of setting parameter `name`: a value set again replaces what was
    /// said about the earlier one, and only that.
    fn record(&mut self, name: &'static str, complaints: impl IntoIterator<Item = String>) {
        if let Some(list) = &mut self.invalid {
            list.retain(|(parameter, _)| *parameter != name);
        }
        let mut complaints = complaints.into_iter().peekable();
        if complaints.peek().is_some() {
            let list = self.invalid.get_or_insert_with(Default::default);
            list.extend(complaints.map(|complaint| (name, complaint)));
        }
        if self.invalid.as_ref().is_some_and(|list| list.is_empty()) {
            self.invalid = None;
        }
    }

    /// `value` converted for parameter `name`; `None`, and the reason kept for when the
    /// request is sent, when it does not convert.
    pub(crate) fn converted<T, V>(&mut self, name: &'static str, value: V) -> Option<T>
    where
        V: TryInto<T>,
        V::Error: std::fmt::Display,
    {
        match value.try_into() {
            Ok(value) => {
                self.record(name, None);
                Some(value)
            }
            Err(error) => {
                self.record(name, Some(format!("{name} is invalid: {error}")));
                None
            }
        }
    }

    /// The request body, with what was refused of the values set on it kept for when the
    /// request is sent.
    pub(crate) fn body<T, V>(&mut self, value: V) -> Option<T>
    where
        T: Checked,
        V: TryInto<T>,
        V::Error: std::fmt::Display,
    {
        let body = self.converted::<T, V>("body", value)?;
        let mut refusals = Vec::new();
        body.refusals("", &mut refusals);
        self.record("body", refusals);
        Some(body)
    }

    /// `value` for number parameter `name`, checked against the schema's bounds. `None` means
    /// the value did not fit the parameter's type at all.
    pub(crate) fn checked_number<N>(
        &mut self,
        name: &'static str,
        value: Option<N>,
        min: Option<N>,
        max: Option<N>,
    ) -> Option<N>
    where
        N: PartialOrd + std::fmt::Display + Copy,
    {
        let complaint = match (value, min, max) {
            (Some(v), Some(min), _) if v < min => {
                Some(format!("{name} must be at least {min}, not {v}"))
            }
            (Some(v), _, Some(max)) if v > max => {
                Some(format!("{name} must be at most {max}, not {v}"))
            }
            (Some(_), _, _) => None,
            (None, Some(min), Some(max)) => Some(format!("{name} must be from {min} to {max}")),
            (None, Some(min), None) => Some(format!("{name} must be at least {min}")),
            (None, None, Some(max)) => Some(format!("{name} must be at most {max}")),
            (None, None, None) => Some(format!("{name} is out of range")),
        };
        let valid = complaint.is_none();
        self.record(name, complaint);
        value.filter(|_| valid)
    }

    /// The error to end the request with, when a parameter was invalid: it names every
    /// complaint, so that one attempt shows all that needs fixing.
    fn invalid(&mut self) -> Option<Error> {
        let list = self.invalid.take()?;
        let mut message = String::new();
        for (index, (_, complaint)) in list.iter().enumerate() {
            if index > 0 {
                message.push_str("; ");
            }
            message.push_str(complaint);
        }
        Some(Error::InvalidRequest(message))
    }
}

/// One operation's request type, as the generated code implements it for each.
pub(crate) trait Operation: Send + Sized + 'static {
    /// The operation id, as in `OPERATIONS`.
    const ID: &'static str;
    /// The success body progenitor decodes.
    type Answer: Send;
    /// The parameters, apart from the client and options.
    type Params: Send + 'static;
    fn into_parts(self) -> (Call, Self::Params);
    /// Sends the operation through the generated client's method for it, with the parameters.
    fn send_raw(
        client: &generated::Client,
        params: Self::Params,
    ) -> impl Future<Output = Raw<Self::Answer>> + Send + '_;
}

/// The sending of `operation`, as a future of progenitor's outcome and what the hooks learnt;
/// an invalid parameter fails here, before anything is sent. The check comes first so that
/// the future's large output is not wrapped in a `Result` and copied again on its way out.
fn start<O: Operation>(
    operation: O,
) -> Result<impl Future<Output = Outcome<O::Answer>> + Send, Error> {
    let (mut call, params) = operation.into_parts();
    if let Some(error) = call.invalid() {
        return Err(error);
    }
    let Call { client, retry, .. } = call;
    Ok(async move {
        let mut raw = None;
        // Boxed at once: the request's future is large, and every layer wrapping it would
        // otherwise copy it whole as it moves in. Its outcome is left in `raw`, so that the
        // layers around it, the same for every operation, are compiled once.
        let send = Box::pin(async {
            raw = Some(O::send_raw(client.raw(), params).await);
        });
        let state = traced(O::ID, retry, send).await;
        // `traced` runs the request to its end, which leaves its outcome.
        let raw = match raw {
            Some(raw) => raw,
            None => Err(RawError::Custom("the request did not finish".into())),
        };
        (raw, state)
    })
}

/// What a call ends with: progenitor's outcome and, in its box, what the hooks learnt.
type Outcome<T> = (Raw<T>, Box<RefCell<CallState>>);

tokio::task_local! {
    /// What the hooks learn during one call, for the call to read when it ends. Boxed because
    /// a task-local is swapped in and out of its slot at every poll of the request.
    static CALL: Box<RefCell<CallState>>;
}

#[derive(Default)]
struct CallState {
    /// The retry policy set on the request, if any, for the retry loop to read.
    retry: Option<RetryPolicy>,
    /// The operation id, for the contract check to find the answer's schema.
    #[cfg(feature = "contract")]
    operation: &'static str,
    status: Option<u16>,
    /// The headers of the answer handed to the generated code, which would otherwise copy
    /// them into its own value; every reader takes them from here. Empty until an answer.
    headers: HeaderMap,
    /// Parsed once from the answer's headers, for the client's state and the response.
    rate_limit: Option<RateLimit>,
    /// The `Idempotency-Key` the request carries, for an error to hand back to the caller.
    idempotency_key: Option<HeaderValue>,
    /// What the request was authenticated with, to take out of what the server sends back.
    credential: Option<Credential>,
    /// Only failures fill this.
    failure: Option<Box<Failure>>,
}

#[derive(Default)]
struct Failure {
    /// The typed error behind a hook's `Error::Custom`, which can only carry a string.
    hook_error: Option<Error>,
    /// A failure found while exchanging, to raise when the exchange returns.
    deferred: Option<Error>,
}

impl CallState {
    fn failure(&mut self) -> &mut Failure {
        self.failure.get_or_insert_with(Box::default)
    }

    /// The answer's headers; empty when no answer came.
    fn take_headers(&mut self) -> HeaderMap {
        std::mem::take(&mut self.headers)
    }
}

/// Fails a request from inside a hook, keeping the typed error for the call to return.
pub(crate) fn hook_failure<E>(error: Error) -> RawError<E> {
    let message = error.to_string();
    let _ = CALL.try_with(|state| state.borrow_mut().failure().hook_error = Some(error));
    RawError::Custom(message)
}

/// Fails the call once the transport hands its answer over, keeping `error`: for failures found
/// in `exec`, which can only return what reqwest returns.
pub(crate) fn fail_after_exchange(error: Error) {
    let _ = CALL.try_with(|state| state.borrow_mut().failure().deferred = Some(error));
}

/// The failure `fail_after_exchange` left, as the hook error that ends the call.
pub(crate) fn deferred_failure<E>() -> Option<RawError<E>> {
    let error = CALL
        .try_with(|state| state.borrow_mut().failure.as_mut()?.deferred.take())
        .ok()
        .flatten()?;
    Some(hook_failure(error))
}

/// Called once the request has its `Idempotency-Key`, so that an error can report it.
pub(crate) fn record_idempotency_key(key: &HeaderValue) {
    let _ = CALL.try_with(|state| state.borrow_mut().idempotency_key = Some(key.clone()));
}

/// Called once the request's `Authorization` header is known.
pub(crate) fn record_credential(authorization: &HeaderValue) {
    let _ =
        CALL.try_with(|state| state.borrow_mut().credential = Some(Credential::new(authorization)));
}

/// The id of the operation being sent; empty outside a call.
#[cfg(feature = "contract")]
pub(crate) fn operation() -> &'static str {
    CALL.try_with(|state| state.borrow().operation)
        .unwrap_or_default()
}

/// Called as each attempt leaves.
pub(crate) fn record_attempt(attempt: u32) {
    tracing::Span::current().record("attempt", attempt);
}

/// The retry policy set on the request being sent, if any.
pub(crate) fn retry_policy() -> Option<RetryPolicy> {
    CALL.try_with(|state| state.borrow().retry.clone())
        .ok()
        .flatten()
}

/// Takes the headers of the answer about to be handed to the generated code, when a call is
/// listening; returns what the answer should keep (nothing, then).
pub(crate) fn keep_headers(headers: HeaderMap) -> HeaderMap {
    let mut headers = Some(headers);
    let _ = CALL.try_with(|state| {
        if let Some(headers) = headers.take() {
            state.borrow_mut().headers = headers;
        }
    });
    headers.unwrap_or_default()
}

/// Called by the hooks when an answer arrives; returns its rate-limit state.
pub(crate) fn record_answer(status: u16) -> Option<RateLimit> {
    let span = tracing::Span::current();
    if !span.is_disabled() {
        span.record("status", status);
    }
    CALL.try_with(|state| {
        let mut state = state.borrow_mut();
        state.status = Some(status);
        let headers = &state.headers;
        if !span.is_disabled() {
            if let Some(id) = headers.get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()) {
                let id = match &state.credential {
                    Some(credential) => credential.cleaned(id),
                    None => Cow::Borrowed(id),
                };
                span.record("request_id", &*id);
            }
        }
        state.rate_limit = RateLimit::from_headers(headers);
        state.rate_limit
    })
    .ok()
    .flatten()
}

/// An operation answering with a JSON envelope.
pub(crate) fn json<O>(operation: O) -> CallFuture<<O::Answer as Envelope>::Data>
where
    O: Operation,
    O::Answer: Envelope,
{
    Box::pin(async move {
        let (raw, state) = start(operation)?.await;
        let state = RefCell::into_inner(*state);
        match raw {
            Ok(value) => Ok(unwrap(value, state)),
            Err(error) => Err(Box::pin(map_error(error, state)).await),
        }
    })
}

/// An operation answering with a JSON envelope, sent with `If-None-Match`.
pub(crate) fn conditional<O>(operation: O) -> ConditionalFuture<<O::Answer as Envelope>::Data>
where
    O: Operation,
    O::Answer: Envelope,
{
    let call = json(operation);
    Box::pin(async move {
        match call.await {
            Ok(response) => Ok(Conditional::Modified(response)),
            Err(Error::NotModified(not_modified)) => Ok(Conditional::NotModified(*not_modified)),
            Err(other) => Err(other),
        }
    })
}

/// An operation answering with a body that is not JSON, returned as text.
pub(crate) fn text<O: Operation<Answer = ByteStream>>(operation: O) -> CallFuture<String> {
    Box::pin(async move {
        let (raw, state) = start(operation)?.await;
        let mut state = RefCell::into_inner(*state);
        let value = match raw {
            Ok(value) => value,
            Err(error) => return Err(Box::pin(map_error(error, state)).await),
        };
        let status = value.status().as_u16();
        let headers = state.take_headers();
        let body: Vec<u8> = value
            .into_inner()
            .into_inner()
            .map_ok(|chunk| chunk.to_vec())
            .try_concat()
            .await
            .map_err(TransportError::from_reqwest)?;
        let credential = state.credential.as_ref();
        let text = String::from_utf8(body).map_err(|e| {
            let reason = format!("body is not UTF-8: {e}");
            let body = without_credential(credential, e.as_bytes());
            Error::Decode(Box::new(DecodeError::other(status, &body, reason)))
        })?;
        Ok(Response::from_parts(text, status, &headers).without(credential))
    })
}

/// An operation answering with no body.
#[allow(dead_code)] // No operation of the current spec answers without a body.
pub(crate) fn empty<O: Operation<Answer = ()>>(operation: O) -> CallFuture<()> {
    Box::pin(async move {
        let (raw, state) = start(operation)?.await;
        let mut state = RefCell::into_inner(*state);
        match raw {
            Ok(value) => {
                let headers = state.take_headers();
                let response = Response::from_parts((), value.status().as_u16(), &headers);
                Ok(response.without(state.credential.as_ref()))
            }
            Err(error) => Err(Box::pin(map_error(error, state)).await),
        }
    })
}

/// Runs the request inside its tracing span and call state, and returns the state.
///
/// The state comes back in the box it lived in while the request ran: taken from the scope
/// once the request is done, it moves out as a pointer rather than a copy of itself through
/// every layer of the call.
fn traced<'a>(
    operation: &'static str,
    retry: Option<RetryPolicy>,
    send: Pin<Box<dyn Future<Output = ()> + Send + 'a>>,
) -> impl Future<Output = Box<RefCell<CallState>>> + Send + 'a {
    // The macro evaluates its fields only when someone listens, which spares most requests
    // the lookup.
    let span = tracing::info_span!(
        "sendmux.request",
        operation,
        method = crate::operation::find(operation).map_or("?", |op| op.method),
        path = crate::operation::find(operation).map_or("?", |op| op.path),
        attempt = tracing::field::Empty,
        status = tracing::field::Empty,
        request_id = tracing::field::Empty,
    );
    let state = Box::new(RefCell::new(CallState {
        retry,
        #[cfg(feature = "contract")]
        operation,
        ..CallState::default()
    }));
    let run = CALL.scope(state, send).instrument(span);
    async move {
        let mut run = std::pin::pin!(run);
        run.as_mut().await;
        // The scope hands its value back once its future has completed.
        run.inner_pin_mut().take_value().unwrap_or_default()
    }
}

fn unwrap<E: Envelope>(value: ResponseValue<E>, state: CallState) -> Response<E::Data> {
    let http_status = value.status().as_u16();
    let etag = header(&state.headers, &ETAG);
    let location = header(&state.headers, &LOCATION);
    let rate_limit = state.rate_limit;
    let parts = value.into_inner().into_parts();
    Response {
        data: parts.data,
        http_status,
        request_id: Some(parts.request_id),
        rate_limit,
        etag,
        location,
        pagination: parts.pagination,
    }
    .without(state.credential.as_ref())
}

/// Boxed where it is awaited: its state is large and only failed requests need it, while the
/// future of every request would otherwise reserve room for it.
async fn map_error(error: RawError<ErrorEnvelope>, mut state: CallState) -> Error {
    let key = state
        .idempotency_key
        .take()
        .and_then(|key| key.to_str().ok().map(str::to_owned));
    let credential = state.credential.take();
    let error = server_error(error, state, credential.as_ref()).await;
    let error = match &credential {
        Some(credential) => error.without(credential),
        None => error,
    };
    error.with_idempotency_key(key)
}

/// A body without the credential, taken out before an excerpt could cut it in two.
fn without_credential<'a>(credential: Option<&Credential>, body: &'a [u8]) -> Cow<'a, [u8]> {
    credential.map_or(Cow::Borrowed(body), |credential| {
        credential.remove_from(body)
    })
}

async fn server_error(
    error: RawError<ErrorEnvelope>,
    mut state: CallState,
    credential: Option<&Credential>,
) -> Error {
    let headers = state.take_headers();
    let failure = state.failure.map(|failure| *failure).unwrap_or_default();
    match error {
        RawError::ErrorResponse(value) => {
            let status = value.status().as_u16();
            api(ApiError::from_envelope(
                status,
                &headers,
                value.into_inner(),
            ))
        }
        // Progenitor reports a body it could not decode without its status; the hooks saw it.
        RawError::InvalidResponsePayload(received, error) => {
            let body = without_credential(credential, &received);
            match state.status {
                Some(status) if status >= 400 => api(ApiError::from_body(status, &headers, &body)),
                status => {
                    // Found in the body as received, which the error's position refers to; the
                    // path is cleaned of the credential with the rest of the error.
                    let path = json_path::at(&received, error.line(), error.column());
                    let mut decode =
                        DecodeError::from_json(status.unwrap_or_default(), &body, error);
                    decode.path = path;
                    Error::Decode(Box::new(decode))
                }
            }
        }
        RawError::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            if status == 304 {
                return Error::NotModified(Box::new(NotModified::from_headers(&headers)));
            }
            match response.bytes().await {
                Ok(body) if status >= 400 => {
                    let body = without_credential(credential, &body);
                    api(ApiError::from_body(status, &headers, &body))
                }
                Ok(body) => Error::Decode(Box::new(DecodeError::other(
                    status,
                    &without_credential(credential, &body),
                    "status not documented for this operation",
                ))),
                Err(error) => TransportError::from_reqwest(error).into(),
            }
        }
        RawError::CommunicationError(error)
        | RawError::ResponseBodyError(error)
        | RawError::InvalidUpgrade(error) => TransportError::from_reqwest(error).into(),
        RawError::InvalidRequest(message) => Error::InvalidRequest(message),
        RawError::Custom(message) => failure.hook_error.unwrap_or(Error::InvalidRequest(message)),
    }
}

fn api(error: ApiError) -> Error {
    Error::Api(Box::new(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(call: &mut Call) -> Option<String> {
        match call.invalid()? {
            Error::InvalidRequest(message) => Some(message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_parameter_set_again_withdraws_only_its_own_complaint() {
        let client = Client::new("smx_root_unit").expect("client");
        let mut call = Call::new(&client);
        call.checked_number::<u64>("a", Some(0), Some(1), None);
        call.checked_number::<u64>("b", Some(9), None, Some(5));
        assert_eq!(
            message(&mut call.clone()).as_deref(),
            Some("a must be at least 1, not 0; b must be at most 5, not 9")
        );
        call.checked_number::<u64>("a", Some(1), Some(1), None);
        assert_eq!(
            message(&mut call.clone()).as_deref(),
            Some("b must be at most 5, not 9")
        );
        call.checked_number::<u64>("b", Some(5), None, Some(5));
        assert_eq!(message(&mut call), None);
    }
}
