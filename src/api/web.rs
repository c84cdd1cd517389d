//! The report form, the follow-up page and the officers' desk: static files built from `web/`
//! (`npm ci && npm run build` writes them to `web/dist`). Served from a fixed list of routes
//! with plain actix-web: `/` → `index.html`, `/follow-up` → `follow-up.html`, `/desk` →
//! `desk.html`, `/assets/{name}` → `assets/{name}`, and `/desk/config.json` (where the desk
//! finds its API, and when it locks itself).
//! Asset names are one path segment of `[A-Za-z0-9._-]` not starting with a dot, and must
//! resolve inside the directory, so nothing else on disk can be reached; there are no
//! directory listings. Every answer carries `Cache-Control: no-store`; errors are
//! problem+json like the rest of the API. Nothing about the request is logged.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{guard, web, HttpResponse, ResponseError};

use super::problem;

/// What the desk page reads at start.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeskConfig {
    /// The API's origin; empty when it is the page's own.
    pub api: String,
    /// Seconds without activity after which the desk locks itself.
    pub idle_secs: u64,
}

/// Registers the pages and `/assets/{name}`, served from `dir` (usually `web/dist`).
pub fn configure(cfg: &mut web::ServiceConfig, dir: PathBuf, desk: DeskConfig) {
    let dir = Arc::new(dir);
    let page = |dir: &Arc<PathBuf>, file: &'static str| {
        let dir = Arc::clone(dir);
        web::route()
            .guard(guard::Any(guard::Get()).or(guard::Head()))
            .to(move || {
                let dir = Arc::clone(&dir);
                async move { serve(&dir, file).await }
            })
    };
    cfg.service(web::resource("/").route(page(&dir, "index.html")));
    cfg.service(web::resource("/follow-up").route(page(&dir, "follow-up.html")));
    cfg.service(web::resource("/desk").route(page(&dir, "desk.html")));
    cfg.service(
        web::resource("/desk/config.json").route(
            web::route()
                .guard(guard::Any(guard::Get()).or(guard::Head()))
                .to(move || {
                    let desk = desk.clone();
                    async move { with_no_store(HttpResponse::Ok().json(desk)) }
                }),
        ),
    );
    let assets = Arc::clone(&dir);
    cfg.service(
        web::resource("/assets/{name}").route(
            web::route()
                .guard(guard::Any(guard::Get()).or(guard::Head()))
                .to(move |name: web::Path<String>| {
                    let dir = Arc::clone(&assets);
                    async move {
                        let name = name.into_inner();
                        if !is_safe_name(&name) {
                            return not_found();
                        }
                        serve(&dir, &format!("assets/{name}")).await
                    }
                }),
        ),
    );
}

/// One path segment of `[A-Za-z0-9._-]`, not starting with a dot (so no `.`, `..`, or hidden files).
fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn content_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1;
    Some(match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => return None,
    })
}

async fn serve(dir: &Path, relative: &str) -> HttpResponse {
    let Some(ctype) = content_type(relative) else {
        return not_found();
    };
    let dir = dir.to_path_buf();
    let relative = relative.to_owned();
    let read = web::block(move || -> std::io::Result<Option<Vec<u8>>> {
        let root = dir.canonicalize()?;
        let path = match root.join(&relative).canonicalize() {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        // A symlink pointing out of the directory is not followed.
        if !path.starts_with(&root) || !path.is_file() {
            return Ok(None);
        }
        std::fs::read(&path).map(Some)
    })
    .await;
    match read {
        Ok(Ok(Some(body))) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(ctype)))
            .insert_header(no_store())
            .body(body),
        Ok(Ok(None)) => not_found(),
        // The directory itself is missing or unreadable: the form was not built.
        Ok(Err(_)) => with_no_store(
            problem::of(
                StatusCode::SERVICE_UNAVAILABLE,
                "form-not-built",
                "The report form is not available",
            )
            .detail("it has not been built: npm ci && npm run build in web/")
            .error_response(),
        ),
        Err(_) => {
            with_no_store(problem::for_status(StatusCode::INTERNAL_SERVER_ERROR).error_response())
        }
    }
}

