//! The command tree, built from the operations the library describes: one command per
//! operation, grouped by the literal segments of its path (`domains`, `mailboxes keys`), named by
//! what it does (`list`, `get`, `create`, `update`, `set`, `delete`, or the action at the end of
//! the path, such as `verify`). A group whose only command is a `get` becomes that command
//! (`billing balance`, `me`).

use std::collections::BTreeMap;

use clap::builder::{PossibleValuesParser, ValueParser};
use clap::{value_parser, Arg, ArgAction, ArgMatches, Command};
use sendmux_management::dynamic::{self, AnswerKind, Location, OperationInfo, ValueKind};

use crate::exit;

/// Options every command takes.
pub mod global {
    pub const OUTPUT: &str = "output";
    pub const ALL: &str = "all";
    pub const MAX_ITEMS: &str = "max-items";
    pub const DRY_RUN: &str = "dry-run";
    pub const VERBOSE: &str = "verbose";
    pub const API_KEY_FILE: &str = "api-key-file";
    pub const PROFILE: &str = "profile";
    pub const BASE_URL: &str = "base-url";
    pub const MAX_ATTEMPTS: &str = "max-attempts";
    pub const MOCK: &str = "mock";
}

/// Argument id of the body option.
pub const BODY: &str = "body";
/// Prefix of the argument ids of parameters (`param:limit`) and body fields (`field:name`).
pub const PARAM: &str = "param:";
pub const FIELD: &str = "field:";

/// Long options an operation's parameters and fields cannot take.
const RESERVED: &[&str] = &[
    global::OUTPUT,
    global::ALL,
    global::MAX_ITEMS,
    global::DRY_RUN,
    global::VERBOSE,
    global::API_KEY_FILE,
    global::PROFILE,
    global::BASE_URL,
    global::MAX_ATTEMPTS,
    global::MOCK,
    BODY,
    "help",
    "version",
];

/// Commands of the tool itself, beside the operations.
pub const COMPLETIONS: &str = "completions";
pub const OPERATIONS: &str = "operations";
pub const WEBHOOKS: &str = "webhooks";
pub const VERIFY: &str = "verify";

#[derive(Default)]
struct Node {
    /// The API group of the operations below, for the help.
    group: String,
    children: BTreeMap<String, Node>,
    operation: Option<&'static OperationInfo>,
}

/// The commands of every operation.
pub struct Tree {
    root: Node,
}

/// What the command line asks for.
pub enum Selected<'a> {
    Operation(&'static OperationInfo, &'a ArgMatches),
    Completions(&'a ArgMatches),
    Operations,
    Verify(&'a ArgMatches),
}

impl Tree {
    pub fn from_operations() -> Self {
        let mut root = Node::default();
        for op in dynamic::operations() {
            let mut words = words(op);
            if root.find(&words).is_some() {
                // Two operations would share a name: the second is called by its id.
                words.pop();
                words.push(op.id.replace('_', "-"));
            }
            let mut node = &mut root;
            for word in words {
                node = node.children.entry(word).or_default();
                if node.group.is_empty() {
                    node.group = op.group.to_owned();
                }
            }
            node.operation = Some(op);
        }
        for child in root.children.values_mut() {
            child.collapse();
        }
        Self { root }
    }

    /// Every operation with its command words, in command order.
    pub fn entries(&self) -> Vec<(Vec<String>, &'static OperationInfo)> {
        let mut out = Vec::new();
        self.root.entries(&mut Vec::new(), &mut out);
        out
    }

    pub fn command(&self) -> Command {
        let mut root = Command::new("sendmux-mgmt")
            .version(env!("CARGO_PKG_VERSION"))
            .about(
                "The Sendmux Management API from the command line: every operation is a command.",
            )
            .long_about(
                "The Sendmux Management API from the command line: every operation of the API is \
                 a command, grouped by resource. Try it with no key against a built-in mock:\n\n  \
                 sendmux-mgmt --mock domains list",
            )
            .after_help(format!("{AUTH_HELP}\n\n{}", exit::HELP))
            .subcommand_required(true)
            .arg_required_else_help(true)
            .args(global_args());
        for (name, node) in &self.root.children {
            let mut command = node.command(name);
            if name == WEBHOOKS && node.operation.is_none() && !node.children.contains_key(VERIFY) {
                command = command.subcommand(crate::verify::command());
            }
            root = root.subcommand(command);
        }
        if !self.root.children.contains_key(WEBHOOKS) {
            root = root.subcommand(
                Command::new(WEBHOOKS)
                    .about("Webhooks")
                    .subcommand_required(true)
                    .subcommand(crate::verify::command()),
            );
        }
        if !self.root.children.contains_key(OPERATIONS) {
            root = root.subcommand(
                Command::new(OPERATIONS)
                    .about("List every operation: command, method, path and operation id"),
            );
        }
        if !self.root.children.contains_key(COMPLETIONS) {
            root = root.subcommand(
                Command::new(COMPLETIONS)
                    .about("Print the completion script of a shell")
                    .arg(
                        Arg::new("shell")
                            .required(true)
                            .value_parser(value_parser!(clap_complete::Shell)),
                    ),
            );
        }
        root
    }

    pub fn select<'a>(&self, matches: &'a ArgMatches) -> Option<Selected<'a>> {
        let (name, mut current) = matches.subcommand()?;
        let Some(mut node) = self.root.children.get(name) else {
            return match name {
                OPERATIONS => Some(Selected::Operations),
                COMPLETIONS => Some(Selected::Completions(current)),
                WEBHOOKS => match current.subcommand() {
                    Some((VERIFY, verify)) => Some(Selected::Verify(verify)),
                    _ => None,
                },
                _ => None,
            };
        };
        let mut top = name;
        while let Some((name, sub)) = current.subcommand() {
            match node.children.get(name) {
                Some(child) => node = child,
                None if top == WEBHOOKS && name == VERIFY => return Some(Selected::Verify(sub)),
                None => return None,
            }
            top = "";
            current = sub;
        }
        node.operation.map(|op| Selected::Operation(op, current))
    }
}

