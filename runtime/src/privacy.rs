//! The privacy forms a catalog states with `pii`, checked on the values themselves.
//!
//! The schemas say what a pattern can say (an anonymized IPv4 address, a SHA-256 hex digest);
//! this module says all of it, including what no pattern says well (an IPv6 address truncated to
//! its /48 prefix, in any of its textual forms), so the validator enforces the rules even with
//! schemas that predate the patterns.

use std::net::{Ipv4Addr, Ipv6Addr};

/// A `pii` kind whose values have a checkable form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrivacyKind {
    /// `pii: anonymized_ip`.
    AnonymizedIp,
    /// `pii: hashed`.
    Hashed,
}

impl PrivacyKind {
    /// The `x-pii` annotation value that states the kind.
    pub fn from_annotation(value: &str) -> Option<Self> {
        match value {
            "anonymized_ip" => Some(PrivacyKind::AnonymizedIp),
            "hashed" => Some(PrivacyKind::Hashed),
            _ => None,
        }
    }

    /// The rule name in reports.
    pub fn rule(self) -> &'static str {
        match self {
            PrivacyKind::AnonymizedIp => RULE_ANONYMIZED_IP,
            PrivacyKind::Hashed => RULE_HASHED,
        }
    }

    /// What a valid value looks like, for reports.
    pub fn expected(self) -> &'static str {
        match self {
            PrivacyKind::AnonymizedIp => {
                "an anonymized IP: IPv4 with the last octet 0 (a.b.c.0), or IPv6 truncated to /48 (all bits after the first 48 zero, e.g. 2001:db8:1::)"
            }
            PrivacyKind::Hashed => "a SHA-256 digest: exactly 64 lowercase hexadecimal digits",
        }
    }

    /// Whether `value` has the form; `Err` says what is wrong.
    pub fn check(self, value: &str) -> Result<(), &'static str> {
        match self {
            PrivacyKind::AnonymizedIp => check_anonymized_ip(value),
            PrivacyKind::Hashed => check_hashed(value),
        }
    }
}

/// The rule reported for a value that is not an anonymized IP.
pub const RULE_ANONYMIZED_IP: &str = "privacy:anonymized_ip";
/// The rule reported for a value that is not a SHA-256 digest.
pub const RULE_HASHED: &str = "privacy:hashed";
/// The rule reported for a field sent in an environment it is restricted from.
pub const RULE_ENVIRONMENT: &str = "privacy:environment";

/// The pattern the schemas carry for anonymized IPv4 addresses: a dotted quad (decimal octets
/// 0-255, no leading zeros) whose last octet is 0.
pub const ANONYMIZED_IPV4_PATTERN: &str = r"^(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){2}\.0$";

/// The pattern the schemas carry for hashed values: a SHA-256 digest in lowercase hex.
pub const HASHED_PATTERN: &str = "^[0-9a-f]{64}$";

/// IPv4: four decimal octets without leading zeros (Rust's and the JSON Schema `ipv4` format's
/// form) and the last one 0. IPv6: any RFC 4291 text form `std` parses (compressed `::`,
/// embedded dotted IPv4; no zone, no brackets, no prefix length) whose 80 low bits are zero.
pub fn check_anonymized_ip(value: &str) -> Result<(), &'static str> {
    if let Ok(v4) = value.parse::<Ipv4Addr>() {
        return if v4.octets()[3] == 0 {
            Ok(())
        } else {
            Err("an IPv4 address whose last octet is not 0")
        };
    }
    if let Ok(v6) = value.parse::<Ipv6Addr>() {
        return if v6.segments()[3..].iter().all(|s| *s == 0) {
            Ok(())
        } else {
            Err("an IPv6 address with bits set after its /48 prefix")
        };
    }
    Err("not an IP address")
}

/// Exactly 64 characters, each `0-9` or `a-f`.
pub fn check_hashed(value: &str) -> Result<(), &'static str> {
    if value.len() != 64 {
        return Err("not 64 characters long");
    }
    if value
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else if value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Err("uppercase hexadecimal digits")
    } else {
        Err("characters that are not hexadecimal digits")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymized_ipv4() {
        for ok in ["203.0.113.0", "0.0.0.0", "255.255.255.0", "10.1.2.0"] {
            assert_eq!(check_anonymized_ip(ok), Ok(()), "{ok}");
        }
        for bad in [
            "203.0.113.7",
            "203.0.113.00",
            "203.0.113",
            "203.0.113.0/24",
            "203.000.113.0",
            " 203.0.113.0",
            "",
            "localhost",
        ] {
            assert!(check_anonymized_ip(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn anonymized_ipv6_is_a_48_bit_prefix_in_any_form() {
        for ok in [
            "2001:db8:1::",
            "2001:db8::",
            "::",
            "2001:0db8:0001:0000:0000:0000:0000:0000",
            "2001:DB8:1::",
            "2001:db8:1::0",
            "2001:db8:1:0:0:0:0:0",
            "2001:db8:1::0.0.0.0",
        ] {
            assert_eq!(check_anonymized_ip(ok), Ok(()), "{ok}");
        }
        for bad in [
            "2001:db8:1:2::",
            "2001:db8:1::1",
            "2001:db8:85a3:8d3:1319:8a2e:370:7348",
            "::ffff:203.0.113.0",
            "2001:db8:1::/48",
            "[2001:db8:1::]",
            "fe80::%eth0",
        ] {
            assert!(check_anonymized_ip(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hashed_is_lowercase_sha256_hex() {
        let digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(check_hashed(digest), Ok(()));
        assert!(check_hashed(&digest.to_uppercase()).is_err());
        assert!(check_hashed(&digest[..40]).is_err());
        assert!(check_hashed(&format!("{digest}0")).is_err());
        assert!(check_hashed(&digest.replace('9', "g")).is_err());
        assert!(check_hashed("key_live_1234").is_err());
    }

    #[test]
    fn the_schema_patterns_say_the_same_as_the_checks() {
        let v4 = regex::Regex::new(ANONYMIZED_IPV4_PATTERN).unwrap();
        for (text, anonymized) in [
            ("203.0.113.0", true),
            ("0.0.0.0", true),
            ("255.255.255.0", true),
            ("203.0.113.7", false),
            ("203.0.113.00", false),
            ("203.000.113.0", false),
            ("256.0.113.0", false),
            ("1.2.3.0\n", false),
            ("2001:db8:1::", false),
        ] {
            assert_eq!(v4.is_match(text), anonymized, "{text:?}");
            if !text.contains(':') {
                assert_eq!(check_anonymized_ip(text).is_ok(), anonymized, "{text:?}");
            }
        }
        let hashed = regex::Regex::new(HASHED_PATTERN).unwrap();
        let digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        for text in [
            digest.to_owned(),
            digest.to_uppercase(),
            digest[..63].to_owned(),
            format!("{digest}\n"),
        ] {
            assert_eq!(
                hashed.is_match(&text),
                check_hashed(&text).is_ok(),
                "{text:?}"
            );
        }
    }
}
