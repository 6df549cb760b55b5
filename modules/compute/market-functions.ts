import * as pulumi from "@pulumi/pulumi";

import { assertDeliverySettings, type EnvironmentSettings } from "../config/settings";
import { redriveCommand } from "../ingestion/stream-consumers";
import type { AlarmRouting } from "../monitoring/metric-alarm";
import type { Namer } from "../naming/physical-name";
import { DURATION_P99_ALARM, iteratorAgeAlarm } from "./alarms";
import { AnalyticsApi } from "./analytics-api";
import { allow, writeArchiveStatement } from "./iam";
import { planFunction, type FunctionPlan } from "./market-function";
import type { FunctionService } from "./runtime";
import {
  ARCHIVER_RETRY_POLICY,
  assertRetryPolicy,
  assertStreamConsumerConcurrency,
  PROCESSOR_RETRY_POLICY,
  StreamConsumerFunction,
  type RetryPolicy,
} from "./stream-consumer-function";

/**
 * What the processor's code calls on the table: one consistent BatchGetItem round for the touched
 * bars (and pages of large trade sets), a GetItem re-read after a lost conditional write, one
 * conditional PutItem per bar, and for a large set a TransactWriteItems that puts the bar and its
 * pages and deletes split pages. IAM has no TransactWriteItems action: it authorizes each action
 * inside the transaction as `dynamodb:PutItem` / `dynamodb:DeleteItem` (DynamoDB developer guide,
 * "Using IAM with DynamoDB transactions").
 */
export const PROCESSOR_TABLE_ACTIONS = [
  "dynamodb:BatchGetItem",
  "dynamodb:DeleteItem",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
] as const;

/** Freshness is the desk's requirement: ticks visible within a second, so the processor's lag alarm is at 1,000 ms. */
export const PROCESSOR_ITERATOR_AGE_THRESHOLD_MS = 1000;

/**
 * Lambda's `IteratorAge` is the age of the last record of a batch, which a batching window does not
 * delay, so seconds of it are normal for the archiver too; five minutes means it is falling behind,
 * with time to act before records reach its one-hour age limit and go to its DLQ.
 */
export const ARCHIVER_ITERATOR_AGE_THRESHOLD_MS = 300_000;

/** `15 minutes`, `1 hour`: a record age limit as the alarms say it. */
function minutesOrHours(seconds: number): string {
  if (seconds % 3600 === 0) {
    return seconds === 3600 ? "1 hour" : `${seconds / 3600} hours`;
  }
  return `${Math.round(seconds / 60)} minutes`;
}

/** What the processor's lag alarm tells the operator, in this environment. */
export function processorIteratorAgeDescription(
  settings: EnvironmentSettings,
  retry: RetryPolicy = PROCESSOR_RETRY_POLICY,
): string {
  return `The processor has been more than 1,000 ms behind the stream for 3 minutes: bars are stale for the desk. Check its Errors, Throttles and Duration, the table's throttling, and the stream's incoming bytes against shard capacity. A batch still failing after ${minutesOrHours(retry.maximumRecordAgeSeconds)} goes to its dead-letter queue and the shard moves on; once the cause is fixed, replay the parked batches with \`${redriveCommand(settings.name, "market-processor")}\`.`;
}

/** What the archiver's lag alarm tells the operator, in this environment. */
export function archiverIteratorAgeDescription(
  settings: EnvironmentSettings,
  retry: RetryPolicy = ARCHIVER_RETRY_POLICY,
): string {
  return `The archiver has been more than 5 minutes behind the stream for 3 minutes. Check its Errors, Throttles and Duration, and S3 errors in its log group. A batch still failing after ${minutesOrHours(retry.maximumRecordAgeSeconds)} goes to its dead-letter queue, and the stream keeps its records for ${settings.stream.retentionHours} hours from their arrival only: once the cause is fixed, archive the parked batches with \`${redriveCommand(settings.name, "market-archiver")}\`.`;
}

/** Every physical name of the compute layer. */
export interface ComputePlan {
  readonly processor: FunctionPlan;
  /** The processor's enhanced fan-out consumer, registered on the stream. */
  readonly processorConsumerName: string;
  readonly archiver: FunctionPlan;
  readonly api: FunctionPlan;
}

