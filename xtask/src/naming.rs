//! Case conversions used to derive names.

/// `create_mailbox_key` → `CreateMailboxKey`, `Idempotency-Key` → `IdempotencyKey`: words split
/// on anything but letters and digits, each word's first letter upper-cased, the rest kept.
pub fn pascal(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `ListDomains` → `list_domains`, `GetSESLimit` → `get_ses_limit`.
pub fn snake(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        if c == '-' || c == ' ' {
            out.push('_');
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Whether a property name is snake case (`sent_7d`, `mail_from_mx`).
pub fn is_snake(name: &str) -> bool {
    let mut words = name.split('_');
    let first_ok = words
        .next()
        .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_lowercase()));
    first_ok
        && name.split('_').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(pascal("create_mailbox_key"), "CreateMailboxKey");
        assert_eq!(pascal("Idempotency-Key"), "IdempotencyKey");
        assert_eq!(snake("ListDomains"), "list_domains");
        assert_eq!(snake("GetSESLimit"), "get_ses_limit");
        assert!(is_snake("sent_7d"));
        assert!(!is_snake("sentAt"));
        assert!(!is_snake("_x"));
        assert!(!is_snake("a__b"));
    }
}
