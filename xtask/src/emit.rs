//! Writes a YAML tree in block style the way `openapi.yaml` is laid out: two-space indents,
//! sequences inside mappings not indented, long scalars folded after column 100, scalars quoted
//! only when a plain one would read back as something else.
//!
//! The rules follow the common YAML 1.1 emitters closely enough that reading `openapi.yaml` and
//! writing it again gives the same bytes, so `refresh` only ever shows real changes in a diff.

use std::sync::OnceLock;

use regex::Regex;
use serde_norway::Value;

use crate::{Error, Result};

/// Column after which long scalars are folded onto the next line.
const WIDTH: usize = 100;
/// Indentation step.
const INDENT: usize = 2;

/// Renders `value` as a YAML document ending in a newline.
pub fn to_yaml(value: &Value) -> Result<String> {
    let mut emitter = Emitter {
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
        indent: None,
        indents: Vec::new(),
    };
    emitter.node(value, Context::default())?;
    emitter.write_indent();
    Ok(emitter.out)
}

/// Where a node sits, which decides its indentation and quoting.
#[derive(Clone, Copy, Default)]
struct Context {
    mapping: bool,
    simple_key: bool,
}

struct Emitter {
    out: String,
    column: usize,
    /// The last character written is whitespace (or nothing was written on this line).
    whitespace: bool,
    /// Only indentation has been written on this line so far.
    indention: bool,
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
}

