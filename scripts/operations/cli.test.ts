import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { CommandIo } from "./cli";
import { EXIT_OK, EXIT_USAGE, checkRange, parseMinute, parseSymbols } from "./cli";
import { hourPrefix, hourPrefixes } from "./archive-records";
import { deadLetterBody, parseDeadLetter } from "./dead-letter";
import { rebuildBarsCli } from "./rebuild";
import { reconcileCli } from "./reconcile";
import { isStreamOf } from "./redrive";
import { redriveCli } from "./redrive-cli";

/** Option handling of the three operator commands, in-process and as real processes. */

function captureIo(now = Date.UTC(2026, 10, 27, 15, 0)): CommandIo & {
  out: () => string;
  err: () => string;
} {
  let out = "";
  let err = "";
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    env: {},
    now: () => now,
    out: () => out,
    err: () => err,
  };
}

const commands = [
  ["redrive", redriveCli, ["--consumer", "market-processor"]],
  ["rebuild-bars", rebuildBarsCli, ["--from", "2026-11-27T13:00Z", "--to", "2026-11-27T14:00Z"]],
  ["reconcile", reconcileCli, ["--from", "2026-11-27T13:00Z", "--to", "2026-11-27T14:00Z"]],
] as const;

describe.each(commands)("npm run %s", (name, cli, valid) => {
  it("--help prints usage, options with defaults and an example, and exits 0", async () => {
    const io = captureIo();
    expect(await cli(["--help"], io)).toBe(EXIT_OK);
    const help = io.out();
    const flowing = help.replace(/\s+/g, " ");
    expect(help).toContain(`Usage: npm run ${name} -- --env <environment>`);
    expect(flowing).toContain('(choices: "dev", "staging", "production")');
    expect(help).toMatch(new RegExp(`\\nExamples?:\\n  npm run ${name} -- --env `));
    expect(help).toMatch(/\(default: [^)]+\)/);
    expect(help).toContain("Exit codes: 0");
  });

  it("rejects an unknown option with exit 2, naming the valid options", async () => {
    const io = captureIo();
    expect(await cli(["--env", "dev", ...valid, "--bogus"], io)).toBe(EXIT_USAGE);
    expect(io.err()).toContain("error: unknown option '--bogus'");
    expect(io.err()).toContain("Valid options: --env, --outputs,");
    expect(io.err()).toContain("--help.");
    expect(io.out()).toBe("");
  });

  it("rejects an unknown environment with exit 2, naming the choices", async () => {
    const io = captureIo();
    expect(await cli(["--env", "qa", ...valid], io)).toBe(EXIT_USAGE);
    expect(io.err()).toContain(
      "option '--env <environment>' argument 'qa' is invalid. Allowed choices are dev, staging, production.",
    );
  });

  it("asks for --env when it is missing, with exit 2", async () => {
    const io = captureIo();
    expect(await cli([...valid], io)).toBe(EXIT_USAGE);
    expect(io.err()).toContain("required option '--env <environment>' not specified");
  });
});

describe.each(commands.slice(1))("npm run %s, time range", (_name, cli) => {
  it("rejects a bad --from with exit 2, naming the expected format", async () => {
    const io = captureIo();
    expect(
      await cli(["--env", "dev", "--from", "yesterday", "--to", "2026-11-27T14:00Z"], io),
    ).toBe(EXIT_USAGE);
    expect(io.err()).toContain("option '--from <time>' argument 'yesterday' is invalid.");
    expect(io.err()).toContain("Expected an ISO-8601 UTC minute such as 2026-11-27T13:05Z");
  });

  it("refuses a range ending within the last 10 minutes unless --allow-recent", async () => {
    const io = captureIo(Date.UTC(2026, 10, 27, 14, 5));
    expect(
      await cli(["--env", "dev", "--from", "2026-11-27T13:00Z", "--to", "2026-11-27T14:00Z"], io),
    ).toBe(EXIT_USAGE);
    expect(io.err()).toContain("within the last 10 minutes");
    expect(io.err()).toContain("--to 2026-11-27T13:55:00.000Z or earlier, or pass --allow-recent");
  });

  it("rejects a range that ends before it starts", async () => {
    const io = captureIo();
    expect(
      await cli(["--env", "dev", "--from", "2026-11-27T14:00Z", "--to", "2026-11-27T13:00Z"], io),
    ).toBe(EXIT_USAGE);
    expect(io.err()).toContain("--to (2026-11-27T13:00:00.000Z) must be after --from");
  });

  it("rejects bad symbols and a bad --late-minutes", async () => {
    const range = ["--env", "dev", "--from", "2026-11-27T13:00Z", "--to", "2026-11-27T14:00Z"];
    const symbols = captureIo();
    expect(await cli([...range, "--symbols", "aapl"], symbols)).toBe(EXIT_USAGE);
    expect(symbols.err()).toContain('"aapl" is not a symbol');
    const late = captureIo();
    expect(await cli([...range, "--late-minutes", "-5"], late)).toBe(EXIT_USAGE);
    expect(late.err()).toContain("Expected a whole number from 0 to 1440.");
  });
});

