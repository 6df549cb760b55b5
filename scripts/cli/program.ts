import { CommanderError, type Command } from "commander";

import { suggestChoices } from "./program-choices";
import { npmInvocation, npmScript, npmSwallowedOptions } from "./program-npm";

/**
 * The command line every developer and operator command shares (`npm start`, `npm run bench`,
 * `npm run redrive`...): option parsing with commander, the help layout, exit codes, hints for the
 * usual mistakes, and where output goes.
 *
 * Exit codes: 0 the command ran and found nothing wrong; 1 it ran and found a problem (a missed
 * goal, drift, a difference, a failed check) or failed while running; 2 it did not run: an unknown
 * option, a missing one or a bad value (the message names the valid options, the choices or the
 * expected format).
 *
 * The help is built in `program-help.ts`, choice hints in `program-choices.ts`, npm's handling of
 * options in `program-npm.ts` and option value parsers in `program-parsers.ts`.
 */

export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;

/** Where a command writes: results to `stdout`, progress and errors to `stderr`. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The environment the command reads (AWS and Pulumi settings, npm's variables). */
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

/** A usage problem found after parsing (a range that ends before it starts, a missing file...). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

function validOptions(command: Command): string {
  return command.options.map((option) => option.long ?? option.short ?? option.flags).join(", ");
}

export type Parsed<T> =
  /** Help was shown (code 0) or the command line was refused (code 2): exit with `code`. */
  { readonly kind: "exit"; readonly code: number } | { readonly kind: "run"; readonly options: T };

export interface ParseOptions<T> {
  /**
   * Long flags of the options that must be given. Checked after commander has rejected unknown
   * options, so a mistyped option is reported as such, not as a missing one.
   */
  readonly required?: readonly string[];
  /** Turns commander's option values into the command's options; throws {@link UsageError}. */
  readonly validate?: (values: Record<string, unknown>) => T;
}

/**
 * Parses `argv` (without `node` and the script) against `command`. Prints the help, or what is
 * wrong with the command line (with the valid options, the choices or the expected format, and
 * the command line meant when npm took options for itself), and returns the exit code; or returns
 * the options. Never exits the process.
 */
export function parseCommand<T = Record<string, unknown>>(
  command: Command,
  argv: readonly string[],
  io: CommandIo,
  options: ParseOptions<T> = {},
): Parsed<T> {
  const swallowed = npmSwallowedOptions(command, argv, io.env);
  if (swallowed !== undefined) {
    const flags = swallowed.flags.join(", ");
    io.stderr(
      `error: npm kept ${flags} for itself (npm reads the options written before --), so the command did not get ${swallowed.flags.length === 1 ? "it" : "them"}. Did you mean ${swallowed.meant}?\n`,
    );
    return { kind: "exit", code: EXIT_USAGE };
  }
  for (const option of command.options) {
    suggestChoices(option);
  }
  command.action(() => undefined);
  try {
    command.parse([...argv], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) {
      throw error;
    }
    if (error.code === "commander.helpDisplayed" || error.code === "commander.help") {
      return { kind: "exit", code: EXIT_OK };
    }
    if (error.code === "commander.unknownOption" || error.code === "commander.excessArguments") {
      io.stderr(`Valid options: ${validOptions(command)}, --help.\n`);
    }
    const script = npmScript(io.env);
    if (error.code === "commander.excessArguments" && script !== undefined) {
      io.stderr(
        `npm passes on only what follows --: write the options after it, e.g. ${npmInvocation(script)} -- --help.\n`,
      );
    }
    return { kind: "exit", code: EXIT_USAGE };
  }
  try {
    for (const flag of options.required ?? []) {
      const option = command.options.find((candidate) => candidate.long === flag);
      if (option !== undefined && command.getOptionValue(option.attributeName()) === undefined) {
        throw new UsageError(`required option '${option.flags}' not specified. See --help.`);
      }
    }
    const values = command.opts();
    return {
      kind: "run",
      options: options.validate === undefined ? (values as T) : options.validate(values),
    };
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n`);
      return { kind: "exit", code: EXIT_USAGE };
    }
    throw error;
  }
}

/**
 * Parses `argv` and runs `action`, whose result becomes the exit code: {@link UsageError} from
 * the action is bad usage (2), any other error a failure while running (1). Never exits the
 * process: the caller sets `process.exitCode`.
 */
export async function runCommand(
  command: Command,
  argv: readonly string[],
  io: CommandIo,
  required: readonly string[],
  action: () => Promise<number>,
): Promise<number> {
  const parsed = parseCommand(command, argv, io, { required });
  if (parsed.kind === "exit") {
    return parsed.code;
  }
  return runAction(io, action);
}

/** Runs a parsed command's work: its result is the exit code; errors are reported on stderr. */
export async function runAction(io: CommandIo, action: () => Promise<number>): Promise<number> {
  try {
    return await action();
  } catch (error) {
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_PROBLEM;
  }
}

/** The entry point of a command's script: runs `cli` on the process's arguments and sets its exit code. */
export function runMain(
  cli: (argv: readonly string[], io: CommandIo) => number | Promise<number>,
): void {
  exitQuietlyOnClosedPipe();
  Promise.resolve()
    .then(() => cli(process.argv.slice(2), processIo))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(
          `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        process.exitCode = EXIT_PROBLEM;
      },
    );
}
