import type { Bar } from "../../../functions/domain/bar";
import { applyTrades, barKey } from "../../../functions/domain/idempotency";
import type { Tick } from "../../../functions/domain/tick";
import type { ExactApiBar } from "../../smoke/analytics-client";
import type { LatestBarView } from "../../smoke/analytics-client";
import { FreshnessProbe } from "../freshness-probe";
import type { SessionRow } from "../session-table";
import type { ArchiveBar } from "../../operations/archive-bars";
import { histogramBins } from "./freshness-histogram";
import { chartedSeries, FreshnessSamples, SymbolReconcileTally } from "./run-report-data";

const MINUTE = Date.UTC(2026, 11, 6, 2, 26);

function barOf(symbol: string, start: number, trades: readonly [number, number][]): Bar {
  const ticks: Tick[] = trades.map(([price, size], index) => ({
    symbol,
    price,
    size,
    ts: start + 1_000 + index,
    tradeId: `${symbol}-${start}-${index}`,
  }));
  const bar = applyTrades(undefined, ticks, () => false).bar;
  if (bar === undefined) {
    throw new Error("no bar");
  }
  return bar;
}

describe("FreshnessSamples", () => {
  it("keeps the latency of every sample the probe takes, the probe's quantiles over them", async () => {
    let clock = 0;
    const now = (): number => clock;
    // The API's latest bar per symbol: the trade time it has reached.
    const reached = new Map<string, number>();
    const samples = new FreshnessSamples(now, 1_000);
    const probe = new FreshnessProbe(
      samples.observe((symbols) => {
        // Each answer takes 7 ms.
        clock += 7;
        return Promise.resolve(
          new Map(
            symbols
              .filter((symbol) => reached.has(symbol))
              .map((symbol): [string, LatestBarView] => [
                symbol,
                { start: 0, lastTradeAt: reached.get(symbol) ?? 0, trades: 1 },
              ]),
          ),
        );
      }),
      { now, pollMs: 1, sampleEveryMs: 0, timeoutMs: 1_000, maxOutstanding: 3 },
    );
    const offer = (symbol: string, tsMs: number): void => {
      const sentAt = clock;
      if (probe.offer(symbol, tsMs, sentAt)) {
        samples.watch(symbol, tsMs, sentAt);
      }
    };
    offer("AAPL", 100);
    offer("MSFT", 200);
    offer("AAPL", 300); // AAPL is watched already: not taken.
    offer("NVDA", 400);
    await new Promise((resolve) => setTimeout(resolve, 20));
    reached.set("AAPL", 150);
    await new Promise((resolve) => setTimeout(resolve, 20));
    reached.set("MSFT", 200);
    // NVDA never shows: no sample, as for the probe.
    clock += 2_000;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const summary = await probe.stop();
    const latencies = samples.samplesMs();
    expect(summary.samples).toBe(2);
    expect(latencies).toHaveLength(summary.samples);
    expect(latencies[0]).toBe(summary.p50Ms);
    expect(latencies[1]).toBe(summary.p99Ms);
    expect(summary.notVisible).toBe(1);
  });
});

describe("SymbolReconcileTally", () => {
  it("adds up each side per symbol and keeps the bars that differ", () => {
    const aapl1 = barOf("AAPL", MINUTE, [
      [189.23, 100],
      [189.41, 0.5],
    ]);
    const aapl2 = barOf("AAPL", MINUTE + 60_000, [[189.02, 300]]);
    const msft = barOf("MSFT", MINUTE, [[417.5, 20]]);
    const msftShort = barOf("MSFT", MINUTE, [[417.5, 19]]);
    const archive = new Map<string, ArchiveBar>(
      [aapl1, aapl2, msft].map((bar) => {
        const key = barKey(bar.symbol, bar.start);
        return [key, { key, symbol: bar.symbol, start: bar.start, bar, trades: [] }];
      }),
    );
    const table = new Map<string, Bar | Error>([
      [barKey("AAPL", MINUTE), aapl1],
      [barKey("MSFT", MINUTE), msftShort],
    ]);
    const tally = new SymbolReconcileTally();
    tally.add({
      archive: {
        bars: archive,
        symbols: ["AAPL", "MSFT"],
        records: 0,
        ticks: 0,
        duplicateTicks: 0,
        malformedRecords: 0,
        malformedTicks: 0,
      },
      table,
    });
    expect(tally.rows()).toEqual([
      {
        symbol: "AAPL",
        archive: { bars: 2, trades: 3, volume: "400.5", notional: "75723.705" },
        table: { bars: 1, trades: 2, volume: "100.5", notional: "19017.705" },
        differences: ["2026-12-06T02:27Z: missing bar"],
      },
      {
        symbol: "MSFT",
        archive: { bars: 1, trades: 1, volume: "20", notional: "8350" },
        table: { bars: 1, trades: 1, volume: "19", notional: "7932.5" },
        differences: ["2026-12-06T02:26Z: volume, notional"],
      },
    ]);
  });
});

describe("histogramBins", () => {
  it("puts every sample in one bin of a round width", () => {
    const samples = [655.1, 702.3, 731.9, 768.3, 812.4, 1204.7, 1557.2].sort((a, b) => a - b);
    const bins = histogramBins(samples);
    expect(bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(samples.length);
    expect(new Set(bins.map((bin) => bin.to - bin.from))).toEqual(new Set([200]));
    expect(bins[0].from).toBe(600);
    expect(bins[bins.length - 1].to).toBe(1600);
    for (const bin of bins) {
      expect(samples.filter((value) => value >= bin.from && value < bin.to)).toHaveLength(
        bin.count,
      );
    }
    expect(histogramBins([])).toEqual([]);
    expect(histogramBins([42, 42])).toEqual([{ from: 40, to: 45, count: 2 }]);
  });
});

describe("chartedSeries", () => {
  it("charts the symbols with the most bars, then trades, their bars by minute", () => {
    const session = (symbol: string, bars: number, trades: number): SessionRow => ({
      symbol,
      bars,
      trades,
      volume: "1",
      notional: "1",
      vwap: "1",
      open: "1",
      high: "1",
      low: "1",
      close: "1",
    });
    const bar = (start: number): ExactApiBar => ({
      symbol: "AAPL",
      interval: "1m",
      start: new Date(start).toISOString(),
      open: "1",
      high: "1",
      low: "1",
      close: "1",
      volume: "1",
      notional: "1",
      vwap: "1",
      trades: 1,
      firstTradeAt: new Date(start).toISOString(),
      lastTradeAt: new Date(start).toISOString(),
    });
    const series = chartedSeries(
      [session("KO", 1, 9), session("AAPL", 2, 5), session("MSFT", 1, 12), session("GS", 1, 9)],
      new Map([["AAPL", [bar(MINUTE + 60_000), bar(MINUTE)]]]),
      3,
    );
    expect(series.map((entry) => entry.symbol)).toEqual(["AAPL", "MSFT", "KO"]);
    expect(series[0].bars.map((entry) => entry.start)).toEqual([
      "2026-12-06T02:26:00.000Z",
      "2026-12-06T02:27:00.000Z",
    ]);
    expect(series[1].bars).toEqual([]);
  });
});
