import { ScanCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBClient, ScanCommandOutput } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";
import type { Bar, SequencedTick } from "../../../functions/domain/bar";
import { barKey } from "../../../functions/domain/idempotency";
import type { Tick } from "../../../functions/domain/tick";
import { minuteStart } from "../../../functions/domain/time";
import type { Item, StoredBar } from "../../../functions/shared/bar-codec";
import { BAR_PARTITION_PREFIX, decodeStoredBar } from "../../../functions/shared/bar-codec";
import { referenceBar } from "./arbitraries";
import { kinesisEventRecord, sequenceNumber } from "./kinesis-events";

/** Seeded synthetic ticks and the bars they must produce, for handler tests. */

export const MARKET_START = Date.UTC(2024, 4, 1, 13, 45);

/**
 * The processor's clock in tests: a fixed time, so that no bar of a test (2024 onwards, 7-day
 * retention) is past its retention whenever the tests run. Tests of retention set their own.
 */
export const TEST_CLOCK = (): number => MARKET_START;

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function symbolsFor(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `SYM${String(i).padStart(2, "0")}`);
}

/**
 * `count` ticks over `symbols` within `minutes` minutes from {@link MARKET_START}: cent prices
 * around 100, sizes with up to 4 decimals, trade ids unique per symbol and seed, timestamps that repeat.
 */
export function syntheticTicks(
  seed: number,
  count: number,
  symbols: readonly string[],
  minutes = 3,
): Tick[] {
  const next = random(seed);
  const tradeCounters = new Map<string, number>();
  return Array.from({ length: count }, () => {
    const symbol = symbols[Math.floor(next() * symbols.length)];
    const tradeNumber = (tradeCounters.get(symbol) ?? 0) + 1;
    tradeCounters.set(symbol, tradeNumber);
    return {
      symbol,
      price: Math.round(9_000 + next() * 2_000) / 100,
      size: Math.round(1 + next() * 5_000_000) / 10_000,
      ts: MARKET_START + Math.floor(next() * minutes * 60) * 1_000,
      // Unique per seed too: two seeds' ticks are different trades.
      tradeId: `${symbol}-${seed}-${tradeNumber}`,
    };
  });
}

export interface RecordOptions {
  readonly shardId?: string;
  /** Sequence number index of the first record (see `sequenceNumber`). @default 1 */
  readonly firstSequence?: number;
  /** Ticks per record: 1 writes a single tick object, more writes arrays. @default 1 */
  readonly ticksPerRecord?: number;
  /** Partition key of every record. @default - the symbol of the record's first tick */
  readonly partitionKey?: string;
}

export interface TestRecords {
  readonly records: KinesisStreamRecord[];
  /** The ticks with their sequence numbers and positions, as the processor sees them. */
  readonly sequenced: SequencedTick[];
}

/** Packs ticks into Kinesis event records, in order. */
export function tickRecords(ticks: readonly Tick[], options: RecordOptions = {}): TestRecords {
  const shardId = options.shardId ?? "shardId-000000000000";
  const perRecord = options.ticksPerRecord ?? 1;
  const records: KinesisStreamRecord[] = [];
  const sequenced: SequencedTick[] = [];
  for (let i = 0, n = options.firstSequence ?? 1; i < ticks.length; i += perRecord, n += 1) {
    const group = ticks.slice(i, i + perRecord);
    const seq = sequenceNumber(n);
    const body = perRecord === 1 ? group[0] : group;
    records.push(
      kinesisEventRecord({
        shardId,
        sequenceNumber: seq,
        partitionKey: options.partitionKey ?? group[0].symbol,
        data: Buffer.from(JSON.stringify(body)),
        approximateArrivalTimestamp: 1_714_571_100 + n / 1000,
      }),
    );
    group.forEach((tick, index) => sequenced.push({ ...tick, seq, index }));
  }
  return { records, sequenced };
}

/** The bars `ticks` must produce (plain reference computation), keyed like the processor's updates. */
export function expectedBars(ticks: readonly SequencedTick[]): Map<string, Bar> {
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
  return new Map([...groups].map(([key, group]) => [key, referenceBar(group)]));
}

/** Every item of the table, decoded. */
export async function scanBars(
  client: DynamoDBClient,
  tableName: string,
): Promise<Map<string, StoredBar>> {
  const bars = new Map<string, StoredBar>();
  let start: Item | undefined;
  do {
    const page: ScanCommandOutput = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      // Page items of large trade sets live beside the bars; only bar items are bars.
      if (item.pk?.S?.startsWith(BAR_PARTITION_PREFIX) !== true) {
        continue;
      }
      const stored = decodeStoredBar(item);
      bars.set(barKey(stored.bar.symbol, stored.bar.start), stored);
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return bars;
}

/** Just the bars of {@link scanBars}, to compare with {@link expectedBars}. */
export async function scanBarValues(
  client: DynamoDBClient,
  tableName: string,
): Promise<Map<string, Bar>> {
  const stored = await scanBars(client, tableName);
  return new Map([...stored].map(([key, value]) => [key, value.bar]));
}
