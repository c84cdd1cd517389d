//! Problem details over HTTP: the wire type is `protocol::problem::Problem`; here it gets its
//! status code and content type, and the bare problems of routing errors.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

pub use crate::protocol::problem::{Problem, CONTENT_TYPE};

/// The problem `name` with its title, for `status`.
pub fn of(status: StatusCode, name: &str, title: &'static str) -> Problem {
    Problem::new(status.as_u16(), name, title)
}

/// The problem for a bare status code (routing errors and the like).
pub fn for_status(status: StatusCode) -> Problem {
    let (name, title) = match status {
        StatusCode::NOT_FOUND => ("not-found", "Not found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", "Method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("body-too-large", "Request body too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported-media-type", "Unsupported media type"),
        StatusCode::TOO_MANY_REQUESTS => ("rate-limited", "Too many requests"),
        s if s.is_client_error() => ("bad-request", "Bad request"),
        _ => ("internal", "Internal error"),
    };
    of(status, name, title)
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .insert_header((header::CONTENT_TYPE, CONTENT_TYPE))
            .json(self)
    }
}
