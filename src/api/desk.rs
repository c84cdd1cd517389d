//! The complaint desk: login by age challenge, the inbox, one case, status, notes, replies,
//! export and rewrap. Content is ciphertext both ways; decryption happens in the client.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{login, read_json, ApiError, AppState};
use crate::crypto;
use crate::db::{self, DbError};
use crate::domain::case::Status;
use crate::domain::intake;
use crate::domain::office::{Office, Officer};
use crate::domain::stats::contribution;
use crate::domain::stats::taxonomy::Quarter;
use crate::domain::workflow::{self, Case, Counts, Direction, Filter};
use crate::protocol::desk::{
    CaseSummary, Forward, Forwarded, Inbox, MessageCounts, MessageCreated, MessageView, NewMessage,
    OpenedCase, Retention, Rewrap, Rewrapped, StatusChange, StoredItem,
};
use crate::protocol::ids::Token;
use crate::protocol::login::{OfficerChallengeRequest, OfficerSession, OfficerView};
use crate::protocol::stats::{Contributed, Contribution, Contributions, QuarterState};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const SMALL_BODY: usize = 16 * 1024;
const OFFICER: &str = "officer:";

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
    let (office, recipient) = (r.office.clone(), r.recipient.clone());
    let officer = state
        .store
        .read(move |c| {
            Ok(db::offices::list_officers(c, &office)?
                .into_iter()
                .find(|o| o.active && o.recipient == recipient))
        })
        .await?;
    login::issue(
        &state,
        officer.map(|o| (format!("{OFFICER}{}", o.id), o.recipient)),
    )
    .await
}

pub async fn session(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let principal = login::redeem(&state, &req, payload).await?;
    let officer = principal_officer(&state, &principal).await?;
    let o = officer.clone();
    let (token, expires_at, head) = login::open_session(&state, principal, move |c| {
        db::desk::append_audit(c, &o.office, &o.id, "login", None)?;
        db::desk::audit_head(c)
    })
    .await?;
    // The audit log's head, for the officer to compare with a checkpoint kept elsewhere.
    Ok(HttpResponse::Created().json(OfficerSession {
        token: Token::new(token),
        expires_at: expires_at.and_utc(),
        officer: OfficerView {
            id: officer.id.into(),
            display_name: officer.display_name,
            office: officer.office.into(),
        },
        audit_head: head.map(|h| h.to_string()),
    }))
}

async fn principal_officer(state: &AppState, principal: &str) -> Result<Officer, ApiError> {
    login::resolve(state, principal, OFFICER, |c, id| {
        Ok(db::offices::get_officer(c, id)?.filter(|o| o.active))
    })
    .await
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
            login::authenticate(&state, &req, OFFICER, |c, id| {
                let Some(officer) = db::offices::get_officer(c, id)?.filter(|o| o.active) else {
                    return Ok(None);
                };
                Ok(db::offices::get_office(c, &officer.office)?
                    .map(|office| Desk { officer, office }))
            })
            .await
        })
    }
}

/// A write that found the case no longer as it was read (another officer was quicker).
/// Changes a case in one commit, as `officer`: `change` (a refusal writes nothing), the audit
/// entry `action` about `subject`, and the case's counts and labels as the officer sees them
/// now. A case that changed meanwhile is `409 case-changed`.
pub(super) async fn change_case(
    state: &AppState,
    officer: &Officer,
    case_id: &str,
    action: &'static str,
    subject: String,
    change: impl FnOnce(&mut db::DbConn) -> Result<Result<(), ApiError>, DbError> + Send + 'static,
) -> Result<db::desk::Listed, ApiError> {
    let (office, actor, case_id) = (
        officer.office.clone(),
        officer.id.clone(),
        case_id.to_owned(),
    );
    state
        .store
        .write(move |c| {
            if let Err(refused) = change(c)? {
                return Ok(Err(refused));
            }
            db::desk::append_audit(c, &office, &actor, action, Some(&subject))?;
            db::desk::listed_of(c, &case_id, &actor).map(Ok)
        })
        .await
        .map_err(case_changed)?
}

pub(super) fn case_changed(e: DbError) -> ApiError {
    match e {
        DbError::Conflict(_) | DbError::NotFound => ApiError::Conflict(
            "case-changed",
            "the case changed meanwhile; reload it".into(),
        ),
        e => e.into(),
    }
}

