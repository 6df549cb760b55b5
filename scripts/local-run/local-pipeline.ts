import path from "node:path";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import type { _Record as KinesisRecord } from "@aws-sdk/client-kinesis";
import type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  LambdaFunctionURLEvent,
  LambdaFunctionURLResult,
} from "aws-lambda";
import { z } from "zod";
import {
  APPLICATION_LOG_LEVEL,
  METRICS_NAMESPACE,
  REPOSITORY_ROOT,
  type FunctionService,
} from "../../modules/compute/runtime";
import { environmentSettings, REGION } from "../../modules/config/settings";
import { formatDifferences } from "../operations/bar-differences";
import { reconcileRange } from "../operations/reconcile";
import { writeRunHtmlReport } from "./report/run-html-report";
import { FreshnessSamples, recordRunReport } from "./report/run-report-data";
import { AnalyticsClient, type ExactApiBar } from "../smoke/analytics-client";
import { auditArchive, type SentRecordView } from "./archive-audit";
import { localDynamoDbName, sharedDynamoDbLocalEndpoint } from "../local-aws/dynamodb-local";
import {
  ShardPoller,
  type BatchInvoker,
  type DeadLetteredBatch,
  type ShardPollerStats,
} from "../local-aws/event-source-mapping";
import {
  simulatedMapping,
  type SimulatedMapping,
} from "../local-aws/event-source-mapping-deployed";
import { FreshnessProbe, quantile } from "./freshness-probe";
import { FunctionOutput, MalformedInputLedger } from "./function-output";
import { KinesisProducer, type Placement } from "../market/kinesis-producer";
import { createLocalClients, type LocalClients } from "../local-aws/local-clients";
import { LocalFunction } from "../local-aws/local-lambda";
import type { LocalRunOptions } from "./local-run-options";
import { createLocalResources, localNames, roleArn, type LocalNames } from "./local-resources";
import { ProgressLine, type ProgressOutput, type ProgressSnapshot } from "../cli/progress-line";
import {
  formatMinute,
  reconcile,
  sessionOf,
  type RePutFigures,
  type Reconciliation,
  type RunFigures,
  type RunReconcile,
  type SessionRow,
} from "./run-report";
import {
  RePutPlanner,
  SyntheticMarket,
  type MarketRecord,
  type RePutPlan,
  type Tick,
} from "../market/synthetic-market";
import { auditTtl } from "./ttl-audit";

/** Local AWS services, running until stopped. */
export interface LocalServices {
  stop(): Promise<void>;
}

export interface PipelineIo {
  /**
   * Starts kinesalite and s3rver (and dynalite where no DynamoDB Local runs: `DYNAMODB_LOCAL_ENDPOINT`
   * unset) and points `AWS_ENDPOINT_URL_*` at them and at DynamoDB.
   */
  readonly startServices: () => Promise<LocalServices>;
  /** Where the once-a-second progress goes. @default - no progress output */
  readonly progress?: ProgressOutput;
  /** Status messages between the phases. @default - none */
  readonly status?: (message: string) => void;
  /** Directory for the functions' log files. @default - no log files */
  readonly logDirectory?: string;
  /** Aborting stops the producers early; the run then drains and reports as usual. */
  readonly signal?: AbortSignal;
  /**
   * Runs once the bars and the archive are read back, just before the run's reconcile compares
   * them: tests change the table here (delete a bar) to see the reconcile report it and fail.
   */
  readonly beforeReconcile?: (run: {
    readonly clients: LocalClients;
    readonly tableName: string;
    readonly bucketName: string;
  }) => Promise<void>;
}

export interface LocalRunResult {
  readonly names: LocalNames;
  readonly sessions: readonly SessionRow[];
  /** Symbols of the market that had no bar. */
  readonly symbolsWithoutTrades: readonly string[];
  readonly figures: RunFigures;
  readonly reconciliation: Reconciliation;
  /** Log lines per function and level, e.g. `market-processor` -> `WARN` -> 12. */
  readonly logLevels: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly ttlEnabled: boolean;
  /** The run's HTML report, `report.html` in the log directory; none without a log directory. */
  readonly reportPath?: string;
  /** Each event source mapping poller (function, shard, lane) with what it did. */
  readonly pollers: readonly {
    readonly functionName: string;
    readonly shardId: string;
    readonly lane: number;
    readonly stats: ShardPollerStats;
  }[];
}

