//! The string formats a catalog can state, checked as `eventcat-validate` checks them.
//!
//! The validator asserts formats with the `jsonschema` crate, so each check here follows that
//! crate's rules (not a stricter or looser reading of the RFCs): `date-time` accepts a lowercase
//! `t`/`z` and a leap second only at 23:59:60 UTC; `uuid` is the hyphenated form in either case;
//! `ipv4` and `ipv6` are what `std` parses. The tests of the `eventcat-e2e` crate compare every
//! format with `jsonschema` on a table of cases.

use std::net::{Ipv4Addr, Ipv6Addr};

/// A format a catalog property can carry (`format:` in the YAML, `date-time` from its type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `date-time`: RFC 3339.
    DateTime,
    /// `uuid`: hyphenated, either case.
    Uuid,
    /// `uri`: an RFC 3986 URI with a scheme.
    Uri,
    /// `uri-reference`: an RFC 3986 URI or relative reference.
    UriReference,
    /// `email`: an RFC 5321 mailbox.
    Email,
    /// `hostname`: an RFC 1034 host name.
    Hostname,
    /// `ipv4`: a dotted quad.
    Ipv4,
    /// `ipv6`: an RFC 4291 address.
    Ipv6,
}

impl Format {
    /// The JSON Schema name of the format.
    pub fn name(self) -> &'static str {
        match self {
            Format::DateTime => "date-time",
            Format::Uuid => "uuid",
            Format::Uri => "uri",
            Format::UriReference => "uri-reference",
            Format::Email => "email",
            Format::Hostname => "hostname",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
        }
    }

    /// Whether `text` has the format.
    pub fn is_valid(self, text: &str) -> bool {
        match self {
            Format::DateTime => is_date_time(text),
            Format::Uuid => is_uuid(text),
            Format::Uri => is_uri(text, true),
            Format::UriReference => is_uri(text, false),
            Format::Email => is_email(text),
            Format::Hostname => is_hostname(text),
            Format::Ipv4 => text.parse::<Ipv4Addr>().is_ok(),
            Format::Ipv6 => text.parse::<Ipv6Addr>().is_ok(),
        }
    }
}

/// `8-4-4-4-12` hexadecimal digits (either case) with hyphens.
pub fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// The parts of an RFC 3339 date-time, as the `date-time` format reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTimeParts {
    /// Year, 0 to 9999.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month.
    pub day: u8,
    /// Hour, 0 to 23.
    pub hour: u8,
    /// Minute, 0 to 59.
    pub minute: u8,
    /// 60 for a leap second.
    pub second: u8,
    /// Nanoseconds (fraction digits past the ninth are dropped).
    pub nanosecond: u32,
    /// The offset from UTC in seconds (`Z` is 0).
    pub offset_seconds: i32,
}

/// Whether `text` is an RFC 3339 date-time.
pub fn is_date_time(text: &str) -> bool {
    parse_date_time(text).is_some()
}

/// Reads an RFC 3339 date-time: `YYYY-MM-DD`, `T` (or `t`), `HH:MM:SS`, optional fraction, `Z`
/// (or `z`) or `±HH:MM`; a real calendar day; a leap second (`:60`) only at 23:59 UTC.
pub fn parse_date_time(text: &str) -> Option<DateTimeParts> {
    let separator = text.bytes().position(|b| b == b'T' || b == b't')?;
    let (date, time) = text.split_at(separator);
    let (year, month, day) = parse_date(date)?;
    let time = &time.as_bytes()[1..];
    if time.len() < 9 || time[2] != b':' || time[5] != b':' {
        return None;
    }
    let hour = two_digits(&time[0..2])?;
    let minute = two_digits(&time[3..5])?;
    let second = two_digits(&time[6..8])?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 8;
    let mut nanosecond = 0u32;
    if time.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while time.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 9 {
                nanosecond = nanosecond * 10 + u32::from(time[at] - b'0');
            }
            at += 1;
        }
        if at == start {
            return None;
        }
        for _ in (at - start)..9 {
            nanosecond *= 10;
        }
    }
    let offset_seconds = match time.get(at)? {
        b'Z' | b'z' if at + 1 == time.len() => 0,
        sign @ (b'+' | b'-') => {
            let offset = &time[at + 1..];
            if offset.len() != 5 || offset[2] != b':' {
                return None;
            }
            let hours = two_digits(&offset[0..2])?;
            let minutes = two_digits(&offset[3..5])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i32::from(hours) * 3600 + i32::from(minutes) * 60;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    if second == 60 {
        // A leap second happens at 23:59:60 UTC, whatever the local offset says.
        let local = i32::from(hour) * 60 + i32::from(minute);
        let utc = (local - offset_seconds / 60).rem_euclid(24 * 60);
        if utc != 23 * 60 + 59 {
            return None;
        }
    }
    Some(DateTimeParts {
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanosecond,
        offset_seconds,
    })
}

fn parse_date(date: &str) -> Option<(u16, u8, u8)> {
    let bytes = date.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = u16::from(two_digits(&bytes[0..2])?) * 100 + u16::from(two_digits(&bytes[2..4])?);
    let month = two_digits(&bytes[5..7])?;
    let day = two_digits(&bytes[8..10])?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&day).then_some((year, month, day))
}

