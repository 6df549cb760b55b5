import { InvalidArgumentError, Option } from "commander";
import type { Command } from "commander";
import { ENVIRONMENT_NAMES, environmentSettings } from "../../modules/config/settings";
import type { EnvironmentName } from "../../modules/config/settings";
import { MINUTE_MS, toIso } from "../../functions/domain/time";
import { firstOpenMinute } from "../../functions/shared/bar-codec";
import { UsageError } from "../cli/program";
import { createCommand } from "../cli/program-help";
import type { CommandIo } from "../cli/program";
import type { CommandSpec } from "../cli/program-help";

/**
 * What the operator commands (`redrive`, `rebuild-bars`, `reconcile`) share besides the command
 * line of every command (scripts/cli/program.ts): the environment options, time ranges and
 * symbols.
 */

export {
  EXIT_OK,
  EXIT_PROBLEM,
  EXIT_USAGE,
  UsageError,
  exitQuietlyOnClosedPipe,
  processIo,
  runCommand,
} from "../cli/program";
import { integerIn } from "../cli/program-parsers";

export { count, integerIn } from "../cli/program-parsers";
export type { CommandIo } from "../cli/program";

/** Options every operator command has. */
export interface CommonOptions {
  readonly env: EnvironmentName;
  readonly outputs?: string;
}

/** The expected form of `--from` and `--to`, as error messages state it. */
export const TIME_FORMAT =
  "an ISO-8601 UTC minute such as 2026-11-27T13:05Z (or 2026-11-27T13:05:00Z, or with an offset such as +01:00; seconds must be 00)";

const ISO_MINUTE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses a whole minute in ISO-8601 with `Z` or an offset; epoch milliseconds. */
export function parseMinute(text: string): number {
  const match = ISO_MINUTE.exec(text.trim());
  if (match === null) {
    throw new InvalidArgumentError(`Expected ${TIME_FORMAT}.`);
  }
  const ms = Date.parse(text.trim());
  const [, year, month, day, hour, minute, second = "00", fraction = "0"] = match;
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (
    Number.isNaN(ms) ||
    calendar.getUTCMonth() !== Number(month) - 1 ||
    calendar.getUTCDate() !== Number(day) ||
    Number(hour) > 23 ||
    Number(minute) > 59
  ) {
    throw new InvalidArgumentError(`Not a date and time. Expected ${TIME_FORMAT}.`);
  }
  if (Number(second) !== 0 || Number(fraction) !== 0 || ms % MINUTE_MS !== 0) {
    throw new InvalidArgumentError(`Not a whole minute. Expected ${TIME_FORMAT}.`);
  }
  return ms;
}

/** Parses `A,B,C` into distinct upper-case symbols of the tick schema's alphabet. */
export function parseSymbols(text: string): string[] {
  const symbols = text
    .split(",")
    .map((symbol) => symbol.trim())
    .filter((symbol) => symbol.length > 0);
  if (symbols.length === 0) {
    throw new InvalidArgumentError("Expected a comma-separated list of symbols, e.g. AAPL,MSFT.");
  }
  for (const symbol of symbols) {
    if (!/^[A-Z0-9.-]{1,12}$/.test(symbol)) {
      throw new InvalidArgumentError(
        `"${symbol}" is not a symbol: 1-12 of A-Z 0-9 . - (upper case), e.g. AAPL,MSFT.`,
      );
    }
  }
  return [...new Set(symbols)];
}

/** A command with the options every operator command has: `--env` and `--outputs`. */
export function operatorCommand(spec: CommandSpec, io: CommandIo): Command {
  return createCommand(spec, io)
    .addOption(
      new Option("--env <environment>", "the environment to work on (required)").choices(
        ENVIRONMENT_NAMES,
      ),
    )
    .addOption(
      new Option(
        "--outputs <file>",
        "JSON written by `pulumi stack output --json` (default: run the Pulumi CLI in environments/<env>)",
      ),
    );
}

/** Minutes past the first open minute that a refused range's suggested `--from` leaves. */
const SUGGESTION_LEAD_MINUTES = 5;

