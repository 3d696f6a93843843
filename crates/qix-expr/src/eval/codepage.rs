//! `ApplyCodepage(text, codepage)`: reads the text's bytes again in another code page, as when a file
//! was read in the wrong one. The text's characters up to U+00FF are taken as the bytes they were read
//! from (others as their UTF-8 bytes); the code pages understood are 65001 (UTF-8), 1200 and 1201
//! (UTF-16 little- and big-endian), 1252 (Windows Western), 28591 (ISO 8859-1) and 20127 (US-ASCII).
//! Another code page gives NULL.

use super::args::Args;
use crate::value::Value;

/// Windows-1252's characters for the bytes 0x80 to 0x9F (the five it leaves undefined keep their
/// code point).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// Runs `name` if it is one of this family's functions; `None` when it is not.
pub(super) fn apply(name: &str, args: &mut Args) -> Option<Value> {
    if name != "ApplyCodepage" {
        return None;
    }
    let text = args.text(0);
    let page = args.int(1);
    let decoded = text.zip(page).and_then(|(t, p)| decode(&bytes(&t), p));
    Some(decoded.map_or(Value::Null, Value::Text))
}

/// The bytes the text was read from.
fn bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(b) => out.push(b),
            Err(_) => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out
}

/// `bytes` read in code page `page`.
fn decode(bytes: &[u8], page: i64) -> Option<String> {
    Some(match page {
        65001 => String::from_utf8_lossy(bytes).into_owned(),
        1200 | 1201 => utf16(bytes, page == 1201),
        28591 => bytes.iter().map(|&b| char::from(b)).collect(),
        1252 => bytes.iter().map(|&b| cp1252(b)).collect(),
        20127 => bytes
            .iter()
            .map(|&b| if b < 0x80 { char::from(b) } else { '\u{fffd}' })
            .collect(),
        _ => return None,
    })
}

fn cp1252(b: u8) -> char {
    match b {
        0x80..=0x9f => CP1252_HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// UTF-16 code units, little- or big-endian (an odd last byte is dropped).
fn utf16(bytes: &[u8], big_endian: bool) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| {
            if big_endian {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        })
        .collect();
    String::from_utf16_lossy(&units)
}
