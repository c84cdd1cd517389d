//! openapi.yaml lists exactly the server's routes, and the server has exactly those.

use std::collections::BTreeSet;

use crate::helpers::*;

fn spec_routes() -> BTreeSet<(String, String)> {
    let spec = openapi();
    let mut out = BTreeSet::new();
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        for (method, _) in item.as_mapping().unwrap() {
            let m = method.as_str().unwrap();
            if ["get", "post", "put", "patch", "delete"].contains(&m) {
                out.insert((m.to_uppercase(), path.as_str().unwrap().to_owned()));
            }
        }
    }
    out
}

#[test]
fn openapi_lists_exactly_the_server_routes() {
    let code: BTreeSet<(String, String)> = meldestelle::api::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(spec_routes(), code);
}

/// Fills path parameters with harmless example values.
fn example_path(template: &str) -> String {
    template
        .split('/')
        .map(|seg| match seg {
            "{office}" => "demo".to_owned(),
            s if s.starts_with('{') => "00000000-0000-0000-0000-000000000000".to_owned(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_route_exists_and_other_methods_answer_405() {
    let db = TestDb::sqlite();
    let server = Server::start(&db, &[]);
    let c = client();
    let routes = spec_routes();
    let paths: BTreeSet<&String> = routes.iter().map(|(_, p)| p).collect();
    for path in paths {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let resp = c
                .request(method.parse().unwrap(), server.url(&example_path(path)))
                .send()
                .unwrap();
            let status = resp.status().as_u16();
            let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
            let body = resp.text().unwrap();
            if routes.contains(&(method.to_owned(), path.clone())) {
                assert_ne!(status, 405, "{method} {path} should exist");
                assert!(
                    !body.contains("problem:not-found\""),
                    "{method} {path} is not routed: {body}"
                );
                assert_contract(method, path, status, &ct, &body);
            } else {
                assert_eq!(status, 405, "{method} {path}: {body}");
                assert_eq!(ct, "application/problem+json");
            }
        }
    }
    let resp = c.get(server.url("/no/such/route")).send().unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
}

#[test]
fn every_response_carries_the_security_headers() {
    let db = TestDb::sqlite();
    let server = Server::start(&db, &[]);
    for path in ["/healthz", "/v1/offices/demo", "/v1/taxonomy", "/nowhere"] {
        let resp = client().get(server.url(path)).send().unwrap();
        let h = resp.headers();
        assert_eq!(h["cache-control"], "no-store", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert!(h.contains_key("permissions-policy"));
        assert!(!h.contains_key("set-cookie"));
        assert!(!h.contains_key("strict-transport-security"));
    }
    let db = TestDb::sqlite();
    let server = Server::start(&db, &["--hsts"]);
    let resp = client().get(server.url("/healthz")).send().unwrap();
    assert!(resp.headers().contains_key("strict-transport-security"));
}

/// A schema with `$ref`s followed, from the root of openapi.yaml.
fn resolve<'a>(
    spec: &'a serde_yaml::Value,
    schema: &'a serde_yaml::Value,
) -> &'a serde_yaml::Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let mut at = spec;
            for part in r.trim_start_matches("#/").split('/') {
                at = &at[part];
            }
            resolve(spec, at)
        }
        None => schema,
    }
}

