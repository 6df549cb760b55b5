import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentName } from "../config/settings";
import { standardTags } from "../naming/tags";
import type { AlarmRouting } from "./metric-alarm";

export interface AlarmTopicArgs {
  /** The environment the resources belong to, as their `Environment` tag says. */
  readonly environment: EnvironmentName;
  /** The deployment region, e.g. `us-east-1`: service and prefix-list names and ARNs depend on it. */
  readonly region: string;
  /** The account whose CloudWatch alarms may publish (`aws:SourceAccount`). */
  readonly accountId: pulumi.Input<string>;
  /** Physical name of the topic. */
  readonly topicName: string;
  /** Whether the environment's alarms send to the topic. */
  readonly notify: boolean;
}

/**
 * The environment's alarm topic; operators subscribe to it (e-mail, chat, paging). Only CloudWatch
 * alarms of this account may publish to it.
 *
 * The topic is not encrypted with a KMS key: CloudWatch cannot publish to a topic encrypted with
 * the AWS-managed `aws/sns` key, and alarm notifications carry alarm names and metric values only,
 * which does not justify a customer-managed key per environment.
 */
export class AlarmTopic extends pulumi.ComponentResource {
  public readonly topicArn: pulumi.Output<string>;
  /** Pass to `createMetricAlarm` so every alarm reports here with the environment's defaults. */
  public readonly routing: AlarmRouting;

  constructor(name: string, args: AlarmTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:monitoring:AlarmTopic", name, {}, opts);

    const { accountId } = args;
    const topic = new aws.sns.Topic(
      name,
      { name: args.topicName, tags: standardTags(args.environment, "alarms") },
      { parent: this },
    );

    new aws.sns.TopicPolicy(
      `${name}-policy`,
      {
        arn: topic.arn,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "CloudWatchAlarmsOfThisAccount",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: "sns:Publish",
              Resource: topic.arn,
              Condition: {
                StringEquals: { "aws:SourceAccount": accountId },
                ArnLike: {
                  "aws:SourceArn": pulumi.interpolate`arn:aws:cloudwatch:${args.region}:${accountId}:alarm:*`,
                },
              },
            },
          ],
        }),
      },
      { parent: this },
    );

    this.topicArn = topic.arn;
    this.routing = { environment: args.environment, topicArn: topic.arn, notify: args.notify };
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
