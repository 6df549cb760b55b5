import { barToJson } from "../../../functions/analytics-api/api";
import type { Bar } from "../../../functions/domain/bar";
import { applyTrades, barKey } from "../../../functions/domain/idempotency";
import type { Tick } from "../../../functions/domain/tick";
import { barJsonSchema, type ExactApiBar } from "../../smoke/analytics-client";
import { quantile } from "../freshness-probe";
import { reconcile, type RunFigures } from "../run-report";
import { sessionOf, type SessionRow } from "../session-table";
import type { ArchiveBar } from "../../operations/archive-bars";
import { chartedSeries, SymbolReconcileTally, type RunReportData } from "./run-report-data";

/**
 * A recorded local run for the report's tests: dev, one shard, three minutes of trades of five
 * symbols. Bars are folded from the trades by the processor's own `applyTrades` and written by the
 * API's own `barToJson`, so every figure is what a run reads back.
 */

export const RUN_FROM = Date.UTC(2026, 11, 6, 2, 26);
export const RUN_TO = RUN_FROM + 3 * 60_000;

/** Trades per symbol: minute of the run, price, size. */
const TRADES: Readonly<Record<string, readonly (readonly [number, number, number])[]>> = {
  AAPL: [
    [0, 189.23, 100],
    [0, 189.41, 35],
    [0, 189.18, 200],
    [0, 189.36, 12.5],
    [1, 189.35, 50],
    [1, 189.02, 300],
    [1, 188.91, 75],
    [1, 188.97, 20],
    [2, 188.95, 10],
    [2, 189.27, 400],
    [2, 189.33, 0.25],
    [2, 189.31, 60],
  ],
  MSFT: [
    [0, 417.5, 20],
    [0, 417.62, 15],
    [0, 417.55, 40],
    [1, 417.55, 5],
    [1, 417.3, 80],
    [1, 417.44, 10],
    [2, 417.46, 25],
    [2, 417.81, 30],
    [2, 417.79, 0.5],
  ],
  NVDA: [
    [1, 131.07, 500],
    [1, 131.2, 250],
    [1, 130.95, 125],
    [2, 131.01, 40],
    [2, 131.01, 60],
  ],
  GOOGL: [
    [2, 171.42, 30],
    [2, 171.38, 45],
  ],
  KO: [[1, 62.305, 110]],
};

/** The market's order of the symbols (its sessions table lists them so). */
const MARKET_ORDER = ["AAPL", "MSFT", "NVDA", "GOOGL", "KO"];

function ticksOf(symbol: string): Tick[] {
  return (TRADES[symbol] ?? []).map(([minute, price, size], index) => ({
    symbol,
    price,
    size,
    ts: RUN_FROM + minute * 60_000 + 1_000 + index * 997,
    tradeId: `${symbol}-${index + 1}`,
  }));
}

/** The bars of a symbol's trades, by minute. */
function barsOf(symbol: string): Bar[] {
  const byMinute = new Map<number, Tick[]>();
  for (const tick of ticksOf(symbol)) {
    const start = tick.ts - (tick.ts % 60_000);
    byMinute.set(start, [...(byMinute.get(start) ?? []), tick]);
  }
  return [...byMinute.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, ticks]) => {
      const bar = applyTrades(undefined, ticks, () => false).bar;
      if (bar === undefined) {
        throw new Error(`no bar of ${symbol}`);
      }
      return bar;
    });
}

/** A bar exactly as GET /bars returns it. */
const apiBar = (bar: Bar): ExactApiBar => barJsonSchema.parse(barToJson(bar));

/** Send -> visible latencies of the run's freshness samples, in ms, in the order taken. */
export const FRESHNESS_MS: readonly number[] = [
  812.4, 655.1, 731.9, 702.3, 1204.7, 688.2, 745.0, 768.3, 690.6, 723.8, 801.2, 640.9, 932.5, 710.4,
  759.9, 777.1, 695.3, 1557.2, 684.7, 726.1, 740.6, 818.8, 699.9, 771.4, 662.0, 735.2, 1011.6,
  705.5, 752.3, 689.1, 797.7, 716.9, 744.4, 681.3,
];

