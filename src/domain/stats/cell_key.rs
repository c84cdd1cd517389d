//! R7, the cell-key method (as in the Zensus 2022 and the ABS TableBuilder): every record gets
//! a random record key, a table entry's cell key is the sum of its records' keys, and the noise
//! is a fixed function of the cell key. The same records therefore get the same noise in every
//! table they appear in (an office's total in its seven tables, a Land in two), so comparing or
//! averaging tables of one release does not wash the noise out; and a release is frozen, so
//! asking again returns the same bytes.
//!
//! Record keys come from a secret drawn for the release and forgotten after it (HMAC-SHA256 of
//! the record's answers and its rank among identical records), so they depend neither on the
//! order of the records nor on anything stored.

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::table::Record;

/// A release's secret for its record keys.
pub struct Secret([u8; 32]);

impl Secret {
    /// A fresh secret from the operating system.
    pub fn random() -> Secret {
        use rand::RngCore;
        let mut s = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut s);
        Secret(s)
    }

    /// A fixed secret, for reproducible releases in tests.
    pub fn from_seed(seed: u64) -> Secret {
        let mut s = [0u8; 32];
        s[..8].copy_from_slice(&seed.to_le_bytes());
        Secret(s)
    }
}

/// One key per record, in the records' order. Identical records are interchangeable, so the
/// n-th copy of a record gets the key of "that record, copy n" wherever it stands.
pub fn record_keys(records: &[Record], secret: &Secret) -> Vec<u64> {
    use sha2::Digest;
    // Copies counted by the hash of the record, not the record: 32 bytes per distinct record.
    let mut seen: HashMap<[u8; 32], u64> = HashMap::new();
    let keyed = Hmac::<Sha256>::new_from_slice(&secret.0).expect("HMAC takes keys of any length");
    records
        .iter()
        .map(|r| {
            let canonical = canonical(r);
            let copy = seen
                .entry(Sha256::digest(canonical.as_bytes()).into())
                .or_insert(0);
            let mut mac = keyed.clone();
            mac.update(canonical.as_bytes());
            mac.update(&copy.to_le_bytes());
            *copy += 1;
            let tag = mac.finalize().into_bytes();
            u64::from_le_bytes(tag[..8].try_into().expect("a SHA-256 tag has 32 bytes"))
        })
        .collect()
}

/// Every field of the record, unambiguously joined.
fn canonical(r: &Record) -> String {
    let opt = |v: &Option<String>| v.as_deref().unwrap_or("\u{0}").to_owned();
    [
        r.office.clone(),
        r.land.clone(),
        r.size_class.clone(),
        r.municipality.clone(),
        r.quarter.to_string(),
        opt(&r.incident_type),
        opt(&r.racism_form),
        opt(&r.reporter_role),
        opt(&r.perpetrator_role),
        opt(&r.setting),
        opt(&r.admin_area),
        r.consequences.join("\u{1e}"),
        opt(&r.reported_further),
    ]
    .join("\u{1f}")
}

/// The noise for a cell key: discrete Laplace, P(k) ∝ exp(-ε|k|), by inverting its distribution
/// function at the key read as a number in (0, 1).
pub fn noise(eps: f64, cell_key: u64) -> i64 {
    let u = ((cell_key >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let q = (-eps).exp();
    let ln_q = -eps;
    // F(-1) = q / (1 + q): below it the noise is negative.
    let k = if u <= q / (1.0 + q) {
        -((u * (1.0 + q)).ln() / ln_q).floor()
    } else {
        (((1.0 - u) * (1.0 + q)).ln() / ln_q).ceil() - 1.0
    };
    // Guards the astronomically unlikely tail.
    k.clamp(-1e12, 1e12) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_centred_and_spread_like_its_epsilon() {
        let n = 20_000u64;
        // Evenly spread keys stand for the uniformly random cell keys.
        let draws: Vec<i64> = (0..n)
            .map(|i| noise(1.0, (i * (u64::MAX / n)).wrapping_add(12345)))
            .collect();
        let mean = draws.iter().sum::<i64>() as f64 / n as f64;
        let var = draws
            .iter()
            .map(|&d| (d as f64 - mean).powi(2))
            .sum::<f64>()
            / n as f64;
        // Variance of the two-sided geometric: 2q / (1 - q)^2 with q = e^-ε.
        let q = (-1.0f64).exp();
        let expected = 2.0 * q / (1.0 - q).powi(2);
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!(
            (var - expected).abs() / expected < 0.05,
            "var {var} vs {expected}"
        );
        // P(0) = (1 - q) / (1 + q).
        let zeros = draws.iter().filter(|&&d| d == 0).count() as f64 / n as f64;
        assert!((zeros - (1.0 - q) / (1.0 + q)).abs() < 0.01, "P(0) {zeros}");
    }

    #[test]
    fn record_keys_depend_on_the_records_not_their_order() {
        let a = crate::domain::stats::table::tests::rec("o", "BE", "over_100k", "Berlin");
        let mut b = a.clone();
        b.incident_type = Some("threat".into());
        let secret = Secret::from_seed(3);
        let k1 = record_keys(&[a.clone(), b.clone(), a.clone()], &secret);
        let k2 = record_keys(&[b.clone(), a.clone(), a.clone()], &secret);
        let sum = |k: &[u64]| k.iter().fold(0u64, |s, x| s.wrapping_add(*x));
        assert_eq!(sum(&k1), sum(&k2));
        assert_eq!(k1[1], k2[0], "b's key");
        assert_ne!(k1[0], k1[2], "two copies of a record have different keys");
        assert_ne!(
            record_keys(std::slice::from_ref(&a), &secret),
            record_keys(&[a], &Secret::from_seed(4))
        );
    }
}
