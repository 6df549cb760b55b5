import { createHash, createHmac } from "node:crypto";

import { Logger } from "@aws-lambda-powertools/logger";
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import type { LambdaFunctionURLResult } from "aws-lambda";

import { createAnalyticsApi } from "../functions/analytics-api/api";
import { divideScaledHalfEven, formatScaled, parseScaled } from "../functions/domain/decimal";
import { createMarketProcessor } from "../functions/market-processor/processor";
import { functionUrlEvent } from "./support/functions/function-url";
import {
  eventRecordsFromKinesis,
  kinesisEvent,
  lambdaContext,
} from "./support/functions/kinesis-events";
import { RecordingMetrics } from "./support/functions/observability";
import {
  formatSuccess,
  kinesisPublisher,
  parseSmokeArgs,
  pulumiStackOutputs,
  smokeCli,
  signedLatestQuery,
  smokeTargets,
} from "../scripts/smoke/smoke";
import {
  DEFAULT_POLL_MS,
  DEFAULT_TIMEOUT_MS,
  SMOKE_SYMBOL,
  findTickBar,
  runSmokeCheck,
  SmokeCheckFailed,
  smokeTick,
  systemClock,
  type Clock,
  type SmokeTick,
} from "../scripts/smoke/smoke-check";
import { captureIo } from "../scripts/cli/capture-io";
import { decimalTextOf } from "../scripts/smoke/analytics-client";
import {
  createAnalyticsTable,
  createMarketStream,
  localDynamoDbClient,
  localKinesisClient,
  startLocalAws,
  type LocalAws,
} from "../scripts/local-aws/local-aws";

const T0 = Date.parse("2026-03-02T14:05:17.250Z");

/** A clock that only moves when the code under test sleeps, or a query takes "time". */
class FakeClock implements Clock {
  constructor(public time: number) {}
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  }
}

/** The bar of an earlier trade at 1000 and the tick, size 1 each, as the API writes it. */
function barFor(tick: SmokeTick, overrides: Record<string, unknown> = {}) {
  const start = tick.ts - (tick.ts % 60_000);
  const price = decimalTextOf(tick.price);
  const notional = parseScaled(price, 10) + 1000n * 10n ** 10n;
  return {
    symbol: tick.symbol,
    interval: "1m",
    start: new Date(start).toISOString(),
    open: "1000",
    high: price,
    low: "1000",
    close: price,
    volume: "2",
    notional: formatScaled(notional, 10),
    vwap: formatScaled(divideScaledHalfEven(notional, 10, 2n, 0, 10), 10),
    trades: 2,
    firstTradeAt: new Date(start + 1_000).toISOString(),
    lastTradeAt: new Date(tick.ts).toISOString(),
    ...overrides,
  };
}

describe("the smoke tick", () => {
  it("uses the reserved symbol, and a price and trade id from the run", () => {
    expect(smokeTick(T0, 1_234_567)).toEqual({
      symbol: "ZZSMOKE",
      price: 1023.4567,
      size: 1,
      ts: T0,
      tradeId: `smoke-${T0}-234567`,
    });
    expect(smokeTick(T0, 0).price).toBe(1000);
    expect(smokeTick(T0, 999_999).price).toBe(1099.9999);
    expect(() => smokeTick(T0, -1)).toThrow(
      "Smoke tick nonce must be a non-negative integer, got -1.",
    );
  });

  it("is recognised only in the bar its own trade made", () => {
    const tick = smokeTick(T0, 42);
    const bar = barFor(tick);
    expect(bar).toMatchObject({ close: "1000.0042", notional: "2000.0042", vwap: "1000.0021" });
    expect(findTickBar({ bars: [bar], missing: [] }, tick)).toEqual(bar);
    const misses: [string, unknown][] = [
      ["an earlier run's close", { bars: [barFor(tick, { close: "1000.5" })], missing: [] }],
      [
        "a close that only rounds to the tick's price",
        { bars: [barFor(tick, { close: "1000.00420000000000001" })] },
      ],
      ["a close 1e-10 away", { bars: [barFor(tick, { close: "1000.0042000001" })] }],
      ["a close as a number", { bars: [barFor(tick, { close: tick.price })] }],
      [
        "an older last trade",
        { bars: [barFor(tick, { lastTradeAt: new Date(T0 - 1).toISOString() })] },
      ],
      [
        "another minute",
        { bars: [barFor(tick, { start: new Date(T0 - (T0 % 60_000) - 60_000).toISOString() })] },
      ],
      ["another symbol", { bars: [barFor(tick, { symbol: "AAPL" })] }],
      ["another interval", { bars: [barFor(tick, { interval: "5m" })] }],
      ["no bar yet", { bars: [], missing: ["ZZSMOKE"] }],
      ["an error body", { message: "Internal error" }],
      ["nothing", null],
    ];
    for (const [why, body] of misses) {
      expect({ why, found: findTickBar(body, tick) }).toEqual({ why, found: undefined });
    }
  });
});

