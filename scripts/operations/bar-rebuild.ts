import { randomUUID } from "node:crypto";
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBClient, WriteRequest } from "@aws-sdk/client-dynamodb";
import type { Bar } from "../../functions/domain/bar";
import { barKey } from "../../functions/domain/idempotency";
import type { Tick } from "../../functions/domain/tick";
import { toIso } from "../../functions/domain/time";
import { BarStore, sleep } from "../../functions/market-processor/bar-store";
import { planSetWrite } from "../../functions/market-processor/trade-set-writes";
import type { Item, StoredBar } from "../../functions/shared/bar-codec";
import {
  barItemKey,
  decodeStoredBar,
  encodeBarItem,
  encodeTradePageItem,
  tradePageItemKey,
  barExpiresAt,
} from "../../functions/shared/bar-codec";
import type { RebuildOutcome, RebuildTarget, TableBarState } from "./rebuild-target";
import { sameBar } from "./rebuild-target";

/**
 * Writing a bar rebuilt from the archive, safely while the live processor runs.
 *
 * Per bar: read the bar item and every page of its set (strongly consistent); then
 * 1. write the pages of a large set FIRST, under a fresh set id, with plain puts: nothing points
 *    at them yet, so no reader sees them;
 * 2. put the bar item (pointing at the new set, version + 1, a new `writeId`) on the condition
 *    that its version is still the one read (or that there is still no item);
 * 3. if the condition fails, the live processor got there first: delete the unused pages, read
 *    again and redo the bar; a write whose response was lost is recognised by its `writeId`;
 * 4. once the bar item points at the new set, the old set's pages are deleted: nothing can reach
 *    them any more (a live write that still expects them carries the old bar version in the same
 *    transaction, which now fails). A delete that fails leaves them to TTL (`expiresAt`).
 *
 * The archive is the only source of a trade's price and size: a bar's set holds trade ids only.
 * So a bar that holds a trade id the archive does not have (the archive lags, a batch of the
 * archiver is still dead-lettered, or the trade arrived after `--late-minutes`) is NOT rewritten,
 * unless the operator says so (`dropUnarchived`): that would drop a trade the live path counted.
 *
 * The target and outcome types are in `rebuild-target.ts`; reading a range of bars back is
 * `queryBars` in `bar-query.ts`.
 */

export interface BarWriterOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** Bars (and pages) expire this many days after their minute, as the live path writes them. */
  readonly ttlDays: number;
  /** Rewrite bars that hold trades the archive lacks (dropping them), and delete bars it has no trade for. */
  readonly dropUnarchived: boolean;
  /** Decide, but write nothing. */
  readonly dryRun: boolean;
  /** Rounds of read-and-write per bar before giving up on conflicts. @default 8 */
  readonly maxAttempts?: number;
  /** Wait before retry `attempt` (1-based). @default - full jitter, 50 ms doubling, capped at 2 s */
  readonly backoffMs?: (attempt: number) => number;
}

const defaultBackoff = (attempt: number): number =>
  Math.random() * Math.min(2_000, 50 * 2 ** attempt);

/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Writes bars rebuilt from the archive; one instance per command run. */
export class BarWriter {
  private readonly store: BarStore;
  private readonly maxAttempts: number;
  private readonly backoffMs: (attempt: number) => number;

  constructor(private readonly options: BarWriterOptions) {
    this.store = new BarStore({
      client: options.dynamodb,
      tableName: options.tableName,
      ttlDays: options.ttlDays,
    });
    this.maxAttempts = options.maxAttempts ?? 8;
    this.backoffMs = options.backoffMs ?? defaultBackoff;
  }

