//! Notifications: what is due to whom, and the one fixed mail. No SMTP, no SQL.
//!
//! Every mail this program sends is the same text with the same subject: for new reports, new
//! reporter messages, deadline reminders and the daily digest alike. It names no case, no
//! count and no date; the only time in it is the Date header of the sending itself. So a
//! mail says no more than "look at the desk", and whoever reads the officer's mailbox (or the
//! mail server's logs) learns at most *that* a mail was sent. With `--digest-daily` even that
//! is constant: each officer gets exactly one mail a day, whether anything happened or not.

use chrono::{Days, NaiveDate, NaiveDateTime};

use crate::domain::case::Status;
use crate::domain::workflow::Clocks;

/// The subject of every mail.
pub const SUBJECT: &str = "Meldestelle: Bitte sehen Sie nach / Please check the desk";

/// The body of every mail: German, then English, and the desk link.
pub fn body(desk_url: &str) -> String {
    format!(
        "Guten Tag,\n\
         \n\
         bitte sehen Sie in der Meldestelle nach,\n\
         ob etwas für Sie bereitliegt:\n\
         {desk_url}\n\
         \n\
         Diese Nachricht ist immer gleich. Sie sagt absichtlich\n\
         nichts darüber, was geschehen ist.\n\
         \n\
         --\n\
         \n\
         Hello,\n\
         \n\
         please check the reporting desk\n\
         for anything waiting for you:\n\
         {desk_url}\n\
         \n\
         This message is always the same. It deliberately\n\
         says nothing about what happened.\n"
    )
}

/// Reminders start this many days before the acknowledgement deadline…
pub const ACK_REMIND_DAYS: u64 = 2;
/// …and this many before the feedback deadline; they go on daily while a deadline is overdue.
pub const FEEDBACK_REMIND_DAYS: u64 = 14;

/// After a quarter ends, an office that has not contributed its statistics for it is reminded
/// daily for this many days (then the reminder stops; `desk stats status` still shows it).
pub const CONTRIBUTION_REMIND_DAYS: u64 = 28;

/// Whether a case wants its office reminded today: a deadline is near or has passed.
pub fn reminder_due(status: Status, c: &Clocks, today: NaiveDate) -> bool {
    let awaiting_ack = status == Status::Received;
    let awaiting_feedback = matches!(
        status,
        Status::Received | Status::Acknowledged | Status::InProgress
    );
    (awaiting_ack && c.ack_due <= today + Days::new(ACK_REMIND_DAYS))
        || (awaiting_feedback && c.feedback_due <= today + Days::new(FEEDBACK_REMIND_DAYS))
}

/// What is known about one officer's notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OfficerState {
    /// A report or reporter message arrived in the office since the last mail.
    pub news: bool,
    pub last_mail_at: Option<NaiveDateTime>,
    pub last_reminder_on: Option<NaiveDate>,
    pub last_digest_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// At most one mail per officer per this many seconds.
    pub interval_secs: u64,
    /// One mail per officer per day, always, and no other mail.
    pub digest_daily: bool,
}

