//! Stable names for string enums.
//!
//! The converter names an enum after its set of values ([`tables::ENUM_NAMES`]) or after where
//! it first meets it. Both change as soon as the vendor adds a value, and a renamed enum is a
//! renamed public Rust type. So once our spec exists, an enum's identity is where it is used:
//! every place that refers to an enum in our spec keeps referring to an enum of that name,
//! whatever its values have become. Uses new to the document join the enum their value set was
//! converted with; an enum met only in new places keeps the converter's name.
//!
//! When uses that share one of our names now disagree on the values (one property gained a
//! value the others did not), the enum holds every value of every use: the Rust type gains a
//! variant, which code using the crate can absorb, rather than splitting into new types.

use std::collections::{BTreeMap, HashMap};

use serde_norway::{Mapping, Value};

use crate::tables;
use crate::value::{as_ref, entries, escape, get, get_map, get_str, ref_name, s};
use crate::{Error, Result};

/// Separates a name the converter could not give (it was taken by an enum with other values)
/// from the number that keeps it apart until [`stabilise`] finds its real name.
pub(crate) const PROVISIONAL: char = '~';

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Renames the enums of `converted` so that every place that uses an enum in `ours` uses the
/// same name afterwards; see the module documentation. `ours` may be an empty document.
pub fn stabilise(ours: &Value, mut converted: Value) -> Result<Value> {
    let our_enums = enum_components(ours);
    let mut our_uses = HashMap::new();
    let mut ours = ours.clone();
    visit_refs(&mut ours, "", &mut |loc, r| {
        let name = ref_name(r).to_owned();
        if our_enums.contains_key(&name) {
            our_uses.insert(loc.to_owned(), name);
        }
        None
    });

    let new_enums = enum_components(&converted);
    let mut uses: Vec<(String, String)> = Vec::new();
    visit_refs(&mut converted, "", &mut |loc, r| {
        let name = ref_name(r);
        if new_enums.contains_key(name) {
            uses.push((loc.to_owned(), name.to_owned()));
        }
        None
    });

    // A converted enum used where ours had an enum takes that name; its uses in new places
    // follow it.
    let mut adopted: HashMap<&str, &str> = HashMap::new();
    for (loc, converted_name) in &uses {
        if let Some(ours_name) = our_uses.get(loc) {
            adopted.entry(converted_name).or_insert(ours_name);
        }
    }
    // An enum met only in new places, with the very values of one that was adopted, is that
    // enum in one more place (the converter named it after its first place).
    let same_values = |a: &str, b: &str| {
        let sorted = |name: &str| {
            let mut v: Vec<&String> = new_enums.get(name).into_iter().flatten().collect();
            v.sort_unstable();
            v
        };
        sorted(a) == sorted(b)
    };
    let unadopted: Vec<&str> = uses
        .iter()
        .map(|(_, c)| c.as_str())
        .filter(|c| !adopted.contains_key(c))
        .collect();
    for converted_name in unadopted {
        let twin = adopted
            .iter()
            .filter(|(other, _)| same_values(other, converted_name))
            .map(|(_, name)| *name)
            .min();
        if let Some(name) = twin {
            adopted.insert(converted_name, name);
        }
    }
    let mut final_at: HashMap<String, String> = HashMap::new();
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (loc, converted_name) in &uses {
        let name = match our_uses.get(loc) {
            Some(name) => name.clone(),
            None => adopted
                .get(converted_name.as_str())
                .map_or_else(|| converted_name.clone(), |n| (*n).to_owned()),
        };
        if let Some((base, _)) = name.split_once(PROVISIONAL) {
            return Err(Error::Unsupported {
                pointer: format!("/components/schemas/{}", escape(base)),
                message: format!(
                    "two different enums would be named {base}; add a row to ENUM_NAMES"
                ),
            });
        }
        let merged = values.entry(name.clone()).or_default();
        for v in new_enums.get(converted_name).into_iter().flatten() {
            if !merged.contains(v) {
                merged.push(v.clone());
            }
        }
        final_at.insert(loc.clone(), name);
    }

    visit_refs(&mut converted, "", &mut |loc, _| {
        final_at
            .get(loc)
            .map(|name| format!("{SCHEMA_PREFIX}{name}"))
    });

    let Some(Value::Mapping(schemas)) = converted
        .as_mapping_mut()
        .and_then(|m| m.get_mut("components"))
        .and_then(Value::as_mapping_mut)
        .and_then(|m| m.get_mut("schemas"))
    else {
        return Ok(converted);
    };
    let renamed: HashMap<&str, &str> = uses
        .iter()
        .filter_map(|(loc, c)| Some((c.as_str(), final_at.get(loc)?.as_str())))
        .collect();
    let mut rebuilt = Mapping::new();
    for (key, schema) in std::mem::take(schemas) {
        let Some(name) = key.as_str() else { continue };
        if new_enums.contains_key(name) {
            continue;
        }
        // `Clearable<Enum>` wrappers are named after the enum they wrap.
        if let Some(inner) = get_str(&schema, "x-sendmux-clearable") {
            if let Some(&to) = renamed.get(inner) {
                let to = to.to_owned();
                let mut schema = schema.clone();
                if let Value::Mapping(m) = &mut schema {
                    m.insert(s("x-sendmux-clearable"), s(&to));
                    m.insert(
                        s("allOf"),
                        Value::Sequence(vec![crate::value::reference("schemas", &to)]),
                    );
                }
                rebuilt.insert(s(&format!("Clearable{to}")), schema);
                continue;
            }
        }
        rebuilt.insert(key, schema);
    }
    for (name, mut list) in values {
        if let Some(previous) = our_enums.get(&name) {
            // Values keep our order; new ones follow in the vendor's.
            let mut ordered: Vec<String> = previous
                .iter()
                .filter(|v| list.contains(v))
                .cloned()
                .collect();
            ordered.extend(list.drain(..).filter(|v| !previous.contains(v)));
            list = ordered;
        }
        if rebuilt.contains_key(name.as_str()) {
            return Err(Error::Unsupported {
                pointer: format!("/components/schemas/{}", escape(&name)),
                message: format!(
                    "an enum and another schema would both be named {name}; add a row to ENUM_NAMES"
                ),
            });
        }
        let enum_values = list.iter().map(|v| s(v)).collect();
        rebuilt.insert(
            s(&name),
            crate::value::map([
                ("type", s("string")),
                ("enum", Value::Sequence(enum_values)),
            ]),
        );
    }
    *schemas = order_schemas(rebuilt);
    Ok(converted)
}

