//! Streams over cursor-paginated lists, one implementation for every list of the spec.
//!
//! A walk asks for the next page as soon as the current one arrives (unless prefetching is
//! turned off), and never holds more than that one page ahead: memory stays flat however long
//! the list. On a current-thread runtime, when the consumer is already waiting, "arrives" means
//! as soon as the raw body is in, before it is decoded (see `lookahead`). Nothing is spawned: requests progress while the
//! stream is polled (the connection itself is driven in the background by the HTTP client), and
//! dropping the stream drops the requests in flight.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::MaybeDone;
use futures::Stream;

use crate::call::CallFuture;
use crate::error::{DecodeError, Error};
use crate::lookahead::Tap;
use crate::response::Response;

/// The request of a cursor-paginated list. Implemented by generated code for every list
/// operation whose envelope carries `pagination` and which takes a `cursor`.
pub(crate) trait CursorList: Clone + Send + Sized + 'static {
    type Item: Send;
    /// The same request, for the page at `cursor`.
    fn with_cursor(self, cursor: String) -> Self;
    /// Sends the request.
    fn fetch(self) -> CallFuture<Vec<Self::Item>>;
}

type Fetch<T> = Box<dyn FnMut(Option<String>) -> CallFuture<Vec<T>> + Send>;
type PageResult<T> = Result<Response<Vec<T>>, Error>;

/// What to request next.
enum Next {
    /// The first page: the request's own cursor, if it has one.
    First,
    Cursor(String),
    /// A page is in flight or ready; what follows is known once it is read.
    Pending,
    Done,
    Failed(Error),
}

/// A page request in flight, with the tap through which it may tell its successor's cursor
/// before it is decoded.
struct Fetching<T> {
    page: MaybeDone<CallFuture<Vec<T>>>,
    tap: Tap,
}

/// The walk shared by [`Pages`] and [`Items`].
struct Walk<T> {
    fetch: Fetch<T>,
    in_flight: Option<Fetching<T>>,
    /// The page after the one in flight, requested with the cursor read from the raw body;
    /// kept only if the decoded page confirms that cursor.
    ahead: Option<(String, Fetching<T>)>,
    /// A page that arrived ahead of being asked for.
    ready: Option<PageResult<T>>,
    next: Next,
    /// Hashes of the cursors followed, to stop a server that leads back to one; hashes keep the
    /// memory of a long walk small.
    seen: HashSet<u64>,
    hasher: RandomState,
    prefetch: bool,
    /// Whether the consumer is waiting for the page in flight: only then may the page after it
    /// be requested early, which keeps the walk at most one page ahead of the consumer.
    waiting: bool,
}

