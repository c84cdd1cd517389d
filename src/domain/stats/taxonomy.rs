//! Statistics taxonomy v1 (DESIGN.md). A later change adds a version; it never changes what a
//! value means. Every field is optional: absent or `null` means "no answer".

use serde::{Deserialize, Serialize};

pub const VERSION: i32 = 1;

/// One question of the taxonomy, with its closed vocabulary.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub multi: bool,
    /// How many values a multi-valued field may carry.
    pub max: usize,
    pub values: &'static [&'static str],
}

pub const FIELDS: &[Field] = &[
    Field {
        name: "incident_type",
        multi: false,
        max: 1,
        values: &[
            "physical_attack",
            "threat",
            "property_damage",
            "verbal_degradation",
            "unequal_treatment",
            "propaganda_material",
            "other",
        ],
    },
    Field {
        name: "racism_form",
        multi: false,
        max: 1,
        values: &[
            "anti_black",
            "anti_muslim",
            "antisemitic",
            "antigypsyist",
            "other_racism",
        ],
    },
    Field {
        name: "reporter_role",
        multi: false,
        max: 1,
        values: &["affected", "witness"],
    },
    Field {
        name: "perpetrator_role",
        multi: false,
        max: 1,
        values: &[
            "colleague",
            "supervisor",
            "citizen_client",
            "procedure_structure",
            "unknown",
        ],
    },
    Field {
        name: "setting",
        multi: false,
        max: 1,
        values: &["internal_employment", "public_contact", "digital"],
    },
    Field {
        name: "admin_area",
        multi: false,
        max: 1,
        values: &[
            "citizen_services_public_order",
            "social_youth_migration",
            "education_childcare",
            "building_technical_environment",
            "central_services",
        ],
    },
    Field {
        name: "consequences",
        multi: true,
        max: 4,
        values: &[
            "psychological_strain",
            "health_sick_leave",
            "career_disadvantage",
            "none",
        ],
    },
    Field {
        name: "reported_further",
        multi: false,
        max: 1,
        values: &["no", "internal", "external_counselling", "police"],
    },
];

/// Municipality size classes (the office's location, not the reporter's answer).
pub const SIZE_CLASSES: &[&str] = &["under_20k", "20k_100k", "over_100k"];

/// German Länder by their ISO 3166-2 subdivision code.
pub const LAENDER: &[&str] = &[
    "BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH",
];

