//! Wire types of the API, written once for the server, the CLI and the tests (openapi.yaml is
//! the contract they follow). The desk's cases and the casework routes live here so far;
//! the other routes still have their types beside their handlers (issue #13 moves them).

pub mod casework;
pub mod desk;
pub mod reports;
