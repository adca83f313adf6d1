//! Finds which value of a JSON document sits at the place a decoding error points to, as a path
//! such as `data[3].created_at`.
//!
//! serde_json reports a failure by line and column only, which says little in a body on one
//! line. Tracking the path while decoding would mean a second decoder for every model, compiled
//! into every build for the rare failed answer; instead, the document is walked from its root
//! down through the container that holds the failing position, level by level, with serde_json
//! doing all the parsing. Only failures pay for it, and the code is the same for every model.

use std::fmt::Write;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// How many times its own size the walk may parse of a document before it stops where it is:
/// each level parses the container it descends into again, and a deeply nested body must not
/// make a failure cost more than a few decodes of it.
const PARSE_BUDGET: usize = 8;

/// The path of the innermost value of `body` that contains the byte serde_json's error points
/// at (`line` from 1, `column` in bytes from 1), such as `data[3].created_at`; `None` for the
/// document itself, or when the body is not well-formed JSON.
pub(crate) fn at(body: &[u8], line: usize, column: usize) -> Option<String> {
    let mut path = String::new();
    for step in steps_to(body, line, column) {
        match step {
            Step::Key(key) if path.is_empty() => path.push_str(&key),
            Step::Key(key) => {
                path.push('.');
                path.push_str(&key);
            }
            Step::Index(index) => {
                let _ = write!(path, "[{index}]");
            }
        }
    }
    (!path.is_empty()).then_some(path)
}

/// The same place as a JSON pointer (RFC 6901), such as `/data/3/created_at`; empty for the
/// document itself.
#[cfg(feature = "dynamic")]
pub(crate) fn pointer_at(body: &[u8], line: usize, column: usize) -> String {
    let mut pointer = String::new();
    for step in steps_to(body, line, column) {
        pointer.push('/');
        match step {
            Step::Key(key) => pointer.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Step::Index(index) => {
                let _ = write!(pointer, "{index}");
            }
        }
    }
    pointer
}

/// The steps from the root of `body` down to the innermost value that contains the error's
/// position.
fn steps_to(body: &[u8], line: usize, column: usize) -> Vec<Step> {
    let mut steps = Vec::new();
    let Ok(text) = std::str::from_utf8(body) else {
        return steps;
    };
    let Some(offset) = offset_of(text, line, column) else {
        return steps;
    };
    let mut budget = text.len().saturating_mul(PARSE_BUDGET);
    let mut current: &str = text;
    let base = text.as_ptr() as usize;
    while let Some(left) = budget.checked_sub(current.len()) {
        budget = left;
        let Ok(children) = serde_json::from_str::<Children>(current) else {
            break;
        };
        let child = children.0.into_iter().find(|(_, value)| {
            let start = value.get().as_ptr() as usize - base;
            (start..start + value.get().len()).contains(&offset)
        });
        let Some((step, value)) = child else {
            break;
        };
        steps.push(step);
        current = value.get();
    }
    steps
}

/// The byte offset of serde_json's error position: the last byte it read, which belongs to the
/// value it was decoding.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        let newline = memchr::memchr_iter(b'\n', text.as_bytes()).nth(line - 2)?;
        newline + 1
    };
    let offset = (line_start + column).checked_sub(1)?;
    (offset < text.len()).then_some(offset)
}

/// How a container reaches one of its values.
enum Step {
    Key(String),
    Index(usize),
}

/// The values directly inside a JSON object or array, each as the text it spans in the
/// document. A scalar is refused, which ends the walk as an empty container would.
struct Children<'a>(Vec<(Step, &'a RawValue)>);

impl<'de> Deserialize<'de> for Children<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ChildrenVisitor)
    }
}

struct ChildrenVisitor;

impl<'de> Visitor<'de> for ChildrenVisitor {
    type Value = Children<'de>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON object or array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut children = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, &RawValue>()? {
            children.push((Step::Key(key), value));
        }
        Ok(Children(children))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut children = Vec::new();
        while let Some(value) = seq.next_element::<&RawValue>()? {
            children.push((Step::Index(children.len()), value));
        }
        Ok(Children(children))
    }
}