/**
 * Names every resource of the three functions, with each function's alarms: errors and throttles
 * for all, iterator age for both consumers, p99 duration for the API. A name AWS would reject
 * throws here, before anything is registered.
 */
export function planMarketFunctions(namer: Namer): ComputePlan {
  return {
    processor: planFunction(namer, "market-processor", [
      iteratorAgeAlarm(PROCESSOR_ITERATOR_AGE_THRESHOLD_MS, (settings) =>
        processorIteratorAgeDescription(settings),
      ),
    ]),
    // Kinesis applies the stream-name rules (1-128 of A-Z a-z 0-9 _ . -) to consumer names.
    processorConsumerName: namer("kinesis-stream", "market-processor-consumer"),
    archiver: planFunction(namer, "market-archiver", [
      iteratorAgeAlarm(ARCHIVER_ITERATOR_AGE_THRESHOLD_MS, (settings) =>
        archiverIteratorAgeDescription(settings),
      ),
    ]),
    api: planFunction(namer, "analytics-api", [DURATION_P99_ALARM]),
  };
}

export interface MarketFunctionsArgs {
  readonly settings: EnvironmentSettings;
  /** The account the functions run in: Lambda assumes their roles on its behalf only. */
  readonly accountId: pulumi.Input<string>;
  /** The environment's workload boundary ARN, set as the permissions boundary of every function role. */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /**
   * The IAM path of every function role: the environment's, or a review stack's.
   * @default - the environment's path, `platformRolePath(settings.name)`
   */
  readonly rolePath?: string;
  /** Builds this deployment's physical names (`namerFor({ environment, region, suffix })`). */
  readonly namer: Namer;
  /** The market-data stream both consumers read. */
  readonly streamArn: pulumi.Input<string>;
  /** The bars table: the processor writes it, the API reads it. */
  readonly tableArn: pulumi.Input<string>;
  readonly tableName: pulumi.Input<string>;
  /** The raw archive; the archiver writes under `raw/` only. */
  readonly bucketArn: pulumi.Input<string>;
  readonly bucketName: pulumi.Input<string>;
  /** The processor's dead-letter queue (`market-processor-dlq`). */
  readonly processorDeadLetterQueueArn: pulumi.Input<string>;
  /** The archiver's dead-letter queue (`market-archiver-dlq`). */
  readonly archiverDeadLetterQueueArn: pulumi.Input<string>;
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The functions' security group. */
  readonly securityGroupId: pulumi.Input<string>;
  /** The environment's alarm topic; alarms notify it where `settings.alarmsNotify` is on. */
  readonly alarmTopicArn: pulumi.Input<string>;
}

/**
 * The platform's three functions: market-processor (stream -> bars, enhanced fan-out),
 * market-archiver (stream -> raw archive, shared throughput) and analytics-api (Function URL).
 */
export class MarketFunctions extends pulumi.ComponentResource {
  /** Every physical name of the compute layer. */
  public readonly plan: ComputePlan;
  public readonly functionNames: Readonly<Record<FunctionService, pulumi.Output<string>>>;
  public readonly functionArns: Readonly<Record<FunctionService, pulumi.Output<string>>>;
  public readonly roleArns: Readonly<Record<FunctionService, pulumi.Output<string>>>;
  public readonly logGroupNames: Readonly<Record<FunctionService, pulumi.Output<string>>>;
  /** What each consumer's mapping reads: the processor's enhanced fan-out consumer, the archiver's stream. */
  public readonly eventSourceArns: Readonly<
    Record<"market-processor" | "market-archiver", pulumi.Output<string>>
  >;
  /** The analytics API's Function URL (IAM auth). */
  public readonly analyticsApiUrl: pulumi.Output<string>;
  public readonly alarmArns: pulumi.Output<string>[];

