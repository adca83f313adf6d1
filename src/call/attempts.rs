//! The attempts of one call: each built, authenticated and sent, what it left kept in the call's
//! state, then judged by the retry policy, inside the request's tracing span.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures::future::Either;
use progenitor_client::{ClientInfo, Error as RawError};
use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::Method;
use tracing::Instrument;

use super::build::{Built, Unbuilt};
use super::{CallState, Outcome};
use crate::client::Client;
use crate::lookahead;
use crate::response::{IDEMPOTENCY_KEY, X_REQUEST_ID};
use crate::retry::{assess_answer, assess_failure, Reason, RetryPolicy};
use crate::send::{self, Sent};
use crate::server_text::Credential;
use crate::types::ErrorEnvelope;

/// Builds an attempt's request, given the `Idempotency-Key` an earlier attempt sent.
pub(super) type Build<'a> = dyn Fn(Option<HeaderValue>) -> Built + Sync + 'a;

/// Runs the attempts inside the request's tracing span, keeping what they leave in `state`, the
/// call's, and returns the last attempt's error, if it ended with one.
pub(super) fn traced<'a>(
    operation: &'static str,
    client: &'a Client,
    policy: &'a RetryPolicy,
    build: &'a Build<'a>,
    state: &'a mut CallState,
) -> impl Future<Output = Outcome> + Send + 'a {
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
    let run = attempts(operation, client, policy, build, state, span.clone());
    // A span no one listens to is not entered at every poll.
    if span.is_disabled() {
        Either::Left(run)
    } else {
        Either::Right(run.instrument(span))
    }
}

/// Sends attempt after attempt while the retry policy allows one more, then hands back the last
/// one's error, if any; the rest of what it left is in `state`.
async fn attempts<'a>(
    #[cfg_attr(not(feature = "contract"), allow(unused_variables))] operation: &'static str,
    client: &'a Client,
    policy: &'a RetryPolicy,
    build: &'a Build<'a>,
    state: &'a mut CallState,
    span: tracing::Span,
) -> Outcome {
    let started = Instant::now();
    state.deadline = policy
        .deadline_after()
        .and_then(|deadline| started.checked_add(deadline));
    let mut number = 1;
    loop {
        if !span.is_disabled() {
            span.record("attempt", number);
        }
        // Nothing is awaited in the first match: what it makes of the request is out of the
        // call's future before the attempt is awaited.
        let raw = {
            let attempt = match build(state.idempotency_key.clone()) {
                Ok(request) => Ok(begin(client, request, state)),
                Err(Unbuilt::Raw(raw)) => Err(Some(raw)),
                Err(Unbuilt::Refused(error)) => {
                    state.failure().refusal = Some(error);
                    Err(None)
                }
            };
            match attempt {
                Ok(attempt) => attempt.await,
                Err(raw) => raw,
            }
        };
        if !span.is_disabled() {
            record_answer(&span, state);
        }
        let verdict = if number < policy.attempts() {
            assess(raw.as_deref(), state, policy)
        } else {
            None
        };
        let delay = verdict.and_then(|(reason, floor)| {
            let delay = policy.delay(number + 1, floor);
            let past_deadline = policy.deadline_after().is_some_and(|deadline| {
                started
                    .elapsed()
                    .checked_add(delay)
                    .is_none_or(|end| end > deadline)
            });
            (!past_deadline && policy.accepts_server_wait(floor)).then_some((reason, delay))
        });
        let Some((reason, delay)) = delay else {
            #[cfg(feature = "contract")]
            check_contract(client.shared(), operation, state);
            let offered = state
                .answer
                .as_ref()
                .is_some_and(|answer| answer.status.is_success() && lookahead::offer(&answer.body));
            if offered {
                tokio::task::yield_now().await;
            }
            return raw;
        };
        tracing::info!(
            attempt = number,
            reason = %reason,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            "retrying request"
        );
        drop(raw);
        state.answer = None;
        Box::pin(tokio::time::sleep(delay)).await;
        number += 1;
    }
}

/// One attempt's exchange, under way, with its error if the transport failed.
type Attempt<'a> = Pin<Box<dyn Future<Output = Option<Box<RawError<ErrorEnvelope>>>> + Send + 'a>>;

