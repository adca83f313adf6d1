//! Fields holding secrets: every property marked `x-sendmux-secret: true` is generated as
//! `crate::Secret`, whose `Debug` and `Display` never show the value.
//!
//! Progenitor replaces named schemas only, while the marking sits on the fields themselves, where
//! the spec keeps each field's constraints and description. So the marked fields are pointed at
//! one component added here, [`SCHEMA`], and the generator is told to replace that one.

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaData, SchemaKind, StringType, Type};

/// The extension marking a field; `false` records that a field named like a secret is not one.
pub const MARK: &str = "x-sendmux-secret";
/// The component the marked fields refer to once transformed; absent from `openapi.yaml`.
pub const SCHEMA: &str = "Secret";
/// What [`SCHEMA`] is generated as.
pub const RUST_TYPE: &str = "crate::Secret";

/// Points every marked field of the component schemas at [`SCHEMA`], and adds it when some
/// field was marked. Returns whether one was.
pub fn apply(spec: &mut OpenAPI) -> Result<bool, String> {
    let Some(components) = spec.components.as_mut() else {
        return Ok(false);
    };
    if components.schemas.contains_key(SCHEMA) {
        return Err(format!(
            "the spec defines a `{SCHEMA}` schema, a name kept for fields marked {MARK}"
        ));
    }
    let mut found = false;
    for (name, schema) in components.schemas.iter_mut() {
        if let ReferenceOr::Item(schema) = schema {
            if is_marked(schema, name)? {
                return Err(format!(
                    "{name}: mark the fields that hold a secret, not the schema"
                ));
            }
            found |= fields(schema, name)?;
        }
    }
    if found {
        let secret = Schema {
            schema_data: SchemaData::default(),
            schema_kind: SchemaKind::Type(Type::String(StringType::default())),
        };
        components
            .schemas
            .insert(SCHEMA.to_owned(), ReferenceOr::Item(secret));
    }
    Ok(found)
}

/// Transforms the marked properties below `schema`; `at` names it in errors.
fn fields(schema: &mut Schema, at: &str) -> Result<bool, String> {
    let mut found = false;
    let members = match &mut schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            for (name, property) in object.properties.iter_mut() {
                found |= property_slot(property, &format!("{at}.{name}"))?;
            }
            return Ok(found);
        }
        SchemaKind::Any(any) => {
            for (name, property) in any.properties.iter_mut() {
                found |= property_slot(property, &format!("{at}.{name}"))?;
            }
            return Ok(found);
        }
        SchemaKind::Type(Type::Array(array)) => {
            if let Some(ReferenceOr::Item(items)) = array.items.as_mut() {
                unmarked(items, &format!("{at}[]"))?;
                found |= fields(items, &format!("{at}[]"))?;
            }
            return Ok(found);
        }
        SchemaKind::AllOf { all_of: members }
        | SchemaKind::OneOf { one_of: members }
        | SchemaKind::AnyOf { any_of: members } => members,
        _ => return Ok(false),
    };
    for member in members.iter_mut() {
        if let ReferenceOr::Item(member) = member {
            unmarked(member, at)?;
            found |= fields(member, at)?;
        }
    }
    Ok(found)
}

/// A property: replaced when marked, searched further otherwise.
fn property_slot(property: &mut ReferenceOr<Box<Schema>>, at: &str) -> Result<bool, String> {
    let ReferenceOr::Item(schema) = property else {
        return Ok(false);
    };
    if !is_marked(schema, at)? {
        return fields(schema, at);
    }
    if !matches!(schema.schema_kind, SchemaKind::Type(Type::String(_))) {
        return Err(format!("{at}: {MARK} marks string fields only"));
    }
    let reference = format!("#/components/schemas/{SCHEMA}");
    let data = &schema.schema_data;
    *property = if data.nullable || data.description.is_some() {
        // A reference has no siblings in OpenAPI 3.0: the field's own words and nullability
        // go around it.
        ReferenceOr::Item(Box::new(Schema {
            schema_data: SchemaData {
                nullable: data.nullable,
                description: data.description.clone(),
                ..SchemaData::default()
            },
            schema_kind: SchemaKind::AllOf {
                all_of: vec![ReferenceOr::Reference { reference }],
            },
        }))
    } else {
        ReferenceOr::Reference { reference }
    };
    Ok(true)
}

fn is_marked(schema: &Schema, at: &str) -> Result<bool, String> {
    match schema.schema_data.extensions.get(MARK) {
        None => Ok(false),
        Some(serde_json::Value::Bool(marked)) => Ok(*marked),
        Some(_) => Err(format!("{at}: {MARK} must be true or false")),
    }
}

/// Schemas that are not properties cannot be marked: nothing would become a `Secret` there.
fn unmarked(schema: &Schema, at: &str) -> Result<(), String> {
    if is_marked(schema, at)? {
        return Err(format!("{at}: {MARK} marks properties only"));
    }
    Ok(())
}