impl Emitter {
    fn node(&mut self, value: &Value, ctx: Context) -> Result<()> {
        match value {
            Value::Mapping(m) if m.is_empty() => self.empty_collection("{}"),
            Value::Sequence(s) if s.is_empty() => self.empty_collection("[]"),
            Value::Mapping(m) => {
                self.increase_indent(false, false);
                for (key, item) in m {
                    self.write_indent();
                    self.node(
                        key,
                        Context {
                            mapping: true,
                            simple_key: true,
                        },
                    )?;
                    self.write_indicator(":", false, false, false);
                    self.node(
                        item,
                        Context {
                            mapping: true,
                            simple_key: false,
                        },
                    )?;
                }
                self.indent = self.indents.pop().flatten();
            }
            Value::Sequence(items) => {
                // A sequence that is a mapping value starts at the key's column.
                let indentless = ctx.mapping && !self.indention;
                self.increase_indent(false, indentless);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Context::default())?;
                }
                self.indent = self.indents.pop().flatten();
            }
            Value::Tagged(_) => return Err(Error::Emit("tagged values are not supported".into())),
            scalar => {
                let (text, is_string) = scalar_text(scalar)?;
                self.increase_indent(true, false);
                self.scalar(&text, is_string, ctx)?;
                self.indent = self.indents.pop().flatten();
            }
        }
        Ok(())
    }

    fn empty_collection(&mut self, text: &str) {
        let (open, close) = text.split_at(1);
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = Some(match self.indent {
            None if flow => INDENT,
            None => 0,
            Some(i) if indentless => i,
            Some(i) => i + INDENT,
        });
    }

    fn scalar(&mut self, text: &str, is_string: bool, ctx: Context) -> Result<()> {
        let split = !ctx.simple_key;
        if !is_string {
            self.write_plain(text, split);
            return Ok(());
        }
        let a = analyze(text);
        if ctx.simple_key && (a.multiline || text.chars().count() >= 128) {
            return Err(Error::Emit(format!(
                "mapping key too long or multi-line: {text:?}"
            )));
        }
        let implicit = !resolves_to_non_string(text);
        if implicit && !(ctx.simple_key && (a.empty || a.multiline)) && a.allow_block_plain {
            self.write_plain(text, split);
        } else if a.allow_single_quoted && !(ctx.simple_key && a.multiline) {
            self.write_single_quoted(text, split);
        } else {
            self.write_double_quoted(text, split);
        }
        Ok(())
    }

    fn write(&mut self, data: &str) {
        self.column += data.chars().count();
        self.out.push_str(data);
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        whitespace: bool,
        indention: bool,
    ) {
        if self.whitespace || !need_whitespace {
            self.write(indicator);
        } else {
            self.write(&format!(" {indicator}"));
        }
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break();
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.write(&pad);
        }
    }

    fn write_line_break(&mut self) {
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
        self.out.push('\n');
    }

    fn write_plain(&mut self, text: &str, split: bool) {
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.write(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut start) = (false, 0);
        for end in 0..=chars.len() {
            let ch = chars.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > WIDTH && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.write(&collect(&chars[start..end]));
                    }
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ') {
                self.write(&collect(&chars[start..end]));
                start = end;
            }
            spaces = ch == Some(' ');
        }
    }

    fn write_single_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut breaks, mut start) = (false, false, 0);
        for end in 0..=chars.len() {
            let ch = chars.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > WIDTH
                        && split
                        && start != 0
                        && end != chars.len()
                    {
                        self.write_indent();
                    } else {
                        self.write(&collect(&chars[start..end]));
                    }
                    start = end;
                }
            } else if breaks {
                if ch.is_none_or(|c| !is_break(c)) {
                    if chars[start] == '\n' {
                        self.write_line_break();
                    }
                    for &br in &chars[start..end] {
                        self.write_line_break();
                        if br != '\n' {
                            // Unusual breaks are kept as written; the column restarts at 0.
                            self.out.pop();
                            self.out.push(br);
                        }
                    }
                    self.write_indent();
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_break(c) || c == '\'') && start < end {
                self.write(&collect(&chars[start..end]));
                start = end;
            }
            if ch == Some('\'') {
                self.write("''");
                start = end + 1;
            }
            spaces = ch == Some(' ');
            breaks = ch.is_some_and(is_break);
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let mut start = 0;
        for end in 0..=chars.len() {
            let ch = chars.get(end).copied();
            let needs_escape = match ch {
                None => true,
                Some(c) => {
                    matches!(
                        c,
                        '"' | '\\' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}'
                    ) || !(('\x20'..='\x7E').contains(&c)
                        || ('\u{A0}'..='\u{D7FF}').contains(&c)
                        || ('\u{E000}'..='\u{FFFD}').contains(&c))
                }
            };
            if needs_escape {
                if start < end {
                    self.write(&collect(&chars[start..end]));
                    start = end;
                }
                if let Some(c) = ch {
                    self.write(&escape_char(c));
                    start = end + 1;
                }
            }
            if 0 < end
                && end + 1 < chars.len()
                && (ch == Some(' ') || start >= end)
                // `start` can be one past `end` right after an escape.
                && self.column + end > WIDTH + start
                && split
            {
                let data = format!("{}\\", collect(chars.get(start..end).unwrap_or_default()));
                if start < end {
                    start = end;
                }
                self.write(&data);
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if chars[start] == ' ' {
                    self.write("\\");
                }
            }
        }
        self.write_indicator("\"", false, false, false);
    }
}

