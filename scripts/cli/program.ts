import { Command, CommanderError, InvalidArgumentError, Option } from "commander";

/**
 * The command line every developer and operator command shares (`npm start`, `npm run bench`,
 * `npm run redrive`...): option parsing with commander, the help layout, exit codes, hints for the
 * usual mistakes, and where output goes.
 *
 * Exit codes: 0 the command ran and found nothing wrong; 1 it ran and found a problem (a missed
 * goal, drift, a difference, a failed check) or failed while running; 2 it did not run: an unknown
 * option, a missing one or a bad value (the message names the valid options, the choices or the
 * expected format).
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

/** What a command's `--help` says besides its options. */
export interface CommandSpec {
  /** The npm script that runs the command: `start`, `bench`, `redrive`. */
  readonly script: string;
  /** What the command does, one paragraph. */
  readonly description: string;
  /** The arguments after `npm run <script> --`. @default "[options]" */
  readonly usage?: string;
  /** What the command prints, and anything else to know; paragraphs separated by blank lines. */
  readonly details?: string;
  /** What exit codes 0 and 1 mean for this command (2 is always bad usage). */
  readonly exitCodes: { readonly ok: string; readonly problem: string };
  /** Whole command lines, the first the most common. */
  readonly examples: readonly string[];
}

/** `npm start`, `npm test`; `npm run <script>` for the others. */
export function npmInvocation(script: string): string {
  return ["start", "stop", "restart", "test"].includes(script)
    ? `npm ${script}`
    : `npm run ${script}`;
}

const HELP_WIDTH = 100;

/** Wraps each paragraph (lines separated by a blank line) to `width` columns. */
export function wrapParagraphs(text: string, width = HELP_WIDTH): string {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((paragraph) => {
      const lines: string[] = [];
      let line = "";
      for (const word of paragraph.split(/\s+/).filter((w) => w.length > 0)) {
        if (line !== "" && line.length + 1 + word.length > width) {
          lines.push(line);
          line = word;
        } else {
          line = line === "" ? word : `${line} ${word}`;
        }
      }
      lines.push(line);
      return lines.join("\n");
    })
    .join("\n\n");
}

const USAGE_EXIT = "2 bad usage (an unknown option, a missing one or a bad value)";

/**
 * A command with its help (usage, description, options with their defaults, what it prints, exit
 * codes and examples), output routed to `io`, and errors thrown instead of exiting, so
 * {@link parseCommand} can map them to exit codes.
 */
export function createCommand(spec: CommandSpec, io: CommandIo): Command {
  const after = [
    spec.details === undefined ? undefined : wrapParagraphs(spec.details),
    wrapParagraphs(
      `Exit codes: 0 ${spec.exitCodes.ok}; 1 ${spec.exitCodes.problem}; ${USAGE_EXIT}.`,
    ),
    `${spec.examples.length === 1 ? "Example" : "Examples"}:\n${spec.examples.map((example) => `  ${example}`).join("\n")}`,
  ].filter((part): part is string => part !== undefined);
  return new Command(`${npmInvocation(spec.script)} --`)
    .description(spec.description)
    .usage(spec.usage ?? "[options]")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(text),
      getOutHelpWidth: () => HELP_WIDTH,
      getErrHelpWidth: () => HELP_WIDTH,
    })
    .configureHelp({ helpWidth: HELP_WIDTH })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .helpOption("-h, --help", "show this help and exit")
    .addHelpText("after", `\n${after.join("\n\n")}`);
}

/** Words commonly typed for a choice, by the choice they mean. */
const CHOICE_ALIASES: Readonly<Record<string, readonly string[]>> = {
  production: ["prod", "prd", "live"],
  staging: ["stage", "stg", "staged"],
  dev: ["development", "develop", "devel"],
  markdown: ["md", "gfm"],
  text: ["txt", "plain", "table"],
  json: ["js"],
};

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

/** The choice `value` was most likely meant to be: `prod` -> `production`, `Dev` -> `dev`. */
export function suggestChoice(value: string, choices: readonly string[]): string | undefined {
  const typed = value.trim().toLowerCase();
  if (typed === "") {
    return undefined;
  }
  const exact = choices.find((choice) => choice.toLowerCase() === typed);
  if (exact !== undefined) {
    return exact;
  }
  const alias = choices.find((choice) => CHOICE_ALIASES[choice]?.includes(typed));
  if (alias !== undefined) {
    return alias;
  }
  const prefixed = choices.filter((choice) => choice.toLowerCase().startsWith(typed));
  if (prefixed.length === 1) {
    return prefixed[0];
  }
  const containing = choices.filter((choice) => choice.toLowerCase().includes(typed));
  if (typed.length >= 3 && containing.length === 1) {
    return containing[0];
  }
  const ranked = choices
    .map((choice) => ({ choice, distance: editDistance(typed, choice.toLowerCase()) }))
    .filter(({ choice, distance }) => distance <= Math.max(1, Math.floor(choice.length / 3)))
    .sort((a, b) => a.distance - b.distance);
  return ranked.length > 0 && ranked[0].distance < (ranked[1]?.distance ?? Infinity)
    ? ranked[0].choice
    : undefined;
}

