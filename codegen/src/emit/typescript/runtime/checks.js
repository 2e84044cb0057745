// The validation interpreter: it walks the rules `validate.js` holds (generated from the catalog's
// IR by `eventcat generate`) and reports errors with the JSON pointers and rule ids of
// `eventcat-validate`. Nothing is compiled at run time beyond the catalog's own `pattern`
// regular expressions (no eval, no `new Function`), so it runs under a Content-Security-Policy
// without 'unsafe-eval'.
//
// It mirrors what `eventcat-validate` does with the JSON Schema of each event: the keywords that
// apply to a value of any type (`enum`, `const`, numeric bounds on any number) apply here too, a
// nullable field that fails is one `anyOf` error, and the privacy forms are renamed and
// de-duplicated the same way.

/**
 * @typedef {{ pointer: string, rule: string, expected: string, actual: string }} ValidationError
 * @typedef {{ valid: boolean, errors: ValidationError[] }} ValidationResult
 * @typedef {"hashed" | "anonymized_ip"} PrivacyForm
 * @typedef {{ kind: "string", minLength?: number, maxLength?: number, pattern?: string, format?: string }
 *   | { kind: "enum", values: string[] }
 *   | { kind: "integer", minimum?: number, maximum?: number }
 *   | { kind: "number", minimum?: number, maximum?: number }
 *   | { kind: "boolean" } | { kind: "date-time" } | { kind: "object" }
 *   | { kind: "array", items: TypeRule }
 *   | { kind: "const", value: string }} TypeRule
 * @typedef {{ name: string, type: TypeRule, optional: boolean, nullable: boolean, privacy?: PrivacyForm, environments?: string[] }} FieldRule
 * @typedef {{ name: string, version: string, envelope: FieldRule[], properties: FieldRule[] }} EventRule
 * @typedef {{ eventNameKey: string, versionKey: string, propertiesKey: string, environmentKey: string | null, events: EventRule[] }} CatalogRules
 * @typedef {{ pointer: string, rule: string, expected: string, instance: unknown }} RawError
 */

/** The longest value text a report shows, as `eventcat-validate`. */
const MAX_SHOWN = 120;

/** The pattern the schemas carry for anonymized IPv4 addresses. */
export const ANONYMIZED_IPV4_PATTERN =
  "^(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){2}\\.0$";
/** The pattern the schemas carry for hashed values. */
export const HASHED_PATTERN = "^[0-9a-f]{64}$";

const ANONYMIZED_IPV4 = new RegExp(ANONYMIZED_IPV4_PATTERN);
const HASHED = new RegExp(HASHED_PATTERN);

/** @type {Record<PrivacyForm, string>} */
const PRIVACY_RULE = {
  hashed: "privacy:hashed",
  anonymized_ip: "privacy:anonymized_ip",
};

/** @type {Record<PrivacyForm, string>} */
const PRIVACY_EXPECTED = {
  anonymized_ip:
    "an anonymized IP: IPv4 with the last octet 0 (a.b.c.0), or IPv6 truncated to /48 (all bits after the first 48 zero, e.g. 2001:db8:1::)",
  hashed: "a SHA-256 digest: exactly 64 lowercase hexadecimal digits",
};

/**
 * Whether `value` is an object that holds `key` itself (not through its prototype).
 * @param {object} value
 * @param {string} key
 */
function has(value, key) {
  return Object.prototype.hasOwnProperty.call(value, key);
}

/**
 * A JSON object (not an array, not null).
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
export function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A JSON pointer segment appended to a pointer (RFC 6901: `~` is `~0`, `/` is `~1`).
 * @param {string} pointer
 * @param {string | number} segment
 */
