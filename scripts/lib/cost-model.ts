import type {
  EnvironmentName,
  EnvironmentSettings,
  TableCapacity,
} from "../../modules/config/settings";

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
  s3PutPerThousand: 0.005,
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
  /** Average archiver invocation duration in milliseconds. */
  readonly archiverMs: number;
  /** Average API invocation duration in milliseconds. */
  readonly apiMs: number;
  /** Batches per second the processor is invoked with (per shard, per parallel batch). */
  readonly processorInvocationsPerSecond: number;
  /** Batches per second the archiver is invoked with (batching window makes them bigger). */
  readonly archiverInvocationsPerSecond: number;
  /** Log bytes written per invocation. */
  readonly logBytesPerInvocation: number;
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
    archiverInvocationsPerSecond: 0.2,
    logBytesPerInvocation: 600,
  },
  staging: {
    ticksPerSecond: 100,
    ticksPerRecord: 5,
    recordBytes: 520,
    activeSymbols: 100,
    apiRequestsPerSecond: 1,
    processorMs: 60,
    archiverMs: 80,
    apiMs: 15,
    processorInvocationsPerSecond: 4,
    archiverInvocationsPerSecond: 0.4,
    logBytesPerInvocation: 600,
  },
  production: {
    ticksPerSecond: 600,
    ticksPerRecord: 10,
    recordBytes: 1000,
    activeSymbols: 500,
    apiRequestsPerSecond: 20,
    processorMs: 80,
    archiverMs: 120,
    apiMs: 12,
    processorInvocationsPerSecond: 8,
    archiverInvocationsPerSecond: 0.8,
    logBytesPerInvocation: 600,
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
    archiver: traffic.archiverInvocationsPerSecond * SECONDS_PER_MONTH,
    api: traffic.apiRequestsPerSecond * SECONDS_PER_MONTH,
  };
  const gbSeconds =
    memoryGb *
    ((invocations.processor * traffic.processorMs +
      invocations.archiver * traffic.archiverMs +
      invocations.api * traffic.apiMs) /
      1000);
  const totalInvocations = invocations.processor + invocations.archiver + invocations.api;
  // Each processor batch writes every bar it touches once (1 WRU each, items stay under 1 KB) after
  // reading it once with a strongly consistent BatchGetItem (1 RRU each).
  const ticksPerBatch = traffic.ticksPerSecond / traffic.processorInvocationsPerSecond;
  const writeUnits =
    invocations.processor * Math.min(traffic.activeSymbols, Math.max(1, ticksPerBatch));
  const readUnits = writeUnits + invocations.api * 2;
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
          basis: `on-demand, ${Math.round(writesPerSecond)} WRU/s + ${Math.round(readsPerSecond)} RRU/s`,
          monthlyUsd:
            (writeUnits / 1e6) * prices.dynamodbOnDemandWriteUnitsPerMillion +
            (readUnits / 1e6) * prices.dynamodbOnDemandReadUnitsPerMillion,
        };
  const logGb = (totalInvocations * traffic.logBytesPerInvocation) / GB;
  // One month of new raw data in S3 Standard, gzip at about 4:1.
  const archiveGb = dataGb * 0.25;
  const lines: CostLine[] = [
    {
      service: "Kinesis",
      item: "stream shards",
      basis: `${shards} provisioned shard(s)`,
      monthlyUsd: shards * HOURS_PER_MONTH * prices.kinesisShardHour,
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
    {
      service: "S3",
      item: "raw archive",
      basis: `${archiveGb.toFixed(1)} GB/month gzip + ${Math.round(invocations.archiver / 1000)}k PUTs`,
      monthlyUsd:
        archiveGb * prices.s3StandardGbMonth +
        (invocations.archiver / 1000) * prices.s3PutPerThousand,
    },
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
