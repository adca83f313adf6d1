//! Contract tools for tests (feature `contract`): is what the API answers still what
//! `openapi.yaml` says, and is it time to regenerate?
//!
//! - [`ContractCheck`], given to [`ClientBuilder::contract_check`](crate::ClientBuilder::contract_check),
//!   checks every answer body (success and error) against the operation's response schema before
//!   it is decoded. [`ContractCheck::strict`] fails the call with [`Error::Contract`](crate::Error::Contract);
//!   [`ContractCheck::report`] lets it through and keeps the violations for the test to assert on.
//! - In both modes it collects [`Drift`]: fields the spec does not declare and enum values it does
//!   not list, which the decoder accepts silently. [`ContractCheck::summary`] says what was seen,
//!   and which command brings the spec up to date.
//! - [`MockApi::stub_json`](crate::testing::MockApi::stub_json) refuses a raw JSON stub that
//!   breaks its operation's contract.
//! - [`Recorder`] records the exchanges of a real client into a [`Cassette`], which
//!   [`MockApi::replay`](crate::testing::MockApi::replay) serves offline.
//!
//! The spec's response schemas are embedded at build time, translated from OpenAPI 3.0 to JSON
//! Schema, and checked with the [`jsonschema`](https://docs.rs/jsonschema) crate.
//!
//! ```
//! use sendmux_management::contract::ContractCheck;
//! use sendmux_management::testing::{MockApi, MockServerExt};
//! use sendmux_management::types::{Domain, DomainEnvelope};
//! use sendmux_management::Client;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let api = MockApi::start().await;
//! api.get_domain(|when, then| {
//!     then.ok(&DomainEnvelope::of(Domain::example()));
//! });
//! let check = ContractCheck::report();
//! let client = Client::builder()
//!     .api_key("smx_root_test")
//!     .base_url(api.base_url())
//!     .contract_check(check.clone())
//!     .build()
//!     .unwrap();
//! client.get_domain("mdom_1").await.unwrap();
//! let summary = check.summary();
//! assert!(summary.is_empty(), "{summary}");
//! # }
//! ```

mod cassette;
mod drift;
mod stub;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde_json::{json, Value};

pub use cassette::{redact_secrets, Cassette, CassetteError, Exchange, Recorder, REDACTED};
pub use drift::{Drift, DriftItem};
pub use stub::assert_answer;

/// The extension marking the fields that hold a secret.
const SECRET_MARK: &str = "x-sendmux-secret";

/// The command that brings `openapi.yaml` up to date, and reports each change.
pub const REFRESH_COMMAND: &str = "cargo xtask refresh";

/// Every operation's response schemas by status, and the component schemas they refer to;
/// written by the build script from `openapi.yaml`.
const DOCUMENT: &str = include_str!(concat!(env!("OUT_DIR"), "/contract.json"));

/// One way a body breaks its schema.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// JSON pointer of the offending value in the body (`/data/mailbox_count`); empty for the
    /// body itself.
    pub pointer: String,
    /// The schema rule broken, by its location in the spec
    /// (`/components/schemas/DomainMode/enum`); or `json` for a body that is not JSON,
    /// `responses` for an undocumented status, `operationId` for an unknown operation.
    pub rule: String,
    /// What is wrong, without the offending value (which could be a secret).
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "(body)"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {} (rule {})", self.message, self.rule)
    }
}

/// An answer that breaks its operation's contract: the operation, the status and every
/// violation. In strict mode, a call ends with it as [`Error::Contract`](crate::Error::Contract).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContractViolation {
    /// The operation id (`get_domain`).
    pub operation: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// Each way the body breaks the schema.
    pub violations: Vec<Violation>,
}