export function child(pointer, segment) {
  return `${pointer}/${String(segment).replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

/** @param {string} text */
function shorten(text) {
  const chars = Array.from(text);
  return chars.length > MAX_SHOWN ? `${chars.slice(0, MAX_SHOWN).join("")}…` : text;
}

/**
 * A value as JSON text, shortened.
 * @param {unknown} value
 */
export function show(value) {
  const text = JSON.stringify(value);
  return shorten(text === undefined ? String(value) : text);
}

/** @param {unknown} value */
function jsonType(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** @param {unknown} value */
function typed(value) {
  return `${jsonType(value)} ${show(value)}`;
}

/** @param {readonly unknown[]} options */
function oneOf(options) {
  return shorten(`one of ${options.map((option) => JSON.stringify(option)).join(", ")}`);
}

/** @param {number} limit */
function number(limit) {
  return Number.isInteger(limit) ? String(limit) : String(limit).replace("e+", "e");
}

// ---------------------------------------------------------------------------------------------
// Formats, as `eventcat-validate` (the Rust `jsonschema` crate and Rust's address parsers) reads
// them.

/** @param {string} text @param {number} at @param {number} count */
function digits(text, at, count) {
  let value = 0;
  for (let i = at; i < at + count; i += 1) {
    const code = text.charCodeAt(i);
    if (!(code >= 48 && code <= 57)) return -1;
    value = value * 10 + (code - 48);
  }
  return value;
}

/** RFC 3339 full-date. @param {string} date */
function isDate(date) {
  if (date.length !== 10 || date[4] !== "-" || date[7] !== "-") return false;
  const year = digits(date, 0, 4);
  const month = digits(date, 5, 2);
  const day = digits(date, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= (days[month - 1] ?? 0);
}

/** RFC 3339 full-time, with a leap second only at 23:59:60 UTC. @param {string} time */
function isTime(time) {
  const len = time.length;
  if (len < 9 || time[2] !== ":" || time[5] !== ":") return false;
  const hour = digits(time, 0, 2);
  const minute = digits(time, 3, 2);
  const second = digits(time, 6, 2);
  if (hour < 0 || minute < 0 || second < 0 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  let i = 8;
  if (i < len && time[i] === ".") {
    i += 1;
    const start = i;
    while (i < len && digits(time, i, 1) >= 0) i += 1;
    if (i === start) return false;
  }
  if (i === len) return false;
  const sign = time[i];
  if (sign === "Z" || sign === "z") {
    return i === len - 1 && (second !== 60 || (hour === 23 && minute === 59));
  }
  if (sign !== "+" && sign !== "-") return false;
  if (len - i !== 6 || time[i + 3] !== ":") return false;
  const offsetHour = digits(time, i + 1, 2);
  const offsetMinute = digits(time, i + 4, 2);
  if (offsetHour < 0 || offsetMinute < 0 || offsetHour > 23 || offsetMinute > 59) return false;
  if (second !== 60) return true;
  const direction = sign === "+" ? -1 : 1;
  let utcHour = hour + direction * offsetHour;
  let utcMinute = minute + direction * offsetMinute;
  utcHour += Math.trunc(utcMinute / 60);
  utcMinute %= 60;
  if (utcMinute < 0) {
    utcMinute += 60;
    utcHour -= 1;
  }
  utcHour = (((utcHour + 24) % 24) + 24) % 24;
  return utcHour === 23 && utcMinute === 59;
}

/** RFC 3339 date-time. @param {string} text */
export function isDateTime(text) {
  // Every character of a valid date-time is ASCII; the Rust check works on bytes.
  if (/[^\x00-\x7f]/.test(text)) return false;
  const t = text.search(/[Tt]/);
  return t >= 0 && isDate(text.slice(0, t)) && isTime(text.slice(t + 1));
}

/** A hyphenated UUID, any case. @param {string} text */
export function isUuid(text) {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(text);
}

/**
 * Rust's `Ipv4Addr` text form: four decimal octets, 1 to 3 digits, no leading zeros.
 * @param {string} text
 * @returns {number[] | null}
 */
export function parseIpv4(text) {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets = [];
  for (const part of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    octets.push(value);
  }
  return octets;
}

/**
 * Rust's `Ipv6Addr` text form (RFC 4291: groups of 1 to 4 hex digits, one `::` for one or more
 * zero groups, a trailing dotted IPv4; no zone, no brackets, no prefix length).
 * @param {string} text
 * @returns {number[] | null} the eight 16-bit segments
 */
export function parseIpv6(text) {
  /**
   * Colon-separated groups, with an optional trailing embedded IPv4 address.
   * @param {string} part
   * @param {number} limit
   * @returns {number[] | null}
   */
  const groups = (part, limit) => {
    if (part === "") return [];
    const pieces = part.split(":");
    /** @type {number[]} */
    const out = [];
    for (let i = 0; i < pieces.length; i += 1) {
      const piece = pieces[i] ?? "";
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIpv4(piece);
        if (v4 === null) return null;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return out.length <= limit ? out : null;
  };
  const double = text.indexOf("::");
  if (double < 0) {
    const all = groups(text, 8);
    return all !== null && all.length === 8 ? all : null;
  }
  if (text.indexOf("::", double + 1) >= 0) return null;
  const headText = text.slice(0, double);
  const tailText = text.slice(double + 2);
  const head = groups(headText, 7);
  // An embedded IPv4 address may only end the address.
  if (head === null || headText.includes(".")) return null;
  const tail = groups(tailText, 7 - head.length);
  if (tail === null) return null;
  return [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
}

/** @param {string} text */
function isHostname(text) {
  if (text.length === 0 || text.length > 253) return false;
  const name = text.endsWith(".") ? text.slice(0, -1) : text;
  return name.split(".").every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/** @param {string} text */
function isEmail(text) {
  const at = text.lastIndexOf("@");
  if (at <= 0 || at === text.length - 1 || at > 64) return false;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  const localOk =
    /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/.test(local) ||
    /^"(?:[^"\\\r\n]|\\.)*"$/.test(local);
  if (!localOk) return false;
  if (domain.startsWith("[") && domain.endsWith("]")) {
    const literal = domain.slice(1, -1);
    return /^ipv6:/i.test(literal) ? parseIpv6(literal.slice(5)) !== null : parseIpv4(literal) !== null;
  }
  return isHostname(domain);
}

const URI_CHARS = "(?:[A-Za-z0-9\\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})";
const URI_REFERENCE = new RegExp(
  `^(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://(?:(?:[A-Za-z0-9\\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*@)?(?:\\[[0-9A-Fa-f:.]+\\]|(?:[A-Za-z0-9\\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(?::[0-9]*)?)?(?:[A-Za-z0-9\\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*(?:\\?${URI_CHARS}*)?(?:#${URI_CHARS}*)?$`,
);

/** @param {string} text */
function isUriReference(text) {
  return URI_REFERENCE.test(text);
}

/** @param {string} text */
function isUri(text) {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(text) && isUriReference(text);
}

/** @type {Record<string, (text: string) => boolean>} */
const FORMATS = {
  "date-time": isDateTime,
  uuid: isUuid,
  ipv4: (text) => parseIpv4(text) !== null,
  ipv6: (text) => parseIpv6(text) !== null,
  hostname: isHostname,
  email: isEmail,
  uri: isUri,
  "uri-reference": isUriReference,
};

/**
 * Whether `text` has the privacy form: an anonymized IP (IPv4 with last octet 0, or IPv6 with
 * every bit after the first 48 zero) or a SHA-256 hex digest.
 * @param {PrivacyForm} form
 * @param {string} text
 */
export function hasPrivacyForm(form, text) {
  if (form === "hashed") return HASHED.test(text);
  const v4 = parseIpv4(text);
  if (v4 !== null) return v4[3] === 0;
  const v6 = parseIpv6(text);
  return v6 !== null && v6.slice(3).every((segment) => segment === 0);
}

/** @param {PrivacyForm} form @param {string} text */
function privacyProblem(form, text) {
  if (form === "hashed") {
    if (Array.from(text).length !== 64) return "not 64 characters long";
    return /^[0-9a-fA-F]*$/.test(text)
      ? "uppercase hexadecimal digits"
      : "characters that are not hexadecimal digits";
  }
  if (parseIpv4(text) !== null) return "an IPv4 address whose last octet is not 0";
  if (parseIpv6(text) !== null) return "an IPv6 address with bits set after its /48 prefix";
  return "not an IP address";
}

// ---------------------------------------------------------------------------------------------
// The checks of one value.

/**
 * @param {Map<string, RegExp>} patterns
 * @param {string} source
 */
function regex(patterns, source) {
  let compiled = patterns.get(source);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(source, "u");
    } catch {
      compiled = new RegExp(source);
    }
    patterns.set(source, compiled);
  }
  return compiled;
}

