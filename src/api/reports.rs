//! Intake routes: the office's public description, the taxonomy, and report submission.

use actix_web::{web, HttpRequest, HttpResponse};

use super::{read_json, ApiError, AppState};
use crate::app::reports;
use crate::domain::intake;
use crate::domain::stats::taxonomy;
use crate::protocol::ids::Slug;
use crate::protocol::reports::{
    OfficeEntry, OfficeList, OfficeView, Padding, Received, Submission, Taxonomy, TaxonomyField,
};

pub async fn office(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let office = reports::office(&state.store, &slug)
        .await?
        .ok_or(intake::IntakeError::UnknownOffice)?;
    let limits = state.config.limits();
    Ok(HttpResponse::Ok().json(OfficeView {
        slug: office.slug.into(),
        name: office.name,
        municipality: office.municipality,
        land: office.land,
        size_class: office.size_class,
        keyset_version: office.keyset_version,
        recipients: office.recipients,
        padding: Padding {
            buckets: limits.report.listed(),
            step: 64 * 1024,
            max_plaintext: limits.report.max_plaintext,
            max_attachment: limits.attachment.max_plaintext,
            max_attachments: limits.max_attachments,
            max_body: state.config.max_body_bytes,
            max_message_body: state.config.message_body_bytes(),
        },
        taxonomy_version: taxonomy::VERSION,
    }))
}

/// The offices a reporter can choose from, and the one the form opens with (if configured).
pub async fn offices(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // Only offices an officer can read a report for (a recovery key alone is kept offline);
    // the default too.
    let list: Vec<_> = reports::offices(&state.store)
        .await?
        .into_iter()
        .filter(|o| o.officer_count() > 0)
        .collect();
    let default = state
        .config
        .default_office
        .as_ref()
        .filter(|d| list.iter().any(|o| &o.slug == *d))
        .map(|d| Slug::from(d.as_str()));
    let offices = list
        .into_iter()
        .map(|o| OfficeEntry {
            slug: o.slug.into(),
            name: o.name,
            municipality: o.municipality,
        })
        .collect();
    Ok(HttpResponse::Ok().json(OfficeList { default, offices }))
}

pub async fn taxonomy() -> HttpResponse {
    HttpResponse::Ok().json(Taxonomy {
        version: taxonomy::VERSION,
        fields: taxonomy::FIELDS
            .iter()
            .map(|f| TaxonomyField {
                name: f.name.into(),
                multi: f.multi,
                max: f.max,
                values: f.values.iter().map(|v| (*v).into()).collect(),
            })
            .collect(),
    })
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let sub: Submission = read_json(&req, payload, state.config.max_body_bytes).await?;
    state.pow.verify(sub.pow.as_ref())?;
    state.check_global_submission_limit()?;
    let office = state
        .offices
        .get(&state.store, &sub.office, sub.keyset_version)
        .await?;
    if let Some(o) = &office {
        // Keyed only by offices that exist, so the key set cannot be grown from outside.
        state.check_office_submission_limit(&o.slug)?;
    }
    let report = reports::submit(
        &state.store,
        sub,
        office,
        None,
        &state.config.limits(),
        state.config.today(),
        state.config.mail_enabled(),
    )
    .await?;
    Ok(HttpResponse::Created().json(Received {
        reference: crate::domain::case::reference(&report.id),
        status: report.status,
        received_on: report.received_on,
        ack_due: report.ack_due,
        feedback_due: report.feedback_due,
    }))
}
