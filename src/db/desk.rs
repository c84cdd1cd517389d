//! Cases, messages, sessions, challenges and the audit log.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{attachments, audit_log, case_reads, challenges, messages, reports, sessions};
use super::{DbConn, DbError};
use crate::domain::audit::{self, Entry};
use crate::domain::case::Status;
use crate::domain::workflow::{Case, Clocks, Counts, Direction, Message, Written};

type CaseRow = (
    String,
    String,
    i32,
    String,
    NaiveDate,
    Option<NaiveDate>,
    NaiveDate,
    NaiveDate,
    Option<NaiveDate>,
    Option<NaiveDate>,
    String,
    Option<String>,
);

macro_rules! case_columns {
    () => {
        (
            reports::id,
            reports::office,
            reports::keyset_version,
            reports::status,
            reports::received_on,
            reports::acknowledged_on,
            reports::ack_due,
            reports::feedback_due,
            reports::closed_on,
            reports::delete_after,
            reports::reply_recipient,
            reports::assignee,
        )
    };
}

fn to_case(r: CaseRow) -> Case {
    Case {
        id: r.0,
        office: r.1,
        keyset_version: r.2,
        // The column only ever holds values written from `Status::as_str`.
        status: Status::parse(&r.3).unwrap_or(Status::Received),
        clocks: Clocks {
            received_on: r.4,
            acknowledged_on: r.5,
            ack_due: r.6,
            feedback_due: r.7,
            closed_on: r.8,
            delete_after: r.9,
        },
        reply_recipient: r.10,
        assignee: r.11,
    }
}

/// What the inbox shows of a case besides the case itself: its message counts as one officer
/// sees them, and its labels (ids).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listed {
    pub counts: Counts,
    pub labels: Vec<String>,
    /// The asking officer has opened the case (at least once).
    pub opened: bool,
}

/// The office's cases with their message counts and labels, oldest first;
/// `unread_from_reporter` counts the reporter messages `reader` (an officer id) has not opened.
pub fn list_cases(
    conn: &mut DbConn,
    office: &str,
    reader: &str,
) -> Result<Vec<(Case, Listed)>, DbError> {
    let cases: Vec<Case> = reports::table
        .filter(reports::office.eq(office))
        .order((reports::received_on, reports::id))
        .select(case_columns!())
        .load::<CaseRow>(conn)?
        .into_iter()
        .map(to_case)
        .collect();
    let dirs: Vec<(String, String)> = messages::table
        .inner_join(reports::table)
        .filter(reports::office.eq(office))
        .select((messages::report_id, messages::direction))
        .load(conn)?;
    let mut counts: std::collections::HashMap<String, Counts> = Default::default();
    for (id, d) in dirs {
        if let Some(d) = Direction::parse(&d) {
            counts.entry(id).or_default().add(d);
        }
    }
    let seen: std::collections::HashMap<String, i32> = case_reads::table
        .filter(case_reads::officer_id.eq(reader))
        .select((case_reads::report_id, case_reads::reporter_messages_seen))
        .load::<(String, i32)>(conn)?
        .into_iter()
        .collect();
    let mut labels = super::casework::labels_by_case(conn, office)?;
    Ok(cases
        .into_iter()
        .map(|c| {
            let mut n = counts.get(&c.id).copied().unwrap_or_default();
            n.mark_seen(seen.get(&c.id).copied().unwrap_or(0));
            let labels = labels.remove(&c.id).unwrap_or_default();
            let opened = seen.contains_key(&c.id);
            (
                c,
                Listed {
                    counts: n,
                    labels,
                    opened,
                },
            )
        })
        .collect())
}

/// A case's message counts as `reader` sees them, and its labels (for answers about one case).
pub fn listed_of(conn: &mut DbConn, case_id: &str, reader: &str) -> Result<Listed, DbError> {
    let (counts, opened) = counts_of(conn, case_id, reader)?;
    Ok(Listed {
        counts,
        labels: super::casework::labels_of(conn, case_id)?,
        opened,
    })
}