/** How recent a range's end may be before the archive can be trusted to hold all of it. */
export const RECENT_MINUTES = 10;

/**
 * Checks a `[from, to)` range: `to` after `from`, starting at a minute whose bar is still open to
 * writes (`firstOpenMinute` for the table's `retentionDays`), and (unless `allowRecent`) ending at
 * least {@link RECENT_MINUTES} ago.
 *
 * Why the start: TTL deletes a bar past its retention and its trade-set pages as separate items,
 * in no order the table promises, and the processor no longer counts its ticks (`barIsClosed`). A
 * rebuild would write bars TTL is deleting, and a reconcile would report the bars it has deleted.
 *
 * Why: the archive trails the processor. The archiver's mapping gathers records for its batching
 * window (up to 300 s in staging) before it writes an object, and retries push that further,
 * while the processor applies a tick within a second. A bar of the last minutes can therefore
 * hold trades the archive does not have yet. Those trades cannot be put back from the bar: its set
 * holds trade ids only, not prices or sizes, so a rebuild would drop them and a reconcile would
 * report differences that are only the archive's lag.
 */
export function checkRange(
  from: number,
  to: number,
  now: number,
  allowRecent: boolean,
  retentionDays: number,
): { from: number; to: number } {
  if (to <= from) {
    throw new UsageError(`--to (${toIso(to)}) must be after --from (${toIso(from)}).`);
  }
  const firstOpen = firstOpenMinute(retentionDays, now);
  if (from < firstOpen) {
    // The first open minute moves on with the clock: the suggestion leaves a few minutes to act.
    const suggested = firstOpen + SUGGESTION_LEAD_MINUTES * MINUTE_MS;
    throw new UsageError(
      `the range starts at ${toIso(from)}, before ${toIso(firstOpen)}: the table keeps a bar ${retentionDays} days after its minute and takes no writes to it from an hour before that, so older minutes live only in the raw archive. Use --from ${toIso(suggested)} or later.`,
    );
  }
  const latest = now - RECENT_MINUTES * MINUTE_MS;
  if (!allowRecent && to > latest) {
    throw new UsageError(
      `the range ends at ${toIso(to)}, within the last ${RECENT_MINUTES} minutes (or in the future): the archive trails the processor by the archiver's batching window, so it may not hold those trades yet. Use --to ${toIso(latest - (latest % MINUTE_MS))} or earlier, or pass --allow-recent.`,
    );
  }
  return { from, to };
}

/** {@link checkRange} for a command's `--env`, `--from`, `--to` and `--allow-recent`. */
export function checkEnvironmentRange(
  options: {
    readonly env: EnvironmentName;
    readonly from: number;
    readonly to: number;
    readonly allowRecent?: boolean;
  },
  now: number,
): { from: number; to: number } {
  return checkRange(
    options.from,
    options.to,
    now,
    options.allowRecent ?? false,
    environmentSettings(options.env).table.barRetentionDays,
  );
}

/** A minute for tables and messages: `2026-11-27T13:05Z`. */
export function formatMinute(ms: number): string {
  return toIso(ms).replace(":00.000Z", "Z");
}

/**
 * The range options rebuild-bars and reconcile share: `--from`, `--to`, `--symbols` (with the
 * command's own help), `--late-minutes` and `--allow-recent`.
 */
export function withRangeOptions(command: Command, symbolsHelp: string): Command {
  return command
    .addOption(
      new Option("--from <time>", "first minute of the range, ISO-8601 UTC (required)").argParser(
        parseMinute,
      ),
    )
    .addOption(
      new Option("--to <time>", "end of the range, excluded, ISO-8601 UTC (required)").argParser(
        parseMinute,
      ),
    )
    .addOption(new Option("--symbols <list>", symbolsHelp).argParser(parseSymbols))
    .addOption(
      new Option(
        "--late-minutes <minutes>",
        "also read records that arrived up to this long after --to",
      )
        .argParser(integerIn(0, 1440))
        .default(60),
    )
    .addOption(
      new Option(
        "--allow-recent",
        "allow a range ending within the last 10 minutes (the archive may not hold those trades yet)",
      ),
    );
}
