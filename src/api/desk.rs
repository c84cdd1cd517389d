//! The complaint desk's routes: login by age challenge, the inbox, one case, status, notes,
//! replies, export, forwarding, rewrap, retention and contributions. Each handler parses the
//! request, calls its use case in `app`, and answers with the wire type. Content is
//! ciphertext both ways; decryption happens in the client.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{login, read_json, ApiError, AppState};
use crate::app::{self, cases, contributions};
use crate::crypto;
use crate::domain::intake;
use crate::domain::office::{Office, Officer};
use crate::domain::workflow::{self, Case, Direction, Filter, Message};
use crate::protocol::desk::{
    CaseContents, CaseSummary, ContentItem, Contents, Forward, Forwarded, Inbox, MessageCounts,
    MessageCreated, MessageView, NewMessage, OpenedCase, PendingRewrap, Retention, Rewrap,
    RewrapBatch, RewrapBatchDone, RewrapItem, RewrapPending, Rewrapped, StatusChange, StoredItem,
};
use crate::protocol::ids::Token;
use crate::protocol::login::{OfficerChallengeRequest, OfficerSession, OfficerView};
use crate::protocol::stats::{
    Contributed, Contribution, Contributions, CurrentQuarter, QuarterState,
};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const SMALL_BODY: usize = 16 * 1024;

pub async fn challenge(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let r: OfficerChallengeRequest = read_json(&req, payload, SMALL_BODY).await?;
    if !crypto::is_recipient(&r.recipient) {
        return Err(ApiError::InvalidRequest(
            "recipient: not an age recipient".into(),
        ));
    }
    let ch = app::login::officer_challenge(
        &state.store,
        &state.challenges,
        &r.office.0,
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
    let s = app::login::officer_session(
        &state.store,
        &state.challenges,
        &r.challenge_id,
        r.secret.expose(),
        state.config.session_secs,
    )
    .await?;
    let officer = s.who.officer;
    // The audit log's head, for the officer to compare with a checkpoint kept elsewhere.
    Ok(HttpResponse::Created().json(OfficerSession {
        token: Token::new(s.token),
        expires_at: s.expires_at.and_utc(),
        officer: OfficerView {
            id: officer.id.into(),
            display_name: officer.display_name,
            office: officer.office.into(),
        },
        audit_head: s.who.audit_head.map(|h| h.to_string()),
    }))
}

/// The officer behind the request's bearer token, with their office: a request guard, so a
/// desk handler gets both from one storage round trip before it does anything else.
pub struct Desk {
    pub officer: Officer,
    pub office: Office,
}

impl actix_web::FromRequest for Desk {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Desk, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or(ApiError::Internal)?
                .clone();
            let token = login::bearer(&req)?;
            let (officer, office) = app::login::officer_by_token(&state.store, token).await?;
            Ok(Desk { officer, office })
        })
    }
}

/// A case as the wire shows it, from the case, its counts and labels, and what is due today.
pub(super) fn summary(case: &Case, listed: cases::Listed, today: NaiveDate) -> CaseSummary {
    let due = workflow::due(case.status, &case.clocks, today);
    let (c, n) = (case.clocks, listed.counts);
    CaseSummary {
        id: case.id.clone().into(),
        reference: crate::domain::case::reference(&case.id),
        status: case.status,
        keyset_version: case.keyset_version,
        received_on: c.received_on,
        acknowledged_on: c.acknowledged_on,
        ack_due: c.ack_due,
        feedback_due: c.feedback_due,
        closed_on: c.closed_on,
        delete_after: c.delete_after,
        ack_overdue: due.ack_overdue,
        feedback_overdue: due.feedback_overdue,
        due_soon: due.due_soon,
        messages: MessageCounts {
            from_reporter: n.from_reporter,
            from_office: n.from_office,
            notes: n.notes,
            unread_from_reporter: n.unread_from_reporter,
        },
        assignee: case.assignee.clone().map(Into::into),
        labels: listed.labels.into_iter().map(Into::into).collect(),
        opened: listed.opened,
    }
}

#[derive(Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    filter: Filter,
    /// Only the cases assigned to the asking officer.
    #[serde(default)]
    mine: bool,
}

pub async fn inbox(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let today = state.config.today();
    let cases = cases::inbox(
        &state.store,
        &officer,
        &office,
        query.filter,
        query.mine,
        today,
    )
    .await?
    .into_iter()
    .map(|(case, listed)| summary(&case, listed, today))
    .collect();
    let body = serde_json::to_vec(&Inbox {
        today,
        office: office.slug.into(),
        cases,
    })
    .map_err(|_| ApiError::Internal)?;
    // The desk asks every few seconds whether anything changed: an answer as it was is 304,
    // without a body. The tag follows from the answer (for this officer: it holds their
    // unread counts), so it is the same on every server of the office and after a restart.
    let etag = format!("\"{}\"", hex::encode(&crypto::sha256(&body)[..16]));
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag));
    Ok(if unchanged {
        res.finish()
    } else {
        res.content_type("application/json").body(body)
    })
}