/// A case's message counts as `reader` sees them, and whether `reader` has opened it.
fn counts_of(conn: &mut DbConn, case_id: &str, reader: &str) -> Result<(Counts, bool), DbError> {
    let dirs: Vec<String> = messages::table
        .filter(messages::report_id.eq(case_id))
        .select(messages::direction)
        .load(conn)?;
    let mut n = Counts::default();
    dirs.iter()
        .filter_map(|d| Direction::parse(d))
        .for_each(|d| n.add(d));
    let seen: Option<i32> = case_reads::table
        .filter(case_reads::officer_id.eq(reader))
        .filter(case_reads::report_id.eq(case_id))
        .select(case_reads::reporter_messages_seen)
        .first(conn)
        .optional()?;
    n.mark_seen(seen.unwrap_or(0));
    Ok((n, seen.is_some()))
}

/// Records that `officer` has now seen `reporter_messages` reporter messages of a case.
pub fn mark_read(
    conn: &mut DbConn,
    officer: &str,
    case_id: &str,
    reporter_messages: u32,
) -> Result<(), DbError> {
    // Delete and insert: `on_conflict` does not compile on the two-backend connection.
    diesel::delete(
        case_reads::table
            .filter(case_reads::officer_id.eq(officer))
            .filter(case_reads::report_id.eq(case_id)),
    )
    .execute(conn)?;
    diesel::insert_into(case_reads::table)
        .values((
            case_reads::officer_id.eq(officer),
            case_reads::report_id.eq(case_id),
            case_reads::reporter_messages_seen
                .eq(i32::try_from(reporter_messages).unwrap_or(i32::MAX)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Who has opened a case: (officer id, reporter messages seen), by officer id.
pub fn reads_of(conn: &mut DbConn, case_id: &str) -> Result<Vec<(String, u32)>, DbError> {
    let rows: Vec<(String, i32)> = case_reads::table
        .filter(case_reads::report_id.eq(case_id))
        .order(case_reads::officer_id)
        .select((case_reads::officer_id, case_reads::reporter_messages_seen))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, u32::try_from(n).unwrap_or(0)))
        .collect())
}

/// A case of this office; another office's case is as absent as a missing one.
pub fn get_case(conn: &mut DbConn, office: &str, id: &str) -> Result<Option<Case>, DbError> {
    Ok(reports::table
        .filter(reports::id.eq(id))
        .filter(reports::office.eq(office))
        .select(case_columns!())
        .first::<CaseRow>(conn)
        .optional()?
        .map(to_case))
}

pub fn case_by_lookup(conn: &mut DbConn, lookup_hash: &[u8]) -> Result<Option<Case>, DbError> {
    Ok(reports::table
        .filter(reports::lookup_hash.eq(lookup_hash))
        .select(case_columns!())
        .first::<CaseRow>(conn)
        .optional()?
        .map(to_case))
}

pub fn report_ciphertext(conn: &mut DbConn, id: &str) -> Result<Vec<u8>, DbError> {
    Ok(reports::table
        .find(id)
        .select(reports::ciphertext)
        .first(conn)?)
}

/// A case's report and its messages and notes, as ciphertext.
pub struct CaseContents {
    pub id: String,
    pub report: Vec<u8>,
    pub keyset_version: i32,
    pub messages: Vec<Message>,
}

/// A page of the office's cases, newest first, each with its report's ciphertext and key-set
/// version and its messages and notes in order; and how many cases the office has. Three
/// queries a page, whatever its size.
pub fn contents(
    conn: &mut DbConn,
    office: &str,
    offset: i64,
    limit: i64,
    only: Option<&[String]>,
) -> Result<(i64, Vec<CaseContents>), DbError> {
    let total: i64 = reports::table
        .filter(reports::office.eq(office))
        .count()
        .get_result(conn)?;
    let mut q = reports::table
        .filter(reports::office.eq(office))
        .into_boxed();
    if let Some(ids) = only {
        q = q.filter(reports::id.eq_any(ids));
    }
    let page: Vec<(String, Vec<u8>, i32)> = q
        .order((reports::received_on.desc(), reports::id))
        .offset(offset)
        .limit(limit)
        .select((reports::id, reports::ciphertext, reports::keyset_version))
        .load(conn)?;
    let ids: Vec<&str> = page.iter().map(|(id, ..)| id.as_str()).collect();
    type Row = (String, String, String, NaiveDate, Vec<u8>, i32);
    let rows: Vec<Row> = messages::table
        .filter(messages::report_id.eq_any(&ids))
        .order((messages::report_id, messages::seq))
        .select((
            messages::report_id,
            messages::id,
            messages::direction,
            messages::created_on,
            messages::ciphertext,
            messages::keyset_version,
        ))
        .load(conn)?;
    let mut by_case: std::collections::HashMap<String, Vec<Message>> = Default::default();
    for (case, id, d, created_on, ciphertext, keyset_version) in rows {
        if let Some(direction) = Direction::parse(&d) {
            by_case.entry(case).or_default().push(Message {
                id,
                direction,
                created_on,
                written: None,
                ciphertext,
                keyset_version,
            });
        }
    }
    Ok((
        total,
        page.into_iter()
            .map(|(id, report, keyset_version)| CaseContents {
                messages: by_case.remove(&id).unwrap_or_default(),
                id,
                report,
                keyset_version,
            })
            .collect(),
    ))
}

/// A report's attachments in order: (id, ciphertext, key-set version).
pub fn attachments_of(conn: &mut DbConn, id: &str) -> Result<Vec<(String, Vec<u8>, i32)>, DbError> {
    Ok(attachments::table
        .filter(attachments::report_id.eq(id))
        .order((attachments::position, attachments::id))
        .select((
            attachments::id,
            attachments::ciphertext,
            attachments::keyset_version,
        ))
        .load(conn)?)
}

/// Messages of a case in the order they were written (their per-case sequence number).
pub fn messages_of(conn: &mut DbConn, id: &str, with_notes: bool) -> Result<Vec<Message>, DbError> {
    let mut q = messages::table
        .filter(messages::report_id.eq(id))
        .into_boxed();
    if !with_notes {
        q = q.filter(messages::direction.ne(Direction::Note.as_str()));
    }
    type Row = (
        String,
        String,
        NaiveDate,
        Vec<u8>,
        i32,
        Option<String>,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = q
        .order(messages::seq)
        .select((
            messages::id,
            messages::direction,
            messages::created_on,
            messages::ciphertext,
            messages::keyset_version,
            messages::author,
            messages::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(id, d, created_on, ciphertext, keyset_version, author, at)| {
                Some(Message {
                    id,
                    direction: Direction::parse(&d)?,
                    created_on,
                    written: author.zip(at).map(|(author, at)| Written { author, at }),
                    ciphertext,
                    keyset_version,
                })
            },
        )
        .collect())
}

/// Stores a message encrypted to key set `keyset_version`, if that is still the office's
/// current one (checked in the same commit, so a rotation in between cannot slip through):
/// `Ok(Err(current))` otherwise.
pub fn insert_message(
    conn: &mut DbConn,
    report_id: &str,
    direction: Direction,
    ciphertext: &[u8],
    created_on: NaiveDate,
    written: Option<&Written>,
    keyset_version: i32,
) -> Result<Result<String, i32>, DbError> {
    let current: i32 = reports::table
        .inner_join(super::schema::offices::table)
        .filter(reports::id.eq(report_id))
        .select(super::schema::offices::keyset_version)
        .first(conn)?;
    if current != keyset_version {
        return Ok(Err(current));
    }
    // Ids are random, so their order reveals nothing; created_on is a date. The order of the
    // conversation is the per-case sequence number (unique, so two servers cannot both take
    // the same one: the later commit fails and nothing is stored).
    let id = uuid::Uuid::new_v4().to_string();
    let last: Option<i32> = messages::table
        .filter(messages::report_id.eq(report_id))
        .select(diesel::dsl::max(messages::seq))
        .first(conn)?;
    diesel::insert_into(messages::table)
        .values((
            messages::id.eq(&id),
            messages::report_id.eq(report_id),
            messages::direction.eq(direction.as_str()),
            messages::ciphertext.eq(ciphertext),
            messages::created_on.eq(created_on),
            messages::seq.eq(last.unwrap_or(0) + 1),
            messages::keyset_version.eq(keyset_version),
            messages::author.eq(written.map(|w| w.author.as_str())),
            messages::created_at.eq(written.map(|w| w.at)),
        ))
        .execute(conn)?;
    Ok(Ok(id))
}

/// Writes a new status and clocks, if the case is still in the status it was read in.
pub fn set_status(conn: &mut DbConn, case: &Case, to: Status, c: &Clocks) -> Result<(), DbError> {
    let n = diesel::update(
        reports::table
            .filter(reports::id.eq(&case.id))
            .filter(reports::status.eq(case.status.as_str())),
    )
    .set((
        reports::status.eq(to.as_str()),
        reports::acknowledged_on.eq(c.acknowledged_on),
        reports::feedback_due.eq(c.feedback_due),
        reports::closed_on.eq(c.closed_on),
        reports::delete_after.eq(c.delete_after),
    ))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(DbError::Conflict("the case changed meanwhile".into()))
    }
}

/// A case the office's current key set cannot read yet, with every ciphertext it has.
pub struct PendingRewrap {
    pub id: String,
    pub reply_recipient: String,
    pub report: Vec<u8>,
    pub attachments: Vec<(String, Vec<u8>, i32)>,
    pub messages: Vec<Message>,
}

/// The office's cases on a key set older than `current`, by id after `after`: how many there
/// are, and the first (at most `limit`) whose ciphertexts stay under `max_bytes` together; the
/// first always, whatever its size. Read case by case, so that a page never holds more.
pub fn pending_rewrap(
    conn: &mut DbConn,
    office: &str,
    current: i32,
    after: &str,
    limit: usize,
    max_bytes: usize,
) -> Result<(i64, Vec<PendingRewrap>), DbError> {
    let stale = || {
        reports::table
            .filter(reports::office.eq(office))
            .filter(reports::keyset_version.lt(current))
            .filter(reports::id.gt(after))
    };
    let remaining: i64 = stale().count().get_result(conn)?;
    let ids: Vec<(String, String)> = stale()
        .order(reports::id)
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select((reports::id, reports::reply_recipient))
        .load(conn)?;
    let mut page = Vec::new();
    let mut bytes = 0;
    for (id, reply_recipient) in ids {
        let report = report_ciphertext(conn, &id)?;
        let attachments = attachments_of(conn, &id)?;
        let messages = messages_of(conn, &id, true)?;
        bytes += report.len()
            + attachments.iter().map(|a| a.1.len()).sum::<usize>()
            + messages.iter().map(|m| m.ciphertext.len()).sum::<usize>();
        if bytes > max_bytes && !page.is_empty() {
            break;
        }
        page.push(PendingRewrap {
            id,
            reply_recipient,
            report,
            attachments,
            messages,
        });
    }
    Ok((remaining, page))
}

/// For a re-encryption of the cases `ids`: the direction of each of their messages, by id; or
/// `None` when one of them is not a case of the office.
pub fn rewrap_targets(
    conn: &mut DbConn,
    office: &str,
    ids: &[String],
) -> Result<Option<Vec<(String, Direction)>>, DbError> {
    let found: i64 = reports::table
        .filter(reports::office.eq(office))
        .filter(reports::id.eq_any(ids))
        .count()
        .get_result(conn)?;
    if usize::try_from(found).ok() != Some(ids.len()) {
        return Ok(None);
    }
    let rows: Vec<(String, String)> = messages::table
        .filter(messages::report_id.eq_any(ids))
        .select((messages::id, messages::direction))
        .load(conn)?;
    Ok(Some(
        rows.into_iter()
            .filter_map(|(id, d)| Direction::parse(&d).map(|d| (id, d)))
            .collect(),
    ))
}

/// New ciphertexts for a case after a key rotation, swapped in all at once.
pub struct Rewrap {
    pub report: Vec<u8>,
    pub keyset_version: i32,
    pub attachments: Vec<(String, Vec<u8>)>,
    pub messages: Vec<(String, Vec<u8>)>,
}

/// Swaps in the re-encrypted items, if the case still has exactly these items and the office
/// is still at this key-set version: compared and swapped in one commit, so a message that
/// arrives meanwhile is never left on the old key set.
pub fn rewrap(conn: &mut DbConn, case_id: &str, w: &Rewrap) -> Result<(), DbError> {
    let changed = || DbError::Conflict("the case or the key set changed meanwhile".into());
    let version: Option<i32> = reports::table
        .inner_join(super::schema::offices::table)
        .filter(reports::id.eq(case_id))
        .select(super::schema::offices::keyset_version)
        .first(conn)
        .optional()?;
    if version != Some(w.keyset_version) {
        return Err(changed());
    }
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let have_attachments: Vec<String> = attachments::table
        .filter(attachments::report_id.eq(case_id))
        .select(attachments::id)
        .load(conn)?;
    let have_messages: Vec<String> = messages::table
        .filter(messages::report_id.eq(case_id))
        .select(messages::id)
        .load(conn)?;
    let sent = |items: &[(String, Vec<u8>)]| sorted(items.iter().map(|i| i.0.clone()).collect());
    if sorted(have_attachments) != sent(&w.attachments)
        || sorted(have_messages) != sent(&w.messages)
    {
        return Err(changed());
    }
    diesel::update(reports::table.find(case_id))
        .set((
            reports::ciphertext.eq(&w.report),
            reports::keyset_version.eq(w.keyset_version),
        ))
        .execute(conn)?;
    for (id, ct) in &w.attachments {
        let n = diesel::update(
            attachments::table
                .filter(attachments::id.eq(id))
                .filter(attachments::report_id.eq(case_id)),
        )
        .set((
            attachments::ciphertext.eq(ct),
            attachments::keyset_version.eq(w.keyset_version),
        ))
        .execute(conn)?;
        if n != 1 {
            return Err(DbError::NotFound);
        }
    }
    for (id, ct) in &w.messages {
        let n = diesel::update(
            messages::table
                .filter(messages::id.eq(id))
                .filter(messages::report_id.eq(case_id)),
        )
        .set((
            messages::ciphertext.eq(ct),
            messages::keyset_version.eq(w.keyset_version),
        ))
        .execute(conn)?;
        if n != 1 {
            return Err(DbError::NotFound);
        }
    }
    Ok(())
}

/// Swaps in many cases' re-encryptions, each in a savepoint of its own and audited as the
/// officer's: a case that changed meanwhile is left as it was. The cases swapped in, and those
/// that changed.
pub fn rewrap_each(
    conn: &mut DbConn,
    office: &str,
    officer: &str,
    work: &[(String, Rewrap)],
) -> Result<(Vec<String>, Vec<String>), DbError> {
    let (mut done, mut changed) = (vec![], vec![]);
    for (id, w) in work {
        let swapped = conn.transaction(|c| {
            rewrap(c, id, w)?;
            append_audit(c, office, officer, "rewrap", Some(id))
        });
        match swapped {
            Ok(()) => done.push(id.clone()),
            Err(DbError::Conflict(_) | DbError::NotFound) => changed.push(id.clone()),
            Err(e) => return Err(e),
        }
    }
    Ok((done, changed))
}

// --- login ---

/// Spends a login challenge (by its nonce) until it ends: `false` when it was spent already.
/// Only a redeemed challenge gets a row, so the table holds the logins of the last few
/// minutes, whatever the number of challenges asked for.
pub fn spend_challenge(
    conn: &mut DbConn,
    nonce: &str,
    principal: &str,
    expires_at: NaiveDateTime,
) -> Result<bool, DbError> {
    diesel::delete(
        challenges::table.filter(challenges::expires_at.lt(chrono::Utc::now().naive_utc())),
    )
    .execute(conn)?;
    let row = (
        challenges::id.eq(nonce),
        challenges::principal.eq(principal),
        // Nothing secret is kept: the secret follows from the id and the process's key.
        challenges::secret_hash.eq(&[][..]),
        challenges::expires_at.eq(expires_at),
    );
    // A second answer inserts nothing (and PostgreSQL logs no unique violation of it).
    let inserted = match conn {
        DbConn::Pg(c) => diesel::insert_into(challenges::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_or_ignore_into(challenges::table)
            .values(row)
            .execute(c)?,
    };
    Ok(inserted == 1)
}

pub fn insert_session(
    conn: &mut DbConn,
    token_hash: &[u8],
    principal: &str,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::delete(sessions::table.filter(sessions::expires_at.lt(chrono::Utc::now().naive_utc())))
        .execute(conn)?;
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::principal.eq(principal),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn session(
    conn: &mut DbConn,
    token_hash: &[u8],
) -> Result<Option<(String, NaiveDateTime)>, DbError> {
    Ok(sessions::table
        .find(token_hash)
        .select((sessions::principal, sessions::expires_at))
        .first(conn)
        .optional()?)
}

// --- audit ---

/// Appends an entry to the chain. On PostgreSQL the table is locked for the rest of the
/// transaction, so that several servers on one database cannot fork the chain.
pub fn append_audit(
    conn: &mut DbConn,
    office: &str,
    actor: &str,
    action: &str,
    subject: Option<&str>,
) -> Result<(), DbError> {
    if matches!(conn, DbConn::Pg(_)) {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("LOCK TABLE audit_log IN EXCLUSIVE MODE")?;
    }
    let last: Option<(i64, Vec<u8>)> = audit_log::table
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::hash))
        .first(conn)
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, audit::GENESIS.to_vec()),
    };
    // Microseconds: what both databases store exactly, so the hash can be recomputed.
    let now = chrono::Utc::now().naive_utc();
    let at =
        chrono::Timelike::with_nanosecond(&now, now.and_utc().timestamp_subsec_micros() * 1000)
            .unwrap_or(now);
    let hash = audit::entry_hash(&prev, seq, office, actor, action, subject, at);
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(seq),
            audit_log::office.eq(office),
            audit_log::actor.eq(actor),
            audit_log::action.eq(action),
            audit_log::subject.eq(subject),
            audit_log::at.eq(at),
            audit_log::prev_hash.eq(&prev),
            audit_log::hash.eq(&hash[..]),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest audit entry as a checkpoint.
pub fn audit_head(conn: &mut DbConn) -> Result<Option<audit::Checkpoint>, DbError> {
    Ok(audit_log::table
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::hash))
        .first::<(i64, Vec<u8>)>(conn)
        .optional()?
        .map(|(seq, hash)| audit::Checkpoint { seq, hash }))
}

pub fn audit_entries(conn: &mut DbConn) -> Result<Vec<Entry>, DbError> {
    type Row = (
        i64,
        String,
        String,
        String,
        Option<String>,
        NaiveDateTime,
        Vec<u8>,
        Vec<u8>,
    );
    let rows: Vec<Row> = audit_log::table
        .order(audit_log::seq)
        .select((
            audit_log::seq,
            audit_log::office,
            audit_log::actor,
            audit_log::action,
            audit_log::subject,
            audit_log::at,
            audit_log::prev_hash,
            audit_log::hash,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Entry {
            seq: r.0,
            office: r.1,
            actor: r.2,
            action: r.3,
            subject: r.4,
            at: r.5,
            prev_hash: r.6,
            hash: r.7,
        })
        .collect())
}
