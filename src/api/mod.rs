//! The HTTP layer: thin handlers that parse, call one use case in `app`, and answer.
//! openapi.yaml is the contract; tests hold these routes to it.

pub mod casework;
pub mod cors;
pub mod desk;
pub mod enroll;
pub mod followup;
pub mod login;
/// The reporter's pages (the built form in `web/dist`).
#[path = "web.rs"]
pub mod pages;
pub mod problem;
mod reports;
pub mod stats;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{DefaultHeaders, ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::app::AppError;
use crate::app::{DbError, Store};
use crate::config::Config;
use crate::domain::intake::IntakeError;
use crate::domain::stats::taxonomy::TaxonomyError;
use problem::Problem;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// One limit for all reporters' follow-up lookups: nothing per client is kept.
    pub lookups: Arc<governor::DefaultDirectRateLimiter>,
    /// One limit for all reports and follow-up messages together.
    pub submissions: Arc<governor::DefaultDirectRateLimiter>,
    /// One limit per office (keyed by the office's slug, which is not client data).
    pub office_submissions: Arc<governor::DefaultKeyedRateLimiter<String>>,
    /// Proof-of-work challenges and the set of spent ones.
    pub pow: Arc<crate::domain::pow::Pow>,
    /// Frozen releases, read once from the database.
    pub releases: Arc<crate::app::publish::FrozenCache>,
    /// The offices as intake last read them.
    pub offices: Arc<crate::app::reports::OfficeCache>,
    /// The key of this process's login challenges (they are not stored).
    pub challenges: Arc<crate::domain::auth::ChallengeKey>,
    /// What the offices' statistics batches are sealed to.
    pub stats_key: Arc<crate::crypto::stats_key::StatsKey>,
}

