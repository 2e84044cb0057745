// Compiled by tests/tests/typescript_tsc.rs against the declarations of the hostile fixture
// (`codegen/tests/fixtures/hostile`): keyword property names, punctuation in enum values and
// comment-closing text must give declarations that compile and type exactly.
import type {
  AnalyticsEvent,
  WeirdKeywords,
  WeirdKeywordsProperties,
  WeirdKeywordsSelf,
} from "../../generated/typescript";

const properties: WeirdKeywordsProperties = {
  type: "t",
  self: "*/",
  enum: 300,
  fn: ["crate", "null"],
  constructor: null,
};

export const weird: WeirdKeywords = {
  event_id: "0b9c2a5e-4f3e-4d2a-9c61-2f7f0e2b6d11",
  event_type: "weird.oddities",
  event_name: "weird.keywords",
  timestamp: "2025-01-31T09:30:00Z",
  organization_id: "org_7",
  version: "1.0.0",
  source: "test",
  environment: "development",
  properties: { ...properties, default: true, prototype: "p" },
};

export const values: WeirdKeywordsSelf[] = ["self", "super", "3d", "a-b", "with space", "*/", "ünïcode"];

export function keywordOf(event: AnalyticsEvent): string | undefined {
  switch (event.event_name) {
    case "weird.keywords":
      return event.properties.type + event.properties.self;
    case "shop.item_viewed":
      return event.properties.referrer ?? undefined;
    default:
      return undefined;
  }
}

// @ts-expect-error: "null" is an enum value; null is not.
export const nullItem: WeirdKeywordsProperties["fn"] = [null];

// @ts-expect-error: `*/` is a value, `*\/` is not.
export const escaped: WeirdKeywordsSelf = "*\\/";
