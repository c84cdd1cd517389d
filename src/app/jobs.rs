//! Background jobs: the mailer (news and reminders into the outbox), the sender (outbox to
//! SMTP, with retries), and retention. They run on a schedule inside `serve` and on demand
//! with `meldestelle jobs run`.
//!
//! Several servers may share one PostgreSQL database: the mailer and retention each take a
//! transaction-scoped advisory lock, so one server runs them at a time and the next one sees
//! what the first committed; the sender claims outbox rows with `FOR UPDATE SKIP LOCKED` and
//! a lease, so each mail is sent by one server. On SQLite one server is assumed.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};

use crate::config::Config;
use crate::db::{self, DbError, Store};
use crate::domain::notify::{self, Rules};
use crate::mailer::{MailError, Mailer};

/// How long a claimed mail is reserved for its sender before another may try it.
const LEASE_SECS: i64 = 5 * 60;
/// Mails claimed per round.
const CLAIM_BATCH: i64 = 20;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// Everything, in this order: mail, send, retention.
    All,
    /// Turn news and due reminders into queued mails.
    Mail,
    /// Send queued mails.
    Send,
    /// Delete cases whose retention has passed.
    Retention,
}

/// What one run did (for the log and the command line; counts only).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub queued: usize,
    pub sent: usize,
    pub failed: usize,
    pub deleted: usize,
}

pub struct Jobs {
    store: Store,
    config: Arc<Config>,
    mailer: Option<Mailer>,
    /// When each officer was last mailed, in memory only: a stored time would date the
    /// report that caused the mail. A restart, or a second server, may send one mail early.
    last_mail: std::sync::Mutex<std::collections::HashMap<String, NaiveDateTime>>,
}

impl Jobs {
    pub fn new(store: Store, config: Arc<Config>) -> Result<Jobs, JobError> {
        let mailer = Mailer::from_config(&config)?;
        Ok(Jobs {
            store,
            config,
            mailer,
            last_mail: Default::default(),
        })
    }

    pub fn mail_enabled(&self) -> bool {
        self.mailer.is_some()
    }

    pub fn run(&self, which: Which) -> Result<Outcome, JobError> {
        let mut out = Outcome::default();
        if matches!(which, Which::All | Which::Mail) && self.mailer.is_some() {
            out.queued = self.queue_mail()?;
        }
        if matches!(which, Which::All | Which::Send) {
            let (sent, failed) = self.send_mail()?;
            out.sent = sent;
            out.failed = failed;
        }
        if matches!(which, Which::All | Which::Retention) {
            out.deleted = self.retention()?;
        }
        Ok(out)
    }

    /// Turns news and due reminders into one queued mail per officer, at most one per
    /// interval (or exactly one a day in digest mode).
    fn queue_mail(&self) -> Result<usize, JobError> {
        let today = self.config.today();
        let rules = Rules {
            interval_secs: self.config.notify_interval_secs,
            digest_daily: self.config.digest_daily,
        };
        let last_mail = self.last_mail.lock().map(|m| m.clone()).unwrap_or_default();
        let mailed = self.store.write_wait(move |c| {
            let mut mailed = Vec::new();
            if !db::outbox::try_job_lock(c, db::outbox::LOCK_MAILER)? {
                return Ok(mailed);
            }
            let now = Utc::now().naive_utc();
            let news = db::outbox::take_news(c)?;
            let reminders = db::outbox::offices_with_reminders(c, today)?;
            for r in db::outbox::mailable_officers(c)? {
                let mut state = db::outbox::officer_state(c, &r.officer_id)?;
                state.last_mail_at = last_mail.get(&r.officer_id).copied();
                let had_news = state.news;
                state.news |= news.binary_search(&r.office).is_ok();
                let remind = reminders.binary_search(&r.office).is_ok();
                match notify::decide(&state, remind, &rules, now, today) {
                    Some(next) => {
                        // The queued row's time is gone once the mail is sent.
                        db::outbox::enqueue(c, &r.officer_id, now)?;
                        db::outbox::save_officer_state(c, &r.officer_id, &next)?;
                        mailed.push((r.officer_id.clone(), now));
                    }
                    None if state.news != had_news => {
                        db::outbox::save_officer_state(c, &r.officer_id, &state)?;
                    }
                    None => {}
                }
            }
            Ok(mailed)
        })?;
        if let Ok(mut m) = self.last_mail.lock() {
            m.extend(mailed.iter().cloned());
        }
        Ok(mailed.len())
    }

