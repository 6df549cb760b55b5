import fc from "fast-check";
import { barFromTicks } from "../domain/bar";
import type { Tick } from "../domain/tick";
import type { PageAddress } from "../domain/trade-set";
import {
  MAX_PAGE_DEPTH,
  PageDirectory,
  TradeSetFormatError,
  encodeTradeIds,
} from "../domain/trade-set";
import { minuteTicksArb } from "../../tests/support/functions/arbitraries";
import type { Item } from "./bar-codec";
import {
  BAR_READ_ATTRIBUTES,
  BarItemError,
  barExpiresAt,
  barItemKey,
  barProjection,
  decodeBar,
  decodeStoredBar,
  decodeTradePage,
  encodeBarItem,
  encodeTradePageItem,
  inlineTradeSet,
  tradePageItemKey,
  tradePagePartitionKey,
  BAR_CLOSING_MARGIN_MS,
  barIsClosed,
  firstOpenMinute,
  ttlIsClosing,
} from "./bar-codec";

const WRITE_ID = "0b0f5e8a-3c1d-4f6e-9a2b-7c8d9e0f1a2b";
const SET_ID = "7d3c2b1a-0f9e-4d8c-b7a6-958473625140";
const MINUTE = Date.UTC(2024, 4, 1, 13, 45);
const UUID = "550e8400-e29b-41d4-a716-446655440000";
/** The bytes of the set {"1", UUID}: flag, one number (1), one lower-case UUID, no upper, no raw. */
const TWO_IDS = Uint8Array.from([
  0, 1, 1, 1, 0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44,
  0x00, 0x00, 0, 0,
]);

const first: Tick = {
  symbol: "AAPL",
  price: 1.5,
  size: 2,
  ts: Date.UTC(2024, 4, 1, 13, 45, 1),
  tradeId: "1",
};
const second: Tick = {
  symbol: "AAPL",
  price: 1.25,
  size: 0.5,
  ts: Date.UTC(2024, 4, 1, 13, 45, 30),
  tradeId: UUID,
};
const bar = barFromTicks([first, second]);

/** The attributes of `bar` common to every layout of its trade set. */
const barAttributes: Item = {
  pk: { S: "BAR#AAPL" },
  sk: { S: "2024-05-01T13:45:00.000Z" },
  symbol: { S: "AAPL" },
  open: { N: "1.5" },
  high: { N: "1.5" },
  low: { N: "1.25" },
  close: { N: "1.25" },
  openTs: { N: "1714571101000" },
  openTradeId: { S: "1" },
  closeTs: { N: "1714571130000" },
  closeTradeId: { S: UUID },
  volume: { S: "2.5" },
  notional: { S: "3.625" },
  trades: { N: "2" },
  firstTradeAt: { N: "1714571101000" },
  lastTradeAt: { N: "1714571130000" },
};

/** The error `run` throws (or `undefined`). */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** A bar of distinct trades and their ids. */
const barWithIdsArb = fc
  .uniqueArray(minuteTicksArb(), { minLength: 1, maxLength: 20, selector: (t) => t.tradeId })
  .map((ticks) => ({ bar: barFromTicks(ticks), ids: ticks.map((t) => t.tradeId) }));

/** A directory of a large set, by splitting pages as `splits` picks them. */
const directoryArb = fc.array(fc.nat(), { maxLength: 40 }).map((splits) => {
  let directory = PageDirectory.uniform(0);
  for (const pick of splits) {
    const pages = directory.all();
    const page = pages[pick % pages.length];
    if (page.depth < MAX_PAGE_DEPTH) {
      const depth = page.depth + 1;
      directory = directory.replace(page, [
        { depth, prefix: page.prefix },
        { depth, prefix: page.prefix + 2 ** (MAX_PAGE_DEPTH - depth) },
      ]);
    }
  }
  return directory;
});

