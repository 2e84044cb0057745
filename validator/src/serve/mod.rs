//! `eventcat-validate serve`: an HTTP collector over the validation engine, with a test API
//! like Snowplow Micro's and a page. See docs/serve.md.
//!
//! - [`args`]: the command line;
//! - [`schemas`]: the registry (embedded, a folder, or a catalog, reloaded by `--watch`);
//! - [`ingest`]: request bodies into events (forms, gzip, limits) and their verdicts;
//! - [`answer`]: the answer to an ingest request, a verdict per event;
//! - [`writer`]: the one thread that writes outputs and the store, and why a `200` means
//!   written;
//! - [`store`]: the bounded store and the test API's filters;
//! - [`routes`], [`auth`], [`metrics`], [`page`], [`shutdown`]: the HTTP side.

mod answer;
mod args;
mod auth;
mod dedupe;
mod ingest;
mod metrics;
mod page;
mod routes;
mod schemas;
mod shutdown;
mod store;
mod writer;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use args::Args;

use crate::outputs::{self, OutputOptions};

pub fn run(args: Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    auth::check_listen(
        args.listen,
        args.write_token.as_ref(),
        args.read_token.as_ref(),
        args.insecure,
    )?;
    let origin = match (&args.schemas, &args.catalog) {
        (published, Some(dir)) => schemas::Origin::catalog(dir.clone(), published.clone()),
        (Some(dir), None) => schemas::Origin::Dir(dir.clone()),
        (None, None) => schemas::Origin::Embedded,
    };
    let loaded = schemas::load(&origin)?;
    let schema_count = loaded.registry.len();
    let current = Arc::new(schemas::Current::new(loaded));
    let _watcher = match (&origin, args.watch) {
        (schemas::Origin::Catalog { .. }, true) => {
            Some(schemas::watch(origin.clone(), current.clone())?)
        }
        _ => None,
    };
    let cors = cors(&args.cors_origins)?;
    if args.on_invalid == args::OnInvalid::Forward
        && matches!(args.good, Some(outputs::OutputSpec::Postgres { .. }))
    {
        return Err(
            "--on-invalid forward cannot write to a postgres:// good output: the \
                    catalog's tables hold valid events only (their bad rows go to --bad)"
                .into(),
        );
    }
    let sink = outputs::open(
        args.good.as_ref(),
        args.bad.as_ref(),
        OutputOptions {
            rotate_bytes: args.rotate_bytes,
            fsync: args.fsync,
        },
    )?;
    let store = Arc::new(Mutex::new(store::Store::new(
        args.max_events,
        dedupe::Window::new(args.dedupe_window),
    )));
    let metrics = Arc::new(metrics::Metrics::new());
    let (jobs, writer) = writer::spawn(sink, store.clone(), metrics.clone(), args.on_invalid)?;
    let state = Arc::new(routes::AppState {
        current,
        writer: jobs.clone(),
        store,
        metrics,
        limits: ingest::Limits {
            max_event_bytes: args.max_event_bytes,
            max_request_bytes: args.max_request_bytes,
            max_request_events: args.max_request_events,
        },
        write_token: args.write_token.clone(),
        read_token: args.read_token.clone(),
    });
    let app = routes::router(state, cors);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let served: std::io::Result<()> = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", args.listen))
            })?;
        let address = listener.local_addr()?;
        tracing::info!(
            schemas = schema_count,
            on_invalid = ?args.on_invalid,
            dedupe_window = args.dedupe_window,
            fsync = args.fsync,
            "listening on http://{address}"
        );
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown::signal())
        .await
    });
    // Every request has been answered: nothing more comes to the writer.
    let _ = jobs.blocking_send(writer::Job::Close);
    let flushed = writer
        .join()
        .map_err(|_| "the writer thread panicked".to_owned())?;
    served?;
    flushed.map_err(|e| format!("cannot flush the outputs: {e}"))?;
    tracing::info!("stopped: every accepted event is written");
    Ok(ExitCode::SUCCESS)
}

fn cors(origins: &[String]) -> Result<CorsLayer, String> {
    let allow = if origins.is_empty() || origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let values = origins
            .iter()
            .map(|o| HeaderValue::from_str(o).map_err(|_| format!("not an origin: {o:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        AllowOrigin::list(values)
    };
    Ok(CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::CONTENT_ENCODING,
            header::AUTHORIZATION,
        ])
        .expose_headers([HeaderName::from_static("x-request-id")]))
}
