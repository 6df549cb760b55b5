import type { ApiBar } from "./analytics-client";
import type { ArchiveAudit } from "./archive-audit";
import type { DeadLetteredBatch } from "./event-source-mapping";
import type { FreshnessSummary } from "./freshness-probe";
import type { TtlAudit } from "./ttl-audit";
import { formatDecimal, formatInteger, formatMs, renderTable, type Column } from "./text-table";

/** One symbol's session, rolled up from its 1-minute bars as the API returned them. */
export interface SessionRow {
  readonly symbol: string;
  readonly bars: number;
  readonly trades: number;
  readonly volume: number;
  readonly notional: number;
  /** Session VWAP: total notional over total volume. */
  readonly vwap: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

/** Rolls a symbol's 1-minute bars up into its session; `undefined` when it has none. */
export function sessionOf(symbol: string, bars: readonly ApiBar[]): SessionRow | undefined {
  if (bars.length === 0) {
    return undefined;
  }
  const ordered = [...bars].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  let trades = 0;
  let volume = 0;
  let notional = 0;
  let high = Number.NEGATIVE_INFINITY;
  let low = Number.POSITIVE_INFINITY;
  for (const bar of ordered) {
    trades += bar.trades;
    volume += bar.volume;
    notional += bar.notional;
    high = Math.max(high, bar.high);
    low = Math.min(low, bar.low);
  }
  return {
    symbol,
    bars: ordered.length,
    trades,
    volume,
    notional,
    vwap: volume > 0 ? notional / volume : 0,
    open: first.open,
    high,
    low,
    close: last.close,
  };
}

const SESSION_COLUMNS: readonly Column[] = [
  { header: "symbol" },
  { header: "bars", align: "right" },
  { header: "trades", align: "right" },
  { header: "volume", align: "right" },
  { header: "VWAP", align: "right" },
  { header: "open", align: "right" },
  { header: "high", align: "right" },
  { header: "low", align: "right" },
  { header: "close", align: "right" },
];

export function renderSessionTable(rows: readonly SessionRow[]): string {
  return renderTable(
    SESSION_COLUMNS,
    rows.map((row) => [
      row.symbol,
      formatInteger(row.bars),
      formatInteger(row.trades),
      formatInteger(row.volume),
      formatDecimal(row.vwap, 4),
      formatDecimal(row.open, 2),
      formatDecimal(row.high, 2),
      formatDecimal(row.low, 2),
      formatDecimal(row.close, 2),
    ]),
  );
}

/** Everything a run measured, from the producers' side and from what the pipeline made of it. */
export interface RunFigures {
  readonly env: string;
  readonly shards: number;
  readonly sendSeconds: number;
  readonly ticksSent: number;
  readonly recordsSent: number;
  /** Malformed tick payloads the market generated (an undecodable record counts as one). */
  readonly malformedTicksGenerated: number;
  /** Sum of `trades` over every bar the API returns. */
  readonly ticksInBars: number;
  /** Malformed inputs the processor reported skipping (distinct by shard, sequence number, tick). */
  readonly malformedTicks: number;
  /** Records with at least one malformed input, as the processor reported. */
  readonly malformedRecords: number;
  readonly archive: ArchiveAudit;
  /** Bar items checked for their TTL attribute. */
  readonly ttl: TtlAudit & { readonly retentionDays: number };
  readonly freshness: FreshnessSummary;
  readonly deadLettered: readonly DeadLetteredBatch[];
  /** The last ERROR each function logged, by function name. */
  readonly lastErrors: ReadonlyMap<string, string>;
  /** Handler durations (as Lambda reports them) by function service, in ms. */
  readonly durations: ReadonlyMap<string, { readonly p50Ms?: number; readonly p99Ms?: number }>;
  readonly processorInvocations: number;
  readonly archiverInvocations: number;
  readonly functionErrors: number;
  readonly partialFailures: number;
}

export interface Reconciliation {
  readonly ok: boolean;
  readonly problems: readonly string[];
}

const SHOWN = 5;

function sample(items: readonly string[]): string {
  const shown = items.slice(0, SHOWN).join(", ");
  return items.length > SHOWN ? `${shown}, and ${items.length - SHOWN} more` : shown;
}

/**
 * The run's invariants: every tick sent is in a bar or was skipped as malformed, and every record
 * sent is in the raw archive exactly as sent.
 */
export function reconcile(figures: RunFigures): Reconciliation {
  const problems: string[] = [];
  const accounted = figures.ticksInBars + figures.malformedTicks;
  if (figures.ticksSent !== accounted) {
    const difference = figures.ticksSent - accounted;
    let message = `Ticks do not reconcile: sent ${formatInteger(figures.ticksSent)}, but bars hold ${formatInteger(figures.ticksInBars)} and the processor skipped ${formatInteger(figures.malformedTicks)} as malformed (${formatInteger(accounted)}, ${difference > 0 ? `${formatInteger(difference)} missing` : `${formatInteger(-difference)} too many`}).`;
    if (figures.malformedTicks !== figures.malformedTicksGenerated) {
      message += ` The market generated ${formatInteger(figures.malformedTicksGenerated)} malformed ticks.`;
    }
    problems.push(message);
  }
  if (figures.archive.archivedRecords !== figures.recordsSent) {
    problems.push(
      `Archive does not reconcile: sent ${formatInteger(figures.recordsSent)} records, the archive holds ${formatInteger(figures.archive.archivedRecords)}.${figures.archive.missing.length > 0 ? ` Missing: ${sample(figures.archive.missing)}.` : ""}`,
    );
  }
  if (figures.archive.problems.length > 0) {
    problems.push(
      `Archive content is wrong in ${figures.archive.problems.length} place(s): ${sample(figures.archive.problems)}.`,
    );
  }
  if (figures.ttl.expiring !== figures.ttl.items) {
    problems.push(
      `${formatInteger(figures.ttl.items - figures.ttl.expiring)} of ${formatInteger(figures.ttl.items)} bar items do not expire ${figures.ttl.retentionDays} days after their minute: ${sample(figures.ttl.wrong)}.`,
    );
  }
  const byFunction = new Map<string, DeadLetteredBatch[]>();
  for (const batch of figures.deadLettered) {
    byFunction.set(batch.functionName, [...(byFunction.get(batch.functionName) ?? []), batch]);
  }
  for (const [functionName, batches] of byFunction) {
    const records = batches.reduce((total, batch) => total + batch.batchSize, 0);
    const first = batches[0];
    const logged = figures.lastErrors.get(functionName);
    problems.push(
      `${functionName}: ${formatInteger(records)} record(s) in ${formatInteger(batches.length)} batch(es) went to the on-failure destination after exhausting their retries (first: ${first.shardId} from ${first.startSequenceNumber}; ${first.lastError}).${logged ? ` Its last ERROR log: ${logged}.` : ""}`,
    );
  }
  return { ok: problems.length === 0, problems };
}

/** The summary block printed at the end of a run. */
export function renderSummary(figures: RunFigures, reconciliation: Reconciliation): string {
  const { archive, freshness } = figures;
  const ticksCheck = figures.ticksSent === figures.ticksInBars + figures.malformedTicks;
  const archiveCheck = archive.archivedRecords === figures.recordsSent;
  const rows: [string, string][] = [
    ["environment", `${figures.env} (${figures.shards} shard${figures.shards === 1 ? "" : "s"})`],
    [
      "ticks sent",
      `${formatInteger(figures.ticksSent)} in ${formatInteger(figures.recordsSent)} records over ${figures.sendSeconds.toFixed(1)} s (${formatInteger(figures.ticksSent / Math.max(figures.sendSeconds, 0.001))} ticks/s)`,
    ],
    ["ticks in bars", formatInteger(figures.ticksInBars)],
    [
      "malformed",
      `${formatInteger(figures.malformedTicks)} ticks in ${formatInteger(figures.malformedRecords)} records (skipped and logged by the processor)`,
    ],
    [
      "ticks reconcile",
      `${ticksCheck ? "yes" : "NO"}: ${formatInteger(figures.ticksSent)} sent ${ticksCheck ? "=" : "!="} ${formatInteger(figures.ticksInBars)} in bars + ${formatInteger(figures.malformedTicks)} malformed`,
    ],
    [
      "archived records",
      `${formatInteger(archive.archivedRecords)} read back from ${formatInteger(archive.objects)} gzip NDJSON objects${archive.duplicateLines > 0 ? ` (${formatInteger(archive.duplicateLines)} duplicate lines from retried batches)` : ""}`,
    ],
    [
      "archive reconciles",
      `${archiveCheck && archive.problems.length === 0 ? "yes" : "NO"}: ${formatInteger(archive.archivedRecords)} archived ${archiveCheck ? "=" : "!="} ${formatInteger(figures.recordsSent)} records sent`,
    ],
    [
      "bar TTL",
      `${formatInteger(figures.ttl.expiring)} of ${formatInteger(figures.ttl.items)} bar items expire ${figures.ttl.retentionDays} days after their minute (expiresAt)`,
    ],
    [
      "freshness",
      `p50 ${formatMs(freshness.p50Ms)}, p99 ${formatMs(freshness.p99Ms)} (send -> visible through GET /latest, ${formatInteger(freshness.samples)} samples${freshness.notVisible > 0 ? `, ${formatInteger(freshness.notVisible)} not visible in time` : ""})`,
    ],
    [
      "invocations",
      `processor ${formatInteger(figures.processorInvocations)}, archiver ${formatInteger(figures.archiverInvocations)}; function errors ${formatInteger(figures.functionErrors)}, partial batch failures ${formatInteger(figures.partialFailures)}`,
    ],
  ];
  rows.push([
    "handler p50/p99",
    [...figures.durations]
      .map(([service, { p50Ms, p99Ms }]) => `${service} ${formatMs(p50Ms)} / ${formatMs(p99Ms)}`)
      .join(", "),
  ]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
  lines.push("");
  lines.push(
    reconciliation.ok
      ? "OK: every tick is in a bar or was skipped as malformed, and every record is archived exactly as sent."
      : ["FAILED:", ...reconciliation.problems.map((problem) => `  - ${problem}`)].join("\n"),
  );
  return lines.join("\n");
}
