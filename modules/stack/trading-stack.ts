import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import { MarketFunctions, PROCESSOR_ITERATOR_AGE_THRESHOLD_MS } from "../compute/market-functions";
import type { FunctionPlan } from "../compute/market-function";
import { METRICS_NAMESPACE, type FunctionService } from "../compute/runtime";
import { assertStreamConsumerConcurrency } from "../compute/stream-consumer-function";
import type { DeploymentConfig } from "../config/deployment";
import type { EnvironmentSettings } from "../config/settings";
import { DeadLetterQueue } from "../ingestion/dead-letter-queue";
import { MarketDataStream } from "../ingestion/market-data-stream";
import {
  STREAM_CONSUMER_KEYS,
  STREAM_CONSUMERS,
  type StreamConsumerKey,
} from "../ingestion/stream-consumers";
import { AlarmTopic } from "../monitoring/alarm-topic";
import { DataPathAlarms } from "../monitoring/data-path-alarms";
import { planDashboardName } from "../monitoring/dashboard-body";
import { TradingDashboard } from "../monitoring/trading-dashboard";
import { PrivateNetwork } from "../network/private-network";
import { namerFor, type Namer } from "../naming/physical-name";
import { AnalyticsTable } from "../storage/analytics-table";
import { ArchiveBucket } from "../storage/archive-bucket";
import { planPlatformNames, type PlatformNames } from "./platform-names";
import { workloadRoles } from "./workload-roles";

export interface TradingStackArgs {
  /** The validated deployment (`loadDeploymentConfig`): environment, suffix and its settings. */
  readonly config: DeploymentConfig;
}

/** The stack outputs: what operators, workflows and smoke tests read after a deployment. */
export interface TradingStackOutputs {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly functionSecurityGroupId: pulumi.Output<string>;
  readonly tableName: pulumi.Output<string>;
  readonly tableArn: pulumi.Output<string>;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly streamName: pulumi.Output<string>;
  readonly streamArn: pulumi.Output<string>;
  readonly dlqUrls: Readonly<Record<StreamConsumerKey, pulumi.Output<string>>>;
  readonly dlqArns: Readonly<Record<StreamConsumerKey, pulumi.Output<string>>>;
  readonly alarmTopicArn: pulumi.Output<string>;
  readonly functionNames: Readonly<Record<FunctionService, pulumi.Output<string>>>;
  /** The analytics API's Function URL (IAM auth): what the smoke check and clients call. */
  readonly analyticsApiUrl: pulumi.Output<string>;
  /** The environment's CloudWatch dashboard in the console. */
  readonly dashboardUrl: pulumi.Output<string>;
}

function perConsumer<T>(build: (key: StreamConsumerKey) => T): Record<StreamConsumerKey, T> {
  return Object.fromEntries(STREAM_CONSUMER_KEYS.map((key) => [key, build(key)])) as Record<
    StreamConsumerKey,
    T
  >;
}

/**
 * One environment of the trading analytics platform: network, storage, ingestion, monitoring and
 * the three functions, built from the environment's settings. Every part is a public field.
 */
export class TradingStack extends pulumi.ComponentResource {
  public readonly config: DeploymentConfig;
  public readonly settings: EnvironmentSettings;
  /** Builds `{env}-{service}-{region}-{suffix}` names for this deployment. */
  public readonly namer: Namer;
  /** Every physical name of the stack, validated before anything was registered. */
  public readonly names: PlatformNames;
  /** The account the stack deploys to, asked for once and shared by every component that needs it. */
  public readonly accountId: pulumi.Output<string>;
  /**
   * `arn:aws:iam::<account>:policy/trading-analytics-<env>-workload-boundary`, the permissions
   * boundary of every role the stack creates: the deploy role may create no role without it. A
   * review stack's roles carry `trading-analytics-<env>-review-workload-boundary` instead.
   */
  public readonly permissionsBoundaryArn: pulumi.Output<string>;
  /** The IAM path of every role the stack creates (`workloadRoles`). */
  public readonly rolePath: string;
  public readonly network: PrivateNetwork;
  public readonly table: AnalyticsTable;
  public readonly archive: ArchiveBucket;
  public readonly stream: MarketDataStream;
  public readonly deadLetterQueues: Readonly<Record<StreamConsumerKey, DeadLetterQueue>>;
  public readonly alarmTopic: AlarmTopic;
  public readonly dataPathAlarms: DataPathAlarms;
  public readonly functions: MarketFunctions;
  public readonly dashboard: TradingDashboard;
  public readonly outputs: TradingStackOutputs;

