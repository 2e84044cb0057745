// The whole bundled catalog as types, and a payload round trip through them. trybuild builds each
// case in target/tests/trybuild/eventcat-macros, the CARGO_MANIFEST_DIR the path is relative to.
eventcat_macros::include_catalog!("../../../../catalog");

fn main() {
    let payload = serde_json::json!({
        "event_id": "0b0c4b5e-8c1e-4a43-9d7e-3f2f0c9a1b2c",
        "event_type": "user.authentication",
        "event_name": "user.logout",
        "timestamp": "2026-11-26T10:00:00Z",
        "organization_id": "org-1",
        "version": "1.0.0",
        "source": "frontend",
        "environment": "production",
        "properties": {
            "user_id": "user-1",
            "organization_id": "org-1",
            "session_id": "session-1",
            "session_duration": 12.5,
            "logout_reason": "manual",
            "logout_timestamp": "2026-11-26T10:00:00Z"
        }
    });
    let event: AnyEvent = serde_json::from_value(payload.clone()).unwrap();
    let AnyEvent::UserLogout(logout) = &event else { panic!("not a logout") };
    assert_eq!(logout.properties.logout_reason, UserLogoutLogoutReason::Manual);
    assert_eq!(serde_json::to_value(&event).unwrap(), payload);
}
