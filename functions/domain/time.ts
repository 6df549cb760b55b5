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

/** The two decimal digits at `start` as a number, or -1 if either is not a digit. */
function twoDigits(text: string, start: number): number {
  const tens = text.charCodeAt(start) - 48;
  const ones = text.charCodeAt(start + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

const FORMAT: TimestampParse = { ok: false, problem: "format" };
const CALENDAR: TimestampParse = { ok: false, problem: "calendar" };
const RANGE: TimestampParse = { ok: false, problem: "range" };

/** {@link isoTimestampMs} failures: negative, so never a valid (in-range) timestamp. */
export const ISO_FORMAT = -1;
export const ISO_CALENDAR = -2;
export const ISO_RANGE = -3;

/** Days from 1970-01-01 to a proleptic Gregorian date (month 1-12), as `Date.UTC` counts them. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * Parses an ISO-8601 date-time with a UTC offset: `YYYY-MM-DDTHH:mm:ss`, optionally `.` and 1-9
 * fraction digits (beyond milliseconds truncated), then `Z` or `+hh:mm`/`-hh:mm`. Calendar fields
 * are checked (`Date.parse` would turn Feb 30 into Mar 1). Hand-written rather than a regular
 * expression: ticks with ISO times take this path for every tick.
 */
export function parseIsoTimestamp(text: string): TimestampParse {
  const ms = isoTimestampMs(text);
  switch (ms) {
    case ISO_FORMAT:
      return FORMAT;
    case ISO_CALENDAR:
      return CALENDAR;
    case ISO_RANGE:
      return RANGE;
    default:
      return { ok: true, ms };
  }
}

/**
 * {@link parseIsoTimestamp} without a result object: epoch milliseconds, or {@link ISO_FORMAT},
 * {@link ISO_CALENDAR} or {@link ISO_RANGE}.
 */
export function isoTimestampMs(text: string): number {
  const length = text.length;
  if (
    length < 20 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58
  ) {
    return ISO_FORMAT;
  }
  const century = twoDigits(text, 0);
  const yearOfCentury = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if ((century | yearOfCentury | month | day | hour | minute | second) < 0) {
    return ISO_FORMAT;
  }
  const year = century * 100 + yearOfCentury;
  let position = 19;
  let millis = 0;
  const dot = text.charCodeAt(position) === 46;
  if (dot && length === 24 && text.charCodeAt(23) === 90) {
    // The common form, `.sssZ`: three fraction digits.
    const hundreds = text.charCodeAt(20) - 48;
    const tens = twoDigits(text, 21);
    if (hundreds < 0 || hundreds > 9 || tens < 0) {
      return ISO_FORMAT;
    }
    millis = hundreds * 100 + tens;
    position = 23;
  } else if (dot) {
    // .
    const first = position + 1;
    let end = first;
    while (end < length && end - first < 10 && digitsAt(text, end, 1) >= 0) {
      end += 1;
    }
    const count = end - first;
    if (count < 1 || count > 9) {
      return ISO_FORMAT;
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
    const offsetHours = twoDigits(text, position + 1);
    const offsetMins = twoDigits(text, position + 4);
    if (offsetHours < 0 || offsetMins < 0) {
      return ISO_FORMAT;
    }
    if (offsetHours > 23 || offsetMins > 59) {
      return ISO_CALENDAR;
    }
    offsetMinutes = (zone === 45 ? -1 : 1) * (offsetHours * 60 + offsetMins);
  } else {
    return ISO_FORMAT;
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
    return ISO_CALENDAR;
  }
  // Years 0-99 (which Date.UTC would map to 1900-1999) fail the range check either way.
  const ms =
    daysFromCivil(year, month, day) * 86_400_000 +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
    millis;
  return ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS ? ms : ISO_RANGE;
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
