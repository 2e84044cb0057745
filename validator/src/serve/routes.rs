//! The HTTP API: routes, access per route, and one log line per request.
//!
//! | route | access | what |
//! |---|---|---|
//! | `POST /v1/events` | write token | validate, write, answer a verdict per event |
//! | `GET /micro/all`, `GET\|POST /micro/good`, `/micro/bad`, `POST /micro/reset`, `GET /micro/schemas[/{event}/{version}]` | read token | the test API |
//! | `GET /`, `/page.js`, `/metrics` | read token | the page, Prometheus text |
//! | `GET /healthz`, `/readyz`, `/openapi.json` | open | operations, the API's document |

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Extension, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot};

use super::answer;
use super::args::Secret;
use super::auth::{self, Who};
use super::ingest::{self, Checked, Form, Limits, Refusal};
use super::metrics::{self, Metrics};
use super::page;
use super::schemas::Current;
use super::store::{Filter, Store, Stored};
use super::writer::{Batch, Job};

/// The OpenAPI 3.1 document of this API, checked in beside the crate's manifest.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    pub current: Arc<Current>,
    pub writer: mpsc::Sender<Job>,
    pub store: Arc<Mutex<Store>>,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
    pub write_token: Option<Secret>,
    pub read_token: Option<Secret>,
}

type Shared = Arc<AppState>;

/// A request's id (also sent back as `x-request-id`) and its peer.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub id: Arc<str>,
    pub peer: Option<SocketAddr>,
}

pub fn router(state: Shared, cors: tower_http::cors::CorsLayer) -> Router {
    let write = Router::new()
        .route("/v1/events", post(ingest_events))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_write));
    let read = Router::new()
        .route("/", get(page::index))
        .route("/page.js", get(page::script))
        .route("/metrics", get(metrics_text))
        .route("/micro/all", get(micro_all))
        .route("/micro/good", get(good_query).post(good_body))
        .route("/micro/bad", get(bad_query).post(bad_body))
        .route("/micro/reset", post(micro_reset))
        .route("/micro/schemas", get(schema_list))
        .route("/micro/schemas/{event}/{version}", get(schema_text))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_read));
    let open = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/openapi.json", get(openapi));
    Router::new()
        .merge(write)
        .merge(read)
        .merge(open)
        .fallback(not_found)
        .layer(cors)
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// The JSON body of every error answer.
#[derive(Debug, Serialize)]
struct ErrorBody {
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    json_response(
        status,
        &ErrorBody {
            error: message.into(),
            limit: None,
            line: None,
            column: None,
        },
    )
}

fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            Body::from(body),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn refusal(state: &AppState, refusal: Refusal) -> Response {
    let (status, body) = match refusal {
        Refusal::TooLarge { limit, message } => {
            state.metrics.limit(limit);
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorBody {
                    error: message,
                    limit: Some(limit),
                    line: None,
                    column: None,
                },
            )
        }
        Refusal::NotJson {
            message,
            line,
            column,
        } => (
            StatusCode::BAD_REQUEST,
            ErrorBody {
                error: message,
                limit: None,
                line: Some(line),
                column: Some(column),
            },
        ),
        Refusal::Unreadable { message } => (
            StatusCode::BAD_REQUEST,
            ErrorBody {
                error: message,
                limit: None,
                line: None,
                column: None,
            },
        ),
        Refusal::Unsupported { message } => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorBody {
                error: message,
                limit: None,
                line: None,
                column: None,
            },
        ),
    };
    json_response(status, &body)
}

/// Whether a client's `x-request-id` is kept: 1 to 64 letters, digits and `-_.:`, so it can
/// appear in logs, headers and rows as it is.
fn is_request_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Request id, latency metric and the one log line of every request.
async fn observe(State(state): State<Shared>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    // A client's own id (a retry sends the same one, so outputs keyed by it, such as
    // PostgreSQL's bad_events, store a retried request once); else a new one.
    let id: Arc<str> = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_request_id(id))
        .map_or_else(|| format!("{:016x}", fastrand::u64(..)).into(), Arc::from);
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    request.extensions_mut().insert(RequestInfo {
        id: id.clone(),
        peer,
    });
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let took = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.request(method.as_str(), &route, status, took);
    tracing::info!(
        target: "eventcat::http",
        request_id = %id,
        peer = %peer.map(|p| p.to_string()).unwrap_or_default(),
        method = %method,
        path = %path,
        status,
        micros = took.as_micros() as u64,
        "request"
    );
    response
}