pub fn field(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TaxonomyError {
    #[error("taxonomy version {0} is not known; this server speaks version {VERSION}")]
    UnknownVersion(i32),
    #[error("'{value}' is not a value of '{field}'")]
    UnknownValue { field: &'static str, value: String },
    #[error("'{field}' takes at most {max} values, without repeats")]
    TooManyValues { field: &'static str, max: usize },
    #[error("'{0}' is not a quarter like 2026-Q3")]
    BadQuarter(String),
}

/// The opt-in answers a reporter (or an officer, when closing a case) gives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    pub taxonomy_version: Option<i32>,
    /// Quarter of the incident, `YYYY-Qn`. Absent: the quarter of receipt.
    pub quarter: Option<String>,
    pub incident_type: Option<String>,
    pub racism_form: Option<String>,
    pub reporter_role: Option<String>,
    pub perpetrator_role: Option<String>,
    pub setting: Option<String>,
    pub admin_area: Option<String>,
    pub consequences: Option<Vec<String>>,
    pub reported_further: Option<String>,
}

impl Answers {
    /// Checks every value against the closed vocabulary.
    pub fn validate(&self) -> Result<(), TaxonomyError> {
        if let Some(v) = self.taxonomy_version {
            if v != VERSION {
                return Err(TaxonomyError::UnknownVersion(v));
            }
        }
        if let Some(q) = &self.quarter {
            Quarter::parse(q).ok_or_else(|| TaxonomyError::BadQuarter(q.clone()))?;
        }
        for (name, value) in self.single_values() {
            if let Some(value) = value {
                check_value(name, value)?;
            }
        }
        if let Some(list) = &self.consequences {
            let f = field("consequences").expect("consequences is in FIELDS");
            let mut seen: Vec<&str> = Vec::new();
            for v in list {
                check_value("consequences", v)?;
                if seen.contains(&v.as_str()) {
                    return Err(TaxonomyError::TooManyValues {
                        field: f.name,
                        max: f.max,
                    });
                }
                seen.push(v);
            }
            if list.len() > f.max {
                return Err(TaxonomyError::TooManyValues {
                    field: f.name,
                    max: f.max,
                });
            }
        }
        Ok(())
    }

    /// True when the reporter answered nothing at all.
    pub fn is_empty(&self) -> bool {
        self.single_values().iter().all(|(_, v)| v.is_none())
            && self.consequences.as_ref().is_none_or(|c| c.is_empty())
    }

    fn single_values(&self) -> [(&'static str, Option<&str>); 7] {
        [
            ("incident_type", self.incident_type.as_deref()),
            ("racism_form", self.racism_form.as_deref()),
            ("reporter_role", self.reporter_role.as_deref()),
            ("perpetrator_role", self.perpetrator_role.as_deref()),
            ("setting", self.setting.as_deref()),
            ("admin_area", self.admin_area.as_deref()),
            ("reported_further", self.reported_further.as_deref()),
        ]
    }

    /// Consequences as stored: sorted, comma-separated, or `None` for no answer.
    pub fn consequences_joined(&self) -> Option<String> {
        let mut list = self.consequences.clone()?;
        if list.is_empty() {
            return None;
        }
        list.sort();
        Some(list.join(","))
    }
}

fn check_value(name: &'static str, value: &str) -> Result<(), TaxonomyError> {
    let f = field(name).expect("field names come from FIELDS");
    if f.values.contains(&value) {
        Ok(())
    } else {
        Err(TaxonomyError::UnknownValue {
            field: f.name,
            value: value.chars().take(64).collect(),
        })
    }
}

/// A calendar quarter, the finest time statistics ever hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    pub q: u8,
}

impl Quarter {
    pub fn parse(s: &str) -> Option<Quarter> {
        let (y, q) = s.split_once("-Q")?;
        if y.len() != 4 || q.len() != 1 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let q: u8 = q.parse().ok()?;
        ((2000..=2999).contains(&year) && (1..=4).contains(&q)).then_some(Quarter { year, q })
    }

    pub fn of(date: chrono::NaiveDate) -> Quarter {
        use chrono::Datelike;
        Quarter {
            year: date.year(),
            q: (date.month0() / 3 + 1) as u8,
        }
    }

    /// The quarter's first and last day.
    pub fn days(self) -> (chrono::NaiveDate, chrono::NaiveDate) {
        let first = chrono::NaiveDate::from_ymd_opt(self.year, u32::from(self.q) * 3 - 2, 1)
            .unwrap_or(chrono::NaiveDate::MIN);
        (first, super::Period::Quarter(self).last_day())
    }

    /// The quarter before this one.
    pub fn previous(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_pass_and_unknown_fail() {
        let ok = Answers {
            incident_type: Some("threat".into()),
            consequences: Some(vec!["none".into(), "psychological_strain".into()]),
            quarter: Some("2026-Q3".into()),
            ..Default::default()
        };
        assert_eq!(ok.validate(), Ok(()));
        assert_eq!(
            ok.consequences_joined().as_deref(),
            Some("none,psychological_strain")
        );
        let bad = Answers {
            racism_form: Some("anti_everyone".into()),
            ..Default::default()
        };
        assert!(matches!(
            bad.validate(),
            Err(TaxonomyError::UnknownValue {
                field: "racism_form",
                ..
            })
        ));
        let repeated = Answers {
            consequences: Some(vec!["none".into(), "none".into()]),
            ..Default::default()
        };
        assert!(repeated.validate().is_err());
        assert!(Answers::default().is_empty());
        assert!(!ok.is_empty());
    }

    #[test]
    fn quarters() {
        assert_eq!(
            Quarter::parse("2026-Q4"),
            Some(Quarter { year: 2026, q: 4 })
        );
        assert_eq!(Quarter::parse("2026-Q5"), None);
        assert_eq!(Quarter::parse("26-Q1"), None);
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(Quarter::of(d).to_string(), "2026-Q4");
    }
}