describe("redrive's --consumer", () => {
  it("names the two consumers when given another", async () => {
    const io = captureIo();
    expect(await redriveCli(["--env", "dev", "--consumer", "analytics-api"], io)).toBe(EXIT_USAGE);
    expect(io.err()).toContain("Allowed choices are market-processor, market-archiver.");
  });

  it("names the missing stack outputs (exit 1: it ran and found a problem)", async () => {
    const io = captureIo();
    const code = await redriveCli(
      ["--env", "dev", "--consumer", "market-archiver", "--outputs", "/nonexistent/outputs.json"],
      io,
    );
    expect(code).toBe(1);
    expect(io.err()).toContain("Cannot read --outputs /nonexistent/outputs.json");
  });
});

describe("archive hours", () => {
  it("lists the hour prefixes of a span of arrival times, both ends included", () => {
    expect(hourPrefix(Date.UTC(2026, 0, 1, 0, 59, 59, 999))).toBe("raw/dt=2026-01-01/hr=00/");
    expect(hourPrefixes(Date.UTC(2025, 11, 31, 22, 45), Date.UTC(2026, 0, 1, 0, 10))).toEqual([
      "raw/dt=2025-12-31/hr=22/",
      "raw/dt=2025-12-31/hr=23/",
      "raw/dt=2026-01-01/hr=00/",
    ]);
  });
});

describe("isStreamOf", () => {
  const stream = "arn:aws:kinesis:us-east-1:123456789012:stream/dev-market-data-us-east-1-a1";

  it("takes the stream's ARN and its fan-out consumers' ARNs, nothing else", () => {
    expect(isStreamOf(stream, stream)).toBe(true);
    expect(isStreamOf(`${stream}/consumer/dev-market-processor:1764000000`, stream)).toBe(true);
    expect(isStreamOf(`${stream}-other`, stream)).toBe(false);
    expect(isStreamOf(stream.replace("dev-", "staging-"), stream)).toBe(false);
  });
});

describe("parseMinute", () => {
  it("reads whole minutes in UTC or with an offset", () => {
    expect(parseMinute("2026-11-27T13:05Z")).toBe(Date.UTC(2026, 10, 27, 13, 5));
    expect(parseMinute("2026-11-27T13:05:00Z")).toBe(Date.UTC(2026, 10, 27, 13, 5));
    expect(parseMinute("2026-11-27T13:05:00.000Z")).toBe(Date.UTC(2026, 10, 27, 13, 5));
    expect(parseMinute("2026-11-27T14:05+01:00")).toBe(Date.UTC(2026, 10, 27, 13, 5));
  });

  it.each([
    ["2026-11-27", "Expected an ISO-8601 UTC minute"],
    ["2026-11-27T13:05", "Expected an ISO-8601 UTC minute"],
    ["1764248700000", "Expected an ISO-8601 UTC minute"],
    ["2026-02-30T13:05Z", "Not a date and time"],
    ["2026-11-27T24:05Z", "Not a date and time"],
    ["2026-11-27T13:05:30Z", "Not a whole minute"],
  ])("rejects %s", (text, message) => {
    expect(() => parseMinute(text)).toThrow(message);
  });
});

