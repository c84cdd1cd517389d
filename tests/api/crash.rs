//! Crash durability: the real server binary under submission load is killed with SIGKILL at
//! random (seeded) moments, 20 times, and restarted; every report that got a `201` must be
//! there afterwards and decrypt with the office key. On SQLite and PostgreSQL.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::*;
use base64::Engine;
use meldestelle::crypto::{self, padding, receipt::Receipt};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

const ROUNDS: usize = 20;
const SUBMITTERS: usize = 6;
const SEED: u64 = 20261125;

/// One submission attempt; `Some(lookup_id)` if the server answered 201.
fn submit_once(
    c: &reqwest::blocking::Client,
    base: &str,
    recipients: &[String],
    text: &str,
) -> Option<([u8; 32], String)> {
    let doc = serde_json::to_vec(&json!({"v": 1, "kind": "report", "text": text})).ok()?;
    let padded = padding::pad(doc, &padding::Buckets::new(1024 * 1024), b' ')?;
    let receipt = Receipt::generate();
    let mut to = recipients.to_vec();
    to.push(receipt.reply_identity().to_public().to_string());
    let ct = crypto::encrypt(&padded, &to).ok()?;
    let ch: meldestelle::domain::pow::Challenge =
        c.get(format!("{base}/v1/pow")).send().ok()?.json().ok()?;
    let pow = meldestelle::domain::pow::solve(&ch);
    let body = json!({
        "office": "demo",
        "keyset_version": 1,
        "ciphertext": base64::engine::general_purpose::STANDARD.encode(ct),
        "reply_recipient": receipt.reply_identity().to_public().to_string(),
        "lookup_id": hex::encode(receipt.lookup_id()),
        "pow": pow,
    });
    let r = c
        .post(format!("{base}/v1/reports"))
        .json(&body)
        .send()
        .ok()?;
    let status = r.status().as_u16();
    // A 201 counts only once its whole body arrived: that is when a client knows it.
    let answer: Value = r.json().ok()?;
    if status == 201 && answer["status"] == "received" {
        Some((receipt.lookup_id(), text.to_owned()))
    } else {
        assert!(status < 500 || status == 503, "{status} {answer}");
        None
    }
}

#[test]
fn acknowledged_reports_survive_sigkill_under_load() {
    for db in backends() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(SEED);
        let mut server = Server::start(
            &db,
            &[
                "--submissions-per-sec",
                "100000",
                "--office-submissions-per-sec",
                "100000",
                "--pow-bits",
                "4",
            ],
        );
        let recipients = vec![std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/keys/demo-office.recipients"
        ))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("age1"))
        .unwrap()
        .to_owned()];
        let acknowledged = Arc::new(Mutex::new(Vec::<([u8; 32], String)>::new()));
        let mut attempts = 0usize;
        for round in 0..ROUNDS {
            let stop = Arc::new(AtomicBool::new(false));
            let base = server.base.clone();
            let threads: Vec<_> = (0..SUBMITTERS)
                .map(|t| {
                    let (stop, base, acked, recipients) = (
                        stop.clone(),
                        base.clone(),
                        acknowledged.clone(),
                        recipients.clone(),
                    );
                    let len = 10 + 997 * t;
                    std::thread::spawn(move || {
                        let c = client();
                        let mut n = 0;
                        let mut i = 0;
                        while !stop.load(Ordering::Relaxed) {
                            i += 1;
                            let text = format!("r{round} t{t} #{i} {}", "x".repeat(len));
                            match submit_once(&c, &base, &recipients, &text) {
                                Some(ok) => acked.lock().unwrap().push(ok),
                                None => std::thread::sleep(Duration::from_millis(5)),
                            }
                            n += 1;
                        }
                        n
                    })
                })
                .collect();
            std::thread::sleep(Duration::from_millis(rng.gen_range(150..900)));
            server.kill();
            stop.store(true, Ordering::Relaxed);
            for t in threads {
                attempts += t.join().unwrap();
            }
            server.restart();
        }
        // Verify against the database, with the server running again.
        let stored: HashMap<Vec<u8>, Vec<u8>> = {
            use diesel::prelude::*;
            use meldestelle::db::schema::reports;
            let mut conn = db.conn();
            reports::table
                .select((reports::lookup_hash, reports::ciphertext))
                .load::<(Vec<u8>, Vec<u8>)>(&mut conn)
                .unwrap()
                .into_iter()
                .collect()
        };
        let acknowledged = acknowledged.lock().unwrap();
        eprintln!(
            "{}: {ROUNDS} kills, {attempts} attempts, {} acknowledged, {} stored",
            db.name,
            acknowledged.len(),
            stored.len()
        );
        assert!(
            acknowledged.len() >= ROUNDS,
            "too little load to mean anything"
        );
        for (lookup_id, text) in acknowledged.iter() {
            let ct = stored
                .get(crypto::sha256(lookup_id).as_slice())
                .unwrap_or_else(|| panic!("an acknowledged report is missing on {}", db.name));
            let doc: Value = serde_json::from_slice(&decrypt_demo(ct)).unwrap();
            assert_eq!(doc["text"], text.as_str());
        }
        // And the server still serves after the last restart.
        let a = server.call("GET", "/healthz", "/healthz", None, None);
        assert_eq!(a.status, 200);
    }
}