/**
 * The errors of a value against its type, the way the JSON Schema keywords of that type report
 * them (the privacy form of a string included).
 * @param {unknown} value
 * @param {string} pointer
 * @param {TypeRule} type
 * @param {PrivacyForm | undefined} privacy
 * @param {Map<string, RegExp>} patterns
 * @param {RawError[]} out
 */
function typeErrors(value, pointer, type, privacy, patterns, out) {
  /** @param {string} rule @param {string} expected */
  const fail = (rule, expected) => out.push({ pointer, rule, expected, instance: value });
  switch (type.kind) {
    case "const":
      if (value !== type.value) fail("const", show(type.value));
      return;
    case "enum":
      if (typeof value !== "string") fail("type", "type string");
      if (!type.values.some((option) => option === value)) fail("enum", oneOf(type.values));
      return;
    case "integer":
    case "number":
      if (typeof value !== "number" || (type.kind === "integer" && !Number.isInteger(value))) {
        fail("type", `type ${type.kind}`);
      }
      if (typeof value === "number") {
        if (type.minimum !== undefined && value < type.minimum) fail("minimum", `>= ${number(type.minimum)}`);
        if (type.maximum !== undefined && value > type.maximum) fail("maximum", `<= ${number(type.maximum)}`);
      }
      return;
    case "boolean":
      if (typeof value !== "boolean") fail("type", "type boolean");
      return;
    case "object":
      if (!isObject(value)) fail("type", "type object");
      return;
    case "date-time":
      if (typeof value !== "string") fail("type", "type string");
      else if (!isDateTime(value)) fail("format", "a valid date-time (format)");
      return;
    case "array":
      if (!Array.isArray(value)) {
        fail("type", "type array");
        return;
      }
      value.forEach((item, index) => {
        const items = type.items;
        typeErrors(item, child(pointer, index), items, items.kind === "string" ? privacy : undefined, patterns, out);
      });
      return;
    case "string": {
      if (typeof value !== "string") {
        fail("type", "type string");
        return;
      }
      const length = Array.from(value).length;
      if (type.minLength !== undefined && length < type.minLength) {
        fail("minLength", `at least ${type.minLength} characters`);
      }
      if (type.maxLength !== undefined && length > type.maxLength) {
        fail("maxLength", `at most ${type.maxLength} characters`);
      }
      if (type.pattern !== undefined && !regex(patterns, type.pattern).test(value)) {
        fail("pattern", `a string matching ${type.pattern}`);
      }
      const format = type.format;
      const ip = format === "ip";
      if (privacy === "anonymized_ip" && (format === undefined || ip)) {
        // The schema replaces `ip` by "an anonymized IPv4 or any IPv6".
        if (!ANONYMIZED_IPV4.test(value) && parseIpv6(value) === null) {
          fail("anyOf", `any of: a string matching ${ANONYMIZED_IPV4_PATTERN} | a valid ipv6 (format)`);
        }
      } else if (ip) {
        if (parseIpv4(value) === null && parseIpv6(value) === null) {
          fail("anyOf", "any of: a valid ipv4 (format) | a valid ipv6 (format)");
        }
      } else if (format !== undefined) {
        const check = FORMATS[format];
        if (check !== undefined && !check(value)) fail("format", `a valid ${format} (format)`);
      }
      if (privacy === "anonymized_ip" && format === "ipv4" && !ANONYMIZED_IPV4.test(value)) {
        fail("pattern", `a string matching ${ANONYMIZED_IPV4_PATTERN}`);
      }
      if (privacy === "hashed" && !HASHED.test(value)) {
        fail("pattern", `a string matching ${HASHED_PATTERN}`);
      }
      return;
    }
  }
}

