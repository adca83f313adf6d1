//! Streams over cursor-paginated lists, one implementation for every list of the spec.
//!
//! A walk asks for the next page as soon as the current one arrives (unless prefetching is
//! turned off), and never holds more than that one page ahead: memory stays flat however long
//! the list. Nothing is spawned: requests progress while the stream is polled (the connection
//! itself is driven in the background by the HTTP client), and dropping the stream drops the
//! request in flight.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;

use crate::call::CallFuture;
use crate::error::{DecodeError, Error};
use crate::response::Response;

/// A request builder of a cursor-paginated list. Implemented by generated code for every list
/// operation whose envelope carries `pagination` and which takes a `cursor`.
pub(crate) trait CursorList: Clone + Send + Sized {
    type Item: Send;
    /// The same request, for the page at `cursor`.
    fn with_cursor(self, cursor: String) -> Self;
    /// Sends the request.
    fn fetch<'f>(self) -> CallFuture<'f, Vec<Self::Item>>
    where
        Self: 'f;
}

type Fetch<'a, T> = Box<dyn FnMut(Option<String>) -> CallFuture<'a, Vec<T>> + Send + 'a>;
type PageResult<T> = Result<Response<Vec<T>>, Error>;

/// What to request next.
enum Next {
    /// The first page: the builder's own cursor, if it has one.
    First,
    Cursor(String),
    /// A page is in flight or ready; what follows is known once it is read.
    Pending,
    Done,
    Failed(Error),
}

/// The walk shared by [`Pages`] and [`Items`].
struct Walk<'a, T> {
    fetch: Fetch<'a, T>,
    in_flight: Option<CallFuture<'a, Vec<T>>>,
    /// A page that arrived ahead of being asked for.
    ready: Option<PageResult<T>>,
    next: Next,
    /// Hashes of the cursors followed, to stop a server that leads back to one; hashes keep the
    /// memory of a long walk small.
    seen: HashSet<u64>,
    hasher: RandomState,
    prefetch: bool,
}

impl<'a, T: Send + 'a> Walk<'a, T> {
    fn new<B: CursorList<Item = T> + 'a>(builder: B) -> Self {
        Self {
            fetch: Box::new(move |cursor| match cursor {
                Some(cursor) => builder.clone().with_cursor(cursor).fetch(),
                None => builder.clone().fetch(),
            }),
            in_flight: None,
            ready: None,
            next: Next::First,
            seen: HashSet::new(),
            hasher: RandomState::new(),
            prefetch: true,
        }
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
        self.in_flight = Some((self.fetch)(cursor));
        // Poll once so the request leaves now rather than when the caller next asks.
        self.drive(cx);
    }

    /// Lets the request in flight progress; keeps its outcome in `ready`.
    fn drive(&mut self, cx: &mut Context<'_>) {
        let Some(fetch) = self.in_flight.as_mut() else {
            return;
        };
        if let Poll::Ready(result) = fetch.as_mut().poll(cx) {
            self.in_flight = None;
            self.ready = Some(self.read(result));
        }
    }

    /// Learns from a page where the walk goes next.
    fn read(&mut self, result: PageResult<T>) -> PageResult<T> {
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
pub struct Pages<'a, T> {
    walk: Walk<'a, T>,
}

impl<'a, T: Send + 'a> Pages<'a, T> {
    pub(crate) fn new<B: CursorList<Item = T> + 'a>(builder: B) -> Self {
        Self {
            walk: Walk::new(builder),
        }
    }

    /// Whether to request the next page while the current one is being consumed (default: on).
    pub fn prefetch(mut self, prefetch: bool) -> Self {
        self.walk.prefetch = prefetch;
        self
    }
}

// Nothing is pinned in place: the request in flight is boxed, items are moved out by value.
impl<T> Unpin for Pages<'_, T> {}
impl<T> Unpin for Items<'_, T> {}

impl<'a, T: Send + 'a> Stream for Pages<'a, T> {
    type Item = PageResult<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let walk = &mut self.get_mut().walk;
        let page = std::task::ready!(walk.poll_page(cx));
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
pub struct Items<'a, T> {
    walk: Walk<'a, T>,
    buffer: VecDeque<T>,
    remaining: Option<u64>,
}

impl<'a, T: Send + 'a> Items<'a, T> {
    pub(crate) fn new<B: CursorList<Item = T> + 'a>(builder: B) -> Self {
        Self {
            walk: Walk::new(builder),
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

impl<'a, T: Send + 'a> Stream for Items<'a, T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.remaining == Some(0) {
                // Dropping a request in flight cancels it.
                this.walk.in_flight = None;
                this.walk.ready = None;
                return Poll::Ready(None);
            }
            if let Some(item) = this.buffer.pop_front() {
                if let Some(remaining) = this.remaining.as_mut() {
                    *remaining -= 1;
                }
                this.walk.drive(cx);
                return Poll::Ready(Some(Ok(item)));
            }
            match this.walk.poll_page(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(page))) => {
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
