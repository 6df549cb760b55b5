import * as path from "path";

import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentName,
  type EnvironmentSettings,
} from "../config/settings";
import { namerFor } from "../naming/physical-name";
import type { MarketFunctions, MarketFunctionsArgs } from "./market-functions";
import {
  MOCK_ACCOUNT_ID,
  ResourceRecorder,
  settle,
  valueOf,
  type RecordedResource,
} from "./testing/pulumi-recorder";

const recorder = new ResourceRecorder();
const built = {} as Record<EnvironmentName, MarketFunctions>;
let MarketFunctionsClass: typeof MarketFunctions;

const SUFFIX = "t1";

/** What the settings table must produce in each environment, written out. */
const EXPECTED = {
  dev: {
    memoryMb: 512,
    logRetentionDays: 7,
    consumerConcurrency: 1,
    apiConcurrency: 5,
    parallelizationFactor: 1,
    barTtlDays: "7",
    notify: false,
  },
  staging: {
    memoryMb: 1024,
    logRetentionDays: 30,
    consumerConcurrency: 4,
    apiConcurrency: 25,
    parallelizationFactor: 2,
    barTtlDays: "30",
    notify: true,
  },
  production: {
    memoryMb: 2048,
    logRetentionDays: 90,
    consumerConcurrency: 8,
    apiConcurrency: 50,
    parallelizationFactor: 2,
    barTtlDays: "400",
    notify: true,
  },
} as const;

const SERVICES = ["market-processor", "market-archiver", "analytics-api"] as const;
type Service = (typeof SERVICES)[number];

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
    ...inputsFor(env),
  };
}

const tagsOf = (env: EnvironmentName, service: string) => ({
  Environment: env,
  ManagedBy: "pulumi",
  Project: "trading-analytics",
  Service: service,
});

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

