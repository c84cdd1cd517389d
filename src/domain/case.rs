//! A case's life and its legal clocks (HinSchG, EU Directive 2019/1937): acknowledge within
//! 7 days, give feedback within 3 months of the acknowledgement, delete 3 years after closing.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Acknowledged,
    InProgress,
    FeedbackGiven,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Acknowledged => "acknowledged",
            Status::InProgress => "in_progress",
            Status::FeedbackGiven => "feedback_given",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Received,
            Status::Acknowledged,
            Status::InProgress,
            Status::FeedbackGiven,
            Status::Closed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

pub const ACK_DAYS: u64 = 7;
pub const FEEDBACK_MONTHS: u32 = 3;

/// Deadlines of a case received on `received_on`, before acknowledgement.
pub fn initial_deadlines(received_on: NaiveDate) -> (NaiveDate, NaiveDate) {
    let ack_due = received_on + Days::new(ACK_DAYS);
    (ack_due, feedback_due_after(ack_due))
}

/// Feedback is due three months after the acknowledgement.
pub fn feedback_due_after(acknowledged_on: NaiveDate) -> NaiveDate {
    acknowledged_on
        .checked_add_months(Months::new(FEEDBACK_MONTHS))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_follow_the_law() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let (ack, fb) = initial_deadlines(d);
        assert_eq!(ack, NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
        assert_eq!(fb, NaiveDate::from_ymd_opt(2027, 3, 2).unwrap());
        // Month ends clamp rather than overflow.
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(
            feedback_due_after(d),
            NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()
        );
    }
}
