import type { EnvironmentName } from "../../../modules/config/settings";

/**
 * What the compute layer must deploy, written out as literal values rather than read from the
 * settings table or the compute modules, so a wrong edit to either fails. Shared by the component
 * tests (`market-functions.test.ts`) and the whole-environment tests (`tests/environments`), which
 * feed it the ARNs, names and ids of their own surroundings.
 */

export const EXPECTED_SERVICES = ["market-processor", "market-archiver", "analytics-api"] as const;
export type ExpectedService = (typeof EXPECTED_SERVICES)[number];

/** The two functions fed by the market-data stream. */
export const EXPECTED_STREAM_CONSUMERS = ["market-processor", "market-archiver"] as const;
export type ExpectedStreamConsumer = (typeof EXPECTED_STREAM_CONSUMERS)[number];

export interface ExpectedComputeSettings {
  /** Memory of every function, in MB. */
  readonly memoryMb: number;
  /** Retention of every function's log group, in days. */
  readonly logRetentionDays: number;
  /** Reserved concurrency of each stream consumer. */
  readonly consumerConcurrency: number;
  /** Reserved concurrency of the analytics API. */
  readonly apiConcurrency: number;
  /** Concurrent batches per shard of the processor's event source mapping. */
  readonly parallelizationFactor: number;
  /** The archiver's mapping: records per batch, batching window in seconds, concurrent batches per shard. */
  readonly archiver: {
    readonly batchSize: number;
    readonly batchingWindowSeconds: number;
    readonly parallelizationFactor: number;
  };
  /** How long the stream keeps records, in hours, as the archiver's lag alarm says. */
  readonly streamRetentionHours: number;
  /** `BAR_TTL_DAYS` as the processor receives it. */
  readonly barTtlDays: string;
  /** Whether the function alarms notify the alarm topic. */
  readonly notify: boolean;
}

export const EXPECTED_COMPUTE: Readonly<Record<EnvironmentName, ExpectedComputeSettings>> = {
  dev: {
    memoryMb: 512,
    logRetentionDays: 7,
    consumerConcurrency: 1,
    apiConcurrency: 5,
    parallelizationFactor: 1,
    archiver: { batchSize: 500, batchingWindowSeconds: 5, parallelizationFactor: 1 },
    streamRetentionHours: 24,
    barTtlDays: "7",
    notify: false,
  },
  staging: {
    memoryMb: 1024,
    logRetentionDays: 30,
    consumerConcurrency: 4,
    apiConcurrency: 25,
    parallelizationFactor: 2,
    archiver: { batchSize: 10_000, batchingWindowSeconds: 300, parallelizationFactor: 1 },
    streamRetentionHours: 72,
    barTtlDays: "30",
    notify: true,
  },
  production: {
    memoryMb: 2048,
    logRetentionDays: 90,
    consumerConcurrency: 8,
    apiConcurrency: 50,
    parallelizationFactor: 2,
    archiver: { batchSize: 10_000, batchingWindowSeconds: 120, parallelizationFactor: 1 },
    streamRetentionHours: 168,
    barTtlDays: "400",
    notify: true,
  },
};

/** What every physical name depends on. */
export interface ComputeNaming {
  readonly environment: EnvironmentName;
  readonly suffix: string;
}

/** Everything the compute layer is wired to, as the surrounding test built or recorded it. */
export interface ComputeSurroundings extends ComputeNaming {
  readonly accountId: string;
  readonly streamArn: string;
  /** The ARN the processor's registered fan-out consumer got (its creation timestamp is the mock's). */
  readonly consumerArn: string;
  readonly tableArn: string;
  readonly tableName: string;
  readonly bucketArn: string;
  readonly bucketName: string;
  readonly processorDeadLetterQueueArn: string;
  readonly archiverDeadLetterQueueArn: string;
  readonly privateSubnetIds: readonly string[];
  readonly securityGroupId: string;
  readonly alarmTopicArn: string;
}

const REGION = "us-east-1";

/** `{env}-{service}-us-east-1-{suffix}`, the contract's physical name. */
export function computeName(at: ComputeNaming, service: string): string {
  return `${at.environment}-${service}-${REGION}-${at.suffix}`;
}

export function expectedTags(environment: EnvironmentName, service: string) {
  return {
    Environment: environment,
    ManagedBy: "pulumi",
    Project: "trading-analytics",
    Service: service,
  };
}

export function expectedFunctionArn(at: ComputeSurroundings, service: ExpectedService): string {
  return `arn:aws:lambda:${REGION}:${at.accountId}:function:${computeName(at, service)}`;
}

export function expectedLogGroupName(at: ComputeNaming, service: ExpectedService): string {
  return `/aws/lambda/${computeName(at, service)}`;
}

