import type { EnvironmentName } from "../../modules/config/settings";

/**
 * The price table of the cost model (`cost-model.ts`), the billing units it counts in and the shape
 * of an estimate: lines per service and item, and their total.
 */

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

/** Hours in a billing month, as AWS prices count them. */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
export const GB = 1024 ** 3;

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
