import type { Bar, SequencedTick } from "./bar";
import { BarAccumulator, mergeBars } from "./bar";
import type { DecodedStreamRecord } from "./record";
import { compareSequenceNumbers, maxSequenceNumber } from "./sequence";
import { MINUTE_MS, minuteStart } from "./time";

// Module-level references for the per-tick path: esbuild's CommonJS output (what tsx runs, as in
// `npm run bench`) reads every imported binding through two export accessors at each use.
const compareSequences = compareSequenceNumbers;
const maxSequence = maxSequenceNumber;
const minuteOf = minuteStart;
const MINUTE = MINUTE_MS;
const Accumulator = BarAccumulator;

/**
 * Exactly-once effect on redelivery.
 *
 * Kinesis delivers a partition key's records in sequence-number order within a shard, also when
 * Lambda splits a shard into several concurrent batch streams (parallelization factor > 1):
 * a partition key always goes to the same stream. Retries (reported failures, bisected batches,
 * restarts) redeliver a contiguous run of that stream starting at or before the first record not
 * yet applied.
 *
 * So each stored bar keeps, per (shard, partition key) that has contributed to it, the highest
 * sequence number applied: its watermark. A record at or below the watermark of its stream has
 * already been applied to that bar and is skipped; one above it has not. A record's ticks for a
 * bar are applied together with the watermark in one conditional write, so the two never diverge.
 * Sequence numbers are ordered only within a shard, hence the shard in the key; the partition key
 * is in the key because only a partition key's records are ordered with parallelization, and a
 * record may carry ticks of another symbol than its partition key.
 */

/** Watermark map key of a record's stream. Shard ids contain no `/`. */
export function watermarkKey(shardId: string, partitionKey: string): string {
  return `${shardId}/${partitionKey}`;
}

/** A stored 1-minute bar together with the watermarks of the records applied to it. */
export interface BarState {
  readonly bar: Bar;
  /** Watermark key -> highest applied sequence number. */
  readonly watermarks: Readonly<Record<string, string>>;
}

/** What one record adds to one bar. */
export interface Contribution {
  /** {@link watermarkKey} of the record. */
  readonly stream: string;
  readonly sequenceNumber: string;
  /** The record's ticks that fall into this bar (at least one). */
  readonly ticks: readonly SequencedTick[];
}

/** All contributions of a batch to one 1-minute bar. */
export interface BarUpdate {
  /** `SYMBOL|startMs`, unique per bar. */
  readonly key: string;
  readonly symbol: string;
  /** Minute start, epoch milliseconds. */
  readonly start: number;
  readonly contributions: readonly Contribution[];
  /** Ticks over all contributions. */
  readonly ticks: number;
  /** Lowest sequence number among the contributions: where a retry must start to cover this bar. */
  readonly earliestSequenceNumber: string;
}

export function barKey(symbol: string, start: number): string {
  return `${symbol}|${start}`;
}

interface MutableUpdate {
  key: string;
  symbol: string;
  start: number;
  contributions: Contribution[];
  ticks: number;
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

