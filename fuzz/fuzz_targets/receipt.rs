//! The receipt parser: never panics, and a parsed receipt prints back to a code that
//! parses to the same receipt.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meldestelle::crypto::receipt::Receipt;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(r) = s.parse::<Receipt>() {
            let again: Receipt = r.to_string().parse().expect("a printed receipt parses");
            assert!(again == r);
        }
    }
});
