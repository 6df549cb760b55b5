import type {
  ArchiveTransition,
  EnvironmentName,
  EnvironmentSettings,
  TableCapacity,
} from "../../modules/config/settings";
import { TRANSITION_MINIMUM_OBJECT_BYTES } from "../../modules/storage/archive-lifecycle";

/**
 * On-demand list prices for us-east-1, in USD, as AWS published them in mid-2025. Estimates only: no free tier, no savings plans, no
 * taxes. Review them against the sources below whenever AWS announces a price change.
 */
export const PRICE_TABLE = {
  asOf: "2025-06",
  region: "us-east-1",
  sources: [
    "https://aws.amazon.com/kinesis/data-streams/pricing/",
    "https://aws.amazon.com/lambda/pricing/",
    "https://aws.amazon.com/dynamodb/pricing/",
    "https://aws.amazon.com/s3/pricing/",
    "https://aws.amazon.com/cloudwatch/pricing/",
    "https://aws.amazon.com/xray/pricing/",
  ],
  kinesisShardHour: 0.015,
  /**
   * Retention beyond the 24 hours included, up to 7 days: billed per shard-hour, the same for 25
   * hours as for 168.
   */
  kinesisExtendedRetentionShardHour: 0.02,
  kinesisPutPayloadUnitsPerMillion: 0.014,
  kinesisEfoConsumerShardHour: 0.015,
  kinesisEfoDataPerGb: 0.013,
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestsPerMillion: 0.2,
  dynamodbOnDemandWriteUnitsPerMillion: 0.625,
  dynamodbOnDemandReadUnitsPerMillion: 0.125,
  dynamodbProvisionedWcuHour: 0.00065,
  dynamodbProvisionedRcuHour: 0.00013,
  dynamodbStorageGbMonth: 0.25,
  dynamodbPitrGbMonth: 0.2,
  s3StandardGbMonth: 0.023,
  s3StandardIaGbMonth: 0.0125,
  s3GlacierIrGbMonth: 0.004,
  s3GlacierFlexibleGbMonth: 0.0036,
  s3DeepArchiveGbMonth: 0.00099,
  s3PutPerThousand: 0.005,
  /** Lifecycle transition requests, per 1,000 objects moved into each class. */
  s3TransitionToStandardIaPerThousand: 0.01,
  s3TransitionToGlacierIrPerThousand: 0.02,
  s3TransitionToGlacierFlexiblePerThousand: 0.03,
  s3TransitionToDeepArchivePerThousand: 0.05,
  logsIngestionPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  alarmPerMonth: 0.1,
  xrayTracesPerMillion: 5,
} as const;

/** Traffic an environment is assumed to carry, stated in the plan's output next to the estimate. */
export interface TrafficAssumptions {
  /** Average ticks per second over the month (markets are closed two-thirds of the time). */
  readonly ticksPerSecond: number;
  /** Average ticks per Kinesis record. */
  readonly ticksPerRecord: number;
  /** Average record size in bytes. */
  readonly recordBytes: number;
  /** Symbols traded, so bars written per minute. */
  readonly activeSymbols: number;
  /** Analytics API requests per second, averaged over the month. */
  readonly apiRequestsPerSecond: number;
  /** Average processor invocation duration in milliseconds. */
  readonly processorMs: number;
  /** Average archiver invocation duration in milliseconds: decode, gzip and one PUT of its batch. */
  readonly archiverMs: number;
  /** Average API invocation duration in milliseconds. */
  readonly apiMs: number;
  /** Batches per second the processor is invoked with (per shard, per parallel batch). */
  readonly processorInvocationsPerSecond: number;
  /**
   * Bytes of gzip NDJSON the archiver writes per byte of record data. Measured with the archiver's
   * own encoder (`functions/market-archiver/archive.ts`) on the synthetic market
   * (`scripts/market/synthetic-market.ts`): 0.27 for one tick per record, where the line's metadata
   * dominates, 0.15-0.16 for arrays of ticks. Real trades repeat less than synthetic ones, so real
   * objects are likely larger than estimated: the estimate errs on the small side.
   */
  readonly archiveGzipRatio: number;
  /** Log bytes written per invocation. */
  readonly logBytesPerInvocation: number;
  /**
   * Bytes a trade id takes in a bar's stored trade set: 16 for UUIDs (the costly case, assumed
   * everywhere), about 1-3 for sequential numeric ids.
   */
  readonly tradeIdBytes: number;
}

