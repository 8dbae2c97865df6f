/**
 * A small JSON client for registry APIs, written to hold against a registry
 * that answers with hostile responses:
 *
 * - it requests only URLs under the registry's URL (same scheme, host and port,
 *   and under its path), and attaches the token only to those. A link or a
 *   redirect elsewhere is not followed at all: the result is a failure that says
 *   so. Redirects are handled here (`redirect: 'manual'`), never by fetch;
 * - it reads a body as a stream and stops at a byte cap per kind of document;
 * - each try has a timeout that covers the headers and the body; a request,
 *   with all its tries and the waits between them, has a budget (twice the
 *   timeout), and a Retry-After longer than what is left of it is not waited
 *   for; an optional signal (the run's deadline) stops everything;
 * - failures are values, never exceptions, and each message is one sentence
 *   that names the URL's path and never the token.
 *
 * Node's own fetch is used: npm-registry-fetch's retry (through
 * make-fetch-happen) does not honour Retry-After, and its disk cache would keep
 * authenticated responses.
 */

export const MiB = 1024 * 1024;

/** The most a response body may hold, by kind of document; a larger one is not read. */
export const MAX_BODY_BYTES = {
  /** A packument: every version's manifest of one package. */
  packument: 64 * MiB,
  /** A list: an org's or a user's packages, an org's members, a page of tokens. */
  listing: 32 * MiB,
  /** Anything else: the profile, a package's trust and access settings. */
  document: 1 * MiB,
} as const;

/**
 * The most JSON objects and lists (`{`, `[`) and values (`,`) a body may hold, counted as
 * it streams in, by kind of document. Parsing costs per value: 60 MiB of `{},{},…` took
 * 1.3 GB of heap and a minute to parse; at these limits a document costs at most a few
 * hundred MB and seconds, while a packument of tens of thousands of versions fits.
 * (Characters inside strings count too: the count is an upper bound.)
 */
export const MAX_JSON_CONTAINERS = { packument: 1_000_000, listing: 1_000_000, document: 10_000 } as const;
export const MAX_JSON_VALUES = { packument: 4_000_000, listing: 4_000_000, document: 100_000 } as const;

export type DocumentKind = keyof typeof MAX_BODY_BYTES;

/** A body larger than this waits for any other such body to be parsed first, so that few are in memory at once. */
export const LARGE_BODY_BYTES = 8 * MiB;

/** Redirects followed within the registry, per request. */
export const MAX_REDIRECTS = 5;

export const DEFAULT_TIMEOUT_MS = 15_000;

export interface HttpOptions {
  token?: string;
  /** One try: connecting, the headers and the whole body. Default 15 s. */
  timeoutMs?: number;
  /** Attempts in all. Default 5. */
  attempts?: number;
  /** The first backoff; it doubles each time. Default 500 ms. */
  backoffMs?: number;
  /** One request, with all its tries and the waits between them. Default twice `timeoutMs`. */
  budgetMs?: number;
  /** Stops every request under way, and every wait (the collection's deadline). */
  signal?: AbortSignal;
  /** How to wait between tries (tests record the waits instead of sleeping). */
  sleep?: (ms: number) => Promise<void>;
}

export interface GetOptions {
  /** Which caps apply (`MAX_BODY_BYTES`, `MAX_JSON_CONTAINERS`, `MAX_JSON_VALUES`). Default `document`. */
  kind?: DocumentKind;
}

export type JsonResult<T> =
  | { ok: true; status: number; data: T; url: string }
  | { ok: false; status?: number; message: string };

