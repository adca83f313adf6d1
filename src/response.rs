//! A successful response: the unwrapped `data` with the metadata that came with it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ETAG, LOCATION, RETRY_AFTER};

use crate::server_text::Credential;

/// The server's id for the request, equal to `meta.request_id`.
pub(crate) const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Lets the server recognise a repeated create; one key per logical request.
pub(crate) const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// A successful response: `data` from the envelope plus what the server said about the request.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Response<T> {
    /// The `data` of the envelope.
    pub data: T,
    /// HTTP status code. (Named so as not to hide a `status` field of the data, which the
    /// response dereferences to.)
    pub http_status: u16,
    /// The server's id for the request (`meta.request_id`, also sent as `X-Request-Id`); quote it
    /// to support.
    pub request_id: Option<String>,
    /// Rate-limit state after this request, when the server sent it.
    pub rate_limit: Option<RateLimit>,
    /// Validator of the returned representation, for `if_changed` and `if_match`.
    pub etag: Option<String>,
    /// Where a created resource lives.
    pub location: Option<String>,
    /// Where this page stands in a cursor-paginated list; `None` for other operations.
    pub pagination: Option<Pagination>,
}

impl<T> Response<T> {
    /// The `data` of the envelope, dropping the metadata.
    pub fn into_data(self) -> T {
        self.data
    }

    /// Applies `f` to the data, keeping the metadata.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            data: f(self.data),
            http_status: self.http_status,
            request_id: self.request_id,
            rate_limit: self.rate_limit,
            etag: self.etag,
            location: self.location,
            pagination: self.pagination,
        }
    }

    /// The response with the credential taken out of the metadata the server supplied, should
    /// it echo it.
    pub(crate) fn without(mut self, credential: Option<&Credential>) -> Self {
        if let Some(credential) = credential {
            credential.clean_option(&mut self.request_id);
            credential.clean_option(&mut self.etag);
            credential.clean_option(&mut self.location);
        }
        self
    }

    /// A response holding `data`, with what `headers` say of it, for tests that stand in for
    /// the transport.
    #[cfg(test)]
    pub(crate) fn from_parts(data: T, status: u16, headers: &HeaderMap) -> Self {
        Self {
            data,
            http_status: status,
            request_id: header(headers, &X_REQUEST_ID),
            rate_limit: RateLimit::from_headers(headers),
            etag: header(headers, &ETAG),
            location: header(headers, &LOCATION),
            pagination: None,
        }
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

/// Iterates over the items of a list answer, keeping the response (and its metadata) whole.
impl<'a, T> IntoIterator for &'a Response<Vec<T>> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.iter()
    }
}

/// Takes the items of a list answer, dropping its metadata.
impl<T> IntoIterator for Response<Vec<T>> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.into_iter()
    }
}

/// Position of a page in a cursor-paginated list.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pagination {
    /// Whether another page follows.
    pub has_more: bool,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// The rate-limit window of the API key, as the `X-RateLimit-*` headers report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in the current window.
    pub remaining: u32,
    /// When the window resets.
    pub reset: SystemTime,
}

impl RateLimit {
    /// Reads the three headers; `None` unless all are present and well formed.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Self> {
        Found::in_headers(headers).rate_limit()
    }
}

/// What the client reads from the headers of every answer.
#[derive(Debug, Default)]
pub(crate) struct Landmarks {
    pub rate_limit: Option<RateLimit>,
    pub etag: Option<HeaderValue>,
    pub location: Option<HeaderValue>,
}

impl Landmarks {
    pub(crate) fn find(headers: &HeaderMap) -> Self {
        let found = Found::in_headers(headers);
        Self {
            rate_limit: found.rate_limit(),
            etag: found.etag.cloned(),
            location: found.location.cloned(),
        }
    }
}

/// The headers of `Landmarks`, found in one pass over an answer's few headers, which costs less
/// than a hashed lookup of each name; the first value of a name counts, as with
/// `HeaderMap::get`.
#[derive(Default)]
struct Found<'a> {
    limit: Option<&'a HeaderValue>,
    remaining: Option<&'a HeaderValue>,
    reset: Option<&'a HeaderValue>,
    etag: Option<&'a HeaderValue>,
    location: Option<&'a HeaderValue>,
}

impl<'a> Found<'a> {
    fn in_headers(headers: &'a HeaderMap) -> Self {
        let mut found = Self::default();
        for (name, value) in headers {
            let slot = if name == ETAG {
                &mut found.etag
            } else if name == LOCATION {
                &mut found.location
            } else {
                match name.as_str().strip_prefix("x-ratelimit-") {
                    Some("limit") => &mut found.limit,
                    Some("remaining") => &mut found.remaining,
                    Some("reset") => &mut found.reset,
                    _ => continue,
                }
            };
            slot.get_or_insert(value);
        }
        found
    }

    fn rate_limit(&self) -> Option<RateLimit> {
        let number = |value: Option<&HeaderValue>| decimal(value?.as_bytes().trim_ascii());
        Some(RateLimit {
            limit: u32::try_from(number(self.limit)?).ok()?,
            remaining: u32::try_from(number(self.remaining)?).ok()?,
            reset: UNIX_EPOCH.checked_add(Duration::from_secs(number(self.reset)?))?,
        })
    }
}