describe("parseSymbols and checkRange", () => {
  it("splits, trims and deduplicates symbols", () => {
    expect(parseSymbols("AAPL, MSFT,AAPL,BRK.B")).toEqual(["AAPL", "MSFT", "BRK.B"]);
    expect(() => parseSymbols(" , ")).toThrow("comma-separated list of symbols");
  });

  it("accepts a range that ended 10 minutes ago", () => {
    const now = Date.UTC(2026, 10, 27, 14, 10);
    expect(checkRange(now - 3_600_000, now - 600_000, now, false, 7)).toEqual({
      from: now - 3_600_000,
      to: now - 600_000,
    });
    expect(() => checkRange(now - 3_600_000, now - 540_000, now, false, 7)).toThrow(
      "within the last 10 minutes",
    );
    expect(checkRange(now - 3_600_000, now + 60_000, now, true, 7).to).toBe(now + 60_000);
  });

  // dev keeps bars 7 days: at 14:10, the bar of 15:10 seven days ago expires at 15:10 today, so
  // its closing hour has begun; 15:11's is the first still open.
  it.each([
    [7, "2026-11-20T15:11:00.000Z", "2026-11-20T15:12:00.000Z"],
    [30, "2026-10-28T15:11:00.000Z", "2026-10-28T15:12:00.000Z"],
    [400, "2025-10-23T15:11:00.000Z", "2025-10-23T15:12:00.000Z"],
  ])(
    "starts a range of a %d-day table at its first open minute, %s, and no earlier",
    (days, first, next) => {
      const now = Date.UTC(2026, 10, 27, 14, 10);
      const to = Date.UTC(2026, 10, 27, 13, 0);
      expect(checkRange(Date.parse(first), to, now, false, days).from).toBe(Date.parse(first));
      expect(checkRange(Date.parse(next), to, now, false, days).from).toBe(Date.parse(next));
      const before = Date.parse(first) - 60_000;
      const suggested = new Date(Date.parse(first) + 5 * 60_000).toISOString();
      expect(() => checkRange(before, to, now, false, days)).toThrow(
        `the range starts at ${new Date(before).toISOString()}, before ${first}: the table keeps a bar ${days} days after its minute and takes no writes to it from an hour before that, so older minutes live only in the raw archive. Use --from ${suggested} or later.`,
      );
    },
  );
});

describe("dead-letter messages", () => {
  const batch = {
    shardId: "shardId-000000000001",
    startSequenceNumber: "49601189658422359378836298521827638475320189012309704722",
    endSequenceNumber: "49601189658422359378836298522902373528957594348623495186",
    firstArrival: Date.UTC(2026, 10, 27, 13, 0, 4, 835),
    lastArrival: Date.UTC(2026, 10, 27, 13, 0, 5, 580),
    batchSize: 500,
    streamArn: "arn:aws:kinesis:us-east-1:123456789012:stream/dev-market-data-us-east-1-a1",
  };

  it("reads Lambda's on-failure record of a Kinesis batch", () => {
    const body = deadLetterBody(batch, "arn:aws:lambda:us-east-1:123456789012:function:f");
    expect(parseDeadLetter(body)).toEqual({
      ...batch,
      condition: "RetryAttemptsExhausted",
      functionArn: "arn:aws:lambda:us-east-1:123456789012:function:f",
    });
  });

  it.each([
    ["not json", "the body is not JSON"],
    ['{"Records":[]}', "not a Kinesis batch pointer: KinesisBatchInfo"],
    [
      JSON.stringify({ KinesisBatchInfo: { ...batch, startSequenceNumber: "x1" } }),
      "KinesisBatchInfo.startSequenceNumber not a Kinesis sequence number",
    ],
  ])("names what is wrong with %s", (body, message) => {
    const parsed = parseDeadLetter(body);
    expect(parsed).toBeInstanceOf(Error);
    expect((parsed as Error).message).toContain(message);
  });
});

describe("the entry points as processes", () => {
  const root = join(__dirname, "..", "..");
  const tsx = join(root, "node_modules", ".bin", "tsx");
  const run = (script: string, args: string[]) =>
    spawnSync(tsx, [join(__dirname, script), ...args], { cwd: root, encoding: "utf8" });

  it("exit 0 for --help, 2 for an unknown option and for a bad --from", () => {
    const help = run("reconcile-command.ts", ["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: npm run reconcile --");
    const unknown = run("redrive-command.ts", [
      "--env",
      "dev",
      "--consumer",
      "market-processor",
      "--x",
    ]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("Valid options: --env, --outputs, --consumer,");
    const badFrom = run("rebuild-bars-command.ts", [
      "--env",
      "dev",
      "--from",
      "13:00",
      "--to",
      "x",
    ]);
    expect(badFrom.status).toBe(2);
    expect(badFrom.stderr).toContain("Expected an ISO-8601 UTC minute");
  });
});