  /** The bar item and, for a large set, all its pages, strongly consistent. */
  async readState(symbol: string, start: number): Promise<TableBarState> {
    const response = await this.options.dynamodb.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: barItemKey(symbol, start),
        ConsistentRead: true,
      }),
    );
    const item = response.Item;
    if (item === undefined) {
      return { kind: "absent" };
    }
    let stored: StoredBar;
    try {
      stored = decodeStoredBar(item);
    } catch (error) {
      const version = Number(item.version?.N);
      return {
        kind: "undecodable",
        version: Number.isSafeInteger(version) && version >= 1 ? version : null,
        reason: messageOf(error),
      };
    }
    if (stored.trades.kind === "inline") {
      return { kind: "stored", stored, ids: stored.trades.ids, pages: [] };
    }
    const setId = stored.trades.setId;
    const addresses = stored.trades.directory.all();
    const read = (await this.store.readPages([{ symbol, start, setId, pages: addresses }])).get(
      barKey(symbol, start),
    );
    if (read === undefined || read instanceof Error) {
      throw read ?? new Error(`the pages of ${symbol} ${toIso(start)} were not read`);
    }
    const ids = new Set<string>();
    for (const page of read.values()) {
      for (const id of page.ids) {
        ids.add(id);
      }
    }
    return {
      kind: "stored",
      stored,
      ids,
      pages: addresses.map((page) => ({ setId, page })),
    };
  }

  /** Makes the table's bar equal the target (see the module comment for the rules). */
  async rebuild(target: RebuildTarget): Promise<RebuildOutcome> {
    const { symbol, start } = target;
    const wanted = new Set(target.trades.map((trade) => trade.tradeId));
    let conflicts = 0;
    for (let attempt = 1; ; attempt += 1) {
      if (attempt > 1) {
        await sleep(this.backoffMs(attempt - 1));
      }
      if (attempt > this.maxAttempts) {
        return {
          status: "failed",
          reason: `the bar changed under ${conflicts} writes in a row (a busy live bar); run again`,
        };
      }
      let state: TableBarState;
      try {
        state = await this.readState(symbol, start);
      } catch (error) {
        return { status: "failed", reason: `reading the bar failed: ${messageOf(error)}` };
      }
      if (state.kind === "stored") {
        let unarchived = 0;
        let example: string | undefined;
        for (const id of state.ids) {
          if (!wanted.has(id)) {
            unarchived += 1;
            example ??= id;
          }
        }
        if (unarchived > 0 && !this.options.dropUnarchived) {
          return {
            status: "skipped",
            reason: `the bar holds ${unarchived} trade${unarchived === 1 ? "" : "s"} the archive does not have (e.g. ${JSON.stringify(example)}): the archive lags or misses records (redrive the market-archiver's dead-letter queue), or they arrived after --late-minutes. Not rewritten; --drop-unarchived drops them`,
          };
        }
        if (
          target.bar !== undefined &&
          unarchived === 0 &&
          state.ids.size === wanted.size &&
          sameBar(state.stored.bar, target.bar)
        ) {
          return { status: "unchanged" };
        }
      }
      if (target.bar === undefined) {
        if (state.kind === "absent") {
          return { status: "unchanged" };
        }
        if (state.kind === "undecodable" && !this.options.dropUnarchived) {
          return {
            status: "skipped",
            reason: `the archive has no trade for this bar, and its item cannot be read (${state.reason}). Not deleted; --drop-unarchived deletes it`,
          };
        }
        if (this.options.dryRun) {
          return { status: "deleted", conflicts };
        }
        const deleted = await this.deleteBar(symbol, start, state);
        if (deleted === "conflict") {
          conflicts += 1;
          continue;
        }
        if (deleted instanceof Error) {
          return { status: "failed", reason: `deleting the bar failed: ${deleted.message}` };
        }
        return { status: "deleted", conflicts };
      }
      const written = await this.writeBar(target.bar, target.trades, state);
      if (written === "conflict") {
        conflicts += 1;
        continue;
      }
      if (written instanceof Error) {
        return { status: "failed", reason: `writing the bar failed: ${written.message}` };
      }
      return { ...written, conflicts };
    }
  }

  private expectedVersion(state: TableBarState): number | null {
    if (state.kind === "absent") {
      return null;
    }
    return state.kind === "stored" ? state.stored.version : state.version;
  }

  /** The condition that the item is still as read. */
  private condition(state: TableBarState) {
    const version = this.expectedVersion(state);
    if (state.kind === "absent") {
      return { ConditionExpression: "attribute_not_exists(pk)" };
    }
    if (version === null) {
      return {
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(#version)",
        ExpressionAttributeNames: { "#version": "version" },
      };
    }
    return {
      ConditionExpression: "#version = :expected",
      ExpressionAttributeNames: { "#version": "version" },
      ExpressionAttributeValues: { ":expected": { N: String(version) } },
    };
  }

  private async writeBar(
    bar: Bar,
    trades: readonly Tick[],
    state: TableBarState,
  ): Promise<
    | Error
    | "conflict"
    | {
        status: "written";
        replaced: boolean;
        layout: "inline" | "paged";
        pagesWritten: number;
        oldPagesDeleted: number;
      }
  > {
    const { symbol, start } = bar;
    const setId = randomUUID();
    // The layout the live path gives a set of these trades: inline while it fits, else pages.
    const plan = planSetWrite({ stored: null, pages: new Map() }, bar, trades, setId);
    const layout = plan.trades.kind;
    const pageItems: Item[] = plan.pagePuts.map((put) =>
      encodeTradePageItem(
        symbol,
        start,
        setId,
        put.page,
        put.bytes,
        1,
        barExpiresAt(start, this.options.ttlDays),
      ),
    );
    const oldPages = state.kind === "stored" ? state.pages : [];
    const result = {
      status: "written" as const,
      replaced: state.kind !== "absent",
      layout,
      pagesWritten: pageItems.length,
      oldPagesDeleted: 0,
    };
    if (this.options.dryRun) {
      return { ...result, oldPagesDeleted: oldPages.length };
    }
    const newPageKeys = pageItems.map((item) => ({ pk: item.pk, sk: item.sk }));
    try {
      await this.batchWrite(pageItems.map((item) => ({ PutRequest: { Item: item } })));
    } catch (error) {
      await this.deleteQuietly(newPageKeys);
      return error instanceof Error ? error : new Error(String(error));
    }
    const writeId = randomUUID();
    const version = (this.expectedVersion(state) ?? 0) + 1;
    try {
      await this.options.dynamodb.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: encodeBarItem(
            bar,
            plan.trades,
            version,
            writeId,
            barExpiresAt(bar.start, this.options.ttlDays),
          ),
          ...this.condition(state),
        }),
      );
    } catch (error) {
      // A lost response: the SDK's retry fails the condition, or the error reaches us. Either
      // way, the item tells whether this write landed.
      const landed = await this.landed(symbol, start, writeId);
      if (!landed) {
        await this.deleteQuietly(newPageKeys);
        return isConditionFailure(error)
          ? "conflict"
          : error instanceof Error
            ? error
            : new Error(String(error));
      }
    }
    const deleted = await this.deleteQuietly(
      oldPages.map(({ setId: oldSet, page }) => tradePageItemKey(symbol, start, oldSet, page)),
    );
    return { ...result, oldPagesDeleted: deleted };
  }

  private async deleteBar(
    symbol: string,
    start: number,
    state: TableBarState,
  ): Promise<"deleted" | "conflict" | Error> {
    try {
      await this.options.dynamodb.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: barItemKey(symbol, start),
          ...this.condition(state),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        // Deleted by this very request (response lost, SDK retry failed the condition)?
        const after = await this.readState(symbol, start).catch(() => undefined);
        if (after?.kind === "absent") {
          return "deleted";
        }
        return "conflict";
      }
      return error instanceof Error ? error : new Error(String(error));
    }
    if (state.kind === "stored") {
      await this.deleteQuietly(
        state.pages.map(({ setId, page }) => tradePageItemKey(symbol, start, setId, page)),
      );
    }
    return "deleted";
  }

  private async landed(symbol: string, start: number, writeId: string): Promise<boolean> {
    try {
      const response = await this.options.dynamodb.send(
        new GetItemCommand({
          TableName: this.options.tableName,
          Key: barItemKey(symbol, start),
          ConsistentRead: true,
          ProjectionExpression: "writeId",
        }),
      );
      return response.Item?.writeId?.S === writeId;
    } catch {
      return false;
    }
  }

  /** BatchWriteItem in requests of 25, unprocessed items retried with backoff. */
  private async batchWrite(requests: readonly WriteRequest[]): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) {
      let pending: WriteRequest[] = requests.slice(i, i + BATCH_WRITE_LIMIT);
      for (let round = 1; pending.length > 0; round += 1) {
        if (round > 8) {
          throw new Error(`BatchWriteItem left ${pending.length} items unprocessed after 8 rounds`);
        }
        if (round > 1) {
          await sleep(this.backoffMs(round - 1));
        }
        const response = await this.options.dynamodb.send(
          new BatchWriteItemCommand({ RequestItems: { [this.options.tableName]: pending } }),
        );
        pending = response.UnprocessedItems?.[this.options.tableName] ?? [];
      }
    }
  }

  /** Deletes items nothing points at; a failure leaves them to TTL. Returns how many were deleted. */
  private async deleteQuietly(keys: readonly Item[]): Promise<number> {
    if (keys.length === 0) {
      return 0;
    }
    try {
      await this.batchWrite(keys.map((key) => ({ DeleteRequest: { Key: key } })));
      return keys.length;
    } catch {
      return 0;
    }
  }
}
