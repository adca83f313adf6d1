//! Stubs that cannot drift from the spec: a raw JSON answer is checked against its operation's
//! schema when it is stubbed, and a test that stubs a broken one fails where it does so.

use serde_json::Value;

use super::{inspect_answer, ContractViolation};
use crate::testing::{Mock, MockApi};

/// Panics, naming each violation, unless `body` is a valid `status` answer of `operation`: for
/// raw JSON given to a mock by other means than [`MockApi::stub_json`].
#[track_caller]
pub fn assert_answer(operation: &str, status: u16, body: &Value) {
    let violations = inspect_answer(operation, status, body).violations;
    if !violations.is_empty() {
        let violation = ContractViolation {
            operation: operation.to_owned(),
            status,
            violations,
        };
        panic!("this stub breaks the contract: {violation}");
    }
}

impl MockApi {
    /// Answers every request to `operation` (its method, and its path with any parameters)
    /// with `status` and the JSON `body`, once the body is checked against the operation's
    /// schema: a body that breaks it panics here, in the test that made the stub, naming each
    /// violation. For answers the typed helpers of
    /// [`MockServerExt`](crate::testing::MockServerExt) cannot build: a field the models do not
    /// have yet, an enum value they do not know.
    ///
    /// ```
    /// use sendmux_management::testing::MockApi;
    /// use serde_json::json;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let api = MockApi::start().await;
    /// let me = serde_json::to_value(sendmux_management::types::MeEnvelope::example()).unwrap();
    /// api.stub_json("get_me", 200, &me);
    /// assert!(api.client().get_me().await.is_ok());
    ///
    /// let broken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     api.stub_json("get_me", 200, &json!({ "ok": true }));
    /// }));
    /// assert!(broken.is_err());
    /// # }
    /// ```
    #[track_caller]
    pub fn stub_json(&self, operation: &str, status: u16, body: &Value) -> Mock<'_> {
        assert_answer(operation, status, body);
        let Some((_, method, template)) = super::operations()
            .into_iter()
            .find(|(id, _, _)| *id == operation)
        else {
            unreachable!("assert_answer refuses an unknown operation")
        };
        let pattern = template
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "[^/]+".to_owned()
                } else {
                    regex::escape(segment)
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let path = regex::Regex::new(&format!("^{pattern}$"))
            .unwrap_or_else(|e| unreachable!("an escaped template is a valid pattern: {e}"));
        let body = body.to_string();
        self.mock(|when, then| {
            when.method(method).path_matches(path);
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
    }
}
