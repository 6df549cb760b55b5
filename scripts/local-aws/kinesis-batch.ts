/**
 * One batch as Lambda's Kinesis event source mapping hands it over: the shard it comes from, the
 * event the function receives, how the function's batch response is read and what goes to the
 * on-failure destination when Lambda gives up on it.
 */
import { createHash } from "node:crypto";
import type { _Record as KinesisRecord } from "@aws-sdk/client-kinesis";
import type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from "aws-lambda";

/** The shard a poller reads and the identity Lambda would put into each event. */
export interface ShardSource {
  readonly streamName: string;
  readonly streamArn: string;
  readonly shardId: string;
  readonly region: string;
  /** The function the mapping invokes. */
  readonly functionName: string;
  /** The function's execution role, reported in each record as Lambda does. */
  readonly invokeIdentityArn: string;
  /**
   * With a parallelization factor above 1, Lambda processes a shard in that many concurrent
   * lanes, each partition key always in the same lane, so per-key order holds. A poller with a
   * lane reads the whole shard and delivers only its lane's records. @default - the whole shard
   */
  readonly lane?: { readonly index: number; readonly count: number };
}

/** The lane (0..count-1) of a partition key: stable, spread like Kinesis's own key hashing. */
export function laneOf(partitionKey: string, count: number): number {
  return createHash("md5").update(partitionKey).digest().readUInt32BE(0) % count;
}

/** What the function made of a batch: all of it, all records before `failedIndex`, or none. */
export type Outcome =
  | { readonly kind: "success" }
  | { readonly kind: "partial"; readonly failedIndex: number; readonly detail: string }
  | { readonly kind: "error"; readonly detail: string };

export function sequenceOf(record: KinesisRecord): string {
  if (!record.SequenceNumber) {
    throw new Error("Kinesis returned a record without a sequence number.");
  }
  return record.SequenceNumber;
}

/** Builds the event Lambda delivers for a batch of one shard's records. */
export function kinesisEvent(
  records: readonly KinesisRecord[],
  source: ShardSource,
): KinesisStreamEvent {
  return {
    Records: records.map((record): KinesisStreamRecord => ({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: record.PartitionKey ?? "",
        sequenceNumber: sequenceOf(record),
        data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
        approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${source.shardId}:${sequenceOf(record)}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: source.invokeIdentityArn,
      awsRegion: source.region,
      eventSourceARN: source.streamArn,
    })),
  };
}

/**
 * Reads the batch response as Lambda does: no failures is success; otherwise processing resumes
 * at the lowest reported sequence number, and an identifier that is empty or not in the batch
 * fails the whole batch.
 */
export function interpretBatchResponse(
  records: readonly KinesisRecord[],
  response: KinesisStreamBatchResponse | void | null | undefined,
): Outcome {
  const failures = response?.batchItemFailures ?? [];
  if (failures.length === 0) {
    return { kind: "success" };
  }
  const indexBySequence = new Map(records.map((record, index) => [sequenceOf(record), index]));
  let failedIndex = records.length;
  for (const failure of failures) {
    const index =
      typeof failure.itemIdentifier === "string"
        ? indexBySequence.get(failure.itemIdentifier)
        : undefined;
    if (index === undefined) {
      return {
        kind: "partial",
        failedIndex: 0,
        detail: `the function reported itemIdentifier ${JSON.stringify(failure.itemIdentifier)}, which is not in the batch`,
      };
    }
    failedIndex = Math.min(failedIndex, index);
  }
  return {
    kind: "partial",
    failedIndex,
    detail: `the function reported ${failures.length} batch item failure(s)`,
  };
}

/** Why a batch went to the on-failure destination. */
export type DeadLetterCondition = "RetryAttemptsExhausted" | "RecordAgeExceeded";

/** What Lambda sends to the on-failure destination for a batch it gives up on. */
export interface DeadLetteredBatch {
  readonly functionName: string;
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly batchSize: number;
  /** Why Lambda gave up on the batch, as in its on-failure record's `requestContext.condition`. */
  readonly condition: DeadLetterCondition;
  readonly lastError: string;
}
