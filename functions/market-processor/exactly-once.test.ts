import { randomUUID } from "node:crypto";
import { DeleteItemCommand, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";
import {
  createAnalyticsTable,
  localDynamoDbClient,
  startLocalAws,
} from "../../scripts/local-aws/local-aws";
import type { LocalAws } from "../../scripts/local-aws/local-aws";
import { onDynamoDbLocal } from "../../tests/support/dynamodb-local";
import type { Tick } from "../domain/tick";
import {
  kinesisEvent,
  kinesisEventRecord,
  sequenceNumber,
} from "../../tests/support/functions/kinesis-events";
import {
  MARKET_START,
  expectedBars,
  scanBarValues,
  scanBars,
  TEST_CLOCK,
} from "../../tests/support/functions/market";
import { RecordingMetrics, silentLogger } from "../../tests/support/functions/observability";
import { beforeCommand, countCommands } from "../../tests/support/functions/sdk";
import { createMarketProcessor } from "./processor";
import type { MarketProcessorOptions } from "./processor";
import { INLINE_SET_MAX_BYTES, PAGE_MAX_BYTES } from "./trade-set-writes";

/**
 * The exactly-once guarantee against the delivery faults that broke the earlier sequence-number
 * watermarks: each test is one of those faults, and fails on a processor that tracks records
 * instead of trades.
 */

let local: LocalAws;
let tableCounter = 0;

beforeAll(async () => {
  local = await startLocalAws({ services: ["dynamodb"], setEnv: false });
});

afterAll(async () => {
  await local.stop();
});

async function newTable(): Promise<{ client: DynamoDBClient; tableName: string }> {
  tableCounter += 1;
  const tableName = `dev-market-analytics-exactly-once-${tableCounter}`;
  const client = localDynamoDbClient(local);
  await createAnalyticsTable(client, tableName);
  return { client, tableName };
}

function processorFor(
  client: DynamoDBClient,
  tableName: string,
  overrides: Partial<MarketProcessorOptions> = {},
) {
  return createMarketProcessor({
    dynamodb: client,
    tableName,
    barTtlDays: 7,
    logger: silentLogger(),
    metrics: new RecordingMetrics(),
    backoffMs: () => 1,
    now: TEST_CLOCK,
    ...overrides,
  });
}

const SHARD_0 = "shardId-000000000000";
const SHARD_1 = "shardId-000000000001";

function record(
  shardId: string,
  n: number,
  body: unknown,
  partitionKey = "AAPL",
): KinesisStreamRecord {
  return kinesisEventRecord({
    shardId,
    sequenceNumber: sequenceNumber(n),
    partitionKey,
    data: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
    approximateArrivalTimestamp: MARKET_START / 1000 + n / 1000,
  });
}

const tick = (tradeId: string, overrides: Partial<Tick> = {}): Tick => ({
  symbol: "AAPL",
  price: 190.25,
  size: 100,
  ts: MARKET_START + 1_000,
  tradeId,
  ...overrides,
});

/** The trade-set page items of the table (one scan page: the tests' tables are small). */
async function pageItems(client: DynamoDBClient, tableName: string) {
  const scan = await client.send(
    new ScanCommand({
      TableName: tableName,
      FilterExpression: "begins_with(pk, :pages)",
      ExpressionAttributeValues: { ":pages": { S: "TRADES#" } },
    }),
  );
  return scan.Items ?? [];
}

/** Bar and page items of the table, with their sizes as DynamoDB counts them (roughly). */
async function itemSizes(client: DynamoDBClient, tableName: string): Promise<number[]> {
  const sizes: number[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      let size = 0;
      for (const [name, value] of Object.entries(item)) {
        size += name.length;
        size += value.B?.length ?? (value.S ?? value.N ?? "").length;
      }
      sizes.push(size);
    }
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start !== undefined);
  return sizes;
}

