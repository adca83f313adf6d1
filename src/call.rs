//! Runs a request and turns its outcome into `Result<Response<T>, Error>`. Every operation goes
//! through here: the generated request types (`crate::requests`) store their parameters in a
//! [`Call`] and a params struct, and their `IntoFuture` impls pick the function matching the kind
//! of body the operation answers with, which builds progenitor's request from the parameters.

use std::borrow::Cow;
use std::cell::RefCell;
use std::future::Future;
use std::ops::RangeInclusive;
use std::pin::Pin;

use bytes::Bytes;
use progenitor_client::{ByteStream, Error as RawError, ResponseValue};
use reqwest::header::{HeaderMap, HeaderValue, ETAG, LOCATION};
use tracing::Instrument;

use crate::client::Client;
use crate::envelope::Envelope;
use crate::error::{ApiError, DecodeError, Error, TransportError, TransportErrorKind};
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

/// What the generated client's methods return. They never return an answer: the post hook
/// stops them at every one, which the call reads from its state instead (see `deliver`).
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
    /// The statuses of its success answer.
    const SUCCESS: &'static [RangeInclusive<u16>];
    /// The type of its success body, as generated.
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

/// The sending of `operation`, as a future of the generated method's error, if it ended with
/// one, and the call's state, which holds the answer; an invalid parameter fails here, before
/// anything is sent.
fn start<O: Operation>(operation: O) -> Result<impl Future<Output = Outcome> + Send, Error> {
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
            raw = O::send_raw(client.raw(), params).await.err();
        });
        let state = traced(O::ID, retry, send).await;
        (raw, state)
    })
}

/// What a call ends with: the generated method's error, if any, and, in its box, the call's
/// state.
type Outcome = (Option<RawError<ErrorEnvelope>>, Box<RefCell<CallState>>);

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
    /// The final answer, as the transport read it.
    answer: Option<Answer>,
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

