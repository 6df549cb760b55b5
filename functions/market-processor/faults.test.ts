import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import {
  DYNAMODB_FAULTS,
  noFaults,
  randomFaults,
  startFaultProxy,
} from "../../tests/support/fault-proxy";
import type { DynamoDbFault, FaultPlan, FaultProxy } from "../../tests/support/fault-proxy";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  createAnalyticsTable,
  localDynamoDbClient,
  startLocalAws,
} from "../../scripts/local-aws/local-aws";
import type { LocalAws } from "../../scripts/local-aws/local-aws";
import { onDynamoDbLocal } from "../../tests/support/dynamodb-local";
import { deliverInOrder } from "../../tests/support/functions/event-source";
import { kinesisEvent } from "../../tests/support/functions/kinesis-events";
import {
  MARKET_START,
  expectedBars,
  scanBarValues,
  symbolsFor,
  syntheticTicks,
  tickRecords,
  TEST_CLOCK,
} from "../../tests/support/functions/market";
import { RecordingMetrics, silentLogger } from "../../tests/support/functions/observability";
import { createMarketProcessor } from "./processor";
import type { ProcessorSummary } from "./processor";

/**
 * The processor behind a proxy that throttles, fails and drops connections, through the real
 * SDK and its retries, with Lambda's retry-from-checkpoint behaviour around it. In every case the
 * bars in the table are exactly the bars of the ticks sent.
 */

let local: LocalAws;
let proxy: FaultProxy;
let tableCounter = 0;

beforeAll(async () => {
  local = await startLocalAws({ services: ["dynamodb"], setEnv: false });
  proxy = await startFaultProxy(local.endpoints.dynamodb ?? "", noFaults);
});

afterAll(async () => {
  await proxy.stop();
  await local.stop();
});

/** A client through the proxy: the SDK's standard retries (3 attempts), with short waits. */
function proxiedClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: proxy.url,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    retryStrategy: new ConfiguredRetryStrategy(3, (attempt) => 5 * attempt),
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
}

/** A new table, and a processor that reaches it through the proxy, pausing `backoffMs` between retries. */
async function proxiedProcessor(backoffMs: number) {
  tableCounter += 1;
  const tableName = `dev-market-analytics-faults-${tableCounter}`;
  const direct = localDynamoDbClient(local);
  await createAnalyticsTable(direct, tableName);
  const processor = createMarketProcessor({
    dynamodb: proxiedClient(),
    tableName,
    barTtlDays: 7,
    logger: silentLogger(),
    metrics: new RecordingMetrics(),
    backoffMs: () => backoffMs,
    now: TEST_CLOCK,
  });
  return { tableName, direct, processor };
}

async function runScenario(plan: FaultPlan, seed: number, ticksPerRecord: number) {
  const { tableName, direct, processor } = await proxiedProcessor(2);
  const { records, sequenced } = tickRecords(syntheticTicks(seed, 600, symbolsFor(15), 3), {
    ticksPerRecord,
  });
  const summaries: ProcessorSummary[] = [];
  const before = proxy.stats();
  proxy.setPlan(plan);
  try {
    const log = await deliverInOrder(
      records,
      async (event) => {
        const result = await processor.processBatch(event);
        summaries.push(result.summary);
        return result.response;
      },
      { batchSize: 50, maxInvocations: 500 },
    );
    const after = proxy.stats();
    const faults = Object.fromEntries(
      (Object.keys(after.faults) as DynamoDbFault[]).map((fault) => [
        fault,
        after.faults[fault] - before.faults[fault],
      ]),
    ) as Record<DynamoDbFault, number>;
    return { direct, tableName, log, summaries, faults, sequenced, before, after };
  } finally {
    proxy.setPlan(noFaults);
  }
}

const sum = (summaries: readonly ProcessorSummary[], field: keyof ProcessorSummary) =>
  summaries.reduce((total, summary) => total + Number(summary[field] ?? 0), 0);