describe.each(ENVIRONMENT_NAMES)("%s", (env) => {
  const expected = EXPECTED[env];
  const arns = inputsFor(env);
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
    expect(input("aws:iam/role:Role", `${env}-${service}-role`)).toEqual({
      name: physical(env, `${service}-role`),
      description: `Execution role of ${service} in ${env}`,
      assumeRolePolicy: expect.any(String),
      tags: tagsOf(env, service),
    });
    expect(json(input("aws:iam/role:Role", `${env}-${service}-role`).assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "LambdaAssumesRoleForThisAccount",
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        },
      ],
    });
  });

  const runtimeStatements = (service: Service) => [
    {
      Sid: "WriteOwnLogStreams",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/${physical(env, service)}:*`,
    },
    {
      Sid: "ManageVpcNetworkInterfaces",
      Effect: "Allow",
      Action: [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ],
      Resource: "*",
    },
    {
      Sid: "WriteTraces",
      Effect: "Allow",
      Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
      Resource: "*",
    },
  ];
  const readStream = {
    Sid: "ReadStream",
    Effect: "Allow",
    Action: [
      "kinesis:DescribeStream",
      "kinesis:DescribeStreamSummary",
      "kinesis:GetRecords",
      "kinesis:GetShardIterator",
      "kinesis:ListShards",
    ],
    Resource: arns.streamArn,
  };
  const policyOf = (service: Service) =>
    input("aws:iam/rolePolicy:RolePolicy", `${env}-${service}-policy`);

  test.each(SERVICES)("%s: one inline policy, named after its role", (service) => {
    expect(policyOf(service)).toEqual({
      name: physical(env, `${service}-role`),
      role: physical(env, `${service}-role`),
      policy: expect.any(String),
    });
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

  test("market-processor policy: stream, its fan-out consumer, bars, its DLQ", () => {
    expect(json(policyOf("market-processor").policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        ...runtimeStatements("market-processor"),
        readStream,
        {
          Sid: "ReadThroughEnhancedFanOut",
          Effect: "Allow",
          Action: ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"],
          Resource: `${arns.streamArn}/consumer/${physical(env, "market-processor-consumer")}:1764201600`,
        },
        {
          Sid: "ReadAndWriteBars",
          Effect: "Allow",
          Action: ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"],
          Resource: arns.tableArn,
        },
        {
          Sid: "SendFailedBatchesToDeadLetterQueue",
          Effect: "Allow",
          Action: ["sqs:SendMessage"],
          Resource: arns.processorDeadLetterQueueArn,
        },
      ],
    });
  });

  test("market-archiver policy: stream, raw/ prefix of the archive, its DLQ", () => {
    expect(json(policyOf("market-archiver").policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        ...runtimeStatements("market-archiver"),
        readStream,
        {
          Sid: "WriteRawArchive",
          Effect: "Allow",
          Action: ["s3:PutObject"],
          Resource: `arn:aws:s3:::${physical(env, "market-archive")}/raw/*`,
        },
        {
          Sid: "SendFailedBatchesToDeadLetterQueue",
          Effect: "Allow",
          Action: ["sqs:SendMessage"],
          Resource: arns.archiverDeadLetterQueueArn,
        },
      ],
    });
  });

  test("analytics-api policy: query on the table, nothing else", () => {
    expect(json(policyOf("analytics-api").policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        ...runtimeStatements("analytics-api"),
        {
          Sid: "ReadBars",
          Effect: "Allow",
          Action: ["dynamodb:Query"],
          Resource: arns.tableArn,
        },
      ],
    });
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
      expect(input("aws:cloudwatch/logGroup:LogGroup", `${env}-${service}-logs`)).toEqual({
        name: `/aws/lambda/${physical(env, service)}`,
        retentionInDays: expected.logRetentionDays,
        tags: tagsOf(env, service),
      });
    },
  );

  const functionInputs = (service: Service) =>
    input("aws:lambda/function:Function", `${env}-${service}-function`);

  const commonFunction = (service: Service) => ({
    name: physical(env, service),
    role: `arn:aws:iam::123456789012:role/${physical(env, `${service}-role`)}`,
    runtime: "nodejs24.x",
    architectures: ["arm64"],
    handler: "index.handler",
    code: expect.anything(),
    memorySize: expected.memoryMb,
    vpcConfig: {
      subnetIds: [`subnet-${env}-a`, `subnet-${env}-b`],
      securityGroupIds: [`sg-${env}-functions`],
    },
    tracingConfig: { mode: "Active" },
    loggingConfig: {
      logFormat: "JSON",
      logGroup: `/aws/lambda/${physical(env, service)}`,
      applicationLogLevel: "INFO",
      systemLogLevel: "INFO",
    },
    tags: tagsOf(env, service),
  });
  const powertools = (service: Service) => ({
    ENVIRONMENT: env,
    POWERTOOLS_SERVICE_NAME: service,
    POWERTOOLS_METRICS_NAMESPACE: "TradingAnalytics",
    POWERTOOLS_LOG_LEVEL: "INFO",
  });

  test("market-processor function", () => {
    expect(functionInputs("market-processor")).toEqual({
      ...commonFunction("market-processor"),
      description: "Merges ticks from the market-data stream into 1-minute bars in DynamoDB",
      timeout: 60,
      reservedConcurrentExecutions: expected.consumerConcurrency,
      environment: {
        variables: {
          ...powertools("market-processor"),
          TABLE_NAME: physical(env, "market-analytics"),
          BAR_TTL_DAYS: expected.barTtlDays,
        },
      },
    });
  });

  test("market-archiver function", () => {
    expect(functionInputs("market-archiver")).toEqual({
      ...commonFunction("market-archiver"),
      description: "Writes raw records from the market-data stream to the S3 archive",
      timeout: 60,
      reservedConcurrentExecutions: expected.consumerConcurrency,
      environment: {
        variables: {
          ...powertools("market-archiver"),
          BUCKET_NAME: physical(env, "market-archive"),
        },
      },
    });
  });

  test("analytics-api function", () => {
    expect(functionInputs("analytics-api")).toEqual({
      ...commonFunction("analytics-api"),
      description: "Answers bar queries from the analytics table over a Function URL",
      timeout: 10,
      reservedConcurrentExecutions: expected.apiConcurrency,
      environment: {
        variables: {
          ...powertools("analytics-api"),
          TABLE_NAME: physical(env, "market-analytics"),
        },
      },
    });
  });

  test.each(SERVICES)(
    "%s: code is the bundle in <repo>/dist/functions, wherever the program runs from",
    async (service) => {
      const code = functionInputs(service).code as { path: Promise<string> };
      const repositoryRoot = path.resolve(__dirname, "..", "..");
      expect(await code.path).toBe(path.join(repositoryRoot, "dist", "functions", service));
    },
  );

  test("the stream consumers' reserved concurrency covers shards x parallelization factor", () => {
    const settings = ENVIRONMENT_SETTINGS[env];
    for (const service of ["market-processor", "market-archiver"] as const) {
      expect(functionInputs(service).reservedConcurrentExecutions).toBeGreaterThanOrEqual(
        settings.stream.shardCount * settings.lambda.parallelizationFactor,
      );
    }
  });

  test("market-processor reads through its own enhanced fan-out consumer", () => {
    expect(
      input("aws:kinesis/streamConsumer:StreamConsumer", `${env}-market-processor-consumer`),
    ).toEqual({
      name: physical(env, "market-processor-consumer"),
      streamArn: arns.streamArn,
      tags: tagsOf(env, "market-processor"),
    });
  });

  const mappingCommon = {
    startingPosition: "TRIM_HORIZON",
    batchSize: 500,
    functionResponseTypes: ["ReportBatchItemFailures"],
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: 10,
    maximumRecordAgeInSeconds: 3600,
  };

  test("market-processor mapping: fan-out consumer, no batching window, its DLQ", () => {
    expect(
      input("aws:lambda/eventSourceMapping:EventSourceMapping", `${env}-market-processor-mapping`),
    ).toEqual({
      ...mappingCommon,
      eventSourceArn: `${arns.streamArn}/consumer/${physical(env, "market-processor-consumer")}:1764201600`,
      functionName: `arn:aws:lambda:us-east-1:123456789012:function:${physical(env, "market-processor")}`,
      maximumBatchingWindowInSeconds: 0,
      parallelizationFactor: expected.parallelizationFactor,
      destinationConfig: { onFailure: { destinationArn: arns.processorDeadLetterQueueArn } },
      tags: tagsOf(env, "market-processor"),
    });
  });

  test("market-archiver mapping: polls the stream, 5 s window, its DLQ", () => {
    expect(
      input("aws:lambda/eventSourceMapping:EventSourceMapping", `${env}-market-archiver-mapping`),
    ).toEqual({
      ...mappingCommon,
      eventSourceArn: arns.streamArn,
      functionName: `arn:aws:lambda:us-east-1:123456789012:function:${physical(env, "market-archiver")}`,
      maximumBatchingWindowInSeconds: 5,
      parallelizationFactor: expected.parallelizationFactor,
      destinationConfig: { onFailure: { destinationArn: arns.archiverDeadLetterQueueArn } },
      tags: tagsOf(env, "market-archiver"),
    });
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
    expect(input("aws:lambda/functionUrl:FunctionUrl", `${env}-analytics-api-url`)).toEqual({
      functionName: physical(env, "analytics-api"),
      authorizationType: "AWS_IAM",
      invokeMode: "BUFFERED",
    });
  });

  const alarm = (
    service: Service,
    id: string,
    metric: Record<string, unknown>,
  ): Record<string, unknown> => ({
    name: physical(env, `${service}-${id}`),
    alarmDescription: expect.stringMatching(/\.$/),
    namespace: "AWS/Lambda",
    dimensions: { FunctionName: physical(env, service) },
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    actionsEnabled: expected.notify,
    alarmActions: [arns.alarmTopicArn],
    okActions: [arns.alarmTopicArn],
    tags: tagsOf(env, service),
    ...metric,
  });
  const errors = {
    metricName: "Errors",
    statistic: "Sum",
    threshold: 0,
    period: 60,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
  };
  const throttles = { ...errors, metricName: "Throttles" };

  test.each(SERVICES)("%s: errors and throttles alarms, any in a minute", (service) => {
    expect(input("aws:cloudwatch/metricAlarm:MetricAlarm", `${env}-${service}-errors`)).toEqual(
      alarm(service, "errors", errors),
    );
    expect(input("aws:cloudwatch/metricAlarm:MetricAlarm", `${env}-${service}-throttles`)).toEqual(
      alarm(service, "throttles", throttles),
    );
  });

  test("market-processor iterator age: maximum above 1,000 ms for 3 minutes", () => {
    expect(
      input("aws:cloudwatch/metricAlarm:MetricAlarm", `${env}-market-processor-iterator-age`),
    ).toEqual(
      alarm("market-processor", "iterator-age", {
        metricName: "IteratorAge",
        statistic: "Maximum",
        threshold: 1000,
        period: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
      }),
    );
  });

  test("market-archiver iterator age: maximum above 5 minutes for 3 minutes", () => {
    expect(
      input("aws:cloudwatch/metricAlarm:MetricAlarm", `${env}-market-archiver-iterator-age`),
    ).toEqual(
      alarm("market-archiver", "iterator-age", {
        metricName: "IteratorAge",
        statistic: "Maximum",
        threshold: 300000,
        period: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
      }),
    );
  });

  test("analytics-api duration: p99 above 1,000 ms in 3 of 5 minutes", () => {
    expect(
      input("aws:cloudwatch/metricAlarm:MetricAlarm", `${env}-analytics-api-duration-p99`),
    ).toEqual(
      alarm("analytics-api", "duration-p99", {
        metricName: "Duration",
        extendedStatistic: "p99",
        threshold: 1000,
        period: 60,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      }),
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
      "market-processor": `${arns.streamArn}/consumer/${physical(env, "market-processor-consumer")}:1764201600`,
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
