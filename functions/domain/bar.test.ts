import fc from "fast-check";
import {
  BASE_MINUTE,
  minuteTicksArb,
  referenceBar,
  referenceScaled,
} from "../../tests/support/functions/arbitraries";
import type { Bar, SequencedTick } from "./bar";
import {
  barFromTicks,
  compareTradeIds,
  compareTradeOrder,
  mergeBars,
  rollupBars,
  vwapScaled,
} from "./bar";

const tick = (overrides: Partial<SequencedTick>): SequencedTick => ({
  symbol: "AAPL",
  price: 100,
  size: 1,
  ts: BASE_MINUTE,
  tradeId: "1",
  seq: "1",
  index: 0,
  ...overrides,
});

/** Ticks of one minute with distinct trade ids: the trades of a bar. */
const distinctTicksArb = fc.uniqueArray(minuteTicksArb(), {
  minLength: 1,
  maxLength: 30,
  selector: (t) => t.tradeId,
});

describe("barFromTicks", () => {
  it("computes OHLC by trade time, not arrival order", () => {
    const bar = barFromTicks([
      tick({ price: 101.5, size: 10, ts: BASE_MINUTE + 30_000, tradeId: "3" }),
      tick({ price: 100.25, size: 5, ts: BASE_MINUTE + 1_000, tradeId: "1" }),
      tick({ price: 99.75, size: 2.5, ts: BASE_MINUTE + 59_999, tradeId: "4" }),
      tick({ price: 102, size: 1, ts: BASE_MINUTE + 20_000, tradeId: "2" }),
    ]);
    expect(bar).toEqual({
      symbol: "AAPL",
      interval: "1m",
      start: BASE_MINUTE,
      open: 100.25,
      openOrder: { ts: BASE_MINUTE + 1_000, tradeId: "1" },
      high: 102,
      low: 99.75,
      close: 99.75,
      closeOrder: { ts: BASE_MINUTE + 59_999, tradeId: "4" },
      volume: 185_000_000_000n,
      // 101.5*10 + 100.25*5 + 99.75*2.5 + 102*1 = 1015 + 501.25 + 249.375 + 102 = 1867.625
      notional: 1_867_625n * 10n ** 17n,
      trades: 4,
      firstTradeAt: BASE_MINUTE + 1_000,
      lastTradeAt: BASE_MINUTE + 59_999,
    });
    // VWAP = 1867.625 / 18.5 = 100.9527027027...
    expect(vwapScaled(bar)).toBe(1_009_527_027_027n);
  });

  it.each([
    [
      "trade id, numeric ids numerically",
      [tick({ tradeId: "10", price: 1 }), tick({ tradeId: "9", price: 2 })],
      2,
      1,
    ],
    [
      "trade id, numeric ids before others",
      [tick({ tradeId: "A", price: 1 }), tick({ tradeId: "99", price: 2 })],
      2,
      1,
    ],
    [
      "trade id, whatever record carried it",
      [
        tick({ tradeId: "2", seq: "9", index: 0, price: 1 }),
        tick({
          tradeId: "1",
          seq: "49590000000000000000000000000000000000000000000000000010",
          index: 3,
          price: 2,
        }),
      ],
      2,
      1,
    ],
    [
      "trade id, others by code unit",
      [tick({ tradeId: "b", price: 1 }), tick({ tradeId: "B", price: 2 })],
      2,
      1,
    ],
    [
      "price when time and trade id are equal, whatever the record",
      [tick({ price: 3, seq: "1", index: 0 }), tick({ price: 2, seq: "2", index: 1 })],
      2,
      3,
    ],
  ])("breaks a tie on time by %s", (_, ticks, open, close) => {
    const forward = barFromTicks(ticks);
    const backward = barFromTicks([...ticks].reverse());
    expect([forward.open, forward.close]).toEqual([open, close]);
    expect(backward).toEqual(forward);
  });

  it("folds every tick it is given: telling trades apart is the caller's rule", () => {
    const bar = barFromTicks([tick({ price: 1 }), tick({ price: 2 })]);
    expect([bar.trades, bar.volume, bar.open, bar.close]).toEqual([2, 20_000_000_000n, 1, 2]);
    expect(bar.openOrder).toEqual({ ts: BASE_MINUTE, tradeId: "1" });
  });

  it("rolls ticks straight into a coarser interval", () => {
    const bar = barFromTicks(
      [tick({ ts: BASE_MINUTE + 60_000 }), tick({ ts: BASE_MINUTE + 14 * 60_000 })],
      "15m",
    );
    expect([bar.interval, bar.start, bar.trades]).toEqual(["15m", BASE_MINUTE, 2]);
  });

  it.each([
    [[], "barFromTicks needs at least one tick"],
    [
      [tick({}), tick({ symbol: "MSFT" })],
      `barFromTicks got ticks of different bars: AAPL@${BASE_MINUTE} and MSFT@${BASE_MINUTE}`,
    ],
    [
      [tick({}), tick({ ts: BASE_MINUTE + 60_000 })],
      `barFromTicks got ticks of different bars: AAPL@${BASE_MINUTE} and AAPL@${BASE_MINUTE + 60_000}`,
    ],
    [[tick({ size: 1e-11 })], "size 1e-11 has more than 10 decimal places"],
  ])("rejects %p", (ticks, message) => {
    expect(() => barFromTicks(ticks)).toThrow(message);
  });

  it("equals the reference computation for any distinct trades of a minute", () => {
    fc.assert(
      fc.property(distinctTicksArb, (ticks) => {
        expect(barFromTicks(ticks)).toEqual(referenceBar(ticks));
      }),
      { numRuns: 500 },
    );
  });

  it("stays exact when the sums outgrow safe integers and fast and bigint terms mix", () => {
    // 1,000 x 99,999.99 x 199,999.9999 is far beyond 2^53 at any scale.
    const big = Array.from({ length: 1_000 }, (_, i) =>
      tick({ price: 99_999.99, size: 199_999.9999, tradeId: String(i) }),
    );
    const mixed = [
      ...big,
      tick({ price: 250_000.5, size: 3, tradeId: "x" }),
      tick({ price: 0.0000000001, size: 7, tradeId: "y" }),
      tick({ price: 12.34567, size: 0.123456789, tradeId: "z" }),
    ];
    const bar = barFromTicks(mixed);
    expect(bar).toEqual(referenceBar(mixed));
    expect(bar.volume).toBe(2_000_000_100_234_567_890n);
  });

  it("equals the reference for long runs of large amounts", () => {
    const large = fc.record({
      symbol: fc.constant("AAPL"),
      price: fc.integer({ min: 1, max: 19_999_999 }).map((n) => n / 100),
      size: fc.integer({ min: 1, max: 1_999_999_999 }).map((n) => n / 10_000),
      ts: fc.integer({ min: BASE_MINUTE, max: BASE_MINUTE + 59_999 }),
      tradeId: fc.integer({ min: 0, max: 10 ** 6 }).map(String),
      seq: fc.constant("1"),
      index: fc.integer({ min: 0, max: 1_000 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(large, { minLength: 1, maxLength: 400, selector: (t) => t.tradeId }),
        (ticks) => {
          expect(barFromTicks(ticks)).toEqual(referenceBar(ticks));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("does not depend on the order of the ticks", () => {
    fc.assert(
      fc.property(
        fc
          .array(minuteTicksArb(), { minLength: 1, maxLength: 30 })
          .chain((ticks) =>
            fc.tuple(fc.constant(ticks), fc.shuffledSubarray(ticks, { minLength: ticks.length })),
          ),
        ([ticks, shuffled]) => {
          expect(barFromTicks(shuffled)).toEqual(barFromTicks(ticks));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("mergeBars", () => {
  const barArb = fc
    .array(minuteTicksArb(), { minLength: 1, maxLength: 12 })
    .map((ticks) => barFromTicks(ticks));

  it("is associative", () => {
    fc.assert(
      fc.property(barArb, barArb, barArb, (a, b, c) => {
        expect(mergeBars(a, mergeBars(b, c))).toEqual(mergeBars(mergeBars(a, b), c));
      }),
      { numRuns: 500 },
    );
  });

  it("is commutative", () => {
    fc.assert(
      fc.property(barArb, barArb, (a, b) => {
        expect(mergeBars(a, b)).toEqual(mergeBars(b, a));
      }),
      { numRuns: 500 },
    );
  });

  it("merging the bars of two halves equals the bar of the whole", () => {
    fc.assert(
      fc.property(
        fc.array(minuteTicksArb(), { minLength: 1, maxLength: 20 }),
        fc.array(minuteTicksArb(), { minLength: 1, maxLength: 20 }),
        (left, right) => {
          expect(mergeBars(barFromTicks(left), barFromTicks(right))).toEqual(
            barFromTicks([...left, ...right]),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses bars of different symbols, intervals or starts", () => {
    const a = barFromTicks([tick({})]);
    expect(() => mergeBars(a, barFromTicks([tick({ symbol: "MSFT" })]))).toThrow(
      `mergeBars needs bars of the same symbol, interval and start: AAPL 1m@${BASE_MINUTE} vs MSFT 1m@${BASE_MINUTE}`,
    );
    expect(() => mergeBars(a, { ...a, interval: "5m" })).toThrow(
      `AAPL 1m@${BASE_MINUTE} vs AAPL 5m@${BASE_MINUTE}`,
    );
    expect(() => mergeBars(a, { ...a, start: a.start + 60_000 })).toThrow(
      `AAPL 1m@${BASE_MINUTE} vs AAPL 1m@${BASE_MINUTE + 60_000}`,
    );
  });
});

describe("rollupBars", () => {
  const HOUR = Date.UTC(2024, 4, 1, 13);
  const spreadTicksArb = fc.array(
    fc.record({
      minute: fc.integer({ min: 0, max: 119 }),
      tick: minuteTicksArb(),
    }),
    { minLength: 1, maxLength: 60 },
  );

  it.each(["5m", "15m", "1h"] as const)(
    "merging 1m bars into %s equals aggregating the ticks per %s",
    (interval) => {
      fc.assert(
        fc.property(spreadTicksArb, (spread) => {
          const ticks = spread.map(({ minute, tick: t }) => ({
            ...t,
            ts: HOUR + minute * 60_000 + (t.ts - BASE_MINUTE),
          }));
          const byMinute = new Map<number, SequencedTick[]>();
          for (const t of ticks) {
            const m = Math.floor(t.ts / 60_000) * 60_000;
            byMinute.set(m, [...(byMinute.get(m) ?? []), t]);
          }
          const minuteBars = [...byMinute.values()].map((group) => barFromTicks(group));
          const byBucket = new Map<number, SequencedTick[]>();
          const size = { "5m": 5, "15m": 15, "1h": 60 }[interval] * 60_000;
          for (const t of ticks) {
            const b = Math.floor(t.ts / size) * size;
            byBucket.set(b, [...(byBucket.get(b) ?? []), t]);
          }
          const expected = [...byBucket.entries()]
            .sort(([a], [b]) => a - b)
            .map(([, group]) => barFromTicks(group, interval));
          expect(rollupBars(minuteBars, interval)).toEqual(expected);
        }),
        { numRuns: 100 },
      );
    },
  );

  it("refuses to roll a coarser interval into a finer one", () => {
    const hourly: Bar = { ...barFromTicks([tick({})]), interval: "1h" };
    expect(() => rollupBars([hourly], "5m")).toThrow("cannot roll 1h bars up into 5m bars");
  });
});

describe("trade order", () => {
  it.each([
    ["9", "10", -1],
    ["10", "9", 1],
    ["7", "A", -1],
    ["A", "B", -1],
    ["b", "B", 1],
    ["X", "X", 0],
  ])("compareTradeIds(%p, %p) has sign %p", (a, b, sign) => {
    expect(Math.sign(compareTradeIds(a, b))).toBe(sign);
  });

  it("is a total order: antisymmetric and transitive on mixed ids", () => {
    const ids = ["9", "10", "5x", "A", "a", "0", "100", "T-9"];
    for (const a of ids) {
      for (const b of ids) {
        expect(Math.sign(compareTradeIds(a, b)) + Math.sign(compareTradeIds(b, a))).toBe(0);
        for (const c of ids) {
          if (compareTradeIds(a, b) < 0 && compareTradeIds(b, c) < 0) {
            expect(compareTradeIds(a, c)).toBeLessThan(0);
          }
        }
      }
    }
  });

  it("orders by time before anything else", () => {
    expect(compareTradeOrder({ ts: 1, tradeId: "Z" }, { ts: 2, tradeId: "A" })).toBeLessThan(0);
    expect(compareTradeOrder({ ts: 2, tradeId: "10" }, { ts: 2, tradeId: "9" })).toBeGreaterThan(0);
    expect(compareTradeOrder({ ts: 2, tradeId: "A" }, { ts: 2, tradeId: "A" })).toBe(0);
  });

  it("uses exact decimals in the reference too", () => {
    expect(referenceScaled(1e21, 10)).toBe(10n ** 31n);
    expect(referenceScaled(1.5e-7, 10)).toBe(1_500n);
  });
});
