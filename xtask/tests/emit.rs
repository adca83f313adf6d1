//! The YAML writer keeps the layout of `openapi.yaml`.

use xtask::emit::to_yaml;
use xtask::value::parse_yaml;

/// Writing the parsed text gives the same text back.
fn round_trip(text: &str) {
    let value = parse_yaml(text, "test").unwrap();
    assert_eq!(to_yaml(&value).unwrap(), text);
}

#[test]
fn block_layout_with_indentless_sequences() {
    round_trip("a:\n  b:\n  - 1\n  - x: true\n    y: null\n  c: []\n  d: {}\nsecurity:\n- bearerAuth: []\n");
}

#[test]
fn scalars_are_quoted_only_when_needed() {
    round_trip(concat!(
        "codes:\n",
        "  '200': ok\n",
        "  4XX: ok\n",
        "values:\n",
        "- 'off'\n",
        "- 'true'\n",
        "- 'Yes'\n",
        "- '7'\n",
        "- 24h\n",
        "- ''\n",
        "- '#/components/schemas/X'\n",
        "- '`code` first'\n",
        "- 'a: b'\n",
        "- it''s\n",
        "- \"tab\\there\"\n",
        "- /domains/{public_id}\n",
        "- message.received.spam\n",
        "- smx_root_…\n",
    ));
}

#[test]
fn long_scalars_fold_after_column_100() {
    let words = "word ".repeat(40);
    let text = format!("key:\n  description: {}\n", words.trim());
    let value = parse_yaml(&text, "test").unwrap();
    let out = to_yaml(&value).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() > 2, "{out}");
    assert!(
        lines[2].starts_with("    word"),
        "continuation indented below the key: {out}"
    );
    assert!(lines.iter().all(|l| l.len() <= 105), "{out}");
    assert_eq!(
        parse_yaml(&out, "test").unwrap(),
        value,
        "folding keeps the value"
    );
    round_trip(&out);
}

#[test]
fn multi_line_strings_survive() {
    let value = parse_yaml("k: \"one\\ntwo\\n\\nthree\"\n", "test").unwrap();
    let out = to_yaml(&value).unwrap();
    assert_eq!(parse_yaml(&out, "test").unwrap(), value, "{out}");
}

#[test]
fn awkward_strings_read_back_unchanged() {
    let long_escaped = format!("{}\u{7f}{}", "x ".repeat(60), " y".repeat(60));
    let strings = [
        "",
        " ",
        " x",
        "x ",
        "\n",
        "a\n b",
        "a \nb",
        "- x",
        "? x",
        ": x",
        "#x",
        "a #b",
        "a: b",
        "\u{7f}",
        "\u{feff}x",
        "über",
        "null",
        "~",
        "1.5",
        "0x1F",
        "2026-01-02",
        "---",
        "...",
        "'",
        "\"",
        "\\",
        "\t",
        long_escaped.as_str(),
    ];
    let mut seq = serde_norway::Sequence::new();
    for s in strings {
        seq.push(serde_norway::Value::String(s.to_owned()));
    }
    let mut map = serde_norway::Mapping::new();
    map.insert("values".into(), serde_norway::Value::Sequence(seq));
    map.insert("a key: with colon".into(), 1.into());
    let value = serde_norway::Value::Mapping(map);
    let out = to_yaml(&value).unwrap();
    assert_eq!(parse_yaml(&out, "test").unwrap(), value, "{out}");
}
