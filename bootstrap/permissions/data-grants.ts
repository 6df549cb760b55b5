import type { PlatformResources } from "./platform-resources";
import { regionalArn, tagScope, type Grant, type PermissionScope } from "./policy-types";

/** The service-linked role Application Auto Scaling uses for DynamoDB tables. */
export const DYNAMODB_SCALING_SERVICE = "dynamodb.application-autoscaling.amazonaws.com";

/** The archive bucket, the analytics table, the stream and its consumer, the queues and the topic. */
export function dataGrants(scope: PermissionScope, resources: PlatformResources): Grant[] {
  const account = scope.accountId;
  const list: Grant[] = [
    {
      sid: "ArchiveBuckets",
      group: "data",
      read: [
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:GetBucketTagging",
        "s3:GetBucketPolicy",
        "s3:GetBucketAcl",
        "s3:GetBucketCORS",
        "s3:GetBucketWebsite",
        "s3:GetBucketVersioning",
        "s3:GetAccelerateConfiguration",
        "s3:GetBucketRequestPayment",
        "s3:GetBucketLogging",
        "s3:GetLifecycleConfiguration",
        "s3:GetReplicationConfiguration",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetBucketOwnershipControls",
        "s3:ListBucketVersions",
      ],
      write: [
        "s3:CreateBucket",
        "s3:DeleteBucket",
        "s3:PutBucketTagging",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketVersioning",
        "s3:PutLifecycleConfiguration",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketOwnershipControls",
      ],
      resources: [resources.bucket],
    },
    {
      // forceDestroy empties the archive before deleting it.
      sid: "EmptyArchiveBuckets",
      group: "data",
      read: [],
      write: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
      resources: [resources.bucketObjects],
    },
    {
      sid: "AnalyticsTables",
      group: "data",
      read: [
        "dynamodb:DescribeTable",
        "dynamodb:DescribeTimeToLive",
        "dynamodb:DescribeContinuousBackups",
        "dynamodb:ListTagsOfResource",
      ],
      write: [
        "dynamodb:CreateTable",
        "dynamodb:DeleteTable",
        "dynamodb:UpdateTable",
        "dynamodb:UpdateTimeToLive",
        "dynamodb:UpdateContinuousBackups",
        "dynamodb:TagResource",
        "dynamodb:UntagResource",
      ],
      resources: [resources.table],
    },
    {
      // Shard count, stream mode and shard-level metrics are authorized only on "*": they are in
      // the wildcard-only statement.
      sid: "MarketDataStreams",
      group: "data",
      read: [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:ListShards",
        "kinesis:ListTagsForStream",
        "kinesis:ListTagsForResource",
      ],
      write: [
        "kinesis:CreateStream",
        "kinesis:DeleteStream",
        "kinesis:AddTagsToStream",
        "kinesis:RemoveTagsFromStream",
        "kinesis:TagResource",
        "kinesis:UntagResource",
        "kinesis:IncreaseStreamRetentionPeriod",
        "kinesis:DecreaseStreamRetentionPeriod",
        "kinesis:StartStreamEncryption",
        "kinesis:StopStreamEncryption",
        "kinesis:RegisterStreamConsumer",
      ],
      resources: [resources.stream],
    },
    {
      // The processor's enhanced fan-out consumer (stream/<name>/consumer/<consumer>:<created>).
      sid: "StreamConsumers",
      group: "data",
      read: ["kinesis:DescribeStreamConsumer", "kinesis:ListTagsForResource"],
      write: ["kinesis:DeregisterStreamConsumer", "kinesis:TagResource", "kinesis:UntagResource"],
      resources: [`${resources.streamConsumer}:*`],
    },
    {
      sid: "DeadLetterQueues",
      group: "data",
      read: ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags"],
      write: [
        "sqs:CreateQueue",
        "sqs:DeleteQueue",
        "sqs:SetQueueAttributes",
        "sqs:TagQueue",
        "sqs:UntagQueue",
      ],
      resources: resources.queues,
    },
    {
      sid: "AlarmTopics",
      group: "data",
      read: ["sns:GetTopicAttributes", "sns:ListTagsForResource"],
      write: [
        "sns:CreateTopic",
        "sns:DeleteTopic",
        "sns:SetTopicAttributes",
        "sns:TagResource",
        "sns:UntagResource",
      ],
      resources: [resources.topic],
    },
  ];

  if (scope.settings.table.capacity.mode === "provisioned") {
    // Scalable targets have no names: they are scoped by their Environment tag, as EC2 is.
    const targets = regionalArn(scope, "application-autoscaling", "scalable-target/*");
    list.push(
      {
        sid: "CreateTableScalingServiceRole",
        group: "data",
        read: [],
        write: ["iam:CreateServiceLinkedRole"],
        resources: [
          `arn:aws:iam::${account}:role/aws-service-role/${DYNAMODB_SCALING_SERVICE}/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable`,
        ],
        condition: { StringEquals: { "iam:AWSServiceName": DYNAMODB_SCALING_SERVICE } },
      },
      {
        sid: "RegisterTaggedScalableTargets",
        group: "data",
        read: [],
        write: [
          "application-autoscaling:RegisterScalableTarget",
          "application-autoscaling:TagResource",
        ],
        resources: [targets],
        condition: tagScope(scope).onCreate,
      },
      {
        sid: "OwnScalableTargets",
        group: "data",
        read: ["application-autoscaling:ListTagsForResource"],
        write: [
          "application-autoscaling:RegisterScalableTarget",
          "application-autoscaling:DeregisterScalableTarget",
          "application-autoscaling:PutScalingPolicy",
          "application-autoscaling:DeleteScalingPolicy",
          "application-autoscaling:TagResource",
          "application-autoscaling:UntagResource",
        ],
        resources: [targets],
        condition: tagScope(scope).existing,
      },
    );
  }
  return list;
}
