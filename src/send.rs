//! Sends one operation's request, attempt after attempt as the retry policy allows. Every body
//! is read here, whole and up to the size limit, so that a connection broken mid-response is
//! retried like any other transient failure.

use std::future::Future;
use std::time::Instant;

use bytes::Bytes;
use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode};

use crate::call;
use crate::client::State;
use crate::error::{Error, RedirectError};
use crate::lookahead;
use crate::pacer::Pacer;
use crate::response::{RateLimit, IDEMPOTENCY_KEY};
use crate::retry::{assess_answer, assess_failure, RetryPolicy};

/// A response and its body, read whole.
struct Answer {
    /// Its status and headers; its body has been drained into `body`.
    response: reqwest::Response,
    body: Bytes,
}

/// Sends `request` until it succeeds or may not be retried, then hands the final answer, body
/// and all, to the call (`call::deliver`). What it returns to the generated code is that
/// answer's response with its body drained and its headers taken, which the post hook refuses:
/// the generated code never reads it, so the body is decoded once, by the call, from the bytes
/// read here.
pub(crate) fn execute<'a>(
    state: &'a State,
    http: &'a reqwest::Client,
    mut request: reqwest::Request,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a {
    let policy = call::retry_policy().unwrap_or_else(|| state.retry.clone());
    // The key only matters for a POST; other methods skip the header lookup.
    let keyed =
        request.method() == Method::POST && request.headers().contains_key(&IDEMPOTENCY_KEY);
    let may_repeat = policy.may_repeat(request.method(), keyed);
    // Not an `async fn`: its arguments would be kept in the future beside the copies the block
    // makes of them, and this future is part of every request's.
    async move {
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let spare = (may_repeat && attempt < policy.attempts())
                .then(|| copy_for_retry(&request))
                .flatten();
            call::record_attempt(attempt);
            if let Some(pacer) = &state.pacer {
                // The rare waits are boxed so that they do not enlarge the future of every request.
                if let Err(refused) =
                    Box::pin(wait_for_turn(pacer, state, &policy, started, &mut request)).await
                {
                    call::fail_after_exchange(refused);
                    return Ok(unsent());
                }
            }
            let outcome = match send(http, request, state.max_response_bytes).await {
                Ok(Received::Whole(answer)) => Ok(answer),
                Ok(Received::Refused(response, error)) => {
                    call::fail_after_exchange(error);
                    return Ok(response);
                }
                Err(error) => Err(error),
            };
            let rate_limit = match &outcome {
                Ok(answer) => RateLimit::from_headers(answer.response.headers()),
                Err(_) => None,
            };
            if let (Some(rate), Some(pacer)) = (&rate_limit, &state.pacer) {
                pacer.observe(rate);
            }
            let verdict = match &outcome {
                Ok(answer) => assess_answer(
                    answer.response.status(),
                    answer.response.headers(),
                    &answer.body,
                ),
                Err(error) => assess_failure(error).map(|reason| (reason, None)),
            };
            let (Some(next), Some((reason, floor))) = (spare, verdict) else {
                return finish(state, outcome, rate_limit).await;
            };
            let delay = policy.delay(attempt + 1, floor);
            let past_deadline = policy.deadline_after().is_some_and(|deadline| {
                started
                    .elapsed()
                    .checked_add(delay)
                    .is_none_or(|end| end > deadline)
            });
            if past_deadline || !policy.accepts_server_wait(floor) {
                return finish(state, outcome, rate_limit).await;
            }
            tracing::info!(
                attempt,
                reason = %reason,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying request"
            );
            drop(outcome);
            Box::pin(tokio::time::sleep(delay)).await;
            request = next;
            attempt += 1;
        }
    }
}

/// Hands the final answer to the call and what is left of its response to the generated code.
/// A walk listening for the next page's cursor is offered the body first, and given a turn to
/// send its next request if it found one.
async fn finish(
    state: &State,
    outcome: reqwest::Result<Answer>,
    rate_limit: Option<RateLimit>,
) -> reqwest::Result<reqwest::Response> {
    let Answer { mut response, body } = outcome?;
    #[cfg(feature = "contract")]
    check_contract(state, response.status(), &body);
    if let Some(rate_limit) = rate_limit {
        state.record_rate_limit(rate_limit);
    }
    let status = response.status();
    let offered = status.is_success() && lookahead::offer(&body);
    let headers = std::mem::take(response.headers_mut());
    call::deliver(status.as_u16(), headers, body, rate_limit);
    if offered {
        tokio::task::yield_now().await;
    }
    Ok(response)
}