/** The outcome of one try: a final result, or a failure worth another try. */
type Try<T> =
  | { done: JsonResult<T> }
  | { retry: string; status?: number; retryAfterMs?: number; stopped?: boolean };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function createClient(base: string, options: HttpOptions = {}) {
  const rootUrl = new URL(base);
  if (rootUrl.protocol !== 'https:' && rootUrl.protocol !== 'http:')
    throw new TypeError('The registry URL must be an http(s) URL.');
  if (rootUrl.username || rootUrl.password)
    throw new TypeError('The registry URL must not hold a user name or password.');
  rootUrl.search = '';
  rootUrl.hash = '';
  if (!rootUrl.pathname.endsWith('/')) rootUrl.pathname = `${rootUrl.pathname}/`;
  const root = rootUrl.toString();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const attempts = Math.max(1, options.attempts ?? 5);
  const backoffMs = options.backoffMs ?? 500;
  const budgetMs = options.budgetMs ?? 2 * timeoutMs;
  const runSignal = options.signal;
  const wait = options.sleep ?? ((ms: number) => sleep(ms, runSignal));
  const secret = options.token;
  const large = new Gate();

  /** Whether a URL is the registry's: the same origin, and under its path. */
  function onRegistry(url: URL): boolean {
    return url.origin === rootUrl.origin && url.pathname.startsWith(rootUrl.pathname);
  }

  /**
   * A reference from the registry or from the collector, as a URL: an absolute
   * URL stays as it is (and is checked before any request); a path, with or
   * without its leading slash, is taken relative to the registry's URL.
   */
  function resolve(ref: string): URL | undefined {
    try {
      if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(ref)) return new URL(ref);
      // `//host/x` and `/\host/x` name another host: parsed as such, then refused.
      if (/^[/\\]{2}/.test(ref)) return new URL(ref, root);
      return new URL(ref.replace(/^\//, ''), root);
    } catch {
      return undefined;
    }
  }

  /** Where a URL off the registry leads, for a message. */
  function elsewhere(url: URL): string {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `a ${cut(url.protocol, 20)} URL`;
    if (url.origin !== rootUrl.origin) return `another origin (${cut(url.origin, 100)})`;
    return `a path outside the registry's ${rootUrl.pathname}`;
  }

  /** `GET /path?query`, for messages: the registry's own path, or the whole URL elsewhere. */
  function describe(url: URL): string {
    const where = url.origin === rootUrl.origin ? `${url.pathname}${url.search}` : url.href;
    return `GET ${cut(where, 200)}`;
  }

  /** Never the token, even when a registry echoes it back in a link. */
  function scrub(message: string): string {
    // Tokens are long; a short stand-in (in a test) would match ordinary words.
    if (!secret || secret.length < 8) return message;
    let out = message;
    for (const form of new Set([secret, encodeURIComponent(secret)]))
      if (form) out = out.split(form).join('***');
    return out;
  }

  function fail<T>(message: string, status?: number): JsonResult<T> {
    return { ok: false, ...(status !== undefined ? { status } : {}), message: scrub(message) };
  }

  /** The token goes only to the registry's own URLs. */
  function headersFor(url: URL): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'trustgate' };
    if (secret && onRegistry(url)) headers.authorization = `Bearer ${secret}`;
    return headers;
  }

  /** GET a JSON document on the registry: a path relative to it (`-/npm/v1/user`) or an absolute URL. */
  async function getJson<T>(ref: string, get: GetOptions = {}): Promise<JsonResult<T>> {
    const kind = get.kind ?? 'document';
    const url = resolve(ref);
    if (!url) return fail(`GET ${printable(ref, 100)}: not a URL, so it was not requested.`);
    const what = describe(url);
    if (!onRegistry(url))
      return fail(`${what}: the URL leads to ${elsewhere(url)}, so it was not requested.`);
    const started = Date.now();
    const budgetEnd = started + budgetMs;
    let last = '';
    let lastStatus: number | undefined;
    let tries = 0;
    let outOfTime = false;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (runSignal?.aborted) return fail(`${what}: stopped at the collection's deadline.`);
      // A try is worth starting with a quarter of the timeout left (waits leave that much; timers run late).
      const left = budgetEnd - Date.now();
      if (attempt > 1 && left < timeoutMs / 8) {
        outOfTime = true;
        break;
      }
      tries++;
      const outcome = await tryOnce<T>(url, what, Math.max(1, Math.min(timeoutMs, left)), kind);
      if ('done' in outcome) return outcome.done;
      if (outcome.stopped) return fail(`${what}: stopped at the collection's deadline.`);
      last = outcome.retry;
      lastStatus = outcome.status;
      if (attempt === attempts) break;
      let pause = backoffMs * 2 ** (attempt - 1);
      if (outcome.retryAfterMs !== undefined) {
        if (outcome.retryAfterMs + timeoutMs / 4 > budgetEnd - Date.now()) {
          return fail(
            `${what}: ${last} after ${count(tries)}; the registry asked to wait ${Math.ceil(outcome.retryAfterMs / 1000)} s, longer than the ${seconds(budgetMs)} s a request may take.`,
            lastStatus,
          );
        }
        pause = outcome.retryAfterMs;
      }
      // The backoff shrinks to fit what is left of the budget, with a quarter of the timeout for the try.
      pause = Math.min(pause, budgetEnd - Date.now() - timeoutMs / 4);
      if (pause < 0) {
        outOfTime = true;
        break;
      }
      try {
        await wait(pause);
      } catch {
        return fail(`${what}: stopped at the collection's deadline.`);
      }
    }
    const tail = outOfTime
      ? `after ${count(tries)} in the ${seconds(budgetMs)} s a request may take.`
      : `after ${count(tries)}.`;
    return fail(`${what}: ${last} ${tail}`, lastStatus);
  }

  /** One try: the request, redirects within the registry, and the body, all under one timeout. */
  async function tryOnce<T>(first: URL, what: string, ms: number, kind: DocumentKind): Promise<Try<T>> {
    const controller = new AbortController();
    let entered = false;
    const timer = setTimeout(() => controller.abort(), ms);
    const stop = () => controller.abort();
    runSignal?.addEventListener('abort', stop, { once: true });
    try {
      let url = first;
      for (let hop = 0; ; hop++) {
        const res = await fetch(url, {
          headers: headersFor(url),
          signal: controller.signal,
          redirect: 'manual',
        });
        if (REDIRECTS.has(res.status)) {
          await discard(res);
          const location = res.headers.get('location');
          let next: URL | undefined;
          try {
            next = location ? new URL(location, url) : undefined;
          } catch {
            next = undefined;
          }
          if (!next)
            return { done: fail(`${what}: HTTP ${res.status} without a usable Location.`, res.status) };
          if (!onRegistry(next)) {
            return {
              done: fail(
                `${what}: the registry redirected to ${elsewhere(next)}, which was not followed.`,
                res.status,
              ),
            };
          }
          if (hop >= MAX_REDIRECTS)
            return { done: fail(`${what}: more than ${MAX_REDIRECTS} redirects.`, res.status) };
          url = next;
          continue;
        }
        if (res.status === 429 || res.status >= 500) {
          await discard(res);
          const after = retryAfter(res.headers.get('retry-after'));
          return {
            retry: `HTTP ${res.status}`,
            status: res.status,
            ...(after !== undefined ? { retryAfterMs: after } : {}),
          };
        }
        if (!res.ok) {
          await discard(res);
          return { done: fail(`${what}: ${statusText(res.status)}`, res.status) };
        }
        const body = await readBody(res, kind, async () => {
          await large.enter(controller.signal);
          entered = true;
        });
        if (body === 'too large') {
          return {
            done: fail(
              `${what}: the response is larger than ${mebibytes(MAX_BODY_BYTES[kind])}, so it was not read.`,
              res.status,
            ),
          };
        }
        if (body === 'too many') {
          return {
            done: fail(
              `${what}: the response holds more than ${MAX_JSON_CONTAINERS[kind].toLocaleString('en-US')} JSON objects and lists or ${MAX_JSON_VALUES[kind].toLocaleString('en-US')} values, so it was not read.`,
              res.status,
            ),
          };
        }
        const text = new TextDecoder().decode(body);
        try {
          return { done: { ok: true, status: res.status, data: JSON.parse(text) as T, url: url.href } };
        } catch {
          const type = mediaType(res.headers.get('content-type'));
          return {
            done: fail(
              type && !/json/i.test(type)
                ? `${what}: the response was ${type} (${body.byteLength} bytes), not JSON.`
                : `${what}: the response was not valid JSON (${body.byteLength} bytes).`,
              res.status,
            ),
          };
        }
      }
    } catch (error) {
      if (runSignal?.aborted) return { retry: 'stopped', stopped: true };
      if (controller.signal.aborted)
        return { retry: `no answer within ${seconds(Math.max(ms, timeoutMs))} s` };
      return { retry: networkText(error) };
    } finally {
      clearTimeout(timer);
      runSignal?.removeEventListener('abort', stop);
      if (entered) large.leave();
    }
  }

  return { getJson, resolve, onRegistry, describe, elsewhere, root };
}

