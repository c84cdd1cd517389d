//! Sending the fixed notification through SMTP (lettre, rustls). Nothing else is sent.

use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use crate::config::{Config, SmtpTls};
use crate::domain::notify;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail settings: {0}")]
    Settings(String),
    #[error("not a mail address: {0}")]
    BadAddress(String),
    #[error("SMTP: {0}")]
    Smtp(String),
}

pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    body: String,
}

impl Mailer {
    /// None when no SMTP server is configured.
    pub fn from_config(config: &Config) -> Result<Option<Mailer>, MailError> {
        let Some(host) = config.smtp_host.as_deref().filter(|h| !h.is_empty()) else {
            return Ok(None);
        };
        let settings = |e: lettre::transport::smtp::Error| MailError::Settings(e.to_string());
        let mut builder = match config.smtp_tls {
            SmtpTls::None => SmtpTransport::builder_dangerous(host),
            SmtpTls::Starttls => SmtpTransport::builder_dangerous(host).tls(Tls::Required(
                TlsParameters::new_rustls(host.to_owned()).map_err(settings)?,
            )),
            SmtpTls::Tls => SmtpTransport::builder_dangerous(host).tls(Tls::Wrapper(
                TlsParameters::new_rustls(host.to_owned()).map_err(settings)?,
            )),
        }
        .port(config.smtp_port)
        .timeout(Some(Duration::from_secs(30)));
        if let Some(user) = &config.smtp_user {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                config.smtp_password.clone().unwrap_or_default(),
            ));
        }
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| MailError::Settings(format!("--mail-from: {e}")))?;
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
            body: notify::body(&config.desk_url()),
        }))
    }

    /// Sends the one fixed notification to one address.
    pub fn send(&self, to: &str) -> Result<(), MailError> {
        let to: Mailbox = to
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::BadAddress(e.to_string()))?;
        // A random Message-ID at the sender's domain (lettre's default would name this host).
        let message_id = format!("<{}@{}>", uuid::Uuid::new_v4(), self.from.email.domain());
        let message = Message::builder()
            .message_id(Some(message_id))
            .from(self.from.clone())
            .to(to)
            .subject(notify::SUBJECT)
            .header(ContentType::TEXT_PLAIN)
            // 8bit keeps the text readable as sent; a very long desk link needs
            // quoted-printable instead.
            .body(
                Body::new_with_encoding(self.body.clone(), ContentTransferEncoding::EightBit)
                    .unwrap_or_else(|_| Body::new(self.body.clone())),
            )
            .map_err(|e| MailError::Settings(e.to_string()))?;
        self.transport
            .send(&message)
            .map(|_| ())
            .map_err(|e| MailError::Smtp(e.to_string()))
    }
}
