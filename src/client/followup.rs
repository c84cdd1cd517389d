//! The reporter's way back with the receipt alone (PROTOCOL.md §2, §6): read the case and
//! what the receipt opens of it, and send a message.

use chrono::NaiveDate;

use super::keys::Identities;
use super::{from_b64, seal_document, Api, ClientError};
use crate::crypto::{self, receipt::Receipt};
use crate::protocol::document::Document;
use crate::protocol::followup::{
    ReadRequest, ReporterCase, ReporterMessageCreated, ReporterMessageRequest,
};
use crate::protocol::ids::LookupId;

/// The lookup id a receipt derives, as the API takes it.
pub fn lookup_id(receipt: &Receipt) -> LookupId {
    LookupId::new(hex::encode(receipt.lookup_id()))
}

/// The case as the reporter sees it.
pub fn read(api: &Api, receipt: &Receipt) -> Result<ReporterCase, ClientError> {
    api.post(
        "/v1/followup/read",
        &ReadRequest {
            lookup_id: lookup_id(receipt),
        },
    )
}

/// A ciphertext of the case opened with the receipt's reply identity; `None` for one the
/// receipt does not open (sent for the office only) or that is no document.
pub fn open(receipt: &Receipt, b64: &str) -> Option<Document> {
    let ids: Identities = vec![Box::new(receipt.reply_identity())];
    let plain = crypto::decrypt(&from_b64(b64).ok()?, &ids).ok()?;
    Document::parse(&plain)
}

/// Sends `text` to the office of `case`, encrypted to its current key set and to the receipt
/// (so the reporter can re-read it), with a proof of work; the day it was stored.
pub fn send_message(
    api: &Api,
    receipt: &Receipt,
    case: &ReporterCase,
    text: &str,
) -> Result<NaiveDate, ClientError> {
    let office = api.office(&case.office)?;
    super::check_ready(&office)?;
    let mut to = office.recipients.clone();
    to.push(receipt.reply_identity().to_public().to_string());
    let body = ReporterMessageRequest {
        lookup_id: lookup_id(receipt),
        ciphertext: seal_document(
            &Document::new("message", text),
            &to,
            office.padding.max_plaintext,
        )?,
        keyset_version: office.keyset_version,
        pow: Some(api.proof_of_work()?),
    };
    let created: ReporterMessageCreated = api.post("/v1/followup/messages", &body)?;
    Ok(created.created_on)
}
