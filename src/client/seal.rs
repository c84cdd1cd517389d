//! Sealing documents as PROTOCOL.md §3–4 say: padded to the office's buckets, encrypted to its
//! key set (and to a receipt's reply key where the reporter reads along).

use base64::Engine;
use serde::Serialize;

use super::{ClientError, B64};
use crate::crypto::{self, padding::Buckets, receipt::Receipt};
use crate::protocol::ids::LookupId;
use crate::protocol::reports::{OfficeView, Submission};

/// A report document sealed for the office and the reply key of a fresh receipt, so the
/// receipt alone lets the reporter re-read it.
pub struct SealedReport {
    /// Standard base64 of the age file.
    pub ciphertext: String,
    pub receipt: Receipt,
    pub reply_recipient: String,
}

/// A document padded with trailing spaces to the smallest bucket up to `max_plaintext` and
/// encrypted to `recipients`: standard base64 of the age file.
pub fn seal_document<D: Serialize + ?Sized>(
    document: &D,
    recipients: &[String],
    max_plaintext: u64,
) -> Result<String, ClientError> {
    let bytes = serde_json::to_vec(document).map_err(|_| ClientError::TooLarge)?;
    let padded = crypto::padding::pad(bytes, &Buckets::new(max_plaintext), b' ')
        .ok_or(ClientError::TooLarge)?;
    Ok(B64.encode(crypto::encrypt(&padded, recipients)?))
}

pub fn seal_report<D: Serialize + ?Sized>(
    document: &D,
    office: &OfficeView,
) -> Result<SealedReport, ClientError> {
    super::check_ready(office)?;
    let receipt = Receipt::generate();
    let reply_recipient = receipt.reply_identity().to_public().to_string();
    let mut to = office.recipients.clone();
    to.push(reply_recipient.clone());
    Ok(SealedReport {
        ciphertext: seal_document(document, &to, office.padding.max_plaintext)?,
        receipt,
        reply_recipient,
    })
}

/// A submission of `document` to `office` (without proof of work), and its receipt.
pub fn submission<D: Serialize + ?Sized>(
    office: &OfficeView,
    document: &D,
) -> Result<(Submission, Receipt), ClientError> {
    let sealed = seal_report(document, office)?;
    let lookup_id = LookupId::new(hex::encode(sealed.receipt.lookup_id()));
    Ok((
        Submission {
            office: office.slug.clone(),
            keyset_version: office.keyset_version,
            ciphertext: sealed.ciphertext,
            reply_recipient: sealed.reply_recipient,
            lookup_id,
            attachments: vec![],
            stats: None,
            pow: None,
        },
        sealed.receipt,
    ))
}
