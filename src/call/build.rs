//! Builds one attempt's request with the generated method for the operation, which the pre hook
//! stops as soon as the request is ready: the call sends it, so that nothing of the generated
//! method's sending and decoding runs, or takes room in memory, while the request is out.
//!
//! The generated method never waits before its pre hook, and the hook never waits either, so
//! the method's future is polled once, on the stack, and is done. What the hook needs and
//! leaves goes through a thread-local slot that exists only during that one poll.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use progenitor_client::Error as RawError;
use reqwest::header::HeaderValue;

use crate::error::{Error, TransportError, TransportErrorKind};
use crate::types::ErrorEnvelope;

/// What building a request ended with: the request, ready for its credential, or why there is
/// none.
pub(super) type Built = Result<reqwest::Request, Unbuilt>;

/// Why an attempt has no request to send.
pub(super) enum Unbuilt {
    /// A check of the pre hook refused it, with this error.
    Refused(Error),
    /// The generated method failed before its pre hook (a parameter it could not encode, or
    /// a request reqwest would not build).
    Raw(Box<RawError<ErrorEnvelope>>),
}

/// What the pre hook reads and leaves while a request is built. It stays in place between
/// builds, emptied, so that nothing but the request moves through it.
#[derive(Default)]
struct Slot {
    /// Whether a build is under way: the hooks hand nothing over outside one.
    building: bool,
    /// The `Idempotency-Key` an earlier attempt sent, for this one to send again.
    idempotency_key: Option<HeaderValue>,
    /// The finished request, taken out of the generated method.
    request: Option<reqwest::Request>,
    /// The typed error behind a refusal, which the generated code can only carry as a string.
    refusal: Option<Error>,
}

thread_local! {
    static SLOT: RefCell<Slot> = RefCell::default();
}

/// Builds the request with `method`, the generated method's future, stopped by its pre hook.
/// `idempotency_key` is the key an earlier attempt of the call sent. The future is pinned where
/// it was made: it is large, and any move would copy it whole.
pub(super) fn build<T>(
    method: Pin<&mut impl Future<Output = Result<T, RawError<ErrorEnvelope>>>>,
    idempotency_key: Option<HeaderValue>,
) -> Built {
    // Only the poll depends on the operation; what surrounds it is compiled once.
    enter(idempotency_key);
    let raw = match method.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Err(raw)) => Some(raw),
        Poll::Ready(Ok(_)) | Poll::Pending => None,
    };
    leave(raw)
}

/// Readies the slot for a build. Whatever it held is dropped: a build that panicked midway
/// leaves nothing behind for the next one to find.
fn enter(idempotency_key: Option<HeaderValue>) {
    SLOT.with_borrow_mut(|slot| {
        slot.building = true;
        slot.idempotency_key = idempotency_key;
        slot.request = None;
        slot.refusal = None;
    });
}

/// Empties the slot once the generated method was polled, `raw` being its error if it ended
/// with one, and says what the build came to.
fn leave(raw: Option<RawError<ErrorEnvelope>>) -> Built {
    let (request, refusal) = SLOT.with_borrow_mut(|slot| {
        slot.building = false;
        slot.idempotency_key = None;
        (slot.request.take(), slot.refusal.take())
    });
    match (request, refusal, raw) {
        (Some(request), _, _) => Ok(request),
        (None, Some(error), _) => Err(Unbuilt::Refused(error)),
        (None, None, Some(raw)) => Err(Unbuilt::Raw(Box::new(raw))),
        (None, None, None) => Err(Unbuilt::Refused(lost())),
    }
}

/// For the pre hook: the key an earlier attempt sent, if any.
pub(crate) fn idempotency_key() -> Option<HeaderValue> {
    SLOT.with_borrow(|slot| slot.idempotency_key.clone())
}

/// For the pre hook: takes the finished request out of the generated method, and stops the
/// method there. The method is left a stand-in, with the URL alone, to drop.
pub(crate) fn hand_over<E>(request: &mut reqwest::Request) -> RawError<E> {
    SLOT.with_borrow_mut(|slot| {
        if slot.building {
            let stand_in = reqwest::Request::new(reqwest::Method::GET, request.url().clone());
            slot.request = Some(std::mem::replace(request, stand_in));
        }
    });
    RawError::Custom(String::new())
}

/// For the pre hook: refuses the request with `error`, which the call returns as it is.
pub(crate) fn refuse<E>(error: Error) -> RawError<E> {
    let message = error.to_string();
    SLOT.with_borrow_mut(|slot| {
        if slot.building {
            slot.refusal = Some(error);
        }
    });
    RawError::Custom(message)
}

