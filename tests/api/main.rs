//! The integration tests, in one binary (one compile, one link): each module is one area,
//! all of them against the real server binary over real SQLite and PostgreSQL, with the typed
//! helpers in `helpers`.

mod helpers;

mod casework;
mod cli;
mod contract;
mod crash;
mod desk;
mod enroll;
mod hardening;
mod intake;
mod notify;
mod readme;
mod stats;
mod stats_audit;
mod stats_disclosure;
mod storage;
