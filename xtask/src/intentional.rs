//! The list of intentional differences between `openapi.yaml` and the converted upstream
//! document (`xtask/intentional-differences.txt`).
//!
//! One item per line: a JSON pointer into `openapi.yaml`, a dash (`—` or `--`) and the reason.
//! Blank lines and lines starting with `#` are ignored. At a listed pointer our version wins
//! whether or not upstream has the node: refresh keeps it, and the check does not count it as
//! drift.

use std::path::Path;

use crate::{Error, Result};

/// One listed difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// JSON pointer into `openapi.yaml`.
    pub pointer: String,
    /// Why our spec differs there.
    pub reason: String,
    /// 1-based line in the list.
    pub line: usize,
}

/// The parsed list.
#[derive(Clone, Debug, Default)]
pub struct Differences {
    items: Vec<Difference>,
}

impl Differences {
    /// Parses the list; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let mut items: Vec<Difference> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let error = |message: &str| Error::DifferenceList {
                path: path.to_owned(),
                line,
                message: message.to_owned(),
            };
            let (pointer, reason) = [" — ", " -- "]
                .iter()
                .find_map(|sep| trimmed.split_once(sep))
                .ok_or_else(|| error("expected `<JSON pointer> — <reason>`"))?;
            let (pointer, reason) = (pointer.trim(), reason.trim());
            if !pointer.starts_with('/') {
                return Err(error("the pointer must start with `/`"));
            }
            if pointer.split('/').any(has_bad_escape) {
                return Err(error("`~` in a pointer must be `~0` or `~1`"));
            }
            if reason.is_empty() {
                return Err(error("the reason is missing"));
            }
            if let Some(first) = items.iter().find(|d| d.pointer == pointer) {
                return Err(error(&format!(
                    "{pointer} is already listed on line {}",
                    first.line
                )));
            }
            items.push(Difference {
                pointer: pointer.to_owned(),
                reason: reason.to_owned(),
                line,
            });
        }
        Ok(Self { items })
    }

    /// Reads and parses the list file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Whether `pointer` is listed.
    pub fn contains(&self, pointer: &str) -> bool {
        self.items.iter().any(|d| d.pointer == pointer)
    }

    /// Whether something strictly below `pointer` is listed.
    pub fn has_below(&self, pointer: &str) -> bool {
        let prefix = format!("{pointer}/");
        self.items.iter().any(|d| d.pointer.starts_with(&prefix))
    }

    /// All listed differences, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Difference> {
        self.items.iter()
    }
}

fn has_bad_escape(segment: &str) -> bool {
    let mut chars = segment.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return true;
        }
    }
    false
}
