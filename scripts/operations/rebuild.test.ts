import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import type { KinesisStreamRecord } from "aws-lambda";
import type { Tick } from "../../functions/domain/tick";
import { barKey } from "../../functions/domain/idempotency";
import { createMarketArchiver } from "../../functions/market-archiver/archiver";
import { createMarketProcessor } from "../../functions/market-processor/processor";
import {
  kinesisEvent,
  kinesisEventRecord,
  sequenceNumber,
} from "../../tests/support/functions/kinesis-events";
import {
  MARKET_START,
  expectedBars,
  syntheticTicks,
  tickRecords,
  TEST_CLOCK,
} from "../../tests/support/functions/market";
import { RecordingMetrics, silentLogger } from "../../tests/support/functions/observability";
import { beforeCommand } from "../../tests/support/functions/sdk";
import { noFaults, startFaultProxy } from "../../tests/support/fault-proxy";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  createAnalyticsTable,
  createArchiveBucket,
  localDynamoDbClient,
  localS3Client,
  startLocalAws,
} from "../local-aws/local-aws";
import type { LocalAws } from "../local-aws/local-aws";
import { barsFromRecords } from "./archive-bars";
import { readArchive } from "./archive-records";
import { BarWriter } from "./bar-rebuild";
import { targetOf } from "./rebuild";
import { rebuildBarsCli } from "./rebuild";
import { reconcileCli } from "./reconcile";
import {
  capturedIo,
  pageItemCount,
  rawBarItem,
  tableState,
  uniqueName,
  uuidOf,
  writeOutputs,
} from "../../tests/support/operations/test-support";

/**
 * rebuild-bars and reconcile against a local DynamoDB and s3rver: the live path (the processor's
 * own code, with redeliveries, producer re-puts, malformed input and a late trade) fills one table
 * and the archiver's own code the archive; a rebuild from the archive must give exactly the live
 * result, and reconcile must find and repair what was damaged.
 */

const SHARD = "shardId-000000000000";
const FROM = "2024-05-01T13:45Z";
const TO = "2024-05-01T13:48Z";
const HOT_MINUTE = MARKET_START + 60_000;
/** Far more UUID trades than fit inline: the hot bar's set lives in pages. */
const HOT_TRADES = 260;

let local: LocalAws;
let dynamodb: DynamoDBClient;
let s3: S3Client;
let counter = 0;

beforeAll(async () => {
  local = await startLocalAws({ services: ["dynamodb", "s3"] });
  dynamodb = localDynamoDbClient(local);
  s3 = localS3Client(local);
});

afterAll(async () => {
  dynamodb.destroy();
  s3.destroy();
  await local.stop();
});

interface Market {
  /** Every distinct trade, as the bars must count it. */
  readonly trades: Tick[];
  /** What the stream delivered, in sequence order: re-puts and malformed records included. */
  readonly records: KinesisStreamRecord[];
}

function record(n: number, body: unknown, arrivalMs: number): KinesisStreamRecord {
  return kinesisEventRecord({
    shardId: SHARD,
    sequenceNumber: sequenceNumber(n),
    partitionKey: "KEY",
    data: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
    approximateArrivalTimestamp: arrivalMs / 1000,
  });
}

