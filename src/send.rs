//! Sends one operation's request, attempt after attempt as the retry policy allows. Every body
//! is read here, whole and up to the size limit, so that a connection broken mid-response is
//! retried like any other transient failure.

use std::time::Instant;

use bytes::Bytes;
use http::response::Parts;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use reqwest::ResponseBuilderExt;

use crate::call;
use crate::client::State;
use crate::error::{Error, TransportError, TransportErrorKind};
use crate::lookahead;
use crate::response::{RateLimit, IDEMPOTENCY_KEY};
use crate::retry::{assess_answer, assess_failure};

/// A response whose body has been read.
struct Answer {
    parts: Parts,
    body: Bytes,
}

/// Carries the request's URL over to the response rebuilt from `parts`; without it reqwest
/// parses a placeholder URL for every response, and errors would name that one.
fn keep_url(parts: &mut Parts, url: reqwest::Url) {
    if let Ok(tagged) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(tagged.into_parts().0.extensions);
    }
}

pub(crate) async fn execute(
    state: &State,
    http: &reqwest::Client,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    let policy = call::retry_policy().unwrap_or_else(|| state.retry.clone());
    let may_repeat = policy.may_repeat(
        request.method(),
        request.headers().contains_key(&IDEMPOTENCY_KEY),
    );
    let started = Instant::now();
    let mut request = request;
    let mut attempt = 1;
    loop {
        let spare = (may_repeat && attempt < policy.attempts())
            .then(|| request.try_clone())
            .flatten();
        call::record_attempt(attempt);
        // The rare waits are boxed so that they do not enlarge the future of every request.
        if let Some(pacer) = &state.pacer {
            Box::pin(pacer.acquire()).await;
        }
        let outcome = match send(http, request, state.max_response_bytes).await {
            Ok(Received::Whole(answer)) => Ok(answer),
            Ok(Received::Refused(parts, error)) => {
                call::fail_after_exchange(error);
                return Ok(Answer::empty(parts).into_response());
            }
            Err(error) => Err(error),
        };
        if let (Ok(answer), Some(pacer)) = (&outcome, &state.pacer) {
            if let Some(rate) = RateLimit::from_headers(&answer.parts.headers) {
                pacer.observe(&rate);
            }
        }
        let verdict = match &outcome {
            Ok(answer) => assess_answer(answer.parts.status, &answer.parts.headers, &answer.body),
            Err(error) => assess_failure(error).map(|reason| (reason, None)),
        };
        let (Some(next), Some((reason, floor))) = (spare, verdict) else {
            if let Ok(answer) = &outcome {
                if answer.parts.status.is_success() && lookahead::offer(&answer.body) {
                    tokio::task::yield_now().await;
                }
            }
            return outcome.map(Answer::into_response);
        };
        let delay = policy.delay(attempt + 1, floor);
        if policy
            .deadline_after()
            .is_some_and(|deadline| started.elapsed() + delay > deadline)
        {
            return outcome.map(Answer::into_response);
        }
        tracing::info!(
            attempt,
            reason = %reason,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            "retrying request"
        );
        Box::pin(tokio::time::sleep(delay)).await;
        request = next;
        attempt += 1;
    }
}

enum Received {
    Whole(Answer),
    /// The body could not be taken: too large (reading stopped at the limit), or unreadable in
    /// a way reqwest does not report.
    Refused(Parts, Error),
}

async fn send(
    http: &reqwest::Client,
    request: reqwest::Request,
    limit: usize,
) -> reqwest::Result<Received> {
    let response = http.execute(request).await?;
    let too_large = |length: u64| usize::try_from(length).map_or(true, |n| n > limit);
    let declared_too_large = response.content_length().is_some_and(too_large);
    let url = response.url().clone();
    let (mut parts, body) = http::Response::from(response).into_parts();
    keep_url(&mut parts, url);
    let too_large = || Error::ResponseTooLarge {
        status: parts.status.as_u16(),
        limit,
    };
    if declared_too_large {
        let error = too_large();
        return Ok(Received::Refused(parts, error));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(Received::Whole(Answer {
            parts,
            body: collected.to_bytes(),
        })),
        Err(error) if error.is::<LengthLimitError>() => {
            let error = too_large();
            Ok(Received::Refused(parts, error))
        }
        Err(error) => match error.downcast::<reqwest::Error>() {
            Ok(error) => Err(*error),
            Err(other) => {
                let error = TransportError::new(TransportErrorKind::Interrupted, other).into();
                Ok(Received::Refused(parts, error))
            }
        },
    }
}

impl Answer {
    /// Keeps the status and headers of a response whose body was not taken.
    fn empty(parts: Parts) -> Self {
        Self {
            parts,
            body: Bytes::new(),
        }
    }

    /// Hands the buffered answer on as a response, for the generated code to decode; its
    /// headers go to the call instead.
    fn into_response(mut self) -> reqwest::Response {
        self.parts.headers = call::keep_headers(std::mem::take(&mut self.parts.headers));
        reqwest::Response::from(http::Response::from_parts(self.parts, self.body))
    }
}
