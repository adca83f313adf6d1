//! Enum names follow the places that use them, whatever their values become.

use serde_norway::Value;
use xtask::identity::{align_variant_names, stabilise};

fn yaml(text: &str) -> Value {
    serde_norway::from_str(text).expect("test YAML")
}

const OURS: &str = r##"
components:
  schemas:
    Thing:
      properties:
        status: {$ref: '#/components/schemas/ThingStatus'}
        mode: {allOf: [{$ref: '#/components/schemas/Mode'}], nullable: true, description: Ours.}
    Other:
      properties:
        mode: {$ref: '#/components/schemas/Mode'}
    ThingStatus: {type: string, enum: [a, b], description: Our words.}
    Mode: {type: string, enum: [x, y]}
"##;

#[test]
fn an_enum_that_gains_a_value_keeps_its_name() {
    let converted = yaml(
        r##"
components:
  schemas:
    Thing:
      properties:
        status: {$ref: '#/components/schemas/ThingStatusNew'}
        mode: {allOf: [{$ref: '#/components/schemas/Mode'}], nullable: true}
    Other:
      properties:
        mode: {$ref: '#/components/schemas/Mode'}
    ThingStatusNew: {type: string, enum: [a, c, b]}
    Mode: {type: string, enum: [x, y]}
"##,
    );
    let out = stabilise(&yaml(OURS), converted).expect("stable");
    let schemas = &out["components"]["schemas"];
    assert!(schemas.get("ThingStatusNew").is_none());
    assert_eq!(
        schemas["Thing"]["properties"]["status"]["$ref"],
        "#/components/schemas/ThingStatus"
    );
    // Our order first, the new value after.
    assert_eq!(schemas["ThingStatus"]["enum"], yaml("[a, b, c]"));
}

#[test]
fn uses_that_disagree_share_one_enum_with_every_value() {
    // One use of Mode gained a value: the converter sees two enums and names them apart.
    let converted = yaml(
        r##"
components:
  schemas:
    Thing:
      properties:
        status: {$ref: '#/components/schemas/ThingStatus'}
        mode: {allOf: [{$ref: '#/components/schemas/Mode'}], nullable: true}
    Other:
      properties:
        mode: {$ref: '#/components/schemas/Mode~2'}
    ThingStatus: {type: string, enum: [a, b]}
    Mode: {type: string, enum: [x, y]}
    Mode~2: {type: string, enum: [x, y, z]}
"##,
    );
    let out = stabilise(&yaml(OURS), converted).expect("stable");
    let schemas = &out["components"]["schemas"];
    assert!(schemas.get("Mode~2").is_none());
    assert_eq!(
        schemas["Other"]["properties"]["mode"]["$ref"],
        "#/components/schemas/Mode"
    );
    assert_eq!(schemas["Mode"]["enum"], yaml("[x, y, z]"));
}

#[test]
fn a_clash_nothing_of_ours_explains_is_an_error() {
    let converted = yaml(
        r##"
components:
  schemas:
    New:
      properties:
        a: {$ref: '#/components/schemas/Kind'}
        b: {$ref: '#/components/schemas/Kind~2'}
    Kind: {type: string, enum: [p]}
    Kind~2: {type: string, enum: [q]}
"##,
    );
    let error = stabilise(&yaml(OURS), converted).expect_err("clash");
    assert!(
        error
            .to_string()
            .contains("two different enums would be named Kind"),
        "{error}"
    );
}

#[test]
fn variant_names_stay_paired_with_their_values() {
    let ours = yaml(
        r##"
components:
  schemas:
    Window: {type: string, enum: [24h, 7d, 30d], x-enum-varnames: [Day, Week, Month]}
    Days: {type: string, enum: ['7', '30'], x-enum-varnames: [Week, Month]}
"##,
    );
    // 7d went, `quarter` came; for Days a value came that no name can be made of.
    let mut doc = yaml(
        r##"
components:
  schemas:
    Window: {type: string, enum: [24h, 30d, quarter], x-enum-varnames: [Day, Week, Month]}
    Days: {type: string, enum: ['7', '30', '90'], x-enum-varnames: [Week, Month]}
"##,
    );
    align_variant_names(&ours, &mut doc);
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["Window"]["x-enum-varnames"],
        yaml("[Day, Month, Quarter]")
    );
    assert_eq!(schemas["Days"]["x-enum-varnames"], yaml("[Week, Month]"));
}