function market(seed: number): Market {
  const ticks = syntheticTicks(seed, 240, ["AAA", "BBB", "CCC"], 3);
  const hot: Tick[] = Array.from({ length: HOT_TRADES }, (_, i) => ({
    symbol: "HOT",
    price: 50 + (i % 17) / 4,
    size: 1 + (i % 5),
    ts: HOT_MINUTE + ((i * 977) % 60_000),
    tradeId: uuidOf(`hot-${seed}-${i}`),
  }));
  const late: Tick = {
    symbol: "AAA",
    price: 123.45,
    size: 7,
    ts: MARKET_START + 70_000,
    tradeId: `late-${seed}`,
  };
  const base = tickRecords([...ticks, ...hot], { ticksPerRecord: 3, shardId: SHARD }).records;
  // A producer re-puts 30 ticks as new records (new sequence numbers): the same trades.
  const reput = tickRecords(ticks.slice(0, 30), {
    ticksPerRecord: 2,
    shardId: SHARD,
    firstSequence: 5_000,
  }).records;
  const malformed = [
    record(6_000, "not json", MARKET_START + 6_000),
    record(
      6_001,
      [{ symbol: "AAA", price: -1, size: 1, ts: MARKET_START, tradeId: "bad" }],
      MARKET_START + 6_001,
    ),
  ];
  // Trade time 13:46:10, arrival 14:20: a late trade, inside the default --late-minutes 60.
  const lateRecord = record(7_000, late, MARKET_START + 35 * 60_000);
  return {
    trades: [...ticks, ...hot, late],
    records: [...base, ...reput, ...malformed, lateRecord],
  };
}

function processorFor(client: DynamoDBClient, tableName: string) {
  return createMarketProcessor({
    dynamodb: client,
    tableName,
    barTtlDays: 7,
    logger: silentLogger(),
    metrics: new RecordingMetrics(),
    backoffMs: () => 1,
    now: TEST_CLOCK,
  });
}

/** The live path: batches of 40 in order, one batch delivered twice, then a replay of a range. */
async function applyLive(
  client: DynamoDBClient,
  tableName: string,
  records: KinesisStreamRecord[],
) {
  const processor = processorFor(client, tableName);
  for (let i = 0; i < records.length; i += 40) {
    const result = await processor.processBatch(kinesisEvent(records.slice(i, i + 40)));
    expect(result.summary.retryFrom).toBeNull();
    if (i === 40) {
      await processor.processBatch(kinesisEvent(records.slice(i, i + 40)));
    }
  }
  await processor.processBatch(kinesisEvent(records.slice(10, 70)));
}

/** The archiver's objects: batches of 100, the last record on its own, one bisected retry again. */
async function archive(bucketName: string, records: KinesisStreamRecord[]) {
  const archiver = createMarketArchiver({
    s3,
    bucketName,
    logger: silentLogger(),
    metrics: new RecordingMetrics(),
  });
  const body = records.slice(0, -1);
  for (let i = 0; i < body.length; i += 100) {
    await archiver.archiveBatch(kinesisEvent(body.slice(i, i + 100)));
  }
  await archiver.archiveBatch(kinesisEvent(records.slice(-1)));
  await archiver.archiveBatch(kinesisEvent(body.slice(120, 150)));
}

interface Scenario {
  readonly market: Market;
  readonly liveTable: string;
  readonly bucketName: string;
}

async function scenario(seed: number): Promise<Scenario> {
  counter += 1;
  const liveTable = uniqueName("ops-rebuild-live", counter);
  const bucketName = `ops-rebuild-${counter}`;
  await createAnalyticsTable(dynamodb, liveTable);
  await createArchiveBucket(s3, bucketName);
  const generated = market(seed);
  await applyLive(dynamodb, liveTable, generated.records);
  await archive(bucketName, generated.records);
  return { market: generated, liveTable, bucketName };
}

async function emptyTable(): Promise<string> {
  counter += 1;
  const tableName = uniqueName("ops-rebuild-empty", counter);
  await createAnalyticsTable(dynamodb, tableName);
  return tableName;
}

const rangeArgs = (outputs: string) => [
  "--env",
  "dev",
  "--outputs",
  outputs,
  "--from",
  FROM,
  "--to",
  TO,
];

