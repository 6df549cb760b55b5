import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBClient, ScanCommandOutput } from "@aws-sdk/client-dynamodb";
import type { Bar } from "../../../functions/domain/bar";
import { barKey } from "../../../functions/domain/idempotency";
import type { Item } from "../../../functions/shared/bar-codec";
import {
  BAR_PARTITION_PREFIX,
  TRADE_PAGE_PARTITION_PREFIX,
  decodeBar,
} from "../../../functions/shared/bar-codec";
import type { CommandIo } from "../../../scripts/operations/cli";
import { BarWriter } from "../../../scripts/operations/bar-rebuild";

/** Helpers shared by the operator commands' tests. */

/** A canonical lower-case UUID derived from `seed` (deterministic test trade ids). */
export function uuidOf(seed: string): string {
  const hex = createHash("md5").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Unique per test process: the local DynamoDB is shared by the whole test run. */
export function uniqueName(prefix: string, counter: number): string {
  return `${prefix}-${process.pid}-${counter}`;
}

/** What a bar is in the table: its values, its trade ids, its TTL and its set's layout. */
export interface BarState {
  readonly bar: Bar;
  readonly tradeIds: readonly string[];
  readonly expiresAt: string | undefined;
  readonly layout: "inline" | "paged";
}

async function scanItems(client: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page: ScanCommandOutput = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** Every bar of the table with its full trade set (pages read), by bar key. */
export async function tableState(
  client: DynamoDBClient,
  tableName: string,
): Promise<Map<string, BarState>> {
  const reader = new BarWriter({
    dynamodb: client,
    tableName,
    ttlDays: 7,
    dropUnarchived: false,
    dryRun: true,
  });
  const state = new Map<string, BarState>();
  for (const item of await scanItems(client, tableName)) {
    if (item.pk?.S?.startsWith(BAR_PARTITION_PREFIX) !== true) {
      continue;
    }
    const bar = decodeBar(item);
    const read = await reader.readState(bar.symbol, bar.start);
    if (read.kind !== "stored") {
      throw new Error(`bar ${bar.symbol} ${bar.start} is ${read.kind}`);
    }
    state.set(barKey(bar.symbol, bar.start), {
      bar: read.stored.bar,
      tradeIds: [...read.ids].sort(),
      expiresAt: item.expiresAt?.N,
      layout: read.stored.trades.kind,
    });
  }
  return state;
}

/** Page items of a bar's minute (any set), to see that old sets are cleaned up. */
export async function pageItemCount(
  client: DynamoDBClient,
  tableName: string,
  symbol: string,
  start: number,
): Promise<number> {
  const prefix = `${TRADE_PAGE_PARTITION_PREFIX}${symbol}#${new Date(start).toISOString()}`;
  return (await scanItems(client, tableName)).filter((item) => item.pk?.S === prefix).length;
}

/** The raw item of a bar, to corrupt it in a test. */
export async function rawBarItem(
  client: DynamoDBClient,
  tableName: string,
  symbol: string,
  start: number,
): Promise<Item> {
  const item = (await scanItems(client, tableName)).find(
    (candidate) =>
      candidate.pk?.S === `${BAR_PARTITION_PREFIX}${symbol}` &&
      candidate.sk?.S === new Date(start).toISOString(),
  );
  if (item === undefined) {
    throw new Error(`no bar ${symbol} ${start}`);
  }
  return item;
}

export interface StackOutputsInput {
  readonly tableName: string;
  readonly bucketName: string;
  readonly streamName?: string;
  readonly streamArn?: string;
  readonly processorQueueUrl?: string;
  readonly archiverQueueUrl?: string;
}

/** Writes a `pulumi stack output --json` document for `--outputs`; returns its path. */
export function writeOutputs(input: StackOutputsInput): string {
  const directory = mkdtempSync(join(tmpdir(), "stack-outputs-"));
  const file = join(directory, "outputs.json");
  writeFileSync(
    file,
    JSON.stringify({
      tableName: input.tableName,
      bucketName: input.bucketName,
      streamName: input.streamName ?? "dev-market-data-us-east-1-test",
      streamArn:
        input.streamArn ??
        "arn:aws:kinesis:us-east-1:000000000000:stream/dev-market-data-us-east-1-test",
      dlqUrls: {
        marketProcessor: input.processorQueueUrl ?? "http://127.0.0.1:9/000000000000/processor",
        marketArchiver: input.archiverQueueUrl ?? "http://127.0.0.1:9/000000000000/archiver",
      },
      analyticsApiUrl: "https://example.lambda-url.us-east-1.on.aws/",
    }),
  );
  return file;
}

/**
 * Command output captured in memory; the clock is fixed a day after the test market opens: late
 * enough for the market's minutes to be in the archive, early enough for its bars to be within
 * their retention.
 */
export function capturedIo(env: NodeJS.ProcessEnv = process.env): CommandIo & {
  readonly out: () => string;
  readonly err: () => string;
} {
  let out = "";
  let err = "";
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    env,
    now: () => Date.UTC(2024, 4, 2, 13, 45),
    out: () => out,
    err: () => err,
  };
}
