//! Operations chosen at run time, by id, for tools driven by the spec rather than by code: a
//! command line, a generic proxy, a test harness (feature `dynamic`).
//!
//! [`operations`] describes every operation of the spec as data: its method and path, its
//! parameters with their descriptions and accepted values, its body and the body's scalar fields.
//! [`Request::new`] builds the request of an operation from parameters given as JSON values,
//! checking each one against its type (a body against its model, naming the JSON pointer of a
//! value that does not fit) before anything is sent; the request then goes out through the
//! operation's typed request, with the client's retries, idempotency keys, pagination and typed
//! errors, and answers with the `data` of the envelope as JSON.
//!
//! ```no_run
//! # async fn run(client: sendmux_management::Client) -> Result<(), sendmux_management::Error> {
//! use sendmux_management::dynamic::{Arguments, Request};
//!
//! let arguments = Arguments::new().param("public_id", "mdom_123");
//! let domain = Request::new(&client, "get_domain", arguments)?.send().await?;
//! println!("{}", domain.data["domain"]);
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use futures::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::json_path;
use crate::pagination::CursorList;
use crate::{Client, Error, Items, Response};

mod generated {
    include!(concat!(env!("OUT_DIR"), "/dynamic.rs"));
}

/// One operation of the spec.
#[derive(Debug)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The `operationId`, also the name of its method on [`Client`].
    pub id: &'static str,
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: &'static str,
    /// The path template below the base URL, such as `/domains/{public_id}`.
    pub path: &'static str,
    /// One line saying what it does.
    pub summary: &'static str,
    /// More about it; may be empty.
    pub description: &'static str,
    /// The group of the API it belongs to (its first tag), such as `Domains`.
    pub group: &'static str,
    /// What the credential must allow, when the spec says.
    pub permission: Option<&'static str>,
    /// Its path, query and header parameters: required ones first, path parameters in the
    /// order of the path.
    pub params: &'static [ParamInfo],
    /// Its JSON request body, if it takes one.
    pub body: Option<BodyInfo>,
    /// What a success answers with.
    pub answer: AnswerKind,
}

/// A parameter of an operation.
#[derive(Debug)]
#[non_exhaustive]
pub struct ParamInfo {
    /// Its name on the wire, and in [`Arguments::param`].
    pub name: &'static str,
    /// Where it is sent.
    pub location: Location,
    /// Whether the operation needs it (path parameters always do).
    pub required: bool,
    /// Its description, constraints and server default, as sentences.
    pub description: &'static str,
    /// The values it takes.
    pub value: ValueKind,
}

/// Where a parameter is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// A segment of the path.
    Path,
    /// The query string.
    Query,
    /// A header.
    Header,
}

/// The JSON request body of an operation.
#[derive(Debug)]
#[non_exhaustive]
pub struct BodyInfo {
    /// The name of its model in [`types`](crate::types).
    pub schema: &'static str,
    /// Whether the operation needs one.
    pub required: bool,
    /// Its description; may be empty.
    pub description: &'static str,
    /// Its top-level fields that hold one string, number or boolean (not the secrets, which
    /// belong in a file rather than on a command line).
    pub fields: &'static [FieldInfo],
}

/// A top-level field of a request body.
#[derive(Debug)]
#[non_exhaustive]
pub struct FieldInfo {
    /// Its name in the JSON object.
    pub name: &'static str,
    /// Whether the body must have it.
    pub required: bool,
    /// Its description and constraints, as sentences.
    pub description: &'static str,
    /// The values it takes.
    pub value: ValueKind,
}

/// The values a parameter or field takes, as JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueKind {
    /// A string.
    String,
    /// A whole number within the bounds, inclusive.
    Integer {
        /// The least value allowed.
        min: Option<i64>,
        /// The greatest value allowed.
        max: Option<i64>,
    },
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// One of these strings.
    Enum(&'static [&'static str]),
}