/** A bar item's attributes besides its trade set, in bytes (measured by `npm run bench`). */
export const BAR_ITEM_BASE_BYTES = 350;
/** The inline set's limit and a page's, as `functions/market-processor/trade-set-writes.ts`. */
const INLINE_SET_MAX_BYTES = 3_000;

/** What the processor's writes of one bar over its minute cost, by DynamoDB's billing rules. */
export interface BarMinuteCapacity {
  /** Distinct trades of one symbol in one minute, on average. */
  readonly tradesPerBarMinute: number;
  /** Writes of the bar over its minute: one per processor batch that carries its trades. */
  readonly writes: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  /** Whether the set outgrows the bar item (pages, transactions at 2 units per KB). */
  readonly spills: boolean;
}

/**
 * The capacity one bar consumes over its minute. Each write rewrites the bar item (1 write unit
 * per KB of the whole item, rounded up) after a strongly consistent read (1 read unit per 4 KB);
 * the item grows by `tradeIdBytes` per trade. A set past the inline limit is written in
 * transactions (2 units per KB) of the bar item and one page (under 1 KB) per new trade.
 * DynamoDB developer guide, "Read/write capacity unit consumption"; `npm run bench` measures it.
 */
export function barMinuteCapacity(
  traffic: TrafficAssumptions,
  processorInvocationsPerMinute: number,
): BarMinuteCapacity {
  const tradesPerBarMinute = (traffic.ticksPerSecond * 60) / traffic.activeSymbols;
  const writes = Math.max(
    1,
    Math.min(Math.ceil(tradesPerBarMinute), processorInvocationsPerMinute),
  );
  const perWrite = tradesPerBarMinute / writes;
  let writeUnits = 0;
  let readUnits = 0;
  let spills = false;
  for (let j = 1; j <= writes; j += 1) {
    const setBytes = traffic.tradeIdBytes * perWrite * j;
    if (setBytes <= INLINE_SET_MAX_BYTES) {
      const itemBytes = BAR_ITEM_BASE_BYTES + setBytes;
      writeUnits += Math.ceil(itemBytes / 1024);
      readUnits += Math.ceil(itemBytes / 4096);
    } else {
      spills = true;
      const pages = Math.ceil(perWrite);
      writeUnits += 2 * (1 + pages);
      readUnits += 1 + pages;
    }
  }
  return { tradesPerBarMinute, writes, writeUnits, readUnits, spills };
}

export const TRAFFIC: Readonly<Record<EnvironmentName, TrafficAssumptions>> = {
  dev: {
    ticksPerSecond: 5,
    ticksPerRecord: 1,
    recordBytes: 110,
    activeSymbols: 20,
    apiRequestsPerSecond: 0.05,
    processorMs: 40,
    archiverMs: 60,
    apiMs: 15,
    processorInvocationsPerSecond: 1,
    archiveGzipRatio: 0.27,
    logBytesPerInvocation: 600,
    tradeIdBytes: 16,
  },
  staging: {
    ticksPerSecond: 100,
    ticksPerRecord: 5,
    recordBytes: 520,
    activeSymbols: 100,
    apiRequestsPerSecond: 1,
    processorMs: 60,
    archiverMs: 250,
    apiMs: 15,
    processorInvocationsPerSecond: 4,
    archiveGzipRatio: 0.16,
    logBytesPerInvocation: 600,
    tradeIdBytes: 16,
  },
  production: {
    ticksPerSecond: 600,
    ticksPerRecord: 10,
    recordBytes: 1000,
    activeSymbols: 500,
    apiRequestsPerSecond: 20,
    processorMs: 80,
    archiverMs: 250,
    apiMs: 12,
    processorInvocationsPerSecond: 8,
    archiveGzipRatio: 0.16,
    logBytesPerInvocation: 600,
    tradeIdBytes: 16,
  },
};

export interface CostLine {
  readonly service: string;
  /** The same in every environment, so estimates line up side by side. */
  readonly item: string;
  /** What this environment's figure is based on. */
  readonly basis: string;
  readonly monthlyUsd: number;
}

export interface CostEstimate {
  readonly environment: EnvironmentName;
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
}

const HOURS_PER_MONTH = 730;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const GB = 1024 ** 3;

