import type { _Record as KinesisRecord } from "@aws-sdk/client-kinesis";
import type { KinesisStreamEvent } from "aws-lambda";
import type { StreamRecord } from "../../functions/domain";
import { kinesisEvent } from "../local-aws/kinesis-batch";
import { SyntheticMarket, type MarketRecord } from "../market/synthetic-market";

export const BENCH_SHARD = "shardId-000000000000";
export const BENCH_STREAM_ARN =
  "arn:aws:kinesis:us-east-1:000000000000:stream/bench-market-data-us-east-1-local";

/** A Kinesis-like sequence number: 56 digits, increasing with `index`. */
export function sequenceNumber(index: number): string {
  return `4968060053${String(index).padStart(46, "0")}`;
}

export interface BenchRecords {
  readonly records: readonly MarketRecord[];
  /** Tick payloads over all records (valid and malformed). */
  readonly ticks: number;
}

/** Records of a seeded market until it has produced at least `ticks` ticks. */
export function marketRecords(options: {
  readonly ticks: number;
  readonly symbols: number;
  readonly faults: number;
  readonly startMs: number;
  readonly ticksPerSecond: number;
  readonly seed?: number;
}): BenchRecords {
  const market = new SyntheticMarket({
    seed: options.seed ?? 7,
    symbolCount: options.symbols,
    faultFraction: options.faults,
    startMs: options.startMs,
    ticksPerSecond: options.ticksPerSecond,
  });
  const records: MarketRecord[] = [];
  while (market.ticksGenerated < options.ticks) {
    records.push(market.next());
  }
  return { records, ticks: market.ticksGenerated };
}

/** Splits records into consecutive groups holding `ticksPerGroup` ticks each (the last may hold fewer). */
export function groupByTicks(
  records: readonly MarketRecord[],
  ticksPerGroup: number,
): MarketRecord[][] {
  const groups: MarketRecord[][] = [];
  let current: MarketRecord[] = [];
  let ticks = 0;
  for (const record of records) {
    current.push(record);
    ticks += record.validTicks.length + record.malformedTicks;
    if (ticks >= ticksPerGroup) {
      groups.push(current);
      current = [];
      ticks = 0;
    }
  }
  if (current.length > 0) {
    groups.push(current);
  }
  return groups;
}

/** Domain stream records (base64 data), numbered from `firstIndex`. */
export function streamRecords(records: readonly MarketRecord[], firstIndex = 0): StreamRecord[] {
  return records.map((record, offset) => ({
    shardId: BENCH_SHARD,
    sequenceNumber: sequenceNumber(firstIndex + offset),
    partitionKey: record.partitionKey,
    data: Buffer.from(record.data, "utf8").toString("base64"),
    approximateArrivalTimestamp: Date.now() / 1000,
  }));
}

/** The Lambda event of one batch, numbered from `firstIndex`. */
export function benchEvent(
  records: readonly MarketRecord[],
  firstIndex: number,
): KinesisStreamEvent {
  const kinesisRecords: KinesisRecord[] = records.map((record, offset) => ({
    SequenceNumber: sequenceNumber(firstIndex + offset),
    PartitionKey: record.partitionKey,
    Data: Buffer.from(record.data, "utf8"),
    ApproximateArrivalTimestamp: new Date(),
  }));
  return kinesisEvent(kinesisRecords, {
    streamName: "bench-market-data-us-east-1-local",
    streamArn: BENCH_STREAM_ARN,
    shardId: BENCH_SHARD,
    region: "us-east-1",
    functionName: "bench-market-processor-us-east-1-local",
    invokeIdentityArn: "arn:aws:iam::000000000000:role/bench-market-processor-us-east-1-local",
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
