import {
  STREAM_CONSUMER_KEYS,
  STREAM_CONSUMERS,
  type StreamConsumerKey,
} from "../ingestion/stream-consumers";
import { planMarketFunctions, type ComputePlan } from "../compute/market-functions";
import type { Namer } from "../naming/physical-name";

/** Prefix of the VPC flow-log group, e.g. `/vpc/flow-logs/production-vpc-us-east-1-a1`. */
export const FLOW_LOG_GROUP_PREFIX = "/vpc/flow-logs/";

/** Every physical name the stack uses, in one place. */
export interface PlatformNames {
  readonly functionSecurityGroup: string;
  /** Used where flow logs are recorded (production). */
  readonly flowLogs: {
    readonly logGroup: string;
    readonly role: string;
    readonly rolePolicy: string;
  };
  readonly table: string;
  /** Used where the table is provisioned (production). */
  readonly tableScalingPolicies: { readonly read: string; readonly write: string };
  readonly bucket: string;
  readonly stream: string;
  readonly deadLetterQueues: Readonly<Record<StreamConsumerKey, string>>;
  readonly alarmTopic: string;
  readonly alarms: {
    readonly tableReadThrottles: string;
    readonly tableWriteThrottles: string;
    readonly deadLetterQueueDepth: Readonly<Record<StreamConsumerKey, string>>;
  };
  /** The three functions, their roles, log groups, fan-out consumer and alarms. */
  readonly functions: ComputePlan;
}

function perConsumer(build: (service: string) => string): Record<StreamConsumerKey, string> {
  return Object.fromEntries(
    STREAM_CONSUMER_KEYS.map((key) => [key, build(STREAM_CONSUMERS[key])]),
  ) as Record<StreamConsumerKey, string>;
}

/**
 * Builds (and so validates) every physical name of a deployment at once, before any resource is
 * registered: a suffix that makes one name too long fails the program with nothing created.
 */
export function planPlatformNames(namer: Namer): PlatformNames {
  return {
    functionSecurityGroup: namer("security-group", "functions"),
    flowLogs: {
      logGroup: namer("log-group", "vpc", { prefix: FLOW_LOG_GROUP_PREFIX }),
      role: namer("iam-role", "vpc-flow-logs"),
      rolePolicy: namer("iam-policy", "vpc-flow-logs"),
    },
    table: namer("dynamodb-table", "market-analytics"),
    tableScalingPolicies: {
      read: namer("scaling-policy", "market-analytics-read-scaling"),
      write: namer("scaling-policy", "market-analytics-write-scaling"),
    },
    bucket: namer("s3-bucket", "market-archive"),
    stream: namer("kinesis-stream", "market-data"),
    deadLetterQueues: perConsumer((service) => namer("sqs-queue", `${service}-dlq`)),
    alarmTopic: namer("sns-topic", "alarms"),
    alarms: {
      tableReadThrottles: namer("cloudwatch-alarm", "market-analytics-read-throttles"),
      tableWriteThrottles: namer("cloudwatch-alarm", "market-analytics-write-throttles"),
      deadLetterQueueDepth: perConsumer((service) =>
        namer("cloudwatch-alarm", `${service}-dlq-depth`),
      ),
    },
    functions: planMarketFunctions(namer),
  };
}
