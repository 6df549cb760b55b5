import { randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";
import { createMarketProcessor } from "../../functions/market-processor/processor";
import { BAR_PARTITION_PREFIX } from "../../functions/shared/bar-codec";
import { createAnalyticsTable, LOCAL_CREDENTIALS, type LocalAws } from "../local-aws/local-aws";
import { BENCH_SHARD, BENCH_STREAM_ARN, sequenceNumber } from "./bench-market";
import { itemSize, type WireItem } from "./capacity";
import { CountingProxy } from "./counting-proxy";

/** One batch of the hot bar's growth. */
export interface HotBarBatch {
  /** Distinct trades in the bar after this batch. */
  readonly tradesAfter: number;
  readonly ticks: number;
  /** Requests that reached DynamoDB, by operation. */
  readonly requests: ReadonlyMap<string, number>;
  readonly totalRequests: number;
  /** Capacity DynamoDB reported for the batch. */
  readonly readUnits: number;
  readonly writeUnits: number;
}

/** The hot bar's items at a point of its growth. */
export interface HotBarItems {
  readonly trades: number;
  readonly barItemBytes: number;
  readonly pages: number;
  readonly largestPageBytes: number;
  readonly totalBytes: number;
}

export interface HotBarFigures {
  readonly ticksPerBatch: number;
  readonly batches: readonly HotBarBatch[];
  /** Item sizes at each milestone of {@link MILESTONES}. */
  readonly items: readonly HotBarItems[];
  /** The last batch delivered again: what a redelivery of a hot bar costs. */
  readonly replay: HotBarBatch;
}

export const HOT_BAR_TRADES = 50_000;
export const MILESTONES = [1_000, 5_000, 10_000, 25_000, 50_000] as const;

function eventOf(ticks: readonly object[], firstIndex: number): { Records: KinesisStreamRecord[] } {
  return {
    Records: ticks.map((tick, i) => ({
      awsRegion: "us-east-1",
      eventID: `${BENCH_SHARD}:${sequenceNumber(firstIndex + i)}`,
      eventName: "aws:kinesis:record",
      eventSource: "aws:kinesis",
      eventSourceARN: BENCH_STREAM_ARN,
      eventVersion: "1.0",
      invokeIdentityArn: "arn:aws:iam::000000000000:role/bench",
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: randomUUID(),
        sequenceNumber: sequenceNumber(firstIndex + i),
        data: Buffer.from(JSON.stringify(tick)).toString("base64"),
        approximateArrivalTimestamp: Date.now() / 1000,
      },
    })),
  };
}

/**
 * Grows one bar to {@link HOT_BAR_TRADES} trades with random UUID ids (the worst case for the
 * set's encoding), `ticksPerBatch` at a time, through the real processor, counting requests and
 * metering capacity on the wire per batch, and measuring the items as they grow.
 */
export async function measureHotBar(
  local: LocalAws,
  ticksPerBatch = 500,
  progress: (message: string) => void = () => undefined,
): Promise<HotBarFigures> {
  const upstream = local.endpoints.dynamodb;
  if (!upstream) {
    throw new Error("measureHotBar needs a local DynamoDB: start it with startLocalAws().");
  }
  const { proxy, endpoint } = await CountingProxy.start(upstream);
  const dynamodb = new DynamoDBClient({
    endpoint,
    region: local.region,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const tableName = "bench-hot-bar-us-east-1-local";
    await createAnalyticsTable(dynamodb, tableName);
    const processor = createMarketProcessor({
      dynamodb,
      tableName,
      barTtlDays: 7,
      logger: new Logger({ logLevel: "SILENT" }),
      metrics: new Metrics({ namespace: "Bench" }),
    });
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const batches: HotBarBatch[] = [];
    const items: HotBarItems[] = [];
    let trades = 0;
    let lastBatch: object[] = [];
    const run = async (ticks: object[], firstIndex: number): Promise<HotBarBatch> => {
      proxy.take();
      proxy.takeCapacity();
      const result = await processor.processBatch(eventOf(ticks, firstIndex));
      if (result.summary.retryFrom !== null) {
        throw new Error(
          `The processor could not write the hot bar: ${result.failures.map((f) => f.error.message).join("; ")}`,
        );
      }
      // The response has reached the client, so the proxy has metered it.
      const requests = proxy.take();
      const capacity = proxy.takeCapacity();
      let totalRequests = 0;
      for (const count of requests.values()) {
        totalRequests += count;
      }
      trades += result.summary.appliedTicks;
      return {
        tradesAfter: trades,
        ticks: ticks.length,
        requests,
        totalRequests,
        readUnits: capacity.readUnits,
        writeUnits: capacity.writeUnits,
      };
    };
    for (let index = 0; trades < HOT_BAR_TRADES; index += ticksPerBatch) {
      lastBatch = Array.from({ length: ticksPerBatch }, (_, i) => ({
        symbol: "HOT",
        price: (10_000 + ((index + i) % 1_000)) / 100,
        size: 1 + ((index + i) % 7),
        ts: minute + ((index + i) % 60_000),
        tradeId: randomUUID(),
      }));
      batches.push(await run(lastBatch, index));
      if ((MILESTONES as readonly number[]).includes(trades)) {
        items.push(await measureItems(dynamodb, tableName, trades));
        progress(`hot bar at ${trades.toLocaleString("en-US")} trades`);
      }
    }
    const replay = await run(lastBatch, HOT_BAR_TRADES - ticksPerBatch);
    return { ticksPerBatch, batches, items, replay };
  } finally {
    dynamodb.destroy();
    await proxy.stop();
  }
}

/** An SDK item in the wire form (binary as base64) that `capacity.ts` measures. */
function toWire(item: Record<string, AttributeValue>): WireItem {
  const wire: WireItem = {};
  for (const [name, value] of Object.entries(item)) {
    wire[name] =
      value.B !== undefined
        ? { B: Buffer.from(value.B).toString("base64") }
        : { S: value.S, N: value.N };
  }
  return wire;
}

async function measureItems(
  dynamodb: DynamoDBClient,
  tableName: string,
  trades: number,
): Promise<HotBarItems> {
  let barItemBytes = 0;
  let pages = 0;
  let largestPageBytes = 0;
  let totalBytes = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      const size = itemSize(toWire(item));
      totalBytes += size;
      if (item.pk?.S?.startsWith(BAR_PARTITION_PREFIX) === true) {
        barItemBytes = size;
      } else {
        pages += 1;
        largestPageBytes = Math.max(largestPageBytes, size);
      }
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return { trades, barItemBytes, pages, largestPageBytes, totalBytes };
}
