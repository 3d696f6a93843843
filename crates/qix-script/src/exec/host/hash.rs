//! `Hash128`'s hash: 128 bits of text as 22 URL-safe characters.

/// A 128-bit hash of text, as 22 URL-safe characters (like Qlik's Hash128; the values differ from Qlik's).
pub(super) fn hash128(s: &str) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4;
    for byte in s.bytes() {
        a = (a ^ byte as u64).wrapping_mul(0x0000_0100_0000_01B3);
        b = (b ^ byte as u64)
            .wrapping_mul(0x0000_0001_0000_01B3)
            .rotate_left(7);
    }
    let v = (a as u128) << 64 | b as u128;
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..22)
        .map(|k| T[((v >> (k * 6)) & 63) as usize] as char)
        .collect()
}
