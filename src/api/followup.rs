//! The reporter's way back, with nothing but the lookup id derived from the receipt.
//! A wrong lookup id answers exactly like a missing one: the same query runs either way.

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;

use super::{read_json, ApiError, AppState};
use crate::app::reports;
use crate::domain::case::Status;
use crate::domain::workflow::Case;
use crate::protocol::followup::{
    ReadRequest, ReporterCase, ReporterMessage, ReporterMessageCreated, ReporterMessageRequest,
};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The case behind a lookup id, after the global rate limit.
async fn case(state: &AppState, lookup_id: &str) -> Result<Case, ApiError> {
    super::rate_check(state.lookups.check(), state.lookups.clock())?;
    Ok(reports::case_of(&state.store, lookup_id).await?)
}

pub async fn read(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let r: ReadRequest = read_json(&req, payload, 4096).await?;
    let case = case(&state, r.lookup_id.expose()).await?;
    let (report, messages) = reports::reporter_view(&state.store, &case).await?;
    Ok(HttpResponse::Ok().json(ReporterCase {
        reference: crate::domain::case::reference(&case.id),
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
    if case.status != Status::Closed {
        state.check_office_submission_limit(&case.office)?;
    }
    let today = state.config.today();
    reports::reporter_message(
        &state.store,
        case,
        r.ciphertext,
        r.keyset_version,
        &state.config.limits(),
        today,
        state.config.mail_enabled(),
    )
    .await?;
    Ok(HttpResponse::Created().json(ReporterMessageCreated { created_on: today }))
}