fn collect(chars: &[char]) -> String {
    chars.iter().collect()
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn escape_char(c: char) -> String {
    let short = match c {
        '\0' => "0",
        '\x07' => "a",
        '\x08' => "b",
        '\t' => "t",
        '\n' => "n",
        '\x0B' => "v",
        '\x0C' => "f",
        '\r' => "r",
        '\x1B' => "e",
        '"' => "\"",
        '\\' => "\\",
        '\u{85}' => "N",
        '\u{A0}' => "_",
        '\u{2028}' => "L",
        '\u{2029}' => "P",
        _ => "",
    };
    match (short, c as u32) {
        ("", n) if n <= 0xFF => format!("\\x{n:02X}"),
        ("", n) if n <= 0xFFFF => format!("\\u{n:04X}"),
        ("", n) => format!("\\U{n:08X}"),
        (s, _) => format!("\\{s}"),
    }
}

/// The text of a scalar and whether it is a string (only strings may need quotes).
fn scalar_text(value: &Value) -> Result<(String, bool)> {
    Ok(match value {
        Value::Null => ("null".into(), false),
        Value::Bool(b) => (b.to_string(), false),
        Value::Number(n) => (number_text(n), false),
        Value::String(text) => (text.clone(), true),
        other => return Err(Error::Emit(format!("not a scalar: {other:?}"))),
    })
}

fn number_text(n: &serde_norway::Number) -> String {
    if n.is_f64() {
        let f = n.as_f64().unwrap_or_default();
        if f.is_nan() {
            ".nan".into()
        } else if f.is_infinite() {
            if f > 0.0 { ".inf" } else { "-.inf" }.into()
        } else if f.fract() == 0.0 && f.abs() < 1e16 {
            format!("{f:.1}")
        } else {
            format!("{f}")
        }
    } else {
        n.to_string()
    }
}

/// Whether a plain scalar with this text would be read back as a non-string (YAML 1.1 rules, so
/// `off`, `yes`, `7` and `'200'` stay quoted and tools of either YAML version agree).
fn resolves_to_non_string(text: &str) -> bool {
    static IMPLICIT: OnceLock<Regex> = OnceLock::new();
    let re = IMPLICIT.get_or_init(|| {
        let patterns = [
            r"yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
            r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?",
            r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
            r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+",
            r"[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
            r"<<|~|null|Null|NULL|=|!|&|\*",
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
            r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?",
        ];
        let joined = patterns.map(|p| format!("(?:{p})")).join("|");
        Regex::new(&format!("^(?:{joined})$")).expect("static pattern")
    });
    text.is_empty() || re.is_match(text)
}

/// What a scalar's characters allow (see the YAML spec's rules for plain and quoted scalars).
struct Analysis {
    empty: bool,
    multiline: bool,
    allow_block_plain: bool,
    allow_single_quoted: bool,
}

fn analyze(text: &str) -> Analysis {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            allow_block_plain: true,
            allow_single_quoted: true,
        };
    }
    let ws = |c: Option<&char>| {
        c.is_none_or(|c| {
            matches!(
                c,
                '\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'
            )
        })
    };
    let mut block_indicators = text.starts_with("---") || text.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let mut followed_by_whitespace = chars.len() == 1 || ws(chars.get(1));
    let last = chars.len() - 1;
    for (index, &ch) in chars.iter().enumerate() {
        if index == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                block_indicators = true;
            }
            if (ch == '?' || ch == ':' || ch == '-') && followed_by_whitespace {
                block_indicators = true;
            }
        } else if (ch == ':' && followed_by_whitespace) || (ch == '#' && preceded_by_whitespace) {
            block_indicators = true;
        }
        if is_break(ch) {
            line_breaks = true;
        }
        let printable = ch == '\n' || ('\x20'..='\x7E').contains(&ch);
        let unicode = ch == '\u{85}'
            || ('\u{A0}'..='\u{D7FF}').contains(&ch)
            || ('\u{E000}'..='\u{FFFD}').contains(&ch)
            || ('\u{10000}'..'\u{10FFFF}').contains(&ch);
        if !(printable || (unicode && ch != '\u{FEFF}')) {
            special = true;
        }
        if ch == ' ' {
            leading_space |= index == 0;
            trailing_space |= index == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(ch) {
            leading_break |= index == 0;
            trailing_break |= index == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = ws(Some(&ch));
        followed_by_whitespace = ws(chars.get(index + 2));
    }
    let mut allow_block_plain = true;
    let mut allow_single_quoted = true;
    if leading_space || leading_break || trailing_space || trailing_break || line_breaks {
        allow_block_plain = false;
    }
    if break_space || space_break || special {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if block_indicators {
        allow_block_plain = false;
    }
    Analysis {
        empty: false,
        multiline: line_breaks,
        allow_block_plain,
        allow_single_quoted,
    }
}
