import type { Context, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import type { _Record } from "@aws-sdk/client-kinesis";

/**
 * Lambda event builders for tests and the local run: Kinesis records shaped exactly as the event
 * source mapping delivers them, and a Lambda context.
 */

export const TEST_REGION = "us-east-1";
export const TEST_STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/dev-market-data";

export interface EventRecordInput {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** The record's bytes; `Uint8Array`s are base64-encoded, strings are used as the base64 field verbatim. */
  readonly data: Uint8Array | string;
  /** Epoch seconds. @default 1714571100.123 */
  readonly approximateArrivalTimestamp?: number;
}

export function kinesisEventRecord(
  input: EventRecordInput,
  streamArn: string = TEST_STREAM_ARN,
): KinesisStreamRecord {
  const data =
    typeof input.data === "string" ? input.data : Buffer.from(input.data).toString("base64");
  return {
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: input.partitionKey,
      sequenceNumber: input.sequenceNumber,
      data,
      approximateArrivalTimestamp: input.approximateArrivalTimestamp ?? 1714571100.123,
    },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `${input.shardId}:${input.sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: "arn:aws:iam::123456789012:role/dev-market-processor",
    awsRegion: TEST_REGION,
    eventSourceARN: streamArn,
  };
}

export function kinesisEvent(records: readonly KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: [...records] };
}

/** Event records from Kinesis GetRecords output (kinesalite or AWS) of one shard. */
export function eventRecordsFromKinesis(
  shardId: string,
  records: readonly _Record[],
  streamArn: string = TEST_STREAM_ARN,
): KinesisStreamRecord[] {
  return records.map((record) => {
    if (
      record.SequenceNumber === undefined ||
      record.PartitionKey === undefined ||
      record.Data === undefined
    ) {
      throw new Error("GetRecords returned a record without SequenceNumber, PartitionKey or Data");
    }
    return kinesisEventRecord(
      {
        shardId,
        sequenceNumber: record.SequenceNumber,
        partitionKey: record.PartitionKey,
        data: record.Data,
        approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
      },
      streamArn,
    );
  });
}

/**
 * A 56-digit Kinesis-like sequence number; larger `n` gives a larger number. Real sequence
 * numbers of one shard are increasing but not contiguous, and so are these (step 10^6).
 */
export function sequenceNumber(n: number): string {
  return `4959${String(n * 1_000_000 + 17).padStart(52, "0")}`;
}

export function lambdaContext(functionName = "dev-market-processor-us-east-1-a1"): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: "c6af9ac6-7b61-11e6-9a41-93e812345678",
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "2024/05/01/[$LATEST]abcdef",
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
