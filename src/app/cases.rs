//! An officer's work on the office's cases: the inbox, opening a case, moving it on, notes and
//! replies, export, forwarding, re-encryption, retention, assignment and labels. Every case is
//! looked up within the officer's own office; a case of another office is as unknown as one
//! that does not exist. Every change is audited in the commit that makes it.

use chrono::NaiveDate;

use super::{blocking, case_changed, AppError};
use crate::crypto;
pub use crate::db::casework::Refusal;
pub use crate::db::desk::{CaseContents, Listed};
use crate::db::{self, DbConn, DbError, Store};
use crate::domain::case::Status;
use crate::domain::intake::{self, Limits};
use crate::domain::office::{self, Office, Officer};
use crate::domain::workflow::{self, Case, Counts, Direction, Filter, Message};
use crate::protocol::desk::{Rewrap, RewrapBatch, RewrapItem};

/// A case of the office, or `UnknownCase`.
pub async fn own_case(store: &Store, office: &Office, id: String) -> Result<Case, AppError> {
    let slug = office.slug.clone();
    store
        .read(move |c| db::desk::get_case(c, &slug, &id))
        .await?
        .ok_or(AppError::UnknownCase)
}

/// Changes a case in one commit, as `officer`: `change` (a refusal writes nothing), the audit
/// entry `action` about `subject`, and the case's counts and labels as the officer sees them
/// now. A case that changed meanwhile is `CaseChanged`.
async fn change_case(
    store: &Store,
    officer: &Officer,
    case_id: &str,
    action: &'static str,
    subject: String,
    change: impl FnOnce(&mut DbConn) -> Result<Result<(), AppError>, DbError> + Send + 'static,
) -> Result<Listed, AppError> {
    let (office, actor, case_id) = (
        officer.office.clone(),
        officer.id.clone(),
        case_id.to_owned(),
    );
    store
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

/// One audit entry by `officer`, in its own commit.
async fn audit(
    store: &Store,
    officer: &Officer,
    action: &'static str,
    subject: String,
) -> Result<(), AppError> {
    let (office, actor) = (officer.office.clone(), officer.id.clone());
    Ok(store
        .write(move |c| db::desk::append_audit(c, &office, &actor, action, Some(&subject)))
        .await?)
}

/// The office's cases the `filter` keeps today (only the officer's own with `mine`), with
/// their counts as the officer sees them and their labels.
pub async fn inbox(
    store: &Store,
    officer: &Officer,
    office: &Office,
    filter: Filter,
    mine: bool,
    today: NaiveDate,
) -> Result<Vec<(Case, Listed)>, AppError> {
    let (slug, me) = (office.slug.clone(), officer.id.clone());
    let cases = store
        .read(move |c| db::desk::list_cases(c, &slug, &me))
        .await?;
    Ok(cases
        .into_iter()
        .filter(|(case, _)| !mine || case.assignee.as_deref() == Some(officer.id.as_str()))
        .filter(|(case, _)| {
            filter.keeps(
                case.status,
                &workflow::due(case.status, &case.clocks, today),
            )
        })
        .collect())
}

/// The most cases one page of `contents` carries.
pub const CONTENTS_PAGE: i64 = 500;

/// The most cases `contents` gives by id at once.
pub const MAX_CONTENTS_IDS: usize = 100;

/// A page of the office's cases with the ciphertexts of their reports, messages and notes,
/// newest first, for the desk to decrypt and search in the browser (no case is marked as
/// read); and the office's number of cases. The first page is audited: this officer's browser
/// read every case of the office.
pub async fn contents(
    store: &Store,
    officer: &Officer,
    office: &Office,
    offset: i64,
    limit: i64,
    only: Option<Vec<String>>,
) -> Result<(i64, Vec<CaseContents>), AppError> {
    let (slug, o) = (office.slug.clone(), officer.clone());
    let (offset, limit) = (offset.max(0), limit.clamp(1, CONTENTS_PAGE));
    if only
        .as_ref()
        .is_some_and(|ids| ids.len() > MAX_CONTENTS_IDS)
    {
        return Err(AppError::Invalid(format!(
            "ids: at most {MAX_CONTENTS_IDS} cases"
        )));
    }
    // The first page is the desk reading everything; a few cases by id, what changed since.
    let action = match &only {
        None if offset == 0 => Some("read-all"),
        None => None,
        Some(_) => Some("read-changed"),
    };
    if let Some(action) = action {
        store
            .write(move |c| db::desk::append_audit(c, &o.office, &o.id, action, None))
            .await?;
    }
    Ok(store
        .read(move |c| db::desk::contents(c, &slug, offset, limit, only.as_deref()))
        .await?)
}

/// A case opened with every ciphertext it has.
pub struct Opened {
    pub case: Case,
    pub listed: Listed,
    pub report: Vec<u8>,
    /// Id, ciphertext and key-set version of each attachment.
    pub attachments: Vec<(String, Vec<u8>, i32)>,
    /// Each message, with the officers who have opened the case since it arrived (for a
    /// reporter's message; empty for the office's own).
    pub messages: Vec<(Message, Vec<String>)>,
    /// The officers who have opened the case.
    pub report_seen_by: Vec<String>,
}

/// Opens a case: marked read for the officer (unless `mark_read` is false: a client that
/// opens it only to re-encrypt it) and audited before the answer, so that "seen by" includes
/// this opening.
pub async fn open(
    store: &Store,
    officer: &Officer,
    office: &Office,
    id: String,
    mark_read: bool,
) -> Result<Opened, AppError> {
    let case = own_case(store, office, id).await?;
    let case_id = case.id.clone();
    let (report, attachments, messages, labels) = store
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
    let (o, case_id, seen) = (officer.clone(), case.id.clone(), counts.from_reporter);
    let reads = store
        .write(move |c| {
            if mark_read {
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
    let messages = messages
        .into_iter()
        .map(|m| {
            let seen_by = if m.direction == Direction::Reporter {
                nth_from_reporter += 1;
                workflow::seen_by(&reads, nth_from_reporter)
            } else {
                vec![]
            };
            (m, seen_by)
        })
        .collect();
    Ok(Opened {
        case,
        listed: Listed {
            counts,
            labels,
            // Opened now, unless only to re-encrypt it; then as before.
            opened: mark_read || reads.iter().any(|(id, _)| *id == officer.id),
        },
        report,
        attachments,
        messages,
        report_seen_by: workflow::seen_by(&reads, 0),
    })
}

/// Moves a case on, with the legal clocks the step sets; the case as it is now.
pub async fn change_status(
    store: &Store,
    officer: &Officer,
    office: &Office,
    id: String,
    to: Status,
    today: NaiveDate,
) -> Result<(Case, Listed), AppError> {
    let case = own_case(store, office, id).await?;
    let clocks = workflow::transition(
        case.status,
        to,
        case.clocks,
        today,
        office.retention_years.max(1) as u32,
    )?;
    let action = match to {
        Status::Acknowledged => "status:acknowledged",
        Status::InProgress => "status:in_progress",
        Status::FeedbackGiven => "status:feedback_given",
        Status::Closed => "status:closed",
        Status::Received => "status:received",
    };
    let read_as = case.clone();
    let listed = change_case(
        store,
        officer,
        &case.id,
        action,
        case.id.clone(),
        move |c| db::desk::set_status(c, &read_as, to, &clocks).map(Ok),
    )
    .await?;
    Ok((
        Case {
            status: to,
            clocks,
            ..case
        },
        listed,
    ))
}

/// A note (`Direction::Note`, the office's only) or a reply (`Direction::Office`, also to the
/// reporter), checked without decrypting and stored if the office's key set is still the one
/// it declares; the new message's id.
#[allow(clippy::too_many_arguments)]
pub async fn add_message(
    store: &Store,
    officer: &Officer,
    office: &Office,
    id: String,
    direction: Direction,
    ciphertext: String,
    keyset_version: i32,
    limits: &Limits,
    today: NaiveDate,
) -> Result<String, AppError> {
    let case = own_case(store, office, id).await?;
    intake::check_keyset(keyset_version, office)?;
    let expected = workflow::expected_stanzas(direction, office.recipients.len());
    let buckets = limits.report;
    let ct =
        blocking(move || intake::check_age_file("ciphertext", &ciphertext, expected, &buckets))
            .await??;
    let action = if direction == Direction::Note {
        "note"
    } else {
        "reply"
    };
    let (case_id, o) = (case.id, officer.clone());
    Ok(store
        .write(move |c| {
            let written = workflow::Written::now(&o.id);
            let id = db::desk::insert_message(
                c,
                &case_id,
                direction,
                &ct,
                today,
                Some(&written),
                keyset_version,
            )?;
            if id.is_ok() {
                db::desk::append_audit(c, &o.office, &o.id, action, Some(&case_id))?;
            }
            Ok(id)
        })
        .await?
        .map_err(|current| intake::IntakeError::StaleKeyset { current })?)
}

/// The report's age file as stored (audited).
pub async fn export(
    store: &Store,
    officer: &Officer,
    office: &Office,
    id: String,
) -> Result<Vec<u8>, AppError> {
    let case = own_case(store, office, id).await?;
    let case_id = case.id.clone();
    let ct = store
        .read(move |c| db::desk::report_ciphertext(c, &case_id))
        .await?;
    audit(store, officer, "export", case.id).await?;
    Ok(ct)
}

/// Records that the officer's client forwards a case to a competent authority (HinSchG §18
/// no. 4): the client re-encrypts the case itself to `recipient`; the audit log gets the case
/// and the recipient's fingerprint, never what was sent. The fingerprint.
/// Records a forwarding to the authority's `recipient`, or with a passphrase (`None`): the
/// audit entry names the case and the recipient's fingerprint, or says "by passphrase". What
/// the log answers for it: the fingerprint, or `passphrase`.
pub async fn forward(
    store: &Store,
    officer: &Officer,
    office: &Office,
    id: String,
    recipient: Option<&str>,
) -> Result<String, AppError> {
    if let Some(r) = recipient {
        office::check_recipient(r.trim()).map_err(|e| AppError::BadRecipient(e.to_string()))?;
    }
    let case = own_case(store, office, id).await?;
    let (how, recorded) = match recipient {
        Some(r) => {
            let fingerprint = crypto::fingerprint(r.trim());
            (format!("to {fingerprint}"), fingerprint)
        }
        None => ("by passphrase".to_owned(), "passphrase".to_owned()),
    };
    audit(store, officer, "forward", format!("{} {how}", case.id)).await?;
    Ok(recorded)
}

/// Swaps in every ciphertext of a case re-encrypted to the office's current key set: all of
/// them or none, compared with what the case has and swapped in one commit, so that a message
/// arriving meanwhile is never left on the old key set.
pub async fn rewrap(
    store: &Store,
    officer: &Officer,
    office: &Office,
    id: String,
    r: Rewrap,
    limits: &Limits,
) -> Result<String, AppError> {
    intake::check_keyset(r.keyset_version, office)?;
    let case = own_case(store, office, id).await?;
    let case_id = case.id.clone();
    let (attachments, messages) = store
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
        return Err(AppError::RewrapIncomplete);
    }
    let directions: Directions = messages
        .iter()
        .map(|m| (m.id.clone(), m.direction))
        .collect();
    let (n, limits) = (office.recipients.len(), *limits);
    let w = blocking(move || {
        checked_rewrap(
            r.keyset_version,
            &r.ciphertext,
            &r.attachments,
            &r.messages,
            &directions,
            n,
            &limits,
        )
    })
    .await??;
    let (case_id, o) = (case.id.clone(), officer.clone());
    store
        .write(move |c| {
            db::desk::rewrap(c, &case_id, &w)?;
            db::desk::append_audit(c, &o.office, &o.id, "rewrap", Some(&case_id))
        })
        .await
        .map_err(case_changed)?;
    Ok(case.id)
}

/// Each message's direction, by id: it decides which recipients its ciphertext must have.
type Directions = std::collections::HashMap<String, Direction>;

/// A case's re-encrypted ciphertexts, each checked like new ones of its kind: the report and
/// the reporter's messages carry the reporter's stanza besides the office's. A message the
/// case does not have is checked as a note; the swap then finds the case changed.
fn checked_rewrap(
    keyset_version: i32,
    report: &str,
    attachments: &[RewrapItem],
    messages: &[RewrapItem],
    directions: &Directions,
    n: usize,
    limits: &Limits,
) -> Result<db::desk::Rewrap, intake::IntakeError> {
    Ok(db::desk::Rewrap {
        report: intake::check_age_file(
            "ciphertext",
            report,
            workflow::report_stanzas(n),
            &limits.report,
        )?,
        keyset_version,
        attachments: attachments
            .iter()
            .map(|a| {
                let ct =
                    intake::check_age_file("attachments", &a.ciphertext, n, &limits.attachment)?;
                Ok((a.id.0.clone(), ct))
            })
            .collect::<Result<_, intake::IntakeError>>()?,
        messages: messages
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
}

/// The most cases one re-encryption batch may carry.
pub const MAX_REWRAP_BATCH: usize = 100;

/// The next cases, by id after `after`, that the office's current key set cannot read, with
/// every ciphertext each has; together under `max_bytes` of ciphertext (but at least one). How
/// many such cases come after `after`, and the page.
pub async fn pending_rewrap(
    store: &Store,
    office: &Office,
    after: String,
    limit: usize,
    max_bytes: usize,
) -> Result<(i64, Vec<db::desk::PendingRewrap>), AppError> {
    let (slug, current) = (office.slug.clone(), office.keyset_version);
    let limit = limit.clamp(1, MAX_REWRAP_BATCH);
    Ok(store
        .read(move |c| db::desk::pending_rewrap(c, &slug, current, &after, limit, max_bytes))
        .await?)
}

/// Swaps in many cases re-encrypted to the office's current key set, in one commit: each case
/// whole or not at all. Malformed input refuses the batch and stores nothing; a case that
/// changed since the client read it (a message arrived) is left as it was and named in the
/// answer, for the client to read again. The cases swapped in, and those that changed.
pub async fn rewrap_many(
    store: &Store,
    officer: &Officer,
    office: &Office,
    batch: RewrapBatch,
    limits: &Limits,
) -> Result<(Vec<String>, Vec<String>), AppError> {
    intake::check_keyset(batch.keyset_version, office)?;
    if batch.cases.is_empty() || batch.cases.len() > MAX_REWRAP_BATCH {
        return Err(AppError::Invalid(format!(
            "cases: between 1 and {MAX_REWRAP_BATCH}"
        )));
    }
    let ids: Vec<String> = batch.cases.iter().map(|c| c.id.0.clone()).collect();
    if ids.iter().collect::<std::collections::HashSet<_>>().len() != ids.len() {
        return Err(AppError::Invalid("cases: each case once".into()));
    }
    let slug = office.slug.clone();
    let directions: Directions = store
        .read(move |c| db::desk::rewrap_targets(c, &slug, &ids))
        .await?
        .ok_or(AppError::UnknownCase)?
        .into_iter()
        .collect();
    let (n, limits, version) = (office.recipients.len(), *limits, batch.keyset_version);
    let work = blocking(move || {
        batch
            .cases
            .iter()
            .map(|c| {
                let w = checked_rewrap(
                    version,
                    &c.ciphertext,
                    &c.attachments,
                    &c.messages,
                    &directions,
                    n,
                    &limits,
                )?;
                Ok((c.id.0.clone(), w))
            })
            .collect::<Result<Vec<_>, intake::IntakeError>>()
    })
    .await??;
    let o = officer.clone();
    Ok(store
        .write(move |c| db::desk::rewrap_each(c, &o.office, &o.id, &work))
        .await?)
}

/// The longest reason for keeping a case longer, in characters.
pub const MAX_REASON: usize = 1000;

/// Keeps a closed case until a later day than its retention, with the officer's reason.
pub async fn extend_retention(
    store: &Store,
    officer: &Officer,
    office: &Office,
    id: String,
    until: NaiveDate,
    reason: &str,
    today: NaiveDate,
) -> Result<(Case, Listed), AppError> {
    let reason = reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(AppError::Invalid(format!(
            "reason: between 1 and {MAX_REASON} characters"
        )));
    }
    let case = own_case(store, office, id).await?;
    let (Status::Closed, Some(current)) = (case.status, case.clocks.delete_after) else {
        return Err(AppError::CaseNotClosed);
    };
    if until <= current || until <= today {
        return Err(AppError::Invalid(format!(
            "delete_after: must be later than the current {current} and than today"
        )));
    }
    let (case_id, by) = (case.id.clone(), officer.id.clone());
    let listed = change_case(
        store,
        officer,
        &case.id,
        "retention:extend",
        case.id.clone(),
        move |c| {
            db::outbox::extend_retention(c, &case_id, &by, Some(current), until, &reason, today)
                .map(Ok)
        },
    )
    .await?;
    Ok((
        Case {
            clocks: workflow::Clocks {
                delete_after: Some(until),
                ..case.clocks
            },
            ..case
        },
        listed,
    ))
}

/// Assigns a case to an active officer of the office, or (`None`) back to all of it.
pub async fn assign(
    store: &Store,
    officer: &Officer,
    office: &Office,
    id: String,
    to: Option<String>,
) -> Result<(Case, Listed), AppError> {
    let case = own_case(store, office, id).await?;
    let (slug, case_id, assignee) = (office.slug.clone(), case.id.clone(), to.clone());
    let subject = format!("{case_id} to {}", to.as_deref().unwrap_or("office"));
    let listed = change_case(store, officer, &case.id, "assign", subject, move |c| {
        Ok(db::casework::assign(c, &slug, &case_id, assignee.as_deref())?.map_err(AppError::from))
    })
    .await?;
    Ok((
        Case {
            assignee: to,
            ..case
        },
        listed,
    ))
}

/// Gives a case exactly these labels of the office.
pub async fn set_labels(
    store: &Store,
    officer: &Officer,
    office: &Office,
    id: String,
    labels: Vec<String>,
) -> Result<(Case, Listed), AppError> {
    let case = own_case(store, office, id).await?;
    let (slug, case_id) = (office.slug.clone(), case.id.clone());
    let listed = change_case(
        store,
        officer,
        &case.id,
        "labels",
        case.id.clone(),
        move |c| {
            Ok(db::casework::set_case_labels(c, &slug, &case_id, &labels)?.map_err(AppError::from))
        },
    )
    .await?;
    Ok((case, listed))
}

/// The office's active officers, by name.
pub async fn colleagues(store: &Store, office: &Office) -> Result<Vec<Officer>, AppError> {
    let slug = office.slug.clone();
    let mut list = store
        .read(move |c| db::offices::list_officers(c, &slug))
        .await?;
    list.retain(|o| o.active);
    list.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id)));
    Ok(list)
}