/// The property names and the required names of an object schema.
fn fields(
    spec: &serde_yaml::Value,
    schema: &serde_yaml::Value,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let s = resolve(spec, schema);
    let names = |v: &serde_yaml::Value| -> BTreeSet<String> {
        v.as_mapping()
            .map(|m| {
                m.keys()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .or_else(|| {
                v.as_sequence().map(|q| {
                    q.iter()
                        .filter_map(|k| k.as_str().map(str::to_owned))
                        .collect()
                })
            })
            .unwrap_or_default()
    };
    (names(&s["properties"]), names(&s["required"]))
}

/// A wire type's value as JSON holds exactly the schema's properties, every required one
/// among them; and the JSON it makes parses back to the same value.
fn holds_to<T>(spec: &serde_yaml::Value, schema: &serde_yaml::Value, value: &T, what: &str)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_value(value).unwrap();
    let keys: BTreeSet<String> = json.as_object().unwrap().keys().cloned().collect();
    let (props, required) = fields(spec, schema);
    assert!(!props.is_empty(), "{what}: no schema in openapi.yaml");
    assert_eq!(
        keys, props,
        "{what}: the type and openapi.yaml name other fields"
    );
    assert!(
        required.is_subset(&keys),
        "{what}: required {required:?}, sent {keys:?}"
    );
    let back: T = serde_json::from_value(json).unwrap();
    assert_eq!(&back, value, "{what}: does not parse back");
}

#[test]
fn the_casework_wire_types_are_the_contract() {
    use meldestelle::protocol::casework as wire;
    let spec = openapi();
    let request = |path: &str, method: &str| {
        let body = &spec["paths"][path][method]["requestBody"];
        resolve(spec, body)["content"]["application/json"]["schema"].clone()
    };
    let answer = |path: &str, method: &str, status: &str| {
        spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            .clone()
    };
    holds_to(
        spec,
        &request("/v1/desk/cases/{case}/assignee", "post"),
        &wire::Assign {
            officer: Some("o".into()),
        },
        "Assign",
    );
    holds_to(
        spec,
        &request("/v1/desk/cases/{case}/labels", "put"),
        &wire::CaseLabels {
            labels: vec!["l".into()],
        },
        "CaseLabels",
    );
    for (path, method) in [
        ("/v1/desk/labels", "post"),
        ("/v1/desk/labels/{label}", "put"),
    ] {
        holds_to(
            spec,
            &request(path, method),
            &wire::LabelBody {
                ciphertext: "YWdl".into(),
                keyset_version: 1,
            },
            "LabelBody",
        );
    }
    holds_to(
        spec,
        &request("/v1/desk/reports", "post"),
        &wire::RecordedReport {
            keyset_version: 1,
            ciphertext: "YWdl".into(),
            reply_recipient: "age1…".into(),
            lookup_id: meldestelle::protocol::ids::LookupId::new("00".repeat(32)),
            attachments: vec![],
        },
        "RecordedReport",
    );
    let colleague = wire::Colleague {
        id: "o".into(),
        display_name: "Erika".into(),
    };
    holds_to(
        spec,
        &answer("/v1/desk/officers", "get", "200"),
        &wire::Colleagues {
            officers: vec![colleague.clone()],
        },
        "Colleagues",
    );
    holds_to(
        spec,
        &answer("/v1/desk/officers", "get", "200")["properties"]["officers"]["items"],
        &colleague,
        "Colleague",
    );
    let label = wire::LabelView {
        id: "l".into(),
        ciphertext: "YWdl".into(),
        keyset_version: 2,
    };
    holds_to(
        spec,
        &answer("/v1/desk/labels", "get", "200")["properties"]["labels"]["items"],
        &label,
        "LabelView",
    );
    holds_to(
        spec,
        &answer("/v1/desk/labels", "get", "200"),
        &wire::Labels {
            labels: vec![label],
        },
        "Labels",
    );
    for (path, method, status) in [
        ("/v1/desk/labels", "post", "201"),
        ("/v1/desk/labels/{label}", "put", "200"),
    ] {
        holds_to(
            spec,
            &answer(path, method, status),
            &wire::LabelSaved { id: "l".into() },
            "LabelSaved",
        );
    }
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    holds_to(
        spec,
        &answer("/v1/desk/reports", "post", "201"),
        &wire::Recorded {
            id: "c".into(),
            reference: "7QK2-M9XD".into(),
            status: meldestelle::domain::case::Status::Received,
            received_on: day,
            ack_due: day,
            feedback_due: day,
        },
        "Recorded",
    );
}

#[test]
fn the_desk_wire_types_are_the_contract() {
    use meldestelle::domain::workflow::Direction;
    use meldestelle::protocol::desk as wire;
    let spec = openapi();
    holds_to(
        spec,
        answer_schema(spec, "/v1/desk/contents", "get", "200"),
        &wire::Contents {
            total: 1,
            cases: vec![wire::CaseContents {
                id: "c".into(),
                keyset_version: 1,
                report: "YWdl".into(),
                messages: vec![wire::ContentItem {
                    id: "m".into(),
                    direction: Direction::Note,
                    keyset_version: 1,
                    ciphertext: "YWdl".into(),
                }],
            }],
        },
        "Contents",
    );
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let summary = wire::CaseSummary {
        id: "c".into(),
        reference: "7QK2-M9XD".into(),
        status: meldestelle::domain::case::Status::Acknowledged,
        keyset_version: 2,
        received_on: day,
        acknowledged_on: Some(day),
        ack_due: day,
        feedback_due: day,
        closed_on: None,
        delete_after: None,
        ack_overdue: false,
        feedback_overdue: true,
        due_soon: true,
        messages: wire::MessageCounts {
            from_reporter: 2,
            from_office: 1,
            notes: 1,
            unread_from_reporter: 1,
        },
        assignee: Some("o".into()),
        labels: vec!["l".into()],
        opened: false,
    };
    let schemas = &spec["components"]["schemas"];
    holds_to(spec, &schemas["CaseSummary"], &summary, "CaseSummary");
    holds_to(
        spec,
        &schemas["CaseSummary"]["properties"]["messages"],
        &summary.messages,
        "MessageCounts",
    );
    let ok = |path: &str, method: &str, status: &str| {
        spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            .clone()
    };
    holds_to(
        spec,
        &ok("/v1/desk/cases", "get", "200"),
        &wire::Inbox {
            today: day,
            office: "demo".into(),
            cases: vec![summary.clone()],
        },
        "Inbox",
    );
    let opened_schema = ok("/v1/desk/cases/{case}", "get", "200");
    let item = wire::StoredItem {
        id: "a".into(),
        ciphertext: "YWdl".into(),
        keyset_version: 1,
    };
    let message = wire::MessageView {
        id: "m".into(),
        direction: Direction::Reporter,
        created_on: day,
        author: Some("o".into()),
        written_at: Some(chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap()),
        ciphertext: "YWdl".into(),
        keyset_version: 2,
        seen_by: vec!["o".into()],
    };
    holds_to(
        spec,
        &opened_schema["properties"]["attachments"]["items"],
        &item,
        "StoredItem",
    );
    holds_to(
        spec,
        &opened_schema["properties"]["messages"]["items"],
        &message,
        "MessageView",
    );
    holds_to(
        spec,
        &opened_schema,
        &wire::OpenedCase {
            case: summary,
            reply_recipient: "age1…".into(),
            ciphertext: "YWdl".into(),
            report_seen_by: vec!["o".into()],
            attachments: vec![item],
            messages: vec![message],
        },
        "OpenedCase",
    );
    let new_message =
        &spec["components"]["requestBodies"]["Ciphertext"]["content"]["application/json"]["schema"];
    holds_to(
        spec,
        new_message,
        &wire::NewMessage {
            ciphertext: "YWdl".into(),
            keyset_version: 2,
        },
        "NewMessage",
    );
    holds_to(
        spec,
        &spec["components"]["responses"]["MessageCreated"]["content"]["application/json"]["schema"],
        &wire::MessageCreated {
            id: "m".into(),
            created_on: day,
        },
        "MessageCreated",
    );
    let rewrap = &spec["paths"]["/v1/desk/cases/{case}/rewrap"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    let again = wire::RewrapItem {
        id: "m".into(),
        ciphertext: "YWdl".into(),
    };
    holds_to(spec, &schemas["Item"], &again, "RewrapItem");
    holds_to(
        spec,
        rewrap,
        &wire::Rewrap {
            keyset_version: 2,
            ciphertext: "YWdl".into(),
            attachments: vec![again.clone()],
            messages: vec![again],
        },
        "Rewrap",
    );
    holds_to(
        spec,
        &ok("/v1/desk/cases/{case}/rewrap", "post", "200"),
        &wire::Rewrapped {
            id: "c".into(),
            keyset_version: 2,
        },
        "Rewrapped",
    );
    let item = wire::RewrapItem {
        id: "m".into(),
        ciphertext: "YWdl".into(),
    };
    holds_to(
        spec,
        &ok("/v1/desk/rewrap", "get", "200"),
        &wire::RewrapPending {
            keyset_version: 2,
            remaining: 1,
            cases: vec![wire::PendingRewrap {
                id: "c".into(),
                reply_recipient: "age1x".into(),
                report: "YWdl".into(),
                attachments: vec![item.clone()],
                messages: vec![wire::ContentItem {
                    id: "m".into(),
                    direction: meldestelle::domain::workflow::Direction::Note,
                    keyset_version: 1,
                    ciphertext: "YWdl".into(),
                }],
            }],
        },
        "RewrapPending",
    );
    holds_to(
        spec,
        &spec["paths"]["/v1/desk/rewrap"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"],
        &wire::RewrapBatch {
            keyset_version: 2,
            cases: vec![wire::CaseRewrap {
                id: "c".into(),
                ciphertext: "YWdl".into(),
                attachments: vec![item.clone()],
                messages: vec![item],
            }],
        },
        "RewrapBatch",
    );
    holds_to(
        spec,
        &ok("/v1/desk/rewrap", "post", "200"),
        &wire::RewrapBatchDone {
            keyset_version: 2,
            rewrapped: vec!["c".into()],
            changed: vec![],
        },
        "RewrapBatchDone",
    );
}

#[test]
fn the_reporter_wire_types_are_the_contract() {
    use meldestelle::protocol::reports as wire;
    let spec = openapi();
    let schemas = &spec["components"]["schemas"];
    let padding = wire::Padding {
        buckets: vec![1024, 4096],
        step: 65536,
        max_plaintext: 1 << 20,
        max_attachment: 1 << 20,
        max_attachments: 3,
        max_body: 1 << 22,
        max_message_body: 1 << 21,
    };
    holds_to(
        spec,
        &schemas["Office"]["properties"]["padding"],
        &padding,
        "Padding",
    );
    holds_to(
        spec,
        &schemas["Office"],
        &wire::OfficeView {
            slug: "demo".into(),
            name: "Demo".into(),
            municipality: "Demostadt".into(),
            land: "BE".into(),
            size_class: "over_100k".into(),
            keyset_version: 1,
            recipients: vec!["age1…".into()],
            padding,
            taxonomy_version: 1,
        },
        "OfficeView",
    );
    // `stats` is refused when present and never sent: not part of the contract.
    holds_to(
        spec,
        &schemas["Submission"],
        &wire::Submission {
            office: "demo".into(),
            keyset_version: 1,
            ciphertext: "YWdl".into(),
            reply_recipient: "age1…".into(),
            lookup_id: meldestelle::protocol::ids::LookupId::new("00".repeat(32)),
            attachments: vec!["YWdl".into()],
            stats: None,
            pow: Some(meldestelle::domain::pow::PowToken {
                challenge: "c".into(),
                nonces: vec!["1".into()],
            }),
        },
        "Submission",
    );
}

/// The request body schema and the answer schema of an operation.
fn request_schema<'a>(
    spec: &'a serde_yaml::Value,
    path: &str,
    method: &str,
) -> &'a serde_yaml::Value {
    &resolve(spec, &spec["paths"][path][method]["requestBody"])["content"]["application/json"]
        ["schema"]
}

fn answer_schema<'a>(
    spec: &'a serde_yaml::Value,
    path: &str,
    method: &str,
    status: &str,
) -> &'a serde_yaml::Value {
    resolve(
        spec,
        &spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"],
    )
}

