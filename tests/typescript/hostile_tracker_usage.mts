// Compiled by tests/tests/typescript_tsc.rs against the hostile fixture's package, installed as
// `node_modules/hostile-events`: names that are keywords or special on JavaScript objects
// (`type`, `enum`, `constructor`, `prototype`) are plain properties of the tracking functions.
import { createTracker, memoryTransport } from "hostile-events";
import { validate } from "hostile-events/validate";

const transport = memoryTransport();
const tracker = createTracker({
  transport,
  context: { organization_id: "o", source: "s", environment: "development" },
  validate,
});
export const weird = tracker.weirdKeywords({
  type: "t",
  self: "*/",
  enum: 3,
  fn: ["crate", "null"],
  constructor: null,
  prototype: "p",
});
export const name: "weird.keywords" = weird.event_name;
// @ts-expect-error: "3d" is a value of `self`, 4 is not a value of anything here.
tracker.weirdKeywords({ type: "t", self: 4, enum: 3, fn: [], constructor: null });
tracker.checkoutCompleted({
  order_id: "o",
  amount: 1,
  item_count: 1,
  client_ip: "203.0.113.0",
  paid_at: "2025-01-31T09:30:00Z",
  gift: false,
  debug_trace: "dev only",
});
