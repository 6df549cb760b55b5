import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Bar, TradeOrder } from "../domain/bar";
import {
  DECIMAL_PLACES,
  NOTIONAL_DECIMAL_PLACES,
  formatScaled,
  parseScaled,
  scaleDecimal,
} from "../domain/decimal";
import type { BarState } from "../domain/idempotency";
import { isSequenceNumber } from "../domain/sequence";
import { MINUTE_MS, parseIsoTimestamp, toIso } from "../domain/time";

/**
 * The analytics table's item layout: the one place that knows it.
 *
 * One item per symbol and UTC minute:
 * - `pk` (S) `BAR#<SYMBOL>`: one partition per symbol, so a symbol's bars are one Query;
 * - `sk` (S) the minute start as fixed-width ISO-8601 (`2024-05-01T13:45:00.000Z`), which sorts
 *   by time and reads well in the console;
 * - `open`/`high`/`low`/`close` (N) prices as plain decimals;
 * - `openTs`/`openTradeId`/`openSeq`/`openIndex` and the same for `close`: the trade order of the
 *   open and close ticks, needed to merge later ticks correctly;
 * - `volume` (S) and `notional` (S): exact decimal sums, as text because they can exceed the 38
 *   significant digits of a DynamoDB number and are never added up by DynamoDB;
 * - `trades`, `firstTradeAt`, `lastTradeAt` (N, epoch milliseconds);
 * - `watermarks` (M of S): `<shardId>/<partitionKey>` -> highest applied sequence number;
 * - `version` (N): optimistic-concurrency counter, incremented by every write;
 * - `writeId` (S): random id of the write that produced the item, so a writer whose response was
 *   lost (the SDK's retry then fails its condition) can tell that its own write landed;
 * - `expiresAt` (N): TTL, epoch seconds: the minute start plus the retention period.
 */

export type Item = Record<string, AttributeValue>;

export const BAR_PARTITION_PREFIX = "BAR#";

export function barPartitionKey(symbol: string): string {
  return `${BAR_PARTITION_PREFIX}${symbol}`;
}

export function barSortKey(startMs: number): string {
  return toIso(startMs);
}

export function barItemKey(symbol: string, startMs: number): Item {
  return { pk: { S: barPartitionKey(symbol) }, sk: { S: barSortKey(startMs) } };
}

/** A bar as read from the table, with the version its conditional write must expect. */
export interface StoredBar {
  readonly state: BarState;
  readonly version: number;
  /** Id of the write that stored this version. */
  readonly writeId: string;
}

const SECONDS_PER_DAY = 86_400;

/** TTL of a bar: its minute start plus `ttlDays`, in epoch seconds. */
export function barExpiresAt(startMs: number, ttlDays: number): number {
  return Math.floor(startMs / 1000) + ttlDays * SECONDS_PER_DAY;
}

function priceText(price: number): string {
  const scaled = scaleDecimal(price);
  if (scaled === undefined) {
    throw new RangeError(`price ${price} has more than ${DECIMAL_PLACES} decimal places`);
  }
  return formatScaled(scaled, DECIMAL_PLACES);
}

function orderAttributes(prefix: "open" | "close", order: TradeOrder): Item {
  return {
    [`${prefix}Ts`]: { N: String(order.ts) },
    [`${prefix}TradeId`]: { S: order.tradeId },
    [`${prefix}Seq`]: { S: order.seq },
    [`${prefix}Index`]: { N: String(order.index) },
  };
}

/** The full item of a bar state at `version`, written by the write `writeId`. */
export function encodeBarItem(
  state: BarState,
  version: number,
  writeId: string,
  ttlDays: number,
): Item {
  const { bar } = state;
  if (bar.interval !== "1m") {
    throw new RangeError(`only 1m bars are stored, got ${bar.interval}`);
  }
  const watermarks: Item = {};
  for (const [stream, sequenceNumber] of Object.entries(state.watermarks)) {
    watermarks[stream] = { S: sequenceNumber };
  }
  return {
    ...barItemKey(bar.symbol, bar.start),
    symbol: { S: bar.symbol },
    open: { N: priceText(bar.open) },
    high: { N: priceText(bar.high) },
    low: { N: priceText(bar.low) },
    close: { N: priceText(bar.close) },
    ...orderAttributes("open", bar.openOrder),
    ...orderAttributes("close", bar.closeOrder),
    volume: { S: formatScaled(bar.volume, DECIMAL_PLACES) },
    notional: { S: formatScaled(bar.notional, NOTIONAL_DECIMAL_PLACES) },
    trades: { N: String(bar.trades) },
    firstTradeAt: { N: String(bar.firstTradeAt) },
    lastTradeAt: { N: String(bar.lastTradeAt) },
    watermarks: { M: watermarks },
    version: { N: String(version) },
    writeId: { S: writeId },
    expiresAt: { N: String(barExpiresAt(bar.start, ttlDays)) },
  };
}