/** Provisioned capacity follows load at the target utilisation, between the base and the ceiling. */
function provisionedCost(
  capacity: Extract<TableCapacity, { mode: "provisioned" }>,
  writesPerSecond: number,
  readsPerSecond: number,
  prices: typeof PRICE_TABLE,
): CostLine {
  const target = capacity.targetUtilizationPercent / 100;
  const neededWcu = writesPerSecond / target;
  const neededRcu = readsPerSecond / target;
  const wcu = Math.min(
    capacity.maxWriteCapacityUnits,
    Math.max(capacity.writeCapacityUnits, writesPerSecond / target),
  );
  const rcu = Math.min(
    capacity.maxReadCapacityUnits,
    Math.max(capacity.readCapacityUnits, readsPerSecond / target),
  );
  return {
    service: "DynamoDB",
    item: "reads and writes",
    basis:
      neededWcu > capacity.maxWriteCapacityUnits || neededRcu > capacity.maxReadCapacityUnits
        ? `provisioned at the ceiling ${Math.round(wcu)} WCU + ${Math.round(rcu)} RCU: the assumed load needs ${Math.round(neededWcu)} WCU + ${Math.round(neededRcu)} RCU and would be throttled`
        : `provisioned, auto scaled to ~${Math.round(wcu)} WCU + ${Math.round(rcu)} RCU`,
    monthlyUsd:
      HOURS_PER_MONTH *
      (wcu * prices.dynamodbProvisionedWcuHour + rcu * prices.dynamodbProvisionedRcuHour),
  };
}

/** Lambda's invocation payload limit: a Kinesis batch stops growing at 6 MB of event. */
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/**
 * Bytes a Kinesis record takes in the Lambda event besides its base64 data: sequence number, event
 * id, ARNs of the stream and the role (measured on an event with this platform's names).
 */
export const EVENT_RECORD_OVERHEAD_BYTES = 600;

/** The archive's storage is priced as it stands in this month of operation (it only grows). */
export const ARCHIVE_HORIZON_MONTHS = 12;

