//! Values for request-body fields whose content the spec constrains (lengths, patterns, bounds).
//!
//! A body's constructor and setters take such values as plain text or numbers and check them
//! where they are set. A value that does not fit does not break the chain of setters: the body
//! keeps it, together with a refusal, and the request carrying the body fails with
//! [`Error::InvalidRequest`](crate::Error::InvalidRequest), naming the field, before anything
//! is sent. Setting the field again with a value that fits withdraws the refusal.

use std::borrow::Cow;
use std::fmt;
use std::num::NonZeroU64;

/// A value for a body field of type `T`: a `T` itself, or something checked into one as it is
/// set (text for a constrained string, a `u64` for a number that cannot be zero).
///
/// The crate implements it for every such pair; the trait is sealed.
pub trait IntoChecked<T>: sealed::Sealed<T> {
    /// The value to keep, and why it does not fit, if it does not.
    #[doc(hidden)]
    fn into_checked(self) -> (T, Option<String>);
}

mod sealed {
    /// Implemented only inside the crate, so that new conversions are not breaking changes.
    pub trait Sealed<T> {}
}

/// Lets the code generated for a constrained text type implement [`IntoChecked`] for it.
pub(crate) use sealed::Sealed;

impl IntoChecked<NonZeroU64> for NonZeroU64 {
    fn into_checked(self) -> (NonZeroU64, Option<String>) {
        (self, None)
    }
}
impl Sealed<NonZeroU64> for NonZeroU64 {}

impl IntoChecked<NonZeroU64> for u64 {
    fn into_checked(self) -> (NonZeroU64, Option<String>) {
        match NonZeroU64::new(self) {
            Some(value) => (value, None),
            // Kept only until the request refuses the body; it is never sent.
            None => (
                NonZeroU64::MIN,
                Some("must be at least 1, not 0".to_owned()),
            ),
        }
    }
}
impl Sealed<NonZeroU64> for u64 {}

impl IntoChecked<i64> for i64 {
    fn into_checked(self) -> (i64, Option<String>) {
        (self, None)
    }
}
impl Sealed<i64> for i64 {}

/// A whole number a bound can be compared with.
pub(crate) trait Whole: Copy {
    fn widen(self) -> i128;
}

impl Whole for i64 {
    fn widen(self) -> i128 {
        self.into()
    }
}

impl Whole for NonZeroU64 {
    fn widen(self) -> i128 {
        self.get().into()
    }
}

/// The refusals of the values set on one body, each under the field (`note`) or list entry
/// (`group_public_ids[1]`) it concerns. Never serialised; compared, cloned and shown with the
/// body it belongs to.
///
/// Boxed: most bodies hold no refusal, and a pointer keeps every body small.
#[derive(Clone, Default, PartialEq, Eq)]
#[allow(clippy::box_collection)]
pub struct Refusals(Option<Box<Entries>>);

/// Each refusal under the field or list entry it concerns.
type Entries = Vec<(Cow<'static, str>, String)>;

impl fmt::Debug for Refusals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.entries()).finish()
    }
}

impl Refusals {
    fn entries(&self) -> impl Iterator<Item = &(Cow<'static, str>, String)> {
        self.0.iter().flat_map(|list| list.iter())
    }

    /// Forgets what was said about `field` and its list entries.
    fn withdraw(&mut self, field: &str) {
        if let Some(list) = &mut self.0 {
            list.retain(|(key, _)| {
                key.strip_prefix(field)
                    .is_none_or(|rest| !(rest.is_empty() || rest.starts_with('[')))
            });
            if list.is_empty() {
                self.0 = None;
            }
        }
    }

    fn refuse(&mut self, key: Cow<'static, str>, why: String) {
        self.0.get_or_insert_with(Default::default).push((key, why));
    }

    /// `value` checked for `field`, replacing what was said about the field before.
    pub(crate) fn check<T>(&mut self, field: &'static str, value: impl IntoChecked<T>) -> T {
        self.withdraw(field);
        let (value, why) = value.into_checked();
        if let Some(why) = why {
            self.refuse(Cow::Borrowed(field), format!("is invalid: {why}"));
        }
        value
    }

    /// `value` checked for `field` and against the schema's bounds.
    pub(crate) fn check_within<T: Whole>(
        &mut self,
        field: &'static str,
        value: impl IntoChecked<T>,
        min: Option<i128>,
        max: Option<i128>,
    ) -> T {
        let value = self.check(field, value);
        if self.entries().any(|(key, _)| key == field) {
            return value;
        }
        let number = value.widen();
        if let Some(min) = min.filter(|min| number < *min) {
            self.refuse(
                Cow::Borrowed(field),
                format!("must be at least {min}, not {number}"),
            );
        } else if let Some(max) = max.filter(|max| number > *max) {
            self.refuse(
                Cow::Borrowed(field),
                format!("must be at most {max}, not {number}"),
            );
        }
        value
    }