/** Attributes the API reads (everything but the watermarks, which can be large). */
export const BAR_READ_ATTRIBUTES = [
  "sk",
  "symbol",
  "open",
  "high",
  "low",
  "close",
  "openTs",
  "openTradeId",
  "openSeq",
  "openIndex",
  "closeTs",
  "closeTradeId",
  "closeSeq",
  "closeIndex",
  "volume",
  "notional",
  "trades",
  "firstTradeAt",
  "lastTradeAt",
] as const;

/** A projection of {@link BAR_READ_ATTRIBUTES}, with names aliased (`open`, `close` are reserved). */
export function barProjection(): {
  ProjectionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
} {
  const names: Record<string, string> = {};
  const aliases = BAR_READ_ATTRIBUTES.map((attribute, i) => {
    names[`#p${i}`] = attribute;
    return `#p${i}`;
  });
  return { ProjectionExpression: aliases.join(", "), ExpressionAttributeNames: names };
}

/** Thrown when an item does not have the layout above; the message names the attribute. */
export class BarItemError extends Error {
  constructor(item: Item, problem: string) {
    super(`Bar item ${item.pk?.S ?? "?"} ${item.sk?.S ?? "?"}: ${problem}`);
    this.name = "BarItemError";
  }
}

function stringAttribute(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) {
    throw new BarItemError(item, `attribute ${name} is missing or not a string`);
  }
  return value;
}

function numberAttribute(item: Item, name: string): number {
  const text = item[name]?.N;
  const value = text === undefined ? NaN : Number(text);
  if (!Number.isFinite(value)) {
    throw new BarItemError(item, `attribute ${name} is missing or not a number`);
  }
  return value;
}

function decimalAttribute(item: Item, name: string, decimalPlaces: number): bigint {
  const text = stringAttribute(item, name);
  try {
    return parseScaled(text, decimalPlaces);
  } catch {
    throw new BarItemError(item, `attribute ${name} is not a decimal with ${decimalPlaces} places`);
  }
}

function orderFrom(item: Item, prefix: "open" | "close"): TradeOrder {
  const seq = stringAttribute(item, `${prefix}Seq`);
  if (!isSequenceNumber(seq)) {
    throw new BarItemError(item, `attribute ${prefix}Seq is not a sequence number`);
  }
  return {
    ts: numberAttribute(item, `${prefix}Ts`),
    tradeId: stringAttribute(item, `${prefix}TradeId`),
    seq,
    index: numberAttribute(item, `${prefix}Index`),
  };
}

/** The bar of an item (full or projected with {@link barProjection}). */
export function decodeBar(item: Item): Bar {
  const sk = stringAttribute(item, "sk");
  const start = parseIsoTimestamp(sk);
  if (!start.ok || start.ms % MINUTE_MS !== 0 || toIso(start.ms) !== sk) {
    throw new BarItemError(item, "sort key is not a minute start in ISO-8601");
  }
  return {
    symbol: stringAttribute(item, "symbol"),
    interval: "1m",
    start: start.ms,
    open: numberAttribute(item, "open"),
    openOrder: orderFrom(item, "open"),
    high: numberAttribute(item, "high"),
    low: numberAttribute(item, "low"),
    close: numberAttribute(item, "close"),
    closeOrder: orderFrom(item, "close"),
    volume: decimalAttribute(item, "volume", DECIMAL_PLACES),
    notional: decimalAttribute(item, "notional", NOTIONAL_DECIMAL_PLACES),
    trades: numberAttribute(item, "trades"),
    firstTradeAt: numberAttribute(item, "firstTradeAt"),
    lastTradeAt: numberAttribute(item, "lastTradeAt"),
  };
}

/** The full stored state of an item, as the processor reads it. */
export function decodeStoredBar(item: Item): StoredBar {
  const watermarkMap = item.watermarks?.M;
  if (watermarkMap === undefined) {
    throw new BarItemError(item, "attribute watermarks is missing or not a map");
  }
  const watermarks: Record<string, string> = {};
  for (const [stream, value] of Object.entries(watermarkMap)) {
    if (value.S === undefined || !isSequenceNumber(value.S)) {
      throw new BarItemError(item, `watermark ${stream} is not a sequence number`);
    }
    watermarks[stream] = value.S;
  }
  const version = numberAttribute(item, "version");
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new BarItemError(item, "attribute version is not a positive integer");
  }
  return {
    state: { bar: decodeBar(item), watermarks },
    version,
    writeId: stringAttribute(item, "writeId"),
  };
}
