//! Access: a write token for ingest, a read token for the test API, the page and `/metrics`.
//!
//! A token comes as `Authorization: Bearer TOKEN`, or as Basic credentials with the token as
//! the user name (Segment's writeKey; a browser asks for it on the page). Tokens are compared
//! in constant time and never logged.

use std::net::SocketAddr;

use axum::http::HeaderValue;
use base64::Engine as _;
use subtle::ConstantTimeEq;

use super::args::Secret;

/// Who a request is, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// It showed the token of the route.
    Token,
    /// The route needs no token.
    Anonymous,
}

impl Who {
    pub fn as_str(self) -> &'static str {
        match self {
            Who::Token => "token",
            Who::Anonymous => "anonymous",
        }
    }
}

/// Whether a request may use a route that needs `expected` (none: open to all).
pub fn check(expected: Option<&Secret>, authorization: Option<&HeaderValue>) -> Option<Who> {
    let Some(expected) = expected else {
        return Some(Who::Anonymous);
    };
    let presented = authorization.and_then(presented)?;
    bool::from(presented.as_slice().ct_eq(expected.0.as_bytes())).then_some(Who::Token)
}

/// The token in an `Authorization` header: Bearer's, or Basic's user name.
fn presented(header: &HeaderValue) -> Option<Vec<u8>> {
    let text = header.to_str().ok()?.trim();
    let (scheme, credentials) = text.split_once(' ')?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        Some(credentials.as_bytes().to_vec())
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credentials)
            .ok()?;
        let user = match memchr::memchr(b':', &decoded) {
            Some(colon) => decoded[..colon].to_vec(),
            None => decoded,
        };
        Some(user)
    } else {
        None
    }
}

/// Refuses to listen beyond loopback without both tokens, unless told `--insecure`.
pub fn check_listen(
    listen: SocketAddr,
    write: Option<&Secret>,
    read: Option<&Secret>,
    insecure: bool,
) -> Result<(), String> {
    if listen.ip().is_loopback() || (write.is_some() && read.is_some()) || insecure {
        return Ok(());
    }
    Err(format!(
        "refusing to listen on {listen} without a write token and a read token: anyone who \
         reaches it could send events and read them back. Set --write-token and --read-token \
         (or EVENTCAT_WRITE_TOKEN and EVENTCAT_READ_TOKEN), listen on 127.0.0.1, or pass \
         --insecure"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> HeaderValue {
        HeaderValue::from_str(text).unwrap()
    }

    #[test]
    fn tokens_are_read_from_bearer_and_basic() {
        let secret = Secret("s3cret".into());
        let basic = |credentials: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(credentials)
            )
        };
        for (authorization, allowed) in [
            (Some("Bearer s3cret".to_owned()), true),
            (Some("bearer  s3cret ".to_owned()), true),
            (Some(basic("s3cret:")), true),
            (Some(basic("s3cret")), true),
            (Some(basic("s3cret:anything")), true),
            (Some(basic(":s3cret")), false),
            (Some("Bearer s3cre".to_owned()), false),
            (Some("Bearer s3cret2".to_owned()), false),
            (Some("Token s3cret".to_owned()), false),
            (Some("Basic !!!".to_owned()), false),
            (None, false),
        ] {
            let value = authorization.as_deref().map(header);
            assert_eq!(
                check(Some(&secret), value.as_ref()).is_some(),
                allowed,
                "{authorization:?}"
            );
        }
        assert_eq!(check(None, None), Some(Who::Anonymous));
    }

    #[test]
    fn only_loopback_is_open_without_both_tokens() {
        let token = Secret("t".into());
        let loopback: SocketAddr = "127.0.0.1:9090".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:9090".parse().unwrap();
        assert!(check_listen(loopback, None, None, false).is_ok());
        assert!(check_listen("[::1]:9090".parse().unwrap(), None, None, false).is_ok());
        assert!(check_listen(any, None, None, false).is_err());
        assert!(check_listen(any, Some(&token), None, false).is_err());
        assert!(check_listen(any, None, Some(&token), false).is_err());
        assert!(check_listen(any, Some(&token), Some(&token), false).is_ok());
        assert!(check_listen(any, None, None, true).is_ok());
    }
}
