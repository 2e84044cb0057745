//! The page at `/`: a static HTML file and its script, embedded in the binary. No framework
//! and no build step; it polls the test API and writes every value with `textContent`, so
//! nothing from an event is ever read as HTML.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const HTML: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");

/// Scripts only from this server, no inline script, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

pub async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
        ],
        HTML,
    )
        .into_response()
}

pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}
