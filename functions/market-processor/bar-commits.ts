import { randomUUID } from "node:crypto";
import type { BarUpdate } from "../domain/idempotency";
import { applyTrades, barKey } from "../domain/idempotency";
import type { PageAddress, PageDirectory } from "../domain/trade-set";
import { hashTradeId, pageId } from "../domain/trade-set";
import type { StoredBar, StoredPage } from "../shared/bar-codec";
import { ttlIsClosing } from "../shared/bar-codec";
import type { BarStore, PageRequest } from "./bar-store";
import { sleep } from "./bar-store";
import type { LoadedBar, SetWrite } from "./trade-set-writes";
import {
  TRANSACTION_ITEM_LIMIT,
  afterWrite,
  isCountedIn,
  pagesNeeded,
  planSetWrite,
  writeItems,
} from "./trade-set-writes";

/** Large sets whose page directory a container keeps, to read their pages in the first round. */
const DIRECTORY_CACHE_SIZE = 1_000;

/** What committing one bar's ticks did. */
export type BarOutcome =
  | {
      readonly status: "written" | "unchanged";
      readonly appliedTicks: number;
      readonly duplicateTicks: number;
      readonly conflicts: number;
    }
  | { readonly status: "failed"; readonly error: Error; readonly conflicts: number }
  /** The stored bar's own TTL is within the closing hour (see `ttlIsClosing`): nothing written. */
  | { readonly status: "past-retention"; readonly conflicts: number };