fn two_digits(bytes: &[u8]) -> Option<u8> {
    match bytes {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => Some((a - b'0') * 10 + (b - b'0')),
        _ => None,
    }
}

/// An RFC 1034 host name: dot-separated labels of letters, digits and hyphens, each 1 to 63
/// characters, not starting or ending with a hyphen, at most 253 characters in all, no final
/// dot; a label with `--` in its third and fourth place must be a decodable `xn--` A-label.
pub fn is_hostname(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > 253 || bytes.last() == Some(&b'.') {
        return false;
    }
    bytes.split(|b| *b == b'.').all(|label| {
        let well_formed = !label.is_empty()
            && label.len() <= 63
            && label[0] != b'-'
            && label[label.len() - 1] != b'-'
            && label
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-');
        let reserved = label.len() >= 4 && label[2] == b'-' && label[3] == b'-';
        let a_label = label.starts_with(b"xn--");
        well_formed
            && (!reserved || (a_label && decodes_as_punycode(&label[4..])))
            && (!a_label || decodes_as_punycode(&label[4..]))
    })
}

/// Whether an A-label's payload decodes (RFC 3492) to non-ASCII text.
fn decodes_as_punycode(payload: &[u8]) -> bool {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    let (basic, encoded) = match payload.iter().rposition(|b| *b == b'-') {
        Some(at) if at > 0 => (&payload[..at], &payload[at + 1..]),
        _ => (&payload[..0], payload),
    };
    let mut length = basic.len() as u32;
    let (mut code_point, mut index, mut bias) = (128u32, 0u32, 72u32);
    let mut at = 0;
    let mut decoded_any = false;
    while at < encoded.len() {
        let previous = index;
        let mut weight = 1u32;
        let mut k = BASE;
        loop {
            let Some(&byte) = encoded.get(at) else {
                return false;
            };
            at += 1;
            let digit = match byte {
                b'0'..=b'9' => u32::from(byte - b'0') + 26,
                b'a'..=b'z' => u32::from(byte - b'a'),
                b'A'..=b'Z' => u32::from(byte - b'A'),
                _ => return false,
            };
            let Some(next) = digit
                .checked_mul(weight)
                .and_then(|step| index.checked_add(step))
            else {
                return false;
            };
            index = next;
            let threshold = if k <= bias {
                T_MIN
            } else if k >= bias + T_MAX {
                T_MAX
            } else {
                k - bias
            };
            if digit < threshold {
                break;
            }
            let Some(next) = weight.checked_mul(BASE - threshold) else {
                return false;
            };
            weight = next;
            k += BASE;
        }
        length += 1;
        let mut delta = (index - previous) / if previous == 0 { 700 } else { 2 };
        delta += delta / length;
        let mut k = 0;
        while delta > ((BASE - T_MIN) * T_MAX) / 2 {
            delta /= BASE - T_MIN;
            k += BASE;
        }
        bias = k + ((BASE - T_MIN + 1) * delta) / (delta + 38);
        let Some(next) = code_point.checked_add(index / length) else {
            return false;
        };
        code_point = next;
        index %= length;
        if char::from_u32(code_point).is_none() {
            return false;
        }
        index += 1;
        decoded_any = true;
    }
    decoded_any
}

