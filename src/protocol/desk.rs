//! The desk's cases on the wire: the inbox, one opened case, messages and re-encryption.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::case::Status;
use crate::desk::Direction;

/// How many messages a case has, never what.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageCounts {
    pub from_reporter: u32,
    pub from_office: u32,
    pub notes: u32,
    /// Reporter messages the asking officer has not opened yet.
    pub unread_from_reporter: u32,
}

/// A case without its content: status, legal clocks, what is due, counts, assignee, labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub id: String,
    pub status: Status,
    pub keyset_version: i32,
    pub received_on: NaiveDate,
    pub acknowledged_on: Option<NaiveDate>,
    pub ack_due: NaiveDate,
    pub feedback_due: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub delete_after: Option<NaiveDate>,
    pub ack_overdue: bool,
    pub feedback_overdue: bool,
    /// A deadline falls within the next 7 days.
    pub due_soon: bool,
    pub messages: MessageCounts,
    /// The officer the case is assigned to; `None`: the whole office.
    pub assignee: Option<String>,
    /// The ids of the office's labels the case carries.
    pub labels: Vec<String>,
}

/// `GET /v1/desk/cases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub today: NaiveDate,
    pub office: String,
    pub cases: Vec<CaseSummary>,
}

/// An attachment as stored: an age file (standard base64) and the key set it is encrypted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredItem {
    pub id: String,
    pub ciphertext: String,
    pub keyset_version: i32,
}

/// One message of an opened case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: String,
    pub direction: Direction,
    pub created_on: NaiveDate,
    pub ciphertext: String,
    pub keyset_version: i32,
    /// For a reporter's message: the officers who have opened the case since it arrived.
    pub seen_by: Vec<String>,
}

/// `GET /v1/desk/cases/{case}`: the case with every ciphertext it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedCase {
    pub case: CaseSummary,
    pub reply_recipient: String,
    pub ciphertext: String,
    /// The officers who have opened the case.
    pub report_seen_by: Vec<String>,
    pub attachments: Vec<StoredItem>,
    pub messages: Vec<MessageView>,
}

/// A note or a reply: the ciphertext and the key set it is encrypted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    pub ciphertext: String,
    /// X25519 stanzas do not name their recipient, so the client declares it and the server
    /// checks it is the current one.
    pub keyset_version: i32,
}

/// The answer to a stored note or reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageCreated {
    pub id: String,
    pub created_on: NaiveDate,
}

/// One attachment or message of a case, re-encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewrapItem {
    pub id: String,
    pub ciphertext: String,
}

/// `POST /v1/desk/cases/{case}/rewrap`: every ciphertext of the case, for the current key set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rewrap {
    pub keyset_version: i32,
    pub ciphertext: String,
    #[serde(default)]
    pub attachments: Vec<RewrapItem>,
    #[serde(default)]
    pub messages: Vec<RewrapItem>,
}

/// The answer to a rewrap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rewrapped {
    pub id: String,
    pub keyset_version: i32,
}
