import * as aws from "@pulumi/aws";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";

import { resolveEnvironment, settingsFor } from "../context";
import { resourcePolicy, type ContextSource, type RuleMetadata } from "../define";
import { describeResource, tagsOf } from "../props";
import { perEnvironment } from "../settings-text";

export const STREAMING_RULES = {
  kinesisEncryption: {
    name: "kinesis-stream-encrypted",
    summary: "Every Kinesis stream encrypts records at rest with KMS.",
    ruleIds: ["CKV_AWS_43", "AwsSolutions-KDS1"],
    severity: "high",
    remediation:
      'Set `encryptionType: "KMS"` and `kmsKeyId: "alias/aws/kinesis"` (or a customer-managed key).',
  },
  kinesisCapacity: {
    name: "kinesis-stream-per-environment",
    summary:
      "Every Kinesis stream has the shard count and retention of its environment in ENVIRONMENT_SETTINGS (provisioned mode).",
    ruleIds: [],
    severity: "medium",
    remediation: "Set `shardCount` and `retentionPeriod` from `settings.stream`.",
  },
  sqsEncryption: {
    name: "sqs-queue-encrypted",
    summary: "Every SQS queue encrypts messages at rest (SSE-SQS or SSE-KMS).",
    ruleIds: ["CKV_AWS_27", "AwsSolutions-SQS2"],
    severity: "high",
    remediation: "Set `sqsManagedSseEnabled: true`, or `kmsMasterKeyId` for a KMS key.",
  },
  sqsRetention: {
    name: "sqs-dead-letter-retention",
    summary: `Every SQS queue (all are dead-letter queues of stream consumers) keeps messages for the retention in ENVIRONMENT_SETTINGS (${perEnvironment((settings) => `${settings.queues.dlqRetentionSeconds / 86400} days`)}), so failed batches can be replayed.`,
    ruleIds: [],
    severity: "medium",
    remediation: "Set `messageRetentionSeconds` from `settings.queues.dlqRetentionSeconds`.",
  },
} as const satisfies Record<string, RuleMetadata>;

export function streamingPolicies(context: ContextSource): ResourceValidationPolicy[] {
  return [
    resourcePolicy(
      STREAMING_RULES.kinesisEncryption,
      validateResourceOfType(aws.kinesis.Stream, (stream, args, report) => {
        if (
          stream.encryptionType !== "KMS" ||
          stream.kmsKeyId === undefined ||
          stream.kmsKeyId === ""
        ) {
          const current =
            stream.encryptionType === "KMS"
              ? 'encryptionType "KMS" without a kmsKeyId'
              : `encryptionType ${stream.encryptionType === undefined ? "unset (NONE)" : `"${stream.encryptionType}"`}`;
          report(
            `${describeResource("Kinesis stream", args.name, stream.name)} has ${current}: set encryptionType: "KMS" and kmsKeyId: "alias/aws/kinesis".`,
          );
        }
      }),
    ),
    resourcePolicy(
      STREAMING_RULES.kinesisCapacity,
      validateResourceOfType(aws.kinesis.Stream, (stream, args, report) => {
        const environment = resolveEnvironment(context(), tagsOf(args.props));
        if (environment === undefined) {
          return;
        }
        const expected = settingsFor(environment).stream;
        const label = describeResource("Kinesis stream", args.name, stream.name);
        const source = `ENVIRONMENT_SETTINGS.${environment}.stream`;
        const mode = stream.streamModeDetails?.streamMode ?? "PROVISIONED";
        if (mode !== "PROVISIONED" || stream.shardCount !== expected.shardCount) {
          const current =
            mode === "PROVISIONED"
              ? `${stream.shardCount ?? "no"} shards`
              : `stream mode "${mode}"`;
          report(
            `${label} has ${current}; ${environment} streams have ${expected.shardCount} provisioned shard${expected.shardCount === 1 ? "" : "s"} (${source}.shardCount): set shardCount: ${expected.shardCount}.`,
          );
        }
        const retention = stream.retentionPeriod ?? 24;
        if (retention !== expected.retentionHours) {
          report(
            `${label} keeps records for ${retention} hours; ${environment} keeps them for ${expected.retentionHours} (${source}.retentionHours): set retentionPeriod: ${expected.retentionHours}.`,
          );
        }
      }),
    ),
    resourcePolicy(
      STREAMING_RULES.sqsEncryption,
      validateResourceOfType(aws.sqs.Queue, (queue, args, report) => {
        const kms = queue.kmsMasterKeyId !== undefined && queue.kmsMasterKeyId !== "";
        if (queue.sqsManagedSseEnabled !== true && !kms) {
          report(
            `${describeResource("SQS queue", args.name, queue.name)} is not encrypted at rest: set sqsManagedSseEnabled: true (or kmsMasterKeyId).`,
          );
        }
      }),
    ),
    resourcePolicy(
      STREAMING_RULES.sqsRetention,
      validateResourceOfType(aws.sqs.Queue, (queue, args, report) => {
        const environment = resolveEnvironment(context(), tagsOf(args.props));
        if (environment === undefined) {
          return;
        }
        const expected = settingsFor(environment).queues.dlqRetentionSeconds;
        const retention = queue.messageRetentionSeconds ?? 345600;
        if (retention !== expected) {
          report(
            `${describeResource("SQS queue", args.name, queue.name)} keeps messages for ${retention} seconds; ${environment} dead-letter queues keep them for ${expected} (ENVIRONMENT_SETTINGS.${environment}.queues.dlqRetentionSeconds): set messageRetentionSeconds: ${expected}.`,
          );
        }
      }),
    ),
  ];
}