/// An e-mail address: a dot-atom or quoted local part, `@`, and a host name or an address
/// literal (`[203.0.113.1]`, `[IPv6:2001:db8::1]`).
pub fn is_email(text: &str) -> bool {
    let Some(at) = text.rfind('@') else {
        return false;
    };
    let (local, domain) = (&text[..at], &text[at + 1..]);
    let local_ok = if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        let inner = &local[1..local.len() - 1];
        let mut escaped = false;
        inner.chars().all(|c| {
            let ok = escaped || (c != '"' && (c == ' ' || c.is_ascii_graphic()));
            escaped = !escaped && c == '\\';
            ok
        }) && !escaped
    } else {
        !local.is_empty()
            && local.len() <= 64
            && local.split('.').all(|atom| {
                !atom.is_empty()
                    && atom
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c))
            })
    };
    let domain_ok = match domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        Some(literal) => match literal.get(..5) {
            Some(tag) if tag.eq_ignore_ascii_case("IPv6:") => {
                literal[5..].parse::<Ipv6Addr>().is_ok()
            }
            _ => literal.parse::<Ipv4Addr>().is_ok(),
        },
        None => is_hostname(domain),
    };
    local_ok && domain_ok
}

const UNRESERVED_OR_SUB_DELIM: &str = "-._~!$&'()*+,;=";

fn is_pchar_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || UNRESERVED_OR_SUB_DELIM.as_bytes().contains(&b)
        || b == b':'
        || b == b'@'
}

/// The end of a run of bytes allowed by `allowed`, percent-encodings included; `None` on a
/// broken percent-encoding.
fn scan(bytes: &[u8], mut at: usize, allowed: impl Fn(u8) -> bool) -> Option<usize> {
    while let Some(&b) = bytes.get(at) {
        if b == b'%' {
            if !bytes.get(at + 1..at + 3)?.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            at += 3;
        } else if allowed(b) {
            at += 1;
        } else {
            break;
        }
    }
    Some(at)
}

/// An RFC 3986 URI (`absolute`: with a scheme) or URI reference.
pub fn is_uri(text: &str, absolute: bool) -> bool {
    let bytes = text.as_bytes();
    let scheme = bytes
        .first()
        .filter(|b| b.is_ascii_alphabetic())
        .and_then(|_| {
            let length = bytes
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))?;
            (bytes[length] == b':').then_some(length)
        });
    if absolute && scheme.is_none() {
        return false;
    }
    let mut at = scheme.map_or(0, |length| length + 1);
    if bytes[at..].starts_with(b"//") {
        let start = at + 2;
        let end = bytes[start..]
            .iter()
            .position(|b| matches!(b, b'/' | b'?' | b'#'))
            .map_or(bytes.len(), |p| start + p);
        if !authority(&bytes[start..end]) {
            return false;
        }
        at = end;
    } else if scheme.is_none()
        && bytes[at..]
            .iter()
            .find(|b| matches!(b, b':' | b'/' | b'?' | b'#'))
            == Some(&b':')
    {
        return false;
    }
    let Some(end) = scan(bytes, at, |b| is_pchar_byte(b) || b == b'/') else {
        return false;
    };
    at = end;
    for delimiter in [b'?', b'#'] {
        if bytes.get(at) == Some(&delimiter) {
            let Some(end) = scan(bytes, at + 1, |b| {
                is_pchar_byte(b) || b == b'/' || b == b'?'
            }) else {
                return false;
            };
            at = end;
        }
    }
    at == bytes.len()
}

