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