impl<T: Send + 'static> Walk<T> {
    fn new<B: CursorList<Item = T>>(request: B) -> Self {
        Self {
            fetch: Box::new(move |cursor| match cursor {
                Some(cursor) => request.clone().with_cursor(cursor).fetch(),
                None => request.clone().fetch(),
            }),
            in_flight: None,
            ahead: None,
            ready: None,
            next: Next::First,
            seen: HashSet::new(),
            hasher: RandomState::new(),
            prefetch: true,
            waiting: false,
        }
    }

    /// Sends the request for the page at `cursor`, polling it once so that it leaves now rather
    /// than when the caller next asks.
    fn launch(&mut self, cursor: Option<String>, cx: &mut Context<'_>) -> Fetching<T> {
        let tap = Tap::default();
        let page: CallFuture<Vec<T>> = Box::pin(tap.listen((self.fetch)(cursor)));
        let mut fetching = Fetching {
            page: MaybeDone::Future(page),
            tap,
        };
        // A page done at once keeps its outcome in `MaybeDone` until it is read.
        let _ = Pin::new(&mut fetching.page).poll(cx);
        fetching
    }

    /// Sends the request for the next page if none is in flight or waiting.
    fn start(&mut self, cx: &mut Context<'_>) {
        if self.in_flight.is_some() || self.ready.is_some() {
            return;
        }
        let cursor = match std::mem::replace(&mut self.next, Next::Pending) {
            Next::First => None,
            Next::Cursor(cursor) => Some(cursor),
            other => {
                self.next = other;
                return;
            }
        };
        let fetching = self.launch(cursor, cx);
        self.in_flight = Some(fetching);
        self.drive(cx);
    }

    /// Lets the request in flight progress; keeps its outcome in `ready`.
    fn drive(&mut self, cx: &mut Context<'_>) {
        let may_run_ahead = self.may_run_ahead();
        let Some(fetching) = self.in_flight.as_mut() else {
            return;
        };
        if Pin::new(&mut fetching.page).poll(cx).is_pending() {
            let early = may_run_ahead.then(|| fetching.tap.take()).flatten();
            if let Some(cursor) = early {
                self.run_ahead(cursor, cx);
            }
            return;
        }
        let outcome = Pin::new(&mut fetching.page).take_output();
        self.in_flight = None;
        if let Some(outcome) = outcome {
            self.ready = Some(self.read(outcome));
        }
    }

    fn may_run_ahead(&self) -> bool {
        self.prefetch && self.waiting && self.ahead.is_none() && self.ready.is_none()
    }

    /// Requests the page at `cursor`, read from the raw body of the page in flight.
    fn run_ahead(&mut self, cursor: String, cx: &mut Context<'_>) {
        if self.seen.contains(&self.hasher.hash_one(&cursor)) {
            // Decoding the page will stop the walk; nothing to ask for.
            return;
        }
        let fetching = self.launch(Some(cursor.clone()), cx);
        self.ahead = Some((cursor, fetching));
    }

    /// Learns from a page where the walk goes next.
    fn read(&mut self, result: PageResult<T>) -> PageResult<T> {
        // Dropped below (cancelling it) unless the page confirms its cursor.
        let ahead = self.ahead.take();
        let page = match result {
            Ok(page) => page,
            Err(error) => {
                self.next = Next::Done;
                return Err(error);
            }
        };
        let (has_more, cursor) = page
            .pagination
            .as_ref()
            .map(|p| (p.has_more, p.next_cursor.clone()))
            .unwrap_or((false, None));
        self.next = match (has_more, cursor) {
            (false, _) => Next::Done,
            (true, None) => Next::Failed(walk_error(&page, "has_more is true but no next_cursor")),
            (true, Some(cursor)) if !self.seen.insert(self.hasher.hash_one(&cursor)) => {
                Next::Failed(walk_error(&page, "the server repeated a cursor"))
            }
            (true, Some(cursor)) => Next::Cursor(cursor),
        };
        if let (Next::Cursor(cursor), Some((early, fetching))) = (&self.next, ahead) {
            if *cursor == early {
                self.in_flight = Some(fetching);
                self.next = Next::Pending;
            }
        }
        Ok(page)
    }

    /// The next page, without asking for the one after it: callers decide whether to prefetch.
    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<PageResult<T>>> {
        self.start(cx);
        self.drive(cx);
        if let Some(page) = self.ready.take() {
            return Poll::Ready(Some(page));
        }
        if self.in_flight.is_some() {
            return Poll::Pending;
        }
        match std::mem::replace(&mut self.next, Next::Done) {
            Next::Failed(error) => Poll::Ready(Some(Err(error))),
            _ => Poll::Ready(None),
        }
    }
}

fn walk_error<T>(page: &Response<Vec<T>>, reason: &str) -> Error {
    Error::Decode(Box::new(DecodeError::other(
        page.http_status,
        b"",
        format!("pagination stopped: {reason}"),
    )))
}

/// The pages of a list, each with its metadata; `next_cursor` of the last page seen is where to
/// resume later. Built by the `pages()` method of a list request.
#[must_use = "streams do nothing unless polled"]
pub struct Pages<T> {
    walk: Walk<T>,
}

impl<T: Send + 'static> Pages<T> {
    pub(crate) fn new<B: CursorList<Item = T>>(request: B) -> Self {
        Self {
            walk: Walk::new(request),
        }
    }

    /// Whether to request the next page while the current one is being consumed (default: on).
    pub fn prefetch(mut self, prefetch: bool) -> Self {
        self.walk.prefetch = prefetch;
        self
    }
}

// Nothing is pinned in place: the request in flight is boxed, items are moved out by value.
impl<T> Unpin for Pages<T> {}
impl<T> Unpin for Items<T> {}

