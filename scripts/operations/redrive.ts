import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";
import type { Message, SQSClient } from "@aws-sdk/client-sqs";
import type { StreamRecord } from "../../functions/domain/record";
import { compareSequenceNumbers } from "../../functions/domain/sequence";
import { createMarketArchiver } from "../../functions/market-archiver/archiver";
import type { MarketArchiver } from "../../functions/market-archiver/archiver";
import { createMarketProcessor } from "../../functions/market-processor/processor";
import type { MarketProcessor } from "../../functions/market-processor/processor";
import { readArchive } from "./archive-records";
import { count } from "./cli";
import type { DeadLetteredBatch } from "./dead-letter";
import { eventOf, parseDeadLetter } from "./dead-letter";
import { readStreamRange } from "./stream-range";

/**
 * `npm run redrive`: replays the batches parked in a stream consumer's dead-letter queue.
 *
 * Per message (a pointer to one shard's records from `startSequenceNumber` to
 * `endSequenceNumber`, see `dead-letter.ts`): re-read those records from the stream while it keeps
 * them, else (for the processor) from the raw archive; apply them through the consumer's own code,
 * in sequence order and in batches of the consumer's batch size (the processor's `processBatch`,
 * the archiver's `archiveBatch`); delete the message only once every record is applied. A batch
 * with failures, or records that cannot all be found, leave the message for a later run.
 *
 * Running it again, or while the live consumers run, is safe: a bar is the fold of a set of
 * distinct trades, so applying a record twice changes nothing, and an archive object's key depends
 * only on its records, so re-archiving rewrites the same object or adds one that readers
 * deduplicate. With a parallelization factor above 1 a discarded batch holds only some partition
 * keys of its sequence range; the whole range is replayed, the other records harmlessly.
 *
 * The command's options are in `redrive-cli.ts`.
 */

export type StreamConsumer = "market-processor" | "market-archiver";

export const STREAM_CONSUMERS: readonly StreamConsumer[] = ["market-processor", "market-archiver"];

/** How far before the first record's arrival an archive object holding it may start (its hour). */
const ARCHIVE_LOOKBACK_MS = 3_600_000;

export interface RedriveOptions {
  readonly consumer: StreamConsumer;
  readonly queueUrl: string;
  readonly streamName: string;
  readonly streamArn: string;
  readonly sqs: SQSClient;
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly bucketName: string;
  readonly barTtlDays: number;
  /** The processor's clock, which says which bars are past their retention. @default Date.now */
  readonly now?: () => number;
  /** Records per batch handed to the consumer's code. */
  readonly batchSize: number;
  /** How long a received message stays hidden from other readers, in seconds. */
  readonly visibilityTimeoutSeconds: number;
  /** Messages handled in this run at most. */
  readonly maxMessages: number;
  /** Long-poll wait of each ReceiveMessage, in seconds. @default 2 */
  readonly waitTimeSeconds?: number;
  /** Read the records and report; apply nothing, delete nothing. */
  readonly dryRun: boolean;
  /** One block of lines per message. */
  readonly out: (line: string) => void;
  readonly progress: (line: string) => void;
  /** The consumer's code. @default - built from the clients, as the deployed functions are */
  readonly processor?: MarketProcessor;
  readonly archiver?: MarketArchiver;
}

export interface MessageReport {
  readonly messageId: string;
  readonly outcome: "deleted" | "left" | "dry-run";
  readonly lines: readonly string[];
}

export interface RedriveSummary {
  readonly messages: number;
  readonly deleted: number;
  readonly left: number;
  readonly reports: readonly MessageReport[];
}

/**
 * Whether a pointer's `streamArn` is this environment's stream: the stream's ARN, or (for a
 * mapping that reads through an enhanced fan-out consumer) one of its consumers' ARNs.
 */
export function isStreamOf(pointerArn: string, streamArn: string): boolean {
  return pointerArn === streamArn || pointerArn.startsWith(`${streamArn}/consumer/`);
}

function short(sequenceNumber: string): string {
  return sequenceNumber.length > 16 ? `…${sequenceNumber.slice(-12)}` : sequenceNumber;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Distinct records of the batch's range, in sequence order. */
function mergeRecords(...lists: (readonly StreamRecord[])[]): StreamRecord[] {
  const bySequence = new Map<string, StreamRecord>();
  for (const list of lists) {
    for (const record of list) {
      if (!bySequence.has(record.sequenceNumber)) {
        bySequence.set(record.sequenceNumber, record);
      }
    }
  }
  return [...bySequence.values()].sort((a, b) =>
    compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber),
  );
}