export function expectedRoleArn(at: ComputeSurroundings, service: ExpectedService): string {
  return `arn:aws:iam::${at.accountId}:role/${computeName(at, `${service}-role`)}`;
}

export function expectedDeadLetterQueueArn(
  at: ComputeSurroundings,
  service: ExpectedStreamConsumer,
): string {
  return service === "market-processor"
    ? at.processorDeadLetterQueueArn
    : at.archiverDeadLetterQueueArn;
}

/** Every physical name the compute layer registers (a role's inline policy shares the role's). */
export function expectedComputeNames(at: ComputeNaming): string[] {
  return [
    ...EXPECTED_SERVICES.flatMap((service) => [
      computeName(at, service),
      computeName(at, `${service}-role`),
      computeName(at, `${service}-role`),
      expectedLogGroupName(at, service),
      ...expectedFunctionAlarmIds(service).map((id) => computeName(at, `${service}-${id}`)),
    ]),
    computeName(at, "market-processor-consumer"),
  ];
}

export function expectedLogGroup(at: ComputeSurroundings, service: ExpectedService) {
  return {
    name: expectedLogGroupName(at, service),
    retentionInDays: EXPECTED_COMPUTE[at.environment].logRetentionDays,
    tags: expectedTags(at.environment, service),
  };
}

/**
 * The environment's workload boundary, which the bootstrap creates and the deploy role requires on
 * every role it creates: `arn:aws:iam::<account>:policy/trading-analytics-<env>-workload-boundary`.
 */
export function expectedBoundaryArn(environment: EnvironmentName, accountId: string): string {
  return `arn:aws:iam::${accountId}:policy/trading-analytics-${environment}-workload-boundary`;
}

/** The role's inputs; its trust policy is compared parsed, see {@link expectedTrustPolicy}. */
export function expectedRole(at: ComputeSurroundings, service: ExpectedService) {
  return {
    name: computeName(at, `${service}-role`),
    path: `/trading-analytics/${at.environment}/`,
    description: `Execution role of ${service} in ${at.environment}`,
    assumeRolePolicy: expect.any(String) as unknown,
    permissionsBoundary: expectedBoundaryArn(at.environment, at.accountId),
    tags: expectedTags(at.environment, service),
  };
}

export function expectedTrustPolicy(at: ComputeSurroundings) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "LambdaAssumesRoleForThisAccount",
        Effect: "Allow",
        Principal: { Service: "lambda.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": at.accountId } },
      },
    ],
  };
}

/** The inline policy's inputs; its document is compared parsed, see {@link expectedPolicyDocument}. */
export function expectedRolePolicy(at: ComputeSurroundings, service: ExpectedService) {
  return {
    name: computeName(at, `${service}-role`),
    role: computeName(at, `${service}-role`),
    policy: expect.any(String) as unknown,
  };
}

interface ExpectedStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: string;
}

