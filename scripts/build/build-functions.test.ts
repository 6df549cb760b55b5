import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Metafile } from "esbuild";
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  LambdaFunctionURLEvent,
} from "aws-lambda";
import { functionUrlEvent } from "../../tests/support/functions/function-url";
import { kinesisEvent, lambdaContext } from "../../tests/support/functions/kinesis-events";
import { tickRecords } from "../../tests/support/functions/market";
import {
  credentialsFromEnvironment,
  credentialsTreatedAsExpired,
  credentialsWillNeedRefresh,
  defaultProvider,
} from "../../functions/shared/lambda-credentials";
import {
  EVENT_STREAMS_NOT_BUNDLED_MESSAGE,
  FUNCTION_NAMES,
  buildFunctions,
  formatBundleReports,
} from "./build-functions";
import type { BundleReport, FunctionName } from "./build-functions";
import {
  createAnalyticsTable,
  createArchiveBucket,
  localDynamoDbClient,
  localS3Client,
  startLocalAws,
} from "../local-aws/local-aws";
import type { LocalAws } from "../local-aws/local-aws";

let directory: string;
let reports: BundleReport[];
let local: LocalAws;
const saved = { ...process.env };

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "bundles-"));
  reports = await buildFunctions({
    outDir: join(directory, "functions"),
    metaDir: join(directory, "meta"),
  });
  local = await startLocalAws({ services: ["dynamodb", "s3"] });
  await createAnalyticsTable(localDynamoDbClient(local), "dev-market-analytics-bundle");
  await createArchiveBucket(localS3Client(local), "dev-market-archive-bundle");
  Object.assign(process.env, {
    ENVIRONMENT: "dev",
    POWERTOOLS_METRICS_NAMESPACE: "TradingAnalytics",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
    TABLE_NAME: "dev-market-analytics-bundle",
    BUCKET_NAME: "dev-market-archive-bundle",
    BAR_TTL_DAYS: "7",
  });
});

afterAll(async () => {
  await local.stop();
  process.env = saved;
  await rm(directory, { recursive: true, force: true });
});

function bundle<T>(name: string): T {
  const report = reports.find((r) => r.name === name);
  let handler: T | undefined;
  jest.isolateModules(() => {
    // The bundle is plain CommonJS, loaded as Lambda's runtime loads it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require(report?.outfile ?? "") as { handler: T }).handler;
  });
  return handler as T;
}

type StreamHandler = (
  event: KinesisStreamEvent,
  context: Context,
) => Promise<KinesisStreamBatchResponse>;