/// The generated method finished without reaching its pre hook's hand-over: it changed in a way
/// this crate does not expect, which fails the call rather than sending something unchecked.
fn lost() -> Error {
    TransportError::new(
        TransportErrorKind::Other,
        "the generated client did not hand its request over",
    )
    .into()
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use progenitor_client::Error as RawError;
    use reqwest::header::HeaderValue;

    use super::{build, hand_over, idempotency_key, refuse, Unbuilt};
    use crate::error::Error;
    use crate::types::ErrorEnvelope;

    type Method = RawError<ErrorEnvelope>;

    fn request(url: &str) -> reqwest::Request {
        reqwest::Request::new(reqwest::Method::POST, url.parse().unwrap())
    }

    /// A stand-in for a generated method: builds a request and gives it to the pre hook.
    async fn handing_over(url: &'static str) -> Result<(), Method> {
        let mut built = request(url);
        if let Some(key) = idempotency_key() {
            built.headers_mut().insert("idempotency-key", key);
        }
        let stop = hand_over(&mut built);
        // What the generated method is left with is the stand-in, not the request.
        assert_eq!(built.method(), reqwest::Method::GET);
        Err(stop)
    }

    #[test]
    fn the_request_the_hook_hands_over_is_the_one_built() {
        let key = HeaderValue::from_static("key-1");
        let built = build(pin!(handing_over("http://api.test/v1/domains")), Some(key));
        let request = built.ok().expect("handed over");
        assert_eq!(request.method(), reqwest::Method::POST);
        assert_eq!(request.url().as_str(), "http://api.test/v1/domains");
        assert_eq!(request.headers()["idempotency-key"], "key-1");
        // The key lived as long as the build.
        assert_eq!(idempotency_key(), None);
    }

    #[test]
    fn a_refusal_keeps_its_typed_error() {
        let method = async { Err::<(), Method>(refuse(Error::InvalidRequest("no".into()))) };
        match build(pin!(method), None) {
            Err(Unbuilt::Refused(Error::InvalidRequest(message))) => assert_eq!(message, "no"),
            _ => panic!("expected the refusal"),
        }
    }

    #[test]
    fn a_method_failing_before_its_hook_keeps_its_own_error() {
        let method = async { Err::<(), Method>(RawError::InvalidRequest("bad".into())) };
        match build(pin!(method), None) {
            Err(Unbuilt::Raw(raw)) => assert!(matches!(*raw, RawError::InvalidRequest(_))),
            _ => panic!("expected the method's error"),
        }
    }

    #[test]
    fn a_method_that_waits_or_never_hands_over_fails_without_sending() {
        let waiting = std::future::pending::<Result<(), Method>>();
        let finished = async { Ok::<(), Method>(()) };
        for built in [build(pin!(waiting), None), build(pin!(finished), None)] {
            match built {
                Err(Unbuilt::Refused(Error::Transport(error))) => {
                    assert!(error.to_string().contains("did not hand its request over"))
                }
                _ => panic!("expected a failure"),
            }
        }
    }

    #[test]
    fn a_build_that_panicked_leaves_nothing_for_the_next() {
        let panicking = std::panic::catch_unwind(|| {
            let method = async {
                let _ = hand_over::<ErrorEnvelope>(&mut request("http://api.test/v1/stale"));
                panic!("the method failed midway");
                #[allow(unreachable_code)]
                Ok::<(), Method>(())
            };
            let _ = build(pin!(method), Some(HeaderValue::from_static("stale-key")));
        });
        assert!(panicking.is_err());
        let built = build(pin!(handing_over("http://api.test/v1/fresh")), None);
        let request = built.ok().expect("handed over");
        assert_eq!(request.url().path(), "/v1/fresh");
        assert!(request.headers().get("idempotency-key").is_none());
        let finished = async { Ok::<(), Method>(()) };
        assert!(build(pin!(finished), None).is_err());
    }

    #[test]
    fn outside_a_build_the_hook_takes_nothing() {
        let mut request = request("http://api.test/v1/me");
        let _ = hand_over::<ErrorEnvelope>(&mut request);
        assert_eq!(request.method(), reqwest::Method::POST);
        let refused = refuse::<ErrorEnvelope>(Error::InvalidRequest("no".into()));
        assert!(matches!(refused, RawError::Custom(message) if message.contains("no")));
    }
}
