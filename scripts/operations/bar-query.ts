import { QueryCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBClient, QueryCommandOutput } from "@aws-sdk/client-dynamodb";
import type { Bar } from "../../functions/domain/bar";
import { barKey } from "../../functions/domain/idempotency";
import { MINUTE_MS } from "../../functions/domain/time";
import type { Item } from "../../functions/shared/bar-codec";
import {
  barPartitionKey,
  barProjection,
  barSortKey,
  decodeBar,
} from "../../functions/shared/bar-codec";

/**
 * The 1-minute bars of `symbol` with start in [from, to), as the API reads them (bar attributes
 * only), strongly consistent. An item that does not decode comes back as its error.
 */
export async function queryBars(
  dynamodb: DynamoDBClient,
  tableName: string,
  symbol: string,
  from: number,
  to: number,
): Promise<Map<string, Bar | Error>> {
  const bars = new Map<string, Bar | Error>();
  let exclusiveStartKey: Item | undefined;
  do {
    const response: QueryCommandOutput = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :low AND :high",
        ExpressionAttributeValues: {
          ":pk": { S: barPartitionKey(symbol) },
          ":low": { S: barSortKey(from) },
          ":high": { S: barSortKey(to - MINUTE_MS) },
        },
        ...barProjection(),
        ConsistentRead: true,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    for (const item of response.Items ?? []) {
      const start = Date.parse(item.sk?.S ?? "");
      try {
        const bar = decodeBar(item);
        bars.set(barKey(symbol, bar.start), bar);
      } catch (error) {
        bars.set(barKey(symbol, start), error instanceof Error ? error : new Error(String(error)));
      }
    }
    exclusiveStartKey = response.LastEvaluatedKey;
  } while (exclusiveStartKey !== undefined);
  return bars;
}