describe("runSmokeCheck with an injected query and clock", () => {
  it("reports how long the tick took to show up", async () => {
    const clock = new FakeClock(T0);
    const tick = smokeTick(T0, 7);
    const published: SmokeTick[] = [];
    const answers: unknown[] = [
      { bars: [], missing: [SMOKE_SYMBOL] },
      new Error("503"),
      { bars: [barFor(tick)] },
    ];
    const result = await runSmokeCheck({
      tick,
      publish: (sent) => {
        published.push(sent);
        clock.time += 40;
        return Promise.resolve();
      },
      query: (symbol) => {
        expect(symbol).toBe("ZZSMOKE");
        clock.time += 60;
        const answer = answers.shift();
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
      clock,
      timeoutMs: 10_000,
      pollMs: 250,
    });
    expect(published).toEqual([tick]);
    expect(result).toEqual({ tick, elapsedMs: 40 + 60 + 250 + 60 + 250 + 60, queries: 3 });
    expect(clock.sleeps).toEqual([250, 250]);
    expect(formatSuccess("staging", result)).toBe(
      `Smoke check passed in staging: tick smoke-${T0}-7 for ZZSMOKE showed up through the analytics API after 720 ms (3 queries).`,
    );
  });

  it("fails at the deadline with what it saw last", async () => {
    const clock = new FakeClock(T0);
    const tick = smokeTick(T0, 99);
    await expect(
      runSmokeCheck({
        tick,
        publish: () => Promise.resolve(),
        query: () => Promise.resolve({ bars: [], missing: ["ZZSMOKE"] }),
        clock,
        timeoutMs: 1_000,
        pollMs: 300,
      }),
    ).rejects.toThrow(
      `The smoke tick smoke-${T0}-99 for ZZSMOKE (price 1000.0099) did not show up through the analytics API within 1000 ms (5 queries over 1000 ms; last answer {"bars":[],"missing":["ZZSMOKE"]}). Check the market-processor's logs, its event source mapping and the API's logs in this environment.`,
    );
    expect(clock.sleeps).toEqual([300, 300, 300, 100]);
  });

  it("fails at once when the tick cannot be put", async () => {
    const clock = new FakeClock(T0);
    await expect(
      runSmokeCheck({
        tick: smokeTick(T0, 1),
        publish: () => Promise.reject(new Error("AccessDeniedException: kinesis:PutRecord")),
        query: () => Promise.reject(new Error("must not be called")),
        clock,
        timeoutMs: 10_000,
        pollMs: 250,
      }),
    ).rejects.toThrow(
      `Could not put the smoke tick smoke-${T0}-1 for ZZSMOKE into the stream: AccessDeniedException: kinesis:PutRecord`,
    );
  });
});

describe("the signed query", () => {
  /** SigV4 written out independently (AWS General Reference), to check the signer's work. */
  function expectedAuthorization(date: Date, host: string, query: string): string {
    const amzDate = date
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d{3}/, "");
    const day = amzDate.slice(0, 8);
    const emptyHash = createHash("sha256").update("").digest("hex");
    const canonical = [
      "GET",
      "/latest",
      query,
      `accept:application/json\nhost:${host}\nx-amz-content-sha256:${emptyHash}\nx-amz-date:${amzDate}\n`,
      "accept;host;x-amz-content-sha256;x-amz-date",
      emptyHash,
    ].join("\n");
    const scope = `${day}/us-east-1/lambda/aws4_request`;
    const toSign = [
      "AWS4-HMAC-SHA256",
      amzDate,
      scope,
      createHash("sha256").update(canonical).digest("hex"),
    ].join("\n");
    const hmac = (key: Buffer | string, data: string) =>
      createHmac("sha256", key).update(data).digest();
    const key = hmac(hmac(hmac(hmac("AWS4secret", day), "us-east-1"), "lambda"), "aws4_request");
    const signature = createHmac("sha256", key).update(toSign).digest("hex");
    return `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${scope}, SignedHeaders=accept;host;x-amz-content-sha256;x-amz-date, Signature=${signature}`;
  }

  it("signs GET /latest?symbols=ZZSMOKE for the Function URL with SigV4 (service lambda)", async () => {
    const signer = new SignatureV4({
      service: "lambda",
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      sha256: Sha256,
    });
    const date = new Date("2026-03-02T14:05:17.000Z");
    const requests: { url: string; headers: Record<string, string> }[] = [];
    const fakeFetch = ((url: URL, init: { headers: Record<string, string> }) => {
      requests.push({ url: url.toString(), headers: init.headers });
      return Promise.resolve(
        new Response(JSON.stringify({ bars: [], missing: ["ZZSMOKE"] }), { status: 200 }),
      );
    }) as unknown as typeof fetch;
    const host = "abcdefghij.lambda-url.us-east-1.on.aws";
    const query = signedLatestQuery(`https://${host}/`, signer, fakeFetch, () => date);
    expect(await query("ZZSMOKE")).toEqual({ bars: [], missing: ["ZZSMOKE"] });
    expect(requests).toHaveLength(1);
    expect(requests[0].url).toBe(`https://${host}/latest?symbols=ZZSMOKE`);
    expect(requests[0].headers.authorization).toBe(
      expectedAuthorization(date, host, "symbols=ZZSMOKE"),
    );
    expect(requests[0].headers["x-amz-date"]).toBe("20260302T140517Z");

    const withoutSlash = signedLatestQuery(`https://${host}`, signer, fakeFetch, () => date);
    await withoutSlash("ZZSMOKE");
    expect(requests[1].url).toBe(`https://${host}/latest?symbols=ZZSMOKE`);
  });

  it("turns a refusal into an error naming the status", async () => {
    const signer = new SignatureV4({
      service: "lambda",
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      sha256: Sha256,
    });
    const forbidden = (() =>
      Promise.resolve(
        new Response('{"Message":"Forbidden"}', { status: 403 }),
      )) as unknown as typeof fetch;
    await expect(
      signedLatestQuery("https://x.lambda-url.us-east-1.on.aws/", signer, forbidden)("ZZSMOKE"),
    ).rejects.toThrow('GET /latest?symbols=ZZSMOKE answered 403: {"Message":"Forbidden"}');
  });
});

