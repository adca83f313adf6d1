//! Open enums: one per string enum among the spec's components.
//!
//! Known values become variants and anything else is kept in `Unknown(String)`, so a value added by
//! the service never breaks decoding.

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, StringType, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// A string enum of the spec, generated as an open enum.
pub struct OpenEnum {
    pub name: String,
    description: Option<String>,
    /// (wire value, variant name)
    variants: Vec<(String, String)>,
}

pub fn open_enums(spec: &OpenAPI) -> Result<Vec<OpenEnum>, String> {
    let Some(components) = &spec.components else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for (name, schema) in &components.schemas {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let SchemaKind::Type(Type::String(StringType { enumeration, .. })) = &schema.schema_kind
        else {
            continue;
        };
        if enumeration.is_empty() {
            continue;
        }
        let values: Vec<String> = enumeration.iter().flatten().cloned().collect();
        let names: Vec<String> = match schema.schema_data.extensions.get("x-enum-varnames") {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .filter(|n: &Vec<String>| n.len() == values.len())
                .ok_or_else(|| format!("{name}: x-enum-varnames must list one name per value"))?,
            Some(_) => return Err(format!("{name}: x-enum-varnames must be an array")),
            None => values.iter().map(|v| variant_name(v)).collect(),
        };
        let mut seen = BTreeMap::new();
        for (value, variant) in values.iter().zip(&names) {
            if !variant.starts_with(|c: char| c.is_ascii_alphabetic()) || variant == "Unknown" {
                return Err(format!(
                    "{name}: value {value:?} needs a name in x-enum-varnames"
                ));
            }
            if let Some(other) = seen.insert(variant.clone(), value.clone()) {
                return Err(format!(
                    "{name}: values {other:?} and {value:?} both map to variant {variant}"
                ));
            }
        }
        found.push(OpenEnum {
            name: name.clone(),
            description: schema.schema_data.description.clone(),
            variants: values.into_iter().zip(names).collect(),
        });
    }
    Ok(found)
}

/// `message.received.spam` → `MessageReceivedSpam`, `AUTO_TOPUP` → `AutoTopup`.
fn variant_name(value: &str) -> String {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

impl OpenEnum {
    pub fn tokens(&self) -> TokenStream {
        let name = format_ident!("{}", self.name);
        let doc = self
            .description
            .clone()
            .unwrap_or_else(|| format!("Values of `{}`.", self.name));
        let idents: Vec<_> = self
            .variants
            .iter()
            .map(|(_, v)| format_ident!("{v}"))
            .collect();
        let values: Vec<_> = self.variants.iter().map(|(value, _)| value).collect();
        let variant_docs: Vec<_> = values.iter().map(|v| format!("`{v}`")).collect();
        quote! {
            #[doc = #doc]
            ///
            /// Values this crate does not know yet decode as `Unknown` and keep their text, so a
            /// new value from the service never fails a response.
            #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[non_exhaustive]
            pub enum #name {
                #( #[doc = #variant_docs] #idents, )*
                /// A value not known to this version of the crate, kept verbatim.
                Unknown(::std::string::String),
            }

            impl #name {
                /// Every value known to this version of the crate.
                pub const KNOWN: &'static [Self] = &[ #( Self::#idents ),* ];

                /// The value as sent on the wire.
                pub fn as_str(&self) -> &str {
                    match self {
                        #( Self::#idents => #values, )*
                        Self::Unknown(value) => value.as_str(),
                    }
                }

                /// Whether the value is one this crate does not know.
                pub fn is_unknown(&self) -> bool {
                    matches!(self, Self::Unknown(_))
                }
            }

            impl ::std::convert::From<&str> for #name {
                fn from(value: &str) -> Self {
                    match value {
                        #( #values => Self::#idents, )*
                        other => Self::Unknown(other.to_owned()),
                    }
                }
            }

            impl ::std::convert::From<::std::string::String> for #name {
                fn from(value: ::std::string::String) -> Self {
                    match Self::from(value.as_str()) {
                        Self::Unknown(_) => Self::Unknown(value),
                        known => known,
                    }
                }
            }

            impl ::std::str::FromStr for #name {
                type Err = ::std::convert::Infallible;
                fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                    Ok(Self::from(value))
                }
            }

            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl ::serde::Serialize for #name {
                fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }

            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                    ::std::string::String::deserialize(deserializer).map(Self::from)
                }
            }

            #[cfg(feature = "json-schema")]
            impl ::schemars::JsonSchema for #name {
                fn schema_name() -> ::std::string::String {
                    stringify!(#name).to_owned()
                }
                fn json_schema(_: &mut ::schemars::gen::SchemaGenerator) -> ::schemars::schema::Schema {
                    ::schemars::schema::SchemaObject {
                        instance_type: Some(::schemars::schema::InstanceType::String.into()),
                        enum_values: Some(vec![ #( ::serde_json::Value::from(#values) ),* ]),
                        ..Default::default()
                    }
                    .into()
                }
            }
        }
    }
}