/// Stands in for the answer of a request that was never sent, for a call that is about to fail
/// with the error it recorded.
fn unsent() -> reqwest::Response {
    reqwest::Response::from(http::Response::new(Bytes::new()))
}

/// Checks the answer handed to the caller against the spec, when the client was asked to; in
/// strict mode a violation fails the call.
#[cfg(feature = "contract")]
fn check_contract(state: &State, status: StatusCode, body: &[u8]) {
    let Some(check) = &state.contract else {
        return;
    };
    if let Some(violation) = check.check_body(call::operation(), status.as_u16(), body) {
        call::fail_after_exchange(Error::Contract(Box::new(violation)));
    }
}

/// Waits for the request's turn in the pacer's schedule. A turn further away than the request
/// may wait (its timeout, or what is left of the retry deadline) is given back at once and the
/// request fails without being sent; after a wait, the request's timeout is what is left of it.
async fn wait_for_turn(
    pacer: &Pacer,
    state: &State,
    policy: &RetryPolicy,
    started: Instant,
    request: &mut reqwest::Request,
) -> Result<(), Error> {
    let turn = pacer.take_turn();
    let wait = turn.wait_time();
    if wait.is_zero() {
        turn.spend();
        return Ok(());
    }
    let timeout = request.timeout().copied().or(state.request_timeout);
    let left = policy
        .deadline_after()
        .map(|deadline| deadline.saturating_sub(started.elapsed()));
    let limit = [timeout, left].into_iter().flatten().min();
    if limit.is_some_and(|limit| wait >= limit) {
        return Err(Error::RateBudgetExhausted {
            wait,
            idempotency_key: None,
        });
    }
    turn.wait().await;
    if let Some(timeout) = timeout {
        *request.timeout_mut() = Some(timeout.saturating_sub(wait));
    }
    Ok(())
}

/// A copy of `request` to send again if this attempt fails. `Request::try_clone` also fills and
/// then discards an extension map on every call (three allocations per request); a request
/// without a body is copied field by field instead. The timeout is the only extension reqwest's
/// builder sets, and it is carried over.
fn copy_for_retry(request: &reqwest::Request) -> Option<reqwest::Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    Some(copy)
}

enum Received {
    Whole(Answer),
    /// The body could not be taken: too large (reading stopped at the limit); or it is not the
    /// API's answer: a redirect, left unread.
    Refused(reqwest::Response, Error),
}

// Not an `async fn` either, for the same reason: the request goes to reqwest at once.
fn send(
    http: &reqwest::Client,
    request: reqwest::Request,
    limit: usize,
) -> impl Future<Output = reqwest::Result<Received>> {
    // Kept to tell where the answer came from.
    let url = request.url().clone();
    let pending = http.execute(request);
    async move {
        let mut response = pending.await?;
        if let Some(error) = refused_redirect(&response, &url) {
            return Ok(Received::Refused(response, error));
        }
        let too_large = |response: &reqwest::Response| Error::ResponseTooLarge {
            status: response.status().as_u16(),
            limit,
            idempotency_key: None,
        };
        let declared = response.content_length();
        if declared.is_some_and(|length| usize::try_from(length).map_or(true, |n| n > limit)) {
            let error = too_large(&response);
            return Ok(Received::Refused(response, error));
        }
        let mut body = Body::new(limit);
        while let Some(chunk) = response.chunk().await? {
            if body.push(chunk).is_err() {
                let error = too_large(&response);
                return Ok(Received::Refused(response, error));
            }
        }
        Ok(Received::Whole(Answer {
            response,
            body: body.finish(),
        }))
    }
}

/// The API never redirects: a redirect answer is refused rather than followed or read. A client
/// built by this crate follows none; one supplied by the caller may, and its answer then comes
/// from another URL than the request's, which is refused as well.
fn refused_redirect(response: &reqwest::Response, sent_to: &reqwest::Url) -> Option<Error> {
    let status = response.status();
    if response.url() != sent_to {
        Some(RedirectError::followed(response.url()))
    } else if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
        Some(RedirectError::answered(
            status.as_u16(),
            response.headers().get(LOCATION),
        ))
    } else {
        None
    }
}

