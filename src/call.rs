//! Runs a request and turns its outcome into `Result<Response<T>, Error>`. Every operation goes
//! through here: the generated request types (`crate::requests`) store their parameters in a
//! [`Call`] and a params struct, and their `IntoFuture` impls pick the function matching the kind
//! of body the operation answers with, which builds progenitor's request from the parameters.
//!
//! `build` has the generated method build each attempt's request, `attempts` sends them and
//! keeps what they leave in the call's state, and `outcome` turns that state into the response
//! or the error.

mod attempts;
pub(crate) mod build;
mod outcome;

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
use crate::response::{Conditional, Landmarks, Response};
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

/// What the generated client's methods return. They never return an answer: the pre hook stops
/// them once the request is built, and the call sends it and reads the answer itself.
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
    /// The generated client's method for the operation, called with the parameters, which
    /// every attempt borrows; the call polls it once, for the request it builds (see `build`).
    fn send_raw<'a>(
        client: &'a generated::Client,
        params: &'a Self::Params,
    ) -> impl Future<Output = Raw<Self::Answer>> + Send + 'a;
}

/// What sending `operation` needs: the client, the retry policy that applies (the request's
/// own, or the client's), and the parameters; an invalid parameter fails here, before anything
/// is sent.
fn start<O: Operation>(operation: O) -> Result<(Client, RetryPolicy, O::Params), Error> {
    let (mut call, params) = operation.into_parts();
    if let Some(error) = call.invalid() {
        return Err(error);
    }
    let Call { client, retry, .. } = call;
    let policy = retry.unwrap_or_else(|| client.shared().retry.clone());
    Ok((client, policy, params))
}

/// The future of a call that failed before it started: a future of its own, so that the
/// error takes no room in every call's.
fn failed<T: 'static>(error: Error) -> CallFuture<T> {
    Box::pin(async move { Err(error) })
}

/// Sends the operation with `params`, attempt after attempt as the retry policy allows, and
/// returns its answer, or the error the call ended with; the rest is in `state`.
///
/// Each attempt has the generated method build the request anew from the parameters: no copy
/// of a request waits for a retry that seldom comes. What drives the attempts is the same for
/// every operation, and compiled once.
async fn exchange<O: Operation>(
    client: &Client,
    policy: &RetryPolicy,
    params: &O::Params,
    state: &mut CallState,
) -> Result<Answer, Error> {
    let raw = client.raw();
    let build = |key| build::build(std::pin::pin!(O::send_raw(raw, params)), key);
    let unbuilt = traced(O::ID, client, policy, &build, state).await;
    answered(unbuilt, state, O::SUCCESS)
}

/// What a call ends with besides its state: the generated method's or the transport's error on
/// the last attempt, if any.
type Outcome = Option<Box<RawError<ErrorEnvelope>>>;

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
    /// Why the request was not sent: a check that refused it, or its credential not to be had.
    refusal: Option<Error>,
    /// A failure found while exchanging, to raise when the exchange returns.
    deferred: Option<Error>,
}

/// An answer read whole.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// What the client reads from its headers, found as it arrived.
    pub(crate) landmarks: Landmarks,
}

impl CallState {
    fn failure(&mut self) -> &mut Failure {
        self.failure.get_or_insert_with(Box::default)
    }
}

/// Sends `operation` and makes its response with `read`, from the answer it succeeded with.
fn run<O: Operation, T: 'static>(
    operation: O,
    read: fn(Answer, &mut CallState) -> Result<Response<T>, Error>,
) -> CallFuture<T> {
    let (client, policy, params) = match start(operation) {
        Ok(started) => started,
        Err(error) => return failed(error),
    };
    Box::pin(async move {
        let mut state = CallState::default();
        let answer = exchange::<O>(&client, &policy, &params, &mut state).await?;
        read(answer, &mut state)
    })
}

/// An operation answering with a JSON envelope.
pub(crate) fn json<O>(operation: O) -> CallFuture<<O::Answer as Envelope>::Data>
where
    O: Operation,
    O::Answer: Envelope,
{
    run(operation, read_envelope::<O::Answer>)
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
    run(operation, read_text)
}

/// An operation answering with no body.
#[allow(dead_code)] // No operation of the current spec answers without a body.
pub(crate) fn empty<O: Operation<Answer = ()>>(operation: O) -> CallFuture<()> {
    run(operation, |answer, state| {
        Ok(respond((), None, None, &answer, state))
    })
}

/// The response holding the `data` of the envelope `E` the answer carries.
fn read_envelope<E: Envelope>(
    answer: Answer,
    state: &mut CallState,
) -> Result<Response<E::Data>, Error> {
    match serde_json::from_slice::<E>(&answer.body) {
        Ok(envelope) => Ok(unwrap(envelope, &answer, state)),
        Err(error) => Err(undecodable(&answer, error, state)),
    }
}

/// The response holding the answer's body as text.
fn read_text(answer: Answer, state: &mut CallState) -> Result<Response<String>, Error> {
    let text = match std::str::from_utf8(&answer.body) {
        Ok(text) => text.to_owned(),
        Err(error) => {
            let reason = format!("body is not UTF-8: {error}");
            let body = without_credential(state.credential.as_ref(), &answer.body);
            return Err(Error::Decode(Box::new(DecodeError::other(
                answer.status.as_u16(),
                &body,
                reason,
            ))));
        }
    };
    Ok(respond(text, None, None, &answer, state))
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
