import type { Bar } from "../domain/bar";
import type { Tick } from "../domain/tick";
import type { PageAddress } from "../domain/trade-set";
import { PageDirectory, encodeTradeIds, hashTradeId, pageId, splitPage } from "../domain/trade-set";
import type { StoredBar, StoredPage, TradeSetAttributes } from "../shared/bar-codec";

/**
 * How a bar's trade set is laid out in the table, and the writes that add trades to it: pure, so
 * every layout decision is tested without DynamoDB.
 *
 * A set stays inline in the bar item while its encoding fits {@link INLINE_SET_MAX_BYTES}: one
 * conditional PutItem per bar and batch, about 1 KB for a bar of 20 UUID trades (1 write unit).
 * Past that it spills into page items of at most {@link PAGE_MAX_BYTES} each, by trade-id hash: a
 * batch then rewrites only the pages its new trades fall into, with the bar item, in one
 * TransactWriteItems (at most {@link TRANSACTION_ITEM_LIMIT} items; more trades are written in
 * several transactions, each leaving a consistent bar). A page that outgrows the limit splits in
 * two by the next hash bit. DynamoDB bills a write by the size of the whole item, 1 unit per KB
 * (2 inside a transaction), so small pages keep a hot bar's write cost near 2 units per page a
 * batch touches instead of growing with the set.
 */

/** Largest inline set (encoded bytes): with the bar's ~350 bytes of attributes, under 4 KB. */
export const INLINE_SET_MAX_BYTES = 3_000;
/** Largest page (encoded bytes): with keys and attributes, the page item stays under 1 KB. */
export const PAGE_MAX_BYTES = 900;
/** TransactWriteItems takes at most 100 actions. */
export const TRANSACTION_ITEM_LIMIT = 100;

/** A bar's set as one batch sees it: the bar item and the pages its trades fall into. */
export interface LoadedBar {
  /** `null`: no bar yet. */
  readonly stored: StoredBar | null;
  /** Pages of a large set by page id; a page in the directory but not here has no item yet. */
  readonly pages: ReadonlyMap<string, StoredPage>;
}

/** Whether `tradeId` is counted in the loaded set (a page not in `pages` has no item: empty). */
export function isCountedIn(loaded: LoadedBar, tradeId: string): boolean {
  const stored = loaded.stored;
  if (stored === null) {
    return false;
  }
  if (stored.trades.kind === "inline") {
    return stored.trades.ids.has(tradeId);
  }
  const page = stored.trades.directory.pageOf(hashTradeId(tradeId));
  const loadedPage = loaded.pages.get(pageId(page));
  return loadedPage !== undefined && loadedPage.ids.has(tradeId);
}

/** Page ids that checking `tradeIds` against a stored large set needs. */
export function pagesNeeded(stored: StoredBar, tradeIds: Iterable<string>): PageAddress[] {
  if (stored.trades.kind !== "paged") {
    return [];
  }
  const pages = new Map<string, PageAddress>();
  for (const id of tradeIds) {
    const page = stored.trades.directory.pageOf(hashTradeId(id));
    pages.set(pageId(page), page);
  }
  return [...pages.values()];
}

export interface PagePut {
  readonly page: PageAddress;
  readonly ids: ReadonlySet<string>;
  readonly bytes: Uint8Array;
  /** `null`: the item must not exist yet. */
  readonly expectedVersion: number | null;
}

export interface PageDelete {
  readonly page: PageAddress;
  readonly expectedVersion: number;
}

/** One atomic write: the bar item, and for a large set the pages it changes. */
export interface SetWrite {
  readonly bar: Bar;
  readonly trades: TradeSetAttributes;
  /** `null`: the bar item must not exist yet. */
  readonly expectedVersion: number | null;
  readonly pagePuts: readonly PagePut[];
  readonly pageDeletes: readonly PageDelete[];
  /** The trades this write adds (those after it go in later writes). */
  readonly added: readonly Tick[];
}

/** Items a write touches: the bar item and its page puts and deletes. */
export function writeItems(write: SetWrite): number {
  return 1 + write.pagePuts.length + write.pageDeletes.length;
}

/**
 * The write that adds `added` (distinct trades not yet counted) to the loaded set, with `bar` the
 * bar after them. `newSetId` names the pages if the set spills now.
 */
