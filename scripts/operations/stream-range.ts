import { GetRecordsCommand, GetShardIteratorCommand } from "@aws-sdk/client-kinesis";
import type { GetRecordsCommandOutput, KinesisClient } from "@aws-sdk/client-kinesis";
import type { StreamRecord } from "../../functions/domain/record";
import { compareSequenceNumbers } from "../../functions/domain/sequence";
import { sleep } from "../../functions/market-processor/bar-store";

/**
 * Re-reading one shard's records from `start` to `end` (both included) from the stream, while it
 * still holds them: GetShardIterator AT_SEQUENCE_NUMBER `start`, then GetRecords until a record
 * past `end` (or `end` itself) shows up.
 *
 * The range is complete only if the first record read is `start` itself (Kinesis trims records
 * after the stream's retention period; an iterator for a trimmed position starts later or is
 * refused) and `end` was reached.
 */

export type StreamRange =
  | { readonly status: "complete"; readonly records: readonly StreamRecord[] }
  | {
      readonly status: "incomplete";
      /** Whatever of the range the stream still had. */
      readonly records: readonly StreamRecord[];
      readonly reason: string;
    };

export interface StreamRangeOptions {
  /** Records per GetRecords call. @default 10000 */
  readonly limit?: number;
  /** Empty answers in a row before giving up on reaching `end`. @default 20 */
  readonly maxEmptyReads?: number;
  /** Wait after a throttled or empty read, in ms. @default 250 */
  readonly waitMs?: number;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function readStreamRange(
  kinesis: KinesisClient,
  streamName: string,
  shardId: string,
  start: string,
  end: string,
  options: StreamRangeOptions = {},
): Promise<StreamRange> {
  const limit = options.limit ?? 10_000;
  const maxEmptyReads = options.maxEmptyReads ?? 20;
  const waitMs = options.waitMs ?? 250;
  const records: StreamRecord[] = [];
  const iteratorAt = async (
    type: "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER",
    sequenceNumber: string,
  ): Promise<string | undefined> =>
    (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: type,
          StartingSequenceNumber: sequenceNumber,
        }),
      )
    ).ShardIterator;

  let iterator: string | undefined;
  try {
    iterator = await iteratorAt("AT_SEQUENCE_NUMBER", start);
  } catch (error) {
    return {
      status: "incomplete",
      records,
      reason: `the stream cannot be read at ${start} (${errorName(error)}: ${messageOf(error)})`,
    };
  }
  let emptyReads = 0;
  let throttled = 0;
  while (iterator !== undefined) {
    let response: GetRecordsCommandOutput;
    try {
      response = await kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }),
      );
    } catch (error) {
      const name = errorName(error);
      if (name === "ExpiredIteratorException") {
        const last = records.at(-1)?.sequenceNumber;
        iterator = await iteratorAt(
          last === undefined ? "AT_SEQUENCE_NUMBER" : "AFTER_SEQUENCE_NUMBER",
          last ?? start,
        );
        continue;
      }
      if (name === "ProvisionedThroughputExceededException" && throttled < 20) {
        throttled += 1;
        await sleep(waitMs * throttled);
        continue;
      }
      return {
        status: "incomplete",
        records,
        reason: `GetRecords failed (${name}: ${messageOf(error)})`,
      };
    }
    const page = response.Records ?? [];
    for (const record of page) {
      const sequenceNumber = record.SequenceNumber ?? "";
      if (records.length === 0 && compareSequenceNumbers(sequenceNumber, start) !== 0) {
        return {
          status: "incomplete",
          records,
          reason: `the stream no longer holds ${start}: its first record there is ${sequenceNumber} (trimmed after the retention period)`,
        };
      }
      if (compareSequenceNumbers(sequenceNumber, end) > 0) {
        return { status: "complete", records };
      }
      records.push({
        shardId,
        sequenceNumber,
        partitionKey: record.PartitionKey ?? "",
        data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
        approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
      });
      if (compareSequenceNumbers(sequenceNumber, end) === 0) {
        return { status: "complete", records };
      }
    }
    iterator = response.NextShardIterator;
    if (page.length === 0) {
      emptyReads += 1;
      if (response.MillisBehindLatest === 0 || emptyReads >= maxEmptyReads) {
        break;
      }
      await sleep(waitMs);
    } else {
      emptyReads = 0;
    }
  }
  return {
    status: "incomplete",
    records,
    reason:
      records.length === 0
        ? `the stream holds no record from ${start} on`
        : `the stream ended at ${records.at(-1)?.sequenceNumber} before ${end}`,
  };
}
