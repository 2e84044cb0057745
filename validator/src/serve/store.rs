//! The recent events the test API (`/micro/*`) and the page read: a bounded queue, the oldest
//! dropped first, so memory stays flat however long the server runs; and Snowplow Micro's
//! filters over it.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use eventcat_engine::PayloadError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::dedupe::Window;

/// One event as the test API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Stored {
    #[serde(skip)]
    pub valid: bool,
    pub request_id: Arc<str>,
    pub index: u64,
    pub received_at: Arc<str>,
    /// The payload's `event_name` and `version`, when it has string ones (for a good event,
    /// shared with its schema's).
    pub event: Option<Arc<str>>,
    pub version: Option<Arc<str>>,
    pub event_id: Option<Arc<str>>,
    /// Every error (none for a good event, and then not shown).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<PayloadError>,
    /// The payload's bytes as received: a slice of one copy per request of its stored
    /// payloads (see `writer::remember`), shown through [`Stored::payload_text`].
    #[serde(skip)]
    pub payload: Bytes,
}

impl Stored {
    /// The payload as text (lossy when it was not UTF-8; borrowed when it was).
    pub fn payload_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.payload)
    }
}

/// Counts since the start or the last reset, and what is kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub total: u64,
    pub good: u64,
    pub bad: u64,
    /// Good events not written again: their `event_id` was in the dedupe window. Not in
    /// `total`, `good` or `stored`.
    pub duplicates: u64,
    /// Events the store holds now (at most `--max-events`).
    pub stored: u64,
}

#[derive(Debug)]
pub struct Store {
    events: VecDeque<Arc<Stored>>,
    max: usize,
    good: u64,
    bad: u64,
    duplicates: u64,
    /// The `event_id`s of the good events written last (`--dedupe-window`). Kept here, under
    /// the store's lock, so that `/micro/reset` forgets them with the events: a test suite that
    /// resets and sends its fixtures again sees them again.
    pub window: Window,
}

impl Store {
    pub fn new(max: usize, window: Window) -> Self {
        Store {
            events: VecDeque::with_capacity(max.min(1 << 16)),
            max,
            good: 0,
            bad: 0,
            duplicates: 0,
            window,
        }
    }

    /// Counts a duplicate (not stored).
    pub fn duplicate(&mut self) {
        self.duplicates += 1;
    }

    pub fn push(&mut self, event: Stored) {
        if event.valid {
            self.good += 1;
        } else {
            self.bad += 1;
        }
        if self.max == 0 {
            return;
        }
        if self.events.len() == self.max {
            self.events.pop_front();
        }
        self.events.push_back(Arc::new(event));
    }

    pub fn counts(&self) -> Counts {
        Counts {
            total: self.good + self.bad,
            good: self.good,
            bad: self.bad,
            duplicates: self.duplicates,
            stored: self.events.len() as u64,
        }
    }

    pub fn reset(&mut self) {
        self.events.clear();
        self.good = 0;
        self.bad = 0;
        self.duplicates = 0;
        self.window.clear();
    }

    /// The good (or bad) events, newest first, for filtering outside the lock.
    pub fn snapshot(&self, valid: bool) -> Vec<Arc<Stored>> {
        self.events
            .iter()
            .rev()
            .filter(|e| e.valid == valid)
            .cloned()
            .collect()
    }
}

/// Micro's filters: every one given must hold. From the query string (`GET`) or a JSON body
/// (`POST`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// The payload's `event_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Some error has this rule (`type`, `required`, `privacy:hashed`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Some error is at this JSON pointer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// With `equals`: the value at this JSON pointer of the payload
    /// (`/properties/login_method`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// The value `property` must have. A string also matches the value it is the JSON text of
    /// (`3`, `true`), so a query string can ask for any value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    /// At most this many events (newest first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

impl Filter {
    pub fn check(&self) -> Result<(), String> {
        if self.equals.is_some() != self.property.is_some() {
            return Err("`property` and `equals` go together".to_owned());
        }
        match &self.property {
            Some(property) if !(property.is_empty() || property.starts_with('/')) => Err(format!(
                "`property` is a JSON pointer (`/properties/name`), not {property:?}"
            )),
            _ => Ok(()),
        }
    }

    pub fn apply(&self, events: Vec<Arc<Stored>>) -> Vec<Arc<Stored>> {
        let limit = self.limit.unwrap_or(usize::MAX);
        events
            .into_iter()
            .filter(|e| self.matches(e))
            .take(limit)
            .collect()
    }

    fn matches(&self, event: &Stored) -> bool {
        let same = |want: &Option<String>, have: &Option<Arc<str>>| {
            want.as_ref()
                .is_none_or(|w| have.as_deref() == Some(w.as_str()))
        };
        same(&self.event_name, &event.event)
            && same(&self.version, &event.version)
            && self
                .rule
                .as_ref()
                .is_none_or(|rule| event.errors.iter().any(|e| e.rule == rule.as_str()))
            && self
                .pointer
                .as_ref()
                .is_none_or(|pointer| event.errors.iter().any(|e| &e.pointer == pointer))
            && self.property_matches(event)
    }

