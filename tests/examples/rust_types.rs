//! The example of the generated Rust types in docs/rust-types.md: `cargo run -p eventcat-e2e
//! --example rust_types`. (`tests/tests/readme_example.rs` checks that the page shows this file's
//! code.)

use auterity_events::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Construct: checked values, and a context that fills in event_id (a fresh UUID) and the time.
    let context = EventContext {
        organization_id: OrganizationId::new("org-1")?,
        source: Source::new("api")?,
        environment: Environment::Production,
        user_id: None,
        session_id: None,
        workflow_id: None,
        execution_id: None,
    };
    let peer: std::net::IpAddr = "203.0.113.7".parse()?;
    let received = context.event(ApiRequestReceivedProperties {
        organization_id: ApiRequestReceivedOrganizationId::new("org-1")?,
        api_key_id: ApiRequestReceivedApiKeyId::hash(b"salt:key_live_1234"), // SHA-256, hex
        endpoint: "/v1/workflows".to_owned(),
        method: ApiRequestReceivedMethod::Post,
        user_agent: "curl/8.5".to_owned(),
        ip_address: ApiRequestReceivedIpAddress::from_ip(peer), // 203.0.113.0
        request_size: ApiRequestReceivedRequestSize::try_from(512)?,
        timestamp: Timestamp::now(),
    });
    received.validate()?; // every violation, not only the first

    // A value that breaks a rule cannot be built by accident.
    let score = BusinessUserAdoptionMilestoneEngagementScore::new(150);
    println!("{}", score.unwrap_err());
    // 1 error: (payload) [maximum] expected <= 100; got 150

    // Deserialize: checked like eventcat-validate checks, with its words.
    let mut payload = serde_json::to_value(&received)?;
    payload["properties"]["ip_address"] = "203.0.113.7".into();
    payload["event_id"] = "not-a-uuid".into();
    let line = payload.to_string();
    assert!(serde_json::from_str::<AnyEvent>(&line).is_err());
    if let Err(eventcat_runtime::Error::Invalid(violations)) = AnyEvent::from_slice(line.as_bytes())
    {
        for violation in &violations {
            println!("{violation}");
        }
    }
    // /event_id [format] expected a valid uuid (format); got "not-a-uuid"
    // /properties/ip_address [privacy:anonymized_ip] expected an anonymized IP: ...; got "203.0.113.7" (an IPv4 address whose last octet is not 0)
    Ok(())
}
