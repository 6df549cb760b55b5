import {
  DECIMAL_PLACES,
  NOTIONAL_DECIMAL_PLACES,
  ScaledSum,
  divideScaled,
  scaleDecimal,
} from "./decimal";
import type { Tick } from "./tick";
import { INTERVAL_MS, bucketStart } from "./time";
import type { Interval } from "./time";

// Module-level references for the per-tick path: esbuild's CommonJS output (what tsx runs, as in
// `npm run bench`) reads every imported binding through two export accessors at each use.
const Sum = ScaledSum;
const bucketOf = bucketStart;
const intervalMs = INTERVAL_MS;

/**
 * Where a trade sits in the total order that picks a bar's open and close: trade time first, then
 * trade id. Ties on time are common (many trades per millisecond); a trade id is unique within its
 * bar, so the order is total and depends on the trade alone, never on the record that carried it:
 * a bar is the same whatever order, and however often, its trades arrive.
 */
export interface TradeOrder {
  readonly ts: number;
  readonly tradeId: string;
}

export type { SequencedTick } from "./tick";

/**
 * An OHLC bar of one symbol over one interval. Prices are numbers (never summed); volume and
 * notional are exact scaled integers ({@link DECIMAL_PLACES} and {@link NOTIONAL_DECIMAL_PLACES}).
 */
export interface Bar {
  readonly symbol: string;
  readonly interval: Interval;
  /** Interval start, UTC epoch milliseconds. */
  readonly start: number;
  readonly open: number;
  readonly openOrder: TradeOrder;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly closeOrder: TradeOrder;
  /** Sum of sizes x 10^DECIMAL_PLACES. */
  readonly volume: bigint;
  /** Sum of price x size x 10^NOTIONAL_DECIMAL_PLACES. */
  readonly notional: bigint;
  readonly trades: number;
  /** Earliest and latest tick time, epoch milliseconds. */
  readonly firstTradeAt: number;
  readonly lastTradeAt: number;
}

/** Whether `id` is all decimal digits (`/^\d+$/` as a character loop: it runs on trade-time ties). */
function isNumericId(id: string): boolean {
  const length = id.length;
  if (length === 0) {
    return false;
  }
  for (let i = 0; i < length; i += 1) {
    const code = id.charCodeAt(i);
    if (code < 48 || code > 57) {
      return false;
    }
  }
  return true;
}

/**
 * Trade ids: numeric ids in numeric order (by length, then digits) before all other ids, which
 * sort by code unit. A total order, so open and close never depend on arrival order.
 */
export function compareTradeIds(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  const aNumeric = isNumericId(a);
  const bNumeric = isNumericId(b);
  if (aNumeric !== bNumeric) {
    return aNumeric ? -1 : 1;
  }
  if (aNumeric && a.length !== b.length) {
    return a.length - b.length;
  }
  return a < b ? -1 : 1;
}

export function compareTradeOrder(a: TradeOrder, b: TradeOrder): number {
  return a.ts - b.ts || compareTradeIds(a.tradeId, b.tradeId);
}

/** Open is the first tick by (order, price); identical orders fall back to the lower price. */
function opensBefore(aOrder: TradeOrder, aPrice: number, bOrder: TradeOrder, bPrice: number) {
  const byOrder = compareTradeOrder(aOrder, bOrder);
  return byOrder < 0 || (byOrder === 0 && aPrice <= bPrice);
}

/** Close is the last tick by (order, price); identical orders fall back to the higher price. */
function closesAfter(aOrder: TradeOrder, aPrice: number, bOrder: TradeOrder, bPrice: number) {
  const byOrder = compareTradeOrder(aOrder, bOrder);
  return byOrder > 0 || (byOrder === 0 && aPrice >= bPrice);
}

function scaled(value: number, field: string): bigint {
  const result = scaleDecimal(value);
  if (result === undefined) {
    throw new RangeError(`${field} ${value} has more than ${DECIMAL_PLACES} decimal places`);
  }
  return result;
}

function orderOf(tick: Tick): TradeOrder {
  return { ts: tick.ts, tradeId: tick.tradeId };
}

/**
 * Decimals of the fast path: a price and a size with at most this many decimals are summed and
 * multiplied as numbers, at 10^4 and 10^8, which stays exact while the results are safe integers.
 */
