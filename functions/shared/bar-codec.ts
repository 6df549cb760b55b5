import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Bar, TradeOrder } from "../domain/bar";
import {
  DECIMAL_PLACES,
  NOTIONAL_DECIMAL_PLACES,
  formatScaled,
  parseScaled,
  scaleDecimal,
} from "../domain/decimal";
import { MINUTE_MS, parseIsoTimestamp, toIso } from "../domain/time";
import type { PageAddress } from "../domain/trade-set";
import { PageDirectory, decodeTradeIds, encodeTradeIds, pageId } from "../domain/trade-set";

/**
 * The analytics table's item layout: the one place that knows it.
 *
 * One bar item per symbol and UTC minute:
 * - `pk` (S) `BAR#<SYMBOL>`: one partition per symbol, so a symbol's bars are one Query;
 * - `sk` (S) the minute start as fixed-width ISO-8601 (`2024-05-01T13:45:00.000Z`), which sorts
 *   by time and reads well in the console;
 * - `open`/`high`/`low`/`close` (N) prices as plain decimals;
 * - `openTs`/`openTradeId` and `closeTs`/`closeTradeId`: the trade order of the open and close
 *   trades, needed to merge later trades correctly;
 * - `volume` (S) and `notional` (S): exact decimal sums, as text because they can exceed the 38
 *   significant digits of a DynamoDB number and are never added up by DynamoDB;
 * - `trades`, `firstTradeAt`, `lastTradeAt` (N, epoch milliseconds);
 * - the set of trades counted (see `domain/trade-set.ts`), in one of two forms:
 *   - `tradeIds` (B): the whole set, inline, while it is small (the usual bar);
 *   - `tradeSet` (S) and `pages` (B): a large set spread over page items by trade-id hash;
 *     `tradeSet` is a random id given when the set spilled (so pages of an earlier item of the
 *     same minute, left to TTL, are never read), `pages` holds one depth byte per page;
 * - `version` (N): optimistic-concurrency counter, incremented by every write;
 * - `writeId` (S): random id of the write that produced the item, so a writer whose response was
 *   lost (the SDK's retry then fails its condition) can tell that its own write landed;
 * - `expiresAt` (N): TTL, epoch seconds: the minute start plus the retention period when the bar
 *   was first written. Every later write of the bar and its pages keeps it (see `barIsClosed`).
 *
 * One page item per page of a large set, in its own partition so the API's range queries over
 * `BAR#<SYMBOL>` never see one: `pk` (S) `TRADES#<SYMBOL>#<minute start>`, `sk` (S)
 * `<tradeSet>#<page id>`, `tradeIds` (B), `version` (N, per page), `expiresAt` (N, as its bar).
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

export const TRADE_PAGE_PARTITION_PREFIX = "TRADES#";

/** Where a large set's pages live, and which pages it has. */
export interface PagedTrades {
  readonly kind: "paged";
  /** Random id of the set, given when it spilled out of the bar item. */
  readonly setId: string;
  readonly directory: PageDirectory;
}

/** A small set, held in the bar item itself. */
export interface InlineTrades {
  readonly kind: "inline";
  readonly ids: ReadonlySet<string>;
}

export type StoredTrades = InlineTrades | PagedTrades;

/** A bar as read from the table, with the version its conditional write must expect. */
export interface StoredBar {
  readonly bar: Bar;
  readonly trades: StoredTrades;
  readonly version: number;
  /** Id of the write that stored this version. */
  readonly writeId: string;
  /** Bytes of the encoded inline set or page directory (what the item's size grows with). */
  readonly setBytes: number;
  /** The bar's TTL, epoch seconds, which its pages carry too. */
  readonly expiresAt: number;
}

/** One page of a large set, as read from the table. */
export interface StoredPage {
  readonly page: PageAddress;
  readonly ids: ReadonlySet<string>;
  readonly version: number;
  readonly bytes: number;
  /**
   * The page's TTL, epoch seconds, as read: its bar's, unless a retention changed while an earlier
   * writer stamped only the items it wrote. @default - the bar's (a page this container wrote)
   */
  readonly expiresAt?: number;
}

export function tradePagePartitionKey(symbol: string, startMs: number): string {
  return `${TRADE_PAGE_PARTITION_PREFIX}${symbol}#${toIso(startMs)}`;
}

export function tradePageItemKey(
  symbol: string,
  startMs: number,
  setId: string,
  page: PageAddress,
): Item {
  return {
    pk: { S: tradePagePartitionKey(symbol, startMs) },
    sk: { S: `${setId}#${pageId(page)}` },
  };
}

/** The item of one page of a large set, expiring with its bar (`expiresAt`, epoch seconds). */
export function encodeTradePageItem(
  symbol: string,
  startMs: number,
  setId: string,
  page: PageAddress,
  bytes: Uint8Array,
  version: number,
  expiresAt: number,
): Item {
  return {
    ...tradePageItemKey(symbol, startMs, setId, page),
    tradeIds: { B: bytes },
    version: { N: String(version) },
    expiresAt: { N: String(expiresAt) },
  };
}

/** The page of a page item. */
export function decodeTradePage(item: Item, page: PageAddress): StoredPage {
  const bytes = item.tradeIds?.B;
  if (bytes === undefined) {
    throw new BarItemError(item, "attribute tradeIds is missing or not binary");
  }
  const version = numberAttribute(item, "version");
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new BarItemError(item, "attribute version is not a positive integer");
  }
  const expiresAt = item.expiresAt?.N === undefined ? undefined : Number(item.expiresAt.N);
  return {
    page,
    ids: new Set(decodeTradeIds(bytes)),
    version,
    bytes: bytes.length,
    ...(expiresAt !== undefined && Number.isSafeInteger(expiresAt) ? { expiresAt } : {}),
  };
}