#[derive(Deserialize)]
pub struct ContentsQuery {
    #[serde(default)]
    offset: u32,
    #[serde(default = "page")]
    limit: u32,
    /// Only these cases (comma-separated ids): what changed since the desk last read.
    #[serde(default)]
    ids: Option<String>,
}

fn page() -> u32 {
    200
}

/// A page of the office's cases with their ciphertexts, for the desk to decrypt and search.
pub async fn contents(
    state: web::Data<AppState>,
    desk: Desk,
    query: web::Query<ContentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let (total, page) = cases::contents(
        &state.store,
        &officer,
        &office,
        query.offset.into(),
        query.limit.into(),
        query.ids.as_deref().map(|ids| {
            ids.split(',')
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect()
        }),
    )
    .await?;
    let cases = page
        .into_iter()
        .map(|c| CaseContents {
            id: c.id.into(),
            keyset_version: c.keyset_version,
            report: B64.encode(c.report),
            messages: c.messages.into_iter().map(content_item).collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Contents { total, cases }))
}

fn content_item(m: Message) -> ContentItem {
    ContentItem {
        id: m.id.into(),
        direction: m.direction,
        keyset_version: m.keyset_version,
        ciphertext: B64.encode(m.ciphertext),
    }
}

#[derive(Deserialize)]
pub struct OpenQuery {
    /// `false` for a client that opens the case only to re-encrypt it: then the reporter's
    /// messages stay marked as new for this officer.
    #[serde(default = "yes")]
    read: bool,
}

fn yes() -> bool {
    true
}

pub async fn open(
    state: web::Data<AppState>,
    desk: Desk,
    id: web::Path<String>,
    query: web::Query<OpenQuery>,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let opened = cases::open(&state.store, &officer, &office, id.into_inner(), query.read).await?;
    let messages = opened
        .messages
        .into_iter()
        .map(|(m, seen_by)| MessageView {
            id: m.id.into(),
            direction: m.direction,
            created_on: m.created_on,
            author: m.written.as_ref().map(|w| w.author.clone().into()),
            written_at: m.written.map(|w| w.at.and_utc()),
            ciphertext: B64.encode(m.ciphertext),
            keyset_version: m.keyset_version,
            seen_by: seen_by.into_iter().map(Into::into).collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(OpenedCase {
        case: summary(&opened.case, opened.listed, state.config.today()),
        report_seen_by: opened.report_seen_by.into_iter().map(Into::into).collect(),
        ciphertext: B64.encode(opened.report),
        attachments: opened
            .attachments
            .into_iter()
            .map(|(id, ct, keyset_version)| StoredItem {
                id: id.into(),
                ciphertext: B64.encode(ct),
                keyset_version,
            })
            .collect(),
        messages,
        reply_recipient: opened.case.reply_recipient,
    }))
}

pub async fn set_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let r: StatusChange = read_json(&req, payload, SMALL_BODY).await?;
    if r.classification.is_some() {
        return Err(intake::IntakeError::PlaintextStats.into());
    }
    let today = state.config.today();
    let (case, listed) = cases::change_status(
        &state.store,
        &officer,
        &office,
        id.into_inner(),
        r.status,
        today,
    )
    .await?;
    Ok(HttpResponse::Ok().json(summary(&case, listed, today)))
}

async fn add_message(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    id: web::Path<String>,
    payload: web::Payload,
    direction: Direction,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let r: NewMessage = read_json(&req, payload, state.config.max_body_bytes).await?;
    let today = state.config.today();
    let id = cases::add_message(
        &state.store,
        &officer,
        &office,
        id.into_inner(),
        direction,
        r.ciphertext,
        r.keyset_version,
        &state.config.limits(),
        today,
    )
    .await?;
    Ok(HttpResponse::Created().json(MessageCreated {
        id: id.into(),
        created_on: today,
    }))
}

pub async fn note(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    add_message(state, req, desk, id, payload, Direction::Note).await
}

pub async fn reply(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    add_message(state, req, desk, id, payload, Direction::Office).await
}

pub async fn export(
    state: web::Data<AppState>,
    desk: Desk,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let ct = cases::export(&state.store, &officer, &office, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"report.age\"",
        ))
        .body(ct))
}

/// `POST /v1/desk/cases/{case}/forwards`: records that the officer's client forwards the case
/// to a competent authority (HinSchG §18 no. 4); the server never sees what.
pub async fn forward(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let r: Forward = read_json(&req, payload, SMALL_BODY).await?;
    if r.passphrase == r.recipient.is_some() {
        return Err(ApiError::InvalidRequest(
            "name either the authority's recipient or passphrase: true".into(),
        ));
    }
    let fingerprint = cases::forward(
        &state.store,
        &officer,
        &office,
        id.into_inner(),
        r.recipient.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Created().json(Forwarded { fingerprint }))
}