fn no_store() -> (header::HeaderName, HeaderValue) {
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

fn not_found() -> HttpResponse {
    with_no_store(problem::for_status(StatusCode::NOT_FOUND).error_response())
}

fn with_no_store(mut resp: HttpResponse) -> HttpResponse {
    let (name, value) = no_store();
    resp.headers_mut().insert(name, value);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{test as atest, App};

    fn fixture() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let dist = tmp.path().join("dist");
        std::fs::create_dir_all(dist.join("assets")).unwrap();
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>form</title>",
        )
        .unwrap();
        std::fs::write(
            dist.join("follow-up.html"),
            "<!doctype html><title>follow</title>",
        )
        .unwrap();
        std::fs::write(dist.join("desk.html"), "<!doctype html><title>desk</title>").unwrap();
        std::fs::write(dist.join("assets/form.js"), "export {};").unwrap();
        std::fs::write(dist.join("assets/style.css"), "body{}").unwrap();
        std::fs::write(dist.join("assets/.hidden.js"), "secret").unwrap();
        std::fs::write(dist.join("assets/notes.unknownext"), "x").unwrap();
        std::fs::create_dir_all(dist.join("assets/sub.js")).unwrap();
        std::fs::write(tmp.path().join("secret.txt"), "secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(tmp.path().join("secret.txt"), dist.join("assets/link.txt"))
            .unwrap();
        tmp
    }

    async fn get(dir: &Path, uri: &str) -> (u16, Option<String>, Option<String>, String) {
        let dir = dir.to_path_buf();
        let desk = DeskConfig {
            api: String::new(),
            idle_secs: 900,
        };
        let app =
            atest::init_service(App::new().configure(move |cfg| configure(cfg, dir, desk))).await;
        let resp = atest::call_service(&app, atest::TestRequest::get().uri(uri).to_request()).await;
        let status = resp.status().as_u16();
        let h = |n: header::HeaderName| {
            resp.headers()
                .get(n)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let (ct, cc) = (h(header::CONTENT_TYPE), h(header::CACHE_CONTROL));
        let body = String::from_utf8(atest::read_body(resp).await.to_vec()).unwrap();
        (status, ct, cc, body)
    }

    #[actix_web::test]
    async fn pages_and_assets_with_types_and_no_store() {
        let tmp = fixture();
        let dist = tmp.path().join("dist");
        let (s, ct, cc, body) = get(&dist, "/").await;
        assert_eq!(
            (s, ct.as_deref(), cc.as_deref()),
            (200, Some("text/html; charset=utf-8"), Some("no-store"))
        );
        assert!(body.contains("form"));
        let (s, _, _, body) = get(&dist, "/follow-up").await;
        assert_eq!(s, 200);
        assert!(body.contains("follow"));
        let (s, ct, _, body) = get(&dist, "/desk").await;
        assert_eq!((s, ct.as_deref()), (200, Some("text/html; charset=utf-8")));
        assert!(body.contains("desk"));
        let (s, ct, cc, body) = get(&dist, "/desk/config.json").await;
        assert_eq!(
            (s, ct.as_deref(), cc.as_deref()),
            (200, Some("application/json"), Some("no-store"))
        );
        assert_eq!(body, r#"{"api":"","idle_secs":900}"#);
        let (s, ct, cc, _) = get(&dist, "/assets/form.js").await;
        assert_eq!(
            (s, ct.as_deref(), cc.as_deref()),
            (
                200,
                Some("text/javascript; charset=utf-8"),
                Some("no-store")
            )
        );
        let (s, ct, _, _) = get(&dist, "/assets/style.css").await;
        assert_eq!((s, ct.as_deref()), (200, Some("text/css; charset=utf-8")));
    }

    #[actix_web::test]
    async fn nothing_outside_the_list_is_served() {
        let tmp = fixture();
        let dist = tmp.path().join("dist");
        for uri in [
            "/assets/",
            "/assets",
            "/assets/..",
            "/assets/../index.html",
            "/assets/%2e%2e%2fsecret.txt",
            "/assets/..%2f..%2fsecret.txt",
            "/assets/%2E%2E/%2E%2E/secret.txt",
            "/assets/.hidden.js",
            "/assets/notes.unknownext",
            "/assets/sub.js",
            "/assets/link.txt",
            "/assets/missing.js",
            "/index.html",
            "/follow-up.html",
            "/desk.html",
            "/desk/",
            "/desk/other.json",
            "/secret.txt",
        ] {
            let (s, _, cc, body) = get(&dist, uri).await;
            assert_eq!(s, 404, "{uri}");
            // Paths that match no route get the app's default 404 (headers from the middleware).
            if uri.starts_with("/assets/") && !uri[8..].contains('/') && uri.len() > 8 {
                assert_eq!(cc.as_deref(), Some("no-store"), "{uri}");
            }
            assert!(!body.contains("secret"), "{uri}");
        }
    }

    #[actix_web::test]
    async fn an_unbuilt_form_says_so() {
        let tmp = tempfile::tempdir().unwrap();
        let (s, _, cc, body) = get(&tmp.path().join("missing"), "/").await;
        assert_eq!((s, cc.as_deref()), (503, Some("no-store")));
        assert!(body.contains("npm run build"));
        assert!(body.contains("form-not-built"));
    }

    #[test]
    fn safe_names() {
        assert!(is_safe_name("form.js"));
        assert!(is_safe_name("follow-up_2.css"));
        for bad in [
            "", ".", "..", ".env", "a/b", "a\\b", "a%2fb", "ä.js", "a b.js",
        ] {
            assert!(!is_safe_name(bad), "{bad}");
        }
    }
}
