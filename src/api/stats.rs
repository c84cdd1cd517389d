//! The alliance's analysts: they log in by age challenge like officers and get released
//! tables of the offices they are granted. No route here returns a record.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{login, read_json, ApiError, AppState};
use crate::db::{self, stats::Analyst};
use crate::office::Office;
use crate::publish::{self, TableRequest};
use crate::stats::render::Format;

const ANALYST: &str = "analyst:";
/// Analysts belong to the alliance, not to an office; their audit entries say so.
const AUDIT_SCOPE: &str = "alliance";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    recipient: String,
}

pub async fn challenge(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let r: ChallengeRequest = read_json(&req, payload, 16 * 1024).await?;
    if !crate::crypto::is_recipient(&r.recipient) {
        return Err(ApiError::InvalidRequest(
            "recipient: not an age recipient".into(),
        ));
    }
    let recipient = r.recipient.clone();
    let analyst = state
        .store
        .read(move |c| db::stats::analyst_by_recipient(c, &recipient))
        .await?;
    login::issue(
        &state,
        analyst.map(|a| (format!("{ANALYST}{}", a.id), a.recipient)),
    )
    .await
}

async fn principal_analyst(state: &AppState, principal: &str) -> Result<Analyst, ApiError> {
    login::resolve(state, principal, ANALYST, |c, id| {
        Ok(db::stats::get_analyst(c, id)?.filter(|a| a.active))
    })
    .await
}

pub async fn session(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let principal = login::redeem(&state, &req, payload).await?;
    let analyst = principal_analyst(&state, &principal).await?;
    let id = analyst.id.clone();
    let (token, expires_at, ()) = login::open_session(&state, principal, move |c| {
        db::desk::append_audit(c, AUDIT_SCOPE, &id, "login", None)
    })
    .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "token": token,
        "expires_at": expires_at.and_utc().to_rfc3339(),
        "analyst": {"id": analyst.id, "display_name": analyst.display_name, "offices": analyst.offices},
    })))
}

/// The analyst behind the token, with the offices they may see.
async fn analyst(state: &AppState, req: &HttpRequest) -> Result<(Analyst, Vec<Office>), ApiError> {
    let principal = login::bearer(state, req).await?;
    let analyst = principal_analyst(state, &principal).await?;
    let granted = analyst.offices.clone();
    let offices = state
        .store
        .read(move |c| {
            Ok(db::offices::list_offices(c)?
                .into_iter()
                .filter(|o| granted.contains(&o.slug))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok((analyst, offices))
}

/// Every release an analyst fetches is audited.
async fn audit_export(state: &AppState, analyst: &Analyst) -> Result<(), ApiError> {
    let id = analyst.id.clone();
    state
        .store
        .write(move |c| db::desk::append_audit(c, AUDIT_SCOPE, &id, "stats-export", None))
        .await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct TableQuery {
    period: String,
    by: String,
    #[serde(default = "default_format")]
    format: String,
    office: Option<String>,
}

#[derive(Deserialize)]
pub struct SetQuery {
    period: String,
    #[serde(default = "default_set_format")]
    format: String,
}

fn default_format() -> String {
    "json".into()
}

fn default_set_format() -> String {
    "html".into()
}

pub async fn table(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<TableQuery>,
) -> Result<HttpResponse, ApiError> {
    let (analyst, offices) = analyst(&state, &req).await?;
    let q = q.into_inner();
    let format = Format::parse(&q.format).map_err(publish::PublishError::from)?;
    let request = TableRequest {
        period: q.period,
        by: q.by,
        office: q.office,
    };
    let (rules, today) = (state.config.stats.rules(), state.config.today());
    let released = state
        .store
        .read(move |c| Ok(publish::table(c, &request, &offices, &rules, today)))
        .await??;
    audit_export(&state, &analyst).await?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .body(publish::render_table(&released, format)))
}

pub async fn alliance(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<SetQuery>,
) -> Result<HttpResponse, ApiError> {
    let (analyst, offices) = analyst(&state, &req).await?;
    let q = q.into_inner();
    let format = Format::parse(&q.format).map_err(publish::PublishError::from)?;
    let (rules, today) = (state.config.stats.rules(), state.config.today());
    let set = state
        .store
        .read(move |c| Ok(publish::alliance(c, &q.period, &offices, &rules, today)))
        .await??;
    let body = publish::render_set(&set, format).map_err(publish::PublishError::from)?;
    audit_export(&state, &analyst).await?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .body(body))
}
