//! Updates that can remove a value, not only change it.

/// The value of an optional field in an update: leave the field out (`None` around this) to keep
/// what the server has, `Set` to change it, `Clear` to remove it (sent as `null`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clearable<T> {
    /// Change the value.
    Set(T),
    /// Remove the value.
    Clear,
}

impl<T> From<T> for Clearable<T> {
    fn from(value: T) -> Self {
        Self::Set(value)
    }
}

impl From<&str> for Clearable<String> {
    fn from(value: &str) -> Self {
        Self::Set(value.to_owned())
    }
}

impl<T: serde::Serialize> serde::Serialize for Clearable<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Set(value) => value.serialize(serializer),
            Self::Clear => serializer.serialize_none(),
        }
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Clearable<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Self::Set(value),
            None => Self::Clear,
        })
    }
}

#[cfg(feature = "json-schema")]
impl<T: schemars::JsonSchema> schemars::JsonSchema for Clearable<T> {
    fn schema_name() -> String {
        format!("Clearable_{}", T::schema_name())
    }

    fn json_schema(generator: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        <Option<T>>::json_schema(generator)
    }
}