#[test]
fn the_login_wire_types_are_the_contract() {
    use meldestelle::protocol::ids::{ChallengeSecret, Token};
    use meldestelle::protocol::login as wire;
    let spec = openapi();
    let at = chrono::DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
        .unwrap()
        .to_utc();
    holds_to(
        spec,
        request_schema(spec, "/v1/desk/challenge", "post"),
        &wire::OfficerChallengeRequest {
            office: "demo".into(),
            recipient: "age1…".into(),
        },
        "OfficerChallengeRequest",
    );
    holds_to(
        spec,
        request_schema(spec, "/v1/analyst/challenge", "post"),
        &wire::AnalystChallengeRequest {
            recipient: "age1…".into(),
        },
        "AnalystChallengeRequest",
    );
    let challenge = wire::Challenge {
        challenge_id: "c".into(),
        challenge: "YWdl".into(),
        expires_at: at,
    };
    let session = wire::SessionRequest {
        challenge_id: "c".into(),
        secret: ChallengeSecret::new("s"),
    };
    for kind in ["desk", "analyst"] {
        let (ch, s) = (
            format!("/v1/{kind}/challenge"),
            format!("/v1/{kind}/session"),
        );
        holds_to(
            spec,
            answer_schema(spec, &ch, "post", "201"),
            &challenge,
            "Challenge",
        );
        holds_to(
            spec,
            request_schema(spec, &s, "post"),
            &session,
            "SessionRequest",
        );
    }
    let officer = wire::OfficerView {
        id: "o".into(),
        display_name: "Erika".into(),
        office: "demo".into(),
    };
    let desk = answer_schema(spec, "/v1/desk/session", "post", "201");
    holds_to(
        spec,
        &desk["properties"]["officer"],
        &officer,
        "OfficerView",
    );
    holds_to(
        spec,
        desk,
        &wire::OfficerSession {
            token: Token::new("t"),
            expires_at: at,
            officer,
            audit_head: Some("1:ab".into()),
        },
        "OfficerSession",
    );
    let analyst = wire::AnalystView {
        id: "a".into(),
        display_name: "Ana".into(),
        offices: vec!["demo".into()],
    };
    let answer = answer_schema(spec, "/v1/analyst/session", "post", "201");
    holds_to(
        spec,
        &answer["properties"]["analyst"],
        &analyst,
        "AnalystView",
    );
    holds_to(
        spec,
        answer,
        &wire::AnalystSession {
            token: Token::new("t"),
            expires_at: at,
            analyst,
        },
        "AnalystSession",
    );
}

