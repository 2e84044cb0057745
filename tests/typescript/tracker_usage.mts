// Compiled by tests/tests/typescript_tsc.rs against the bundled catalog's package, installed as
// `node_modules/auterity-events`: the API an app uses, through the package's `exports`. Every
// `@ts-expect-error` line must be an error, or tsc fails ("Unused '@ts-expect-error' directive").
import {
  createTracker,
  memoryTransport,
  httpTransport,
  EventViolationError,
  type Tracker,
  type TrackerContext,
  type UserLogin,
  type Transport,
  type HttpTransportStats,
} from "auterity-events";
import { validate, validateJson, isEvent, type ValidationResult } from "auterity-events/validate";

const context: TrackerContext = { source: "frontend", environment: "production", organization_id: "org_42" };
const transport = memoryTransport();
export const tracker: Tracker = createTracker({ transport, context, validate });

const login: UserLogin = tracker.userLogin({
  user_id: "user_1",
  organization_id: "org_42",
  login_method: "sso",
  device_type: "desktop",
  browser: "Firefox 133",
  ip_address: "203.0.113.0",
  login_timestamp: "2025-01-31T09:30:00Z",
  session_id: "sess_1",
});
export const name: "user.login" = login.event_name;
export const sent: Record<string, unknown>[] = transport.sent;

// A function per event, typed by its properties.
tracker.userLogin({
  user_id: "user_1",
  organization_id: "org_42",
  // @ts-expect-error: not a login method of the catalog.
  login_method: "magic",
  device_type: "desktop",
  browser: "Firefox 133",
  ip_address: "203.0.113.0",
  login_timestamp: "2025-01-31T09:30:00Z",
  session_id: "sess_1",
});
// @ts-expect-error: a required property (browser, ...) is missing.
tracker.userLogin({ user_id: "user_1" });
// @ts-expect-error: no such event.
tracker.userLoginn({});
// @ts-expect-error: a property the event does not have.
tracker.userLogout({ user_id: "u", organization_id: "o", session_id: "s", session_duration: 1, logout_reason: "manual", logout_timestamp: "2025-01-31T09:30:00Z", extra: 1 });

// Overrides are the envelope's, each optional, typed.
tracker.userLogout(
  { user_id: "u", organization_id: "o", session_id: "s", session_duration: 1, logout_reason: "manual", logout_timestamp: "2025-01-31T09:30:00Z" },
  { event_id: "123e4567-e89b-42d3-a456-426614174000", environment: "staging" },
);
tracker.userLogout(
  { user_id: "u", organization_id: "o", session_id: "s", session_duration: 1, logout_reason: "manual", logout_timestamp: "2025-01-31T09:30:00Z" },
  // @ts-expect-error: not an environment of the catalog.
  { environment: "qa" },
);
// `track` by name: the name picks the properties' type.
export const again: UserLogin = tracker.track("user.login", login.properties);
// @ts-expect-error: the properties of another event.
tracker.track("user.logout", login.properties);
// @ts-expect-error: not an event name.
tracker.track("workflow.nope", {});

// The context: required envelope fields are required, the filled ones are not allowed.
// @ts-expect-error: organization_id is missing.
export const noOrganization: TrackerContext = { source: "frontend", environment: "production" };
// @ts-expect-error: event_id is filled by the tracker, not given in the context.
export const withId: TrackerContext = { ...context, event_id: "x" };
// @ts-expect-error: a transport is required.
createTracker({ context });

// Validation, from its own entry point.
const result: ValidationResult = validate(JSON.parse("{}") as unknown);
export const firstRule: string | undefined = result.errors[0]?.rule;
export const fromText: boolean = validateJson("{}").valid;
const unknownPayload: unknown = JSON.parse("{}");
if (isEvent(unknownPayload) && unknownPayload.event_name === "user.login") {
  // Narrowed to the union, then to the event: its properties are typed.
  const method: "password" | "sso" | "mfa" = unknownPayload.properties.login_method;
  console.log(method);
}
createTracker({
  transport,
  context,
  validate,
  onViolation: (violation) => {
    const error = new EventViolationError(violation);
    console.warn(error.errors.length, violation.payload);
  },
});

// The HTTP transport.
const http = httpTransport({ url: "http://127.0.0.1:9090/v1/events", batchSize: 50, maxRetries: 3, headers: { authorization: "Bearer t" } });
export const stats: HttpTransportStats = http.stats;
export const asTransport: Transport = http;
// @ts-expect-error: the url is required.
httpTransport({ batchSize: 5 });
export const flushed: Promise<void> = tracker.flush();