/** The records of a dead-lettered batch: from the stream, and from the archive where it must. */
async function recordsOf(
  options: RedriveOptions,
  batch: DeadLetteredBatch,
  lines: string[],
): Promise<{ records: StreamRecord[]; complete: boolean }> {
  const stream = await readStreamRange(
    options.kinesis,
    options.streamName,
    batch.shardId,
    batch.startSequenceNumber,
    batch.endSequenceNumber,
  );
  if (stream.status === "complete") {
    lines.push(`  ${count(stream.records.length, "record")} read from the stream`);
    return { records: [...stream.records], complete: stream.records.length >= batch.batchSize };
  }
  lines.push(`  stream: ${stream.reason}`);
  if (options.consumer === "market-archiver") {
    // The archiver's records are in the stream only: what it failed to archive is not in S3.
    lines.push(
      `  the archiver's records can come only from the stream; ${stream.records.length} of ${batch.batchSize} found there`,
    );
    return { records: [...stream.records], complete: false };
  }
  const archive = await readArchive(options.s3, options.bucketName, {
    firstArrivalMs: batch.firstArrival - ARCHIVE_LOOKBACK_MS,
    lastArrivalMs: batch.lastArrival,
    shardId: batch.shardId,
    sequenceRange: { first: batch.startSequenceNumber, last: batch.endSequenceNumber },
  });
  for (const problem of archive.problems) {
    lines.push(`  archive problem: ${problem}`);
  }
  const records = mergeRecords(stream.records, archive.records);
  lines.push(
    `  ${count(archive.records.length, "record")} read from the archive (${count(archive.objects, "object")})${stream.records.length > 0 ? `, ${stream.records.length} from the stream` : ""}`,
  );
  return { records, complete: records.length >= batch.batchSize };
}

async function applyProcessor(
  processor: MarketProcessor,
  records: readonly StreamRecord[],
  options: RedriveOptions,
  lines: string[],
): Promise<boolean> {
  let applied = 0;
  let duplicates = 0;
  let malformedRecords = 0;
  let malformedTicks = 0;
  let bars = 0;
  let pastRetention = 0;
  for (let i = 0; i < records.length; i += options.batchSize) {
    const chunk = records.slice(i, i + options.batchSize);
    const result = await processor.processBatch(eventOf(chunk, options.streamArn));
    const summary = result.summary;
    applied += summary.appliedTicks;
    duplicates += summary.duplicateTicks;
    malformedRecords += summary.malformedRecords;
    malformedTicks += summary.malformedTicks;
    bars += summary.barsWritten;
    pastRetention += summary.pastRetentionTicks;
    if (summary.retryFrom !== null) {
      lines.push(
        `  processor: ${count(applied, "tick")} applied, ${duplicates} already counted before a batch failed`,
      );
      for (const failure of result.failures) {
        lines.push(
          `  bar ${failure.symbol} ${failure.start} not written: ${failure.error.message}`,
        );
      }
      return false;
    }
  }
  lines.push(
    `  processor: ${count(applied, "tick")} applied to ${count(bars, "bar")}, ${duplicates} already counted, ${count(malformedRecords, "malformed record")} and ${count(malformedTicks, "malformed tick")} skipped`,
  );
  if (pastRetention > 0) {
    lines.push(
      `  ${count(pastRetention, "tick")} of bars past their ${options.barTtlDays}-day retention not counted (their bars have expired or expire within the hour; the records stay in the archive)`,
    );
  }
  return true;
}

async function applyArchiver(
  archiver: MarketArchiver,
  records: readonly StreamRecord[],
  options: RedriveOptions,
  lines: string[],
): Promise<boolean> {
  for (let i = 0; i < records.length; i += options.batchSize) {
    const chunk = records.slice(i, i + options.batchSize);
    try {
      const result = await archiver.archiveBatch(eventOf(chunk, options.streamArn));
      if (result !== null) {
        lines.push(
          `  archived ${count(result.records, "record")} to s3://${result.bucket}/${result.key}`,
        );
      }
    } catch (error) {
      lines.push(`  archiving failed: ${messageOf(error)}`);
      return false;
    }
  }
  return true;
}