#[test]
fn the_followup_wire_types_are_the_contract() {
    use meldestelle::domain::workflow::Direction;
    use meldestelle::protocol::followup as wire;
    use meldestelle::protocol::ids::LookupId;
    let spec = openapi();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    holds_to(
        spec,
        request_schema(spec, "/v1/followup/read", "post"),
        &wire::ReadRequest {
            lookup_id: LookupId::new("00"),
        },
        "ReadRequest",
    );
    let message = wire::ReporterMessage {
        direction: Direction::Office,
        created_on: day,
        ciphertext: "YWdl".into(),
    };
    let read = answer_schema(spec, "/v1/followup/read", "post", "200");
    holds_to(
        spec,
        &read["properties"]["messages"]["items"],
        &message,
        "ReporterMessage",
    );
    holds_to(
        spec,
        read,
        &wire::ReporterCase {
            office: "demo".into(),
            reference: "7QK2-M9XD".into(),
            report: "YWdl".into(),
            status: meldestelle::domain::case::Status::Received,
            received_on: day,
            ack_due: day,
            feedback_due: day,
            messages: vec![message],
        },
        "ReporterCase",
    );
    holds_to(
        spec,
        request_schema(spec, "/v1/followup/messages", "post"),
        &wire::ReporterMessageRequest {
            lookup_id: LookupId::new("00"),
            ciphertext: "YWdl".into(),
            keyset_version: 1,
            pow: Some(meldestelle::domain::pow::PowToken {
                challenge: "c".into(),
                nonces: vec!["1".into()],
            }),
        },
        "ReporterMessageRequest",
    );
    holds_to(
        spec,
        answer_schema(spec, "/v1/followup/messages", "post", "201"),
        &wire::ReporterMessageCreated { created_on: day },
        "ReporterMessageCreated",
    );
}

