//! Test harness: a real server binary on loopback, over a fresh real database.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use meldestelle::client::keys::{self, Identities};
use meldestelle::client::Api;
use meldestelle::db::DbConn;
use meldestelle::domain::pow::PowToken;
use meldestelle::protocol::ids::Token;
use meldestelle::protocol::problem::Problem;
use meldestelle::protocol::reports::OfficeView;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub mod smtp;

pub const BIN: &str = env!("CARGO_BIN_EXE_meldestelle");
pub const DEMO_IDENTITY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/keys/demo-office.identity.DEMO-ONLY.txt"
);
pub const PG_ENV: &str = "MELDESTELLE_TEST_PG";

/// A fresh database of one backend; dropped (PostgreSQL) or deleted (SQLite) at the end.
pub struct TestDb {
    pub url: String,
    pub name: &'static str,
    pg_admin: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        TestDb {
            url: format!("sqlite://{}", dir.path().join("meldestelle.db").display()),
            name: "sqlite",
            pg_admin: None,
            _dir: Some(dir),
        }
    }

    /// A new database on the server named by MELDESTELLE_TEST_PG. If that variable is set
    /// but the server is unreachable, this fails the test rather than skipping it.
    pub fn postgres(admin_url: &str) -> TestDb {
        let name = format!("ms_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(admin_url)
            .unwrap_or_else(|e| panic!("{PG_ENV} is set but PostgreSQL is unreachable: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .expect("URL with a database name");
        TestDb {
            url: format!("{base}/{name}"),
            name: "postgres",
            pg_admin: Some((admin_url.to_owned(), name)),
            _dir: None,
        }
    }

    /// What PostgreSQL's own log says about this database (the machine's server log under
    /// /var/log/postgresql). Fails when the log cannot be read: a test that relies on it
    /// must not pass silently.
    pub fn pg_log(&self) -> Option<String> {
        let (_, name) = self.pg_admin.as_ref()?;
        let dir = std::env::var("MELDESTELLE_TEST_PG_LOG_DIR")
            .unwrap_or_else(|_| "/var/log/postgresql".into());
        let mut text = String::new();
        for entry in std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read PostgreSQL's log in {dir}: {e}"))
        {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "log") {
                text.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
            }
        }
        assert!(!text.is_empty(), "PostgreSQL's log in {dir} is empty");
        Some(
            text.lines()
                .filter(|l| l.contains(&format!("@{name} ")))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    }

    pub fn path(&self) -> Option<std::path::PathBuf> {
        self.url
            .strip_prefix("sqlite://")
            .map(std::path::PathBuf::from)
    }

    pub fn conn(&self) -> DbConn {
        meldestelle::db::Target::parse(&self.url)
            .unwrap()
            .connect()
            .unwrap()
    }

    /// Number of rows in a table.
    pub fn count(&self, table: &str) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let q = format!("SELECT COUNT(*) AS n FROM {table}");
        let n: N = match self.conn() {
            DbConn::Sqlite(mut c) => diesel::sql_query(q).get_result(&mut c),
            DbConn::Pg(mut c) => diesel::sql_query(q).get_result(&mut c),
        }
        .expect("count rows");
        n.n
    }

    /// A query's single text column `s`, row by row.
    pub fn strings(&self, sql: &str) -> Vec<String> {
        #[derive(QueryableByName)]
        struct S {
            #[diesel(sql_type = diesel::sql_types::Text)]
            s: String,
        }
        let rows: Vec<S> = match self.conn() {
            DbConn::Sqlite(mut c) => diesel::sql_query(sql).load(&mut c),
            DbConn::Pg(mut c) => diesel::sql_query(sql).load(&mut c),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.into_iter().map(|r| r.s).collect()
    }

    /// Runs SQL on the database (to tamper, or to read bytes).
    pub fn exec(&self, sql: &str) {
        match self.conn() {
            DbConn::Sqlite(mut c) => c.batch_execute(sql),
            DbConn::Pg(mut c) => c.batch_execute(sql),
        }
        .expect("execute SQL");
    }

    /// Every text the database holds about cases, labels and statistics, for searching: on
    /// SQLite the bytes of the database file and its WAL, on PostgreSQL every row as text.
    pub fn all_text(&self) -> String {
        if self.name == "postgres" {
            let mut out = String::new();
            for t in [
                "reports",
                "messages",
                "attachments",
                "labels",
                "case_labels",
                "stats_contributions",
                "stats_batches",
                "audit_log",
            ] {
                out.extend(self.strings(&format!("SELECT t::text AS s FROM {t} t")));
            }
            out
        } else {
            let path = self.path().expect("a SQLite path");
            let mut bytes = std::fs::read(&path).unwrap();
            if let Ok(wal) = std::fs::read(format!("{}-wal", path.display())) {
                bytes.extend(wal);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }

    /// What a copy of the database's files holds, free pages and dead tuples included: the
    /// SQLite file with its `-wal` and `-shm`; on PostgreSQL the files of this database's tables
    /// (TOAST included) after a checkpoint, read by the server (`pg_read_binary_file`).
    pub fn file_bytes(&self) -> Vec<u8> {
        if let Some(path) = self.path() {
            let mut bytes = std::fs::read(&path).unwrap();
            for ext in ["-wal", "-shm"] {
                if let Ok(more) = std::fs::read(format!("{}{ext}", path.display())) {
                    bytes.extend(more);
                }
            }
            return bytes;
        }
        self.exec("CHECKPOINT");
        self.strings(
            "SELECT encode(pg_read_binary_file(pg_relation_filepath(c.oid)), 'hex') AS s \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 't') \
             AND pg_relation_filepath(c.oid) IS NOT NULL",
        )
        .into_iter()
        .flat_map(|h| hex::decode(h).unwrap())
        .collect()
    }

    /// All report ciphertexts.
    pub fn ciphertexts(&self) -> Vec<Vec<u8>> {
        use meldestelle::db::schema::reports;
        let mut conn = self.conn();
        reports::table
            .order(reports::id)
            .select(reports::ciphertext)
            .load::<Vec<u8>>(&mut conn)
            .expect("load ciphertexts")
    }
}

/// The statistics key of a test database: beside a SQLite file (the server's default), in the
/// temporary directory for a PostgreSQL database (the default there is the working directory,
/// which is this repository).
pub fn stats_key_for(db_url: &str) -> Option<std::path::PathBuf> {
    let name = db_url
        .strip_prefix("postgres://")
        .and_then(|r| r.rsplit_once('/'))
        .map(|(_, n)| n)?;
    Some(std::env::temp_dir().join(format!("meldestelle-stats-{name}.key")))
}

impl TestDb {
    /// This database's statistics key file.
    pub fn stats_key(&self) -> std::path::PathBuf {
        stats_key_for(&self.url)
            .unwrap_or_else(|| meldestelle::db::Target::default_stats_key(&self.url))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(key) = stats_key_for(&self.url) {
            let _ = std::fs::remove_file(key);
        }
        if let Some((admin_url, name)) = &self.pg_admin {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// SQLite always; PostgreSQL too when MELDESTELLE_TEST_PG is set.
pub fn backends() -> Vec<TestDb> {
    let mut v = vec![TestDb::sqlite()];
    if let Ok(url) = std::env::var(PG_ENV) {
        if !url.is_empty() {
            v.push(TestDb::postgres(&url));
        }
    }
    v
}

/// The real server binary, listening on a port of the system's choosing.
pub struct Server {
    child: Child,
    pub base: String,
    pub log: Arc<Mutex<String>>,
    args: Vec<String>,
    db_url: String,
}

impl Server {
    pub fn start(db: &TestDb, extra: &[&str]) -> Server {
        Server::start_url(&db.url, extra)
    }

    pub fn start_url(db_url: &str, extra: &[&str]) -> Server {
        let args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let log = Arc::new(Mutex::new(String::new()));
        let (child, base) = spawn(db_url, &args, &log);
        Server {
            child,
            base,
            log,
            args,
            db_url: db_url.to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops the server with SIGKILL: nothing gets a chance to flush.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills and starts again on the same database.
    pub fn restart(&mut self) {
        self.kill();
        let (child, base) = spawn(&self.db_url, &self.args, &self.log);
        self.child = child;
        self.base = base;
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Proof of work stays on in tests, at a difficulty a debug build solves in milliseconds,
/// unless a test sets `--pow-bits` itself.
pub const TEST_POW_BITS: &str = "10";

fn spawn(db_url: &str, args: &[String], log: &Arc<Mutex<String>>) -> (Child, String) {
    let mut defaults: Vec<&str> = vec![];
    if !args.iter().any(|a| a == "--pow-bits") {
        defaults.extend(["--pow-bits", TEST_POW_BITS]);
    }
    if !args.iter().any(|a| a == "--workers") {
        defaults.extend(["--workers", "2"]);
    }
    let key = stats_key_for(db_url).filter(|_| !args.iter().any(|a| a == "--stats-key"));
    if let Some(key) = &key {
        defaults.extend(["--stats-key", key.to_str().expect("a UTF-8 temporary path")]);
    }
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(["--bind", "127.0.0.1:0", "--database-url", db_url])
        .args(defaults)
        .args(args)
        .env("MELDESTELLE_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server binary");
    let (tx, rx) = std::sync::mpsc::channel();
    for stream in [
        Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stdout.take().unwrap()),
    ] {
        let log = log.clone();
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.to_owned());
                }
                let mut l = log.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
    }
    let base = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("server did not start: {}", log.lock().unwrap()));
    (child, base)
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Runs the CLI binary and returns stdout, failing on a non-zero exit.
pub fn cli(args: &[&str], stdin: Option<&str>) -> String {
    let out = cli_output(args, stdin);
    assert!(
        out.status.success(),
        // The status says a signal where the process died without a word.
        "meldestelle {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn cli_output(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    // A PostgreSQL test database's statistics key, as its server has it.
    let key = args
        .windows(2)
        .find(|w| w[0] == "--database-url")
        .and_then(|w| stats_key_for(w[1]))
        .filter(|_| !args.contains(&"--stats-key"));
    let mut child = Command::new(BIN)
        .args(args)
        .args(
            key.iter()
                .flat_map(|k| ["--stats-key".as_ref(), k.as_os_str()]),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the CLI");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

pub fn demo_identities() -> Identities {
    keys::identities_from_file(std::path::Path::new(DEMO_IDENTITY)).unwrap()
}

pub fn decrypt_demo(ciphertext: &[u8]) -> Vec<u8> {
    meldestelle::crypto::decrypt(ciphertext, &demo_identities())
        .expect("decrypts with the demo key")
}

/// The reference `age` tool (Go), which the interoperability tests decrypt with. Missing, the
/// test fails: `scripts/setup test` installs it.
pub fn require_age() {
    let found = std::process::Command::new("age")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "the age tool is missing: run scripts/setup test (Debian package age)"
    );
}

/// A day as the API writes it, e.g. `day("2026-01-13")`.
pub fn day(s: &str) -> chrono::NaiveDate {
    s.parse()
        .unwrap_or_else(|e| panic!("{s} is not a YYYY-MM-DD day: {e}"))
}

/// The reference `age` tool decrypting `file` with the identity file `identity`, whatever
/// its exit.
pub fn age_decrypt(identity: &str, file: &std::path::Path) -> std::process::Output {
    std::process::Command::new("age")
        .args(["-d", "-i", identity])
        .arg(file)
        .output()
        .expect("the age tool runs (scripts/setup test installs it)")
}

/// Waits until a condition holds or the time is up.
pub fn eventually(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// openapi.yaml, the contract, parsed once for every test of the binary.
pub fn openapi() -> &'static serde_yaml::Value {
    static SPEC: OnceLock<serde_yaml::Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
            .expect("openapi.yaml");
        serde_yaml::from_str(&text).expect("openapi.yaml parses")
    })
}

/// Asserts that the contract documents this status for this operation, and that an error
/// is problem+json with a stable type.
pub fn assert_contract(
    method: &str,
    template: &str,
    resp_status: u16,
    content_type: &str,
    body: &str,
) {
    let spec = openapi();
    let op = &spec["paths"][template][method.to_lowercase().as_str()];
    assert!(!op.is_null(), "{method} {template} is not in openapi.yaml");
    let code = resp_status.to_string();
    assert!(
        !op["responses"][code.as_str()].is_null(),
        "{method} {template} answered {resp_status}, which openapi.yaml does not document: {body}"
    );
    if resp_status >= 400 {
        assert_eq!(content_type, "application/problem+json", "{body}");
        let p: Problem = serde_json::from_str(body)
            .unwrap_or_else(|e| panic!("not a problem body ({e}): {body}"));
        assert!(
            p.kind.starts_with("urn:meldestelle:problem:") && !p.name().is_empty(),
            "{body}"
        );
        assert!(!p.title.is_empty(), "{body}");
        assert_eq!(p.status, resp_status, "{body}");
    }
}

/// An answer, already held to the contract.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The answer as its wire type; the test fails when it is not one.
    pub fn parse<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not a {}: {e}: {}", std::any::type_name::<T>(), self.body))
    }

    /// The problem type's short name, e.g. `not-age` (empty for an answer that is none).
    pub fn problem(&self) -> String {
        serde_json::from_str::<Problem>(&self.body)
            .map(|p| p.name().to_owned())
            .unwrap_or_default()
    }
}

/// Routes that need a proof of work.
pub const POW_ROUTES: &[&str] = &["/v1/reports", "/v1/followup/messages"];

impl Server {
    /// A solved proof-of-work token from this server, for the `pow` field.
    pub fn pow(&self) -> PowToken {
        let c: meldestelle::domain::pow::Challenge = client()
            .get(self.url("/v1/pow"))
            .send()
            .expect("GET /v1/pow")
            .json()
            .expect("challenge JSON");
        meldestelle::domain::pow::solve(&c)
    }

    /// Adds a solved `pow` to a JSON object body that has none.
    pub fn with_pow(&self, body: &serde_json::Value) -> serde_json::Value {
        let mut b = body.clone();
        if let Some(o) = b.as_object_mut() {
            if !o.contains_key("pow") {
                o.insert(
                    "pow".into(),
                    serde_json::to_value(self.pow()).expect("a token is JSON"),
                );
            }
        }
        b
    }

    /// Sends a wire type (as `call` does a JSON value) and checks the answer against
    /// openapi.yaml.
    pub fn send<B: Serialize>(
        &self,
        method: &str,
        template: &str,
        path: &str,
        body: &B,
        bearer: Option<&str>,
    ) -> Answer {
        let json = serde_json::to_value(body).expect("a wire type is JSON");
        self.call(method, template, path, Some(&json), bearer)
    }

    /// `GET /v1/offices/{slug}`, held to the contract: what a client encrypts for.
    pub fn office(&self, slug: &str) -> OfficeView {
        let a = self.call(
            "GET",
            "/v1/offices/{office}",
            &format!("/v1/offices/{slug}"),
            None,
            None,
        );
        assert_eq!(a.status, 200, "{}", a.body);
        a.parse()
    }

    /// The API as a client sees it (`meldestelle::client`), with an officer's or analyst's
    /// token when given.
    pub fn api(&self, token: Option<&Token>) -> Api {
        let api = Api::new(&self.base).expect("an HTTP client");
        match token {
            Some(t) => api.with_token(t.clone()),
            None => api,
        }
    }

    /// Sends a request and checks the answer against openapi.yaml. A body for a route that
    /// needs a proof of work gets one solved, unless it carries its own `pow`.
    pub fn call(
        &self,
        method: &str,
        template: &str,
        path: &str,
        json: Option<&serde_json::Value>,
        bearer: Option<&str>,
    ) -> Answer {
        let c = client();
        let mut req = c.request(method.parse().unwrap(), self.url(path));
        if let Some(j) = json {
            if method == "POST" && POW_ROUTES.contains(&template) {
                req = req.json(&self.with_pow(j));
            } else {
                req = req.json(j);
            }
        }
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        let resp = req.send().expect("request");
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = resp.text().unwrap();
        assert_contract(method, template, status, &ct, &body);
        Answer { status, body }
    }
}

/// The recipient an identity file names in its `# public key:` line.
pub fn recipient_of(identity_file: &str) -> String {
    std::fs::read_to_string(identity_file)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("a '# public key:' line")
        .to_owned()
}

/// A fresh identity file from `meldestelle keygen` in `dir`: its path and its recipient.
pub fn keygen_file(dir: &std::path::Path, name: &str) -> (String, String) {
    let path = dir.join(name);
    let path = path.to_str().unwrap().to_owned();
    cli(&["keygen", "-o", &path], None);
    let recipient = recipient_of(&path);
    (path, recipient)
}

/// `meldestelle office add` with the given place.
pub fn add_office(
    db_url: &str,
    slug: &str,
    name: &str,
    municipality: &str,
    land: &str,
    size: &str,
) {
    cli(
        &[
            "office",
            "--database-url",
            db_url,
            "add",
            "--slug",
            slug,
            "--name",
            name,
            "--municipality",
            municipality,
            "--land",
            land,
            "--size-class",
            size,
        ],
        None,
    );
}

/// `meldestelle office add-officer`; `extra` takes further options such as `--email`.
pub fn add_officer(db_url: &str, office: &str, name: &str, recipient: &str, extra: &[&str]) {
    let mut args = vec![
        "office",
        "--database-url",
        db_url,
        "add-officer",
        "--office",
        office,
        "--name",
        name,
        "--recipient",
        recipient,
    ];
    args.extend_from_slice(extra);
    cli(&args, None);
}

/// `meldestelle jobs run --job retention` on `today`: its output, or the test fails.
pub fn retention_run(db: &TestDb, today: &str) -> String {
    cli(
        &[
            "jobs",
            "run",
            "--job",
            "retention",
            "--database-url",
            &db.url,
            "--today",
            today,
        ],
        None,
    )
}

/// `meldestelle office remove-officer` (`extra`: e.g. `--reassign-to ID`), whatever its exit.
pub fn remove_officer(
    db_url: &str,
    office: &str,
    officer: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "office",
        "remove-officer",
        "--database-url",
        db_url,
        "--office",
        office,
        "--officer",
        officer,
    ];
    args.extend_from_slice(extra);
    cli_output(&args, None)
}

/// An officer's login with an identity file, through the client every caller uses (its
/// challenge and session answers are held to openapi.yaml by the contract tests); the token.
pub fn login(server: &Server, office: &str, identity_file: &str) -> String {
    let path = std::path::Path::new(identity_file);
    let ids = keys::identities_from_file(path).unwrap();
    let recipient = keys::recipient_of(path).unwrap();
    let session = meldestelle::client::login::officer(&server.api(None), office, &recipient, &ids)
        .unwrap_or_else(|e| panic!("login to {office} with {identity_file}: {e}"));
    session.token.expose().to_owned()
}

/// An analyst's login with an identity file; the token.
pub fn login_analyst(server: &Server, identity_file: &str) -> String {
    let path = std::path::Path::new(identity_file);
    let ids = keys::identities_from_file(path).unwrap();
    let recipient = keys::recipient_of(path).unwrap();
    let session = meldestelle::client::login::analyst(&server.api(None), &recipient, &ids)
        .unwrap_or_else(|e| panic!("analyst login with {identity_file}: {e}"));
    session.token.expose().to_owned()
}

/// `meldestelle desk` as an officer of demo with `identity`, whatever its exit.
pub fn desk_as(
    server: &Server,
    identity: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> std::process::Output {
    let mut all = vec![
        "desk",
        "--server",
        &server.base,
        "--office",
        "demo",
        "--identity",
        identity,
    ];
    all.extend_from_slice(args);
    cli_output(&all, stdin)
}

/// `meldestelle desk` as an officer of demo with `identity`: its output, or the test fails.
pub fn desk_ok(server: &Server, identity: &str, args: &[&str], stdin: Option<&str>) -> String {
    let out = desk_as(server, identity, args, stdin);
    assert!(
        out.status.success(),
        "desk {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `meldestelle desk stats contribute --quarter QUARTER` as the demo officer; its output, or
/// the test fails.
pub fn contribute(server: &Server, quarter: &str) -> String {
    desk_ok(
        server,
        DEMO_IDENTITY,
        &["stats", "contribute", "--quarter", quarter],
        None,
    )
}
