import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from "aws-lambda";
import { environmentSettings } from "../../modules/config/settings";
import { FreshnessSamples } from "./report/run-report-data";
import { AnalyticsClient } from "../smoke/analytics-client";
import { localDynamoDbName, sharedDynamoDbLocalEndpoint } from "../local-aws/dynamodb-local";
import { FreshnessProbe } from "./freshness-probe";
import { buildFunctionBundles, type FunctionBundleBuild } from "../local-aws/function-bundles";
import { createLocalClients } from "../local-aws/local-clients";
import type { LocalRunOptions } from "./local-run-options";
import { createLocalResources, localNames } from "./local-resources";
import { ProgressLine, type ProgressOutput, type ProgressSnapshot } from "../cli/progress-line";
import { Cleanup, startFunctions } from "./pipeline-functions";
import { newRunTraffic, startPollers, waitForDrain } from "./pipeline-pollers";
import { sendMarket } from "./pipeline-send";
import {
  checkTheRun,
  summarizeTheRun,
  type BeforeReconcile,
  type LocalRunResult,
} from "./pipeline-summary";

/** Local AWS services, running until stopped. */
export interface LocalServices {
  stop(): Promise<void>;
}

export interface PipelineIo {
  /**
   * Starts kinesalite and s3rver (and dynalite where no DynamoDB Local runs: `DYNAMODB_LOCAL_ENDPOINT`
   * unset) and points `AWS_ENDPOINT_URL_*` at them and at DynamoDB.
   */
  readonly startServices: () => Promise<LocalServices>;
  /** Where the once-a-second progress goes. @default - no progress output */
  readonly progress?: ProgressOutput;
  /** Status messages between the phases. @default - none */
  readonly status?: (message: string) => void;
  /** Directory for the functions' log files. @default - no log files */
  readonly logDirectory?: string;
  /** Aborting stops the producers early; the run then drains and reports as usual. */
  readonly signal?: AbortSignal;
  /**
   * The function bundles to run, shared by several runs (their owner disposes of them).
   * @default - the run bundles the functions itself and removes them when it ends
   */
  readonly bundles?: FunctionBundleBuild;
  /**
   * Runs once the bars and the archive are read back, just before the run's reconcile compares
   * them: tests change the table here (delete a bar) to see the reconcile report it and fail.
   */
  readonly beforeReconcile?: BeforeReconcile;
}

/** A batching window from which the run says how to shorten it, in seconds. */
const LONG_WINDOW_SECONDS = 30;

/**
 * The whole data path of one environment on this machine: local services, the environment's
 * stream, table and bucket, a seeded market put onto the stream, event source mapping pollers
 * invoking the real processor and archiver handlers, freshness measured through the real API
 * handler, then every bar read back through the API and every archived record read back from S3.
 */
