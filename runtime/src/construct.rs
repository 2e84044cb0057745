//! Making values of the privacy forms and of the envelope, so the right value is the easy one.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IP address in the `pii: anonymized_ip` form: an IPv4 address with its last octet zeroed
/// (`203.0.113.7` → `203.0.113.0`), an IPv6 address truncated to its /48 prefix
/// (`2001:db8:1:2::7` → `2001:db8:1::`). An IPv4-mapped IPv6 address is anonymized as the IPv4
/// address it maps (the validator refuses the mapped text form).
pub fn anonymize_ip(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => anonymize_ipv4(v4).to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => anonymize_ipv4(v4).to_string(),
            None => anonymize_ipv6(v6).to_string(),
        },
    }
}

fn anonymize_ipv4(address: Ipv4Addr) -> Ipv4Addr {
    let [a, b, c, _] = address.octets();
    Ipv4Addr::new(a, b, c, 0)
}

fn anonymize_ipv6(address: Ipv6Addr) -> Ipv6Addr {
    let s = address.segments();
    Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0)
}

/// A SHA-256 digest in the `pii: hashed` form: 64 lowercase hexadecimal digits.
pub fn digest_hex(digest: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(64);
    for byte in digest {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// The SHA-256 of `data`, in the `pii: hashed` form. Hash what identifies a person with a
/// secret salt or key of yours in `data`: an unsalted hash of a short id is easy to reverse.
#[cfg(feature = "sha2")]
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    let digest: [u8; 32] = sha2::Sha256::digest(data).into();
    digest_hex(&digest)
}

/// A fresh random (version 4) UUID, hyphenated and lowercase, from the operating system's
/// random source.
///
/// # Panics
/// When the operating system has no random source to read (`getrandom` fails), which leaves
/// no way to make a unique id.
#[cfg(feature = "uuid")]
pub fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is readable");
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = digest_hex_16(&bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(feature = "uuid")]
fn digest_hex_16(bytes: &[u8; 16]) -> String {
    let mut padded = [0u8; 32];
    padded[..16].copy_from_slice(bytes);
    digest_hex(&padded)[..32].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::{check_anonymized_ip, check_hashed};

    #[test]
    fn anonymized_addresses_have_the_form_the_schema_accepts() {
        for (input, anonymized) in [
            ("203.0.113.7", "203.0.113.0"),
            ("10.0.0.0", "10.0.0.0"),
            ("255.255.255.255", "255.255.255.0"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1::"),
            ("2001:db8::1", "2001:db8::"),
            ("::1", "::"),
            ("::ffff:198.51.100.9", "198.51.100.0"),
        ] {
            let address: IpAddr = input.parse().unwrap();
            let text = anonymize_ip(address);
            assert_eq!(text, anonymized, "{input}");
            assert_eq!(check_anonymized_ip(&text), Ok(()), "{input} → {text}");
        }
    }

    #[test]
    fn digests_are_lowercase_hex() {
        let text = digest_hex(&[0xab; 32]);
        assert_eq!(text.len(), 64);
        assert_eq!(check_hashed(&text), Ok(()));
    }

    #[cfg(feature = "sha2")]
    #[test]
    fn sha256_of_a_known_input() {
        assert_eq!(
            sha256_hex(b"test"),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
    }

    #[cfg(feature = "uuid")]
    #[test]
    fn random_uuids_are_version_4() {
        let a = random_uuid();
        assert!(crate::format::is_uuid(&a), "{a}");
        assert_eq!(&a[14..15], "4");
        assert!("89ab".contains(&a[19..20]));
        assert_ne!(a, random_uuid());
    }
}