  add(symbol: string, start: number, contribution: Contribution): void {
    const update = this.find(symbol, start);
    if (update === undefined) {
      const created: MutableUpdate = {
        key: barKey(symbol, start),
        symbol,
        start,
        contributions: [contribution],
        ticks: contribution.ticks.length,
        earliestSequenceNumber: contribution.sequenceNumber,
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
    update.contributions.push(contribution);
    update.ticks += contribution.ticks.length;
    // Records usually arrive in order: the earliest is then the lower side, a single scan.
    if (compareSequences(update.earliestSequenceNumber, contribution.sequenceNumber) > 0) {
      update.earliestSequenceNumber = contribution.sequenceNumber;
    }
  }
}

/** Watermark keys of a batch's streams, built once per (shard, partition key). */
class StreamKeys {
  private shardId: string | undefined;
  private readonly byPartitionKey = new Map<string, string>();

  private lastPartitionKey: string | undefined;
  private lastKey = "";

  get(shardId: string, partitionKey: string): string {
    if (shardId !== this.shardId) {
      this.shardId = shardId;
      this.byPartitionKey.clear();
      this.lastPartitionKey = undefined;
    } else if (partitionKey === this.lastPartitionKey) {
      // Producers often put a partition key's records one after another.
      return this.lastKey;
    }
    let key = this.byPartitionKey.get(partitionKey);
    if (key === undefined) {
      key = watermarkKey(shardId, partitionKey);
      this.byPartitionKey.set(partitionKey, key);
    }
    this.lastPartitionKey = partitionKey;
    this.lastKey = key;
    return key;
  }
}

/**
 * Groups a batch's valid ticks by 1-minute bar and, within a bar, by record. Bars come out in the
 * order they first appear; contributions in record order.
 */
export function planBarUpdates(records: readonly DecodedStreamRecord[]): BarUpdate[] {
  const index = new BarIndex();
  const streams = new StreamKeys();
  for (const { shardId, partitionKey, sequenceNumber, ticks } of records) {
    if (ticks.length === 0) {
      continue;
    }
    const stream = streams.get(shardId, partitionKey);
    const first = ticks[0];
    const start = minuteOf(first.ts);
    if (inOneBar(ticks, first.symbol, start)) {
      // The common record: all its ticks in one bar, so the record's own array is the group.
      index.add(first.symbol, start, { stream, sequenceNumber, ticks });
      continue;
    }
    for (const group of groupByBar(ticks)) {
      index.add(group.symbol, group.start, { stream, sequenceNumber, ticks: group.ticks });
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

interface TickGroup {
  readonly symbol: string;
  readonly start: number;
  readonly ticks: SequencedTick[];
}

/** A record's ticks by bar, in order of first appearance (records hold few bars: a scan). */
function groupByBar(ticks: readonly SequencedTick[]): TickGroup[] {
  const groups: TickGroup[] = [];
  for (const tick of ticks) {
    const start = minuteOf(tick.ts);
    const group = groups.find((g) => g.start === start && g.symbol === tick.symbol);
    if (group === undefined) {
      groups.push({ symbol: tick.symbol, start, ticks: [tick] });
    } else {
      group.ticks.push(tick);
    }
  }
  return groups;
}

/** The result of applying contributions to a stored bar. */
export interface AppliedContributions {
  /** The new state; `undefined` only when there was no bar and nothing was applied. */
  readonly state: BarState | undefined;
  /** Whether anything was applied, i.e. whether the bar must be written. */
  readonly changed: boolean;
  readonly appliedTicks: number;
  readonly appliedRecords: number;
  /** Ticks of records at or below their stream's watermark: redeliveries. */
  readonly duplicateTicks: number;
  readonly duplicateRecords: number;
}

/**
 * The idempotency rule. Applies every contribution above the stored watermark of its stream and
 * raises the watermarks to the highest applied sequence numbers. The result does not depend on
 * the order of `contributions`, and applying contributions already applied changes nothing.
 */
export function applyContributions(
  current: BarState | undefined,
  contributions: readonly Contribution[],
): AppliedContributions {
  const stored = current?.watermarks;
  let watermarks: Record<string, string> | undefined;
  // The ticks of every record to apply go straight into one accumulator, then one merge.
  let added: BarAccumulator | undefined;
  let appliedTicks = 0;
  let appliedRecords = 0;
  let duplicateTicks = 0;
  let duplicateRecords = 0;
  // A stream's contributions usually come one after another: its stored watermark is looked up,
  // and its raised one written, once per run of them.
  let runStream: string | undefined;
  let runStored: string | undefined;
  let runHighest: string | undefined;
  for (const contribution of contributions) {
    const { stream, sequenceNumber, ticks } = contribution;
    if (stream !== runStream) {
      if (runStream !== undefined && runHighest !== undefined) {
        watermarks = raiseWatermark(watermarks, stored, runStream, runHighest);
      }
      runStream = stream;
      runStored =
        stored !== undefined && Object.hasOwn(stored, stream) ? stored[stream] : undefined;
      runHighest = undefined;
    }
    if (runStored !== undefined && compareSequences(sequenceNumber, runStored) <= 0) {
      duplicateTicks += ticks.length;
      duplicateRecords += 1;
      continue;
    }
    for (let i = 0; i < ticks.length; i += 1) {
      if (added === undefined) {
        added = new Accumulator(ticks[i]);
      } else {
        added.add(ticks[i]);
      }
    }
    appliedTicks += ticks.length;
    appliedRecords += 1;
    runHighest = maxSequence(runHighest, sequenceNumber);
  }
  if (runStream !== undefined && runHighest !== undefined) {
    watermarks = raiseWatermark(watermarks, stored, runStream, runHighest);
  }
  if (watermarks === undefined || added === undefined) {
    return {
      state: current,
      changed: false,
      appliedTicks,
      appliedRecords,
      duplicateTicks,
      duplicateRecords,
    };
  }
  const bar = current === undefined ? added.bar() : mergeBars(current.bar, added.bar());
  return {
    state: { bar, watermarks },
    changed: true,
    appliedTicks,
    appliedRecords,
    duplicateTicks,
    duplicateRecords,
  };
}

/** The watermarks with `stream`'s raised to `sequenceNumber` (a copy of `stored` on first write). */
function raiseWatermark(
  watermarks: Record<string, string> | undefined,
  stored: Readonly<Record<string, string>> | undefined,
  stream: string,
  sequenceNumber: string,
): Record<string, string> {
  if (watermarks === undefined && stored === undefined) {
    // A new bar: its first watermark, nothing to copy or compare. Assigned rather than written as
    // a computed-key literal, which takes a much slower path for keys it has not seen at this site.
    const first: Record<string, string> = {};
    first[stream] = sequenceNumber;
    return first;
  }
  const raised = watermarks ?? { ...stored };
  raised[stream] = maxSequence(
    Object.hasOwn(raised, stream) ? raised[stream] : undefined,
    sequenceNumber,
  );
  return raised;
}
