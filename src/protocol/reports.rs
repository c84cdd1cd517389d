//! The reporter's side on the wire: an office's public description and a report submission.

use serde::{Deserialize, Serialize};

use super::ids::{LookupId, Slug};

/// The padding buckets of an office (docs/PROTOCOL.md §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Padding {
    /// The small buckets; above the last, every multiple of `step` up to `max_plaintext`.
    pub buckets: Vec<u64>,
    pub step: u64,
    pub max_plaintext: u64,
    pub max_attachment: u64,
    pub max_attachments: usize,
    /// The largest request body of a report (all files in base64 together); 413 above.
    pub max_body: usize,
    /// The largest request body of a follow-up message.
    pub max_message_body: usize,
}

/// `GET /v1/offices/{office}`: what a client needs to encrypt for the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeView {
    pub slug: Slug,
    pub name: String,
    pub municipality: String,
    pub land: String,
    pub size_class: String,
    pub keyset_version: i32,
    /// The current key set: every report is encrypted to all of them.
    pub recipients: Vec<String>,
    pub padding: Padding,
    pub taxonomy_version: i32,
}

/// `POST /v1/reports` (docs/PROTOCOL.md §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub office: Slug,
    pub keyset_version: i32,
    pub ciphertext: String,
    pub reply_recipient: String,
    pub lookup_id: LookupId,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
    /// Refused when present: statistics answers travel inside the ciphertext (PROTOCOL.md §3),
    /// and a client that still sends them in plain text must fail loudly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<serde_json::Value>,
    /// Required unless proof of work is off (`--pow-bits 0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pow: Option<crate::domain::pow::PowToken>,
}

/// An office a reporter can choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeEntry {
    pub slug: Slug,
    pub name: String,
    pub municipality: String,
}

/// `GET /v1/offices`: the offices that take reports, and the one the form opens with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeList {
    pub default: Option<Slug>,
    pub offices: Vec<OfficeEntry>,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
}

/// What the reporter is told once the report is durably stored: its clocks, never a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// The case's reference (`domain::case::reference`), which the office sees too.
    pub reference: String,
    pub status: crate::domain::case::Status,
    pub received_on: chrono::NaiveDate,
    pub ack_due: chrono::NaiveDate,
    pub feedback_due: chrono::NaiveDate,
}

/// One question of the statistics taxonomy, with its closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxonomyField {
    pub name: String,
    pub multi: bool,
    /// How many values a multi-valued field may carry.
    pub max: usize,
    pub values: Vec<String>,
}

/// `GET /v1/taxonomy`: what clients build the optional questions from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taxonomy {
    pub version: i32,
    pub fields: Vec<TaxonomyField>,
}

impl From<Submission> for crate::domain::intake::Incoming {
    fn from(s: Submission) -> Self {
        crate::domain::intake::Incoming {
            keyset_version: s.keyset_version,
            ciphertext: s.ciphertext,
            reply_recipient: s.reply_recipient,
            lookup_id: s.lookup_id.expose().to_owned(),
            attachments: s.attachments,
            plaintext_stats: s.stats.is_some(),
        }
    }
}
