//! Sends one attempt of an operation's request. Every body is read here, whole and up to the
//! size limit, so that a connection broken mid-response is retried like any other transient
//! failure.

use std::future::Future;
use std::time::Instant;

use bytes::Bytes;
use futures::future::Either;
use reqwest::header::LOCATION;
use reqwest::StatusCode;

use crate::call::Answer;
use crate::client::State;
use crate::error::{Error, RedirectError};
use crate::pacer::Pacer;
use crate::response::Landmarks;

/// What one attempt came to.
pub(crate) enum Sent {
    /// The answer, read whole.
    Answer(Answer),
    /// The request was not sent, or its answer is not one to read: the error to end the call
    /// with.
    Refused(Error),
    /// The transport failed.
    Failed(reqwest::Error),
}

/// Sends `request` once: waits for its turn when the client paces requests (no later than
/// `deadline`, the retry policy's), then reads the answer whole.
pub(crate) fn attempt<'a>(
    state: &'a State,
    http: &'a reqwest::Client,
    mut request: reqwest::Request,
    deadline: Option<Instant>,
) -> impl Future<Output = Sent> + Send + 'a {
    let limit = state.max_response_bytes;
    match &state.pacer {
        // Handed to reqwest at once, so that no future of the request holds it while it is out.
        None => Either::Left(receive(
            state,
            send(http, request, limit, state.may_redirect),
        )),
        // The rare paced request is boxed, so that it does not enlarge the future of every one.
        Some(pacer) => Either::Right(Box::pin(async move {
            if let Err(refused) = wait_for_turn(pacer, state, &mut request, deadline).await {
                return Sent::Refused(refused);
            }
            receive(state, send(http, request, limit, state.may_redirect)).await
        })),
    }
}

/// What the answer `sending` brings makes of the attempt; the rate limit it reports is kept.
async fn receive(state: &State, sending: impl Future<Output = reqwest::Result<Received>>) -> Sent {
    match sending.await {
        Ok(Received::Whole(mut response, body)) => {
            let landmarks = Landmarks::find(response.headers());
            if let Some(rate) = &landmarks.rate_limit {
                if let Some(pacer) = &state.pacer {
                    pacer.observe(rate);
                }
                state.record_rate_limit(*rate);
            }
            Sent::Answer(Answer {
                status: response.status(),
                headers: std::mem::take(response.headers_mut()),
                body,
                landmarks,
            })
        }
        Ok(Received::Refused(error)) => Sent::Refused(error),
        Err(error) => Sent::Failed(error),
    }
}

/// Waits for the request's turn in the pacer's schedule. A turn further away than the request
/// may wait (its timeout, or what is left of the retry deadline) is given back at once and the
/// request fails without being sent; after a wait, the request's timeout is what is left of it.
async fn wait_for_turn(
    pacer: &Pacer,
    state: &State,
    request: &mut reqwest::Request,
    deadline: Option<Instant>,
) -> Result<(), Error> {
    let turn = pacer.take_turn();
    let wait = turn.wait_time();
    if wait.is_zero() {
        turn.spend();
        return Ok(());
    }
    let timeout = request.timeout().copied().or(state.request_timeout);
    let left = deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
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
    Refused(Error),
}

// Not an `async fn` either, for the same reason: the request goes to reqwest at once.
fn send(
    http: &reqwest::Client,
    request: reqwest::Request,
    limit: usize,
    may_redirect: bool,
) -> impl Future<Output = reqwest::Result<Received>> {
    // Kept to tell where the answer came from, when the client may have followed a redirect:
    // the client built here follows none.
    let sent_to = may_redirect.then(|| request.url().clone());
    let pending = http.execute(request);
    async move {
        let mut response = pending.await?;
        if let Some(error) = refused_redirect(&response, sent_to.as_ref()) {
            return Ok(Received::Refused(error));
        }
        let too_large = |response: &reqwest::Response| Error::ResponseTooLarge {
            status: response.status().as_u16(),
            limit,
            idempotency_key: None,
        };
        let declared = response.content_length();
        if declared.is_some_and(|length| usize::try_from(length).map_or(true, |n| n > limit)) {
            return Ok(Received::Refused(too_large(&response)));
        }
        let mut body = Body::new(limit);
        while let Some(chunk) = response.chunk().await? {
            if body.push(chunk).is_err() {
                return Ok(Received::Refused(too_large(&response)));
            }
        }
        Ok(Received::Whole(response, body.finish()))
    }
}

/// The API never redirects: a redirect answer is refused rather than followed or read. A client
/// built by this crate follows none; one supplied by the caller may, and its answer then comes
/// from another URL than the request's (`sent_to`), which is refused as well.
fn refused_redirect(response: &reqwest::Response, sent_to: Option<&reqwest::Url>) -> Option<Error> {
    let status = response.status();
    if sent_to.is_some_and(|sent_to| response.url() != sent_to) {
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
