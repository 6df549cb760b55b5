import { Option } from "commander";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { mapWithConcurrency } from "../../functions/shared/concurrency";
import type { RebuildOutcome, RebuildTarget } from "./rebuild-target";
import { BarWriter } from "./bar-rebuild";
import type { CommandIo } from "./cli";
import {
  EXIT_OK,
  EXIT_PROBLEM,
  checkEnvironmentRange,
  count,
  formatMinute,
  operatorCommand,
  withRangeOptions,
  runCommand,
} from "./cli";
import { operatorClients, operatorEnvironment } from "./environment";
import type { ArchiveBars } from "./archive-bars";
import { splitBarKey } from "./archive-bars";
import { scanRange } from "./range-scan";

/**
 * `npm run rebuild-bars`: recomputes the 1-minute bars of a time range from the raw archive and
 * writes them, so the table holds what the live path holds after seeing the same records. Safe
 * while the live processor runs (see `bar-rebuild.ts`).
 */

export interface RebuildRangeOptions {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly bucketName: string;
  readonly tableName: string;
  readonly ttlDays: number;
  readonly from: number;
  readonly to: number;
  readonly symbols?: readonly string[];
  readonly lateMinutes: number;
  readonly dryRun: boolean;
  readonly dropUnarchived: boolean;
  /** One line per bar changed, skipped or failed. */
  readonly out: (line: string) => void;
  readonly progress: (line: string) => void;
  /** Bars written at once. @default 8 */
  readonly concurrency?: number;
}

export interface RebuildSummary {
  readonly archiveBars: number;
  readonly tableBars: number;
  readonly written: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly failed: number;
  readonly objects: number;
  readonly records: number;
  readonly malformedRecords: number;
  readonly malformedTicks: number;
  readonly duplicateTicks: number;
  /** Archive objects or lines that could not be read. */
  readonly problems: readonly string[];
}

/** The rebuild target of a bar key: the archive's bar, or none. */
export function targetOf(key: string, archive: ArchiveBars): RebuildTarget {
  const found = archive.bars.get(key);
  if (found !== undefined) {
    return { symbol: found.symbol, start: found.start, bar: found.bar, trades: found.trades };
  }
  const { symbol, start } = splitBarKey(key);
  return { symbol, start, bar: undefined, trades: [] };
}

/** One line about what happened to a bar (nothing for an unchanged bar). */
export function describeOutcome(
  target: RebuildTarget,
  outcome: RebuildOutcome,
  dryRun: boolean,
): string | undefined {
  const where = `${target.symbol} ${formatMinute(target.start)}`;
  const trades = count(target.trades.length, "trade");
  switch (outcome.status) {
    case "unchanged":
      return undefined;
    case "written": {
      const verb = dryRun ? "would write" : "written";
      const layout =
        outcome.layout === "inline" ? "inline set" : count(outcome.pagesWritten, "page");
      const how = outcome.replaced ? "replaced the stored bar" : "new bar";
      const extras = [
        outcome.oldPagesDeleted > 0
          ? `${count(outcome.oldPagesDeleted, "old page")} ${dryRun ? "to delete" : "deleted"}`
          : undefined,
        outcome.conflicts > 0
          ? `redone after ${count(outcome.conflicts, "live write")}`
          : undefined,
      ].filter((part) => part !== undefined);
      return `${where}  ${verb}: ${trades}, ${layout}, ${how}${extras.length > 0 ? `; ${extras.join(", ")}` : ""}`;
    }
    case "deleted":
      return `${where}  ${dryRun ? "would delete" : "deleted"}: the archive has no trade for this bar`;
    case "skipped":
      return `${where}  skipped: ${outcome.reason}`;
    case "failed":
      return `${where}  FAILED: ${outcome.reason}`;
  }
}

/** Rebuilds every bar of the range the archive or the table has (for the symbols looked at). */
export async function rebuildRange(options: RebuildRangeOptions): Promise<RebuildSummary> {
  const writer = new BarWriter({
    dynamodb: options.dynamodb,
    tableName: options.tableName,
    ttlDays: options.ttlDays,
    dropUnarchived: options.dropUnarchived,
    dryRun: options.dryRun,
  });
  const counts = {
    archiveBars: 0,
    tableBars: 0,
    written: 0,
    deleted: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    objects: 0,
    records: 0,
    malformedRecords: 0,
    malformedTicks: 0,
    duplicateTicks: 0,
  };
  const problems: string[] = [];
  for await (const chunk of scanRange(options)) {
    counts.archiveBars += chunk.archive.bars.size;
    counts.tableBars += chunk.table.size;
    counts.objects += chunk.objects;
    counts.records += chunk.archive.records;
    counts.malformedRecords += chunk.archive.malformedRecords;
    counts.malformedTicks += chunk.archive.malformedTicks;
    counts.duplicateTicks += chunk.archive.duplicateTicks;
    problems.push(...chunk.problems);
    const targets = [...new Set([...chunk.archive.bars.keys(), ...chunk.table.keys()])]
      .map((key) => targetOf(key, chunk.archive))
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.start - b.start));
    let done = 0;
    const outcomes = await mapWithConcurrency(targets, options.concurrency ?? 8, async (target) => {
      const outcome = await writer.rebuild(target);
      done += 1;
      if (done % 500 === 0) {
        options.progress(`${formatMinute(chunk.from)}..: ${done} of ${targets.length} bars done`);
      }
      return outcome;
    });
    // By symbol, then minute, whatever order the writes finished in.
    outcomes.forEach((outcome, index) => {
      counts[outcome.status] += 1;
      const line = describeOutcome(targets[index], outcome, options.dryRun);
      if (line !== undefined) {
        options.out(line);
      }
    });
  }
  return { ...counts, problems };
}

