//! What every client of the API does the same way: seal a report for an office with a fresh
//! receipt (docs/PROTOCOL.md §1–5). The CLI, the tests and the benchmarks use it.

use base64::Engine;

use crate::crypto::{self, padding::Buckets, receipt::Receipt, CryptoError};
use crate::protocol::ids::LookupId;
use crate::protocol::reports::{OfficeView, Submission};

/// A report document sealed as PROTOCOL.md §3–4 say: padded, encrypted to the office and to
/// the reply key of a fresh receipt, so the receipt alone lets the reporter re-read it.
pub struct SealedReport {
    /// Standard base64 of the age file.
    pub ciphertext: String,
    pub receipt: Receipt,
    pub reply_recipient: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the report is larger than the office accepts")]
    TooLarge,
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

pub fn seal_report(
    document: &serde_json::Value,
    office: &OfficeView,
) -> Result<SealedReport, ClientError> {
    let bytes = serde_json::to_vec(document).map_err(|_| ClientError::TooLarge)?;
    let padded = crypto::padding::pad(bytes, &Buckets::new(office.padding.max_plaintext), b' ')
        .ok_or(ClientError::TooLarge)?;
    let receipt = Receipt::generate();
    let reply_recipient = receipt.reply_identity().to_public().to_string();
    let mut to = office.recipients.clone();
    to.push(reply_recipient.clone());
    let ciphertext = crypto::encrypt(&padded, &to)?;
    Ok(SealedReport {
        ciphertext: base64::engine::general_purpose::STANDARD.encode(ciphertext),
        receipt,
        reply_recipient,
    })
}

/// A submission of `document` to `office` (without proof of work), and its receipt.
pub fn submission(
    office: &OfficeView,
    document: &serde_json::Value,
) -> Result<(Submission, Receipt), ClientError> {
    let sealed = seal_report(document, office)?;
    let lookup_id = hex::encode(sealed.receipt.lookup_id());
    Ok((
        Submission {
            office: office.slug.clone(),
            keyset_version: office.keyset_version,
            ciphertext: sealed.ciphertext,
            reply_recipient: sealed.reply_recipient,
            lookup_id: LookupId::new(lookup_id),
            attachments: vec![],
            stats: None,
            pow: None,
        },
        sealed.receipt,
    ))
}
