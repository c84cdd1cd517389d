//! Re-encrypting cases for the office's current key set (after an officer joined or left):
//! the client decrypts every ciphertext and encrypts the same plaintext again, so each stays in
//! its padding bucket; the server swaps a case in one commit if it did not change meanwhile.

use base64::Engine;

use super::keys::Identities;
use super::{from_b64, Api, ClientError, B64};
use crate::crypto;
use crate::domain::workflow::Direction;
use crate::protocol::desk::{
    CaseRewrap, OpenedCase, Rewrap, RewrapBatch, RewrapBatchDone, RewrapItem, RewrapPending,
    Rewrapped,
};
use crate::protocol::ids::ItemId;
use crate::protocol::reports::OfficeView;

/// A case's ciphertexts, resealed: the report, its attachments and its messages.
type Resealed = (String, Vec<RewrapItem>, Vec<RewrapItem>);

/// Reseals a case's report (to the office and the reporter), attachments (to the office) and
/// messages (notes to the office; replies and the reporter's own messages to the reporter too).
fn reseal_case<'a>(
    report: &str,
    reply_recipient: &str,
    attachments: impl Iterator<Item = (&'a ItemId, &'a str)>,
    messages: impl Iterator<Item = (&'a ItemId, Direction, &'a str)>,
    office: &OfficeView,
    identities: &Identities,
) -> Result<Resealed, ClientError> {
    let reseal = |b64: &str, reporter_reads: bool| -> Result<String, ClientError> {
        let plain = crypto::decrypt(&from_b64(b64)?, identities)?;
        let mut to = office.recipients.clone();
        if reporter_reads {
            to.push(reply_recipient.to_owned());
        }
        Ok(B64.encode(crypto::encrypt(&plain, &to)?))
    };
    let item = |id: &ItemId, ciphertext: String| RewrapItem {
        id: id.clone(),
        ciphertext,
    };
    Ok((
        reseal(report, true)?,
        attachments
            .map(|(id, ct)| Ok(item(id, reseal(ct, false)?)))
            .collect::<Result<_, ClientError>>()?,
        messages
            .map(|(id, d, ct)| Ok(item(id, reseal(ct, d != Direction::Note)?)))
            .collect::<Result<_, ClientError>>()?,
    ))
}

/// The rewrap request for `case`, as opened without marking it read, for `office` as it is now.
pub fn request(
    case: &OpenedCase,
    office: &OfficeView,
    identities: &Identities,
) -> Result<Rewrap, ClientError> {
    let (ciphertext, attachments, messages) = reseal_case(
        &case.ciphertext,
        &case.reply_recipient,
        case.attachments
            .iter()
            .map(|a| (&a.id, a.ciphertext.as_str())),
        case.messages
            .iter()
            .map(|m| (&m.id, m.direction, m.ciphertext.as_str())),
        office,
        identities,
    )?;
    Ok(Rewrap {
        keyset_version: office.keyset_version,
        ciphertext,
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

/// What `rewrap_all` did: cases re-encrypted, and those these identities cannot open (whole).
#[derive(Debug, Default)]
pub struct RewrapAll {
    pub rewrapped: usize,
    pub unreadable: Vec<String>,
}

/// Re-encrypts every case the office's current key set cannot read yet, a page at a time, each
/// page in one commit. A case that changed meanwhile is done again on its own; one these
/// identities cannot open is left, and named.
pub fn rewrap_all(
    api: &Api,
    office: &OfficeView,
    identities: &Identities,
) -> Result<RewrapAll, ClientError> {
    let mut out = RewrapAll::default();
    let mut after = String::new();
    loop {
        let page: RewrapPending = api.get(&format!("/v1/desk/rewrap?after={after}"))?;
        let Some(last) = page.cases.last() else {
            break;
        };
        after = last.id.to_string();
        let mut cases = Vec::new();
        for c in &page.cases {
            let resealed = reseal_case(
                &c.report,
                &c.reply_recipient,
                c.attachments.iter().map(|a| (&a.id, a.ciphertext.as_str())),
                c.messages
                    .iter()
                    .map(|m| (&m.id, m.direction, m.ciphertext.as_str())),
                office,
                identities,
            );
            match resealed {
                Ok((ciphertext, attachments, messages)) => cases.push(CaseRewrap {
                    id: c.id.clone(),
                    ciphertext,
                    attachments,
                    messages,
                }),
                Err(ClientError::Crypto(crypto::CryptoError::Decrypt(_))) => {
                    out.unreadable.push(c.id.to_string())
                }
                Err(e) => return Err(e),
            }
        }
        if cases.is_empty() {
            continue;
        }
        let body = RewrapBatch {
            keyset_version: office.keyset_version,
            cases,
        };
        let done: RewrapBatchDone = api.post("/v1/desk/rewrap", &body)?;
        out.rewrapped += done.rewrapped.len();
        for id in done.changed {
            rewrap(api, id.as_str(), office, identities)?;
            out.rewrapped += 1;
        }
    }
    Ok(out)
}
