import type { Bar, SequencedTick } from "./bar";
import { barFromTicks, mergeBars } from "./bar";
import type { DecodedStreamRecord } from "./record";
import { compareSequenceNumbers, maxSequenceNumber } from "./sequence";
import { minuteStart } from "./time";

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
 * Groups a batch's valid ticks by 1-minute bar and, within a bar, by record. Bars come out in the
 * order they first appear; contributions in record order.
 */
export function planBarUpdates(records: readonly DecodedStreamRecord[]): BarUpdate[] {
  const updates = new Map<string, MutableUpdate>();
  const add = (key: string, contribution: Contribution): void => {
    const update = updates.get(key);
    if (update === undefined) {
      const first = contribution.ticks[0];
      updates.set(key, {
        key,
        symbol: first.symbol,
        start: minuteStart(first.ts),
        contributions: [contribution],
        ticks: contribution.ticks.length,
        earliestSequenceNumber: contribution.sequenceNumber,
      });
      return;
    }
    update.contributions.push(contribution);
    update.ticks += contribution.ticks.length;
    if (compareSequenceNumbers(contribution.sequenceNumber, update.earliestSequenceNumber) < 0) {
      update.earliestSequenceNumber = contribution.sequenceNumber;
    }
  };
  for (const { shardId, partitionKey, sequenceNumber, ticks } of records) {
    if (ticks.length === 0) {
      continue;
    }
    const stream = watermarkKey(shardId, partitionKey);
    if (ticks.length === 1) {
      // The common record: one tick, one bar.
      add(barKey(ticks[0].symbol, minuteStart(ticks[0].ts)), { stream, sequenceNumber, ticks });
      continue;
    }
    for (const [key, group] of groupByBar(ticks)) {
      add(key, { stream, sequenceNumber, ticks: group });
    }
  }
  return [...updates.values()];
}

function groupByBar(ticks: readonly SequencedTick[]): Map<string, SequencedTick[]> {
  const groups = new Map<string, SequencedTick[]>();
  for (const tick of ticks) {
    const key = barKey(tick.symbol, minuteStart(tick.ts));
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, [tick]);
    } else {
      group.push(tick);
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
  const stored = current?.watermarks ?? {};
  let watermarks: Record<string, string> | undefined;
  // The ticks of every record to apply go through one aggregation pass, then one merge.
  const applied: SequencedTick[] = [];
  let appliedRecords = 0;
  let duplicateTicks = 0;
  let duplicateRecords = 0;
  for (const contribution of contributions) {
    const watermark = Object.hasOwn(stored, contribution.stream)
      ? stored[contribution.stream]
      : undefined;
    if (
      watermark !== undefined &&
      compareSequenceNumbers(contribution.sequenceNumber, watermark) <= 0
    ) {
      duplicateTicks += contribution.ticks.length;
      duplicateRecords += 1;
      continue;
    }
    for (const tick of contribution.ticks) {
      applied.push(tick);
    }
    watermarks ??= { ...stored };
    watermarks[contribution.stream] = maxSequenceNumber(
      Object.hasOwn(watermarks, contribution.stream) ? watermarks[contribution.stream] : undefined,
      contribution.sequenceNumber,
    );
    appliedRecords += 1;
  }
  const counts = { appliedTicks: applied.length, appliedRecords, duplicateTicks, duplicateRecords };
  if (watermarks === undefined || applied.length === 0) {
    return { state: current, changed: false, ...counts };
  }
  const added = barFromTicks(applied);
  const bar = current === undefined ? added : mergeBars(current.bar, added);
  return { state: { bar, watermarks }, changed: true, ...counts };
}
