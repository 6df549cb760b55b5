import { randomUUID } from "node:crypto";
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
   * Reads bars with strongly consistent BatchGetItem requests of at most 100 keys, in parallel,
   * retrying unprocessed keys with backoff. A failure affects only the bars of its request.
   */
  async readMany(addresses: readonly BarAddress[]): Promise<BarReads> {
    const reads: BarReads = new Map();
    const chunks: BarAddress[][] = [];
    for (let i = 0; i < addresses.length; i += BATCH_GET_LIMIT) {
      chunks.push(addresses.slice(i, i + BATCH_GET_LIMIT));
    }
    await Promise.all(chunks.map((chunk) => this.readChunk(chunk, reads)));
    return reads;
  }

  private async readChunk(chunk: readonly BarAddress[], reads: BarReads): Promise<void> {
    const byItemKey = new Map<string, string>();
    for (const address of chunk) {
      byItemKey.set(
        keyOfItem(barItemKey(address.symbol, address.start)),
        barKey(address.symbol, address.start),
      );
    }
    let pending: KeysAndAttributes | undefined = {
      Keys: chunk.map((address) => barItemKey(address.symbol, address.start)),
      ConsistentRead: true,
    };
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
          const key = byItemKey.get(keyOfItem(item));
          if (key !== undefined) {
            reads.set(key, decodeStoredBar(item));
          }
        }
        const unprocessed: KeysAndAttributes | undefined =
          response.UnprocessedKeys?.[this.tableName];
        const held = new Set((unprocessed?.Keys ?? []).map(keyOfItem));
        // A requested key that came back neither as an item nor as unprocessed has no bar yet.
        for (const requestedKey of requested) {
          const itemKey = keyOfItem(requestedKey);
          const key = byItemKey.get(itemKey);
          if (key !== undefined && !held.has(itemKey) && !reads.has(key)) {
            reads.set(key, null);
          }
        }
        if (held.size === 0) {
          pending = undefined;
        } else if (round >= this.unprocessedKeyRounds) {
          const keys = held.size === 1 ? "1 key" : `${held.size} keys`;
          throw new Error(`BatchGetItem left ${keys} unprocessed after ${round} rounds`);
        } else {
          pending = unprocessed;
          await sleep(this.backoffMs(round));
        }
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const address of chunk) {
        const key = barKey(address.symbol, address.start);
        if (!reads.has(key)) {
          reads.set(key, failure);
        }
      }
    }
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

  /**
   * Reads pages of large sets with strongly consistent BatchGetItem requests of at most 100 keys.
   * Per bar key: its pages by page id (a page without an item is simply absent), or the error.
   */
  async readPages(
    requests: readonly PageRequest[],
  ): Promise<Map<string, Map<string, StoredPage> | Error>> {
    const result = new Map<string, Map<string, StoredPage> | Error>();
    const keys: { bar: string; page: PageAddress; key: Item }[] = [];
    for (const request of requests) {
      const bar = barKey(request.symbol, request.start);
      result.set(bar, new Map());
      for (const page of request.pages) {
        keys.push({
          bar,
          page,
          key: tradePageItemKey(request.symbol, request.start, request.setId, page),
        });
      }
    }
    const chunks: (typeof keys)[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      chunks.push(keys.slice(i, i + BATCH_GET_LIMIT));
    }
    await Promise.all(
      chunks.map(async (chunk) => {
        const byItemKey = new Map(chunk.map((entry) => [keyOfItem(entry.key), entry]));
        let pending: KeysAndAttributes | undefined = {
          Keys: chunk.map((entry) => entry.key),
          ConsistentRead: true,
        };
        try {
          for (let round = 1; pending !== undefined; round += 1) {
            const response: BatchGetItemCommandOutput = await this.client.send(
              new BatchGetItemCommand({
                RequestItems: { [this.tableName]: pending },
                ReturnConsumedCapacity: "TOTAL",
              }),
            );
            this.count("read", response.ConsumedCapacity);
            for (const item of response.Responses?.[this.tableName] ?? []) {
              const entry = byItemKey.get(keyOfItem(item));
              const pages = entry === undefined ? undefined : result.get(entry.bar);
              if (entry !== undefined && pages instanceof Map) {
                pages.set(pageId(entry.page), decodeTradePage(item, entry.page));
              }
            }
            const unprocessed: KeysAndAttributes | undefined =
              response.UnprocessedKeys?.[this.tableName];
            if ((unprocessed?.Keys ?? []).length === 0) {
              pending = undefined;
            } else if (round >= this.unprocessedKeyRounds) {
              throw new Error(`BatchGetItem left page keys unprocessed after ${round} rounds`);
            } else {
              pending = unprocessed;
              await sleep(this.backoffMs(round));
            }
          }
        } catch (error) {
          const failure = error instanceof Error ? error : new Error(String(error));
          for (const entry of chunk) {
            result.set(entry.bar, failure);
          }
        }
      }),
    );
    return result;
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

  /**
   * Writes a bar (and for a large set the pages the write changes) if nothing changed since it
   * was read: the bar item's version and each page's version are the conditions. A small set is
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
    writeId: string = randomUUID(),
  ): Promise<"written" | "conflict"> {
    const version = (write.expectedVersion ?? 0) + 1;
    const barItem = encodeBarItem(write.bar, write.trades, version, writeId, this.ttlDays);
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
        { Put: { TableName: this.tableName, Item: barItem, ...conditionOn(write.expectedVersion) } },
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
              this.ttlDays,
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