/// Starts sending `request`, with the credential at hand, or once the client's token provider
/// gave one; what the attempt comes to is kept in `state`. Boxed on its own, the exchange
/// keeps the call's future small enough for the allocator's fast path, as it is itself.
fn begin<'c: 's, 's>(
    client: &'c Client,
    request: reqwest::Request,
    state: &'s mut CallState,
) -> Attempt<'s> {
    let shared = client.shared();
    let http = client.raw().client();
    match shared.auth.at_hand() {
        Some(authorization) => {
            let request = state.authenticate(request, authorization);
            let sending = send::attempt(shared, http, request, state.deadline);
            Box::pin(async move { state.keep(sending.await) })
        }
        // Asked at every attempt: a provider's token may have expired since the last one.
        None => Box::pin(async move {
            match shared.auth.header().await {
                Ok(authorization) => {
                    let request = state.authenticate(request, authorization);
                    state.keep(send::attempt(shared, http, request, state.deadline).await)
                }
                Err(error) => {
                    state.failure().refusal = Some(error.into());
                    None
                }
            }
        }),
    }
}

impl CallState {
    /// `request` with its credential, recorded first with what else the call needs of the
    /// request later: the credential to clean from what comes back, the `Idempotency-Key` to
    /// report, and what decides whether it may be sent again.
    fn authenticate(
        &mut self,
        mut request: reqwest::Request,
        authorization: HeaderValue,
    ) -> reqwest::Request {
        let key = if request.method() == Method::POST {
            request.headers().get(&IDEMPOTENCY_KEY)
        } else {
            None
        };
        self.sent = Some((request.method().clone(), key.is_some()));
        self.idempotency_key = key.cloned();
        self.credential = Some(Credential::new(&authorization));
        request.headers_mut().insert(AUTHORIZATION, authorization);
        request
    }

    /// Keeps what an attempt came to; returns the transport's error, if it failed.
    fn keep(&mut self, sent: Sent) -> Option<Box<RawError<ErrorEnvelope>>> {
        match sent {
            Sent::Answer(answer) => self.answer = Some(answer),
            Sent::Refused(error) => self.failure().deferred = Some(error),
            Sent::Failed(error) => return Some(Box::new(RawError::CommunicationError(error))),
        }
        None
    }
}

/// Tells the span what the attempt's answer said of itself.
fn record_answer(span: &tracing::Span, state: &CallState) {
    let Some(answer) = &state.answer else {
        return;
    };
    span.record("status", answer.status.as_u16());
    if let Some(id) = answer
        .headers
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
    {
        let id = match &state.credential {
            Some(credential) => credential.cleaned(id),
            None => Cow::Borrowed(id),
        };
        span.record("request_id", &*id);
    }
}

/// Whether the attempt that left `state` and ended with `raw` failed in a way that sending it
/// again may mend, and how long the server asked to wait first.
fn assess(
    raw: Option<&RawError<ErrorEnvelope>>,
    state: &CallState,
    policy: &RetryPolicy,
) -> Option<(Reason, Option<Duration>)> {
    let may_repeat = state
        .sent
        .as_ref()
        .is_some_and(|(method, keyed)| policy.may_repeat(method, *keyed));
    if !may_repeat || state.failure.is_some() {
        return None;
    }
    match (&state.answer, raw) {
        (Some(answer), _) => assess_answer(answer.status, &answer.headers, &answer.body),
        (None, Some(RawError::CommunicationError(error))) => {
            assess_failure(error).map(|reason| (reason, None))
        }
        _ => None,
    }
}

/// Checks the answer handed to the caller against the spec, when the client was asked to; in
/// strict mode a violation fails the call.
#[cfg(feature = "contract")]
fn check_contract(shared: &crate::client::State, operation: &str, state: &mut CallState) {
    let (Some(check), Some(answer)) = (&shared.contract, &state.answer) else {
        return;
    };
    if let Some(violation) = check.check_body(operation, answer.status.as_u16(), &answer.body) {
        state.failure().deferred = Some(crate::Error::Contract(Box::new(violation)));
    }
}
