import type { KinesisStreamBatchResponse } from "aws-lambda";
import { APPLICATION_LOG_LEVEL, METRICS_NAMESPACE } from "../../modules/compute/runtime";
import { environmentSettings } from "../../modules/config/settings";
import { localDynamoDbName } from "../local-aws/dynamodb-local";
import { quantile } from "../local-run/freshness-probe";
import { createAnalyticsTable, localDynamoDbClient, type LocalAws } from "../local-aws/local-aws";
import { LocalFunction } from "../local-aws/local-lambda";
import { benchEvent, groupByTicks, marketRecords } from "./bench-market";

export interface HandlerLatency {
  readonly handlerPath: string;
  /** What served DynamoDB: `DynamoDB Local`, or `dynalite` without Java 17. */
  readonly dynamodb: string;
  readonly ticksPerBatch: number;
  readonly symbols: number;
  readonly batches: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface HandlerLatencyOptions {
  /** The processor module to run: a built bundle or the TypeScript handler. */
  readonly handlerPath: string;
  /** Timed batches, after the warm-up ones. @default 100 */
  readonly batches?: number;
  /** @default 5 */
  readonly warmupBatches?: number;
}

/**
 * The processor handler's duration (as Lambda reports it: from the handler's start to its
 * response) for batches of 500 ticks over 50 symbols against the local DynamoDB (DynamoDB Local, or
 * dynalite without Java 17), run in a local sandbox with dev's memory setting. The market runs at
 * 2,000 ticks/s, so consecutive batches update the same minute's bars: one read and one
 * conditional write per bar, as in steady state.
 */
export async function measureHandlerLatency(
  local: LocalAws,
  options: HandlerLatencyOptions,
): Promise<HandlerLatency> {
  const timed = options.batches ?? 100;
  const warmup = options.warmupBatches ?? 5;
  const ticksPerBatch = 500;
  const symbols = 50;
  const tableName = "bench-latency-market-analytics-us-east-1-local";
  const client = localDynamoDbClient(local);
  try {
    await createAnalyticsTable(client, tableName);
  } finally {
    client.destroy();
  }
  const { records } = marketRecords({
    ticks: (timed + warmup) * ticksPerBatch,
    symbols,
    faults: 0.01,
    startMs: Date.now(),
    ticksPerSecond: 2000,
  });
  const batches = groupByTicks(records, ticksPerBatch).slice(0, timed + warmup);
  const settings = environmentSettings("dev");
  const processor = new LocalFunction({
    functionName: "bench-market-processor-us-east-1-local",
    handlerPath: options.handlerPath,
    environment: {
      ...local.env,
      ENVIRONMENT: "dev",
      POWERTOOLS_SERVICE_NAME: "market-processor",
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: APPLICATION_LOG_LEVEL,
      TABLE_NAME: tableName,
      BAR_TTL_DAYS: String(settings.table.barRetentionDays),
    },
    memoryMb: settings.lambda.memoryMb,
    timeoutSeconds: settings.lambda.streamConsumerTimeoutSeconds,
    maxConcurrency: 1,
    region: local.region,
    // The handler's logs and metrics are not what is measured here.
    onOutput: () => undefined,
  });
  try {
    let firstIndex = 0;
    for (const batch of batches) {
      const response = await processor.invoke<KinesisStreamBatchResponse>(
        benchEvent(batch, firstIndex),
      );
      if (response.batchItemFailures.length > 0) {
        throw new Error(
          `The processor reported a batch item failure in the latency benchmark (${JSON.stringify(response.batchItemFailures)}).`,
        );
      }
      firstIndex += batch.length;
    }
    const durations = processor.stats.durationsMs.slice(warmup).sort((a, b) => a - b);
    return {
      handlerPath: options.handlerPath,
      dynamodb: localDynamoDbName(),
      ticksPerBatch,
      symbols,
      batches: durations.length,
      p50Ms: quantile(durations, 0.5) ?? Number.NaN,
      p99Ms: quantile(durations, 0.99) ?? Number.NaN,
      maxMs: durations[durations.length - 1] ?? Number.NaN,
    };
  } finally {
    await processor.close();
  }
}