describe("each distinct trade counts exactly once, whatever the delivery", () => {
  it("counts a discarded record when it is replayed after a later record of the same bar was applied", async () => {
    const { client, tableName } = await newTable();
    const failing = localDynamoDbClient(local);
    let discarded = true;
    beforeCommand(failing, (command) => {
      if (discarded && command === "PutItemCommand") {
        throw new Error("injected: the table rejects every write of this batch");
      }
    });
    const r1 = record(SHARD_0, 1, tick("t1"));
    const r2 = record(SHARD_0, 2, tick("t2", { ts: MARKET_START + 2_000 }));

    // r1 fails until the mapping gives up on it (its batch goes to the dead-letter queue).
    const failed = await processorFor(failing, tableName).processBatch(kinesisEvent([r1]));
    expect(failed.response).toEqual({
      batchItemFailures: [{ itemIdentifier: sequenceNumber(1) }],
    });
    discarded = false;
    // r2, of the same shard, partition key and bar, is applied.
    await processorFor(client, tableName).processBatch(kinesisEvent([r2]));
    // r1 replayed from the dead-letter queue's pointer.
    const replay = await processorFor(client, tableName).processBatch(kinesisEvent([r1]));

    expect(replay.summary).toMatchObject({ appliedTicks: 1, duplicateTicks: 0 });
    const [bar] = (await scanBarValues(client, tableName)).values();
    expect(bar.trades).toBe(2);
    expect(bar.volume).toBe(200n * 10n ** 10n);
  });

  it("counts a producer's re-put once, under a new sequence number of the same or another shard", async () => {
    const { client, tableName } = await newTable();
    const metrics = new RecordingMetrics();
    const processor = processorFor(client, tableName, { metrics });
    const ticks = [tick("t1"), tick("t2", { price: 190.5 })];
    await processor.processBatch(kinesisEvent([record(SHARD_0, 1, ticks)]));

    // PutRecords timed out and was retried: the same ticks as new records.
    const samesShard = await processor.processBatch(kinesisEvent([record(SHARD_0, 7, ticks)]));
    const otherShard = await processor.handler(
      kinesisEvent([record(SHARD_1, 900, ticks[0]), record(SHARD_1, 901, ticks[1])]),
      (await import("../../tests/support/functions/kinesis-events")).lambdaContext(),
    );

    expect(samesShard.summary).toMatchObject({
      appliedTicks: 0,
      duplicateTicks: 2,
      barsWritten: 0,
      barsUnchanged: 1,
    });
    expect(otherShard).toEqual({ batchItemFailures: [] });
    expect(metrics.published.at(-1)).toMatchObject({ DuplicateTicks: 2, TicksApplied: 0 });
    expect(await scanBarValues(client, tableName)).toEqual(
      expectedBars(ticks.map((t, index) => ({ ...t, seq: "1", index }))),
    );
  });

  it('treats tradeId 7 and "7" as one trade, and one id under two symbols as two trades', async () => {
    const { client, tableName } = await newTable();
    const processor = processorFor(client, tableName);
    const result = await processor.processBatch(
      kinesisEvent([
        record(SHARD_0, 1, { ...tick("x"), tradeId: 7 }),
        record(SHARD_0, 2, { ...tick("x"), tradeId: "7" }),
        record(SHARD_0, 3, { ...tick("x"), symbol: "MSFT", tradeId: 7 }, "MSFT"),
      ]),
    );
    expect(result.summary).toMatchObject({ appliedTicks: 2, duplicateTicks: 1, bars: 2 });
    const bars = await scanBarValues(client, tableName);
    expect([...bars.values()].map((bar) => [bar.symbol, bar.trades]).sort()).toEqual([
      ["AAPL", 1],
      ["MSFT", 1],
    ]);
  });

  it("counts trades of a re-created stream whose shard ids and sequence numbers start over", async () => {
    const { client, tableName } = await newTable();
    const processor = processorFor(client, tableName);
    await processor.processBatch(kinesisEvent([record(SHARD_0, 500, tick("before"))]));
    // The stream was deleted and created again: shardId-000000000000 starts at low numbers.
    const result = await processor.processBatch(
      kinesisEvent([record(SHARD_0, 1, tick("after", { ts: MARKET_START + 3_000 }))]),
    );
    expect(result.summary).toMatchObject({ appliedTicks: 1, duplicateTicks: 0 });
    const [bar] = (await scanBarValues(client, tableName)).values();
    expect(bar.trades).toBe(2);
  });

  onDynamoDbLocal("transactions")(
    "keeps a bar writable whatever the number of partition keys feeding it",
    async () => {
      const { client, tableName } = await newTable();
      const processor = processorFor(client, tableName);
      // 3,000 random partition keys (producers spreading load), one trade each, one bar.
      const records = Array.from({ length: 3_000 }, (_, i) =>
        record(SHARD_0, i + 1, tick(String(1_000_000 + i)), randomUUID()),
      );
      for (let i = 0; i < records.length; i += 500) {
        const result = await processor.processBatch(kinesisEvent(records.slice(i, i + 500)));
        expect(result.response).toEqual({ batchItemFailures: [] });
      }
      const [stored] = (await scanBars(client, tableName)).values();
      expect(stored.bar.trades).toBe(3_000);
      // Partition keys leave no trace in the bar; sequential numeric ids cost about a byte each.
      expect(Math.max(...(await itemSizes(client, tableName)))).toBeLessThan(
        INLINE_SET_MAX_BYTES + 1_024,
      );
    },
  );

  it("keeps one tick that cannot be stored from poisoning its bar: it is malformed, its neighbours count", async () => {
    const { client, tableName } = await newTable();
    const processor = processorFor(client, tableName);
    const result = await processor.processBatch(
      kinesisEvent([
        record(SHARD_0, 1, [tick("ok-1"), { ...tick("huge"), price: 1e126 }, tick("ok-2")]),
        record(
          SHARD_0,
          2,
          '{"symbol":"AAPL","price":1,"size":1000000000.0000000001,"ts":1714571101000,"tradeId":"rounded"}',
        ),
      ]),
    );
    expect(result.response).toEqual({ batchItemFailures: [] });
    expect(result.summary).toMatchObject({ appliedTicks: 2, malformedTicks: 2 });
    expect(result.malformed.map((entry) => [entry.sequenceNumber, entry.tickIndex])).toEqual([
      [sequenceNumber(1), 1],
      [sequenceNumber(2), 0],
    ]);
    const [bar] = (await scanBarValues(client, tableName)).values();
    expect(bar.trades).toBe(2);
  });
});

