//! The administrator's command line against a database, on both backends (issue #31).

use crate::helpers::*;

/// `meldestelle analyst add --all-offices` for `recipient`, whatever its exit.
fn add_analyst(db: &TestDb, recipient: &str) -> std::process::Output {
    cli_output(
        &[
            "analyst",
            "add",
            "--database-url",
            &db.url,
            "--name",
            "Analystin",
            "--recipient",
            recipient,
            "--all-offices",
        ],
        None,
    )
}

#[test]
fn analyst_add_refuses_a_recipient_that_is_already_an_active_analyst() {
    for db in backends() {
        cli(&["migrate", "--database-url", &db.url], None);
        let (_, recipient) = meldestelle::crypto::keygen();
        let first = add_analyst(&db, &recipient);
        assert!(first.status.success(), "{}", db.name);
        let second = add_analyst(&db, &recipient);
        let err = String::from_utf8_lossy(&second.stderr);
        assert!(!second.status.success(), "{}: {err}", db.name);
        assert!(
            err.contains("already an active analyst"),
            "{}: {err}",
            db.name
        );
        assert_eq!(db.count("analysts"), 1, "{}", db.name);
        assert_eq!(db.count("analyst_grants"), 0, "{}", db.name);

        // Once removed, the same key may be added again (as with officers).
        let out = String::from_utf8_lossy(&first.stdout);
        let id = out
            .strip_prefix("analyst ")
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or_else(|| panic!("{}: {out}", db.name));
        cli(
            &[
                "analyst",
                "remove",
                "--database-url",
                &db.url,
                "--analyst",
                id,
            ],
            None,
        );
        assert!(add_analyst(&db, &recipient).status.success(), "{}", db.name);
        assert_eq!(db.count("analysts"), 2, "{}", db.name);
    }
}
