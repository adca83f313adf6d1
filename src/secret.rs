//! Credentials and signing secrets held by models, kept out of everything the crate prints.

use std::fmt;

use subtle::ConstantTimeEq;

/// A secret string the API hands out or takes in: a credential's secret, a webhook signing
/// secret, an SMTP password. Every field the spec marks `x-sendmux-secret` has this type.
///
/// `Debug` and `Display` print `<redacted>`, so a model logged whole, or an error built from
/// one, never shows the value; [`Secret::expose_secret`] returns it, which makes every use easy
/// to find in review. On the wire it is the plain JSON string, both ways.
///
/// ```
/// use sendmux_management::Secret;
///
/// let password = Secret::from("hunter2");
/// assert_eq!(format!("{password:?} {password}"), "Secret(<redacted>) <redacted>");
/// assert_eq!(password.expose_secret(), "hunter2");
/// assert_eq!(serde_json::to_string(&password).unwrap(), "\"hunter2\"");
/// ```
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself: store it or hand it to what needs it, but do not log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The secret itself, giving up the wrapper.
    pub fn into_exposed_secret(self) -> String {
        self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Compares in time independent of where the values differ, so that code checking a secret
/// given to it against a stored one does not reveal how much of it matched.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Secret {}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Lets `"…".parse()` build one; any text is a valid secret.
impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(value))
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// The schema of the string it holds, written in place: the field keeps the shape the spec
/// gives it.
#[cfg(feature = "json-schema")]
impl schemars::JsonSchema for Secret {
    fn is_referenceable() -> bool {
        false
    }

    fn schema_name() -> String {
        "Secret".to_owned()
    }

    fn json_schema(generator: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        String::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn equal_only_when_every_byte_is() {
        assert_eq!(Secret::from("abc"), Secret::new(String::from("abc")));
        assert_ne!(Secret::from("abc"), Secret::from("abd"));
        assert_ne!(Secret::from("abc"), Secret::from("abcd"));
        assert_ne!(Secret::from(""), Secret::from("a"));
    }

    #[test]
    fn a_json_string_both_ways() {
        let secret: Secret = serde_json::from_str("\"s\\u00e9cret\"").unwrap();
        assert_eq!(secret.expose_secret(), "sécret");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"sécret\"");
        assert!(serde_json::from_str::<Secret>("12").is_err());
    }
}
