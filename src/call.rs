//! Runs a request and turns its outcome into `Result<Response<T>, Error>`. Every operation goes
//! through here: the generated request types (`crate::requests`) store their parameters in a
//! [`Call`] and a params struct, and their `IntoFuture` impls pick the function matching the kind
//! of body the operation answers with, which builds progenitor's request from the parameters.
//!
//! The hooks learn what each attempt sent and received through the call's state, a task-local;
//! `attempts` runs the attempts in it, and `outcome` turns the state they leave into the
//! response or the error.

mod attempts;
mod outcome;

use std::cell::RefCell;
use std::future::Future;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::time::Instant;

use bytes::Bytes;
use progenitor_client::{ByteStream, Error as RawError, ResponseValue};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};

use crate::client::Client;
use crate::envelope::Envelope;
use crate::error::{DecodeError, Error};
use crate::field::Checked;
use crate::generated;
use crate::response::{Conditional, Landmarks, Response, IDEMPOTENCY_KEY};
use crate::retry::RetryPolicy;
use crate::server_text::Credential;
use crate::types::ErrorEnvelope;

use attempts::traced;
use outcome::{answered, respond, undecodable, unwrap, without_credential};

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
    type Params: Send + Sync + 'static;
    fn into_parts(self) -> (Call, Self::Params);
    /// Sends the operation once through the generated client's method for it, with the
    /// parameters, which every attempt borrows.
    fn send_raw<'a>(
        client: &'a generated::Client,
        params: &'a Self::Params,
    ) -> impl Future<Output = Raw<Self::Answer>> + Send + 'a;
}

/// What sending `operation` needs: the client, the retry policy set on the request, and the
/// parameters; an invalid parameter fails here, before anything is sent.
fn start<O: Operation>(operation: O) -> Result<(Client, Option<RetryPolicy>, O::Params), Error> {
    let (mut call, params) = operation.into_parts();
    if let Some(error) = call.invalid() {
        return Err(error);
    }
    let Call { client, retry, .. } = call;
    Ok((client, retry, params))
}

/// Sends the operation with `params`, attempt after attempt as the retry policy allows, and
/// returns its answer with the call's state, or the error the call ended with.
///
/// Each attempt runs the generated method again, which builds the request anew from the
/// parameters: no copy of a request waits for a retry that seldom comes. Its future is boxed
/// on its own, which keeps it out of the call's future; what drives the attempts is the same
/// for every operation, and compiled once.
async fn exchange<O: Operation>(
    client: &Client,
    retry: Option<RetryPolicy>,
    params: &O::Params,
) -> Result<(Answer, Box<RefCell<CallState>>), Error> {
    let attempt = || -> Sending<'_> {
        Box::pin(async { O::send_raw(client.raw(), params).await.err().map(Box::new) })
    };
    let (raw, mut state) = traced(O::ID, client, retry, &attempt).await;
    let answer = answered(raw, state.get_mut(), O::SUCCESS)?;
    Ok((answer, state))
}

/// One attempt's future, as the generated method leaves it: with its error, if it ended with
/// one (an answer is left in the call's state instead).
type Sending<'a> = Pin<Box<dyn Future<Output = Option<Box<RawError<ErrorEnvelope>>>> + Send + 'a>>;

/// What a call ends with: the generated method's error on the last attempt, if any, and, in
/// its box, the call's state.
type Outcome = (
    Option<Box<RawError<ErrorEnvelope>>>,
    Box<RefCell<CallState>>,
);

tokio::task_local! {
    /// What the hooks learn during one call, for the call to read when it ends. Boxed because
    /// a task-local is swapped in and out of its slot at every poll of the request.
    static CALL: Box<RefCell<CallState>>;
}

#[derive(Default)]
struct CallState {
    /// When the retry policy's deadline passes, if it has one; a pacer's wait counts against it.
    deadline: Option<Instant>,
    /// The method of the request sent, and whether it carries an `Idempotency-Key`: what
    /// decides whether it may be sent again.
    sent: Option<(Method, bool)>,
    /// The latest attempt's answer, as the transport read it.
    answer: Option<Answer>,
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
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// What the client reads from its headers, found as it arrived.
    landmarks: Landmarks,
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

/// The `Idempotency-Key` an earlier attempt of this call sent, for the next to send again.
pub(crate) fn idempotency_key() -> Option<HeaderValue> {
    CALL.try_with(|state| state.borrow().idempotency_key.clone())
        .ok()
        .flatten()
}

/// Called once the request is ready to leave with `authorization`: records what the call needs
/// of it later, the credential to clean from what comes back, the `Idempotency-Key` to report,
/// and what decides whether it may be sent again.
pub(crate) fn record_request(request: &reqwest::Request, authorization: &HeaderValue) {
    let _ = CALL.try_with(|state| {
        let mut state = state.borrow_mut();
        let key = if request.method() == Method::POST {
            request.headers().get(&IDEMPOTENCY_KEY)
        } else {
            None
        };
        state.sent = Some((request.method().clone(), key.is_some()));
        state.idempotency_key = key.cloned();
        state.credential = Some(Credential::new(authorization));
    });
}

/// When the retry policy's deadline passes, for a wait before sending to count against it.
pub(crate) fn deadline() -> Option<Instant> {
    CALL.try_with(|state| state.borrow().deadline)
        .ok()
        .flatten()
}

/// Hands an attempt's answer, read whole, to the call. Returns the response drained of its
/// headers as well as its body, for the generated code to drop.
pub(crate) fn deliver(
    mut response: reqwest::Response,
    body: Bytes,
    landmarks: Landmarks,
) -> reqwest::Response {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let _ = CALL.try_with(|state| {
        state.borrow_mut().answer = Some(Answer {
            status,
            headers,
            body,
            landmarks,
        });
    });
    response
}

/// An operation answering with a JSON envelope.
pub(crate) fn json<O>(operation: O) -> CallFuture<<O::Answer as Envelope>::Data>
where
    O: Operation,
    O::Answer: Envelope,
{
    let started = start(operation);
    Box::pin(async move {
        let (client, retry, params) = started?;
        let (answer, mut state) = exchange::<O>(&client, retry, &params).await?;
        let state = state.get_mut();
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
    let started = start(operation);
    Box::pin(async move {
        let (client, retry, params) = started?;
        let (answer, mut state) = exchange::<O>(&client, retry, &params).await?;
        let state = state.get_mut();
        let credential = state.credential.as_ref();
        let text = match std::str::from_utf8(&answer.body) {
            Ok(text) => text.to_owned(),
            Err(error) => {
                let reason = format!("body is not UTF-8: {error}");
                let body = without_credential(credential, &answer.body);
                return Err(Error::Decode(Box::new(DecodeError::other(
                    answer.status.as_u16(),
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
    let started = start(operation);
    Box::pin(async move {
        let (client, retry, params) = started?;
        let (answer, mut state) = exchange::<O>(&client, retry, &params).await?;
        let state = state.get_mut();
        Ok(respond((), None, None, &answer, state))
    })
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
