//! Text the server sent, made safe to show: without the request's credential, which a server or
//! proxy echoing request headers would otherwise put into errors, request ids and logs; and, when
//! displayed, without raw line breaks or control characters, which would let it forge log lines.
//!
//! Fields keep the server's text as sent, minus the credential, so that programs can read it;
//! only `Display` escapes. `Debug` of a string escapes on its own.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use memchr::memmem;
use reqwest::header::HeaderValue;

/// Below this length a text is searched without a substring searcher.
const SHORT_TEXT: usize = 256;

/// What replaces the credential.
pub(crate) const REDACTED: &str = "<redacted>";

/// The credential one request carried, as sent in its `Authorization` header.
pub(crate) struct Credential(HeaderValue);

impl Credential {
    pub(crate) fn new(authorization: &HeaderValue) -> Self {
        Self(authorization.clone())
    }

    /// The token without its scheme: what an echo may show on its own. Empty only for a header
    /// this crate never builds.
    fn token(&self) -> &[u8] {
        let value = self.0.as_bytes();
        match value.iter().position(|b| *b == b' ') {
            Some(space) => value[space + 1..].trim_ascii(),
            None => value,
        }
    }

    /// Whether `text` holds the token: a search of a few dozen bytes for the metadata of a
    /// successful answer, the only cost this adds to it.
    pub(crate) fn is_in(&self, text: &[u8]) -> bool {
        let token = self.token();
        // Most ids and tags are shorter than a key: no search at all then.
        let Some((&first, _)) = token.split_first() else {
            return false;
        };
        if text.len() < token.len() {
            return false;
        }
        // Short texts, such as the request id of every answer, are checked at the few places
        // where the token's first byte occurs: building a substring searcher costs more than
        // the whole check.
        if text.len() < SHORT_TEXT {
            let last_start = text.len() - token.len();
            return memchr::memchr_iter(first, &text[..=last_start])
                .any(|at| &text[at..at + token.len()] == token);
        }
        memmem::find(text, token).is_some()
    }

    /// `text` with every occurrence of the token replaced by [`REDACTED`].
    pub(crate) fn cleaned<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.remove_from(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // A whole token cut out of UTF-8 text leaves UTF-8; the lossy conversion only
            // covers a token that is not UTF-8 itself, which a header may carry.
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// [`Credential::cleaned`] in place.
    pub(crate) fn clean(&self, text: &mut String) {
        if let Cow::Owned(cleaned) = self.cleaned(text) {
            *text = cleaned;
        }
    }

    /// [`Credential::clean`] on an optional text.
    pub(crate) fn clean_option(&self, text: &mut Option<String>) {
        if let Some(text) = text {
            self.clean(text);
        }
    }

    /// `body` with every occurrence of the token replaced, borrowed when there is none.
    pub(crate) fn remove_from<'a>(&self, body: &'a [u8]) -> Cow<'a, [u8]> {
        if !self.is_in(body) {
            return Cow::Borrowed(body);
        }
        let token = self.token();
        let mut out = Vec::with_capacity(body.len());
        let mut rest = 0;
        for at in memmem::find_iter(body, token) {
            out.extend_from_slice(&body[rest..at]);
            out.extend_from_slice(REDACTED.as_bytes());
            rest = at + token.len();
        }
        out.extend_from_slice(&body[rest..]);
        Cow::Owned(out)
    }
}

/// Displays server text on one line: `\n`, `\r` and `\t` as those two-character escapes, other
/// control characters, line separators and bidirectional overrides as `\u{…}`.
pub(crate) struct Escaped<T>(pub T);

impl<T: fmt::Display> fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(EscapingWriter(f), "{}", self.0)
    }
}

struct EscapingWriter<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for EscapingWriter<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut plain = 0;
        for (at, c) in text.char_indices() {
            if !needs_escape(c) {
                continue;
            }
            self.0.write_str(&text[plain..at])?;
            match c {
                '\n' => self.0.write_str("\\n")?,
                '\r' => self.0.write_str("\\r")?,
                '\t' => self.0.write_str("\\t")?,
                other => write!(self.0, "\\u{{{:x}}}", u32::from(other))?,
            }
            plain = at + c.len_utf8();
        }
        self.0.write_str(&text[plain..])
    }
}

/// Characters that could end a log line or make it read as something else.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(header: &'static str) -> Credential {
        Credential::new(&HeaderValue::from_static(header))
    }

    #[test]
    fn the_token_is_found_anywhere_in_short_and_long_texts() {
        let key = credential("Bearer smx_root_abc");
        for filler in [0, 1, 7, SHORT_TEXT - 20, SHORT_TEXT, SHORT_TEXT * 3] {
            let pad = "s".repeat(filler);
            for text in [
                format!("smx_root_abc{pad}"),
                format!("{pad}smx_root_abc"),
                format!("{pad}smx_root_ab{pad}"),
                format!("{pad}ssmx_root_abc{pad}"),
            ] {
                let expected = text.contains("smx_root_abc");
                assert_eq!(key.is_in(text.as_bytes()), expected, "{filler} {text:?}");
            }
        }
        assert!(!key.is_in(b"smx_root_ab"));
        assert!(!credential("Bearer ").is_in(b"anything"));
    }

    #[test]
    fn every_occurrence_of_the_token_goes() {
        let key = credential("Bearer smx_root_abc");
        let cleaned = |text: &str| {
            let mut text = text.to_owned();
            key.clean(&mut text);
            text
        };
        assert_eq!(
            cleaned("a Bearer smx_root_abc, smx_root_abcsmx_root_abc."),
            "a Bearer <redacted>, <redacted><redacted>."
        );
        assert_eq!(cleaned("smx_root_ab"), "smx_root_ab");
        assert_eq!(cleaned(""), "");
        let mut repeated = "aaa".to_owned();
        credential("Bearer aa").clean(&mut repeated);
        assert_eq!(repeated, "<redacted>a");
        assert!(matches!(key.remove_from(b"nothing here"), Cow::Borrowed(_)));
        assert_eq!(
            &*key.remove_from(b"\xff smx_root_abc \xfe"),
            b"\xff <redacted> \xfe"
        );
        let mut none = None;
        key.clean_option(&mut none);
        assert_eq!(none, None);
    }

    #[test]
    fn text_stays_on_one_line_when_displayed() {
        let shown = Escaped("a\nb\r\tc\u{1b}[2K\u{7f}\u{85}\u{2028}\u{202e}é ✓").to_string();
        assert_eq!(shown, r"a\nb\r\tc\u{1b}[2K\u{7f}\u{85}\u{2028}\u{202e}é ✓");
        assert_eq!(Escaped("plain").to_string(), "plain");
        assert_eq!(Escaped(42).to_string(), "42");
    }
}
