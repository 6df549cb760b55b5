import { randomUUID } from "node:crypto";
import { BatchGetItemCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type {
  BatchGetItemCommandOutput,
  DynamoDBClient,
  KeysAndAttributes,
} from "@aws-sdk/client-dynamodb";
import type { BarState } from "../domain/idempotency";
import { barKey } from "../domain/idempotency";
import type { Item, StoredBar } from "../shared/bar-codec";
import { barItemKey, decodeStoredBar, encodeBarItem } from "../shared/bar-codec";

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

/** DynamoDB access for the processor: consistent batch reads and conditional whole-item writes. */
export class BarStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly ttlDays: number;
  private readonly unprocessedKeyRounds: number;
  private readonly backoffMs: (attempt: number) => number;

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
          new BatchGetItemCommand({ RequestItems: { [this.tableName]: pending } }),
        );
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

  /** Strongly consistent read of one bar, after a conditional write lost a race. */
  async read(address: BarAddress): Promise<StoredBar | null> {
    const response = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: barItemKey(address.symbol, address.start),
        ConsistentRead: true,
      }),
    );
    return response.Item === undefined ? null : decodeStoredBar(response.Item);
  }

  /**
   * Writes the whole item if the stored version is still `expectedVersion` (`null`: no item yet).
   * Returns the stored bar, or `"conflict"` when the condition failed: another writer got there
   * first, or this very write landed and its response was lost (the SDK's retry then fails the
   * condition; the caller tells the two apart by `writeId`).
   */
  async write(
    state: BarState,
    expectedVersion: number | null,
    writeId: string = randomUUID(),
  ): Promise<StoredBar | "conflict"> {
    const version = (expectedVersion ?? 0) + 1;
    const condition =
      expectedVersion === null
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : {
            ConditionExpression: "#version = :expected",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: { ":expected": { N: String(expectedVersion) } },
          };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: encodeBarItem(state, version, writeId, this.ttlDays),
          ...condition,
        }),
      );
      return { state, version, writeId };
    } catch (error) {
      // By name: an instanceof check fails across copies of the SDK module.
      if (error instanceof Error && error.name === "ConditionalCheckFailedException") {
        return "conflict";
      }
      throw error;
    }
  }
}
