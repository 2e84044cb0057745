import type { ValidationResult } from "./tracker.js";

/** A privacy form a value must have. */
export type PrivacyForm = "hashed" | "anonymized_ip";

/** The rule of a value's type (written by `eventcat generate` from the catalog). */
export type TypeRule =
  | { kind: "string"; minLength?: number; maxLength?: number; pattern?: string; format?: string }
  | { kind: "enum"; values: string[] }
  | { kind: "integer"; minimum?: number; maximum?: number }
  | { kind: "number"; minimum?: number; maximum?: number }
  | { kind: "boolean" }
  | { kind: "date-time" }
  | { kind: "object" }
  | { kind: "array"; items: TypeRule }
  | { kind: "const"; value: string };

/** The rules of one field. */
export interface FieldRule {
  name: string;
  type: TypeRule;
  optional: boolean;
  nullable: boolean;
  privacy?: PrivacyForm;
  environments?: string[];
}

/** The rules of one event version. */
export interface EventRule {
  name: string;
  version: string;
  envelope: FieldRule[];
  properties: FieldRule[];
}

/** The rules of a catalog. */
export interface CatalogRules {
  eventNameKey: string;
  versionKey: string;
  propertiesKey: string;
  environmentKey: string | null;
  events: EventRule[];
}

export declare const ANONYMIZED_IPV4_PATTERN: string;
export declare const HASHED_PATTERN: string;
export declare function isObject(value: unknown): value is Record<string, unknown>;
export declare function child(pointer: string, segment: string | number): string;
export declare function show(value: unknown): string;
export declare function isDateTime(text: string): boolean;
export declare function isUuid(text: string): boolean;
export declare function parseIpv4(text: string): number[] | null;
export declare function parseIpv6(text: string): number[] | null;
export declare function hasPrivacyForm(form: PrivacyForm, text: string): boolean;

/** The validator of a catalog's rules. */
export declare function createValidator(rules: CatalogRules): {
  validate(payload: unknown): ValidationResult;
  validateJson(text: string): ValidationResult;
};