describe("smoke arguments and outputs", () => {
  it("defaults to a 10 s deadline", () => {
    expect(parseSmokeArgs(["--env", "production"], captureIo())).toEqual({
      kind: "run",
      options: {
        environment: "production",
        outputsFile: undefined,
        timeoutMs: DEFAULT_TIMEOUT_MS,
        pollMs: DEFAULT_POLL_MS,
      },
    });
    expect(DEFAULT_TIMEOUT_MS).toBe(10_000);
    expect(
      parseSmokeArgs(["--env", "dev", "--timeout-ms", "2500", "--outputs", "o.json"], captureIo()),
    ).toMatchObject({ options: { timeoutMs: 2500, outputsFile: "o.json" } });
  });

  it.each([
    [[], "error: required option '--env <environment>' not specified. See --help."],
    [
      ["--env", "qa"],
      "error: option '--env <environment>' argument 'qa' is invalid. Allowed choices are dev, staging, production.",
    ],
    [
      ["--env", "dev", "--timeout-ms", "10s"],
      "error: option '--timeout-ms <ms>' argument '10s' is invalid. Expected a whole number from 1 to 3600000.",
    ],
  ])("explains bad arguments %j, with exit 2", (argv, message) => {
    const io = captureIo();
    expect(parseSmokeArgs(argv, io)).toEqual({ kind: "exit", code: 2 });
    expect(io.err()).toBe(`${message}\n`);
  });

  it("says to install the Pulumi CLI when there is none", () => {
    const missing = Object.assign(new Error("spawnSync pulumi ENOENT"), { code: "ENOENT" });
    expect(() =>
      pulumiStackOutputs("dev", () => ({ error: missing, status: null, stdout: "", stderr: "" })),
    ).toThrow(
      "The Pulumi CLI (pulumi) is not installed or not on PATH, so the dev stack outputs cannot be read: install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/), or pass --outputs with the JSON of `pulumi stack output --json`.",
    );
    expect(() =>
      pulumiStackOutputs("dev", () => ({
        status: 255,
        stdout: "",
        stderr:
          "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions",
      })),
    ).toThrow("Log in to the environment's backend (PULUMI_BACKEND_URL) or pass --outputs.");
  });

  it("exits 1 with the message (and an annotation in GitHub Actions) when the check fails", async () => {
    const io = captureIo({ GITHUB_ACTIONS: "true" });
    const code = await smokeCli(["--env", "staging", "--outputs", "outputs.json"], io, {
      stackOutputs: () => {
        throw new Error("not used with --outputs");
      },
      readFile: () => JSON.stringify({ streamName: "s", analyticsApiUrl: "https://x.on.aws/" }),
      check: () => Promise.reject(new SmokeCheckFailed("The smoke tick did not show up.")),
    });
    expect(code).toBe(1);
    expect(io.err()).toBe("The smoke tick did not show up.\n");
    expect(io.out()).toBe("::error title=Smoke check failed::The smoke tick did not show up.\n");
  });

  it("exits 0 and says how long the tick took", async () => {
    const io = captureIo();
    const tick = smokeTick(T0, 7);
    const code = await smokeCli(["--env", "dev"], io, {
      stackOutputs: (environment) => {
        expect(environment).toBe("dev");
        return { streamName: "s", analyticsApiUrl: "https://x.on.aws/" };
      },
      readFile: () => {
        throw new Error("not used without --outputs");
      },
      check: (args, targets) => {
        expect(targets).toEqual({ streamName: "s", analyticsApiUrl: "https://x.on.aws/" });
        expect(args.timeoutMs).toBe(DEFAULT_TIMEOUT_MS);
        return Promise.resolve({ tick, elapsedMs: 812, queries: 4 });
      },
    });
    expect(code).toBe(0);
    expect(io.out()).toBe(`${formatSuccess("dev", { tick, elapsedMs: 812, queries: 4 })}\n`);
  });

  it("reads the stream and API from the stack outputs", () => {
    expect(
      smokeTargets(
        {
          streamName: "dev-market-data-us-east-1-a1",
          analyticsApiUrl: "https://x.on.aws/",
          tableName: "t",
        },
        "dev",
      ),
    ).toEqual({ streamName: "dev-market-data-us-east-1-a1", analyticsApiUrl: "https://x.on.aws/" });
    expect(() => smokeTargets({ tableName: "t" }, "staging")).toThrow(
      "The staging stack outputs lack streamName and analyticsApiUrl (they have: tableName). Deploy the stack first, or pass --outputs with the JSON of `pulumi stack output --json`.",
    );
  });
});

