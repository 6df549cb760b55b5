import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DeleteItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DECIMAL_PLACES, parseScaled } from "../../functions/domain/decimal";
import { ENVIRONMENT_SETTINGS, type EnvironmentName } from "../../modules/config/settings";
import { sharedDynamoDbLocalEndpoint } from "../local-aws/dynamodb-local";
import { buildFunctionBundles, type FunctionBundleBuild } from "../local-aws/function-bundles";
import { startLocalAwsThreads } from "../local-aws/local-aws-thread";
import { runLocalPipeline } from "./local-pipeline";
import type { LocalRunOptions } from "./local-run-options";
import { renderSummary } from "./run-report";
import { SyntheticMarket } from "../market/synthetic-market";

/** What the market of `options` sends once (re-puts aside), replayed from its seed. */
function expectedTraffic(options: LocalRunOptions) {
  const market = new SyntheticMarket({
    seed: options.seed,
    symbolCount: options.symbols,
    faultFraction: options.faults,
    startMs: 0,
    ticksPerSecond: options.ratePerSecond,
  });
  const total = Math.round(options.ratePerSecond * options.durationSeconds);
  let records = 0;
  let malformed = 0;
  while (market.ticksGenerated < total) {
    malformed += market.next().malformedTicks;
    records += 1;
  }
  return { ticks: market.ticksGenerated, records, malformed };
}

const price = (text: string): bigint => parseScaled(text, DECIMAL_PLACES);

/** The temporary directories function bundles are built in, by name. */
const bundleDirectories = (): string[] =>
  fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith("local-function-bundles-"));

// One build of the bundles for the runs on each environment's settings, as a caller may share it.
let sharedBundles: FunctionBundleBuild;

beforeAll(() => {
  sharedBundles = buildFunctionBundles();
});

afterAll(async () => {
  await sharedBundles.dispose();
});

