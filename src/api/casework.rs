//! Casework routes: colleagues, assignment, labels, and reports an officer records for a
//! reporter. Label names and recorded reports are ciphertext like everything else.

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;

use super::desk::{change_case, own_case, summary, Desk};
use super::{read_json, ApiError, AppState};
use crate::db::{self, casework::Refusal};
use crate::domain::intake::{self, Submission};
use crate::domain::workflow::{self, Direction};
use crate::protocol::casework as wire;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const SMALL_BODY: usize = 16 * 1024;
/// A label's name sealed in the smallest bucket, in base64, with room for many officers.
const LABEL_BODY: usize = 64 * 1024;

/// `GET /v1/desk/officers`: the office's active officers, for assignment and "seen by".
pub async fn officers(state: web::Data<AppState>, desk: Desk) -> Result<HttpResponse, ApiError> {
    let office = desk.office;
    let mut list = state
        .store
        .read(move |c| db::offices::list_officers(c, &office.slug))
        .await?;
    list.retain(|o| o.active);
    list.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id)));
    Ok(HttpResponse::Ok().json(wire::Colleagues {
        officers: list
            .into_iter()
            .map(|o| wire::Colleague {
                id: o.id.into(),
                display_name: o.display_name,
            })
            .collect(),
    }))
}

/// `POST /v1/desk/cases/{case}/assignee`.
pub async fn assign(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let r: wire::Assign = read_json(&req, payload, SMALL_BODY).await?;
    let case = own_case(&state, &office, id.into_inner()).await?;
    let (slug, case_id, to) = (office.slug, case.id.clone(), r.officer.clone());
    let subject = format!("{case_id} to {}", to.as_deref().unwrap_or("office"));
    let listed = change_case(&state, &officer, &case.id, "assign", subject, move |c| {
        Ok(db::casework::assign(c, &slug, &case_id, to.as_deref())?.map_err(ApiError::from))
    })
    .await?;
    let updated = crate::domain::workflow::Case {
        assignee: r.officer.map(|o| o.0),
        ..case
    };
    Ok(HttpResponse::Ok().json(summary(&updated, listed, state.config.today())))
}

/// `GET /v1/desk/labels`.
pub async fn labels(state: web::Data<AppState>, desk: Desk) -> Result<HttpResponse, ApiError> {
    let office = desk.office;
    let list = state
        .store
        .read(move |c| db::casework::list_labels(c, &office.slug))
        .await?;
    Ok(HttpResponse::Ok().json(wire::Labels {
        labels: list
            .into_iter()
            .map(|l| wire::LabelView {
                id: l.id.into(),
                ciphertext: B64.encode(l.ciphertext),
                keyset_version: l.keyset_version,
            })
            .collect(),
    }))
}

/// `POST /v1/desk/labels` (`label: None`) and `PUT /v1/desk/labels/{label}`.
async fn put_label(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    payload: web::Payload,
    label: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let r: wire::LabelBody = read_json(&req, payload, LABEL_BODY).await?;
    intake::check_keyset(r.keyset_version, &office)?;
    // A label's name is the office's own, like a note.
    let expected = workflow::expected_stanzas(Direction::Note, office.recipients.len());
    let buckets = state.config.limits().report;
    let ct =
        web::block(move || intake::check_age_file("ciphertext", &r.ciphertext, expected, &buckets))
            .await
            .map_err(|_| ApiError::Internal)??;
    let (slug, version, created) = (office.slug, r.keyset_version, label.is_none());
    let id = state
        .store
        .write(move |c| {
            let id = match db::casework::put_label(c, &slug, label.as_deref(), &ct, version)? {
                Ok(id) => id,
                Err(r) => return Ok(Err(r)),
            };
            let action = if created { "label:add" } else { "label:change" };
            db::desk::append_audit(c, &slug, &officer.id, action, Some(&id))?;
            Ok(Ok(id))
        })
        .await?
        .map_err(label_refusal)?;
    let body = wire::LabelSaved { id: id.into() };
    Ok(if created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

/// A refusal about a label named in the path: an unknown one is not there (404).
fn label_refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::UnknownLabel(_) => ApiError::UnknownLabel,
        r => r.into(),
    }
}

pub async fn add_label(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    put_label(state, req, desk, payload, None).await
}

pub async fn change_label(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    label: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    put_label(state, req, desk, payload, Some(label.into_inner())).await
}

/// `DELETE /v1/desk/labels/{label}`: gone from the office and from every case.
pub async fn delete_label(
    state: web::Data<AppState>,
    desk: Desk,
    label: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let (slug, label) = (office.slug, label.into_inner());
    state
        .store
        .write(move |c| {
            if let Err(r) = db::casework::delete_label(c, &slug, &label)? {
                return Ok(Err(r));
            }
            db::desk::append_audit(c, &slug, &officer.id, "label:remove", Some(&label))?;
            Ok(Ok(()))
        })
        .await?
        .map_err(label_refusal)?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /v1/desk/cases/{case}/labels`.
pub async fn set_case_labels(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let r: wire::CaseLabels = read_json(&req, payload, SMALL_BODY).await?;
    let labels: Vec<String> = r.labels.into_iter().map(|l| l.0).collect();
    let case = own_case(&state, &office, id.into_inner()).await?;
    let (slug, case_id) = (office.slug, case.id.clone());
    let listed = change_case(
        &state,
        &officer,
        &case.id,
        "labels",
        case.id.clone(),
        move |c| {
            Ok(db::casework::set_case_labels(c, &slug, &case_id, &labels)?.map_err(ApiError::from))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(summary(&case, listed, state.config.today())))
}

/// `POST /v1/desk/reports`: a report an officer took by telephone, in person or by letter.
/// It is checked like a reporter's submission (the officer's own office, no proof of work) and
/// becomes a case with the same legal clocks; the receipt stays with the officer's client.
pub async fn record(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let r: wire::RecordedReport = read_json(&req, payload, state.config.max_body_bytes).await?;
    let sub = Submission {
        office: office.slug.clone().into(),
        keyset_version: r.keyset_version,
        ciphertext: r.ciphertext,
        reply_recipient: r.reply_recipient,
        lookup_id: r.lookup_id,
        attachments: r.attachments,
        stats: None,
        pow: None,
    };
    let limits = state.config.limits();
    let today = state.config.today();
    let report = web::block(move || intake::accept(sub, Some(&office), &limits, today))
        .await
        .map_err(|_| ApiError::Internal)??;
    let answer = wire::Recorded {
        id: report.id.clone().into(),
        status: report.status,
        received_on: report.received_on,
        ack_due: report.ack_due,
        feedback_due: report.feedback_due,
    };
    let notify = state.config.mail_enabled();
    state
        .store
        .write(move |c| {
            db::reports::insert_report(c, &report)?;
            db::desk::append_audit(c, &report.office, &officer.id, "record", Some(&report.id))?;
            // Colleagues hear of it like of any report (no case id, no time).
            if notify {
                db::outbox::mark_news(c, &report.office)?;
            }
            Ok(())
        })
        .await
        .map_err(super::reports::duplicate_lookup)?;
    Ok(HttpResponse::Created().json(answer))
}