async function handleMessage(
  options: RedriveOptions,
  message: Message,
  processor: MarketProcessor | undefined,
  archiver: MarketArchiver | undefined,
): Promise<MessageReport> {
  const messageId = message.MessageId ?? "?";
  const batch = parseDeadLetter(message.Body);
  if (batch instanceof Error) {
    return {
      messageId,
      outcome: "left",
      lines: [`message ${messageId}: ${batch.message}; left in the queue`],
    };
  }
  const lines = [
    `message ${messageId}: ${batch.shardId} ${short(batch.startSequenceNumber)}..${short(batch.endSequenceNumber)}, ${count(batch.batchSize, "record")} that arrived ${new Date(batch.firstArrival).toISOString()}..${new Date(batch.lastArrival).toISOString()}${batch.condition === undefined ? "" : ` (${batch.condition})`}`,
  ];
  if (!isStreamOf(batch.streamArn, options.streamArn)) {
    lines.push(
      `  its stream ${batch.streamArn} is not this environment's (${options.streamArn}); left in the queue`,
    );
    return { messageId, outcome: "left", lines };
  }
  let found: { records: StreamRecord[]; complete: boolean };
  try {
    found = await recordsOf(options, batch, lines);
  } catch (error) {
    lines.push(`  reading the records failed: ${messageOf(error)}; left in the queue`);
    return { messageId, outcome: "left", lines };
  }
  if (!found.complete) {
    lines.push(
      `  only ${found.records.length} of the batch's ${batch.batchSize} records were found`,
    );
  }
  if (options.dryRun) {
    lines.push(
      `  dry run: would apply ${found.records.length} records through the ${options.consumer}${found.complete ? " and delete the message" : ""}`,
    );
    return { messageId, outcome: "dry-run", lines };
  }
  const applied =
    found.records.length === 0
      ? true
      : options.consumer === "market-processor"
        ? await applyProcessor(processor as MarketProcessor, found.records, options, lines)
        : await applyArchiver(archiver as MarketArchiver, found.records, options, lines);
  if (!applied || !found.complete) {
    lines.push("  left in the queue for a later run");
    return { messageId, outcome: "left", lines };
  }
  try {
    await options.sqs.send(
      new DeleteMessageCommand({
        QueueUrl: options.queueUrl,
        ReceiptHandle: message.ReceiptHandle,
      }),
    );
  } catch (error) {
    lines.push(
      `  every record applied, but deleting the message failed (${messageOf(error)}); a later run replays it harmlessly`,
    );
    return { messageId, outcome: "left", lines };
  }
  lines.push("  message deleted");
  return { messageId, outcome: "deleted", lines };
}

/** Works through the queue: receive, replay, delete, until it is empty or `maxMessages` are done. */
export async function redrive(options: RedriveOptions): Promise<RedriveSummary> {
  const quietLogger = new Logger({
    serviceName: `redrive-${options.consumer}`,
    logLevel: "SILENT",
  });
  const metrics = new Metrics({ namespace: "TradingAnalytics", serviceName: "redrive" });
  const processor =
    options.consumer === "market-processor"
      ? (options.processor ??
        createMarketProcessor({
          dynamodb: options.dynamodb,
          tableName: options.tableName,
          barTtlDays: options.barTtlDays,
          logger: quietLogger,
          metrics,
          ...(options.now === undefined ? {} : { now: options.now }),
        }))
      : undefined;
  const archiver =
    options.consumer === "market-archiver"
      ? (options.archiver ??
        createMarketArchiver({
          s3: options.s3,
          bucketName: options.bucketName,
          logger: quietLogger,
          metrics,
        }))
      : undefined;
  const reports: MessageReport[] = [];
  const held: Message[] = [];
  const seen = new Set<string>();
  while (reports.length < options.maxMessages) {
    const response = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, options.maxMessages - reports.length),
        VisibilityTimeout: options.visibilityTimeoutSeconds,
        WaitTimeSeconds: options.waitTimeSeconds ?? 2,
      }),
    );
    const messages = (response.Messages ?? []).filter(
      (message) => !seen.has(message.MessageId ?? ""),
    );
    if (messages.length === 0) {
      break;
    }
    for (const message of messages) {
      seen.add(message.MessageId ?? "");
      options.progress(`message ${reports.length + 1}: ${message.MessageId ?? "?"}`);
      const report = await handleMessage(options, message, processor, archiver);
      for (const line of report.lines) {
        options.out(line);
      }
      reports.push(report);
      if (report.outcome !== "deleted") {
        held.push(message);
      }
    }
  }
  // Messages not deleted become visible again now, not after the visibility timeout: the queue's
  // depth (and its alarm) shows them, and the next run can start at once.
  for (const message of held) {
    await options.sqs
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: options.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      )
      .catch(() => undefined);
  }
  return {
    messages: reports.length,
    deleted: reports.filter((report) => report.outcome === "deleted").length,
    left: reports.filter((report) => report.outcome !== "deleted").length,
    reports,
  };
}