#[test]
fn the_enrollment_wire_types_are_the_contract() {
    use meldestelle::protocol::enroll as wire;
    use meldestelle::protocol::ids::InvitationToken;
    let spec = openapi();
    holds_to(
        spec,
        request_schema(spec, "/v1/desk/invitation", "post"),
        &wire::InvitationRequest {
            token: InvitationToken::new("ab"),
        },
        "InvitationRequest",
    );
    holds_to(
        spec,
        answer_schema(spec, "/v1/desk/invitation", "post", "200"),
        &wire::Invitation {
            office: "demo".into(),
            office_name: "Demo".into(),
            display_name: "Erika".into(),
            expires_at: chrono::DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
                .unwrap()
                .to_utc(),
        },
        "Invitation",
    );
    let passkey = wire::Passkey {
        credential: "AGE-PLUGIN-FIDO2PRF-1X".into(),
        wrapped: "YWdl".into(),
    };
    let enroll = request_schema(spec, "/v1/desk/enroll", "post");
    holds_to(spec, &enroll["properties"]["passkey"], &passkey, "Passkey");
    holds_to(
        spec,
        enroll,
        &wire::EnrollRequest {
            token: InvitationToken::new("ab"),
            recipient: "age1…".into(),
            passkey: Some(passkey.clone()),
        },
        "EnrollRequest",
    );
    let enrolled = answer_schema(spec, "/v1/desk/enroll", "post", "201");
    let officer = meldestelle::protocol::login::OfficerView {
        id: "o".into(),
        display_name: "Erika".into(),
        office: "demo".into(),
    };
    holds_to(
        spec,
        &enrolled["properties"]["officer"],
        &officer,
        "OfficerView",
    );
    holds_to(
        spec,
        enrolled,
        &wire::Enrolled {
            officer,
            keyset_version: 2,
        },
        "Enrolled",
    );
    holds_to(
        spec,
        request_schema(spec, "/v1/desk/passkeys", "post"),
        &wire::PasskeysRequest {
            office: "demo".into(),
        },
        "PasskeysRequest",
    );
    let passkeys = answer_schema(spec, "/v1/desk/passkeys", "post", "200");
    holds_to(
        spec,
        &passkeys["properties"]["passkeys"]["items"],
        &passkey,
        "Passkey",
    );
    holds_to(
        spec,
        passkeys,
        &wire::Passkeys {
            passkeys: vec![passkey.clone()],
        },
        "Passkeys",
    );
}

