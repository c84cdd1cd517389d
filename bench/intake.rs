//! Intake benchmark: durable submissions per second and latency over HTTP, at concurrency
//! 1, 16 and 64, on SQLite and PostgreSQL, beside the raw storage in the same run (the same
//! rows batched 512 per commit on SQLite; from 16 and 64 connections, one commit each, on
//! PostgreSQL), in rounds that alternate server and raw storage, with each round's ratios and
//! their median printed at the end. Run with `cargo bench --bench intake`; set
//! MELDESTELLE_BENCH_PG to a PostgreSQL admin URL to include PostgreSQL
//! (e.g. postgres://postgres@127.0.0.1:5432/test). BENCH_N reports per measurement (8000),
//! BENCH_ROUNDS rounds (5), BENCH_SQLITE=0 leaves SQLite out, BENCH_DIR holds the SQLite files,
//! MELDESTELLE_BENCH_BIN runs another build of the server.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use meldestelle::crypto::padding;
use meldestelle::protocol::document::Document;

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(db_url: &str) -> Server {
    // MELDESTELLE_BENCH_BIN runs another build of the server (an A/B against older code).
    let bin = std::env::var("MELDESTELLE_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_meldestelle").to_owned());
    let mut child = Command::new(bin)
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", db_url])
        // The benchmark measures storage, not the anti-abuse limits: both off.
        .args(["--pow-bits", "0", "--submissions-per-sec", "1000000"])
        .args(["--office-submissions-per-sec", "1000000"])
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
    Server(child, base)
}

/// Padded 4 KiB reports for the office as `base` describes it, sealed as every client seals
/// them, before the clock starts.
fn bodies(base: &str, n: usize) -> Vec<String> {
    let office = meldestelle::client::Api::new(base)
        .unwrap()
        .office("demo")
        .unwrap();
    (0..n)
        .map(|i| {
            let doc = Document::report(&"x".repeat(2000 + i % 1000));
            let (body, _) = meldestelle::client::submission(&office, &doc).unwrap();
            // 4096 bytes of plaintext: one bucket for every report of the run.
            let ct = base64::engine::general_purpose::STANDARD
                .decode(&body.ciphertext)
                .unwrap();
            assert_eq!(
                meldestelle::crypto::header::inspect(&ct)
                    .unwrap()
                    .payload_len,
                padding::age_payload_len(4096)
            );
            serde_json::to_string(&body).unwrap()
        })
        .collect()
}

struct Row {
    what: String,
    n: usize,
    secs: f64,
    lat: Vec<Duration>,
}

impl Row {
    fn rate(&self) -> f64 {
        self.n as f64 / self.secs
    }

    fn print(&mut self) {
        self.lat.sort();
        let p = |q: f64| {
            self.lat
                .get(((self.lat.len() as f64 * q) as usize).min(self.lat.len().saturating_sub(1)))
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(0.0)
        };
        println!(
            "| {:<44} | {:>6} | {:>9.0} | {:>8.2} | {:>8.2} |",
            self.what,
            self.n,
            self.n as f64 / self.secs,
            p(0.50),
            p(0.99)
        );
    }
}

