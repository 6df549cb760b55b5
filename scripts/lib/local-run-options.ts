import { z } from "zod";
import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  KINESIS_MAPPING_LIMITS,
  type EnvironmentName,
} from "../../modules/config/settings";

/** What `npm start` runs: one environment's data path on this machine, for a while. */
export interface LocalRunOptions {
  readonly env: EnvironmentName;
  /** Number of symbols the synthetic market trades. */
  readonly symbols: number;
  /**
   * Ticks per second the producers send. The default is what dev's single shard keeps up with
   * on a two-core machine that also runs the local services; raise it to watch the iterator age grow.
   */
  readonly ratePerSecond: number;
  /** How long the producers send, in seconds. */
  readonly durationSeconds: number;
  /** Seed of the synthetic market: the same seed sends the same ticks. */
  readonly seed: number;
  /** Fraction (0..1) of records that are malformed. */
  readonly faults: number;
  /**
   * Fraction (0..1) of records the producer puts twice, as after a PutRecords that timed out
   * although Kinesis stored the records: the processor must skip the copies' ticks as duplicates.
   */
  readonly reputs: number;
  /**
   * The archiver mapping's batching window for this run, in seconds, instead of the environment's
   * (staging gathers for 300 s, so the archive completes minutes after the last tick).
   * @default - the environment's `archiver.batchingWindowSeconds`
   */
  readonly archiverWindowSeconds?: number;
}

export const DEFAULT_LOCAL_RUN_OPTIONS: LocalRunOptions = {
  env: "dev",
  symbols: 40,
  ratePerSecond: 1000,
  durationSeconds: 10,
  seed: 42,
  faults: 0.01,
  reputs: 0.01,
};

/**
 * Ticks one run may send: the local services keep everything in memory, and the run keeps every
 * record it sent to check the archive against.
 */
export const MAX_TICKS_PER_RUN = 2_000_000;

export type ParsedLocalRunArgs =
  { readonly kind: "help" } | { readonly kind: "run"; readonly options: LocalRunOptions };

/** Thrown for bad command-line input; the message lists every problem, one per line. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

interface NumberRule {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly example: string;
}

const LIMITS = {
  symbols: { min: 1, max: 1000, integer: true, example: "40" },
  rate: { min: 1, max: 20_000, integer: false, example: "2000" },
  duration: { min: 0.5, max: 3600, integer: false, example: "10" },
  seed: { min: 0, max: 4_294_967_295, integer: true, example: "42" },
  faults: { min: 0, max: 1, integer: false, example: "0.01" },
  reputs: { min: 0, max: 1, integer: false, example: "0.01" },
  "archiver-window": {
    min: 0,
    max: KINESIS_MAPPING_LIMITS.maximumBatchingWindowSeconds,
    integer: true,
    example: "5",
  },
} as const satisfies Record<string, NumberRule>;

type NumericFlag = keyof typeof LIMITS;

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function describeRule(rule: NumberRule): string {
  return `${rule.integer ? "a whole number" : "a number"} from ${rule.min} to ${rule.max}`;
}

function numberOption(flag: NumericFlag) {
  const rule: NumberRule = LIMITS[flag];
  return z.string().transform((raw, ctx) => {
    const value = Number(raw);
    const ok =
      NUMERIC.test(raw.trim()) &&
      Number.isFinite(value) &&
      (!rule.integer || Number.isInteger(value)) &&
      value >= rule.min &&
      value <= rule.max;
    if (!ok) {
      ctx.addIssue({
        code: "custom",
        message: `--${flag} must be ${describeRule(rule)}, got "${raw}" (e.g. --${flag} ${rule.example}).`,
      });
      return z.NEVER;
    }
    return value;
  });
}

const envOption = z.string().transform((raw, ctx) => {
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(raw)) {
    ctx.addIssue({
      code: "custom",
      message: `--env must be one of ${ENVIRONMENT_NAMES.join(", ")}, got "${raw}".`,
    });
    return z.NEVER;
  }
  return raw as EnvironmentName;
});

const schema = z.object({
  env: envOption.optional(),
  symbols: numberOption("symbols").optional(),
  rate: numberOption("rate").optional(),
  duration: numberOption("duration").optional(),
  seed: numberOption("seed").optional(),
  faults: numberOption("faults").optional(),
  reputs: numberOption("reputs").optional(),
  "archiver-window": numberOption("archiver-window").optional(),
});

const VALUE_FLAGS = [
  "env",
  "symbols",
  "rate",
  "duration",
  "seed",
  "faults",
  "reputs",
  "archiver-window",
] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

function isValueFlag(name: string): name is ValueFlag {
  return (VALUE_FLAGS as readonly string[]).includes(name);
}

export const LOCAL_RUN_USAGE = `Usage: npm start -- [options]

Runs the market-data pipeline on this machine (kinesalite, DynamoDB Local and s3rver on loopback) with
the real function handlers and the environment's event source mappings, then prints the bars per
symbol and a reconciled summary, ending with a reconcile of the bars against the raw archive. It
exits 1 if anything does not reconcile.

Options:
  --env <name>          environment whose names and settings to use: ${ENVIRONMENT_NAMES.join(", ")} (default ${DEFAULT_LOCAL_RUN_OPTIONS.env})
  --symbols <n>         symbols in the synthetic market, ${LIMITS.symbols.min}-${LIMITS.symbols.max} (default ${DEFAULT_LOCAL_RUN_OPTIONS.symbols})
  --rate <ticks/s>      ticks sent per second, ${LIMITS.rate.min}-${LIMITS.rate.max} (default ${DEFAULT_LOCAL_RUN_OPTIONS.ratePerSecond})
  --duration <seconds>  how long to send, ${LIMITS.duration.min}-${LIMITS.duration.max} (default ${DEFAULT_LOCAL_RUN_OPTIONS.durationSeconds})
  --seed <n>            seed of the synthetic market (default ${DEFAULT_LOCAL_RUN_OPTIONS.seed})
  --faults <fraction>   fraction of malformed records, 0-1 (default ${DEFAULT_LOCAL_RUN_OPTIONS.faults})
  --reputs <fraction>   fraction of records the producer puts twice (a PutRecords that timed out and
                        was retried), 0-1, 0 for none (default ${DEFAULT_LOCAL_RUN_OPTIONS.reputs})
  --archiver-window <seconds>
                        the archiver mapping's batching window for this run, ${LIMITS["archiver-window"].min}-${LIMITS["archiver-window"].max} (default the
                        environment's: ${ENVIRONMENT_NAMES.map((name) => `${name} ${ENVIRONMENT_SETTINGS[name].archiver.batchingWindowSeconds} s`).join(", ")}; the archive completes
                        up to that long after the last tick)
  --help                show this help

Example: npm start -- --env production --symbols 100 --rate 5000 --duration 30 --archiver-window 5`;

/**
 * Parses `--name value` and `--name=value` arguments. Every problem is collected and reported
 * together, so one run of a bad command line shows everything to fix.
 */
