//! Services that do I/O over the domain: freezing and serving statistics releases, and the
//! background jobs (notifications, outbox, retention).

pub mod jobs;
pub mod publish;
