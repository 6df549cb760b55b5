import { randomUUID } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import type { BarUpdate } from "../domain/idempotency";
import { applyTrades, planBarUpdates } from "../domain/idempotency";
import type { MalformedInput } from "../domain/record";
import { decodeStreamRecords } from "../domain/record";
import { compareSequenceNumbers } from "../domain/sequence";
import { toIso } from "../domain/time";
import type { StoredBar, StoredPage } from "../shared/bar-codec";
import type { PageAddress, PageDirectory } from "../domain/trade-set";
import { hashTradeId, pageId } from "../domain/trade-set";
import { barKey } from "../domain/idempotency";
import { createDynamoDbClient } from "../shared/clients";
import { mapWithConcurrency } from "../shared/concurrency";
import type { Environment } from "../shared/env";
import { positiveIntegerEnv, requiredEnv } from "../shared/env";
import { toStreamRecords } from "../shared/kinesis-event";
import { createLogger, createMetrics } from "../shared/observability";
import type { CapacityUsage, PageRequest } from "./bar-store";
import { BarStore, defaultBackoffMs, sleep } from "./bar-store";
import type { LoadedBar, SetWrite } from "./trade-set-writes";
import {
  TRANSACTION_ITEM_LIMIT,
  afterWrite,
  isCountedIn,
  pagesNeeded,
  planSetWrite,
  writeItems,
} from "./trade-set-writes";

/** Large sets whose page directory a container keeps, to read their pages in the first round. */
const DIRECTORY_CACHE_SIZE = 1_000;

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
}

/** What one batch did. Counts of malformed input cover only records the batch commits. */
export interface ProcessorSummary {
  /** The batch's shard, `null` for an empty batch. */
  readonly shardId: string | null;
  readonly records: number;
  /** Valid ticks in the batch: appliedTicks + duplicateTicks + retryTicks. */
  readonly validTicks: number;
  /** Distinct trades newly counted into bars. Summed over invocations: exactly the trades in bars. */
  readonly appliedTicks: number;
  /** Ticks whose trade was already counted in its bar (redeliveries, re-puts, replays), skipped. */
  readonly duplicateTicks: number;
  /** Ticks of bars that could not be written; Lambda redelivers them from `retryFrom`. */
  readonly retryTicks: number;
  /** Records that could not be decoded at all (bad base64, UTF-8 or JSON, or an empty array). */
  readonly malformedRecords: number;
  /** Ticks that failed validation inside decodable records. */
  readonly malformedTicks: number;
  /** Distinct 1-minute bars the batch touches. */
  readonly bars: number;
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

type BarOutcome =
  | {
      readonly status: "written" | "unchanged";
      readonly appliedTicks: number;
      readonly duplicateTicks: number;
      readonly conflicts: number;
    }
  | { readonly status: "failed"; readonly error: Error; readonly conflicts: number };

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Builds the market processor (Kinesis -> DynamoDB 1-minute bars).
 *
 * Per batch: decode and validate every record (malformed input is logged, counted and skipped);
 * group valid ticks by bar and record; read the touched bars in one strongly consistent
 * BatchGetItem round; apply each record above its stream's watermark (see `domain/idempotency`);
 * write each changed bar once with a conditional PutItem on its version, re-reading and retrying
 * on conflict (a write whose response was lost is recognised by its `writeId`). A bar that cannot be written reports its earliest sequence number; Lambda retries
 * from the lowest one reported, and the watermarks make that retry skip whatever was written.
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
  const store = new BarStore({
    client: options.dynamodb,
    tableName: options.tableName,
    ttlDays: options.barTtlDays,
    backoffMs,
  });

  /** A bar item and the pages of its large set that `ticks` fall into, read consistently. */
  async function loadBar(update: BarUpdate): Promise<LoadedBar> {
    const stored = await store.read(update);
    if (stored === null || stored.trades.kind === "inline") {
      return { stored, pages: new Map() };
    }
    const pages = (
      await store.readPages([
        {
          symbol: update.symbol,
          start: update.start,
          setId: stored.trades.setId,
          pages: pagesNeeded(
            stored,
            update.ticks.map((tick) => tick.tradeId),
          ),
        },
      ])
    ).get(update.key);
    if (pages instanceof Error || pages === undefined) {
      throw pages ?? new Error("pages were not read");
    }
    return { stored, pages };
  }

  /**
   * The largest write of the first trades of `added` that fits one transaction; the rest waits
   * for the next write. A set spilling or a page splitting adds items, so the count is checked
   * on the planned write itself.
   */
  function nextWrite(loaded: LoadedBar, added: readonly BarUpdate["ticks"][number][]): SetWrite {
    for (let take = added.length; ; take = Math.ceil(take / 2)) {
      const chunk = added.slice(0, take);
      const bar = applyTrades(loaded.stored?.bar, chunk, () => false).bar;
      if (bar === undefined) {
        throw new Error("a write needs at least one trade");
      }
      const write = planSetWrite(loaded, bar, chunk, randomUUID());
      if (writeItems(write) <= TRANSACTION_ITEM_LIMIT || take === 1) {
        return write;
      }
    }
  }

