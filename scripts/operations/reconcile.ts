import { Option } from "commander";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { MINUTE_MS } from "../../functions/domain/time";
import type { ArchiveBars } from "./archive-bars";
import { queryBars } from "./bar-query";
import type { Difference, TableFormat } from "./bar-differences";
import { compareBar, compareChunk, formatDifferences } from "./bar-differences";
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
import { scanRange } from "./range-scan";
import { describeOutcome } from "./rebuild";

/**
 * `npm run reconcile`: compares, per symbol and minute, the distinct valid trades of the raw
 * archive with the bars in the table (trades, volume, notional, and the prices and times), prints
 * the differences, and with `--repair` rebuilds the differing bars and checks them again. The
 * comparison itself is in `bar-differences.ts`.
 */

export interface ReconcileOptions {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly bucketName: string;
  readonly tableName: string;
  readonly ttlDays: number;
  readonly from: number;
  readonly to: number;
  readonly symbols?: readonly string[];
  readonly lateMinutes: number;
  readonly repair: boolean;
  readonly dropUnarchived: boolean;
  readonly format: TableFormat;
  readonly out: (text: string) => void;
  readonly progress: (line: string) => void;
}

export interface ReconcileResult {
  readonly barsCompared: number;
  readonly differences: readonly Difference[];
  /** After `--repair`: the differences the re-check still finds. */
  readonly remaining: readonly Difference[] | undefined;
  readonly repairProblems: number;
  readonly archiveProblems: readonly string[];
}

/** Re-reads the bars of `differences` and compares them again. */
async function recheck(
  options: ReconcileOptions,
  differences: readonly Difference[],
): Promise<Difference[]> {
  const remaining: Difference[] = [];
  for (const difference of differences) {
    const bars = await queryBars(
      options.dynamodb,
      options.tableName,
      difference.symbol,
      difference.start,
      difference.start + MINUTE_MS,
    );
    const archive: ArchiveBars = {
      bars: new Map(
        difference.archive === undefined
          ? []
          : [
              [
                difference.key,
                {
                  key: difference.key,
                  symbol: difference.symbol,
                  start: difference.start,
                  bar: difference.archive,
                  trades: difference.target.trades,
                },
              ],
            ],
      ),
      symbols: [difference.symbol],
      records: 0,
      ticks: 0,
      duplicateTicks: 0,
      malformedRecords: 0,
      malformedTicks: 0,
    };
    const again = compareBar(difference.key, archive, bars.get(difference.key));
    if (again !== undefined) {
      remaining.push(again);
    }
  }
  return remaining;
}

/** Compares the range, prints the differences, and repairs them if asked. */
export async function reconcileRange(options: ReconcileOptions): Promise<ReconcileResult> {
  const differences: Difference[] = [];
  const archiveProblems: string[] = [];
  let barsCompared = 0;
  for await (const chunk of scanRange(options)) {
    barsCompared += new Set([...chunk.archive.bars.keys(), ...chunk.table.keys()]).size;
    archiveProblems.push(...chunk.problems);
    differences.push(...compareChunk(chunk.archive, chunk.table));
  }
  const range = `${formatMinute(options.from)}..${formatMinute(options.to)}`;
  if (differences.length === 0) {
    options.out(
      `${count(barsCompared, "bar")} of ${range} compared: the table matches the archive.\n`,
    );
  } else {
    options.out(
      `${count(barsCompared, "bar")} of ${range} compared: ${differences.length} differ${differences.length === 1 ? "s" : ""} from the archive.\n\n${formatDifferences(differences, options.format)}\n`,
    );
  }
  for (const problem of archiveProblems) {
    options.out(`archive problem: ${problem}\n`);
  }
  if (!options.repair || differences.length === 0) {
    return {
      barsCompared,
      differences,
      remaining: undefined,
      repairProblems: 0,
      archiveProblems,
    };
  }
  const writer = new BarWriter({
    dynamodb: options.dynamodb,
    tableName: options.tableName,
    ttlDays: options.ttlDays,
    dropUnarchived: options.dropUnarchived,
    dryRun: false,
  });
  options.out(`\nRepair: rebuilding ${count(differences.length, "bar")} from the archive\n`);
  let repairProblems = 0;
  for (const difference of differences) {
    const outcome = await writer.rebuild(difference.target);
    if (outcome.status === "skipped" || outcome.status === "failed") {
      repairProblems += 1;
    }
    const line =
      describeOutcome(difference.target, outcome, false) ??
      `${difference.symbol} ${formatMinute(difference.start)}  unchanged: it matches the archive now`;
    options.out(`${line}\n`);
  }
  const remaining = await recheck(options, differences);
  if (remaining.length === 0) {
    options.out(
      differences.length === 1
        ? "Re-check: the repaired bar matches the archive.\n"
        : `Re-check: all ${differences.length} repaired bars match the archive.\n`,
    );
  } else {
    options.out(
      `Re-check: ${count(remaining.length, "bar")} still ${remaining.length === 1 ? "differs" : "differ"}.\n\n${formatDifferences(remaining, options.format)}\n`,
    );
  }
  return { barsCompared, differences, remaining, repairProblems, archiveProblems };
}

