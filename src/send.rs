//! Sends one operation's request, attempt after attempt as the retry policy allows. Every body
//! is read here, whole and up to the size limit, so that a connection broken mid-response is
//! retried like any other transient failure.

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Version};

use crate::call;
use crate::client::State;
use crate::error::Error;
use crate::response::RateLimit;
use crate::retry::{assess_answer, assess_failure};

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// A response whose body has been read.
struct Answer {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
}

pub(crate) async fn execute(
    state: &State,
    http: &reqwest::Client,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    let policy = call::retry_policy().unwrap_or_else(|| state.retry.clone());
    let may_repeat = policy.may_repeat(
        request.method(),
        request.headers().contains_key(IDEMPOTENCY_KEY),
    );
    let started = Instant::now();
    let mut request = request;
    let mut attempt = 1;
    loop {
        let spare = (may_repeat && attempt < policy.attempts())
            .then(|| request.try_clone())
            .flatten();
        call::record_attempt(attempt);
        if let Some(pacer) = &state.pacer {
            pacer.acquire().await;
        }
        let outcome = match send(http, request, state.max_response_bytes).await {
            Ok(Received::Whole(answer)) => Ok(answer),
            Ok(Received::TooLarge(status)) => {
                call::fail_after_exchange(Error::ResponseTooLarge {
                    status: status.as_u16(),
                    limit: state.max_response_bytes,
                });
                return Ok(Answer::empty(status).into_response());
            }
            Err(error) => Err(error),
        };
        if let (Ok(answer), Some(pacer)) = (&outcome, &state.pacer) {
            if let Some(rate) = RateLimit::from_headers(&answer.headers) {
                pacer.observe(&rate);
            }
        }
        let verdict = match &outcome {
            Ok(answer) => assess_answer(answer.status, &answer.headers, &answer.body),
            Err(error) => assess_failure(error).map(|reason| (reason, None)),
        };
        let (Some(next), Some((reason, floor))) = (spare, verdict) else {
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
        tokio::time::sleep(delay).await;
        request = next;
        attempt += 1;
    }
}

enum Received {
    Whole(Answer),
    /// The body outgrew the limit; reading stopped there.
    TooLarge(StatusCode),
}

async fn send(
    http: &reqwest::Client,
    request: reqwest::Request,
    limit: usize,
) -> reqwest::Result<Received> {
    let mut response = http.execute(request).await?;
    let status = response.status();
    let too_large = |length: u64| usize::try_from(length).map_or(true, |n| n > limit);
    if response.content_length().is_some_and(too_large) {
        return Ok(Received::TooLarge(status));
    }
    let version = response.version();
    let headers = response.headers().clone();
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(Received::TooLarge(status));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Received::Whole(Answer {
        status,
        version,
        headers,
        body: body.freeze(),
    }))
}

impl Answer {
    fn empty(status: StatusCode) -> Self {
        Self {
            status,
            version: Version::HTTP_11,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// Hands the buffered answer on as a response, for the generated code to decode.
    fn into_response(self) -> reqwest::Response {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        *response.headers_mut() = self.headers;
        reqwest::Response::from(response)
    }
}
