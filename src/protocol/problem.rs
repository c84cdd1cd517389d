//! RFC 9457 problem details, the body of every error answer: a stable `type`
//! (`urn:meldestelle:problem:<name>`), a title, the status, an optional detail and extension
//! members (e.g. `current_keyset_version`).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

pub const CONTENT_TYPE: &str = "application/problem+json";
pub const TYPE_PREFIX: &str = "urn:meldestelle:problem:";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: Cow<'static, str>,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Extension members, e.g. the current key-set version.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// The problem `name` (e.g. `stale-keyset`) with its title.
    pub fn new(status: u16, name: &str, title: &'static str) -> Problem {
        Problem {
            kind: format!("{TYPE_PREFIX}{name}"),
            title: Cow::Borrowed(title),
            status,
            detail: None,
            extra: serde_json::Map::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Problem {
        self.detail = Some(detail.into());
        self
    }

    pub fn with(mut self, key: &str, value: serde_json::Value) -> Problem {
        self.extra.insert(key.into(), value);
        self
    }

    /// The type's short name, e.g. `stale-keyset`.
    pub fn name(&self) -> &str {
        self.kind.strip_prefix(TYPE_PREFIX).unwrap_or(&self.kind)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.title, self.kind)
    }
}