export async function runLocalPipeline(
  options: LocalRunOptions,
  io: PipelineIo,
): Promise<LocalRunResult> {
  const settings = environmentSettings(options.env);
  const names = localNames(options.env);
  const status = io.status ?? (() => undefined);
  const cleanup = new Cleanup();
  try {
    // The functions run as they deploy, bundled as `npm run build` bundles them, while the services
    // start; a run's own bundles go when everything else has (cleanups run last to first).
    const build = io.bundles ?? buildFunctionBundles();
    if (io.bundles === undefined) {
      cleanup.add(() => build.dispose());
    }
    const dynamodbLocal = sharedDynamoDbLocalEndpoint();
    status(
      dynamodbLocal === undefined
        ? `Starting kinesalite, ${localDynamoDbName()} and s3rver on 127.0.0.1 for ${options.env}...`
        : `Starting kinesalite and s3rver on 127.0.0.1 for ${options.env}, with DynamoDB Local at ${dynamodbLocal}...`,
    );
    const services = await io.startServices();
    cleanup.add(() => services.stop());
    const clients = createLocalClients();
    cleanup.add(() => clients.destroy());
    const resources = await createLocalResources(clients, settings);
    // DynamoDB Local may serve several runs (the tests share one): the table goes with the run.
    cleanup.add(async () => {
      await clients.dynamodb.send(new DeleteTableCommand({ TableName: resources.tableName }));
    });
    const { stream } = resources;
    status(
      `Created stream ${stream.streamName} (${stream.shardIds.length} shard${stream.shardIds.length === 1 ? "" : "s"}), table ${resources.tableName}, bucket ${resources.bucketName}.`,
    );

    const functions = await startFunctions({
      options,
      settings,
      names,
      resources,
      bundles: build.bundles,
      logDirectory: io.logDirectory,
      cleanup,
      status,
    });
    const { api, archiverMapping, ledger } = functions;
    const traffic = newRunTraffic();
    const { counters } = traffic;

    const archiverWindow = archiverMapping.maximumBatchingWindowSeconds ?? 0;
    if (archiverMapping.deployedBatchingWindowSeconds !== undefined) {
      status(
        `The archiver's batching window is ${archiverWindow} s for this run (--archiver-window); ${options.env} deploys ${archiverMapping.deployedBatchingWindowSeconds} s.`,
      );
    } else if (archiverWindow >= LONG_WINDOW_SECONDS) {
      status(
        `The archiver gathers records for ${archiverWindow} s as ${options.env} deploys it, so the run waits up to ${archiverWindow} s after the last tick for the archive; --archiver-window <seconds> shortens it for a local run.`,
      );
    }

    const { pollers, stop: stopPollers } = startPollers({
      kinesis: clients.kinesis,
      stream,
      names,
      functions,
      traffic,
      cleanup,
    });

    const analytics = new AnalyticsClient((event: LambdaFunctionURLEvent) =>
      api.invoke<LambdaFunctionURLResult>(event),
    );
    const freshnessSamples = new FreshnessSamples();
    const freshness = new FreshnessProbe(
      freshnessSamples.observe((symbols) => analytics.latestViews(symbols)),
    );
    cleanup.add(async () => {
      await freshness.stop();
    });

    const startedAt = performance.now();
    let phase: ProgressSnapshot["phase"] = "sending";
    const progress = io.progress ? new ProgressLine(io.progress) : undefined;
    const snapshot = (): ProgressSnapshot => ({
      phase,
      elapsedSeconds: (performance.now() - startedAt) / 1000,
      ticksSent: counters.ticksSent,
      ticksProcessed: counters.ticksProcessed,
      recordsSent: counters.recordsSent,
      recordsArchived: counters.recordsArchived,
      malformedTicks: ledger.malformedTicks,
      lagMs: Math.max(0, ...pollers.map((poller) => poller.stats.iteratorAgeMs)),
    });
    const ticker = progress ? setInterval(() => progress.update(snapshot()), 1000) : undefined;
    cleanup.add(() => {
      clearInterval(ticker);
      progress?.finish();
    });

    const sentMarket = await sendMarket({
      options,
      kinesis: clients.kinesis,
      streamName: stream.streamName,
      traffic,
      freshness,
      freshnessSamples,
      signal: io.signal,
      status,
    });

    phase = "draining";
    // A message in the middle of the updating progress line starts on a line of its own.
    progress?.finish();
    status(
      `Sent ${counters.ticksSent.toLocaleString("en-US")} ticks (${sentMarket.rePuts.records.toLocaleString("en-US")} records put twice); waiting for the consumers to catch up${archiverWindow >= LONG_WINDOW_SECONDS ? `, the archiver for up to ${archiverWindow} s` : ""}...`,
    );
    await waitForDrain({
      pollers,
      traffic,
      archiverWindowSeconds: archiverWindow,
      logDirectory: io.logDirectory,
    });
    await stopPollers();
    const freshnessSummary = await freshness.stop();
    clearInterval(ticker);
    progress?.update(snapshot());
    progress?.finish();

    const checks = await checkTheRun({
      clients,
      settings,
      resources,
      analytics,
      market: sentMarket.market,
      firstTickMs: sentMarket.firstTickMs,
      lastTickMs: sentMarket.lastTickMs,
      traffic,
      beforeReconcile: io.beforeReconcile,
      status,
    });

    // The processor's last log lines arrive when its sandboxes shut down.
    await functions.close();

    return await summarizeTheRun({
      options,
      settings,
      names,
      clients,
      resources,
      functions,
      pollers,
      traffic,
      sentMarket,
      checks,
      freshness: freshnessSummary,
      freshnessSamples,
      logDirectory: io.logDirectory,
    });
  } finally {
    await cleanup.run();
  }
}