    fn property_matches(&self, event: &Stored) -> bool {
        let (Some(pointer), Some(want)) = (&self.property, &self.equals) else {
            return true;
        };
        let Ok(payload) = serde_json::from_str::<Value>(&event.payload_text()) else {
            return false;
        };
        let Some(have) = payload.pointer(pointer) else {
            return false;
        };
        have == want
            || matches!(want, Value::String(text)
                if serde_json::from_str::<Value>(text).is_ok_and(|v| &v == have))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(n: u64, valid: bool, payload: Value, errors: Vec<PayloadError>) -> Stored {
        Stored {
            valid,
            request_id: "r".into(),
            index: n,
            received_at: "t".into(),
            event: payload["event_name"].as_str().map(Arc::from),
            version: payload["version"].as_str().map(Arc::from),
            event_id: None,
            errors,
            payload: payload.to_string().into(),
        }
    }

    #[test]
    fn the_store_keeps_the_newest_and_counts_everything() {
        let mut store = Store::new(2, Window::new(0));
        for n in 0..5 {
            store.push(stored(n, n % 2 == 0, serde_json::json!({}), vec![]));
        }
        assert_eq!(
            store.counts(),
            Counts {
                total: 5,
                good: 3,
                bad: 2,
                duplicates: 0,
                stored: 2
            }
        );
        let good: Vec<u64> = store.snapshot(true).iter().map(|e| e.index).collect();
        let bad: Vec<u64> = store.snapshot(false).iter().map(|e| e.index).collect();
        assert_eq!((good, bad), (vec![4], vec![3]));
        store.reset();
        assert_eq!(store.counts(), Counts::default());
    }

    #[test]
    fn every_filter_narrows() {
        use serde_json::json;
        let events: Vec<Arc<Stored>> = vec![
            stored(
                0,
                false,
                json!({"event_name": "a.b", "version": "1.0.0", "properties": {"n": 3, "s": "x"}}),
                vec![PayloadError::new(
                    "/properties/n",
                    "maximum",
                    "at most 2",
                    "3",
                )],
            ),
            stored(
                1,
                false,
                json!({"event_name": "a.b", "version": "2.0.0", "properties": {"n": 1, "s": "3"}}),
                vec![PayloadError::new(
                    "/properties/s",
                    "type",
                    "an integer",
                    "\"3\"",
                )],
            ),
            stored(
                2,
                false,
                json!({"event_name": "c.d", "version": "1.0.0", "properties": {"n": true}}),
                vec![],
            ),
        ]
        .into_iter()
        .map(Arc::new)
        .collect();
        let property = |p: &str, v: Value| Filter {
            property: Some(p.into()),
            equals: Some(v),
            ..Filter::default()
        };
        for (filter, expected) in [
            (Filter::default(), vec![0, 1, 2]),
            (
                Filter {
                    event_name: Some("a.b".into()),
                    ..Filter::default()
                },
                vec![0, 1],
            ),
            (
                Filter {
                    version: Some("1.0.0".into()),
                    ..Filter::default()
                },
                vec![0, 2],
            ),
            (
                Filter {
                    rule: Some("type".into()),
                    ..Filter::default()
                },
                vec![1],
            ),
            (
                Filter {
                    pointer: Some("/properties/n".into()),
                    ..Filter::default()
                },
                vec![0],
            ),
            (
                Filter {
                    limit: Some(2),
                    ..Filter::default()
                },
                vec![0, 1],
            ),
            (property("/properties/n", json!(3)), vec![0]),
            (property("/properties/n", json!("3")), vec![0]),
            (property("/properties/s", json!("3")), vec![1]),
            (property("/properties/n", json!("true")), vec![2]),
            (property("/properties/missing", json!(1)), vec![]),
            (
                Filter {
                    event_name: Some("a.b".into()),
                    ..property("/properties/s", json!("x"))
                },
                vec![0],
            ),
        ] {
            let got: Vec<u64> = filter
                .apply(events.clone())
                .iter()
                .map(|e| e.index)
                .collect();
            assert_eq!(got, expected, "{filter:?}");
        }
    }

    #[test]
    fn property_and_equals_go_together() {
        assert!(
            Filter {
                property: Some("/a".into()),
                ..Filter::default()
            }
            .check()
            .is_err()
        );
        assert!(
            Filter {
                equals: Some(Value::Null),
                ..Filter::default()
            }
            .check()
            .is_err()
        );
        assert!(
            Filter {
                property: Some("a".into()),
                equals: Some(Value::Null),
                ..Filter::default()
            }
            .check()
            .is_err()
        );
    }
}
