/**
 * The local run's end-of-run checks and summary: every bar read back through the API, the archive
 * and the bars' TTL audited, the bars reconciled with the archive, and the run's figures, result
 * and HTML report assembled from what the run recorded.
 */
import type { FunctionService } from "../../modules/compute/runtime";
import type { EnvironmentSettings } from "../../modules/config/settings";
import { formatDifferences } from "../operations/bar-differences";
import { reconcileRange } from "../operations/reconcile";
import type { ShardPoller, ShardPollerStats } from "../local-aws/event-source-mapping";
import type { LocalClients } from "../local-aws/local-clients";
import type { AnalyticsClient, ExactApiBar } from "../smoke/analytics-client";
import type { SyntheticMarket } from "../market/synthetic-market";
import { auditArchive, type ArchiveAudit } from "./archive-audit";
import { quantile, type FreshnessSummary } from "./freshness-probe";
import type { CreatedResources, LocalNames } from "./local-resources";
import type { LocalRunOptions } from "./local-run-options";
import type { PipelineFunctions } from "./pipeline-functions";
import type { RunTraffic } from "./pipeline-pollers";
import type { SentMarket } from "./pipeline-send";
import { writeRunHtmlReport } from "./report/run-html-report";
import { recordRunReport, type FreshnessSamples } from "./report/run-report-data";
import {
  formatMinute,
  reconcile,
  type Reconciliation,
  type RunFigures,
  type RunReconcile,
} from "./run-report";
import { sessionOf, type SessionRow } from "./session-table";
import { auditTtl, type TtlAudit } from "./ttl-audit";

/** Records arriving after the run's last minute that the reconcile still reads (as its CLI default). */
const RECONCILE_LATE_MINUTES = 60;

/**
 * Runs once the bars and the archive are read back, just before the run's reconcile compares
 * them: tests change the table here (delete a bar) to see the reconcile report it and fail.
 */
export type BeforeReconcile = (run: {
  readonly clients: LocalClients;
  readonly tableName: string;
  readonly bucketName: string;
}) => Promise<void>;

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

/** What the end-of-run checks found. */
export interface RunChecks {
  readonly sessions: readonly SessionRow[];
  readonly symbolsWithoutTrades: readonly string[];
  /** Trades the bars count, over every symbol. */
  readonly ticksInBars: number;
  readonly barsBySymbol: ReadonlyMap<string, ExactApiBar[]>;
  readonly archive: ArchiveAudit;
  readonly ttl: TtlAudit;
  readonly reconcile: RunReconcile;
}

/**
 * Reads every symbol's bars of the run's minutes back through the API (two at a time), audits the
 * archive against what was sent and the bars' TTL, then reconciles the bars with the archive.
 */
export async function checkTheRun(run: {
  readonly clients: LocalClients;
  readonly settings: EnvironmentSettings;
  readonly resources: CreatedResources;
  readonly analytics: AnalyticsClient;
  readonly market: SyntheticMarket;
  readonly firstTickMs: number;
  readonly lastTickMs: number;
  readonly traffic: RunTraffic;
  readonly beforeReconcile?: BeforeReconcile;
  readonly status: (message: string) => void;
}): Promise<RunChecks> {
  const { clients, settings, resources, analytics, status } = run;
  status("Reading every bar back through GET /bars and the archive back from S3...");
  const fromMs = Math.floor(run.firstTickMs / 60_000) * 60_000;
  const toMs = Math.floor(run.lastTickMs / 60_000) * 60_000 + 60_000;
  const sessions: SessionRow[] = [];
  const symbolsWithoutTrades: string[] = [];
  let ticksInBars = 0;
  const symbols = run.market.symbols.map((profile) => profile.symbol);
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
  const archive = await auditArchive(clients.s3, resources.bucketName, run.traffic.sent);
  const ttl = await auditTtl(
    clients.dynamodb,
    resources.tableName,
    settings.table.barRetentionDays,
  );

  await run.beforeReconcile?.({
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
  return {
    sessions,
    symbolsWithoutTrades,
    ticksInBars,
    barsBySymbol,
    archive,
    ttl,
    reconcile: runReconcile,
  };
}

/**
 * The run's figures, their reconciliation, the functions' log levels and (with a log directory)
 * the HTML report beside the function logs: the result of the run, once its functions are closed.
 */
export async function summarizeTheRun(run: {
  readonly options: LocalRunOptions;
  readonly settings: EnvironmentSettings;
  readonly names: LocalNames;
  readonly clients: LocalClients;
  readonly resources: CreatedResources;
  readonly functions: PipelineFunctions;
  readonly pollers: readonly ShardPoller[];
  readonly traffic: RunTraffic;
  readonly sentMarket: SentMarket;
  readonly checks: RunChecks;
  readonly freshness: FreshnessSummary;
  readonly freshnessSamples: FreshnessSamples;
  readonly logDirectory?: string;
}): Promise<LocalRunResult> {
  const { names, settings, resources, functions, pollers, traffic, sentMarket, checks } = run;
  const { processor, archiver, api, outputs, ledger } = functions;
  const { counters } = traffic;
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
    env: run.options.env,
    shards: resources.stream.shardIds.length,
    sendSeconds: sentMarket.sendSeconds,
    ticksSent: counters.ticksSent,
    recordsSent: counters.recordsSent,
    distinctTrades: sentMarket.distinctTrades,
    rePuts: sentMarket.rePuts,
    malformedTicksGenerated: counters.malformedTicksGenerated,
    ticksInBars: checks.ticksInBars,
    duplicatesSkipped: functions.duplicatesSkipped(),
    pastRetentionTicks: functions.pastRetentionTicks(),
    malformedTicks: ledger.malformedTicks,
    malformedRecords: ledger.malformedRecords,
    archive: checks.archive,
    reconcile: checks.reconcile,
    ttl: { ...checks.ttl, retentionDays: settings.table.barRetentionDays },
    freshness: run.freshness,
    deadLettered: traffic.deadLettered,
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
    mappings: [functions.processorMapping, functions.archiverMapping],
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
    run.logDirectory === undefined
      ? undefined
      : await writeRunHtmlReport(
          run.logDirectory,
          await recordRunReport({
            clients: run.clients,
            bucketName: resources.bucketName,
            tableName: resources.tableName,
            lateMinutes: RECONCILE_LATE_MINUTES,
            figures,
            reconciliation,
            sessions: checks.sessions,
            barsBySymbol: checks.barsBySymbol,
            freshnessMs: run.freshnessSamples.samplesMs(),
          }),
        );
  return {
    names,
    sessions: checks.sessions,
    symbolsWithoutTrades: checks.symbolsWithoutTrades,
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
}
