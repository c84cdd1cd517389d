//! The alliance's analysts: they log in by age challenge like officers, freeze a period's
//! release (analysts of the whole alliance only) and fetch frozen releases and their tables.
//! Every figure comes from a frozen release, byte for byte; no route here computes a table on
//! request or returns a record.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{login, read_json, ApiError, AppState};
use crate::app;
use crate::app::login::Analyst;
use crate::app::publish::{self, TableRequest};
use crate::domain::stats::render::Format;
use crate::protocol::ids::{Slug, Token};
use crate::protocol::login::{AnalystChallengeRequest, AnalystSession, AnalystView};
use crate::protocol::stats::{ReleaseEntry, ReleaseRequest, Released, Releases};

pub async fn challenge(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let r: AnalystChallengeRequest = read_json(&req, payload, 16 * 1024).await?;
    if !crate::crypto::is_recipient(&r.recipient) {
        return Err(ApiError::InvalidRequest(
            "recipient: not an age recipient".into(),
        ));
    }
    let ch = app::login::analyst_challenge(
        &state.store,
        &state.challenges,
        &r.recipient,
        state.config.challenge_secs,
    )
    .await?;
    Ok(login::challenge_answer(ch))
}

pub async fn session(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let r = login::session_request(&req, payload).await?;
    let s = app::login::analyst_session(
        &state.store,
        &state.challenges,
        &r.challenge_id,
        r.secret.expose(),
        state.config.session_secs,
    )
    .await?;
    Ok(HttpResponse::Created().json(AnalystSession {
        token: Token::new(s.token),
        expires_at: s.expires_at.and_utc(),
        analyst: AnalystView {
            id: s.who.id,
            display_name: s.who.display_name,
            offices: s.who.offices.into_iter().map(Slug::from).collect(),
        },
    }))
}

/// The analyst behind the token, with the offices they may see.
async fn analyst(state: &AppState, req: &HttpRequest) -> Result<Analyst, ApiError> {
    let token = login::bearer(req)?;
    Ok(app::login::analyst_by_token(&state.store, token).await?)
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
    let analyst = analyst(&state, &req).await?;
    let q = q.into_inner();
    let format = Format::parse(&q.format).map_err(publish::PublishError::from)?;
    if let Some(o) = &q.office {
        if !analyst.offices.contains(o) {
            return Err(publish::PublishError::NotGranted(o.clone()).into());
        }
    }
    let request = TableRequest {
        period: q.period,
        by: q.by,
        office: q.office,
    };
    let body = publish::table(&state.store, request, format).await?;
    publish::audit_export(&state.store, &analyst.id).await?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .body(body))
}

/// The frozen release set of a period (as before, under its old address).
pub async fn alliance(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<SetQuery>,
) -> Result<HttpResponse, ApiError> {
    serve_frozen(&state, &req, q.into_inner()).await
}

async fn serve_frozen(
    state: &AppState,
    req: &HttpRequest,
    q: SetQuery,
) -> Result<HttpResponse, ApiError> {
    let analyst = analyst(state, req).await?;
    let format = Format::parse(&q.format).map_err(publish::PublishError::from)?;
    // The whole frozen set is the alliance's; an analyst scoped to some offices gets the
    // alliance's tables and those offices' own, rendered for them.
    let body = if analyst.all_offices {
        publish::frozen_set(&state.store, &state.releases, q.period, format).await?
    } else {
        let granted = analyst.offices.clone();
        publish::scoped_set(&state.store, q.period, format, granted)
            .await?
            .into()
    };
    publish::audit_export(&state.store, &analyst.id).await?;
    let mut res = HttpResponse::Ok();
    res.content_type(format.content_type());
    if format == Format::Html {
        // The page's one <style> element, allowed by its hash; still no script, no resource.
        res.insert_header((
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            publication_csp(&body),
        ));
    }
    Ok(res.body(body))
}

/// The server's policy for a release page: nothing but its own stylesheet (and SVG data). The
/// hash is of the stored page's `<style>`, so a page frozen by an older version keeps its look.
fn publication_csp(page: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    // The stylesheet is in the head, so the search ends early (a page without one is searched
    // to its end, once per request).
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let style = find(page, b"<style>")
        .map(|at| &page[at + b"<style>".len()..])
        .and_then(|rest| find(rest, b"</style>").map(|end| &rest[..end]))
        .unwrap_or_default();
    let hash = sha2::Sha256::digest(style);
    format!(
        "default-src 'none'; style-src 'sha256-{}'; img-src data:; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

#[derive(Deserialize)]
pub struct FormatQuery {
    #[serde(default = "default_set_format")]
    format: String,
}

/// `GET /v1/stats/releases/{period}`: the stored bytes of a frozen release.
pub async fn frozen(
    state: web::Data<AppState>,
    req: HttpRequest,
    period: web::Path<String>,
    q: web::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = SetQuery {
        period: period.into_inner(),
        format: q.into_inner().format,
    };
    serve_frozen(&state, &req, q).await
}

/// `GET /v1/stats/releases`: the periods released so far.
pub async fn releases(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    analyst(&state, &req).await?;
    let list = publish::releases(&state.store).await?;
    let releases = list
        .into_iter()
        .map(|(period, released_on)| ReleaseEntry {
            period,
            released_on,
        })
        .collect();
    Ok(HttpResponse::Ok().json(Releases { releases }))
}

/// `POST /v1/stats/releases`: computes and freezes a period's release set. Only an analyst of
/// the whole alliance may, since the release covers every office.
pub async fn release(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let analyst = analyst(&state, &req).await?;
    let offices = publish::granted_offices(&state.store, &analyst).await?;
    if !analyst.all_offices {
        return Err(publish::PublishError::NotGranted("every office (the alliance)".into()).into());
    }
    let r: ReleaseRequest = read_json(&req, payload, 1024).await?;
    let (rules, today) = (state.config.stats.rules(), state.config.today());
    let stored = publish::release(
        &state.store,
        &state.stats_key,
        &analyst.id,
        r.period,
        offices,
        rules,
        today,
    )
    .await?;
    Ok(HttpResponse::Created().json(Released {
        period: stored.period,
        released_on: stored.released_on,
        offices: stored
            .offices
            .split(',')
            .filter(|s| !s.is_empty())
            .map(Slug::from)
            .collect(),
        rules: serde_json::from_str(&stored.rules).unwrap_or_default(),
    }))
}