/// The state after a mail: what the mailer writes back when it queues one.
pub fn decide(
    s: &OfficerState,
    reminder_due: bool,
    rules: &Rules,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Option<OfficerState> {
    if rules.digest_daily {
        if s.last_digest_on.is_some_and(|d| d >= today) {
            return None;
        }
        return Some(OfficerState {
            news: false,
            last_mail_at: Some(now),
            last_reminder_on: Some(today),
            last_digest_on: Some(today),
        });
    }
    let remind = reminder_due && s.last_reminder_on.is_none_or(|d| d < today);
    if !(s.news || remind) {
        return None;
    }
    let rested = s
        .last_mail_at
        .is_none_or(|t| now.signed_duration_since(t).num_seconds() >= rules.interval_secs as i64);
    if !rested {
        return None;
    }
    Some(OfficerState {
        news: false,
        last_mail_at: Some(now),
        last_reminder_on: if remind {
            Some(today)
        } else {
            s.last_reminder_on
        },
        last_digest_on: s.last_digest_on,
    })
}

/// How long to wait before the next try after `attempts` failed ones: doubling from `base`,
/// at most an hour. A mail is never given up.
pub fn retry_delay_secs(attempts: u32, base: u64) -> u64 {
    let base = base.max(1);
    let factor = 1u64 << attempts.saturating_sub(1).min(16);
    base.saturating_mul(factor).min(3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn the_mail_is_fixed_and_carries_nothing() {
        let b = body("https://desk.example/x");
        assert!(!b.chars().any(|c| c.is_ascii_digit()));
        assert_eq!(b, body("https://desk.example/x"));
        assert!(!SUBJECT.chars().any(|c| c.is_ascii_digit()));
        // Short lines: the body goes as readable 8bit, not quoted-printable.
        assert!(b.lines().all(|l| l.len() < 70));
    }

    #[test]
    fn batching_waits_for_the_interval() {
        let rules = Rules {
            interval_secs: 600,
            digest_daily: false,
        };
        let today = d("2026-11-25");
        let mut s = OfficerState {
            news: true,
            ..Default::default()
        };
        let after = decide(&s, false, &rules, t("2026-11-25 10:00:00"), today).unwrap();
        assert!(!after.news);
        s = OfficerState {
            news: true,
            ..after
        };
        assert_eq!(
            decide(&s, false, &rules, t("2026-11-25 10:09:59"), today),
            None
        );
        assert!(decide(&s, false, &rules, t("2026-11-25 10:10:00"), today).is_some());
        // Nothing new, nothing due: no mail.
        let quiet = OfficerState { news: false, ..s };
        assert_eq!(
            decide(&quiet, false, &rules, t("2026-11-26 10:00:00"), today),
            None
        );
    }

    #[test]
    fn reminders_once_a_day_and_digest_always_once() {
        let rules = Rules {
            interval_secs: 60,
            digest_daily: false,
        };
        let today = d("2026-11-25");
        let s = decide(
            &OfficerState::default(),
            true,
            &rules,
            t("2026-11-25 08:00:00"),
            today,
        )
        .unwrap();
        assert_eq!(s.last_reminder_on, Some(today));
        assert_eq!(
            decide(&s, true, &rules, t("2026-11-25 18:00:00"), today),
            None
        );
        assert!(decide(&s, true, &rules, t("2026-11-26 08:00:00"), d("2026-11-26")).is_some());

        let digest = Rules {
            interval_secs: 60,
            digest_daily: true,
        };
        let s = decide(
            &OfficerState::default(),
            false,
            &digest,
            t("2026-11-25 08:00:00"),
            today,
        )
        .unwrap();
        let news = OfficerState { news: true, ..s };
        assert_eq!(
            decide(&news, true, &digest, t("2026-11-25 23:00:00"), today),
            None
        );
        assert!(decide(
            &s,
            false,
            &digest,
            t("2026-11-26 00:01:00"),
            d("2026-11-26")
        )
        .is_some());
    }

    #[test]
    fn reminders_before_and_after_the_deadlines() {
        let c = Clocks {
            received_on: d("2026-01-05"),
            acknowledged_on: None,
            ack_due: d("2026-01-12"),
            feedback_due: d("2026-04-12"),
            closed_on: None,
            delete_after: None,
        };
        assert!(!reminder_due(Status::Received, &c, d("2026-01-05")));
        assert!(reminder_due(Status::Received, &c, d("2026-01-10")));
        assert!(reminder_due(Status::Received, &c, d("2026-01-20")));
        assert!(!reminder_due(Status::Acknowledged, &c, d("2026-01-20")));
        assert!(reminder_due(Status::InProgress, &c, d("2026-03-30")));
        assert!(!reminder_due(Status::FeedbackGiven, &c, d("2026-05-30")));
        assert!(!reminder_due(Status::Closed, &c, d("2026-05-30")));
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(retry_delay_secs(1, 30), 30);
        assert_eq!(retry_delay_secs(2, 30), 60);
        assert_eq!(retry_delay_secs(3, 30), 120);
        assert_eq!(retry_delay_secs(40, 30), 3600);
    }
}
