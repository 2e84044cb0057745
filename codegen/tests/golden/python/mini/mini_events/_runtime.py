"""What the generated models need beyond pydantic, written to agree with ``eventcat-validate``.

eventcat-validate is the reference: a payload these models accept is one it accepts, and the
other way round. pydantic alone reads JSON and formats differently, so this module says how:

- JSON text is read as ``serde_json`` reads it: duplicate keys, ``NaN``/``Infinity``, lone
  surrogates and nesting deeper than 127 levels are errors; an integer beyond 64 bits becomes a
  float; a float beyond the double range is an error.
- JSON Schema's types: an integer is any number with no fractional part (``1.0`` is one, ``True``
  is not), a number is an ``int`` or a finite ``float`` and never a ``bool``; nothing is coerced.
- The formats (``date-time``, ``uuid``, ``ipv4``, ``ipv6``, ...) as the ``jsonschema`` crate
  checks them, and the privacy forms (``pii: hashed``, ``pii: anonymized_ip``) as the validator
  checks them.

This file is copied verbatim into every generated package; it knows nothing of any catalog.
"""

import json
import re
from typing import Any, Callable, ClassVar, Dict, FrozenSet, List, Mapping, Optional, Tuple, Union

import pydantic
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

#: The deepest nesting of arrays and objects ``serde_json`` (and so the validator) accepts.
MAX_DEPTH = 127

#: What ``parse_event`` takes: JSON text, or a payload already parsed.
PayloadInput = Union[str, bytes, bytearray, memoryview, Mapping[str, Any]]

#: The validation context that marks a payload being parsed (not a model being built in code):
#: then the constants an event fixes (``event_name``, ``event_type``, ``version``) must be present.
PAYLOAD_CONTEXT: Dict[str, str] = {"eventcat": "payload"}

_INT64_MIN = -(2**63)
_UINT64_MAX = 2**64 - 1


def _error(rule: str, message: str, value: Any) -> ValidationError:
    details: InitErrorDetails = {
        "type": PydanticCustomError(rule, message),
        "loc": (),
        "input": value,
    }
    return ValidationError.from_exception_data("payload", [details])


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _NotJson(ValueError):
    pass