/// What the success answer of an operation holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnswerKind {
    /// A JSON envelope, whose `data` the request answers with.
    Json {
        /// `data` is an array.
        list: bool,
        /// The list is cursor-paginated: [`Request::items`] walks every page.
        cursor_list: bool,
    },
    /// Text, answered as a JSON string.
    Text,
    /// Nothing, answered as `null`.
    Empty,
}

/// Every operation of the spec, sorted by id.
pub fn operations() -> &'static [OperationInfo] {
    generated::OPERATIONS
}

/// The operation with this id.
pub fn operation(id: &str) -> Option<&'static OperationInfo> {
    let position = generated::OPERATIONS
        .binary_search_by(|op| op.id.cmp(id))
        .ok()?;
    generated::OPERATIONS.get(position)
}

/// The parameters and body of a request, as JSON values: strings for strings and enumerations,
/// numbers for numbers, booleans for booleans, an object for the body.
#[derive(Clone, Debug, Default)]
pub struct Arguments {
    values: BTreeMap<String, Value>,
    body: Option<Value>,
}

impl Arguments {
    /// No parameters, no body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the parameter `name` (its name on the wire, as in [`ParamInfo::name`]); `null`
    /// leaves an optional one unset.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.values.insert(name.into(), value.into());
        self
    }

    /// Sets the JSON body.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub(crate) fn optional<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>, Error> {
        match self.values.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|e| Error::InvalidRequest(format!("parameter `{name}`: {e}"))),
        }
    }

    pub(crate) fn required<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, Error> {
        self.optional(name)?.ok_or_else(|| {
            Error::InvalidRequest(format!("the required parameter `{name}` is missing"))
        })
    }

    pub(crate) fn optional_body<T: DeserializeOwned>(&mut self) -> Result<Option<T>, Error> {
        let Some(body) = self.body.take() else {
            return Ok(None);
        };
        // Decoded from its text, so that a failure has a position to be placed by.
        let text = body.to_string();
        serde_json::from_str(&text).map(Some).map_err(|e| {
            let at = json_path::pointer_at(text.as_bytes(), e.line(), e.column());
            let at = if at.is_empty() {
                "body".to_owned()
            } else {
                format!("body at {at}")
            };
            Error::InvalidRequest(format!("{at}: {}", without_position(&e)))
        })
    }

    pub(crate) fn body_value<T: DeserializeOwned>(&mut self) -> Result<T, Error> {
        self.optional_body()?
            .ok_or_else(|| Error::InvalidRequest("the request needs a JSON body".to_owned()))
    }

    /// Refuses what the operation did not take.
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        if let Some(name) = self.values.keys().next() {
            return Err(Error::InvalidRequest(format!(
                "the operation has no parameter `{name}`"
            )));
        }
        if self.body.is_some() {
            return Err(Error::InvalidRequest(
                "the operation takes no body".to_owned(),
            ));
        }
        Ok(())
    }
}

/// serde_json's message without the line and column it appends: they refer to the text the
/// body was turned into, not to anything the caller wrote, and the pointer says where instead.
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    match message.strip_suffix(&position) {
        Some(reason) => reason.to_owned(),
        None => message,
    }
}

/// A stream of the items of a cursor-paginated list, as JSON.
pub type ItemStream = Pin<Box<dyn Stream<Item = Result<Value, Error>> + Send + 'static>>;

/// The future of a request sent.
pub type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response<Value>, Error>> + Send>>;

/// The request of an operation chosen at run time, checked and ready to send.
pub struct Request {
    id: &'static str,
    prepared: Prepared,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("operation", &self.id)
            .finish()
    }
}

impl Request {
    /// The request of `operation` (an id of [`operations`]) with `arguments`: every parameter
    /// is converted to its type and the body to its model now, so a value that does not fit, a
    /// missing required one or one the operation does not take fails here with
    /// [`Error::InvalidRequest`] (a body's error names the JSON pointer of the value at fault).
    /// Nothing is sent.
    pub fn new(client: &Client, operation: &str, mut arguments: Arguments) -> Result<Self, Error> {
        let id = self::operation(operation)
            .ok_or_else(|| Error::InvalidRequest(format!("no operation has the id {operation:?}")))?
            .id;
        let prepared = generated::prepare(client, id, &mut arguments)?;
        Ok(Self { id, prepared })
    }

