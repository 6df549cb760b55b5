import { randomUUID } from "node:crypto";
import type { KinesisStreamEvent } from "aws-lambda";
import { z } from "zod";
import type { StreamRecord } from "../../functions/domain/record";
import { isSequenceNumber } from "../../functions/domain/sequence";

/**
 * The pointer Lambda sends to a Kinesis event source mapping's on-failure destination (here an
 * SQS queue) when it discards a batch: no records, only where they are. AWS Lambda Developer
 * Guide, "Retaining discarded batches for a Kinesis event source" (kinesis-on-failure-destination):
 *
 *   { "requestContext": { "requestId", "functionArn", "condition": "RetryAttemptsExhausted",
 *       "approximateInvokeCount" },
 *     "responseContext": { "statusCode", "executedVersion", "functionError" },
 *     "version": "1.0", "timestamp": "...",
 *     "KinesisBatchInfo": { "shardId", "startSequenceNumber", "endSequenceNumber",
 *       "approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord", "batchSize",
 *       "streamArn" } }
 */

const sequenceNumber = z
  .string()
  .refine(isSequenceNumber, { message: "not a Kinesis sequence number" });

const isoTime = z.string().refine((text) => !Number.isNaN(Date.parse(text)), {
  message: "not an ISO-8601 time",
});

const pointerSchema = z.object({
  requestContext: z
    .object({
      functionArn: z.string().optional(),
      condition: z.string().optional(),
      approximateInvokeCount: z.number().optional(),
    })
    .optional(),
  timestamp: z.string().optional(),
  KinesisBatchInfo: z.object({
    shardId: z.string().min(1),
    startSequenceNumber: sequenceNumber,
    endSequenceNumber: sequenceNumber,
    approximateArrivalOfFirstRecord: isoTime,
    approximateArrivalOfLastRecord: isoTime,
    batchSize: z.number().int().positive(),
    streamArn: z.string().min(1),
  }),
});

/** A discarded batch: one shard's records from `startSequenceNumber` to `endSequenceNumber`. */
export interface DeadLetteredBatch {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  /** Epoch ms. */
  readonly firstArrival: number;
  readonly lastArrival: number;
  /** Records in the discarded batch. */
  readonly batchSize: number;
  readonly streamArn: string;
  /** Why Lambda gave up, e.g. `RetryAttemptsExhausted`, `RecordAgeExceeded`. */
  readonly condition: string | undefined;
  readonly functionArn: string | undefined;
}

/** The batch of a dead-letter message body, or the reason it is not one. */
export function parseDeadLetter(body: string | undefined): DeadLetteredBatch | Error {
  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch {
    return new Error("the body is not JSON");
  }
  const parsed = pointerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return new Error(
      `not a Kinesis batch pointer: ${issue?.path.join(".") || "body"} ${issue?.message ?? "is invalid"}`,
    );
  }
  const info = parsed.data.KinesisBatchInfo;
  return {
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    firstArrival: Date.parse(info.approximateArrivalOfFirstRecord),
    lastArrival: Date.parse(info.approximateArrivalOfLastRecord),
    batchSize: info.batchSize,
    streamArn: info.streamArn,
    condition: parsed.data.requestContext?.condition,
    functionArn: parsed.data.requestContext?.functionArn,
  };
}

/** The message body Lambda would send for a discarded batch (for tests and drills). */
export function deadLetterBody(
  batch: Omit<DeadLetteredBatch, "condition" | "functionArn">,
  functionArn: string,
  now: Date = new Date(),
): string {
  return JSON.stringify({
    requestContext: {
      requestId: randomUUID(),
      functionArn,
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 11,
    },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    version: "1.0",
    timestamp: now.toISOString(),
    KinesisBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: batch.startSequenceNumber,
      endSequenceNumber: batch.endSequenceNumber,
      approximateArrivalOfFirstRecord: new Date(batch.firstArrival).toISOString(),
      approximateArrivalOfLastRecord: new Date(batch.lastArrival).toISOString(),
      batchSize: batch.batchSize,
      streamArn: batch.streamArn,
    },
  });
}

/** The Lambda event of records of one shard, as the event source mapping delivers them. */
export function eventOf(records: readonly StreamRecord[], streamArn: string): KinesisStreamEvent {
  const region = streamArn.split(":")[3] ?? "us-east-1";
  return {
    Records: records.map((record) => ({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: record.partitionKey,
        sequenceNumber: record.sequenceNumber,
        data: record.data,
        approximateArrivalTimestamp: record.approximateArrivalTimestamp,
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${record.shardId}:${record.sequenceNumber}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: "",
      awsRegion: region,
      eventSourceARN: streamArn,
    })),
  };
}
