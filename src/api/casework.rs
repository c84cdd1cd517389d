//! Casework routes: colleagues, assignment, labels, and reports an officer records for a
//! reporter. Label names and recorded reports are ciphertext like everything else.

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;

use super::desk::{summary, Desk};
use super::{read_json, ApiError, AppState};
use crate::app::{cases, labels, reports};
use crate::protocol::casework as wire;
use crate::protocol::reports::Submission;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const SMALL_BODY: usize = 16 * 1024;
/// A label's name sealed in the smallest bucket, in base64, with room for many officers.
const LABEL_BODY: usize = 64 * 1024;

/// `GET /v1/desk/officers`: the office's active officers, for assignment and "seen by".
pub async fn officers(state: web::Data<AppState>, desk: Desk) -> Result<HttpResponse, ApiError> {
    let list = cases::colleagues(&state.store, &desk.office).await?;
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
    let to = r.officer.map(|o| o.0);
    let (case, listed) =
        cases::assign(&state.store, &officer, &office, id.into_inner(), to).await?;
    Ok(HttpResponse::Ok().json(summary(&case, listed, state.config.today())))
}

/// `GET /v1/desk/labels`.
pub async fn list_labels(state: web::Data<AppState>, desk: Desk) -> Result<HttpResponse, ApiError> {
    let list = labels::list(&state.store, &desk.office).await?;
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
    let created = label.is_none();
    let id = labels::put(
        &state.store,
        &officer,
        &office,
        label,
        r.ciphertext,
        r.keyset_version,
        &state.config.limits(),
    )
    .await?;
    let body = wire::LabelSaved { id: id.into() };
    Ok(if created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
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
    labels::delete(&state.store, &officer, &office, label.into_inner()).await?;
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
    let labels = r.labels.into_iter().map(|l| l.0).collect();
    let (case, listed) =
        cases::set_labels(&state.store, &officer, &office, id.into_inner(), labels).await?;
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
    let report = reports::submit(
        &state.store,
        sub,
        Some(std::sync::Arc::new(office)),
        Some(&officer),
        &state.config.limits(),
        state.config.today(),
        state.config.mail_enabled(),
    )
    .await?;
    Ok(HttpResponse::Created().json(wire::Recorded {
        reference: crate::domain::case::reference(&report.id),
        id: report.id.into(),
        status: report.status,
        received_on: report.received_on,
        ack_due: report.ack_due,
        feedback_due: report.feedback_due,
    }))
}