describe("market processor behind a faulty DynamoDB", () => {
  it("keeps every bar exact through throttling, 500s and dropped connections", async () => {
    const scenario = await runScenario(randomFaults({ seed: 42, rate: 0.25 }), 21, 2);

    for (const fault of DYNAMODB_FAULTS) {
      expect(scenario.faults[fault]).toBeGreaterThan(0);
    }
    expect(await scanBarValues(scenario.direct, scenario.tableName)).toEqual(
      expectedBars(scenario.sequenced),
    );
    // Never counted twice. (A write whose outcome stays unknown, its response and the read after
    // it both lost, is retried by Lambda and then counted as a redelivery, so the sum may be lower.)
    expect(sum(scenario.summaries, "appliedTicks")).toBeLessThanOrEqual(600);
    expect(sum(scenario.summaries, "appliedTicks")).toBeGreaterThan(550);
  });

  it("recognises its own write when the response is lost and the SDK's retry fails the condition", async () => {
    const dropped = new Set<string>();
    // Every PutItem is applied, but the first response to each is cut off.
    const plan: FaultPlan = (request) => {
      if (request.operation !== "PutItem" || dropped.has(request.body)) {
        return undefined;
      }
      dropped.add(request.body);
      return "drop-response";
    };
    const scenario = await runScenario(plan, 22, 1);
    const bars = expectedBars(scenario.sequenced);

    expect(await scanBarValues(scenario.direct, scenario.tableName)).toEqual(bars);
    expect(scenario.faults["drop-response"]).toBe(sum(scenario.summaries, "barsWritten"));
    expect(sum(scenario.summaries, "writeConflicts")).toBe(0);
    expect(sum(scenario.summaries, "appliedTicks")).toBe(600);
    expect(scenario.log.partialFailures).toBe(0);
  });

  it("reads the keys a BatchGetItem leaves unprocessed in further rounds", async () => {
    // Every read of more than one key gets half of them back unprocessed: a read of 45 keys
    // takes 6 rounds (45, 22, 11, 5, 2, 1), the most the processor allows.
    const plan: FaultPlan = (request) => {
      if (request.operation !== "BatchGetItem") {
        return undefined;
      }
      const body = JSON.parse(request.body) as {
        RequestItems: Record<string, { Keys: unknown[] }>;
      };
      const keys = Object.values(body.RequestItems)[0]?.Keys.length ?? 0;
      return keys > 1 ? "unprocessed-keys" : undefined;
    };
    const scenario = await runScenario(plan, 24, 2);

    const reads =
      (scenario.after.operations.BatchGetItem ?? 0) -
      (scenario.before.operations.BatchGetItem ?? 0);
    expect(scenario.faults["unprocessed-keys"]).toBeGreaterThan(scenario.log.invocations);
    expect(reads).toBe(scenario.faults["unprocessed-keys"] + scenario.log.invocations);
    expect(scenario.log.partialFailures).toBe(0);
    expect(await scanBarValues(scenario.direct, scenario.tableName)).toEqual(
      expectedBars(scenario.sequenced),
    );
    expect(sum(scenario.summaries, "appliedTicks")).toBe(600);
  });

  it("reports the bars whose keys stay unprocessed, and only those", async () => {
    const { processor } = await proxiedProcessor(1);
    const { records } = tickRecords(syntheticTicks(25, 60, ["AAPL", "MSFT", "NVDA", "AMZN"], 1));
    proxy.setPlan((request) =>
      request.operation === "BatchGetItem" ? "unprocessed-keys" : undefined,
    );
    try {
      const result = await processor.processBatch(kinesisEvent(records));
      // 4 keys: 2 read in round 1, 1 in round 2, the last one held for all 6 rounds.
      expect(result.summary).toMatchObject({ bars: 4, barsWritten: 3, barsFailed: 1 });
      expect(result.failures.map((failure) => failure.error.message)).toEqual([
        "BatchGetItem left 1 key unprocessed after 6 rounds",
      ]);
      expect(result.response.batchItemFailures).toEqual([
        { itemIdentifier: result.failures[0].earliestSequenceNumber },
      ]);
    } finally {
      proxy.setPlan(noFaults);
    }
  });

  it("keeps every bar exact when most requests are throttled", async () => {
    const scenario = await runScenario(
      randomFaults({ seed: 7, rate: 0.6, faults: ["throughput-exceeded", "throttling"] }),
      23,
      3,
    );

    expect(scenario.faults["throughput-exceeded"] + scenario.faults.throttling).toBeGreaterThan(50);
    expect(scenario.log.partialFailures).toBeGreaterThan(0);
    expect(await scanBarValues(scenario.direct, scenario.tableName)).toEqual(
      expectedBars(scenario.sequenced),
    );
    expect(sum(scenario.summaries, "appliedTicks")).toBe(600);
  });

  it("counts a batch that failed on the wire until discarded once it is replayed after a later record of its bar", async () => {
    const { tableName, direct, processor } = await proxiedProcessor(1);
    const { records, sequenced } = tickRecords(syntheticTicks(31, 2, ["AAPL"], 1));
    const [r1, r2] = records;
    // Every write of r1's batch fails with a 500, SDK retries included, until the mapping gives up.
    proxy.setPlan((request) => (request.operation === "PutItem" ? "internal-error" : undefined));
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const failed = await processor.processBatch(kinesisEvent([r1]));
        expect(failed.summary.barsFailed).toBe(1);
      }
    } finally {
      proxy.setPlan(noFaults);
    }
    const later = await processor.processBatch(kinesisEvent([r2]));
    const replayed = await processor.processBatch(kinesisEvent([r1]));

    expect([later.summary.appliedTicks, replayed.summary.appliedTicks]).toEqual([1, 1]);
    expect(await scanBarValues(direct, tableName)).toEqual(expectedBars(sequenced));
  });

  onDynamoDbLocal("transactions")(
    "applies a large set's transaction once when its response is lost and the SDK retries it",
    async () => {
      const { tableName, direct, processor } = await proxiedProcessor(1);
      // 400 UUID trades spill past the inline limit: each batch writes pages in a transaction.
      const ticks = Array.from({ length: 400 }, (_, i) => ({
        symbol: "AAPL",
        price: (19_000 + i) / 100,
        size: 1 + (i % 9),
        ts: MARKET_START + i * 100,
        tradeId: randomUUID(),
      }));
      const { records, sequenced } = tickRecords(ticks);
      let dropped = 0;
      proxy.setPlan((request) => {
        if (request.operation === "TransactWriteItems" && dropped < 2) {
          dropped += 1;
          return "drop-response";
        }
        return undefined;
      });
      try {
        for (let i = 0; i < records.length; i += 200) {
          const result = await processor.processBatch(kinesisEvent(records.slice(i, i + 200)));
          expect(result.response).toEqual({ batchItemFailures: [] });
        }
      } finally {
        proxy.setPlan(noFaults);
      }
      expect(dropped).toBe(2);
      expect(await scanBarValues(direct, tableName)).toEqual(expectedBars(sequenced));
    },
  );
});