pub async fn rewrap(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let r: Rewrap = read_json(&req, payload, state.config.max_body_bytes).await?;
    let limits = state.config.limits();
    let id = cases::rewrap(&state.store, &officer, &office, id.into_inner(), r, &limits).await?;
    Ok(HttpResponse::Ok().json(Rewrapped {
        id: id.into(),
        keyset_version: office.keyset_version,
    }))
}

#[derive(Deserialize)]
pub struct PendingQuery {
    #[serde(default)]
    after: String,
    #[serde(default = "rewrap_page")]
    limit: usize,
}

fn rewrap_page() -> usize {
    cases::MAX_REWRAP_BATCH
}

/// The next cases the office's current key set cannot read yet, with their ciphertexts, for
/// the desk to re-encrypt in a batch. A page holds at most a third of the body limit in
/// ciphertext, so that its base64 re-encryption fits into one `POST /v1/desk/rewrap`.
pub async fn pending_rewrap(
    state: web::Data<AppState>,
    desk: Desk,
    query: web::Query<PendingQuery>,
) -> Result<HttpResponse, ApiError> {
    let Desk { office, .. } = desk;
    let PendingQuery { after, limit } = query.into_inner();
    let max_bytes = state.config.max_body_bytes / 3;
    let (remaining, page) =
        cases::pending_rewrap(&state.store, &office, after, limit, max_bytes).await?;
    let cases = page
        .into_iter()
        .map(|c| PendingRewrap {
            id: c.id.into(),
            reply_recipient: c.reply_recipient,
            report: B64.encode(c.report),
            attachments: c
                .attachments
                .into_iter()
                .map(|(id, ct, _)| RewrapItem {
                    id: id.into(),
                    ciphertext: B64.encode(ct),
                })
                .collect(),
            messages: c.messages.into_iter().map(content_item).collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(RewrapPending {
        keyset_version: office.keyset_version,
        remaining,
        cases,
    }))
}

/// Many cases re-encrypted at once: those swapped in, and those that changed meanwhile.
pub async fn rewrap_many(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let batch: RewrapBatch = read_json(&req, payload, state.config.max_body_bytes).await?;
    let limits = state.config.limits();
    let (rewrapped, changed) =
        cases::rewrap_many(&state.store, &officer, &office, batch, &limits).await?;
    let ids = |v: Vec<String>| v.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(RewrapBatchDone {
        keyset_version: office.keyset_version,
        rewrapped: ids(rewrapped),
        changed: ids(changed),
    }))
}

/// Extends a closed case's retention to a later date, with the officer's reason recorded.
pub async fn extend_retention(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let r: Retention = read_json(&req, payload, SMALL_BODY).await?;
    let today = state.config.today();
    let (case, listed) = cases::extend_retention(
        &state.store,
        &officer,
        &office,
        id.into_inner(),
        r.delete_after,
        &r.reason,
        today,
    )
    .await?;
    Ok(HttpResponse::Ok().json(summary(&case, listed, today)))
}

// --- statistics contributions ---

/// A batch of up to this many bytes: some 20,000 records.
const CONTRIBUTION_BODY: usize = 8 * 1024 * 1024;

pub async fn contribute(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let r: Contribution = read_json(&req, payload, CONTRIBUTION_BODY).await?;
    let today = state.config.today();
    let (quarter, n) = contributions::contribute(
        &state.store,
        &state.stats_key,
        &officer,
        &office,
        &r.quarter,
        r.records,
        today,
    )
    .await?;
    Ok(HttpResponse::Created().json(Contributed {
        quarter: quarter.to_string(),
        records: n as u64,
    }))
}

/// The last four ended quarters: how many cases, how many records contributed, frozen or not.
pub async fn contributions(
    state: web::Data<AppState>,
    desk: Desk,
) -> Result<HttpResponse, ApiError> {
    let today = state.config.today();
    let (quarter, cases, contribute_from) =
        contributions::current_quarter(&state.store, &desk.office, today).await?;
    let current = CurrentQuarter {
        quarter: quarter.to_string(),
        cases,
        contribute_from,
    };
    let quarters = contributions::last_quarters(&state.store, &desk.office, today)
        .await?
        .into_iter()
        .map(|q| QuarterState {
            quarter: q.quarter.to_string(),
            cases: q.cases,
            contributed: q.contributed.unwrap_or(0),
            confirmed: q.contributed.is_some(),
            frozen: q.frozen,
        })
        .collect();
    Ok(HttpResponse::Ok().json(Contributions { quarters, current }))
}
