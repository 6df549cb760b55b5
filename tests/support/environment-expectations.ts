import { EXPECTED_COMPUTE, type ExpectedComputeSettings } from "./compute/expected-compute";
import type { EnvironmentName } from "../../modules/config/settings";

/**
 * What each environment must deploy, written out as literal values rather than read from the
 * settings table, so a wrong edit to the table fails here.
 */

export interface ExpectedLifecycleRule {
  readonly id: string;
  readonly status: "Enabled";
  readonly filter: { readonly prefix?: string };
  readonly transitions?: readonly { readonly days: number; readonly storageClass: string }[];
  readonly expiration?: { readonly days?: number; readonly expiredObjectDeleteMarker?: boolean };
  readonly noncurrentVersionExpiration?: { readonly noncurrentDays: number };
  readonly abortIncompleteMultipartUpload?: { readonly daysAfterInitiation: number };
}

export interface EnvironmentExpectation {
  readonly vpc: {
    readonly cidrBlock: string;
    readonly zones: number;
    readonly subnetCidrMask: number;
  };
  /** Retention of the flow-log group, or undefined where no flow logs are recorded. */
  readonly flowLogRetentionDays: number | undefined;
  readonly table:
    | {
        readonly billingMode: "PAY_PER_REQUEST";
        readonly maxRead: number;
        readonly maxWrite: number;
      }
    | {
        readonly billingMode: "PROVISIONED";
        readonly read: number;
        readonly write: number;
        readonly maxRead: number;
        readonly maxWrite: number;
        readonly targetPercent: number;
      };
  readonly pointInTimeRecovery: boolean;
  readonly versioning: boolean;
  readonly lifecycleRules: readonly ExpectedLifecycleRule[];
  readonly shardCount: number;
  /** How long the stream keeps records, in hours: the time left to redrive a parked batch. */
  readonly streamRetentionHours: number;
  /** How long the dead-letter queues keep a parked batch's pointer, in seconds. */
  readonly dlqRetentionSeconds: number;
  readonly alarmsNotify: boolean;
  /** Memory, log retention, concurrency and mapping settings of the three functions. */
  readonly compute: ExpectedComputeSettings;
  /** Resources by type; nothing else may be registered. */
  readonly resourceCounts: Readonly<Record<string, number>>;
}

const FOURTEEN_DAYS_SECONDS = 1_209_600;

const ABORT_UPLOADS: ExpectedLifecycleRule = {
  id: "abort-incomplete-multipart-uploads",
  status: "Enabled",
  filter: {},
  abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
};

const TIERING_30_90: ExpectedLifecycleRule = {
  id: "raw-storage-tiering",
  status: "Enabled",
  filter: { prefix: "raw/" },
  transitions: [
    { days: 30, storageClass: "STANDARD_IA" },
    { days: 90, storageClass: "GLACIER_IR" },
  ],
};

/** Registered in every environment. */
const COMMON_COUNTS: Readonly<Record<string, number>> = {
  "trading:stack:TradingStack": 1,
  "trading:network:PrivateNetwork": 1,
  "awsx:ec2:Vpc": 1,
  "trading:network:FunctionSecurityGroup": 1,
  "aws:ec2/securityGroup:SecurityGroup": 1,
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 2,
  "trading:storage:AnalyticsTable": 1,
  "aws:dynamodb/table:Table": 1,
  "trading:storage:ArchiveBucket": 1,
  "aws:s3/bucket:Bucket": 1,
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
  "aws:s3/bucketPolicy:BucketPolicy": 1,
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
  "trading:ingestion:MarketDataStream": 1,
  "aws:kinesis/stream:Stream": 1,
  "trading:ingestion:DeadLetterQueue": 2,
  "aws:sqs/queue:Queue": 2,
  "aws:sqs/queuePolicy:QueuePolicy": 2,
  "trading:monitoring:AlarmTopic": 1,
  "aws:sns/topic:Topic": 1,
  "aws:sns/topicPolicy:TopicPolicy": 1,
  "trading:monitoring:DataPathAlarms": 1,
  "trading:compute:MarketFunctions": 1,
  "trading:compute:StreamConsumerFunction": 2,
  "trading:compute:AnalyticsApi": 1,
  "trading:compute:MarketFunction": 3,
  "aws:kinesis/streamConsumer:StreamConsumer": 1,
  "aws:cloudwatch/logGroup:LogGroup": 3,
  "aws:iam/role:Role": 3,
  "aws:iam/rolePolicy:RolePolicy": 3,
  "aws:lambda/function:Function": 3,
  "aws:lambda/eventSourceMapping:EventSourceMapping": 2,
  "aws:lambda/functionUrl:FunctionUrl": 1,
  // Four on the data path (table throttles, DLQ depth), nine on the functions.
  "aws:cloudwatch/metricAlarm:MetricAlarm": 13,
  "trading:monitoring:TradingDashboard": 1,
  "aws:cloudwatch/dashboard:Dashboard": 1,
};

