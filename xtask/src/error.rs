//! The one error type of the xtask library.

use std::path::PathBuf;

/// Everything that can stop a task before it reaches a verdict.
///
/// Findings of `lint` and drift found by `refresh` are results, not errors: an error means the
/// task could not look at its inputs at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A URL could not be fetched.
    #[error("cannot fetch {url}: {message}")]
    Fetch {
        /// The URL.
        url: String,
        /// Why.
        message: String,
    },
    /// A document could not be parsed.
    #[error("{what} cannot be parsed: {message}")]
    Parse {
        /// Which document.
        what: String,
        /// The parser's message.
        message: String,
    },
    /// The upstream document uses a construct the converter has no rule for.
    #[error("upstream document at {pointer}: {message}")]
    Unsupported {
        /// JSON pointer into the upstream document.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// A line of the intentional-differences list is malformed.
    #[error("{}:{line}: {message}", path.display())]
    DifferenceList {
        /// The list file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A value cannot be written as YAML.
    #[error("cannot write YAML: {0}")]
    Emit(String),
    /// The command line is wrong.
    #[error("{0}")]
    Usage(String),
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
