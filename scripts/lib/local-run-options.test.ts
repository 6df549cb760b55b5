import {
  DEFAULT_LOCAL_RUN_OPTIONS,
  LOCAL_RUN_USAGE,
  parseLocalRunArgs,
  UsageError,
} from "./local-run-options";

function problemsOf(argv: string[]): string {
  try {
    parseLocalRunArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be rejected`);
}

describe("parseLocalRunArgs", () => {
  it("runs dev with the defaults when given nothing", () => {
    expect(parseLocalRunArgs([])).toEqual({
      kind: "run",
      options: {
        env: "dev",
        symbols: 40,
        ratePerSecond: 1000,
        durationSeconds: 10,
        seed: 42,
        faults: 0.01,
        reputs: 0.01,
      },
    });
    expect(DEFAULT_LOCAL_RUN_OPTIONS.env).toBe("dev");
  });

  it.each(["dev", "staging", "production"] as const)("accepts --env %s", (env) => {
    expect(parseLocalRunArgs(["--env", env])).toEqual({
      kind: "run",
      options: { ...DEFAULT_LOCAL_RUN_OPTIONS, env },
    });
  });

  it("reads every option, in both --name value and --name=value forms", () => {
    expect(
      parseLocalRunArgs([
        "--env=production",
        "--symbols",
        "120",
        "--rate=5000",
        "--duration",
        "2.5",
        "--seed",
        "7",
        "--faults=0",
        "--reputs",
        "0.05",
        "--archiver-window=10",
      ]),
    ).toEqual({
      kind: "run",
      options: {
        env: "production",
        symbols: 120,
        ratePerSecond: 5000,
        durationSeconds: 2.5,
        seed: 7,
        faults: 0,
        reputs: 0.05,
        archiverWindowSeconds: 10,
      },
    });
  });

  it("accepts the bounds of every range", () => {
    expect(
      parseLocalRunArgs([
        "--symbols",
        "1000",
        "--rate",
        "1",
        "--duration",
        "0.5",
        "--seed",
        "4294967295",
        "--faults",
        "1",
        "--reputs",
        "1",
        "--archiver-window",
        "300",
      ]),
    ).toEqual({
      kind: "run",
      options: {
        env: "dev",
        symbols: 1000,
        ratePerSecond: 1,
        durationSeconds: 0.5,
        seed: 4294967295,
        faults: 1,
        reputs: 1,
        archiverWindowSeconds: 300,
      },
    });
    expect(parseLocalRunArgs(["--reputs", "0", "--archiver-window", "0"])).toEqual({
      kind: "run",
      options: { ...DEFAULT_LOCAL_RUN_OPTIONS, reputs: 0, archiverWindowSeconds: 0 },
    });
  });

  it("leaves the archiver's window to the environment unless --archiver-window is given", () => {
    const parsed = parseLocalRunArgs(["--env", "staging"]);
    expect(parsed.kind === "run" && "archiverWindowSeconds" in parsed.options).toBe(false);
  });

  it("answers --help (and -h) with the usage, whatever else is given", () => {
    expect(parseLocalRunArgs(["--help"])).toEqual({ kind: "help" });
    expect(parseLocalRunArgs(["-h"])).toEqual({ kind: "help" });
    expect(parseLocalRunArgs(["--env", "qa", "--help"])).toEqual({ kind: "help" });
    expect(LOCAL_RUN_USAGE).toContain(
      "--env <name>          environment whose names and settings to use: dev, staging, production (default dev)",
    );
    expect(LOCAL_RUN_USAGE).toContain(
      "--faults <fraction>   fraction of malformed records, 0-1 (default 0.01)",
    );
    expect(LOCAL_RUN_USAGE).toContain(
      [
        "  --reputs <fraction>   fraction of records the producer puts twice (a PutRecords that timed out and",
        "                        was retried), 0-1, 0 for none (default 0.01)",
        "  --archiver-window <seconds>",
        "                        the archiver mapping's batching window for this run, 0-300 (default the",
        "                        environment's: dev 5 s, staging 300 s, production 120 s; the archive completes",
        "                        up to that long after the last tick)",
      ].join("\n"),
    );
  });

  it.each([
    [["--env", "qa"], '--env must be one of dev, staging, production, got "qa".'],
    [["--env", "Dev"], '--env must be one of dev, staging, production, got "Dev".'],
    [
      ["--symbols", "0"],
      '--symbols must be a whole number from 1 to 1000, got "0" (e.g. --symbols 40).',
    ],
    [
      ["--symbols", "2.5"],
      '--symbols must be a whole number from 1 to 1000, got "2.5" (e.g. --symbols 40).',
    ],
    [
      ["--symbols", "1001"],
      '--symbols must be a whole number from 1 to 1000, got "1001" (e.g. --symbols 40).',
    ],
    [["--rate", "fast"], '--rate must be a number from 1 to 20000, got "fast" (e.g. --rate 2000).'],
    [["--rate", "0"], '--rate must be a number from 1 to 20000, got "0" (e.g. --rate 2000).'],
    [
      ["--rate", "Infinity"],
      '--rate must be a number from 1 to 20000, got "Infinity" (e.g. --rate 2000).',
    ],
    [["--rate", "0x10"], '--rate must be a number from 1 to 20000, got "0x10" (e.g. --rate 2000).'],
    [["--rate", ""], '--rate must be a number from 1 to 20000, got "" (e.g. --rate 2000).'],
    [
      ["--duration", "0.1"],
      '--duration must be a number from 0.5 to 3600, got "0.1" (e.g. --duration 10).',
    ],
    [
      ["--duration", "1h"],
      '--duration must be a number from 0.5 to 3600, got "1h" (e.g. --duration 10).',
    ],
    [
      ["--seed", "-1"],
      '--seed must be a whole number from 0 to 4294967295, got "-1" (e.g. --seed 42).',
    ],
    [
      ["--seed", "4294967296"],
      '--seed must be a whole number from 0 to 4294967295, got "4294967296" (e.g. --seed 42).',
    ],
    [["--faults", "1.5"], '--faults must be a number from 0 to 1, got "1.5" (e.g. --faults 0.01).'],
    [["--faults", "5%"], '--faults must be a number from 0 to 1, got "5%" (e.g. --faults 0.01).'],
    [
      ["--faults", "-0.1"],
      '--faults must be a number from 0 to 1, got "-0.1" (e.g. --faults 0.01).',
    ],
    [
      ["--reputs", "-0.01"],
      '--reputs must be a number from 0 to 1, got "-0.01" (e.g. --reputs 0.01).',
    ],
    [
      ["--reputs", "1.01"],
      '--reputs must be a number from 0 to 1, got "1.01" (e.g. --reputs 0.01).',
    ],
    [["--reputs", "1%"], '--reputs must be a number from 0 to 1, got "1%" (e.g. --reputs 0.01).'],
    [["--reputs", "NaN"], '--reputs must be a number from 0 to 1, got "NaN" (e.g. --reputs 0.01).'],
    [["--reputs"], "--reputs needs a value (e.g. --reputs 0.01)."],
    [
      ["--archiver-window", "-1"],
      '--archiver-window must be a whole number from 0 to 300, got "-1" (e.g. --archiver-window 5).',
    ],
    [
      ["--archiver-window", "301"],
      '--archiver-window must be a whole number from 0 to 300, got "301" (e.g. --archiver-window 5).',
    ],
    [
      ["--archiver-window", "2.5"],
      '--archiver-window must be a whole number from 0 to 300, got "2.5" (e.g. --archiver-window 5).',
    ],
    [["--rate"], "--rate needs a value (e.g. --rate 2000)."],
    [["--env", "--rate", "10"], "--env needs a value (e.g. --env dev)."],
    [
      ["--verbose"],
      'Unknown option "--verbose". Valid options: --env, --symbols, --rate, --duration, --seed, --faults, --reputs, --archiver-window, --help.',
    ],
    [["--env=dev", "--env", "staging"], "--env is given more than once; give it once."],
    [["production"], 'Unexpected argument "production": options are written --name value.'],
  ])("rejects %j with a message that says what to change", (argv, message) => {
    expect(problemsOf(argv)).toBe(message);
  });

  it("reports every problem at once, one per line", () => {
    expect(problemsOf(["--env", "qa", "--rate", "-5", "--bogus", "--faults", "2"])).toBe(
      [
        'Unknown option "--bogus". Valid options: --env, --symbols, --rate, --duration, --seed, --faults, --reputs, --archiver-window, --help.',
        '--env must be one of dev, staging, production, got "qa".',
        '--rate must be a number from 1 to 20000, got "-5" (e.g. --rate 2000).',
        '--faults must be a number from 0 to 1, got "2" (e.g. --faults 0.01).',
      ].join("\n"),
    );
  });

  it("rejects a run larger than the local services can hold", () => {
    expect(problemsOf(["--rate", "20000", "--duration", "3600"])).toBe(
      "--rate 20000 x --duration 3600 is 72,000,000 ticks; a local run holds at most 2,000,000 (lower --rate or --duration).",
    );
  });
});