/**
 * Whether a raw error at a privacy field is the failure of its privacy form (so it is reported
 * as `privacy:*`): the privacy patterns, and an anonymized IP field's `anyOf` or `format`.
 * @param {RawError} error
 * @param {PrivacyForm} form
 */
function statesPrivacyForm(error, form) {
  if (form === "hashed") return error.rule === "pattern" && error.expected === `a string matching ${HASHED_PATTERN}`;
  return (
    error.rule === "anyOf" ||
    error.rule === "format" ||
    (error.rule === "pattern" && error.expected === `a string matching ${ANONYMIZED_IPV4_PATTERN}`)
  );
}

/**
 * @param {unknown} value
 * @param {string} pointer
 * @param {FieldRule} field
 * @param {Map<string, RegExp>} patterns
 * @param {ValidationError[]} errors
 */
function checkField(value, pointer, field, patterns, errors) {
  /** @type {RawError[]} */
  let raw = [];
  if (field.nullable) {
    if (value !== null) {
      /** @type {RawError[]} */
      const inner = [];
      typeErrors(value, pointer, field.type, field.privacy, patterns, inner);
      if (inner.length > 0) {
        const wants = inner.map((error) => error.expected).join(" and ");
        raw = [{ pointer, rule: "anyOf", expected: shorten(`any of: ${wants} | type null`), instance: value }];
      }
    }
  } else {
    typeErrors(value, pointer, field.type, field.privacy, patterns, raw);
  }
  const eachItem = field.type.kind === "array";
  for (const error of raw) {
    const atField =
      error.pointer === pointer ||
      (eachItem && error.pointer.startsWith(`${pointer}/`) && /^[0-9]+$/.test(error.pointer.slice(pointer.length + 1)));
    const form = field.privacy;
    if (form !== undefined && atField && statesPrivacyForm(error, form)) {
      const rule = PRIVACY_RULE[form];
      if (!errors.some((e) => e.pointer === error.pointer && e.rule === rule)) {
        errors.push({ pointer: error.pointer, rule, expected: PRIVACY_EXPECTED[form], actual: show(error.instance) });
      }
      continue;
    }
    const actual = error.rule === "type" || error.rule === "anyOf" ? typed(error.instance) : show(error.instance);
    errors.push({ pointer: error.pointer, rule: error.rule, expected: error.expected, actual });
  }
}

