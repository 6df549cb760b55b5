import { Option } from "commander";
import type { Command } from "commander";
import { parseCommand, UsageError, type CommandIo, type Parsed } from "../cli/program";
import { createCommand } from "../cli/program-help";
import { numberIn } from "../cli/program-parsers";
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
} as const;

function numeric(flag: keyof typeof LIMITS): (text: string) => number {
  const { min, max, integer, example } = LIMITS[flag];
  return numberIn(min, max, { integer, example: `--${flag} ${example}` });
}

function range(flag: keyof typeof LIMITS): string {
  return `${LIMITS[flag].min}-${LIMITS[flag].max}`;
}

/** `npm start`'s command line. */
export function localRunCommand(io: CommandIo): Command {
  const defaults = DEFAULT_LOCAL_RUN_OPTIONS;
  const windows = ENVIRONMENT_NAMES.map(
    (name) => `${name} ${ENVIRONMENT_SETTINGS[name].archiver.batchingWindowSeconds} s`,
  ).join(", ");
  return createCommand(
    {
      script: "start",
      description:
        "Runs the market-data pipeline on this machine (kinesalite, DynamoDB Local and s3rver on loopback) with the real function handlers and the environment's event source mappings, then prints the bars per symbol and a reconciled summary, ending with a reconcile of the bars against the raw archive.",
      details: `A run sends at most ${MAX_TICKS_PER_RUN.toLocaleString("en-US")} ticks (--rate x --duration). The first Ctrl-C stops the producers; the run still drains, reconciles and cleans up.`,
      exitCodes: {
        ok: "everything reconciled",
        problem: "something did not reconcile (or an error)",
      },
      examples: [
        "npm start",
        "npm start -- --env production --symbols 100 --rate 5000 --duration 30 --archiver-window 5",
      ],
    },
    io,
  )
    .addOption(
      new Option("--env <environment>", "environment whose names and settings to use")
        .choices(ENVIRONMENT_NAMES)
        .default(defaults.env),
    )
    .addOption(
      new Option("--symbols <n>", `symbols in the synthetic market, ${range("symbols")}`)
        .argParser(numeric("symbols"))
        .default(defaults.symbols),
    )
    .addOption(
      new Option("--rate <ticks/s>", `ticks sent per second, ${range("rate")}`)
        .argParser(numeric("rate"))
        .default(defaults.ratePerSecond),
    )
    .addOption(
      new Option("--duration <seconds>", `how long to send, ${range("duration")}`)
        .argParser(numeric("duration"))
        .default(defaults.durationSeconds),
    )
    .addOption(
      new Option("--seed <n>", "seed of the synthetic market: the same seed sends the same ticks")
        .argParser(numeric("seed"))
        .default(defaults.seed),
    )
    .addOption(
      new Option("--faults <fraction>", `fraction of malformed records, ${range("faults")}`)
        .argParser(numeric("faults"))
        .default(defaults.faults),
    )
    .addOption(
      new Option(
        "--reputs <fraction>",
        `fraction of records the producer puts twice (a PutRecords that timed out and was retried), ${range("reputs")}, 0 for none`,
      )
        .argParser(numeric("reputs"))
        .default(defaults.reputs),
    )
    .addOption(
      new Option(
        "--archiver-window <seconds>",
        `the archiver mapping's batching window for this run, ${range("archiver-window")} (default: the environment's, ${windows}; the archive completes up to that long after the last tick)`,
      ).argParser(numeric("archiver-window")),
    );
}

interface LocalRunValues {
  readonly env: EnvironmentName;
  readonly symbols: number;
  readonly rate: number;
  readonly duration: number;
  readonly seed: number;
  readonly faults: number;
  readonly reputs: number;
  readonly archiverWindow?: number;
}

function toOptions(values: LocalRunValues): LocalRunOptions {
  const options: LocalRunOptions = {
    env: values.env,
    symbols: values.symbols,
    ratePerSecond: values.rate,
    durationSeconds: values.duration,
    seed: values.seed,
    faults: values.faults,
    reputs: values.reputs,
    ...(values.archiverWindow === undefined
      ? {}
      : { archiverWindowSeconds: values.archiverWindow }),
  };
  const ticks = options.ratePerSecond * options.durationSeconds;
  if (ticks > MAX_TICKS_PER_RUN) {
    const format = (value: number): string => value.toLocaleString("en-US");
    throw new UsageError(
      `--rate ${options.ratePerSecond} x --duration ${options.durationSeconds} is ${format(ticks)} ticks; a local run holds at most ${format(MAX_TICKS_PER_RUN)} (lower --rate or --duration).`,
    );
  }
  return options;
}

/**
 * Parses `npm start`'s arguments (`--name value` or `--name=value`): the run's options, or the
 * exit code after printing the help or what is wrong with the command line to `io`.
 */
export function parseLocalRunArgs(argv: readonly string[], io: CommandIo): Parsed<LocalRunOptions> {
  return parseCommand(localRunCommand(io), argv, io, {
    validate: (values) => toOptions(values as unknown as LocalRunValues),
  });
}
