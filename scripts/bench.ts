import fs from "node:fs";
import path from "node:path";
import { REPOSITORY_ROOT, functionBundlePath } from "../modules/compute/runtime";
import { buildFunctions } from "./build-functions";
import {
  benchRows,
  renderBenchDocument,
  renderBenchTable,
  type BenchFigures,
} from "./lib/bench/bench-report";
import { measureBundleLoads } from "./lib/bench/bundle-load";
import { measureDomainThroughput } from "./lib/bench/domain-throughput";
import { measureDynamoRequests } from "./lib/bench/dynamodb-requests";
import { measureHandlerLatency } from "./lib/bench/handler-latency";
import { measureHotBar } from "./lib/bench/hot-bar";
import { provideLocalDynamoDb } from "./lib/dynamodb-local";
import { startLocalAws } from "./lib/local-aws";
import { formatInteger } from "./lib/text-table";

// The SDK warns that releases from 2027 need Node.js 22; the functions run on nodejs24.x.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const say = (message: string): void => {
  process.stdout.write(`${message}\n`);
};

async function main(): Promise<void> {
  const startedAt = new Date();
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
  let figures: BenchFigures;
  try {
    const local = await startLocalAws({ services: ["dynamodb"] });
    try {
      say("Counting DynamoDB requests per batch of 1,000 ticks...");
      const dynamodb = await measureDynamoRequests(local);
      say("Timing the processor handler on 500-tick batches...");
      const handler = await measureHandlerLatency(local, {
        handlerPath: path.join(functionBundlePath("market-processor"), "index.js"),
      });
      say("Growing one bar to 50,000 UUID trades, 500 per batch (about two minutes)...");
      const hotBar = await measureHotBar(local, 500, (message) => say(`  ${message}`));
      figures = { domain, dynamodb, bundleSizes, bundleLoads, handler, hotBar };
    } finally {
      await local.stop();
    }
  } finally {
    await dynamodbLocal.stop();
  }

  const rows = benchRows(figures);
  const document = renderBenchDocument(rows, figures, startedAt);
  const output = path.join(REPOSITORY_ROOT, "dist", "bench.md");
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, document);
  say("");
  say(renderBenchTable(rows));
  say("");
  const failed = rows.filter((row) => !row.pass).length;
  say(
    `${formatInteger(rows.length - failed)} of ${formatInteger(rows.length)} figures meet their goal. Written to ${path.relative(process.cwd(), output)}.`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
