import type { Transport } from "./transport.js";

/** One broken rule, as `eventcat-validate` reports it. */
export interface ValidationError {
  /** JSON pointer (RFC 6901) to the value; `""` for the whole payload. */
  readonly pointer: string;
  /** The rule: a JSON Schema keyword (`type`, `required`, `enum`, ...) or `envelope:*`, `privacy:*`, `json:*`. */
  readonly rule: string;
  /** What the rule wants. */
  readonly expected: string;
  /** What the payload has. */
  readonly actual: string;
}

/** The verdict on one payload. */
export interface ValidationResult {
  readonly valid: boolean;
  readonly errors: ValidationError[];
}

/** An invalid payload the tracker built. */
export interface Violation {
  readonly payload: Record<string, unknown>;
  readonly errors: ValidationError[];
}

/** An event that breaks the catalog's rules, thrown by the default `onViolation` in tests. */
export declare class EventViolationError extends Error {
  constructor(violation: Violation);
  readonly payload: Record<string, unknown>;
  readonly errors: ValidationError[];
}

/** Whether the code runs under a test runner (node --test, Jest, Vitest) or NODE_ENV=test. */
export declare function runningTests(): boolean;

/** Throws an `EventViolationError` in tests, warns otherwise. */
export declare function defaultOnViolation(violation: Violation): void;

/** A random UUID (version 4). */
export declare function randomUuid(): string;

/** The events a tracker has, and the envelope keys it fills (written by `eventcat generate`). */
export interface TrackerSpec {
  eventNameKey: string;
  eventTypeKey: string | null;
  versionKey: string;
  propertiesKey: string;
  idKey: string | null;
  timestampKey: string | null;
  envelopeKeys: string[];
  events: [method: string, name: string, eventType: string, version: string][];
}

/** The options of `buildTracker`, untyped by event. */
export interface TrackerOptions {
  transport: Transport;
  context?: Record<string, unknown>;
  validate?: (payload: unknown) => ValidationResult;
  onViolation?: (violation: Violation) => void;
}

/** The tracker behind the generated `createTracker`. */
export declare function buildTracker(spec: TrackerSpec, options: TrackerOptions): Record<string, unknown>;