fn quota(per_sec: u32, burst_factor: u32) -> governor::Quota {
    let per_sec = std::num::NonZeroU32::new(per_sec.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    let burst = per_sec.saturating_mul(
        std::num::NonZeroU32::new(burst_factor.max(1)).unwrap_or(std::num::NonZeroU32::MIN),
    );
    governor::Quota::per_second(per_sec).allow_burst(burst)
}

type Instant = <governor::clock::DefaultClock as governor::clock::Clock>::Instant;

/// 429 with the seconds until a request would pass.
pub fn rate_check(
    r: Result<(), governor::NotUntil<Instant>>,
    clock: &governor::clock::DefaultClock,
) -> Result<(), ApiError> {
    use governor::clock::Clock;
    r.map_err(|e| ApiError::RateLimited(e.wait_time_from(clock.now()).as_secs() + 1))
}

impl AppState {
    /// The global limit for reports and follow-up messages.
    pub fn check_global_submission_limit(&self) -> Result<(), ApiError> {
        rate_check(self.submissions.check(), self.submissions.clock())
    }

    /// The office's limit for reports and follow-up messages (only for offices that exist).
    pub fn check_office_submission_limit(&self, office: &str) -> Result<(), ApiError> {
        rate_check(
            self.office_submissions.check_key(&office.to_owned()),
            self.office_submissions.clock(),
        )
    }
}

impl AppState {
    pub fn new(
        store: Store,
        config: Config,
        stats_key: Arc<crate::crypto::stats_key::StatsKey>,
    ) -> AppState {
        AppState {
            store,
            stats_key,
            lookups: Arc::new(governor::RateLimiter::direct(quota(
                config.lookups_per_sec,
                5,
            ))),
            submissions: Arc::new(governor::RateLimiter::direct(quota(
                config.submissions_per_sec,
                10,
            ))),
            office_submissions: Arc::new(governor::RateLimiter::keyed(quota(
                config.office_submissions_per_sec,
                10,
            ))),
            pow: Arc::new(crate::domain::pow::Pow::new(
                config.pow_bits,
                std::time::Duration::from_secs(config.pow_secs),
                config.pow_load_step,
            )),
            releases: Arc::default(),
            offices: Arc::default(),
            challenges: Arc::new(crate::domain::auth::ChallengeKey::random()),
            config: Arc::new(config),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed JSON")]
    MalformedJson(String),
    #[error("invalid request")]
    InvalidRequest(String),
    #[error("not a supported recipient")]
    BadRecipient(String),
    #[error("body too large")]
    BodyTooLarge(usize),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("request body could not be read")]
    BodyRead,
    #[error("request body too slow")]
    BodyTimeout(u64),
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("not found")]
    NotFound,
    #[error("internal error")]
    Internal,
    #[error("unauthorized")]
    Unauthorized(&'static str),
    #[error("unknown case")]
    UnknownCase,
    #[error("unknown receipt")]
    UnknownReceipt,
    #[error("rate limited")]
    RateLimited(u64),
    #[error(transparent)]
    Pow(#[from] crate::domain::pow::PowError),
    #[error(transparent)]
    Desk(#[from] crate::domain::workflow::DeskError),
    #[error(transparent)]
    Publish(#[from] crate::app::publish::PublishError),
    #[error("conflict")]
    Conflict(&'static str, String),
    #[error("invitation refused: {0:?}")]
    Invitation(crate::app::enrollment::Refusal),
    #[error(transparent)]
    Contribution(#[from] crate::domain::stats::contribution::ContributionError),
    #[error(transparent)]
    ContributionRefused(#[from] crate::app::contributions::Refusal),
    #[error(transparent)]
    Casework(#[from] crate::app::cases::Refusal),
    #[error("unknown label")]
    UnknownLabel,
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        let conflict = |kind: &'static str, e: &AppError| ApiError::Conflict(kind, e.to_string());
        match e {
            AppError::Db(e) => ApiError::Db(e),
            AppError::Intake(e) => ApiError::Intake(e),
            AppError::Workflow(e) => ApiError::Desk(e),
            AppError::Casework(r) => ApiError::Casework(r),
            AppError::Contribution(e) => ApiError::Contribution(e),
            AppError::ContributionRefused(r) => ApiError::ContributionRefused(r),
            AppError::UnknownCase => ApiError::UnknownCase,
            AppError::UnknownLabel => ApiError::UnknownLabel,
            AppError::UnknownReceipt => ApiError::UnknownReceipt,
            AppError::CaseChanged | AppError::RewrapIncomplete => conflict("case-changed", &e),
            AppError::CaseClosed => conflict("case-closed", &e),
            AppError::CaseNotClosed => conflict("case-not-closed", &e),
            AppError::DuplicateLookupId => conflict("duplicate-lookup-id", &e),
            AppError::Invalid(d) => ApiError::InvalidRequest(d),
            AppError::BadRecipient(d) => ApiError::BadRecipient(d),
            AppError::Unauthorized(kind) => ApiError::Unauthorized(kind),
            AppError::Internal
            | AppError::StatsKey(_)
            | AppError::StatsKeyMissing(_)
            | AppError::StatsKeyMismatch(_) => {
                tracing::error!(error = %e, "statistics key");
                ApiError::Internal
            }
        }
    }
}

impl ApiError {
    pub fn problem(&self) -> Problem {
        match self {
            ApiError::MalformedJson(d) => {
                problem::of(StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON").detail(d)
            }
            ApiError::InvalidRequest(d) => problem::of(
                StatusCode::BAD_REQUEST,
                "invalid-request",
                "The request does not have the expected fields",
            )
            .detail(d),
            ApiError::BadRecipient(d) => problem::of(
                StatusCode::BAD_REQUEST,
                "bad-recipient",
                "Not a supported age recipient",
            )
            .detail(d),
            ApiError::BodyTooLarge(limit) => problem::for_status(StatusCode::PAYLOAD_TOO_LARGE)
                .detail(format!("the limit is {limit} bytes")),
            ApiError::UnsupportedMediaType => {
                problem::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
                    .detail("send Content-Type: application/json")
            }
            ApiError::BodyRead => problem::of(
                StatusCode::BAD_REQUEST,
                "body-unreadable",
                "The request body could not be read",
            ),
            ApiError::BodyTimeout(secs) => problem::of(
                StatusCode::REQUEST_TIMEOUT,
                "body-timeout",
                "The request body did not arrive in time",
            )
            .detail(format!(
                "the body paused for more than {secs} s, or arrived too slowly after that"
            )),
            ApiError::NotFound => problem::for_status(StatusCode::NOT_FOUND),
            ApiError::Internal => problem::for_status(StatusCode::INTERNAL_SERVER_ERROR),
            ApiError::Unauthorized(kind) => problem::of(
                StatusCode::UNAUTHORIZED,
                kind,
                "Log in again: the token or challenge is not valid",
            ),
            // The same answer for a missing case and another office's case.
            ApiError::UnknownCase => {
                problem::of(StatusCode::NOT_FOUND, "unknown-case", "No such case")
            }
            ApiError::UnknownReceipt => problem::of(
                StatusCode::NOT_FOUND,
                "unknown-receipt",
                "No report has this receipt",
            ),
            ApiError::RateLimited(secs) => problem::for_status(StatusCode::TOO_MANY_REQUESTS)
                .detail(format!(
                    "too many requests right now; try again in {secs} s"
                )),
            ApiError::Pow(e) => {
                use crate::domain::pow::PowError as P;
                let (status, kind, title) = match e {
                    P::Required => (
                        StatusCode::BAD_REQUEST,
                        "pow-required",
                        "A proof of work is required",
                    ),
                    P::Invalid => (
                        StatusCode::BAD_REQUEST,
                        "pow-invalid",
                        "The proof of work is not valid",
                    ),
                    P::Expired => (
                        StatusCode::BAD_REQUEST,
                        "pow-expired",
                        "The proof-of-work challenge has expired",
                    ),
                    P::Spent => (
                        StatusCode::BAD_REQUEST,
                        "pow-spent",
                        "The proof-of-work challenge was used already",
                    ),
                    P::Overloaded => (
                        StatusCode::TOO_MANY_REQUESTS,
                        "rate-limited",
                        "Too many requests",
                    ),
                };
                problem::of(status, kind, title).detail(e.to_string())
            }
            ApiError::Publish(e) => publish_problem(e),
            ApiError::Desk(e) => problem::of(
                StatusCode::CONFLICT,
                "illegal-transition",
                "Illegal status change",
            )
            .detail(e.to_string()),
            ApiError::Conflict(kind, detail) => {
                problem::of(StatusCode::CONFLICT, kind, "Conflict").detail(detail)
            }
            ApiError::Db(DbError::NotFound) => {
                problem::for_status(StatusCode::NOT_FOUND).detail("it is not there (any more)")
            }
            ApiError::Db(e) => {
                if e.is_unique_violation() {
                    return problem::of(StatusCode::CONFLICT, "conflict", "Conflict")
                        .detail("this was stored already");
                }
                // The detail of a storage failure is for the operator's log, not the client.
                tracing::error!(error = %e, "storage error");
                problem::of(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage-unavailable",
                    "Storage is unavailable; nothing was stored, please try again",
                )
            }
            ApiError::Intake(e) => intake_problem(e),
            ApiError::Contribution(e) => contribution_problem(e),
            ApiError::ContributionRefused(r) => {
                use crate::app::contributions::Refusal as R;
                match r {
                    R::Frozen(_) => problem::of(
                        StatusCode::CONFLICT,
                        "period-frozen",
                        "The statistics for this period are released and frozen",
                    ),
                    R::Count { expected, .. } => problem::of(
                        StatusCode::CONFLICT,
                        "contribution-count",
                        "The batch must hold exactly one record per case of the quarter",
                    )
                    .with("expected", (*expected).into()),
                }
                .detail(r.to_string())
            }
            ApiError::UnknownLabel => problem::of(
                StatusCode::NOT_FOUND,
                "unknown-label",
                "The office has no such label",
            ),
            ApiError::Casework(r) => {
                use crate::app::cases::Refusal as R;
                match r {
                    R::UnknownOfficer(_) => problem::of(
                        StatusCode::BAD_REQUEST,
                        "unknown-officer",
                        "Not an active officer of this office",
                    ),
                    R::UnknownLabel(_) => problem::of(
                        StatusCode::BAD_REQUEST,
                        "unknown-label",
                        "The office has no such label",
                    ),
                    R::TooManyLabels => problem::of(
                        StatusCode::CONFLICT,
                        "too-many-labels",
                        "The office has as many labels as it can have",
                    ),
                    R::StaleKeyset(current) => {
                        return intake_problem(&IntakeError::StaleKeyset { current: *current })
                    }
                }
                .detail(r.to_string())
            }
            ApiError::Invitation(r) => {
                use crate::app::enrollment::Refusal as R;
                match r {
                    R::Unknown => problem::of(
                        StatusCode::NOT_FOUND,
                        "invalid-invitation",
                        "This invitation link is not valid",
                    )
                    .detail("check that the whole link was copied, or ask for a new invitation"),
                    R::Used => problem::of(
                        StatusCode::GONE,
                        "invitation-used",
                        "This invitation was used already",
                    )
                    .detail("each invitation works once; ask for a new one"),
                    R::Expired => problem::of(
                        StatusCode::GONE,
                        "invitation-expired",
                        "This invitation has expired",
                    )
                    .detail("ask for a new invitation"),
                }
            }
        }
    }
}

fn publish_problem(e: &crate::app::publish::PublishError) -> Problem {
    use crate::app::publish::PublishError as P;
    use crate::domain::stats::StatsError as S;
    let bad = StatusCode::BAD_REQUEST;
    let p = match e {
        P::Db(d) => return ApiError::Db(DbError::Commit(d.to_string())).problem(),
        P::Stored(_) | P::StatsKey(_) | P::BatchMismatch(..) => {
            tracing::error!(error = %e, "release");
            return ApiError::Internal.problem();
        }
        P::PeriodNotEnded(_) => problem::of(bad, "period-not-ended", "The period has not ended"),
        P::NotGranted(_) => problem::of(
            StatusCode::FORBIDDEN,
            "not-granted",
            "No access to this office",
        ),
        P::Stats(S::ForbiddenCross { .. }) => problem::of(
            bad,
            "forbidden-crossing",
            "This crossing is never published (R4)",
        ),
        P::Stats(S::BadPeriod(_)) => problem::of(bad, "bad-period", "Not a fixed period (R6)"),
        P::AlreadyReleased(_) => problem::of(
            StatusCode::CONFLICT,
            "already-released",
            "This period is released already",
        ),
        P::OtherSeries(..) => problem::of(
            StatusCode::CONFLICT,
            "other-series",
            "Releases are either quarterly or yearly, never both (R6)",
        ),
        P::NotReleased(_) => problem::of(
            StatusCode::NOT_FOUND,
            "not-released",
            "This period has no release yet",
        ),
        P::ContributionsOpen(..) => problem::of(
            StatusCode::CONFLICT,
            "contributions-open",
            "Offices are still contributing to this period",
        ),
        P::NotInRelease(_) => problem::of(
            StatusCode::NOT_FOUND,
            "not-in-release",
            "This table is not part of the period's release",
        ),
        P::Stats(_) => problem::of(bad, "invalid-table", "This table cannot be made"),
    };
    p.detail(e.to_string())
}

fn intake_problem(e: &IntakeError) -> Problem {
    use crate::crypto::header::HeaderError as H;
    let bad = StatusCode::BAD_REQUEST;
    let p = match e {
        IntakeError::UnknownOffice => {
            problem::of(StatusCode::NOT_FOUND, "unknown-office", "Unknown office")
        }
        IntakeError::OfficeNotReady => problem::of(
            StatusCode::CONFLICT,
            "office-not-ready",
            "The complaint office cannot receive reports yet",
        ),
        IntakeError::StaleKeyset { current } => problem::of(
            StatusCode::CONFLICT,
            "stale-keyset",
            "The office's key set has changed",
        )
        .with("current_keyset_version", (*current).into()),
        IntakeError::InvalidField { field, .. } => {
            problem::of(bad, "invalid-field", "A field is invalid").with("field", (*field).into())
        }
        IntakeError::Header { field, source } => {
            let (kind, title) = match source {
                H::NotAge => ("not-age", "Not an age file"),
                H::Passphrase => ("passphrase-encrypted", "Passphrase-encrypted age file"),
                H::StanzaCount { .. } => (
                    "wrong-stanza-count",
                    "The file is not encrypted to exactly the office's recipients",
                ),
                H::Unpadded(_) => ("unpadded-size", "The plaintext was not padded to a bucket"),
                H::MalformedStanza(_) => ("malformed-stanza", "A recipient stanza is malformed"),
                H::TooManyStanzas | H::TooMuchGrease(_) => {
                    ("too-many-stanzas", "The file has too many stanzas")
                }
                H::UnsupportedStanza(_) => (
                    "unsupported-stanza",
                    "The file holds a stanza type the office does not use",
                ),
            };
            problem::of(bad, kind, title).with("field", (*field).into())
        }
        IntakeError::TooManyAttachments(_) => {
            problem::of(bad, "too-many-attachments", "Too many attachments")
        }
        IntakeError::PlaintextStats => problem::of(
            bad,
            "stats-in-plaintext",
            "Statistics answers belong inside the encrypted report",
        ),
    };
    p.detail(e.to_string())
}

fn contribution_problem(e: &crate::domain::stats::contribution::ContributionError) -> Problem {
    use crate::domain::stats::contribution::ContributionError as C;
    let bad = StatusCode::BAD_REQUEST;
    let p = match e {
        C::BadQuarter(_) => problem::of(bad, "bad-period", "Not a quarter like 2026-Q3"),
        C::NotEnded(_) => problem::of(bad, "period-not-ended", "The period has not ended"),
        C::Record(_, TaxonomyError::UnknownVersion(_)) => {
            problem::of(bad, "unknown-taxonomy-version", "Unknown taxonomy version")
        }
        C::Record(..) => problem::of(bad, "unknown-taxonomy-value", "Unknown taxonomy value"),
        C::RecordQuarter(_) => {
            problem::of(bad, "invalid-request", "A record names its own quarter")
        }
    };
    p.detail(e.to_string())
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.problem().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = self.problem().error_response();
        let retry = match self {
            ApiError::RateLimited(secs) => Some(*secs),
            ApiError::Pow(crate::domain::pow::PowError::Overloaded) => Some(60),
            _ => None,
        };
        if let Some(secs) = retry {
            if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

/// Reads a JSON body with a size cap, without ever logging it.
pub async fn read_json<T: DeserializeOwned>(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<T, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::BodyTooLarge(limit));
    }
    // Grow with what arrives: a declared length is a claim, and reserving it up front let slow
    // clients hold memory they never sent.
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(4096).min(64 * 1024));
    let (secs, min_rate) = req
        .app_data::<web::Data<AppState>>()
        .map_or((60, 2048), |s| (s.config.body_secs, s.config.body_min_rate));
    // A deadline for each pause, so a client that stops sending is dropped; and one for the
    // whole body, that moves by 1/min_rate s with every byte after a grace period: a slow but
    // steady upload (a phone, Tor) gets through, a body trickled byte by byte does not.
    let pause = std::time::Duration::from_secs(secs);
    let start = tokio::time::Instant::now();
    let per_byte =
        std::time::Duration::from_secs(1) / u32::try_from(min_rate.max(1)).unwrap_or(u32::MAX);
    loop {
        let owed = per_byte.saturating_mul(u32::try_from(body.len()).unwrap_or(u32::MAX));
        let deadline = (start + pause + owed).min(tokio::time::Instant::now() + pause);
        let next = tokio::time::timeout_at(deadline, payload.next())
            .await
            .map_err(|_| ApiError::BodyTimeout(secs))?;
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|_| ApiError::BodyRead)?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::BodyTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    // PostgreSQL refuses NUL in text (and logs the statement); SQLite would store it. No
    // identifier, slug or text of this API ever needs one, so both refuse it here alike.
    if has_escaped_nul(&body) {
        return Err(ApiError::InvalidRequest(
            "strings must not contain the NUL character".into(),
        ));
    }
    serde_json::from_slice(&body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::InvalidRequest(e.to_string()),
        _ => ApiError::MalformedJson(e.to_string()),
    })
}

/// Whether JSON text contains the escape `\u0000` (raw control characters are not valid JSON
/// inside strings, so this is the only way a NUL gets in). `\\u0000` is an escaped backslash
/// before plain text, not a NUL: only an odd run of backslashes starts an escape.
fn has_escaped_nul(json: &[u8]) -> bool {
    memchr::memmem::find_iter(json, b"\\u0000").any(|at| {
        let run = json[..=at]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        run % 2 == 1
    })
}

/// Paths with an encoded NUL byte answer 404 before any handler (or the database) sees them.
pub async fn refuse_nul_in_path(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let raw = req.uri().path().as_bytes();
    if raw.windows(3).any(|w| w == b"%00") || raw.contains(&0) {
        let resp = problem::for_status(StatusCode::NOT_FOUND).error_response();
        return Ok(req.into_response(resp));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.store.ping().await?;
    Ok(HttpResponse::Ok().json(crate::protocol::reports::Health {
        status: "ok".into(),
    }))
}

/// A fresh proof-of-work challenge (see `crate::domain::pow` for the protocol).
async fn pow(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.pow.issue())
}

async fn not_found() -> HttpResponse {
    problem::for_status(StatusCode::NOT_FOUND).error_response()
}

async fn method_not_allowed() -> HttpResponse {
    problem::for_status(StatusCode::METHOD_NOT_ALLOWED).error_response()
}

/// A resource that answers 405 problem+json for the methods it does not have.
pub fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// Turns any error response that is not yet problem+json (routing, actix extractors) into one.
fn problem_for_bare_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == problem::CONTENT_TYPE.as_bytes());
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, _) = res.into_parts();
    let problem = problem::for_status(status).error_response();
    let res = ServiceResponse::new(req, problem.map_into_boxed_body()).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// Headers on every response: no caching, no referrer, no framing, no sniffing.
/// `connect` is one more origin the pages may call (the remote API of `desk ui`).
pub fn security_headers(hsts: bool, connect: Option<&str>) -> DefaultHeaders {
    let connect = connect.map(|o| format!(" {o}")).unwrap_or_default();
    let mut h = DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            format!(
                "default-src 'none'; script-src 'self'; style-src 'self'; \
                 img-src 'self' data: blob:; connect-src 'self'{connect}; form-action 'self'; \
                 base-uri 'none'; frame-ancestors 'none'"
            ),
        ))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::CACHE_CONTROL, "no-store"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
        ))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"));
    if hsts {
        h = h.add((
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        ));
    }
    h
}

pub fn error_handlers<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(problem_for_bare_errors)
}

