//! The reporter's way back with the lookup id their receipt derives (PROTOCOL.md §6).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ids::{LookupId, Slug};
use crate::domain::case::Status;
use crate::domain::pow::PowToken;
use crate::domain::workflow::Direction;

/// `POST /v1/followup/read`: the lookup id travels in the body, never in a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    pub lookup_id: LookupId,
}

/// A message between the reporter and the office; never an internal note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReporterMessage {
    pub direction: Direction,
    pub created_on: NaiveDate,
    /// An age file (standard base64).
    pub ciphertext: String,
}

/// The case as the reporter may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReporterCase {
    pub office: Slug,
    /// The case's reference, as the receipt page showed it and the office sees it.
    pub reference: String,
    /// The report's ciphertext, which the receipt's reply identity opens.
    pub report: String,
    pub status: Status,
    pub received_on: NaiveDate,
    pub ack_due: NaiveDate,
    pub feedback_due: NaiveDate,
    pub messages: Vec<ReporterMessage>,
}

/// `POST /v1/followup/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReporterMessageRequest {
    pub lookup_id: LookupId,
    pub ciphertext: String,
    /// The key set the message is encrypted to (the office's `keyset_version`).
    pub keyset_version: i32,
    /// Required unless proof of work is off (`--pow-bits 0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pow: Option<PowToken>,
}

/// The answer to a reporter's new message: only its day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReporterMessageCreated {
    pub created_on: NaiveDate,
}
