//! Reports coming in, from a reporter's device or recorded by an officer, and the reporter's
//! way back with nothing but the lookup id their receipt derives.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;

use super::{blocking, AppError};
use crate::crypto;
use crate::db::reports::{NotStored, PendingReport};
use crate::db::{self, Store};
use crate::domain::case::Status;
use crate::domain::intake::{self, Limits};
use crate::domain::office::{Office, Officer};
use crate::domain::workflow::{self, Case, Direction, Message};
use crate::protocol::reports::Submission;

/// An office by slug, if there is one.
pub async fn office(store: &Store, slug: &str) -> Result<Option<Office>, AppError> {
    let slug = slug.to_owned();
    Ok(store
        .read(move |c| db::offices::get_office(c, &slug))
        .await?)
}

/// Every office, by slug.
pub async fn offices(store: &Store) -> Result<Vec<Office>, AppError> {
    Ok(store.read(db::offices::list_offices).await?)
}

/// The offices as intake last read them, so that a submission does not read its office again.
/// Safe because intake takes only the key set's size from here, a key set never changes
/// under its version (every change of recipients moves the version), and the version is
/// compared again in the commit that stores a report: a stale entry lets no report in for an
/// old key set. A submission that declares another version than the entry's reads the office
/// anew, so it is not refused on a stale entry either. Only offices that exist are kept.
#[derive(Default)]
pub struct OfficeCache(RwLock<HashMap<String, Arc<Office>>>);

impl OfficeCache {
    /// The office `slug` for a submission that declares key-set version `declared`.
    pub async fn get(
        &self,
        store: &Store,
        slug: &str,
        declared: i32,
    ) -> Result<Option<Arc<Office>>, AppError> {
        // A poisoned lock only costs the read.
        let cached = self.0.read().ok().and_then(|m| m.get(slug).cloned());
        if let Some(o) = cached.filter(|o| o.keyset_version == declared) {
            return Ok(Some(o));
        }
        let fresh = office(store, slug).await?.map(Arc::new);
        if let (Some(o), Ok(mut m)) = (&fresh, self.0.write()) {
            m.insert(o.slug.clone(), o.clone());
        }
        Ok(fresh)
    }
}

/// Up to this much base64, checking a submission takes microseconds: it is done where the
/// request is, without a hop to the blocking pool and back.
const INLINE_CHECK: usize = 64 * 1024;

/// Checks a submission without decrypting it and stores it, with the office's news mark (and
/// the officer's audit entry for a report an officer recorded) in the same commit. The key set
/// is compared in that commit too: a report for a key set that changed since it was checked
/// is refused (`stale-keyset`), never stored.
pub async fn submit(
    store: &Store,
    sub: Submission,
    office: Option<Arc<Office>>,
    recorded_by: Option<&Officer>,
    limits: &Limits,
    today: NaiveDate,
    notify: bool,
) -> Result<Accepted, AppError> {
    let limits = *limits;
    let size = sub.ciphertext.len() + sub.attachments.iter().map(String::len).sum::<usize>();
    let stored = if size <= INLINE_CHECK {
        intake::accept(sub, office.as_deref(), &limits, today)?
    } else {
        // Base64 decoding and header parsing of megabytes is CPU work: off the async threads.
        blocking(move || intake::accept(sub, office.as_deref(), &limits, today)).await??
    };
    let accepted = Accepted {
        id: stored.id.clone(),
        status: stored.status,
        received_on: stored.received_on,
        ack_due: stored.ack_due,
        feedback_due: stored.feedback_due,
    };
    let pending = PendingReport {
        report: stored,
        recorded_by: recorded_by.map(|o| o.id.clone()),
        news: notify,
    };
    store.add_report(pending).await?.map_err(|why| match why {
        NotStored::StaleKeyset(current) => intake::IntakeError::StaleKeyset { current }.into(),
        NotStored::DuplicateLookupId => AppError::DuplicateLookupId,
        NotStored::UnknownOffice => intake::IntakeError::UnknownOffice.into(),
    })?;
    Ok(accepted)
}

/// A stored report: its case id and legal clocks.
pub struct Accepted {
    pub id: String,
    pub status: Status,
    pub received_on: NaiveDate,
    pub ack_due: NaiveDate,
    pub feedback_due: NaiveDate,
}

/// A random lookup id in hex, the same for the life of the process.
fn unknown_lookup_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let mut id = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
        hex::encode(id)
    })
}

/// The case behind a lookup id. A malformed id is as unknown as a wrong one, and costs the
/// same: it is replaced by a random well-formed id drawn at process start (which no report
/// has), then decoded and hashed like any other.
pub async fn case_of(store: &Store, lookup_id: &str) -> Result<Case, AppError> {
    let id = intake::decode_lookup_id(lookup_id)
        .or_else(|_| intake::decode_lookup_id(unknown_lookup_id()))
        .unwrap_or_default();
    let hash = crypto::sha256(&id);
    store
        .read(move |c| db::desk::case_by_lookup(c, &hash))
        .await?
        .ok_or(AppError::UnknownReceipt)
}

/// What the reporter may see of their case: the report's ciphertext and the messages with
/// the office, never an internal note.
pub async fn reporter_view(
    store: &Store,
    case: &Case,
) -> Result<(Vec<u8>, Vec<Message>), AppError> {
    let id = case.id.clone();
    Ok(store
        .read(move |c| {
            Ok((
                db::desk::report_ciphertext(c, &id)?,
                db::desk::messages_of(c, &id, false)?,
            ))
        })
        .await?)
}

/// A reporter's message to the office of `case`, checked without decrypting and stored if the
/// office's key set is still the one it declares.
pub async fn reporter_message(
    store: &Store,
    case: Case,
    ciphertext: String,
    keyset_version: i32,
    limits: &Limits,
    today: NaiveDate,
    notify: bool,
) -> Result<(), AppError> {
    if case.status == Status::Closed {
        return Err(AppError::CaseClosed);
    }
    let office = office(store, &case.office)
        .await?
        .ok_or(AppError::UnknownReceipt)?;
    intake::check_ready(&office)?;
    intake::check_keyset(keyset_version, &office)?;
    let expected = workflow::expected_stanzas(Direction::Reporter, office.recipients.len());
    let buckets = limits.report;
    let ct =
        blocking(move || intake::check_age_file("ciphertext", &ciphertext, expected, &buckets))
            .await??;
    let (id, slug) = (case.id, case.office);
    store
        .write(move |c| {
            let stored = db::desk::insert_message(
                c,
                &id,
                Direction::Reporter,
                &ct,
                today,
                None,
                keyset_version,
            )?;
            if notify && stored.is_ok() {
                db::outbox::mark_news(c, &slug)?;
            }
            Ok(stored)
        })
        .await?
        .map_err(|current| intake::IntakeError::StaleKeyset { current })?;
    Ok(())
}
