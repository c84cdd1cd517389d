//! One statistics record per case, contributed per quarter by the office's own client
//! (DESIGN.md principle 3). The client decrypts the quarter's cases, merges each reporter's
//! answers with the officer's classification and sends the whole quarter at once; the server
//! checks the batch here and shuffles it again, so that nothing of the client's order reaches
//! the database, and stores it sealed to its statistics key (`crypto::stats_key`), one batch
//! per office and quarter.

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::taxonomy::{Answers, Quarter, TaxonomyError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContributionError {
    #[error("'{0}' is not a quarter like 2026-Q3")]
    BadQuarter(String),
    #[error("{0} has not ended yet; a quarter is contributed once it is over")]
    NotEnded(Quarter),
    #[error("record {0}: {1}")]
    Record(usize, TaxonomyError),
    #[error("record {0} names a quarter; every record of a batch counts in the batch's quarter")]
    RecordQuarter(usize),
}

/// What a sealed batch holds: one office's records of one quarter, shuffled. The office and the
/// quarter are sealed with them, so that a batch moved to another row is refused at release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    pub office: String,
    pub quarter: String,
    pub taxonomy_version: i32,
    pub records: Vec<Answers>,
}

/// Checks a batch and returns its quarter and the records, shuffled.
pub fn prepare(
    quarter: &str,
    records: Vec<Answers>,
    today: chrono::NaiveDate,
) -> Result<(Quarter, Vec<Answers>), ContributionError> {
    let q = Quarter::parse(quarter)
        .ok_or_else(|| ContributionError::BadQuarter(quarter.chars().take(20).collect()))?;
    if q.days().1 >= today {
        return Err(ContributionError::NotEnded(q));
    }
    for (i, r) in records.iter().enumerate() {
        if r.quarter.is_some() {
            return Err(ContributionError::RecordQuarter(i));
        }
        r.validate().map_err(|e| ContributionError::Record(i, e))?;
    }
    let mut out = records;
    out.shuffle(&mut rand::rngs::OsRng);
    Ok((q, out))
}

/// One case's record: the officer's classification wins field by field where both answered.
pub fn merge(reporter: Option<Answers>, officer: Option<Answers>) -> Answers {
    let r = reporter.unwrap_or_default();
    let Some(o) = officer else {
        return Answers {
            quarter: None,
            taxonomy_version: None,
            ..r
        };
    };
    Answers {
        taxonomy_version: None,
        quarter: None,
        incident_type: o.incident_type.or(r.incident_type),
        racism_form: o.racism_form.or(r.racism_form),
        reporter_role: o.reporter_role.or(r.reporter_role),
        perpetrator_role: o.perpetrator_role.or(r.perpetrator_role),
        setting: o.setting.or(r.setting),
        admin_area: o.admin_area.or(r.admin_area),
        consequences: o.consequences.filter(|c| !c.is_empty()).or(r.consequences),
        reported_further: o.reported_further.or(r.reported_further),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_quarter_is_contributed_once_it_is_over() {
        assert_eq!(
            prepare("2026-Q3", vec![], day("2026-09-30")),
            Err(ContributionError::NotEnded(Quarter { year: 2026, q: 3 }))
        );
        assert!(prepare("2026-Q3", vec![], day("2026-10-01")).is_ok());
        assert!(matches!(
            prepare("2026-Q5", vec![], day("2027-01-01")),
            Err(ContributionError::BadQuarter(_))
        ));
    }

    #[test]
    fn records_are_checked_and_shuffled() {
        let bad = Answers {
            incident_type: Some("nonsense".into()),
            ..Answers::default()
        };
        assert!(matches!(
            prepare("2026-Q3", vec![Answers::default(), bad], day("2026-11-01")),
            Err(ContributionError::Record(1, _))
        ));
        let dated = Answers {
            quarter: Some("2026-Q1".into()),
            ..Answers::default()
        };
        assert_eq!(
            prepare("2026-Q3", vec![dated], day("2026-11-01")),
            Err(ContributionError::RecordQuarter(0))
        );
        // Fifty records of seven kinds do not keep the order they came in (the chance that
        // they would is below 1 in 10^35).
        let kinds = crate::domain::stats::taxonomy::field("incident_type")
            .unwrap()
            .values;
        let sent: Vec<Answers> = (0..50)
            .map(|i| Answers {
                incident_type: Some(kinds[i % kinds.len()].into()),
                ..Answers::default()
            })
            .collect();
        let (_, out) = prepare("2026-Q3", sent.clone(), day("2026-11-01")).unwrap();
        assert_eq!(out.len(), 50);
        assert_ne!(out, sent);
    }

    #[test]
    fn the_officer_wins_where_both_answered() {
        let reporter = Answers {
            incident_type: Some("threat".into()),
            setting: Some("digital".into()),
            quarter: Some("2026-Q1".into()),
            ..Answers::default()
        };
        let officer = Answers {
            incident_type: Some("verbal_degradation".into()),
            ..Answers::default()
        };
        let m = merge(Some(reporter.clone()), Some(officer));
        assert_eq!(m.incident_type.as_deref(), Some("verbal_degradation"));
        assert_eq!(m.setting.as_deref(), Some("digital"));
        assert_eq!(m.quarter, None);
        assert_eq!(merge(None, None), Answers::default());
        assert_eq!(merge(Some(reporter), None).quarter, None);
    }
}