/// Every route the server has, as (method, path template). openapi.yaml must list exactly
/// these; tests/contract.rs holds both to the running server.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/v1/offices"),
    ("GET", "/v1/offices/{office}"),
    ("GET", "/v1/taxonomy"),
    ("GET", "/v1/pow"),
    ("POST", "/v1/reports"),
    ("POST", "/v1/followup/read"),
    ("POST", "/v1/followup/messages"),
    ("POST", "/v1/desk/challenge"),
    ("POST", "/v1/desk/session"),
    ("GET", "/v1/desk/cases"),
    ("GET", "/v1/desk/contents"),
    ("GET", "/v1/desk/cases/{case}"),
    ("POST", "/v1/desk/cases/{case}/status"),
    ("POST", "/v1/desk/cases/{case}/notes"),
    ("POST", "/v1/desk/cases/{case}/replies"),
    ("GET", "/v1/desk/cases/{case}/export"),
    ("POST", "/v1/desk/cases/{case}/rewrap"),
    ("GET", "/v1/desk/rewrap"),
    ("POST", "/v1/desk/rewrap"),
    ("POST", "/v1/desk/cases/{case}/forwards"),
    ("POST", "/v1/analyst/challenge"),
    ("POST", "/v1/analyst/session"),
    ("GET", "/v1/stats/tables"),
    ("GET", "/v1/stats/alliance"),
    ("POST", "/v1/desk/cases/{case}/retention"),
    ("POST", "/v1/desk/invitation"),
    ("POST", "/v1/desk/enroll"),
    ("POST", "/v1/desk/passkeys"),
    ("GET", "/v1/desk/stats/contributions"),
    ("POST", "/v1/desk/stats/contributions"),
    ("GET", "/v1/stats/releases"),
    ("POST", "/v1/stats/releases"),
    ("GET", "/v1/stats/releases/{period}"),
    ("POST", "/v1/desk/cases/{case}/assignee"),
    ("PUT", "/v1/desk/cases/{case}/labels"),
    ("GET", "/v1/desk/officers"),
    ("GET", "/v1/desk/labels"),
    ("POST", "/v1/desk/labels"),
    ("PUT", "/v1/desk/labels/{label}"),
    ("DELETE", "/v1/desk/labels/{label}"),
    ("POST", "/v1/desk/reports"),
];

