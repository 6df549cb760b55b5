import { TRADE_PAGE_PARTITION_PREFIX } from "../../functions/shared/bar-codec";
import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { TTL_ATTRIBUTE } from "./local-resources";

export interface TtlAudit {
  readonly items: number;
  /** Items whose TTL attribute is the minute start of their bar plus the retention, in seconds. */
  readonly expiring: number;
  /** A few items without the right TTL: `pk sk expiresAt`. */
  readonly wrong: readonly string[];
}

const MINUTE_SORT_KEY = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z)/;

/**
 * Scans the analytics table and checks that every bar item, and every page of a large trade set,
 * expires `retentionDays` after its minute. TTL is switched on for the local table (DynamoDB Local; dynalite, the fallback, cannot),
 * but it deletes nothing within a run, so this checks the attribute TTL acts on.
 */
export async function auditTtl(
  dynamodb: DynamoDBClient,
  tableName: string,
  retentionDays: number,
): Promise<TtlAudit> {
  let items = 0;
  let expiring = 0;
  const wrong: string[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: "pk, sk, #ttl",
        ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      items += 1;
      const sortKey = item.sk?.S ?? "";
      // A page of a large trade set carries its bar's minute in its partition key and expires with it.
      const pk = item.pk?.S ?? "";
      const minuteText = pk.startsWith(TRADE_PAGE_PARTITION_PREFIX)
        ? pk.slice(pk.lastIndexOf("#") + 1)
        : sortKey;
      const minute = MINUTE_SORT_KEY.exec(minuteText)?.[1];
      const expected =
        minute === undefined ? undefined : Date.parse(minute) / 1000 + retentionDays * 86_400;
      const actual = Number(item[TTL_ATTRIBUTE]?.N);
      if (expected !== undefined && actual === expected) {
        expiring += 1;
      } else if (wrong.length < 5) {
        wrong.push(`${item.pk?.S ?? "?"} ${sortKey} ${item[TTL_ATTRIBUTE]?.N ?? "(none)"}`);
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { items, expiring, wrong };
}