  constructor(name: string, args: MarketFunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
    const { settings } = args;
    // Names, capacity and delivery are checked before the component is registered: bad input
    // creates nothing.
    const plan = planMarketFunctions(args.namer);
    assertDeliverySettings(settings);
    assertStreamConsumerConcurrency(settings);
    assertRetryPolicy("market-processor", PROCESSOR_RETRY_POLICY, settings);
    assertRetryPolicy("market-archiver", ARCHIVER_RETRY_POLICY, settings);

    super("trading:compute:MarketFunctions", name, {}, opts);
    this.plan = plan;

    const alarmRouting: AlarmRouting = {
      environment: settings.name,
      topicArn: args.alarmTopicArn,
      notify: settings.alarmsNotify,
    };
    const shared = {
      settings,
      accountId: args.accountId,
      permissionsBoundaryArn: args.permissionsBoundaryArn,
      rolePath: args.rolePath,
      privateSubnetIds: args.privateSubnetIds,
      securityGroupId: args.securityGroupId,
      alarmRouting,
    };

    const processor = new StreamConsumerFunction(
      `${name}-market-processor`,
      {
        ...shared,
        plan: plan.processor,
        description: "Merges ticks from the market-data stream into 1-minute bars in DynamoDB",
        environmentVariables: {
          TABLE_NAME: args.tableName,
          BAR_TTL_DAYS: String(settings.table.barRetentionDays),
        },
        streamArn: args.streamArn,
        deadLetterQueueArn: args.processorDeadLetterQueueArn,
        // Dedicated 2 MB/s per shard pushed in ~70 ms, not competing with the archiver's polling.
        delivery: { mode: "enhanced-fan-out", consumerName: plan.processorConsumerName },
        batching: {
          batchSize: settings.lambda.batchSize,
          maximumBatchingWindowSeconds: 0,
          parallelizationFactor: settings.lambda.parallelizationFactor,
        },
        retry: PROCESSOR_RETRY_POLICY,
        sinkAccess: [allow("ReadAndWriteBars", PROCESSOR_TABLE_ACTIONS, args.tableArn)],
      },
      { parent: this },
    );

    const archiver = new StreamConsumerFunction(
      `${name}-market-archiver`,
      {
        ...shared,
        plan: plan.archiver,
        description: "Writes raw records from the market-data stream to the S3 archive",
        environmentVariables: { BUCKET_NAME: args.bucketName },
        streamArn: args.streamArn,
        deadLetterQueueArn: args.archiverDeadLetterQueueArn,
        delivery: { mode: "shared-throughput" },
        // Each batch is one archive object: sized per environment to exceed 128 KB, the smallest
        // object S3 lifecycle transitions.
        batching: {
          batchSize: settings.archiver.batchSize,
          maximumBatchingWindowSeconds: settings.archiver.batchingWindowSeconds,
          parallelizationFactor: settings.archiver.parallelizationFactor,
        },
        retry: ARCHIVER_RETRY_POLICY,
        sinkAccess: [writeArchiveStatement(args.bucketArn)],
      },
      { parent: this },
    );

    const api = new AnalyticsApi(
      `${name}-analytics-api`,
      { ...shared, plan: plan.api, tableArn: args.tableArn, tableName: args.tableName },
      { parent: this },
    );

    this.functionNames = {
      "market-processor": processor.functionName,
      "market-archiver": archiver.functionName,
      "analytics-api": api.functionName,
    };
    this.functionArns = {
      "market-processor": processor.functionArn,
      "market-archiver": archiver.functionArn,
      "analytics-api": api.functionArn,
    };
    this.roleArns = {
      "market-processor": processor.roleArn,
      "market-archiver": archiver.roleArn,
      "analytics-api": api.roleArn,
    };
    this.logGroupNames = {
      "market-processor": processor.logGroupName,
      "market-archiver": archiver.logGroupName,
      "analytics-api": api.logGroupName,
    };
    this.eventSourceArns = {
      "market-processor": processor.eventSourceArn,
      "market-archiver": archiver.eventSourceArn,
    };
    this.analyticsApiUrl = api.url;
    this.alarmArns = [...processor.alarmArns, ...archiver.alarmArns, ...api.alarmArns];
    this.registerOutputs({
      functionNames: this.functionNames,
      functionArns: this.functionArns,
      roleArns: this.roleArns,
      logGroupNames: this.logGroupNames,
      eventSourceArns: this.eventSourceArns,
      analyticsApiUrl: this.analyticsApiUrl,
      alarmArns: this.alarmArns,
    });
  }
}
