import { createHash } from "node:crypto";
import fc from "fast-check";
import type { Bar } from "../domain/bar";
import { barFromTicks } from "../domain/bar";
import { applyTrades } from "../domain/idempotency";
import type { Tick } from "../domain/tick";
import type { PageAddress } from "../domain/trade-set";
import { PageDirectory, encodeTradeIds, hashTradeId, pageId } from "../domain/trade-set";
import type { StoredBar, StoredPage } from "../shared/bar-codec";
import {
  decodeStoredBar,
  decodeTradePage,
  encodeBarItem,
  encodeTradePageItem,
  inlineTradeSet,
  barExpiresAt,
} from "../shared/bar-codec";
import type { LoadedBar, SetWrite } from "./trade-set-writes";
import {
  INLINE_SET_MAX_BYTES,
  PAGE_MAX_BYTES,
  TRANSACTION_ITEM_LIMIT,
  afterWrite,
  isCountedIn,
  pagesNeeded,
  planSetWrite,
  writeItems,
} from "./trade-set-writes";

const MINUTE = Date.UTC(2024, 4, 1, 13, 45);
const SET_ID = "7d3c2b1a-0f9e-4d8c-b7a6-958473625140";
const NEXT_SET_ID = "11111111-2222-4333-8444-555555555555";
const WRITE_ID = "0b0f5e8a-3c1d-4f6e-9a2b-7c8d9e0f1a2b";