impl Node {
    fn find(&self, words: &[String]) -> Option<&Node> {
        let mut node = self;
        for word in words {
            node = node.children.get(word)?;
        }
        Some(node)
    }

    /// A group whose only command is a `get` becomes that command.
    fn collapse(&mut self) {
        for child in self.children.values_mut() {
            child.collapse();
        }
        if self.operation.is_none() && self.children.len() == 1 {
            if let Some(get) = self.children.get("get") {
                if get.children.is_empty() {
                    self.operation = get.operation;
                    self.children.clear();
                }
            }
        }
    }

    fn entries(
        &self,
        words: &mut Vec<String>,
        out: &mut Vec<(Vec<String>, &'static OperationInfo)>,
    ) {
        if let Some(op) = self.operation {
            out.push((words.clone(), op));
        }
        for (name, child) in &self.children {
            words.push(name.clone());
            child.entries(words, out);
            words.pop();
        }
    }

    fn command(&self, name: &str) -> Command {
        if let Some(op) = self.operation {
            return operation_command(name, op);
        }
        let mut command = Command::new(name.to_owned())
            .about(self.group.clone())
            .subcommand_required(true)
            .arg_required_else_help(true);
        for (name, child) in &self.children {
            command = command.subcommand(child.command(name));
        }
        command
    }
}

/// The command words of an operation: the literal segments of its path, then what it does.
fn words(op: &OperationInfo) -> Vec<String> {
    let segments: Vec<&str> = op.path.split('/').filter(|s| !s.is_empty()).collect();
    let mut words: Vec<String> = segments
        .iter()
        .filter(|s| !s.starts_with('{'))
        .map(|s| (*s).to_owned())
        .collect();
    let ends_with_parameter = segments.last().is_some_and(|s| s.starts_with('{'));
    let first_word = op.id.split('_').next().unwrap_or(op.id).to_owned();
    let verb = match op.method {
        "GET" if matches!(op.answer, AnswerKind::Json { list: true, .. }) => "list".to_owned(),
        "GET" => "get".to_owned(),
        "DELETE" => "delete".to_owned(),
        "PATCH" => "update".to_owned(),
        "PUT" => "set".to_owned(),
        "POST" if first_word == "create" => first_word,
        // An action on a resource, such as `/domains/{public_id}/verify`.
        "POST" if !ends_with_parameter && words.len() > 1 => words.pop().unwrap_or(first_word),
        _ => first_word,
    };
    words.push(verb);
    words
}

fn global_args() -> Vec<Arg> {
    vec![
        Arg::new(global::OUTPUT)
            .long(global::OUTPUT)
            .short('o')
            .global(true)
            .value_name("FORMAT")
            .value_parser(["json", "table"])
            .default_value("json")
            .help("json: pretty on a terminal, compact when piped; table: chosen columns"),
        Arg::new(global::ALL)
            .long(global::ALL)
            .global(true)
            .action(ArgAction::SetTrue)
            .help("On a list: every item of every page, one JSON object per line"),
        Arg::new(global::MAX_ITEMS)
            .long(global::MAX_ITEMS)
            .global(true)
            .value_name("N")
            .value_parser(value_parser!(u64))
            .help("With --all (implied): stop after N items"),
        Arg::new(global::DRY_RUN)
            .long(global::DRY_RUN)
            .global(true)
            .action(ArgAction::SetTrue)
            .help("Print the request (credential redacted) instead of sending it"),
        Arg::new(global::VERBOSE)
            .long(global::VERBOSE)
            .short('v')
            .global(true)
            .action(ArgAction::SetTrue)
            .help("Print the request id, rate-limit state and retries on stderr"),
        Arg::new(global::API_KEY_FILE)
            .long(global::API_KEY_FILE)
            .global(true)
            .value_name("PATH")
            .value_parser(value_parser!(std::path::PathBuf))
            .help("Read the API key from this file (see Authentication below)"),
        Arg::new(global::PROFILE)
            .long(global::PROFILE)
            .global(true)
            .value_name("NAME")
            .env("SENDMUX_PROFILE")
            .help("Profile of the configuration file to use [default: default]"),
        Arg::new(global::BASE_URL)
            .long(global::BASE_URL)
            .global(true)
            .value_name("URL")
            .env("SENDMUX_BASE_URL")
            .help(format!(
                "Where the API is [default: {}]",
                sendmux_management::DEFAULT_BASE_URL
            )),
        Arg::new(global::MAX_ATTEMPTS)
            .long(global::MAX_ATTEMPTS)
            .global(true)
            .value_name("N")
            .value_parser(value_parser!(u32).range(1..))
            .help("Attempts per request, retries included (1: no retry)"),
        Arg::new(global::MOCK)
            .long(global::MOCK)
            .global(true)
            .action(ArgAction::SetTrue)
            .help("Run against a built-in mock of the API answering the spec's examples; no key needed"),
    ]
}

const AUTH_HELP: &str = "\
Authentication (the first found is used; a key is never taken from the command line):
  --api-key-file PATH     a file holding the key
  SENDMUX_API_KEY         an environment variable holding the key
  profile                 `api_key` (and optional `base_url`) of [profiles.NAME] in
                          sendmux/config.toml under the user's configuration directory
                          (~/.config on Linux), NAME from --profile or `default`";

fn operation_command(name: &str, op: &'static OperationInfo) -> Command {
    let mut long_about = op.summary.to_owned();
    if !op.description.is_empty() {
        long_about.push_str("\n\n");
        long_about.push_str(op.description);
    }
    long_about.push_str(&format!("\n\n{} {}", op.method, op.path));
    if let Some(permission) = op.permission {
        long_about.push_str(&format!(" (permission {permission})"));
    }
    long_about.push_str(&format!(", operation {}.", op.id));
    let mut command = Command::new(name.to_owned())
        .about(op.summary)
        .long_about(long_about);
    let mut longs: Vec<String> = RESERVED.iter().map(|s| (*s).to_owned()).collect();
    for param in op.params {
        let id = format!("{PARAM}{}", param.name);
        let mut arg = Arg::new(id)
            .help(first_sentence(param.description))
            .long_help(param.description);
        arg = match param.location {
            Location::Path => arg
                .required(true)
                .value_name(placeholder(op.path, param.name)),
            _ => {
                let long = kebab(param.name);
                if longs.contains(&long) {
                    continue;
                }
                longs.push(long.clone());
                arg.long(long)
                    .required(param.required)
                    .value_name(param.name.to_uppercase().replace('-', "_"))
            }
        };
        command = command.arg(typed(arg, param.value));
    }
    if let Some(body) = &op.body {
        let mut help =
            "The JSON body: inline JSON, @FILE, or - for stdin; fields given as options are added to it".to_owned();
        if !body.description.is_empty() {
            help = format!("{}. {help}", body.description.trim_end_matches('.'));
        }
        command = command.arg(
            Arg::new(BODY)
                .long(BODY)
                .value_name("JSON|@FILE|-")
                .help(format!(
                    "JSON body ({}): inline, @FILE or - for stdin",
                    body.schema
                ))
                .long_help(help),
        );
        for field in body.fields {
            let long = kebab(field.name);
            if longs.contains(&long) {
                continue;
            }
            longs.push(long.clone());
            let mut help = first_sentence(field.description);
            if field.required {
                help = format!("(required in the body) {help}");
            }
            let arg = Arg::new(format!("{FIELD}{}", field.name))
                .long(long)
                .value_name(field.name.to_uppercase())
                .help_heading("Body fields")
                .help(help)
                .long_help(field.description);
            command = command.arg(typed(arg, field.value));
        }
    }
    command
}

fn typed(arg: Arg, kind: ValueKind) -> Arg {
    let parser: ValueParser = match kind {
        ValueKind::Integer { min, max } => match (min, max) {
            (Some(min), Some(max)) => value_parser!(i64).range(min..=max).into(),
            (Some(min), None) => value_parser!(i64).range(min..).into(),
            (None, Some(max)) => value_parser!(i64).range(..=max).into(),
            (None, None) => value_parser!(i64).into(),
        },
        ValueKind::Number => value_parser!(f64).into(),
        ValueKind::Boolean => value_parser!(bool),
        ValueKind::Enum(values) => PossibleValuesParser::new(values.iter().copied()).into(),
        _ => value_parser!(String),
    };
    arg.value_parser(parser)
}

/// The JSON value given for an argument of this kind.
pub fn json_value(matches: &ArgMatches, id: &str, kind: ValueKind) -> Option<serde_json::Value> {
    use serde_json::Value;
    match kind {
        ValueKind::Integer { .. } => matches.get_one::<i64>(id).map(|v| Value::from(*v)),
        ValueKind::Number => matches.get_one::<f64>(id).map(|v| Value::from(*v)),
        ValueKind::Boolean => matches.get_one::<bool>(id).map(|v| Value::from(*v)),
        _ => matches
            .get_one::<String>(id)
            .map(|v| Value::from(v.as_str())),
    }
}

/// `<MAILBOX_ID>` for the `public_id` after `/mailboxes/`; other parameters by their name.
fn placeholder(path: &str, name: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let here = segments
        .iter()
        .position(|s| s.trim_matches(|c| c == '{' || c == '}') == name && s.starts_with('{'));
    let before = here.and_then(|i| i.checked_sub(1)).map(|i| segments[i]);
    match before {
        Some(resource) if name == "public_id" && !resource.is_empty() => {
            format!("{}_ID", singular(resource).to_uppercase().replace('-', "_"))
        }
        _ => name.to_uppercase().replace('-', "_"),
    }
}

fn singular(word: &str) -> &str {
    for suffix in ["xes", "ches", "shes", "sses"] {
        if word.ends_with(suffix) {
            return &word[..word.len() - 2];
        }
    }
    word.strip_suffix('s').unwrap_or(word)
}

fn kebab(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

fn first_sentence(text: &str) -> String {
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command_of(id: &str) -> String {
        let tree = Tree::from_operations();
        let (words, _) = tree
            .entries()
            .into_iter()
            .find(|(_, op)| op.id == id)
            .unwrap();
        words.join(" ")
    }

    #[test]
    fn commands_are_named_from_the_path_and_the_method() {
        assert_eq!(command_of("list_domains"), "domains list");
        assert_eq!(command_of("get_domain"), "domains get");
        assert_eq!(command_of("create_mailbox_key"), "mailboxes keys create");
        assert_eq!(command_of("delete_mailbox_key"), "mailboxes keys delete");
        assert_eq!(command_of("get_balance"), "billing balance");
        assert_eq!(command_of("get_me"), "me");
        assert_eq!(command_of("verify_domain"), "domains verify");
        assert_eq!(command_of("set_domain_filters"), "domains filters set");
        assert_eq!(
            command_of("list_webhook_deliveries"),
            "webhooks deliveries list"
        );
    }

    #[test]
    fn every_operation_has_its_own_command() {
        let tree = Tree::from_operations();
        let entries = tree.entries();
        assert_eq!(entries.len(), dynamic::operations().len());
        let mut names: Vec<String> = entries.iter().map(|(w, _)| w.join(" ")).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), entries.len());
        tree.command().debug_assert();
    }

    #[test]
    fn placeholders_name_the_resource() {
        assert_eq!(
            placeholder("/mailboxes/{public_id}/keys/{key_id}", "public_id"),
            "MAILBOX_ID"
        );
        assert_eq!(
            placeholder("/mailboxes/{public_id}/keys/{key_id}", "key_id"),
            "KEY_ID"
        );
        assert_eq!(
            placeholder("/emails/logs/{public_id}", "public_id"),
            "LOG_ID"
        );
        assert_eq!(singular("boxes"), "box");
    }
}