/** Records a single PutRecords carries at most; the producer batches up to this many. */
const PRODUCER_BATCH_RECORDS = 500;
/** PutRecords requests in flight at once. */
const PRODUCER_IN_FLIGHT = 4;
/**
 * How long the pipeline may take to catch up after the producers stop, in ms, beyond the
 * archiver's batching window.
 */
const DRAIN_TIMEOUT_MS = 180_000;
/** Records arriving after the run's last minute that the reconcile still reads (as its CLI default). */
const RECONCILE_LATE_MINUTES = 60;
/** A batching window from which the run says how to shorten it, in seconds. */
const LONG_WINDOW_SECONDS = 30;

/** The processor's per-batch summary line; its `duplicateTicks` is the `DuplicateTicks` metric. */
const batchSummarySchema = z.object({
  message: z.literal("Batch processed"),
  summary: z.object({ duplicateTicks: z.number().int() }),
});

const HANDLERS: Readonly<Record<FunctionService, string>> = {
  "market-processor": path.join(REPOSITORY_ROOT, "functions", "market-processor", "handler.ts"),
  "market-archiver": path.join(REPOSITORY_ROOT, "functions", "market-archiver", "handler.ts"),
  "analytics-api": path.join(REPOSITORY_ROOT, "functions", "analytics-api", "handler.ts"),
};

/** The variables every deployed function gets (see modules/compute), for one environment. */
function commonVariables(service: FunctionService, env: string): Record<string, string> {
  return {
    ENVIRONMENT: env,
    POWERTOOLS_SERVICE_NAME: service,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: APPLICATION_LOG_LEVEL,
  };
}

function tickTimeMs(tick: Tick): number {
  return typeof tick.ts === "number" ? tick.ts : Date.parse(tick.ts);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface SentRecord extends SentRecordView {
  readonly ticks: number;
}

/**
 * Compares, per symbol and minute of `[from, to)`, the archive's distinct valid trades with the
 * table's bars (trades, volume, notional, prices, times), as `npm run reconcile` does. Compare
 * only: nothing is repaired.
 */
async function reconcileTheRun(run: {
  readonly clients: LocalClients;
  readonly tableName: string;
  readonly bucketName: string;
  readonly ttlDays: number;
  readonly from: number;
  readonly to: number;
}): Promise<RunReconcile> {
  if (!Number.isFinite(run.from) || !Number.isFinite(run.to)) {
    return { from: 0, to: 0, barsCompared: 0, differences: [], table: "", archiveProblems: [] };
  }
  const result = await reconcileRange({
    s3: run.clients.s3,
    dynamodb: run.clients.dynamodb,
    bucketName: run.bucketName,
    tableName: run.tableName,
    ttlDays: run.ttlDays,
    from: run.from,
    to: run.to,
    lateMinutes: RECONCILE_LATE_MINUTES,
    repair: false,
    dropUnarchived: false,
    format: "text",
    out: () => undefined,
    progress: () => undefined,
  });
  return {
    from: run.from,
    to: run.to,
    barsCompared: result.barsCompared,
    differences: result.differences.map(
      (difference) =>
        `${difference.symbol} ${formatMinute(difference.start)}: ${difference.fields.join(", ")}`,
    ),
    table: result.differences.length > 0 ? formatDifferences(result.differences, "text") : "",
    archiveProblems: result.archiveProblems,
  };
}

/** Runs `cleanups` in reverse order of registration, all of them, even when one fails. */
class Cleanup {
  private readonly steps: Array<() => Promise<void> | void> = [];

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    let failure: Error | undefined;
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
    if (failure !== undefined) {
      throw failure;
    }
  }
}

/**
 * The whole data path of one environment on this machine: local services, the environment's
 * stream, table and bucket, a seeded market put onto the stream, event source mapping pollers
 * invoking the real processor and archiver handlers, freshness measured through the real API
 * handler, then every bar read back through the API and every archived record read back from S3.
 */
