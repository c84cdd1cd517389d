//! Anti-abuse and robustness, black-box over HTTP: proof of work, rate limits, 64 concurrent
//! clients, hostile values, padding of a mixed corpus, and answers to wrong ids that do not
//! differ in shape or in time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::helpers::*;
use base64::Engine;
use meldestelle::client::Api;
use meldestelle::crypto::{self, header, padding, receipt::Receipt};
use meldestelle::domain::pow::{self, PowToken};
use meldestelle::protocol::document::Document;
use meldestelle::protocol::followup::{ReadRequest, ReporterMessageRequest};
use meldestelle::protocol::ids::LookupId;
use meldestelle::protocol::reports::Submission;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Limits high enough that a test about something else never meets them.
const NO_LIMITS: &[&str] = &[
    "--submissions-per-sec",
    "100000",
    "--office-submissions-per-sec",
    "100000",
    "--lookups-per-sec",
    "100000",
];

/// A valid submission to an office of `text_len` bytes of text, without `pow`.
fn submission(base: &str, slug: &str, text_len: usize) -> (Submission, Receipt) {
    let o = Api::new(base).unwrap().office(slug).unwrap();
    meldestelle::client::submission(&o, &Document::report(&"x".repeat(text_len))).unwrap()
}

/// Status, problem type and Retry-After of a raw POST (no proof of work added), held to the
/// contract.
fn post_raw<B: Serialize>(server: &Server, path: &str, body: &B) -> (u16, String, Option<String>) {
    let r = client().post(server.url(path)).json(body).send().unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    let text = r.text().unwrap();
    assert_contract("POST", path, status, &ct, &text);
    let kind = serde_json::from_str::<Value>(&text).unwrap()["type"]
        .as_str()
        .unwrap_or("")
        .trim_start_matches("urn:meldestelle:problem:")
        .to_owned();
    (status, kind, retry)
}

/// A second office whose officer is a fresh key; returns its identity file.
fn second_office(db: &TestDb, slug: &str, dir: &std::path::Path) -> String {
    let (key, rcpt) = keygen_file(dir, &format!("{slug}.key"));
    add_office(
        &db.url,
        slug,
        "Zweites Amt",
        "Kleinstadt",
        "NW",
        "under_20k",
    );
    add_officer(&db.url, slug, "O", &rcpt, &[]);
    key
}