impl<T: Send + 'static> Stream for Pages<T> {
    type Item = PageResult<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let walk = &mut self.get_mut().walk;
        walk.waiting = true;
        let page = std::task::ready!(walk.poll_page(cx));
        // From here the consumer holds this page until it asks again.
        walk.waiting = false;
        if walk.prefetch && matches!(page, Some(Ok(_))) {
            walk.start(cx);
        }
        Poll::Ready(page)
    }
}

/// Every item of a list, across pages. Built by the `items()` method of a list request.
///
/// An error ends the stream after it is yielded.
#[must_use = "streams do nothing unless polled"]
pub struct Items<T> {
    walk: Walk<T>,
    buffer: VecDeque<T>,
    remaining: Option<u64>,
}

impl<T: Send + 'static> Items<T> {
    pub(crate) fn new<B: CursorList<Item = T>>(request: B) -> Self {
        Self::over(Walk::new(request))
    }

    fn over(walk: Walk<T>) -> Self {
        Self {
            walk,
            buffer: VecDeque::new(),
            remaining: None,
        }
    }

    /// Stops after `max` items, requesting no page beyond the one that reaches it.
    pub fn max_items(mut self, max: u64) -> Self {
        self.remaining = Some(max);
        self
    }

    /// Whether to request the next page while the current one is being consumed (default: on).
    pub fn prefetch(mut self, prefetch: bool) -> Self {
        self.walk.prefetch = prefetch;
        self
    }
}