describe("the smoke check against kinesalite and a local DynamoDB with the real handlers", () => {
  const streamName = "dev-market-data-us-east-1-smoke";
  const tableName = "dev-market-analytics-us-east-1-smoke";
  let local: LocalAws;
  let kinesis: KinesisClient;

  beforeAll(async () => {
    local = await startLocalAws({ services: ["kinesis", "dynamodb"] });
    kinesis = localKinesisClient(local);
    await createMarketStream(kinesis, streamName, 1);
    await createAnalyticsTable(localDynamoDbClient(local), tableName);
  });

  afterAll(async () => {
    kinesis.destroy();
    await local.stop();
  });

  /** What the event source mapping does: read the shard, invoke market-processor with each batch. */
  function startPump(): { stop: () => Promise<void>; invocations: () => number } {
    const processor = createMarketProcessor({
      dynamodb: localDynamoDbClient(local),
      tableName,
      barTtlDays: 7,
      logger: new Logger({ logLevel: "SILENT" }),
      metrics: new RecordingMetrics(),
    });
    let running = true;
    let invocations = 0;
    const loop = (async () => {
      const shards = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
      const shardId = shards.Shards?.[0]?.ShardId ?? "";
      let iterator = (
        await kinesis.send(
          new GetShardIteratorCommand({
            StreamName: streamName,
            ShardId: shardId,
            ShardIteratorType: "TRIM_HORIZON",
          }),
        )
      ).ShardIterator;
      while (running && iterator !== undefined) {
        const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
        const records = page.Records ?? [];
        if (records.length > 0) {
          invocations += 1;
          const response = await processor.handler(
            kinesisEvent(eventRecordsFromKinesis(shardId, records)),
            lambdaContext(),
          );
          expect(response.batchItemFailures).toEqual([]);
        }
        iterator = page.NextShardIterator;
        await systemClock.sleep(50);
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
      },
      invocations: () => invocations,
    };
  }

  function apiQuery() {
    const api = createAnalyticsApi({
      dynamodb: localDynamoDbClient(local),
      tableName,
      logger: new Logger({ logLevel: "SILENT" }),
      metrics: new RecordingMetrics(),
    });
    return async (symbol: string): Promise<unknown> => {
      const result = (await api.handler(
        functionUrlEvent("GET", "/latest", { symbols: symbol }),
        lambdaContext("dev-analytics-api-us-east-1-a1"),
      )) as Exclude<LambdaFunctionURLResult, string>;
      if (result.statusCode !== 200) {
        throw new Error(`GET /latest answered ${result.statusCode}: ${String(result.body)}`);
      }
      return JSON.parse(String(result.body)) as unknown;
    };
  }

  it("puts the tick with the Kinesis client and sees its bar through the API before the deadline", async () => {
    const pump = startPump();
    try {
      const tick = smokeTick(Date.now(), 4242);
      const result = await runSmokeCheck({
        tick,
        publish: kinesisPublisher(kinesis, streamName),
        query: apiQuery(),
        clock: systemClock,
        timeoutMs: DEFAULT_TIMEOUT_MS,
        pollMs: 100,
      });
      expect(result.tick).toEqual(tick);
      expect(result.queries).toBeGreaterThanOrEqual(1);
      expect(pump.invocations()).toBeGreaterThanOrEqual(1);
      const body = await apiQuery()(SMOKE_SYMBOL);
      expect(findTickBar(body, tick)).toMatchObject({
        symbol: "ZZSMOKE",
        close: "1000.4242",
        interval: "1m",
      });
      process.stdout.write(`${formatSuccess("dev", result)}\n`);
    } finally {
      await pump.stop();
    }
  });

  it("fails with the message when nothing consumes the stream", async () => {
    const clock = new FakeClock(Date.now());
    const tick = smokeTick(clock.time + 120_000, 77);
    await expect(
      runSmokeCheck({
        tick,
        publish: kinesisPublisher(kinesis, streamName),
        query: apiQuery(),
        clock,
        timeoutMs: 500,
        pollMs: 250,
      }),
    ).rejects.toThrow(
      `The smoke tick ${tick.tradeId} for ZZSMOKE (price 1000.0077) did not show up through the analytics API within 500 ms (3 queries over 500 ms; last answer {"bars":[{"symbol":"ZZSMOKE"`,
    );
  });
});