/// Our Rust names of enum variants (`x-enum-varnames`) pair with the values by position, so
/// they are paired again after values come and go: a value we had keeps its name, a new value
/// is named after itself. When a new value cannot be (`90d`), the names are left for the lint
/// to refuse and a maintainer to write.
pub fn align_variant_names(ours: &Value, doc: &mut Value) {
    const VARNAMES: &str = "x-enum-varnames";
    let Some(our_schemas) = get(ours, "components").and_then(|c| get_map(c, "schemas")) else {
        return;
    };
    let Some(schemas) = doc
        .as_mapping_mut()
        .and_then(|m| m.get_mut("components"))
        .and_then(Value::as_mapping_mut)
        .and_then(|m| m.get_mut("schemas"))
        .and_then(Value::as_mapping_mut)
    else {
        return;
    };
    for (name, schema) in schemas.iter_mut() {
        let Some(ours) = name.as_str().and_then(|n| our_schemas.get(n)) else {
            continue;
        };
        let (Some(Value::Sequence(our_values)), Some(Value::Sequence(our_names))) =
            (get(ours, "enum"), get(ours, VARNAMES))
        else {
            continue;
        };
        let Some(values) = get(schema, "enum").and_then(Value::as_sequence) else {
            continue;
        };
        let names: Option<Vec<Value>> = values
            .iter()
            .map(|value| match our_values.iter().position(|v| v == value) {
                Some(i) => our_names.get(i).cloned(),
                None => value
                    .as_str()
                    .map(crate::naming::pascal)
                    .filter(|n| n.starts_with(|c: char| c.is_ascii_alphabetic()))
                    .map(|n| s(&n)),
            })
            .collect();
        if let (Some(names), Value::Mapping(m)) = (names, schema) {
            m.insert(s(VARNAMES), Value::Sequence(names));
        }
    }
}

/// Component schemas in our order: [`tables::LEADING_SCHEMAS`] first, the rest by name.
pub fn order_schemas(mut schemas: Mapping) -> Mapping {
    let mut ordered = Mapping::new();
    for name in tables::LEADING_SCHEMAS {
        if let Some(schema) = schemas.shift_remove(*name) {
            ordered.insert(s(name), schema);
        }
    }
    let mut rest: Vec<(Value, Value)> = schemas.into_iter().collect();
    rest.sort_by(|(a, _), (b, _)| a.as_str().cmp(&b.as_str()));
    ordered.extend(rest);
    ordered
}

/// String enum components of a document, with their values.
fn enum_components(doc: &Value) -> BTreeMap<String, Vec<String>> {
    let Some(schemas) = get(doc, "components").and_then(|c| get_map(c, "schemas")) else {
        return BTreeMap::new();
    };
    entries(schemas)
        .filter_map(|(name, schema)| {
            let values = get(schema, "enum")?.as_sequence()?;
            let values = values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            Some((name.to_owned(), values))
        })
        .collect()
}

/// Calls `f` with the location and target of every schema reference; a returned string
/// replaces the target. A location is a JSON pointer in which parameters are named by `in` and
/// `name` instead of their position, and the `allOf` wrapper of a nullable reference is left
/// out, so that neither a new parameter nor a change of nullability moves a use.
fn visit_refs(value: &mut Value, loc: &str, f: &mut dyn FnMut(&str, &str) -> Option<String>) {
    match value {
        Value::Mapping(m) => {
            if let Some(target) = m.get("$ref").and_then(Value::as_str).map(str::to_owned) {
                if target.starts_with(SCHEMA_PREFIX) {
                    if let Some(new) = f(loc, &target) {
                        m.insert(s("$ref"), s(&new));
                    }
                }
                return;
            }
            for (key, child) in m.iter_mut() {
                let Some(key) = key.as_str() else { continue };
                match (key, child) {
                    ("parameters", Value::Sequence(items)) => {
                        for (i, item) in items.iter_mut().enumerate() {
                            let id = match (get_str(item, "in"), get_str(item, "name")) {
                                (Some(place), Some(name)) => format!("{place}:{name}"),
                                _ => as_ref(item).map_or_else(|| i.to_string(), str::to_owned),
                            };
                            visit_refs(item, &format!("{loc}/parameters/{}", escape(&id)), f);
                        }
                    }
                    ("allOf", Value::Sequence(items)) if items.len() == 1 => {
                        visit_refs(&mut items[0], loc, f);
                    }
                    (key, child) => visit_refs(child, &format!("{loc}/{}", escape(key)), f),
                }
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                visit_refs(item, &format!("{loc}/{i}"), f);
            }
        }
        _ => {}
    }
}
