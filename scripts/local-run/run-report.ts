/**
 * The end-of-run report in text: the run's figures, their reconciliation and the summary block.
 * Session rows and their table live in `session-table.ts`.
 */
import type { ArchiveAudit } from "./archive-audit";
import type { DeadLetteredBatch } from "../local-aws/kinesis-batch";
import type { SimulatedMapping } from "../local-aws/event-source-mapping-deployed";
import type { FreshnessSummary } from "./freshness-probe";
import type { TtlAudit } from "./ttl-audit";
import { formatInteger, formatMs } from "../cli/text-table";

/** What the producer put twice, and where the copies landed. */
export interface RePutFigures {
  /** Records put a second time (new sequence numbers, same payload). */
  readonly records: number;
  /** Valid ticks in those copies: each must be skipped as a duplicate. */
  readonly ticks: number;
  /** Malformed ticks in those copies: each is skipped as malformed again. */
  readonly malformedTicks: number;
  /** PutRecords batches sent again as a whole. */
  readonly wholeBatches: number;
  /** Copies put under another partition key than the original. */
  readonly otherKey: number;
  /** Copies that landed on another shard than the original. */
  readonly otherShard: number;
}

/** The run's bars compared with its raw archive by the operators' reconcile. */
export interface RunReconcile {
  /** The range compared, `[from, to)` in epoch ms (whole minutes). */
  readonly from: number;
  readonly to: number;
  readonly barsCompared: number;
  /** One line per differing bar, e.g. `AAPL 2026-05-01T13:05Z: missing bar`. */
  readonly differences: readonly string[];
  /** The differences as reconcile prints them, empty when there is none. */
  readonly table: string;
  /** Archive objects or lines reconcile could not read. */
  readonly archiveProblems: readonly string[];
}

