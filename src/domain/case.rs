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

/// A case's reference, which the reporter's receipt page and the office's desk both show, so
/// that a caller can name their case: 8 Crockford base32 characters in two groups
/// (`7QK2-M9XD`), the first 40 bits of a hash of the case's random id. A hash of a random id
/// says nothing of when the case came or how many there are; it does not give the id away,
/// and one office's 10,000 cases share a reference by chance about once in 200 offices.
pub fn reference(case_id: &str) -> String {
    let hash =
        crate::crypto::sha256(format!("meldestelle case reference v1\n{case_id}").as_bytes());
    let code = base32::encode(base32::Alphabet::Crockford, &hash[..5]);
    format!("{}-{}", &code[..4], &code[4..8])
}

#[cfg(test)]
mod reference_tests {
    #[test]
    fn a_reference_is_two_groups_of_four_crockford_characters_fixed_by_the_id() {
        let r = super::reference("6f1c8d2e-0000-4000-8000-000000000000");
        assert_eq!(r.len(), 9);
        assert_eq!(&r[4..5], "-");
        assert!(r
            .chars()
            .filter(|&c| c != '-')
            .all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)));
        assert_eq!(r, super::reference("6f1c8d2e-0000-4000-8000-000000000000"));
        assert_ne!(r, super::reference("6f1c8d2e-0000-4000-8000-000000000001"));
    }
}