#[test]
fn proof_of_work_is_required_single_use_and_checked() {
    let db = TestDb::sqlite();
    let server = Server::start(&db, &["--pow-bits", "8", "--pow-load-step", "4"]);
    let solved: pow::Challenge = server.call("GET", "/v1/pow", "/v1/pow", None, None).parse();
    // 8 bits of work, split into 16 puzzles of 4 bits.
    assert_eq!((solved.difficulty, solved.puzzles), (4, 16));
    assert!(solved.expires_at.ends_with('Z'));

    let (body, _) = submission(&server.base, "demo", 10);
    let with_pow = |challenge: &str, nonces: Vec<String>| {
        let pow = PowToken {
            challenge: challenge.to_owned(),
            nonces,
        };
        serde_json::to_value(Submission {
            pow: Some(pow),
            ..body.clone()
        })
        .unwrap()
    };
    // A `pow` field that is no token at all: deliberately malformed.
    let with_raw_pow = |pow: Value| {
        let mut b = serde_json::to_value(&body).unwrap();
        b["pow"] = pow;
        b
    };
    let challenge = solved.challenge.as_str();
    let good = pow::solve(&solved).nonces;
    // One nonce that does not reach 4 zero bits among 15 that do.
    let mut wrong = good.clone();
    wrong[0] = (0u64..)
        .map(|n| n.to_string())
        .find(|n| {
            meldestelle::domain::pow::leading_zero_bits(&meldestelle::domain::pow::digest(
                challenge, n,
            )) < 4
        })
        .unwrap();
    let cases = [
        (
            "no pow",
            serde_json::to_value(&body).unwrap(),
            "pow-required",
        ),
        (
            "not a challenge",
            with_pow("AAAA", good.clone()),
            "pow-invalid",
        ),
        ("unsolved", with_pow(challenge, wrong), "pow-invalid"),
        (
            "one solution for every puzzle",
            with_pow(challenge, vec![good[0].clone(); 16]),
            "pow-invalid",
        ),
        (
            "a puzzle short",
            with_pow(challenge, good[1..].to_vec()),
            "pow-invalid",
        ),
        (
            "bad nonce characters",
            {
                let mut odd = good.clone();
                odd[15] = "../../etc".into();
                with_pow(challenge, odd)
            },
            "pow-invalid",
        ),
        (
            "raised difficulty forged",
            {
                // Lowering the difficulty byte breaks the MAC.
                let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(challenge)
                    .unwrap();
                let mut raw = raw.clone();
                raw[8] = 0;
                let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
                with_pow(&forged, vec!["0".into()])
            },
            "pow-invalid",
        ),
        (
            "extra field",
            with_raw_pow(json!({"challenge": challenge, "nonces": good, "x": 1})),
            "invalid-request",
        ),
        (
            "the old single nonce",
            with_raw_pow(json!({"challenge": challenge, "nonce": "1"})),
            "invalid-request",
        ),
    ];
    for (what, b, kind) in cases {
        let (status, k, _) = post_raw(&server, "/v1/reports", &b);
        assert_eq!((status, k.as_str()), (400, kind), "{what}");
    }
    assert_eq!(db.count("reports"), 0);

    // A solved token passes once; the same token on another report is spent.
    let token = pow::solve(&solved);
    assert_eq!(
        post_raw(
            &server,
            "/v1/reports",
            &Submission {
                pow: Some(token.clone()),
                ..body.clone()
            }
        )
        .0,
        201
    );
    let (other, _) = submission(&server.base, "demo", 10);
    let replay = Submission {
        pow: Some(token),
        ..other
    };
    let (status, kind, _) = post_raw(&server, "/v1/reports", &replay);
    assert_eq!((status, kind.as_str()), (400, "pow-spent"));
    assert_eq!(db.count("reports"), 1);

    // A follow-up message needs one too, checked before the lookup id is looked up.
    let (status, kind, _) = post_raw(
        &server,
        "/v1/followup/messages",
        &ReporterMessageRequest {
            lookup_id: LookupId::new("00".repeat(32)),
            ciphertext: "AAAA".into(),
            keyset_version: 1,
            pow: None,
        },
    );
    assert_eq!((status, kind.as_str()), (400, "pow-required"));

    // Under load the difficulty rises, by four bits at most.
    for _ in 0..40 {
        let (b, _) = submission(&server.base, "demo", 10);
        assert_eq!(
            server
                .send("POST", "/v1/reports", "/v1/reports", &b, None)
                .status,
            201
        );
    }
    // (Slow machines spread the 40 over more than the 10 s window, hence the range.)
    let c: pow::Challenge = server.call("GET", "/v1/pow", "/v1/pow", None, None).parse();
    let d = c.difficulty;
    assert!((6..=8).contains(&d), "{c:?}");

    // A challenge outlives neither its lifetime nor a restart.
    drop(server);
    let mut server = Server::start(&db, &["--pow-bits", "4", "--pow-secs", "0"]);
    let old = server.pow();
    std::thread::sleep(Duration::from_millis(1100));
    let (b, _) = submission(&server.base, "demo", 10);
    let mut b2 = b.clone();
    b2.pow = Some(old);
    let (status, kind, _) = post_raw(&server, "/v1/reports", &b2);
    assert_eq!((status, kind.as_str()), (400, "pow-expired"));
    let before = server.pow();
    server.restart();
    b2.pow = Some(before);
    let (status, kind, _) = post_raw(&server, "/v1/reports", &b2);
    assert_eq!((status, kind.as_str()), (400, "pow-invalid"));

    // --pow-bits 0 turns it off: the field may be left out.
    drop(server);
    let server = Server::start(&db, &["--pow-bits", "0"]);
    assert_eq!(post_raw(&server, "/v1/reports", &b).0, 201);
}