/// An answer read whole.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl CallState {
    fn failure(&mut self) -> &mut Failure {
        self.failure.get_or_insert_with(Box::default)
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

/// What the post hook makes of the transport's outcome. An answer was delivered to the call,
/// and the generated code is stopped before it reads the drained response (the call reads it
/// from its state); a transport failure goes on as the generated code's own error.
#[allow(clippy::result_large_err)] // The post hook's signature, which the generated code sets.
pub(crate) fn after_exchange<E>(
    outcome: &reqwest::Result<reqwest::Response>,
) -> Result<(), RawError<E>> {
    match outcome {
        Ok(_) => Err(RawError::Custom(String::new())),
        Err(_) => Ok(()),
    }
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

/// Hands the final answer, read whole, to the call listening, and records what the span
/// reports of it.
pub(crate) fn deliver(status: u16, headers: HeaderMap, body: Bytes, rate_limit: Option<RateLimit>) {
    let span = tracing::Span::current();
    let _ = CALL.try_with(|state| {
        let mut state = state.borrow_mut();
        if !span.is_disabled() {
            span.record("status", status);
            if let Some(id) = headers.get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()) {
                let id = match &state.credential {
                    Some(credential) => credential.cleaned(id),
                    None => Cow::Borrowed(id),
                };
                span.record("request_id", &*id);
            }
        }
        state.rate_limit = rate_limit;
        state.answer = Some(Answer {
            status,
            headers,
            body,
        });
    });
}

/// An operation answering with a JSON envelope.
pub(crate) fn json<O>(operation: O) -> CallFuture<<O::Answer as Envelope>::Data>
where
    O: Operation,
    O::Answer: Envelope,
{
    Box::pin(async move {
        let (raw, mut state) = start(operation)?.await;
        let state = state.get_mut();
        let answer = answered(raw, state, O::SUCCESS)?;
        match serde_json::from_slice::<O::Answer>(&answer.body) {
            Ok(envelope) => Ok(unwrap(envelope, &answer, state)),
            Err(error) => Err(undecodable(&answer, error, state)),
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
        let (raw, mut state) = start(operation)?.await;
        let state = state.get_mut();
        let answer = answered(raw, state, O::SUCCESS)?;
        let credential = state.credential.as_ref();
        let text = match std::str::from_utf8(&answer.body) {
            Ok(text) => text.to_owned(),
            Err(error) => {
                let reason = format!("body is not UTF-8: {error}");
                let body = without_credential(credential, &answer.body);
                return Err(Error::Decode(Box::new(DecodeError::other(
                    answer.status,
                    &body,
                    reason,
                ))));
            }
        };
        Ok(respond(text, None, None, &answer, state))
    })
}

/// An operation answering with no body.
#[allow(dead_code)] // No operation of the current spec answers without a body.
pub(crate) fn empty<O: Operation<Answer = ()>>(operation: O) -> CallFuture<()> {
    Box::pin(async move {
        let (raw, mut state) = start(operation)?.await;
        let state = state.get_mut();
        let answer = answered(raw, state, O::SUCCESS)?;
        Ok(respond((), None, None, &answer, state))
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

fn unwrap<E: Envelope>(envelope: E, answer: &Answer, state: &CallState) -> Response<E::Data> {
    let parts = envelope.into_parts();
    respond(
        parts.data,
        Some(parts.request_id),
        parts.pagination,
        answer,
        state,
    )
}

/// The response holding `data`: what the answer says of itself, cleaned of the credential.
fn respond<T>(
    data: T,
    request_id: Option<String>,
    pagination: Option<crate::response::Pagination>,
    answer: &Answer,
    state: &CallState,
) -> Response<T> {
    Response {
        data,
        http_status: answer.status,
        request_id: request_id.or_else(|| header(&answer.headers, &X_REQUEST_ID)),
        rate_limit: state.rate_limit,
        etag: header(&answer.headers, &ETAG),
        location: header(&answer.headers, &LOCATION),
        pagination,
    }
    .without(state.credential.as_ref())
}

/// The call's answer, when it came with one of the operation's `success` statuses; whatever
/// else the call ended with, as the error to return.
fn answered(
    raw: Option<RawError<ErrorEnvelope>>,
    state: &mut CallState,
    success: &[RangeInclusive<u16>],
) -> Result<Answer, Error> {
    let failure = state.failure.take().map(|failure| *failure);
    let error = match (failure, state.answer.take()) {
        (
            Some(Failure {
                deferred: Some(error),
                ..
            }),
            _,
        ) => error,
        (_, Some(answer)) if success.iter().any(|range| range.contains(&answer.status)) => {
            return Ok(answer)
        }
        (_, Some(answer)) => refused(&answer, state.credential.as_ref()),
        (failure, None) => unanswered(raw, failure.and_then(|failure| failure.hook_error)),
    };
    Err(finished(error, state))
}

/// Makes `error` fit to hand to the caller: cleaned of the credential, and holding the
/// request's `Idempotency-Key`.
fn finished(error: Error, state: &mut CallState) -> Error {
    let key = state
        .idempotency_key
        .take()
        .and_then(|key| key.to_str().ok().map(str::to_owned));
    let error = match &state.credential {
        Some(credential) => error.without(credential),
        None => error,
    };
    error.with_idempotency_key(key)
}

/// An answer with a status the operation does not succeed with: an error answer, a 304 to a
/// conditional request, or a status the spec does not document for it.
fn refused(answer: &Answer, credential: Option<&Credential>) -> Error {
    let body = without_credential(credential, &answer.body);
    match answer.status {
        304 => Error::NotModified(Box::new(NotModified::from_headers(&answer.headers))),
        status if status >= 400 => api(ApiError::from_body(status, &answer.headers, &body)),
        status => Error::Decode(Box::new(DecodeError::other(
            status,
            &body,
            "status not documented for this operation",
        ))),
    }
}

/// A success answer whose body does not decode as the operation's.
fn undecodable(answer: &Answer, error: serde_json::Error, state: &mut CallState) -> Error {
    // Found in the body as received, which the error's position refers to; the path is
    // cleaned of the credential with the rest of the error.
    let path = json_path::at(&answer.body, error.line(), error.column());
    let body = without_credential(state.credential.as_ref(), &answer.body);
    let mut decode = DecodeError::from_json(answer.status, &body, error);
    decode.path = path;
    finished(Error::Decode(Box::new(decode)), state)
}

/// What a call that received no answer failed with: the error a hook left, or the generated
/// method's own.
fn unanswered(raw: Option<RawError<ErrorEnvelope>>, hook_error: Option<Error>) -> Error {
    if let Some(error) = hook_error {
        return error;
    }
    match raw {
        Some(
            RawError::CommunicationError(error)
            | RawError::ResponseBodyError(error)
            | RawError::InvalidUpgrade(error),
        ) => TransportError::from_reqwest(error).into(),
        Some(RawError::InvalidRequest(message)) => Error::InvalidRequest(message),
        // The post hook stops the generated method at every answer, before it reads one, and
        // a hook that fails leaves its error: these end a call only if the transport returned
        // neither an answer nor a failure.
        Some(
            RawError::ErrorResponse(_)
            | RawError::InvalidResponsePayload(..)
            | RawError::UnexpectedResponse(_)
            | RawError::Custom(_),
        )
        | None => TransportError::new(
            TransportErrorKind::Other,
            "the request ended without an answer",
        )
        .into(),
    }
}

/// A body without the credential, taken out before an excerpt could cut it in two.
fn without_credential<'a>(credential: Option<&Credential>, body: &'a [u8]) -> Cow<'a, [u8]> {
    credential.map_or(Cow::Borrowed(body), |credential| {
        credential.remove_from(body)
    })
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