export function planSetWrite(
  loaded: LoadedBar,
  bar: Bar,
  added: readonly Tick[],
  newSetId: string,
): SetWrite {
  const stored = loaded.stored;
  const expectedVersion = stored?.version ?? null;
  if (stored === null || stored.trades.kind === "inline") {
    const ids = new Set<string>(stored?.trades.kind === "inline" ? stored.trades.ids : []);
    for (const tick of added) {
      ids.add(tick.tradeId);
    }
    const bytes = encodeTradeIds(ids);
    if (bytes.length <= INLINE_SET_MAX_BYTES) {
      return {
        bar,
        trades: { kind: "inline", bytes },
        expectedVersion,
        pagePuts: [],
        pageDeletes: [],
        added,
      };
    }
    // Spill: the whole set into fresh pages under a new set id.
    const pages = splitPage({ depth: 0, prefix: 0 }, [...ids], PAGE_MAX_BYTES);
    let directory = PageDirectory.uniform(0);
    directory = directory.replace(
      { depth: 0, prefix: 0 },
      pages.map((part) => part.page),
    );
    return {
      bar,
      trades: { kind: "paged", setId: newSetId, directory },
      expectedVersion,
      pagePuts: pages
        .filter((part) => part.ids.length > 0)
        .map((part) => ({
          page: part.page,
          ids: new Set(part.ids),
          bytes: part.bytes,
          expectedVersion: null,
        })),
      pageDeletes: [],
      added,
    };
  }
  const { setId, directory: storedDirectory } = stored.trades;
  const byPage = new Map<string, { page: PageAddress; ids: string[] }>();
  for (const tick of added) {
    const page = storedDirectory.pageOf(hashTradeId(tick.tradeId));
    const id = pageId(page);
    const group = byPage.get(id);
    if (group === undefined) {
      byPage.set(id, { page, ids: [tick.tradeId] });
    } else {
      group.ids.push(tick.tradeId);
    }
  }
  let directory = storedDirectory;
  const pagePuts: PagePut[] = [];
  const pageDeletes: PageDelete[] = [];
  for (const [id, group] of byPage) {
    const current = loaded.pages.get(id);
    const ids = [...(current?.ids ?? []), ...group.ids];
    const parts = splitPage(group.page, ids, PAGE_MAX_BYTES);
    if (parts.length === 1) {
      pagePuts.push({
        page: group.page,
        ids: new Set(ids),
        bytes: parts[0].bytes,
        expectedVersion: current?.version ?? null,
      });
      continue;
    }
    directory = directory.replace(
      group.page,
      parts.map((part) => part.page),
    );
    if (current !== undefined) {
      pageDeletes.push({ page: group.page, expectedVersion: current.version });
    }
    for (const part of parts) {
      if (part.ids.length > 0) {
        pagePuts.push({
          page: part.page,
          ids: new Set(part.ids),
          bytes: part.bytes,
          expectedVersion: null,
        });
      }
    }
  }
  return {
    bar,
    trades: { kind: "paged", setId, directory },
    expectedVersion,
    pagePuts,
    pageDeletes,
    added,
  };
}

/**
 * The loaded set after `write` landed as version `version` by `writeId`: the next write of the
 * same bar in this batch starts from it without reading again.
 */
export function afterWrite(
  loaded: LoadedBar,
  write: SetWrite,
  version: number,
  writeId: string,
  expiresAt: number,
): LoadedBar {
  const pages = new Map(loaded.pages);
  for (const deleted of write.pageDeletes) {
    pages.delete(pageId(deleted.page));
  }
  for (const put of write.pagePuts) {
    pages.set(pageId(put.page), {
      page: put.page,
      ids: put.ids,
      version: (put.expectedVersion ?? 0) + 1,
      bytes: put.bytes.length,
      expiresAt,
    });
  }
  let trades: StoredBar["trades"];
  if (write.trades.kind === "inline") {
    const before = loaded.stored?.trades;
    const ids = new Set(before?.kind === "inline" ? before.ids : []);
    for (const tick of write.added) {
      ids.add(tick.tradeId);
    }
    trades = { kind: "inline", ids };
  } else {
    trades = { kind: "paged", setId: write.trades.setId, directory: write.trades.directory };
  }
  return {
    stored: {
      bar: write.bar,
      trades,
      version,
      writeId,
      setBytes:
        write.trades.kind === "inline" ? write.trades.bytes.length : write.trades.directory.size,
      expiresAt,
    },
    pages,
  };
}
