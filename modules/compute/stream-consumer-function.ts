import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentSettings } from "../config/settings";
import { standardTags } from "../naming/tags";
import {
  readConsumerStatement,
  readStreamStatement,
  sendToDeadLetterQueueStatement,
  type PolicyStatement,
} from "./iam";
import { MarketFunction, type MarketFunctionArgs } from "./market-function";

/** Retries of a failing batch (bisected on each error) before its pointer goes to the DLQ. */
export const MAXIMUM_RETRY_ATTEMPTS = 10;

/**
 * Records older than this go to the DLQ instead of being retried: an hour to fix a poison batch,
 * well inside the stream's 24 hours of retention, so a record is parked before it can expire unseen.
 */
export const MAXIMUM_RECORD_AGE_SECONDS = 3600;

/**
 * A stream consumer's reserved concurrency must cover one invocation per shard and parallel batch;
 * below that, Lambda throttles the consumer's own event source mapping and the lag only grows.
 */
export function assertStreamConsumerConcurrency(settings: EnvironmentSettings): void {
  const { shardCount } = settings.stream;
  const { parallelizationFactor, streamConsumerReservedConcurrency } = settings.lambda;
  const needed = shardCount * parallelizationFactor;
  if (streamConsumerReservedConcurrency < needed) {
    throw new Error(
      `Stream consumer reserved concurrency ${streamConsumerReservedConcurrency} in ${settings.name} is below shards x parallelization factor (${shardCount} x ${parallelizationFactor} = ${needed}): the stream would be throttled by its consumers' own limit. Raise lambda.streamConsumerReservedConcurrency to at least ${needed}, or lower stream.shardCount or lambda.parallelizationFactor, in the ${settings.name} settings.`,
    );
  }
}

/**
 * How the mapping reads the stream. `enhanced-fan-out` registers a consumer (under its own name)
 * with a dedicated 2 MB/s per shard, pushed over HTTP/2 in about 70 ms; `shared-throughput` polls
 * with GetRecords, sharing each shard's 2 MB/s and 5 reads per second with every other poller.
 */
export type StreamDelivery =
  | { readonly mode: "enhanced-fan-out"; readonly consumerName: string }
  | { readonly mode: "shared-throughput" };

export interface StreamConsumerFunctionArgs extends Omit<
  MarketFunctionArgs,
  "timeoutSeconds" | "reservedConcurrency" | "dataAccess"
> {
  readonly streamArn: pulumi.Input<string>;
  /** The consumer's own dead-letter queue: the mapping's on-failure destination. */
  readonly deadLetterQueueArn: pulumi.Input<string>;
  readonly delivery: StreamDelivery;
  /** How long the mapping gathers records before invoking: 0 for freshness, more for bigger batches. */
  readonly maximumBatchingWindowSeconds: number;
  /** Where the function writes (exact actions on exact resources); stream and DLQ access are added here. */
  readonly sinkAccess: readonly PolicyStatement[];
}

/**
 * A Lambda function fed by the Kinesis stream through an event source mapping: partial batch
 * failures, bisect on error, bounded retries and record age, failed batches to its DLQ.
 */
export class StreamConsumerFunction extends pulumi.ComponentResource {
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly alarmArns: pulumi.Output<string>[];
  public readonly eventSourceMappingUuid: pulumi.Output<string>;
  /** What the mapping reads: the registered consumer for enhanced fan-out, else the stream. */
  public readonly eventSourceArn: pulumi.Output<string>;

  constructor(
    name: string,
    args: StreamConsumerFunctionArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("trading:compute:StreamConsumerFunction", name, {}, opts);
    const { settings, delivery } = args;
    const { service } = args.plan;
    assertStreamConsumerConcurrency(settings);
    const tags = standardTags(settings.name, service);

    const consumer =
      delivery.mode === "enhanced-fan-out"
        ? new aws.kinesis.StreamConsumer(
            `${name}-consumer`,
            {
              name: delivery.consumerName,
              streamArn: args.streamArn,
              tags,
            },
            { parent: this },
          )
        : undefined;

    const fn = new MarketFunction(
      name,
      {
        plan: args.plan,
        description: args.description,
        settings,
        accountId: args.accountId,
        permissionsBoundaryArn: args.permissionsBoundaryArn,
        timeoutSeconds: settings.lambda.streamConsumerTimeoutSeconds,
        reservedConcurrency: settings.lambda.streamConsumerReservedConcurrency,
        environmentVariables: args.environmentVariables,
        dataAccess: [
          readStreamStatement(args.streamArn),
          ...(consumer === undefined ? [] : [readConsumerStatement(consumer.arn)]),
          ...args.sinkAccess,
          sendToDeadLetterQueueStatement(args.deadLetterQueueArn),
        ],
        privateSubnetIds: args.privateSubnetIds,
        securityGroupId: args.securityGroupId,
        alarmRouting: args.alarmRouting,
      },
      { parent: this },
    );

    const mappingSource = pulumi.output(consumer === undefined ? args.streamArn : consumer.arn);
    // TRIM_HORIZON: on the first deploy the mapping starts at the oldest retained record, so no tick
    // written before it existed is lost.
    const mapping = new aws.lambda.EventSourceMapping(
      `${name}-mapping`,
      {
        eventSourceArn: mappingSource,
        functionName: fn.functionArn,
        startingPosition: "TRIM_HORIZON",
        batchSize: settings.lambda.batchSize,
        maximumBatchingWindowInSeconds: args.maximumBatchingWindowSeconds,
        parallelizationFactor: settings.lambda.parallelizationFactor,
        functionResponseTypes: ["ReportBatchItemFailures"],
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: MAXIMUM_RETRY_ATTEMPTS,
        maximumRecordAgeInSeconds: MAXIMUM_RECORD_AGE_SECONDS,
        destinationConfig: { onFailure: { destinationArn: args.deadLetterQueueArn } },
        tags,
      },
      // Lambda validates the role's access to the stream (and DLQ) when the mapping is created.
      { parent: this, dependsOn: [fn.policy] },
    );

    this.functionName = fn.functionName;
    this.functionArn = fn.functionArn;
    this.roleArn = fn.roleArn;
    this.logGroupName = fn.logGroupName;
    this.alarmArns = fn.alarmArns;
    this.eventSourceMappingUuid = mapping.uuid;
    this.eventSourceArn = mappingSource;
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      roleArn: this.roleArn,
      logGroupName: this.logGroupName,
      alarmArns: this.alarmArns,
      eventSourceMappingUuid: this.eventSourceMappingUuid,
      eventSourceArn: this.eventSourceArn,
    });
  }
}
