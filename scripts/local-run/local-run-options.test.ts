import { captureIo } from "../cli/capture-io";
import { DEFAULT_LOCAL_RUN_OPTIONS, parseLocalRunArgs } from "./local-run-options";

function parse(argv: string[]) {
  return parseLocalRunArgs(argv, captureIo());
}

/** The message for a command line `npm start` refuses (exit 2). */
function problemsOf(argv: string[]): string {
  const io = captureIo();
  expect(parseLocalRunArgs(argv, io)).toEqual({ kind: "exit", code: 2 });
  expect(io.out()).toBe("");
  return io.err();
}

describe("parseLocalRunArgs", () => {
  it("runs dev with the defaults when given nothing", () => {
    expect(parse([])).toEqual({
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
    expect(parse(["--env", env])).toEqual({
      kind: "run",
      options: { ...DEFAULT_LOCAL_RUN_OPTIONS, env },
    });
  });

  it("reads every option, in both --name value and --name=value forms", () => {
    expect(
      parse([
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
      parse([
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
    expect(parse(["--reputs", "0", "--archiver-window", "0"])).toEqual({
      kind: "run",
      options: { ...DEFAULT_LOCAL_RUN_OPTIONS, reputs: 0, archiverWindowSeconds: 0 },
    });
  });

  it("leaves the archiver's window to the environment unless --archiver-window is given", () => {
    const parsed = parse(["--env", "staging"]);
    expect(parsed.kind === "run" && "archiverWindowSeconds" in parsed.options).toBe(false);
  });

  it("answers --help (and -h) with the usage, options with their defaults and examples", () => {
    for (const flag of ["--help", "-h"]) {
      const io = captureIo();
      expect(parseLocalRunArgs(["--env", "staging", flag], io)).toEqual({ kind: "exit", code: 0 });
      const help = io.out().replace(/\s+/g, " ");
      expect(io.out()).toMatch(/^Usage: npm start -- \[options\]\n/);
      expect(help).toContain(
        '--env <environment> environment whose names and settings to use (choices: "dev", "staging", "production", default: "dev")',
      );
      expect(help).toContain(
        "--faults <fraction> fraction of malformed records, 0-1 (default: 0.01)",
      );
      expect(help).toContain(
        "--reputs <fraction> fraction of records the producer puts twice (a PutRecords that timed out and was retried), 0-1, 0 for none (default: 0.01)",
      );
      expect(help).toContain(
        "--archiver-window <seconds> the archiver mapping's batching window for this run, 0-300 (default: the environment's, dev 5 s, staging 300 s, production 120 s; the archive completes up to that long after the last tick)",
      );
      expect(io.out()).toContain(
        "Examples:\n  npm start\n  npm start -- --env production --symbols 100 --rate 5000 --duration 30 --archiver-window 5\n",
      );
    }
  });

  const invalid = (flags: string, value: string, expected: string): string =>
    `error: option '${flags}' argument '${value}' is invalid. ${expected}`;
  const whole = (flag: string, min: number, max: number, example: string): string =>
    `Expected a whole number from ${min} to ${max}, e.g. --${flag} ${example}.`;
  const number = (flag: string, min: number, max: number, example: string): string =>
    `Expected a number from ${min} to ${max}, e.g. --${flag} ${example}.`;
  const environments = "Allowed choices are dev, staging, production.";

  it.each([
    [["--env", "qa"], invalid("--env <environment>", "qa", environments)],
    [["--env", "Dev"], invalid("--env <environment>", "Dev", `${environments} Did you mean dev?`)],
    [
      ["--env", "prod"],
      invalid("--env <environment>", "prod", `${environments} Did you mean production?`),
    ],
    [["--symbols", "0"], invalid("--symbols <n>", "0", whole("symbols", 1, 1000, "40"))],
    [["--symbols", "2.5"], invalid("--symbols <n>", "2.5", whole("symbols", 1, 1000, "40"))],
    [["--symbols", "1001"], invalid("--symbols <n>", "1001", whole("symbols", 1, 1000, "40"))],
    [["--rate", "fast"], invalid("--rate <ticks/s>", "fast", number("rate", 1, 20000, "2000"))],
    [["--rate", "0"], invalid("--rate <ticks/s>", "0", number("rate", 1, 20000, "2000"))],
    [
      ["--rate", "Infinity"],
      invalid("--rate <ticks/s>", "Infinity", number("rate", 1, 20000, "2000")),
    ],
    [["--rate", "0x10"], invalid("--rate <ticks/s>", "0x10", number("rate", 1, 20000, "2000"))],
    [["--rate", ""], invalid("--rate <ticks/s>", "", number("rate", 1, 20000, "2000"))],
    [
      ["--duration", "0.1"],
      invalid("--duration <seconds>", "0.1", number("duration", 0.5, 3600, "10")),
    ],
    [
      ["--duration", "1h"],
      invalid("--duration <seconds>", "1h", number("duration", 0.5, 3600, "10")),
    ],
    [["--seed", "-1"], invalid("--seed <n>", "-1", whole("seed", 0, 4294967295, "42"))],
    [
      ["--seed", "4294967296"],
      invalid("--seed <n>", "4294967296", whole("seed", 0, 4294967295, "42")),
    ],
    [["--faults", "1.5"], invalid("--faults <fraction>", "1.5", number("faults", 0, 1, "0.01"))],
    [["--faults", "5%"], invalid("--faults <fraction>", "5%", number("faults", 0, 1, "0.01"))],
    [["--faults", "-0.1"], invalid("--faults <fraction>", "-0.1", number("faults", 0, 1, "0.01"))],
    [
      ["--reputs", "-0.01"],
      invalid("--reputs <fraction>", "-0.01", number("reputs", 0, 1, "0.01")),
    ],
    [["--reputs", "1.01"], invalid("--reputs <fraction>", "1.01", number("reputs", 0, 1, "0.01"))],
    [["--reputs", "1%"], invalid("--reputs <fraction>", "1%", number("reputs", 0, 1, "0.01"))],
    [["--reputs", "NaN"], invalid("--reputs <fraction>", "NaN", number("reputs", 0, 1, "0.01"))],
    [["--reputs"], "error: option '--reputs <fraction>' argument missing"],
    [
      ["--archiver-window", "-1"],
      invalid("--archiver-window <seconds>", "-1", whole("archiver-window", 0, 300, "5")),
    ],
    [
      ["--archiver-window", "301"],
      invalid("--archiver-window <seconds>", "301", whole("archiver-window", 0, 300, "5")),
    ],
    [
      ["--archiver-window", "2.5"],
      invalid("--archiver-window <seconds>", "2.5", whole("archiver-window", 0, 300, "5")),
    ],
    [["--rate"], "error: option '--rate <ticks/s>' argument missing"],
    [
      ["--verbose"],
      "error: unknown option '--verbose'\nValid options: --env, --symbols, --rate, --duration, --seed, --faults, --reputs, --archiver-window, --help.",
    ],
    [["--sed", "7"], "error: unknown option '--sed'\n(Did you mean --seed?)"],
    [["production"], "error: too many arguments. Expected 0 arguments but got 1."],
  ])("rejects %j with a message that says what to change", (argv, message) => {
    expect(problemsOf(argv)).toContain(message);
  });

  it("takes the last of an option given twice", () => {
    expect(parse(["--env=dev", "--env", "staging"])).toEqual({
      kind: "run",
      options: { ...DEFAULT_LOCAL_RUN_OPTIONS, env: "staging" },
    });
  });

  it("says what npm start --env production without -- did", () => {
    const io = captureIo({ npm_lifecycle_event: "start", npm_config_env: "true" });
    expect(parseLocalRunArgs(["production"], io)).toEqual({ kind: "exit", code: 2 });
    expect(io.err()).toBe(
      "error: npm kept --env for itself (npm reads the options written before --), so the command did not get it. Did you mean npm start -- --env production?\n",
    );
  });

  it("rejects a run larger than the local services can hold", () => {
    expect(problemsOf(["--rate", "20000", "--duration", "3600"])).toBe(
      "error: --rate 20000 x --duration 3600 is 72,000,000 ticks; a local run holds at most 2,000,000 (lower --rate or --duration).\n",
    );
  });
});
