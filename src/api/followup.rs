//! The reporter's way back, with nothing but the lookup id derived from the receipt.
//! A wrong lookup id answers exactly like a missing one: the same query runs either way.

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;

use super::{read_json, ApiError, AppState};
use crate::crypto;
use crate::db;
use crate::domain::case::Status;
use crate::domain::intake;
use crate::domain::workflow::{self, Case, Direction};
use crate::protocol::followup::{
    ReadRequest, ReporterCase, ReporterMessage, ReporterMessageCreated, ReporterMessageRequest,
};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A random lookup id in hex, the same for the life of the process.
fn unknown_lookup_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let mut id = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
        hex::encode(id)
    })
}

/// The case behind a lookup id, after the global rate limit.
async fn case(state: &AppState, lookup_id: &str) -> Result<Case, ApiError> {
    super::rate_check(state.lookups.check(), state.lookups.clock())?;
    // A malformed id is as unknown as a wrong one, and costs the same: it is replaced by a
    // random well-formed id drawn at process start (which no report has), then decoded and
    // hashed like any other.
    let id = intake::decode_lookup_id(lookup_id)
        .or_else(|_| intake::decode_lookup_id(unknown_lookup_id()))
        .unwrap_or_default();
    let hash = crypto::sha256(&id);
    state
        .store
        .read(move |c| db::desk::case_by_lookup(c, &hash))
        .await?
        .ok_or(ApiError::UnknownReceipt)
}

pub async fn read(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let r: ReadRequest = read_json(&req, payload, 4096).await?;
    let case = case(&state, r.lookup_id.expose()).await?;
    let id = case.id.clone();
    let (report, messages) = state
        .store
        .read(move |c| {
            Ok((
                db::desk::report_ciphertext(c, &id)?,
                db::desk::messages_of(c, &id, false)?,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReporterCase {
        office: case.office.into(),
        // The reporter's own report, which their reply identity opens (reports since the
        // receipt became a recipient; older ones are the office's only).
        report: B64.encode(report),
        status: case.status,
        received_on: case.clocks.received_on,
        ack_due: case.clocks.ack_due,
        feedback_due: case.clocks.feedback_due,
        messages: messages
            .into_iter()
            .map(|m| ReporterMessage {
                direction: m.direction,
                created_on: m.created_on,
                ciphertext: B64.encode(m.ciphertext),
            })
            .collect(),
    }))
}

pub async fn message(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let r: ReporterMessageRequest =
        read_json(&req, payload, state.config.message_body_bytes()).await?;
    // The work is checked before anything is looked up, so that guessing lookup ids costs it.
    state.pow.verify(r.pow.as_ref())?;
    // Before the lookup, so that a 429 says nothing about whether the id is known.
    state.check_global_submission_limit()?;
    let case = case(&state, r.lookup_id.expose()).await?;
    if case.status == Status::Closed {
        return Err(ApiError::Conflict(
            "case-closed",
            "this case is closed".into(),
        ));
    }
    state.check_office_submission_limit(&case.office)?;
    let slug = case.office.clone();
    let office = state
        .store
        .read(move |c| db::offices::get_office(c, &slug))
        .await?
        .ok_or(ApiError::UnknownReceipt)?;
    intake::check_keyset(r.keyset_version, &office)?;
    let expected = workflow::expected_stanzas(Direction::Reporter, office.recipients.len());
    let buckets = state.config.limits().report;
    let ct =
        web::block(move || intake::check_age_file("ciphertext", &r.ciphertext, expected, &buckets))
            .await
            .map_err(|_| ApiError::Internal)??;
    let today = state.config.today();
    let (id, office, version) = (case.id.clone(), case.office.clone(), r.keyset_version);
    let notify = state.config.mail_enabled();
    state
        .store
        .write(move |c| {
            let stored =
                db::desk::insert_message(c, &id, Direction::Reporter, &ct, today, version)?;
            if notify && stored.is_ok() {
                db::outbox::mark_news(c, &office)?;
            }
            Ok(stored)
        })
        .await?
        .map_err(|current| intake::IntakeError::StaleKeyset { current })?;
    Ok(HttpResponse::Created().json(ReporterMessageCreated { created_on: today }))
}
