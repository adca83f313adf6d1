//! Where the API key and base URL come from: `--api-key-file`, `SENDMUX_API_KEY`, or a profile
//! of the configuration file; never the command line itself. The key is only ever handed to
//! the client, which keeps it out of every output.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sendmux_management::{Client, RetryPolicy};
use serde::Deserialize;

use crate::exit::{Failure, CONFIG};

/// The default profile's name.
const DEFAULT_PROFILE: &str = "default";

/// The key and base URL to use.
pub struct Settings {
    key: Option<String>,
    pub base_url: Option<String>,
}

/// What the configuration file holds: `[profiles.NAME]` tables.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profiles: std::collections::BTreeMap<String, Profile>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Profile {
    api_key: Option<String>,
    base_url: Option<String>,
}

/// The configuration file: `sendmux/config.toml` in the user's configuration directory.
pub fn config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("sendmux").join("config.toml"))
}

impl Settings {
    /// Reads the sources in order: the key file, the environment, the profile. A profile named
    /// explicitly must exist.
    pub fn load(
        key_file: Option<&Path>,
        profile: Option<&str>,
        base_url: Option<&str>,
    ) -> Result<Self, Failure> {
        let chosen = load_profile(profile)?;
        let key = match key_file {
            Some(path) => Some(read_key_file(path)?),
            None => match std::env::var("SENDMUX_API_KEY") {
                Ok(key) => Some(key),
                Err(_) => chosen.api_key,
            },
        };
        Ok(Self {
            key,
            base_url: base_url.map(str::to_owned).or(chosen.base_url),
        })
    }

    /// A client with the key, or a configuration failure saying where a key can come from.
    pub fn client(&self, max_attempts: Option<u32>) -> Result<Client, Failure> {
        let Some(key) = &self.key else {
            return Err(Failure::new(
                CONFIG,
                "no API key: set SENDMUX_API_KEY, pass --api-key-file PATH, or add `api_key` to \
                 a profile of the configuration file (see --help); --mock needs none",
            ));
        };
        self.build(key, max_attempts)
    }

    /// A client that is never used to send, for showing a request: the key shown is always
    /// `<redacted>`, so none is needed.
    pub fn client_for_display(&self) -> Result<Client, Failure> {
        let key = self.key.as_deref().unwrap_or("smx_root_unused");
        self.build(key, None)
    }

    fn build(&self, key: &str, max_attempts: Option<u32>) -> Result<Client, Failure> {
        let mut builder = Client::builder()
            .api_key(key)
            .user_agent_suffix(concat!("sendmux-mgmt/", env!("CARGO_PKG_VERSION")));
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url.clone());
        }
        if let Some(attempts) = max_attempts {
            builder = builder.retry_policy(
                RetryPolicy::default()
                    .max_attempts(attempts)
                    .max_retry_after(Duration::from_secs(120)),
            );
        }
        Ok(builder.build()?)
    }
}

fn read_key_file(path: &Path) -> Result<String, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::new(
            CONFIG,
            format!("reading the API key file {}: {e}", path.display()),
        )
    })?;
    Ok(text.trim().to_owned())
}

fn load_profile(name: Option<&str>) -> Result<Profile, Failure> {
    let path = config_path();
    let text = match &path {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(Failure::new(
                    CONFIG,
                    format!("reading {}: {e}", path.display()),
                ))
            }
        },
        None => None,
    };
    let shown = path.as_deref().map_or_else(
        || "the configuration file".to_owned(),
        |p| p.display().to_string(),
    );
    let mut file: ConfigFile = match &text {
        // The parser's own message quotes the offending line, which may hold a key: only its
        // description and line number are shown.
        Some(text) => toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
            let at = line.map_or(String::new(), |l| format!(" at line {l}"));
            Failure::new(CONFIG, format!("{shown}{at}: {}", e.message()))
        })?,
        None => ConfigFile::default(),
    };
    match name {
        Some(name) => file
            .profiles
            .remove(name)
            .ok_or_else(|| Failure::new(CONFIG, format!("{shown} has no profile named {name:?}"))),
        None => Ok(file.profiles.remove(DEFAULT_PROFILE).unwrap_or_default()),
    }
}
