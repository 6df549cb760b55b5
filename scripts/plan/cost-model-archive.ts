import type { ArchiveTransition, EnvironmentSettings } from "../../modules/config/settings";
import { TRANSITION_MINIMUM_OBJECT_BYTES } from "../../modules/storage/archive-lifecycle";
import { DAYS_PER_MONTH, PRICE_TABLE, SECONDS_PER_MONTH, type CostLine } from "./cost-model-prices";
import { TRAFFIC, type TrafficAssumptions } from "./cost-model-traffic";

/**
 * The raw archive's share of the cost model: the objects the archiver writes at an environment's
 * assumed rate, and their storage and requests in S3 as the archive's lifecycle moves them.
 */

/** Lambda's invocation payload limit: a Kinesis batch stops growing at 6 MB of event. */
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/**
 * Bytes a Kinesis record takes in the Lambda event besides its base64 data: sequence number, event
 * id, ARNs of the stream and the role (measured on an event with this platform's names).
 */
export const EVENT_RECORD_OVERHEAD_BYTES = 600;

/** The archive's storage is priced as it stands in this month of operation (it only grows). */
export const ARCHIVE_HORIZON_MONTHS = 12;

/** What the archiver writes at an environment's assumed rate, one object per batch. */
export interface ArchiveObjectEstimate {
  /** Records per second each of the archiver's batchers (shards x parallelization factor) receives. */
  readonly recordsPerSecondPerBatch: number;
  readonly recordsPerObject: number;
  /** What ends a batch at that rate. */
  readonly limitedBy: "batching window" | "batch size" | "6 MB payload";
  /** Gzip NDJSON bytes of one object: records x record bytes x gzip ratio. */
  readonly objectBytes: number;
  readonly objectsPerMonth: number;
  /** Whether lifecycle transitions act on the objects: only at 128 KB and above. */
  readonly transitions: boolean;
}

/**
 * The archive object the archiver writes at the assumed average rate: Lambda ends a batch at the
 * batching window, the batch size or 6 MB of event, whichever comes first, and writes it as one
 * object. A window of 0 still gathers about a second (the mapping polls each shard once a second).
 */
export function estimateArchiveObjects(
  settings: EnvironmentSettings,
  traffic: TrafficAssumptions = TRAFFIC[settings.name],
): ArchiveObjectEstimate {
  const batchers = settings.stream.shardCount * settings.archiver.parallelizationFactor;
  const recordsPerSecond = traffic.ticksPerSecond / traffic.ticksPerRecord;
  const perBatch = recordsPerSecond / batchers;
  const eventBytesPerRecord = Math.ceil(traffic.recordBytes / 3) * 4 + EVENT_RECORD_OVERHEAD_BYTES;
  const limits: [ArchiveObjectEstimate["limitedBy"], number][] = [
    ["batching window", perBatch * Math.max(1, settings.archiver.batchingWindowSeconds)],
    ["batch size", settings.archiver.batchSize],
    ["6 MB payload", Math.floor(LAMBDA_PAYLOAD_LIMIT_BYTES / eventBytesPerRecord)],
  ];
  const [limitedBy, records] = limits.reduce((least, limit) =>
    limit[1] < least[1] ? limit : least,
  );
  const recordsPerObject = Math.max(1, records);
  const objectBytes = recordsPerObject * traffic.recordBytes * traffic.archiveGzipRatio;
  return {
    recordsPerSecondPerBatch: perBatch,
    recordsPerObject,
    limitedBy,
    objectBytes,
    objectsPerMonth: (recordsPerSecond / recordsPerObject) * SECONDS_PER_MONTH,
    transitions: objectBytes >= TRANSITION_MINIMUM_OBJECT_BYTES,
  };
}

type StorageClass = "STANDARD" | ArchiveTransition["storageClass"];

const STORAGE_CLASS_NAMES: Readonly<Record<StorageClass, string>> = {
  STANDARD: "Standard",
  STANDARD_IA: "Standard-IA",
  GLACIER_IR: "Glacier IR",
  GLACIER: "Glacier Flexible Retrieval",
  DEEP_ARCHIVE: "Deep Archive",
};