async fn require_write(State(state): State<Shared>, request: Request, next: Next) -> Response {
    require(state.write_token.as_ref(), "Bearer", request, next).await
}

async fn require_read(State(state): State<Shared>, request: Request, next: Next) -> Response {
    require(state.read_token.as_ref(), "Basic", request, next).await
}

async fn require(
    token: Option<&Secret>,
    challenge: &'static str,
    mut request: Request,
    next: Next,
) -> Response {
    match auth::check(token, request.headers().get(header::AUTHORIZATION)) {
        Some(who) => {
            request.extensions_mut().insert(who);
            next.run(request).await
        }
        None => {
            let mut response = error(
                StatusCode::UNAUTHORIZED,
                "this route needs a token: `Authorization: Bearer TOKEN`, or Basic with the \
                 token as user name",
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(if challenge == "Basic" {
                    "Basic realm=\"eventcat\""
                } else {
                    "Bearer realm=\"eventcat\""
                }),
            );
            response
        }
    }
}

async fn ingest_events(
    State(state): State<Shared>,
    Extension(info): Extension<RequestInfo>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let received_at: Arc<str> = now().into();
    let limits = state.limits;
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let form = match Form::from_content_type(text(header::CONTENT_TYPE)) {
        Ok(form) => form,
        Err(r) => return refusal(&state, r),
    };
    let bytes = match axum::body::to_bytes(body, limits.max_request_bytes).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let over = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            return if over {
                refusal(&state, ingest::too_large_request(&limits))
            } else {
                error(
                    StatusCode::BAD_REQUEST,
                    format!("cannot read the body: {e}"),
                )
            };
        }
    };
    let body = match ingest::decode_body(text(header::CONTENT_ENCODING), bytes, &limits) {
        Ok(body) => body,
        Err(r) => return refusal(&state, r),
    };
    let loaded = state.current.get();
    let events: Arc<[Checked]> = match ingest::read(&loaded.registry, &body, form, &limits) {
        Ok(events) => events.into(),
        Err(r) => return refusal(&state, r),
    };
    let (reply, written) = oneshot::channel();
    let batch = Batch {
        loaded: loaded.clone(),
        request_id: info.id.clone(),
        received_at,
        body,
        events: events.clone(),
        reply,
    };
    if state.writer.send(Job::Batch(batch)).await.is_err() {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down",
        );
    }
    match written.await {
        Ok(Ok(written)) => {
            let answer = answer::answer(&info.id, &loaded.registry, &events, &written.duplicates);
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from(answer.to_json()),
            )
                .into_response()
        }
        Ok(Err(e)) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the events could not be written, none is acknowledged: {e}"),
        ),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the writer stopped before writing the events",
        ),
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn micro_all(State(state): State<Shared>) -> Response {
    let counts = eventcat_validate::lock(&state.store).counts();
    json_response(StatusCode::OK, &counts)
}

async fn micro_reset(
    State(state): State<Shared>,
    Extension(info): Extension<RequestInfo>,
    Extension(who): Extension<Who>,
) -> Response {
    let mut store = eventcat_validate::lock(&state.store);
    store.reset();
    tracing::info!(
        target: "eventcat::audit",
        request_id = %info.id,
        who = who.as_str(),
        peer = %info.peer.map(|p| p.to_string()).unwrap_or_default(),
        "reset the stored events"
    );
    json_response(StatusCode::OK, &store.counts())
}

