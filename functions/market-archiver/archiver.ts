import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { createS3Client } from "../shared/clients";
import type { Environment } from "../shared/env";
import { requiredEnv } from "../shared/env";
import { toStreamRecords } from "../shared/kinesis-event";
import { createLogger, createMetrics } from "../shared/observability";
import { buildArchiveObject } from "./archive";

export interface MarketArchiverOptions {
  readonly s3: S3Client;
  /** The raw archive bucket. */
  readonly bucketName: string;
  /** @default - a Powertools logger configured from the environment */
  readonly logger?: Logger;
  /** @default - Powertools metrics configured from the environment */
  readonly metrics?: Metrics;
}

/** What an archived batch produced. */
export interface ArchiveResult {
  readonly bucket: string;
  readonly key: string;
  readonly records: number;
  readonly ndjsonBytes: number;
  readonly compressedBytes: number;
}

export interface MarketArchiver {
  /** Writes the batch's object; `null` for an empty batch. Throws when the write fails. */
  readonly archiveBatch: (event: KinesisStreamEvent) => Promise<ArchiveResult | null>;
  /**
   * The Lambda handler. A failed write throws, so Lambda retries the whole batch: the object key
   * is deterministic, so the retry rewrites the same object.
   */
  readonly handler: (
    event: KinesisStreamEvent,
    context: Context,
  ) => Promise<KinesisStreamBatchResponse>;
}

/** Builds the market archiver (Kinesis -> S3 raw archive). */
export function createMarketArchiver(options: MarketArchiverOptions): MarketArchiver {
  const logger = options.logger ?? createLogger();
  const metrics = options.metrics ?? createMetrics();

  async function archiveBatch(event: KinesisStreamEvent): Promise<ArchiveResult | null> {
    const records = toStreamRecords(event.Records);
    if (records.length === 0) {
      return null;
    }
    const archive = buildArchiveObject(records);
    await options.s3.send(
      new PutObjectCommand({
        Bucket: options.bucketName,
        Key: archive.key,
        Body: archive.body,
        ContentType: "application/gzip",
        Metadata: {
          "record-count": String(archive.records),
          "first-sequence-number": archive.firstSequenceNumber,
          "last-sequence-number": archive.lastSequenceNumber,
        },
      }),
    );
    const result: ArchiveResult = {
      bucket: options.bucketName,
      key: archive.key,
      records: archive.records,
      ndjsonBytes: archive.ndjsonBytes,
      compressedBytes: archive.body.length,
    };
    logger.info("Batch archived", { ...result });
    return result;
  }

  async function handler(
    event: KinesisStreamEvent,
    context: Context,
  ): Promise<KinesisStreamBatchResponse> {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    try {
      const result = await archiveBatch(event);
      metrics.addMetric("ArchivedRecords", MetricUnit.Count, result?.records ?? 0);
      metrics.addMetric("ArchivedBytes", MetricUnit.Bytes, result?.compressedBytes ?? 0);
      return { batchItemFailures: [] };
    } catch (error) {
      logger.error("Archiving failed; Lambda retries the whole batch", {
        records: event.Records.length,
        error: error instanceof Error ? error : String(error),
      });
      metrics.addMetric("ArchiveFailures", MetricUnit.Count, 1);
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  }

  return { archiveBatch, handler };
}

/** Options from the function's environment: `BUCKET_NAME` and the Powertools variables. */
export function archiverOptionsFromEnv(env: Environment = process.env): MarketArchiverOptions {
  return {
    s3: createS3Client(env),
    bucketName: requiredEnv("BUCKET_NAME", env),
    logger: createLogger(env),
    metrics: createMetrics(env),
  };
}
