//! The build.rs-generated types work as a consumer uses them.

use eventcat_consumer_example::{
    AnyEvent, Environment, EventProperties, Timestamp, UserLogin, UserLoginDeviceType,
    UserLoginLoginMethod, UserLoginProperties,
};

fn login() -> UserLogin {
    let at = Timestamp::parse("2026-11-26T10:00:00Z").unwrap();
    UserLogin::new(
        "0b0c4b5e-8c1e-4a43-9d7e-3f2f0c9a1b2c".to_owned(),
        at,
        "org-1".to_owned(),
        "frontend".to_owned(),
        Environment::Production,
        UserLoginProperties {
            user_id: "user-1".to_owned(),
            organization_id: "org-1".to_owned(),
            login_method: UserLoginLoginMethod::Sso,
            device_type: UserLoginDeviceType::Desktop,
            browser: "Firefox 140".to_owned(),
            ip_address: "203.0.113.0".to_owned(),
            session_id: "session-1".to_owned(),
            login_timestamp: at,
        },
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
