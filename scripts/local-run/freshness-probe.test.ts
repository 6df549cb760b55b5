import type { LatestBarView } from "../smoke/analytics-client";
import { FreshnessProbe } from "./freshness-probe";

describe("FreshnessProbe", () => {
  it("measures from send until the symbol's latest bar reaches the tick, one probe per symbol", async () => {
    let now = 1_000;
    const visible = new Map<string, LatestBarView>();
    const queries: string[][] = [];
    const probe = new FreshnessProbe(
      (symbols) => {
        queries.push([...symbols]);
        now += 25;
        return Promise.resolve(new Map(visible));
      },
      { now: () => now, pollMs: 1, sampleEveryMs: 10, maxOutstanding: 2 },
    );
    expect(probe.offer("AAPL", 60_500, 1_000)).toBe(true);
    // Too soon after the last sample, then a symbol already watched, then one too many.
    expect(probe.offer("MSFT", 60_501, 1_005)).toBe(false);
    expect(probe.offer("AAPL", 60_502, 1_020)).toBe(false);
    expect(probe.offer("MSFT", 60_503, 1_030)).toBe(true);
    expect(probe.offer("NVDA", 60_504, 1_040)).toBe(false);
    expect(probe.pending).toBe(2);

    visible.set("AAPL", { start: 60_000, lastTradeAt: 60_499, trades: 3 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(probe.pending).toBe(2);
    visible.set("AAPL", { start: 60_000, lastTradeAt: 60_500, trades: 4 });
    visible.set("MSFT", { start: 60_000, lastTradeAt: 60_900, trades: 9 });
    const summary = await probe.stop();
    // The first query went out as AAPL was offered; later ones ask for both symbols at once.
    expect(queries[0]).toEqual(["AAPL"]);
    expect(queries).toContainEqual(["AAPL", "MSFT"]);
    expect(summary.samples).toBe(2);
    expect(summary.notVisible).toBe(0);
    expect(summary.queryErrors).toBe(0);
    // Both became visible in the same query: AAPL was sent at 1,000 and MSFT at 1,030.
    expect((summary.maxMs ?? 0) - (summary.p50Ms ?? 0)).toBe(30);
  });

  it("counts probes that never become visible and queries that fail", async () => {
    let calls = 0;
    const probe = new FreshnessProbe(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error("503")) : Promise.resolve(new Map());
      },
      { pollMs: 1, timeoutMs: 5 },
    );
    expect(probe.offer("AAPL", 1, performance.now())).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 40));
    const summary = await probe.stop();
    expect(summary).toEqual({
      samples: 0,
      p50Ms: undefined,
      p99Ms: undefined,
      maxMs: undefined,
      notVisible: 1,
      queryErrors: 1,
    });
  });
});
