//! Lets a pagination walk learn the next page's cursor from the raw body of the page in flight,
//! before that page is decoded, so that the next request overlaps the decoding instead of
//! following it. The cursor found here is only a hint: the walk keeps the early request only if
//! the decoded page names the same cursor.
//!
//! Only on a current-thread runtime: there, yielding lets the connection that carried the page
//! go back to the pool before the early request looks for one. On the multi-thread runtime
//! another thread hands it back, and the early request would often open a second connection,
//! which costs more than the decoding it overlaps.

use std::future::Future;
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use tokio::runtime::RuntimeFlavor;

tokio::task_local! {
    static TAP: Tap;
}

/// Where the transport leaves the cursor it read for the walk that sent the request.
#[derive(Clone, Default)]
pub(crate) struct Tap(Arc<Mutex<Option<String>>>);

impl Tap {
    /// Runs `future` with this tap listening to it.
    pub(crate) fn listen<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
        TAP.scope(self.clone(), future)
    }

    /// The cursor left by the transport, if any.
    pub(crate) fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Offers the body of a successful final answer to the walk listening, if any. Returns whether
/// a cursor was left, in which case the caller should yield once so that the walk can send the
/// next request before this body is decoded.
pub(crate) fn offer(body: &[u8]) -> bool {
    TAP.try_with(|tap| {
        let current_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|runtime| runtime.runtime_flavor() == RuntimeFlavor::CurrentThread);
        if !current_thread {
            return false;
        }
        let Some(cursor) = next_cursor(body) else {
            return false;
        };
        *tap.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(cursor);
        true
    })
    .unwrap_or(false)
}

#[derive(Deserialize)]
struct Pagination {
    has_more: bool,
    next_cursor: Option<String>,
}

/// The `next_cursor` of the envelope's `pagination`, read without decoding the rest: the last
/// `"pagination":` key in the body (an unescaped quote cannot occur inside a JSON string, so
/// this is a key), parsed up to the end of its object.
fn next_cursor(body: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"pagination\":";
    let at = memchr::memmem::rfind(body, KEY)? + KEY.len();
    let mut object = serde_json::Deserializer::from_slice(&body[at..]);
    let pagination = Pagination::deserialize(&mut object).ok()?;
    if pagination.has_more {
        pagination.next_cursor
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::next_cursor;

    #[test]
    fn reads_the_cursor_of_the_envelope() {
        let body = br#"{"ok":true,"data":[{"id":"a"}],"pagination":{"has_more":true,"next_cursor":"c2"},"meta":{"request_id":"r"}}"#;
        assert_eq!(next_cursor(body).as_deref(), Some("c2"));
    }

    #[test]
    fn the_last_page_and_odd_bodies_give_nothing() {
        for body in [
            &br#"{"data":[],"pagination":{"has_more":false,"next_cursor":"c2"}}"#[..],
            br#"{"data":[],"pagination":{"has_more":true}}"#,
            br#"{"data":[],"pagination":{"has_more":true,"next_cursor":null}}"#,
            br#"{"data":[],"pagination":null}"#,
            br#"{"data":[]}"#,
            br#"{"data":[],"pagination":{"has_more":tr"#,
            b"",
        ] {
            assert_eq!(next_cursor(body), None, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn a_quoted_key_inside_a_string_is_not_taken_for_the_envelope() {
        let body = br#"{"data":[{"note":"x\"pagination\":{\"has_more\":true,\"next_cursor\":\"evil\"}"}],"pagination":{"has_more":true,"next_cursor":"c2"}}"#;
        assert_eq!(next_cursor(body).as_deref(), Some("c2"));
        let body = br#"{"pagination":{"has_more":true,"next_cursor":"c2"},"data":[{"note":"x\"pagination\":{}"}]}"#;
        assert_eq!(next_cursor(body).as_deref(), Some("c2"));
    }
}
