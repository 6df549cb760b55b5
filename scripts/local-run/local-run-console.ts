import path from "node:path";
import { REPOSITORY_ROOT } from "../../modules/compute/runtime";
import { provideLocalDynamoDb, type LocalDynamoDb } from "../local-aws/dynamodb-local";
import { startLocalAwsThreads } from "../local-aws/local-aws-thread";
import { runLocalPipeline } from "./local-pipeline";
import { TTL_ATTRIBUTE } from "./local-resources";
import { EXIT_OK, EXIT_PROBLEM } from "../cli/program";
import type { LocalRunOptions } from "./local-run-options";
import { renderSummary } from "./run-report";
import { renderSessionTable } from "./session-table";
import { formatInteger } from "../cli/text-table";

/**
 * `npm start` once its command line is valid: DynamoDB Local, the pipeline on the local emulators,
 * then the bars per symbol and the summary on stdout; resolves with the exit code.
 */
export async function runLocally(options: LocalRunOptions): Promise<number> {
  const logDirectory = path.join(REPOSITORY_ROOT, "dist", "local-run", options.env);

  // The first Ctrl-C stops the producers; the run still drains, reconciles and cleans up.
  const abort = new AbortController();
  const onInterrupt = (): void => {
    if (abort.signal.aborted) {
      process.stderr.write("\nInterrupted twice: exiting without cleaning up.\n");
      process.exit(130);
    }
    process.stderr.write("\nStopping the producers; draining (Ctrl-C again to quit at once)...\n");
    abort.abort();
  };
  process.on("SIGINT", onInterrupt);
  let dynamodb: LocalDynamoDb | undefined;
  try {
    // One DynamoDB Local for the run, in its own Java process; dynalite where there is no Java 17.
    dynamodb = await provideLocalDynamoDb({
      onStarting: () => process.stdout.write("Starting DynamoDB Local on 127.0.0.1...\n"),
    });
    process.stdout.write(
      dynamodb.kind === "dynalite"
        ? `${dynamodb.notice}\n`
        : `DynamoDB Local ${dynamodb.server?.version ?? ""} (in memory) at ${dynamodb.endpoint}${dynamodb.server ? `, ready in ${(dynamodb.server.startupMs / 1000).toFixed(1)} s` : ""}.\n`,
    );
    const result = await runLocalPipeline(options, {
      startServices: startLocalAwsThreads,
      progress: process.stdout,
      status: (message) => process.stdout.write(`${message}\n`),
      logDirectory,
      signal: abort.signal,
    });
    const out: string[] = [""];
    out.push(`Bars per symbol (1-minute bars read back through GET /bars, rolled up per session):`);
    out.push(renderSessionTable(result.sessions));
    if (result.symbolsWithoutTrades.length > 0) {
      out.push(
        `(${formatInteger(result.symbolsWithoutTrades.length)} symbols had no trades: ${result.symbolsWithoutTrades.slice(0, 10).join(", ")}${result.symbolsWithoutTrades.length > 10 ? ", ..." : ""})`,
      );
    }
    out.push("");
    out.push(renderSummary(result.figures, result.reconciliation));
    out.push("");
    out.push(
      `Function logs: ${path.relative(process.cwd(), logDirectory) || "."}/{market-processor,market-archiver,analytics-api}.log`,
    );
    out.push(
      result.ttlEnabled
        ? `Table TTL: on, attribute ${TTL_ATTRIBUTE} (UpdateTimeToLive; DescribeTimeToLive confirms it); the bar TTL line above checks each bar's value.`
        : `Note: dynalite does not implement UpdateTimeToLive, so the table's TTL on ${TTL_ATTRIBUTE} is not switched on locally (DynamoDB Local, with Java 17, does); the bar TTL line above checks the attribute itself.`,
    );
    out.push(result.reportPath ? `Report: ${path.relative(process.cwd(), result.reportPath)}` : "");
    process.stdout.write(`${out.join("\n")}\n`);
    return result.reconciliation.ok ? EXIT_OK : EXIT_PROBLEM;
  } finally {
    process.off("SIGINT", onInterrupt);
    await dynamodb?.stop();
  }
}