/// A case as the wire shows it, from the case, its counts and labels, and what is due today.
pub(super) fn summary(case: &Case, listed: db::desk::Listed, today: NaiveDate) -> CaseSummary {
    let due = workflow::due(case.status, &case.clocks, today);
    let (c, n) = (case.clocks, listed.counts);
    CaseSummary {
        id: case.id.clone().into(),
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
    desk: Desk,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let today = state.config.today();
    let (slug, me) = (office.slug.clone(), officer.id.clone());
    let cases = state
        .store
        .read(move |c| db::desk::list_cases(c, &slug, &officer.id))
        .await?;
    let cases: Vec<CaseSummary> = cases
        .into_iter()
        .filter(|(case, _)| !query.mine || case.assignee.as_deref() == Some(me.as_str()))
        .filter(|(case, _)| {
            let due = workflow::due(case.status, &case.clocks, today);
            query.filter.keeps(case.status, &due)
        })
        .map(|(case, listed)| summary(&case, listed, today))
        .collect();
    Ok(HttpResponse::Ok().json(Inbox {
        today,
        office: office.slug.into(),
        cases,
    }))
}

/// A case of the officer's office, or the same 404 as for a case that does not exist.
pub(super) async fn own_case(
    state: &AppState,
    office: &Office,
    id: String,
) -> Result<Case, ApiError> {
    let slug = office.slug.clone();
    state
        .store
        .read(move |c| db::desk::get_case(c, &slug, &id))
        .await?
        .ok_or(ApiError::UnknownCase)
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
    let case = own_case(&state, &office, id.into_inner()).await?;
    let case_id = case.id.clone();
    let (ciphertext, attachments, messages, labels) = state
        .store
        .read(move |c| {
            Ok((
                db::desk::report_ciphertext(c, &case_id)?,
                db::desk::attachments_of(c, &case_id)?,
                db::desk::messages_of(c, &case_id, true)?,
                db::casework::labels_of(c, &case_id)?,
            ))
        })
        .await?;
    let mut counts = Counts::default();
    messages.iter().for_each(|m| counts.add(m.direction));
    let (o, case_id, seen, read) = (
        officer.clone(),
        case.id.clone(),
        counts.from_reporter,
        query.read,
    );
    // Marked read and audited before the answer, so "seen by" includes this opening.
    let reads = state
        .store
        .write(move |c| {
            if read {
                db::desk::mark_read(c, &o.id, &case_id, seen)?;
            }
            db::desk::append_audit(c, &o.office, &o.id, "open", Some(&case_id))?;
            db::desk::reads_of(c, &case_id)
        })
        .await?;
    counts.mark_seen(
        reads
            .iter()
            .find(|(id, _)| *id == officer.id)
            .map_or(0, |(_, n)| i32::try_from(*n).unwrap_or(i32::MAX)),
    );
    let mut nth_from_reporter = 0;
    let messages: Vec<MessageView> = messages
        .into_iter()
        .map(|m| {
            let seen_by = if m.direction == Direction::Reporter {
                nth_from_reporter += 1;
                workflow::seen_by(&reads, nth_from_reporter)
            } else {
                vec![]
            };
            MessageView {
                id: m.id.into(),
                direction: m.direction,
                created_on: m.created_on,
                ciphertext: B64.encode(m.ciphertext),
                keyset_version: m.keyset_version,
                seen_by: seen_by.into_iter().map(Into::into).collect(),
            }
        })
        .collect();
    let listed = db::desk::Listed { counts, labels };
    Ok(HttpResponse::Ok().json(OpenedCase {
        case: summary(&case, listed, state.config.today()),
        report_seen_by: workflow::seen_by(&reads, 0)
            .into_iter()
            .map(Into::into)
            .collect(),
        ciphertext: B64.encode(ciphertext),
        attachments: attachments
            .into_iter()
            .map(|(id, ct, keyset_version)| StoredItem {
                id: id.into(),
                ciphertext: B64.encode(ct),
                keyset_version,
            })
            .collect(),
        messages,
        reply_recipient: case.reply_recipient,
    }))
}

async fn audit(
    state: &AppState,
    officer: &Officer,
    action: &'static str,
    subject: Option<&str>,
) -> Result<(), DbError> {
    let (office, actor, subject) = (
        officer.office.clone(),
        officer.id.clone(),
        subject.map(str::to_owned),
    );
    state
        .store
        .write(move |c| db::desk::append_audit(c, &office, &actor, action, subject.as_deref()))
        .await
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
    let to = r.status;
    let case = own_case(&state, &office, id.into_inner()).await?;
    let today = state.config.today();
    let clocks = workflow::transition(
        case.status,
        to,
        case.clocks,
        today,
        office.retention_years.max(1) as u32,
    )?;
    let c2 = case.clone();
    let action = match to {
        Status::Acknowledged => "status:acknowledged",
        Status::InProgress => "status:in_progress",
        Status::FeedbackGiven => "status:feedback_given",
        Status::Closed => "status:closed",
        Status::Received => "status:received",
    };
    let listed = change_case(
        &state,
        &officer,
        &case.id,
        action,
        case.id.clone(),
        move |c| db::desk::set_status(c, &c2, to, &clocks).map(Ok),
    )
    .await?;
    let updated = Case {
        status: to,
        clocks,
        ..case
    };
    Ok(HttpResponse::Ok().json(summary(&updated, listed, today)))
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
    let case = own_case(&state, &office, id.into_inner()).await?;
    intake::check_keyset(r.keyset_version, &office)?;
    let expected = workflow::expected_stanzas(direction, office.recipients.len());
    let buckets = state.config.limits().report;
    let ct =
        web::block(move || intake::check_age_file("ciphertext", &r.ciphertext, expected, &buckets))
            .await
            .map_err(|_| ApiError::Internal)??;
    let today = state.config.today();
    let action = if direction == Direction::Note {
        "note"
    } else {
        "reply"
    };
    let (case_id, o, version) = (case.id.clone(), officer.clone(), r.keyset_version);
    let msg_id = state
        .store
        .write(move |c| {
            let id = db::desk::insert_message(c, &case_id, direction, &ct, today, version)?;
            if id.is_ok() {
                db::desk::append_audit(c, &o.office, &o.id, action, Some(&case_id))?;
            }
            Ok(id)
        })
        .await?
        .map_err(|current| intake::IntakeError::StaleKeyset { current })?;
    Ok(HttpResponse::Created().json(MessageCreated {
        id: msg_id.into(),
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
    let case = own_case(&state, &office, id.into_inner()).await?;
    let case_id = case.id.clone();
    let ct = state
        .store
        .read(move |c| db::desk::report_ciphertext(c, &case_id))
        .await?;
    audit(&state, &officer, "export", Some(&case.id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"report.age\"",
        ))
        .body(ct))
}

/// `POST /v1/desk/cases/{case}/forwards`: records that the officer's client forwards the case
/// to a competent authority (HinSchG §18 no. 4). The client re-encrypts the case itself to the
/// authority's age recipient; the server only checks the recipient and writes to the audit log
/// that the case was forwarded and to which key (its fingerprint), never what.
pub async fn forward(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let Desk { officer, office } = desk;
    let r: Forward = read_json(&req, payload, SMALL_BODY).await?;
    crate::domain::office::check_recipient(r.recipient.trim())
        .map_err(|e| ApiError::BadRecipient(e.to_string()))?;
    let case = own_case(&state, &office, id.into_inner()).await?;
    let fingerprint = crate::crypto::fingerprint(r.recipient.trim());
    audit(
        &state,
        &officer,
        "forward",
        Some(&format!("{} to {fingerprint}", case.id)),
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
    intake::check_keyset(r.keyset_version, &office)?;
    let case = own_case(&state, &office, id.into_inner()).await?;
    let case_id = case.id.clone();
    let (attachments, messages) = state
        .store
        .read(move |c| {
            Ok((
                db::desk::attachments_of(c, &case_id)?,
                db::desk::messages_of(c, &case_id, true)?,
            ))
        })
        .await?;
    // Every ciphertext of the case moves to the new key set, or none does.
    let same_ids = |have: Vec<&String>, sent: Vec<&String>| {
        let (mut a, mut b) = (have, sent);
        a.sort();
        b.sort();
        a == b
    };
    if !same_ids(
        attachments.iter().map(|a| &a.0).collect(),
        r.attachments.iter().map(|a| &a.id.0).collect(),
    ) || !same_ids(
        messages.iter().map(|m| &m.id).collect(),
        r.messages.iter().map(|m| &m.id.0).collect(),
    ) {
        // Most often a message arrived after the client read the case: reload and try again.
        return Err(ApiError::Conflict(
            "case-changed",
            "the rewrap must carry every attachment and message the case has now, each once; \
             reload the case"
                .into(),
        ));
    }
    let n = office.recipients.len();
    let limits = state.config.limits();
    let directions: std::collections::HashMap<String, Direction> = messages
        .iter()
        .map(|m| (m.id.clone(), m.direction))
        .collect();
    let w = web::block(move || -> Result<db::desk::Rewrap, intake::IntakeError> {
        Ok(db::desk::Rewrap {
            report: intake::check_age_file(
                "ciphertext",
                &r.ciphertext,
                workflow::report_stanzas(n),
                &limits.report,
            )?,
            keyset_version: r.keyset_version,
            attachments: r
                .attachments
                .iter()
                .map(|a| {
                    Ok((
                        a.id.0.clone(),
                        intake::check_age_file(
                            "attachments",
                            &a.ciphertext,
                            n,
                            &limits.attachment,
                        )?,
                    ))
                })
                .collect::<Result<_, intake::IntakeError>>()?,
            messages: r
                .messages
                .iter()
                .map(|m| {
                    let d = directions.get(&m.id.0).copied().unwrap_or(Direction::Note);
                    let ct = intake::check_age_file(
                        "messages",
                        &m.ciphertext,
                        workflow::expected_stanzas(d, n),
                        &limits.report,
                    )?;
                    Ok((m.id.0.clone(), ct))
                })
                .collect::<Result<_, intake::IntakeError>>()?,
        })
    })
    .await
    .map_err(|_| ApiError::Internal)??;
    let (case_id, o) = (case.id.clone(), officer.clone());
    state
        .store
        .write(move |c| {
            db::desk::rewrap(c, &case_id, &w)?;
            db::desk::append_audit(c, &o.office, &o.id, "rewrap", Some(&case_id))
        })
        .await
        .map_err(case_changed)?;
    Ok(HttpResponse::Ok().json(Rewrapped {
        id: case.id.into(),
        keyset_version: office.keyset_version,
    }))
}

/// The longest reason accepted, in characters.
const MAX_REASON: usize = 1000;

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
    let reason = r.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(ApiError::InvalidRequest(format!(
            "reason: between 1 and {MAX_REASON} characters"
        )));
    }
    let case = own_case(&state, &office, id.into_inner()).await?;
    let (Status::Closed, Some(current)) = (case.status, case.clocks.delete_after) else {
        return Err(ApiError::Conflict(
            "case-not-closed",
            "retention runs from closing; only a closed case can be extended".into(),
        ));
    };
    let today = state.config.today();
    if r.delete_after <= current || r.delete_after <= today {
        return Err(ApiError::InvalidRequest(format!(
            "delete_after: must be later than the current {current} and than today"
        )));
    }
    let (case_id, by, until) = (case.id.clone(), officer.id.clone(), r.delete_after);
    let listed = change_case(
        &state,
        &officer,
        &case.id,
        "retention:extend",
        case.id.clone(),
        move |c| {
            db::outbox::extend_retention(c, &case_id, &by, Some(current), until, &reason, today)
                .map(Ok)
        },
    )
    .await?;
    let updated = Case {
        clocks: workflow::Clocks {
            delete_after: Some(until),
            ..case.clocks
        },
        ..case
    };
    Ok(HttpResponse::Ok().json(summary(&updated, listed, today)))
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
    let (quarter, records) = contribution::prepare(&r.quarter, r.records, state.config.today())?;
    let n = records.len();
    let (slug, id) = (office.slug.clone(), officer.id.clone());
    state
        .store
        .write(move |c| {
            let done = db::stats::contribute(c, &slug, quarter, &records)?;
            if done.is_ok() {
                db::desk::append_audit(
                    c,
                    &slug,
                    &id,
                    "stats:contribute",
                    Some(&quarter.to_string()),
                )?;
            }
            Ok(done)
        })
        .await??;
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
    let office = desk.office;
    let mut q = Quarter::of(state.config.today()).previous();
    let mut quarters = vec![];
    for _ in 0..4 {
        quarters.push(q);
        q = q.previous();
    }
    let slug = office.slug.clone();
    let out = state
        .store
        .read(move |c| {
            quarters
                .into_iter()
                .map(|q| {
                    Ok(QuarterState {
                        quarter: q.to_string(),
                        cases: db::stats::cases_received(c, &slug, q)?,
                        contributed: db::stats::contributed(c, &slug, q)?,
                        frozen: db::stats::is_frozen(c, q)?,
                    })
                })
                .collect::<Result<Vec<_>, DbError>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(Contributions { quarters: out }))
}
