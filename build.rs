//! Compiles `openapi.yaml` into the raw client with progenitor, plus the glue the handwritten
//! layer needs: open enums in place of typify's closed ones, `Secret` for the fields marked as
//! secrets (see `build/secrets.rs`), models that can grow (see `build/models.rs`), and per-operation wiring derived from the spec (see
//! `build/glue.rs`). Nothing here is specific to one operation.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use openapiv3::OpenAPI;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use quote::quote;

#[path = "build/contract.rs"]
mod contract;
#[path = "build/examples.rs"]
mod examples;
#[path = "build/glue.rs"]
mod glue;
#[path = "build/models.rs"]
mod models;
#[path = "build/open_enums.rs"]
mod open_enums;
#[path = "build/secrets.rs"]
mod secrets;

const SPEC: &str = "openapi.yaml";
/// Where the generated code is included; generated items refer to each other through this path.
const TYPES_PATH: &str = "crate::generated::types";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");
    if let Err(message) = run() {
        // A failing build script shows its stderr; keep the message first and self-contained.
        eprintln!("error: cannot generate the client from {SPEC}: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let text = std::fs::read_to_string(SPEC).map_err(|e| format!("reading the file: {e}"))?;
    // Read as JSON values first: decoding the OpenAPI types straight from YAML compiles
    // serde_norway's larger decoder for every one of them into this script; this way it is
    // compiled for `Value` alone, which takes a second or so off every build of the crate.
    let written: serde_json::Value =
        serde_norway::from_str(&text).map_err(|e| format!("not valid YAML: {e}"))?;
    let mut spec: OpenAPI = serde_json::from_value(written.clone())
        .map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))?;
    let has_secrets = secrets::apply(&mut spec)?;

    let enums = open_enums::open_enums(&spec)?;
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote!(crate::client::Shared))
        .with_derive("PartialEq");
    // The derive is a large share of the crate's build time, and only users comparing models
    // with JSON Schemas need it.
    if std::env::var_os("CARGO_FEATURE_JSON_SCHEMA").is_some() {
        settings.with_derive("schemars::JsonSchema");
    }
    // Fields an update can remove: `x-sendmux-clearable` names the type of the value.
    for (name, value_type) in clearable_schemas(&spec)? {
        settings.with_replacement(
            &name,
            format!("crate::Clearable<{value_type}>"),
            std::iter::empty(),
        );
    }
    if has_secrets {
        settings.with_replacement(secrets::SCHEMA, secrets::RUST_TYPE, std::iter::empty());
    }
    for open in &enums {
        settings.with_replacement(
            &open.name,
            format!("{TYPES_PATH}::{}", open.name),
            [TypeImpl::FromStr, TypeImpl::Display].into_iter(),
        );
    }

    let mut generator = Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .map_err(|e| format!("progenitor rejected the spec: {e}"))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor produced invalid Rust: {e}"))?;
    add_to_types_module(&mut file, enums.iter().map(open_enums::OpenEnum::tokens))?;
    use_own_path_encoder(&mut file)?;
    models::apply(&mut file, &spec)?;
    let (glue, requests) = glue::tokens(&spec, &positional_signatures(&file))?;
    let glue: syn::File =
        syn::parse2(glue).map_err(|e| format!("generated glue is not valid Rust: {e}"))?;
    file.items.extend(glue.items);
    let requests: syn::File = syn::parse2(requests)
        .map_err(|e| format!("generated request types are not valid Rust: {e}"))?;

    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    // Builder docs link to the internal raw client; the public one has the same methods.
    let code = prettyplease::unparse(&file).replace("]: super::Client::", "]: crate::Client::");
    if code.contains("progenitor_client::encode_path") {
        return Err(
            "the generated code calls progenitor's path encoder directly; ids must go \
                    through crate::path_segment::encode_path"
                .into(),
        );
    }
    write(&out.join("codegen.rs"), &code)?;
    write(&out.join("requests.rs"), &prettyplease::unparse(&requests))?;
    // Operations chosen at run time (feature `dynamic`) and the example answers of the mock
    // (feature `testing`); cheap to make, so made whatever the features.
    for (file, tokens) in [
        ("dynamic.rs", glue::dynamic::tokens(&spec)?),
        ("answers.rs", glue::dynamic::answers(&spec)?),
    ] {
        let parsed: syn::File =
            syn::parse2(tokens).map_err(|e| format!("generated {file} is not valid Rust: {e}"))?;
        write(&out.join(file), &prettyplease::unparse(&parsed))?;
    }
    if std::env::var_os("CARGO_FEATURE_TESTING").is_some() {
        // Typed httpmock helpers for users' tests, from a generator of their own: the first one
        // already holds the spec's types.
        let mocks = Generator::new(&settings)
            .httpmock(&spec, "crate")
            .map_err(|e| format!("progenitor could not generate the mock helpers: {e}"))?;
        let mocks: syn::File = syn::parse2(mocks)
            .map_err(|e| format!("generated mock helpers are not valid Rust: {e}"))?;
        write(&out.join("mock.rs"), &prettyplease::unparse(&mocks))?;
    }
    if std::env::var_os("CARGO_FEATURE_CONTRACT").is_some() {
        // The spec as written (secrets still plain strings), which the answers are checked against.
        let document = contract::document(&written)?;
        write(&out.join("contract.json"), &document.to_string())?;
    }
    Ok(())
}

