/**
 * A small JSON client for registry APIs: bounded retries with backoff on 429
 * and 5xx (honouring Retry-After), a timeout per attempt, and failures as
 * values, never exceptions. The token is sent as a header and appears in no
 * message. Node's own fetch is used: npm-registry-fetch's retry (through
 * make-fetch-happen) does not honour Retry-After, and its disk cache would keep
 * authenticated responses.
 */

export interface HttpOptions {
  token?: string;
  /** Per attempt. Default 15 s. */
  timeoutMs?: number;
  /** Attempts in all. Default 5. */
  attempts?: number;
  /** The first backoff; it doubles each time. Default 500 ms. */
  backoffMs?: number;
  /** The longest wait a Retry-After may ask for. Default 60 s. */
  maxRetryAfterMs?: number;
  /** How to wait between tries (tests record the waits instead of sleeping). */
  sleep?: (ms: number) => Promise<void>;
}

export type JsonResult<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status?: number; message: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createClient(base: string, options: HttpOptions = {}) {
  const root = base.endsWith('/') ? base : `${base}/`;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const attempts = Math.max(1, options.attempts ?? 5);
  const backoffMs = options.backoffMs ?? 500;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const wait = options.sleep ?? sleep;

  /** GET a JSON document. `path` is relative to the registry (`-/npm/v1/user`) or an absolute URL on it. */
  async function getJson<T>(path: string): Promise<JsonResult<T>> {
    const url = /^https?:/.test(path) ? path : new URL(path.replace(/^\//, ''), root).toString();
    const what = `GET ${new URL(url).pathname}${new URL(url).search}`;
    let last = '';
    let lastStatus: number | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let pause = backoffMs * 2 ** (attempt - 1);
      try {
        const res = await fetch(url, {
          headers: {
            accept: 'application/json',
            'user-agent': 'trustgate',
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'follow',
        });
        lastStatus = res.status;
        if (res.status === 429 || res.status >= 500) {
          await res.body?.cancel();
          last = `HTTP ${res.status}`;
          const after = retryAfter(res.headers.get('retry-after'));
          if (after !== undefined) pause = Math.min(after, maxRetryAfterMs);
        } else if (!res.ok) {
          await res.body?.cancel();
          return { ok: false, status: res.status, message: `${what}: ${statusText(res.status)}` };
        } else {
          const text = await res.text();
          try {
            return { ok: true, status: res.status, data: JSON.parse(text) as T };
          } catch {
            return {
              ok: false,
              status: res.status,
              message: `${what}: the response was not complete JSON (${text.length} bytes).`,
            };
          }
        }
      } catch (error) {
        lastStatus = undefined;
        const name = (error as { name?: string }).name;
        last =
          name === 'TimeoutError' || name === 'AbortError'
            ? `no answer within ${timeoutMs / 1000} s`
            : networkText(error);
      }
      if (attempt < attempts) await wait(pause);
    }
    const tries = `${attempts} ${attempts === 1 ? 'try' : 'tries'}`;
    return {
      ok: false,
      ...(lastStatus !== undefined ? { status: lastStatus } : {}),
      message: `${what}: ${last} after ${tries}.`,
    };
  }

  return { getJson, root };
}

/** Seconds, or an HTTP date. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

function statusText(status: number): string {
  if (status === 401) return 'HTTP 401: the registry refused the token (missing, expired or revoked).';
  if (status === 403) return 'HTTP 403: the token may not read this.';
  if (status === 404) return 'HTTP 404: not found on this registry (or this registry has no such endpoint).';
  return `HTTP ${status}.`;
}

function networkText(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was closed';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name did not resolve';
  return code ? `network error ${code}` : 'network error';
}
