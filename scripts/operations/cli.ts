import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ENVIRONMENT_NAMES } from "../../modules/config/settings";
import type { EnvironmentName } from "../../modules/config/settings";
import { MINUTE_MS, toIso } from "../../functions/domain/time";

/**
 * What the operator commands (`redrive`, `rebuild-bars`, `reconcile`) share: option parsing with
 * commander, exit codes, and where output goes.
 *
 * Exit codes: 0 the command ran and found nothing wrong; 1 it ran and found a problem (a message
 * left in a queue, a bar that differs or could not be rebuilt) or failed while running; 2 it did
 * not run: an unknown option, a missing one or a bad value (the message names the valid choices or
 * the expected format).
 */

export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;

/** Where a command writes: results to `stdout`, progress and errors to `stderr`. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The environment the AWS clients and the Pulumi CLI read. */
  readonly env: NodeJS.ProcessEnv;
  /** The clock that decides what is recent. */
  readonly now: () => number;
}

export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  now: () => Date.now(),
};

/** Ends quietly when the reader of stdout goes away (`npm run reconcile -- --help | head`). */
export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") {
      process.exit(process.exitCode ?? 0);
    }
    throw error;
  });
}

/** A usage problem found after parsing (a range that ends before it starts, a recent range...). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

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

/** A parser for whole numbers in [min, max], naming the range when the value is outside it. */
export function integerIn(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    }
    return value;
  };
}

/**
 * A command with the shared options (`--env`, `--outputs`), output routed to `io`, and errors
 * thrown instead of exiting, so {@link runCommand} can map them to exit codes.
 */
export function operatorCommand(name: string, description: string, io: CommandIo): Command {
  return new Command(`npm run ${name} --`)
    .description(description)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(text),
    })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .helpOption("-h, --help", "show this help and exit")
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

function validOptions(command: Command): string {
  return command.options.map((option) => option.long ?? option.short ?? option.flags).join(", ");
}

/**
 * Parses `argv` (without `node` and the script) and runs the command's action, whose result
 * becomes the exit code. Never exits the process: the caller sets `process.exitCode`.
 *
 * `required` names the options (long flags) that must be given. They are checked after commander
 * has rejected unknown options, so a mistyped option is reported as such, not as a missing one.
 */
export async function runCommand(
  command: Command,
  argv: readonly string[],
  io: CommandIo,
  required: readonly string[],
  action: () => Promise<number>,
): Promise<number> {
  let code = EXIT_OK;
  command.action(async () => {
    for (const flag of required) {
      const option = command.options.find((candidate) => candidate.long === flag);
      if (option !== undefined && command.getOptionValue(option.attributeName()) === undefined) {
        throw new UsageError(`required option '${option.flags}' not specified. See --help.`);
      }
    }
    code = await action();
  });
  try {
    await command.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.help") {
        return EXIT_OK;
      }
      if (error.code === "commander.unknownOption" || error.code === "commander.excessArguments") {
        io.stderr(`Valid options: ${validOptions(command)}, --help.\n`);
      }
      return EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_PROBLEM;
  }
}

/** How recent a range's end may be before the archive can be trusted to hold all of it. */
export const RECENT_MINUTES = 10;

/**
 * Checks a `[from, to)` range: `to` after `from`, and (unless `allowRecent`) ending at least
 * {@link RECENT_MINUTES} ago.
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
): { from: number; to: number } {
  if (to <= from) {
    throw new UsageError(`--to (${toIso(to)}) must be after --from (${toIso(from)}).`);
  }
  const latest = now - RECENT_MINUTES * MINUTE_MS;
  if (!allowRecent && to > latest) {
    throw new UsageError(
      `the range ends at ${toIso(to)}, within the last ${RECENT_MINUTES} minutes (or in the future): the archive trails the processor by the archiver's batching window, so it may not hold those trades yet. Use --to ${toIso(latest - (latest % MINUTE_MS))} or earlier, or pass --allow-recent.`,
    );
  }
  return { from, to };
}

/** `1 bar`, `2 bars`: a count and its noun (`plural` when adding "s" does not make it). */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** A minute for tables and messages: `2026-11-27T13:05Z`. */
export function formatMinute(ms: number): string {
  return toIso(ms).replace(":00.000Z", "Z");
}
