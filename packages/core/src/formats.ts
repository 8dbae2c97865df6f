import type { Format } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats.js';

/**
 * The formats trustgate's schemas use. The generated standalone validators
 * (`dist/validators/`) bundle this same module, so both paths check alike; it
 * imports nothing of trustgate's, so that is all they bundle.
 */
export const FORMATS: Record<string, Format> = {
  date: fullFormats.date,
  uri: fullFormats.uri,
  regex: fullFormats.regex,
  // ajv-formats' date-time splits the string and runs two regular expressions; facts hold a few
  // per token, and a large org's validation spent most of its time there. Same rules, in place.
  'date-time': { type: 'string', validate: isDateTime },
  'trustgate-date': { type: 'string', validate: (s: string) => parseDateOrDateTime(s) !== undefined },
};

const DAY_MS = 86_400_000;

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two decimal digits at `i` as a number; negative when either is not a digit. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * RFC 3339 date-time with a time zone, exactly as ajv-formats' `date-time`
 * checks it (`T`, `t` or a space between date and time; real calendar days,
 * leap years included; hours to 23, minutes to 59; a leap second only at
 * 23:59:60 UTC; zones `Z`, `+hh`, `+hhmm`, `+hh:mm`). It reads characters in
 * place: a large org's facts hold a few per token, and ajv-formats' version
 * (a split and two regular expressions) was most of their validation time.
 */
export function isDateTime(s: string): boolean {
  const n = s.length;
  if (n < 20 || s[4] !== '-' || s[7] !== '-' || s[13] !== ':' || s[16] !== ':') return false;
  const sep = s[10];
  if (sep !== 'T' && sep !== 't' && sep !== ' ') return false;
  const century = two(s, 0);
  const yy = two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || minute < 0 || second < 0)
    return false;
  const year = century * 100 + yy;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS[month]!)) return false;
  let i = 19;
  if (s[i] === '.') {
    i++;
    const start = i;
    while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === start) return false;
  }
  let zoneHour = 0;
  let zoneMinute = 0;
  let sign = 1;
  const z = s[i];
  if (z === 'Z' || z === 'z') {
    if (i + 1 !== n) return false;
  } else if (z === '+' || z === '-') {
    sign = z === '-' ? -1 : 1;
    zoneHour = two(s, i + 1);
    if (zoneHour < 0) return false;
    i += 3;
    if (i < n) {
      if (s[i] === ':') i++;
      zoneMinute = two(s, i);
      if (zoneMinute < 0 || i + 2 !== n) return false;
    }
  } else return false;
  if (zoneHour > 23 || zoneMinute > 59) return false;
  if (hour <= 23 && minute <= 59 && second < 60) return true;
  // A leap second: 23:59:60 in UTC.
  const utcMinute = minute - sign * zoneMinute;
  const utcHour = hour - sign * zoneHour - (utcMinute < 0 ? 1 : 0);
  return (utcHour === 23 || utcHour === -1) && (utcMinute === 59 || utcMinute === -1) && second < 61;
}

/**
 * A calendar date (YYYY-MM-DD) or an ISO 8601 date and time with a zone.
 * Returns the instant the value ends: a date lasts through the end of that day, UTC.
 */
export function parseDateOrDateTime(value: string): Date | undefined {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const t = Date.UTC(y, m - 1, d);
    const back = new Date(t);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d)
      return undefined;
    return new Date(t + DAY_MS);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) return undefined;
  // Date.parse rolls 2026-02-30 over to March; reject dates that do not exist.
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  if (day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return undefined;
  return new Date(t);
}
