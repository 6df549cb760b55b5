import path from "node:path";
import { functionBundlePath } from "../../modules/compute/runtime";
import { buildFunctions } from "../build/build-functions";
import { provideLocalDynamoDb } from "../local-aws/dynamodb-local";
import { startLocalAws } from "../local-aws/local-aws";
import type { BenchFigures } from "./bench-report";
import { measureBundleLoads } from "./bundle-load";
import { measureDomainThroughput } from "./domain-throughput";
import { measureDynamoRequests } from "./dynamodb-requests";
import { measureHandlerLatency } from "./handler-latency";
import { measureHotBar } from "./hot-bar";

/**
 * Every figure `npm run bench` reports: builds the bundles, then measures them, the domain and
 * DynamoDB's requests (DynamoDB Local, or dynalite without Java 17), saying what it does.
 */
export async function measure(
  options: { readonly quick: boolean },
  say: (message: string) => void,
): Promise<BenchFigures> {
  say("Building the function bundles (npm run build)...");
  const reports = await buildFunctions();
  const bundles = reports.map((report) => ({ name: report.name, path: report.outfile }));
  const bundleSizes = reports.map((report) => ({
    name: report.name,
    bytes: report.bytes,
    gzipBytes: report.gzipBytes,
  }));

  say("Measuring processor domain throughput against JSON.parse...");
  const domain = measureDomainThroughput();

  say("Measuring module load time of each bundle in fresh node processes...");
  const bundleLoads = measureBundleLoads(bundles);

  const dynamodbLocal = await provideLocalDynamoDb({
    onStarting: () => say("Starting DynamoDB Local for the DynamoDB figures..."),
  });
  say(
    dynamodbLocal.kind === "dynalite"
      ? dynamodbLocal.notice
      : `DynamoDB Local ${dynamodbLocal.server?.version ?? ""} (in memory) at ${dynamodbLocal.endpoint}.`,
  );
  try {
    const local = await startLocalAws({ services: ["dynamodb"] });
    try {
      say("Counting DynamoDB requests per batch of 1,000 ticks...");
      const dynamodb = await measureDynamoRequests(local);
      say("Timing the processor handler on 500-tick batches...");
      const handler = await measureHandlerLatency(local, {
        handlerPath: path.join(functionBundlePath("market-processor"), "index.js"),
      });
      if (options.quick) {
        say("Skipping the hot bar (--quick).");
        return { domain, dynamodb, bundleSizes, bundleLoads, handler };
      }
      say("Growing one bar to 50,000 UUID trades, 500 per batch (about two minutes)...");
      const hotBar = await measureHotBar(local, 500, (message) => say(`  ${message}`));
      return { domain, dynamodb, bundleSizes, bundleLoads, handler, hotBar };
    } finally {
      await local.stop();
    }
  } finally {
    await dynamodbLocal.stop();
  }
}
