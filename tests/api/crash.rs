//! Crash durability: the real server binary under submission load is killed with SIGKILL at
//! random (seeded) moments, 20 times, and restarted; every report that got a `201` must be
//! there afterwards and decrypt with the office key. On SQLite and PostgreSQL.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::*;
use meldestelle::client::{Api, ClientError};
use meldestelle::crypto;
use meldestelle::domain::case::Status;
use meldestelle::protocol::document::Document;
use meldestelle::protocol::reports::{OfficeView, Received, Submission};
use rand::{Rng, SeedableRng};

const ROUNDS: usize = 20;
const SUBMITTERS: usize = 6;
const SEED: u64 = 20261125;

/// One submission attempt; `Some(lookup_id)` if the server answered 201. A connection that
/// breaks (the server is being killed) is `None`, like any answer other than 201.
fn submit_once(api: &Api, office: &OfficeView, text: &str) -> Option<([u8; 32], String)> {
    let (body, receipt) = meldestelle::client::submission(office, &Document::report(text)).ok()?;
    let body = Submission {
        pow: Some(api.proof_of_work().ok()?),
        ..body
    };
    match api.send(reqwest::Method::POST, "/v1/reports", Some(&body)) {
        Ok(r) => {
            let status = r.status().as_u16();
            // A 201 counts only once its whole body arrived: that is when a client knows it.
            let answer: Received = r.json().ok()?;
            (status == 201 && answer.status == Status::Received)
                .then(|| (receipt.lookup_id(), text.to_owned()))
        }
        Err(e @ ClientError::Refused { status, .. }) => {
            assert!(status < 500 || status == 503, "{e}");
            None
        }
        Err(_) => None,
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
        // The office as a client reads it, once: the kills do not change it.
        let office = server.api(None).office("demo").unwrap();
        let acknowledged = Arc::new(Mutex::new(Vec::<([u8; 32], String)>::new()));
        let mut attempts = 0usize;
        for round in 0..ROUNDS {
            let stop = Arc::new(AtomicBool::new(false));
            let base = server.base.clone();
            let threads: Vec<_> = (0..SUBMITTERS)
                .map(|t| {
                    let (stop, base, acked, office) = (
                        stop.clone(),
                        base.clone(),
                        acknowledged.clone(),
                        office.clone(),
                    );
                    let len = 10 + 997 * t;
                    std::thread::spawn(move || {
                        let api = Api::new(&base).unwrap();
                        let mut n = 0;
                        let mut i = 0;
                        while !stop.load(Ordering::Relaxed) {
                            i += 1;
                            let text = format!("r{round} t{t} #{i} {}", "x".repeat(len));
                            match submit_once(&api, &office, &text) {
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
            let doc = Document::parse(&decrypt_demo(ct)).unwrap();
            assert_eq!(doc.text, *text);
        }
        // And the server still serves after the last restart.
        let a = server.call("GET", "/healthz", "/healthz", None, None);
        assert_eq!(a.status, 200);
    }
}
