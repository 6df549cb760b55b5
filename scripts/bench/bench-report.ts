import os from "node:os";
import {
  formatDecimal,
  formatInteger,
  formatMs,
  renderMarkdownTable,
  renderTable,
} from "../cli/text-table";
import type { BundleLoadFigures } from "./bundle-load";
import type { DomainThroughput } from "./domain-throughput";
import type { BatchRequests, DynamoRequestFigures } from "./dynamodb-requests";
import type { HandlerLatency } from "./handler-latency";
import type { HotBarBatch, HotBarFigures } from "./hot-bar";

/** One line of the benchmark table. */
export interface BenchRow {
  readonly figure: string;
  readonly measured: string;
  readonly goal: string;
  readonly pass: boolean;
}

export interface BundleSize {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

export interface BenchFigures {
  readonly domain: DomainThroughput;
  readonly dynamodb: DynamoRequestFigures;
  readonly bundleSizes: readonly BundleSize[];
  readonly bundleLoads: BundleLoadFigures;
  readonly handler: HandlerLatency;
  /** @default - not measured (`npm run bench -- --quick`) */
  readonly hotBar?: HotBarFigures;
}

/** Goals, from the platform's requirements. */
export const GOALS = {
  domainRatio: 0.5,
  writesPerBar: 1,
  bundleKb: 300,
  loadRatio: 2,
  /** Write units per new trade of a hot bar: a page under 1 KB in a transaction is 2. */
  hotBarWriteUnitsPerTrade: 2.5,
  /** A batch slower than this alone lifts the iterator age over its 1,000 ms alarm. */
  handlerP99Ms: 1000,
} as const;

function kilobytes(bytes: number): number {
  return bytes / 1024;
}

function operations(requests: ReadonlyMap<string, number>): string {
  return [...requests]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, count]) => `${formatInteger(count)} ${name}`)
    .join(" + ");
}

function requestRow(label: string, batch: BatchRequests): BenchRow {
  const replay =
    batch.replay === undefined
      ? ""
      : `; delivered again: ${formatInteger(batch.replay.totalRequests)} requests, ${formatInteger(batch.replay.readUnits)} RCU, ${formatInteger(batch.replay.writeUnits)} WCU`;
  return {
    figure: `DynamoDB requests per batch of ${formatInteger(batch.ticks)} ticks over 50 symbols, ${label}`,
    measured: `${formatInteger(batch.totalRequests)} (${operations(batch.requests)}) for ${formatInteger(batch.bars)} bars, ${formatInteger(batch.readUnits)} RCU + ${formatInteger(batch.writeUnits)} WCU; ${formatInteger(batch.writes)} writes vs ${formatInteger(batch.ticks)} with one write per tick${replay}`,
    goal: `at most ${GOALS.writesPerBar} write per bar`,
    pass: batch.writes <= batch.bars * GOALS.writesPerBar,
  };
}

function hotBarBatchText(batch: HotBarBatch): string {
  return `${formatInteger(batch.totalRequests)} requests (${operations(batch.requests)}), ${formatInteger(batch.readUnits)} RCU + ${formatInteger(batch.writeUnits)} WCU`;
}

/** The hot bar at each milestone: the batch that reached it and the items it left. */
function hotBarRows(hot: HotBarFigures): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const items of hot.items) {
    const batch = hot.batches.find((candidate) => candidate.tradesAfter === items.trades);
    if (batch === undefined) {
      continue;
    }
    const perTrade = batch.writeUnits / batch.ticks;
    rows.push({
      figure: `Hot bar, ${formatInteger(hot.ticksPerBatch)} new UUID trades onto ${formatInteger(items.trades - batch.ticks)}`,
      measured: `${hotBarBatchText(batch)} (${formatDecimal(perTrade, 2)} WCU per trade); bar item ${formatInteger(items.barItemBytes)} B, ${formatInteger(items.pages)} pages, largest ${formatInteger(items.largestPageBytes)} B, ${formatDecimal(items.totalBytes / 1024, 0)} KB in all`,
      goal: `<= ${GOALS.hotBarWriteUnitsPerTrade} WCU per new trade, every item < 400 KB`,
      pass:
        perTrade <= GOALS.hotBarWriteUnitsPerTrade &&
        Math.max(items.barItemBytes, items.largestPageBytes) < 400 * 1024,
    });
  }
  rows.push({
    figure: `Hot bar at ${formatInteger(hot.items.at(-1)?.trades ?? 0)} trades, its last batch delivered again`,
    measured: hotBarBatchText(hot.replay),
    goal: "no write",
    pass: hot.replay.writeUnits === 0,
  });
  return rows;
}