describe("buildFunctions", () => {
  it("writes one minified CommonJS bundle per function with a linked source map", async () => {
    expect(reports.map((r) => r.name)).toEqual([...FUNCTION_NAMES]);
    for (const report of reports) {
      expect(report.outfile).toBe(join(directory, "functions", report.name, "index.js"));
      const code = await readFile(report.outfile, "utf8");
      expect(code.length).toBe(report.bytes);
      expect(code.split("\n").length).toBeLessThan(50);
      expect(code.trimEnd().endsWith("//# sourceMappingURL=index.js.map")).toBe(true);
      const map = JSON.parse(await readFile(report.sourcemap, "utf8")) as { sources: string[] };
      expect(
        map.sources.some((source) => source.endsWith(`functions/${report.name}/handler.ts`)),
      ).toBe(true);
      expect(report.gzipBytes).toBeLessThan(report.bytes);
    }
  });

  it("leaves the SDK's default credential chain out and keeps metadata outside the deployed directory", async () => {
    for (const report of reports) {
      expect(report.metafile).toBe(join(directory, "meta", `${report.name}.json`));
      const metafile = JSON.parse(await readFile(report.metafile, "utf8")) as Metafile;
      const inputs = Object.keys(metafile.inputs);
      expect(inputs).toContain("functions/shared/lambda-credentials.ts");
      expect(
        inputs.filter((input) =>
          /credential-provider-node|nested-clients|credential-provider-sso/.test(input),
        ),
      ).toEqual([]);
      expect(inputs.filter((input) => /node_modules\/zod\//.test(input)).length > 0).toBe(
        report.name === "market-processor",
      );
    }
  });

  it("bundles no event stream support, so no module is wrapped for lazy init behind import()", async () => {
    for (const report of reports) {
      const metafile = JSON.parse(await readFile(report.metafile, "utf8")) as Metafile;
      const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
      const bundled = Object.entries(output?.inputs ?? {})
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([input]) => input);
      const dynamicImports = bundled.flatMap((input) =>
        (metafile.inputs[input]?.imports ?? [])
          .filter((entry) => entry.kind === "dynamic-import" && entry.external !== true)
          .map((entry) => `${input.replace(/.*node_modules\//, "")} -> ${entry.path}`),
      );
      expect(dynamicImports).toEqual([
        "@smithy/core/dist-es/submodules/protocols/HttpProtocol.js -> without-event-streams:event-streams",
      ]);
      expect(bundled.filter((input) => input.includes("/event-streams/"))).toEqual([]);
      const code = await readFile(report.outfile, "utf8");
      expect(code).toContain(EVENT_STREAMS_NOT_BUNDLED_MESSAGE);
    }
  });

  it("bundles only the version of each SDK client's package.json", async () => {
    const clients: Record<FunctionName, string> = {
      "market-processor": "client-dynamodb",
      "market-archiver": "client-s3",
      "analytics-api": "client-dynamodb",
    };
    for (const report of reports) {
      const client = clients[report.name];
      const packageJson = JSON.parse(
        await readFile(
          join(__dirname, "..", "..", "node_modules", "@aws-sdk", client, "package.json"),
          "utf8",
        ),
      ) as { version: string };
      const metafile = JSON.parse(await readFile(report.metafile, "utf8")) as Metafile;
      const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
      const bundled = Object.entries(output?.inputs ?? {}).filter(([input]) =>
        input.endsWith(`@aws-sdk/${client}/package.json`),
      );
      // `var <name>={version:"..."};` with a minified name, where the whole file was 2.4 KB.
      expect(bundled.map(([, input]) => input.bytesInOutput < 40)).toEqual([true]);
      const code = await readFile(report.outfile, "utf8");
      expect(code).toContain(`={version:"${packageJson.version}"};`);
      expect(code).not.toContain(`"@aws-sdk/${client}"`);
    }
  });

  it("reports sizes as a table", () => {
    const table = formatBundleReports(reports).split("\n");
    expect(table[0]).toMatch(/^function\s+index\.js\s+gzip\s+files\s+largest parts$/);
    expect(table).toHaveLength(4);
    expect(table[1]).toMatch(/^market-processor\s+\d+\.\d KB\s+\d+\.\d KB\s+\d+\s+@/);
  });

  it("runs the processor and archiver bundles on this Node.js against the local services", async () => {
    // A trade of now: the bundles read the real clock, and a bar older than its retention takes
    // no trades.
    const { records } = tickRecords([
      { symbol: "AAPL", price: 190, size: 5, ts: Date.now(), tradeId: "1" },
    ]);
    await expect(
      bundle<StreamHandler>("market-processor")(kinesisEvent(records), lambdaContext()),
    ).resolves.toEqual({
      batchItemFailures: [],
    });
    await expect(
      bundle<StreamHandler>("market-archiver")(kinesisEvent(records), lambdaContext()),
    ).resolves.toEqual({
      batchItemFailures: [],
    });
    const api =
      bundle<
        (
          event: LambdaFunctionURLEvent,
          context: Context,
        ) => Promise<{ statusCode: number; body: string }>
      >("analytics-api");
    const response = await api(
      functionUrlEvent("GET", "/latest", { symbols: "AAPL" }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(200);
    expect((JSON.parse(response.body) as { bars: { trades: number }[] }).bars[0].trades).toBe(1);
  });
});

describe("Lambda credentials", () => {
  it("reads the execution role's credentials from the environment", () => {
    expect(
      credentialsFromEnvironment({
        AWS_ACCESS_KEY_ID: "ASIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "secret",
        AWS_SESSION_TOKEN: "token",
      }),
    ).toEqual({ accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token" });
  });

  it("provides them to SDK clients as the default chain does, re-read on every call", async () => {
    expect(credentialsWillNeedRefresh()).toBe(false);
    expect(credentialsTreatedAsExpired()).toBe(false);
    const provider = defaultProvider();
    await expect(provider()).resolves.toEqual({ accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
    process.env.AWS_SESSION_TOKEN = "rotated";
    process.env.AWS_CREDENTIAL_EXPIRATION = "2030-01-01T00:00:00Z";
    try {
      await expect(provider()).resolves.toEqual({
        accessKeyId: "S3RVER",
        secretAccessKey: "S3RVER",
        sessionToken: "rotated",
        expiration: new Date("2030-01-01T00:00:00Z"),
      });
    } finally {
      delete process.env.AWS_SESSION_TOKEN;
      delete process.env.AWS_CREDENTIAL_EXPIRATION;
    }
  });

  it("says what is missing", () => {
    expect(() => credentialsFromEnvironment({ AWS_ACCESS_KEY_ID: "ASIAEXAMPLE" })).toThrow(
      "AWS credentials are not in the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (the Lambda runtime sets them from the execution role)",
    );
  });
});