#[cfg(test)]
mod tests {
    use super::at;

    /// The path serde_json's own error points to when `body` is decoded as `T`.
    fn path_of_failure<T: serde::de::DeserializeOwned + std::fmt::Debug>(
        body: &str,
    ) -> Option<String> {
        let error = serde_json::from_str::<T>(body).expect_err("the body does not decode");
        at(body.as_bytes(), error.line(), error.column())
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        count: u32,
        when: Option<String>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        data: Vec<Item>,
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named_by_its_path() {
        let body = r#"{"data":[{"count":1},{"count":2,"when":null},{"count":"three"}]}"#;
        assert_eq!(
            path_of_failure::<Page>(body).as_deref(),
            Some("data[2].count")
        );
        let body = r#"{"data":[{"count":1,"when":7}]}"#;
        assert_eq!(
            path_of_failure::<Page>(body).as_deref(),
            Some("data[0].when")
        );
    }

    #[test]
    fn a_missing_field_names_the_object_that_lacks_it() {
        let body = r#"{"data":[{"count":1},{"when":"x"}]}"#;
        assert_eq!(path_of_failure::<Page>(body).as_deref(), Some("data[1]"));
    }

    #[test]
    fn lines_and_spaces_are_followed() {
        let body = "{\n  \"data\" : [\n    { \"count\" : 1 },\n    { \"count\" : -4 }\n  ]\n}";
        assert_eq!(
            path_of_failure::<Page>(body).as_deref(),
            Some("data[1].count")
        );
    }

    #[test]
    fn keys_are_compared_by_position_not_by_text() {
        // An escaped key, and a value that repeats the failing one earlier in the document.
        let body = r#"{"a\"b":{"count":"x"},"data":[{"count":"x"}]}"#;
        assert_eq!(
            path_of_failure::<Page>(body).as_deref(),
            Some("data[0].count")
        );
        let error = serde_json::from_str::<std::collections::HashMap<String, Item>>(body)
            .expect_err("a string count");
        assert_eq!(
            at(body.as_bytes(), error.line(), error.column()).as_deref(),
            Some("a\"b.count")
        );
    }

    #[test]
    fn the_document_itself_and_broken_documents_have_no_path() {
        assert_eq!(path_of_failure::<Page>(r#""text""#), None);
        assert_eq!(path_of_failure::<Page>(r#"{"data":[{"count":1}"#), None);
        assert_eq!(path_of_failure::<Page>("<html>"), None);
        assert_eq!(at(b"{}", 9, 9), None);
        assert_eq!(at(b"{}", 1, 0), None);
        assert_eq!(at(&[0xff, b'{'], 1, 1), None);
    }

    #[cfg(feature = "dynamic")]
    #[test]
    fn a_pointer_escapes_its_keys() {
        let body = r#"{"a/b":[{"c~d":"x"}]}"#;
        type Nested =
            std::collections::BTreeMap<String, Vec<std::collections::BTreeMap<String, u8>>>;
        let error = serde_json::from_str::<Nested>(body).expect_err("a string");
        assert_eq!(
            super::pointer_at(body.as_bytes(), error.line(), error.column()),
            "/a~1b/0/c~0d"
        );
        assert_eq!(super::pointer_at(b"7", 1, 1), "");
    }

    #[test]
    fn a_deep_document_stops_within_its_budget() {
        let depth = 120;
        let body = format!("{}\"x\"{}", "[".repeat(depth), "]".repeat(depth));
        let path = at(body.as_bytes(), 1, depth + 2).expect("a path");
        // The walk parses each nested array again; it stops well before the innermost value.
        let steps = path.matches("[0]").count();
        assert!(steps > 0 && steps < depth, "{steps}");
    }
}