export interface FixtureOptions {
  /** Deletes MSFT's second bar from the table, as the pipeline test does: reconcile reports it. */
  readonly missingBar?: boolean;
}

/** The recorded run: what `recordRunReport` gathers at the end of a run. */
export function recordedRun(options: FixtureOptions = {}): RunReportData {
  const bars = new Map(MARKET_ORDER.map((symbol) => [symbol, barsOf(symbol)]));
  const missing = options.missingBar ? bars.get("MSFT")?.[1] : undefined;
  const table = new Map<string, Bar | Error>();
  const archive = new Map<string, ArchiveBar>();
  for (const [symbol, symbolBars] of bars) {
    const ticks = ticksOf(symbol);
    for (const bar of symbolBars) {
      const key = barKey(symbol, bar.start);
      archive.set(key, {
        key,
        symbol,
        start: bar.start,
        bar,
        trades: ticks.filter((tick) => tick.ts - (tick.ts % 60_000) === bar.start),
      });
      if (bar !== missing) {
        table.set(key, bar);
      }
    }
  }
  const tally = new SymbolReconcileTally();
  tally.add({
    archive: {
      bars: archive,
      symbols: [...bars.keys()].sort(),
      records: 0,
      ticks: 0,
      duplicateTicks: 0,
      malformedRecords: 0,
      malformedTicks: 0,
    },
    table,
  });
  // What the API returned: the table's bars.
  const barsBySymbol = new Map(
    [...bars].map(([symbol, symbolBars]) => [
      symbol,
      symbolBars.filter((bar) => bar !== missing).map(apiBar),
    ]),
  );
  const sessions = MARKET_ORDER.map((symbol) =>
    sessionOf(symbol, barsBySymbol.get(symbol) ?? []),
  ).filter((row): row is SessionRow => row !== undefined);
  const ticksInBars = sessions.reduce((sum, row) => sum + row.trades, 0);
  const distinctTrades = MARKET_ORDER.reduce((sum, symbol) => sum + ticksOf(symbol).length, 0);
  const sorted = [...FRESHNESS_MS].sort((a, b) => a - b);
  const differences = missing === undefined ? [] : ["MSFT 2026-12-06T02:27Z: missing bar"];
  const figures: RunFigures = {
    env: "dev",
    shards: 1,
    sendSeconds: 3.0,
    ticksSent: distinctTrades + 2 + 3,
    recordsSent: 27,
    distinctTrades,
    rePuts: {
      records: 2,
      ticks: 2,
      malformedTicks: 0,
      wholeBatches: 0,
      otherKey: 1,
      otherShard: 0,
    },
    malformedTicksGenerated: 3,
    // The bars left in the table, as read back.
    ticksInBars,
    duplicatesSkipped: 2,
    pastRetentionTicks: 0,
    malformedTicks: 3,
    malformedRecords: 3,
    archive: {
      objects: 4,
      lines: 27,
      archivedRecords: 27,
      duplicateLines: 0,
      missing: [],
      problems: [],
    },
    reconcile: {
      from: RUN_FROM,
      to: RUN_TO,
      barsCompared: archive.size,
      differences,
      table: "",
      archiveProblems: [],
    },
    ttl: { items: table.size, expiring: table.size, wrong: [], retentionDays: 7 },
    freshness: {
      samples: sorted.length,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: sorted[sorted.length - 1],
      notVisible: 0,
      queryErrors: 0,
    },
    deadLettered: [],
    lastErrors: new Map(),
    durations: new Map([
      ["market-processor", { p50Ms: 401, p99Ms: 794 }],
      ["market-archiver", { p50Ms: 55.4, p99Ms: 127 }],
      ["analytics-api", { p50Ms: 23.5, p99Ms: 201 }],
    ]),
    processorInvocations: 10,
    archiverInvocations: 13,
    processorRetries: 0,
    functionErrors: 0,
    partialFailures: 0,
  };
  return {
    generatedAt: Date.UTC(2026, 11, 6, 2, 31, 12),
    figures,
    reconciliation: reconcile(figures),
    sessions,
    candles: chartedSeries(sessions, barsBySymbol),
    freshnessMs: FRESHNESS_MS,
    reconcile: tally.rows(),
  };
}
