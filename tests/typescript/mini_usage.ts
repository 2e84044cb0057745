// Compiled by tests/tests/typescript_tsc.rs against the declarations of the mini fixture
// (`codegen/tests/fixtures/mini`), written to `generated/typescript/` in a temporary copy of this
// layout. Every `@ts-expect-error` line must be an error, or tsc fails with "Unused
// '@ts-expect-error' directive": this proves the types are strict, not `any`.
import type {
  AnalyticsEvent,
  CheckoutCompleted,
  CheckoutCompletedProperties,
  EventName,
  ShopItemViewed,
  ShopItemViewedProperties,
} from "../../generated/typescript";

const order: CheckoutCompletedProperties = {
  order_id: "o_1",
  amount: 12.5,
  item_count: 2,
  client_ip: "203.0.113.0",
  paid_at: "2025-01-31T09:30:00Z",
  gift: false,
};

/** A complete `checkout.completed` payload: every required envelope field and property. */
export const checkout: CheckoutCompleted = {
  event_id: "0b9c2a5e-4f3e-4d2a-9c61-2f7f0e2b6d11",
  event_type: "shop.orders",
  event_name: "checkout.completed",
  timestamp: "2025-01-31T09:30:00Z",
  organization_id: "org_7",
  version: "1.2.0",
  source: "web",
  environment: "staging",
  properties: order,
};

const viewed: ShopItemViewedProperties = {
  item_id: "i_1",
  view_source: "search",
  dwell_time: 3.5,
  tags: ["sale"],
  // Optional and nullable: may be absent, or present as null.
  referrer: null,
};

export const view: ShopItemViewed = { ...checkout, event_type: "shop.browsing", event_name: "shop.item_viewed", version: "1.0.0", properties: viewed };

/** `event_name` narrows the union: each branch reads a property only its event has. */
export function summary(event: AnalyticsEvent): string {
  switch (event.event_name) {
    case "checkout.completed":
      return `paid ${event.properties.amount} for ${event.properties.item_count} items`;
    case "shop.item_viewed":
      return `viewed ${event.properties.item_id} from ${event.properties.view_source}`;
  }
}

export const names: EventName[] = ["checkout.completed", "shop.item_viewed"];

// @ts-expect-error: a value outside the closed enum.
export const badSource: ShopItemViewedProperties["view_source"] = "email";

// @ts-expect-error: a missing required property (`gift`).
export const missing: CheckoutCompletedProperties = { order_id: "o", amount: 1, item_count: 1, client_ip: "x", paid_at: "2025-01-31T09:30:00Z" };

// @ts-expect-error: null in a field that is not nullable.
export const nullAmount: CheckoutCompletedProperties = { ...order, amount: null };

// @ts-expect-error: a property the event does not declare (excess property check).
export const unknownProperty: CheckoutCompletedProperties = { ...order, coupon: "SAVE10" };

// @ts-expect-error: optional is not nullable: `rating` may be absent, not null.
export const nullRating: CheckoutCompletedProperties = { ...order, rating: null };

// @ts-expect-error: optional does not admit an explicit undefined (exactOptionalPropertyTypes).
export const undefinedRating: CheckoutCompletedProperties = { ...order, rating: undefined };

// @ts-expect-error: the version is fixed per event.
export const wrongVersion: CheckoutCompleted = { ...checkout, version: "1.0.0" };

// @ts-expect-error: an unknown event name is not an EventName.
export const unknownName: EventName = "checkout.refunded";

// @ts-expect-error: a string where a number is expected.
export const stringAmount: CheckoutCompletedProperties = { ...order, amount: "12.50" };

// @ts-expect-error: the environment enum is closed too.
export const badEnvironment: CheckoutCompleted = { ...checkout, environment: "qa" };
