//! Publication of statistics: what the CLI's `stats export` and the analysts' API share.
//! Counts come from the store, disclosure control from `stats`; nothing else is released.

use chrono::NaiveDate;

use crate::db::{self, DbConn, DbError};
use crate::office::Office;
use crate::stats::render::{self, Format};
use crate::stats::{self, Period, ReleaseSet, Released, Rules, StatsError, TableSpec};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Stats(#[from] StatsError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("period {0} has not ended yet (R6: releases are per fixed, past period)")]
    PeriodNotEnded(Period),
    #[error("no access to office '{0}'")]
    NotGranted(String),
}

/// What to tabulate.
#[derive(Debug, Clone)]
pub struct TableRequest {
    pub period: String,
    pub by: String,
    /// One office's own table; otherwise every office in `offices`.
    pub office: Option<String>,
}

fn ended(period: &str, today: NaiveDate) -> Result<Period, PublishError> {
    let p = Period::parse(period)?;
    if p.last_day() >= today {
        return Err(PublishError::PeriodNotEnded(p));
    }
    Ok(p)
}

/// A released table over the given offices (the caller decides which offices may be seen).
pub fn table(
    conn: &mut DbConn,
    req: &TableRequest,
    offices: &[Office],
    rules: &Rules,
    today: NaiveDate,
) -> Result<Released, PublishError> {
    let period = ended(&req.period, today)?;
    let mut spec =
        TableSpec::parse(&req.period, &req.by)?.with_catalog(db::stats::catalog(offices));
    let scope: Vec<Office> = match &req.office {
        Some(slug) => {
            let o = offices
                .iter()
                .find(|o| &o.slug == slug)
                .ok_or_else(|| PublishError::NotGranted(slug.clone()))?;
            spec = spec.for_office(slug)?;
            vec![o.clone()]
        }
        None => offices.to_vec(),
    };
    let counts = db::stats::counts(conn, period, &spec.dims, &scope)?;
    Ok(stats::protect(
        &stats::Table::from_counts(counts, &spec)?,
        rules,
    )?)
}

/// The alliance release set over the given offices.
pub fn alliance(
    conn: &mut DbConn,
    period: &str,
    offices: &[Office],
    rules: &Rules,
    today: NaiveDate,
) -> Result<ReleaseSet, PublishError> {
    let period = ended(period, today)?;
    let records = db::stats::records(conn, period, offices)?;
    Ok(stats::alliance_release(
        &records,
        period,
        &db::stats::catalog(offices),
        rules,
    )?)
}

/// Renders a table; html is a whole page.
pub fn render_table(r: &Released, format: Format) -> Vec<u8> {
    match format {
        Format::Html => render::html(&r.title, std::slice::from_ref(r)).into_bytes(),
        f => render::render(r, f),
    }
}

/// Renders a release set as one page (html) or one JSON document.
pub fn render_set(set: &ReleaseSet, format: Format) -> Result<Vec<u8>, StatsError> {
    match format {
        Format::Html => Ok(render::html(
            &format!("Rassismus in der Verwaltung – Meldungen {}", set.period),
            &set.tables,
        )
        .into_bytes()),
        Format::Json => {
            serde_json::to_vec_pretty(set).map_err(|_| StatsError::UnknownFormat("json".into()))
        }
        _ => Err(StatsError::UnknownFormat(
            "a release set is published as html or json".into(),
        )),
    }
}
