import * as path from "path";

import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentName,
  type EnvironmentSettings,
} from "../config/settings";
import { workloadBoundaryPolicyArn } from "../naming/bootstrap-names";
import { namerFor } from "../naming/physical-name";
import type { MarketFunctions, MarketFunctionsArgs } from "./market-functions";
import {
  EXPECTED_SERVICES,
  expectedEventSourceMapping,
  expectedFunction,
  expectedParallelizationFactor,
  expectedFunctionAlarm,
  expectedFunctionUrl,
  expectedLogGroup,
  expectedPolicyDocument,
  expectedRole,
  expectedRolePolicy,
  expectedStreamConsumer,
  expectedTrustPolicy,
  type ComputeSurroundings,
  type ExpectedService,
} from "../../tests/support/compute/expected-compute";
import {
  MOCK_ACCOUNT_ID,
  MOCK_CONSUMER_TIMESTAMP,
  ResourceRecorder,
  settle,
  valueOf,
  type RecordedResource,
} from "../../tests/support/compute/pulumi-recorder";

const recorder = new ResourceRecorder();
const built = {} as Record<EnvironmentName, MarketFunctions>;
let MarketFunctionsClass: typeof MarketFunctions;

const SUFFIX = "t1";

const SERVICES = EXPECTED_SERVICES;
type Service = ExpectedService;

/** `{env}-{service}-us-east-1-t1`, the contract's physical name. */
const physical = (env: EnvironmentName, service: string): string =>
  `${env}-${service}-us-east-1-${SUFFIX}`;

function inputsFor(env: EnvironmentName) {
  return {
    streamArn: `arn:aws:kinesis:us-east-1:${MOCK_ACCOUNT_ID}:stream/${physical(env, "market-data")}`,
    tableArn: `arn:aws:dynamodb:us-east-1:${MOCK_ACCOUNT_ID}:table/${physical(env, "market-analytics")}`,
    tableName: physical(env, "market-analytics"),
    bucketArn: `arn:aws:s3:::${physical(env, "market-archive")}`,
    bucketName: physical(env, "market-archive"),
    processorDeadLetterQueueArn: `arn:aws:sqs:us-east-1:${MOCK_ACCOUNT_ID}:${physical(env, "market-processor-dlq")}`,
    archiverDeadLetterQueueArn: `arn:aws:sqs:us-east-1:${MOCK_ACCOUNT_ID}:${physical(env, "market-archiver-dlq")}`,
    privateSubnetIds: [`subnet-${env}-a`, `subnet-${env}-b`],
    securityGroupId: `sg-${env}-functions`,
    alarmTopicArn: `arn:aws:sns:us-east-1:${MOCK_ACCOUNT_ID}:${physical(env, "alarms")}`,
  };
}

function argsFor(env: EnvironmentName, settings: EnvironmentSettings): MarketFunctionsArgs {
  return {
    settings,
    namer: namerFor({ environment: env, region: "us-east-1", suffix: SUFFIX }),
    accountId: MOCK_ACCOUNT_ID,
    permissionsBoundaryArn: workloadBoundaryPolicyArn(env, MOCK_ACCOUNT_ID),
    ...inputsFor(env),
  };
}

/** What the component was given, plus the ARN the mocks give its fan-out consumer. */
function surroundingsOf(env: EnvironmentName): ComputeSurroundings {
  const inputs = inputsFor(env);
  return {
    ...inputs,
    environment: env,
    suffix: SUFFIX,
    accountId: MOCK_ACCOUNT_ID,
    consumerArn: `${inputs.streamArn}/consumer/${physical(env, "market-processor-consumer")}:${MOCK_CONSUMER_TIMESTAMP}`,
  };
}

const input = (type: string, name: string): Record<string, unknown> =>
  recorder.one(type, name).inputs;

const json = (value: unknown): unknown => JSON.parse(value as string);

beforeAll(async () => {
  await recorder.install("trading", "compute");
  ({ MarketFunctions: MarketFunctionsClass } = await import("./market-functions"));
  for (const env of ENVIRONMENT_NAMES) {
    built[env] = new MarketFunctionsClass(env, argsFor(env, ENVIRONMENT_SETTINGS[env]));
  }
  await settle();
});