describe("a hot bar's large trade set", () => {
  onDynamoDbLocal("transactions")(
    "closes a bar by the earliest TTL among the pages it reads, when an earlier writer left them apart",
    async () => {
      const { client, tableName } = await newTable();
      const seed = Array.from({ length: 400 }, () => tick(randomUUID()));
      await processorFor(client, tableName).processBatch(
        kinesisEvent(seed.map((t, i) => record(SHARD_0, i + 1, t))),
      );
      // Pages stamped by an earlier writer under a 1-day retention, the bar item under 7 days.
      const pageTtl = MARKET_START / 1000 + 86_400;
      const pages = await pageItems(client, tableName);
      for (const item of pages) {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...item, expiresAt: { N: String(pageTtl) } },
          }),
        );
      }

      // Half an hour before those pages expire, ten new trades arrive at a new container.
      const later = processorFor(client, tableName, { now: () => pageTtl * 1000 - 1_800_000 });
      const fresh = Array.from({ length: 10 }, () => tick(randomUUID()));
      const result = await later.processBatch(
        kinesisEvent(fresh.map((t, i) => record(SHARD_0, 1_000 + i, t))),
      );

      expect(result.summary).toMatchObject({
        appliedTicks: 0,
        pastRetentionTicks: 10,
        barsPastRetention: 1,
      });
      expect([...(await scanBarValues(client, tableName)).values()][0]?.trades).toBe(400);
    },
  );

  onDynamoDbLocal("transactions")(
    "keeps a bar's TTL on every later write, pages included, when the retention grows, and closes the bar by it",
    async () => {
      const { client, tableName } = await newTable();
      const DAY = 86_400_000;
      const first = Array.from({ length: 400 }, () => tick(randomUUID()));
      await processorFor(client, tableName).processBatch(
        kinesisEvent(first.map((t, i) => record(SHARD_0, i + 1, t))),
      );
      const created = MARKET_START / 1000 + 7 * 86_400;

      // The retention grows to 30 days; a day later more trades of the bar arrive.
      const grown = processorFor(client, tableName, {
        barTtlDays: 30,
        now: () => MARKET_START + DAY,
      });
      const more = Array.from({ length: 200 }, () => tick(randomUUID()));
      const added = await grown.processBatch(
        kinesisEvent(more.map((t, i) => record(SHARD_0, 1_000 + i, t))),
      );
      expect(added.summary).toMatchObject({ appliedTicks: 200, pastRetentionTicks: 0 });
      const all = await client.send(new ScanCommand({ TableName: tableName }));
      expect(all.Items?.length).toBeGreaterThan(2);
      expect(new Set(all.Items?.map((item) => item.expiresAt?.N))).toEqual(
        new Set([String(created)]),
      );

      // Eight days on, open by the new retention, closed by the bar's own TTL: nothing is counted.
      const later = processorFor(client, tableName, {
        barTtlDays: 30,
        now: () => MARKET_START + 8 * DAY,
      });
      const replay = await later.processBatch(
        kinesisEvent(first.slice(0, 10).map((t, i) => record(SHARD_1, i + 1, t))),
      );
      expect(replay.summary).toMatchObject({
        appliedTicks: 0,
        duplicateTicks: 0,
        pastRetentionTicks: 10,
        barsPastRetention: 1,
        barsWritten: 0,
      });
      expect([...(await scanBarValues(client, tableName)).values()][0]?.trades).toBe(600);
    },
  );

  onDynamoDbLocal("transactions")(
    "never counts a trade again in a bar whose pages TTL deleted first: its ticks are past retention",
    async () => {
      const { client, tableName } = await newTable();
      const seed = Array.from({ length: 400 }, () => tick(randomUUID()));
      const records = seed.map((t, i) => record(SHARD_0, i + 1, t));
      await processorFor(client, tableName).processBatch(kinesisEvent(records));
      expect([...(await scanBars(client, tableName)).values()][0]?.trades.kind).toBe("paged");

      // TTL deletes the bar item and each page on its own, within days of the TTL and in no
      // set order: here every page goes first, the bar item stays.
      const pages = await pageItems(client, tableName);
      expect(pages.length).toBeGreaterThan(1);
      for (const item of pages) {
        await client.send(
          new DeleteItemCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }),
        );
      }

      // A day after the bar's TTL, ten of its trades are delivered again (a replay, a redrive),
      // to a new container that has not seen the bar's pages.
      const later = processorFor(client, tableName, {
        now: () => MARKET_START + 8 * 86_400_000,
      });
      const result = await later.processBatch(kinesisEvent(records.slice(0, 10)));

      expect(result.response).toEqual({ batchItemFailures: [] });
      expect(result.summary).toMatchObject({
        appliedTicks: 0,
        duplicateTicks: 0,
        pastRetentionTicks: 10,
        barsWritten: 0,
      });
      const bar = [...(await scanBarValues(client, tableName)).values()][0];
      expect(bar?.trades).toBe(400);
    },
  );

  onDynamoDbLocal("transactions")(
    "spills into pages, stays exact under re-delivery and keeps every item small",
    async () => {
      const { client, tableName } = await newTable();
      const processor = processorFor(client, tableName);
      const ticks = Array.from({ length: 3_000 }, (_, i) =>
        tick(randomUUID(), { price: 190 + (i % 100) / 100, ts: MARKET_START + (i % 60_000) }),
      );
      const records = ticks.map((t, i) => record(SHARD_0, i + 1, t));
      const counts = countCommands(client);
      for (let i = 0; i < records.length; i += 1_000) {
        const result = await processor.processBatch(kinesisEvent(records.slice(i, i + 1_000)));
        expect(result.response).toEqual({ batchItemFailures: [] });
        expect(result.summary.appliedTicks).toBe(1_000);
      }
      expect(counts.get("TransactWriteItemsCommand")).toBeGreaterThan(0);

      // Everything again, bisected and reordered, plus re-puts on another shard: nothing changes.
      const replay = [...records.slice(1_500), ...records.slice(0, 1_500)];
      let duplicates = 0;
      for (let i = 0; i < replay.length; i += 700) {
        const result = await processor.processBatch(kinesisEvent(replay.slice(i, i + 700)));
        duplicates += result.summary.duplicateTicks;
        expect(result.summary.appliedTicks).toBe(0);
      }
      const reput = await processor.processBatch(
        kinesisEvent(ticks.slice(0, 50).map((t, i) => record(SHARD_1, 10_000 + i, t))),
      );
      expect(duplicates + reput.summary.duplicateTicks).toBe(3_050);

      // Ten new trades: the container knows the set's pages, so one BatchGetItem reads the bar
      // item and the pages together, and one transaction writes them.
      const late = Array.from({ length: 10 }, () => tick(randomUUID()));
      ticks.push(...late);
      const before = new Map(counts);
      await processor.processBatch(
        kinesisEvent(late.map((t, i) => record(SHARD_0, 20_000 + i, t))),
      );
      const sent = (name: string) => (counts.get(name) ?? 0) - (before.get(name) ?? 0);
      expect([sent("BatchGetItemCommand"), sent("TransactWriteItemsCommand")]).toEqual([1, 1]);

      const stored = await scanBars(client, tableName);
      const bar = [...stored.values()][0];
      expect(bar.trades.kind).toBe("paged");
      expect(await scanBarValues(client, tableName)).toEqual(
        expectedBars(ticks.map((t, index) => ({ ...t, seq: "1", index }))),
      );
      const sizes = await itemSizes(client, tableName);
      // One bar item and its pages; 3,000 UUIDs are 48 KB of ids, spread over pages under 1 KB.
      expect(sizes.length).toBeGreaterThan(48_000 / PAGE_MAX_BYTES);
      expect(Math.max(...sizes)).toBeLessThan(2_048);
    },
  );

  onDynamoDbLocal("transactions")(
    "recovers from a lost race on a large set: the transaction is cancelled, re-read and retried",
    async () => {
      const { client, tableName } = await newTable();
      const first = processorFor(client, tableName);
      const seed = Array.from({ length: 400 }, () => tick(randomUUID()));
      await first.processBatch(kinesisEvent(seed.map((t, i) => record(SHARD_0, i + 1, t))));

      const racingClient = localDynamoDbClient(local);
      let raced = false;
      beforeCommand(racingClient, async (command) => {
        if (command === "TransactWriteItemsCommand" && !raced) {
          raced = true;
          // Another shard's trades of the same bar land between this processor's read and write.
          const other = Array.from({ length: 50 }, () => tick(randomUUID()));
          seed.push(...other);
          await first.processBatch(kinesisEvent(other.map((t, i) => record(SHARD_1, i + 1, t))));
        }
      });
      const mine = Array.from({ length: 60 }, () => tick(randomUUID()));
      const result = await processorFor(racingClient, tableName).processBatch(
        kinesisEvent(mine.map((t, i) => record(SHARD_0, 1_000 + i, t))),
      );

      expect(result.summary).toMatchObject({ appliedTicks: 60, writeConflicts: 1, barsFailed: 0 });
      expect(await scanBarValues(client, tableName)).toEqual(
        expectedBars([...seed, ...mine].map((t, index) => ({ ...t, seq: "1", index }))),
      );
    },
  );
});