/// `states.len()` threads, each with its own state (a client, a connection), taking the next
/// of `n` items until none is left: the latency of each item, and the whole run.
fn share<S: Send + 'static>(
    states: Vec<S>,
    n: usize,
    each: impl Fn(&mut S, usize) + Send + Sync + 'static,
    what: String,
) -> Row {
    let next = Arc::new(Mutex::new(0usize));
    let lat = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let each = Arc::new(each);
    let start = Instant::now();
    let handles: Vec<_> = states
        .into_iter()
        .map(|mut state| {
            let (next, lat, each) = (next.clone(), lat.clone(), each.clone());
            std::thread::spawn(move || loop {
                let i = {
                    let mut k = next.lock().unwrap();
                    *k += 1;
                    *k - 1
                };
                if i >= n {
                    break;
                }
                let t = Instant::now();
                each(&mut state, i);
                lat.lock().unwrap().push(t.elapsed());
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let lat = std::mem::take(&mut *lat.lock().unwrap());
    Row { what, n, secs, lat }
}

/// The load generator: HTTP/1 keep-alive connections driven from two threads, as wrk does in
/// issue #15's measurement, so that it takes as little of the two shared cores as it can.
struct Load {
    rt: tokio::runtime::Runtime,
    addr: String,
}

type Sender = hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>;

impl Load {
    fn new(base: &str) -> Load {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let addr = base.trim_start_matches("http://").to_owned();
        Load { rt, addr }
    }

    async fn connect(addr: &str) -> Sender {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                .await
                .unwrap();
        tokio::spawn(conn);
        sender
    }

    /// `c` connections, opened before the clock starts.
    async fn connections(&self, c: usize) -> Vec<Sender> {
        let mut senders = Vec::with_capacity(c);
        for _ in 0..c {
            senders.push(Load::connect(&self.addr).await);
        }
        senders
    }

    /// The latencies all tasks measured, once they are done.
    async fn latencies(
        tasks: Vec<tokio::task::JoinHandle<Vec<Duration>>>,
        n: usize,
    ) -> Vec<Duration> {
        let mut lat = Vec::with_capacity(n);
        for t in tasks {
            lat.extend(t.await.unwrap());
        }
        lat
    }

    /// Sends one report and waits for its answer, which must be 201.
    async fn submit(sender: &mut Sender, addr: &str, body: bytes::Bytes) {
        use http_body_util::BodyExt;
        let req = hyper::Request::post("/v1/reports")
            .header(hyper::header::HOST, addr)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(http_body_util::Full::new(body))
            .unwrap();
        let res = sender.send_request(req).await.unwrap();
        let status = res.status().as_u16();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    }

    /// `c` connections, each sending the next report as soon as its last one was answered.
    fn closed_loop(&self, bodies: &[String], c: usize, what: String) -> Row {
        let bodies: Arc<Vec<bytes::Bytes>> =
            Arc::new(bodies.iter().map(|b| b.clone().into()).collect());
        let n = bodies.len();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (secs, lat) = self.rt.block_on(async {
            let senders = self.connections(c).await;
            let start = Instant::now();
            let tasks: Vec<_> = senders
                .into_iter()
                .map(|mut sender| {
                    let (bodies, next, addr) = (bodies.clone(), next.clone(), self.addr.clone());
                    tokio::spawn(async move {
                        let mut lat = vec![];
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if i >= n {
                                break lat;
                            }
                            let t = Instant::now();
                            Load::submit(&mut sender, &addr, bodies[i].clone()).await;
                            lat.push(t.elapsed());
                        }
                    })
                })
                .collect();
            let lat = Load::latencies(tasks, n).await;
            (start.elapsed().as_secs_f64(), lat)
        });
        Row { what, n, secs, lat }
    }

    /// Open loop: requests are started at a fixed rate, whatever the answers do, spread over
    /// 64 connections.
    fn fixed_rate(&self, bodies: &[String], rate: f64, what: String) -> Row {
        let workers = 64;
        let n = bodies.len();
        let (secs, lat) = self.rt.block_on(async {
            let senders = self.connections(workers).await;
            let start = tokio::time::Instant::now();
            let tasks: Vec<_> = senders
                .into_iter()
                .enumerate()
                .map(|(w, mut sender)| {
                    let mine: Vec<(usize, bytes::Bytes)> = bodies
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % workers == w)
                        .map(|(i, b)| (i, b.clone().into()))
                        .collect();
                    let addr = self.addr.clone();
                    tokio::spawn(async move {
                        let mut lat = vec![];
                        for (i, body) in mine {
                            let due = start + Duration::from_secs_f64(i as f64 / rate);
                            tokio::time::sleep_until(due).await;
                            Load::submit(&mut sender, &addr, body).await;
                            // Latency from when the request was due, so that queueing counts.
                            lat.push(due.elapsed());
                        }
                        lat
                    })
                })
                .collect();
            let lat = Load::latencies(tasks, n).await;
            (start.elapsed().as_secs_f64(), lat)
        });
        Row { what, n, secs, lat }
    }
}

/// Checks a submission for the demo office of `store` as the server does.
fn checker(
    store: &meldestelle::db::Store,
) -> impl Fn(&str) -> meldestelle::domain::intake::NewReport {
    let office = store
        .read_now(|c| meldestelle::db::offices::get_office(c, "demo"))
        .unwrap()
        .unwrap();
    let limits = meldestelle::domain::intake::Limits {
        report: padding::Buckets::new(1 << 20),
        attachment: padding::Buckets::new(1 << 20),
        max_attachments: 0,
    };
    let today = chrono::Local::now().date_naive();
    move |body| {
        let sub: meldestelle::protocol::reports::Submission = serde_json::from_str(body).unwrap();
        meldestelle::domain::intake::accept(sub, Some(&office), &limits, today).unwrap()
    }
}

/// The same inserts without HTTP, one transaction (one fsync) each.
fn baseline(db_url: &str, bodies: &[String], what: String) -> Row {
    let store = meldestelle::db::Store::open(db_url).unwrap();
    let check = checker(&store);
    let mut lat = Vec::new();
    let start = Instant::now();
    for b in bodies {
        let t = Instant::now();
        let report = check(b);
        let pending = meldestelle::db::reports::PendingReport {
            report,
            recorded_by: None,
            news: false,
        };
        let stored = store
            .write_now(|c| meldestelle::db::reports::insert_reports(c, &[pending]))
            .unwrap();
        assert_eq!(stored, [Ok(())], "the demo office's current key set");
        lat.push(t.elapsed());
    }
    Row {
        what,
        n: bodies.len(),
        secs: start.elapsed().as_secs_f64(),
        lat,
    }
}

/// The reports of `bodies`, checked as the server checks them, ready to be stored.
fn reports(db_url: &str, bodies: &[String]) -> Vec<meldestelle::domain::intake::NewReport> {
    let store = meldestelle::db::Store::open(db_url).unwrap();
    let check = checker(&store);
    bodies.iter().map(|b| check(b)).collect()
}

/// The report row itself, one plain INSERT: what the storage does, without the server.
fn insert_row(c: &mut meldestelle::db::DbConn, r: &meldestelle::domain::intake::NewReport) {
    use diesel::prelude::*;
    use meldestelle::db::schema::reports;
    diesel::insert_into(reports::table)
        .values((
            reports::id.eq(&r.id),
            reports::office.eq(&r.office),
            reports::keyset_version.eq(r.keyset_version),
            reports::ciphertext.eq(&r.ciphertext),
            reports::reply_recipient.eq(&r.reply_recipient),
            reports::lookup_hash.eq(&r.lookup_hash[..]),
            reports::status.eq(r.status.as_str()),
            reports::received_on.eq(r.received_on),
            reports::ack_due.eq(r.ack_due),
            reports::feedback_due.eq(r.feedback_due),
        ))
        .execute(c)
        .unwrap();
}

/// Raw SQLite: the same rows, `batch` per commit, on a connection set up as the server's
/// (WAL, synchronous=FULL).
fn raw_batched(
    db_url: &str,
    rows: &[meldestelle::domain::intake::NewReport],
    batch: usize,
    what: String,
) -> Row {
    let mut c = meldestelle::db::Target::parse(db_url)
        .unwrap()
        .connect()
        .unwrap();
    let mut lat = Vec::new();
    let start = Instant::now();
    for chunk in rows.chunks(batch) {
        let t = Instant::now();
        c.transaction::<_, diesel::result::Error, _>(|c| {
            for r in chunk {
                insert_row(c, r);
            }
            Ok(())
        })
        .unwrap();
        lat.push(t.elapsed());
    }
    Row {
        what,
        n: rows.len(),
        secs: start.elapsed().as_secs_f64(),
        lat,
    }
}

/// Raw concurrent inserts as pgbench makes them: `c` connections, each inserting its share of
/// the rows one commit each.
fn raw_concurrent(
    db_url: &str,
    rows: Vec<meldestelle::domain::intake::NewReport>,
    c: usize,
    what: String,
) -> Row {
    let target = meldestelle::db::Target::parse(db_url).unwrap();
    let conns: Vec<_> = (0..c).map(|_| target.connect().unwrap()).collect();
    let n = rows.len();
    share(conns, n, move |conn, i| insert_row(conn, &rows[i]), what)
}

/// The raw storage beside which the server is measured.
enum Raw {
    /// SQLite: the same rows, 512 per commit, on one connection.
    Batched,
    /// PostgreSQL: the same rows from `c` connections, one commit each (as pgbench).
    Concurrent(usize),
}

impl Raw {
    fn measure(&self, backend: &str, fresh: &dyn Fn() -> String, bodies: &[String]) -> Row {
        let url = fresh();
        drop(start(&url)); // creates the demo office
        let rows = reports(&url, bodies);
        match *self {
            Raw::Batched => raw_batched(
                &url,
                &rows,
                512,
                format!("{backend}: raw insert, 512 per commit"),
            ),
            Raw::Concurrent(c) => raw_concurrent(
                &url,
                rows,
                c,
                format!("{backend}: raw insert, {c} connections, 1 commit each"),
            ),
        }
    }

    fn name(&self) -> String {
        match self {
            Raw::Batched => "raw batched insert".into(),
            Raw::Concurrent(c) => format!("raw at concurrency {c}"),
        }
    }
}

/// The server at concurrency `c` on a fresh database.
fn http(backend: &str, fresh: &dyn Fn() -> String, bodies: &[String], c: usize) -> Row {
    let server = start(&fresh());
    Load::new(&server.1).closed_loop(bodies, c, format!("{backend}: HTTP, concurrency {c}"))
}

/// One backend: the server over HTTP at concurrency 1 and at a fixed rate, and a baseline
/// without HTTP; then `rounds` rounds of the server at concurrency 16 and 64, each followed by
/// the raw storage it is compared with, so that both see the machine as it is at that moment
/// (on a shared virtual machine the rates drift by a fifth within minutes). The ratios of each
/// round and their median at the end.
fn run(backend: &str, fresh: &dyn Fn() -> String, n: usize, rounds: usize) -> Vec<String> {
    // The office as a server describes it (a fresh database has the demo office).
    let all = bodies(&start(&fresh()).1, n * 2 + 2000);
    let (main, extra) = all.split_at(n);
    http(backend, fresh, &main[..n / 4], 1).print();
    let server = start(&fresh());
    Load::new(&server.1)
        .fixed_rate(
            &extra[..n],
            1000.0,
            format!("{backend}: HTTP, open loop at 1,000/s"),
        )
        .print();
    drop(server);
    let url = fresh();
    drop(start(&url)); // creates the demo office
    baseline(
        &url,
        &all[all.len() - 2000..],
        format!("{backend}: baseline, validation and insert, 1 commit each"),
    )
    .print();
    // Each pair: the server at a concurrency, and the raw storage it is held against.
    let pairs: Vec<(usize, Option<Raw>)> = if backend == "SQLite" {
        vec![(16, None), (64, Some(Raw::Batched))]
    } else {
        vec![
            (16, Some(Raw::Concurrent(16))),
            (64, Some(Raw::Concurrent(64))),
        ]
    };
    let mut ratios: Vec<Vec<(f64, f64)>> = vec![vec![]; pairs.len()];
    for _ in 0..rounds {
        for (k, (c, raw)) in pairs.iter().enumerate() {
            // Every database is fresh, so the same reports serve every round.
            let mut server = http(backend, fresh, main, *c);
            server.print();
            if let Some(raw) = raw {
                let mut raw = raw.measure(backend, fresh, main);
                raw.print();
                ratios[k].push((server.rate(), raw.rate()));
            }
        }
    }
    pairs
        .iter()
        .zip(ratios)
        .filter_map(|((c, raw), mut pairs)| {
            let raw = raw.as_ref()?;
            let each: Vec<String> = pairs
                .iter()
                .map(|(s, r)| format!("{s:.0}/{r:.0} = {:.2}", s / r))
                .collect();
            pairs.sort_by(|a, b| (a.0 / a.1).total_cmp(&(b.0 / b.1)));
            let (s, r) = pairs[pairs.len() / 2];
            Some(format!(
                "{backend}: HTTP at concurrency {c} / {}: median {:.2} ({s:.0}/{r:.0}); rounds: {}",
                raw.name(),
                s / r,
                each.join(", ")
            ))
        })
        .collect()
}

fn main() {
    // `cargo bench` passes --bench; a plain test run passes nothing worth doing here.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8000);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    println!("| run | reports | per second | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|");
    let dir =
        tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    // BENCH_SQLITE=0 measures PostgreSQL alone.
    let mut ratios = vec![];
    if std::env::var("BENCH_SQLITE").as_deref() != Ok("0") {
        ratios = run(
            "SQLite",
            &|| {
                let i = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                format!(
                    "sqlite://{}",
                    dir.path().join(format!("bench{i}.db")).display()
                )
            },
            n,
            rounds,
        );
    }
    if let Ok(admin) = std::env::var("MELDESTELLE_BENCH_PG") {
        let base = admin.rsplit_once('/').unwrap().0.to_owned();
        ratios.extend(run(
            "PostgreSQL",
            &|| {
                let name = format!(
                    "ms_bench_{}",
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                );
                let mut c = diesel::PgConnection::establish(&admin).unwrap();
                // One statement each: CREATE DATABASE cannot run inside a transaction block.
                c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .unwrap();
                c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
                format!("{base}/{name}")
            },
            n,
            rounds,
        ));
    }
    println!();
    for r in ratios {
        println!("{r}");
    }
}