#[test]
fn the_statistics_wire_types_are_the_contract() {
    use meldestelle::protocol::stats as wire;
    let spec = openapi();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
    holds_to(
        spec,
        request_schema(spec, "/v1/desk/stats/contributions", "post"),
        &wire::Contribution {
            quarter: "2026-Q1".into(),
            records: vec![meldestelle::domain::stats::taxonomy::Answers::default()],
        },
        "Contribution",
    );
    holds_to(
        spec,
        answer_schema(spec, "/v1/desk/stats/contributions", "post", "201"),
        &wire::Contributed {
            quarter: "2026-Q1".into(),
            records: 3,
        },
        "Contributed",
    );
    let quarter = wire::QuarterState {
        quarter: "2026-Q1".into(),
        cases: 3,
        contributed: 3,
        confirmed: true,
        frozen: false,
    };
    let listed = answer_schema(spec, "/v1/desk/stats/contributions", "get", "200");
    holds_to(
        spec,
        &listed["properties"]["quarters"]["items"],
        &quarter,
        "QuarterState",
    );
    holds_to(
        spec,
        listed,
        &wire::Contributions {
            quarters: vec![quarter],
            current: wire::CurrentQuarter {
                quarter: "2026-Q3".into(),
                cases: 2,
                contribute_from: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            },
        },
        "Contributions",
    );
    holds_to(
        spec,
        request_schema(spec, "/v1/stats/releases", "post"),
        &wire::ReleaseRequest {
            period: "2026".into(),
        },
        "ReleaseRequest",
    );
    holds_to(
        spec,
        answer_schema(spec, "/v1/stats/releases", "post", "201"),
        &wire::Released {
            period: "2026".into(),
            released_on: day,
            offices: vec!["demo".into()],
            rules: serde_json::json!({"threshold": 5}),
        },
        "Released",
    );
    let entry = wire::ReleaseEntry {
        period: "2026".into(),
        released_on: day,
    };
    let releases = answer_schema(spec, "/v1/stats/releases", "get", "200");
    holds_to(
        spec,
        &releases["properties"]["releases"]["items"],
        &entry,
        "ReleaseEntry",
    );
    holds_to(
        spec,
        releases,
        &wire::Releases {
            releases: vec![entry],
        },
        "Releases",
    );
}

