// Compiled by tests/tests/typescript_tsc.rs against the declarations of the bundled catalog
// (`catalog/`), written to `generated/typescript/` in a temporary copy of this layout.
import type {
  AnalyticsEvent,
  EventMap,
  EventName,
  UserLogin,
  UserLoginProperties,
  WorkflowUpdated,
} from "../../generated/typescript";

const properties: UserLoginProperties = {
  user_id: "u_42",
  organization_id: "org_7",
  login_method: "sso",
  device_type: "desktop",
  browser: "Firefox 133",
  ip_address: "203.0.113.0",
  session_id: "s_1",
  login_timestamp: "2025-01-31T09:30:00Z",
};

/** A complete `user.login` payload: every required envelope field and property. */
export const login: UserLogin = {
  event_id: "0b9c2a5e-4f3e-4d2a-9c61-2f7f0e2b6d11",
  event_type: "user.authentication",
  event_name: "user.login",
  timestamp: "2025-01-31T09:30:00Z",
  organization_id: "org_7",
  user_id: "u_42",
  version: "1.0.0",
  source: "frontend",
  environment: "production",
  properties,
};

/** `event_name` narrows the union: each branch reads a property only its event has. */
export function describe(event: AnalyticsEvent): string {
  switch (event.event_name) {
    case "user.login":
      return `login via ${event.properties.login_method} on ${event.properties.device_type}`;
    case "user.logout":
      return `logout: ${event.properties.logout_reason}`;
    case "workflow.updated":
      return event.properties.changes_made.join(", ");
    default:
      return event.event_name;
  }
}

/** `EventMap` and `EventName` type functions generic over the event. */
export function named<N extends EventName>(name: N, events: AnalyticsEvent[]): EventMap[N][] {
  return events.filter((event): event is EventMap[N] => event.event_name === name);
}

export const changes: WorkflowUpdated["properties"]["changes_made"] = ["nodes_added", "config_changed"];

// @ts-expect-error: `login_method` is a closed enum.
export const badMethod: UserLoginProperties["login_method"] = "magic_link";

// @ts-expect-error: the event name and the event_type are fixed per event.
export const wrongType: UserLogin = { ...login, event_type: "user.interaction" };
