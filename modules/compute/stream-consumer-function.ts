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

/**
 * How an event source mapping treats a batch that keeps failing: retry it (bisected on each
 * function error) until it has failed this many times or its oldest record is this old, then send
 * its pointer to the consumer's dead-letter queue and move on. Lambda documents
 * (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html):
 * - the on-failure record names the shard and the start and end sequence numbers of the batch
 *   (`KinesisBatchInfo`), which is what `npm run redrive` replays;
 * - splitting a batch does not consume the retry quota, and a batch Lambda cannot invoke because
 *   the function is throttled is retried until the record age, whatever the quota;
 * - `MaximumRetryAttempts` is -1 (until the records expire) or 0-10,000 and
 *   `MaximumRecordAgeInSeconds` -1 (until the stream drops them) or 60-604,800
 *   (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html).
 */
export interface RetryPolicy {
  /** Failed attempts before the batch is parked: -1 or 0-10,000. */
  readonly maximumRetryAttempts: number;
  /** Age of a record, from its arrival in the stream, at which its batch is parked: -1 or 60-604,800 s. */
  readonly maximumRecordAgeSeconds: number;
}

/**
 * Retries before a batch is parked: Lambda's maximum. Lambda documents no delay between retries of
 * a stream batch, so a count cannot stand for a duration: a DynamoDB throttle answered in
 * milliseconds would use up 10 retries in seconds. The record age bounds the time instead.
 */
export const MAXIMUM_RETRY_ATTEMPTS = 10_000;

/**
 * The processor retries a failing batch for up to 15 minutes: long enough for DynamoDB auto scaling
 * to add capacity (its target tracking acts on minutes of sustained load) or a brief outage to end,
 * short enough that a batch that cannot succeed stops holding the shard's bars back for the desk.
 * Once parked, the shard moves on and the batch waits for `npm run redrive`.
 */
export const PROCESSOR_RETRY_POLICY: RetryPolicy = {
  maximumRetryAttempts: MAXIMUM_RETRY_ATTEMPTS,
  maximumRecordAgeSeconds: 900,
};

/**
 * The archiver is not latency-sensitive and archives any content, so it fails only when S3 or
 * Lambda does: it retries for an hour. A batch it parks is in the stream only (the archive is the
 * system of record), so the stream's retention minus this hour is the time left to redrive it.
 */
export const ARCHIVER_RETRY_POLICY: RetryPolicy = {
  maximumRetryAttempts: MAXIMUM_RETRY_ATTEMPTS,
  maximumRecordAgeSeconds: 3600,
};

const RETRY_ATTEMPTS_RANGE = { minimum: 0, maximum: 10_000 } as const;
const RECORD_AGE_RANGE = { minimum: 60, maximum: 604_800 } as const;

/**
 * Rejects a retry policy Lambda would reject, or one that keeps retrying records the stream has
 * already dropped (nothing would be left to replay when the pointer lands in the queue).
 */
export function assertRetryPolicy(
  service: string,
  policy: RetryPolicy,
  settings: EnvironmentSettings,
): void {
  const { maximumRetryAttempts: attempts, maximumRecordAgeSeconds: age } = policy;
  if (
    !Number.isInteger(attempts) ||
    (attempts !== -1 &&
      (attempts < RETRY_ATTEMPTS_RANGE.minimum || attempts > RETRY_ATTEMPTS_RANGE.maximum))
  ) {
    throw new Error(
      `${service}: maximumRetryAttempts ${attempts} is invalid: Lambda takes -1 (retry until the records expire) or a whole number from 0 to 10,000.`,
    );
  }
  if (
    !Number.isInteger(age) ||
    age === -1 ||
    age < RECORD_AGE_RANGE.minimum ||
    age > RECORD_AGE_RANGE.maximum
  ) {
    throw new Error(
      `${service}: maximumRecordAgeSeconds ${age} is invalid: use whole seconds from 60 to 604,800. -1 (until the stream drops the records) is Lambda's default but would park nothing for replay.`,
    );
  }
  const retentionSeconds = settings.stream.retentionHours * 3600;
  if (age >= retentionSeconds) {
    throw new Error(
      `${service}: maximumRecordAgeSeconds ${age} is not below the ${settings.name} stream's retention (${settings.stream.retentionHours} hours = ${retentionSeconds} seconds): records would leave the stream before their batch is parked, leaving nothing to redrive. Lower maximumRecordAgeSeconds or raise stream.retentionHours in the ${settings.name} settings.`,
    );
  }
}

/**
 * A stream consumer's reserved concurrency must cover one invocation per shard and parallel batch
 * of each consumer's mapping; below that, Lambda throttles the consumer's own event source mapping
 * and the lag only grows.
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
  const archiverFactor = settings.archiver.parallelizationFactor;
  const archiverNeeded = shardCount * archiverFactor;
  if (streamConsumerReservedConcurrency < archiverNeeded) {
    throw new Error(
      `Stream consumer reserved concurrency ${streamConsumerReservedConcurrency} in ${settings.name} is below shards x the archiver's parallelization factor (${shardCount} x ${archiverFactor} = ${archiverNeeded}): the archiver would be throttled by its own limit. Raise lambda.streamConsumerReservedConcurrency to at least ${archiverNeeded}, or lower archiver.parallelizationFactor, in the ${settings.name} settings.`,
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

/** How an event source mapping batches a shard's records. */
export interface MappingBatching {
  /** Records per batch at most (1-10,000); Lambda also stops at 6 MB of payload. */
  readonly batchSize: number;
  /** How long the mapping gathers records before invoking: 0 for freshness, more for bigger batches. */
  readonly maximumBatchingWindowSeconds: number;
  /** Concurrent batches per shard (1-10), each with its own partition keys. */
  readonly parallelizationFactor: number;
}

export interface StreamConsumerFunctionArgs extends Omit<
  MarketFunctionArgs,
  "timeoutSeconds" | "reservedConcurrency" | "dataAccess"
> {
  readonly streamArn: pulumi.Input<string>;
  /** The consumer's own dead-letter queue: the mapping's on-failure destination. */
  readonly deadLetterQueueArn: pulumi.Input<string>;
  readonly delivery: StreamDelivery;
  /** How the mapping batches the shard's records. */
  readonly batching: MappingBatching;
  /** How the mapping treats a batch that keeps failing. */
  readonly retry: RetryPolicy;
  /** Where the function writes (exact actions on exact resources); stream and DLQ access are added here. */
  readonly sinkAccess: readonly PolicyStatement[];
}

/**
 * A Lambda function fed by the Kinesis stream through an event source mapping: partial batch
 * failures, bisect on error, retries bounded by record age, then the failed batch's pointer to its
 * DLQ for `npm run redrive`.
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
    const { settings, delivery, batching, retry } = args;
    const { service } = args.plan;
    assertStreamConsumerConcurrency(settings);
    assertRetryPolicy(service, retry, settings);
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
        rolePath: args.rolePath,
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
        batchSize: batching.batchSize,
        maximumBatchingWindowInSeconds: batching.maximumBatchingWindowSeconds,
        parallelizationFactor: batching.parallelizationFactor,
        functionResponseTypes: ["ReportBatchItemFailures"],
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: retry.maximumRetryAttempts,
        maximumRecordAgeInSeconds: retry.maximumRecordAgeSeconds,
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