  constructor(name: string, args: TradingStackArgs, opts?: pulumi.ComponentResourceOptions) {
    const { environment, environmentSuffix, settings } = args.config;
    const namer = namerFor({ environment, region: settings.region, suffix: environmentSuffix });
    // Throws on any name AWS would reject, before the stack itself is registered.
    const names = planPlatformNames(namer);
    const dashboardName = planDashboardName(namer);
    assertStreamConsumerConcurrency(settings);

    super("trading:stack:TradingStack", name, {}, opts);

    this.config = args.config;
    this.settings = settings;
    this.namer = namer;
    this.names = names;
    const region = settings.region;
    this.accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const roles = workloadRoles(args.config);
    this.rolePath = roles.path;
    this.permissionsBoundaryArn = this.accountId.apply(roles.boundaryArn);

    this.network = new PrivateNetwork(
      `${name}-network`,
      {
        environment,
        region,
        network: settings.network,
        securityGroupName: names.functionSecurityGroup,
        flowLogs: settings.network.flowLogs
          ? {
              logGroupName: names.flowLogs.logGroup,
              roleName: names.flowLogs.role,
              rolePolicyName: names.flowLogs.rolePolicy,
              retentionDays: settings.logRetentionDays,
              accountId: this.accountId,
              permissionsBoundaryArn: this.permissionsBoundaryArn,
              rolePath: this.rolePath,
            }
          : undefined,
      },
      { parent: this },
    );

    this.table = new AnalyticsTable(
      `${name}-market-analytics`,
      {
        environment,
        tableName: names.table,
        capacity: settings.table.capacity,
        pointInTimeRecovery: settings.table.pointInTimeRecovery,
        scalingPolicyNames: names.tableScalingPolicies,
      },
      { parent: this },
    );

    this.archive = new ArchiveBucket(
      `${name}-market-archive`,
      { environment, bucketName: names.bucket, archive: settings.archive },
      { parent: this },
    );

    this.stream = new MarketDataStream(
      `${name}-market-data`,
      {
        environment,
        streamName: names.stream,
        shardCount: settings.stream.shardCount,
        retentionHours: settings.stream.retentionHours,
      },
      { parent: this },
    );

    this.deadLetterQueues = perConsumer(
      (key) =>
        new DeadLetterQueue(
          `${name}-${STREAM_CONSUMERS[key]}-dlq`,
          {
            environment,
            service: `${STREAM_CONSUMERS[key]}-dlq`,
            queueName: names.deadLetterQueues[key],
            retentionSeconds: settings.queues.dlqRetentionSeconds,
          },
          { parent: this },
        ),
    );

    this.alarmTopic = new AlarmTopic(
      `${name}-alarms`,
      {
        environment,
        region,
        accountId: this.accountId,
        topicName: names.alarmTopic,
        notify: settings.alarmsNotify,
      },
      { parent: this },
    );

    this.dataPathAlarms = new DataPathAlarms(
      `${name}-data-path-alarms`,
      {
        routing: this.alarmTopic.routing,
        tableName: this.table.tableName,
        tableAlarmNames: {
          readThrottles: names.alarms.tableReadThrottles,
          writeThrottles: names.alarms.tableWriteThrottles,
        },
        deadLetterQueues: STREAM_CONSUMER_KEYS.map((key) => ({
          service: `${STREAM_CONSUMERS[key]}-dlq`,
          queueName: this.deadLetterQueues[key].queueName,
          alarmName: names.alarms.deadLetterQueueDepth[key],
        })),
      },
      { parent: this },
    );

    this.functions = new MarketFunctions(
      `${name}-functions`,
      {
        settings,
        namer,
        accountId: this.accountId,
        permissionsBoundaryArn: this.permissionsBoundaryArn,
        rolePath: this.rolePath,
        streamArn: this.stream.streamArn,
        tableArn: this.table.tableArn,
        tableName: this.table.tableName,
        bucketArn: this.archive.bucketArn,
        bucketName: this.archive.bucketName,
        processorDeadLetterQueueArn: this.deadLetterQueues.marketProcessor.queueArn,
        archiverDeadLetterQueueArn: this.deadLetterQueues.marketArchiver.queueArn,
        privateSubnetIds: this.network.privateSubnetIds,
        securityGroupId: this.network.functionSecurityGroupId,
        alarmTopicArn: this.alarmTopic.topicArn,
      },
      { parent: this },
    );

    const graphed = (fn: FunctionPlan) => ({
      service: fn.service,
      functionName: this.functions.functionNames[fn.service],
    });
    this.dashboard = new TradingDashboard(
      `${name}-dashboard`,
      {
        environment,
        region,
        dashboardName,
        functions: {
          processor: graphed(names.functions.processor),
          archiver: graphed(names.functions.archiver),
          api: graphed(names.functions.api),
        },
        metricsNamespace: METRICS_NAMESPACE,
        freshnessThresholdMs: PROCESSOR_ITERATOR_AGE_THRESHOLD_MS,
        deadLetterQueues: STREAM_CONSUMER_KEYS.map((key) => ({
          service: `${STREAM_CONSUMERS[key]}-dlq`,
          queueName: this.deadLetterQueues[key].queueName,
        })),
        tableName: this.table.tableName,
      },
      { parent: this },
    );

    this.outputs = {
      vpcId: this.network.vpcId,
      privateSubnetIds: this.network.privateSubnetIds,
      functionSecurityGroupId: this.network.functionSecurityGroupId,
      tableName: this.table.tableName,
      tableArn: this.table.tableArn,
      bucketName: this.archive.bucketName,
      bucketArn: this.archive.bucketArn,
      streamName: this.stream.streamName,
      streamArn: this.stream.streamArn,
      dlqUrls: perConsumer((key) => this.deadLetterQueues[key].queueUrl),
      dlqArns: perConsumer((key) => this.deadLetterQueues[key].queueArn),
      alarmTopicArn: this.alarmTopic.topicArn,
      functionNames: this.functions.functionNames,
      analyticsApiUrl: this.functions.analyticsApiUrl,
      dashboardUrl: this.dashboard.dashboardUrl,
    };
    this.registerOutputs({ ...this.outputs });
  }
}