/// `[ userinfo "@" ] host [ ":" port ]`, the host a reg-name or a bracketed IP literal.
fn authority(bytes: &[u8]) -> bool {
    let (userinfo, host_port) = match bytes.iter().rposition(|b| *b == b'@') {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (&bytes[..0], bytes),
    };
    let userinfo_ok = scan(userinfo, 0, |b| {
        b.is_ascii_alphanumeric() || UNRESERVED_OR_SUB_DELIM.as_bytes().contains(&b) || b == b':'
    }) == Some(userinfo.len());
    let (host_ok, rest) = if host_port.first() == Some(&b'[') {
        match host_port.iter().position(|b| *b == b']') {
            Some(close) => {
                let literal = std::str::from_utf8(&host_port[1..close]).unwrap_or("");
                let ok = literal.parse::<Ipv6Addr>().is_ok() || is_ip_future(literal);
                (ok, &host_port[close + 1..])
            }
            None => (false, &host_port[..0]),
        }
    } else {
        let end = host_port
            .iter()
            .position(|b| *b == b':')
            .unwrap_or(host_port.len());
        let host = &host_port[..end];
        let ok = scan(host, 0, |b| {
            b.is_ascii_alphanumeric() || UNRESERVED_OR_SUB_DELIM.as_bytes().contains(&b)
        }) == Some(host.len());
        (ok, &host_port[end..])
    };
    let port_ok = match rest.split_first() {
        None => true,
        Some((b':', port)) => port.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    };
    userinfo_ok && host_ok && port_ok
}

/// `v<hex>.<unreserved / sub-delims / ":">`.
fn is_ip_future(literal: &str) -> bool {
    let Some(rest) = literal.strip_prefix(['v', 'V']) else {
        return false;
    };
    let Some((version, address)) = rest.split_once('.') else {
        return false;
    };
    !version.is_empty()
        && version.bytes().all(|b| b.is_ascii_hexdigit())
        && !address.is_empty()
        && address.bytes().all(|b| {
            b.is_ascii_alphanumeric() || UNRESERVED_OR_SUB_DELIM.contains(b as char) || b == b':'
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times() {
        for (text, ok) in [
            ("2026-11-26T10:00:00Z", true),
            ("2026-11-26t10:00:00z", true),
            ("2026-11-26T10:00:00.123456789012+05:30", true),
            ("2024-02-29T00:00:00-00:00", true),
            ("2023-02-29T00:00:00Z", false),
            ("2026-13-01T00:00:00Z", false),
            ("2026-11-26 10:00:00Z", false),
            ("2026-11-26T10:00:00", false),
            ("2026-11-26T24:00:00Z", false),
            ("2026-11-26T10:00:00.Z", false),
            ("2026-12-31T23:59:60Z", true),
            ("2026-12-31T22:59:60-01:00", true),
            ("2026-12-31T22:59:60Z", false),
            ("2026-11-26T10:00:00+24:00", false),
            ("yesterday", false),
            ("", false),
        ] {
            assert_eq!(is_date_time(text), ok, "{text:?}");
        }
        let parts = parse_date_time("2026-11-26T10:00:00.5+01:00").unwrap();
        assert_eq!(parts.nanosecond, 500_000_000);
        assert_eq!(parts.offset_seconds, 3600);
    }

    #[test]
    fn uuids() {
        assert!(is_uuid("0b0c4b5e-8c1e-4a43-9d7e-3f2f0c9a1b2c"));
        assert!(is_uuid("0B0C4B5E-8C1E-4A43-9D7E-3F2F0C9A1B2C"));
        assert!(!is_uuid("0b0c4b5e8c1e4a439d7e3f2f0c9a1b2c"));
        assert!(!is_uuid("0b0c4b5e-8c1e-4a43-9d7e-3f2f0c9a1b2g"));
        assert!(!is_uuid("{0b0c4b5e-8c1e-4a43-9d7e-3f2f0c9a1b2c}"));
    }

    #[test]
    fn hostnames_emails_uris() {
        assert!(is_hostname("example.com"));
        assert!(is_hostname("xn--bcher-kva.example"));
        assert!(!is_hostname("ab--cd.example"));
        assert!(!is_hostname("-a.example"));
        assert!(!is_hostname("example.com."));
        assert!(is_email("joe.bloggs@example.com"));
        assert!(is_email("joe@[IPv6:2001:db8::1]"));
        assert!(!is_email("joe@@example.com"));
        assert!(!is_email("joe..bloggs@example.com"));
        assert!(is_uri("https://example.com/a?b#c", true));
        assert!(is_uri("http://[2001:db8::1]:8080/", true));
        assert!(!is_uri("/relative", true));
        assert!(is_uri("/relative", false));
        assert!(!is_uri("http://exa mple.com", true));
        assert!(!is_uri("http://example.com/%zz", true));
    }
}