describe("rebuild-bars", () => {
  let live: Scenario;

  beforeAll(async () => {
    live = await scenario(1);
  });

  it("the live path holds exactly the bars of the distinct trades", async () => {
    const state = await tableState(dynamodb, live.liveTable);
    const expected = expectedBars(
      live.market.trades.map((trade) => ({ ...trade, seq: "1", index: 0 })),
    );
    expect(new Map([...state].map(([key, bar]) => [key, bar.bar]))).toEqual(expected);
    expect(state.get(barKey("HOT", HOT_MINUTE))?.layout).toBe("paged");
  });

  it("rebuilds a range from the archive into exactly the live result", async () => {
    const tableName = await emptyTable();
    const io = capturedIo();
    const code = await rebuildBarsCli(
      rangeArgs(writeOutputs({ tableName, bucketName: live.bucketName })),
      io,
    );
    expect(io.err()).toContain("rebuild-bars dev: bars of 2024-05-01T13:45Z..2024-05-01T13:48Z");
    expect(code).toBe(0);
    expect(await tableState(dynamodb, tableName)).toEqual(
      await tableState(dynamodb, live.liveTable),
    );
    expect(io.out()).toMatch(/HOT 2024-05-01T13:46Z {2}written: 260 trades, \d+ pages, new bar/);
    expect(io.out()).toContain("AAA 2024-05-01T13:46Z  written:");
    expect(io.out()).toContain(
      "185 distinct records in 4 objects (1 malformed record and 1 malformed tick skipped; 30 repeated trades counted once)",
    );
    expect(io.out()).toMatch(
      /bars: 10 in the archive, 0 in the table; written 10, deleted 0, unchanged 0, skipped 0, failed 0/,
    );
  });

  it("leaves a table that already matches untouched", async () => {
    const io = capturedIo();
    const code = await rebuildBarsCli(
      rangeArgs(writeOutputs({ tableName: live.liveTable, bucketName: live.bucketName })),
      io,
    );
    expect(code).toBe(0);
    expect(io.out()).toContain(
      "bars: 10 in the archive, 10 in the table; written 0, deleted 0, unchanged 10, skipped 0, failed 0",
    );
  });

  it("writes nothing in a dry run", async () => {
    const tableName = await emptyTable();
    const io = capturedIo();
    const code = await rebuildBarsCli(
      [...rangeArgs(writeOutputs({ tableName, bucketName: live.bucketName })), "--dry-run"],
      io,
    );
    expect(code).toBe(0);
    expect(io.out()).toContain("would write 10");
    expect(io.out()).toContain("HOT 2024-05-01T13:46Z  would write: 260 trades");
    expect((await tableState(dynamodb, tableName)).size).toBe(0);
  });

  it("rebuilds only the symbols asked for", async () => {
    const tableName = await emptyTable();
    const io = capturedIo();
    const code = await rebuildBarsCli(
      [
        ...rangeArgs(writeOutputs({ tableName, bucketName: live.bucketName })),
        "--symbols",
        "BBB,HOT",
      ],
      io,
    );
    expect(code).toBe(0);
    const rebuilt = await tableState(dynamodb, tableName);
    const expected = await tableState(dynamodb, live.liveTable);
    expect([...rebuilt.keys()].sort()).toEqual(
      [...expected.keys()].filter((key) => key.startsWith("BBB|") || key.startsWith("HOT|")).sort(),
    );
    for (const [key, state] of rebuilt) {
      expect(state).toEqual(expected.get(key));
    }
  });

  it("misses a trade that arrived after --late-minutes, and then skips the bar that holds it", async () => {
    const io = capturedIo();
    const code = await rebuildBarsCli(
      [
        ...rangeArgs(writeOutputs({ tableName: live.liveTable, bucketName: live.bucketName })),
        "--late-minutes",
        "0",
      ],
      io,
    );
    expect(code).toBe(1);
    expect(io.out()).toContain(
      'AAA 2024-05-01T13:46Z  skipped: the bar holds 1 trade the archive does not have (e.g. "late-1")',
    );
    expect(io.out()).toContain("skipped 1");
  });
});