/**
 * Makes an option's choices name the likely one: `--env prod` answers "Allowed choices are dev,
 * staging, production. Did you mean production?". Keeps the option's own parser (a repeatable
 * option collects its values) after checking the choice.
 */
function suggestChoices(option: Option): void {
  const choices = option.argChoices;
  if (choices === undefined) {
    return;
  }
  const parse = option.parseArg;
  option.parseArg = <T>(value: string, previous: T): T => {
    if (!choices.includes(value)) {
      const suggestion = suggestChoice(value, choices);
      throw new InvalidArgumentError(
        `Allowed choices are ${choices.join(", ")}.${suggestion === undefined ? "" : ` Did you mean ${suggestion}?`}`,
      );
    }
    return parse === undefined ? (value as T) : parse(value, previous);
  };
}

function validOptions(command: Command): string {
  return command.options.map((option) => option.long ?? option.short ?? option.flags).join(", ");
}

/** Whether `option` takes a value (`--env <environment>`), as opposed to a switch (`--check`). */
function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** The npm script running this process (`npm start`, `npm run bench`), not `npx`. */
function npmScript(env: NodeJS.ProcessEnv): string | undefined {
  const script = env.npm_lifecycle_event;
  return script === undefined || script === "" || env.npm_command === "exec" ? undefined : script;
}

/**
 * `npm start --env production` gives `--env` to npm, not to the command: npm keeps the options
 * written before `--` as its own settings (`npm_config_env=true`) and passes on only `production`.
 * Finds such options of `command` that `argv` lacks and returns the command line meant, or
 * `undefined` when the command was not run by npm or nothing was taken.
 */
export function npmSwallowedOptions(
  command: Command,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { readonly flags: readonly string[]; readonly meant: string } | undefined {
  const script = npmScript(env);
  if (script === undefined) {
    return undefined;
  }
  const given = new Set(argv.filter((arg) => arg.startsWith("-")).map((arg) => arg.split("=")[0]));
  const taken: { option: Option; flag: string; value: string }[] = [];
  // npm sets its settings in the order they were given.
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith("npm_config_") || value === undefined) {
      continue;
    }
    const name = key.slice("npm_config_".length).replace(/_/g, "-");
    const option = command.options.find(
      (candidate) =>
        candidate.long !== undefined &&
        !candidate.negate &&
        candidate.long === `--${name}` &&
        candidate.long !== "--help",
    );
    const negated = command.options.find(
      (candidate) => candidate.negate && candidate.long === `--no-${name}` && value === "",
    );
    const found = option ?? negated;
    if (found?.long !== undefined && !given.has(found.long)) {
      taken.push({ option: found, flag: found.long, value });
    }
  }
  if (taken.length === 0) {
    return undefined;
  }
  // The words npm passed on that no option of the command reads: the values of the taken options.
  const strays: number[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg.startsWith("-")) {
      const option = command.options.find((candidate) => candidate.long === arg);
      if (option !== undefined && takesValue(option) && !arg.includes("=")) {
        i += 1;
      }
      continue;
    }
    strays.push(i);
  }
  const used = new Set<number>();
  const words: string[] = [];
  for (const { option, flag, value } of taken) {
    words.push(flag);
    if (!takesValue(option)) {
      continue;
    }
    if (value !== "true" && value !== "") {
      words.push(shellWord(value));
      continue;
    }
    const stray = strays.find((index) => !used.has(index));
    if (stray === undefined) {
      // The value's placeholder, `<environment>`, left for the reader to fill in.
      words.push(option.flags.replace(/^.*?(<[^>]+>|\[[^\]]+\]).*$/, "$1"));
    } else {
      used.add(stray);
      words.push(shellWord(argv[stray]));
    }
  }
  const rest = argv.filter((_, index) => !used.has(index)).map(shellWord);
  return {
    flags: taken.map(({ flag }) => flag),
    meant: `${npmInvocation(script)} -- ${[...words, ...rest].join(" ")}`,
  };
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

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A parser for numbers in [min, max] (whole ones if `integer`), naming the range and an example. */
export function numberIn(
  min: number,
  max: number,
  { integer = false, example }: { readonly integer?: boolean; readonly example: string },
): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (
      !DECIMAL.test(text.trim()) ||
      !Number.isFinite(value) ||
      (integer && !Number.isInteger(value)) ||
      value < min ||
      value > max
    ) {
      throw new InvalidArgumentError(
        `Expected ${integer ? "a whole number" : "a number"} from ${min} to ${max}, e.g. ${example}.`,
      );
    }
    return value;
  };
}

/**
 * An option's parser from a function that throws an `Error` naming what is wrong, so that a bad
 * value is bad usage (exit 2) with that message.
 */
export function checked<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
}

/** A parser that collects every value of a repeatable option (`--function a --function b`). */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `1 bar`, `2 bars`: a count and its noun (`plural` when adding "s" does not make it). */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