/** Everything a run measured, from the producers' side and from what the pipeline made of it. */
export interface RunFigures {
  readonly env: string;
  readonly shards: number;
  readonly sendSeconds: number;
  /** Ticks put on the stream, re-put copies included. */
  readonly ticksSent: number;
  /** Records put on the stream, re-put copies included. */
  readonly recordsSent: number;
  /** Distinct valid trades sent: what the bars must hold. */
  readonly distinctTrades: number;
  readonly rePuts: RePutFigures;
  /** Malformed tick payloads sent, re-put copies included (an undecodable record counts as one). */
  readonly malformedTicksGenerated: number;
  /** Sum of `trades` over every bar the API returns. */
  readonly ticksInBars: number;
  /** Ticks the processor skipped because their trade was already counted (its `DuplicateTicks`). */
  readonly duplicatesSkipped: number;
  /**
   * Ticks the processor did not count because their bar is past its retention (its
   * `TicksPastRetention`): none in a run whose market trades now.
   */
  readonly pastRetentionTicks: number;
  /** Malformed inputs the processor reported skipping (distinct by shard, sequence number, tick). */
  readonly malformedTicks: number;
  /** Records with at least one malformed input, as the processor reported. */
  readonly malformedRecords: number;
  readonly archive: ArchiveAudit;
  readonly reconcile: RunReconcile;
  /** Bar items checked for their TTL attribute. */
  readonly ttl: TtlAudit & { readonly retentionDays: number };
  readonly freshness: FreshnessSummary;
  readonly deadLettered: readonly DeadLetteredBatch[];
  /** The last ERROR each function logged, by function name. */
  readonly lastErrors: ReadonlyMap<string, string>;
  /** Handler durations (as Lambda reports them) by function service, in ms. */
  readonly durations: ReadonlyMap<string, { readonly p50Ms?: number; readonly p99Ms?: number }>;
  /** The event source mappings the run simulated. @default - not shown */
  readonly mappings?: readonly SimulatedMapping[];
  readonly processorInvocations: number;
  readonly archiverInvocations: number;
  /** Processor batches delivered again after a function error or reported failed items. */
  readonly processorRetries: number;
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

/** Whether a processor batch was delivered again, so some of its ticks were seen twice. */
function retried(figures: RunFigures): boolean {
  return figures.processorRetries > 0;
}

/**
 * Whether the duplicates the processor skipped are the re-put ticks: exactly, or, when batches
 * were retried (their ticks applied before the retry come back as duplicates), at least those.
 */
function duplicatesReconcile(figures: RunFigures): boolean {
  return retried(figures)
    ? figures.duplicatesSkipped >= figures.rePuts.ticks
    : figures.duplicatesSkipped === figures.rePuts.ticks;
}

function ticksReconcile(figures: RunFigures): boolean {
  return (
    figures.ticksInBars === figures.distinctTrades &&
    figures.malformedTicks === figures.malformedTicksGenerated &&
    duplicatesReconcile(figures) &&
    figures.ticksSent ===
      figures.distinctTrades + figures.rePuts.ticks + figures.malformedTicksGenerated
  );
}

function missingOrTooMany(difference: number): string {
  return difference > 0
    ? `${formatInteger(difference)} missing`
    : `${formatInteger(-difference)} too many`;
}

/**
 * The run's invariants: every distinct valid trade sent is in a bar once, every re-put tick was
 * skipped as a duplicate and every malformed tick as malformed; every record sent (re-put copies
 * included) is in the raw archive exactly as sent; the bars equal the archive's distinct trades
 * per symbol and minute; nothing was parked in an on-failure destination.
 */
export function reconcile(figures: RunFigures): Reconciliation {
  const problems: string[] = [];
  if (figures.ticksInBars !== figures.distinctTrades) {
    problems.push(
      `Ticks do not reconcile: the producer sent ${formatInteger(figures.distinctTrades)} distinct valid trades, but bars hold ${formatInteger(figures.ticksInBars)} (${missingOrTooMany(figures.distinctTrades - figures.ticksInBars)}).`,
    );
  }
  if (!duplicatesReconcile(figures)) {
    problems.push(
      `Duplicates do not reconcile: the producer re-put ${formatInteger(figures.rePuts.ticks)} valid ticks, but the processor skipped ${formatInteger(figures.duplicatesSkipped)} as duplicates${retried(figures) ? "" : " and no batch was retried"}.`,
    );
  }
  if (figures.pastRetentionTicks > 0) {
    problems.push(
      `${plural(figures.pastRetentionTicks, "tick")} fell in bars past their retention and were not counted: the market's trade times or this machine's clock are off by the retention or more.`,
    );
  }
  if (figures.malformedTicks !== figures.malformedTicksGenerated) {
    problems.push(
      `Malformed ticks do not reconcile: the producer sent ${formatInteger(figures.malformedTicksGenerated)}, the processor skipped ${formatInteger(figures.malformedTicks)} as malformed (${missingOrTooMany(figures.malformedTicksGenerated - figures.malformedTicks)}).`,
    );
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
  const { reconcile: range } = figures;
  if (range.differences.length > 0) {
    problems.push(
      `Reconcile: ${formatInteger(range.differences.length)} of ${formatInteger(range.barsCompared)} bars differ from the archive's distinct trades: ${sample(range.differences)}.`,
    );
  }
  if (range.archiveProblems.length > 0) {
    problems.push(
      `Reconcile could not read the archive in ${range.archiveProblems.length} place(s): ${sample(range.archiveProblems)}.`,
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
    const why =
      first.condition === "RecordAgeExceeded"
        ? "past their maximum record age"
        : "after exhausting their retries";
    problems.push(
      `${functionName}: ${formatInteger(records)} record(s) in ${formatInteger(batches.length)} batch(es) went to the on-failure destination (first: ${first.shardId} from ${first.startSequenceNumber}, ${why}; ${first.lastError}).${logged ? ` Its last ERROR log: ${logged}.` : ""}`,
    );
  }
  return { ok: problems.length === 0, problems };
}

/** `2026-05-01T13:05Z`: a whole minute, as the operator commands write it. */
export function formatMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

function plural(count: number, noun: string): string {
  const many = /(s|sh|ch|x)$/.test(noun) ? `${noun}es` : `${noun}s`;
  return `${formatInteger(count)} ${count === 1 ? noun : many}`;
}

/** `500 records, at once` / `10,000 records or 300 s`: how a mapping cuts its batches. */
function batchingText(mapping: SimulatedMapping): string {
  const window = mapping.maximumBatchingWindowSeconds ?? 0;
  const size = `${formatInteger(mapping.batchSize)} records`;
  const cut = window === 0 ? `${size}, no batching window` : `${size} or ${window} s`;
  const deployed =
    mapping.deployedBatchingWindowSeconds === undefined
      ? ""
      : ` (--archiver-window; deployed ${mapping.deployedBatchingWindowSeconds} s)`;
  return `${cut}${deployed}, ${plural(mapping.parallelizationFactor, "lane")} per shard`;
}

function ageText(seconds: number | undefined): string {
  if (seconds === undefined || seconds < 0) {
    return "no age limit";
  }
  if (seconds % 3600 === 0) {
    return `${seconds / 3600} h`;
  }
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

/** `processor mapping`: how the consumer's event source mapping batches and retries. */
function mappingRow(mapping: SimulatedMapping): [string, string] {
  const retries =
    mapping.maximumRetryAttempts < 0
      ? "retries"
      : `${formatInteger(mapping.maximumRetryAttempts)} retries`;
  return [
    `${mapping.consumer.replace("market-", "")} mapping`,
    `${batchingText(mapping)}; ${retries} within ${ageText(mapping.maximumRecordAgeSeconds)} of arrival${mapping.bisectBatchOnFunctionError ? ", bisected on errors" : ""}`,
  ];
}

function rePutText(figures: RunFigures): string {
  const { rePuts } = figures;
  const redelivered = figures.duplicatesSkipped - rePuts.ticks;
  const where = [
    plural(rePuts.wholeBatches, "whole batch"),
    `${formatInteger(rePuts.otherKey)} under another key`,
    `${formatInteger(rePuts.otherShard)} on another shard`,
  ].join(", ");
  return `${formatInteger(figures.duplicatesSkipped)} (re-puts ${formatInteger(rePuts.ticks)} ticks in ${plural(rePuts.records, "record")}: ${where}${retried(figures) && redelivered > 0 ? `; ${formatInteger(redelivered)} ticks of retried batches` : ""})`;
}

/** The summary block printed at the end of a run. */
export function renderSummary(figures: RunFigures, reconciliation: Reconciliation): string {
  const { archive, freshness, reconcile: range } = figures;
  const ticksCheck = ticksReconcile(figures);
  const archiveCheck = archive.archivedRecords === figures.recordsSent;
  const rows: [string, string][] = [
    ["environment", `${figures.env} (${figures.shards} shard${figures.shards === 1 ? "" : "s"})`],
  ];
  rows.push(...(figures.mappings ?? []).map(mappingRow));
  rows.push(
    [
      "ticks sent",
      `${formatInteger(figures.ticksSent)} in ${formatInteger(figures.recordsSent)} records over ${figures.sendSeconds.toFixed(1)} s (${formatInteger(figures.ticksSent / Math.max(figures.sendSeconds, 0.001))} ticks/s), re-puts included`,
    ],
    [
      "ticks in bars",
      `${formatInteger(figures.ticksInBars)} (distinct valid trades sent: ${formatInteger(figures.distinctTrades)})`,
    ],
    ["duplicates skipped", rePutText(figures)],
    [
      "malformed",
      `${formatInteger(figures.malformedTicks)} ticks in ${formatInteger(figures.malformedRecords)} records (skipped and logged by the processor)`,
    ],
    [
      "ticks reconcile",
      `${ticksCheck ? "yes" : "NO"}: ${formatInteger(figures.ticksSent)} sent ${ticksCheck ? "=" : "!="} ${formatInteger(figures.ticksInBars)} in bars + ${formatInteger(retried(figures) ? figures.rePuts.ticks : figures.duplicatesSkipped)} duplicates + ${formatInteger(figures.malformedTicks)} malformed`,
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
      "reconcile",
      `${plural(range.differences.length, "difference")} over ${plural(range.barsCompared, "bar")} of ${formatMinute(range.from)}..${formatMinute(range.to)} (the archive's distinct trades vs the table: trades, volume, notional, prices, times)`,
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
    [
      "handler p50/p99",
      [...figures.durations]
        .map(([service, { p50Ms, p99Ms }]) => `${service} ${formatMs(p50Ms)} / ${formatMs(p99Ms)}`)
        .join(", "),
    ],
  );
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
  if (range.table !== "") {
    lines.push("", "Bars that differ from the archive (reconcile):", range.table);
  }
  lines.push("");
  lines.push(
    reconciliation.ok
      ? "OK: every distinct trade is in a bar once, every re-put tick was skipped as a duplicate and every malformed one as malformed, every record is archived exactly as sent, and the bars match the archive."
      : ["FAILED:", ...reconciliation.problems.map((problem) => `  - ${problem}`)].join("\n"),
  );
  return lines.join("\n");
}
