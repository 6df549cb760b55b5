import type { EnvironmentSettings, TableCapacity } from "../../modules/config/settings";
import { archiveLines, estimateArchiveObjects } from "./cost-model-archive";
import {
  GB,
  HOURS_PER_MONTH,
  PRICE_TABLE,
  SECONDS_PER_MONTH,
  type CostEstimate,
  type CostLine,
} from "./cost-model-prices";
import { TRAFFIC, barMinuteCapacity, type TrafficAssumptions } from "./cost-model-traffic";

/**
 * An estimate of one environment's monthly bill from its settings and its traffic assumptions, at
 * the prices of `cost-model-prices.ts`, the traffic of `cost-model-traffic.ts` and the archive
 * objects of `cost-model-archive.ts`.
 */

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
