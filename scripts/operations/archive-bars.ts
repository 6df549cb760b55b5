import type { Bar } from "../../functions/domain/bar";
import { applyTrades, barKey } from "../../functions/domain/idempotency";
import type { StreamRecord } from "../../functions/domain/record";
import { decodeStreamRecords } from "../../functions/domain/record";
import type { Tick } from "../../functions/domain/tick";
import { minuteStart } from "../../functions/domain/time";

/**
 * The bars the archive says a range should have: every archived record decoded with the
 * processor's own decoder, its valid ticks kept when they fall in the range (by trade time) and
 * the symbols asked for, trades deduplicated by identity (symbol, tradeId) with the first
 * occurrence in the order given (the archive's (arrival, shard, sequence) order), and each bar
 * folded with the processor's own `applyTrades`. A bar is the fold of its SET of distinct trades,
 * so this is exactly what the live path holds once it has seen the same records, in whatever order
 * and however often it saw them.
 */

/** Bars with start in [from, to) of the given symbols (all symbols when absent). */
export interface BarRange {
  readonly from: number;
  readonly to: number;
  readonly symbols?: ReadonlySet<string>;
}

export interface ArchiveBar {
  readonly key: string;
  readonly symbol: string;
  readonly start: number;
  readonly bar: Bar;
  /** The bar's distinct trades, first occurrence of each. */
  readonly trades: readonly Tick[];
}

export interface ArchiveBars {
  /** By bar key (`SYMBOL|start`), sorted by symbol then minute. */
  readonly bars: ReadonlyMap<string, ArchiveBar>;
  /** Symbols with at least one trade in the range. */
  readonly symbols: readonly string[];
  readonly records: number;
  /** Valid ticks of the range, repeats included. */
  readonly ticks: number;
  /** Ticks of the range repeating a trade already counted (producer re-puts, redeliveries). */
  readonly duplicateTicks: number;
  readonly malformedRecords: number;
  readonly malformedTicks: number;
}

/** The symbol and minute start of a bar key (`SYMBOL|startMs`, see `barKey`). */
export function splitBarKey(key: string): { symbol: string; start: number } {
  const separator = key.lastIndexOf("|");
  return { symbol: key.slice(0, separator), start: Number(key.slice(separator + 1)) };
}

export function inRange(range: BarRange, symbol: string, start: number): boolean {
  return (
    start >= range.from &&
    start < range.to &&
    (range.symbols === undefined || range.symbols.has(symbol))
  );
}

/** Folds `records` (in replay order) into the bars of `range`. */
export function barsFromRecords(records: readonly StreamRecord[], range: BarRange): ArchiveBars {
  const decoded = decodeStreamRecords(records);
  const trades = new Map<string, { symbol: string; start: number; ticks: Map<string, Tick> }>();
  let ticks = 0;
  let duplicateTicks = 0;
  for (const record of decoded.records) {
    for (const tick of record.ticks) {
      const start = minuteStart(tick.ts);
      if (!inRange(range, tick.symbol, start)) {
        continue;
      }
      ticks += 1;
      const key = barKey(tick.symbol, start);
      let group = trades.get(key);
      if (group === undefined) {
        group = { symbol: tick.symbol, start, ticks: new Map() };
        trades.set(key, group);
      }
      if (group.ticks.has(tick.tradeId)) {
        duplicateTicks += 1;
      } else {
        const { symbol, price, size, ts, tradeId } = tick;
        group.ticks.set(tradeId, { symbol, price, size, ts, tradeId });
      }
    }
  }
  const bars: ArchiveBar[] = [];
  for (const [key, group] of trades) {
    const distinct = [...group.ticks.values()];
    const bar = applyTrades(undefined, distinct, () => false).bar;
    if (bar !== undefined) {
      bars.push({ key, symbol: group.symbol, start: group.start, bar, trades: distinct });
    }
  }
  bars.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.start - b.start));
  return {
    bars: new Map(bars.map((bar) => [bar.key, bar])),
    symbols: [...new Set(bars.map((bar) => bar.symbol))].sort(),
    records: records.length,
    ticks,
    duplicateTicks,
    malformedRecords: decoded.malformed.filter((entry) => entry.tickIndex === null).length,
    malformedTicks: decoded.malformed.filter((entry) => entry.tickIndex !== null).length,
  };
}
