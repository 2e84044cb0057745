//! `/metrics`: accepted and rejected events per event, version and rule, request latency,
//! limit rejections, in the Prometheus (OpenMetrics) text format, by `prometheus-client`.

use std::time::Duration;

use eventcat_engine::{Registry, Verdict};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

use super::ingest::Checked;

/// The content type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    event: String,
    version: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RuleLabels {
    event: String,
    version: String,
    rule: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

#[derive(Debug)]
pub struct Metrics {
    registry: prometheus_client::registry::Registry,
    accepted: Family<EventLabels, Counter>,
    rejected: Family<EventLabels, Counter>,
    duplicates: Family<EventLabels, Counter>,
    errors: Family<RuleLabels, Counter>,
    latency: HistogramFamily,
    limits: Family<LimitLabels, Counter>,
}

fn latency_histogram() -> Histogram {
    // 100 µs to ~3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = prometheus_client::registry::Registry::with_prefix("eventcat");
        let accepted = Family::default();
        let rejected = Family::default();
        let duplicates = Family::default();
        let errors = Family::default();
        let latency = HistogramFamily::new_with_constructor(latency_histogram as fn() -> Histogram);
        let limits = Family::default();
        registry.register(
            "events_accepted",
            "Valid events, by event and version",
            accepted.clone(),
        );
        registry.register(
            "events_rejected",
            "Invalid events, by event and version (empty when the registry has no such schema)",
            rejected.clone(),
        );
        registry.register(
            "events_duplicate",
            "Valid events not written again: their event_id was in the dedupe window",
            duplicates.clone(),
        );
        registry.register(
            "event_errors",
            "Errors found in invalid events, by event, version and rule",
            errors.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer a request, by method, route and status",
            latency.clone(),
        );
        registry.register(
            "limit_rejections",
            "Requests refused for being over a limit, by limit",
            limits.clone(),
        );
        Metrics {
            registry,
            accepted,
            rejected,
            duplicates,
            errors,
            latency,
            limits,
        }
    }

    /// Counts a request's events, once they are written; `duplicates` (indexes, in order)
    /// count as duplicates, not as accepted.
    pub fn events(&self, registry: &Registry, events: &[Checked], duplicates: &[usize]) {
        let mut duplicates = duplicates.iter().peekable();
        for (index, event) in events.iter().enumerate() {
            let duplicate = duplicates.next_if_eq(&&index).is_some();
            match &event.verdict {
                Verdict::Valid { schema } => {
                    let schema = registry.schema(*schema);
                    let family = if duplicate {
                        &self.duplicates
                    } else {
                        &self.accepted
                    };
                    family
                        .get_or_create(&EventLabels {
                            event: schema.event.clone(),
                            version: schema.version.clone(),
                        })
                        .inc();
                }
                Verdict::Invalid(invalid) => {
                    // Labelled only by a schema of the registry: names straight from
                    // payloads would let any client grow the metrics without bound.
                    let (event, version) = invalid
                        .schema
                        .map(|id| {
                            let schema = registry.schema(id);
                            (schema.event.clone(), schema.version.clone())
                        })
                        .unwrap_or_default();
                    self.rejected
                        .get_or_create(&EventLabels {
                            event: event.clone(),
                            version: version.clone(),
                        })
                        .inc();
                    for error in &invalid.errors {
                        self.errors
                            .get_or_create(&RuleLabels {
                                event: event.clone(),
                                version: version.clone(),
                                rule: error.rule.to_string(),
                            })
                            .inc();
                    }
                }
            }
        }
    }

    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .observe(took.as_secs_f64());
    }

    pub fn limit(&self, limit: &str) {
        self.limits
            .get_or_create(&LimitLabels {
                limit: limit.to_owned(),
            })
            .inc();
    }

    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