  async function commitBar(update: BarUpdate, initial: LoadedBar | Error): Promise<BarOutcome> {
    if (initial instanceof Error) {
      return { status: "failed", error: initial, conflicts: 0 };
    }
    let loaded = initial;
    let conflicts = 0;
    let appliedTicks = 0;
    for (let attempt = 1; ; attempt += 1) {
      const applied = applyTrades(loaded.stored?.bar, update.ticks, (id) =>
        isCountedIn(loaded, id),
      );
      let remaining = applied.added;
      if (remaining.length === 0) {
        return {
          status: appliedTicks > 0 ? "written" : "unchanged",
          appliedTicks,
          duplicateTicks: update.ticks.length - appliedTicks,
          conflicts,
        };
      }
      let lost = false;
      while (remaining.length > 0) {
        const write = nextWrite(loaded, remaining);
        const writeId = randomUUID();
        let written: "written" | "conflict";
        try {
          written = await store.write(update.symbol, update.start, write, writeId);
        } catch (error) {
          // The write may have landed with only its response lost (after the SDK gave up retrying).
          const landed = await store.read(update).then(
            (stored) => stored?.writeId === writeId,
            () => false,
          );
          if (!landed) {
            return { status: "failed", error: asError(error), conflicts };
          }
          written = "written";
        }
        if (written === "conflict") {
          try {
            if (attempt > 1) {
              await sleep(backoffMs(attempt - 1));
            }
            const current = await loadBar(update);
            remember(update.key, current.stored);
            if (current.stored?.writeId === writeId) {
              // This write landed; its response was lost and the SDK's retry failed the condition.
              written = "written";
            } else {
              conflicts += 1;
              loaded = current;
              lost = true;
            }
          } catch (error) {
            return { status: "failed", error: asError(error), conflicts };
          }
        }
        if (lost) {
          break;
        }
        appliedTicks += write.added.length;
        loaded = afterWrite(loaded, write, (write.expectedVersion ?? 0) + 1, writeId);
        remember(update.key, loaded.stored);
        remaining = remaining.slice(write.added.length);
      }
      if (!lost) {
        return {
          status: "written",
          appliedTicks,
          duplicateTicks: update.ticks.length - appliedTicks,
          conflicts,
        };
      }
      if (attempt >= maxWriteAttempts) {
        return {
          status: "failed",
          error: new Error(`conditional write lost ${conflicts} races in a row`),
          conflicts,
        };
      }
    }
  }

  /**
   * Page directories of the large sets this container has written or read, newest last: with
   * them the pages a batch needs are read in the same round as the bar items. Only a hint: the
   * bar item read in that round decides, and pages it names that were not read are read next.
   */
  const directories = new Map<
    string,
    { readonly setId: string; readonly directory: PageDirectory }
  >();
  const remember = (key: string, stored: StoredBar | null): void => {
    directories.delete(key);
    if (stored?.trades.kind === "paged") {
      directories.set(key, { setId: stored.trades.setId, directory: stored.trades.directory });
      if (directories.size > DIRECTORY_CACHE_SIZE) {
        directories.delete(directories.keys().next().value as string);
      }
    }
  };

  /** Every touched bar with the pages its ticks need, in one read round when the cache knows. */
  async function loadBars(updates: readonly BarUpdate[]): Promise<Map<string, LoadedBar | Error>> {
    const predicted = new Map<string, PageRequest>();
    for (const update of updates) {
      const known = directories.get(update.key);
      if (known !== undefined) {
        const pages = new Map<string, PageAddress>();
        for (const tick of update.ticks) {
          const page = known.directory.pageOf(hashTradeId(tick.tradeId));
          pages.set(pageId(page), page);
        }
        predicted.set(update.key, {
          symbol: update.symbol,
          start: update.start,
          setId: known.setId,
          pages: [...pages.values()],
        });
      }
    }
    const first = await store.readRound(updates, [...predicted.values()]);
    const loaded = new Map<string, LoadedBar | Error>();
    const secondRound: PageRequest[] = [];
    const partial = new Map<string, Map<string, StoredPage>>();
    for (const update of updates) {
      const read = first.bars.get(update.key);
      if (read === undefined || read instanceof Error) {
        loaded.set(update.key, read ?? new Error("bar was not read"));
        continue;
      }
      remember(update.key, read);
      if (read === null || read.trades.kind === "inline") {
        loaded.set(update.key, { stored: read, pages: new Map() });
        continue;
      }
      const guess = predicted.get(update.key);
      const fetched = guess?.setId === read.trades.setId ? first.pages.get(update.key) : undefined;
      const requested = new Set(guess?.pages.map(pageId));
      const needed = pagesNeeded(
        read,
        update.ticks.map((tick) => tick.tradeId),
      );
      const have = new Map<string, StoredPage>();
      const missing: PageAddress[] = [];
      for (const page of needed) {
        const id = pageId(page);
        const stored = fetched instanceof Map ? fetched.get(id) : undefined;
        if (fetched instanceof Map && requested.has(id)) {
          if (stored !== undefined) {
            have.set(id, stored);
          }
        } else {
          missing.push(page);
        }
      }
      if (missing.length === 0) {
        loaded.set(update.key, { stored: read, pages: have });
        continue;
      }
      partial.set(update.key, have);
      secondRound.push({
        symbol: update.symbol,
        start: update.start,
        setId: read.trades.setId,
        pages: missing,
      });
    }
    if (secondRound.length > 0) {
      const pages = await store.readPages(secondRound);
      for (const request of secondRound) {
        const key = barKey(request.symbol, request.start);
        const found = pages.get(key);
        if (found instanceof Error || found === undefined) {
          loaded.set(key, found ?? new Error("pages were not read"));
          continue;
        }
        const all = partial.get(key) ?? new Map<string, StoredPage>();
        for (const [id, page] of found) {
          all.set(id, page);
        }
        loaded.set(key, { stored: first.bars.get(key) as StoredBar, pages: all });
      }
    }
    return loaded;
  }

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
    const updates = planBarUpdates(decoded.records);
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
      malformedRecords: malformed.filter((entry) => entry.tickIndex === null).length,
      malformedTicks: malformed.filter((entry) => entry.tickIndex !== null).length,
      bars: updates.length,
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
