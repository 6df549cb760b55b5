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

const INTEGER_TEXT = /^\d{1,16}$/;

/** Why a timestamp was rejected; callers prefix the field name. */
export type TimestampProblem = "format" | "calendar" | "range";

export type TimestampParse =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly problem: TimestampProblem };

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

function inRange(ms: number): TimestampParse {
  return ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS
    ? { ok: true, ms }
    : { ok: false, problem: "range" };
}

/** The number in `count` decimal digits at `start`, or -1 if any is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) {
      return -1;
    }
    value = value * 10 + digit;
  }
  return value;
}

const FORMAT: TimestampParse = { ok: false, problem: "format" };
const CALENDAR: TimestampParse = { ok: false, problem: "calendar" };

/**
 * Parses an ISO-8601 date-time with a UTC offset: `YYYY-MM-DDTHH:mm:ss`, optionally `.` and 1-9
 * fraction digits (beyond milliseconds truncated), then `Z` or `+hh:mm`/`-hh:mm`. Calendar fields
 * are checked (`Date.parse` would turn Feb 30 into Mar 1). Hand-written rather than a regular
 * expression: ticks with ISO times take this path for every tick.
 */
export function parseIsoTimestamp(text: string): TimestampParse {
  const length = text.length;
  if (
    length < 20 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58
  ) {
    return FORMAT;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
    return FORMAT;
  }
  let position = 19;
  let millis = 0;
  if (text.charCodeAt(position) === 46) {
    // .
    const first = position + 1;
    let end = first;
    while (end < length && end - first < 10 && digitsAt(text, end, 1) >= 0) {
      end += 1;
    }
    const count = end - first;
    if (count < 1 || count > 9) {
      return FORMAT;
    }
    millis = digitsAt(text, first, Math.min(3, count)) * 10 ** Math.max(0, 3 - count);
    position = end;
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(position);
  if (zone === 90 && position + 1 === length) {
    // Z
  } else if (
    (zone === 43 || zone === 45) &&
    position + 6 === length &&
    text.charCodeAt(position + 3) === 58
  ) {
    // +hh:mm or -hh:mm
    const offsetHours = digitsAt(text, position + 1, 2);
    const offsetMins = digitsAt(text, position + 4, 2);
    if (offsetHours < 0 || offsetMins < 0) {
      return FORMAT;
    }
    if (offsetHours > 23 || offsetMins > 59) {
      return CALENDAR;
    }
    offsetMinutes = (zone === 45 ? -1 : 1) * (offsetHours * 60 + offsetMins);
  } else {
    return FORMAT;
  }
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return CALENDAR;
  }
  // Date.UTC maps years 0-99 to 1900-1999; those fail the range check either way.
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return inRange(ms - offsetMinutes * MINUTE_MS);
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
