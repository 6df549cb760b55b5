import { decodeRecordData, RECORD_REASONS, TICK_REASONS } from "../../functions/domain";
import { Random } from "./random";
import { buildSymbols } from "./symbol-universe";
import {
  FAULT_KINDS,
  RePutPlanner,
  SyntheticMarket,
  type MarketConfig,
  type MarketRecord,
  type Tick,
} from "./synthetic-market";

const START_MS = Date.UTC(2024, 4, 1, 13, 30);

function market(overrides: Partial<MarketConfig> = {}): SyntheticMarket {
  return new SyntheticMarket({
    seed: 42,
    symbolCount: 40,
    faultFraction: 0.01,
    startMs: START_MS,
    ticksPerSecond: 2000,
    ...overrides,
  });
}

function take(source: SyntheticMarket, count: number): MarketRecord[] {
  return Array.from({ length: count }, () => source.next());
}

const base64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

function timeOf(tick: Tick): number {
  return typeof tick.ts === "number" ? tick.ts : Date.parse(tick.ts);
}

describe("Random", () => {
  it("repeats its sequence for a seed and differs across seeds", () => {
    const a = new Random(7);
    const b = new Random(7);
    const c = new Random(8);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(first);
  });

  it("draws uniforms in [0, 1) and integers within their bounds", () => {
    const random = new Random(1);
    const values = Array.from({ length: 10_000 }, () => random.next());
    expect(values.filter((value) => !(value >= 0 && value < 1))).toEqual([]);
    const integers = new Set(Array.from({ length: 10_000 }, () => random.int(3, 5)));
    expect([...integers].sort()).toEqual([3, 4, 5]);
  });

  it("draws standard normals with mean 0 and variance 1", () => {
    const random = new Random(3);
    const values = Array.from({ length: 50_000 }, () => random.normal());
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });
});

describe("buildSymbols", () => {
  it("starts with the well-known names and generates distinct valid tickers beyond them", () => {
    const symbols = buildSymbols(300, new Random(5)).map((profile) => profile.symbol);
    expect(symbols.slice(0, 8)).toEqual([
      "AAPL",
      "MSFT",
      "NVDA",
      "AMZN",
      "GOOGL",
      "META",
      "TSLA",
      "BRK.B",
    ]);
    expect(new Set(symbols).size).toBe(300);
    for (const symbol of symbols) {
      expect(symbol).toMatch(/^[A-Z0-9.-]{1,12}$/);
    }
  });
});

