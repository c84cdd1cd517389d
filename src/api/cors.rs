//! Cross-origin access for exactly one configured origin: the browser desk served by
//! `meldestelle desk ui` on an officer's own machine. Requests from any other origin pass
//! through unchanged, so the browser's same-origin rule keeps applying to them.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::HttpResponse;

/// Adds CORS headers for `allowed` and answers its preflight requests.
pub async fn allow_origin(
    allowed: Option<String>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let matches = allowed.as_deref().is_some_and(|allowed| {
        req.headers()
            .get(header::ORIGIN)
            .is_some_and(|o| o.as_bytes() == allowed.as_bytes())
    });
    let origin = match (matches, allowed) {
        (true, Some(o)) => header::HeaderValue::from_str(&o).ok(),
        _ => None,
    };
    let Some(origin) = origin else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if req.method() == Method::OPTIONS {
        let resp = HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_METHODS,
                "GET, POST, PUT, DELETE",
            ))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "authorization, content-type, accept, if-none-match",
            ))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
            .insert_header((header::VARY, "Origin"))
            .finish();
        return Ok(req.into_response(resp));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        header::HeaderValue::from_static("content-disposition, retry-after, etag"),
    );
    h.insert(header::VARY, header::HeaderValue::from_static("Origin"));
    Ok(res)
}
