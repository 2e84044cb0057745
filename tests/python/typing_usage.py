"""Type-checked by `mypy --strict` (tests/tests/python_models.rs): the API as users write it.
The `type: ignore[...]` lines must be errors: mypy's `warn_unused_ignores` (part of --strict)
fails the run if one of them is not."""

from auterity_events import (
    EVENTS,
    AnalyticsEvent,
    MemoryTransport,
    Tracker,
    UserLogin,
    UserLoginLoginMethod,
    UserLoginProperties,
    parse_event,
)

transport = MemoryTransport()
tracker = Tracker(transport, {"source": "api", "environment": "production", "organization_id": "o"})
properties = UserLoginProperties(
    user_id="u_1",
    organization_id="org_1",
    login_method="sso",
    device_type="desktop",
    browser="Firefox 120",
    ip_address="203.0.113.0",
    session_id="s_1",
    login_timestamp="2025-01-31T09:29:59Z",
)
login: UserLogin = tracker.track(properties)
method: UserLoginLoginMethod = login.properties.login_method
event: AnalyticsEvent = parse_event(login.to_json())
if isinstance(event, UserLogin):
    name: str = event.event_name
cls = EVENTS["user.login"]

bad_method: UserLoginLoginMethod = "passkey"  # type: ignore[assignment]
Tracker(transport, {"environment": "prod"})  # type: ignore[arg-type]
UserLoginProperties(user_id=1)  # type: ignore[arg-type, call-arg]
tracker.track("not properties")  # type: ignore[call-overload]
