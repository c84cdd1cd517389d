//! Report intake: checks a submission without decrypting it and turns it into what is
//! stored. Nothing here knows HTTP or SQL.

use base64::Engine;
use chrono::NaiveDate;

use crate::crypto::{self, header, padding::Buckets};
use crate::domain::case::{self, Status};
use crate::domain::office::Office;

/// Size limits that apply to submissions.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub report: Buckets,
    pub attachment: Buckets,
    pub max_attachments: usize,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IntakeError {
    #[error("the office does not exist")]
    UnknownOffice,
    /// No officer has joined and there is no recovery key: a report would be readable by
    /// nobody but the reporter, so none is taken.
    #[error("this complaint office cannot receive reports yet: no officer has joined it and it has no recovery key, so nobody could read a report; nothing was stored. Please ask the administration or try again later")]
    OfficeNotReady,
    #[error("the office's key set is at version {current}; fetch the office again and re-encrypt")]
    StaleKeyset { current: i32 },
    #[error("{field}: {reason}")]
    InvalidField {
        field: &'static str,
        reason: &'static str,
    },
    #[error("{field}: {source}")]
    Header {
        field: &'static str,
        source: header::HeaderError,
    },
    #[error("at most {0} attachments are accepted")]
    TooManyAttachments(usize),
    #[error("statistics answers go inside the encrypted report, never beside it in plain text")]
    PlaintextStats,
}

/// A submission as intake checks it (the wire's `Submission` converts into it).
#[derive(Debug, Clone)]
pub struct Incoming {
    pub keyset_version: i32,
    /// Standard base64 of the age file.
    pub ciphertext: String,
    pub reply_recipient: String,
    /// 64 hex digits, as sent.
    pub lookup_id: String,
    pub attachments: Vec<String>,
    /// Whether statistics answers came beside the ciphertext, in plain text.
    pub plaintext_stats: bool,
}

/// A report ready to be stored.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub id: String,
    pub office: String,
    pub keyset_version: i32,
    pub ciphertext: Vec<u8>,
    pub reply_recipient: String,
    pub lookup_hash: [u8; 32],
    pub status: Status,
    pub received_on: NaiveDate,
    pub ack_due: NaiveDate,
    pub feedback_due: NaiveDate,
    pub attachments: Vec<Vec<u8>>,
}

/// Checks a submission against its office; `office` is `None` when the slug is unknown.
pub fn accept(
    sub: impl Into<Incoming>,
    office: Option<&Office>,
    limits: &Limits,
    today: NaiveDate,
) -> Result<NewReport, IntakeError> {
    let sub = sub.into();
    if sub.plaintext_stats {
        return Err(IntakeError::PlaintextStats);
    }
    let office = office.ok_or(IntakeError::UnknownOffice)?;
    check_ready(office)?;
    check_keyset(sub.keyset_version, office)?;
    let lookup_id = decode_lookup_id(&sub.lookup_id)?;
    if !crypto::is_recipient(&sub.reply_recipient) {
        return Err(IntakeError::InvalidField {
            field: "reply_recipient",
            reason: "not an age recipient",
        });
    }
    let expected = office.recipients.len();
    let ciphertext = check_age_file(
        "ciphertext",
        &sub.ciphertext,
        crate::domain::workflow::report_stanzas(expected),
        &limits.report,
    )?;
    if sub.attachments.len() > limits.max_attachments {
        return Err(IntakeError::TooManyAttachments(limits.max_attachments));
    }
    let attachments = sub
        .attachments
        .iter()
        .map(|a| check_age_file("attachments", a, expected, &limits.attachment))
        .collect::<Result<Vec<_>, _>>()?;
    let (ack_due, feedback_due) = case::initial_deadlines(today);
    Ok(NewReport {
        id: uuid::Uuid::new_v4().to_string(),
        office: office.slug.clone(),
        keyset_version: office.keyset_version,
        ciphertext,
        reply_recipient: sub.reply_recipient,
        lookup_hash: crypto::sha256(&lookup_id),
        status: Status::Received,
        received_on: today,
        ack_due,
        feedback_due,
        attachments,
    })
}

/// An office whose key set is empty takes nothing: what was encrypted to it could be read by
/// nobody in the office, ever (a later officer's key does not open it).
pub fn check_ready(office: &Office) -> Result<(), IntakeError> {
    if office.recipients.is_empty() {
        Err(IntakeError::OfficeNotReady)
    } else {
        Ok(())
    }
}

/// Whether a stored report (its age header at least) was encrypted for nobody in the office:
/// taken while its key set was empty, it carries the reporter's reply stanza only, and no
/// officer's key, however new, opens it.
pub fn unreadable_for_office(report_header: &[u8]) -> bool {
    header::inspect(report_header)
        .is_ok_and(|h| h.recipient_stanzas == crate::domain::workflow::report_stanzas(0))
}

/// A ciphertext declared for another key set than the office's current one is refused before
/// its stanzas are counted against the wrong set (X25519 stanzas do not name their recipient).
pub fn check_keyset(declared: i32, office: &Office) -> Result<(), IntakeError> {
    if declared == office.keyset_version {
        Ok(())
    } else {
        Err(IntakeError::StaleKeyset {
            current: office.keyset_version,
        })
    }
}

/// The lookup id: 32 bytes as 64 hex digits.
pub fn decode_lookup_id(s: &str) -> Result<[u8; 32], IntakeError> {
    let bad = IntakeError::InvalidField {
        field: "lookup_id",
        reason: "must be 64 hex digits",
    };
    if s.len() != 64 {
        return Err(bad);
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| bad)?;
    Ok(out)
}

/// Decodes base64 and checks the age header, the stanza count and the padding.
pub fn check_age_file(
    field: &'static str,
    b64: &str,
    expected_stanzas: usize,
    buckets: &Buckets,
) -> Result<Vec<u8>, IntakeError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| IntakeError::InvalidField {
            field,
            reason: "not standard base64",
        })?;
    let info = header::inspect(&bytes).map_err(|source| IntakeError::Header { field, source })?;
    if info.recipient_stanzas != expected_stanzas {
        return Err(IntakeError::Header {
            field,
            source: header::HeaderError::StanzaCount {
                found: info.recipient_stanzas,
                expected: expected_stanzas,
            },
        });
    }
    if !buckets.payload_is_padded(info.payload_len) {
        return Err(IntakeError::Header {
            field,
            source: header::HeaderError::Unpadded(info.payload_len),
        });
    }
    Ok(bytes)
}