impl<T: Send + 'static> Stream for Items<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.remaining == Some(0) {
                // Dropping a request in flight cancels it.
                this.walk.in_flight = None;
                this.walk.ahead = None;
                this.walk.ready = None;
                return Poll::Ready(None);
            }
            if let Some(item) = this.buffer.pop_front() {
                if let Some(remaining) = this.remaining.as_mut() {
                    *remaining -= 1;
                }
                this.walk.waiting = false;
                this.walk.drive(cx);
                return Poll::Ready(Some(Ok(item)));
            }
            // With a cap, the next page may not be wanted: it is only asked for once the items
            // of this one are counted.
            this.walk.waiting = this.remaining.is_none();
            match this.walk.poll_page(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(page))) => {
                    this.walk.waiting = false;
                    this.buffer.extend(page.data);
                    let wanted = this.remaining.is_none_or(|r| r > this.buffer.len() as u64);
                    if !wanted {
                        this.walk.next = Next::Done;
                    } else if this.walk.prefetch {
                        this.walk.start(cx);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use futures::{StreamExt, TryStreamExt};
    use reqwest::header::HeaderMap;

    use super::*;
    use crate::response::Pagination;

    /// One page of a fake list: its items, the cursor it names, and the cursor its raw body
    /// tells the transport (normally the same).
    struct FakePage {
        items: Vec<u32>,
        next: Option<&'static str>,
        told: Option<&'static str>,
    }

    type Log = Arc<Mutex<Vec<String>>>;

    /// A walk over `pages`, keyed by the cursor that asks for them ("first" for none). Each
    /// request waits once for the network, then behaves like the transport: offers the raw
    /// body's cursor and yields, then returns the decoded page.
    fn walk(pages: Vec<(&'static str, FakePage)>, log: &Log) -> Walk<u32> {
        let pages = Arc::new(pages);
        let log = log.clone();
        let mut walk = Walk::new(Unused);
        walk.fetch = Box::new(move |cursor| {
            let key = cursor.unwrap_or_else(|| "first".to_owned());
            let (pages, log) = (pages.clone(), log.clone());
            Box::pin(async move {
                let page = &pages
                    .iter()
                    .find(|(k, _)| *k == key)
                    .expect("known cursor")
                    .1;
                log.lock().unwrap().push(format!("request {key}"));
                tokio::task::yield_now().await;
                if let Some(told) = page.told {
                    let body = format!(
                        r#"{{"data":[],"pagination":{{"has_more":true,"next_cursor":"{told}"}}}}"#
                    );
                    if crate::lookahead::offer(body.as_bytes()) {
                        tokio::task::yield_now().await;
                    }
                }
                log.lock().unwrap().push(format!("decoded {key}"));
                let mut response = Response::from_parts(page.items.clone(), 200, &HeaderMap::new());
                response.pagination = Some(Pagination {
                    has_more: page.next.is_some(),
                    next_cursor: page.next.map(str::to_owned),
                });
                Ok(response)
            })
        });
        walk
    }

    #[derive(Clone)]
    struct Unused;

    impl CursorList for Unused {
        type Item = u32;
        fn with_cursor(self, _: String) -> Self {
            self
        }
        fn fetch(self) -> CallFuture<Vec<u32>> {
            unreachable!("the tests replace the fetch function")
        }
    }

    fn two_pages(told: &'static str) -> Vec<(&'static str, FakePage)> {
        vec![
            (
                "first",
                FakePage {
                    items: vec![1, 2],
                    next: Some("c2"),
                    told: Some(told),
                },
            ),
            (
                "c2",
                FakePage {
                    items: vec![3],
                    next: None,
                    told: None,
                },
            ),
            (
                "wrong",
                FakePage {
                    items: vec![99],
                    next: None,
                    told: None,
                },
            ),
        ]
    }

    fn entries(log: &Log) -> Vec<String> {
        log.lock().unwrap().clone()
    }

    /// Walks two pages through `Pages`, checks what came out, and returns the order in which
    /// the pages were requested and decoded.
    async fn order_of_two_pages(prefetch: bool) -> Vec<String> {
        let log = Log::default();
        let pages = Pages {
            walk: walk(two_pages("c2"), &log),
        }
        .prefetch(prefetch);
        let items: Vec<Vec<u32>> = pages.map_ok(|page| page.data).try_collect().await.unwrap();
        assert_eq!(items, [vec![1, 2], vec![3]]);
        entries(&log)
    }

    const IN_TURN: [&str; 4] = ["request first", "decoded first", "request c2", "decoded c2"];

    #[tokio::test]
    async fn the_next_page_is_requested_before_the_current_one_is_decoded() {
        assert_eq!(
            order_of_two_pages(true).await,
            ["request first", "request c2", "decoded first", "decoded c2"]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_the_multi_thread_runtime_the_next_page_waits_for_decoding() {
        assert_eq!(order_of_two_pages(true).await, IN_TURN);
    }

    #[tokio::test]
    async fn without_prefetch_the_next_page_waits_for_the_consumer() {
        assert_eq!(order_of_two_pages(false).await, IN_TURN);
    }

    #[tokio::test]
    async fn an_early_cursor_the_decoded_page_contradicts_is_dropped() {
        let log = Log::default();
        let items = Items::over(walk(two_pages("wrong"), &log));
        let items: Vec<u32> = items.try_collect().await.unwrap();
        assert_eq!(items, [1, 2, 3]);
        assert_eq!(
            entries(&log),
            [
                "request first",
                "request wrong",
                "decoded first",
                "request c2",
                "decoded c2"
            ]
        );
    }

    #[tokio::test]
    async fn a_capped_walk_asks_for_nothing_early() {
        let log = Log::default();
        let items = Items::over(walk(two_pages("c2"), &log)).max_items(2);
        let items: Vec<u32> = items.try_collect().await.unwrap();
        assert_eq!(items, [1, 2]);
        assert_eq!(entries(&log), ["request first", "decoded first"]);
    }

    #[tokio::test]
    async fn a_consumer_still_on_a_page_keeps_the_walk_one_page_ahead() {
        let log = Log::default();
        let pages = vec![
            (
                "first",
                FakePage {
                    items: vec![1, 2, 3],
                    next: Some("c2"),
                    told: Some("c2"),
                },
            ),
            (
                "c2",
                FakePage {
                    items: vec![4],
                    next: Some("c3"),
                    told: Some("c3"),
                },
            ),
            (
                "c3",
                FakePage {
                    items: vec![5],
                    next: None,
                    told: None,
                },
            ),
        ];
        let mut items = Items::over(walk(pages, &log));
        assert_eq!(items.next().await.unwrap().unwrap(), 1);
        assert_eq!(items.next().await.unwrap().unwrap(), 2);
        // The consumer still holds items of the first page: the second may be in flight or
        // decoded, the third not asked for.
        assert!(
            !entries(&log).contains(&"request c3".to_owned()),
            "{:?}",
            entries(&log)
        );
        let rest: Vec<u32> = items.try_collect().await.unwrap();
        assert_eq!(rest, [3, 4, 5]);
    }
}
