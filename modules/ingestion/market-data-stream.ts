import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentName } from "../config/settings";
import { standardTags } from "../naming/tags";

/**
 * Per-shard metrics worth paying for: a hot shard shows up in its own incoming records and
 * throughput-exceeded counts, and a stalled consumer in that shard's iterator age.
 */
export const SHARD_LEVEL_METRICS = [
  "IncomingRecords",
  "IteratorAgeMilliseconds",
  "ReadProvisionedThroughputExceeded",
  "WriteProvisionedThroughputExceeded",
] as const;

/** The AWS-managed Kinesis key: no key policy to maintain, and consumers need no KMS grants. */
export const KINESIS_MANAGED_KEY = "alias/aws/kinesis";

export interface MarketDataStreamArgs {
  /** The environment the resources belong to, as their `Environment` tag says. */
  readonly environment: EnvironmentName;
  /** Physical name of the stream. */
  readonly streamName: string;
  /** Provisioned shards: 1 MB/s or 1,000 records/s of writes each. */
  readonly shardCount: number;
  /** How long records stay readable, in hours (24-8760). */
  readonly retentionHours: number;
}

/** The market-data stream producers put ticks on (partition key = symbol). */
export class MarketDataStream extends pulumi.ComponentResource {
  public readonly streamName: pulumi.Output<string>;
  public readonly streamArn: pulumi.Output<string>;

  constructor(name: string, args: MarketDataStreamArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:ingestion:MarketDataStream", name, {}, opts);

    const stream = new aws.kinesis.Stream(
      name,
      {
        name: args.streamName,
        streamModeDetails: { streamMode: "PROVISIONED" },
        shardCount: args.shardCount,
        retentionPeriod: args.retentionHours,
        encryptionType: "KMS",
        kmsKeyId: KINESIS_MANAGED_KEY,
        shardLevelMetrics: [...SHARD_LEVEL_METRICS],
        // Enhanced fan-out consumers must not block destroy.
        enforceConsumerDeletion: true,
        tags: standardTags(args.environment, "market-data"),
      },
      { parent: this },
    );

    this.streamName = stream.name;
    this.streamArn = stream.arn;
    this.registerOutputs({ streamName: this.streamName, streamArn: this.streamArn });
  }
}
