//! Lists the spec's models for the tests that go through every one of them, as the crate's own
//! build does for its tests: those lists live in the crate's build output, which a package of its
//! own cannot read, so they are derived here from the same `openapi.yaml`.
//!
//! `models.rs` names every component schema that becomes a model of its own (a schema marked
//! `x-sendmux-clearable` becomes `Clearable<…>` instead); `examples.rs` names every one with an
//! example, written in the spec or composed from its fields' (an object with properties and no
//! example of its own). Each is a macro call, `models! { Domain, … }`, which a test expands over
//! `types::$model`.

use std::path::PathBuf;

fn main() {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let spec = PathBuf::from(manifest).join("../openapi.yaml");
    println!("cargo:rerun-if-changed={}", spec.display());
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(&spec)
        .unwrap_or_else(|e| panic!("reading {}: {e}", spec.display()));
    let spec: serde_norway::Value = serde_norway::from_str(&text).expect("openapi.yaml is YAML");
    let schemas = spec["components"]["schemas"]
        .as_mapping()
        .expect("openapi.yaml has component schemas");

    let mut models = String::new();
    let mut examples = String::new();
    for (name, schema) in schemas {
        let name = name.as_str().expect("a schema name is text");
        if schema.get("x-sendmux-clearable").is_none() {
            models.push_str(&format!("    {name},\n"));
        }
        let written = schema.get("example").is_some();
        let composed = schema
            .get("properties")
            .and_then(serde_norway::Value::as_mapping)
            .is_some_and(|properties| !properties.is_empty());
        if written || composed {
            examples.push_str(&format!("    {name},\n"));
        }
    }

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (file, text) in [
        ("models.rs", format!("models! {{\n{models}}}\n")),
        ("examples.rs", format!("examples! {{\n{examples}}}\n")),
    ] {
        std::fs::write(out.join(file), text).unwrap_or_else(|e| panic!("writing {file}: {e}"));
    }
}