describe("bar items", () => {
  it("writes a bar with a small trade set inline", () => {
    expect(
      encodeBarItem(bar, inlineTradeSet([UUID, "1"]), 3, WRITE_ID, barExpiresAt(MINUTE, 7)),
    ).toEqual({
      ...barAttributes,
      tradeIds: { B: TWO_IDS },
      version: { N: "3" },
      writeId: { S: WRITE_ID },
      expiresAt: { N: String(1_714_571_100 + 7 * 86_400) },
    });
  });

  it("writes a bar with a large trade set as its set id and page depths", () => {
    const directory = PageDirectory.fromDepths(Uint8Array.from([1, 2, 2]));
    expect(
      encodeBarItem(
        bar,
        { kind: "paged", setId: SET_ID, directory },
        12,
        WRITE_ID,
        barExpiresAt(MINUTE, 30),
      ),
    ).toEqual({
      ...barAttributes,
      tradeSet: { S: SET_ID },
      pages: { B: Uint8Array.from([1, 2, 2]) },
      version: { N: "12" },
      writeId: { S: WRITE_ID },
      expiresAt: { N: String(1_714_571_100 + 30 * 86_400) },
    });
  });

  it("reads an inline item back exactly", () => {
    const item = encodeBarItem(
      bar,
      inlineTradeSet(["1", UUID]),
      3,
      WRITE_ID,
      barExpiresAt(MINUTE, 7),
    );
    expect(decodeStoredBar(item)).toEqual({
      bar,
      trades: { kind: "inline", ids: new Set(["1", UUID]) },
      version: 3,
      writeId: WRITE_ID,
      setBytes: 22,
      expiresAt: 1_714_571_100 + 7 * 86_400,
    });
  });

  it("reads a paged item back exactly", () => {
    const directory = PageDirectory.fromDepths(Uint8Array.from([1, 2, 2]));
    const item = encodeBarItem(
      bar,
      { kind: "paged", setId: SET_ID, directory },
      12,
      WRITE_ID,
      barExpiresAt(MINUTE, 7),
    );
    expect(decodeStoredBar(item)).toEqual({
      bar,
      trades: { kind: "paged", setId: SET_ID, directory },
      version: 12,
      writeId: WRITE_ID,
      setBytes: 3,
      expiresAt: 1_714_571_100 + 7 * 86_400,
    });
  });

  it("round-trips every bar with its inline trade set", () => {
    fc.assert(
      fc.property(
        barWithIdsArb,
        fc.integer({ min: 1, max: 1_000_000 }),
        ({ bar: b, ids }, version) => {
          const item = encodeBarItem(
            b,
            inlineTradeSet(ids),
            version,
            WRITE_ID,
            barExpiresAt(MINUTE, 7),
          );
          expect(decodeStoredBar(item)).toEqual({
            bar: b,
            trades: { kind: "inline", ids: new Set(ids) },
            version,
            writeId: WRITE_ID,
            setBytes: encodeTradeIds(ids).length,
            expiresAt: barExpiresAt(MINUTE, 7),
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("round-trips every bar with a paged trade set", () => {
    fc.assert(
      fc.property(
        barWithIdsArb,
        directoryArb,
        fc.uuid(),
        fc.integer({ min: 1, max: 1_000_000 }),
        ({ bar: b }, directory, setId, version) => {
          const item = encodeBarItem(
            b,
            { kind: "paged", setId, directory },
            version,
            WRITE_ID,
            barExpiresAt(MINUTE, 7),
          );
          expect(decodeStoredBar(item)).toEqual({
            bar: b,
            trades: { kind: "paged", setId, directory },
            version,
            writeId: WRITE_ID,
            setBytes: directory.size,
            expiresAt: barExpiresAt(MINUTE, 7),
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keys bars by symbol and minute", () => {
    expect(barItemKey("BRK.B", MINUTE)).toEqual({
      pk: { S: "BAR#BRK.B" },
      sk: { S: "2024-05-01T13:45:00.000Z" },
    });
  });

  it("expires a bar the retention period after its minute, in epoch seconds", () => {
    expect(barExpiresAt(MINUTE, 7)).toBe(1_714_571_100 + 7 * 86_400);
    expect(barExpiresAt(MINUTE, 400)).toBe(1_714_571_100 + 400 * 86_400);
  });

  it("refuses to store anything but a 1-minute bar", () => {
    expect(() =>
      encodeBarItem(
        { ...bar, interval: "5m" },
        inlineTradeSet(["1", UUID]),
        1,
        WRITE_ID,
        barExpiresAt(MINUTE, 7),
      ),
    ).toThrow(new RangeError("only 1m bars are stored, got 5m"));
  });
});

describe("projection", () => {
  it("reads the bar attributes only: never the trade set, version or write id", () => {
    expect([...BAR_READ_ATTRIBUTES]).toEqual([
      "sk",
      "symbol",
      "open",
      "high",
      "low",
      "close",
      "openTs",
      "openTradeId",
      "closeTs",
      "closeTradeId",
      "volume",
      "notional",
      "trades",
      "firstTradeAt",
      "lastTradeAt",
    ]);
  });

  it("aliases every attribute", () => {
    const projection = barProjection();
    expect(projection.ProjectionExpression).toBe(
      BAR_READ_ATTRIBUTES.map((_, i) => `#p${i}`).join(", "),
    );
    expect(projection.ExpressionAttributeNames).toEqual(
      Object.fromEntries(BAR_READ_ATTRIBUTES.map((name, i) => [`#p${i}`, name])),
    );
  });

  it("reads a projected item as the bar", () => {
    const item = encodeBarItem(
      bar,
      inlineTradeSet(["1", UUID]),
      3,
      WRITE_ID,
      barExpiresAt(MINUTE, 7),
    );
    const projected = Object.fromEntries(
      Object.entries(item).filter(([key]) =>
        (BAR_READ_ATTRIBUTES as readonly string[]).includes(key),
      ),
    );
    expect(decodeBar(projected)).toEqual(bar);
  });
});

describe("trade page items", () => {
  const page: PageAddress = { depth: 2, prefix: 0x40000000 };

  it("keeps pages in a partition of their bar's symbol and minute, apart from the bars", () => {
    expect(tradePagePartitionKey("BRK.B", MINUTE)).toBe("TRADES#BRK.B#2024-05-01T13:45:00.000Z");
    expect(tradePageItemKey("AAPL", MINUTE, SET_ID, page)).toEqual({
      pk: { S: "TRADES#AAPL#2024-05-01T13:45:00.000Z" },
      sk: { S: `${SET_ID}#2-40000000` },
    });
  });

  it("writes a page's ids, version and expiry", () => {
    expect(
      encodeTradePageItem("AAPL", MINUTE, SET_ID, page, TWO_IDS, 4, barExpiresAt(MINUTE, 7)),
    ).toEqual({
      pk: { S: "TRADES#AAPL#2024-05-01T13:45:00.000Z" },
      sk: { S: `${SET_ID}#2-40000000` },
      tradeIds: { B: TWO_IDS },
      version: { N: "4" },
      expiresAt: { N: String(1_714_571_100 + 7 * 86_400) },
    });
  });

  const good = encodeTradePageItem(
    "AAPL",
    MINUTE,
    SET_ID,
    page,
    TWO_IDS,
    4,
    barExpiresAt(MINUTE, 7),
  );

  it("reads a page back", () => {
    expect(decodeTradePage(good, page)).toEqual({
      page,
      ids: new Set(["1", UUID]),
      version: 4,
      bytes: 22,
      expiresAt: 1_714_571_100 + 7 * 86_400,
    });
    // A page without a TTL is read as its bar's.
    const untimed = { ...good };
    delete untimed.expiresAt;
    expect(decodeTradePage(untimed, page)).not.toHaveProperty("expiresAt");
  });

  const prefix = `Bar item TRADES#AAPL#2024-05-01T13:45:00.000Z ${SET_ID}#2-40000000`;

  it.each<[string, Item, string]>([
    [
      "no ids",
      { ...good, tradeIds: { S: "1" } },
      `${prefix}: attribute tradeIds is missing or not binary`,
    ],
    [
      "a version of zero",
      { ...good, version: { N: "0" } },
      `${prefix}: attribute version is not a positive integer`,
    ],
    [
      "a fractional version",
      { ...good, version: { N: "1.5" } },
      `${prefix}: attribute version is not a positive integer`,
    ],
    [
      "a missing version",
      { ...good, version: { S: "4" } },
      `${prefix}: attribute version is missing or not a number`,
    ],
  ])("rejects a page with %s", (_, item, message) => {
    const thrown = thrownBy(() => decodeTradePage(item, page));
    expect(thrown).toBeInstanceOf(BarItemError);
    expect(thrown).toMatchObject({ message });
  });

  it("rejects a page whose ids do not decode", () => {
    const thrown = thrownBy(() =>
      decodeTradePage({ ...good, tradeIds: { B: Uint8Array.from([2]) } }, page),
    );
    expect(thrown).toBeInstanceOf(TradeSetFormatError);
    expect(thrown).toMatchObject({ message: "trade set: unknown flags 2" });
  });
});

describe("decodeStoredBar", () => {
  const good = encodeBarItem(
    bar,
    inlineTradeSet(["1", UUID]),
    3,
    WRITE_ID,
    barExpiresAt(MINUTE, 7),
  );
  const without = (item: Item, ...names: string[]): Item =>
    Object.fromEntries(Object.entries(item).filter(([key]) => !names.includes(key)));
  const paged = encodeBarItem(
    bar,
    { kind: "paged", setId: SET_ID, directory: PageDirectory.uniform(1) },
    3,
    WRITE_ID,
    barExpiresAt(MINUTE, 7),
  );
  const at = "Bar item BAR#AAPL 2024-05-01T13:45:00.000Z";
  const noSet = `${at}: has no trade set (tradeIds, or tradeSet and pages): it was written by an earlier layout; rebuild its range from the archive (npm run rebuild-bars)`;

  it.each<[string, Item, string]>([
    ["no trade set", without(good, "tradeIds"), noSet],
    [
      "the earlier layout's watermarks instead of a trade set",
      {
        ...without(good, "tradeIds"),
        watermarks: { M: { "shardId-000000000000/AAPL": { S: "42" } } },
      },
      noSet,
    ],
    ["trade ids that are not binary", { ...good, tradeIds: { S: "1" } }, noSet],
    ["a set id without pages", without(paged, "pages"), noSet],
    ["pages without a set id", without(paged, "tradeSet"), noSet],
    [
      "an inline set larger than its trades",
      { ...good, tradeIds: { B: encodeTradeIds(["1", "2", UUID]) } },
      `${at}: holds 3 trade ids for 2 trades`,
    ],
    [
      "an inline set smaller than its trades",
      { ...good, tradeIds: { B: encodeTradeIds(["1"]) } },
      `${at}: holds 1 trade ids for 2 trades`,
    ],
    [
      "an inline set that does not decode",
      { ...good, tradeIds: { B: Uint8Array.from([2, 0, 0, 0, 0]) } },
      `${at}: trade set: unknown flags 2`,
    ],
    [
      "a page directory with a gap",
      { ...paged, pages: { B: Uint8Array.from([1]) } },
      `${at}: trade set: the page directory does not cover every hash`,
    ],
    [
      "a page directory with a misplaced page",
      { ...paged, pages: { B: Uint8Array.from([2, 1, 2]) } },
      `${at}: trade set: page depth 1 does not fit at 40000000`,
    ],
    ["a missing open", without(good, "open"), `${at}: attribute open is missing or not a number`],
    [
      "a missing TTL",
      without(good, "expiresAt"),
      `${at}: attribute expiresAt is missing or not a number`,
    ],
    [
      "a TTL in fractional seconds",
      { ...good, expiresAt: { N: "1715175900.5" } },
      `${at}: attribute expiresAt is not whole epoch seconds`,
    ],
    [
      "a text price",
      { ...good, high: { S: "1.5" } },
      `${at}: attribute high is missing or not a number`,
    ],
    [
      "a missing symbol",
      without(good, "symbol"),
      `${at}: attribute symbol is missing or not a string`,
    ],
    [
      "a missing open trade id",
      without(good, "openTradeId"),
      `${at}: attribute openTradeId is missing or not a string`,
    ],
    [
      "a missing close time",
      without(good, "closeTs"),
      `${at}: attribute closeTs is missing or not a number`,
    ],
    [
      "a volume that is not a decimal",
      { ...good, volume: { S: "1e3" } },
      `${at}: attribute volume is not a decimal with 10 places`,
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
      "a version of zero",
      { ...good, version: { N: "0" } },
      `${at}: attribute version is not a positive integer`,
    ],
    [
      "a missing write id",
      without(good, "writeId"),
      `${at}: attribute writeId is missing or not a string`,
    ],
  ])("rejects an item with %s", (_, item, message) => {
    const thrown = thrownBy(() => decodeStoredBar(item));
    expect(thrown).toBeInstanceOf(BarItemError);
    expect(thrown).toMatchObject({ name: "BarItemError", message });
  });
});

describe("bars past their retention", () => {
  const ONE_MINUTE = 60_000;

  it("closes a bar from an hour before its TTL: the first open minute is the boundary", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 0, 1) }),
        fc.integer({ min: -3 * 86_400, max: 3 * 86_400 }),
        (ttlDays, nowMs, offsetSeconds) => {
          const first = firstOpenMinute(ttlDays, nowMs);
          expect(first % ONE_MINUTE).toBe(0);
          const minute = first + Math.trunc(offsetSeconds / 60) * ONE_MINUTE;
          expect(barIsClosed(minute, ttlDays, nowMs)).toBe(minute < first);
        },
      ),
    );
  });

  it.each([
    [1_715_175_900, 1_715_175_900_000 - BAR_CLOSING_MARGIN_MS - 1, false],
    [1_715_175_900, 1_715_175_900_000 - BAR_CLOSING_MARGIN_MS, true],
    [1_715_175_900, 1_715_175_900_000 + 1, true],
  ])("closes a bar whose items carry the TTL %d at clock %d: %s", (expiresAt, now, closed) => {
    expect(ttlIsClosing(expiresAt, now)).toBe(closed);
  });

  it.each([
    ["an hour and a millisecond before its TTL", -BAR_CLOSING_MARGIN_MS - 1, false],
    ["an hour before its TTL", -BAR_CLOSING_MARGIN_MS, true],
    ["at its TTL", 0, true],
  ])("a 7-day bar %s (%d ms from its TTL) is closed: %s", (_when, fromExpiry, closed) => {
    const start = Date.UTC(2026, 10, 27, 13, 45);
    const expiry = barExpiresAt(start, 7) * 1000;
    expect(expiry).toBe(start + 7 * 86_400_000);
    expect(barIsClosed(start, 7, expiry + fromExpiry)).toBe(closed);
  });
});