def _object(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    result: Dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _constant(name: str) -> Any:
    raise _NotJson(f"{name} is not JSON")


def _int(text: str) -> Union[int, float]:
    value = int(text)
    if _INT64_MIN <= value <= _UINT64_MAX:
        return value
    # serde_json holds integers beyond 64 bits as doubles.
    return _float(text)


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _NotJson(f"number out of range: {text}")
    return value


def loads(data: Union[str, bytes, bytearray, memoryview]) -> Any:
    """One JSON value from text, read as the validator reads it; raises ``ValidationError``."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _error(
                "input:invalid_utf8",
                f"expected UTF-8 text; got byte 0x{raw[error.start]:02x} at column {error.start + 1}",
                raw,
            ) from None
    else:
        text = data
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_constant,
            parse_int=_int,
            parse_float=_float,
        )
    except _DuplicateKey as error:
        raise _error(
            "json:duplicate_key",
            f"expected each key once per object; got key {json.dumps(error.key)} repeated",
            text,
        ) from None
    except RecursionError:
        raise _error("json:too_deep", f"expected at most {MAX_DEPTH} levels of nesting", text) from None
    except ValueError as error:
        raise _error("json:syntax", f"expected a JSON value; got {error}", text) from None
    check_json_value(value)
    return value


def check_json_value(value: Any) -> None:
    """That ``value`` is what JSON text can hold, as the validator reads it: objects with string
    keys, arrays, strings without lone surrogates, ints, finite floats, bools and ``None``, nested
    at most ``MAX_DEPTH`` levels deep. Raises ``ValidationError``."""
    stack: List[Tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, (dict, list)):
            if depth + 1 > MAX_DEPTH:
                raise _error("json:too_deep", f"expected at most {MAX_DEPTH} levels of nesting", value)
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        raise _error("json:syntax", "expected an object key to be a string", key)
                    _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                raise _error("json:syntax", "expected a finite number (JSON has no NaN or Infinity)", item)
        elif item is None or isinstance(item, (bool, int)):
            pass
        else:
            raise _error("json:syntax", f"expected a JSON value; got {type(item).__name__}", item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _error("json:syntax", "expected text without lone surrogates", text) from None


def payload_value(data: PayloadInput) -> Any:
    """The payload ``parse_event`` validates: text parsed, a mapping checked and copied to a dict."""
    if isinstance(data, (str, bytes, bytearray, memoryview)):
        return loads(data)
    if isinstance(data, Mapping):
        value = dict(data)
        check_json_value(value)
        return value
    raise _error("envelope:not_object", "expected a JSON object (an event payload)", data)


# --- types ------------------------------------------------------------------------------------


def _bounds(value: Union[int, float], minimum: Optional[Union[int, float]], maximum: Optional[Union[int, float]]) -> None:
    # Python compares ints and floats exactly, as the validator does.
    if minimum is not None and value < minimum:
        raise PydanticCustomError("minimum", "expected at least {minimum}", {"minimum": minimum})
    if maximum is not None and value > maximum:
        raise PydanticCustomError("maximum", "expected at most {maximum}", {"maximum": maximum})


def integer(minimum: Optional[int] = None, maximum: Optional[int] = None) -> Callable[[Any], Any]:
    """JSON Schema's ``integer``: an int, or a float with no fractional part (``1.0``); never a bool."""

    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PydanticCustomError("type", "expected type integer")
        if isinstance(value, float):
            if not value.is_integer():
                raise PydanticCustomError("type", "expected type integer")
            value = int(value)
        _bounds(value, minimum, maximum)
        return value

    return check


def number(minimum: Optional[Union[int, float]] = None, maximum: Optional[Union[int, float]] = None) -> Callable[[Any], Any]:
    """JSON Schema's ``number``: an int or a finite float; never a bool."""

    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PydanticCustomError("type", "expected type number")
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise PydanticCustomError("type", "expected a finite number")
        _bounds(value, minimum, maximum)
        return value

    return check


def not_null(value: Any) -> Any:
    """An optional field that is not nullable: it may be absent, but not ``null``."""
    if value is None:
        raise PydanticCustomError("type", "expected a value, not null (leave the field out instead)")
    return value


def json_object(value: Dict[str, Any]) -> Dict[str, Any]:
    """A free-form object holds only what JSON can."""
    try:
        check_json_value(value)
    except ValidationError as error:
        raise PydanticCustomError("type", "expected a JSON object: {problem}", {"problem": error.errors()[0]["msg"]}) from None
    return value


# --- formats, as the jsonschema crate checks them --------------------------------------------


def _two_digits(data: bytes) -> Optional[int]:
    if len(data) == 2 and all(0x30 <= b <= 0x39 for b in data):
        return (data[0] - 0x30) * 10 + data[1] - 0x30
    return None


def _is_date(data: bytes) -> bool:
    if len(data) != 10 or data[4] != 0x2D or data[7] != 0x2D:
        return False
    if not all(0x30 <= b <= 0x39 for b in data[0:4]):
        return False
    year = int(data[0:4])
    month = _two_digits(data[5:7])
    day = _two_digits(data[8:10])
    if month is None or day is None or not 1 <= month <= 12 or day == 0:
        return False
    if month in (1, 3, 5, 7, 8, 10, 12):
        return day <= 31
    if month in (4, 6, 9, 11):
        return day <= 30
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    return day <= (29 if leap else 28)


def _is_time(data: bytes) -> bool:
    length = len(data)
    if length < 9 or data[2] != 0x3A or data[5] != 0x3A:
        return False
    hour, minute, second = _two_digits(data[0:2]), _two_digits(data[3:5]), _two_digits(data[6:8])
    if hour is None or minute is None or second is None:
        return False
    if hour > 23 or minute > 59 or second > 60:
        return False
    i = 8
    if i < length and data[i] == 0x2E:
        i += 1
        start = i
        while i < length and 0x30 <= data[i] <= 0x39:
            i += 1
        if i == start:
            return False
    if i == length:
        return False
    sign = data[i]
    if sign in (0x5A, 0x7A):  # Z, z
        return i == length - 1 and (second != 60 or (hour == 23 and minute == 59))
    if sign not in (0x2B, 0x2D):  # +, -
        return False
    if length - i != 6:
        return False
    i += 1
    if data[i + 2] != 0x3A:
        return False
    offset_hour, offset_minute = _two_digits(data[i : i + 2]), _two_digits(data[i + 3 : i + 5])
    if offset_hour is None or offset_minute is None or offset_hour > 23 or offset_minute > 59:
        return False
    if second != 60:
        return True
    # A leap second is only valid at 23:59 UTC.
    direction = -1 if sign == 0x2B else 1
    utc_minutes = (hour + direction * offset_hour) * 60 + minute + direction * offset_minute
    return utc_minutes % (24 * 60) == 23 * 60 + 59


def is_date_time(text: str) -> bool:
    """RFC 3339 ``date-time``: ``YYYY-MM-DD``, ``T`` or ``t``, ``HH:MM:SS``, optional fraction,
    ``Z``/``z`` or ``±HH:MM``; leap seconds only at 23:59 UTC."""
    data = text.encode("utf-8", "surrogatepass")
    for index, byte in enumerate(data):
        if byte in (0x54, 0x74):  # T, t: the first one splits date and time
            return _is_date(data[:index]) and _is_time(data[index + 1 :])
    return False


_HEX = frozenset(b"0123456789abcdefABCDEF")


def is_uuid(text: str) -> bool:
    """The hyphenated form only: 8-4-4-4-12 hexadecimal digits, either case."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) != 36:
        return False
    for index, byte in enumerate(data):
        if index in (8, 13, 18, 23):
            if byte != 0x2D:
                return False
        elif byte not in _HEX:
            return False
    return True


class _Parser:
    """Rust's ``std::net`` address parser (``Ipv4Addr``/``Ipv6Addr::from_str``), by its rules."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> Optional[str]:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def eat(self, char: str) -> bool:
        if self.peek() == char:
            self.pos += 1
            return True
        return False

    def number(self, radix: int, max_digits: int, allow_zero_prefix: bool, limit: int) -> Optional[int]:
        start = self.pos
        digits = "0123456789abcdefABCDEF"[: radix if radix == 10 else 22]
        value = 0
        count = 0
        while count < max_digits:
            char = self.peek()
            if char is None or char not in digits:
                break
            value = value * radix + int(char, radix)
            if value > limit:
                self.pos = start
                return None
            self.pos += 1
            count += 1
        if count == 0 or (not allow_zero_prefix and count > 1 and self.text[start] == "0"):
            self.pos = start
            return None
        return value

    def ipv4(self) -> Optional[Tuple[int, int, int, int]]:
        start = self.pos
        octets: List[int] = []
        for index in range(4):
            if index > 0 and not self.eat("."):
                self.pos = start
                return None
            octet = self.number(10, 3, False, 255)
            if octet is None:
                self.pos = start
                return None
            octets.append(octet)
        return (octets[0], octets[1], octets[2], octets[3])

    def groups(self, limit: int) -> Tuple[List[int], bool]:
        groups: List[int] = []
        for index in range(limit):
            if index < limit - 1:
                start = self.pos
                if index == 0 or self.eat(":"):
                    v4 = self.ipv4()
                    if v4 is not None:
                        groups.extend([(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]])
                        return groups, True
                self.pos = start
            start = self.pos
            if index > 0 and not self.eat(":"):
                self.pos = start
                return groups, False
            group = self.number(16, 4, True, 0xFFFF)
            if group is None:
                self.pos = start
                return groups, False
            groups.append(group)
        return groups, False

    def ipv6(self) -> Optional[List[int]]:
        head, head_ipv4 = self.groups(8)
        if len(head) == 8:
            return head
        if head_ipv4:
            return None
        if not (self.eat(":") and self.eat(":")):
            return None
        tail, _ = self.groups(8 - len(head) - 1)
        return head + [0] * (8 - len(head) - len(tail)) + tail


def parse_ipv4(text: str) -> Optional[Tuple[int, int, int, int]]:
    parser = _Parser(text)
    result = parser.ipv4()
    return result if result is not None and parser.pos == len(text) else None


def parse_ipv6(text: str) -> Optional[List[int]]:
    parser = _Parser(text)
    result = parser.ipv6()
    return result if result is not None and parser.pos == len(text) else None


def is_ipv4(text: str) -> bool:
    return parse_ipv4(text) is not None


def is_ipv6(text: str) -> bool:
    return parse_ipv6(text) is not None


def is_ip(text: str) -> bool:
    """The catalog's ``ip`` format: IPv4 or IPv6."""
    return is_ipv4(text) or is_ipv6(text)


def _is_ascii_hostname(text: str) -> bool:
    if not text or len(text) > 253 or text.endswith(".") or not text.isascii():
        return False
    for label in text.split("."):
        if not label or len(label) > 63 or label[0] == "-" or label[-1] == "-":
            return False
        if not all(c.isalnum() or c == "-" for c in label):
            return False
    return True


def is_hostname(text: str) -> bool:
    """RFC 1123 host names; an ``xn--`` label must decode as Punycode (approximates the crate's
    IDNA label rules, which the agreement tests do not cover)."""
    if not _is_ascii_hostname(text):
        return False
    for label in text.split("."):
        if len(label) >= 4 and label[2:4] == "--":
            if label[:4].lower() != "xn--":
                return False
            try:
                label[4:].encode("ascii").decode("punycode")
            except (UnicodeError, ValueError):
                return False
    return True


_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")


def is_email(text: str) -> bool:
    """``local@domain`` with a dot-atom local part and a host name or bracketed IP literal
    (approximates the ``email_address`` crate, which the agreement tests do not cover)."""
    local, at, domain = text.rpartition("@")
    if not at or not local or len(local) > 64 or not _EMAIL_LOCAL.match(local):
        return False
    if domain.startswith("[") and domain.endswith("]"):
        inner = domain[1:-1]
        if inner[:5].lower() == "ipv6:":
            return is_ipv6(inner[5:])
        return is_ipv4(inner)
    return is_hostname(domain)


_URI_REFERENCE = re.compile(
    r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):)?"
    r"(?://(?P<authority>[^/?#]*))?"
    r"(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?(?:#(?P<fragment>.*))?\Z",
    re.DOTALL,
)
_PCHARS = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*\Z")
_USERINFO = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*\Z")
_REG_NAME = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*\Z")


