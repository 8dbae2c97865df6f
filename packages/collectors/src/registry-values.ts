/**
 * Values read from a registry's JSON, which may be anything: the wrong type, a
 * megabyte-long string, terminal escape sequences, bidirectional overrides,
 * `constructor` as a key. Each reader returns a value fit for the facts (which
 * must validate against the facts schema) or `undefined`.
 */

/** A JSON object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A key's own value: `constructor` or `__proto__` never reach the prototype. */
export function own(obj: unknown, key: string): unknown {
  return isObject(obj) && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

// C0 and C1 controls, DEL, and the invisible and bidirectional formatting characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it finds.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it finds.
const UNSAFE_OR_SPACE = /[\s\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** A string to show: unsafe characters replaced by U+FFFD, cut at `max` characters. */
export function text(v: unknown, max = 256): string | undefined {
  if (typeof v !== 'string') return undefined;
  const cut = v.length > max ? `${v.slice(0, max)}…` : v;
  return cut.replace(UNSAFE, '\ufffd');
}

/** A name that can be an entity id: 1 to 214 characters, no spaces, controls or formatting characters. */
export function isName(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 214 && !UNSAFE_OR_SPACE.test(v);
}

/**
 * A package name npm accepts, including names only old packages may have
 * (capitals): at most 214 characters, an optional `@scope/`, and parts that are
 * URL-safe and do not start with `.` or `_`. Anything else could not be asked
 * for safely (`..` would climb out of the registry's path).
 */
export function isPackageName(v: unknown): v is string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 214) return false;
  const m = /^(?:@([^/]+)\/)?([^/]+)$/.exec(v);
  if (!m) return false;
  for (const part of [m[1], m[2]]) {
    if (part === undefined) continue;
    if (part.startsWith('.') || part.startsWith('_') || encodeURIComponent(part) !== part) return false;
  }
  return true;
}

const ISO = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * An RFC 3339 date-time, as the registry sends it when it is already in
 * `toISOString()` form, else normalised to it. `null` for null or absent;
 * `undefined` for anything else (then the field is unknown, and the caller says so).
 */
export function dateTime(v: unknown): string | null | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' || v.length > 40 || !ISO.test(v)) return undefined;
  // Date.parse rolls 2026-02-30 over to March: a day or a time that does not exist is not a date.
  const [year, month, day, hour, minute, second] = [0, 5, 8, 11, 14, 17].map((i) =>
    Number(v.slice(i, i + (i === 0 ? 4 : 2))),
  );
  const days = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (month! < 1 || month! > 12 || day! < 1 || day! > days || hour! > 23 || minute! > 59 || second! > 59)
    return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) return undefined;
  const iso = new Date(ms).toISOString();
  if (!/^\d{4}-/.test(iso)) return undefined;
  return iso === v ? v : iso;
}

/** A version string: at most 256 characters of what semver allows. */
export function isVersion(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 256 && /^[0-9A-Za-z.+_-]+$/.test(v);
}