describe.each([
  // dev runs its deployed archiver window (5 s); the others shorten theirs (300 s, 120 s).
  // Only production, with its 4 shards and the most re-puts, sends for the full 2 s; the
  // others send for 1 s, enough for every figure the run reconciles.
  ["dev", 0.05, undefined, 1],
  ["staging", 0.05, 1, 1],
  ["production", 0.2, 1, 2],
] as const)(
  "npm start on %s's settings, %d of the records put twice",
  (
    env: EnvironmentName,
    reputs: number,
    archiverWindowSeconds: number | undefined,
    durationSeconds: number,
  ) => {
    const options: LocalRunOptions = {
      env,
      symbols: 12,
      ratePerSecond: 300,
      durationSeconds,
      seed: 11,
      faults: 0.05,
      reputs,
      ...(archiverWindowSeconds === undefined ? {} : { archiverWindowSeconds }),
    };
    let logDirectory: string;

    beforeAll(() => {
      logDirectory = fs.mkdtempSync(path.join(os.tmpdir(), `local-run-${env}-`));
    });

    afterAll(() => {
      fs.rmSync(logDirectory, { recursive: true, force: true });
    });

    it("counts every distinct trade once, skips every re-put tick as a duplicate, archives every record, and reconciles", async () => {
      const statuses: string[] = [];
      const result = await runLocalPipeline(options, {
        startServices: startLocalAwsThreads,
        status: (message) => statuses.push(message),
        logDirectory,
        bundles: sharedBundles,
      });
      const expected = expectedTraffic(options);
      const { figures } = result;
      const settings = ENVIRONMENT_SETTINGS[env];

      expect(result.reconciliation).toEqual({ ok: true, problems: [] });
      // The market's own ticks, plus the copies the producer put again.
      expect(figures.rePuts.records).toBeGreaterThan(0);
      expect(figures.rePuts.ticks).toBeGreaterThan(0);
      expect(figures.ticksSent).toBe(
        expected.ticks + figures.rePuts.ticks + figures.rePuts.malformedTicks,
      );
      expect(figures.recordsSent).toBe(expected.records + figures.rePuts.records);
      expect(figures.distinctTrades).toBe(expected.ticks - expected.malformed);
      expect(figures.ticksInBars).toBe(figures.distinctTrades);
      // Exactly the re-put ticks are duplicates (no batch was retried in these runs).
      expect(figures.processorRetries).toBe(0);
      expect(figures.duplicatesSkipped).toBe(figures.rePuts.ticks);
      expect(figures.pastRetentionTicks).toBe(0);
      expect(figures.malformedTicksGenerated).toBe(
        expected.malformed + figures.rePuts.malformedTicks,
      );
      expect(figures.malformedTicks).toBe(figures.malformedTicksGenerated);
      expect(figures.ticksInBars + figures.duplicatesSkipped + figures.malformedTicks).toBe(
        figures.ticksSent,
      );
      expect(figures.archive.archivedRecords).toBe(figures.recordsSent);
      expect(figures.archive.missing).toEqual([]);
      expect(figures.archive.problems).toEqual([]);
      expect(figures.deadLettered).toEqual([]);
      // The run's reconcile compared every bar with the archive's distinct trades.
      const bars = result.sessions.reduce((sum, row) => sum + row.bars, 0);
      expect(figures.reconcile).toMatchObject({
        barsCompared: bars,
        differences: [],
        table: "",
        archiveProblems: [],
      });
      expect(figures.ttl).toEqual({
        items: bars,
        expiring: bars,
        wrong: [],
        retentionDays: settings.table.barRetentionDays,
      });
      // The mappings as deployed, the archiver's window as the run asked.
      expect(figures.mappings?.map((mapping) => [mapping.consumer, mapping.batchSize])).toEqual([
        ["market-processor", settings.lambda.batchSize],
        ["market-archiver", settings.archiver.batchSize],
      ]);
      expect(figures.mappings?.[1]?.maximumBatchingWindowSeconds).toBe(
        archiverWindowSeconds ?? settings.archiver.batchingWindowSeconds,
      );
      expect(figures.mappings?.[0]).toMatchObject({
        maximumRetryAttempts: 10_000,
        maximumRecordAgeSeconds: 900,
      });
      // DynamoDB Local switches TTL on; dynalite (without Java 17) cannot.
      expect(result.ttlEnabled).toBe(sharedDynamoDbLocalEndpoint() !== undefined);
      expect(figures.shards).toBe(settings.stream.shardCount);
      expect(result.sessions.reduce((sum, row) => sum + row.trades, 0)).toBe(figures.ticksInBars);
      expect(result.sessions.map((row) => row.symbol).slice(0, 3)).toEqual([
        "AAPL",
        "MSFT",
        "NVDA",
      ]);
      for (const row of result.sessions) {
        const extremes = [price(row.open), price(row.close), price(row.vwap)];
        expect(extremes.every((value) => price(row.low) <= value)).toBe(true);
        expect(extremes.every((value) => price(row.high) >= value)).toBe(true);
      }
      expect(result.names).toMatchObject({
        stream: `${env}-market-data-us-east-1-local`,
        table: `${env}-market-analytics-us-east-1-local`,
        bucket: `${env}-market-archive-us-east-1-local`,
      });
      expect(statuses[1]).toBe(
        `Created stream ${env}-market-data-us-east-1-local (${figures.shards} shard${figures.shards === 1 ? "" : "s"}), table ${env}-market-analytics-us-east-1-local, bucket ${env}-market-archive-us-east-1-local.`,
      );
      if (archiverWindowSeconds !== undefined) {
        expect(statuses).toContain(
          `The archiver's batching window is ${archiverWindowSeconds} s for this run (--archiver-window); ${env} deploys ${settings.archiver.batchingWindowSeconds} s.`,
        );
      }
      expect(figures.freshness.samples).toBeGreaterThan(0);
      // The run's HTML report beside the logs, its histogram over every freshness sample.
      expect(fs.readFileSync(path.join(logDirectory, "report.html"), "utf8")).toContain(
        `<svg class="histogram" data-samples="${figures.freshness.samples}"`,
      );
      const summary = renderSummary(figures, result.reconciliation);
      const count = (value: number): string => value.toLocaleString("en-US");
      expect(summary).toContain(
        `ticks reconcile     yes: ${count(figures.ticksSent)} sent = ${count(figures.ticksInBars)} in bars + ${count(figures.duplicatesSkipped)} duplicates + ${count(figures.malformedTicks)} malformed`,
      );
      expect(summary).toContain(
        `duplicates skipped  ${count(figures.duplicatesSkipped)} (re-puts ${count(figures.rePuts.ticks)} ticks`,
      );
      expect(summary).toContain(`reconcile           0 differences over ${count(bars)} bars`);
      const processorLog = fs.readFileSync(path.join(logDirectory, "market-processor.log"), "utf8");
      expect(processorLog.match(/"message":"Skipped malformed input"/g)).toHaveLength(
        figures.malformedTicksGenerated,
      );
      // The endpoints were set for the run only.
      expect(process.env.AWS_ENDPOINT_URL_KINESIS).toBeUndefined();
      if (env === "production") {
        // Copies under another partition key land on another of the 4 shards, mostly.
        expect(figures.rePuts.otherKey).toBeGreaterThan(0);
        expect(figures.rePuts.otherShard).toBeGreaterThan(0);
      }
    });
  },
);

