//! Statistics export benchmark: a two-way table over 1,000,000 statistics records, from the
//! database through disclosure control to CSV, on SQLite and PostgreSQL. Run with
//! `cargo bench --bench stats`; set MELDESTELLE_BENCH_PG to a PostgreSQL admin URL to include
//! PostgreSQL (e.g. postgres://postgres@127.0.0.1:5432/test). BENCH_RECORDS changes the size.

use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use meldestelle::db::{DbConn, Store};
use meldestelle::office::NewOffice;
use meldestelle::publish::{self, TableRequest};
use meldestelle::stats::{render::Format, taxonomy, Rules};
use rand::{Rng, SeedableRng};

const LAENDER: [&str; 4] = ["BE", "NW", "BY", "SN"];
const SIZES: [&str; 3] = ["under_20k", "20k_100k", "over_100k"];

fn fill(store: &Store, n: usize) {
    let today = chrono::NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    store
        .write_now(|c| {
            for i in 0..40 {
                let mut o = NewOffice::demo();
                o.slug = format!("amt-{i}");
                o.municipality = format!("Gemeinde {i}");
                o.land = LAENDER[i % 4].into();
                o.size_class = SIZES[i % 3].into();
                meldestelle::db::offices::insert_office(c, &o, today, "bench")?;
            }
            Ok::<_, meldestelle::db::DbError>(())
        })
        .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let pick = |rng: &mut rand::rngs::StdRng, name: &str| -> String {
        let f = taxonomy::field(name).unwrap();
        if rng.gen_bool(0.1) {
            "NULL".into()
        } else {
            format!("'{}'", f.values[rng.gen_range(0..f.values.len())])
        }
    };
    let batch = 5_000;
    for start in (0..n).step_by(batch) {
        let mut sql = String::from(
            "INSERT INTO stats_records (id, office, taxonomy_version, source, quarter, incident_type, \
             racism_form, reporter_role, setting, admin_area, reported_further) VALUES ",
        );
        for i in start..(start + batch).min(n) {
            if i > start {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('{}','amt-{}',1,'reporter','2026-Q{}',{},{},{},{},{},{})",
                uuid::Uuid::new_v4(),
                rng.gen_range(0..40),
                rng.gen_range(1..=4),
                pick(&mut rng, "incident_type"),
                pick(&mut rng, "racism_form"),
                pick(&mut rng, "reporter_role"),
                pick(&mut rng, "setting"),
                pick(&mut rng, "admin_area"),
                pick(&mut rng, "reported_further"),
            ));
        }
        store
            .write_now(|c: &mut DbConn| {
                c.batch_execute(&sql)
                    .map_err(meldestelle::db::DbError::from)
            })
            .unwrap();
    }
}

fn run(name: &str, url: &str, n: usize) {
    let store = Store::open(url).unwrap();
    let t = Instant::now();
    fill(&store, n);
    eprintln!(
        "{name}: filled {n} records in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    // Fresh planner statistics, as a real database would have them.
    store
        .read_now(|c: &mut DbConn| {
            c.batch_execute("ANALYZE")
                .map_err(meldestelle::db::DbError::from)
        })
        .unwrap();
    let offices = store
        .read_now(meldestelle::db::offices::list_offices)
        .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    for (by, period) in [
        ("incident_type,land", "2026"),
        ("admin_area,setting", "2026"),
        ("incident_type,size_class", "2026-Q3"),
    ] {
        let req = TableRequest {
            period: period.into(),
            by: by.into(),
            office: None,
        };
        let mut times = vec![];
        for _ in 0..5 {
            let t = Instant::now();
            let released = store
                .read_now(|c| publish::table(c, &req, &offices, &Rules::default(), today))
                .unwrap();
            let csv = publish::render_table(&released, Format::Csv);
            assert!(!csv.is_empty());
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {n} | {by} | {period} | {:.0} | {:.0} |",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
    // The alliance release set: many linked tables over the same records.
    let t = Instant::now();
    let set = store
        .read_now(|c| publish::alliance(c, "2026", &offices, &Rules::default(), today))
        .unwrap();
    let html = publish::render_set(&set, Format::Html).unwrap();
    assert!(!html.is_empty());
    eprintln!(
        "{name}: alliance set 2026, {} tables, in {:.0} ms",
        set.tables.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n: usize = std::env::var("BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    println!("| database | records | table | period | median ms | max ms |");
    println!("|---|---:|---|---|---:|---:|");
    let dir =
        tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    run(
        "SQLite",
        &format!("sqlite://{}", dir.path().join("stats.db").display()),
        n,
    );
    if let Ok(admin) = std::env::var("MELDESTELLE_BENCH_PG") {
        let mut c = diesel::PgConnection::establish(&admin).unwrap();
        c.batch_execute("DROP DATABASE IF EXISTS ms_bench_stats WITH (FORCE)")
            .unwrap();
        c.batch_execute("CREATE DATABASE ms_bench_stats").unwrap();
        let base = admin.rsplit_once('/').unwrap().0;
        run("PostgreSQL", &format!("{base}/ms_bench_stats"), n);
    }
}
