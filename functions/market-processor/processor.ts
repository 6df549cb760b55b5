import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { planBarUpdates } from "../domain/idempotency";
import type { MalformedInput } from "../domain/record";
import { decodeStreamRecords } from "../domain/record";
import { compareSequenceNumbers } from "../domain/sequence";
import { toIso } from "../domain/time";
import { barIsClosed } from "../shared/bar-codec";
import { createDynamoDbClient } from "../shared/clients";
import { mapWithConcurrency } from "../shared/concurrency";
import type { Environment } from "../shared/env";
import { positiveIntegerEnv, requiredEnv } from "../shared/env";
import { toStreamRecords } from "../shared/kinesis-event";
import { createLogger, createMetrics } from "../shared/observability";
import { createBarCommitter } from "./bar-commits";
import type { CapacityUsage } from "./bar-store";
import { BarStore, defaultBackoffMs } from "./bar-store";

/** Bars past their retention named in the warning of one batch. */
const PAST_RETENTION_BARS_LOGGED = 10;

export interface MarketProcessorOptions {
  readonly dynamodb: DynamoDBClient;
  /** The analytics table. */
  readonly tableName: string;
  /** Bars expire by TTL this many days after their minute. */
  readonly barTtlDays: number;
  /** @default - a Powertools logger configured from the environment */
  readonly logger?: Logger;
  /** @default - Powertools metrics configured from the environment */
  readonly metrics?: Metrics;
  /** Conditional-write attempts per bar before it is reported as failed. @default 6 */
  readonly maxWriteAttempts?: number;
  /** Bars written at once. @default 16 */
  readonly writeConcurrency?: number;
  /** Wait before retry `attempt` (1-based), in milliseconds. @default - full jitter, 25 ms doubling, capped at 1 s */
  readonly backoffMs?: (attempt: number) => number;
  /** The clock that says which bars are past their retention, epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** What one batch did. Counts of malformed input cover only records the batch commits. */
export interface ProcessorSummary {
  /** The batch's shard, `null` for an empty batch. */
  readonly shardId: string | null;
  readonly records: number;
  /** Valid ticks in the batch: appliedTicks + duplicateTicks + retryTicks + pastRetentionTicks. */
  readonly validTicks: number;
  /** Distinct trades newly counted into bars. Summed over invocations: exactly the trades in bars. */
  readonly appliedTicks: number;
  /** Ticks whose trade was already counted in its bar (redeliveries, re-puts, replays), skipped. */
  readonly duplicateTicks: number;
  /** Ticks of bars that could not be written; Lambda redelivers them from `retryFrom`. */
  readonly retryTicks: number;
  /**
   * Ticks of bars past their retention (the configured one or the TTL the bar was created with
   * has passed, or will within the hour: see `barIsClosed`), not counted: TTL may have deleted
   * part of such a bar's trades. Counted per delivery, as duplicates are: a retried batch counts
   * them again.
   */
  readonly pastRetentionTicks: number;
  /** Records that could not be decoded at all (bad base64, UTF-8 or JSON, or an empty array). */
  readonly malformedRecords: number;
  /** Ticks that failed validation inside decodable records. */
  readonly malformedTicks: number;
  /** Distinct 1-minute bars the batch touches, past their retention included. */
  readonly bars: number;
  /** Bars past their retention, left alone. */
  readonly barsPastRetention: number;
  readonly barsWritten: number;
  /** Bars with nothing new to apply (every trade already counted): no write. */
  readonly barsUnchanged: number;
  readonly barsFailed: number;
  /** Conditional writes that lost a race and were retried. */
  readonly writeConflicts: number;
  /** The sequence number Lambda retries from, `null` when the batch is complete. */
  readonly retryFrom: string | null;
  /** DynamoDB requests and the capacity units they consumed, as DynamoDB reported them. */
  readonly readUnits: number;
  readonly writeUnits: number;
}

export interface BarFailure {
  readonly symbol: string;
  /** Minute start, ISO-8601. */
  readonly start: string;
  readonly earliestSequenceNumber: string;
  readonly error: Error;
}

export interface ProcessorResult {
  /** The `ReportBatchItemFailures` response for Lambda. */
  readonly response: KinesisStreamBatchResponse;
  readonly summary: ProcessorSummary;
  /** Malformed records and ticks the batch commits (logged and counted once). */
  readonly malformed: readonly MalformedInput[];
  readonly failures: readonly BarFailure[];
}

export interface MarketProcessor {
  /** Decodes, aggregates and writes one batch; reports failures instead of throwing. */
  readonly processBatch: (event: KinesisStreamEvent) => Promise<ProcessorResult>;
  /** The Lambda handler: `processBatch`, plus the context in logs and the summary as EMF metrics. */
  readonly handler: (
    event: KinesisStreamEvent,
    context: Context,
  ) => Promise<KinesisStreamBatchResponse>;
}

/**
 * Builds the market processor (Kinesis -> DynamoDB 1-minute bars).
 *
 * Per batch: decode and validate every record (malformed input is logged, counted and skipped);
 * group valid ticks by bar; leave bars past their retention alone (their ticks are counted as
 * such, see `barIsClosed`); read the touched bars (and the pages of large trade sets) in one
 * strongly consistent round; add each bar's trades not yet in its set (see `domain/idempotency`)
 * with conditional writes (see `bar-commits`). A bar that cannot be written reports its earliest
 * sequence number; Lambda retries from the lowest one reported, and the sets make that retry
 * skip whatever was written.
 *
 * Powertools' BatchProcessor is not used here: it runs a handler per record, while the unit of
 * work is the bar (one read and one write per bar, whatever the number of records touching it).
 */
export function createMarketProcessor(options: MarketProcessorOptions): MarketProcessor {
  const logger = options.logger ?? createLogger();
  const metrics = options.metrics ?? createMetrics();
  const maxWriteAttempts = options.maxWriteAttempts ?? 6;
  const writeConcurrency = options.writeConcurrency ?? 16;
  const backoffMs = options.backoffMs ?? defaultBackoffMs;
  const now = options.now ?? Date.now;
  const store = new BarStore({
    client: options.dynamodb,
    tableName: options.tableName,
    ttlDays: options.barTtlDays,
    backoffMs,
  });

  const { loadBars, commitBar } = createBarCommitter(store, { maxWriteAttempts, backoffMs, now });

  async function processBatch(event: KinesisStreamEvent): Promise<ProcessorResult> {
    const records = toStreamRecords(event.Records);
    const shardId = records[0]?.shardId ?? null;
    const otherShard = records.find((record) => record.shardId !== shardId);
    if (otherShard !== undefined) {
      throw new Error(
        `A Kinesis batch holds records of one shard; got ${shardId} and ${otherShard.shardId}`,
      );
    }
    const decoded = decodeStreamRecords(records);
    const planned = planBarUpdates(decoded.records);
    // Bars past their retention are neither read nor written (see `barIsClosed`).
    const nowMs = now();
    const updates = planned.filter(
      (update) => !barIsClosed(update.start, options.barTtlDays, nowMs),
    );
    const pastRetention = planned.filter((update) =>
      barIsClosed(update.start, options.barTtlDays, nowMs),
    );

    const usageBefore: CapacityUsage = { ...store.usage };
    const loaded = await loadBars(updates);
    const outcomes = await mapWithConcurrency(updates, writeConcurrency, (update) =>
      commitBar(update, loaded.get(update.key) ?? new Error("bar was not read")),
    );

    let appliedTicks = 0;
    let duplicateTicks = 0;
    let retryTicks = 0;
    let barsWritten = 0;
    let barsUnchanged = 0;
    let writeConflicts = 0;
    let retryFrom: string | null = null;
    const failures: BarFailure[] = [];
    outcomes.forEach((outcome, i) => {
      const update = updates[i];
      writeConflicts += outcome.conflicts;
      if (outcome.status === "past-retention") {
        pastRetention.push(update);
        return;
      }
      if (outcome.status === "failed") {
        retryTicks += update.ticks.length;
        failures.push({
          symbol: update.symbol,
          start: toIso(update.start),
          earliestSequenceNumber: update.earliestSequenceNumber,
          error: outcome.error,
        });
        if (
          retryFrom === null ||
          compareSequenceNumbers(update.earliestSequenceNumber, retryFrom) < 0
        ) {
          retryFrom = update.earliestSequenceNumber;
        }
        return;
      }
      appliedTicks += outcome.appliedTicks;
      duplicateTicks += outcome.duplicateTicks;
      if (outcome.status === "written") {
        barsWritten += 1;
      } else {
        barsUnchanged += 1;
      }
    });

    // Records from retryFrom on come back in the retry; their malformed input is counted then.
    const committedBefore = retryFrom;
    const malformed =
      committedBefore === null
        ? decoded.malformed
        : decoded.malformed.filter(
            (entry) => compareSequenceNumbers(entry.sequenceNumber, committedBefore) < 0,
          );
    for (const { tickIndex, ...where } of malformed) {
      // `scope` says what was skipped: a whole record, or one tick of it (at `tickIndex`).
      logger.warn(
        "Skipped malformed input",
        tickIndex === null ? { ...where, scope: "record" } : { ...where, scope: "tick", tickIndex },
      );
    }
    const pastRetentionTicks = pastRetention.reduce((sum, update) => sum + update.ticks.length, 0);
    if (pastRetention.length > 0) {
      logger.warn("Skipped ticks of bars past their retention", {
        pastRetentionTicks,
        retentionDays: options.barTtlDays,
        // The first few bars, oldest first, enough to find their records in the archive.
        bars: [...pastRetention]
          .sort((a, b) => a.start - b.start)
          .slice(0, PAST_RETENTION_BARS_LOGGED)
          .map((update) => ({
            symbol: update.symbol,
            start: toIso(update.start),
            ticks: update.ticks.length,
            earliestSequenceNumber: update.earliestSequenceNumber,
          })),
      });
    }
    for (const failure of failures) {
      logger.error("Bar write failed; Lambda retries the batch from its earliest record", {
        symbol: failure.symbol,
        start: failure.start,
        earliestSequenceNumber: failure.earliestSequenceNumber,
        error: failure.error,
      });
    }

    const summary: ProcessorSummary = {
      shardId,
      records: records.length,
      validTicks: decoded.validTicks,
      appliedTicks,
      duplicateTicks,
      retryTicks,
      pastRetentionTicks,
      malformedRecords: malformed.filter((entry) => entry.tickIndex === null).length,
      malformedTicks: malformed.filter((entry) => entry.tickIndex !== null).length,
      bars: planned.length,
      barsPastRetention: pastRetention.length,
      barsWritten,
      barsUnchanged,
      barsFailed: failures.length,
      writeConflicts,
      retryFrom,
      readUnits: store.usage.readUnits - usageBefore.readUnits,
      writeUnits: store.usage.writeUnits - usageBefore.writeUnits,
    };
    logger.info("Batch processed", { summary });
    return {
      response: { batchItemFailures: retryFrom === null ? [] : [{ itemIdentifier: retryFrom }] },
      summary,
      malformed,
      failures,
    };
  }

  function recordMetrics(summary: ProcessorSummary): void {
    const counts: [string, number][] = [
      ["Records", summary.records],
      ["TicksApplied", summary.appliedTicks],
      ["DuplicateTicks", summary.duplicateTicks],
      ["TicksRetried", summary.retryTicks],
      ["TicksPastRetention", summary.pastRetentionTicks],
      ["MalformedRecords", summary.malformedRecords],
      ["MalformedTicks", summary.malformedTicks],
      ["BarsWritten", summary.barsWritten],
      ["BarWriteConflicts", summary.writeConflicts],
      ["BarWriteFailures", summary.barsFailed],
    ];
    for (const [name, value] of counts) {
      metrics.addMetric(name, MetricUnit.Count, value);
    }
  }

  async function handler(
    event: KinesisStreamEvent,
    context: Context,
  ): Promise<KinesisStreamBatchResponse> {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    try {
      const result = await processBatch(event);
      recordMetrics(result.summary);
      return result.response;
    } finally {
      metrics.publishStoredMetrics();
    }
  }

  return { processBatch, handler };
}

/** Options from the function's environment: `TABLE_NAME`, `BAR_TTL_DAYS` and the Powertools variables. */
export function processorOptionsFromEnv(env: Environment = process.env): MarketProcessorOptions {
  return {
    dynamodb: createDynamoDbClient(),
    tableName: requiredEnv("TABLE_NAME", env),
    barTtlDays: positiveIntegerEnv("BAR_TTL_DAYS", env),
    logger: createLogger(env),
    metrics: createMetrics(env),
  };
}