interface ReconcileCliOptions {
  readonly env: "dev" | "staging" | "production";
  readonly outputs?: string;
  readonly from: number;
  readonly to: number;
  readonly symbols?: string[];
  readonly lateMinutes: number;
  readonly allowRecent?: boolean;
  readonly repair?: boolean;
  readonly dropUnarchived?: boolean;
  readonly format: TableFormat;
}

/** `npm run reconcile -- ...`; resolves with the exit code. */
export async function reconcileCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = withRangeOptions(
    operatorCommand(
      {
        script: "reconcile",
        description:
          "Compare, per symbol and minute, the distinct valid trades of the raw archive with the bars in the table (trades, volume, notional, prices, times); print the differences; with --repair rebuild the differing bars and check them again.",
        usage: "--env <environment> --from <time> --to <time> [options]",
        details:
          "Prints the number of bars compared and a table of the bars that differ (symbol, minute, trades, volume and notional from the archive and the table, and what differs); with --repair, one line per bar rebuilt and the re-check. Progress goes to stderr.",
        exitCodes: {
          ok: "no difference (after --repair: none left)",
          problem: "a difference (or an error)",
        },
        examples: [
          "npm run reconcile -- --env production --from 2026-11-27T13:00Z --to 2026-11-27T14:00Z --format markdown",
          "npm run reconcile -- --env dev --from 2026-11-27T13:00Z --to 2026-11-27T14:00Z --repair",
        ],
      },
      io,
    ),
    "only these symbols, comma-separated (default: every symbol the archive has for the range; a bar of a symbol the archive lacks is found only when named here)",
  )
    .addOption(
      new Option("--format <format>", "table format").choices(["text", "markdown"]).default("text"),
    )
    .addOption(new Option("--repair", "rebuild the differing bars, then check them again"))
    .addOption(
      new Option(
        "--drop-unarchived",
        "with --repair: also rewrite bars holding trades the archive lacks (dropping them) and delete bars it has no trade for",
      ),
    );
  return runCommand(command, argv, io, ["--env", "--from", "--to"], async () => {
    const options = command.opts<ReconcileCliOptions>();
    const { repair = false, dropUnarchived = false } = options;
    const range = checkEnvironmentRange(options, io.now());
    const environment = operatorEnvironment(options.env, options.outputs, io.env);
    const clients = operatorClients(io.env);
    try {
      io.stderr(
        `reconcile ${options.env}: s3://${environment.targets.bucketName} against ${environment.targets.tableName}, ${formatMinute(range.from)}..${formatMinute(range.to)}\n`,
      );
      const result = await reconcileRange({
        s3: clients.s3,
        dynamodb: clients.dynamodb,
        bucketName: environment.targets.bucketName,
        tableName: environment.targets.tableName,
        ttlDays: environment.settings.table.barRetentionDays,
        from: range.from,
        to: range.to,
        symbols: options.symbols,
        lateMinutes: options.lateMinutes,
        repair,
        dropUnarchived,
        format: options.format,
        out: (text) => io.stdout(text),
        progress: (line) => io.stderr(`${line}\n`),
      });
      const unresolved =
        result.remaining === undefined ? result.differences.length : result.remaining.length;
      return unresolved + result.repairProblems + result.archiveProblems.length > 0
        ? EXIT_PROBLEM
        : EXIT_OK;
    } finally {
      clients.destroy();
    }
  });
}
