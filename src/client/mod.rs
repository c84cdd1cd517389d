//! What every client of the API does the same way, written once for the CLI, the tests and
//! the benchmarks: talk to the server in the protocol's types (`Api`), seal documents and
//! reports (`seal`), log in (`login`), follow a report up with its receipt (`followup`),
//! re-encrypt a case for the current key set (`rewrap`), and read identity files (`keys`).
//! Blocking on purpose: every caller is a command or a test.

pub mod followup;
pub mod keys;
pub mod login;
pub mod rewrap;
pub mod seal;

pub use seal::{seal_document, seal_report, submission, SealedReport};

use base64::Engine;
use reqwest::blocking::Response;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::crypto::CryptoError;
use crate::domain::pow::{self, PowToken};
use crate::protocol::ids::Token;
use crate::protocol::problem::Problem;
use crate::protocol::reports::OfficeView;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the server refused ({status} {kind}): {title}{}", detail.as_ref().map(|d| format!(" — {d}")).unwrap_or_default())]
    Refused {
        status: u16,
        /// The problem type's short name, e.g. `stale-keyset`.
        kind: String,
        title: String,
        detail: Option<String>,
    },
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(
        "office '{0}' cannot receive reports yet: no officer has joined it and it has no recovery \
         key, so nobody could read what is sent; nothing was sent (the administrator adds an \
         officer with `office invite` or `office add-officer`)"
    )]
    OfficeNotReady(String),
    #[error("the document is larger than the office accepts")]
    TooLarge,
    #[error("the server sent {0}")]
    Malformed(&'static str),
    #[error(
        "login to office '{office}' as {recipient} failed: this identity is not an active \
         officer of that office (check --office and --identity, or ask the administrator)"
    )]
    NotAnOfficer { office: String, recipient: String },
    #[error("login as analyst {recipient} failed: this identity is not an active analyst")]
    NotAnAnalyst { recipient: String },
}

/// Refuses, before anything is encrypted or sent, an office that nobody could read for.
fn check_ready(office: &OfficeView) -> Result<(), ClientError> {
    if office.recipients.is_empty() {
        Err(ClientError::OfficeNotReady(office.slug.to_string()))
    } else {
        Ok(())
    }
}

/// The API of one server, with the session's token once there is one.
pub struct Api {
    base: String,
    http: reqwest::blocking::Client,
    token: Option<Token>,
}

impl Api {
    pub fn new(base: &str) -> Result<Api, ClientError> {
        Ok(Api {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::blocking::Client::builder()
                .user_agent("meldestelle")
                .timeout(std::time::Duration::from_secs(60))
                .build()?,
            token: None,
        })
    }

    /// The same server, with a session's bearer token on every request.
    pub fn with_token(mut self, token: Token) -> Api {
        self.token = Some(token);
        self
    }

    /// The session's token, for a command that hands it on (`desk login`).
    pub fn token(&self) -> Option<&Token> {
        self.token.as_ref()
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends a request; an answer other than 2xx is `ClientError::Refused` with the problem's
    /// title and detail.
    pub fn send<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Response, ClientError> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t.expose());
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        check(req.send()?)
    }

    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        Ok(self.send::<()>(Method::GET, path, None)?.json()?)
    }

    /// The answer's bytes as they are (an export, a release).
    pub fn get_bytes(&self, path: &str) -> Result<Vec<u8>, ClientError> {
        Ok(self.send::<()>(Method::GET, path, None)?.bytes()?.to_vec())
    }

    pub fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        Ok(self.send(Method::POST, path, Some(body))?.json()?)
    }

    pub fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        Ok(self.send(Method::PUT, path, Some(body))?.json()?)
    }

    pub fn delete(&self, path: &str) -> Result<(), ClientError> {
        self.send::<()>(Method::DELETE, path, None).map(drop)
    }

    /// What a client needs to encrypt for an office.
    pub fn office(&self, slug: &str) -> Result<OfficeView, ClientError> {
        self.get(&format!("/v1/offices/{slug}"))
    }

    /// A proof-of-work challenge from the server, solved (seconds at the default difficulty).
    pub fn proof_of_work(&self) -> Result<PowToken, ClientError> {
        let c: pow::Challenge = self.get("/v1/pow")?;
        Ok(pow::solve(&c))
    }
}

/// A 2xx answer as it is; anything else as the problem (RFC 9457) it carries, in plain words.
fn check(resp: Response) -> Result<Response, ClientError> {
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status().as_u16();
    let body = resp.text().unwrap_or_default();
    Err(match serde_json::from_str::<Problem>(&body) {
        Ok(p) => ClientError::Refused {
            status,
            kind: p.name().to_owned(),
            title: p.title.into_owned(),
            detail: p.detail,
        },
        // Not from this server (a proxy's page): shortened.
        Err(_) => ClientError::Refused {
            status,
            kind: "error".into(),
            title: body.chars().take(200).collect(),
            detail: None,
        },
    })
}

/// Standard base64 as the API carries ciphertexts, decoded.
pub fn from_b64(b64: &str) -> Result<Vec<u8>, ClientError> {
    B64.decode(b64)
        .map_err(|_| ClientError::Malformed("a ciphertext that is not base64"))
}