describe("npm start with a bar that differs from the archive", () => {
  it("reports the difference through the reconcile and fails the run, and removes the bundles it built", async () => {
    const directoriesBefore = bundleDirectories();
    let directoriesDuring: string[] = [];
    let deleted = "";
    const result = await runLocalPipeline(
      {
        env: "dev",
        symbols: 5,
        ratePerSecond: 200,
        durationSeconds: 1,
        seed: 3,
        faults: 0,
        reputs: 0.05,
        archiverWindowSeconds: 0,
      },
      {
        startServices: startLocalAwsThreads,
        beforeReconcile: async ({ clients, tableName }) => {
          directoriesDuring = bundleDirectories();
          const scan = await clients.dynamodb.send(
            new ScanCommand({
              TableName: tableName,
              FilterExpression: "begins_with(pk, :bar)",
              ExpressionAttributeValues: { ":bar": { S: "BAR#AAPL" } },
            }),
          );
          const item = scan.Items?.[0];
          if (item?.pk === undefined || item.sk === undefined) {
            throw new Error("no AAPL bar to delete");
          }
          deleted = `${item.pk.S} ${item.sk.S}`;
          await clients.dynamodb.send(
            new DeleteItemCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }),
          );
        },
      },
    );
    const { figures } = result;
    expect(deleted).toMatch(/^BAR#AAPL \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/);
    const minute = `${deleted.slice("BAR#AAPL ".length, "BAR#AAPL ".length + 16)}Z`;
    expect(figures.reconcile.differences).toEqual([`AAPL ${minute}: missing bar`]);
    expect(figures.reconcile.table).toContain("missing bar");
    // Everything else reconciles: the bars were read back before the item went.
    expect(result.reconciliation).toEqual({
      ok: false,
      problems: [
        `Reconcile: 1 of ${figures.reconcile.barsCompared} bars differ from the archive's distinct trades: AAPL ${minute}: missing bar.`,
      ],
    });
    const summary = renderSummary(figures, result.reconciliation);
    expect(summary).toContain(
      `reconcile           1 difference over ${figures.reconcile.barsCompared} bars`,
    );
    expect(summary).toContain("Bars that differ from the archive (reconcile):");
    expect(summary).toContain("FAILED:");
    // This run bundled the functions itself (no shared build) and removed them at its end.
    expect(directoriesDuring.filter((name) => !directoriesBefore.includes(name))).toHaveLength(1);
    expect(bundleDirectories()).toEqual(directoriesBefore);
  });
});
