import { SYMBOL_PATTERN, SYMBOL_RULE } from "../domain/symbol";
import type { Interval } from "../domain/time";
import {
  INTERVALS,
  INTERVAL_MS,
  MAX_TIMESTAMP_MS,
  MIN_TIMESTAMP_MS,
  MINUTE_MS,
  bucketStart,
  isInterval,
  parseIsoTimestamp,
  parseTimestampText,
  toIso,
} from "../domain/time";

/** Query-string validation for the API. Every message names the parameter at fault. */

export type QueryParameters = Readonly<Record<string, string | undefined>>;

const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Longest `from`..`to` range per interval. Each bounds the 1-minute items one request may read:
 * 1m: 1 day (1,440 items); 5m: 7 days (10,080); 15m: 14 days (20,160); 1h: 31 days (44,640).
 */
export const MAX_RANGE_MS: Readonly<Record<Interval, number>> = {
  "1m": DAY_MS,
  "5m": 7 * DAY_MS,
  "15m": 14 * DAY_MS,
  "1h": 31 * DAY_MS,
};

/** Bars per page: at most a day of 1-minute bars. */
export const MAX_LIMIT = 1440;
export const DEFAULT_LIMIT = 500;
export const DEFAULT_INTERVAL: Interval = "1m";

/** Symbols per `/latest` request. */
export const MAX_LATEST_SYMBOLS = 25;

export const BARS_PARAMETERS = ["symbol", "from", "to", "interval", "limit", "next"] as const;
export const LATEST_PARAMETERS = ["symbols"] as const;

/** Caller input echoed in a message: quoted, escaped and cut to a readable length. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

/** A request the API rejects with 400 and this message. */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequestError";
  }
}

function present(parameters: QueryParameters, name: string): string | undefined {
  const value = parameters[name];
  return value === undefined || value === "" ? undefined : value;
}

function rejectUnknown(
  parameters: QueryParameters,
  route: string,
  allowed: readonly string[],
): void {
  for (const name of Object.keys(parameters)) {
    if (!allowed.includes(name)) {
      throw new BadRequestError(
        `unknown query parameter ${quote(name)}; GET ${route} accepts ${allowed.join(", ")}`,
      );
    }
  }
}

function days(ms: number): string {
  const count = ms / DAY_MS;
  return count === 1 ? "1 day" : `${count} days`;
}

function timestampParameter(parameters: QueryParameters, name: "from" | "to"): number {
  const text = present(parameters, name);
  if (text === undefined) {
    throw new BadRequestError(`${name} is required`);
  }
  const parsed = parseTimestampText(text);
  if (parsed.ok) {
    return parsed.ms;
  }
  switch (parsed.problem) {
    case "format":
      throw new BadRequestError(
        `${name} must be an ISO-8601 date-time with a UTC offset (e.g. 2024-05-01T13:45:00Z) or integer epoch milliseconds`,
      );
    case "calendar":
      throw new BadRequestError(`${name} must be a valid calendar date and time`);
    case "range":
      throw new BadRequestError(
        `${name} must be between ${toIso(MIN_TIMESTAMP_MS)} and ${toIso(MAX_TIMESTAMP_MS)}`,
      );
  }
}

function symbolParameter(parameters: QueryParameters): string {
  const symbol = present(parameters, "symbol");
  if (symbol === undefined) {
    throw new BadRequestError("symbol is required");
  }
  if (!SYMBOL_PATTERN.test(symbol)) {
    throw new BadRequestError(`symbol must be ${SYMBOL_RULE}`);
  }
  return symbol;
}

function intervalParameter(parameters: QueryParameters): Interval {
  const interval = present(parameters, "interval") ?? DEFAULT_INTERVAL;
  if (!isInterval(interval)) {
    throw new BadRequestError(`interval must be one of ${INTERVALS.join(", ")}`);
  }
  return interval;
}

