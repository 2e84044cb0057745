// A hand-written struct that conforms to user.logout 1.0.0: the derive accepts it and implements
// the catalog's EventProperties, so it slots into the generated Event envelope.
use serde::{Deserialize, Serialize};

eventcat_macros::include_catalog!("../../../../catalog", events = ["user.logout"]);

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Reason {
    Manual,
    Timeout,
    Forced,
}

#[derive(Debug, Serialize, Deserialize, eventcat_macros::Event)]
#[event(name = "user.logout", version = "1.0.0", catalog = "../../../../catalog")]
struct Logout {
    user_id: String,
    #[serde(rename = "organization_id")]
    org: String,
    session_id: String,
    session_duration: f64,
    logout_reason: Reason,
    logout_timestamp: time::OffsetDateTime,
}

fn main() {
    assert_eq!(<Logout as EventProperties>::EVENT_NAME, "user.logout");
    assert_eq!(<Logout as EventProperties>::EVENT_TYPE, "user.authentication");
    let payload = serde_json::json!({
        "event_id": "0b0c4b5e-8c1e-4a43-9d7e-3f2f0c9a1b2c",
        "event_type": "user.authentication",
        "event_name": "user.logout",
        "timestamp": "2026-11-26T10:00:00Z",
        "organization_id": "org-1",
        "version": "1.0.0",
        "source": "frontend",
        "environment": "staging",
        "properties": {
            "user_id": "user-1",
            "organization_id": "org-1",
            "session_id": "session-1",
            "session_duration": 12.5,
            "logout_reason": "timeout",
            "logout_timestamp": [2026, 330, 10, 0, 0, 0, 0, 0, 0]
        }
    });
    let event: Event<Logout> = serde_json::from_value(payload).unwrap();
    assert!(matches!(event.properties.logout_reason, Reason::Timeout));
}
