//! The complaint desk's rules: which status may follow which, what each step does to the
//! legal clocks, and what is due. No HTTP, no SQL.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::case::{feedback_due_after, Status};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeskError {
    #[error("a case cannot go from {from} to {to}")]
    IllegalTransition {
        from: &'static str,
        to: &'static str,
    },
}

/// The dates a case carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    pub received_on: NaiveDate,
    pub acknowledged_on: Option<NaiveDate>,
    pub ack_due: NaiveDate,
    pub feedback_due: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub delete_after: Option<NaiveDate>,
}

/// The allowed steps. Closing needs feedback first: the law owes the reporter an answer.
pub fn allowed(from: Status, to: Status) -> bool {
    use Status::*;
    matches!(
        (from, to),
        (Received, Acknowledged)
            | (Acknowledged, InProgress)
            | (Acknowledged, FeedbackGiven)
            | (InProgress, FeedbackGiven)
            | (FeedbackGiven, InProgress)
            | (FeedbackGiven, Closed)
    )
}

/// Moves a case to `to` on `today` and returns its new clocks.
pub fn transition(
    from: Status,
    to: Status,
    clocks: Clocks,
    today: NaiveDate,
    retention_years: u32,
) -> Result<Clocks, DeskError> {
    if !allowed(from, to) {
        return Err(DeskError::IllegalTransition {
            from: from.as_str(),
            to: to.as_str(),
        });
    }
    let mut c = clocks;
    match to {
        Status::Acknowledged => {
            c.acknowledged_on = Some(today);
            c.feedback_due = feedback_due_after(today);
        }
        Status::Closed => {
            c.closed_on = Some(today);
            c.delete_after = Some(
                today
                    .checked_add_months(Months::new(12 * retention_years))
                    .unwrap_or(NaiveDate::MAX),
            );
        }
        _ => {}
    }
    Ok(c)
}

/// What the inbox shows about the clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub ack_overdue: bool,
    pub feedback_overdue: bool,
    /// A deadline falls within the next 7 days.
    pub due_soon: bool,
}

pub const DUE_SOON_DAYS: u64 = 7;

pub fn due(status: Status, c: &Clocks, today: NaiveDate) -> Due {
    let awaiting_ack = status == Status::Received;
    let awaiting_feedback = matches!(
        status,
        Status::Received | Status::Acknowledged | Status::InProgress
    );
    let soon = today + Days::new(DUE_SOON_DAYS);
    Due {
        ack_overdue: awaiting_ack && today > c.ack_due,
        feedback_overdue: awaiting_feedback && today > c.feedback_due,
        due_soon: (awaiting_ack && c.ack_due <= soon)
            || (awaiting_feedback && c.feedback_due <= soon),
    }
}

/// The inbox filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    #[default]
    All,
    /// Overdue, or due within 7 days.
    Due,
    Overdue,
    Open,
}