    /// Every value of a list for `field`, each checked, replacing what was said about the list.
    pub(crate) fn check_each<T, V: IntoChecked<T>>(
        &mut self,
        field: &'static str,
        values: impl IntoIterator<Item = V>,
    ) -> Vec<T> {
        self.withdraw(field);
        values
            .into_iter()
            .enumerate()
            .map(|(index, value)| {
                let (value, why) = value.into_checked();
                if let Some(why) = why {
                    self.refuse(
                        Cow::Owned(format!("{field}[{index}]")),
                        format!("is invalid: {why}"),
                    );
                }
                value
            })
            .collect()
    }

    /// Adds every refusal to `out`, each naming its field under `path`.
    pub(crate) fn report(&self, path: &str, out: &mut Vec<String>) {
        for (key, why) in self.entries() {
            out.push(format!("body field {} {why}", join(path, key)));
        }
    }
}

/// `path.field`, or `field` at the top.
pub(crate) fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// A body, or a part of one, that can say which of the values set on it were refused.
pub(crate) trait Checked {
    /// Adds every refusal under `path` to `out`.
    fn refusals(&self, path: &str, out: &mut Vec<String>);
}

impl<T: Checked> Checked for Option<T> {
    fn refusals(&self, path: &str, out: &mut Vec<String>) {
        if let Some(value) = self {
            value.refusals(path, out);
        }
    }
}

impl<T: Checked> Checked for Vec<T> {
    fn refusals(&self, path: &str, out: &mut Vec<String>) {
        for (index, value) in self.iter().enumerate() {
            value.refusals(&format!("{path}[{index}]"), out);
        }
    }
}

impl<T: Checked> Checked for Box<T> {
    fn refusals(&self, path: &str, out: &mut Vec<String>) {
        (**self).refusals(path, out);
    }
}

impl<T: Checked> Checked for crate::Clearable<T> {
    fn refusals(&self, path: &str, out: &mut Vec<String>) {
        if let crate::Clearable::Set(value) = self {
            value.refusals(path, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reported(refusals: &Refusals) -> Vec<String> {
        let mut out = Vec::new();
        refusals.report("", &mut out);
        out
    }

    #[test]
    fn zero_is_refused_where_a_number_cannot_be_zero() {
        let mut refusals = Refusals::default();
        assert_eq!(refusals.check::<NonZeroU64>("quota", 5u64).get(), 5);
        assert!(reported(&refusals).is_empty());
        refusals.check::<NonZeroU64>("quota", 0u64);
        assert_eq!(
            reported(&refusals),
            ["body field quota is invalid: must be at least 1, not 0"]
        );
    }

    #[test]
    fn bounds_are_checked_and_named() {
        let mut refusals = Refusals::default();
        refusals.check_within::<i64>("percentage", 101i64, Some(0), Some(100));
        refusals.check_within::<NonZeroU64>("port", 65_536u64, Some(1), Some(65_535));
        assert_eq!(
            reported(&refusals),
            [
                "body field percentage must be at most 100, not 101",
                "body field port must be at most 65535, not 65536",
            ]
        );
        refusals.check_within::<i64>("percentage", -1i64, Some(0), Some(100));
        assert_eq!(
            reported(&refusals)[1],
            "body field percentage must be at least 0, not -1"
        );
    }

    #[test]
    fn a_value_set_again_withdraws_only_its_own_refusal() {
        let mut refusals = Refusals::default();
        refusals.check::<NonZeroU64>("a", 0u64);
        refusals.check::<NonZeroU64>("ab", 0u64);
        refusals.check_each::<NonZeroU64, _>("list", [1u64, 0, 0]);
        assert_eq!(reported(&refusals).len(), 4);
        refusals.check::<NonZeroU64>("a", 1u64);
        let left = reported(&refusals);
        assert_eq!(left.len(), 3, "{left:?}");
        assert!(left[0].contains(" ab "), "{left:?}");
        assert!(left[1].contains("list[1]") && left[2].contains("list[2]"));
        refusals.check_each::<NonZeroU64, _>("list", [1u64]);
        assert_eq!(reported(&refusals).len(), 1);
        refusals.check::<NonZeroU64>("ab", 2u64);
        assert_eq!(refusals, Refusals::default());
    }

    #[test]
    fn nested_values_are_reported_under_their_path() {
        struct Part(Refusals);
        impl Checked for Part {
            fn refusals(&self, path: &str, out: &mut Vec<String>) {
                self.0.report(path, out);
            }
        }
        let mut bad = Refusals::default();
        bad.check::<NonZeroU64>("n", 0u64);
        let parts = Some(vec![Part(Refusals::default()), Part(bad)]);
        let mut out = Vec::new();
        parts.refusals(&join("", "rules"), &mut out);
        assert_eq!(
            out,
            ["body field rules[1].n is invalid: must be at least 1, not 0"]
        );
        assert_eq!(format!("{:?}", Refusals::default()), "[]");
    }
}