export function formatRebuildSummary(summary: RebuildSummary, dryRun: boolean): string {
  const lines = [
    `archive: ${count(summary.records, "distinct record")} in ${count(summary.objects, "object")} (${count(summary.malformedRecords, "malformed record")} and ${count(summary.malformedTicks, "malformed tick")} skipped; ${count(summary.duplicateTicks, "repeated trade")} counted once)`,
    `bars: ${summary.archiveBars} in the archive, ${summary.tableBars} in the table; ${dryRun ? "would write" : "written"} ${summary.written}, ${dryRun ? "would delete" : "deleted"} ${summary.deleted}, unchanged ${summary.unchanged}, skipped ${summary.skipped}, failed ${summary.failed}`,
  ];
  for (const problem of summary.problems) {
    lines.push(`archive problem: ${problem}`);
  }
  return `${lines.join("\n")}\n`;
}

interface RebuildCliOptions {
  readonly env: "dev" | "staging" | "production";
  readonly outputs?: string;
  readonly from: number;
  readonly to: number;
  readonly symbols?: string[];
  readonly lateMinutes: number;
  readonly allowRecent?: boolean;
  readonly dropUnarchived?: boolean;
  readonly dryRun?: boolean;
}

/** `npm run rebuild-bars -- ...`; resolves with the exit code. */
export async function rebuildBarsCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = withRangeOptions(
    operatorCommand(
      {
        script: "rebuild-bars",
        description:
          "Recompute the 1-minute bars of [--from, --to) from the raw archive and write them, safely while the live processor runs. Bars holding trades the archive lacks are left alone (reported as skipped).",
        usage: "--env <environment> --from <time> --to <time> [options]",
        details:
          "Prints one line per bar written, deleted, skipped or failed, then a summary; progress goes to stderr.",
        exitCodes: { ok: "done", problem: "a bar was skipped or failed (or an error)" },
        examples: [
          "npm run rebuild-bars -- --env staging --from 2026-11-27T13:00Z --to 2026-11-27T15:00Z --symbols AAPL,MSFT --dry-run",
        ],
      },
      io,
    ),
    "only these symbols, comma-separated (default: every symbol the archive has for the range)",
  )
    .addOption(
      new Option(
        "--drop-unarchived",
        "also rewrite bars holding trades the archive lacks (dropping them) and delete bars the archive has no trade for",
      ),
    )
    .addOption(new Option("--dry-run", "read and compare, write nothing"));
  return runCommand(command, argv, io, ["--env", "--from", "--to"], async () => {
    const options = command.opts<RebuildCliOptions>();
    const { dropUnarchived = false, dryRun = false } = options;
    const range = checkEnvironmentRange(options, io.now());
    const environment = operatorEnvironment(options.env, options.outputs, io.env);
    const clients = operatorClients(io.env);
    try {
      io.stderr(
        `rebuild-bars ${options.env}: bars of ${formatMinute(range.from)}..${formatMinute(range.to)} from s3://${environment.targets.bucketName} into ${environment.targets.tableName}${dryRun ? " (dry run: nothing is written)" : ""}\n`,
      );
      const summary = await rebuildRange({
        s3: clients.s3,
        dynamodb: clients.dynamodb,
        bucketName: environment.targets.bucketName,
        tableName: environment.targets.tableName,
        ttlDays: environment.settings.table.barRetentionDays,
        from: range.from,
        to: range.to,
        symbols: options.symbols,
        lateMinutes: options.lateMinutes,
        dryRun,
        dropUnarchived,
        out: (line) => io.stdout(`${line}\n`),
        progress: (line) => io.stderr(`${line}\n`),
      });
      io.stdout(formatRebuildSummary(summary, dryRun));
      return summary.skipped + summary.failed + summary.problems.length > 0
        ? EXIT_PROBLEM
        : EXIT_OK;
    } finally {
      clients.destroy();
    }
  });
}
