/** Timestamps and bar intervals. All times are UTC epoch milliseconds. */

/** Earliest accepted timestamp. Also catches epoch seconds sent where milliseconds belong. */
export const MIN_TIMESTAMP_MS = Date.UTC(2000, 0, 1);

/** Latest accepted timestamp: beyond it ISO strings lose their fixed width (and sort order). */
export const MAX_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export const MINUTE_MS = 60_000;

/** Bar intervals: bars are stored per minute; coarser ones are merged from 1-minute bars. */
export const INTERVALS = ["1m", "5m", "15m", "1h"] as const;

export type Interval = (typeof INTERVALS)[number];

export const INTERVAL_MS: Readonly<Record<Interval, number>> = {
  "1m": MINUTE_MS,
  "5m": 5 * MINUTE_MS,
  "15m": 15 * MINUTE_MS,
  "1h": 60 * MINUTE_MS,
};

export function isInterval(text: string): text is Interval {
  return (INTERVALS as readonly string[]).includes(text);
}

/** Start of the interval that contains `timestampMs`. */
export function bucketStart(timestampMs: number, interval: Interval): number {
  const size = INTERVAL_MS[interval];
  return Math.floor(timestampMs / size) * size;
}

/** Start of the UTC minute that contains `timestampMs`. */
export function minuteStart(timestampMs: number): number {
  return Math.floor(timestampMs / MINUTE_MS) * MINUTE_MS;
}

/** ISO-8601 text, always `YYYY-MM-DDTHH:mm:ss.sssZ` (fixed width, so it sorts by time). */
export function toIso(timestampMs: number): string {
  return new Date(timestampMs).toISOString();
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

const INTEGER_TEXT = /^\d{1,16}$/;

/** Why a timestamp was rejected; callers prefix the field name. */
export type TimestampProblem = "format" | "calendar" | "range";

export type TimestampParse =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly problem: TimestampProblem };

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function inRange(ms: number): TimestampParse {
  return ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS
    ? { ok: true, ms }
    : { ok: false, problem: "range" };
}

/**
 * Parses an ISO-8601 date-time with a UTC offset (`Z` or `+hh:mm`), fractions beyond
 * milliseconds truncated. Calendar fields are checked: `Date.parse` would turn Feb 30 into Mar 1.
 */
export function parseIsoTimestamp(text: string): TimestampParse {
  const match = ISO_DATE_TIME.exec(text);
  if (match === null) {
    return { ok: false, problem: "format" };
  }
  const [, y, mo, d, h, mi, s, fraction = "", zulu, sign, offsetH, offsetM] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const offsetHours = zulu === undefined ? Number(offsetH) : 0;
  const offsetMinutes = zulu === undefined ? Number(offsetM) : 0;
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    return { ok: false, problem: "calendar" };
  }
  const millis = Number(fraction.padEnd(3, "0").slice(0, 3));
  const offsetMs = (sign === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * MINUTE_MS;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return inRange(date.getTime() - offsetMs);
}

/** Validates epoch milliseconds: an integer within the accepted range. */
export function checkEpochMs(value: number): TimestampParse {
  if (!Number.isInteger(value)) {
    return { ok: false, problem: "format" };
  }
  return inRange(value);
}

/** A timestamp given as ISO-8601 text or as epoch milliseconds in decimal text (query strings). */
export function parseTimestampText(text: string): TimestampParse {
  return INTEGER_TEXT.test(text) ? checkEpochMs(Number(text)) : parseIsoTimestamp(text);
}
