//! Re-encrypting a case for the office's current key set (after an officer joined or left):
//! the client decrypts every ciphertext and encrypts the same plaintext again, so each stays in
//! its padding bucket; the server swaps them in one commit if the case did not change meanwhile.

use base64::Engine;

use super::keys::Identities;
use super::{from_b64, Api, ClientError, B64};
use crate::crypto;
use crate::domain::workflow::Direction;
use crate::protocol::desk::{OpenedCase, Rewrap, RewrapItem, Rewrapped};
use crate::protocol::reports::OfficeView;

/// The rewrap request for `case`, as opened without marking it read, for `office` as it is now.
pub fn request(
    case: &OpenedCase,
    office: &OfficeView,
    identities: &Identities,
) -> Result<Rewrap, ClientError> {
    let reseal = |b64: &str, reporter_reads: bool| -> Result<String, ClientError> {
        let plain = crypto::decrypt(&from_b64(b64)?, identities)?;
        let mut to = office.recipients.clone();
        if reporter_reads {
            to.push(case.reply_recipient.clone());
        }
        Ok(B64.encode(crypto::encrypt(&plain, &to)?))
    };
    // Replies and the reporter's own messages are the reporter's to read too; notes are not.
    let messages = case
        .messages
        .iter()
        .map(|m| {
            Ok(RewrapItem {
                id: m.id.clone(),
                ciphertext: reseal(&m.ciphertext, m.direction != Direction::Note)?,
            })
        })
        .collect::<Result<_, ClientError>>()?;
    let attachments = case
        .attachments
        .iter()
        .map(|a| {
            Ok(RewrapItem {
                id: a.id.clone(),
                ciphertext: reseal(&a.ciphertext, false)?,
            })
        })
        .collect::<Result<_, ClientError>>()?;
    Ok(Rewrap {
        keyset_version: office.keyset_version,
        ciphertext: reseal(&case.ciphertext, true)?,
        attachments,
        messages,
    })
}

/// Opens the case (without marking it read), re-encrypts it and sends it back.
pub fn rewrap(
    api: &Api,
    case: &str,
    office: &OfficeView,
    identities: &Identities,
) -> Result<Rewrapped, ClientError> {
    let opened: OpenedCase = api.get(&format!("/v1/desk/cases/{case}?read=false"))?;
    let body = request(&opened, office, identities)?;
    api.post(&format!("/v1/desk/cases/{case}/rewrap"), &body)
}