/**
 * `required` and `additionalProperties: false` of an object, then each field present.
 * @param {Record<string, unknown>} object
 * @param {string} pointer
 * @param {FieldRule[]} fields
 * @param {string[]} extraKeys keys allowed beside the fields
 * @param {Map<string, RegExp>} patterns
 * @param {ValidationError[]} errors
 */
function checkObject(object, pointer, fields, extraKeys, patterns, errors) {
  for (const field of fields) {
    if (!field.optional && !has(object, field.name)) {
      errors.push({
        pointer: child(pointer, field.name),
        rule: "required",
        expected: `required property ${JSON.stringify(field.name)}`,
        actual: "absent",
      });
    }
  }
  for (const name of extraKeys) {
    if (!has(object, name)) {
      errors.push({ pointer: child(pointer, name), rule: "required", expected: `required property ${JSON.stringify(name)}`, actual: "absent" });
    }
  }
  for (const key of Object.keys(object)) {
    if (!fields.some((field) => field.name === key) && !extraKeys.includes(key)) {
      errors.push({
        pointer: child(pointer, key),
        rule: "additionalProperties",
        expected: "no such property: the schema is closed (not in the catalog)",
        actual: show(object[key]),
      });
    }
  }
  for (const field of fields) {
    if (has(object, field.name)) {
      checkField(object[field.name], child(pointer, field.name), field, patterns, errors);
    }
  }
}

/**
 * A field restricted to some environments must be absent from a payload of any other (and from
 * one without an environment).
 * @param {Record<string, unknown>} payload
 * @param {EventRule} event
 * @param {CatalogRules} rules
 * @param {ValidationError[]} errors
 */
function checkEnvironments(payload, event, rules, errors) {
  const key = rules.environmentKey;
  const environment = key !== null && has(payload, key) ? payload[key] : undefined;
  /** @param {FieldRule} field */
  const allowedHere = (field) =>
    field.environments === undefined ||
    (key !== null && field.environments.length > 0 && field.environments.some((e) => e === environment));
  /** @param {string} pointer @param {FieldRule} field @param {unknown} value */
  const forbid = (pointer, field, value) =>
    errors.push({
      pointer,
      rule: "privacy:environment",
      expected: `absent: allowed only in environment ${(field.environments ?? []).join(", ")}`,
      actual: `present: ${show(value)}`,
    });
  const restrictedProperties = event.properties.filter((field) => !allowedHere(field));
  for (const field of event.envelope) {
    if (!allowedHere(field) && has(payload, field.name)) {
      forbid(child("", field.name), field, payload[field.name]);
    }
  }
  if (restrictedProperties.length === 0 || !has(payload, rules.propertiesKey)) return;
  const properties = payload[rules.propertiesKey];
  const pointer = child("", rules.propertiesKey);
  if (!isObject(properties)) {
    // Each rule's own `type: object` fails too, as in the schema: one rule per distinct list of
    // allowed environments.
    const rulesApplying = new Set(restrictedProperties.map((field) => JSON.stringify(field.environments)));
    for (let i = 0; i < rulesApplying.size; i += 1) {
      errors.push({ pointer, rule: "type", expected: "type object", actual: typed(properties) });
    }
    return;
  }
  for (const field of restrictedProperties) {
    if (has(properties, field.name)) forbid(child(pointer, field.name), field, properties[field.name]);
  }
}

/**
 * Each string at a privacy field (each element when it is an array) in its form; what the
 * schema keywords already said is kept once, with the reason.
 * @param {Record<string, unknown>} payload
 * @param {EventRule} event
 * @param {CatalogRules} rules
 * @param {ValidationError[]} errors
 */
