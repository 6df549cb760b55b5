import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentName,
} from "../../modules/config/settings";
import {
  MOCK_ACCOUNT_ID,
  ResourceRecorder,
  settle,
} from "../../tests/support/compute/pulumi-recorder";
import { namerFor } from "../../modules/naming/physical-name";
import type { SimulatedMapping, StreamConsumer } from "./event-source-mapping-deployed";

/**
 * The simulator's mappings against the deployed ones: MarketFunctions is built for every
 * environment under Pulumi mocks, and each registered event source mapping's batching, retry
 * policy and bisection must be what the local run simulates.
 */

const recorder = new ResourceRecorder();
let simulatedMapping: typeof import("./event-source-mapping-deployed").simulatedMapping;
let STREAM_CONSUMERS: readonly StreamConsumer[];

beforeAll(async () => {
  await recorder.install("trading", "local-run");
  const { MarketFunctions } = await import("../../modules/compute/market-functions");
  ({ simulatedMapping, STREAM_CONSUMERS } = await import("./event-source-mapping-deployed"));
  for (const env of ENVIRONMENT_NAMES) {
    const name = (service: string): string => `${env}-${service}-us-east-1-t1`;
    const arn = (service: string): string =>
      `arn:aws:sqs:us-east-1:${MOCK_ACCOUNT_ID}:${name(service)}`;
    new MarketFunctions(env, {
      settings: ENVIRONMENT_SETTINGS[env],
      namer: namerFor({ environment: env, region: "us-east-1", suffix: "t1" }),
      accountId: MOCK_ACCOUNT_ID,
      permissionsBoundaryArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/boundary`,
      streamArn: `arn:aws:kinesis:us-east-1:${MOCK_ACCOUNT_ID}:stream/${name("market-data")}`,
      tableArn: `arn:aws:dynamodb:us-east-1:${MOCK_ACCOUNT_ID}:table/${name("market-analytics")}`,
      tableName: name("market-analytics"),
      bucketArn: `arn:aws:s3:::${name("market-archive")}`,
      bucketName: name("market-archive"),
      processorDeadLetterQueueArn: arn("market-processor-dlq"),
      archiverDeadLetterQueueArn: arn("market-archiver-dlq"),
      privateSubnetIds: ["subnet-a", "subnet-b"],
      securityGroupId: "sg-functions",
      alarmTopicArn: `arn:aws:sns:us-east-1:${MOCK_ACCOUNT_ID}:${name("alarms")}`,
    });
  }
  await settle();
});

/** What the simulator runs, in the deployed mapping's terms. */
function asDeployed(mapping: SimulatedMapping): Record<string, unknown> {
  return {
    batchSize: mapping.batchSize,
    maximumBatchingWindowInSeconds: mapping.maximumBatchingWindowSeconds,
    parallelizationFactor: mapping.parallelizationFactor,
    bisectBatchOnFunctionError: mapping.bisectBatchOnFunctionError,
    maximumRetryAttempts: mapping.maximumRetryAttempts,
    maximumRecordAgeInSeconds: mapping.maximumRecordAgeSeconds,
  };
}

describe.each(ENVIRONMENT_NAMES)("%s", (env: EnvironmentName) => {
  it.each(["market-processor", "market-archiver"] as const)(
    "simulates %s's event source mapping as it is deployed",
    (consumer) => {
      expect(STREAM_CONSUMERS).toContain(consumer);
      const deployed = recorder.one(
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        `${env}-${consumer}-mapping`,
      ).inputs;
      const simulated = asDeployed(simulatedMapping(ENVIRONMENT_SETTINGS[env], consumer));
      expect(simulated).toEqual(
        Object.fromEntries(Object.keys(simulated).map((key) => [key, deployed[key]])),
      );
    },
  );
});

describe("simulatedMapping", () => {
  it("takes the retry policy of the deployed mappings: 10,000 retries within 15 min / 1 h", () => {
    const settings = ENVIRONMENT_SETTINGS.production;
    expect(simulatedMapping(settings, "market-processor")).toMatchObject({
      maximumRetryAttempts: 10_000,
      maximumRecordAgeSeconds: 900,
      bisectBatchOnFunctionError: true,
    });
    expect(simulatedMapping(settings, "market-archiver")).toMatchObject({
      maximumRetryAttempts: 10_000,
      maximumRecordAgeSeconds: 3600,
      bisectBatchOnFunctionError: true,
    });
  });

  it("shortens the archiver's window only when asked, and names the deployed one", () => {
    const staging = ENVIRONMENT_SETTINGS.staging;
    expect(simulatedMapping(staging, "market-archiver")).toMatchObject({
      batchSize: 10_000,
      maximumBatchingWindowSeconds: 300,
    });
    expect(simulatedMapping(staging, "market-archiver")).not.toHaveProperty(
      "deployedBatchingWindowSeconds",
    );
    expect(
      simulatedMapping(staging, "market-archiver", { batchingWindowSeconds: 5 }),
    ).toMatchObject({ maximumBatchingWindowSeconds: 5, deployedBatchingWindowSeconds: 300 });
    // Asking for the deployed window changes nothing.
    expect(simulatedMapping(staging, "market-archiver", { batchingWindowSeconds: 300 })).toEqual(
      simulatedMapping(staging, "market-archiver"),
    );
  });
});
