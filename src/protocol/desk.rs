//! The desk's cases on the wire: the inbox, one opened case, messages and re-encryption.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::case::Status;
use crate::domain::workflow::Direction;

use super::ids::{CaseId, ItemId, LabelId, OfficerId, Slug};

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
    pub id: CaseId,
    /// The reference the reporter was shown (`domain::case::reference`).
    pub reference: String,
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
    pub assignee: Option<OfficerId>,
    /// The ids of the office's labels the case carries.
    pub labels: Vec<LabelId>,
    /// The asking officer has opened the case; until then the desk marks it as new.
    pub opened: bool,
}

/// `GET /v1/desk/cases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub today: NaiveDate,
    pub office: Slug,
    pub cases: Vec<CaseSummary>,
}

/// An attachment as stored: an age file (standard base64) and the key set it is encrypted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredItem {
    pub id: ItemId,
    pub ciphertext: String,
    pub keyset_version: i32,
}

/// One message of an opened case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: ItemId,
    pub direction: Direction,
    pub created_on: NaiveDate,
    /// For an office's reply or note: the officer who wrote it (`null` for a reporter's
    /// message, and for replies and notes from before authors were kept).
    pub author: Option<OfficerId>,
    /// When an office's reply or note was written, to the minute (`null` likewise).
    pub written_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ciphertext: String,
    pub keyset_version: i32,
    /// For a reporter's message: the officers who have opened the case since it arrived.
    pub seen_by: Vec<OfficerId>,
}

/// `GET /v1/desk/contents`: a page of the office's cases, newest first, with the ciphertexts
/// the desk decrypts to show titles and to search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contents {
    /// How many cases the office has.
    pub total: i64,
    pub cases: Vec<CaseContents>,
}

/// One case's report and messages and notes (in order), as ciphertext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseContents {
    pub id: CaseId,
    pub keyset_version: i32,
    pub report: String,
    pub messages: Vec<ContentItem>,
}

/// A message or note in `Contents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentItem {
    pub id: ItemId,
    pub direction: Direction,
    pub keyset_version: i32,
    pub ciphertext: String,
}

/// `GET /v1/desk/cases/{case}`: the case with every ciphertext it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedCase {
    pub case: CaseSummary,
    pub reply_recipient: String,
    pub ciphertext: String,
    /// The officers who have opened the case.
    pub report_seen_by: Vec<OfficerId>,
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
    pub id: ItemId,
    pub created_on: NaiveDate,
}

/// One attachment or message of a case, re-encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewrapItem {
    pub id: ItemId,
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
    pub id: CaseId,
    pub keyset_version: i32,
}

/// `GET /v1/desk/rewrap?after=&limit=`: the next cases, by id, that the office's current key
/// set cannot read yet, with every ciphertext each has; a page stays within half the body
/// limit, so that its re-encryption fits into one `POST /v1/desk/rewrap`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewrapPending {
    pub keyset_version: i32,
    /// How many such cases come after `after`, this page included.
    pub remaining: i64,
    pub cases: Vec<PendingRewrap>,
}

/// One case to re-encrypt: the report and the reporter's messages go to the office and
/// `reply_recipient`, attachments and notes to the office alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRewrap {
    pub id: CaseId,
    pub reply_recipient: String,
    pub report: String,
    pub attachments: Vec<RewrapItem>,
    pub messages: Vec<ContentItem>,
}

/// `POST /v1/desk/rewrap`: many cases re-encrypted at once, each as in `Rewrap`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewrapBatch {
    pub keyset_version: i32,
    pub cases: Vec<CaseRewrap>,
}

/// One case of a `RewrapBatch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRewrap {
    pub id: CaseId,
    pub ciphertext: String,
    #[serde(default)]
    pub attachments: Vec<RewrapItem>,
    #[serde(default)]
    pub messages: Vec<RewrapItem>,
}

/// The answer to a `RewrapBatch`: the cases swapped in (in one commit), and those that changed
/// since they were read (a message arrived): these are left as they were, to be read again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewrapBatchDone {
    pub keyset_version: i32,
    pub rewrapped: Vec<CaseId>,
    pub changed: Vec<CaseId>,
}

/// `POST /v1/desk/cases/{case}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: Status,
    /// Refused when present: the officer's classification is case content, encrypted in a
    /// note, and reaches the statistics only through the quarterly contribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<serde_json::Value>,
}

/// `POST /v1/desk/cases/{case}/retention`: keep a closed case longer, with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    pub delete_after: NaiveDate,
    pub reason: String,
}

/// `POST /v1/desk/cases/{case}/forwards`: the competent authority's age recipient, or, for an
/// authority without one, `passphrase: true` (the file is encrypted with a passphrase the
/// officer passes on by another channel; the passphrase never reaches the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forward {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    #[serde(default)]
    pub passphrase: bool,
}

/// What the audit log recorded of a forwarding: the recipient's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forwarded {
    pub fingerprint: String,
}