export function benchRows(figures: BenchFigures): BenchRow[] {
  const { domain, dynamodb, bundleSizes, bundleLoads, handler } = figures;
  const rows: BenchRow[] = [
    {
      figure: "Processor domain throughput (decode + validate + aggregate)",
      measured: `${formatInteger(domain.domainTicksPerSecond)} ticks/s = ${formatDecimal(domain.ratio, 2)} x JSON.parse (${formatInteger(domain.jsonParseTicksPerSecond)} ticks/s)`,
      goal: `>= ${GOALS.domainRatio} x JSON.parse`,
      pass: domain.ratio >= GOALS.domainRatio,
    },
    requestRow("new bars", dynamodb.firstBatch),
    requestRow("existing bars", dynamodb.secondBatch),
    ...(figures.hotBar === undefined ? [] : hotBarRows(figures.hotBar)),
  ];
  for (const bundle of bundleSizes) {
    rows.push({
      figure: `Bundle size, ${bundle.name}`,
      measured: `${formatDecimal(kilobytes(bundle.bytes), 1)} KB (${formatDecimal(kilobytes(bundle.gzipBytes), 1)} KB gzip)`,
      goal: `<= ${GOALS.bundleKb} KB`,
      pass: kilobytes(bundle.bytes) <= GOALS.bundleKb,
    });
  }
  for (const load of bundleLoads.bundles) {
    rows.push({
      figure: `Module load, ${load.name} (fresh node process, median of ${bundleLoads.runs})`,
      measured: `${formatDecimal(load.ratio, 2)} x empty handler (${formatMs(load.processMs)} vs ${formatMs(bundleLoads.empty.processMs)}; require alone ${formatMs(load.requireMs)})`,
      goal: `<= ${GOALS.loadRatio} x empty handler`,
      pass: load.ratio <= GOALS.loadRatio,
    });
  }
  rows.push({
    figure: `Processor handler, ${handler.ticksPerBatch}-tick batch over ${handler.symbols} symbols against ${handler.dynamodb} (${handler.batches} batches)`,
    measured: `p50 ${formatMs(handler.p50Ms)}, p99 ${formatMs(handler.p99Ms)}`,
    goal: `p99 < ${formatInteger(GOALS.handlerP99Ms)} ms (iterator-age alarm)`,
    pass: handler.p99Ms < GOALS.handlerP99Ms,
  });
  return rows;
}

export type BenchTableFormat = "text" | "markdown";

/**
 * The figures as a table: markdown (for dist/bench.md and the README), or aligned columns for a
 * terminal with the result first and the long measurement last.
 */
export function renderBenchTable(
  rows: readonly BenchRow[],
  format: BenchTableFormat = "markdown",
): string {
  const result = (row: BenchRow): string => (row.pass ? "pass" : "FAIL");
  if (format === "text") {
    return renderTable(
      [{ header: "result" }, { header: "figure" }, { header: "goal" }, { header: "measured" }],
      rows.map((row) => [result(row), row.figure, row.goal, row.measured]),
    );
  }
  return renderMarkdownTable(
    [{ header: "figure" }, { header: "measured" }, { header: "goal" }, { header: "result" }],
    rows.map((row) => [row.figure, row.measured, row.goal, result(row)]),
  );
}

function hotBarLines(hot: HotBarFigures): string[] {
  return [
    `- Hot bar: one symbol and minute grown to ${formatInteger(hot.items.at(-1)?.trades ?? 0)} trades with random UUID ids, ${formatInteger(hot.ticksPerBatch)} per batch; item sizes by DynamoDB's rules. Per batch as it grows:`,
    "",
    renderMarkdownTable(
      [{ header: "trades after" }, { header: "requests" }, { header: "RCU" }, { header: "WCU" }],
      hot.batches
        .filter((_, i, all) => i % 10 === 0 || i === all.length - 1)
        .map((batch) => [
          formatInteger(batch.tradesAfter),
          `${formatInteger(batch.totalRequests)} (${operations(batch.requests)})`,
          formatInteger(batch.readUnits),
          formatInteger(batch.writeUnits),
        ]),
    ),
    "",
  ];
}

/** The markdown document written to dist/bench.md, for the README to quote. */
export function renderBenchDocument(
  rows: readonly BenchRow[],
  figures: BenchFigures,
  at: Date,
): string {
  const cpus = os.cpus();
  const [one, five] = os.loadavg();
  const { domain } = figures;
  return [
    "# Benchmarks",
    "",
    `\`npm run bench\` on ${at.toISOString().slice(0, 10)}: Node.js ${process.version}, ${cpus.length} x ${cpus[0]?.model.trim() ?? "unknown CPU"}, load average ${formatDecimal(one ?? 0, 1)} / ${formatDecimal(five ?? 0, 1)} at the start.`,
    "",
    renderBenchTable(rows),
    "",
    `- Domain throughput: ${formatInteger(domain.ticks)} ticks in ${formatInteger(domain.records)} records (1% malformed, half the timestamps ISO-8601), batches of ${domain.batchRecords} records; median of alternating rounds. Decode + validate alone: ${formatInteger(domain.decodeTicksPerSecond)} ticks/s (${formatDecimal(domain.decodeTicksPerSecond / domain.jsonParseTicksPerSecond, 2)} x JSON.parse); grouping into bars and merging take the rest.`,
    `- DynamoDB requests are counted on the wire by a proxy in front of ${figures.handler.dynamodb}, SDK retries included; capacity units (RCU, WCU) are metered there by DynamoDB's documented billing rules (\`scripts/bench/capacity.ts\`), since a local emulator does not bill transactions or missing keys as AWS does.`,
    ...(figures.hotBar === undefined
      ? ["- Hot bar: not measured (`npm run bench -- --quick`)."]
      : hotBarLines(figures.hotBar)),
    "- Module load: wall time of `node -e \"require('<bundle>')\"` in a fresh process, against a module that only exports an empty handler; the bundles take turns.",
    "- Handler: the bundled processor in a local Lambda sandbox (dev's 512 MB), duration from handler start to response, after warm-up batches.",
    "",
  ].join("\n");
}
