//! Sends one operation's request, attempt after attempt as the retry policy allows. Every body
//! is read here, whole and up to the size limit, so that a connection broken mid-response is
//! retried like any other transient failure.

use std::future::Future;
use std::time::Instant;

use bytes::Bytes;
use http::response::Parts;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use reqwest::header::LOCATION;
use reqwest::{Method, ResponseBuilderExt, StatusCode};

use crate::call;
use crate::client::State;
use crate::error::{Error, RedirectError, TransportError, TransportErrorKind};
use crate::lookahead;
use crate::pacer::Pacer;
use crate::response::{RateLimit, IDEMPOTENCY_KEY};
use crate::retry::{assess_answer, assess_failure, RetryPolicy};

/// A response whose body has been read.
struct Answer {
    parts: Parts,
    body: Bytes,
}

/// Carries the request's URL over to the response rebuilt from `parts`; without it reqwest
/// parses a placeholder URL for every response, and errors would name that one. The URL is all
/// the rebuilt response's extensions hold: the connection details the transport left there
/// are read by no one downstream, and merging the two maps would cost an allocation more.
fn keep_url(parts: &mut Parts, url: reqwest::Url) {
    if let Ok(tagged) = http::Response::builder().url(url).body(()) {
        parts.extensions = tagged.into_parts().0.extensions;
    }
}

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
                    return Ok(Answer::nothing().into_response());
                }
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
                Ok(answer) => {
                    assess_answer(answer.parts.status, &answer.parts.headers, &answer.body)
                }
                Err(error) => assess_failure(error).map(|reason| (reason, None)),
            };
            let (Some(next), Some((reason, floor))) = (spare, verdict) else {
                #[cfg(feature = "contract")]
                check_contract(state, &outcome);
                if let Ok(answer) = &outcome {
                    if answer.parts.status.is_success() && lookahead::offer(&answer.body) {
                        tokio::task::yield_now().await;
                    }
                }
                return outcome.map(Answer::into_response);
            };
            let delay = policy.delay(attempt + 1, floor);
            let past_deadline = policy.deadline_after().is_some_and(|deadline| {
                started
                    .elapsed()
                    .checked_add(delay)
                    .is_none_or(|end| end > deadline)
            });
            if past_deadline || !policy.accepts_server_wait(floor) {
                #[cfg(feature = "contract")]
                check_contract(state, &outcome);
                return outcome.map(Answer::into_response);
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

/// Checks the answer handed to the caller against the spec, when the client was asked to; in
/// strict mode a violation fails the call.
#[cfg(feature = "contract")]
fn check_contract<E>(state: &State, outcome: &Result<Answer, E>) {
    let (Some(check), Ok(answer)) = (&state.contract, outcome) else {
        return;
    };
    let status = answer.parts.status.as_u16();
    if let Some(violation) = check.check_body(call::operation(), status, &answer.body) {
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
    /// The body could not be taken: too large (reading stopped at the limit), or unreadable in
    /// a way reqwest does not report; or it is not the API's answer: a redirect, left unread.
    Refused(Parts, Error),
}

// Not an `async fn` either, for the same reason: the request goes to reqwest at once.
fn send(
    http: &reqwest::Client,
    request: reqwest::Request,
    limit: usize,
) -> impl Future<Output = reqwest::Result<Received>> {
    // Kept to tell where the answer came from, then given to the rebuilt response instead of a
    // copy of the response's URL.
    let url = request.url().clone();
    let pending = http.execute(request);
    async move {
        let response = pending.await?;
        let too_large = |length: u64| usize::try_from(length).map_or(true, |n| n > limit);
        let declared_too_large = response.content_length().is_some_and(too_large);
        let redirect = refused_redirect(&response, &url);
        let (mut parts, body) = http::Response::from(response).into_parts();
        keep_url(&mut parts, url);
        if let Some(error) = redirect {
            return Ok(Received::Refused(parts, error));
        }
        let too_large = |parts: &Parts| Error::ResponseTooLarge {
            status: parts.status.as_u16(),
            limit,
            idempotency_key: None,
        };
        if declared_too_large {
            let error = too_large(&parts);
            return Ok(Received::Refused(parts, error));
        }
        match read_whole(Limited::new(body, limit)).await {
            Ok(body) => Ok(Received::Whole(Answer { parts, body })),
            Err(error) if error.is::<LengthLimitError>() => {
                let error = too_large(&parts);
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

/// Reads a body to its end. An answer that arrives in one frame, as most do, is kept as it
/// came, without the buffer list `BodyExt::collect` allocates for every body; frames after the
/// first are joined into one buffer.
async fn read_whole<B>(body: B) -> Result<Bytes, B::Error>
where
    B: http_body::Body<Data = Bytes>,
{
    let mut body = std::pin::pin!(body);
    let mut first = Bytes::new();
    let mut joined = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(chunk) = frame?.into_data() else {
            continue; // trailers
        };
        if first.is_empty() {
            first = chunk;
        } else {
            if joined.is_empty() {
                joined.extend_from_slice(&first);
            }
            joined.extend_from_slice(&chunk);
        }
    }
    Ok(if joined.is_empty() {
        first
    } else {
        Bytes::from(joined)
    })
}

impl Answer {
    /// Stands in for the answer of a request that was never sent, for a call that is about to
    /// fail with the error it recorded.
    fn nothing() -> Self {
        Self::empty(http::Response::new(()).into_parts().0)
    }

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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::header::{HeaderValue, AUTHORIZATION};
    use reqwest::{Method, Request, Version};

    use super::{copy_for_retry, read_whole};

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

    fn frames(
        frames: Vec<Result<http_body::Frame<bytes::Bytes>, &'static str>>,
    ) -> impl http_body::Body<Data = bytes::Bytes, Error = &'static str> {
        http_body_util::StreamBody::new(futures::stream::iter(frames))
    }

    #[tokio::test]
    async fn a_body_in_one_frame_is_kept_as_it_came() {
        let chunk = bytes::Bytes::from_static(b"{\"ok\":true}");
        let body = read_whole(frames(vec![Ok(http_body::Frame::data(chunk.clone()))]))
            .await
            .unwrap();
        assert_eq!(body, chunk);
        assert_eq!(body.as_ptr(), chunk.as_ptr());
    }

    #[tokio::test]
    async fn frames_are_joined_in_order_and_trailers_skipped() {
        let mut trailers = reqwest::header::HeaderMap::new();
        trailers.insert("x-sum", HeaderValue::from_static("1"));
        let body = frames(vec![
            Ok(http_body::Frame::data(bytes::Bytes::new())),
            Ok(http_body::Frame::data(bytes::Bytes::from_static(b"ab"))),
            Ok(http_body::Frame::data(bytes::Bytes::from_static(b"cd"))),
            Ok(http_body::Frame::data(bytes::Bytes::from_static(b"e"))),
            Ok(http_body::Frame::trailers(trailers)),
        ]);
        assert_eq!(read_whole(body).await.unwrap(), &b"abcde"[..]);
        assert_eq!(read_whole(frames(vec![])).await.unwrap(), &b""[..]);
    }

    #[tokio::test]
    async fn a_broken_body_is_an_error() {
        let body = frames(vec![
            Ok(http_body::Frame::data(bytes::Bytes::from_static(b"ab"))),
            Err("connection reset"),
        ]);
        assert_eq!(read_whole(body).await, Err("connection reset"));
    }
}
