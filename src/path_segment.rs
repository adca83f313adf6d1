//! Encodes one path parameter into one path segment of a request URL.
//!
//! The generated code builds each URL by formatting ids into the operation's path template; it
//! calls `encode_path` on every id, and build.rs points that name here. The generator's own
//! encoder leaves characters such as `\` alone, which the URL parser then reads as `/` and
//! resolves with the `..` around it, so an id could move the request to another resource. Here
//! every byte outside the unreserved set (letters, digits, `-`, `.`, `_`, `~`) is
//! percent-encoded: nothing an id holds can end its segment, start a query or fragment, or be
//! rewritten by the parser. The ids `.` and `..` keep their meaning as dot segments whatever
//! their encoding; the path check in the hooks refuses them.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Bytes kept as they are: RFC 3986's unreserved characters.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `segment`, percent-encoded so that it stays one path segment.
pub(crate) fn encode_path(segment: &str) -> String {
    utf8_percent_encode(segment, ESCAPED).to_string()
}

#[cfg(test)]
mod tests {
    use super::encode_path;

    #[test]
    fn only_unreserved_bytes_are_kept() {
        assert_eq!(encode_path("mdom_1-a.b~c"), "mdom_1-a.b~c");
        assert_eq!(encode_path(r"a\..\b"), "a%5C..%5Cb");
        assert_eq!(encode_path("a/b?c#d%e"), "a%2Fb%3Fc%23d%25e");
        assert_eq!(encode_path("é\u{0}\t ;"), "%C3%A9%00%09%20%3B");
    }
}