/** Each function's inline policy: its own log streams, the two documented `"*"` statements, its data. */
export function expectedPolicyDocument(at: ComputeSurroundings, service: ExpectedService) {
  const runtime: ExpectedStatement[] = [
    {
      Sid: "WriteOwnLogStreams",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `arn:aws:logs:${REGION}:${at.accountId}:log-group:${expectedLogGroupName(at, service)}:*`,
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
  const readStream: ExpectedStatement = {
    Sid: "ReadStream",
    Effect: "Allow",
    Action: [
      "kinesis:DescribeStream",
      "kinesis:DescribeStreamSummary",
      "kinesis:GetRecords",
      "kinesis:GetShardIterator",
      "kinesis:ListShards",
    ],
    Resource: at.streamArn,
  };
  const sendToDeadLetterQueue = (queueArn: string): ExpectedStatement => ({
    Sid: "SendFailedBatchesToDeadLetterQueue",
    Effect: "Allow",
    Action: ["sqs:SendMessage"],
    Resource: queueArn,
  });
  const data: Record<ExpectedService, ExpectedStatement[]> = {
    "market-processor": [
      readStream,
      {
        Sid: "ReadThroughEnhancedFanOut",
        Effect: "Allow",
        Action: ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"],
        Resource: at.consumerArn,
      },
      {
        Sid: "ReadAndWriteBars",
        Effect: "Allow",
        Action: [
          "dynamodb:BatchGetItem",
          "dynamodb:DeleteItem",
          "dynamodb:GetItem",
          "dynamodb:PutItem",
        ],
        Resource: at.tableArn,
      },
      sendToDeadLetterQueue(at.processorDeadLetterQueueArn),
    ],
    "market-archiver": [
      readStream,
      {
        Sid: "WriteRawArchive",
        Effect: "Allow",
        Action: ["s3:PutObject"],
        Resource: `${at.bucketArn}/raw/*`,
      },
      sendToDeadLetterQueue(at.archiverDeadLetterQueueArn),
    ],
    "analytics-api": [
      { Sid: "ReadBars", Effect: "Allow", Action: ["dynamodb:Query"], Resource: at.tableArn },
    ],
  };
  return { Version: "2012-10-17", Statement: [...runtime, ...data[service]] };
}

/** The inputs of each function, every one of them. */
export function expectedFunction(at: ComputeSurroundings, service: ExpectedService) {
  const settings = EXPECTED_COMPUTE[at.environment];
  const own: Record<
    ExpectedService,
    {
      description: string;
      timeout: number;
      reservedConcurrentExecutions: number;
      variables: Record<string, string>;
    }
  > = {
    "market-processor": {
      description: "Merges ticks from the market-data stream into 1-minute bars in DynamoDB",
      timeout: 60,
      reservedConcurrentExecutions: settings.consumerConcurrency,
      variables: { TABLE_NAME: at.tableName, BAR_TTL_DAYS: settings.barTtlDays },
    },
    "market-archiver": {
      description: "Writes raw records from the market-data stream to the S3 archive",
      timeout: 60,
      reservedConcurrentExecutions: settings.consumerConcurrency,
      variables: { BUCKET_NAME: at.bucketName },
    },
    "analytics-api": {
      description: "Answers bar queries from the analytics table over a Function URL",
      timeout: 10,
      reservedConcurrentExecutions: settings.apiConcurrency,
      variables: { TABLE_NAME: at.tableName },
    },
  };
  const { variables, ...specific } = own[service];
  return {
    name: computeName(at, service),
    role: expectedRoleArn(at, service),
    runtime: "nodejs24.x",
    architectures: ["arm64"],
    handler: "index.handler",
    code: expect.anything() as unknown,
    memorySize: settings.memoryMb,
    ...specific,
    vpcConfig: {
      subnetIds: [...at.privateSubnetIds],
      securityGroupIds: [at.securityGroupId],
    },
    tracingConfig: { mode: "Active" },
    loggingConfig: {
      logFormat: "JSON",
      logGroup: expectedLogGroupName(at, service),
      applicationLogLevel: "INFO",
      systemLogLevel: "INFO",
    },
    environment: {
      variables: {
        ENVIRONMENT: at.environment,
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: "TradingAnalytics",
        POWERTOOLS_LOG_LEVEL: "INFO",
        ...variables,
      },
    },
    tags: expectedTags(at.environment, service),
  };
}

export function expectedStreamConsumer(at: ComputeSurroundings) {
  return {
    name: computeName(at, "market-processor-consumer"),
    streamArn: at.streamArn,
    tags: expectedTags(at.environment, "market-processor"),
  };
}

/** Concurrent batches per shard of each consumer's mapping. */
export function expectedParallelizationFactor(
  environment: EnvironmentName,
  service: ExpectedStreamConsumer,
): number {
  const settings = EXPECTED_COMPUTE[environment];
  return service === "market-processor"
    ? settings.parallelizationFactor
    : settings.archiver.parallelizationFactor;
}

/**
 * Each stream consumer's event source mapping: the processor reads through its fan-out consumer
 * in batches of 500 with no batching window and retries a failing batch for 15 minutes; the
 * archiver polls the stream in the environment's batches (one archive object each) and retries
 * for an hour. Lambda's maximum of 10,000 retries leaves the record age as the bound; then the
 * batch's pointer goes to the consumer's own dead-letter queue.
 */
export function expectedEventSourceMapping(
  at: ComputeSurroundings,
  service: ExpectedStreamConsumer,
) {
  const processor = service === "market-processor";
  const { archiver } = EXPECTED_COMPUTE[at.environment];
  return {
    eventSourceArn: processor ? at.consumerArn : at.streamArn,
    functionName: expectedFunctionArn(at, service),
    startingPosition: "TRIM_HORIZON",
    batchSize: processor ? 500 : archiver.batchSize,
    maximumBatchingWindowInSeconds: processor ? 0 : archiver.batchingWindowSeconds,
    parallelizationFactor: expectedParallelizationFactor(at.environment, service),
    functionResponseTypes: ["ReportBatchItemFailures"],
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: 10_000,
    maximumRecordAgeInSeconds: processor ? 900 : 3600,
    destinationConfig: { onFailure: { destinationArn: expectedDeadLetterQueueArn(at, service) } },
    tags: expectedTags(at.environment, service),
  };
}

export function expectedFunctionUrl(at: ComputeSurroundings) {
  return {
    functionName: computeName(at, "analytics-api"),
    authorizationType: "AWS_IAM",
    invokeMode: "BUFFERED",
  };
}

const ERRORS_METRIC = {
  metricName: "Errors",
  statistic: "Sum",
  threshold: 0,
  period: 60,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
};

const THROTTLES_METRIC = { ...ERRORS_METRIC, metricName: "Throttles" };

/** Each function's alarms by id, with what they watch: errors and throttles, then its own. */
const FUNCTION_ALARMS: Readonly<
  Record<ExpectedService, Readonly<Record<string, Readonly<Record<string, unknown>>>>>
> = {
  "market-processor": {
    errors: ERRORS_METRIC,
    throttles: THROTTLES_METRIC,
    "iterator-age": {
      metricName: "IteratorAge",
      statistic: "Maximum",
      threshold: 1000,
      period: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    },
  },
  "market-archiver": {
    errors: ERRORS_METRIC,
    throttles: THROTTLES_METRIC,
    "iterator-age": {
      metricName: "IteratorAge",
      statistic: "Maximum",
      threshold: 300_000,
      period: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    },
  },
  "analytics-api": {
    errors: ERRORS_METRIC,
    throttles: THROTTLES_METRIC,
    "duration-p99": {
      metricName: "Duration",
      extendedStatistic: "p99",
      threshold: 1000,
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    },
  },
};

/** The redrive command an operator runs for a consumer's parked batches. */
export function expectedRedriveCommand(
  environment: EnvironmentName,
  service: ExpectedStreamConsumer,
): string {
  return `npm run redrive -- --env ${environment} --consumer ${service}`;
}

/** What each consumer's lag alarm says: what to check, when batches get parked, how to redrive. */
export function expectedIteratorAgeDescription(
  environment: EnvironmentName,
  service: ExpectedService,
): string {
  const command = expectedRedriveCommand(environment, service as ExpectedStreamConsumer);
  if (service === "market-processor") {
    return `The processor has been more than 1,000 ms behind the stream for 3 minutes: bars are stale for the desk. Check its Errors, Throttles and Duration, the table's throttling, and the stream's incoming bytes against shard capacity. A batch still failing after 15 minutes goes to its dead-letter queue and the shard moves on; once the cause is fixed, replay the parked batches with \`${command}\`.`;
  }
  if (service === "market-archiver") {
    return `The archiver has been more than 5 minutes behind the stream for 3 minutes. Check its Errors, Throttles and Duration, and S3 errors in its log group. A batch still failing after 1 hour goes to its dead-letter queue, and the stream keeps its records for ${EXPECTED_COMPUTE[environment].streamRetentionHours} hours from their arrival only: once the cause is fixed, archive the parked batches with \`${command}\`.`;
  }
  throw new Error(`${service} has no iterator-age alarm`);
}

/** The alarm ids of a function, e.g. `errors`, `throttles`, `iterator-age`. */
export function expectedFunctionAlarmIds(service: ExpectedService): string[] {
  return Object.keys(FUNCTION_ALARMS[service]);
}

/**
 * One function alarm (`errors`, `throttles`, `iterator-age` or `duration-p99`): on the function's
 * `AWS/Lambda` metric, to the environment's topic on ALARM and OK, notifying per environment.
 */
export function expectedFunctionAlarm(
  at: ComputeSurroundings,
  service: ExpectedService,
  id: string,
): Record<string, unknown> {
  const metric = FUNCTION_ALARMS[service][id];
  if (metric === undefined) {
    throw new Error(
      `${service} has no alarm "${id}": use one of ${expectedFunctionAlarmIds(service).join(", ")}`,
    );
  }
  return {
    name: computeName(at, `${service}-${id}`),
    alarmDescription:
      id === "iterator-age"
        ? expectedIteratorAgeDescription(at.environment, service)
        : (expect.stringMatching(/\.$/) as unknown),
    namespace: "AWS/Lambda",
    dimensions: { FunctionName: computeName(at, service) },
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    actionsEnabled: EXPECTED_COMPUTE[at.environment].notify,
    alarmActions: [at.alarmTopicArn],
    okActions: [at.alarmTopicArn],
    tags: expectedTags(at.environment, service),
    ...metric,
  };
}

/** Every function alarm of the environment, sorted by physical name. */
export function expectedFunctionAlarms(at: ComputeSurroundings): Record<string, unknown>[] {
  return EXPECTED_SERVICES.flatMap((service) =>
    expectedFunctionAlarmIds(service).map((id) => expectedFunctionAlarm(at, service, id)),
  ).sort((a, b) => String(a.name).localeCompare(String(b.name)));
}
