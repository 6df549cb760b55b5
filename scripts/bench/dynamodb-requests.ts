import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createMarketProcessor } from "../../functions/market-processor/processor";
import { createAnalyticsTable, LOCAL_CREDENTIALS, type LocalAws } from "../local-aws/local-aws";
import { benchEvent, groupByTicks, marketRecords } from "./bench-market";
import { CountingProxy } from "./counting-proxy";

export interface BatchRequests {
  readonly ticks: number;
  readonly bars: number;
  /** Requests that reached DynamoDB, by operation. */
  readonly requests: ReadonlyMap<string, number>;
  readonly totalRequests: number;
  /** PutItem, UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems requests. */
  readonly writes: number;
  /** Capacity units by DynamoDB's billing rules, metered on the wire (see `capacity.ts`). */
  readonly readUnits: number;
  readonly writeUnits: number;
  /** The batch delivered again (a Kinesis retry): requests and capacity of a pure replay. */
  readonly replay?: {
    readonly totalRequests: number;
    readonly readUnits: number;
    readonly writeUnits: number;
  };
}

export interface DynamoRequestFigures {
  readonly symbols: number;
  /** A batch whose bars do not exist yet. */
  readonly firstBatch: BatchRequests;
  /** A batch onto the same bars, which now exist. */
  readonly secondBatch: BatchRequests;
}

const WRITE_OPERATIONS = new Set([
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "BatchWriteItem",
  "TransactWriteItems",
]);

function total(requests: ReadonlyMap<string, number>, filter: (name: string) => boolean): number {
  let sum = 0;
  for (const [name, count] of requests) {
    if (filter(name)) {
      sum += count;
    }
  }
  return sum;
}

/**
 * Runs the real processor on two batches of 1,000 ticks over 50 symbols, all in one minute,
 * through a proxy that counts every request reaching the local DynamoDB.
 */
export async function measureDynamoRequests(local: LocalAws): Promise<DynamoRequestFigures> {
  const dynamodbEndpoint = local.endpoints.dynamodb;
  if (!dynamodbEndpoint) {
    throw new Error("measureDynamoRequests needs a local DynamoDB: start it with startLocalAws().");
  }
  const symbols = 50;
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const { records } = marketRecords({
    ticks: 2000,
    symbols,
    faults: 0,
    startMs: minute + 1000,
    ticksPerSecond: 1000,
  });
  const [first = [], second = []] = groupByTicks(records, 1000);
  const { proxy, endpoint } = await CountingProxy.start(dynamodbEndpoint);
  const dynamodb = new DynamoDBClient({
    endpoint,
    region: local.region,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const tableName = "bench-market-analytics-us-east-1-local";
    await createAnalyticsTable(dynamodb, tableName);
    const processor = createMarketProcessor({
      dynamodb,
      tableName,
      barTtlDays: 7,
      logger: new Logger({ logLevel: "SILENT" }),
      metrics: new Metrics({ namespace: "Bench" }),
    });
    proxy.take();
    proxy.takeCapacity();
    const measure = async (batch: typeof first, firstIndex: number): Promise<BatchRequests> => {
      const result = await processor.processBatch(benchEvent(batch, firstIndex));
      if (result.summary.retryFrom !== null) {
        throw new Error(
          `The processor could not write every bar of the benchmark batch: ${result.failures
            .map((failure) => `${failure.symbol} ${failure.start}: ${failure.error.message}`)
            .slice(0, 3)
            .join("; ")}`,
        );
      }
      const requests = proxy.take();
      const capacity = proxy.takeCapacity();
      await processor.processBatch(benchEvent(batch, firstIndex));
      const replayRequests = proxy.take();
      const replayCapacity = proxy.takeCapacity();
      return {
        ...capacity,
        replay: { totalRequests: total(replayRequests, () => true), ...replayCapacity },
        ticks: batch.reduce((sum, record) => sum + record.validTicks.length, 0),
        bars: result.summary.bars,
        requests,
        totalRequests: total(requests, () => true),
        writes: total(requests, (name) => WRITE_OPERATIONS.has(name)),
      };
    };
    const firstBatch = await measure(first, 0);
    const secondBatch = await measure(second, first.length);
    return { symbols, firstBatch, secondBatch };
  } finally {
    dynamodb.destroy();
    await proxy.stop();
  }
}