/// All routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz").route(web::get().to(healthz)))
        .service(resource("/v1/offices").route(web::get().to(reports::offices)))
        .service(resource("/v1/offices/{office}").route(web::get().to(reports::office)))
        .service(resource("/v1/taxonomy").route(web::get().to(reports::taxonomy)))
        .service(resource("/v1/pow").route(web::get().to(pow)))
        .service(resource("/v1/reports").route(web::post().to(reports::submit)))
        .service(resource("/v1/followup/read").route(web::post().to(followup::read)))
        .service(resource("/v1/followup/messages").route(web::post().to(followup::message)))
        .service(resource("/v1/desk/invitation").route(web::post().to(enroll::invitation)))
        .service(resource("/v1/desk/enroll").route(web::post().to(enroll::enroll)))
        .service(resource("/v1/desk/passkeys").route(web::post().to(enroll::passkeys)))
        .service(resource("/v1/desk/challenge").route(web::post().to(desk::challenge)))
        .service(resource("/v1/desk/session").route(web::post().to(desk::session)))
        .service(resource("/v1/desk/cases").route(web::get().to(desk::inbox)))
        .service(resource("/v1/desk/contents").route(web::get().to(desk::contents)))
        .service(resource("/v1/desk/cases/{case}").route(web::get().to(desk::open)))
        .service(resource("/v1/desk/cases/{case}/status").route(web::post().to(desk::set_status)))
        .service(resource("/v1/desk/cases/{case}/notes").route(web::post().to(desk::note)))
        .service(resource("/v1/desk/cases/{case}/replies").route(web::post().to(desk::reply)))
        .service(resource("/v1/desk/cases/{case}/export").route(web::get().to(desk::export)))
        .service(resource("/v1/desk/cases/{case}/rewrap").route(web::post().to(desk::rewrap)))
        .service(
            resource("/v1/desk/rewrap")
                .route(web::get().to(desk::pending_rewrap))
                .route(web::post().to(desk::rewrap_many)),
        )
        .service(resource("/v1/desk/cases/{case}/forwards").route(web::post().to(desk::forward)))
        .service(resource("/v1/desk/cases/{case}/assignee").route(web::post().to(casework::assign)))
        .service(
            resource("/v1/desk/cases/{case}/labels")
                .route(web::put().to(casework::set_case_labels)),
        )
        .service(resource("/v1/desk/officers").route(web::get().to(casework::officers)))
        .service(
            resource("/v1/desk/labels")
                .route(web::get().to(casework::list_labels))
                .route(web::post().to(casework::add_label)),
        )
        .service(
            resource("/v1/desk/labels/{label}")
                .route(web::put().to(casework::change_label))
                .route(web::delete().to(casework::delete_label)),
        )
        .service(resource("/v1/desk/reports").route(web::post().to(casework::record)))
        .service(resource("/v1/analyst/challenge").route(web::post().to(stats::challenge)))
        .service(resource("/v1/analyst/session").route(web::post().to(stats::session)))
        .service(resource("/v1/stats/tables").route(web::get().to(stats::table)))
        .service(resource("/v1/stats/alliance").route(web::get().to(stats::alliance)))
        .service(
            resource("/v1/stats/releases")
                .route(web::get().to(stats::releases))
                .route(web::post().to(stats::release)),
        )
        .service(resource("/v1/stats/releases/{period}").route(web::get().to(stats::frozen)))
        .service(
            resource("/v1/desk/stats/contributions")
                .route(web::get().to(desk::contributions))
                .route(web::post().to(desk::contribute)),
        )
        .service(
            resource("/v1/desk/cases/{case}/retention")
                .route(web::post().to(desk::extend_retention)),
        )
        .default_service(web::to(not_found));
}