/**
 * The body, within the caps of its kind: more bytes, or more JSON structure, than that is not
 * read (and what was read is dropped). Past LARGE_BODY_BYTES, `enterLarge` waits its turn.
 */
async function readBody(
  res: Response,
  kind: DocumentKind,
  enterLarge: () => Promise<void>,
): Promise<Uint8Array | 'too large' | 'too many'> {
  const maxBytes = MAX_BODY_BYTES[kind];
  const maxContainers = MAX_JSON_CONTAINERS[kind];
  const maxValues = MAX_JSON_VALUES[kind];
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await discard(res);
    return 'too large';
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let containers = 0;
  let values = 0;
  let waited = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return 'too large';
    }
    for (let i = 0; i < value.length; i++) {
      const c = value[i];
      if (c === 0x7b || c === 0x5b) containers++;
      else if (c === 0x2c) values++;
    }
    if (containers > maxContainers || values > maxValues) {
      await reader.cancel().catch(() => {});
      return 'too many';
    }
    chunks.push(value);
    if (!waited && total > LARGE_BODY_BYTES) {
      waited = true;
      await enterLarge();
    }
  }
  return Buffer.concat(chunks, total);
}

/** One holder at a time, in order of arrival; a waiter whose signal aborts leaves the queue. */
class Gate {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  async enter(signal: AbortSignal): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        signal.removeEventListener('abort', stop);
        resolve();
      };
      const stop = () => {
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error('aborted'));
      };
      if (signal.aborted) return stop();
      this.waiting.push(go);
      signal.addEventListener('abort', stop, { once: true });
    });
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}