/// The digits as a number, read from the bytes directly: going through `str` costs a UTF-8
/// check and a general parser, several times the work, on every answer.
fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    // Any 19 digits fit in a u64: only the digits after them need checked arithmetic.
    let (head, tail) = digits.split_at(digits.len().min(19));
    let mut number = 0;
    for &byte in head {
        number = number * 10 + digit(byte)?;
    }
    for &byte in tail {
        number = u64::checked_mul(number, 10)?.checked_add(digit(byte)?)?;
    }
    Some(number)
}

fn digit(byte: u8) -> Option<u64> {
    let digit = byte.wrapping_sub(b'0');
    (digit <= 9).then_some(u64::from(digit))
}

/// The outcome of a conditional fetch (`if_changed`).
#[derive(Clone, Debug)]
pub enum Conditional<T> {
    /// The resource changed, or had no validator to compare: here is the new representation.
    Modified(Response<T>),
    /// The resource is unchanged since the ETag sent: keep the copy you have.
    NotModified(NotModified),
}

impl<T> Conditional<T> {
    /// The new representation, if the resource changed.
    pub fn modified(self) -> Option<Response<T>> {
        match self {
            Self::Modified(response) => Some(response),
            Self::NotModified(_) => None,
        }
    }
}

/// What a 304 answer carries.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotModified {
    /// The validator, still current.
    pub etag: Option<String>,
    /// The server's id for the request.
    pub request_id: Option<String>,
    /// Rate-limit state after this request.
    pub rate_limit: Option<RateLimit>,
}

impl NotModified {
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            etag: header(headers, &ETAG),
            request_id: header(headers, &X_REQUEST_ID),
            rate_limit: RateLimit::from_headers(headers),
        }
    }
}

/// How long the server asked to wait (`Retry-After`, in seconds or as an HTTP date).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header(headers, &RETRY_AFTER)?;
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

pub(crate) fn header(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_rate_limit_needs_all_three_headers_well_formed() {
        let full = [
            ("content-type", "application/json"),
            ("x-ratelimit-limit", "120"),
            ("x-ratelimit-remaining", " 7 "),
            ("x-ratelimit-reset", "1700000000"),
        ];
        assert_eq!(
            RateLimit::from_headers(&headers(&full)),
            Some(RateLimit {
                limit: 120,
                remaining: 7,
                reset: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            })
        );
        assert_eq!(RateLimit::from_headers(&headers(&full[..3])), None);
        let mut malformed = full;
        malformed[1].1 = "many";
        assert_eq!(RateLimit::from_headers(&headers(&malformed)), None);
        malformed[1].1 = "5000000000";
        assert_eq!(RateLimit::from_headers(&headers(&malformed)), None);
    }

    #[test]
    fn decimals_are_digits_only_and_fit_in_u64() {
        assert_eq!(decimal(b"0"), Some(0));
        assert_eq!(decimal(b"1700000000"), Some(1_700_000_000));
        assert_eq!(decimal(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(decimal(b"18446744073709551616"), None);
        assert_eq!(
            decimal(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(decimal(b"99999999999999999999"), None);
        assert_eq!(decimal(b"0000000000000000000000042"), Some(42));
        for bad in [&b"1844674407370955161x"[..], b"184467440737095516x5"] {
            assert_eq!(decimal(bad), None, "{bad:?}");
        }
        for bad in [&b""[..], b"-1", b"+1", b"1.5", b"1 2", b"x", b"\xff"] {
            assert_eq!(decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn landmarks_are_found_in_one_pass_whatever_the_order() {
        let found = Landmarks::find(&headers(&[
            ("x-ratelimit-reset", "1700000000"),
            ("location", "/api/v1/domains/mdom_1"),
            ("x-ratelimit-limited", "5"),
            ("content-type", "application/json"),
            ("etag", "\"v1\""),
            ("x-ratelimit-remaining", "9"),
            ("etag", "\"v2\""),
            ("x-ratelimit-limit", "10"),
        ]));
        assert_eq!(found.etag.unwrap(), "\"v1\"");
        assert_eq!(found.location.unwrap(), "/api/v1/domains/mdom_1");
        let rate = found.rate_limit.unwrap();
        assert_eq!((rate.limit, rate.remaining), (10, 9));
        assert_eq!(rate.reset, UNIX_EPOCH + Duration::from_secs(1_700_000_000));

        let none = Landmarks::find(&headers(&[("x-ratelimit-limit", "10")]));
        assert!(none.rate_limit.is_none() && none.etag.is_none() && none.location.is_none());
    }

    #[test]
    fn a_repeated_rate_limit_header_counts_once() {
        let repeated = headers(&[
            ("x-ratelimit-remaining", "3"),
            ("x-ratelimit-limit", "10"),
            ("x-ratelimit-remaining", "9"),
            ("x-ratelimit-reset", "60"),
        ]);
        let rate = RateLimit::from_headers(&repeated).unwrap();
        assert_eq!((rate.limit, rate.remaining), (10, 3));
    }
}