def _is_uri(text: str, absolute: bool) -> bool:
    match = _URI_REFERENCE.match(text)
    if match is None:
        return False
    scheme, authority = match.group("scheme"), match.group("authority")
    if absolute and scheme is None:
        return False
    path = match.group("path")
    if scheme is None and authority is None and ":" in path.split("/", 1)[0]:
        return False
    if authority is not None:
        userinfo, at, hostport = authority.rpartition("@")
        if at and not _USERINFO.match(userinfo):
            return False
        if hostport.startswith("["):
            host, bracket, port = hostport[1:].partition("]")
            if not bracket or not (is_ipv6(host) or host[:1] in ("v", "V")):
                return False
            if port and not (port.startswith(":") and port[1:].isdigit() or port == ":"):
                return False
        else:
            host, _, port = hostport.partition(":")
            if not _REG_NAME.match(host) or (port and not port.isascii()) or (port and not port.isdigit()):
                return False
    elif path.startswith("//"):
        return False
    return all(
        part is None or _PCHARS.match(part) is not None
        for part in (path, match.group("query"), match.group("fragment"))
    )


def is_uri(text: str) -> bool:
    """RFC 3986 ``URI`` (approximates the crate's checker, which the agreement tests do not cover)."""
    return _is_uri(text, True)