    /// The operation's id.
    pub fn operation(&self) -> &'static str {
        self.id
    }

    /// Sends it once (with the client's retries): the `data` of the answer as JSON, with the
    /// response's metadata. On a list, that is the page asked for.
    pub fn send(self) -> ResponseFuture {
        self.prepared.0.send()
    }

    /// Every item of a cursor-paginated list, across pages, at most `max_items` of them; the
    /// parameters given apply to every page. Fails with [`Error::InvalidRequest`] when the
    /// operation is not such a list.
    pub fn items(self, max_items: Option<u64>) -> Result<ItemStream, Error> {
        let id = self.id;
        self.prepared
            .0
            .items(max_items)
            .ok_or_else(|| Error::InvalidRequest(format!("{id} is not a cursor-paginated list")))
    }
}

impl IntoFuture for Request {
    type Output = Result<Response<Value>, Error>;
    type IntoFuture = ResponseFuture;
    fn into_future(self) -> Self::IntoFuture {
        self.send()
    }
}

/// A typed request with its types erased.
pub(crate) struct Prepared(Box<dyn Erased>);

trait Erased: Send {
    fn send(self: Box<Self>) -> ResponseFuture;
    fn items(self: Box<Self>, max_items: Option<u64>) -> Option<ItemStream>;
}

struct Single<R>(R);
struct List<R>(R);

fn to_json<T: Serialize>(data: T) -> Result<Value, Error> {
    serde_json::to_value(data)
        .map_err(|e| Error::InvalidRequest(format!("the answer cannot be written as JSON: {e}")))
}

impl<R, T> Erased for Single<R>
where
    R: IntoFuture<Output = Result<Response<T>, Error>> + Send + 'static,
    R::IntoFuture: Send,
    T: Serialize,
{
    fn send(self: Box<Self>) -> ResponseFuture {
        Box::pin(async move {
            let response = self.0.await?;
            let data = to_json(&response.data)?;
            Ok(response.map(|_| data))
        })
    }

    fn items(self: Box<Self>, _: Option<u64>) -> Option<ItemStream> {
        None
    }
}

impl<R> Erased for List<R>
where
    R: CursorList + IntoFuture<Output = Result<Response<Vec<R::Item>>, Error>>,
    R::IntoFuture: Send,
    R::Item: Serialize,
{
    fn send(self: Box<Self>) -> ResponseFuture {
        Box::new(Single(self.0)).send()
    }

    fn items(self: Box<Self>, max_items: Option<u64>) -> Option<ItemStream> {
        let mut items = Items::new(self.0);
        if let Some(max) = max_items {
            items = items.max_items(max);
        }
        Some(Box::pin(items.map(|item| item.and_then(to_json))))
    }
}

impl Prepared {
    pub(crate) fn single<R, T>(request: R) -> Self
    where
        R: IntoFuture<Output = Result<Response<T>, Error>> + Send + 'static,
        R::IntoFuture: Send,
        T: Serialize + 'static,
    {
        Self(Box::new(Single(request)))
    }

    pub(crate) fn list<R>(request: R) -> Self
    where
        R: CursorList + IntoFuture<Output = Result<Response<Vec<R::Item>>, Error>>,
        R::IntoFuture: Send,
        R::Item: Serialize + 'static,
    {
        Self(Box::new(List(request)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_sorted_and_found() {
        let all = operations();
        assert!(all.windows(2).all(|w| w[0].id < w[1].id));
        assert!(all.iter().all(|op| operation(op.id).is_some()));
        assert!(operation("no_such_operation").is_none());
        let get = operation("get_domain").unwrap();
        assert_eq!((get.method, get.path), ("GET", "/domains/{public_id}"));
        assert_eq!(get.params[0].location, Location::Path);
    }

    #[test]
    fn a_message_loses_only_its_position() {
        let error = serde_json::from_str::<u8>("\"x\"").unwrap_err();
        assert_eq!(
            without_position(&error),
            "invalid type: string \"x\", expected u8"
        );
    }
}