#[test]
fn global_and_per_office_rate_limits_answer_429_and_store_nothing() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    // Started first, so that the demo office is created in the empty database.
    drop(Server::start(&db, &[]));
    second_office(&db, "zweites-amt", dir.path());
    // One per second per office, bursts of ten; the global limit is far away.
    let server = Server::start(
        &db,
        &[
            "--office-submissions-per-sec",
            "1",
            "--submissions-per-sec",
            "1000",
        ],
    );
    let mut created = 0;
    let mut limited = 0;
    for _ in 0..14 {
        let (b, _) = submission(&server.base, "demo", 10);
        let b = Submission {
            pow: Some(server.pow()),
            ..b
        };
        let (status, kind, retry) = post_raw(&server, "/v1/reports", &b);
        match status {
            201 => created += 1,
            429 => {
                assert_eq!(kind, "rate-limited");
                let secs: u64 = retry.expect("Retry-After").parse().unwrap();
                assert!((1..=10).contains(&secs), "{secs}");
                limited += 1;
            }
            s => panic!("unexpected {s} {kind}"),
        }
    }
    assert!((10..=12).contains(&created), "{created} created");
    assert_eq!(created + limited, 14);
    // Another office is not affected by the first one's flood.
    let (b, _) = submission(&server.base, "zweites-amt", 10);
    let b = Submission {
        pow: Some(server.pow()),
        ..b
    };
    assert_eq!(post_raw(&server, "/v1/reports", &b).0, 201);
    assert_eq!(db.count("reports"), created + 1);
    drop(server);

    // The global limit holds for all offices together.
    let server = Server::start(
        &db,
        &[
            "--office-submissions-per-sec",
            "1000",
            "--submissions-per-sec",
            "1",
        ],
    );
    let mut statuses = vec![];
    for i in 0..14 {
        let slug = if i % 2 == 0 { "demo" } else { "zweites-amt" };
        let (b, _) = submission(&server.base, slug, 10);
        let b = Submission {
            pow: Some(server.pow()),
            ..b
        };
        statuses.push(post_raw(&server, "/v1/reports", &b).0);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 429));
    let ok = statuses.iter().filter(|s| **s == 201).count() as i64;
    assert_eq!(db.count("reports"), created + 1 + ok);
}

