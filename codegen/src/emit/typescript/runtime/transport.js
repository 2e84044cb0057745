// Transports: where a tracker's payloads go. `memoryTransport` keeps them (for tests);
// `httpTransport` posts them in batches to `eventcat-validate serve`'s `POST /v1/events` (or any
// collector that takes a JSON array of payloads), with retries, a bounded queue, and
// `navigator.sendBeacon` when a browser page is hidden or unloaded.

/**
 * @typedef {Record<string, unknown>} Payload
 * @typedef {{ status: number, headers: { get(name: string): string | null }, text(): Promise<string> }} FetchResponse
 * @typedef {(url: string, init: { method: string, headers: Record<string, string>, body: string, keepalive?: boolean }) => Promise<FetchResponse>} FetchLike
 * @typedef {{
 *   queued: number, inFlight: number, sent: number, accepted: number, rejected: number,
 *   dropped: number, failed: number, retries: number, beacons: number,
 * }} HttpTransportStats
 * @typedef {{ batch: Payload[], status?: number, error?: unknown, willRetry: boolean }} HttpTransportError
 * @typedef {{
 *   url: string, batchSize?: number, flushIntervalMs?: number, maxQueue?: number,
 *   maxRetries?: number, initialBackoffMs?: number, maxBackoffMs?: number,
 *   headers?: Record<string, string>, fetch?: FetchLike, beacon?: boolean,
 *   onError?: (error: HttpTransportError) => void,
 * }} HttpTransportOptions
 */

/** A transport that keeps every payload in `sent`, in order: for tests. */
export function memoryTransport() {
  /** @type {Payload[]} */
  const sent = [];
  return {
    sent,
    /** @param {Payload} payload */
    send(payload) {
      sent.push(payload);
    },
    async flush() {},
    /** Forgets what was sent. */
    clear() {
      sent.length = 0;
    },
  };
}

/**
 * A pause between retries. Not `unref`ed: a process awaiting `flush` must not exit while a retry
 * is due (the retries are bounded, so this keeps it alive a bounded time).
 * @param {number} ms
 */
function sleep(ms) {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}

/**
 * Lets Node exit while the batching timer is pending (browsers' timers are numbers, without `unref`).
 * @param {unknown} timer
 */
function unref(timer) {
  if (typeof timer === "object" && timer !== null && "unref" in timer && typeof timer.unref === "function") {
    timer.unref();
  }
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 section 10.2.3).
 * @param {string | null} value
 * @param {number} now
 */