def is_uri_reference(text: str) -> bool:
    """RFC 3986 ``URI-reference`` (approximates the crate's checker, as ``is_uri``)."""
    return _is_uri(text, False)


def _format(name: str, check: Callable[[str], bool]) -> Callable[[str], str]:
    def validate(value: str) -> str:
        if not check(value):
            raise PydanticCustomError("format", "expected format {format}", {"format": name})
        return value

    validate.__name__ = name.replace("-", "_")
    return validate


date_time = _format("date-time", is_date_time)
uuid = _format("uuid", is_uuid)
ipv4 = _format("ipv4", is_ipv4)
ipv6 = _format("ipv6", is_ipv6)
ip = _format("ipv4 or ipv6", is_ip)
hostname = _format("hostname", is_hostname)
email = _format("email", is_email)
uri = _format("uri", is_uri)
uri_reference = _format("uri-reference", is_uri_reference)


# --- privacy forms, as the validator checks them -----------------------------------------------


def is_anonymized_ip(text: str) -> bool:
    """IPv4 with the last octet 0, or IPv6 whose bits after the first 48 are all zero."""
    v4 = parse_ipv4(text)
    if v4 is not None:
        return v4[3] == 0
    v6 = parse_ipv6(text)
    return v6 is not None and all(group == 0 for group in v6[3:])