impl Filter {
    pub fn keeps(self, status: Status, d: &Due) -> bool {
        match self {
            Filter::All => true,
            Filter::Due => d.ack_overdue || d.feedback_overdue || d.due_soon,
            Filter::Overdue => d.ack_overdue || d.feedback_overdue,
            Filter::Open => status != Status::Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn fresh(received: &str) -> Clocks {
        let r = d(received);
        let (ack_due, feedback_due) = crate::domain::case::initial_deadlines(r);
        Clocks {
            received_on: r,
            acknowledged_on: None,
            ack_due,
            feedback_due,
            closed_on: None,
            delete_after: None,
        }
    }

    #[test]
    fn the_whole_way_and_the_clocks() {
        let c = fresh("2026-01-10");
        let c = transition(
            Status::Received,
            Status::Acknowledged,
            c,
            d("2026-01-12"),
            3,
        )
        .unwrap();
        assert_eq!(c.feedback_due, d("2026-04-12"));
        let c = transition(
            Status::Acknowledged,
            Status::InProgress,
            c,
            d("2026-02-01"),
            3,
        )
        .unwrap();
        let c = transition(
            Status::InProgress,
            Status::FeedbackGiven,
            c,
            d("2026-03-01"),
            3,
        )
        .unwrap();
        let c = transition(Status::FeedbackGiven, Status::Closed, c, d("2026-03-02"), 3).unwrap();
        assert_eq!(c.delete_after, Some(d("2029-03-02")));
    }

    #[test]
    fn illegal_steps_are_refused() {
        let c = fresh("2026-01-10");
        for (from, to) in [
            (Status::Received, Status::Closed),
            (Status::Received, Status::FeedbackGiven),
            (Status::Closed, Status::InProgress),
            (Status::Acknowledged, Status::Received),
            (Status::InProgress, Status::Closed),
        ] {
            assert!(
                transition(from, to, c, d("2026-01-11"), 3).is_err(),
                "{from:?}->{to:?}"
            );
        }
    }

    #[test]
    fn seen_by_counts_each_officers_opened_reporter_messages() {
        let reads = vec![
            ("a".to_owned(), 2),
            ("b".to_owned(), 0),
            ("c".to_owned(), 1),
        ];
        assert_eq!(seen_by(&reads, 0), ["a", "b", "c"]);
        assert_eq!(seen_by(&reads, 1), ["a", "c"]);
        assert_eq!(seen_by(&reads, 2), ["a"]);
        assert!(seen_by(&reads, 3).is_empty());
    }

    #[test]
    fn overdue_flags() {
        let c = fresh("2026-01-10");
        let f = due(Status::Received, &c, d("2026-01-17"));
        assert!(!f.ack_overdue && f.due_soon);
        let f = due(Status::Received, &c, d("2026-01-18"));
        assert!(f.ack_overdue && !f.feedback_overdue);
        let f = due(Status::Acknowledged, &c, d("2026-04-18"));
        assert!(!f.ack_overdue && f.feedback_overdue);
        let f = due(Status::FeedbackGiven, &c, d("2026-05-01"));
        assert!(!f.ack_overdue && !f.feedback_overdue && !f.due_soon);
        assert!(Filter::Overdue.keeps(
            Status::Received,
            &due(Status::Received, &c, d("2026-01-18"))
        ));
        assert!(!Filter::Overdue.keeps(
            Status::Received,
            &due(Status::Received, &c, d("2026-01-11"))
        ));
    }
}

/// One message of a case: from the reporter, from the office, or an officer's note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Reporter,
    Office,
    Note,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Reporter => "reporter",
            Direction::Office => "office",
            Direction::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        [Direction::Reporter, Direction::Office, Direction::Note]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// A case as stored, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: String,
    pub office: String,
    pub keyset_version: i32,
    pub status: Status,
    pub clocks: Clocks,
    pub reply_recipient: String,
    /// The officer the case is assigned to; `None`: the whole office.
    pub assignee: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub direction: Direction,
    pub created_on: NaiveDate,
    /// For an office's reply or note: the officer who wrote it, and when, to the minute.
    pub written: Option<Written>,
    pub ciphertext: Vec<u8>,
    /// The key-set version it was encrypted to.
    pub keyset_version: i32,
}

/// Who wrote an office's message, and when (to the minute: officers' own work, never a
/// reporter's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub author: String,
    pub at: chrono::NaiveDateTime,
}

impl Written {
    /// `author`, now, the seconds dropped.
    pub fn now(author: &str) -> Written {
        use chrono::Timelike;
        let now = chrono::Utc::now().naive_utc();
        Written {
            author: author.to_owned(),
            at: now
                .with_second(0)
                .and_then(|t| t.with_nanosecond(0))
                .unwrap_or(now),
        }
    }
}

/// The officers who have seen the `n`-th reporter message of a case (1-based), from each
/// officer's count of opened reporter messages; `n = 0` asks who has opened the case at all.
pub fn seen_by(reads: &[(String, u32)], n: u32) -> Vec<String> {
    reads
        .iter()
        .filter(|(_, seen)| *seen >= n)
        .map(|(id, _)| id.clone())
        .collect()
}

/// Message counts for the inbox: how many, never what.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub from_reporter: u32,
    pub from_office: u32,
    pub notes: u32,
    /// Reporter messages the asking officer has not opened yet.
    pub unread_from_reporter: u32,
}

impl Counts {
    /// Sets `unread_from_reporter` for an officer who has opened `seen` reporter messages.
    pub fn mark_seen(&mut self, seen: i32) {
        let seen = u32::try_from(seen).unwrap_or(0);
        self.unread_from_reporter = self.from_reporter.saturating_sub(seen);
    }

    pub fn add(&mut self, d: Direction) {
        match d {
            Direction::Reporter => self.from_reporter += 1,
            Direction::Office => self.from_office += 1,
            Direction::Note => self.notes += 1,
        }
    }
}

/// How many recipient stanzas a ciphertext of this direction must carry.
pub fn expected_stanzas(d: Direction, office_recipients: usize) -> usize {
    match d {
        // Replies and the reporter's own messages are readable by the reporter too.
        Direction::Office | Direction::Reporter => office_recipients + 1,
        Direction::Note => office_recipients,
    }
}

/// How many recipient stanzas a report's own ciphertext must carry: the office's and the
/// reporter's reply recipient, so the receipt alone lets the reporter re-read it.
/// Attachments stay with the office (the reporter has the originals).
pub fn report_stanzas(office_recipients: usize) -> usize {
    office_recipients + 1
}