describe("SyntheticMarket", () => {
  it("sends the same records for the same seed and different ones for another seed", () => {
    const first = take(market(), 2000);
    expect(take(market(), 2000)).toEqual(first);
    const other = take(market({ seed: 43 }), 2000);
    expect(other.map((record) => record.data)).not.toEqual(first.map((record) => record.data));
  });

  it("keeps prices positive and on the cent, sizes whole and positive, over a long run", () => {
    const source = market({ faultFraction: 0, ticksPerSecond: 50, symbolCount: 60 });
    const ticks = take(source, 20_000).flatMap((record) => record.validTicks);
    const bad = ticks.filter(
      (tick) =>
        !(tick.price > 0) ||
        Math.round(tick.price * 100) / 100 !== tick.price ||
        !Number.isInteger(tick.size) ||
        !(tick.size > 0),
    );
    expect(bad).toEqual([]);
    // Over 400 s of market time at 50 ticks/s the mids have moved, so prices are not constant.
    expect(
      new Set(ticks.filter((tick) => tick.symbol === "AAPL").map((tick) => tick.price)).size,
    ).toBeGreaterThan(10);
  });

  it("draws mostly round lots, some odd lots and a heavy tail of blocks", () => {
    const sizes = take(market({ faultFraction: 0 }), 20_000).flatMap((record) =>
      record.validTicks.map((tick) => tick.size),
    );
    const share = (predicate: (size: number) => boolean): number =>
      sizes.filter(predicate).length / sizes.length;
    expect(share((size) => size % 100 === 0)).toBeGreaterThan(0.75);
    expect(share((size) => size < 100)).toBeGreaterThan(0.12);
    expect(share((size) => size < 100)).toBeLessThan(0.22);
    expect(share((size) => size >= 2000)).toBeGreaterThan(0.01);
    expect(Math.max(...sizes)).toBeGreaterThan(10_000);
  });

  it("numbers trades monotonically and advances time at the configured rate", () => {
    const source = market({ faultFraction: 0 });
    const ticks = take(source, 5000).flatMap((record) => record.validTicks);
    expect(ticks.map((tick) => tick.tradeId)).toEqual(
      ticks.map((_, index) => `T${String(index + 1).padStart(10, "0")}`),
    );
    expect(ticks.map(timeOf)).toEqual(
      ticks.map((_, index) => START_MS + Math.floor((index * 1000) / 2000)),
    );
    expect(source.ticksGenerated).toBe(ticks.length);
  });

  it("mixes ISO-8601 and epoch-millisecond timestamps, and single ticks with arrays", () => {
    const records = take(market({ faultFraction: 0 }), 5000);
    const ticks = records.flatMap((record) => record.validTicks);
    const iso = ticks.filter((tick) => typeof tick.ts === "string").length / ticks.length;
    expect(iso).toBeGreaterThan(0.45);
    expect(iso).toBeLessThan(0.55);
    const arrays = records.filter((record) => record.kind === "tick-array").length / records.length;
    expect(arrays).toBeGreaterThan(0.08);
    expect(arrays).toBeLessThan(0.12);
    expect(
      records.filter(
        (record) =>
          Array.isArray(JSON.parse(record.data)) !== (record.kind === "tick-array") ||
          record.validTicks.some((tick) => tick.symbol !== record.partitionKey),
      ),
    ).toEqual([]);
  });

  it.each([0, 0.05, 0.3, 1])("makes close to %p of the records malformed", (fraction) => {
    const records = take(market({ faultFraction: fraction }), 20_000);
    const faulty = records.filter(
      (record) => record.kind !== "tick" && record.kind !== "tick-array",
    ).length;
    if (fraction === 0 || fraction === 1) {
      expect(faulty).toBe(fraction * records.length);
    } else {
      // Four standard deviations of a binomial count.
      const tolerance = 4 * Math.sqrt(records.length * fraction * (1 - fraction));
      expect(Math.abs(faulty - fraction * records.length)).toBeLessThan(tolerance);
    }
  });

  it("makes every kind of fault, each rejected by the real decoder exactly as declared", () => {
    const records = take(market({ faultFraction: 0.2 }), 20_000);
    const kinds = new Set(records.map((record) => record.kind));
    expect([...kinds].sort()).toEqual([...FAULT_KINDS, "tick", "tick-array"].sort());
    const reasons = new Set<string>();
    const mismatches: string[] = [];
    for (const record of records) {
      const decoded = decodeRecordData(base64(record.data));
      if (record.kind === "bad-json") {
        if (
          decoded.ok ||
          decoded.reason !== RECORD_REASONS.notJson ||
          record.malformedTicks !== 1 ||
          record.validTicks.length !== 0
        ) {
          mismatches.push(record.data);
        }
        continue;
      }
      if (
        !decoded.ok ||
        decoded.rejected.length !== record.malformedTicks ||
        decoded.ticks.map(({ tick }) => `${tick.tradeId}@${tick.ts}`).join() !==
          record.validTicks.map((tick) => `${tick.tradeId}@${timeOf(tick)}`).join()
      ) {
        mismatches.push(record.data);
        continue;
      }
      for (const rejected of decoded.rejected) {
        reasons.add(rejected.reason);
      }
    }
    expect(mismatches).toEqual([]);
    expect(reasons).toEqual(
      new Set([
        TICK_REASONS.priceInvalid,
        TICK_REASONS.sizeInvalid,
        TICK_REASONS.symbolRequired,
        TICK_REASONS.tsFormat,
        TICK_REASONS.tsCalendar,
      ]),
    );
  });

  it("offers as probe only ticks later than every earlier tick of their symbol", () => {
    const latest = new Map<string, number>();
    let probes = 0;
    const wrong: MarketRecord[] = [];
    for (const record of take(market({ faultFraction: 0.05 }), 10_000)) {
      if (record.probe) {
        probes += 1;
        if (
          !(timeOf(record.probe) > (latest.get(record.probe.symbol) ?? -Infinity)) ||
          !record.validTicks.includes(record.probe)
        ) {
          wrong.push(record);
        }
      }
      for (const tick of record.validTicks) {
        latest.set(tick.symbol, Math.max(latest.get(tick.symbol) ?? -Infinity, timeOf(tick)));
      }
    }
    expect(wrong).toEqual([]);
    expect(probes).toBeGreaterThan(5000);
  });

  it.each([
    [{ symbolCount: 0 }, "symbolCount must be a positive whole number, got 0."],
    [{ faultFraction: 1.2 }, "faultFraction must be between 0 and 1, got 1.2."],
    [{ ticksPerSecond: 0 }, "ticksPerSecond must be positive, got 0."],
  ])("rejects the config %j", (overrides, message) => {
    expect(() => market(overrides)).toThrow(message);
  });
});