function checkPrivacyForms(payload, event, rules, errors) {
  /** @param {Record<string, unknown>} object @param {string} pointer @param {FieldRule[]} fields */
  const walk = (object, pointer, fields) => {
    for (const field of fields) {
      const form = field.privacy;
      if (form === undefined || !has(object, field.name)) continue;
      const value = object[field.name];
      const at = child(pointer, field.name);
      /** @param {string} itemPointer @param {string} text */
      const check = (itemPointer, text) => {
        if (hasPrivacyForm(form, text)) return;
        const rule = PRIVACY_RULE[form];
        const actual = `${show(text)} (${privacyProblem(form, text)})`;
        const existing = errors.find((e) => e.pointer === itemPointer && e.rule === rule);
        if (existing !== undefined) existing.actual = actual;
        else errors.push({ pointer: itemPointer, rule, expected: PRIVACY_EXPECTED[form], actual });
      };
      if (typeof value === "string") check(at, value);
      else if (Array.isArray(value) && field.type.kind === "array") {
        value.forEach((item, index) => {
          if (typeof item === "string") check(child(at, index), item);
        });
      }
    }
  };
  walk(payload, "", event.envelope);
  const properties = payload[rules.propertiesKey];
  if (has(payload, rules.propertiesKey) && isObject(properties)) {
    walk(properties, child("", rules.propertiesKey), event.properties);
  }
}

/**
 * The validator of a catalog's rules.
 * @param {CatalogRules} rules
 */
export function createValidator(rules) {
  /** @type {Map<string, Map<string, EventRule>>} */
  const events = new Map();
  for (const event of rules.events) {
    const versions = events.get(event.name) ?? new Map();
    versions.set(event.version, event);
    events.set(event.name, versions);
  }
  /** @type {Map<string, RegExp>} */
  const patterns = new Map();

  /**
   * Every error of a parsed payload, as `eventcat-validate` reports them.
   * @param {unknown} payload
   * @returns {ValidationResult}
   */
  function validate(payload) {
    /** @type {ValidationError[]} */
    const errors = [];
    if (!isObject(payload)) {
      errors.push({ pointer: "", rule: "envelope:not_object", expected: "a JSON object (an event payload)", actual: typed(payload) });
      return { valid: false, errors };
    }
    const nameKey = rules.eventNameKey;
    const versionKey = rules.versionKey;
    const name = has(payload, nameKey) ? payload[nameKey] : undefined;
    const version = has(payload, versionKey) ? payload[versionKey] : undefined;
    if (typeof name !== "string") {
      errors.push({ pointer: child("", nameKey), rule: "envelope:event_name", expected: "a string naming the event", actual: name === undefined ? "absent" : typed(name) });
    }
    if (typeof version !== "string") {
      errors.push({ pointer: child("", versionKey), rule: "envelope:version", expected: "a string naming the event's schema version", actual: version === undefined ? "absent" : typed(version) });
    }
    if (typeof name !== "string" || typeof version !== "string") return { valid: false, errors };
    const versions = events.get(name);
    if (versions === undefined) {
      errors.push({ pointer: child("", nameKey), rule: "envelope:unknown_event", expected: `an event of the registry (${events.size} known)`, actual: show(name) });
      return { valid: false, errors };
    }
    const event = versions.get(version);
    if (event === undefined) {
      errors.push({ pointer: child("", versionKey), rule: "envelope:unknown_version", expected: `a version of ${name}: ${oneOf([...versions.keys()])}`, actual: show(version) });
      return { valid: false, errors };
    }
    checkObject(payload, "", event.envelope, [rules.propertiesKey], patterns, errors);
    const properties = payload[rules.propertiesKey];
    const pointer = child("", rules.propertiesKey);
    if (has(payload, rules.propertiesKey)) {
      if (isObject(properties)) checkObject(properties, pointer, event.properties, [], patterns, errors);
      else errors.push({ pointer, rule: "type", expected: "type object", actual: typed(properties) });
    }
    checkEnvironments(payload, event, rules, errors);
    checkPrivacyForms(payload, event, rules, errors);
    return { valid: errors.length === 0, errors };
  }

  /**
   * {@link validate} on JSON text: text that is not JSON is one `json:syntax` error.
   * @param {string} text
   * @returns {ValidationResult}
   */
  function validateJson(text) {
    let payload;
    try {
      payload = JSON.parse(text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { valid: false, errors: [{ pointer: "", rule: "json:syntax", expected: "a JSON value", actual: shorten(message) }] };
    }
    return validate(payload);
  }

  return { validate, validateJson };
}
