//! openapi.yaml lists exactly the server's routes, and the server has exactly those.

mod common;

use std::collections::BTreeSet;

use common::*;

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
        resolve(&spec, body)["content"]["application/json"]["schema"].clone()
    };
    let answer = |path: &str, method: &str, status: &str| {
        spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            .clone()
    };
    holds_to(
        &spec,
        &request("/v1/desk/cases/{case}/assignee", "post"),
        &wire::Assign {
            officer: Some("o".into()),
        },
        "Assign",
    );
    holds_to(
        &spec,
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
            &spec,
            &request(path, method),
            &wire::LabelBody {
                ciphertext: "YWdl".into(),
                keyset_version: 1,
            },
            "LabelBody",
        );
    }
    holds_to(
        &spec,
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
        &spec,
        &answer("/v1/desk/officers", "get", "200"),
        &wire::Colleagues {
            officers: vec![colleague.clone()],
        },
        "Colleagues",
    );
    holds_to(
        &spec,
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
        &spec,
        &answer("/v1/desk/labels", "get", "200")["properties"]["labels"]["items"],
        &label,
        "LabelView",
    );
    holds_to(
        &spec,
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
            &spec,
            &answer(path, method, status),
            &wire::LabelSaved { id: "l".into() },
            "LabelSaved",
        );
    }
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    holds_to(
        &spec,
        &answer("/v1/desk/reports", "post", "201"),
        &wire::Recorded {
            id: "c".into(),
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
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let summary = wire::CaseSummary {
        id: "c".into(),
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
    };
    let schemas = &spec["components"]["schemas"];
    holds_to(&spec, &schemas["CaseSummary"], &summary, "CaseSummary");
    holds_to(
        &spec,
        &schemas["CaseSummary"]["properties"]["messages"],
        &summary.messages,
        "MessageCounts",
    );
    let ok = |path: &str, method: &str, status: &str| {
        spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            .clone()
    };
    holds_to(
        &spec,
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
        ciphertext: "YWdl".into(),
        keyset_version: 2,
        seen_by: vec!["o".into()],
    };
    holds_to(
        &spec,
        &opened_schema["properties"]["attachments"]["items"],
        &item,
        "StoredItem",
    );
    holds_to(
        &spec,
        &opened_schema["properties"]["messages"]["items"],
        &message,
        "MessageView",
    );
    holds_to(
        &spec,
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
        &spec,
        new_message,
        &wire::NewMessage {
            ciphertext: "YWdl".into(),
            keyset_version: 2,
        },
        "NewMessage",
    );
    holds_to(
        &spec,
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
    holds_to(&spec, &schemas["Item"], &again, "RewrapItem");
    holds_to(
        &spec,
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
        &spec,
        &ok("/v1/desk/cases/{case}/rewrap", "post", "200"),
        &wire::Rewrapped {
            id: "c".into(),
            keyset_version: 2,
        },
        "Rewrapped",
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
        &spec,
        &schemas["Office"]["properties"]["padding"],
        &padding,
        "Padding",
    );
    holds_to(
        &spec,
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
        &spec,
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