/** The earliest TTL of a loaded bar's items: the bar item's and its pages' as read. */
function earliestTtl(loaded: LoadedBar): number {
  let earliest = loaded.stored?.expiresAt ?? Number.POSITIVE_INFINITY;
  for (const page of loaded.pages.values()) {
    if (page.expiresAt !== undefined && page.expiresAt < earliest) {
      earliest = page.expiresAt;
    }
  }
  return earliest;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export interface BarCommitterOptions {
  /** Conditional-write attempts per bar before it is reported as failed. */
  readonly maxWriteAttempts: number;
  /** Wait before retry `attempt` (1-based), in milliseconds. */
  readonly backoffMs: (attempt: number) => number;
  /** The clock that closes bars near their stored TTL, epoch ms. */
  readonly now: () => number;
}

/** Reads a batch's bars and commits each bar's new trades; one per container. */
export interface BarCommitter {
  /** Every touched bar with the pages its ticks need, in one read round when the cache knows. */
  readonly loadBars: (updates: readonly BarUpdate[]) => Promise<Map<string, LoadedBar | Error>>;
  /** Adds a bar's new trades with conditional writes, re-reading and retrying on conflict. */
  readonly commitBar: (update: BarUpdate, initial: LoadedBar | Error) => Promise<BarOutcome>;
}

/**
 * The read and write side of the exactly-once rule (see `domain/idempotency`): each bar's trades
 * not yet in its set are added with conditional writes (see `trade-set-writes`), in as many
 * transactions as the set's layout needs; a lost race re-reads and retries, bounded, and a write
 * whose response was lost is recognised by its `writeId`.
 */
export function createBarCommitter(store: BarStore, options: BarCommitterOptions): BarCommitter {
  const { maxWriteAttempts, backoffMs, now } = options;

  /** A bar item and the pages of its large set that `ticks` fall into, read consistently. */
  async function loadBar(update: BarUpdate): Promise<LoadedBar> {
    const stored = await store.read(update);
    if (stored === null || stored.trades.kind === "inline") {
      return { stored, pages: new Map() };
    }
    const pages = (
      await store.readPages([
        {
          symbol: update.symbol,
          start: update.start,
          setId: stored.trades.setId,
          pages: pagesNeeded(
            stored,
            update.ticks.map((tick) => tick.tradeId),
          ),
        },
      ])
    ).get(update.key);
    if (pages instanceof Error || pages === undefined) {
      throw pages ?? new Error("pages were not read");
    }
    return { stored, pages };
  }

  /**
   * The largest write of the first trades of `added` that fits one transaction; the rest waits
   * for the next write. A set spilling or a page splitting adds items, so the count is checked
   * on the planned write itself.
   */
  function nextWrite(loaded: LoadedBar, added: readonly BarUpdate["ticks"][number][]): SetWrite {
    for (let take = added.length; ; take = Math.ceil(take / 2)) {
      const chunk = added.slice(0, take);
      const bar = applyTrades(loaded.stored?.bar, chunk, () => false).bar;
      if (bar === undefined) {
        throw new Error("a write needs at least one trade");
      }
      const write = planSetWrite(loaded, bar, chunk, randomUUID());
      if (writeItems(write) <= TRANSACTION_ITEM_LIMIT || take === 1) {
        return write;
      }
    }
  }

  async function commitBar(update: BarUpdate, initial: LoadedBar | Error): Promise<BarOutcome> {
    if (initial instanceof Error) {
      return { status: "failed", error: initial, conflicts: 0 };
    }
    let loaded = initial;
    let conflicts = 0;
    let appliedTicks = 0;
    for (let attempt = 1; ; attempt += 1) {
      // A bar created under a shorter retention keeps its TTL: it closes by that one, or by the
      // earliest TTL among the pages read with it.
      if (
        appliedTicks === 0 &&
        loaded.stored !== null &&
        ttlIsClosing(earliestTtl(loaded), now())
      ) {
        return { status: "past-retention", conflicts };
      }
      const expiresAt = loaded.stored?.expiresAt ?? store.newBarExpiresAt(update.start);
      const applied = applyTrades(loaded.stored?.bar, update.ticks, (id) =>
        isCountedIn(loaded, id),
      );
      let remaining = applied.added;
      if (remaining.length === 0) {
        return {
          status: appliedTicks > 0 ? "written" : "unchanged",
          appliedTicks,
          duplicateTicks: update.ticks.length - appliedTicks,
          conflicts,
        };
      }
      let lost = false;
      while (remaining.length > 0) {
        const write = nextWrite(loaded, remaining);
        const writeId = randomUUID();
        let written: "written" | "conflict";
        try {
          written = await store.write(update.symbol, update.start, write, writeId, expiresAt);
        } catch (error) {
          // The write may have landed with only its response lost (after the SDK gave up retrying).
          const landed = await store.read(update).then(
            (stored) => stored?.writeId === writeId,
            () => false,
          );
          if (!landed) {
            return { status: "failed", error: asError(error), conflicts };
          }
          written = "written";
        }
        if (written === "conflict") {
          try {
            if (attempt > 1) {
              await sleep(backoffMs(attempt - 1));
            }
            const current = await loadBar(update);
            remember(update.key, current.stored);
            if (current.stored?.writeId === writeId) {
              // This write landed; its response was lost and the SDK's retry failed the condition.
              written = "written";
            } else {
              conflicts += 1;
              loaded = current;
              lost = true;
            }
          } catch (error) {
            return { status: "failed", error: asError(error), conflicts };
          }
        }
        if (lost) {
          break;
        }
        appliedTicks += write.added.length;
        loaded = afterWrite(loaded, write, (write.expectedVersion ?? 0) + 1, writeId, expiresAt);
        remember(update.key, loaded.stored);
        remaining = remaining.slice(write.added.length);
      }
      if (!lost) {
        return {
          status: "written",
          appliedTicks,
          duplicateTicks: update.ticks.length - appliedTicks,
          conflicts,
        };
      }
      if (attempt >= maxWriteAttempts) {
        return {
          status: "failed",
          error: new Error(`conditional write lost ${conflicts} races in a row`),
          conflicts,
        };
      }
    }
  }

  /**
   * Page directories of the large sets this container has written or read, newest last: with
   * them the pages a batch needs are read in the same round as the bar items. Only a hint: the
   * bar item read in that round decides, and pages it names that were not read are read next.
   */
  const directories = new Map<
    string,
    { readonly setId: string; readonly directory: PageDirectory }
  >();
  const remember = (key: string, stored: StoredBar | null): void => {
    directories.delete(key);
    if (stored?.trades.kind === "paged") {
      directories.set(key, { setId: stored.trades.setId, directory: stored.trades.directory });
      if (directories.size > DIRECTORY_CACHE_SIZE) {
        directories.delete(directories.keys().next().value as string);
      }
    }
  };

  /** Every touched bar with the pages its ticks need, in one read round when the cache knows. */
  async function loadBars(updates: readonly BarUpdate[]): Promise<Map<string, LoadedBar | Error>> {
    const predicted = new Map<string, PageRequest>();
    for (const update of updates) {
      const known = directories.get(update.key);
      if (known !== undefined) {
        const pages = new Map<string, PageAddress>();
        for (const tick of update.ticks) {
          const page = known.directory.pageOf(hashTradeId(tick.tradeId));
          pages.set(pageId(page), page);
        }
        predicted.set(update.key, {
          symbol: update.symbol,
          start: update.start,
          setId: known.setId,
          pages: [...pages.values()],
        });
      }
    }
    const first = await store.readRound(updates, [...predicted.values()]);
    const loaded = new Map<string, LoadedBar | Error>();
    const secondRound: PageRequest[] = [];
    const partial = new Map<string, Map<string, StoredPage>>();
    for (const update of updates) {
      const read = first.bars.get(update.key);
      if (read === undefined || read instanceof Error) {
        loaded.set(update.key, read ?? new Error("bar was not read"));
        continue;
      }
      remember(update.key, read);
      if (read === null || read.trades.kind === "inline") {
        loaded.set(update.key, { stored: read, pages: new Map() });
        continue;
      }
      const guess = predicted.get(update.key);
      const fetched = guess?.setId === read.trades.setId ? first.pages.get(update.key) : undefined;
      const requested = new Set(guess?.pages.map(pageId));
      const needed = pagesNeeded(
        read,
        update.ticks.map((tick) => tick.tradeId),
      );
      const have = new Map<string, StoredPage>();
      const missing: PageAddress[] = [];
      for (const page of needed) {
        const id = pageId(page);
        const stored = fetched instanceof Map ? fetched.get(id) : undefined;
        if (fetched instanceof Map && requested.has(id)) {
          if (stored !== undefined) {
            have.set(id, stored);
          }
        } else {
          missing.push(page);
        }
      }
      if (missing.length === 0) {
        loaded.set(update.key, { stored: read, pages: have });
        continue;
      }
      partial.set(update.key, have);
      secondRound.push({
        symbol: update.symbol,
        start: update.start,
        setId: read.trades.setId,
        pages: missing,
      });
    }
    if (secondRound.length > 0) {
      const pages = await store.readPages(secondRound);
      for (const request of secondRound) {
        const key = barKey(request.symbol, request.start);
        const found = pages.get(key);
        if (found instanceof Error || found === undefined) {
          loaded.set(key, found ?? new Error("pages were not read"));
          continue;
        }
        const all = partial.get(key) ?? new Map<string, StoredPage>();
        for (const [id, page] of found) {
          all.set(id, page);
        }
        loaded.set(key, { stored: first.bars.get(key) as StoredBar, pages: all });
      }
    }
    return loaded;
  }

  return { loadBars, commitBar };
}
