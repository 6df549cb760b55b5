import type { Bar, SequencedTick } from "./bar";
import { BarAccumulator, mergeBars } from "./bar";
import type { DecodedStreamRecord } from "./record";
import { compareSequenceNumbers } from "./sequence";
import type { Tick } from "./tick";
import { MINUTE_MS, minuteStart } from "./time";

// Module-level references for the per-tick path: esbuild's CommonJS output (what tsx runs, as in
// `npm run bench`) reads every imported binding through two export accessors at each use.
const compareSequences = compareSequenceNumbers;
const minuteOf = minuteStart;
const MINUTE = MINUTE_MS;
const Accumulator = BarAccumulator;

/**
 * Exactly-once effect, whatever the delivery.
 *
 * A trade's identity is (symbol, tradeId), and a bar is the fold of the SET of distinct trades of
 * its symbol and minute: each stored bar keeps the ids of the trades it has counted (see
 * `trade-set.ts` for the encoding), and a tick whose trade is already in the set is a duplicate.
 * Set union is commutative, associative and idempotent, so the result does not depend on delivery:
 * Kinesis redeliveries, retries from a reported failure, bisected batches in any order, duplicate
 * invocations, any parallelization factor or number of partition keys, resharding, a re-created
 * stream, a producer re-putting ticks as new records (same or another shard), an operator replaying
 * a dead-lettered range or an hour of the archive. No sequence number takes part, so nothing that
 * was never applied can ever be mistaken for applied.
 */

/** All ticks of a batch that fall into one 1-minute bar. */
export interface BarUpdate {
  /** `SYMBOL|startMs`, unique per bar. */
  readonly key: string;
  readonly symbol: string;
  /** Minute start, epoch milliseconds. */
  readonly start: number;
  /** The bar's ticks in batch order, repeats included. */
  readonly ticks: readonly SequencedTick[];
  /** Lowest sequence number among the ticks' records: where a retry must start to cover this bar. */
  readonly earliestSequenceNumber: string;
}

export function barKey(symbol: string, start: number): string {
  return `${symbol}|${start}`;
}

interface MutableUpdate {
  key: string;
  symbol: string;
  start: number;
  ticks: SequencedTick[];
  earliestSequenceNumber: string;
}

/**
 * The bars of one batch, found by symbol and then by minute start: a batch touches few minutes
 * per symbol, so a short scan beats building a `SYMBOL|start` string key for every tick.
 */
class BarIndex {
  readonly updates: MutableUpdate[] = [];
  private readonly bySymbol = new Map<string, MutableUpdate[]>();

  find(symbol: string, start: number): MutableUpdate | undefined {
    const bars = this.bySymbol.get(symbol);
    if (bars !== undefined) {
      for (const update of bars) {
        if (update.start === start) {
          return update;
        }
      }
    }
    return undefined;
  }

  add(symbol: string, start: number, sequenceNumber: string, ticks: readonly SequencedTick[]) {
    const update = this.find(symbol, start);
    if (update === undefined) {
      const created: MutableUpdate = {
        key: barKey(symbol, start),
        symbol,
        start,
        ticks: [...ticks],
        earliestSequenceNumber: sequenceNumber,
      };
      this.updates.push(created);
      const bars = this.bySymbol.get(symbol);
      if (bars === undefined) {
        this.bySymbol.set(symbol, [created]);
      } else {
        bars.push(created);
      }
      return;
    }
    for (let i = 0; i < ticks.length; i += 1) {
      update.ticks.push(ticks[i]);
    }
    // Records usually arrive in order: the earliest is then the lower side, a single scan.
    if (compareSequences(update.earliestSequenceNumber, sequenceNumber) > 0) {
      update.earliestSequenceNumber = sequenceNumber;
    }
  }
}

/** Groups a batch's valid ticks by 1-minute bar. Bars come out in the order they first appear. */
export function planBarUpdates(records: readonly DecodedStreamRecord[]): BarUpdate[] {
  const index = new BarIndex();
  for (const { sequenceNumber, ticks } of records) {
    if (ticks.length === 0) {
      continue;
    }
    const first = ticks[0];
    const start = minuteOf(first.ts);
    if (inOneBar(ticks, first.symbol, start)) {
      // The common record: all its ticks in one bar.
      index.add(first.symbol, start, sequenceNumber, ticks);
      continue;
    }
    for (const tick of ticks) {
      index.add(tick.symbol, minuteOf(tick.ts), sequenceNumber, [tick]);
    }
  }
  return index.updates;
}

function inOneBar(ticks: readonly SequencedTick[], symbol: string, start: number): boolean {
  const end = start + MINUTE;
  for (let i = 1; i < ticks.length; i += 1) {
    const tick = ticks[i];
    if (tick.symbol !== symbol || tick.ts < start || tick.ts >= end) {
      return false;
    }
  }
  return true;
}

/** What applying ticks to a bar did. */
export interface AppliedTrades<T extends Tick = Tick> {
  /** The bar after the new trades; `undefined` only when there was no bar and nothing was new. */
  readonly bar: Bar | undefined;
  /** The distinct trades that were not yet counted, in the order first seen. */
  readonly added: readonly T[];
  /** Ticks whose trade was already counted, or repeated within `ticks`. */
  readonly duplicateTicks: number;
}

/**
 * The idempotency rule: adds to `current` every trade of `ticks` that `isCounted` does not know
 * and that does not repeat an earlier tick of `ticks`. The same trade id twice is one trade; its
 * first occurrence counts (a producer re-put carries the same trade, so the two are equal).
 * Applying the same ticks again to the result adds nothing.
 */
export function applyTrades<T extends Tick>(
  current: Bar | undefined,
  ticks: readonly T[],
  isCounted: (tradeId: string) => boolean,
): AppliedTrades<T> {
  const seen = new Set<string>();
  const added: T[] = [];
  let accumulator: BarAccumulator | undefined;
  let duplicateTicks = 0;
  for (let i = 0; i < ticks.length; i += 1) {
    const tick = ticks[i];
    const id = tick.tradeId;
    if (seen.has(id) || isCounted(id)) {
      duplicateTicks += 1;
      continue;
    }
    seen.add(id);
    added.push(tick);
    if (accumulator === undefined) {
      accumulator = new Accumulator(tick);
    } else {
      accumulator.add(tick);
    }
  }
  if (accumulator === undefined) {
    return { bar: current, added, duplicateTicks };
  }
  const fresh = accumulator.bar();
  return {
    bar: current === undefined ? fresh : mergeBars(current, fresh),
    added,
    duplicateTicks,
  };
}
