//! Answering every operation at once with the examples of the spec.

use super::MockApi;

/// The answer of one operation, generated from the spec.
pub(crate) struct ExampleAnswer {
    pub operation: &'static str,
    pub method: &'static str,
    /// A regular expression matching the operation's paths.
    pub path: &'static str,
    pub status: u16,
    /// Empty when the answer has no body.
    pub content_type: &'static str,
    pub body: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/answers.rs"));

impl MockApi {
    /// Answers every operation of the API, whatever its parameters, with the example of the
    /// spec: the `data` of its success envelope is the example of the data's model (a list holds
    /// one item and is the last page, so walks end). Stubs added before this call take
    /// precedence, so a test can script a fault or a particular answer and let the rest follow
    /// the examples.
    ///
    /// ```
    /// use sendmux_management::testing::MockApi;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let api = MockApi::start().await;
    /// api.answer_with_examples().await;
    /// let domains = api.client().list_domains().await.unwrap();
    /// assert_eq!(domains.len(), 1);
    /// # }
    /// ```
    pub async fn answer_with_examples(&self) {
        for answer in EXAMPLE_ANSWERS {
            self.server
                .mock_async(|when, then| {
                    when.method(answer.method).path_matches(answer.path);
                    let then = then.status(answer.status);
                    if !answer.content_type.is_empty() {
                        then.header("content-type", answer.content_type)
                            .body(answer.body);
                    }
                })
                .await;
        }
    }

    /// The ids of the operations [`answer_with_examples`](Self::answer_with_examples) answers
    /// with an example, in the order it stubs them.
    pub fn example_operations() -> impl Iterator<Item = &'static str> {
        EXAMPLE_ANSWERS.iter().map(|answer| answer.operation)
    }
}
