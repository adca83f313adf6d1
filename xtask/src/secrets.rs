//! Fields that hold secrets, shared by the converter (which marks them) and the lint (which
//! checks that they are marked). The client generates every field marked [`MARK`]`: true` as
//! `Secret`, whose `Debug` and `Display` never show the value (see the crate's build.rs).

use serde_norway::Value;

use crate::value::{get, get_str};

/// The extension marking a field; `false` records that a field named like a secret is not one.
pub const MARK: &str = "x-sendmux-secret";

/// Last words of names of fields that hold a secret.
const WORDS: &[&str] = &[
    "secret",
    "password",
    "passphrase",
    "passwd",
    "token",
    "credential",
    "apikey",
];

/// Endings, of two words, of names of keys that are secrets (a `key_prefix` is not one).
const KEYS: &[&str] = &[
    "api_key",
    "private_key",
    "secret_key",
    "access_key",
    "signing_key",
];

/// Whether a property named `name` reads like one holding a secret: `secret`, `smtp_password`,
/// `access_token`, `api_key`…
pub fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let last = name.rsplit('_').next().unwrap_or_default();
    WORDS.contains(&last)
        || KEYS
            .iter()
            .any(|key| name == *key || name.ends_with(&format!("_{key}")))
}

/// Whether the property `name` with `schema` must carry [`MARK`]: a string named like a secret.
/// Other types (`has_smtp_password: boolean`) hold none.
pub fn needs_mark(name: &str, schema: &Value) -> bool {
    get_str(schema, "type") == Some("string") && is_secret_name(name)
}

/// Whether `schema` is marked as a secret.
pub fn is_marked(schema: &Value) -> bool {
    get(schema, MARK) == Some(&Value::Bool(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_secrets() {
        for name in [
            "secret",
            "smtp_password",
            "access_token",
            "refresh_token",
            "api_key",
            "apikey",
            "client_secret",
            "private_key",
            "Password",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "key_prefix",
            "key_suffix",
            "idempotency_key",
            "token_count",
            "secret_rotated_at",
            "credentials_url",
            "tokens_used",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn only_strings_need_the_mark() {
        let string: Value = serde_norway::from_str("type: string").unwrap();
        let boolean: Value = serde_norway::from_str("type: boolean").unwrap();
        assert!(needs_mark("secret", &string));
        assert!(!needs_mark("has_smtp_password", &boolean));
        assert!(!needs_mark("name", &string));
    }
}
