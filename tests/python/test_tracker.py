"""The tracker fills the envelope, validates, and sends through its transport."""

import json
import threading
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Dict, Iterator, List, Tuple

import pydantic
import pytest

import auterity_events as events
from auterity_events import HttpTransport, MemoryTransport, Tracker, TransportError, parse_event


def properties() -> events.UserLoginProperties:
    return events.UserLoginProperties(
        user_id="u_1",
        organization_id="org_1",
        login_method="sso",
        device_type="desktop",
        browser="Firefox 120",
        ip_address="203.0.113.0",
        session_id="s_1",
        login_timestamp="2025-01-31T09:29:59Z",
    )


def tracker(transport: Any) -> Tracker:
    return Tracker(transport, {"source": "api", "environment": "production", "organization_id": "org_1"})


def test_track_fills_the_envelope() -> None:
    transport = MemoryTransport()
    event = tracker(transport).track(properties(), {"user_id": "u_1"})
    assert isinstance(event, events.UserLogin)
    [sent] = transport.sent
    assert sent["event_name"] == "user.login"
    assert sent["event_type"] == "user.authentication"
    assert sent["version"] == "1.0.0"
    assert sent["user_id"] == "u_1" and sent["source"] == "api"
    assert uuid.UUID(sent["event_id"]).version == 4
    stamp = datetime.fromisoformat(sent["timestamp"].replace("Z", "+00:00"))
    assert abs((datetime.now(timezone.utc) - stamp).total_seconds()) < 60
    assert "session_id" not in sent, "an optional field not given stays absent"
    assert parse_event(json.dumps(sent)) == event


def test_every_sent_payload_is_valid_and_in_order() -> None:
    transport = MemoryTransport()
    t = tracker(transport)
    ids = [t.track(properties()).event_id for _ in range(5)]
    assert [p["event_id"] for p in transport.sent] == ids
    assert len(set(ids)) == 5


def test_an_invalid_event_is_not_sent() -> None:
    transport = MemoryTransport()
    t = Tracker(transport, {"source": "", "environment": "production", "organization_id": "org_1"})
    with pytest.raises(pydantic.ValidationError):
        t.track(properties())
    assert transport.sent == []


def test_a_restricted_field_outside_its_environment_is_refused() -> None:
    transport = MemoryTransport()
    props = events.SystemErrorOccurredProperties(
        error_id="e_1",
        error_type="database",
        error_severity="high",
        error_message="refused",
        service_name="api",
        environment="production",
        stack_trace="at main()",
        timestamp="2025-01-31T09:30:00Z",
    )
    with pytest.raises(pydantic.ValidationError) as caught:
        tracker(transport).track(props)
    assert caught.value.errors()[0]["type"] == "privacy:environment"
    development = Tracker(transport, {"source": "api", "environment": "development", "organization_id": "o"})
    development.track(props)
    assert len(transport.sent) == 1


def test_unknown_context_keys_are_refused() -> None:
    with pytest.raises(TypeError, match="not envelope fields"):
        Tracker(MemoryTransport(), {"sauce": "api"})  # type: ignore[typeddict-unknown-key]


def test_clock_and_ids_can_be_fixed() -> None:
    transport = MemoryTransport()
    t = Tracker(
        transport,
        {"source": "api", "environment": "staging", "organization_id": "o"},
        clock=lambda: datetime(2025, 1, 31, 9, 30, tzinfo=timezone.utc),
        new_id=lambda: "123e4567-e89b-12d3-a456-426614174000",
    )
    t.track(properties())
    assert transport.sent[0]["timestamp"] == "2025-01-31T09:30:00.000Z"
    assert transport.sent[0]["event_id"] == "123e4567-e89b-12d3-a456-426614174000"


class _Collector(BaseHTTPRequestHandler):
    """A loopback collector: records each POST body; answers with the queued statuses first."""

    statuses: List[Tuple[int, Dict[str, str]]] = []
    bodies: List[Any] = []

    def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status, headers = self.statuses.pop(0) if self.statuses else (200, {})
        if status == 200:
            batch = json.loads(body)
            type(self).bodies.append((self.path, self.headers["Content-Type"], batch))
            answer = json.dumps({"accepted": len(batch), "rejected": 0}).encode()
        else:
            answer = b'{"error": "try again"}'
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def collector() -> Iterator[str]:
    _Collector.statuses = []
    _Collector.bodies = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/events"
    finally:
        server.shutdown()
        server.server_close()


def test_http_transport_batches_and_flushes(collector: str) -> None:
    transport = HttpTransport(collector, batch_size=3)
    t = tracker(transport)
    for _ in range(7):
        t.track(properties())
    assert [len(batch) for _, _, batch in _Collector.bodies] == [3, 3]
    t.flush()
    assert [len(batch) for _, _, batch in _Collector.bodies] == [3, 3, 1]
    path, content_type, batch = _Collector.bodies[0]
    assert path == "/v1/events" and content_type == "application/json"
    assert all(isinstance(parse_event(payload), events.UserLogin) for _, _, b in _Collector.bodies for payload in b)
    assert transport.responses[-1] == {"accepted": 1, "rejected": 0}


def test_http_transport_retries_5xx_and_429_honouring_retry_after(collector: str) -> None:
    waits: List[float] = []
    _Collector.statuses = [(503, {}), (429, {"Retry-After": "2"}), (500, {})]
    transport = HttpTransport(collector, batch_size=1, backoff=0.25, sleep=waits.append)
    tracker(transport).track(properties())
    assert waits == [0.25, 2.0, 1.0]
    assert len(_Collector.bodies) == 1


def test_http_transport_gives_up_and_keeps_the_batch(collector: str) -> None:
    _Collector.statuses = [(503, {})] * 3
    transport = HttpTransport(collector, batch_size=1, max_attempts=3, sleep=lambda _: None)
    with pytest.raises(TransportError) as caught:
        tracker(transport).track(properties())
    assert len(caught.value.payloads) == 1 and caught.value.status == 503
    _Collector.statuses = [(400, {})]
    with pytest.raises(TransportError, match="refused"):
        transport.flush()


def test_http_transport_bounds_its_queue() -> None:
    transport = HttpTransport("http://127.0.0.1:9/v1/events", batch_size=10, max_queue=4)
    transport.send([{"n": n} for n in range(6)])
    assert transport.dropped == 2
    assert [p["n"] for p in transport.queue] == [2, 3, 4, 5]
