import { TRAFFIC, barMinuteCapacity } from "./cost-model-traffic";

describe("DynamoDB capacity of a bar over its minute", () => {
  it("dev: 15 trades a bar-minute, one per write, every item under 1 KB", () => {
    expect(barMinuteCapacity(TRAFFIC.dev, 60)).toEqual({
      tradesPerBarMinute: 15,
      writes: 15,
      writeUnits: 15,
      readUnits: 15,
      spills: false,
    });
  });

  it("production: 72 UUID trades a bar-minute; the item passes 1 KB at the 43rd write", () => {
    // 350 + 16 x 42 = 1,022 bytes is the last 1-unit write; writes 43-72 cost 2 units each.
    expect(barMinuteCapacity(TRAFFIC.production, 480)).toEqual({
      tradesPerBarMinute: 72,
      writes: 72,
      writeUnits: 42 + 30 * 2,
      readUnits: 72,
      spills: false,
    });
  });

  it("numeric trade ids keep every write at one unit", () => {
    expect(barMinuteCapacity({ ...TRAFFIC.production, tradeIdBytes: 2 }, 480).writeUnits).toBe(72);
  });

  it("a hot symbol spills past 3,000 bytes of ids into transactional page writes", () => {
    const hot = { ...TRAFFIC.dev, ticksPerSecond: 10, activeSymbols: 1 };
    // 600 trades in 60 writes of 10: inline for 18 writes (1, 2, 3 and 4 units as the item grows
    // by 160 bytes a write), then 42 transactions of the bar item and 10 pages at 2 units each.
    expect(barMinuteCapacity(hot, 60)).toEqual({
      tradesPerBarMinute: 600,
      writes: 60,
      writeUnits: 4 * 1 + 6 * 2 + 7 * 3 + 1 * 4 + 42 * 2 * 11,
      readUnits: 18 + 42 * 11,
      spills: true,
    });
  });

  it("a quiet symbol is written at most once per trade, at least once a minute", () => {
    const quiet = { ...TRAFFIC.dev, ticksPerSecond: 0.01, activeSymbols: 1 };
    expect(barMinuteCapacity(quiet, 60).writes).toBe(1);
  });
});
