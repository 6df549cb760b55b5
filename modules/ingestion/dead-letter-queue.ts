import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentName } from "../config/settings";
import { standardTags } from "../naming/tags";

export interface DeadLetterQueueArgs {
  /** The environment the resources belong to, as their `Environment` tag says. */
  readonly environment: EnvironmentName;
  /** The service name of the queue, e.g. `market-processor-dlq`; used for its tags. */
  readonly service: string;
  /** Physical name of the queue. */
  readonly queueName: string;
  /** How long a failed batch's record stays for inspection and replay, in seconds (max 14 days). */
  readonly retentionSeconds: number;
}

/**
 * Where a stream consumer sends the description of a batch it gave up on (shard, sequence range),
 * so an operator can find and replay the records. Encrypted with SQS-managed keys and TLS-only.
 */
export class DeadLetterQueue extends pulumi.ComponentResource {
  public readonly queueName: pulumi.Output<string>;
  public readonly queueUrl: pulumi.Output<string>;
  public readonly queueArn: pulumi.Output<string>;

  constructor(name: string, args: DeadLetterQueueArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:ingestion:DeadLetterQueue", name, {}, opts);

    const queue = new aws.sqs.Queue(
      name,
      {
        name: args.queueName,
        messageRetentionSeconds: args.retentionSeconds,
        sqsManagedSseEnabled: true,
        tags: standardTags(args.environment, args.service),
      },
      { parent: this },
    );

    new aws.sqs.QueuePolicy(
      `${name}-policy`,
      {
        queueUrl: queue.url,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "sqs:*",
              Resource: queue.arn,
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      },
      { parent: this },
    );

    this.queueName = queue.name;
    this.queueUrl = queue.url;
    this.queueArn = queue.arn;
    this.registerOutputs({
      queueName: this.queueName,
      queueUrl: this.queueUrl,
      queueArn: this.queueArn,
    });
  }
}