impl fmt::Display for ContractViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} answered {} with a body that breaks openapi.yaml:",
            self.operation, self.status
        )?;
        for violation in &self.violations {
            write!(f, "\n  {violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ContractViolation {}

/// What checking one body found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Inspection {
    /// Ways the body breaks its schema; empty when it is valid.
    pub violations: Vec<Violation>,
    /// What the body holds that the spec does not know; allowed by the schema, but a sign that
    /// the API has moved on.
    pub drift: Vec<DriftItem>,
}

impl Inspection {
    /// A body refused for one reason found before its schema could be applied.
    fn refused(violation: Violation) -> Self {
        Self {
            violations: vec![violation],
            drift: Vec::new(),
        }
    }

    /// Whether the body breaks its schema.
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Checks `body`, answered by `operation` with `status`, against the operation's response
/// schema for that status (an exact status, else its range such as `4XX`, else `default`). An
/// unknown operation or an undocumented status is a violation.
pub fn inspect_answer(operation: &str, status: u16, body: &Value) -> Inspection {
    match Contract::get().answer(operation, status) {
        Ok(Some(compiled)) => inspect(&compiled, body),
        Ok(None) if body.is_null() => Inspection::default(),
        Ok(None) => Inspection::refused(Violation {
            pointer: String::new(),
            rule: "content".into(),
            message: format!("{operation} documents no JSON body for status {status}"),
        }),
        Err(violation) => Inspection::refused(violation),
    }
}

/// Checks `value` against the component schema `model` (`Domain`, `CreateDomainBody`).
pub fn inspect_model(model: &str, value: &Value) -> Inspection {
    let schema = json!({ "$ref": format!("#/components/schemas/{model}") });
    if Contract::get()
        .document
        .pointer(&format!("/components/schemas/{model}"))
        .is_none()
    {
        return Inspection::refused(Violation {
            pointer: String::new(),
            rule: "$ref".into(),
            message: format!("openapi.yaml has no schema {model}"),
        });
    }
    let compiled = Contract::get().compiled(&format!("model {model}"), &schema);
    inspect(&compiled, value)
}

/// The operation ids of the spec, sorted, with their method and path template.
pub fn operations() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut found: Vec<_> = Contract::get()
        .operations()
        .map(|(id, op)| {
            let text = |key: &str| op.get(key).and_then(Value::as_str).unwrap_or_default();
            (id.as_str(), text("method"), text("path"))
        })
        .collect();
    found.sort_unstable();
    found
}

/// The statuses `operation` documents (`200`, `4XX`, `default`), with whether each has a JSON
/// body; empty for an unknown operation.
pub fn documented_statuses(operation: &str) -> Vec<(&'static str, bool)> {
    Contract::get()
        .document
        .pointer(&format!("/operations/{operation}/responses"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(status, schema)| (status.as_str(), !schema.is_null()))
        .collect()
}

fn inspect(compiled: &Compiled, body: &Value) -> Inspection {
    // The check is for tests but runs on every answer: the common case, a valid body, takes
    // the fast path and only a failure pays for the detailed errors.
    let violations = if compiled.validator.is_valid(body) {
        Vec::new()
    } else {
        compiled
            .validator
            .iter_errors(body)
            .map(|error| Violation {
                pointer: error.instance_path().to_string(),
                rule: error.schema_path().to_string(),
                message: error.masked().to_string(),
            })
            .collect()
    };
    Inspection {
        violations,
        drift: compiled.shapes.find(body),
    }
}

/// What an operation's answers are checked with, by status.
type ByStatus = HashMap<u16, Option<Arc<Compiled>>>;

/// A schema made ready to check bodies with.
struct Compiled {
    validator: jsonschema::Validator,
    shapes: drift::Shapes,
}

/// The embedded document and the validators compiled from it, one per schema used.
struct Contract {
    document: Value,
    compiled: Mutex<HashMap<String, Arc<Compiled>>>,
    /// What each answer is checked with, by operation and status: `None` for a status
    /// documented without a JSON body. Looked up without building a key, as every answer is.
    answers: Mutex<HashMap<String, ByStatus>>,
}

impl Contract {
    fn get() -> &'static Self {
        static CONTRACT: OnceLock<Contract> = OnceLock::new();
        CONTRACT.get_or_init(|| Contract {
            // Written by the build script with serde_json, from a spec it has just parsed.
            document: serde_json::from_str(DOCUMENT).unwrap_or_default(),
            compiled: Mutex::default(),
            answers: Mutex::default(),
        })
    }

    fn operations(&'static self) -> impl Iterator<Item = (&'static String, &'static Value)> {
        self.document
            .get("operations")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
    }

    /// What `operation`'s answer with `status` is checked with; `None` for a status documented
    /// without a JSON body.
    fn answer(
        &'static self,
        operation: &str,
        status: u16,
    ) -> Result<Option<Arc<Compiled>>, Violation> {
        let cached = self
            .answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(operation)
            .and_then(|statuses| statuses.get(&status).cloned());
        if let Some(found) = cached {
            return Ok(found);
        }
        let found = self
            .response_schema(operation, status)?
            .map(|(key, schema)| self.compiled(&format!("{operation} {key}"), schema));
        self.answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(operation.to_owned())
            .or_default()
            .insert(status, found.clone());
        Ok(found)
    }

    /// The schema of `operation`'s answer with `status` and the status key it is documented
    /// under; `None` for a status documented without a JSON body.
    fn response_schema(
        &'static self,
        operation: &str,
        status: u16,
    ) -> Result<Option<(String, &'static Value)>, Violation> {
        let responses = self
            .document
            .pointer(&format!("/operations/{operation}/responses"))
            .and_then(Value::as_object)
            .ok_or_else(|| Violation {
                pointer: String::new(),
                rule: "operationId".into(),
                message: format!("openapi.yaml has no operation {operation}"),
            })?;
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        let (key, schema) = [exact.as_str(), range.as_str(), "default"]
            .into_iter()
            .find_map(|key| responses.get_key_value(key))
            .ok_or_else(|| Violation {
                pointer: String::new(),
                rule: "responses".into(),
                message: format!("{operation} does not document status {status}"),
            })?;
        Ok((!schema.is_null()).then(|| (key.clone(), schema)))
    }

    /// `schema` compiled, on first use, and kept under `key`.
    fn compiled(&self, key: &str, schema: &Value) -> Arc<Compiled> {
        let mut compiled = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = compiled.get(key) {
            return found.clone();
        }
        let mut root = schema.clone();
        if let Value::Object(object) = &mut root {
            object.insert("components".into(), self.document["components"].clone());
        }
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            // The build script wrote the schemas from a spec `cargo xtask lint` keeps valid; an
            // unusable one would accept everything rather than fail every answer.
            .unwrap_or_else(|_| {
                jsonschema::options()
                    .build(&json!({}))
                    .unwrap_or_else(|e| unreachable!("the empty schema compiles: {e}"))
            });
        let found = Arc::new(Compiled {
            validator,
            shapes: drift::Shapes::compile(&self.document, schema),
        });
        compiled.insert(key.to_owned(), found.clone());
        found
    }
}

/// Checks every answer of a client against the spec; see the [module documentation](self).
/// Clones share what was found, so a test keeps one and gives the builder another.
#[derive(Clone, Debug)]
pub struct ContractCheck {
    strict: bool,
    found: Arc<Mutex<Findings>>,
}

#[derive(Debug, Default)]
struct Findings {
    violations: Vec<ContractViolation>,
    drift: BTreeMap<String, BTreeSet<DriftItem>>,
}

impl ContractCheck {
    /// A violation fails the call with [`Error::Contract`](crate::Error::Contract).
    pub fn strict() -> Self {
        Self {
            strict: true,
            found: Arc::default(),
        }
    }

    /// A violation is logged at warn and kept for [`ContractCheck::violations`]; the answer is
    /// decoded as usual.
    pub fn report() -> Self {
        Self {
            strict: false,
            ..Self::strict()
        }
    }

    /// Whether violations fail the call.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// The answers that broke the contract so far, in order (in strict mode, also returned as
    /// errors).
    pub fn violations(&self) -> Vec<ContractViolation> {
        self.lock().violations.clone()
    }

    /// The drift seen so far, by operation.
    pub fn drift(&self) -> Drift {
        Drift::from_map(self.lock().drift.clone())
    }

    /// Violations and drift in one value to print or assert empty.
    pub fn summary(&self) -> Summary {
        Summary {
            violations: self.violations(),
            drift: self.drift(),
        }
    }

    /// Forgets what was found so far.
    pub fn clear(&self) {
        *self.lock() = Findings::default();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Findings> {
        self.found.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Checks one answer; the violation to fail the call with, in strict mode.
    pub(crate) fn check_body(
        &self,
        operation: &str,
        status: u16,
        body: &[u8],
    ) -> Option<ContractViolation> {
        let inspection = match Contract::get().answer(operation, status) {
            // Documented without a JSON body (a 304, a text answer): nothing to check.
            Ok(None) => return None,
            Ok(Some(compiled)) => {
                let value = if body.iter().all(u8::is_ascii_whitespace) {
                    Ok(Value::Null)
                } else {
                    serde_json::from_slice::<Value>(body)
                };
                match value {
                    Ok(value) => inspect(&compiled, &value),
                    Err(error) => Inspection::refused(Violation {
                        pointer: String::new(),
                        rule: "json".into(),
                        message: format!("the body is not JSON: {error}"),
                    }),
                }
            }
            Err(violation) => Inspection::refused(violation),
        };
        let mut found = self.lock();
        if !inspection.drift.is_empty() {
            found
                .drift
                .entry(operation.to_owned())
                .or_default()
                .extend(inspection.drift);
        }
        if inspection.violations.is_empty() {
            return None;
        }
        let violation = ContractViolation {
            operation: operation.to_owned(),
            status,
            violations: inspection.violations,
        };
        tracing::warn!(operation, status, "{violation}");
        found.violations.push(violation.clone());
        self.strict.then_some(violation)
    }
}

/// What a [`ContractCheck`] found: print it, or assert it is empty.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Summary {
    /// Answers that broke the contract.
    pub violations: Vec<ContractViolation>,
    /// What the answers held that the spec does not know.
    pub drift: Drift,
}

impl Summary {
    /// Whether every answer matched the spec, with nothing new in them.
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty() && self.drift.is_empty()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("every answer matched openapi.yaml");
        }
        for violation in &self.violations {
            writeln!(f, "{violation}")?;
        }
        if !self.drift.is_empty() {
            write!(f, "{}", self.drift)?;
        }
        write!(
            f,
            "`{REFRESH_COMMAND}` brings openapi.yaml up to date and classifies each change."
        )
    }
}