def is_hashed(text: str) -> bool:
    """A SHA-256 digest: exactly 64 lowercase hexadecimal digits."""
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def anonymized_ip(value: Any) -> Any:
    if isinstance(value, str) and not is_anonymized_ip(value):
        raise PydanticCustomError(
            "privacy:anonymized_ip",
            "expected an anonymized IP: IPv4 with the last octet 0 (a.b.c.0), or IPv6 truncated to /48",
        )
    return value


def hashed(value: Any) -> Any:
    if isinstance(value, str) and not is_hashed(value):
        raise PydanticCustomError("privacy:hashed", "expected a SHA-256 digest: exactly 64 lowercase hexadecimal digits")
    return value


# --- models ------------------------------------------------------------------------------------


def _dump(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_payload()
    if isinstance(value, list):
        return [_dump(item) for item in value]
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    return value


class Model(pydantic.BaseModel):
    """The base of every generated model: closed (``extra="forbid"``), strict (no coercion),
    names as in the catalog on the wire."""

    model_config = pydantic.ConfigDict(
        extra="forbid",
        strict=True,
        validate_by_alias=True,
        validate_by_name=True,
        validate_assignment=True,
        use_attribute_docstrings=True,
        protected_namespaces=(),
    )

    #: Fields that may be absent (Python names); absent ones stay out of ``to_payload``.
    __eventcat_optional__: ClassVar[FrozenSet[str]] = frozenset()

    def to_payload(self) -> Dict[str, Any]:
        """The JSON object of this model, with the catalog's names; absent fields stay absent."""
        out: Dict[str, Any] = {}
        optional = type(self).__eventcat_optional__
        for name, info in type(self).model_fields.items():
            if name in optional and name not in self.model_fields_set:
                continue
            out[info.serialization_alias or name] = _dump(getattr(self, name))
        return out

    def to_json(self) -> str:
        """``to_payload`` as compact JSON text."""
        return json.dumps(self.to_payload(), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class Properties(Model):
    """The base of every event's properties model."""


def _present(model: Model, name: str) -> bool:
    return name in model.model_fields_set


class Envelope(Model):
    """The base of the envelope: the constants an event fixes, and the environment rules."""

    #: JSON names of the envelope fields each event fixes; a parsed payload must carry them.
    __eventcat_constants__: ClassVar[Tuple[str, ...]] = ()
    #: The Python name of the environment field, if the envelope has one.
    __eventcat_environment__: ClassVar[Optional[str]] = None
    #: (in the envelope?, Python name, JSON pointer, allowed environments) of each restricted field.
    __eventcat_restricted__: ClassVar[Tuple[Tuple[bool, str, str, Tuple[str, ...]], ...]] = ()

    @pydantic.model_validator(mode="before")
    @classmethod
    def _eventcat_constants_present(cls, data: Any, info: pydantic.ValidationInfo) -> Any:
        context = info.context
        if isinstance(context, dict) and context.get("eventcat") == "payload" and isinstance(data, dict):
            for key in cls.__eventcat_constants__:
                if key not in data:
                    raise PydanticCustomError("required", "required property {key}", {"key": key})
        return data

    @pydantic.model_validator(mode="after")
    def _eventcat_environments(self) -> "Envelope":
        field = type(self).__eventcat_environment__
        environment = getattr(self, field) if field is not None and _present(self, field) else None
        for in_envelope, name, pointer, allowed in type(self).__eventcat_restricted__:
            owner = self if in_envelope else getattr(self, "properties", None)
            if isinstance(owner, Model) and _present(owner, name) and environment not in allowed:
                raise PydanticCustomError(
                    "privacy:environment",
                    "{pointer} must be absent: allowed only in environment {allowed}",
                    {"pointer": pointer, "allowed": ", ".join(allowed)},
                )
        return self


def event_tag(value: Any) -> Optional[str]:
    """The union's discriminator: ``<event_name>@<version>``, or ``None`` when either is not a string."""
    if isinstance(value, dict):
        name, version = value.get("event_name"), value.get("version")
    elif isinstance(value, Envelope):
        name, version = getattr(value, "event_name", None), getattr(value, "version", None)
    else:
        return None
    if isinstance(name, str) and isinstance(version, str):
        return f"{name}@{version}"
    return None


def require_tag(*tags: str) -> Callable[[Any], Any]:
    """For a catalog of fewer than two events, where there is no union to discriminate."""

    def check(value: Any) -> Any:
        if event_tag(value) not in tags:
            raise PydanticCustomError("envelope:unknown_event", "expected an event of the catalog")
        return value

    return check
