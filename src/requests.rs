//! The request of every operation, one module per group of the API.
//!
//! Each operation is a method of [`Client`](crate::Client) taking the operation's required
//! parameters in order (path parameters first, the body last) and returning the operation's
//! request type from the module of its group. Optional parameters are methods of the request,
//! chainable in any order with its options: [`retry_policy`](mailboxes::GetMailbox::retry_policy),
//! the `Idempotency-Key` of creates, `if_changed` on fetches documenting `If-None-Match`, and
//! `items()`/`pages()` on cursor-paginated lists. `.await` a request, or call its `send`, for
//! `Result<Response<T>, Error>`.
//!
//! Everything here is generated from the operations and parameters of `openapi.yaml`, and each
//! method and setter carries its description, constraints and default. A value that a setter
//! cannot accept (a number out of bounds, a string longer than the schema allows) is reported
//! as [`Error::InvalidRequest`](crate::Error::InvalidRequest) naming the parameter when the
//! request is sent, before anything goes out.
//!
//! Requests own a handle to the client, so they and their futures and streams are
//! `Send + 'static`: spawn them, store them, return them.
//!
//! ```no_run
//! # async fn run(client: sendmux_management::Client) -> Result<(), sendmux_management::Error> {
//! let mailbox = client.get_mailbox("mbx_1").await?;
//! client.delete_mailbox_key("mbx_1", "mbk_1").await?;
//! let background = tokio::spawn(client.get_mailbox("mbx_2").send());
//! # let _ = (mailbox, background);
//! # Ok(())
//! # }
//! ```
//!
//! A required parameter cannot be forgotten: this does not compile.
//!
//! ```compile_fail
//! # async fn run(client: sendmux_management::Client) -> Result<(), sendmux_management::Error> {
//! let mailbox = client.get_mailbox().await?;
//! # Ok(())
//! # }
//! ```

include!(concat!(env!("OUT_DIR"), "/requests.rs"));
