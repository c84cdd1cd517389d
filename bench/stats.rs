//! Statistics release benchmark: computing and freezing the whole release set of a year over
//! 1,000,000 contributed records from 200 offices, then serving the frozen release, on SQLite
//! and PostgreSQL. Run with
//! `cargo bench --bench stats`; set MELDESTELLE_BENCH_PG to a PostgreSQL admin URL to include
//! PostgreSQL (e.g. postgres://postgres@127.0.0.1:5432/test). BENCH_RECORDS changes the size.

use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use meldestelle::app::publish;
use meldestelle::db::{DbConn, Store};
use meldestelle::domain::office::NewOffice;
use meldestelle::domain::stats::{render::Format, taxonomy, Rules};
use rand::{Rng, SeedableRng};

const LAENDER: [&str; 4] = ["BE", "NW", "BY", "SN"];
/// As in the issue: a year of records from 200 offices.
const OFFICES: usize = 200;
const SIZES: [&str; 3] = ["under_20k", "20k_100k", "over_100k"];

fn fill(store: &Store, n: usize) {
    let today = chrono::NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    store
        .write_now(|c| {
            for i in 0..OFFICES {
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
            "INSERT INTO stats_contributions (id, office, taxonomy_version, quarter, incident_type, \
             racism_form, reporter_role, setting, admin_area, reported_further) VALUES ",
        );
        for i in start..(start + batch).min(n) {
            if i > start {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('{}','amt-{}',1,'2026-Q{}',{},{},{},{},{},{})",
                uuid::Uuid::new_v4(),
                rng.gen_range(0..OFFICES),
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
    // One case behind every record, so that every office counts as complete (a release counts
    // only offices that contributed every quarter in full). The cases are never read.
    let sqlite = "INSERT INTO reports (id, office, keyset_version, ciphertext, reply_recipient, \
        lookup_hash, status, received_on, ack_due, feedback_due) SELECT id, office, 1, X'00', \
        'age1x', CAST(id AS BLOB), 'received', d, d, d FROM (SELECT id, office, substr(quarter, 1, 4) \
        || '-' || printf('%02d', CAST(substr(quarter, 7, 1) AS INTEGER) * 3 - 2) || '-01' AS d \
        FROM stats_contributions)";
    let pg = "INSERT INTO reports (id, office, keyset_version, ciphertext, reply_recipient, \
        lookup_hash, status, received_on, ack_due, feedback_due) SELECT id, office, 1, \
        decode('00', 'hex'), 'age1x', convert_to(id, 'UTF8'), 'received', d, d, d FROM (SELECT id, \
        office, make_date(substr(quarter, 1, 4)::int, substr(quarter, 7, 1)::int * 3 - 2, 1) AS d \
        FROM stats_contributions) AS q";
    store
        .write_now(|c: &mut DbConn| {
            match c {
                DbConn::Sqlite(c) => c.batch_execute(sqlite),
                DbConn::Pg(c) => c.batch_execute(pg),
            }
            .map_err(meldestelle::db::DbError::from)
        })
        .unwrap();
}

fn run(name: &str, url: &str, n: usize) {
    let store = Store::open(url).unwrap();
    let t = Instant::now();
    fill(&store, n);
    eprintln!(
        "{name}: filled {n} records in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    // The records go in plain, as an earlier version stored them; opening the statistics key
    // seals them into one batch per office and quarter, as contributions are stored now.
    let keys = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let key =
        meldestelle::app::contributions::open_stats_key(&store, &keys.path().join("stats.key"))
            .unwrap();
    eprintln!(
        "{name}: sealed them into batches in {:.1} s",
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
    let today = chrono::NaiveDate::from_ymd_opt(2027, 2, 15).unwrap();
    // Computing and freezing the whole release set of the year, once.
    let t = Instant::now();
    let release = store
        .write_now(|c| {
            Ok(publish::freeze(
                c,
                &key,
                "2026",
                &offices,
                &Rules::default(),
                today,
            ))
        })
        .unwrap()
        .unwrap();
    let freeze_ms = t.elapsed().as_secs_f64() * 1000.0;
    let tables = store
        .read_now(|c: &mut DbConn| {
            use diesel::prelude::*;
            meldestelle::db::schema::stats_release_tables::table
                .count()
                .get_result::<i64>(c)
                .map_err(meldestelle::db::DbError::from)
        })
        .unwrap();
    // Serving it: every later request gets the stored bytes, read from the database once and
    // then from memory (publish::FrozenCache, as the server does).
    let median_p99 = |mut times: Vec<f64>| {
        times.sort_by(f64::total_cmp);
        (times[times.len() / 2], times[times.len() * 99 / 100])
    };
    let mut from_db = vec![];
    for _ in 0..50 {
        let t = Instant::now();
        let html = store
            .read_now(|c| publish::frozen(c, "2026", Format::Html))
            .unwrap();
        assert_eq!(html.len(), release.html.len());
        from_db.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let cache = publish::FrozenCache::default();
    store
        .read_now(|c| cache.load(c, "2026", Format::Html))
        .unwrap();
    let mut served = vec![];
    for _ in 0..200 {
        let t = Instant::now();
        let html = cache.get("2026", Format::Html).unwrap();
        assert_eq!(html.len(), release.html.len());
        served.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (db_median, _) = median_p99(from_db);
    let (median, p99) = median_p99(served);
    let (http_median, http_p99) = median_p99(over_http(
        &store,
        url,
        &keys.path().join("stats.key"),
        release.html.len(),
    ));
    println!(
        "| {name} | {n} | {OFFICES} | {tables} | {freeze_ms:.0} | {median:.3} | {p99:.3} | {db_median:.2} | {http_median:.1} | {http_p99:.1} | {} |",
        release.html.len()
    );
}

/// The whole request as an analyst makes it, from the server over loopback: token check, the
/// release's bytes, the audit entry (a committed write), the CSP header and 6 MB on the wire.
/// One warm-up request first (it reads the release from the database once).
fn over_http(store: &Store, url: &str, stats_key: &std::path::Path, len: usize) -> Vec<f64> {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let today = chrono::NaiveDate::from_ymd_opt(2027, 2, 15).unwrap();
    store
        .write_now(|c| {
            meldestelle::db::stats::add_analyst(c, "Bench", &recipient, &[], true, today, "bench")
        })
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_meldestelle"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", url])
        .arg("--stats-key")
        .arg(stats_key)
        .args(["--today", "2027-02-15"])
        .env("MELDESTELLE_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .expect("server binary");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(a) = line.strip_prefix("listening on ") {
            break a.to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let http = reqwest::blocking::Client::new();
    let ids: meldestelle::client::keys::Identities = vec![Box::new(identity)];
    let api = meldestelle::client::Api::new(&base).unwrap();
    let session = meldestelle::client::login::analyst(&api, &recipient, &ids).unwrap();
    let token = session.token.expose().to_owned();
    let mut times = vec![];
    for i in 0..101 {
        let t = Instant::now();
        let body = http
            .get(format!("{base}/v1/stats/releases/2026?format=html"))
            .bearer_auth(&token)
            .send()
            .unwrap()
            .bytes()
            .unwrap();
        assert_eq!(body.len(), len);
        if i > 0 {
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    times
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n: usize = std::env::var("BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    println!("| database | records | offices | tables | freeze ms | serve median ms | serve p99 ms | first read from db, median ms | over HTTP median ms | over HTTP p99 ms | html bytes |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
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
