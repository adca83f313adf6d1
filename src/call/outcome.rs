//! What a call's state, once its attempts are over, makes of it: the response handed to the
//! caller, or the error, cleaned of the credential and holding the `Idempotency-Key`.

use std::borrow::Cow;
use std::ops::RangeInclusive;

use progenitor_client::Error as RawError;
use reqwest::header::HeaderValue;

use super::{Answer, CallState, Failure};
use crate::envelope::Envelope;
use crate::error::{ApiError, DecodeError, Error, TransportError, TransportErrorKind};
use crate::json_path;
use crate::response::{header, NotModified, Response, X_REQUEST_ID};
use crate::server_text::Credential;
use crate::types::ErrorEnvelope;

/// The response holding the envelope's `data`.
pub(super) fn unwrap<E: Envelope>(
    envelope: E,
    answer: &Answer,
    state: &CallState,
) -> Response<E::Data> {
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
pub(super) fn respond<T>(
    data: T,
    request_id: Option<String>,
    pagination: Option<crate::response::Pagination>,
    answer: &Answer,
    state: &CallState,
) -> Response<T> {
    Response {
        data,
        http_status: answer.status.as_u16(),
        request_id: request_id.or_else(|| header(&answer.headers, &X_REQUEST_ID)),
        rate_limit: answer.landmarks.rate_limit,
        etag: as_text(answer.landmarks.etag.as_ref()),
        location: as_text(answer.landmarks.location.as_ref()),
        pagination,
    }
    .without(state.credential.as_ref())
}

/// A header's value as text, when it is text.
fn as_text(value: Option<&HeaderValue>) -> Option<String> {
    value?.to_str().ok().map(str::to_owned)
}

/// The call's answer, when it came with one of the operation's `success` statuses; whatever
/// else the call ended with, as the error to return.
pub(super) fn answered(
    raw: Option<Box<RawError<ErrorEnvelope>>>,
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
        (_, Some(answer))
            if success
                .iter()
                .any(|range| range.contains(&answer.status.as_u16())) =>
        {
            return Ok(answer)
        }
        (_, Some(answer)) => refused(&answer, state.credential.as_ref()),
        (failure, None) => unanswered(raw, failure.and_then(|failure| failure.refusal)),
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
    match answer.status.as_u16() {
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
pub(super) fn undecodable(
    answer: &Answer,
    error: serde_json::Error,
    state: &mut CallState,
) -> Error {
    // Found in the body as received, which the error's position refers to; the path is
    // cleaned of the credential with the rest of the error.
    let path = json_path::at(&answer.body, error.line(), error.column());
    let body = without_credential(state.credential.as_ref(), &answer.body);
    let mut decode = DecodeError::from_json(answer.status.as_u16(), &body, error);
    decode.path = path;
    finished(Error::Decode(Box::new(decode)), state)
}

/// What a call that received no answer failed with: the reason it was not sent, or the
/// generated method's or the transport's own error.
fn unanswered(raw: Option<Box<RawError<ErrorEnvelope>>>, refusal: Option<Error>) -> Error {
    if let Some(error) = refusal {
        return error;
    }
    match raw.map(|raw| *raw) {
        Some(
            RawError::CommunicationError(error)
            | RawError::ResponseBodyError(error)
            | RawError::InvalidUpgrade(error),
        ) => TransportError::from_reqwest(error).into(),
        Some(RawError::InvalidRequest(message)) => Error::InvalidRequest(message),
        // The pre hook stops the generated method before it sends anything, and the call
        // reads the answer itself: these end a call only if neither an answer nor a failure
        // was left.
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
pub(super) fn without_credential<'a>(
    credential: Option<&Credential>,
    body: &'a [u8],
) -> Cow<'a, [u8]> {
    credential.map_or(Cow::Borrowed(body), |credential| {
        credential.remove_from(body)
    })
}

fn api(error: ApiError) -> Error {
    Error::Api(Box::new(error))
}