const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

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
function archiveLines(
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

/** X-Ray's default sampling rule: the first request each second, then 5% of the rest. */
function sampledTraces(invocationsPerMonth: number): number {
  const reservoir = Math.min(invocationsPerMonth, SECONDS_PER_MONTH);
  return reservoir + 0.05 * (invocationsPerMonth - reservoir);
}

/** An estimate of one environment's monthly bill from its settings and its traffic assumptions. */
export function estimateMonthlyCost(
  settings: EnvironmentSettings,
  /** CloudWatch alarms the environment's program registers. */
  alarms: number,
  traffic: TrafficAssumptions = TRAFFIC[settings.name],
  prices: typeof PRICE_TABLE = PRICE_TABLE,
): CostEstimate {
  const records = (traffic.ticksPerSecond / traffic.ticksPerRecord) * SECONDS_PER_MONTH;
  const dataGb = (records * traffic.recordBytes) / GB;
  const payloadUnits = records * Math.ceil(traffic.recordBytes / 25_600);
  const shards = settings.stream.shardCount;
  const memoryGb = settings.lambda.memoryMb / 1024;
  const invocations = {
    processor: traffic.processorInvocationsPerSecond * SECONDS_PER_MONTH,
    // One invocation per archive object.
    archiver: estimateArchiveObjects(settings, traffic).objectsPerMonth,
    api: traffic.apiRequestsPerSecond * SECONDS_PER_MONTH,
  };
  const gbSeconds =
    memoryGb *
    ((invocations.processor * traffic.processorMs +
      invocations.archiver * traffic.archiverMs +
      invocations.api * traffic.apiMs) /
      1000);
  const totalInvocations = invocations.processor + invocations.archiver + invocations.api;
  // Each processor batch writes every bar it touches once, after reading it in one strongly
  // consistent round; the bar item grows with its trade set over the minute.
  const bar = barMinuteCapacity(traffic, traffic.processorInvocationsPerSecond * 60);
  const barMinutes = traffic.activeSymbols * (SECONDS_PER_MONTH / 60);
  const writeUnits = barMinutes * bar.writeUnits;
  const readUnits = barMinutes * bar.readUnits + invocations.api * 2;
  const storedBars = traffic.activeSymbols * 60 * 24 * settings.table.barRetentionDays;
  const tableGb = (storedBars * 400) / GB;
  const capacity = settings.table.capacity;
  const writesPerSecond = writeUnits / SECONDS_PER_MONTH;
  const readsPerSecond = readUnits / SECONDS_PER_MONTH;
  const tableRequests: CostLine =
    capacity.mode === "provisioned"
      ? provisionedCost(capacity, writesPerSecond, readsPerSecond, prices)
      : {
          service: "DynamoDB",
          item: "reads and writes",
          basis: `on-demand, ${Math.round(writesPerSecond)} WRU/s + ${Math.round(readsPerSecond)} RRU/s (${bar.writes} writes per bar-minute of ${Math.round(bar.tradesPerBarMinute)} trades, ${bar.writeUnits} WRU)`,
          monthlyUsd:
            (writeUnits / 1e6) * prices.dynamodbOnDemandWriteUnitsPerMillion +
            (readUnits / 1e6) * prices.dynamodbOnDemandReadUnitsPerMillion,
        };
  const logGb = (totalInvocations * traffic.logBytesPerInvocation) / GB;
  const retentionHours = settings.stream.retentionHours;
  const lines: CostLine[] = [
    {
      service: "Kinesis",
      item: "stream shards",
      basis: `${shards} provisioned shard(s)`,
      monthlyUsd: shards * HOURS_PER_MONTH * prices.kinesisShardHour,
    },
    {
      service: "Kinesis",
      item: "extended retention",
      basis:
        retentionHours > 24
          ? `${retentionHours} h, ${shards} shard(s)`
          : "24 h, included in the shard price",
      monthlyUsd:
        retentionHours > 24
          ? shards * HOURS_PER_MONTH * prices.kinesisExtendedRetentionShardHour
          : 0,
    },
    {
      service: "Kinesis",
      item: "PUT payload units",
      basis: `${Math.round(records / SECONDS_PER_MONTH)} records/s`,
      monthlyUsd: (payloadUnits / 1e6) * prices.kinesisPutPayloadUnitsPerMillion,
    },
    {
      service: "Kinesis",
      item: "enhanced fan-out consumer",
      basis: `processor, ${shards} shard(s)`,
      monthlyUsd:
        shards * HOURS_PER_MONTH * prices.kinesisEfoConsumerShardHour +
        dataGb * prices.kinesisEfoDataPerGb,
    },
    {
      service: "Lambda",
      item: "compute",
      basis: `${settings.lambda.memoryMb} MB arm64, ${Math.round(gbSeconds)} GB-s`,
      monthlyUsd: gbSeconds * prices.lambdaArmGbSecond,
    },
    {
      service: "Lambda",
      item: "requests",
      basis: `${Math.round(totalInvocations / 1e6)} M invocations`,
      monthlyUsd: (totalInvocations / 1e6) * prices.lambdaRequestsPerMillion,
    },
    tableRequests,
    {
      service: "DynamoDB",
      item: "storage and backups",
      basis: `${tableGb.toFixed(1)} GB${settings.table.pointInTimeRecovery ? " + point-in-time recovery" : ""}`,
      monthlyUsd:
        tableGb *
        (prices.dynamodbStorageGbMonth +
          (settings.table.pointInTimeRecovery ? prices.dynamodbPitrGbMonth : 0)),
    },
    ...archiveLines(settings, traffic, prices, dataGb),
    {
      service: "CloudWatch",
      item: "logs and alarms",
      basis: `${logGb.toFixed(1)} GB logs kept ${settings.logRetentionDays} d, ${alarms} alarms`,
      monthlyUsd:
        logGb * prices.logsIngestionPerGb +
        logGb * Math.min(1, settings.logRetentionDays / 30) * prices.logsStoragePerGbMonth +
        alarms * prices.alarmPerMonth,
    },
    {
      service: "X-Ray",
      item: "traces",
      basis: "1/s reservoir + 5% per function",
      monthlyUsd:
        (Object.values(invocations).reduce((sum, count) => sum + sampledTraces(count), 0) / 1e6) *
        prices.xrayTracesPerMillion,
    },
  ];
  const rounded = lines.map((line) => ({
    ...line,
    monthlyUsd: Math.round(line.monthlyUsd * 100) / 100,
  }));
  return {
    environment: settings.name,
    lines: rounded,
    totalUsd: Math.round(rounded.reduce((sum, line) => sum + line.monthlyUsd, 0) * 100) / 100,
  };
}