const SECONDS_PER_DAY = 86_400;

/** TTL of a bar: its minute start plus `ttlDays`, in epoch seconds. */
export function barExpiresAt(startMs: number, ttlDays: number): number {
  return Math.floor(startMs / 1000) + ttlDays * SECONDS_PER_DAY;
}

/**
 * How long before its TTL a bar is closed to writes: the writer's clock against DynamoDB's, and a
 * batch that reads before the TTL and writes after it.
 */
export const BAR_CLOSING_MARGIN_MS = 60 * 60 * 1000;

/**
 * Whether the bar of minute `startMs` is closed to writes at `nowMs`: its TTL has passed, or will
 * within {@link BAR_CLOSING_MARGIN_MS}. TTL deletes an expired bar item and each of its trade-set
 * pages on its own, typically within two days and in no set order, and an expired item still
 * shows up in reads until then (UpdateTimeToLive, Amazon DynamoDB API Reference:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html). A
 * tick written to such a bar could meet a bar whose pages are gone, and a trade already counted
 * would be counted again: the bar's trades are no longer known, so its ticks are not counted.
 */
export function barIsClosed(startMs: number, ttlDays: number, nowMs: number): boolean {
  return ttlIsClosing(barExpiresAt(startMs, ttlDays), nowMs);
}

/**
 * Whether a bar whose items carry the TTL `expiresAt` (epoch seconds) is closed to writes at
 * `nowMs`. A bar written under an earlier retention keeps the TTL it was created with, and so do
 * all its pages: the stored TTL decides as well as the configured one.
 */
export function ttlIsClosing(expiresAt: number, nowMs: number): boolean {
  return expiresAt * 1000 <= nowMs + BAR_CLOSING_MARGIN_MS;
}

/** The first minute whose bar is open to writes at `nowMs` (see {@link barIsClosed}). */
export function firstOpenMinute(ttlDays: number, nowMs: number): number {
  const closedUntil = nowMs + BAR_CLOSING_MARGIN_MS - ttlDays * SECONDS_PER_DAY * 1000;
  // The bar of minute m is open when m > closedUntil (TTL in whole seconds of a whole minute).
  return (Math.floor(closedUntil / MINUTE_MS) + 1) * MINUTE_MS;
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
  };
}

/** How a bar item holds its trade set: the encoded inline set, or a large set's directory. */
export type TradeSetAttributes =
  | { readonly kind: "inline"; readonly bytes: Uint8Array }
  | { readonly kind: "paged"; readonly setId: string; readonly directory: PageDirectory };

/** The set attributes of an inline set of `ids`. */
export function inlineTradeSet(ids: Iterable<string>): TradeSetAttributes {
  return { kind: "inline", bytes: encodeTradeIds(ids) };
}

/**
 * The full item of `bar` with its trade set at `version`, written by the write `writeId`, expiring
 * at `expiresAt` (epoch seconds: `barExpiresAt` for a new bar, the stored value for an existing one).
 */
export function encodeBarItem(
  bar: Bar,
  trades: TradeSetAttributes,
  version: number,
  writeId: string,
  expiresAt: number,
): Item {
  if (bar.interval !== "1m") {
    throw new RangeError(`only 1m bars are stored, got ${bar.interval}`);
  }
  const set: Item =
    trades.kind === "inline"
      ? { tradeIds: { B: trades.bytes } }
      : { tradeSet: { S: trades.setId }, pages: { B: trades.directory.depths() } };
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
    ...set,
    version: { N: String(version) },
    writeId: { S: writeId },
    expiresAt: { N: String(expiresAt) },
  };
}

/** Attributes the API reads (everything but the trade set, which can be large). */
export const BAR_READ_ATTRIBUTES = [
  "sk",
  "symbol",
  "open",
  "high",
  "low",
  "close",
  "openTs",
  "openTradeId",
  "closeTs",
  "closeTradeId",
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
  return {
    ts: numberAttribute(item, `${prefix}Ts`),
    tradeId: stringAttribute(item, `${prefix}TradeId`),
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

/** The full stored state of a bar item, as the processor reads it. */
export function decodeStoredBar(item: Item): StoredBar {
  const version = numberAttribute(item, "version");
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new BarItemError(item, "attribute version is not a positive integer");
  }
  const bar = decodeBar(item);
  const inline = item.tradeIds?.B;
  let trades: StoredTrades;
  let setBytes: number;
  try {
    if (inline !== undefined) {
      trades = { kind: "inline", ids: new Set(decodeTradeIds(inline)) };
      setBytes = inline.length;
      if (trades.ids.size !== bar.trades) {
        throw new Error(`holds ${trades.ids.size} trade ids for ${bar.trades} trades`);
      }
    } else if (item.tradeSet?.S !== undefined && item.pages?.B !== undefined) {
      trades = {
        kind: "paged",
        setId: item.tradeSet.S,
        directory: PageDirectory.fromDepths(item.pages.B),
      };
      setBytes = item.pages.B.length;
    } else {
      throw new Error(
        "has no trade set (tradeIds, or tradeSet and pages): it was written by an earlier layout; rebuild its range from the archive (npm run rebuild-bars)",
      );
    }
  } catch (error) {
    throw new BarItemError(item, error instanceof Error ? error.message : String(error));
  }
  const expiresAt = numberAttribute(item, "expiresAt");
  if (!Number.isSafeInteger(expiresAt)) {
    throw new BarItemError(item, "attribute expiresAt is not whole epoch seconds");
  }
  return {
    bar,
    trades,
    version,
    writeId: stringAttribute(item, "writeId"),
    setBytes,
    expiresAt,
  };
}
