import { gunzipSync } from "node:zlib";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  LambdaFunctionURLEvent,
  LambdaFunctionURLResult,
} from "aws-lambda";
import {
  createAnalyticsTable,
  createArchiveBucket,
  localDynamoDbClient,
  localS3Client,
  startLocalAws,
} from "../scripts/local-aws/local-aws";
import type { LocalAws } from "../scripts/local-aws/local-aws";
import { functionUrlEvent } from "../tests/support/functions/function-url";
import {
  kinesisEvent,
  kinesisEventRecord,
  lambdaContext,
  sequenceNumber,
} from "../tests/support/functions/kinesis-events";
import { MARKET_START, tickRecords } from "../tests/support/functions/market";

/**
 * The deployed entry points, configured only through environment variables as Lambda runs them:
 * clients built from `AWS_ENDPOINT_URL_*`, Powertools from `POWERTOOLS_*`, JSON logs and EMF
 * metrics on standard output.
 */

type StreamHandler = (
  event: KinesisStreamEvent,
  context: Context,
) => Promise<KinesisStreamBatchResponse>;
type UrlHandler = (
  event: LambdaFunctionURLEvent,
  context: Context,
) => Promise<LambdaFunctionURLResult>;

const TABLE = "dev-market-analytics-us-east-1-a1";
const BUCKET = "dev-market-archive-us-east-1-a1";
let local: LocalAws;
const saved = { ...process.env };

beforeAll(async () => {
  local = await startLocalAws({ services: ["dynamodb", "s3"] });
  await createAnalyticsTable(localDynamoDbClient(local), TABLE);
  await createArchiveBucket(localS3Client(local), BUCKET);
});

afterAll(async () => {
  await local.stop();
});

afterEach(() => {
  for (const name of Object.keys(process.env)) {
    if (!(name in saved)) {
      delete process.env[name];
    }
  }
  Object.assign(process.env, saved, local.env);
});

function configure(service: string, variables: Record<string, string>): void {
  Object.assign(process.env, {
    ENVIRONMENT: "dev",
    POWERTOOLS_SERVICE_NAME: service,
    POWERTOOLS_METRICS_NAMESPACE: "TradingAnalytics",
    POWERTOOLS_LOG_LEVEL: "WARN",
    ...variables,
  });
}

/** Imports a handler module afresh, as a new Lambda container would. */
async function load<T>(path: string): Promise<T> {
  let handler: T | undefined;
  await jest.isolateModulesAsync(async () => {
    handler = ((await import(path)) as { handler: T }).handler;
  });
  return handler as T;
}

/** Runs `action` and returns the JSON lines it printed (logs and EMF documents). */
async function printed<T>(
  action: () => Promise<T>,
): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split("\n")) {
      if (line.startsWith("{")) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    }
    return true;
  };
  const out = jest.spyOn(process.stdout, "write").mockImplementation(capture);
  const err = jest.spyOn(process.stderr, "write").mockImplementation(capture);
  try {
    return { result: await action(), lines };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("market-processor handler", () => {
  it("fails to start without TABLE_NAME, naming the variable", async () => {
    configure("market-processor", { BAR_TTL_DAYS: "7" });
    delete process.env.TABLE_NAME;
    await expect(load("./market-processor/handler")).rejects.toThrow(
      "Environment variable TABLE_NAME is required but not set",
    );
  });

  it("fails to start with a BAR_TTL_DAYS that is not a whole number", async () => {
    configure("market-processor", { TABLE_NAME: TABLE, BAR_TTL_DAYS: "a week" });
    await expect(load("./market-processor/handler")).rejects.toThrow(
      'Environment variable BAR_TTL_DAYS must be a whole number of at least 1, got "a week"',
    );
  });

  it("writes bars, logs malformed input as JSON and publishes EMF metrics", async () => {
    configure("market-processor", { TABLE_NAME: TABLE, BAR_TTL_DAYS: "7" });
    const handler = await load<StreamHandler>("./market-processor/handler");
    // A trade of now: the deployed handler reads the real clock, and a bar older than its
    // retention takes no trades.
    const { records } = tickRecords([
      { symbol: "AAPL", price: 190, size: 5, ts: Date.now(), tradeId: "1" },
    ]);
    const bad = kinesisEventRecord({
      shardId: "shardId-000000000000",
      sequenceNumber: sequenceNumber(2),
      partitionKey: "AAPL",
      data: Buffer.from("{not json"),
    });

    const { result, lines } = await printed(() =>
      handler(kinesisEvent([...records, bad]), lambdaContext("dev-market-processor-us-east-1-a1")),
    );

    expect(result).toEqual({ batchItemFailures: [] });
    const warning = lines.find((line) => line.message === "Skipped malformed input");
    expect(warning).toMatchObject({
      level: "WARN",
      service: "market-processor",
      environment: "dev",
      function_name: "dev-market-processor-us-east-1-a1",
      shardId: "shardId-000000000000",
      sequenceNumber: sequenceNumber(2),
      scope: "record",
      reason: "data is not valid JSON",
    });
    const emf = lines.find((line) => "TicksApplied" in line);
    expect(emf).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: "TradingAnalytics",
            Dimensions: [["service", "environment"]],
          },
        ],
      },
      service: "market-processor",
      environment: "dev",
      Records: 2,
      TicksApplied: 1,
      MalformedRecords: 1,
      MalformedTicks: 0,
      BarsWritten: 1,
    });
  });
});

describe("market-archiver handler", () => {
  it("fails to start without BUCKET_NAME", async () => {
    configure("market-archiver", {});
    delete process.env.BUCKET_NAME;
    await expect(load("./market-archiver/handler")).rejects.toThrow(
      "Environment variable BUCKET_NAME is required but not set",
    );
  });

  it("archives a batch through the S3 client built from the environment (path-style)", async () => {
    configure("market-archiver", { BUCKET_NAME: BUCKET });
    const handler = await load<StreamHandler>("./market-archiver/handler");
    const { records } = tickRecords([
      { symbol: "AAPL", price: 190, size: 5, ts: MARKET_START, tradeId: "1" },
    ]);

    const { result } = await printed(() => handler(kinesisEvent(records), lambdaContext()));

    expect(result).toEqual({ batchItemFailures: [] });
    const seq = sequenceNumber(1);
    const object = await localS3Client(local).send(
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: `raw/dt=2024-05-01/hr=13/shardId-000000000000/${seq}-${seq}.ndjson.gz`,
      }),
    );
    const text = gunzipSync(
      Buffer.from(await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))),
    ).toString("utf8");
    expect(JSON.parse(text)).toMatchObject({ sequenceNumber: seq, encoding: "utf8" });
  });
});

describe("analytics-api handler", () => {
  it("fails to start without TABLE_NAME", async () => {
    configure("analytics-api", {});
    delete process.env.TABLE_NAME;
    await expect(load("./analytics-api/handler")).rejects.toThrow(
      "Environment variable TABLE_NAME is required but not set",
    );
  });

  it("answers from the table named in the environment", async () => {
    configure("analytics-api", { TABLE_NAME: TABLE });
    const handler = await load<UrlHandler>("./analytics-api/handler");
    const { result } = await printed(() =>
      handler(
        functionUrlEvent("GET", "/latest", { symbols: "AAPL" }),
        lambdaContext("dev-analytics-api"),
      ),
    );
    expect(result).toMatchObject({ statusCode: 200 });
    const body = JSON.parse((result as { body: string }).body) as {
      bars: { symbol: string; trades: number }[];
    };
    expect(body.bars.map((bar) => [bar.symbol, bar.trades])).toEqual([["AAPL", 1]]);
  });
});