test("every registration has a unique URN", () => {
  const urns = recorder.resources.map((r) => r.urn);
  expect(new Set(urns).size).toBe(urns.length);
});

test("the component asks AWS for nothing: the stack hands it the account and the boundary", () => {
  expect(recorder.invokes).toEqual([]);
});

test.each([
  ["dev", "arn:aws:iam::123456789012:policy/trading-analytics-dev-workload-boundary"],
  ["staging", "arn:aws:iam::123456789012:policy/trading-analytics-staging-workload-boundary"],
  ["production", "arn:aws:iam::123456789012:policy/trading-analytics-production-workload-boundary"],
] as const)("every %s function role carries %s as its permissions boundary", (env, arn) => {
  const boundaries = recorder.resources
    .filter((r) => r.type === "aws:iam/role:Role" && r.name.startsWith(`${env}-`))
    .map((r) => [r.name, r.inputs.permissionsBoundary]);
  expect(boundaries).toEqual([
    [`${env}-market-processor-role`, arn],
    [`${env}-market-archiver-role`, arn],
    [`${env}-analytics-api-role`, arn],
  ]);
});

describe.each(ENVIRONMENT_NAMES)("%s", (env) => {
  const arns = inputsFor(env);
  const at = surroundingsOf(env);
  const ownResources = (): RecordedResource[] =>
    recorder.resources.filter((r) => r.name === env || r.name.startsWith(`${env}-`));

  test("registers exactly the compute layer, each child under its component", () => {
    const counts: Record<string, number> = {};
    for (const r of ownResources()) {
      counts[r.type] = (counts[r.type] ?? 0) + 1;
    }
    expect(counts).toEqual({
      "trading:compute:MarketFunctions": 1,
      "trading:compute:StreamConsumerFunction": 2,
      "trading:compute:AnalyticsApi": 1,
      "trading:compute:MarketFunction": 3,
      "aws:kinesis/streamConsumer:StreamConsumer": 1,
      "aws:cloudwatch/logGroup:LogGroup": 3,
      "aws:iam/role:Role": 3,
      "aws:iam/rolePolicy:RolePolicy": 3,
      "aws:lambda/function:Function": 3,
      "aws:lambda/eventSourceMapping:EventSourceMapping": 2,
      "aws:lambda/functionUrl:FunctionUrl": 1,
      "aws:cloudwatch/metricAlarm:MetricAlarm": 9,
    });

    const parentOf = (r: RecordedResource) =>
      r.parentUrn === ""
        ? ""
        : `${recorder.byUrn(r.parentUrn).type} ${recorder.byUrn(r.parentUrn).name}`;
    const tree = Object.fromEntries(
      ownResources().map((r) => [`${r.type} ${r.name}`, parentOf(r)]),
    );
    const fnParent = {
      "market-processor": `trading:compute:MarketFunction ${env}-market-processor`,
      "market-archiver": `trading:compute:MarketFunction ${env}-market-archiver`,
      "analytics-api": `trading:compute:MarketFunction ${env}-analytics-api`,
    };
    const ownedByFunction = (service: Service) => ({
      [`aws:cloudwatch/logGroup:LogGroup ${env}-${service}-logs`]: fnParent[service],
      [`aws:iam/role:Role ${env}-${service}-role`]: fnParent[service],
      [`aws:iam/rolePolicy:RolePolicy ${env}-${service}-policy`]: fnParent[service],
      [`aws:lambda/function:Function ${env}-${service}-function`]: fnParent[service],
      [`aws:cloudwatch/metricAlarm:MetricAlarm ${env}-${service}-errors`]: fnParent[service],
      [`aws:cloudwatch/metricAlarm:MetricAlarm ${env}-${service}-throttles`]: fnParent[service],
    });
    expect(tree).toEqual({
      [`trading:compute:MarketFunctions ${env}`]: "",
      [`trading:compute:StreamConsumerFunction ${env}-market-processor`]: `trading:compute:MarketFunctions ${env}`,
      [`trading:compute:StreamConsumerFunction ${env}-market-archiver`]: `trading:compute:MarketFunctions ${env}`,
      [`trading:compute:AnalyticsApi ${env}-analytics-api`]: `trading:compute:MarketFunctions ${env}`,
      [`trading:compute:MarketFunction ${env}-market-processor`]: `trading:compute:StreamConsumerFunction ${env}-market-processor`,
      [`trading:compute:MarketFunction ${env}-market-archiver`]: `trading:compute:StreamConsumerFunction ${env}-market-archiver`,
      [`trading:compute:MarketFunction ${env}-analytics-api`]: `trading:compute:AnalyticsApi ${env}-analytics-api`,
      [`aws:kinesis/streamConsumer:StreamConsumer ${env}-market-processor-consumer`]: `trading:compute:StreamConsumerFunction ${env}-market-processor`,
      [`aws:lambda/eventSourceMapping:EventSourceMapping ${env}-market-processor-mapping`]: `trading:compute:StreamConsumerFunction ${env}-market-processor`,
      [`aws:lambda/eventSourceMapping:EventSourceMapping ${env}-market-archiver-mapping`]: `trading:compute:StreamConsumerFunction ${env}-market-archiver`,
      [`aws:lambda/functionUrl:FunctionUrl ${env}-analytics-api-url`]: `trading:compute:AnalyticsApi ${env}-analytics-api`,
      ...ownedByFunction("market-processor"),
      ...ownedByFunction("market-archiver"),
      ...ownedByFunction("analytics-api"),
      [`aws:cloudwatch/metricAlarm:MetricAlarm ${env}-market-processor-iterator-age`]:
        fnParent["market-processor"],
      [`aws:cloudwatch/metricAlarm:MetricAlarm ${env}-market-archiver-iterator-age`]:
        fnParent["market-archiver"],
      [`aws:cloudwatch/metricAlarm:MetricAlarm ${env}-analytics-api-duration-p99`]:
        fnParent["analytics-api"],
    });
  });

  test.each(SERVICES)("%s: one role, trusted by Lambda for this account only", (service) => {
    const role = input("aws:iam/role:Role", `${env}-${service}-role`);
    expect(role).toEqual(expectedRole(at, service));
    expect(json(role.assumeRolePolicy)).toEqual(expectedTrustPolicy(at));
  });

  const policyOf = (service: Service) =>
    input("aws:iam/rolePolicy:RolePolicy", `${env}-${service}-policy`);

  test.each(SERVICES)("%s: one inline policy, named after its role", (service) => {
    expect(policyOf(service)).toEqual(expectedRolePolicy(at, service));
  });

  test("physical names are unique in the environment (an inline policy shares its role's)", () => {
    const nameOf = (r: RecordedResource) => r.inputs.name;
    const named = ownResources().filter(
      (r) => r.custom && r.type !== "aws:iam/rolePolicy:RolePolicy" && nameOf(r) !== undefined,
    );
    const names = named.map(nameOf);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(19);
  });

  test.each([
    ["market-processor", "stream, its fan-out consumer, bars, its DLQ"],
    ["market-archiver", "stream, raw/ prefix of the archive, its DLQ"],
    ["analytics-api", "query on the table, nothing else"],
  ] as const)("%s policy: %s", (service, _summary) => {
    expect(json(policyOf(service).policy)).toEqual(expectedPolicyDocument(at, service));
  });

  test("only the network-interface and X-Ray statements use a wildcard resource, and no action is a wildcard", () => {
    for (const service of SERVICES) {
      const statements = (
        json(policyOf(service).policy) as {
          Statement: { Sid: string; Action: string[]; Resource: string }[];
        }
      ).Statement;
      expect(statements.filter((s) => s.Resource === "*").map((s) => s.Sid)).toEqual([
        "ManageVpcNetworkInterfaces",
        "WriteTraces",
      ]);
      expect(statements.flatMap((s) => s.Action).filter((a) => a.includes("*"))).toEqual([]);
    }
  });

  test.each(SERVICES)(
    "%s: log group /aws/lambda/<function name> with the environment's retention",
    (service) => {
      expect(input("aws:cloudwatch/logGroup:LogGroup", `${env}-${service}-logs`)).toEqual(
        expectedLogGroup(at, service),
      );
    },
  );

  const functionInputs = (service: Service) =>
    input("aws:lambda/function:Function", `${env}-${service}-function`);

  test.each(SERVICES)("%s function", (service) => {
    expect(functionInputs(service)).toEqual(expectedFunction(at, service));
  });

  test.each(SERVICES)(
    "%s: code is the bundle in <repo>/dist/functions, wherever the program runs from",
    async (service) => {
      const code = functionInputs(service).code as { path: Promise<string> };
      const repositoryRoot = path.resolve(__dirname, "..", "..");
      expect(await code.path).toBe(path.join(repositoryRoot, "dist", "functions", service));
    },
  );

  test("the stream consumers' reserved concurrency covers shards x their parallelization factor", () => {
    const settings = ENVIRONMENT_SETTINGS[env];
    for (const service of ["market-processor", "market-archiver"] as const) {
      const mapping = input(
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        `${env}-${service}-mapping`,
      );
      expect(mapping.parallelizationFactor).toBe(expectedParallelizationFactor(env, service));
      expect(functionInputs(service).reservedConcurrentExecutions).toBeGreaterThanOrEqual(
        settings.stream.shardCount * (mapping.parallelizationFactor as number),
      );
    }
  });

  test("market-processor reads through its own enhanced fan-out consumer", () => {
    expect(
      input("aws:kinesis/streamConsumer:StreamConsumer", `${env}-market-processor-consumer`),
    ).toEqual(expectedStreamConsumer(at));
  });

  test.each([
    ["market-processor", "fan-out consumer, no batching window, 15 minutes of retries, its DLQ"],
    [
      "market-archiver",
      "polls the stream in the environment's batches, 1 hour of retries, its DLQ",
    ],
  ] as const)("%s mapping: %s", (service, _summary) => {
    expect(
      input("aws:lambda/eventSourceMapping:EventSourceMapping", `${env}-${service}-mapping`),
    ).toEqual(expectedEventSourceMapping(at, service));
  });

  const urnOf = (type: string, name: string) => recorder.one(type, name).urn;

  test.each(SERVICES)(
    "%s: the function waits for its log group and its role's policy",
    (service) => {
      const deps = recorder.one(
        "aws:lambda/function:Function",
        `${env}-${service}-function`,
      ).dependencyUrns;
      expect([...deps].sort()).toEqual(
        [
          urnOf("aws:cloudwatch/logGroup:LogGroup", `${env}-${service}-logs`),
          urnOf("aws:iam/rolePolicy:RolePolicy", `${env}-${service}-policy`),
          urnOf("aws:iam/role:Role", `${env}-${service}-role`),
        ].sort(),
      );
    },
  );

  test.each(["market-processor", "market-archiver"] as const)(
    "%s: the mapping waits for the role's policy (Lambda checks stream access on creation)",
    (service) => {
      const deps = recorder.one(
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        `${env}-${service}-mapping`,
      ).dependencyUrns;
      expect(deps).toContain(urnOf("aws:iam/rolePolicy:RolePolicy", `${env}-${service}-policy`));
    },
  );

  test("analytics-api Function URL: IAM auth, buffered, no CORS", () => {
    expect(input("aws:lambda/functionUrl:FunctionUrl", `${env}-analytics-api-url`)).toEqual(
      expectedFunctionUrl(at),
    );
  });

  test.each([
    ["market-processor", "errors", "any in a minute"],
    ["market-processor", "throttles", "any in a minute"],
    ["market-processor", "iterator-age", "maximum above 1,000 ms for 3 minutes"],
    ["market-archiver", "errors", "any in a minute"],
    ["market-archiver", "throttles", "any in a minute"],
    ["market-archiver", "iterator-age", "maximum above 5 minutes for 3 minutes"],
    ["analytics-api", "errors", "any in a minute"],
    ["analytics-api", "throttles", "any in a minute"],
    ["analytics-api", "duration-p99", "p99 above 1,000 ms in 3 of 5 minutes"],
  ] as const)("%s %s alarm: %s", (service, id, _summary) => {
    expect(input("aws:cloudwatch/metricAlarm:MetricAlarm", `${env}-${service}-${id}`)).toEqual(
      expectedFunctionAlarm(at, service, id),
    );
  });

  test("outputs: names, ARNs, URL, log groups and what each mapping reads", async () => {
    const component = built[env];
    const values = async (
      record: Readonly<Record<string, import("@pulumi/pulumi").Output<string>>>,
    ) =>
      Object.fromEntries(
        await Promise.all(Object.entries(record).map(async ([k, v]) => [k, await valueOf(v)])),
      );
    expect(await values(component.functionNames)).toEqual({
      "market-processor": physical(env, "market-processor"),
      "market-archiver": physical(env, "market-archiver"),
      "analytics-api": physical(env, "analytics-api"),
    });
    expect(await values(component.functionArns)).toEqual({
      "market-processor": `arn:aws:lambda:us-east-1:123456789012:function:${physical(env, "market-processor")}`,
      "market-archiver": `arn:aws:lambda:us-east-1:123456789012:function:${physical(env, "market-archiver")}`,
      "analytics-api": `arn:aws:lambda:us-east-1:123456789012:function:${physical(env, "analytics-api")}`,
    });
    expect(await values(component.roleArns)).toEqual({
      "market-processor": `arn:aws:iam::123456789012:role/${physical(env, "market-processor-role")}`,
      "market-archiver": `arn:aws:iam::123456789012:role/${physical(env, "market-archiver-role")}`,
      "analytics-api": `arn:aws:iam::123456789012:role/${physical(env, "analytics-api-role")}`,
    });
    expect(await values(component.logGroupNames)).toEqual({
      "market-processor": `/aws/lambda/${physical(env, "market-processor")}`,
      "market-archiver": `/aws/lambda/${physical(env, "market-archiver")}`,
      "analytics-api": `/aws/lambda/${physical(env, "analytics-api")}`,
    });
    expect(await values(component.eventSourceArns)).toEqual({
      "market-processor": at.consumerArn,
      "market-archiver": arns.streamArn,
    });
    expect(await valueOf(component.analyticsApiUrl)).toBe(
      `https://${physical(env, "analytics-api")}.lambda-url.us-east-1.on.aws/`,
    );
    expect((await Promise.all(component.alarmArns.map(valueOf))).sort()).toEqual(
      [
        "market-processor-errors",
        "market-processor-throttles",
        "market-processor-iterator-age",
        "market-archiver-errors",
        "market-archiver-throttles",
        "market-archiver-iterator-age",
        "analytics-api-errors",
        "analytics-api-throttles",
        "analytics-api-duration-p99",
      ]
        .map((id) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${physical(env, id)}`)
        .sort(),
    );
  });
});

test("production names, written out", () => {
  expect(input("aws:lambda/function:Function", "production-market-processor-function").name).toBe(
    "production-market-processor-us-east-1-t1",
  );
  expect(input("aws:cloudwatch/logGroup:LogGroup", "production-analytics-api-logs").name).toBe(
    "/aws/lambda/production-analytics-api-us-east-1-t1",
  );
  expect(
    input("aws:cloudwatch/metricAlarm:MetricAlarm", "production-market-processor-iterator-age")
      .name,
  ).toBe("production-market-processor-iterator-age-us-east-1-t1");
});

describe("bad input", () => {
  const registrations = () => recorder.resources.length;

  test.each([
    [
      "production",
      { streamConsumerReservedConcurrency: 7 },
      "Stream consumer reserved concurrency 7 in production is below shards x parallelization factor (4 x 2 = 8): the stream would be throttled by its consumers' own limit. Raise lambda.streamConsumerReservedConcurrency to at least 8, or lower stream.shardCount or lambda.parallelizationFactor, in the production settings.",
    ],
    [
      "staging",
      { parallelizationFactor: 3 },
      "Stream consumer reserved concurrency 4 in staging is below shards x parallelization factor (2 x 3 = 6): the stream would be throttled by its consumers' own limit. Raise lambda.streamConsumerReservedConcurrency to at least 6, or lower stream.shardCount or lambda.parallelizationFactor, in the staging settings.",
    ],
    [
      "dev",
      { streamConsumerReservedConcurrency: 0 },
      "Stream consumer reserved concurrency 0 in dev is below shards x parallelization factor (1 x 1 = 1): the stream would be throttled by its consumers' own limit. Raise lambda.streamConsumerReservedConcurrency to at least 1, or lower stream.shardCount or lambda.parallelizationFactor, in the dev settings.",
    ],
  ] as const)(
    "%s: reserved concurrency below shards x parallelization throws before anything is registered",
    (env, lambda, message) => {
      const base = ENVIRONMENT_SETTINGS[env];
      const settings: EnvironmentSettings = { ...base, lambda: { ...base.lambda, ...lambda } };
      const before = registrations();
      expect(() => new MarketFunctionsClass(`bad-${env}`, argsFor(env, settings))).toThrow(
        new Error(message),
      );
      expect(registrations()).toBe(before);
    },
  );

  test.each<
    [string, EnvironmentName, (settings: EnvironmentSettings) => EnvironmentSettings, string]
  >([
    [
      "the archiver's parallelization above the reserved concurrency",
      "staging",
      (settings) => ({ ...settings, archiver: { ...settings.archiver, parallelizationFactor: 3 } }),
      "Stream consumer reserved concurrency 4 in staging is below shards x the archiver's parallelization factor (2 x 3 = 6): the archiver would be throttled by its own limit. Raise lambda.streamConsumerReservedConcurrency to at least 6, or lower archiver.parallelizationFactor, in the staging settings.",
    ],
    [
      "stream retention beyond 168 hours",
      "production",
      (settings) => ({ ...settings, stream: { ...settings.stream, retentionHours: 200 } }),
      "stream.retentionHours is 200 in production: use a whole number of hours from 24 to 168 (24 come with the shard, up to 168 is extended retention billed per shard-hour; longer is long-term retention billed per GB-month, which the cost model does not price). Change stream.retentionHours in the production settings.",
    ],
    [
      "dead-letter queues that forget before the stream does",
      "staging",
      (settings) => ({ ...settings, queues: { dlqRetentionSeconds: 86_400 } }),
      "queues.dlqRetentionSeconds is 86400 in staging, less than the stream keeps records (72 hours = 259200 seconds): a parked batch's pointer would vanish while its records could still be replayed. Raise queues.dlqRetentionSeconds to at least 259200, or lower stream.retentionHours, in the staging settings.",
    ],
    [
      "an archiver window beyond 300 s",
      "dev",
      (settings) => ({
        ...settings,
        archiver: { ...settings.archiver, batchingWindowSeconds: 600 },
      }),
      "archiver.batchingWindowSeconds is 600 in dev: use a whole number of seconds from 0 to 300 (Lambda's range for MaximumBatchingWindowInSeconds). Change archiver.batchingWindowSeconds in the dev settings.",
    ],
  ])("%s in %s throws before anything is registered", (_case, env, change, message) => {
    const before = registrations();
    expect(
      () =>
        new MarketFunctionsClass(
          `bad-delivery-${env}`,
          argsFor(env, change(ENVIRONMENT_SETTINGS[env])),
        ),
    ).toThrow(new Error(message));
    expect(registrations()).toBe(before);
  });

  test("a suffix that makes a function name too long throws before anything is registered", () => {
    const before = registrations();
    expect(
      () =>
        new MarketFunctionsClass("bad-names", {
          ...argsFor("production", ENVIRONMENT_SETTINGS.production),
          namer: namerFor({
            environment: "production",
            region: "us-east-1",
            suffix: "abcdefghijklmnopqrstuvwxyz0",
          }),
        }),
    ).toThrow(
      new Error(
        'Lambda function name "production-market-processor-us-east-1-abcdefghijklmnopqrstuvwxyz0" is 65 characters; AWS allows at most 64. Shorten the service "market-processor" or the environmentSuffix "abcdefghijklmnopqrstuvwxyz0" by at least 1 character.',
      ),
    );
    expect(registrations()).toBe(before);
  });
});