/// A body read chunk by chunk, up to a size limit. An answer that arrives in one chunk, as most
/// do, is kept as it came, without a copy; chunks after the first are joined into one buffer.
struct Body {
    first: Bytes,
    joined: Vec<u8>,
    /// Bytes still allowed.
    room: usize,
}

/// The body went past its limit.
#[derive(Debug, PartialEq)]
struct TooLarge;

impl Body {
    fn new(limit: usize) -> Self {
        Self {
            first: Bytes::new(),
            joined: Vec::new(),
            room: limit,
        }
    }

    fn push(&mut self, chunk: Bytes) -> Result<(), TooLarge> {
        self.room = self.room.checked_sub(chunk.len()).ok_or(TooLarge)?;
        if self.first.is_empty() {
            self.first = chunk;
        } else if !chunk.is_empty() {
            if self.joined.is_empty() {
                self.joined.extend_from_slice(&self.first);
            }
            self.joined.extend_from_slice(&chunk);
        }
        Ok(())
    }

    fn finish(self) -> Bytes {
        if self.joined.is_empty() {
            self.first
        } else {
            Bytes::from(self.joined)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::header::{HeaderValue, AUTHORIZATION};
    use reqwest::{Method, Request, Version};

    use bytes::Bytes;

    use super::{copy_for_retry, Body, TooLarge};

    fn request(method: Method) -> Request {
        let mut request = Request::new(
            method,
            "https://example.test/api/v1/me?x=1".parse().unwrap(),
        );
        request
            .headers_mut()
            .insert(AUTHORIZATION, HeaderValue::from_static("Bearer k"));
        request
    }

    #[test]
    fn a_copy_keeps_everything_the_request_carries() {
        let mut original = request(Method::GET);
        *original.timeout_mut() = Some(Duration::from_secs(3));
        *original.version_mut() = Version::HTTP_2;
        let copy = copy_for_retry(&original).expect("a request without a body can be copied");
        assert_eq!(copy.method(), Method::GET);
        assert_eq!(copy.url(), original.url());
        assert_eq!(copy.headers(), original.headers());
        assert_eq!(copy.timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(copy.version(), Version::HTTP_2);
        assert!(copy.body().is_none());

        let plain = copy_for_retry(&request(Method::DELETE)).unwrap();
        assert_eq!(plain.method(), Method::DELETE);
        assert_eq!(plain.timeout(), None);
    }

    #[test]
    fn a_body_is_copied_when_it_can_be_and_refused_when_it_cannot() {
        let mut with_body = request(Method::POST);
        *with_body.body_mut() = Some(reqwest::Body::from(r#"{"name":"a"}"#));
        let copy = copy_for_retry(&with_body).unwrap();
        assert_eq!(
            copy.body().and_then(reqwest::Body::as_bytes),
            Some(&br#"{"name":"a"}"#[..])
        );
        assert_eq!(copy.headers(), with_body.headers());

        let mut streamed = request(Method::POST);
        let chunks = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from("a"))]);
        *streamed.body_mut() = Some(reqwest::Body::wrap_stream(chunks));
        assert!(copy_for_retry(&streamed).is_none());
    }

    #[test]
    fn a_body_in_one_chunk_is_kept_as_it_came() {
        let chunk = Bytes::from_static(b"{\"ok\":true}");
        let mut body = Body::new(chunk.len());
        body.push(chunk.clone()).unwrap();
        let body = body.finish();
        assert_eq!(body, chunk);
        assert_eq!(body.as_ptr(), chunk.as_ptr());
    }

    #[test]
    fn chunks_are_joined_in_order() {
        let mut body = Body::new(5);
        for chunk in ["", "ab", "", "cd", "e"] {
            body.push(Bytes::from(chunk)).unwrap();
        }
        assert_eq!(body.finish(), &b"abcde"[..]);
        assert_eq!(Body::new(0).finish(), &b""[..]);
    }

    #[test]
    fn a_body_past_its_limit_is_refused() {
        let mut body = Body::new(4);
        body.push(Bytes::from_static(b"abc")).unwrap();
        assert_eq!(body.push(Bytes::from_static(b"de")), Err(TooLarge));
        assert_eq!(Body::new(1).push(Bytes::from_static(b"ab")), Err(TooLarge));
    }
}
