//! Exit codes by class of failure, and the one-line message that goes with each.

use sendmux_management::Error;

/// Something else failed: reading a file, writing the output.
pub const OTHER: u8 = 1;
/// The command line or the request it describes is wrong; nothing was sent.
pub const USAGE: u8 = 2;
/// The API refused the request (4xx).
pub const API_REFUSED: u8 = 3;
/// The API failed (5xx), or the request or its answer did not get through.
pub const API_FAILED: u8 = 4;
/// No credential, or a configuration the client refuses.
pub const CONFIG: u8 = 5;
/// `webhooks verify`: the delivery is not authentic or not fresh.
pub const NOT_VERIFIED: u8 = 6;

/// The exit codes as documented in `--help`.
pub const HELP: &str = "\
Exit codes:
  0  success
  1  other failure (reading a file, writing the output)
  2  usage: bad arguments, or a parameter or body the spec does not allow; nothing was sent
  3  the API refused the request (HTTP 4xx)
  4  the API failed (HTTP 5xx) or could not be reached, after the retries
  5  configuration: no API key, or a key or base URL the client refuses
  6  webhooks verify: the delivery is not authentic or not fresh";

/// Why a command failed: the message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: one_line(&message.into()),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(USAGE, message)
    }

    pub fn other(message: impl Into<String>) -> Self {
        Self::new(OTHER, message)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let code = match &error {
            Error::Api(api) if (400..500).contains(&api.status) => API_REFUSED,
            Error::Api(_)
            | Error::Transport(_)
            | Error::Decode(_)
            | Error::Redirect(_)
            | Error::ResponseTooLarge { .. }
            | Error::RateBudgetExhausted { .. } => API_FAILED,
            Error::InvalidRequest(_) => USAGE,
            Error::Config(_) => CONFIG,
            _ => OTHER,
        };
        let mut message = error.to_string();
        if let Some(id) = error.request_id() {
            if !message.contains(id) {
                message.push_str(&format!(" [request {id}]"));
            }
        }
        Self::new(code, message)
    }
}

/// Messages are one line, whatever their sources say.
fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