function storagePrice(storageClass: StorageClass, prices: typeof PRICE_TABLE): number {
  return {
    STANDARD: prices.s3StandardGbMonth,
    STANDARD_IA: prices.s3StandardIaGbMonth,
    GLACIER_IR: prices.s3GlacierIrGbMonth,
    GLACIER: prices.s3GlacierFlexibleGbMonth,
    DEEP_ARCHIVE: prices.s3DeepArchiveGbMonth,
  }[storageClass];
}

function transitionPrice(
  storageClass: ArchiveTransition["storageClass"],
  prices: typeof PRICE_TABLE,
): number {
  return {
    STANDARD_IA: prices.s3TransitionToStandardIaPerThousand,
    GLACIER_IR: prices.s3TransitionToGlacierIrPerThousand,
    GLACIER: prices.s3TransitionToGlacierFlexiblePerThousand,
    DEEP_ARCHIVE: prices.s3TransitionToDeepArchivePerThousand,
  }[storageClass];
}

/** Kilobytes as the plan prints them: one decimal below 10 KB. */
function kilobytes(bytes: number): string {
  const kb = bytes / 1024;
  return kb < 10 ? kb.toFixed(1) : String(Math.round(kb));
}

/**
 * The raw archive in month {@link ARCHIVE_HORIZON_MONTHS} (or at its expiry age, where objects
 * expire): each day's objects sit in Standard until the first transition, then in each class in
 * turn, but only objects of at least 128 KB ever transition.
 */
export function archiveLines(
  settings: EnvironmentSettings,
  traffic: TrafficAssumptions,
  prices: typeof PRICE_TABLE,
  dataGbPerMonth: number,
): CostLine[] {
  const objects = estimateArchiveObjects(settings, traffic);
  const gbPerDay = (dataGbPerMonth * traffic.archiveGzipRatio) / DAYS_PER_MONTH;
  const keptDays = Math.min(
    settings.archive.expireAfterDays ?? Number.POSITIVE_INFINITY,
    ARCHIVE_HORIZON_MONTHS * DAYS_PER_MONTH,
  );
  const transitions = objects.transitions
    ? settings.archive.transitions.filter((t) => t.afterDays < keptDays)
    : [];
  const segments: { storageClass: StorageClass; days: number }[] = [];
  let from = 0;
  let storageClass: StorageClass = "STANDARD";
  for (const transition of transitions) {
    segments.push({ storageClass, days: transition.afterDays - from });
    from = transition.afterDays;
    storageClass = transition.storageClass;
  }
  segments.push({ storageClass, days: keptDays - from });
  const storedGb = gbPerDay * keptDays;
  const held =
    settings.archive.expireAfterDays !== undefined &&
    settings.archive.expireAfterDays <= ARCHIVE_HORIZON_MONTHS * DAYS_PER_MONTH
      ? `kept ${settings.archive.expireAfterDays} d`
      : `month ${ARCHIVE_HORIZON_MONTHS}`;
  const object = `objects ~${kilobytes(objects.objectBytes)} KB gzip (${Math.round(objects.recordsPerObject).toLocaleString("en-US")} records, ${objects.limitedBy})`;
  const tiers = objects.transitions
    ? segments
        .map(
          (segment) => `${Math.round(segment.days)} d ${STORAGE_CLASS_NAMES[segment.storageClass]}`,
        )
        .join(", ")
    : settings.archive.transitions.length > 0
      ? "all Standard: objects under 128 KB never transition"
      : "all Standard";
  const transitionsPerMonth = transitions.reduce(
    (sum, transition) =>
      sum + (objects.objectsPerMonth / 1000) * transitionPrice(transition.storageClass, prices),
    0,
  );
  return [
    {
      service: "S3",
      item: "raw archive storage",
      basis: `${object}; ${held}: ${storedGb.toFixed(1)} GB, ${tiers}`,
      monthlyUsd: segments.reduce(
        (sum, segment) =>
          sum + gbPerDay * segment.days * storagePrice(segment.storageClass, prices),
        0,
      ),
    },
    {
      service: "S3",
      item: "raw archive requests",
      basis: `${Math.round(objects.objectsPerMonth / 1000)}k PUTs${transitions.length > 0 ? ` + ${transitions.length} lifecycle transitions per object` : ""}`,
      monthlyUsd: (objects.objectsPerMonth / 1000) * prices.s3PutPerThousand + transitionsPerMonth,
    },
  ];
}
