"""The models' behaviour on hand-written payloads: the rules the catalog states, one by one."""

import json
from typing import Any, Dict

import pydantic
import pytest

import auterity_events as events
from auterity_events import parse_event

DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def login(**properties: Any) -> Dict[str, Any]:
    payload: Dict[str, Any] = {
        "event_id": "123e4567-e89b-12d3-a456-426614174000",
        "event_type": "user.authentication",
        "event_name": "user.login",
        "timestamp": "2025-01-31T09:30:00Z",
        "organization_id": "org_1",
        "version": "1.0.0",
        "source": "api",
        "environment": "production",
        "properties": {
            "user_id": "u_1",
            "organization_id": "org_1",
            "login_method": "sso",
            "device_type": "desktop",
            "browser": "Firefox 120",
            "ip_address": "203.0.113.0",
            "session_id": "s_1",
            "login_timestamp": "2025-01-31T09:29:59Z",
        },
    }
    payload["properties"].update(properties)
    return payload


def error_occurred(environment: str, **properties: Any) -> Dict[str, Any]:
    payload = login()
    payload.update(event_type="system.performance", event_name="system.error_occurred", environment=environment)
    payload["properties"] = {
        "error_id": "e_1",
        "error_type": "database",
        "error_severity": "high",
        "error_message": "connection refused",
        "service_name": "api",
        "environment": environment,
        "timestamp": "2025-01-31T09:30:00Z",
        **properties,
    }
    return payload


def rule_of(data: Any) -> str:
    with pytest.raises(pydantic.ValidationError) as caught:
        parse_event(data)
    return str(caught.value.errors()[0]["type"])


def test_a_valid_payload_parses_to_its_model() -> None:
    event = parse_event(json.dumps(login()))
    assert isinstance(event, events.UserLogin)
    assert isinstance(event.properties, events.UserLoginProperties)
    assert event.properties.login_method == "sso"
    assert event.to_payload() == login()
    assert parse_event(event.to_json()) == event


def test_the_union_dispatches_on_event_name() -> None:
    payload = error_occurred("development", stack_trace="at main()")
    assert isinstance(parse_event(payload), events.SystemErrorOccurred)


@pytest.mark.parametrize(
    "change, rule",
    [
        ({"login_method": "passkey"}, "literal_error"),
        ({"ip_address": "203.0.113.7"}, "privacy:anonymized_ip"),
        ({"ip_address": "2001:db8:1:2::"}, "privacy:anonymized_ip"),
        ({"login_timestamp": "2025-01-31 09:30:00Z"}, "format"),
        ({"user_id": ""}, "string_too_short"),
        ({"user_id": 12345}, "string_type"),
        ({"extra": 1}, "extra_forbidden"),
    ],
)
def test_each_rule_rejects(change: Dict[str, Any], rule: str) -> None:
    assert rule_of(login(**change)) == rule


def test_ipv6_cut_to_48_bits_is_anonymized() -> None:
    assert parse_event(login(ip_address="2001:db8:1::"))


def test_a_missing_required_property_is_an_error() -> None:
    payload = login()
    del payload["properties"]["browser"]
    assert rule_of(payload) == "missing"


def test_constants_are_required_in_a_payload() -> None:
    payload = login()
    del payload["event_type"]
    assert rule_of(payload) == "required"
    payload["event_type"] = "user.interaction"
    assert rule_of(payload) == "literal_error"


def test_unknown_events_and_versions() -> None:
    assert rule_of(dict(login(), event_name="user.unknown")) == "envelope:unknown_event"
    assert rule_of(dict(login(), version="9.9.9")) == "envelope:unknown_event"
    assert rule_of("[]") == "envelope:unknown_event"


def test_restricted_fields_only_in_their_environments() -> None:
    assert parse_event(error_occurred("development", stack_trace="at main()"))
    assert rule_of(error_occurred("production", stack_trace="at main()")) == "privacy:environment"
    payload = error_occurred("development", stack_trace="at main()")
    del payload["environment"]
    assert rule_of(payload) == "missing"
    assert parse_event(error_occurred("production"))


def test_json_level_rules() -> None:
    text = json.dumps(login())
    assert rule_of(text.replace('"source": "api"', '"source": "api", "source": "api"')) == "json:duplicate_key"
    assert rule_of(text[:-3]) == "json:syntax"
    assert rule_of(b"\xff" + text.encode()) == "input:invalid_utf8"
    assert rule_of("\ufeff" + text) == "json:syntax"
    assert rule_of(text.replace('"u_1"', '"\\ud800"')) == "json:syntax"
    deep = "[" * 200 + "]" * 200
    assert rule_of(text.replace('"properties": {', f'"x": {deep}, "properties": {{', 1)) == "json:too_deep"


def test_no_coercion() -> None:
    assert rule_of(login(user_id=True)) == "string_type"
    payload = dict(login(), organization_id=1)
    assert rule_of(payload) == "string_type"


def test_integer_and_number_are_json_schema_types() -> None:
    def ai_cost(**properties: Any) -> Dict[str, Any]:
        payload = dict(login(), event_type="ai.cost", event_name="ai.cost_incurred")
        payload["properties"] = {
            "organization_id": "org_1",
            "model_provider": "openai",
            "model_name": "gpt-4",
            "cost_amount": 0.25,
            "tokens_used": 1000,
            "cost_per_token": 0.00025,
            "billing_period": "2026-11",
            "workflow_category": "service",
            "timestamp": "2025-01-31T09:30:00Z",
            **properties,
        }
        return payload

    assert parse_event(ai_cost()).properties.model_provider == "openai"
    assert parse_event(json.dumps(ai_cost()).replace('"tokens_used": 1000', '"tokens_used": 1000.0')).properties.tokens_used == 1000
    assert rule_of(ai_cost(tokens_used=1000.5)) == "type"
    assert rule_of(ai_cost(tokens_used=True)) == "type"
    assert rule_of(ai_cost(tokens_used="1000")) == "type"
    assert rule_of(ai_cost(tokens_used=-1)) == "minimum"
    assert parse_event(ai_cost(cost_amount=1)).properties.cost_amount == 1
    assert rule_of(ai_cost(cost_amount=False)) == "type"
    assert rule_of(json.dumps(ai_cost()).replace('"cost_amount": 0.25', '"cost_amount": NaN')) == "json:syntax"
    assert rule_of(ai_cost(billing_period="2026-11\n")) == "string_pattern_mismatch"
    assert rule_of(ai_cost(billing_period="٢٠٢٦-11")) == "string_pattern_mismatch"


def test_optional_is_not_nullable() -> None:
    payload = dict(login(), user_id="u_1")
    assert parse_event(payload).to_payload()["user_id"] == "u_1"
    assert rule_of(dict(login(), user_id=None)) == "type"
    assert "user_id" not in parse_event(login()).to_payload()


def test_docstrings_come_from_the_catalog() -> None:
    assert events.UserLogin.__doc__ is not None and "User successfully logs into the platform" in events.UserLogin.__doc__
    assert events.UserLoginProperties.model_fields["browser"].description == "Browser name and version."


def test_hashed_values() -> None:
    assert events.EVENTS["api.request_completed"] is events.ApiRequestCompleted
    fields = events.ApiRequestCompletedProperties.model_fields
    hashed = [name for name, info in fields.items() if info.description and "PII: hashed" in info.description]
    assert hashed, "the catalog has a hashed field on this event"
