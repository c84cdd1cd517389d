//! The plaintext documents inside the ciphertexts (PROTOCOL.md §3): a report, a message, a
//! note, a classification, a label's name. The server never sees them; every client writes
//! and reads them with this one type. Reading is lenient (unknown fields are kept out, not
//! refused), since browsers of other versions write them too.

use serde::{Deserialize, Serialize};

use crate::domain::stats::taxonomy::Answers;

/// The document format's version.
pub const VERSION: u32 = 1;

/// What the report document says about one attachment (the attachment itself is its own age
/// file, padded with zero bytes after `size`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentMeta {
    pub index: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The media type the reporter's device gave.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    #[serde(default)]
    pub v: u32,
    /// `report`, `message`, `note`, `classification`, `label`, …
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// For a report an officer recorded: `phone`, `in_person` or `letter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// For a report an officer recorded: the person checked and confirmed the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<bool>,
    /// The reporter's (or, in a classification, the office's) statistics answers. Kept as
    /// JSON so that a document with answers of another taxonomy version still reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentMeta>,
}

impl Document {
    /// A document of `kind` with `text` and nothing else.
    pub fn new(kind: &str, text: &str) -> Document {
        Document {
            v: VERSION,
            kind: kind.to_owned(),
            text: text.to_owned(),
            ..Document::default()
        }
    }

    /// The document a reporter (or an officer recording for one) writes.
    pub fn report(text: &str) -> Document {
        Document::new("report", text)
    }

    /// With statistics answers.
    pub fn with_answers(mut self, answers: &Answers) -> Document {
        self.stats = serde_json::to_value(answers).ok();
        self
    }

    /// A decrypted document; `None` for bytes that are not one. The padding (trailing
    /// spaces) is JSON white space.
    pub fn parse(plain: &[u8]) -> Option<Document> {
        serde_json::from_slice(plain).ok()
    }

    /// The statistics answers, when they are valid ones.
    pub fn answers(&self) -> Option<Answers> {
        let a: Answers = serde_json::from_value(self.stats.clone()?).ok()?;
        a.validate().ok().map(|()| a)
    }
}

/// A case as it is forwarded to a competent authority (HinSchG §18 no. 4), encrypted to the
/// authority's key only: never the office's internal notes. The browser desk writes the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForwardedCase {
    pub v: u32,
    /// Always `forwarded-case`.
    pub kind: String,
    pub received_on: chrono::NaiveDate,
    pub report: ForwardedReport,
    pub messages: Vec<ForwardedMessage>,
    pub attachments: Vec<ForwardedAttachment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForwardedReport {
    pub text: Option<String>,
    pub when: Option<String>,
    #[serde(rename = "where")]
    pub place: Option<String>,
}

/// A message between the reporter and the office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForwardedMessage {
    pub from: crate::domain::workflow::Direction,
    pub date: chrono::NaiveDate,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForwardedAttachment {
    pub name: String,
    #[serde(rename = "type")]
    pub media_type: Option<String>,
    /// The attachment's bytes without padding, in standard base64.
    pub base64: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_reads_back_with_its_fields_and_padding() {
        let mut d = Document::report("Text");
        d.place = Some("Bürgeramt".into());
        d.attachments.push(AttachmentMeta {
            index: 0,
            name: Some("a.pdf".into()),
            media_type: Some("application/pdf".into()),
            size: Some(3),
        });
        let mut bytes = serde_json::to_vec(&d).unwrap();
        assert!(String::from_utf8_lossy(&bytes).contains("\"where\":\"Bürgeramt\""));
        assert!(String::from_utf8_lossy(&bytes).contains("\"type\":\"application/pdf\""));
        bytes.extend([b' '; 20]);
        assert_eq!(Document::parse(&bytes), Some(d));
    }

    #[test]
    fn unknown_fields_are_read_past_and_bad_answers_are_none() {
        let d = Document::parse(br#"{"v":1,"kind":"report","text":"t","new":1,"stats":{"x":1}}"#)
            .unwrap();
        assert_eq!(d.text, "t");
        assert_eq!(d.answers(), None);
    }
}