/// A stored event as `/micro/good` and `/micro/bad` list it: a good event's payload as JSON,
/// a bad one's as the text received (it may not be JSON).
#[derive(Debug, Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    stored: &'a Stored,
    payload: Payload<'a>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Payload<'a> {
    Json(Box<RawValue>),
    Text(&'a str),
}

fn list(state: &AppState, info: &RequestInfo, who: Who, valid: bool, filter: Filter) -> Response {
    if let Err(message) = filter.check() {
        return error(StatusCode::BAD_REQUEST, message);
    }
    let snapshot = eventcat_validate::lock(&state.store).snapshot(valid);
    let events = filter.apply(snapshot);
    tracing::info!(
        target: "eventcat::audit",
        request_id = %info.id,
        who = who.as_str(),
        peer = %info.peer.map(|p| p.to_string()).unwrap_or_default(),
        read = if valid { "good" } else { "bad" },
        filter = %serde_json::to_string(&filter).unwrap_or_default(),
        returned = events.len(),
        "read stored events"
    );
    let texts: Vec<Cow<'_, str>> = events.iter().map(|e| e.payload_text()).collect();
    let listed: Vec<Listed<'_>> = events
        .iter()
        .zip(&texts)
        .map(|(stored, text)| Listed {
            stored,
            payload: match valid {
                true => RawValue::from_string(text.trim().to_owned())
                    .map_or(Payload::Text(text), Payload::Json),
                false => Payload::Text(text),
            },
        })
        .collect();
    json_response(StatusCode::OK, &listed)
}

type FilterQuery = Result<Query<Filter>, axum::extract::rejection::QueryRejection>;

fn from_query(query: FilterQuery) -> Result<Filter, String> {
    query.map(|Query(filter)| filter).map_err(|e| e.body_text())
}

fn from_body(body: &Bytes) -> Result<Filter, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Filter::default());
    }
    serde_json::from_slice(body).map_err(|e| format!("not a filter: {e}"))
}

async fn good_query(
    State(state): State<Shared>,
    Extension(info): Extension<RequestInfo>,
    Extension(who): Extension<Who>,
    query: FilterQuery,
) -> Response {
    match from_query(query) {
        Ok(filter) => list(&state, &info, who, true, filter),
        Err(message) => error(StatusCode::BAD_REQUEST, message),
    }
}

async fn good_body(
    State(state): State<Shared>,
    Extension(info): Extension<RequestInfo>,
    Extension(who): Extension<Who>,
    body: Bytes,
) -> Response {
    match from_body(&body) {
        Ok(filter) => list(&state, &info, who, true, filter),
        Err(message) => error(StatusCode::BAD_REQUEST, message),
    }
}

async fn bad_query(
    State(state): State<Shared>,
    Extension(info): Extension<RequestInfo>,
    Extension(who): Extension<Who>,
    query: FilterQuery,
) -> Response {
    match from_query(query) {
        Ok(filter) => list(&state, &info, who, false, filter),
        Err(message) => error(StatusCode::BAD_REQUEST, message),
    }
}

async fn bad_body(
    State(state): State<Shared>,
    Extension(info): Extension<RequestInfo>,
    Extension(who): Extension<Who>,
    body: Bytes,
) -> Response {
    match from_body(&body) {
        Ok(filter) => list(&state, &info, who, false, filter),
        Err(message) => error(StatusCode::BAD_REQUEST, message),
    }
}

#[derive(Debug, Serialize)]
struct SchemaEntry<'a> {
    event_name: &'a str,
    version: &'a str,
}

async fn schema_list(State(state): State<Shared>) -> Response {
    let loaded = state.current.get();
    let mut entries: Vec<SchemaEntry<'_>> = loaded
        .registry
        .schemas()
        .map(|(_, s)| SchemaEntry {
            event_name: &s.event,
            version: &s.version,
        })
        .collect();
    entries.sort_by(|a, b| (a.event_name, a.version).cmp(&(b.event_name, b.version)));
    json_response(StatusCode::OK, &entries)
}

async fn schema_text(
    State(state): State<Shared>,
    Path((event, version)): Path<(String, String)>,
) -> Response {
    let loaded = state.current.get();
    match loaded.registry.lookup(&event, &version) {
        Some(id) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/schema+json")],
            loaded.text(id).to_string(),
        )
            .into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format!("no schema for {event} {version}: see /micro/schemas"),
        ),
    }
}

async fn metrics_text(State(state): State<Shared>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        state.metrics.encode(),
    )
        .into_response()
}

#[derive(Debug, Serialize)]
struct Status {
    status: &'static str,
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, &Status { status: "ok" })
}

async fn readyz(State(state): State<Shared>) -> Response {
    if state.writer.is_closed() {
        json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &Status {
                status: "the writer has stopped",
            },
        )
    } else {
        json_response(StatusCode::OK, &Status { status: "ready" })
    }
}

async fn openapi() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such route: see /openapi.json")
}