    /// Sends what is due in the outbox; a failure is retried later with backoff, and never
    /// affects anything else.
    fn send_mail(&self) -> Result<(usize, usize), JobError> {
        let Some(mailer) = &self.mailer else {
            return Ok((0, 0));
        };
        let (mut sent, mut failed) = (0, 0);
        loop {
            let now = Utc::now().naive_utc();
            let until = now + chrono::Duration::seconds(LEASE_SECS);
            let claimed = self
                .store
                .write_wait(move |c| db::outbox::claim(c, now, until, CLAIM_BATCH))?;
            if claimed.is_empty() {
                break;
            }
            let mut smtp_down = false;
            for m in claimed {
                let result = match &m.email {
                    // The officer left or has no address: nothing to send.
                    None => Ok(()),
                    Some(_) if smtp_down => Err(MailError::Smtp("not tried".into())),
                    Some(to) => mailer.send(to),
                };
                match result {
                    Ok(()) | Err(MailError::BadAddress(_)) => {
                        if result.is_err() {
                            tracing::warn!("dropping a notification to an invalid address");
                        } else if m.email.is_some() {
                            sent += 1;
                        }
                        let (id, claim) = (m.id.clone(), m.claim.clone());
                        self.store
                            .write_wait(move |c| db::outbox::done(c, &id, &claim))?;
                    }
                    Err(e) => {
                        if !smtp_down {
                            tracing::warn!(error = %e, "notification not sent; will retry");
                        }
                        smtp_down = true;
                        failed += 1;
                        let attempts = m.attempts.saturating_add(1);
                        let delay =
                            notify::retry_delay_secs(attempts as u32, self.config.smtp_retry_secs);
                        let next: NaiveDateTime =
                            Utc::now().naive_utc() + chrono::Duration::seconds(delay as i64);
                        let (id, claim) = (m.id.clone(), m.claim.clone());
                        self.store.write_wait(move |c| {
                            db::outbox::retry_later(c, &id, &claim, attempts, next)
                        })?;
                    }
                }
            }
            if smtp_down {
                break;
            }
        }
        if sent > 0 {
            tracing::info!(sent, "notifications sent");
        }
        Ok((sent, failed))
    }

    /// Deletes every case whose delete_after has passed, with its messages and attachments,
    /// and records each deletion in the audit log; then makes the bytes go.
    fn retention(&self) -> Result<usize, JobError> {
        let today = self.config.today();
        let deleted = self.store.write_wait(move |c| {
            if !db::outbox::try_job_lock(c, db::outbox::LOCK_RETENTION)? {
                return Ok(0);
            }
            // Invitations keep a name and an address: none longer than they can be used.
            db::invitations::purge(c, Utc::now().naive_utc())?;
            let expired = db::outbox::expired_cases(c, today)?;
            for (id, office) in &expired {
                db::outbox::delete_case(c, id)?;
                db::desk::append_audit(c, office, "system:retention", "delete", Some(id))?;
            }
            Ok(expired.len())
        })?;
        if deleted > 0 {
            // The deletion is committed either way; a failed vacuum is retried by the next
            // deletion or by the database's own autovacuum.
            if let Err(e) = self.store.maintenance(db::outbox::vacuum_after_delete) {
                tracing::error!(error = %e, "retention: vacuum after deleting failed");
            }
            tracing::info!(deleted, "retention: cases deleted");
        }
        Ok(deleted)
    }
}

/// Starts the jobs on their own thread, every `--jobs-interval-secs`.
pub fn spawn(store: Store, config: Arc<Config>) -> Result<(), JobError> {
    let jobs = Jobs::new(store, config.clone())?;
    if jobs.mail_enabled() {
        tracing::info!("notifications: on");
    } else {
        tracing::info!("notifications: off (no --smtp-host); no mail jobs run");
    }
    let every = Duration::from_secs(config.jobs_interval_secs.max(1));
    std::thread::Builder::new()
        .name("jobs".into())
        .spawn(move || loop {
            if let Err(e) = jobs.run(Which::All) {
                tracing::error!(error = %e, "background jobs failed; trying again later");
            }
            std::thread::sleep(every);
        })
        .map_err(|e| JobError::Db(DbError::Connect(e.to_string())))?;
    Ok(())
}