const FAST_FACTOR = 10 ** 4;
/** Below this, a double is never within half a unit in the last place of two multiples of 10^-10. */
const FAST_LIMIT = 2e5;
/** From the fast scales to the exact ones: 10^4 to 10^DECIMAL_PLACES, 10^8 to 10^NOTIONAL_DECIMAL_PLACES. */
const VOLUME_FACTOR = 10n ** BigInt(DECIMAL_PLACES - 4);
const NOTIONAL_FACTOR = 10n ** BigInt(NOTIONAL_DECIMAL_PLACES - 8);

/**
 * The bar of `ticks`, which must be non-empty and all fall in the same symbol and interval.
 * Ticks are expected to be validated (see `validateTick`).
 */
export function barFromTicks(ticks: readonly Tick[], interval: Interval = "1m"): Bar {
  return barFromTickGroups([ticks], interval);
}

/**
 * {@link barFromTicks} of the concatenation of `groups`, without building it. Volume and notional
 * are exact: scaled integers summed as numbers while they are safe integers (see
 * {@link ScaledSum}), as bigints otherwise, so the result is the same as all-bigint arithmetic.
 */
export function barFromTickGroups(
  groups: readonly (readonly Tick[])[],
  interval: Interval = "1m",
): Bar {
  let accumulator: BarAccumulator | undefined;
  for (let g = 0; g < groups.length; g += 1) {
    const ticks = groups[g];
    for (let i = 0; i < ticks.length; i += 1) {
      if (accumulator === undefined) {
        accumulator = new BarAccumulator(ticks[i], interval);
      } else {
        accumulator.add(ticks[i]);
      }
    }
  }
  if (accumulator === undefined) {
    throw new RangeError("barFromTicks needs at least one tick");
  }
  return accumulator.bar();
}

/**
 * A bar being built one tick at a time: the single aggregation pass behind
 * {@link barFromTickGroups}, also fed directly by callers that hold their ticks in other shapes
 * (no intermediate arrays). Every tick must fall in the first tick's symbol and interval.
 */
export class BarAccumulator {
  private readonly symbol: string;
  private readonly interval: Interval;
  private readonly start: number;
  private readonly end: number;
  /** Time of the first tick, for the error message of a tick of another bar. */
  private readonly firstTs: number;
  private readonly volume = new Sum(VOLUME_FACTOR);
  private readonly notional = new Sum(NOTIONAL_FACTOR);
  private open: Tick;
  private close: Tick;
  private high: number;
  private low: number;
  private firstTradeAt: number;
  private lastTradeAt: number;
  private trades = 0;

  constructor(first: Tick, interval: Interval = "1m") {
    this.symbol = first.symbol;
    this.interval = interval;
    this.start = bucketOf(first.ts, interval);
    this.end = this.start + intervalMs[interval];
    this.firstTs = first.ts;
    this.open = first;
    this.close = first;
    this.high = first.price;
    this.low = first.price;
    this.firstTradeAt = first.ts;
    this.lastTradeAt = first.ts;
    this.add(first);
  }

  /** Adds one tick (validated, see `validateTick`). */
  add(tick: Tick): void {
    const { price, ts } = tick;
    if (tick.symbol !== this.symbol || !(ts >= this.start && ts < this.end)) {
      throw new RangeError(
        `barFromTicks got ticks of different bars: ${this.symbol}@${this.firstTs} and ${tick.symbol}@${ts}`,
      );
    }
    addAmounts(this.volume, this.notional, price, tick.size);
    this.trades += 1;
    if (price > this.high) {
      this.high = price;
    }
    if (price < this.low) {
      this.low = price;
    }
    if (ts < this.firstTradeAt) {
      this.firstTradeAt = ts;
    }
    if (ts > this.lastTradeAt) {
      this.lastTradeAt = ts;
    }
    // A tick carries its own trade order (ts, tradeId). Trade times differ
    // far more often than not, so they decide before the full comparison is called.
    const open = this.open;
    if (tick !== open && ts <= open.ts && opensBefore(tick, price, open, open.price)) {
      this.open = tick;
    }
    const close = this.close;
    if (tick !== close && ts >= close.ts && closesAfter(tick, price, close, close.price)) {
      this.close = tick;
    }
  }

  bar(): Bar {
    const { open, close } = this;
    const openOrder = orderOf(open);
    return {
      symbol: this.symbol,
      interval: this.interval,
      start: this.start,
      open: open.price,
      openOrder,
      high: this.high,
      low: this.low,
      close: close.price,
      closeOrder: close === open ? openOrder : orderOf(close),
      volume: this.volume.total(),
      notional: this.notional.total(),
      trades: this.trades,
      firstTradeAt: this.firstTradeAt,
      lastTradeAt: this.lastTradeAt,
    };
  }
}