/// 64 clients at once on each database: no 5xx, every 201 has its row, and the stored sizes
/// of the mixed corpus reveal only the bucket.
#[test]
fn sixty_four_concurrent_clients_on_each_database() {
    const CLIENTS: usize = 64;
    const EACH: usize = 4;
    for db in backends() {
        let server = Server::start(&db, NO_LIMITS);
        let base = server.base.clone();
        let results = Arc::new(Mutex::new(Vec::new()));
        let threads: Vec<_> = (0..CLIENTS)
            .map(|t| {
                let base = base.clone();
                let results = results.clone();
                std::thread::spawn(move || {
                    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(t as u64);
                    let c = client();
                    for _ in 0..EACH {
                        let (mut body, receipt) =
                            submission(&base, "demo", rng.gen_range(0..20_000));
                        let ch: pow::Challenge = c
                            .get(format!("{base}/v1/pow"))
                            .send()
                            .unwrap()
                            .json()
                            .unwrap();
                        body.pow = Some(pow::solve(&ch));
                        let r = c
                            .post(format!("{base}/v1/reports"))
                            .json(&body)
                            .send()
                            .unwrap();
                        let status = r.status().as_u16();
                        let text = r.text().unwrap();
                        results
                            .lock()
                            .unwrap()
                            .push((status, text, receipt.lookup_id()));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let results = results.lock().unwrap();
        let server_errors: Vec<_> = results.iter().filter(|r| r.0 >= 500).collect();
        assert!(
            server_errors.is_empty(),
            "{} 5xx on {}: {:?}",
            server_errors.len(),
            db.name,
            server_errors.first().map(|r| &r.1)
        );
        let created: Vec<_> = results.iter().filter(|r| r.0 == 201).collect();
        assert_eq!(created.len(), CLIENTS * EACH, "{}", db.name);
        assert_eq!(db.count("reports") as usize, created.len(), "{}", db.name);
        let stored = lookup_hashes(&db);
        for (_, _, id) in &created {
            assert!(
                stored.contains(crypto::sha256(id).as_slice()),
                "{}",
                db.name
            );
        }
        // Mixed sizes from 0 to 20 000 bytes of text: only bucket sizes are stored.
        let mut sizes = std::collections::BTreeSet::new();
        for ct in db.ciphertexts() {
            sizes.insert(header::inspect(&ct).unwrap().payload_len);
        }
        let buckets: std::collections::BTreeSet<u64> = [1024, 4096, 16 * 1024, 64 * 1024]
            .iter()
            .map(|&b| padding::age_payload_len(b))
            .collect();
        assert!(sizes.is_subset(&buckets), "{sizes:?} on {}", db.name);
        assert!(sizes.len() >= 3, "{sizes:?}");
    }
}

fn lookup_hashes(db: &TestDb) -> std::collections::HashSet<Vec<u8>> {
    use diesel::prelude::*;
    use meldestelle::db::schema::reports;
    let mut conn = db.conn();
    reports::table
        .select(reports::lookup_hash)
        .load::<Vec<u8>>(&mut conn)
        .unwrap()
        .into_iter()
        .collect()
}

#[test]
fn hostile_values_get_their_problem_and_store_nothing() {
    for db in backends() {
        let server = Server::start(&db, &[]);
        let (good, receipt) = submission(&server.base, "demo", 10);
        // Deliberately hostile: raw JSON, the values as an attacker writes them (some of them
        // of no type the wire types have).
        let with = |key: &str, v: Value| {
            let mut b = serde_json::to_value(&good).unwrap();
            b[key] = v;
            b
        };
        let cases: Vec<(&str, Value, u16, &str)> = vec![
            (
                "SQL in the office",
                with("office", json!("demo' OR '1'='1")),
                404,
                "unknown-office",
            ),
            (
                "SQL in the lookup id",
                with("lookup_id", json!("'; DROP TABLE reports; --")),
                400,
                "invalid-field",
            ),
            (
                "path in an attachment",
                with("attachments", json!(["../../../etc/passwd"])),
                400,
                "invalid-field",
            ),
            (
                "path in the office",
                with("office", json!("../demo")),
                404,
                "unknown-office",
            ),
            (
                "huge base64 that is not age",
                with("ciphertext", json!(B64.encode(vec![b'A'; 3 << 20]))),
                400,
                "not-age",
            ),
            (
                "deep nesting inside stats",
                with(
                    "stats",
                    serde_json::from_str(&format!(
                        "{{\"consequences\":{}{}}}",
                        "[".repeat(120),
                        "]".repeat(120)
                    ))
                    .unwrap_or(json!({"consequences": [[["none"]]]})),
                ),
                400,
                "stats-in-plaintext",
            ),
            (
                // No string of the API may hold a NUL; refused before any parsing of fields.
                "NUL in the recipient",
                with("reply_recipient", json!("age1\u{0}x")),
                400,
                "invalid-request",
            ),
            (
                "number for a string",
                with("office", json!(12)),
                400,
                "invalid-request",
            ),
            (
                "keyset version out of range",
                with("keyset_version", json!(1u64 << 40)),
                400,
                "invalid-request",
            ),
        ];
        for (what, body, status, kind) in cases {
            let a = server.call("POST", "/v1/reports", "/v1/reports", Some(&body), None);
            assert_eq!(
                (a.status, a.problem().as_str()),
                (status, kind),
                "{what} on {}: {}",
                db.name,
                a.body
            );
        }
        // Raw bodies on the follow-up routes: small caps, content types, broken UTF-8.
        let c = client();
        let raw = |path: &str, ct: &str, body: Vec<u8>| {
            let r = c
                .post(server.url(path))
                .header("content-type", ct)
                .body(body)
                .send()
                .unwrap();
            let status = r.status().as_u16();
            let ctype = r.headers()["content-type"].to_str().unwrap().to_owned();
            let text = r.text().unwrap();
            assert_contract("POST", path, status, &ctype, &text);
            let v: Value = serde_json::from_str(&text).unwrap();
            (
                status,
                v["type"]
                    .as_str()
                    .unwrap()
                    .rsplit(':')
                    .next()
                    .unwrap()
                    .to_owned(),
            )
        };
        let lookup = hex::encode(receipt.lookup_id());
        let big = format!("{{\"lookup_id\":\"{}\"}}", "a".repeat(10_000));
        assert_eq!(
            raw("/v1/followup/read", "application/json", big.into_bytes()),
            (413, "body-too-large".into())
        );
        // A follow-up message is capped at the largest padded message, far below 8 MiB.
        let huge = format!(
            "{{\"lookup_id\":\"{lookup}\",\"ciphertext\":\"{}\"}}",
            "A".repeat(2 << 20)
        );
        assert_eq!(
            raw(
                "/v1/followup/messages",
                "application/json",
                huge.into_bytes()
            ),
            (413, "body-too-large".into())
        );
        for path in [
            "/v1/followup/read",
            "/v1/followup/messages",
            "/v1/desk/challenge",
        ] {
            assert_eq!(
                raw(
                    path,
                    "application/x-www-form-urlencoded",
                    b"lookup_id=1".to_vec()
                ),
                (415, "unsupported-media-type".into()),
                "{path}"
            );
            assert_eq!(
                raw(path, "application/json", {
                    let field = if path.contains("desk") {
                        "office"
                    } else {
                        "lookup_id"
                    };
                    [format!("{{\"{field}\":\"").as_bytes(), b"\xc3\x28\"}"].concat()
                }),
                (400, "malformed-json".into()),
                "{path}"
            );
            assert_eq!(
                raw(
                    path,
                    "application/json",
                    "{\"a\":".repeat(50_000).into_bytes()
                )
                .0,
                if path == "/v1/followup/messages" {
                    400
                } else {
                    413
                },
                "{path}"
            );
        }
        assert_eq!(
            raw(
                "/v1/followup/read",
                "application/json",
                b"{\"lookup_id\":\"\\u0000' OR 1=1 --\"}".to_vec()
            ),
            // A NUL anywhere in a body is refused before any field is looked at.
            (400, "invalid-request".into())
        );
        // A message with a valid proof of work and a malformed lookup id is unknown, not
        // malformed: the same answer as a wrong one.
        let message = |lookup_id: &str| {
            server.send(
                "POST",
                "/v1/followup/messages",
                "/v1/followup/messages",
                &ReporterMessageRequest {
                    lookup_id: LookupId::new(lookup_id),
                    ciphertext: "AAAA".into(),
                    keyset_version: 1,
                    pow: None,
                },
                None,
            )
        };
        let a = message("../../x");
        let b = message(&lookup);
        assert_eq!((a.status, &a.body), (404, &b.body));
        for table in ["reports", "attachments", "stats_batches", "messages"] {
            assert_eq!(db.count(table), 0, "{table} on {}", db.name);
        }
    }
}

/// The difference of two timing samples is taken as real only if it is both statistically
/// significant (Mann-Whitney U, |z| > 4, on interleaved samples) and practically large (the
/// medians differ by more than 25 % and 300 µs). Interleaving in random order means that load
/// on the machine hits both samples alike; requiring both criteria keeps a loaded CI box from
/// failing the test by chance while an extra database round trip or a hash of a secret still
/// shows (it moves every sample, not a few).
fn assert_same_timing(what: &str, mut a: Vec<f64>, mut b: Vec<f64>) {
    let n1 = a.len() as f64;
    let n2 = b.len() as f64;
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&x| (x, true))
        .chain(b.iter().map(|&x| (x, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let rank_sum_a: f64 = all
        .iter()
        .enumerate()
        .filter(|(_, (_, is_a))| *is_a)
        .map(|(i, _)| (i + 1) as f64)
        .sum();
    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let sd = (n1 * n2 * (n1 + n2 + 1.0) / 12.0).sqrt();
    let z = (u - mean) / sd;
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (ma, mb) = (a[a.len() / 2], b[b.len() / 2]);
    let diff = (ma - mb).abs();
    let large = diff > 0.25 * ma.min(mb) && diff > 300.0;
    eprintln!("{what}: medians {ma:.0} µs vs {mb:.0} µs, Mann-Whitney z = {z:.2}");
    assert!(
        !(z.abs() > 4.0 && large),
        "{what}: timing differs (medians {ma:.0} µs vs {mb:.0} µs, z = {z:.2})"
    );
}

/// Times two requests, interleaved in a seeded random order, after a warm-up.
fn time_pair(
    mut one: impl FnMut() -> (u16, String),
    mut other: impl FnMut() -> (u16, String),
    rounds: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let (mut a, mut b) = (vec![], vec![]);
    let first = one();
    assert_eq!(first, other(), "the answers differ in status or body");
    for i in 0..rounds + 20 {
        let order = rng.gen_bool(0.5);
        for which in [order, !order] {
            let start = Instant::now();
            let answer = if which { one() } else { other() };
            let t = start.elapsed().as_secs_f64() * 1e6;
            assert_eq!(answer, first);
            if i >= 20 {
                if which {
                    a.push(t)
                } else {
                    b.push(t)
                }
            }
        }
    }
    (a, b)
}

#[test]
fn wrong_ids_answer_identically_in_body_and_time() {
    for db in backends() {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::start(&db, NO_LIMITS);
        second_office(&db, "zweites-amt", dir.path());
        let (b, receipt) = submission(&server.base, "zweites-amt", 10);
        let a = server.send("POST", "/v1/reports", "/v1/reports", &b, None);
        assert_eq!(a.status, 201);
        // The other office's case id, as its officer sees it.
        let theirs: String = {
            use diesel::prelude::*;
            use meldestelle::db::schema::reports;
            let mut conn = db.conn();
            reports::table.select(reports::id).first(&mut conn).unwrap()
        };
        let token = login(&server, "demo", DEMO_IDENTITY);
        let c = client();
        let get = |path: String| {
            let c = &c;
            let token = token.clone();
            let url = server.url(&path);
            move || {
                let r = c.get(&url).bearer_auth(&token).send().unwrap();
                (r.status().as_u16(), r.text().unwrap())
            }
        };
        let (x, y) = time_pair(
            get(format!("/v1/desk/cases/{theirs}")),
            get("/v1/desk/cases/6f1c8d2e-0000-4000-8000-000000000000".into()),
            300,
        );
        assert_same_timing(
            &format!("another office's case vs unknown case on {}", db.name),
            x,
            y,
        );

        let post = |lookup: String| {
            let c = &c;
            let url = server.url("/v1/followup/read");
            let body = ReadRequest {
                lookup_id: LookupId::new(lookup),
            };
            move || {
                let r = c.post(&url).json(&body).send().unwrap();
                (r.status().as_u16(), r.text().unwrap())
            }
        };
        // The real receipt's id with one digit changed, against a malformed id.
        let mut wrong = hex::encode(receipt.lookup_id());
        let flipped = if wrong.starts_with('0') { "1" } else { "0" };
        wrong.replace_range(0..1, flipped);
        let (x, y) = time_pair(post(wrong), post("not-a-lookup-id".into()), 300);
        assert_same_timing(
            &format!("wrong vs malformed lookup id on {}", db.name),
            x,
            y,
        );
    }
}

/// A client that sends headers and then trickles (or withholds) the body gets 408 after
/// `--body-secs`, and its connection is closed: slow clients cannot hold the server.
#[test]
fn a_body_that_does_not_arrive_in_time_is_refused() {
    use std::io::{Read, Write};
    let db = TestDb::sqlite();
    let server = Server::start(&db, &["--body-secs", "1"]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    s.write_all(
        b"POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 20000000\r\n\r\n{\"office\":",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("application/problem+json") && answer.contains("body-timeout"),
        "{answer}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "the connection was closed"
    );
    assert_eq!(db.count("reports"), 0);
}

/// A body trickled at 1 byte/s never pauses long enough for `--body-secs`; the minimum rate
/// that applies after it (`--body-min-rate`, 2 KiB/s) drops it soon after, so 40 such clients
/// on one worker with 32 connections do not keep reports out.
#[test]
fn a_body_trickled_byte_by_byte_is_dropped_while_reports_go_through() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let db = TestDb::sqlite();
    let server = Server::start(
        &db,
        &[
            "--body-secs",
            "2",
            "--workers",
            "1",
            "--max-connections",
            "32",
        ],
    );
    let addr = server.base.trim_start_matches("http://").to_owned();
    let trickle = |addr: String| {
        std::thread::spawn(move || -> (Duration, String) {
            let started = Instant::now();
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            // The read below is the pause between two bytes.
            s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
            let _ = s.write_all(
                b"POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                  Content-Length: 1000000\r\n\r\n",
            );
            let mut answer = Vec::new();
            let mut buf = [0u8; 4096];
            while started.elapsed() < Duration::from_secs(40) {
                if s.write_all(b" ").is_err() {
                    break;
                }
                match s.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => break,
                }
                if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                    break;
                }
            }
            (
                started.elapsed(),
                String::from_utf8_lossy(&answer).into_owned(),
            )
        })
    };
    let tricklers: Vec<_> = (0..40).map(|_| trickle(addr.clone())).collect();
    std::thread::sleep(Duration::from_millis(500));
    for i in 0..2 {
        let (sub, _) = meldestelle::client::submission(
            &server.office("demo"),
            &meldestelle::protocol::document::Document::report(&format!("Meldung {i}")),
        )
        .unwrap();
        let a = server.send("POST", "/v1/reports", "/v1/reports", &sub, None);
        assert_eq!(a.status, 201, "{}", a.body);
    }
    for t in tricklers {
        let (took, answer) = t.join().unwrap();
        // 2 s of grace, then 2 KiB/s owed: the first refused within a second or so; the last
        // ones waited for a connection slot first.
        assert!(
            took < Duration::from_secs(30),
            "held for {took:?}: {answer}"
        );
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "{answer}"
        );
    }
    assert_eq!(db.count("reports"), 2);
}

/// Login challenges are stateless: asking for them, for an officer whose recipient is public
/// in the office's description, writes nothing; only a login (which needs the officer's key)
/// leaves a row, to refuse its challenge a second time.
#[test]
fn a_flood_of_login_challenges_stores_nothing_on_both_backends() {
    use meldestelle::protocol::login::OfficerChallengeRequest;
    for db in backends() {
        let server = Server::start(&db, &[]);
        let request = OfficerChallengeRequest {
            office: "demo".into(),
            recipient: meldestelle::domain::office::DEMO_RECIPIENT.into(),
        };
        for _ in 0..300 {
            let a = server.send(
                "POST",
                "/v1/desk/challenge",
                "/v1/desk/challenge",
                &request,
                None,
            );
            assert_eq!(a.status, 201, "{}", a.body);
        }
        assert_eq!(db.count("challenges"), 0, "{}", db.name);
        login(&server, "demo", DEMO_IDENTITY);
        assert_eq!(db.count("challenges"), 1, "{}", db.name);
    }
}
