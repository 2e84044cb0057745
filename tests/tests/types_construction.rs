//! The constructors of the generated value types, at their boundaries: each kind of rule the
//! catalog states (integer and number ranges, lengths, a pattern, a format, the privacy forms),
//! through `new`, `TryFrom`, the makers (`from_ip`, `from_digest`, `hash`, `random`), and
//! deserialization, which uses the same checks.

use auterity_events::{
    AiCostIncurredBillingPeriod, AiCostIncurredCostAmount, AiModelCompletedResponseQuality,
    ApiRequestCompletedApiKeyId, ApiRequestFailedResponseStatus, ApiRequestReceivedIpAddress,
    EventId, OrganizationId,
};

fn rules_broken<T, E: std::fmt::Display>(result: Result<T, E>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(error) => error.to_string(),
    }
}

#[test]
fn an_integer_range_holds_at_both_ends() {
    // response_quality: 1 to 10, held in a u8.
    for (value, verdict) in [
        (0, "1 error: (payload) [minimum] expected >= 1; got 0"),
        (1, "ok"),
        (10, "ok"),
        (11, "1 error: (payload) [maximum] expected <= 10; got 11"),
        (255, "1 error: (payload) [maximum] expected <= 10; got 255"),
    ] {
        assert_eq!(
            rules_broken(AiModelCompletedResponseQuality::new(value)),
            verdict,
            "{value}"
        );
        assert_eq!(
            rules_broken(AiModelCompletedResponseQuality::try_from(value)),
            verdict,
            "{value}"
        );
    }
    assert_eq!(AiModelCompletedResponseQuality::new(7).unwrap().get(), 7_u8);
    // response_status: 400 to 599 (u16).
    assert!(ApiRequestFailedResponseStatus::new(399).is_err());
    assert!(ApiRequestFailedResponseStatus::new(400).is_ok());
    assert!(ApiRequestFailedResponseStatus::new(599).is_ok());
    assert!(ApiRequestFailedResponseStatus::new(600).is_err());
    // Deserialization: the same rules, an integral float is an integer, beyond the type is out.
    let read = |json: &str| serde_json::from_str::<AiModelCompletedResponseQuality>(json);
    assert_eq!(read("10").unwrap().get(), 10);
    assert_eq!(read("10.0").unwrap().get(), 10);
    assert!(read("10.5").is_err());
    assert!(
        read("11")
            .unwrap_err()
            .to_string()
            .contains("[maximum] expected <= 10; got 11")
    );
    assert!(
        read("300")
            .unwrap_err()
            .to_string()
            .contains("[maximum] expected <= 10; got 300")
    );
    assert!(
        read("-1")
            .unwrap_err()
            .to_string()
            .contains("[minimum] expected >= 1; got -1")
    );
}

#[test]
fn a_number_bound_holds_and_non_numbers_are_refused() {
    // cost_amount: minimum 0.
    assert!(AiCostIncurredCostAmount::new(0.0).is_ok());
    assert!(AiCostIncurredCostAmount::new(-0.0).is_ok());
    assert!(AiCostIncurredCostAmount::new(1e-300).is_ok());
    assert_eq!(
        rules_broken(AiCostIncurredCostAmount::new(-1e-9)),
        "1 error: (payload) [minimum] expected >= 0; got -1e-9"
    );
    assert!(AiCostIncurredCostAmount::new(f64::NAN).is_err());
    assert!(AiCostIncurredCostAmount::new(f64::INFINITY).is_err());
    assert!(AiCostIncurredCostAmount::try_from(2.5).is_ok());
}

#[test]
fn a_length_counts_characters() {
    assert_eq!(
        rules_broken(OrganizationId::new("")),
        "1 error: (payload) [minLength] expected at least 1 characters; got \"\""
    );
    assert!(OrganizationId::new("o").is_ok());
    assert!(OrganizationId::try_from("日").is_ok());
    assert_eq!(OrganizationId::new("org-1").unwrap().as_str(), "org-1");
}

#[test]
fn a_pattern_holds() {
    // billing_period: ^[0-9]{4}-(0[1-9]|1[0-2])$
    assert!(AiCostIncurredBillingPeriod::new("2026-01").is_ok());
    assert!(AiCostIncurredBillingPeriod::new("2026-12").is_ok());
    assert_eq!(
        rules_broken(AiCostIncurredBillingPeriod::new("2026-13")),
        "1 error: (payload) [pattern] expected a string matching ^[0-9]{4}-(0[1-9]|1[0-2])$; got \"2026-13\""
    );
    assert!(AiCostIncurredBillingPeriod::new("2026-1").is_err());
}

#[test]
fn a_uuid_is_checked_and_made_fresh() {
    assert!(EventId::new("0b0c4b5e-8c1e-4a43-9d7e-3f2f0c9a1b2c").is_ok());
    assert!(EventId::new("0B0C4B5E-8C1E-4A43-9D7E-3F2F0C9A1B2C").is_ok());
    assert_eq!(
        rules_broken(EventId::new("0b0c4b5e8c1e4a439d7e3f2f0c9a1b2c")),
        "1 error: (payload) [format] expected a valid uuid (format); got \"0b0c4b5e8c1e4a439d7e3f2f0c9a1b2c\""
    );
    let (a, b) = (EventId::random(), EventId::random());
    assert_ne!(a, b);
    assert!(EventId::new(a.as_str()).is_ok());
}

#[test]
fn an_anonymized_ip_is_made_from_any_address() {
    for (address, text) in [
        ("203.0.113.7", "203.0.113.0"),
        ("0.0.0.1", "0.0.0.0"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1::"),
        ("fe80::1", "fe80::"),
    ] {
        let ip = ApiRequestReceivedIpAddress::from_ip(address.parse().unwrap());
        assert_eq!(ip.as_str(), text);
        assert!(ApiRequestReceivedIpAddress::new(text).is_ok(), "{text}");
    }
    assert!(ApiRequestReceivedIpAddress::new("203.0.113.7").is_err());
    assert!(ApiRequestReceivedIpAddress::new("2001:db8:1:2::").is_err());
    assert!(ApiRequestReceivedIpAddress::new("localhost").is_err());
}

#[test]
fn a_hashed_value_is_a_sha256_digest() {
    let hashed = ApiRequestCompletedApiKeyId::hash(b"test");
    assert_eq!(
        hashed.as_str(),
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    );
    assert_eq!(
        ApiRequestCompletedApiKeyId::from_digest(&[0; 32]).as_str(),
        "0".repeat(64)
    );
    assert!(ApiRequestCompletedApiKeyId::new(hashed.as_str()).is_ok());
    assert!(ApiRequestCompletedApiKeyId::new(hashed.as_str().to_uppercase()).is_err());
    assert!(ApiRequestCompletedApiKeyId::new(&hashed.as_str()[..63]).is_err());
    assert!(ApiRequestCompletedApiKeyId::new("key_live_1234").is_err());
    // The escape hatch for tests: no check, and `validate` reports it.
    let unchecked = ApiRequestCompletedApiKeyId::new_unchecked("key_live_1234");
    assert_eq!(unchecked.as_str(), "key_live_1234");
}