export function parseLocalRunArgs(argv: readonly string[]): ParsedLocalRunArgs {
  const problems: string[] = [];
  const raw: Partial<Record<ValueFlag, string>> = {};
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      problems.push(`Unexpected argument "${arg}": options are written --name value.`);
      continue;
    }
    const equals = arg.indexOf("=");
    const name = arg.slice(2, equals === -1 ? undefined : equals);
    if (!isValueFlag(name)) {
      problems.push(
        `Unknown option "--${name}". Valid options: ${VALUE_FLAGS.map((flag) => `--${flag}`).join(", ")}, --help.`,
      );
      continue;
    }
    let value: string | undefined;
    if (equals !== -1) {
      value = arg.slice(equals + 1);
    } else {
      const following = argv[i + 1];
      if (following !== undefined && !following.startsWith("--")) {
        value = following;
        i += 1;
      }
    }
    if (value === undefined) {
      const example = name === "env" ? "dev" : LIMITS[name].example;
      problems.push(`--${name} needs a value (e.g. --${name} ${example}).`);
      continue;
    }
    if (raw[name] !== undefined) {
      problems.push(`--${name} is given more than once; give it once.`);
      continue;
    }
    raw[name] = value;
  }
  if (help) {
    return { kind: "help" };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((issue) => issue.message));
  }
  if (problems.length > 0 || !parsed.success) {
    throw new UsageError(problems.join("\n"));
  }
  const values = parsed.data;
  const options: LocalRunOptions = {
    env: values.env ?? DEFAULT_LOCAL_RUN_OPTIONS.env,
    symbols: values.symbols ?? DEFAULT_LOCAL_RUN_OPTIONS.symbols,
    ratePerSecond: values.rate ?? DEFAULT_LOCAL_RUN_OPTIONS.ratePerSecond,
    durationSeconds: values.duration ?? DEFAULT_LOCAL_RUN_OPTIONS.durationSeconds,
    seed: values.seed ?? DEFAULT_LOCAL_RUN_OPTIONS.seed,
    faults: values.faults ?? DEFAULT_LOCAL_RUN_OPTIONS.faults,
    reputs: values.reputs ?? DEFAULT_LOCAL_RUN_OPTIONS.reputs,
    ...(values["archiver-window"] === undefined
      ? {}
      : { archiverWindowSeconds: values["archiver-window"] }),
  };
  const ticks = options.ratePerSecond * options.durationSeconds;
  if (ticks > MAX_TICKS_PER_RUN) {
    const format = (value: number): string => value.toLocaleString("en-US");
    throw new UsageError(
      `--rate ${options.ratePerSecond} x --duration ${options.durationSeconds} is ${format(ticks)} ticks; a local run holds at most ${format(MAX_TICKS_PER_RUN)} (lower --rate or --duration).`,
    );
  }
  return { kind: "run", options };
}
