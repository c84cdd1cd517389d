//! Size buckets: plaintext is padded to one of them before encryption so that lengths do
//! not identify a report. age's payload length follows from the plaintext length, so the
//! server checks the bucket without decrypting.

use serde::Serialize;

/// age encrypts in chunks of 64 KiB, each with a 16-byte tag, after a 16-byte nonce.
const CHUNK: u64 = 64 * 1024;
const TAG: u64 = 16;
const NONCE: u64 = 16;

/// The small buckets; above the last one, every multiple of 64 KiB.
pub const SMALL_BUCKETS: [u64; 4] = [1024, 4096, 16 * 1024, 64 * 1024];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Buckets {
    /// The largest padded plaintext accepted (a multiple of 64 KiB, at least 64 KiB).
    pub max_plaintext: u64,
}

impl Buckets {
    pub fn new(max_plaintext: u64) -> Buckets {
        Buckets {
            max_plaintext: max_plaintext.max(CHUNK) / CHUNK * CHUNK,
        }
    }

    /// The smallest bucket that holds `len` bytes, if any.
    pub fn bucket_for(&self, len: u64) -> Option<u64> {
        let b = SMALL_BUCKETS
            .iter()
            .copied()
            .find(|&b| len <= b)
            .unwrap_or_else(|| len.div_ceil(CHUNK) * CHUNK);
        (b <= self.max_plaintext).then_some(b)
    }

    /// Whether an age payload of this length holds a plaintext of exactly one bucket.
    pub fn payload_is_padded(&self, payload_len: u64) -> bool {
        if payload_len <= NONCE + TAG {
            return false;
        }
        let body = payload_len - NONCE;
        // Every chunk but the last is full, so the chunk count follows from the length.
        let chunks = body.div_ceil(CHUNK + TAG);
        let plaintext = body - chunks * TAG;
        self.bucket_for(plaintext) == Some(plaintext)
    }

    /// The small buckets that apply, for clients.
    pub fn listed(&self) -> Vec<u64> {
        SMALL_BUCKETS
            .iter()
            .copied()
            .filter(|&b| b <= self.max_plaintext)
            .collect()
    }
}

/// Pads with `fill` to the bucket; `None` when the content is larger than the largest one.
pub fn pad(mut content: Vec<u8>, buckets: &Buckets, fill: u8) -> Option<Vec<u8>> {
    let target = buckets.bucket_for(content.len() as u64)?;
    content.resize(target as usize, fill);
    Some(content)
}

/// The age payload length of a plaintext (for tests and clients).
pub fn age_payload_len(plaintext_len: u64) -> u64 {
    let chunks = plaintext_len.div_ceil(CHUNK).max(1);
    NONCE + plaintext_len + chunks * TAG
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        let b = Buckets::new(1024 * 1024);
        assert_eq!(b.bucket_for(0), Some(1024));
        assert_eq!(b.bucket_for(1024), Some(1024));
        assert_eq!(b.bucket_for(1025), Some(4096));
        assert_eq!(b.bucket_for(65537), Some(131072));
        assert_eq!(b.bucket_for(1024 * 1024 + 1), None);
    }

    #[test]
    fn payload_lengths_of_buckets_pass_and_others_fail() {
        let b = Buckets::new(1024 * 1024);
        for len in [1024, 4096, 16384, 65536, 131072, 1024 * 1024] {
            assert!(b.payload_is_padded(age_payload_len(len)), "{len}");
            assert!(!b.payload_is_padded(age_payload_len(len - 1)), "{len}-1");
            assert!(!b.payload_is_padded(age_payload_len(len + 1)), "{len}+1");
        }
        assert!(!b.payload_is_padded(age_payload_len(2 * 1024 * 1024)));
        assert!(!b.payload_is_padded(0));
        assert!(!b.payload_is_padded(32));
    }

    #[test]
    fn pads_with_spaces() {
        let b = Buckets::new(65536);
        let p = pad(b"{}".to_vec(), &b, b' ').unwrap();
        assert_eq!(p.len(), 1024);
        assert!(p[2..].iter().all(|&c| c == b' '));
    }
}