/// Component schemas marked `x-sendmux-clearable`, with the Rust type of their value.
fn clearable_schemas(spec: &OpenAPI) -> Result<Vec<(String, String)>, String> {
    let mut found = Vec::new();
    for (name, schema) in spec.components.iter().flat_map(|c| &c.schemas) {
        let Some(schema) = schema.as_item() else {
            continue;
        };
        let Some(value) = schema.schema_data.extensions.get("x-sendmux-clearable") else {
            continue;
        };
        let value_type = match value.as_str() {
            Some("string") => "::std::string::String".to_owned(),
            Some(other) if other.starts_with(|c: char| c.is_ascii_uppercase()) => {
                format!("{TYPES_PATH}::{other}")
            }
            _ => {
                return Err(format!(
                    "{name}: x-sendmux-clearable must be `string` or a schema name"
                ))
            }
        };
        found.push((name.clone(), value_type));
    }
    Ok(found)
}

/// Makes the generated code encode ids with `crate::path_segment::encode_path`, which keeps any
/// id inside its one path segment: progenitor's encoder leaves `\` alone, which URL parsing
/// turns into `/`. The generated modules reach the encoder through one top-level import; that
/// import is replaced, so every call site changes without touching the code itself.
fn use_own_path_encoder(file: &mut syn::File) -> Result<(), String> {
    let mut replaced = false;
    for item in &mut file.items {
        let syn::Item::Use(import) = item else {
            continue;
        };
        let syn::UseTree::Path(path) = &mut import.tree else {
            continue;
        };
        if path.ident != "progenitor_client" {
            continue;
        }
        let syn::UseTree::Group(group) = path.tree.as_mut() else {
            continue;
        };
        let before = group.items.len();
        group.items = std::mem::take(&mut group.items)
            .into_iter()
            .filter(|tree| !matches!(tree, syn::UseTree::Name(name) if name.ident == "encode_path"))
            .collect();
        replaced |= group.items.len() != before;
    }
    if !replaced {
        return Err(
            "progenitor's output no longer imports `encode_path` at the top level; \
                    point its path encoding at crate::path_segment::encode_path"
                .into(),
        );
    }
    file.items.push(syn::parse_quote! {
        #[allow(unused_imports)]
        use crate::path_segment::encode_path;
    });
    Ok(())
}

/// The parameter names of each method of progenitor's `Client`, in the order it takes them.
fn positional_signatures(file: &syn::File) -> HashMap<String, Vec<String>> {
    let mut signatures = HashMap::new();
    for item in &file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client || block.trait_.is_some() {
            continue;
        }
        for item in &block.items {
            let syn::ImplItem::Fn(method) = item else {
                continue;
            };
            if method.sig.asyncness.is_none() {
                continue;
            }
            let names = method
                .sig
                .inputs
                .iter()
                .filter_map(|input| match input {
                    syn::FnArg::Typed(typed) => match &*typed.pat {
                        syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
                        _ => None,
                    },
                    syn::FnArg::Receiver(_) => None,
                })
                .collect();
            signatures.insert(method.sig.ident.to_string(), names);
        }
    }
    signatures
}

fn write(path: &Path, content: &str) -> Result<(), String> {
    std::fs::write(path, content).map_err(|e| format!("writing {}: {e}", path.display()))
}

fn add_to_types_module(
    file: &mut syn::File,
    items: impl Iterator<Item = proc_macro2::TokenStream>,
) -> Result<(), String> {
    let types = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
            _ => None,
        })
        .ok_or("progenitor output has no `types` module")?;
    for tokens in items {
        let parsed: syn::File =
            syn::parse2(tokens).map_err(|e| format!("generated enum is not valid Rust: {e}"))?;
        types.1.extend(parsed.items);
    }
    Ok(())
}
