"""The tracker's base and the transports it sends through.

This file is copied verbatim into every generated package; ``models.Tracker`` adds the
catalog's events to ``TrackerBase``. No dependency beyond the standard library and pydantic.
"""

import copy
import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, ClassVar, Dict, FrozenSet, List, Mapping, Optional, Protocol, Sequence, Type

from . import _runtime


class Transport(Protocol):
    """Where a tracker's payloads go: ``send`` takes them in order, ``flush`` delivers any held."""

    def send(self, payloads: Sequence[Dict[str, Any]]) -> None: ...

    def flush(self) -> None: ...


class MemoryTransport:
    """Keeps every payload sent, in order, in ``sent`` (for tests)."""

    def __init__(self) -> None:
        self.sent: List[Dict[str, Any]] = []

    def send(self, payloads: Sequence[Dict[str, Any]]) -> None:
        self.sent.extend(copy.deepcopy(payload) for payload in payloads)

    def flush(self) -> None:
        pass


class TransportError(Exception):
    """A batch could not be delivered; ``payloads`` holds it, so nothing is lost silently."""

    def __init__(self, message: str, payloads: Sequence[Dict[str, Any]], status: Optional[int] = None) -> None:
        super().__init__(message)
        self.payloads = list(payloads)
        self.status = status


def _retry_after(value: Optional[str]) -> Optional[float]:
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None


class HttpTransport:
    """POSTs payloads as a JSON array to ``url`` (``eventcat-validate serve``'s ``/v1/events``).

    Payloads are batched: a request goes out when ``batch_size`` are waiting, and on ``flush``.
    A request answered 429 or 5xx, or that fails to connect, is retried up to ``max_attempts``
    times with exponential backoff (``backoff``, doubled each time, at most ``max_backoff``
    seconds), honouring ``Retry-After`` in seconds. The queue holds at most ``max_queue``
    payloads; beyond that the oldest are dropped and counted in ``dropped``. Each answer's JSON
    is appended to ``responses``.
    """

    def __init__(
        self,
        url: str,
        *,
        batch_size: int = 100,
        max_queue: int = 10_000,
        max_attempts: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        timeout: float = 10.0,
        headers: Optional[Mapping[str, str]] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if batch_size < 1 or max_queue < 1 or max_attempts < 1:
            raise ValueError("batch_size, max_queue and max_attempts must be at least 1")
        self.url = url
        self.batch_size = batch_size
        self.max_queue = max_queue
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.headers = dict(headers or {})
        self.sleep = sleep
        self.queue: List[Dict[str, Any]] = []
        self.dropped = 0
        self.responses: List[Any] = []

    def send(self, payloads: Sequence[Dict[str, Any]]) -> None:
        self.queue.extend(payloads)
        overflow = len(self.queue) - self.max_queue
        if overflow > 0:
            del self.queue[:overflow]
            self.dropped += overflow
        while len(self.queue) >= self.batch_size:
            self._post_next()

    def flush(self) -> None:
        while self.queue:
            self._post_next()

    def _post_next(self) -> None:
        batch = self.queue[: self.batch_size]
        self._post(batch)
        del self.queue[: len(batch)]

    def _post(self, batch: List[Dict[str, Any]]) -> None:
        body = json.dumps(batch, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
        headers = {"Content-Type": "application/json", **self.headers}
        problem = "no attempt made"
        status: Optional[int] = None
        for attempt in range(self.max_attempts):
            request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
            delay = min(self.max_backoff, self.backoff * (2**attempt))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    text = response.read()
                self.responses.append(json.loads(text) if text.strip() else None)
                return
            except urllib.error.HTTPError as error:
                status = error.code
                problem = f"HTTP {error.code}: {error.read()[:500].decode('utf-8', 'replace')}"
                if error.code != 429 and error.code < 500:
                    raise TransportError(f"{self.url} refused the batch: {problem}", batch, status) from None
                retry_after = _retry_after(error.headers.get("Retry-After")) if error.headers else None
                if retry_after is not None:
                    delay = retry_after
            except (urllib.error.URLError, OSError) as error:
                status = None
                problem = str(error)
            if attempt + 1 < self.max_attempts:
                self.sleep(delay)
        raise TransportError(f"{self.url}: gave up after {self.max_attempts} attempts: {problem}", batch, status)


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, e.g. ``2025-01-31T09:30:00.000Z``."""
    if moment.tzinfo is None:
        raise ValueError("a timestamp needs a time zone (use datetime.now(timezone.utc))")
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _new_id() -> str:
    return str(uuid.uuid4())


class TrackerBase:
    """Fills the envelope and sends; ``models.Tracker`` says which events there are."""

    #: Each event's payload model by its properties model.
    __eventcat_events__: ClassVar[Mapping[Type[_runtime.Properties], Type[_runtime.Envelope]]] = {}
    #: The envelope fields a context may set (payload names).
    __eventcat_context_keys__: ClassVar[FrozenSet[str]] = frozenset()
    __eventcat_id_field__: ClassVar[Optional[str]] = None
    __eventcat_time_field__: ClassVar[Optional[str]] = None

    def __init__(
        self,
        transport: Transport,
        context: Optional[Mapping[str, Any]] = None,
        *,
        clock: Optional[Callable[[], datetime]] = None,
        new_id: Optional[Callable[[], str]] = None,
    ) -> None:
        self.transport = transport
        self.context: Dict[str, Any] = self._checked(context)
        self._clock = clock or _now
        self._new_id = new_id or _new_id

    def _checked(self, context: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
        context = dict(context or {})
        unknown = sorted(set(context) - type(self).__eventcat_context_keys__)
        if unknown:
            allowed = ", ".join(sorted(type(self).__eventcat_context_keys__))
            raise TypeError(f"not envelope fields a context can set: {', '.join(unknown)} (allowed: {allowed})")
        return context

    def _track(self, properties: _runtime.Properties, context: Optional[Mapping[str, Any]]) -> _runtime.Envelope:
        model = type(self).__eventcat_events__.get(type(properties))
        if model is None:
            raise TypeError(f"{type(properties).__name__} is not the properties model of an event of this catalog")
        payload: Dict[str, Any] = {**self.context, **self._checked(context)}
        id_field, time_field = type(self).__eventcat_id_field__, type(self).__eventcat_time_field__
        if id_field is not None and id_field not in payload:
            payload[id_field] = self._new_id()
        if time_field is not None and time_field not in payload:
            payload[time_field] = format_timestamp(self._clock())
        payload["properties"] = properties
        event = model.model_validate(payload, by_alias=True, by_name=False)
        self.transport.send([event.to_payload()])
        return event

    def flush(self) -> None:
        """Delivers whatever the transport still holds."""
        self.transport.flush()
