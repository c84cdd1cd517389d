//! Casework: assignment, labels, and reports an officer records for a reporter.

use serde::{Deserialize, Serialize};

use super::ids::{CaseId, LabelId, LookupId, OfficerId};

/// `POST /v1/desk/cases/{case}/assignee`: an officer of the office, or `null` for all of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    /// Required: `{}` must not unassign a case by accident.
    #[serde(deserialize_with = "super::present")]
    pub officer: Option<OfficerId>,
}

/// An officer as colleagues see them (`GET /v1/desk/officers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colleague {
    pub id: OfficerId,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colleagues {
    pub officers: Vec<Colleague>,
}

/// A label's name as an age file (standard base64) encrypted to the office's key set, like a
/// note: `POST /v1/desk/labels` and `PUT /v1/desk/labels/{label}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelBody {
    pub ciphertext: String,
    pub keyset_version: i32,
}

/// One of the office's labels, as `GET /v1/desk/labels` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelView {
    pub id: LabelId,
    pub ciphertext: String,
    pub keyset_version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labels {
    pub labels: Vec<LabelView>,
}

/// The answer to a new or changed label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelSaved {
    pub id: LabelId,
}

/// `PUT /v1/desk/cases/{case}/labels`: the case's labels from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseLabels {
    pub labels: Vec<LabelId>,
}

/// `POST /v1/desk/reports`: a report an officer took by telephone, in person or by letter
/// (HinSchG §16(3)), encrypted on the officer's device like a reporter's, with a receipt the
/// officer's client generated and hands over. The office is the officer's own; no proof of
/// work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedReport {
    pub keyset_version: i32,
    pub ciphertext: String,
    pub reply_recipient: String,
    pub lookup_id: LookupId,
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// The answer: the new case and its legal clocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    pub id: CaseId,
    /// The reference to give the reporter with the receipt.
    pub reference: String,
    pub status: crate::domain::case::Status,
    pub received_on: chrono::NaiveDate,
    pub ack_due: chrono::NaiveDate,
    pub feedback_due: chrono::NaiveDate,
}
