/** A payload as the tracker builds it: the envelope and its `properties`. */
export type Payload = Record<string, unknown>;

/** Where a tracker's payloads go. */
export interface Transport {
  /** Takes one payload; may return a promise the tracker's `flush` waits for. */
  send(payload: Payload): void | Promise<void>;
  /** Delivers what is queued; the tracker's `flush` awaits it. */
  flush?(): Promise<void>;
}

/** The in-memory transport: every payload sent, in order. */
export interface MemoryTransport extends Transport {
  readonly sent: Payload[];
  send(payload: Payload): void;
  flush(): Promise<void>;
  /** Forgets what was sent. */
  clear(): void;
}

/** A transport that keeps every payload in `sent`, in order: for tests. */
export declare function memoryTransport(): MemoryTransport;

/** The part of a `fetch` response the HTTP transport reads. */
export interface FetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** A `fetch` (the platform's by default). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; keepalive?: boolean },
) => Promise<FetchResponse>;

/** What the HTTP transport has done so far. */
export interface HttpTransportStats {
  /** Payloads waiting. */
  readonly queued: number;
  /** Payloads in the request under way. */
  readonly inFlight: number;
  /** Payloads delivered (2xx, or handed to a beacon). */
  readonly sent: number;
  /** Payloads the server said were valid (`accepted` of `serve`'s answer). */
  readonly accepted: number;
  /** Payloads the server said were invalid (`rejected` of `serve`'s answer). */
  readonly rejected: number;
  /** Payloads refused because the queue was full (or the transport closed). */
  readonly dropped: number;
  /** Payloads given up on: a 4xx other than 429, or out of retries. */
  readonly failed: number;
  /** Retried requests. */
  readonly retries: number;
  /** Beacons (or keepalive requests) sent as the page was hidden. */
  readonly beacons: number;
}

/** A failed request, for `onError`. */
export interface HttpTransportError {
  readonly batch: Payload[];
  /** The HTTP status, when there was an answer. */
  readonly status?: number;
  /** The network error, when there was none. */
  readonly error?: unknown;
  /** Whether the batch will be sent again. */
  readonly willRetry: boolean;
}

export interface HttpTransportOptions {
  /** The collector's endpoint, e.g. `http://127.0.0.1:9090/v1/events`. */
  url: string;
  /** Payloads per request (default 20). */
  batchSize?: number;
  /** The longest a payload waits before its batch is sent (default 1000 ms). */
  flushIntervalMs?: number;
  /** Payloads that may wait; beyond it new ones are dropped and counted (default 1000). */
  maxQueue?: number;
  /** Retries of a batch after a network error, a 5xx or a 429 (default 5). */
  maxRetries?: number;
  /** The first retry's delay, doubled each time (default 500 ms). */
  initialBackoffMs?: number;
  /** The longest delay between retries, unless `Retry-After` says longer (default 30000 ms). */
  maxBackoffMs?: number;
  /** Extra request headers, e.g. `{ authorization: "Bearer ..." }`. */
  headers?: Record<string, string>;
  /** The `fetch` to use (the platform's by default). */
  fetch?: FetchLike;
  /** Send the queue with `navigator.sendBeacon` when the page is hidden (default true). */
  beacon?: boolean;
  /** Called on each failed request. */
  onError?: (error: HttpTransportError) => void;
}

/** The HTTP transport. */
export interface HttpTransport extends Transport {
  readonly stats: HttpTransportStats;
  send(payload: Payload): void;
  /** Sends everything queued now and waits until it is delivered or given up on. */
  flush(): Promise<void>;
  /** Flushes, then stops: later payloads are dropped, and the page listeners removed. */
  close(): Promise<void>;
  /** Sends the queue as the page would when hidden. */
  beacon(): void;
}

/** A transport that posts JSON arrays of payloads to `eventcat-validate serve`'s `/v1/events`. */
export declare function httpTransport(options: HttpTransportOptions): HttpTransport;

/** `Retry-After` (seconds or an HTTP date) in milliseconds. */
export declare function retryAfterMs(value: string | null, now?: number): number | undefined;
