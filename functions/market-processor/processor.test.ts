import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import {
  createAnalyticsTable,
  createMarketStream,
  localDynamoDbClient,
  localKinesisClient,
  startLocalAws,
} from "../../scripts/local-aws/local-aws";
import type { LocalAws } from "../../scripts/local-aws/local-aws";
import { RECORD_REASONS } from "../domain/record";
import { TICK_REASONS } from "../domain/tick";
import type { Tick } from "../domain/tick";
import type { SequencedTick } from "../domain/bar";
import { BAR_CLOSING_MARGIN_MS } from "../shared/bar-codec";
import { deliverInOrder } from "../../tests/support/functions/event-source";
import {
  eventRecordsFromKinesis,
  kinesisEvent,
  kinesisEventRecord,
  lambdaContext,
  sequenceNumber,
} from "../../tests/support/functions/kinesis-events";
import {
  MARKET_START,
  expectedBars,
  scanBarValues,
  scanBars,
  symbolsFor,
  syntheticTicks,
  tickRecords,
  TEST_CLOCK,
} from "../../tests/support/functions/market";
import { RecordingMetrics, silentLogger } from "../../tests/support/functions/observability";
import { beforeCommand, countCommands } from "../../tests/support/functions/sdk";
import { createMarketProcessor } from "./processor";
import type { MarketProcessorOptions } from "./processor";

let local: LocalAws;
let tableCounter = 0;

beforeAll(async () => {
  local = await startLocalAws({ services: ["dynamodb", "kinesis"], setEnv: false });
});

afterAll(async () => {
  await local.stop();
});

async function newTable(): Promise<{ client: DynamoDBClient; tableName: string }> {
  tableCounter += 1;
  const tableName = `dev-market-analytics-processor-${tableCounter}`;
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
    backoffMs: () => 5,
    now: TEST_CLOCK,
    ...overrides,
  });
}

const DAY_MS = 86_400_000;
const SHARD_0 = "shardId-000000000000";
const SHARD_1 = "shardId-000000000001";

