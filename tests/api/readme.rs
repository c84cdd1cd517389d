//! The README's hand-made submission with the reference `age` tool and curl works verbatim.

use crate::helpers::*;

fn readme_block(marker: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let after = readme
        .split(&format!("<!-- readme-test: {marker} -->"))
        .nth(1)
        .expect("marker in README");
    let block = after
        .split("```sh\n")
        .nth(1)
        .expect("code block after marker");
    block.split("\n```").next().unwrap().to_owned()
}

fn have(tool: &str) -> bool {
    std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn readme_age_cli_example_works_verbatim() {
    // Missing tools fail the test: the README's example must really run.
    require_age();
    assert!(have("curl"), "curl is missing: install Debian's curl");
    for db in backends() {
        let server = Server::start(&db, &[]);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("keys")).unwrap();
        std::fs::copy(
            concat!(env!("CARGO_MANIFEST_DIR"), "/keys/demo-office.recipients"),
            dir.path().join("keys/demo-office.recipients"),
        )
        .unwrap();
        let out = std::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", &readme_block("age-cli")])
            .current_dir(dir.path())
            .env("SERVER", &server.base)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let answer: serde_json::Value = serde_json::from_str(&stdout).expect("JSON answer");
        assert_eq!(answer["status"], "received");
        let stored = db.ciphertexts();
        assert_eq!(stored.len(), 1);
        let doc: serde_json::Value = serde_json::from_slice(&decrypt_demo(&stored[0])).unwrap();
        assert_eq!(doc["text"], "Beispielbericht von der Kommandozeile");
    }
}
