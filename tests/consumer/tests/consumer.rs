//! The build.rs-generated types work as a consumer uses them.

use eventcat_consumer_example::{
    AnyEvent, Environment, EventContext, EventId, EventProperties, OrganizationId, Source,
    Timestamp, UserLogin, UserLoginDeviceType, UserLoginIpAddress, UserLoginLoginMethod,
    UserLoginOrganizationId, UserLoginProperties, UserLoginSessionId, UserLoginUserId,
};

fn properties(at: Timestamp) -> UserLoginProperties {
    UserLoginProperties {
        user_id: UserLoginUserId::new("user-1").unwrap(),
        organization_id: UserLoginOrganizationId::new("org-1").unwrap(),
        login_method: UserLoginLoginMethod::Sso,
        device_type: UserLoginDeviceType::Desktop,
        browser: "Firefox 140".to_owned(),
        ip_address: UserLoginIpAddress::from_ip("203.0.113.7".parse().unwrap()),
        session_id: UserLoginSessionId::new("session-1").unwrap(),
        login_timestamp: at,
    }
}

fn login() -> UserLogin {
    let at = Timestamp::parse("2026-11-26T10:00:00Z").unwrap();
    UserLogin::new(
        EventId::new("0b0c4b5e-8c1e-4a43-9d7e-3f2f0c9a1b2c").unwrap(),
        at,
        OrganizationId::new("org-1").unwrap(),
        Source::new("frontend").unwrap(),
        Environment::Production,
        properties(at),
    )
}

#[test]
fn a_typed_event_serializes_with_its_constants() {
    let json = serde_json::to_value(login()).unwrap();
    assert_eq!(json["event_name"], "user.login");
    assert_eq!(json["event_type"], "user.authentication");
    assert_eq!(json["version"], UserLoginProperties::VERSION);
    assert_eq!(json["properties"]["login_method"], "sso");
    assert!(
        json.get("user_id").is_none(),
        "absent optional fields are not written"
    );
}

#[test]
fn any_event_dispatches_on_event_name_and_round_trips() {
    let json = serde_json::to_value(login()).unwrap();
    let any: AnyEvent = serde_json::from_value(json.clone()).unwrap();
    assert!(
        matches!(&any, AnyEvent::UserLogin(event) if event.properties.browser == "Firefox 140")
    );
    assert_eq!(serde_json::to_value(&any).unwrap(), json);
}

#[test]
fn only_the_chosen_events_were_generated() {
    assert_eq!(AnyEvent::EVENT_NAMES, &["user.login"]);
}

#[test]
fn the_extra_derives_were_applied() {
    fn eq_and_hash<T: Eq + std::hash::Hash>(_: &T) {}
    eq_and_hash(&login());
}

#[test]
fn a_mismatched_event_name_is_rejected() {
    let mut json = serde_json::to_value(login()).unwrap();
    json["event_name"] = "user.logout".into();
    assert!(serde_json::from_value::<UserLogin>(json).is_err());
}

#[test]
fn a_context_fills_in_the_id_and_the_time() {
    let context = EventContext {
        organization_id: OrganizationId::new("org-1").unwrap(),
        user_id: None,
        session_id: None,
        workflow_id: None,
        execution_id: None,
        source: Source::new("frontend").unwrap(),
        environment: Environment::Production,
    };
    let at = Timestamp::now();
    let first = context.event(properties(at));
    let second = context.event(properties(at));
    assert_ne!(first.event_id, second.event_id, "a fresh id for each event");
    assert!(first.timestamp >= at);
    assert_eq!(first.validate(), Ok(()));
    assert_eq!(
        serde_json::to_value(&first).unwrap()["properties"]["ip_address"],
        "203.0.113.0"
    );
}

#[test]
fn the_rules_hold_on_construction_and_on_deserialization() {
    let error = UserLoginUserId::new("").unwrap_err();
    assert_eq!(
        error.to_string(),
        "1 error: (payload) [minLength] expected at least 1 characters; got \"\""
    );
    let mut json = serde_json::to_value(login()).unwrap();
    json["properties"]["ip_address"] = "203.0.113.7".into();
    json["event_id"] = "not-a-uuid".into();
    let Err(eventcat_runtime::Error::Invalid(violations)) = UserLogin::from_json(json) else {
        panic!("an invalid payload was accepted");
    };
    let shown: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "/event_id [format] expected a valid uuid (format); got \"not-a-uuid\"",
            "/properties/ip_address [privacy:anonymized_ip] expected an anonymized IP: IPv4 with the last octet 0 (a.b.c.0), or IPv6 truncated to /48 (all bits after the first 48 zero, e.g. 2001:db8:1::); got \"203.0.113.7\" (an IPv4 address whose last octet is not 0)",
        ]
    );
}