export async function runLocalPipeline(
  options: LocalRunOptions,
  io: PipelineIo,
): Promise<LocalRunResult> {
  const settings = environmentSettings(options.env);
  const names = localNames(options.env);
  const status = io.status ?? (() => undefined);
  const cleanup = new Cleanup();
  try {
    const dynamodbLocal = sharedDynamoDbLocalEndpoint();
    status(
      dynamodbLocal === undefined
        ? `Starting kinesalite, ${localDynamoDbName()} and s3rver on 127.0.0.1 for ${options.env}...`
        : `Starting kinesalite and s3rver on 127.0.0.1 for ${options.env}, with DynamoDB Local at ${dynamodbLocal}...`,
    );
    const services = await io.startServices();
    cleanup.add(() => services.stop());
    const clients = createLocalClients();
    cleanup.add(() => clients.destroy());
    const resources = await createLocalResources(clients, settings);
    // DynamoDB Local may serve several runs (the tests share one): the table goes with the run.
    cleanup.add(async () => {
      await clients.dynamodb.send(new DeleteTableCommand({ TableName: resources.tableName }));
    });
    const { stream } = resources;
    status(
      `Created stream ${stream.streamName} (${stream.shardIds.length} shard${stream.shardIds.length === 1 ? "" : "s"}), table ${resources.tableName}, bucket ${resources.bucketName}.`,
    );

    const ledger = new MalformedInputLedger();
    // Ticks the processor skipped as already counted, from its per-batch summaries.
    let duplicatesSkipped = 0;
    const observeProcessor = (line: Record<string, unknown>): void => {
      ledger.observe(line);
      const summary = batchSummarySchema.safeParse(line);
      if (summary.success) {
        duplicatesSkipped += summary.data.summary.duplicateTicks;
      }
    };
    const outputs = new Map<FunctionService, FunctionOutput>();
    const logFile = (service: FunctionService): string | undefined =>
      io.logDirectory ? path.join(io.logDirectory, `${service}.log`) : undefined;
    const outputOf = (service: FunctionService): FunctionOutput => {
      const output = new FunctionOutput(
        service,
        logFile(service),
        service === "market-processor" ? observeProcessor : undefined,
      );
      outputs.set(service, output);
      return output;
    };
    const processorOutput = outputOf("market-processor");
    const archiverOutput = outputOf("market-archiver");
    const apiOutput = outputOf("analytics-api");
    cleanup.add(async () => {
      await Promise.all([...outputs.values()].map((output) => output.close()));
    });

    // Each consumer's event source mapping as deployed: batching, retries, record age, bisection.
    const processorMapping = simulatedMapping(settings, "market-processor");
    const archiverMapping = simulatedMapping(settings, "market-archiver", {
      batchingWindowSeconds: options.archiverWindowSeconds,
    });
    // One invocation per shard and lane at a time; the reserved concurrency covers that (checked
    // by the infrastructure for every environment).
    const processorConcurrency = stream.shardIds.length * processorMapping.parallelizationFactor;
    const archiverConcurrency = stream.shardIds.length * archiverMapping.parallelizationFactor;
    const processor = new LocalFunction({
      functionName: names.functions.processor,
      handlerPath: HANDLERS["market-processor"],
      environment: {
        ...commonVariables("market-processor", options.env),
        TABLE_NAME: resources.tableName,
        BAR_TTL_DAYS: String(settings.table.barRetentionDays),
      },
      memoryMb: settings.lambda.memoryMb,
      timeoutSeconds: settings.lambda.streamConsumerTimeoutSeconds,
      maxConcurrency: processorConcurrency,
      region: REGION,
      onOutput: processorOutput.write,
    });
    const archiver = new LocalFunction({
      functionName: names.functions.archiver,
      handlerPath: HANDLERS["market-archiver"],
      environment: {
        ...commonVariables("market-archiver", options.env),
        BUCKET_NAME: resources.bucketName,
      },
      memoryMb: settings.lambda.memoryMb,
      timeoutSeconds: settings.lambda.streamConsumerTimeoutSeconds,
      maxConcurrency: archiverConcurrency,
      region: REGION,
      onOutput: archiverOutput.write,
    });
    const api = new LocalFunction({
      functionName: names.functions.api,
      handlerPath: HANDLERS["analytics-api"],
      environment: {
        ...commonVariables("analytics-api", options.env),
        TABLE_NAME: resources.tableName,
      },
      memoryMb: settings.lambda.memoryMb,
      timeoutSeconds: settings.lambda.apiTimeoutSeconds,
      maxConcurrency: 2,
      region: REGION,
      onOutput: apiOutput.write,
    });
    let functionsClosed = false;
    const closeFunctions = async (): Promise<void> => {
      if (!functionsClosed) {
        functionsClosed = true;
        await Promise.all([processor.close(), archiver.close(), api.close()]);
      }
    };
    cleanup.add(closeFunctions);
    status("Starting the function sandboxes (market-processor, market-archiver, analytics-api)...");
    await Promise.all([
      processor.warm(processorConcurrency),
      archiver.warm(archiverConcurrency),
      api.warm(1),
    ]);

    const sent = new Map<string, SentRecord>();
    const lastSequenceByShard = new Map<string, bigint>();
    const counters = {
      ticksSent: 0,
      recordsSent: 0,
      malformedTicksGenerated: 0,
      ticksProcessed: 0,
      recordsArchived: 0,
    };
    // A poller can commit a record before its PutRecords response has been handled here.
    const committedBeforeSent = new Set<string>();
    const deadLettered: DeadLetteredBatch[] = [];

    const archiverWindow = archiverMapping.maximumBatchingWindowSeconds ?? 0;
    if (archiverMapping.deployedBatchingWindowSeconds !== undefined) {
      status(
        `The archiver's batching window is ${archiverWindow} s for this run (--archiver-window); ${options.env} deploys ${archiverMapping.deployedBatchingWindowSeconds} s.`,
      );
    } else if (archiverWindow >= LONG_WINDOW_SECONDS) {
      status(
        `The archiver gathers records for ${archiverWindow} s as ${options.env} deploys it, so the run waits up to ${archiverWindow} s after the last tick for the archive; --archiver-window <seconds> shortens it for a local run.`,
      );
    }

    const pollers: ShardPoller[] = [];
    const addPollers = (
      mapping: SimulatedMapping,
      functionName: string,
      invokeIdentityArn: string,
      invoke: BatchInvoker,
      onCommitted: (shardId: string, records: readonly KinesisRecord[]) => void,
    ): void => {
      // Each shard is read in `parallelizationFactor` lanes, as the mapping is configured.
      const laneCount = mapping.parallelizationFactor;
      for (const shardId of stream.shardIds) {
        for (let laneIndex = 0; laneIndex < laneCount; laneIndex += 1) {
          pollers.push(
            new ShardPoller(
              clients.kinesis,
              {
                streamName: stream.streamName,
                streamArn: stream.streamArn,
                shardId,
                region: REGION,
                ...(laneCount > 1 ? { lane: { index: laneIndex, count: laneCount } } : {}),
                functionName,
                invokeIdentityArn,
              },
              mapping,
              invoke,
              { onCommitted, onDeadLettered: (batch) => deadLettered.push(batch) },
            ),
          );
        }
      }
    };
    addPollers(
      processorMapping,
      names.functions.processor,
      roleArn(names.roles.processor),
      (event: KinesisStreamEvent) => processor.invoke<KinesisStreamBatchResponse>(event),
      (committedShard, records) => {
        for (const record of records) {
          const id = `${committedShard}:${record.SequenceNumber ?? ""}`;
          const original = sent.get(id);
          if (original) {
            counters.ticksProcessed += original.ticks;
          } else {
            committedBeforeSent.add(id);
          }
        }
      },
    );
    addPollers(
      archiverMapping,
      names.functions.archiver,
      roleArn(names.roles.archiver),
      (event: KinesisStreamEvent) => archiver.invoke<KinesisStreamBatchResponse>(event),
      (_shard, records) => {
        counters.recordsArchived += records.length;
      },
    );
    let pollersStopped = false;
    const stopPollers = async (): Promise<void> => {
      if (!pollersStopped) {
        pollersStopped = true;
        await Promise.all(pollers.map((poller) => poller.stop()));
      }
    };
    cleanup.add(stopPollers);
    for (const poller of pollers) {
      poller.start();
    }

    const analytics = new AnalyticsClient((event: LambdaFunctionURLEvent) =>
      api.invoke<LambdaFunctionURLResult>(event),
    );
    const freshnessSamples = new FreshnessSamples();
    const freshness = new FreshnessProbe(
      freshnessSamples.observe((symbols) => analytics.latestViews(symbols)),
    );
    cleanup.add(async () => {
      await freshness.stop();
    });

    const startedAt = performance.now();
    let phase: ProgressSnapshot["phase"] = "sending";
    const progress = io.progress ? new ProgressLine(io.progress) : undefined;
    const snapshot = (): ProgressSnapshot => ({
      phase,
      elapsedSeconds: (performance.now() - startedAt) / 1000,
      ticksSent: counters.ticksSent,
      ticksProcessed: counters.ticksProcessed,
      recordsSent: counters.recordsSent,
      recordsArchived: counters.recordsArchived,
      malformedTicks: ledger.malformedTicks,
      lagMs: Math.max(0, ...pollers.map((poller) => poller.stats.iteratorAgeMs)),
    });
    const ticker = progress ? setInterval(() => progress.update(snapshot()), 1000) : undefined;
    cleanup.add(() => {
      clearInterval(ticker);
      progress?.finish();
    });

    const producer = new KinesisProducer(clients.kinesis, stream.streamName);
    const market = new SyntheticMarket({
      seed: options.seed,
      symbolCount: options.symbols,
      faultFraction: options.faults,
      startMs: Date.now(),
      ticksPerSecond: options.ratePerSecond,
    });
    const marketStart = performance.now();
    const totalTicks = Math.max(1, Math.round(options.ratePerSecond * options.durationSeconds));
    let firstTickMs = Number.POSITIVE_INFINITY;
    let lastTickMs = Number.NEGATIVE_INFINITY;

    const planner = new RePutPlanner({ seed: options.seed, fraction: options.reputs });
    const rePuts = {
      records: 0,
      ticks: 0,
      malformedTicks: 0,
      wholeBatches: 0,
      otherKey: 0,
      otherShard: 0,
    } satisfies RePutFigures;
    let distinctTrades = 0;

    /** Notes a record Kinesis stored (an original or a re-put copy). */
    const noteSent = (record: MarketRecord, partitionKey: string, placement: Placement): void => {
      const id = `${placement.shardId}:${placement.sequenceNumber}`;
      const ticks = record.validTicks.length + record.malformedTicks;
      sent.set(id, { partitionKey, data: record.data, ticks });
      counters.ticksSent += ticks;
      counters.recordsSent += 1;
      counters.malformedTicksGenerated += record.malformedTicks;
      if (committedBeforeSent.delete(id)) {
        counters.ticksProcessed += ticks;
      }
      const sequence = BigInt(placement.sequenceNumber);
      if (sequence > (lastSequenceByShard.get(placement.shardId) ?? -1n)) {
        lastSequenceByShard.set(placement.shardId, sequence);
      }
    };

    const send = async (batch: readonly MarketRecord[], plan: RePutPlan): Promise<void> => {
      const sentAt = performance.now();
      const outcome = await producer.putWithRePuts(batch, plan);
      outcome.placements.forEach((placement, index) => {
        const record = batch[index];
        noteSent(record, record.partitionKey, placement);
        // The market never repeats a trade id: an original's valid ticks are distinct trades.
        distinctTrades += record.validTicks.length;
        for (const tick of record.validTicks) {
          const ms = tickTimeMs(tick);
          firstTickMs = Math.min(firstTickMs, ms);
          lastTickMs = Math.max(lastTickMs, ms);
        }
        const { probe } = record;
        if (probe && freshness.offer(probe.symbol, tickTimeMs(probe), sentAt)) {
          freshnessSamples.watch(probe.symbol, tickTimeMs(probe), sentAt);
        }
      });
      for (const rePut of outcome.rePuts) {
        const record = batch[rePut.index];
        noteSent(record, rePut.partitionKey, rePut.placement);
        rePuts.records += 1;
        rePuts.ticks += record.validTicks.length;
        rePuts.malformedTicks += record.malformedTicks;
        rePuts.otherKey += rePut.otherKey ? 1 : 0;
        rePuts.otherShard +=
          rePut.placement.shardId === outcome.placements[rePut.index]?.shardId ? 0 : 1;
      }
      rePuts.wholeBatches += outcome.wholeBatch ? 1 : 0;
    };

    status(
      `Sending ${options.ratePerSecond.toLocaleString("en-US")} ticks/s over ${options.symbols.toLocaleString("en-US")} symbols for ${options.durationSeconds} s (seed ${options.seed}, ${(options.faults * 100).toFixed(1)}% malformed records, ${(options.reputs * 100).toFixed(1)}% of records put twice)...`,
    );
    const inFlight = new Set<Promise<void>>();
    let sendFailure: Error | undefined;
    while (market.ticksGenerated < totalTicks && !io.signal?.aborted && sendFailure === undefined) {
      const elapsedMs = performance.now() - marketStart;
      const due = Math.min(totalTicks, Math.floor((elapsedMs / 1000) * options.ratePerSecond));
      const batch: MarketRecord[] = [];
      while (market.ticksGenerated < due && batch.length < PRODUCER_BATCH_RECORDS) {
        batch.push(market.next());
      }
      if (batch.length === 0) {
        const nextDueMs = ((market.ticksGenerated + 1) / options.ratePerSecond) * 1000;
        await sleep(Math.min(50, Math.max(1, nextDueMs - elapsedMs)));
        continue;
      }
      while (inFlight.size >= PRODUCER_IN_FLIGHT) {
        await Promise.race(inFlight);
      }
      // Chosen here, in batch order, so the same seed re-puts the same way whatever the timing.
      const plan = planner.plan(batch);
      const request: Promise<void> = send(batch, plan)
        .catch((error: unknown) => {
          sendFailure ??= error instanceof Error ? error : new Error(String(error));
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await Promise.all(inFlight);
    if (sendFailure !== undefined) {
      throw sendFailure;
    }
    const sendSeconds = (performance.now() - marketStart) / 1000;

    phase = "draining";
    // A message in the middle of the updating progress line starts on a line of its own.
    progress?.finish();
    status(
      `Sent ${counters.ticksSent.toLocaleString("en-US")} ticks (${rePuts.records.toLocaleString("en-US")} records put twice); waiting for the consumers to catch up${archiverWindow >= LONG_WINDOW_SECONDS ? `, the archiver for up to ${archiverWindow} s` : ""}...`,
    );
    const drainTimeoutMs = DRAIN_TIMEOUT_MS + archiverWindow * 1000;
    const drained = Promise.all(
      pollers.map((poller) => {
        const last = lastSequenceByShard.get(poller.source.shardId);
        return last === undefined ? Promise.resolve() : poller.waitForCheckpoint(last.toString());
      }),
    );
    let drainTimer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      drainTimer = setTimeout(() => resolve("timeout"), drainTimeoutMs);
    });
    const drainOutcome = await Promise.race([drained.then(() => "drained" as const), timedOut]);
    clearTimeout(drainTimer);
    if (drainOutcome === "timeout") {
      const behind = pollers
        .map(
          (poller) =>
            `${poller.source.functionName} ${poller.source.shardId} at ${poller.checkpointSequenceNumber ?? "TRIM_HORIZON"}`,
        )
        .join("; ");
      throw new Error(
        `The consumers did not catch up within ${drainTimeoutMs / 1000} s of the producers stopping (${behind}). See the function logs${io.logDirectory ? ` in ${io.logDirectory}` : ""}.`,
      );
    }
    await stopPollers();
    const freshnessSummary = await freshness.stop();
    clearInterval(ticker);
    progress?.update(snapshot());
    progress?.finish();

    status("Reading every bar back through GET /bars and the archive back from S3...");
    const fromMs = Math.floor(firstTickMs / 60_000) * 60_000;
    const toMs = Math.floor(lastTickMs / 60_000) * 60_000 + 60_000;
    const sessions: SessionRow[] = [];
    const symbolsWithoutTrades: string[] = [];
    let ticksInBars = 0;
    const symbols = market.symbols.map((profile) => profile.symbol);
    const barsBySymbol = new Map<string, ExactApiBar[]>();
    let nextSymbol = 0;
    await Promise.all(
      [0, 1].map(async () => {
        while (nextSymbol < symbols.length) {
          const symbol = symbols[nextSymbol];
          nextSymbol += 1;
          barsBySymbol.set(
            symbol,
            Number.isFinite(fromMs) ? await analytics.allExactBars(symbol, fromMs, toMs) : [],
          );
        }
      }),
    );
    for (const symbol of symbols) {
      const bars = barsBySymbol.get(symbol) ?? [];
      const session = sessionOf(symbol, bars);
      if (session) {
        sessions.push(session);
        ticksInBars += session.trades;
      } else {
        symbolsWithoutTrades.push(symbol);
      }
    }
    const archive = await auditArchive(clients.s3, resources.bucketName, sent);
    const ttl = await auditTtl(
      clients.dynamodb,
      resources.tableName,
      settings.table.barRetentionDays,
    );

    await io.beforeReconcile?.({
      clients,
      tableName: resources.tableName,
      bucketName: resources.bucketName,
    });
    status(
      `Reconciling the bars of ${Number.isFinite(fromMs) ? `${formatMinute(fromMs)}..${formatMinute(toMs)}` : "the run"} with the archive's distinct trades (npm run reconcile's comparison)...`,
    );
    const runReconcile = await reconcileTheRun({
      clients,
      tableName: resources.tableName,
      bucketName: resources.bucketName,
      ttlDays: settings.table.barRetentionDays,
      from: fromMs,
      to: toMs,
    });

    // The processor's last log lines arrive when its sandboxes shut down.
    await closeFunctions();

    // A processor batch delivered again brings back ticks it had applied, as duplicates.
    const processorRetries = pollers
      .filter((poller) => poller.source.functionName === names.functions.processor)
      .reduce(
        (total, poller) => total + poller.stats.functionErrors + poller.stats.partialFailures,
        0,
      );
    const pollerTotals = pollers.reduce(
      (totals, poller) => ({
        functionErrors: totals.functionErrors + poller.stats.functionErrors,
        partialFailures: totals.partialFailures + poller.stats.partialFailures,
      }),
      { functionErrors: 0, partialFailures: 0 },
    );
    const lastErrors = new Map<string, string>();
    const functionNames: Readonly<Record<FunctionService, string>> = {
      "market-processor": names.functions.processor,
      "market-archiver": names.functions.archiver,
      "analytics-api": names.functions.api,
    };
    for (const [service, output] of outputs) {
      if (output.lastError !== undefined) {
        lastErrors.set(functionNames[service], output.lastError);
      }
    }
    const figures: RunFigures = {
      env: options.env,
      shards: stream.shardIds.length,
      sendSeconds,
      ticksSent: counters.ticksSent,
      recordsSent: counters.recordsSent,
      distinctTrades,
      rePuts,
      malformedTicksGenerated: counters.malformedTicksGenerated,
      ticksInBars,
      duplicatesSkipped,
      malformedTicks: ledger.malformedTicks,
      malformedRecords: ledger.malformedRecords,
      archive,
      reconcile: runReconcile,
      ttl: { ...ttl, retentionDays: settings.table.barRetentionDays },
      freshness: freshnessSummary,
      deadLettered,
      lastErrors,
      durations: new Map(
        (
          [
            ["market-processor", processor],
            ["market-archiver", archiver],
            ["analytics-api", api],
          ] as const
        ).map(([service, fn]) => {
          const sorted = [...fn.stats.durationsMs].sort((a, b) => a - b);
          return [service, { p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99) }];
        }),
      ),
      mappings: [processorMapping, archiverMapping],
      processorInvocations: processor.stats.invocations,
      archiverInvocations: archiver.stats.invocations,
      processorRetries,
      functionErrors: pollerTotals.functionErrors,
      partialFailures: pollerTotals.partialFailures,
    };
    const logLevels = new Map<string, ReadonlyMap<string, number>>();
    for (const [service, output] of outputs) {
      logLevels.set(service, output.levels);
    }
    const reconciliation = reconcile(figures);
    // The HTML report beside the function logs, from what the run recorded.
    const reportPath =
      io.logDirectory === undefined
        ? undefined
        : await writeRunHtmlReport(
            io.logDirectory,
            await recordRunReport({
              clients,
              bucketName: resources.bucketName,
              tableName: resources.tableName,
              lateMinutes: RECONCILE_LATE_MINUTES,
              figures,
              reconciliation,
              sessions,
              barsBySymbol,
              freshnessMs: freshnessSamples.samplesMs(),
            }),
          );
    return {
      names,
      sessions,
      symbolsWithoutTrades,
      figures,
      reconciliation,
      logLevels,
      ttlEnabled: resources.ttlEnabled,
      reportPath,
      pollers: pollers.map((poller) => ({
        functionName: poller.source.functionName,
        shardId: poller.source.shardId,
        lane: poller.source.lane?.index ?? 0,
        stats: { ...poller.stats },
      })),
    };
  } finally {
    await cleanup.run();
  }
}
