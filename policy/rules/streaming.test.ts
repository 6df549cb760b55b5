import { findings } from "../../tests/support/policy/check";
import { compliantStack, omit, withResource } from "../../tests/support/policy/compliant-stack";

const STREAM = (environment: string) =>
  `Kinesis stream "stream" (${environment}-market-data-us-east-1-a1)`;
const DLQ = (environment: string) =>
  `SQS queue "market-processor-dlq" (${environment}-market-processor-dlq-us-east-1-a1)`;

describe("kinesis-stream-encrypted", () => {
  it("reports an unencrypted stream and a KMS stream without a key", () => {
    const none = withResource(compliantStack("dev"), "stream", (inputs) =>
      omit(omit(inputs, "encryptionType"), "kmsKeyId"),
    );
    expect(findings("dev", none)).toEqual([
      [
        "kinesis-stream-encrypted",
        "stream",
        `${STREAM("dev")} has encryptionType unset (NONE): set encryptionType: "KMS" and kmsKeyId: "alias/aws/kinesis".`,
      ],
    ]);
    const keyless = withResource(compliantStack("dev"), "stream", (inputs) =>
      omit(inputs, "kmsKeyId"),
    );
    expect(findings("dev", keyless)).toEqual([
      [
        "kinesis-stream-encrypted",
        "stream",
        `${STREAM("dev")} has encryptionType "KMS" without a kmsKeyId: set encryptionType: "KMS" and kmsKeyId: "alias/aws/kinesis".`,
      ],
    ]);
  });
});

describe("kinesis-stream-per-environment", () => {
  it.each([
    ["dev", 2, 1, "1 provisioned shard"],
    ["staging", 4, 2, "2 provisioned shards"],
    ["production", 2, 4, "4 provisioned shards"],
  ] as const)("%s: reports %s shards", (environment, shards, expected, wanted) => {
    const resources = withResource(compliantStack(environment), "stream", (inputs) => ({
      ...inputs,
      shardCount: shards,
    }));
    const violations = findings(environment, resources).filter(
      ([policy]) => policy === "kinesis-stream-per-environment",
    );
    expect(violations).toEqual([
      [
        "kinesis-stream-per-environment",
        "stream",
        `${STREAM(environment)} has ${shards} shards; ${environment} streams have ${wanted} (ENVIRONMENT_SETTINGS.${environment}.stream.shardCount): set shardCount: ${expected}.`,
      ],
    ]);
  });

  it("reports on-demand mode and a retention off the settings", () => {
    const resources = withResource(compliantStack("staging"), "stream", (inputs) => ({
      ...omit(inputs, "shardCount"),
      streamModeDetails: { streamMode: "ON_DEMAND" },
      retentionPeriod: 168,
    }));
    expect(findings("staging", resources)).toEqual([
      [
        "kinesis-stream-per-environment",
        "stream",
        `${STREAM("staging")} has stream mode "ON_DEMAND"; staging streams have 2 provisioned shards (ENVIRONMENT_SETTINGS.staging.stream.shardCount): set shardCount: 2.`,
      ],
      [
        "kinesis-stream-per-environment",
        "stream",
        `${STREAM("staging")} keeps records for 168 hours; staging keeps them for 72 (ENVIRONMENT_SETTINGS.staging.stream.retentionHours): set retentionPeriod: 72.`,
      ],
    ]);
  });
});

describe("sqs-queue-encrypted", () => {
  it("reports an unencrypted queue and accepts a KMS key", () => {
    const plain = withResource(compliantStack("production"), "market-processor-dlq", (inputs) => ({
      ...inputs,
      sqsManagedSseEnabled: false,
    }));
    expect(findings("production", plain)).toEqual([
      [
        "sqs-queue-encrypted",
        "market-processor-dlq",
        `${DLQ("production")} is not encrypted at rest: set sqsManagedSseEnabled: true (or kmsMasterKeyId).`,
      ],
    ]);
    const kms = withResource(compliantStack("production"), "market-processor-dlq", (inputs) => ({
      ...inputs,
      sqsManagedSseEnabled: undefined,
      kmsMasterKeyId: "alias/aws/sqs",
    }));
    expect(findings("production", kms)).toEqual([]);
  });
});

describe("sqs-dead-letter-retention", () => {
  it("reports the SQS default retention of four days", () => {
    const resources = withResource(compliantStack("dev"), "market-processor-dlq", (inputs) =>
      omit(inputs, "messageRetentionSeconds"),
    );
    expect(findings("dev", resources)).toEqual([
      [
        "sqs-dead-letter-retention",
        "market-processor-dlq",
        `${DLQ("dev")} keeps messages for 345600 seconds; dev dead-letter queues keep them for 1209600 (ENVIRONMENT_SETTINGS.dev.queues.dlqRetentionSeconds): set messageRetentionSeconds: 1209600.`,
      ],
    ]);
  });
});

describe("log-group-retention-set", () => {
  it("reports a log group that keeps logs forever", () => {
    const resources = withResource(compliantStack("production"), "market-archiver-logs", (inputs) =>
      omit(inputs, "retentionInDays"),
    );
    expect(findings("production", resources)).toEqual([
      [
        "log-group-retention-set",
        "market-archiver-logs",
        'CloudWatch log group "market-archiver-logs" (/aws/lambda/production-market-archiver-us-east-1-a1) has no retention, so it keeps logs forever: set retentionInDays to the environment\'s logRetentionDays.',
      ],
    ]);
  });
});

describe("log-retention-per-environment", () => {
  it.each([
    ["dev", 30, 7],
    ["staging", 7, 30],
    ["production", 365, 90],
  ] as const)("%s: reports %s days", (environment, days, expected) => {
    const resources = withResource(compliantStack(environment), "analytics-api-logs", (inputs) => ({
      ...inputs,
      retentionInDays: days,
    }));
    expect(findings(environment, resources)).toEqual([
      [
        "log-retention-per-environment",
        "analytics-api-logs",
        `CloudWatch log group "analytics-api-logs" (/aws/lambda/${environment}-analytics-api-us-east-1-a1) keeps logs for ${days} days; ${environment} keeps them for ${expected} (ENVIRONMENT_SETTINGS.${environment}.logRetentionDays): set retentionInDays: ${expected}.`,
      ],
    ]);
  });
});
