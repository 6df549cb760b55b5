import { QueryCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBClient, QueryCommandOutput } from "@aws-sdk/client-dynamodb";
import type { Bar } from "../domain/bar";
import { mergeBars } from "../domain/bar";
import { INTERVAL_MS, MINUTE_MS, bucketStart } from "../domain/time";
import type { Item } from "../shared/bar-codec";
import { barPartitionKey, barProjection, barSortKey, decodeBar } from "../shared/bar-codec";
import type { BarsQuery } from "./params";

/** Items per Query request: enough for a page of 1-minute bars, small enough to stay under 1 MB. */
const MAX_ITEMS_PER_QUERY = 2_000;

export interface BarsPage {
  /** Bars of the query's interval, oldest first, at most `limit`. */
  readonly bars: readonly Bar[];
  /** Sort key of the last item read when more bars follow, else `null`. */
  readonly lastSortKey: string | null;
}

/**
 * Reads one page of bars: 1-minute items in sort-key order, merged into buckets of the interval.
 * A page ends on a bucket boundary, so no bar is split across pages; it ends early only when
 * `limit` buckets are complete and an item of the next bucket exists.
 */
export async function readBarsPage(
  client: DynamoDBClient,
  tableName: string,
  query: BarsQuery,
): Promise<BarsPage> {
  const size = INTERVAL_MS[query.interval];
  const minutesPerBar = size / MINUTE_MS;
  const low = query.after === null ? query.from : bucketStart(query.after, query.interval) + size;
  const high = query.to - MINUTE_MS;
  const bars: Bar[] = [];
  if (low > high) {
    return { bars, lastSortKey: null };
  }
  let lastSortKey: string | null = null;
  let exclusiveStartKey: Item | undefined;
  const projection = barProjection();
  for (;;) {
    const itemsWanted = (query.limit - bars.length + 1) * minutesPerBar + 1;
    const response: QueryCommandOutput = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :low AND :high",
        ExpressionAttributeValues: {
          ":pk": { S: barPartitionKey(query.symbol) },
          ":low": { S: barSortKey(low) },
          ":high": { S: barSortKey(high) },
        },
        ...projection,
        Limit: Math.min(itemsWanted, MAX_ITEMS_PER_QUERY),
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    for (const item of response.Items ?? []) {
      const minute = decodeBar(item);
      const start = bucketStart(minute.start, query.interval);
      const relabelled: Bar = { ...minute, interval: query.interval, start };
      const current = bars.at(-1);
      if (current !== undefined && current.start === start) {
        bars[bars.length - 1] = mergeBars(current, relabelled);
      } else if (bars.length === query.limit) {
        return { bars, lastSortKey };
      } else {
        bars.push(relabelled);
      }
      lastSortKey = barSortKey(minute.start);
    }
    if (response.LastEvaluatedKey === undefined) {
      return { bars, lastSortKey: null };
    }
    exclusiveStartKey = response.LastEvaluatedKey;
  }
}

/** The latest 1-minute bar of a symbol, or `null` when it has none. */
export async function readLatestBar(
  client: DynamoDBClient,
  tableName: string,
  symbol: string,
): Promise<Bar | null> {
  const response = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: barPartitionKey(symbol) } },
      ...barProjection(),
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  const item = response.Items?.[0];
  return item === undefined ? null : decodeBar(item);
}
