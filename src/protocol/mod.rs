//! Wire types of the API, written once for the server, the CLI, the tests and the benchmarks
//! (openapi.yaml is the contract they follow; `tests/api/contract.rs` holds each type to it).
//! Ids, slugs and secrets are newtypes (`ids`); a secret has no `Display` and a `Debug` that
//! prints nothing of it.

pub mod casework;
pub mod desk;
pub mod document;
pub mod enroll;
pub mod followup;
pub mod ids;
pub mod login;
pub mod problem;
pub mod reports;
pub mod stats;

/// For a field that must be present but may be `null`: serde takes a missing `Option` field
/// as `None`, which would let `{}` mean the same as `{"field": null}`.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d)
}