/**
 * Adds a tick's size to `volume` (at 10^4) and price x size to `notional` (at 10^8), exactly.
 * `round(x * 10^4) / 10^4 === x` means x is the double nearest to that many ten-thousandths, so
 * its exact scaled value is that count times 10^6: the same integers {@link scaleDecimal} gives.
 */
function addAmounts(volume: ScaledSum, notional: ScaledSum, price: number, size: number): void {
  if (size < FAST_LIMIT && price < FAST_LIMIT) {
    const fastSize = Math.round(size * FAST_FACTOR);
    const fastPrice = Math.round(price * FAST_FACTOR);
    if (fastSize / FAST_FACTOR === size && fastPrice / FAST_FACTOR === price) {
      volume.addSafe(fastSize);
      // Both below 2e9, so the product is below 4e18: exact only up to 2^53, checked below.
      const term = fastPrice * fastSize;
      if (term <= Number.MAX_SAFE_INTEGER) {
        notional.addSafe(term);
      } else {
        notional.addBig(BigInt(fastPrice) * BigInt(fastSize) * NOTIONAL_FACTOR);
      }
      return;
    }
  }
  // More decimals or large amounts: bigint (which also rejects amounts with too many decimals).
  const exactSize = scaled(size, "size");
  volume.addBig(exactSize);
  notional.addBig(scaled(price, "price") * exactSize);
}

/**
 * Merges two bars of the same symbol, interval and start. Associative and commutative, so any
 * grouping and order of partial bars gives the same result.
 */
export function mergeBars(a: Bar, b: Bar): Bar {
  if (a.symbol !== b.symbol || a.interval !== b.interval || a.start !== b.start) {
    throw new RangeError(
      `mergeBars needs bars of the same symbol, interval and start: ${describeBar(a)} vs ${describeBar(b)}`,
    );
  }
  const openFromA = opensBefore(a.openOrder, a.open, b.openOrder, b.open);
  const closeFromA = closesAfter(a.closeOrder, a.close, b.closeOrder, b.close);
  return {
    symbol: a.symbol,
    interval: a.interval,
    start: a.start,
    open: openFromA ? a.open : b.open,
    openOrder: openFromA ? a.openOrder : b.openOrder,
    high: Math.max(a.high, b.high),
    low: Math.min(a.low, b.low),
    close: closeFromA ? a.close : b.close,
    closeOrder: closeFromA ? a.closeOrder : b.closeOrder,
    volume: a.volume + b.volume,
    notional: a.notional + b.notional,
    trades: a.trades + b.trades,
    firstTradeAt: Math.min(a.firstTradeAt, b.firstTradeAt),
    lastTradeAt: Math.max(a.lastTradeAt, b.lastTradeAt),
  };
}

function describeBar(bar: Bar): string {
  return `${bar.symbol} ${bar.interval}@${bar.start}`;
}

/**
 * Rolls finer bars up into `interval` bars (e.g. 1m into 1h), one per non-empty interval, sorted
 * by start. Every input bar must be of one symbol and of an interval that divides `interval`.
 */
export function rollupBars(bars: readonly Bar[], interval: Interval): Bar[] {
  const size = INTERVAL_MS[interval];
  const buckets = new Map<number, Bar>();
  for (const bar of bars) {
    if (size % INTERVAL_MS[bar.interval] !== 0) {
      throw new RangeError(`cannot roll ${bar.interval} bars up into ${interval} bars`);
    }
    const relabelled: Bar = { ...bar, interval, start: bucketStart(bar.start, interval) };
    const existing = buckets.get(relabelled.start);
    buckets.set(
      relabelled.start,
      existing === undefined ? relabelled : mergeBars(existing, relabelled),
    );
  }
  return [...buckets.values()].sort((a, b) => a.start - b.start);
}

/** Decimal places of a VWAP. */
export const VWAP_DECIMAL_PLACES = DECIMAL_PLACES;

/** Volume-weighted average price, exact to {@link VWAP_DECIMAL_PLACES} places (half up). */
export function vwapScaled(bar: Bar): bigint {
  return divideScaled(
    bar.notional,
    NOTIONAL_DECIMAL_PLACES,
    bar.volume,
    DECIMAL_PLACES,
    VWAP_DECIMAL_PLACES,
  );
}