describe("market processor against a local DynamoDB", () => {
  it("writes exact bars with one read round and one write per bar", async () => {
    const { client, tableName } = await newTable();
    const counts = countCommands(client);
    const symbols = symbolsFor(50);
    const ticks = syntheticTicks(1, 1_000, symbols, 2);
    const { records, sequenced } = tickRecords(ticks, { ticksPerRecord: 2 });
    const processor = processorFor(client, tableName);

    const result = await processor.processBatch(kinesisEvent(records));

    const expected = expectedBars(sequenced);
    expect(result.response).toEqual({ batchItemFailures: [] });
    expect(result.summary).toEqual({
      shardId: SHARD_0,
      records: 500,
      validTicks: 1_000,
      appliedTicks: 1_000,
      duplicateTicks: 0,
      retryTicks: 0,
      pastRetentionTicks: 0,
      malformedRecords: 0,
      malformedTicks: 0,
      bars: expected.size,
      barsPastRetention: 0,
      barsWritten: expected.size,
      barsUnchanged: 0,
      barsFailed: 0,
      writeConflicts: 0,
      retryFrom: null,
      // As the table reports it: AWS bills 1 read unit per key without an item, DynamoDB Local
      // none (the benchmark meters reads by AWS's rules); a new item under 1 KB is 1 write unit.
      readUnits: expect.any(Number),
      writeUnits: expected.size,
    });
    expect(Object.fromEntries(counts)).toEqual({
      BatchGetItemCommand: Math.ceil(expected.size / 100),
      PutItemCommand: expected.size,
    });
    expect(await scanBarValues(client, tableName)).toEqual(expected);
  });

  it("processes records read from a two-shard stream (kinesalite), each shard in order, replays included", async () => {
    const { client, tableName } = await newTable();
    const kinesis = localKinesisClient(local);
    await createMarketStream(kinesis, "dev-market-data-processor", 2);
    const ticks = syntheticTicks(31, 600, symbolsFor(12), 2);
    // Producers put one tick per record with the symbol as partition key, 200 records per call.
    for (let i = 0; i < ticks.length; i += 200) {
      const put = await kinesis.send(
        new PutRecordsCommand({
          StreamName: "dev-market-data-processor",
          Records: ticks.slice(i, i + 200).map((tick) => ({
            Data: Buffer.from(JSON.stringify(tick)),
            PartitionKey: tick.symbol,
          })),
        }),
      );
      expect(put.FailedRecordCount).toBe(0);
    }
    const shards = await kinesis.send(
      new ListShardsCommand({ StreamName: "dev-market-data-processor" }),
    );
    const processor = processorFor(client, tableName);
    const sequenced: SequencedTick[] = [];
    for (const shard of shards.Shards ?? []) {
      const iterator = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: "dev-market-data-processor",
          ShardId: shard.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      );
      const got = await kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }),
      );
      const records = eventRecordsFromKinesis(shard.ShardId ?? "", got.Records ?? []);
      for (const record of records) {
        const tick = JSON.parse(
          Buffer.from(record.kinesis.data, "base64").toString("utf8"),
        ) as Tick;
        sequenced.push({ ...tick, seq: record.kinesis.sequenceNumber, index: 0 });
      }
      expect(records.every((r) => r.kinesis.sequenceNumber.length === 56)).toBe(true);
      const log = await deliverInOrder(
        records,
        (event) => processor.processBatch(event).then((result) => result.response),
        { batchSize: 100 },
      );
      expect(log.partialFailures + log.errors).toBe(0);
      // The whole shard again, as after a restart from the trim horizon: nothing changes.
      const replay = await processor.processBatch(kinesisEvent(records));
      expect(replay.summary.appliedTicks).toBe(0);
    }
    expect(sequenced).toHaveLength(600);
    expect(await scanBarValues(client, tableName)).toEqual(expectedBars(sequenced));
    kinesis.destroy();
  });

  it("stores the documented item: keys, exact decimals, the trade set, version and TTL", async () => {
    const { client, tableName } = await newTable();
    const { records } = tickRecords(
      [
        { symbol: "BRK.B", price: 412.5, size: 3, ts: MARKET_START + 5_000, tradeId: "7" },
        {
          symbol: "BRK.B",
          price: 412.75,
          size: 0.0000000001,
          ts: MARKET_START + 1_000,
          tradeId: "8",
        },
      ],
      { ticksPerRecord: 2 },
    );
    await processorFor(client, tableName, { barTtlDays: 30 }).processBatch(kinesisEvent(records));

    const { Item } = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: "BAR#BRK.B" }, sk: { S: "2024-05-01T13:45:00.000Z" } },
      }),
    );
    expect(Item).toEqual({
      pk: { S: "BAR#BRK.B" },
      sk: { S: "2024-05-01T13:45:00.000Z" },
      symbol: { S: "BRK.B" },
      open: { N: "412.75" },
      high: { N: "412.75" },
      low: { N: "412.5" },
      close: { N: "412.5" },
      openTs: { N: String(MARKET_START + 1_000) },
      openTradeId: { S: "8" },
      closeTs: { N: String(MARKET_START + 5_000) },
      closeTradeId: { S: "7" },
      volume: { S: "3.0000000001" },
      notional: { S: "1237.500000041275" },
      trades: { N: "2" },
      firstTradeAt: { N: String(MARKET_START + 1_000) },
      lastTradeAt: { N: String(MARKET_START + 5_000) },
      // Flag byte 0, two integer ids 7 and 8 (7, then the gap 1), no UUIDs, no other ids.
      tradeIds: { B: Uint8Array.from([0, 2, 7, 1, 0, 0, 0]) },
      version: { N: "1" },
      writeId: {
        S: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ),
      },
      expiresAt: { N: String(MARKET_START / 1000 + 30 * 86_400) },
    });
  });

  it("skips malformed records and ticks, logs each with shard, sequence number and reason, and counts them", async () => {
    const { client, tableName } = await newTable();
    const good = { symbol: "AAPL", price: 190, size: 5, ts: MARKET_START, tradeId: "1" };
    const records = [
      kinesisEventRecord({
        shardId: SHARD_0,
        sequenceNumber: sequenceNumber(1),
        partitionKey: "AAPL",
        data: Buffer.from(JSON.stringify(good)),
      }),
      kinesisEventRecord({
        shardId: SHARD_0,
        sequenceNumber: sequenceNumber(2),
        partitionKey: "AAPL",
        data: "!!not base64!!",
      }),
      kinesisEventRecord({
        shardId: SHARD_0,
        sequenceNumber: sequenceNumber(3),
        partitionKey: "AAPL",
        data: Buffer.from('{"symbol": "AAPL", "price": 1'),
      }),
      kinesisEventRecord({
        shardId: SHARD_0,
        sequenceNumber: sequenceNumber(4),
        partitionKey: "AAPL",
        data: Buffer.from(
          JSON.stringify([
            { ...good, tradeId: "2", price: 191 },
            { ...good, tradeId: "3", size: -4 },
            { ...good, tradeId: "4", price: 189 },
          ]),
        ),
      }),
    ];
    const logger = silentLogger();
    const warn = jest.spyOn(logger, "warn");
    const metrics = new RecordingMetrics();
    const processor = processorFor(client, tableName, { logger, metrics });

    const response = await processor.handler(kinesisEvent(records), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(warn.mock.calls).toEqual([
      [
        "Skipped malformed input",
        {
          shardId: SHARD_0,
          sequenceNumber: sequenceNumber(2),
          partitionKey: "AAPL",
          scope: "record",
          reason: RECORD_REASONS.notBase64,
        },
      ],
      [
        "Skipped malformed input",
        {
          shardId: SHARD_0,
          sequenceNumber: sequenceNumber(3),
          partitionKey: "AAPL",
          scope: "record",
          reason: RECORD_REASONS.notJson,
        },
      ],
      [
        "Skipped malformed input",
        {
          shardId: SHARD_0,
          sequenceNumber: sequenceNumber(4),
          partitionKey: "AAPL",
          scope: "tick",
          tickIndex: 1,
          reason: TICK_REASONS.sizeInvalid,
        },
      ],
    ]);
    expect(metrics.published).toHaveLength(1);
    expect(metrics.published[0]).toMatchObject({
      Records: 4,
      TicksApplied: 3,
      DuplicateTicks: 0,
      TicksRetried: 0,
      MalformedRecords: 2,
      MalformedTicks: 1,
      BarsWritten: 1,
      BarWriteConflicts: 0,
      BarWriteFailures: 0,
      service: "test",
    });
    const bars = await scanBarValues(client, tableName);
    expect(
      [...bars.values()].map((bar) => [bar.open, bar.high, bar.low, bar.close, bar.trades]),
    ).toEqual([[190, 191, 189, 189, 3]]);
  });

  describe("bars past their retention", () => {
    // 7-day retention: a bar of MARKET_START's minute expires at MARKET_START + 7 days, and is
    // closed to writes from an hour before that (BAR_CLOSING_MARGIN_MS).
    const expiry = MARKET_START + 7 * DAY_MS;
    const tick = (symbol: string, ts: number, tradeId: string) => ({
      symbol,
      price: 190,
      size: 5,
      ts,
      tradeId,
    });
    const batch = (ticks: readonly ReturnType<typeof tick>[]) =>
      kinesisEvent(
        ticks.map((t, i) =>
          kinesisEventRecord({
            shardId: SHARD_0,
            sequenceNumber: sequenceNumber(i + 1),
            partitionKey: t.symbol,
            data: Buffer.from(JSON.stringify(t)),
          }),
        ),
      );

    it.each([
      ["one millisecond before the closing hour", expiry - BAR_CLOSING_MARGIN_MS - 1, 1, 0],
      ["at the start of the closing hour", expiry - BAR_CLOSING_MARGIN_MS, 0, 1],
      ["at its TTL", expiry, 0, 1],
      ["a day after its TTL", expiry + DAY_MS, 0, 1],
    ])(
      "counts a tick %s (clock %d): applied %d, past retention %d",
      async (_when, now, applied, past) => {
        const { client, tableName } = await newTable();
        const counts = countCommands(client);
        const processor = processorFor(client, tableName, { now: () => now });

        const result = await processor.processBatch(batch([tick("AAPL", MARKET_START, "1")]));

        expect(result.response).toEqual({ batchItemFailures: [] });
        expect(result.summary).toMatchObject({
          validTicks: 1,
          appliedTicks: applied,
          pastRetentionTicks: past,
          bars: 1,
          barsPastRetention: past,
          barsWritten: applied,
        });
        // A closed bar is neither read nor written.
        expect(Object.fromEntries(counts)).toEqual(
          applied === 1 ? { BatchGetItemCommand: 1, PutItemCommand: 1 } : {},
        );
        expect((await scanBarValues(client, tableName)).size).toBe(applied);
      },
    );

    it.each([
      ["its own TTL (created under 7 days)", expiry - BAR_CLOSING_MARGIN_MS, 0, 1],
      ["an open TTL, an hour and a millisecond before", expiry - BAR_CLOSING_MARGIN_MS - 1, 1, 0],
    ])(
      "closes a bar by %s when the retention has grown to 30 days",
      async (_by, now, applied, past) => {
        const { client, tableName } = await newTable();
        await processorFor(client, tableName).processBatch(
          batch([tick("AAPL", MARKET_START, "1")]),
        );
        const grown = processorFor(client, tableName, { barTtlDays: 30, now: () => now });

        const result = await grown.processBatch(batch([tick("AAPL", MARKET_START + 1, "2")]));

        expect(result.summary).toMatchObject({
          appliedTicks: applied,
          pastRetentionTicks: past,
          barsPastRetention: past,
        });
        const stored = await client.send(
          new GetItemCommand({
            TableName: tableName,
            Key: { pk: { S: "BAR#AAPL" }, sk: { S: new Date(MARKET_START).toISOString() } },
          }),
        );
        expect(stored.Item?.trades?.N).toBe(String(1 + applied));
        // A later write keeps the bar's TTL, whatever the retention is now.
        expect(stored.Item?.expiresAt?.N).toBe(String(expiry / 1000));
      },
    );

    it("counts the ticks of open bars in the same batch, warns with the closed bars, and publishes TicksPastRetention", async () => {
      const { client, tableName } = await newTable();
      const logger = silentLogger();
      const warn = jest.spyOn(logger, "warn");
      const metrics = new RecordingMetrics();
      // Eight days after the market: its first minute is closed, a minute a day later is open.
      const now = MARKET_START + 8 * DAY_MS;
      const processor = processorFor(client, tableName, { logger, metrics, now: () => now });
      const open = MARKET_START + 2 * DAY_MS;

      const response = await processor.handler(
        batch([
          tick("AAPL", MARKET_START, "1"),
          tick("MSFT", MARKET_START + 1_000, "2"),
          tick("AAPL", MARKET_START + 2_000, "3"),
          tick("AAPL", open, "4"),
        ]),
        lambdaContext(),
      );

      expect(response).toEqual({ batchItemFailures: [] });
      expect(warn.mock.calls).toEqual([
        [
          "Skipped ticks of bars past their retention",
          {
            pastRetentionTicks: 3,
            retentionDays: 7,
            bars: [
              {
                symbol: "AAPL",
                start: new Date(MARKET_START).toISOString(),
                ticks: 2,
                earliestSequenceNumber: sequenceNumber(1),
              },
              {
                symbol: "MSFT",
                start: new Date(MARKET_START).toISOString(),
                ticks: 1,
                earliestSequenceNumber: sequenceNumber(2),
              },
            ],
          },
        ],
      ]);
      expect(metrics.published[0]).toMatchObject({
        TicksApplied: 1,
        TicksPastRetention: 3,
        BarsWritten: 1,
      });
      const bars = await scanBarValues(client, tableName);
      expect([...bars.values()].map((bar) => [bar.start, bar.trades])).toEqual([[open, 1]]);
    });
  });

  it("changes nothing when a whole batch is delivered again", async () => {
    const { client, tableName } = await newTable();
    const { records, sequenced } = tickRecords(syntheticTicks(2, 300, symbolsFor(10)), {
      ticksPerRecord: 3,
    });
    const processor = processorFor(client, tableName);
    await processor.processBatch(kinesisEvent(records));
    const before = await scanBars(client, tableName);

    const counts = countCommands(client);
    const replay = await processor.processBatch(kinesisEvent(records));

    expect(replay.summary).toMatchObject({
      appliedTicks: 0,
      duplicateTicks: 300,
      barsWritten: 0,
      barsUnchanged: before.size,
      retryFrom: null,
    });
    expect(counts.get("PutItemCommand")).toBeUndefined();
    expect(await scanBars(client, tableName)).toEqual(before);
    expect(await scanBarValues(client, tableName)).toEqual(expectedBars(sequenced));
  });

  it("changes nothing when any sub-range of applied records is delivered again", async () => {
    const { client, tableName } = await newTable();
    const { records, sequenced } = tickRecords(syntheticTicks(3, 200, symbolsFor(5)), {
      ticksPerRecord: 2,
    });
    const processor = processorFor(client, tableName);
    await processor.processBatch(kinesisEvent(records));
    const before = await scanBars(client, tableName);

    for (const [start, end] of [
      [0, 1],
      [10, 60],
      [99, 100],
      [37, 38],
    ]) {
      const replay = await processor.processBatch(kinesisEvent(records.slice(start, end)));
      expect(replay.summary.appliedTicks).toBe(0);
      expect(replay.summary.barsWritten).toBe(0);
    }
    expect(await scanBars(client, tableName)).toEqual(before);
    expect(await scanBarValues(client, tableName)).toEqual(expectedBars(sequenced));
  });

  it("reports a failed bar's earliest sequence number, writes the other bars, and the retry does not double count", async () => {
    const { client, tableName } = await newTable();
    const ticks = syntheticTicks(4, 240, ["AAPL", "MSFT", "NVDA"], 1);
    const { records, sequenced } = tickRecords(ticks);
    let failMsft = true;
    beforeCommand(client, (command, input) => {
      const item = input.Item as { pk?: { S?: string } } | undefined;
      if (failMsft && command === "PutItemCommand" && item?.pk?.S === "BAR#MSFT") {
        throw new Error("injected: MSFT write fails");
      }
    });
    const logger = silentLogger();
    const error = jest.spyOn(logger, "error");
    const processor = processorFor(client, tableName, { logger });

    const first = await processor.processBatch(kinesisEvent(records));

    const firstMsft = sequenced.find((tick) => tick.symbol === "MSFT");
    expect(first.response).toEqual({ batchItemFailures: [{ itemIdentifier: firstMsft?.seq }] });
    const msftTicks = sequenced.filter((tick) => tick.symbol === "MSFT").length;
    expect(first.summary).toMatchObject({
      barsWritten: 2,
      barsFailed: 1,
      appliedTicks: 240 - msftTicks,
      retryTicks: msftTicks,
      retryFrom: firstMsft?.seq,
    });
    expect(error).toHaveBeenCalledWith(
      "Bar write failed; Lambda retries the batch from its earliest record",
      expect.objectContaining({
        symbol: "MSFT",
        start: "2024-05-01T13:45:00.000Z",
        earliestSequenceNumber: firstMsft?.seq,
      }),
    );
    const written = await scanBarValues(client, tableName);
    expect([...written.keys()].sort()).toEqual([`AAPL|${MARKET_START}`, `NVDA|${MARKET_START}`]);

    // Lambda retries from the reported record: everything from it on comes back.
    failMsft = false;
    const index = records.findIndex((r) => r.kinesis.sequenceNumber === firstMsft?.seq);
    const retry = await processor.processBatch(kinesisEvent(records.slice(index)));
    const retried = new Set(records.slice(index).map((r) => r.kinesis.sequenceNumber));
    const redelivered = sequenced.filter((t) => t.symbol !== "MSFT" && retried.has(t.seq)).length;
    expect(retry.summary).toMatchObject({
      appliedTicks: msftTicks,
      duplicateTicks: redelivered,
      barsWritten: 1,
      barsUnchanged: 2,
      retryFrom: null,
    });
    expect(await scanBarValues(client, tableName)).toEqual(expectedBars(sequenced));
  });

  it("survives an invocation that dies after some writes, then bisected retries", async () => {
    const { client, tableName } = await newTable();
    const { records, sequenced } = tickRecords(syntheticTicks(5, 400, symbolsFor(20), 2), {
      ticksPerRecord: 4,
    });
    const processor = processorFor(client, tableName);
    // The first invocation writes a few bars and then "times out": its writes stay, its response is lost.
    const dyingProcessor = processorFor(dyingClient(7), tableName);
    let invocation = 0;

    const log = await deliverInOrder(
      records,
      async (event) => {
        invocation += 1;
        if (invocation === 1) {
          await dyingProcessor.processBatch(event);
          throw new Error("Task timed out after 60.00 seconds");
        }
        return processor.processBatch(event).then((result) => result.response);
      },
      { batchSize: 100 },
    );

    expect(log).toEqual({
      invocations: 3,
      partialFailures: 0,
      errors: 1,
      batchSizes: [100, 50, 50],
    });
    expect(await scanBarValues(client, tableName)).toEqual(expectedBars(sequenced));
  });

  it("keeps bars exact when partition keys of one shard are processed out of order (parallelization)", async () => {
    const { client, tableName } = await newTable();
    const ticks = syntheticTicks(6, 120, ["AAPL", "MSFT"], 1);
    // Records of two partition keys in one shard, interleaved in sequence order; "MIX" records
    // carry ticks of both symbols, so both keys contribute to the same bars.
    const byKey = tickRecords(ticks, { ticksPerRecord: 3, partitionKey: "MIX" });
    const keyed = byKey.records.map((record, i) =>
      i % 2 === 0 ? record : { ...record, kinesis: { ...record.kinesis, partitionKey: "AAPL" } },
    );
    const streamA = keyed.filter((r) => r.kinesis.partitionKey === "AAPL");
    const streamB = keyed.filter((r) => r.kinesis.partitionKey === "MIX");
    const processor = processorFor(client, tableName);

    // The MIX batch stream runs ahead: all of its records are applied before AAPL's earlier ones.
    await processor.processBatch(kinesisEvent(streamB));
    await processor.processBatch(kinesisEvent(streamA.slice(0, 10)));
    await processor.processBatch(kinesisEvent(streamA));

    expect(await scanBarValues(client, tableName)).toEqual(expectedBars(byKey.sequenced));
  });

  it("resolves a lost race by re-reading and retrying the conditional write", async () => {
    const { client, tableName } = await newTable();
    const ticks = syntheticTicks(7, 60, ["AAPL"], 1);
    const shard0 = tickRecords(ticks.slice(0, 30), { shardId: SHARD_0 });
    const shard1 = tickRecords(ticks.slice(30), { shardId: SHARD_1, firstSequence: 500 });
    const otherClient = localDynamoDbClient(local);
    const other = processorFor(otherClient, tableName);
    let raced = false;
    // Processor A has read the bar; before its write lands, processor B writes the same bar.
    const racingClient = localDynamoDbClient(local);
    beforeCommand(racingClient, async (command) => {
      if (command === "PutItemCommand" && !raced) {
        raced = true;
        await other.processBatch(kinesisEvent(shard1.records));
      }
    });
    const racing = processorFor(racingClient, tableName);

    const result = await racing.processBatch(kinesisEvent(shard0.records));

    expect(result.summary).toMatchObject({ writeConflicts: 1, barsWritten: 1, appliedTicks: 30 });
    const stored = await scanBars(client, tableName);
    expect(stored.get(`AAPL|${MARKET_START}`)?.version).toBe(2);
    const trades = stored.get(`AAPL|${MARKET_START}`)?.trades;
    expect(trades?.kind === "inline" ? trades.ids.size : undefined).toBe(60);
    expect(await scanBarValues(client, tableName)).toEqual(
      expectedBars([...shard0.sequenced, ...shard1.sequenced]),
    );
  });

  it("gives up on a bar after the bounded number of lost races and reports it", async () => {
    const { tableName } = await newTable();
    const { records } = tickRecords(syntheticTicks(8, 10, ["AAPL"], 1));
    const bumper = localDynamoDbClient(local);
    const other = processorFor(bumper, tableName);
    let round = 0;
    const racingClient = localDynamoDbClient(local);
    beforeCommand(racingClient, async (command) => {
      if (command === "PutItemCommand") {
        round += 1;
        // Every write of this processor loses to a fresh record from another shard.
        const extra = tickRecords(syntheticTicks(100 + round, 1, ["AAPL"], 1), {
          shardId: SHARD_1,
          firstSequence: round,
        });
        await other.processBatch(kinesisEvent(extra.records));
      }
    });
    const racing = processorFor(racingClient, tableName, { maxWriteAttempts: 3 });

    const result = await racing.processBatch(kinesisEvent(records));

    expect(result.summary).toMatchObject({
      writeConflicts: 3,
      barsFailed: 1,
      retryFrom: sequenceNumber(1),
    });
    expect(result.failures.map((f) => f.error.message)).toEqual([
      "conditional write lost 3 races in a row",
    ]);
    expect(result.response).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumber(1) }] });
  });

  it("stays exact when processors race on the same bars from different shards and duplicate invocations", async () => {
    const { client, tableName } = await newTable();
    const symbols = symbolsFor(4);
    const shard0 = tickRecords(syntheticTicks(9, 400, symbols, 2), {
      shardId: SHARD_0,
      ticksPerRecord: 2,
    });
    const shard1 = tickRecords(syntheticTicks(10, 400, symbols, 2), {
      shardId: SHARD_1,
      ticksPerRecord: 2,
      firstSequence: 1_000,
    });
    // Each round, every processor's first write waits until all four have read their bars, so
    // the duplicate invocations are sure to collide; after that, writes run freely.
    let arrived = 0;
    let open = (): void => undefined;
    let gate = Promise.resolve();
    const passed = new Set<number>();
    const processors = [0, 1, 2, 3].map((p) => {
      const racer = localDynamoDbClient(local);
      beforeCommand(racer, async (command) => {
        if (command === "PutItemCommand" && !passed.has(p)) {
          passed.add(p);
          arrived += 1;
          if (arrived === 4) {
            open();
          }
          await gate;
        }
      });
      return processorFor(racer, tableName);
    });
    const batches = (records: KinesisStreamRecord[]) =>
      Array.from({ length: 4 }, (_, i) => kinesisEvent(records.slice(i * 50, (i + 1) * 50)));
    const events0 = batches(shard0.records);
    const events1 = batches(shard1.records);

    let conflicts = 0;
    for (let i = 0; i < 4; i += 1) {
      arrived = 0;
      passed.clear();
      gate = new Promise((resolve) => {
        open = resolve;
      });
      // Each shard's batch plus a duplicate invocation of it, all four at once.
      const results = await Promise.all([
        processors[0].processBatch(events0[i]),
        processors[1].processBatch(events1[i]),
        processors[2].processBatch(events0[i]),
        processors[3].processBatch(events1[i]),
      ]);
      for (const result of results) {
        expect(result.response).toEqual({ batchItemFailures: [] });
        conflicts += result.summary.writeConflicts;
      }
    }

    // At least the duplicate of each shard's batch loses a race in every round.
    expect(conflicts).toBeGreaterThanOrEqual(8);
    expect(await scanBarValues(client, tableName)).toEqual(
      expectedBars([...shard0.sequenced, ...shard1.sequenced]),
    );
  });

  it("handles an empty batch without touching the table", async () => {
    const { client, tableName } = await newTable();
    const counts = countCommands(client);
    const result = await processorFor(client, tableName).processBatch(kinesisEvent([]));
    expect(result.response).toEqual({ batchItemFailures: [] });
    expect(result.summary).toMatchObject({ shardId: null, records: 0, bars: 0 });
    expect(counts.size).toBe(0);
  });

  it("refuses a batch mixing shards, which Lambda never sends", async () => {
    const { client, tableName } = await newTable();
    const a = tickRecords(syntheticTicks(11, 1, ["AAPL"]), { shardId: SHARD_0 });
    const b = tickRecords(syntheticTicks(12, 1, ["AAPL"]), { shardId: SHARD_1, firstSequence: 9 });
    await expect(
      processorFor(client, tableName).processBatch(kinesisEvent([...a.records, ...b.records])),
    ).rejects.toThrow(`A Kinesis batch holds records of one shard; got ${SHARD_0} and ${SHARD_1}`);
  });

  it("reports every bar of a chunk whose read fails", async () => {
    const { client, tableName } = await newTable();
    beforeCommand(client, (command) => {
      if (command === "BatchGetItemCommand") {
        throw new Error("injected: read fails");
      }
    });
    const { records } = tickRecords(syntheticTicks(13, 20, ["AAPL", "MSFT"], 1));
    const result = await processorFor(client, tableName).processBatch(kinesisEvent(records));
    expect(result.summary).toMatchObject({
      barsFailed: 2,
      barsWritten: 0,
      retryFrom: sequenceNumber(1),
    });
    expect(result.failures.map((f) => f.error.message)).toEqual([
      "injected: read fails",
      "injected: read fails",
    ]);
  });
});

/**
 * A client on the same table whose PutItem calls succeed `writes` times and then hang up for
 * good: an invocation that is killed part-way through a batch.
 */
function dyingClient(writes: number): DynamoDBClient {
  const client = localDynamoDbClient(local);
  let remaining = writes;
  beforeCommand(client, (command) => {
    if (command === "PutItemCommand") {
      if (remaining <= 0) {
        throw new Error("injected: the invocation was killed");
      }
      remaining -= 1;
    }
  });
  return client;
}