describe("RePutPlanner", () => {
  const SYMBOLS = ["AAPL", "MSFT", "BRK.B", "V"];

  /** Batches of records as the producer sends them (the planner reads their keys only). */
  function batches(count: number, size: number): { partitionKey: string }[][] {
    return Array.from({ length: count }, (_, batch) =>
      Array.from({ length: size }, (_, index) => ({
        partitionKey: SYMBOLS[(batch + index) % SYMBOLS.length],
      })),
    );
  }

  function planAll(fraction: number, seed = 42, sizes = batches(4000, 25)) {
    const planner = new RePutPlanner({ seed, fraction });
    return sizes.map((batch) => ({ batch, plan: planner.plan(batch) }));
  }

  it("puts nothing twice at 0", () => {
    expect(planAll(0).filter(({ plan }) => plan.rePuts.length > 0 || plan.wholeBatch)).toEqual([]);
  });

  it("puts every record twice at 1, under its own key or another", () => {
    for (const { batch, plan } of planAll(1, 42, batches(40, 20))) {
      expect(plan.rePuts.map((rePut) => rePut.index)).toEqual(batch.map((_, index) => index));
    }
  });

  it("re-puts about the fraction of records: single records, some under another key, and whole batches", () => {
    const planned = planAll(0.01);
    const records = planned.reduce((sum, { batch }) => sum + batch.length, 0);
    const rePuts = planned.flatMap(({ batch, plan }) =>
      plan.rePuts.map((rePut) => ({ ...rePut, original: batch[rePut.index], plan })),
    );
    expect(rePuts.length / records).toBeGreaterThan(0.005);
    expect(rePuts.length / records).toBeLessThan(0.02);
    const wholeBatches = planned.filter(({ plan }) => plan.wholeBatch);
    expect(wholeBatches.length).toBeGreaterThan(0);
    for (const { batch, plan } of wholeBatches) {
      // A request sent again carries every record under its own key.
      expect(plan.rePuts).toEqual(
        batch.map((record, index) => ({
          index,
          partitionKey: record.partitionKey,
          otherKey: false,
        })),
      );
    }
    const single = rePuts.filter(({ plan }) => !plan.wholeBatch);
    const otherKey = single.filter((rePut) => rePut.otherKey);
    expect(otherKey.length).toBeGreaterThan(0);
    expect(otherKey.length).toBeLessThan(single.length);
    for (const rePut of otherKey) {
      const original = rePut.original?.partitionKey ?? "";
      expect(rePut.partitionKey.slice(0, original.length + 1)).toBe(`${original}-`);
      expect(rePut.partitionKey.slice(original.length + 1)).toMatch(/^[0-9a-f]{8}$/);
    }
    for (const rePut of single.filter((entry) => !entry.otherKey)) {
      expect(rePut.partitionKey).toBe(rePut.original?.partitionKey);
    }
  });

  it("chooses the same re-puts for the same seed and batches, and leaves the market's draws alone", () => {
    expect(planAll(0.2, 7)).toEqual(planAll(0.2, 7));
    expect(planAll(0.2, 8)).not.toEqual(planAll(0.2, 7));
    const plain = take(market(), 500);
    const source = market();
    const planner = new RePutPlanner({ seed: 42, fraction: 0.5 });
    const mixed = Array.from({ length: 10 }, () => {
      const batch = take(source, 50);
      planner.plan(batch);
      return batch;
    }).flat();
    expect(mixed).toEqual(plain);
  });

  it.each([
    [-0.01, "The re-put fraction must be a number from 0 to 1, got -0.01."],
    [1.01, "The re-put fraction must be a number from 0 to 1, got 1.01."],
    [Number.NaN, "The re-put fraction must be a number from 0 to 1, got NaN."],
  ])("rejects the fraction %d", (fraction, message) => {
    expect(() => new RePutPlanner({ seed: 1, fraction })).toThrow(message);
  });
});