#[test]
fn the_remaining_wire_types_are_the_contract() {
    use meldestelle::protocol::{desk, reports};
    let spec = openapi();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    holds_to(
        spec,
        request_schema(spec, "/v1/desk/cases/{case}/status", "post"),
        &desk::StatusChange {
            status: meldestelle::domain::case::Status::Closed,
            classification: None,
        },
        "StatusChange",
    );
    holds_to(
        spec,
        request_schema(spec, "/v1/desk/cases/{case}/retention", "post"),
        &desk::Retention {
            delete_after: day,
            reason: "Gerichtsverfahren".into(),
        },
        "Retention",
    );
    holds_to(
        spec,
        request_schema(spec, "/v1/desk/cases/{case}/forwards", "post"),
        &desk::Forward {
            recipient: Some("age1…".into()),
            passphrase: false,
        },
        "Forward",
    );
    holds_to(
        spec,
        answer_schema(spec, "/v1/desk/cases/{case}/forwards", "post", "201"),
        &desk::Forwarded {
            fingerprint: "SHA256:00".into(),
        },
        "Forwarded",
    );
    let entry = reports::OfficeEntry {
        slug: "demo".into(),
        name: "Demo".into(),
        municipality: "Demostadt".into(),
    };
    let list = answer_schema(spec, "/v1/offices", "get", "200");
    holds_to(
        spec,
        &list["properties"]["offices"]["items"],
        &entry,
        "OfficeEntry",
    );
    holds_to(
        spec,
        list,
        &reports::OfficeList {
            default: Some("demo".into()),
            offices: vec![entry],
        },
        "OfficeList",
    );
    holds_to(
        spec,
        answer_schema(spec, "/v1/reports", "post", "201"),
        &reports::Received {
            reference: "7QK2-M9XD".into(),
            status: meldestelle::domain::case::Status::Received,
            received_on: day,
            ack_due: day,
            feedback_due: day,
        },
        "Received",
    );
    holds_to(
        spec,
        answer_schema(spec, "/healthz", "get", "200"),
        &reports::Health {
            status: "ok".into(),
        },
        "Health",
    );
}

