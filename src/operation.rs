//! What the handwritten layer knows about each operation, generated from the spec.

use crate::generated::{operation_position, OPERATIONS};

/// One operation of the spec.
#[derive(Debug)]
pub(crate) struct Operation {
    pub id: &'static str,
    pub method: &'static str,
    /// Path template relative to the base URL, e.g. `/domains/{public_id}`.
    pub path: &'static str,
    /// The operation documents an `Idempotency-Key` header.
    pub idempotency_key: bool,
}

/// The operation with this id; every generated call site names one that exists.
pub(crate) fn find(id: &str) -> Option<&'static Operation> {
    OPERATIONS.get(operation_position(id)?)
}

impl Operation {
    /// Whether `url_path` (as sent, below `base_path`) still has the shape of the template: each
    /// literal segment in place and each parameter a single non-empty segment. An id such as `..`
    /// or an empty one would otherwise let the URL parser move the request to another resource.
    pub fn path_matches(&self, url_path: &str, base_path: &str) -> bool {
        let Some(rest) = url_path.strip_prefix(base_path.trim_end_matches('/')) else {
            return false;
        };
        if !self.path.contains('{') {
            return rest == self.path;
        }
        let mut sent = rest.split('/');
        let mut expected = self.path.split('/');
        loop {
            match (sent.next(), expected.next()) {
                (None, None) => return true,
                (Some(s), Some(e)) if e.starts_with('{') => {
                    if s.is_empty() || s == "." || s == ".." {
                        return false;
                    }
                }
                (Some(s), Some(e)) if s == e => {}
                _ => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(path: &'static str) -> Operation {
        Operation {
            id: "x",
            method: "GET",
            path,
            idempotency_key: false,
        }
    }

    #[test]
    fn every_operation_is_found_by_its_id() {
        assert!(OPERATIONS.windows(2).all(|w| w[0].id < w[1].id));
        assert!(OPERATIONS
            .iter()
            .all(|op| find(op.id).is_some_and(|found| std::ptr::eq(found, op))));
        assert_eq!(
            find("get_domain").map(|o| o.path),
            Some("/domains/{public_id}")
        );
        assert!(find("no_such_operation").is_none());
    }

    #[test]
    fn path_shape_is_checked_segment_by_segment() {
        let get = op("/domains/{public_id}");
        assert!(get.path_matches("/api/v1/domains/mdom_1", "/api/v1"));
        assert!(get.path_matches("/domains/a%2Fb", "/"));
        assert!(!get.path_matches("/api/v1/domains/", "/api/v1"));
        assert!(!get.path_matches("/api/v1/", "/api/v1"));
        assert!(!get.path_matches("/api/v1/domains/a/b", "/api/v1"));
        assert!(!get.path_matches("/other/domains/x", "/api/v1"));
        assert!(!get.path_matches("/api/v1/mailboxes/x", "/api/v1"));

        let me = op("/me");
        assert!(me.path_matches("/api/v1/me", "/api/v1/"));
        assert!(!me.path_matches("/api/v1/me/", "/api/v1"));
        assert!(!me.path_matches("/api/v1/you", "/api/v1"));
    }
}
