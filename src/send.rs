//! Sends one attempt of an operation's request. Every body is read here, whole and up to the
//! size limit, so that a connection broken mid-response is retried like any other transient
//! failure.

use std::future::Future;
use std::time::Instant;

use bytes::Bytes;
use reqwest::header::LOCATION;
use reqwest::StatusCode;

use crate::call;
use crate::client::State;
use crate::error::{Error, RedirectError};
use crate::pacer::Pacer;
use crate::response::Landmarks;

/// Sends `request` once: waits for its turn when the client paces requests, then reads the
/// answer whole and hands it to the call (`call::deliver`), or records why it was refused.
/// What it returns to the generated code is the answer's response drained of its body and
/// headers, which the post hook refuses: the generated code never reads it, so the body is
/// decoded once, by the call, from the bytes read here.
// Not an `async fn`: its arguments would be kept in the future beside the copies the block
// makes of them, and this future is part of every request's.
#[allow(clippy::manual_async_fn)]
pub(crate) fn attempt<'a>(
    state: &'a State,
    http: &'a reqwest::Client,
    mut request: reqwest::Request,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a {
    async move {
        if let Some(pacer) = &state.pacer {
            // The rare waits are boxed so that they do not enlarge the future of every request.
            if let Err(refused) = Box::pin(wait_for_turn(pacer, state, &mut request)).await {
                call::fail_after_exchange(refused);
                return Ok(unsent());
            }
        }
        match send(http, request, state.max_response_bytes).await? {
            Received::Whole(response, body) => {
                let landmarks = Landmarks::find(response.headers());
                if let Some(rate) = &landmarks.rate_limit {
                    if let Some(pacer) = &state.pacer {
                        pacer.observe(rate);
                    }
                    state.record_rate_limit(*rate);
                }
                Ok(call::deliver(response, body, landmarks))
            }
            Received::Refused(response, error) => {
                call::fail_after_exchange(error);
                Ok(response)
            }
        }
    }
}

/// Stands in for the answer of a request that was never sent, for a call that is about to fail
/// with the error it recorded.
fn unsent() -> reqwest::Response {
    reqwest::Response::from(http::Response::new(Bytes::new()))
}

/// Waits for the request's turn in the pacer's schedule. A turn further away than the request
/// may wait (its timeout, or what is left of the retry deadline) is given back at once and the
/// request fails without being sent; after a wait, the request's timeout is what is left of it.
async fn wait_for_turn(
    pacer: &Pacer,
    state: &State,
    request: &mut reqwest::Request,
) -> Result<(), Error> {
    let turn = pacer.take_turn();
    let wait = turn.wait_time();
    if wait.is_zero() {
        turn.spend();
        return Ok(());
    }
    let timeout = request.timeout().copied().or(state.request_timeout);
    let left = call::deadline().map(|deadline| deadline.saturating_duration_since(Instant::now()));
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

enum Received {
    /// The response, its body drained into the bytes beside it.
    Whole(reqwest::Response, Bytes),
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
        Ok(Received::Whole(response, body.finish()))
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
    use bytes::Bytes;

    use super::{Body, TooLarge};

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