#[test]
fn the_taxonomy_is_the_contract_and_the_server_sends_all_of_it() {
    use meldestelle::protocol::reports::{Taxonomy, TaxonomyField};
    let spec = openapi();
    let field = TaxonomyField {
        name: "incident_type".into(),
        multi: false,
        max: 1,
        values: vec!["threat".into()],
    };
    let schema = &spec["components"]["schemas"]["Taxonomy"];
    holds_to(
        spec,
        &schema["properties"]["fields"]["items"],
        &field,
        "TaxonomyField",
    );
    holds_to(
        spec,
        schema,
        &Taxonomy {
            version: 1,
            fields: vec![field],
        },
        "Taxonomy",
    );
    let db = TestDb::sqlite();
    let server = Server::start(&db, &[]);
    let t: Taxonomy = server
        .call("GET", "/v1/taxonomy", "/v1/taxonomy", None, None)
        .parse();
    assert_eq!(t.version, meldestelle::domain::stats::taxonomy::VERSION);
    assert_eq!(
        t.fields.len(),
        meldestelle::domain::stats::taxonomy::FIELDS.len()
    );
    for (sent, field) in t
        .fields
        .iter()
        .zip(meldestelle::domain::stats::taxonomy::FIELDS)
    {
        assert_eq!(sent.name, field.name);
        assert_eq!(sent.values, field.values);
    }
}

#[test]
fn the_problem_body_is_the_contract() {
    use meldestelle::protocol::problem::Problem;
    let spec = openapi();
    let problem = Problem::new(409, "stale-keyset", "The key set changed").detail("reload");
    holds_to(
        spec,
        &spec["components"]["schemas"]["Problem"],
        &problem,
        "Problem",
    );
    // Extension members travel beside the standard ones and come back.
    let with = problem.with("current_keyset_version", serde_json::Value::from(3));
    let json = serde_json::to_value(&with).unwrap();
    assert_eq!(json["current_keyset_version"], 3);
    assert_eq!(json["type"], "urn:meldestelle:problem:stale-keyset");
    let back: Problem = serde_json::from_value(json).unwrap();
    assert_eq!(back, with);
    assert_eq!(back.name(), "stale-keyset");
}

/// Every answer the server sends on a real run parses as its wire type: the types are not only
/// like the contract on paper, the server fills them.
#[test]
fn the_server_answers_parse_as_their_wire_types() {
    use meldestelle::protocol::{desk, login, reports};
    let db = TestDb::sqlite();
    let server = Server::start(&db, &["--default-office", "demo"]);
    let health = server.call("GET", "/healthz", "/healthz", None, None);
    assert_eq!(health.parse::<reports::Health>().status, "ok");
    let list: reports::OfficeList = server
        .call("GET", "/v1/offices", "/v1/offices", None, None)
        .parse();
    assert_eq!(list.default.as_deref(), Some("demo"));
    let office = server.office("demo");
    let (sub, receipt) = meldestelle::client::submission(
        &office,
        &meldestelle::protocol::document::Document::report("Vorfall"),
    )
    .unwrap();
    let received: reports::Received = server
        .send("POST", "/v1/reports", "/v1/reports", &sub, None)
        .parse();
    let api = server.api(None);
    let ids = demo_identities();
    let session =
        meldestelle::client::login::officer(&api, "demo", &recipient_of(DEMO_IDENTITY), &ids)
            .unwrap();
    assert_eq!(session.officer.office, "demo");
    let token = session.token.expose().to_owned();
    let inbox: desk::Inbox = server
        .call(
            "GET",
            "/v1/desk/cases",
            "/v1/desk/cases",
            None,
            Some(&token),
        )
        .parse();
    assert_eq!(inbox.cases.len(), 1);
    assert_eq!(inbox.cases[0].received_on, received.received_on);
    let case = meldestelle::client::followup::read(&api, &receipt).unwrap();
    assert_eq!(case.office, "demo");
    let doc = meldestelle::client::followup::open(&receipt, &case.report).unwrap();
    assert_eq!(doc.text, "Vorfall");
    let _: login::OfficerSession = session;
}
