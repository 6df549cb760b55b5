import {
  BatchGetItemCommand,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import type {
  BatchGetItemCommandOutput,
  ConsumedCapacity,
  DynamoDBClient,
  KeysAndAttributes,
  TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { barKey } from "../domain/idempotency";
import type { PageAddress } from "../domain/trade-set";
import { pageId } from "../domain/trade-set";
import type { Item, StoredBar, StoredPage } from "../shared/bar-codec";
import {
  barExpiresAt,
  barItemKey,
  decodeStoredBar,
  decodeTradePage,
  encodeBarItem,
  encodeTradePageItem,
  tradePageItemKey,
} from "../shared/bar-codec";
import type { SetWrite } from "./trade-set-writes";

/** BatchGetItem takes at most 100 keys per request. */
export const BATCH_GET_LIMIT = 100;

export interface BarStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Bars expire this many days after their minute. */
  readonly ttlDays: number;
  /**
   * Rounds of BatchGetItem for keys DynamoDB returns as unprocessed (it does so under throttling).
   * @default 6
   */
  readonly unprocessedKeyRounds?: number;
  /** Wait before retry `attempt` (1-based), in milliseconds. @default - full jitter, 25 ms doubling, capped at 1 s */
  readonly backoffMs?: (attempt: number) => number;
}

/** A bar to read, identified by symbol and minute start. */
export interface BarAddress {
  readonly symbol: string;
  readonly start: number;
}

/** Per bar key: the stored bar, `null` when there is none, or the error that prevented the read. */
export type BarReads = Map<string, StoredBar | null | Error>;

/** Per bar key: the pages read by page id (a page without an item is absent), or the error. */
export type PageReads = Map<string, Map<string, StoredPage> | Error>;

export const defaultBackoffMs = (attempt: number): number =>
  Math.random() * Math.min(1_000, 25 * 2 ** attempt);

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

function keyOfItem(item: Item): string {
  const pk = item.pk?.S ?? "";
  return `${pk}\u0000${item.sk?.S ?? ""}`;
}

/** Pages of one bar's large set to read. */
export interface PageRequest extends BarAddress {
  readonly setId: string;
  readonly pages: readonly PageAddress[];
}

/** Read and write capacity the store consumed, as DynamoDB reports it (`ReturnConsumedCapacity`). */
export interface CapacityUsage {
  readUnits: number;
  writeUnits: number;
}

const conditionOn = (expectedVersion: number | null) =>
  expectedVersion === null
    ? { ConditionExpression: "attribute_not_exists(pk)" }
    : {
        ConditionExpression: "#version = :expected",
        ExpressionAttributeNames: { "#version": "version" },
        ExpressionAttributeValues: { ":expected": { N: String(expectedVersion) } },
      };

function isConflict(error: unknown): boolean {
  // By name: an instanceof check fails across copies of the SDK module. A cancelled transaction
  // is a conflict when a condition failed (or another transaction held an item).
  if (!(error instanceof Error)) {
    return false;
  }
  if (error.name === "ConditionalCheckFailedException") {
    return true;
  }
  if (error.name !== "TransactionCanceledException") {
    return false;
  }
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return (reasons ?? []).some(
    (reason) => reason.Code === "ConditionalCheckFailed" || reason.Code === "TransactionConflict",
  );
}

/** DynamoDB access for the processor: consistent batch reads and conditional writes. */
export class BarStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly ttlDays: number;
  private readonly unprocessedKeyRounds: number;
  private readonly backoffMs: (attempt: number) => number;
  /** Capacity consumed since this store was made (reads and writes DynamoDB reported). */
  readonly usage: CapacityUsage = { readUnits: 0, writeUnits: 0 };

  constructor(options: BarStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.ttlDays = options.ttlDays;
    this.unprocessedKeyRounds = options.unprocessedKeyRounds ?? 6;
    this.backoffMs = options.backoffMs ?? defaultBackoffMs;
  }

  /**
   * Strongly consistent BatchGetItem of `keys` (at most 100 per request, requests in parallel),
   * retrying unprocessed keys with backoff. Per key (see `keyOfItem`): the item, `null` when
   * there is none, or the error of its request.
   */
  private async getItems(keys: readonly Item[]): Promise<Map<string, Item | null | Error>> {
    const found = new Map<string, Item | null | Error>();
    const chunks: Item[][] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      chunks.push(keys.slice(i, i + BATCH_GET_LIMIT));
    }
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending: KeysAndAttributes | undefined = { Keys: chunk, ConsistentRead: true };
        try {
          for (let round = 1; pending !== undefined; round += 1) {
            const requested: Item[] = pending.Keys ?? [];
            const response: BatchGetItemCommandOutput = await this.client.send(
              new BatchGetItemCommand({
                RequestItems: { [this.tableName]: pending },
                ReturnConsumedCapacity: "TOTAL",
              }),
            );
            this.count("read", response.ConsumedCapacity);
            for (const item of response.Responses?.[this.tableName] ?? []) {
              found.set(keyOfItem(item), item);
            }
            const unprocessed: KeysAndAttributes | undefined =
              response.UnprocessedKeys?.[this.tableName];
            const held = new Set((unprocessed?.Keys ?? []).map(keyOfItem));
            // A requested key that came back neither as an item nor as unprocessed has no item.
            for (const key of requested.map(keyOfItem)) {
              if (!held.has(key) && !found.has(key)) {
                found.set(key, null);
              }
            }
            if (held.size === 0) {
              pending = undefined;
            } else if (round >= this.unprocessedKeyRounds) {
              const count = held.size === 1 ? "1 key" : `${held.size} keys`;
              throw new Error(`BatchGetItem left ${count} unprocessed after ${round} rounds`);
            } else {
              pending = unprocessed;
              await sleep(this.backoffMs(round));
            }
          }
        } catch (error) {
          const failure = error instanceof Error ? error : new Error(String(error));
          for (const key of chunk.map(keyOfItem)) {
            if (!found.has(key)) {
              found.set(key, failure);
            }
          }
        }
      }),
    );
    return found;
  }

  /**
   * One read round: the bar items of `addresses` and the pages of `pageRequests`, together in
   * strongly consistent BatchGetItem requests. A failure affects only the keys of its request.
   */
  async readRound(
    addresses: readonly BarAddress[],
    pageRequests: readonly PageRequest[] = [],
  ): Promise<{ readonly bars: BarReads; readonly pages: PageReads }> {
    const keys: Item[] = addresses.map((address) => barItemKey(address.symbol, address.start));
    for (const request of pageRequests) {
      for (const page of request.pages) {
        keys.push(tradePageItemKey(request.symbol, request.start, request.setId, page));
      }
    }
    const found = await this.getItems(keys);
    const bars: BarReads = new Map();
    for (const address of addresses) {
      const item = found.get(keyOfItem(barItemKey(address.symbol, address.start)));
      const key = barKey(address.symbol, address.start);
      if (item === undefined || item === null || item instanceof Error) {
        bars.set(key, item ?? null);
        continue;
      }
      try {
        bars.set(key, decodeStoredBar(item));
      } catch (error) {
        bars.set(key, error instanceof Error ? error : new Error(String(error)));
      }
    }
    const pages: PageReads = new Map();
    for (const request of pageRequests) {
      const key = barKey(request.symbol, request.start);
      let read: Map<string, StoredPage> | Error = new Map();
      for (const page of request.pages) {
        const item = found.get(
          keyOfItem(tradePageItemKey(request.symbol, request.start, request.setId, page)),
        );
        if (item instanceof Error) {
          read = item;
          break;
        }
        if (item !== undefined && item !== null) {
          try {
            read.set(pageId(page), decodeTradePage(item, page));
          } catch (error) {
            read = error instanceof Error ? error : new Error(String(error));
            break;
          }
        }
      }
      pages.set(key, read);
    }
    return { bars, pages };
  }

  /** Bar items only, in one read round. */
  async readMany(addresses: readonly BarAddress[]): Promise<BarReads> {
    return (await this.readRound(addresses)).bars;
  }

  /** Pages of large sets only, in one read round. */
  async readPages(requests: readonly PageRequest[]): Promise<PageReads> {
    return (await this.readRound([], requests)).pages;
  }

  /** Adds DynamoDB's reported capacity (`CapacityUnits`: what the operation was billed). */
  private count(
    kind: "read" | "write",
    consumed: ConsumedCapacity[] | ConsumedCapacity | undefined,
  ): void {
    for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      if (kind === "read") {
        this.usage.readUnits += entry.CapacityUnits ?? 0;
      } else {
        this.usage.writeUnits += entry.CapacityUnits ?? 0;
      }
    }
  }

  /** Strongly consistent read of one bar item, after a conditional write lost a race. */
  async read(address: BarAddress): Promise<StoredBar | null> {
    const response = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: barItemKey(address.symbol, address.start),
        ConsistentRead: true,
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    this.count("read", response.ConsumedCapacity);
    return response.Item === undefined ? null : decodeStoredBar(response.Item);
  }

  /** The TTL of a bar written for the first time, epoch seconds: its minute plus the retention. */
  newBarExpiresAt(start: number): number {
    return barExpiresAt(start, this.ttlDays);
  }

  /**
   * Writes a bar (and for a large set the pages the write changes) if nothing changed since it
   * was read, every item with the TTL `expiresAt` (an existing bar's own, so that a bar and all
   * its pages expire together whatever the retention is now): the bar item's version and each page's version are the conditions. A small set is
   * one PutItem; a large one a TransactWriteItems, all or nothing. Returns `"conflict"` when a
   * condition failed: another writer got there first, or this very write landed and its response
   * was lost (the SDK's retry then fails the condition; the caller tells the two apart by
   * `writeId`). A transaction's retry carries the same ClientRequestToken, which DynamoDB treats
   * as the same request for 10 minutes (API reference, TransactWriteItems).
   */
  async write(
    symbol: string,
    start: number,
    write: SetWrite,
    writeId: string,
    expiresAt: number,
  ): Promise<"written" | "conflict"> {
    const version = (write.expectedVersion ?? 0) + 1;
    const barItem = encodeBarItem(write.bar, write.trades, version, writeId, expiresAt);
    try {
      if (write.pagePuts.length === 0 && write.pageDeletes.length === 0) {
        const response = await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: barItem,
            ...conditionOn(write.expectedVersion),
            ReturnConsumedCapacity: "TOTAL",
          }),
        );
        this.count("write", response.ConsumedCapacity);
        return "written";
      }
      if (write.trades.kind !== "paged") {
        throw new RangeError("page writes need a paged set");
      }
      const setId = write.trades.setId;
      const items: TransactWriteItem[] = [
        {
          Put: { TableName: this.tableName, Item: barItem, ...conditionOn(write.expectedVersion) },
        },
      ];
      for (const deleted of write.pageDeletes) {
        items.push({
          Delete: {
            TableName: this.tableName,
            Key: tradePageItemKey(symbol, start, setId, deleted.page),
            ...conditionOn(deleted.expectedVersion),
          },
        });
      }
      for (const put of write.pagePuts) {
        items.push({
          Put: {
            TableName: this.tableName,
            Item: encodeTradePageItem(
              symbol,
              start,
              setId,
              put.page,
              put.bytes,
              (put.expectedVersion ?? 0) + 1,
              expiresAt,
            ),
            ...conditionOn(put.expectedVersion),
          },
        });
      }
      const response = await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: items,
          ClientRequestToken: writeId,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      this.count("write", response.ConsumedCapacity);
      return "written";
    } catch (error) {
      if (isConflict(error)) {
        return "conflict";
      }
      throw error;
    }
  }
}
