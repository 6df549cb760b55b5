import fc from "fast-check";
import type { Bar, SequencedTick } from "../../../functions/domain/bar";
import type { Tick } from "../../../functions/domain/tick";

/**
 * fast-check generators of valid ticks that collide on purpose: few symbols, a few minutes,
 * repeated timestamps and trade ids, so open/close tie-breaking and bar merging are exercised.
 */

export const BASE_MINUTE = Date.UTC(2024, 4, 1, 13, 45);

/** Prices and sizes with up to 10 decimal places, some large, as the nearest doubles. */
export const amountArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 1, max: 100_000 }).map((n) => n / 100),
  fc.integer({ min: 1, max: 1_000 }),
  fc.integer({ min: 1, max: 10 ** 9 }).map((n) => n / 10 ** 10),
  fc.integer({ min: 200_000, max: 900_000_000 }).map((n) => n + 0.25),
);

export const tradeIdArb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 30 }).map(String),
  fc.constantFrom("A", "B", "a", "T-9", "T-10"),
);

/** Ticks of one symbol within one minute. */
export function minuteTicksArb(symbol = "AAPL", minute = BASE_MINUTE): fc.Arbitrary<SequencedTick> {
  return fc.record({
    symbol: fc.constant(symbol),
    price: amountArb,
    size: amountArb,
    ts: fc.integer({ min: minute, max: minute + 59_999 }).map((ts) => minute + (ts % 7) * 8_571),
    tradeId: tradeIdArb,
    seq: fc.integer({ min: 1, max: 40 }).map(String),
    index: fc.integer({ min: 0, max: 3 }),
  });
}

/** Reference ordering for tests: the documented total order written out plainly. */
export function referenceOrder(a: Tick, b: Tick): number {
  if (a.ts !== b.ts) {
    return a.ts - b.ts;
  }
  const aNumeric = /^\d+$/.test(a.tradeId);
  const bNumeric = /^\d+$/.test(b.tradeId);
  if (aNumeric !== bNumeric) {
    return aNumeric ? -1 : 1;
  }
  if (aNumeric && a.tradeId !== b.tradeId) {
    const diff = BigInt(a.tradeId) - BigInt(b.tradeId);
    if (diff !== 0n) {
      return diff < 0n ? -1 : 1;
    }
  }
  if (a.tradeId !== b.tradeId) {
    return a.tradeId < b.tradeId ? -1 : 1;
  }
  return 0;
}

/** Exact decimal of a number's shortest text, scaled by 10^places: the reference arithmetic. */
export function referenceScaled(value: number, places: number): bigint {
  const [mantissa, exponentText = "0"] = String(value).split("e");
  const [integerPart, fractionPart = ""] = mantissa.split(".");
  const exponent = Number(exponentText);
  const digits = BigInt(integerPart + fractionPart);
  const shift = places - fractionPart.length + exponent;
  if (shift < 0) {
    throw new Error(`${value} has more than ${places} decimal places`);
  }
  return digits * 10n ** BigInt(shift);
}

/**
 * The bar of one minute's ticks computed the plain way: keep the first tick of each trade id
 * (distinct trades), sort, take ends, add exactly.
 */
export function referenceBar(all: readonly Tick[]): Bar {
  const byId = new Map<string, Tick>();
  for (const tick of all) {
    if (!byId.has(tick.tradeId)) {
      byId.set(tick.tradeId, tick);
    }
  }
  const ticks = [...byId.values()];
  const sorted = [...ticks].sort(referenceOrder);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const order = (tick: Tick) => ({ ts: tick.ts, tradeId: tick.tradeId });
  return {
    symbol: first.symbol,
    interval: "1m",
    start: Math.floor(first.ts / 60_000) * 60_000,
    open: first.price,
    openOrder: order(first),
    high: Math.max(...ticks.map((tick) => tick.price)),
    low: Math.min(...ticks.map((tick) => tick.price)),
    close: last.price,
    closeOrder: order(last),
    volume: ticks.reduce((sum, tick) => sum + referenceScaled(tick.size, 10), 0n),
    notional: ticks.reduce(
      (sum, tick) => sum + referenceScaled(tick.price, 10) * referenceScaled(tick.size, 10),
      0n,
    ),
    trades: ticks.length,
    firstTradeAt: Math.min(...ticks.map((tick) => tick.ts)),
    lastTradeAt: Math.max(...ticks.map((tick) => tick.ts)),
  };
}
