//! The age header check and the padding check: never panic, and whatever passes has a
//! header length inside the file and a payload of exactly one bucket.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meldestelle::crypto::{header, padding::Buckets};

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = header::inspect(data) {
        assert!(info.header_len <= data.len());
        assert_eq!(info.header_len as u64 + info.payload_len, data.len() as u64);
        let buckets = Buckets::new(1024 * 1024);
        let _ = buckets.payload_is_padded(info.payload_len);
    }
    // The same bytes through the intake's base64 path.
    let b64 = base64_standard(data);
    let _ = meldestelle::domain::intake::check_age_file("ciphertext", &b64, 1, &Buckets::new(65536));
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = meldestelle::domain::intake::check_age_file("ciphertext", s, 1, &Buckets::new(65536));
    }
});

fn base64_standard(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