async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => {});
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Seconds, or an HTTP date. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function count(tries: number): string {
  return `${tries} ${tries === 1 ? 'try' : 'tries'}`;
}

function seconds(ms: number): string {
  return String(Math.round(ms / 10) / 100);
}

function mebibytes(bytes: number): string {
  return bytes >= MiB ? `${Math.round((bytes / MiB) * 100) / 100} MiB` : `${bytes} bytes`;
}

/** `text/html` from a Content-Type header, when it is a plain media type. */
function mediaType(header: string | null): string | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return type && /^[a-z0-9.+-]{1,40}\/[a-z0-9.+-]{1,60}$/.test(type) ? type : undefined;
}

/** A string from elsewhere, quoted and fit to print: at most `max` characters, control characters escaped. */
export function printable(s: string, max: number): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return JSON.stringify(cut).replace(
    /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function statusText(status: number): string {
  if (status === 401) return 'HTTP 401: the registry refused the token (missing, expired or revoked).';
  if (status === 403) return 'HTTP 403: the token may not read this.';
  if (status === 404) return 'HTTP 404: not found on this registry (or this registry has no such endpoint).';
  return `HTTP ${status}.`;
}

function networkText(error: unknown): string {
  type Cause = { code?: string; address?: string; port?: number; errors?: Cause[] };
  const top = (error as { cause?: Cause }).cause;
  // With several addresses (IPv6 and IPv4), Node reports an AggregateError: its first attempt says where.
  const cause = top?.code === undefined && Array.isArray(top?.errors) ? top.errors[0] : top;
  const code = cause?.code ?? top?.code;
  const address = cause?.address;
  // An address as the socket reports it: an IP and a port, nothing from the response.
  const at =
    typeof address === 'string' && /^[0-9a-fA-F.:]{2,45}$/.test(address)
      ? ` (${address.includes(':') ? `[${address}]` : address}${typeof cause?.port === 'number' ? `:${cause.port}` : ''})`
      : '';
  if (code === 'ECONNREFUSED') return `connection refused${at}`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `the connection was closed${at}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name did not resolve';
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)
    ? `network error ${code}${at}`
    : 'network error';
}
