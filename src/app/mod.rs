//! The application layer: one function per use case, each owning its transaction (with a
//! compare-and-set where another writer could come between a read and a write), over the
//! domain's rules and the store. The HTTP handlers parse, call one of these, and answer; they
//! hold no logic of their own. Also the services that do I/O over the domain: freezing and
//! serving statistics releases, and the background jobs (notifications, outbox, retention).

pub mod cases;
pub mod contributions;
pub mod enrollment;
pub mod jobs;
pub mod labels;
pub mod login;
pub mod publish;
pub mod reports;

use crate::db;
use crate::domain::intake::IntakeError;

/// The store's handle and its error, for the HTTP layer's state and problem types: the layer
/// holds the handle to pass it to a use case, and calls no storage itself.
pub use crate::db::{DbError, Store};

/// Why a use case refused or failed; the HTTP layer turns each into its problem type.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error(transparent)]
    Workflow(#[from] crate::domain::workflow::DeskError),
    #[error(transparent)]
    Casework(#[from] db::casework::Refusal),
    #[error(transparent)]
    Contribution(#[from] crate::domain::stats::contribution::ContributionError),
    #[error(transparent)]
    ContributionRefused(#[from] db::stats::Refusal),
    #[error("no such case in this office")]
    UnknownCase,
    /// A label named as the thing acted on (not as a value), which is not the office's.
    #[error("no such label in this office")]
    UnknownLabel,
    #[error("no case has this receipt")]
    UnknownReceipt,
    #[error("the case changed meanwhile; reload it")]
    CaseChanged,
    #[error(
        "the rewrap must carry every attachment and message the case has now, each once; \
         reload the case"
    )]
    RewrapIncomplete,
    #[error("this case is closed")]
    CaseClosed,
    #[error("retention runs from closing; only a closed case can be extended")]
    CaseNotClosed,
    #[error("a report with this lookup id exists; generate a new receipt")]
    DuplicateLookupId,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    BadRecipient(String),
    /// A login or token refused, with its problem type (`invalid-token`, …).
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error(transparent)]
    StatsKey(#[from] crate::crypto::stats_key::StatsKeyError),
    #[error(
        "the statistics key {0} is missing, but this database's contributions are sealed to \
         one: copy the key file from the first server (or name it with --stats-key)"
    )]
    StatsKeyMissing(std::path::PathBuf),
    #[error(
        "the statistics key {0} is not the one this database's contributions are sealed to: \
         every server of a database needs the same key file"
    )]
    StatsKeyMismatch(std::path::PathBuf),
    #[error("a blocking task failed")]
    Internal,
}

/// CPU work (base64, age headers of megabytes) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| AppError::Internal)
}

/// A write that found the case no longer as it was read (another officer was quicker).
fn case_changed(e: DbError) -> AppError {
    match e {
        DbError::Conflict(_) | DbError::NotFound => AppError::CaseChanged,
        e => e.into(),
    }
}
