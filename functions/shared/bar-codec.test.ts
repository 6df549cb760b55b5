import fc from "fast-check";
import { barFromTicks } from "../domain/bar";
import type { BarState } from "../domain/idempotency";
import { minuteTicksArb } from "../testing/arbitraries";
import type { Item } from "./bar-codec";
import {
  BAR_READ_ATTRIBUTES,
  barExpiresAt,
  barItemKey,
  barProjection,
  decodeBar,
  decodeStoredBar,
  encodeBarItem,
} from "./bar-codec";

const WRITE_ID = "0b0f5e8a-3c1d-4f6e-9a2b-7c8d9e0f1a2b";

const stateArb: fc.Arbitrary<BarState> = fc
  .tuple(
    fc.array(minuteTicksArb(), { minLength: 1, maxLength: 10 }),
    fc.dictionary(
      fc.constantFrom(
        "shardId-000000000000/AAPL",
        "shardId-000000000001/MIX",
        "shardId-000000000002/X",
      ),
      fc.bigInt({ min: 1n, max: 10n ** 56n }).map(String),
    ),
  )
  .map(([ticks, watermarks]) => ({ bar: barFromTicks(ticks), watermarks }));

describe("bar codec", () => {
  it("round-trips every bar state exactly", () => {
    fc.assert(
      fc.property(stateArb, fc.integer({ min: 1, max: 1_000_000 }), (state, version) => {
        const item = encodeBarItem(state, version, WRITE_ID, 7);
        expect(decodeStoredBar(item)).toEqual({ state, version, writeId: WRITE_ID });
      }),
      { numRuns: 300 },
    );
  });

  it("keys bars by symbol and minute", () => {
    expect(barItemKey("BRK.B", Date.UTC(2024, 4, 1, 13, 45))).toEqual({
      pk: { S: "BAR#BRK.B" },
      sk: { S: "2024-05-01T13:45:00.000Z" },
    });
  });

  it("expires a bar the retention period after its minute, in epoch seconds", () => {
    expect(barExpiresAt(Date.UTC(2024, 4, 1, 13, 45), 7)).toBe(1_714_571_100 + 7 * 86_400);
    expect(barExpiresAt(Date.UTC(2024, 4, 1, 13, 45), 400)).toBe(1_714_571_100 + 400 * 86_400);
  });

  it("projects every attribute but the watermarks, aliased", () => {
    const projection = barProjection();
    expect(projection.ProjectionExpression).toBe(
      BAR_READ_ATTRIBUTES.map((_, i) => `#p${i}`).join(", "),
    );
    expect(Object.values(projection.ExpressionAttributeNames)).toEqual([...BAR_READ_ATTRIBUTES]);
    expect(BAR_READ_ATTRIBUTES).not.toContain("watermarks");
  });

  it("refuses to store anything but a 1-minute bar", () => {
    const state: BarState = {
      bar: {
        ...barFromTicks([
          {
            symbol: "A",
            price: 1,
            size: 1,
            ts: Date.UTC(2024, 0, 1),
            tradeId: "1",
            seq: "1",
            index: 0,
          },
        ]),
        interval: "5m",
      },
      watermarks: {},
    };
    expect(() => encodeBarItem(state, 1, WRITE_ID, 7)).toThrow("only 1m bars are stored, got 5m");
  });

  const good = encodeBarItem(
    {
      bar: barFromTicks([
        {
          symbol: "AAPL",
          price: 1.5,
          size: 2,
          ts: Date.UTC(2024, 4, 1, 13, 45, 1),
          tradeId: "1",
          seq: "42",
          index: 0,
        },
      ]),
      watermarks: { "shardId-000000000000/AAPL": "42" },
    },
    3,
    WRITE_ID,
    7,
  );
  const without = (name: string): Item =>
    Object.fromEntries(Object.entries(good).filter(([key]) => key !== name));

  it.each<[string, Item, string]>([
    [
      "a missing open",
      without("open"),
      "Bar item BAR#AAPL 2024-05-01T13:45:00.000Z: attribute open is missing or not a number",
    ],
    [
      "a text price",
      { ...good, high: { S: "1.5" } },
      "Bar item BAR#AAPL 2024-05-01T13:45:00.000Z: attribute high is missing or not a number",
    ],
    [
      "a missing symbol",
      without("symbol"),
      "Bar item BAR#AAPL 2024-05-01T13:45:00.000Z: attribute symbol is missing or not a string",
    ],
    [
      "a volume that is not a decimal",
      { ...good, volume: { S: "1e3" } },
      "Bar item BAR#AAPL 2024-05-01T13:45:00.000Z: attribute volume is not a decimal with 10 places",
    ],
    [
      "a sort key off the minute",
      { ...good, sk: { S: "2024-05-01T13:45:30.000Z" } },
      "Bar item BAR#AAPL 2024-05-01T13:45:30.000Z: sort key is not a minute start in ISO-8601",
    ],
    [
      "a sort key in another format",
      { ...good, sk: { S: "2024-05-01T13:45:00Z" } },
      "Bar item BAR#AAPL 2024-05-01T13:45:00Z: sort key is not a minute start in ISO-8601",
    ],
    [
      "an open sequence that is not a number",
      { ...good, openSeq: { S: "x1" } },
      "Bar item BAR#AAPL 2024-05-01T13:45:00.000Z: attribute openSeq is not a sequence number",
    ],
    [
      "missing watermarks",
      without("watermarks"),
      "Bar item BAR#AAPL 2024-05-01T13:45:00.000Z: attribute watermarks is missing or not a map",
    ],
    [
      "a bad watermark",
      { ...good, watermarks: { M: { "shardId-000000000000/AAPL": { N: "42" } } } },
      "Bar item BAR#AAPL 2024-05-01T13:45:00.000Z: watermark shardId-000000000000/AAPL is not a sequence number",
    ],
    [
      "a version of zero",
      { ...good, version: { N: "0" } },
      "Bar item BAR#AAPL 2024-05-01T13:45:00.000Z: attribute version is not a positive integer",
    ],
    [
      "a missing write id",
      without("writeId"),
      "Bar item BAR#AAPL 2024-05-01T13:45:00.000Z: attribute writeId is missing or not a string",
    ],
  ])("rejects an item with %s", (_, item, message) => {
    expect(() => decodeStoredBar(item)).toThrow(message);
  });

  it("reads a projected item without watermarks as a bar", () => {
    const projected = Object.fromEntries(
      Object.entries(good).filter(([key]) =>
        (BAR_READ_ATTRIBUTES as readonly string[]).includes(key),
      ),
    );
    expect(decodeBar(projected)).toEqual(decodeStoredBar(good).state.bar);
  });
});