/** Counts of both tables added up, for an environment that registers more of some types. */
function plus(
  base: Readonly<Record<string, number>>,
  extra: Readonly<Record<string, number>>,
): Record<string, number> {
  const sum: Record<string, number> = { ...base };
  for (const [type, count] of Object.entries(extra)) {
    sum[type] = (sum[type] ?? 0) + count;
  }
  return sum;
}

export const EXPECTED: Readonly<Record<EnvironmentName, EnvironmentExpectation>> = {
  dev: {
    vpc: { cidrBlock: "10.10.0.0/16", zones: 2, subnetCidrMask: 20 },
    flowLogRetentionDays: undefined,
    table: { billingMode: "PAY_PER_REQUEST", maxRead: 100, maxWrite: 100 },
    pointInTimeRecovery: false,
    versioning: false,
    // Dev's objects stay under 128 KB, which no transition moves: expiry only.
    lifecycleRules: [
      ABORT_UPLOADS,
      { id: "expire-objects", status: "Enabled", filter: {}, expiration: { days: 60 } },
    ],
    shardCount: 1,
    streamRetentionHours: 24,
    dlqRetentionSeconds: FOURTEEN_DAYS_SECONDS,
    alarmsNotify: false,
    compute: EXPECTED_COMPUTE.dev,
    resourceCounts: COMMON_COUNTS,
  },
  staging: {
    vpc: { cidrBlock: "10.20.0.0/16", zones: 2, subnetCidrMask: 20 },
    flowLogRetentionDays: undefined,
    table: { billingMode: "PAY_PER_REQUEST", maxRead: 1000, maxWrite: 1000 },
    pointInTimeRecovery: true,
    versioning: false,
    lifecycleRules: [ABORT_UPLOADS, TIERING_30_90],
    shardCount: 2,
    streamRetentionHours: 72,
    dlqRetentionSeconds: FOURTEEN_DAYS_SECONDS,
    alarmsNotify: true,
    compute: EXPECTED_COMPUTE.staging,
    resourceCounts: COMMON_COUNTS,
  },
  production: {
    vpc: { cidrBlock: "10.30.0.0/16", zones: 3, subnetCidrMask: 20 },
    flowLogRetentionDays: 90,
    table: {
      billingMode: "PROVISIONED",
      read: 50,
      write: 50,
      maxRead: 2000,
      maxWrite: 2000,
      targetPercent: 70,
    },
    pointInTimeRecovery: true,
    versioning: true,
    lifecycleRules: [
      ABORT_UPLOADS,
      TIERING_30_90,
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: 30 },
        expiration: { expiredObjectDeleteMarker: true },
      },
    ],
    shardCount: 4,
    streamRetentionHours: 168,
    dlqRetentionSeconds: FOURTEEN_DAYS_SECONDS,
    alarmsNotify: true,
    compute: EXPECTED_COMPUTE.production,
    resourceCounts: plus(COMMON_COUNTS, {
      "trading:network:VpcFlowLogs": 1,
      "aws:cloudwatch/logGroup:LogGroup": 1,
      "aws:iam/role:Role": 1,
      "aws:iam/rolePolicy:RolePolicy": 1,
      "aws:ec2/flowLog:FlowLog": 1,
      "aws:appautoscaling/target:Target": 2,
      "aws:appautoscaling/policy:Policy": 2,
      "aws:s3/bucketVersioning:BucketVersioning": 1,
    }),
  },
};

/** Resource types that must carry the standard tags: every provider type whose SDK accepts `tags`. */
export const EXPECTED_TAGGABLE_TYPES: readonly string[] = [
  "awsx:ec2:Vpc",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:dynamodb/table:Table",
  "aws:s3/bucket:Bucket",
  "aws:kinesis/stream:Stream",
  "aws:sqs/queue:Queue",
  "aws:sns/topic:Topic",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:iam/role:Role",
  "aws:ec2/flowLog:FlowLog",
  "aws:appautoscaling/target:Target",
  "aws:lambda/function:Function",
  "aws:lambda/eventSourceMapping:EventSourceMapping",
  "aws:kinesis/streamConsumer:StreamConsumer",
];