function limitParameter(parameters: QueryParameters): number {
  const text = present(parameters, "limit");
  if (text === undefined) {
    return DEFAULT_LIMIT;
  }
  const limit = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    throw new BadRequestError(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

/** A validated `GET /bars` request. */
export interface BarsQuery {
  readonly symbol: string;
  readonly interval: Interval;
  /** `from` rounded down to the interval: the first bar returned starts at or after it. */
  readonly from: number;
  /** `to` rounded up to the interval: every bar returned ends at or before it. */
  readonly to: number;
  readonly limit: number;
  /** From a `next` token: the minute start of the last item the previous page read. */
  readonly after: number | null;
}

interface PageToken {
  readonly v: 1;
  /** Symbol and interval the token was issued for. */
  readonly s: string;
  readonly i: Interval;
  /** Sort key (minute start, ISO-8601) of the last item read: DynamoDB's LastEvaluatedKey. */
  readonly k: string;
}

/** The opaque `next` token: base64url JSON of the position reached. */
export function encodePageToken(symbol: string, interval: Interval, lastSortKey: string): string {
  const token: PageToken = { v: 1, s: symbol, i: interval, k: lastSortKey };
  return Buffer.from(JSON.stringify(token), "utf8").toString("base64url");
}

const BASE64URL = /^[A-Za-z0-9_-]{1,512}$/;

function invalidToken(): BadRequestError {
  return new BadRequestError(
    "next is not a valid page token for this query; repeat the request without next",
  );
}

/**
 * Validates a `next` token against the query it comes back with. Anything that is not a token
 * this API issued for the same symbol, interval and range is rejected.
 */
export function decodePageToken(
  text: string,
  symbol: string,
  interval: Interval,
  from: number,
  to: number,
): number {
  if (!BASE64URL.test(text)) {
    throw invalidToken();
  }
  let token: unknown;
  try {
    token = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw invalidToken();
  }
  if (typeof token !== "object" || token === null) {
    throw invalidToken();
  }
  const { v, s, i, k } = token as Record<string, unknown>;
  if (v !== 1 || s !== symbol || i !== interval || typeof k !== "string") {
    throw invalidToken();
  }
  const position = parseIsoTimestamp(k);
  if (
    !position.ok ||
    toIso(position.ms) !== k ||
    position.ms % MINUTE_MS !== 0 ||
    position.ms < from ||
    position.ms >= to
  ) {
    throw invalidToken();
  }
  return position.ms;
}

/** Validates the query string of `GET /bars`. */
export function parseBarsQuery(parameters: QueryParameters): BarsQuery {
  rejectUnknown(parameters, "/bars", BARS_PARAMETERS);
  const symbol = symbolParameter(parameters);
  const interval = intervalParameter(parameters);
  const fromMs = timestampParameter(parameters, "from");
  const toMs = timestampParameter(parameters, "to");
  if (toMs <= fromMs) {
    throw new BadRequestError("to must be later than from");
  }
  if (toMs - fromMs > MAX_RANGE_MS[interval]) {
    throw new BadRequestError(
      `to must be at most ${days(MAX_RANGE_MS[interval])} after from for interval ${interval}`,
    );
  }
  const limit = limitParameter(parameters);
  const size = INTERVAL_MS[interval];
  const from = bucketStart(fromMs, interval);
  const to = bucketStart(toMs + size - 1, interval);
  const next = present(parameters, "next");
  const after = next === undefined ? null : decodePageToken(next, symbol, interval, from, to);
  return { symbol, interval, from, to, limit, after };
}

/** Validates the query string of `GET /latest`: distinct symbols, in request order. */
export function parseLatestQuery(parameters: QueryParameters): string[] {
  rejectUnknown(parameters, "/latest", LATEST_PARAMETERS);
  const text = present(parameters, "symbols");
  if (text === undefined) {
    throw new BadRequestError("symbols is required");
  }
  const symbols = [...new Set(text.split(","))];
  if (symbols.length > MAX_LATEST_SYMBOLS) {
    throw new BadRequestError(
      `symbols must list at most ${MAX_LATEST_SYMBOLS} symbols, got ${symbols.length}`,
    );
  }
  for (const symbol of symbols) {
    if (!SYMBOL_PATTERN.test(symbol)) {
      throw new BadRequestError(
        `symbols contains ${quote(symbol)}; each symbol must be ${SYMBOL_RULE}, separated by commas`,
      );
    }
  }
  return symbols;
}
