// The tracker: one function per event (the generated `index.js` lists them) that fills the
// envelope from the context given once and sends the payload through a transport. Validation is
// optional and comes from its own entry point (`<package>/validate`), so a production bundle that
// does not pass `validate` leaves it out.

/**
 * @typedef {{ pointer: string, rule: string, expected: string, actual: string }} ValidationError
 * @typedef {{ valid: boolean, errors: ValidationError[] }} ValidationResult
 * @typedef {{ payload: Record<string, unknown>, errors: ValidationError[] }} Violation
 * @typedef {{ send(payload: Record<string, unknown>): void | Promise<void>, flush?(): Promise<void> }} Transport
 * @typedef {{
 *   transport: Transport,
 *   context?: Record<string, unknown>,
 *   validate?: (payload: unknown) => ValidationResult,
 *   onViolation?: (violation: Violation) => void,
 * }} TrackerOptions
 * @typedef {{
 *   eventNameKey: string, eventTypeKey: string | null, versionKey: string, propertiesKey: string,
 *   idKey: string | null, timestampKey: string | null, envelopeKeys: string[],
 *   events: [method: string, name: string, eventType: string, version: string][],
 * }} TrackerSpec
 */

/** An event that breaks the catalog's rules, thrown by the default `onViolation` in tests. */
export class EventViolationError extends Error {
  /** @param {Violation} violation */
  constructor(violation) {
    const name = violation.payload["event_name"];
    const lines = violation.errors.map((e) => `  ${e.pointer || "(payload)"} [${e.rule}] expected ${e.expected}; got ${e.actual}`);
    super(`${typeof name === "string" ? name : "event"} breaks the catalog:\n${lines.join("\n")}`);
    this.name = "EventViolationError";
    /** The payload that was not sent. */
    this.payload = violation.payload;
    /** Every error, as `eventcat-validate` reports them. */
    this.errors = violation.errors;
  }
}

/** Whether the code runs under a test runner (node --test, Jest, Vitest) or NODE_ENV=test. */
export function runningTests() {
  const global = /** @type {{ process?: { env?: Record<string, string | undefined> } }} */ (
    /** @type {unknown} */ (globalThis)
  );
  const env = global.process?.env;
  if (env === undefined) return false;
  return (
    env["NODE_ENV"] === "test" ||
    env["NODE_TEST_CONTEXT"] !== undefined ||
    env["JEST_WORKER_ID"] !== undefined ||
    env["VITEST"] !== undefined
  );
}

/**
 * The default reaction to an invalid event: throw in tests, so the test fails where the event
 * was tracked; warn otherwise, and send it anyway (the collector records it as a bad row), so
 * tracking never crashes an app in production.
 * @param {Violation} violation
 */
export function defaultOnViolation(violation) {
  const error = new EventViolationError(violation);
  if (runningTests()) throw error;
  console.warn(error.message);
}

/** A random UUID (version 4), from `crypto.randomUUID` where the platform has it. */
export function randomUuid() {
  /** @type {{ crypto?: { randomUUID?: () => string, getRandomValues?: (array: Uint8Array) => Uint8Array } }} */
  const global = globalThis;
  const crypto = global.crypto;
  if (crypto?.randomUUID !== undefined) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (crypto?.getRandomValues !== undefined) crypto.getRandomValues(bytes);
  else for (let i = 0; i < 16; i += 1) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * @param {object} object
 * @param {string} key
 */
function has(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/**
 * A tracker for the events `spec` lists.
 * @param {TrackerSpec} spec
 * @param {TrackerOptions} options
 */
export function buildTracker(spec, options) {
  if (options === null || typeof options !== "object" || typeof options.transport?.send !== "function") {
    throw new TypeError("createTracker: `transport` (an object with a send(payload) method) is required");
  }
  const transport = options.transport;
  const context = { ...(options.context ?? {}) };
  const validate = options.validate;
  const onViolation = options.onViolation ?? defaultOnViolation;
  /** @type {Map<string, [method: string, name: string, eventType: string, version: string]>} */
  const byName = new Map(spec.events.map((event) => [event[1], event]));
  /** @type {Set<Promise<void>>} */
  const pending = new Set();
  /** @type {unknown[]} */
  const sendErrors = [];

  /**
   * @param {string} name
   * @param {Record<string, unknown>} properties
   * @param {Record<string, unknown>} [overrides]
   */
  function track(name, properties, overrides) {
    const event = byName.get(name);
    if (event === undefined) throw new TypeError(`unknown event ${JSON.stringify(name)}`);
    const [, eventName, eventType, version] = event;
    const given = overrides ?? {};
    /** @type {Record<string, unknown>} */
    const payload = {};
    /** @param {string} key */
    const pick = (key) => (has(given, key) ? given[key] : has(context, key) ? context[key] : undefined);
    for (const key of spec.envelopeKeys) {
      let value;
      if (key === spec.eventNameKey) value = eventName;
      else if (key === spec.eventTypeKey) value = eventType;
      else if (key === spec.versionKey) value = version;
      else value = pick(key);
      if (value === undefined && key === spec.idKey) value = randomUuid();
      if (value === undefined && key === spec.timestampKey) value = new Date().toISOString();
      if (value !== undefined) payload[key] = value;
    }
    // Keys the catalog does not know are passed on for the validator to report.
    for (const source of [context, given]) {
      for (const key of Object.keys(source)) {
        if (!spec.envelopeKeys.includes(key) && key !== spec.propertiesKey && !has(payload, key)) {
          payload[key] = pick(key);
        }
      }
    }
    payload[spec.propertiesKey] = { ...properties };
    if (validate !== undefined) {
      const result = validate(payload);
      if (!result.valid) onViolation({ payload, errors: result.errors });
    }
    const sent = transport.send(payload);
    if (sent !== undefined && typeof sent.then === "function") {
      const settled = Promise.resolve(sent).then(
        () => {},
        (error) => {
          sendErrors.push(error);
        },
      );
      pending.add(settled);
      void settled.then(() => pending.delete(settled));
    }
    return payload;
  }

  /** Waits for every event tracked so far to be handed to the transport, then flushes it. */
  async function flush() {
    await Promise.all([...pending]);
    if (typeof transport.flush === "function") await transport.flush();
    if (sendErrors.length > 0) {
      const errors = sendErrors.splice(0);
      throw new AggregateError(errors, `${errors.length} event(s) could not be handed to the transport`);
    }
  }

  /** @type {Record<string, unknown>} */
  const tracker = { track, flush };
  for (const [method, name] of spec.events) {
    tracker[method] = (/** @type {Record<string, unknown>} */ properties, /** @type {Record<string, unknown> | undefined} */ overrides) =>
      track(name, properties, overrides);
  }
  return tracker;
}