/** A deterministic lower-case UUID for the i-th test trade. */
function uuid(i: number): string {
  const h = createHash("sha256").update(String(i)).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const UUIDS = Array.from({ length: 6_000 }, (_, i) => uuid(i));

function tradeOf(tradeId: string, i: number): Tick {
  return {
    symbol: "AAPL",
    price: 100 + (i % 7),
    size: 1 + (i % 3),
    ts: MINUTE + ((i * 7_919) % 60_000),
    tradeId,
  };
}

const tradesOf = (ids: readonly string[], from = 0): Tick[] =>
  ids.map((id, i) => tradeOf(id, from + i));

const sorted = (ids: Iterable<string>): string[] => [...ids].sort();

const empty: LoadedBar = { stored: null, pages: new Map() };

/** The bar item of `ticks` with an inline set, as read from the table. */
function storedInline(ticks: readonly Tick[], version: number): StoredBar {
  return decodeStoredBar(
    encodeBarItem(
      barFromTicks(ticks),
      inlineTradeSet(ticks.map((t) => t.tradeId)),
      version,
      WRITE_ID,
      barExpiresAt(MINUTE, 7),
    ),
  );
}

/** What a batch would do: the bar after the trades not yet counted, and those trades. */
function newTrades(loaded: LoadedBar, ticks: readonly Tick[]): { bar: Bar; added: Tick[] } {
  const result = applyTrades(loaded.stored?.bar, ticks, (id) => isCountedIn(loaded, id));
  if (result.bar === undefined) {
    throw new Error("no trades");
  }
  return { bar: result.bar, added: [...result.added] };
}

function plan(loaded: LoadedBar, ticks: readonly Tick[], setId = NEXT_SET_ID): SetWrite {
  const { bar, added } = newTrades(loaded, ticks);
  return planSetWrite(loaded, bar, added, setId);
}

function directoryOf(write: SetWrite): PageDirectory {
  if (write.trades.kind !== "paged") {
    throw new Error("the set is inline");
  }
  return write.trades.directory;
}

/** Checks every page put of `write` is within the limit and holds only ids of its hash range. */
function expectWellFormedPuts(write: SetWrite): void {
  const directory = directoryOf(write);
  const pages = new Set(directory.all().map(pageId));
  for (const put of write.pagePuts) {
    expect(put.bytes.length).toBeLessThanOrEqual(PAGE_MAX_BYTES);
    expect(Buffer.from(put.bytes).equals(encodeTradeIds(put.ids))).toBe(true);
    expect(pages.has(pageId(put.page))).toBe(true);
    const misplaced = [...put.ids].filter(
      (id) => pageId(directory.pageOf(hashTradeId(id))) !== pageId(put.page),
    );
    expect(misplaced).toEqual([]);
  }
}

/** The ids of `ids` that `loaded` does not count. */
const uncounted = (loaded: LoadedBar, ids: Iterable<string>): string[] =>
  [...ids].filter((id) => !isCountedIn(loaded, id));

describe("limits", () => {
  it("keeps a bar item under 4 KB, a page item under 1 KB and a transaction within DynamoDB's", () => {
    expect([INLINE_SET_MAX_BYTES, PAGE_MAX_BYTES, TRANSACTION_ITEM_LIMIT]).toEqual([
      3_000, 900, 100,
    ]);
  });
});

describe("inline sets", () => {
  it("writes a new bar's set inline, expecting no item", () => {
    const ticks = tradesOf(["1", "2", UUIDS[0]]);
    const write = plan(empty, ticks);
    expect(write).toEqual({
      bar: barFromTicks(ticks),
      trades: { kind: "inline", bytes: encodeTradeIds(["1", "2", UUIDS[0]]) },
      expectedVersion: null,
      pagePuts: [],
      pageDeletes: [],
      added: ticks,
    });
    expect(writeItems(write)).toBe(1);
  });

  it("adds new trades to a stored inline set, expecting its version", () => {
    const before = tradesOf(["1", "2"]);
    const loaded: LoadedBar = { stored: storedInline(before, 4), pages: new Map() };
    const more = tradesOf(["2", "3", UUIDS[1]], 2);
    const write = plan(loaded, more);
    expect(write).toEqual({
      bar: barFromTicks([...before, more[1], more[2]]),
      trades: { kind: "inline", bytes: encodeTradeIds(["1", "2", "3", UUIDS[1]]) },
      expectedVersion: 4,
      pagePuts: [],
      pageDeletes: [],
      added: [more[1], more[2]],
    });
  });

  it("holds 187 UUIDs inline (2,998 bytes) and spills the 188th (3,014 bytes)", () => {
    let n = 0;
    while (encodeTradeIds(UUIDS.slice(0, n + 1)).length <= INLINE_SET_MAX_BYTES) {
      n += 1;
    }
    expect(n).toBe(187);
    expect(encodeTradeIds(UUIDS.slice(0, n)).length).toBe(2_998);
    expect(encodeTradeIds(UUIDS.slice(0, n + 1)).length).toBe(3_014);

    const loaded: LoadedBar = {
      stored: storedInline(tradesOf(UUIDS.slice(0, 180)), 9),
      pages: new Map(),
    };
    const atLimit = plan(loaded, tradesOf(UUIDS.slice(180, n), 180));
    expect(atLimit.trades).toEqual({ kind: "inline", bytes: encodeTradeIds(UUIDS.slice(0, n)) });
    expect(atLimit.trades.kind === "inline" && atLimit.trades.bytes.length).toBe(2_998);
    expect([atLimit.expectedVersion, atLimit.pagePuts, atLimit.pageDeletes]).toEqual([9, [], []]);

    const past = plan(loaded, tradesOf(UUIDS.slice(180, n + 1), 180));
    expect(past.trades.kind).toBe("paged");
  });
});

describe("spilling a set into pages", () => {
  const ids = UUIDS.slice(0, 188);
  const loaded: LoadedBar = {
    stored: storedInline(tradesOf(ids.slice(0, 180)), 9),
    pages: new Map(),
  };
  const write = plan(loaded, tradesOf(ids.slice(180), 180));

  it("writes the whole set into new pages of at most PAGE_MAX_BYTES, under a new set id", () => {
    expect(write.trades.kind === "paged" && write.trades.setId).toBe(NEXT_SET_ID);
    expect([...directoryOf(write).depths()]).toEqual([2, 3, 3, 2, 2]);
    expect(write.pagePuts.map((put) => [pageId(put.page), put.ids.size, put.bytes.length])).toEqual(
      [
        ["2-00000000", 47, 757],
        ["3-40000000", 29, 469],
        ["3-60000000", 28, 453],
        ["2-80000000", 53, 853],
        ["2-c0000000", 31, 501],
      ],
    );
    expectWellFormedPuts(write);
    expect(sorted(write.pagePuts.flatMap((put) => [...put.ids]))).toEqual(sorted(ids));
  });

  it("expects the bar item's version and no page items", () => {
    expect(write.expectedVersion).toBe(9);
    expect(write.pagePuts.map((put) => put.expectedVersion)).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(write.pageDeletes).toEqual([]);
    expect(write.added.map((t) => t.tradeId)).toEqual(ids.slice(180));
    expect(writeItems(write)).toBe(6);
  });

  it("leaves a state that counts every id, as a read of the written items would", () => {
    const after = afterWrite(loaded, write, 10, WRITE_ID, barExpiresAt(MINUTE, 7));
    expect(uncounted(after, ids)).toEqual([]);
    expect(isCountedIn(after, UUIDS[188])).toBe(false);
    expect(after.stored).toEqual(
      decodeStoredBar(
        encodeBarItem(write.bar, write.trades, 10, WRITE_ID, barExpiresAt(MINUTE, 7)),
      ),
    );
    expect(after.stored?.setBytes).toBe(5);
    expect(
      new Map(
        write.pagePuts.map((put) => [
          pageId(put.page),
          decodeTradePage(
            encodeTradePageItem(
              "AAPL",
              MINUTE,
              NEXT_SET_ID,
              put.page,
              put.bytes,
              1,
              barExpiresAt(MINUTE, 7),
            ),
            put.page,
          ),
        ]),
      ),
    ).toEqual(after.pages);
  });

  it("spills a new bar whose first batch is already too large", () => {
    const direct = plan(empty, tradesOf(ids));
    expect(direct.expectedVersion).toBeNull();
    expect([...directoryOf(direct).depths()]).toEqual([2, 3, 3, 2, 2]);
    expect(direct.pagePuts.map((put) => put.ids)).toEqual(write.pagePuts.map((put) => put.ids));
  });
});

describe("writes to a paged set", () => {
  const ids = UUIDS.slice(0, 188);
  const spill = plan(
    { stored: storedInline(tradesOf(ids.slice(0, 180)), 9), pages: new Map() },
    tradesOf(ids.slice(180), 180),
  );
  const spilled = afterWrite(
    { stored: storedInline(tradesOf(ids.slice(0, 180)), 9), pages: new Map() },
    spill,
    10,
    WRITE_ID,
    barExpiresAt(MINUTE, 7),
  );
  const stored = spilled.stored as StoredBar;
  const directory = directoryOf(spill);
  const pageOfId = (id: string) => directory.pageOf(hashTradeId(id));
  const loadedPage = (page: PageAddress) => spilled.pages.get(pageId(page)) as StoredPage;

  it("names the pages a batch's ids need", () => {
    const probe = [UUIDS[300], UUIDS[301], UUIDS[300], UUIDS[302]];
    const expected = [...new Map(probe.map((id) => [pageId(pageOfId(id)), pageOfId(id)])).values()];
    expect(pagesNeeded(stored, probe)).toEqual(expected);
    expect(pagesNeeded(storedInline(tradesOf(["1"]), 1), ["1", "2"])).toEqual([]);
  });

  it("rewrites only the pages of the new ids, expecting their versions", () => {
    // Three new ids for the emptiest page and one for another.
    const emptiest = [...spilled.pages.values()].sort((a, b) => a.bytes - b.bytes)[0].page;
    const other = directory.all().find((page) => pageId(page) !== pageId(emptiest)) as PageAddress;
    const forEmptiest = UUIDS.slice(200).filter((id) => pageId(pageOfId(id)) === pageId(emptiest));
    const forOther = UUIDS.slice(200).filter((id) => pageId(pageOfId(id)) === pageId(other));
    const newIds = [forEmptiest[0], forOther[0], forEmptiest[1], forEmptiest[2]];
    const write = plan(spilled, tradesOf(newIds, 200));
    expect(write.trades).toEqual({ kind: "paged", setId: NEXT_SET_ID, directory });
    expect(write.expectedVersion).toBe(10);
    expect(write.pageDeletes).toEqual([]);
    expect(write.pagePuts).toEqual([
      {
        page: emptiest,
        ids: new Set([...loadedPage(emptiest).ids, forEmptiest[0], forEmptiest[1], forEmptiest[2]]),
        bytes: encodeTradeIds([...loadedPage(emptiest).ids, ...forEmptiest.slice(0, 3)]),
        expectedVersion: 1,
      },
      {
        page: other,
        ids: new Set([...loadedPage(other).ids, forOther[0]]),
        bytes: encodeTradeIds([...loadedPage(other).ids, forOther[0]]),
        expectedVersion: 1,
      },
    ]);
    expect(writeItems(write)).toBe(3);

    // The TTL the write carried, whatever the retention: the bar's own.
    const after = afterWrite(spilled, write, 11, "second-write", 1_800_000_000);
    expect(after.stored?.expiresAt).toBe(1_800_000_000);
    expect(after.pages.get(pageId(emptiest))?.version).toBe(2);
    expect(after.pages.get(pageId(other))?.version).toBe(2);
    expect(after.stored).toMatchObject({ version: 11, writeId: "second-write", setBytes: 5 });
    expect(uncounted(after, [...ids, ...newIds])).toEqual([]);
  });

  it("splits a page that outgrows the limit: deletes it at its version and puts its halves", () => {
    // The fullest page (53 UUIDs, 853 bytes) takes two more (885 bytes), not three (901 bytes).
    const fullest = [...spilled.pages.values()].sort((a, b) => b.bytes - a.bytes)[0];
    expect([pageId(fullest.page), fullest.bytes]).toEqual(["2-80000000", 853]);
    const candidates = UUIDS.slice(200).filter((id) => pageId(pageOfId(id)) === "2-80000000");

    const fits = plan(spilled, tradesOf(candidates.slice(0, 2), 200));
    expect(fits.pageDeletes).toEqual([]);
    expect(
      fits.pagePuts.map((put) => [pageId(put.page), put.bytes.length, put.expectedVersion]),
    ).toEqual([["2-80000000", 885, 1]]);

    const write = plan(spilled, tradesOf(candidates.slice(0, 3), 200));
    expect(write.pageDeletes).toEqual([{ page: fullest.page, expectedVersion: 1 }]);
    const halves = [
      { depth: 3, prefix: 0x80000000 },
      { depth: 3, prefix: 0xa0000000 },
    ];
    expect(write.pagePuts.map((put) => put.page)).toEqual(halves);
    expect(write.pagePuts.map((put) => put.expectedVersion)).toEqual([null, null]);
    expect(write.pagePuts.reduce((sum, put) => sum + put.ids.size, 0)).toBe(56);
    expect(sorted(write.pagePuts.flatMap((put) => [...put.ids]))).toEqual(
      sorted([...fullest.ids, ...candidates.slice(0, 3)]),
    );
    expect([...directoryOf(write).depths()]).toEqual([2, 3, 3, 3, 3, 2]);
    expect(directoryOf(write)).toEqual(directory.replace(fullest.page, halves));
    expectWellFormedPuts(write);
    expect(writeItems(write)).toBe(4);

    const after = afterWrite(spilled, write, 11, "split", barExpiresAt(MINUTE, 7));
    expect(after.pages.has("2-80000000")).toBe(false);
    expect(halves.map((page) => after.pages.get(pageId(page))?.version)).toEqual([1, 1]);
    expect(after.stored?.setBytes).toBe(6);
    expect(uncounted(after, [...ids, ...candidates.slice(0, 3)])).toEqual([]);
    expect(isCountedIn(after, candidates[3])).toBe(false);
  });

  it("creates a page of the directory that has no item yet, expecting none", () => {
    const halfStored = decodeStoredBar(
      encodeBarItem(
        barFromTicks(tradesOf(["1"])),
        { kind: "paged", setId: SET_ID, directory: PageDirectory.uniform(1) },
        3,
        WRITE_ID,
        barExpiresAt(MINUTE, 7),
      ),
    );
    const loaded: LoadedBar = { stored: halfStored, pages: new Map() };
    const upper = UUIDS.find((id) => hashTradeId(id) >= 0x80000000) as string;
    const write = plan(loaded, tradesOf([upper], 1));
    expect(write.pagePuts).toEqual([
      {
        page: { depth: 1, prefix: 0x80000000 },
        ids: new Set([upper]),
        bytes: encodeTradeIds([upper]),
        expectedVersion: null,
      },
    ]);
    expect([write.expectedVersion, write.pageDeletes]).toEqual([3, []]);
    const after = afterWrite(loaded, write, 4, WRITE_ID, barExpiresAt(MINUTE, 7));
    expect(after.pages.get("1-80000000")).toEqual({
      page: { depth: 1, prefix: 0x80000000 },
      ids: new Set([upper]),
      version: 1,
      bytes: 21,
      expiresAt: barExpiresAt(MINUTE, 7),
    });
    expect(isCountedIn(after, upper)).toBe(true);
  });

  it("splits a page that has no item yet without deleting anything", () => {
    const halfStored = decodeStoredBar(
      encodeBarItem(
        barFromTicks(tradesOf(["1"])),
        { kind: "paged", setId: SET_ID, directory: PageDirectory.uniform(1) },
        3,
        WRITE_ID,
        barExpiresAt(MINUTE, 7),
      ),
    );
    const loaded: LoadedBar = { stored: halfStored, pages: new Map() };
    const upper = UUIDS.filter((id) => hashTradeId(id) >= 0x80000000).slice(0, 120);
    const write = plan(loaded, tradesOf(upper, 1));
    expect(write.pageDeletes).toEqual([]);
    expect(write.pagePuts.every((put) => put.expectedVersion === null)).toBe(true);
    expect(write.pagePuts.length).toBeGreaterThanOrEqual(3);
    expectWellFormedPuts(write);
    expect(sorted(write.pagePuts.flatMap((put) => [...put.ids]))).toEqual(sorted(upper));
    expect(directoryOf(write).all()[0]).toEqual({ depth: 1, prefix: 0 });
  });
});

describe("isCountedIn", () => {
  it("counts nothing for a bar not yet stored", () => {
    expect(isCountedIn(empty, "1")).toBe(false);
  });

  it("looks an id up in an inline set", () => {
    const loaded: LoadedBar = {
      stored: storedInline(tradesOf(["1", UUIDS[0]]), 1),
      pages: new Map(),
    };
    expect(
      ["1", UUIDS[0], "2", UUIDS[0].toUpperCase()].map((id) => isCountedIn(loaded, id)),
    ).toEqual([true, true, false, false]);
  });

  it("looks an id up in the page its hash selects", () => {
    const directory = PageDirectory.uniform(1);
    const stored = decodeStoredBar(
      encodeBarItem(
        barFromTicks(tradesOf(["1"])),
        { kind: "paged", setId: SET_ID, directory },
        2,
        WRITE_ID,
        barExpiresAt(MINUTE, 7),
      ),
    );
    const lower = UUIDS.filter((id) => hashTradeId(id) < 0x80000000).slice(0, 2);
    const upper = UUIDS.find((id) => hashTradeId(id) >= 0x80000000) as string;
    // The lower page holds lower[0] and, wrongly placed, `upper`: only the selected page counts.
    const page: StoredPage = {
      page: { depth: 1, prefix: 0 },
      ids: new Set([lower[0], upper]),
      version: 1,
      bytes: 37,
    };
    const loaded: LoadedBar = { stored, pages: new Map([["1-00000000", page]]) };
    expect([lower[0], lower[1], upper].map((id) => isCountedIn(loaded, id))).toEqual([
      true,
      false,
      false,
    ]);
  });
});

/** An in-memory table that checks each write's conditions as DynamoDB would. */
class Table {
  barVersion: number | null = null;
  readonly pages = new Map<string, { version: number; ids: ReadonlySet<string>; bytes: number }>();

  apply(write: SetWrite, setId: string): number {
    expect(write.expectedVersion).toBe(this.barVersion);
    for (const deleted of write.pageDeletes) {
      expect(this.pages.get(`${setId}#${pageId(deleted.page)}`)?.version).toBe(
        deleted.expectedVersion,
      );
    }
    for (const put of write.pagePuts) {
      expect(this.pages.get(`${setId}#${pageId(put.page)}`)?.version ?? null).toBe(
        put.expectedVersion,
      );
    }
    for (const deleted of write.pageDeletes) {
      this.pages.delete(`${setId}#${pageId(deleted.page)}`);
    }
    for (const put of write.pagePuts) {
      this.pages.set(`${setId}#${pageId(put.page)}`, {
        version: (put.expectedVersion ?? 0) + 1,
        ids: put.ids,
        bytes: put.bytes.length,
      });
    }
    this.barVersion = (this.barVersion ?? 0) + 1;
    return this.barVersion;
  }
}

describe("a bar's set over many batches", () => {
  /** Ids of every shape: UUIDs, numbers, other text. */
  const POOL = UUIDS.map((id, i) => [id, String(i * 37), `T-${i}`][i % 3]);
  /** A batch: a run of the pool (runs of batches overlap: redeliveries) and a few single ids. */
  const batchArb = fc
    .tuple(
      fc.nat(POOL.length - 1),
      fc.integer({ min: 1, max: 500 }),
      fc.array(fc.nat(POOL.length - 1), { maxLength: 5 }),
    )
    .map(([from, count, singles]) => [
      ...POOL.slice(from, from + count),
      ...singles.map((i) => POOL[i]),
    ]);

  it("stays readable, within its limits and consistent with the table, batch after batch", () => {
    fc.assert(
      fc.property(fc.array(batchArb, { minLength: 1, maxLength: 10 }), (batches) => {
        const table = new Table();
        let loaded: LoadedBar = empty;
        const counted = new Set<string>();
        let n = 0;
        let setId = "";
        batches.forEach((batch, b) => {
          const ticks = tradesOf(batch, n);
          n += batch.length;
          const { bar, added } = newTrades(loaded, ticks);
          if (added.length === 0) {
            return;
          }
          const write = planSetWrite(loaded, bar, added, `set-${b}`);
          if (write.trades.kind === "paged") {
            setId = write.trades.setId;
            expectWellFormedPuts(write);
          } else {
            expect(write.trades.bytes.length).toBeLessThanOrEqual(INLINE_SET_MAX_BYTES);
          }
          const version = table.apply(write, setId);
          loaded = afterWrite(loaded, write, version, `write-${b}`, barExpiresAt(MINUTE, 7));
          for (const t of added) {
            counted.add(t.tradeId);
          }
          // The state equals what reading the items back gives.
          expect(loaded.stored).toEqual(
            decodeStoredBar(
              encodeBarItem(
                write.bar,
                write.trades,
                version,
                `write-${b}`,
                barExpiresAt(MINUTE, 7),
              ),
            ),
          );
          expect(loaded.stored?.bar.trades).toBe(counted.size);
          expect(uncounted(loaded, counted)).toEqual([]);
          if (loaded.stored?.trades.kind === "paged") {
            // The pages read back are the pages written: same ids, same versions.
            const line = (key: string, page: { version: number; ids: ReadonlySet<string> }) =>
              `${key} v${page.version}: ${sorted(page.ids).join(",")}`;
            const inTable = [...table.pages]
              .filter(([key]) => key.startsWith(`${setId}#`))
              .map(([key, page]) => line(key.slice(setId.length + 1), page));
            expect(inTable.sort().join("\n")).toBe(
              [...loaded.pages]
                .map(([key, page]) => line(key, page))
                .sort()
                .join("\n"),
            );
            const all = [...loaded.pages.values()].flatMap((page) => [...page.ids]);
            expect(sorted(all).join(",")).toBe(sorted(counted).join(","));
          } else {
            expect(encodeTradeIds(counted).length).toBeLessThanOrEqual(INLINE_SET_MAX_BYTES);
          }
        });
      }),
      { numRuns: 25 },
    );
  });
});