describe("rebuilding safely while the live processor runs", () => {
  let live: Scenario;
  let target: ReturnType<typeof targetOf>;

  beforeAll(async () => {
    live = await scenario(2);
    const read = await readArchive(s3, live.bucketName, {
      firstArrivalMs: MARKET_START - 900_000,
      lastArrivalMs: MARKET_START + 3_600_000,
    });
    const bars = barsFromRecords(read.records, {
      from: MARKET_START,
      to: MARKET_START + 180_000,
    });
    target = targetOf(barKey("BBB", MARKET_START + 60_000), bars);
  });

  it("redoes a bar when a live write lands between its read and its write", async () => {
    const tableName = await emptyTable();
    const processor = processorFor(dynamodb, tableName);
    const [first, second, ...rest] = target.trades;
    const tradeRecord = (n: number, trade: Tick) => record(n, trade, MARKET_START + n);
    await processor.processBatch(kinesisEvent([tradeRecord(1, first)]));
    const racing = new DynamoDBClient({
      endpoint: local.endpoints.dynamodb,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    let raced = false;
    beforeCommand(racing, async (name) => {
      if (name === "PutItemCommand" && !raced) {
        raced = true;
        // The live processor counts another (archived) trade of the bar first.
        const result = await processor.processBatch(kinesisEvent([tradeRecord(2, second)]));
        expect(result.summary.appliedTicks).toBe(1);
      }
    });
    const writer = new BarWriter({
      dynamodb: racing,
      tableName,
      ttlDays: 7,
      dropUnarchived: false,
      dryRun: false,
      backoffMs: () => 1,
    });
    const outcome = await writer.rebuild(target);
    expect(outcome).toMatchObject({ status: "written", replaced: true, conflicts: 1 });
    const state = (await tableState(dynamodb, tableName)).get(barKey("BBB", target.start));
    expect(state?.bar).toEqual(target.bar);
    expect(state?.tradeIds).toEqual(target.trades.map((trade) => trade.tradeId).sort());
    expect(rest.length).toBeGreaterThan(0);
    racing.destroy();
  });

  it("recognises its own write when the response is lost (the SDK's retry fails the condition)", async () => {
    const tableName = await emptyTable();
    let dropped = 0;
    const proxy = await startFaultProxy(local.endpoints.dynamodb ?? "", noFaults);
    proxy.setPlan((request) => {
      if (request.operation === "PutItem" && dropped === 0) {
        dropped += 1;
        return "drop-response";
      }
      return undefined;
    });
    const client = new DynamoDBClient({
      endpoint: proxy.url,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      retryStrategy: new ConfiguredRetryStrategy(3, () => 5),
    });
    try {
      const writer = new BarWriter({
        dynamodb: client,
        tableName,
        ttlDays: 7,
        dropUnarchived: false,
        dryRun: false,
      });
      expect(await writer.rebuild(target)).toMatchObject({ status: "written", conflicts: 0 });
      expect(dropped).toBe(1);
      expect(proxy.stats().faults["drop-response"]).toBe(1);
      const state = (await tableState(dynamodb, tableName)).get(barKey("BBB", target.start));
      expect(state?.bar).toEqual(target.bar);
    } finally {
      client.destroy();
      await proxy.stop();
    }
  });

  it("recognises its own write when the error reaches it (no SDK retry)", async () => {
    const tableName = await emptyTable();
    const client = new DynamoDBClient({
      endpoint: local.endpoints.dynamodb,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === "PutItemCommand") {
          throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
        }
        return result;
      },
      { step: "initialize", name: "loseResponses" },
    );
    const writer = new BarWriter({
      dynamodb: client,
      tableName,
      ttlDays: 7,
      dropUnarchived: false,
      dryRun: false,
    });
    expect(await writer.rebuild(target)).toMatchObject({ status: "written", conflicts: 0 });
    expect((await tableState(dynamodb, tableName)).get(barKey("BBB", target.start))?.bar).toEqual(
      target.bar,
    );
    client.destroy();
  });

  it("replaces a paged set under a fresh set id and deletes the old pages", async () => {
    const hot = await readArchive(s3, live.bucketName, {
      firstArrivalMs: MARKET_START - 900_000,
      lastArrivalMs: MARKET_START + 3_600_000,
    });
    const hotTarget = targetOf(
      barKey("HOT", HOT_MINUTE),
      barsFromRecords(hot.records, { from: MARKET_START, to: MARKET_START + 180_000 }),
    );
    const before = await pageItemCount(dynamodb, live.liveTable, "HOT", HOT_MINUTE);
    expect(before).toBeGreaterThan(1);
    // Damage the bar so that it differs: the rebuild must rewrite it.
    const item = await rawBarItem(dynamodb, live.liveTable, "HOT", HOT_MINUTE);
    await dynamodb.send(
      new PutItemCommand({ TableName: live.liveTable, Item: { ...item, volume: { S: "1" } } }),
    );
    const writer = new BarWriter({
      dynamodb,
      tableName: live.liveTable,
      ttlDays: 7,
      dropUnarchived: false,
      dryRun: false,
    });
    const outcome = await writer.rebuild(hotTarget);
    expect(outcome).toMatchObject({ status: "written", layout: "paged", oldPagesDeleted: before });
    const after = await pageItemCount(dynamodb, live.liveTable, "HOT", HOT_MINUTE);
    expect(after).toBe(outcome.status === "written" ? outcome.pagesWritten : -1);
    const state = (await tableState(dynamodb, live.liveTable)).get(barKey("HOT", HOT_MINUTE));
    expect(state?.bar).toEqual(hotTarget.bar);
    expect(state?.tradeIds).toHaveLength(HOT_TRADES);
    // The live processor goes on writing to the rebuilt set.
    const extra: Tick = {
      symbol: "HOT",
      price: 51,
      size: 1,
      ts: HOT_MINUTE + 5,
      tradeId: uuidOf("extra"),
    };
    const result = await processorFor(dynamodb, live.liveTable).processBatch(
      kinesisEvent([record(9_000, extra, MARKET_START + 9_000)]),
    );
    expect(result.summary.appliedTicks).toBe(1);
    const grown = (await tableState(dynamodb, live.liveTable)).get(barKey("HOT", HOT_MINUTE));
    expect(grown?.tradeIds).toHaveLength(HOT_TRADES + 1);
  });
});

describe("reconcile", () => {
  let live: Scenario;
  let outputs: string;

  beforeAll(async () => {
    live = await scenario(3);
    outputs = writeOutputs({ tableName: live.liveTable, bucketName: live.bucketName });
  });

  it("finds nothing to report on the live result (exit 0)", async () => {
    const io = capturedIo();
    expect(await reconcileCli(rangeArgs(outputs), io)).toBe(0);
    expect(io.out()).toBe(
      "10 bars of 2024-05-01T13:45Z..2024-05-01T13:48Z compared: the table matches the archive.\n",
    );
  });

  it("reads a longer range in chunks of an hour", async () => {
    const io = capturedIo();
    const args = ["--env", "dev", "--outputs", outputs, "--from", "2024-05-01T12:30Z"];
    expect(await reconcileCli([...args, "--to", "2024-05-01T15:00Z"], io)).toBe(0);
    expect(io.out()).toBe(
      "10 bars of 2024-05-01T12:30Z..2024-05-01T15:00Z compared: the table matches the archive.\n",
    );
    // Each hour of trade time reads its own arrival hours (from 15 minutes before to 60 after).
    expect(io.err()).toContain(
      "2024-05-01T12:30Z..2024-05-01T13:30Z: 185 archived records in 4 objects, 0 bars in the archive, 0 in the table",
    );
    expect(io.err()).toContain(
      "2024-05-01T13:30Z..2024-05-01T14:30Z: 185 archived records in 4 objects, 10 bars in the archive, 10 in the table",
    );
    expect(io.err()).toContain(
      "2024-05-01T14:30Z..2024-05-01T15:00Z: 1 archived record in 1 object, 0 bars in the archive, 0 in the table",
    );
  });

  it("reports corrupted and missing bars (exit 1) and repairs them with --repair", async () => {
    const expected = await tableState(dynamodb, live.liveTable);
    const bbb = MARKET_START + 60_000;
    const item = await rawBarItem(dynamodb, live.liveTable, "BBB", bbb);
    await dynamodb.send(
      new PutItemCommand({
        TableName: live.liveTable,
        Item: { ...item, volume: { S: "1.5" }, notional: { S: "99" } },
      }),
    );
    await dynamodb.send(
      new DeleteItemCommand({
        TableName: live.liveTable,
        Key: { pk: { S: "BAR#CCC" }, sk: { S: new Date(MARKET_START).toISOString() } },
      }),
    );
    const hot = await rawBarItem(dynamodb, live.liveTable, "HOT", HOT_MINUTE);
    await dynamodb.send(
      new PutItemCommand({ TableName: live.liveTable, Item: { ...hot, close: { N: "1" } } }),
    );

    const report = capturedIo();
    expect(await reconcileCli(rangeArgs(outputs), report)).toBe(1);
    const lines = report.out().split("\n");
    expect(lines[0]).toBe(
      "10 bars of 2024-05-01T13:45Z..2024-05-01T13:48Z compared: 3 differ from the archive.",
    );
    const header = lines[2];
    expect(header).toMatch(/^symbol +minute +trades archive +trades table +volume archive/);
    const bbbRow = lines.find((line) => line.startsWith("BBB"));
    expect(bbbRow).toMatch(
      /BBB +2024-05-01T13:46Z +\d+ +\d+ +[\d.]+ +1\.5 +[\d.]+ +99 +volume, notional$/,
    );
    expect(lines.find((line) => line.startsWith("CCC"))).toMatch(
      /CCC +2024-05-01T13:45Z +\d+ +- +[\d.]+ +- +[\d.]+ +- +missing bar$/,
    );
    expect(lines.find((line) => line.startsWith("HOT"))).toMatch(/ close$/);
    // Aligned: each column starts at the same place on every line.
    const rows = lines.slice(4, 7);
    for (const row of rows) {
      expect(row.indexOf("2024-")).toBe(header.indexOf("minute"));
      expect(row.length).toBeGreaterThan(header.indexOf("differs"));
    }
    expect(lines[3]).toMatch(/^-+ +-+ +-+/);

    const markdown = capturedIo();
    expect(await reconcileCli([...rangeArgs(outputs), "--format", "markdown"], markdown)).toBe(1);
    expect(markdown.out()).toContain("| symbol | minute | trades archive | trades table |");
    expect(markdown.out()).toContain("| CCC | 2024-05-01T13:45Z |");

    const repair = capturedIo();
    expect(await reconcileCli([...rangeArgs(outputs), "--repair"], repair)).toBe(0);
    expect(repair.out()).toContain("Repair: rebuilding 3 bars from the archive");
    expect(repair.out()).toContain("CCC 2024-05-01T13:45Z  written:");
    expect(repair.out()).toContain("Re-check: all 3 repaired bars match the archive.");
    expect(await tableState(dynamodb, live.liveTable)).toEqual(expected);

    const again = capturedIo();
    expect(await reconcileCli(rangeArgs(outputs), again)).toBe(0);
  });

  it("reports a bar holding a trade the archive lacks; --repair leaves it unless --drop-unarchived", async () => {
    const extra: Tick = {
      symbol: "AAA",
      price: 100,
      size: 1,
      ts: MARKET_START + 1_000,
      tradeId: "never-archived",
    };
    await processorFor(dynamodb, live.liveTable).processBatch(
      kinesisEvent([record(9_500, extra, MARKET_START + 9_500)]),
    );
    const repair = capturedIo();
    expect(await reconcileCli([...rangeArgs(outputs), "--repair"], repair)).toBe(1);
    expect(repair.out()).toContain(
      'AAA 2024-05-01T13:45Z  skipped: the bar holds 1 trade the archive does not have (e.g. "never-archived")',
    );
    expect(repair.out()).toContain("Re-check: 1 bar still differs.");

    const dropping = capturedIo();
    expect(
      await reconcileCli([...rangeArgs(outputs), "--repair", "--drop-unarchived"], dropping),
    ).toBe(0);
    const state = (await tableState(dynamodb, live.liveTable)).get(barKey("AAA", MARKET_START));
    expect(state?.tradeIds).not.toContain("never-archived");
  });
});
