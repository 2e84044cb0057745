//! `/metrics`: accepted and rejected events per event, version and rule, request latency,
//! limit rejections, in the Prometheus (OpenMetrics) text format, by `prometheus-client`.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use eventcat_engine::{SchemaId, Verdict};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

use super::ingest::Checked;
use super::schemas::Loaded;

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

/// The writer's handles on the event counters, by schema: each label set is looked up in its
/// family once (when first counted), then counted by the schema's index, so counting an
/// event is an atomic add instead of building two label `String`s and hashing them into a
/// locked map (which showed in profiles of batches). Names and labels are the families'.
#[derive(Debug)]
pub struct EventCounters {
    metrics: Arc<Metrics>,
    /// The registry the handles are for; a reload (another registry) starts them again.
    loaded: Option<Arc<Loaded>>,
    /// By schema index, and a last slot for invalid events without a schema (empty labels).
    slots: Vec<Slot>,
}

#[derive(Debug, Default)]
struct Slot {
    accepted: Option<Counter>,
    rejected: Option<Counter>,
    duplicates: Option<Counter>,
    /// By rule; the rules are the engine's (a fixed set), so this stays short.
    errors: Vec<(Cow<'static, str>, Counter)>,
}

impl EventCounters {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        EventCounters {
            metrics,
            loaded: None,
            slots: Vec::new(),
        }
    }

    /// Counts a request's events, once they are written; `duplicates` (indexes, in order)
    /// count as duplicates, not as accepted.
    pub fn events(&mut self, loaded: &Arc<Loaded>, events: &[Checked], duplicates: &[usize]) {
        if !self.loaded.as_ref().is_some_and(|l| Arc::ptr_eq(l, loaded)) {
            self.loaded = Some(loaded.clone());
            self.slots.clear();
            self.slots
                .resize_with(loaded.registry.len() + 1, Slot::default);
        }
        let metrics = &*self.metrics;
        let labels = |schema: Option<SchemaId>| {
            let (event, version) = schema
                .map(|id| {
                    let (event, version) = loaded.names(id);
                    (event.to_string(), version.to_string())
                })
                .unwrap_or_default();
            EventLabels { event, version }
        };
        let counter = |family: &Family<EventLabels, Counter>, schema| {
            family.get_or_create(&labels(schema)).clone()
        };
        let mut duplicates = duplicates.iter().peekable();
        for (index, event) in events.iter().enumerate() {
            let duplicate = duplicates.next_if_eq(&&index).is_some();
            match &event.verdict {
                Verdict::Valid { schema } => {
                    let slot = &mut self.slots[schema.0 as usize];
                    let (handle, family) = if duplicate {
                        (&mut slot.duplicates, &metrics.duplicates)
                    } else {
                        (&mut slot.accepted, &metrics.accepted)
                    };
                    handle
                        .get_or_insert_with(|| counter(family, Some(*schema)))
                        .inc();
                }
                Verdict::Invalid(invalid) => {
                    // Labelled only by a schema of the registry: names straight from
                    // payloads would let any client grow the metrics without bound.
                    let at = invalid
                        .schema
                        .map_or(self.slots.len() - 1, |id| id.0 as usize);
                    let slot = &mut self.slots[at];
                    slot.rejected
                        .get_or_insert_with(|| counter(&metrics.rejected, invalid.schema))
                        .inc();
                    for error in &invalid.errors {
                        match slot.errors.iter().find(|(rule, _)| *rule == error.rule) {
                            Some((_, handle)) => {
                                handle.inc();
                            }
                            None => {
                                let EventLabels { event, version } = labels(invalid.schema);
                                let handle = metrics
                                    .errors
                                    .get_or_create(&RuleLabels {
                                        event,
                                        version,
                                        rule: error.rule.to_string(),
                                    })
                                    .clone();
                                handle.inc();
                                slot.errors.push((error.rule.clone(), handle));
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventcat_engine::{Invalid, PayloadError};

    fn valid(schema: u32) -> Checked {
        Checked {
            range: 0..0,
            verdict: Verdict::Valid {
                schema: SchemaId(schema),
            },
            event_id: None,
        }
    }

    fn invalid(schema: Option<u32>, rules: &[&'static str]) -> Checked {
        Checked {
            range: 0..0,
            verdict: Verdict::Invalid(Box::new(Invalid {
                event: Some("from.the_payload".into()),
                version: Some("9.9.9".into()),
                schema: schema.map(SchemaId),
                errors: rules
                    .iter()
                    .map(|rule| PayloadError::new("/x", *rule, "", ""))
                    .collect(),
            })),
            event_id: None,
        }
    }

    /// The cached handles count into the families' label sets, across requests and across a
    /// reload of the registry, and create no series that was not counted.
    #[test]
    fn counts_by_schema_add_up_across_requests_and_reloads() {
        let load = || {
            Arc::new(Loaded::new(eventcat_validate::embedded_sources()).expect("embedded schemas"))
        };
        let metrics = Arc::new(Metrics::new());
        let mut counters = EventCounters::new(metrics.clone());
        let first = load();
        let (event, version) = first.names(SchemaId(0)).clone();
        let events = [
            valid(0),
            valid(0),
            invalid(Some(0), &["type", "required", "type"]),
            invalid(None, &["json:syntax"]),
        ];
        counters.events(&first, &events, &[1]);
        counters.events(&first, &events, &[]);
        counters.events(&load(), &events, &[0]);
        let text = metrics.encode();
        let labels = format!("event=\"{event}\",version=\"{version}\"");
        for line in [
            format!("eventcat_events_accepted_total{{{labels}}} 4"),
            format!("eventcat_events_duplicate_total{{{labels}}} 2"),
            format!("eventcat_events_rejected_total{{{labels}}} 3"),
            format!("eventcat_event_errors_total{{{labels},rule=\"type\"}} 6"),
            format!("eventcat_event_errors_total{{{labels},rule=\"required\"}} 3"),
            "eventcat_events_rejected_total{event=\"\",version=\"\"} 3".to_owned(),
            "eventcat_event_errors_total{event=\"\",version=\"\",rule=\"json:syntax\"} 3"
                .to_owned(),
        ] {
            assert!(text.lines().any(|l| l == line), "no {line} in\n{text}");
        }
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("eventcat_events_") && !l.starts_with('#'))
                .count(),
            4,
            "only the label sets counted: {text}"
        );
    }
}
