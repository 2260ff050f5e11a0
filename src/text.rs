//! Stored bytes read as text.
//!
//! Almost every stored string and name is ASCII, and most are shorter than
//! the standard library's UTF-8 check needs to go a word at a time: it
//! checks them a byte at a time. Here ASCII is recognised a word at a
//! time, and anything else takes the standard check.
//!
//! This is the crate's one `unsafe` block. It was measured, not assumed:
//! with the standard check on every string, typed hydration of the
//! benchmark's session took 30,629 instructions and ran at 0.94x
//! serde_json's speed (`benches/paired.rs`); with this one it runs at
//! 1.11-1.13x. The crate root denies `unsafe_code`; this module alone
//! allows it.
#![allow(unsafe_code)]

use std::str::Utf8Error;

/// The bytes as a `str`: what [`std::str::from_utf8`] gives, error
/// included.
#[inline]
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, Utf8Error> {
    if is_ascii(bytes) {
        // SAFETY: every byte is below 0x80 (`is_ascii`), and a run of
        // ASCII bytes is valid UTF-8.
        Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        std::str::from_utf8(bytes)
    }
}

/// Whether every byte is below 0x80: the high bits of all the words ORed
/// together, the last bytes as a word overlapping the one before. (The
/// standard `<[u8]>::is_ascii` in its place cost typed hydration 1.9% more
/// instructions: it checks short slices a byte at a time.)
#[inline]
fn is_ascii(bytes: &[u8]) -> bool {
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let word = |chunk: &[u8; 8]| u64::from_ne_bytes(*chunk);
    if let Some(last) = bytes.last_chunk::<8>() {
        let mut seen = word(last);
        for chunk in bytes.chunks_exact(8) {
            if let Some(chunk) = chunk.first_chunk() {
                seen |= word(chunk);
            }
        }
        return seen & HIGHS == 0;
    }
    // Fewer than 8 bytes: two halves that may overlap, or byte by byte
    // below 4.
    match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        (Some(first), Some(last)) => {
            (u32::from_ne_bytes(*first) | u32::from_ne_bytes(*last)) & 0x8080_8080 == 0
        }
        _ => bytes.iter().all(|&b| b < 0x80),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Both answers, with the error's position, for comparing.
    fn both(bytes: &[u8]) -> (Result<&str, usize>, Result<&str, usize>) {
        (
            utf8(bytes).map_err(|err| err.valid_up_to()),
            std::str::from_utf8(bytes).map_err(|err| err.valid_up_to()),
        )
    }

    #[test]
    fn reads_as_the_standard_check_at_every_length_and_position() {
        // A non-ASCII byte or sequence (valid, cut short, or invalid) at
        // every position of ASCII runs of every length up to three words.
        let samples: [&[u8]; 7] = [
            "é".as_bytes(),
            "日本".as_bytes(),
            "😀".as_bytes(),
            b"\x80",
            b"\xff",
            b"\xe6\x97",
            b"\x7f",
        ];
        for len in 0..24 {
            let plain = vec![b'a'; len];
            let (ours, std) = both(&plain);
            assert_eq!(ours, std);
            for at in 0..=len {
                for sample in samples {
                    let mut bytes = plain.clone();
                    bytes.splice(at..at, sample.iter().copied());
                    let (ours, std) = both(&bytes);
                    assert_eq!(ours, std, "{bytes:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn any_bytes_read_as_the_standard_check(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let (ours, std) = both(&bytes);
            prop_assert_eq!(ours, std);
        }

        #[test]
        fn any_text_reads_back(text in ".{0,40}") {
            prop_assert_eq!(utf8(text.as_bytes()), Ok(text.as_str()));
        }
    }
}
