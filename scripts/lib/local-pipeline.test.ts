import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ENVIRONMENT_SETTINGS, type EnvironmentName } from "../../modules/config/settings";
import { sharedDynamoDbLocalEndpoint } from "./dynamodb-local";
import { startLocalAwsThreads } from "./local-aws-thread";
import { runLocalPipeline } from "./local-pipeline";
import type { LocalRunOptions } from "./local-run-options";
import { renderSummary } from "./run-report";
import { SyntheticMarket } from "./synthetic-market";

/** What the market of `options` sends, replayed from its seed. */
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

describe.each(["dev", "staging", "production"] as const)(
  "npm start on %s's settings",
  (env: EnvironmentName) => {
    const options: LocalRunOptions = {
      env,
      symbols: 12,
      ratePerSecond: 300,
      durationSeconds: 2,
      seed: 11,
      faults: 0.05,
    };
    let logDirectory: string;

    beforeAll(() => {
      logDirectory = fs.mkdtempSync(path.join(os.tmpdir(), `local-run-${env}-`));
    });

    afterAll(() => {
      fs.rmSync(logDirectory, { recursive: true, force: true });
    });

    it("puts every tick into a bar or the malformed count, and every record into the archive", async () => {
      const statuses: string[] = [];
      const result = await runLocalPipeline(options, {
        startServices: startLocalAwsThreads,
        status: (message) => statuses.push(message),
        logDirectory,
      });
      const expected = expectedTraffic(options);
      const { figures } = result;

      expect(result.reconciliation).toEqual({ ok: true, problems: [] });
      expect(figures.ticksSent).toBe(expected.ticks);
      expect(figures.recordsSent).toBe(expected.records);
      expect(figures.malformedTicksGenerated).toBe(expected.malformed);
      expect(figures.malformedTicks).toBe(expected.malformed);
      expect(figures.ticksInBars).toBe(expected.ticks - expected.malformed);
      expect(figures.ticksInBars + figures.malformedTicks).toBe(figures.ticksSent);
      expect(figures.archive.archivedRecords).toBe(figures.recordsSent);
      expect(figures.archive.missing).toEqual([]);
      expect(figures.archive.problems).toEqual([]);
      expect(figures.deadLettered).toEqual([]);
      expect(figures.ttl).toEqual({
        items: result.sessions.reduce((sum, row) => sum + row.bars, 0),
        expiring: result.sessions.reduce((sum, row) => sum + row.bars, 0),
        wrong: [],
        retentionDays: ENVIRONMENT_SETTINGS[env].table.barRetentionDays,
      });
      // DynamoDB Local switches TTL on; dynalite (without Java 17) cannot.
      expect(result.ttlEnabled).toBe(sharedDynamoDbLocalEndpoint() !== undefined);
      expect(figures.shards).toBe(ENVIRONMENT_SETTINGS[env].stream.shardCount);
      expect(result.sessions.reduce((sum, row) => sum + row.trades, 0)).toBe(figures.ticksInBars);
      expect(result.sessions.map((row) => row.symbol).slice(0, 3)).toEqual([
        "AAPL",
        "MSFT",
        "NVDA",
      ]);
      for (const row of result.sessions) {
        expect(row.low).toBeLessThanOrEqual(Math.min(row.open, row.close, row.vwap));
        expect(row.high).toBeGreaterThanOrEqual(Math.max(row.open, row.close, row.vwap));
      }
      expect(result.names).toMatchObject({
        stream: `${env}-market-data-us-east-1-local`,
        table: `${env}-market-analytics-us-east-1-local`,
        bucket: `${env}-market-archive-us-east-1-local`,
      });
      expect(statuses[1]).toBe(
        `Created stream ${env}-market-data-us-east-1-local (${figures.shards} shard${figures.shards === 1 ? "" : "s"}), table ${env}-market-analytics-us-east-1-local, bucket ${env}-market-archive-us-east-1-local.`,
      );
      expect(figures.freshness.samples).toBeGreaterThan(0);
      expect(renderSummary(figures, result.reconciliation)).toContain(
        `ticks reconcile     yes: ${figures.ticksSent.toLocaleString("en-US")} sent = ${figures.ticksInBars.toLocaleString("en-US")} in bars + ${figures.malformedTicks.toLocaleString("en-US")} malformed`,
      );
      const processorLog = fs.readFileSync(path.join(logDirectory, "market-processor.log"), "utf8");
      expect(processorLog.match(/"message":"Skipped malformed input"/g)).toHaveLength(
        expected.malformed,
      );
      // The endpoints were set for the run only.
      expect(process.env.AWS_ENDPOINT_URL_KINESIS).toBeUndefined();
    });
  },
);