export function retryAfterMs(value, now = Date.now()) {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^[0-9]+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The most a beacon may carry (browsers allow 64 KiB for all pending beacons of a page). */
const BEACON_BYTES = 60_000;

/**
 * A transport that posts JSON arrays of payloads to `url` (`eventcat-validate serve`'s
 * `/v1/events`).
 *
 * - Batching: a request when `batchSize` payloads are queued, or `flushIntervalMs` after the
 *   first one queued, whichever comes first; one request in flight at a time, in order.
 * - Retries: on a network error, a 5xx or a 429, after `initialBackoffMs` doubled each attempt
 *   (up to `maxBackoffMs`, with jitter), or after the server's `Retry-After`; a batch that still
 *   fails after `maxRetries` retries is dropped and counted in `failed`. Another 4xx is not
 *   retried (the same request would fail again): counted in `failed`.
 * - A bounded queue: at most `maxQueue` payloads wait; a payload sent to a full queue is
 *   dropped and counted in `dropped`.
 * - Browsers: on `pagehide` and when the page becomes hidden, the queue goes out with
 *   `navigator.sendBeacon` (which outlives the page), in pieces of at most 60 kB; with
 *   `headers` given (a token: beacons cannot carry headers) `fetch(..., { keepalive: true })`.
 * @param {HttpTransportOptions} options
 */
export function httpTransport(options) {
  if (options === null || typeof options !== "object" || typeof options.url !== "string") {
    throw new TypeError("httpTransport: `url` (the collector's /v1/events URL) is required");
  }
  const url = options.url;
  const batchSize = Math.max(1, options.batchSize ?? 20);
  const flushIntervalMs = Math.max(0, options.flushIntervalMs ?? 1000);
  const maxQueue = Math.max(1, options.maxQueue ?? 1000);
  const maxRetries = Math.max(0, options.maxRetries ?? 5);
  const initialBackoffMs = Math.max(0, options.initialBackoffMs ?? 500);
  const maxBackoffMs = Math.max(initialBackoffMs, options.maxBackoffMs ?? 30_000);
  const headers = { "content-type": "application/json", ...(options.headers ?? {}) };
  const custom = options.headers !== undefined && Object.keys(options.headers).length > 0;
  const onError = options.onError;
  /** @type {FetchLike | undefined} */
  const fetchImpl = options.fetch ?? /** @type {{ fetch?: FetchLike }} */ (globalThis).fetch?.bind(globalThis);
  if (fetchImpl === undefined) {
    throw new TypeError("httpTransport: no fetch here (Node 18+ and browsers have one): pass `fetch`");
  }
  const doFetch = fetchImpl;

  /** @type {Payload[]} */
  const queue = [];
  /** @type {HttpTransportStats} */
  const stats = { queued: 0, inFlight: 0, sent: 0, accepted: 0, rejected: 0, dropped: 0, failed: 0, retries: 0, beacons: 0 };
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {Promise<void> | undefined} */
  let running;
  let closed = false;

  const update = () => {
    stats.queued = queue.length;
  };

  /** @param {HttpTransportError} error */
  const report = (error) => {
    if (onError !== undefined) {
      try {
        onError(error);
      } catch {
        // A failing error handler must not stop the queue.
      }
    }
  };

  /**
   * Posts one batch until it is delivered, refused, or out of retries.
   * @param {Payload[]} batch
   */
  async function deliver(batch) {
    const body = JSON.stringify(batch);
    for (let attempt = 0; ; attempt += 1) {
      /** @type {number | undefined} */
      let status;
      /** @type {unknown} */
      let failure;
      /** @type {number | undefined} */
      let wait;
      try {
        const response = await doFetch(url, { method: "POST", headers, body });
        status = response.status;
        if (status >= 200 && status < 300) {
          stats.sent += batch.length;
          count(await response.text().catch(() => ""), batch.length);
          return;
        }
        wait = retryAfterMs(response.headers.get("retry-after"));
        if (status !== 429 && status < 500) {
          stats.failed += batch.length;
          count(await response.text().catch(() => ""), 0);
          report({ batch, status, willRetry: false });
          return;
        }
      } catch (error) {
        failure = error;
      }
      const willRetry = attempt < maxRetries;
      report(status === undefined ? { batch, error: failure, willRetry } : { batch, status, willRetry });
      if (!willRetry) {
        stats.failed += batch.length;
        return;
      }
      stats.retries += 1;
      const backoff = Math.min(maxBackoffMs, initialBackoffMs * 2 ** attempt);
      await sleep(wait ?? backoff * (0.5 + Math.random() / 2));
    }
  }

  /**
   * Counts the server's verdicts (`{"accepted": N, "rejected": M}` from `serve`), when it sends
   * them.
   * @param {string} text
   * @param {number} fallback accepted when the answer says nothing
   */
  function count(text, fallback) {
    try {
      const answer = JSON.parse(text);
      if (typeof answer?.accepted === "number" && typeof answer?.rejected === "number") {
        stats.accepted += answer.accepted;
        stats.rejected += answer.rejected;
        return;
      }
    } catch {
      // Not JSON: nothing to count but the status.
    }
    stats.accepted += fallback;
  }

  /** Sends batches until the queue is empty; one run at a time. */
  function drain() {
    if (running === undefined) {
      running = (async () => {
        try {
          while (queue.length > 0) {
            const batch = queue.splice(0, batchSize);
            stats.inFlight = batch.length;
            update();
            await deliver(batch);
            stats.inFlight = 0;
          }
        } finally {
          running = undefined;
          update();
        }
      })();
    }
    return running;
  }

  function schedule() {
    if (queue.length >= batchSize) {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      void drain();
    } else if (timer === undefined && running === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        void drain();
      }, flushIntervalMs);
      unref(timer);
    }
  }

  /** Hands the queue to the browser, which sends it even as the page goes away. */
  function beaconAll() {
    /** @type {{ navigator?: { sendBeacon?: (url: string, data: Blob) => boolean } }} */
    const global = globalThis;
    const sendBeacon = global.navigator?.sendBeacon?.bind(global.navigator);
    while (queue.length > 0) {
      /** @type {Payload[]} */
      const piece = [];
      let bytes = 2;
      while (queue.length > 0) {
        const size = new TextEncoder().encode(JSON.stringify(queue[0])).length + 1;
        if (piece.length > 0 && bytes + size > BEACON_BYTES) break;
        const next = queue.shift();
        if (next !== undefined) piece.push(next);
        bytes += size;
      }
      const body = JSON.stringify(piece);
      let handed = false;
      if (!custom && sendBeacon !== undefined) {
        handed = sendBeacon(url, new Blob([body], { type: "application/json" }));
      }
      if (!handed) {
        // No beacon (or a refused one): a keepalive fetch also outlives the page.
        void doFetch(url, { method: "POST", headers, body, keepalive: true }).catch(() => {});
      }
      stats.beacons += 1;
      stats.sent += piece.length;
    }
    update();
  }

  /** @type {{ addEventListener?: (type: string, listener: () => void) => void, removeEventListener?: (type: string, listener: () => void) => void, document?: { visibilityState?: string, addEventListener?: (type: string, listener: () => void) => void, removeEventListener?: (type: string, listener: () => void) => void } }} */
  const page = globalThis;
  const onPageHide = () => beaconAll();
  const onVisibility = () => {
    if (page.document?.visibilityState === "hidden") beaconAll();
  };
  const browser = options.beacon !== false && typeof page.addEventListener === "function" && page.document !== undefined;
  if (browser) {
    page.addEventListener?.("pagehide", onPageHide);
    page.document?.addEventListener?.("visibilitychange", onVisibility);
  }

  return {
    stats,
    /** @param {Payload} payload */
    send(payload) {
      if (closed || queue.length >= maxQueue) {
        stats.dropped += 1;
        return;
      }
      queue.push(payload);
      update();
      schedule();
    },
    /** Sends everything queued now and waits until it is delivered or given up on. */
    async flush() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      while (queue.length > 0 || running !== undefined) await drain();
    },
    /** Flushes, then stops: later payloads are dropped, and the page listeners removed. */
    async close() {
      await this.flush();
      closed = true;
      if (browser) {
        page.removeEventListener?.("pagehide", onPageHide);
        page.document?.removeEventListener?.("visibilitychange", onVisibility);
      }
    },
    /** Sends the queue as the page would when hidden (for tests and for explicit unloads). */
    beacon: beaconAll,
  };
}
