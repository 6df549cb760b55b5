import {
  ENVIRONMENT_SETTINGS,
  REGION,
  type EnvironmentName,
} from "../../../modules/config/settings";
import { physicalName, type ResourceKind } from "../../../modules/naming/physical-name";
import { standardTags } from "../../../modules/naming/tags";
import type { RecordedResourceLike } from "../../../policy/offline";
import { TYPES } from "../../../policy/resource-types";

/**
 * A hand-built stack that satisfies every rule: the shape the platform promises, written out
 * without the modules, so each rule test can break exactly one thing and expect exactly one
 * violation.
 */

export const SUFFIX = "a1";
export const ACCOUNT = "123456789012";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function nameOf(
  environment: EnvironmentName,
  kind: ResourceKind,
  service: string,
  prefix?: string,
): string {
  return physicalName(
    kind,
    { environment, service, region: REGION, suffix: SUFFIX },
    prefix === undefined ? {} : { prefix },
  );
}

function arn(service: string, resource: string): string {
  return `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
}

function resource(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  extra: Partial<Mutable<RecordedResourceLike>> = {},
): RecordedResourceLike {
  return { type, name, inputs, state: { ...inputs, ...(extra.state ?? {}) }, ...extra };
}

function functionResources(
  environment: EnvironmentName,
  service: string,
  reservedConcurrency: number,
  statements: readonly Record<string, unknown>[],
): RecordedResourceLike[] {
  const settings = ENVIRONMENT_SETTINGS[environment];
  const tags = standardTags(environment, service);
  const functionName = nameOf(environment, "lambda-function", service);
  const logGroupName = nameOf(environment, "log-group", service, "/aws/lambda/");
  const roleName = nameOf(environment, "iam-role", service);
  return [
    resource(TYPES.logGroup, `${service}-logs`, {
      name: logGroupName,
      retentionInDays: settings.logRetentionDays,
      tags,
    }),
    resource(TYPES.role, `${service}-role`, {
      name: roleName,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
      tags,
    }),
    resource(TYPES.rolePolicy, `${service}-policy`, {
      name: nameOf(environment, "iam-policy", service),
      role: roleName,
      policy: {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "WriteOwnLogStreams",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${arn("logs", `log-group:${logGroupName}`)}:*`,
          },
          ...statements,
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
        ],
      },
    }),
    resource(
      TYPES.lambdaFunction,
      service,
      {
        name: functionName,
        role: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
        runtime: "nodejs24.x",
        architectures: ["arm64"],
        handler: "index.handler",
        memorySize: settings.lambda.memoryMb,
        timeout: settings.lambda.streamConsumerTimeoutSeconds,
        reservedConcurrentExecutions: reservedConcurrency,
        vpcConfig: {
          subnetIds: ["subnet-0a", "subnet-0b"],
          securityGroupIds: ["sg-0functions"],
        },
        tracingConfig: { mode: "Active" },
        loggingConfig: { logFormat: "JSON", logGroup: logGroupName },
        tags,
      },
      { state: { arn: arn("lambda", `function:${functionName}`) } },
    ),
  ];
}

/** Every resource of one environment, compliant with every rule of the pack. */
export function compliantStack(environment: EnvironmentName): RecordedResourceLike[] {
  const settings = ENVIRONMENT_SETTINGS[environment];
  const tags = (service: string) => standardTags(environment, service);
  const tableName = nameOf(environment, "dynamodb-table", "market-analytics");
  const tableArn = arn("dynamodb", `table/${tableName}`);
  const bucketName = nameOf(environment, "s3-bucket", "market-archive");
  const bucketArn = `arn:aws:s3:::${bucketName}`;
  const streamName = nameOf(environment, "kinesis-stream", "market-data");
  const streamArn = arn("kinesis", `stream/${streamName}`);
  const dlqName = (consumer: string) => nameOf(environment, "sqs-queue", `${consumer}-dlq`);
  const dlqArn = (consumer: string) => arn("sqs", dlqName(consumer));
  const capacity = settings.table.capacity;
  const archive = settings.archive;

  const network: RecordedResourceLike[] = [
    resource(TYPES.awsxVpc, "network", {
      cidrBlock: settings.network.cidrBlock,
      numberOfAvailabilityZones: settings.network.availabilityZoneCount,
      natGateways: { strategy: "None" },
      subnetSpecs: [{ type: "Isolated", cidrMask: settings.network.subnetCidrMask }],
      vpcEndpointSpecs: ["s3", "dynamodb"].map((service) => ({
        serviceName: `com.amazonaws.${REGION}.${service}`,
        vpcEndpointType: "Gateway",
        tags: tags("vpc"),
      })),
      tags: tags("vpc"),
    }),
    resource(TYPES.securityGroup, "functions-sg", {
      name: nameOf(environment, "security-group", "functions"),
      vpcId: "vpc-0a",
      tags: tags("functions"),
    }),
  ];

  const table: RecordedResourceLike[] = [
    resource(
      TYPES.table,
      "table",
      {
        name: tableName,
        hashKey: "pk",
        rangeKey: "sk",
        ...(capacity.mode === "on-demand"
          ? {
              billingMode: "PAY_PER_REQUEST",
              onDemandThroughput: {
                maxReadRequestUnits: capacity.maxReadRequestUnits,
                maxWriteRequestUnits: capacity.maxWriteRequestUnits,
              },
            }
          : {
              billingMode: "PROVISIONED",
              readCapacity: capacity.readCapacityUnits,
              writeCapacity: capacity.writeCapacityUnits,
            }),
        pointInTimeRecovery: { enabled: settings.table.pointInTimeRecovery },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: false,
        ttl: { attributeName: "expiresAt", enabled: true },
        tags: tags("market-analytics"),
      },
      {
        state: { arn: tableArn },
        options:
          capacity.mode === "provisioned"
            ? { ignoreChanges: ["readCapacity", "writeCapacity"] }
            : {},
      },
    ),
  ];
  if (capacity.mode === "provisioned") {
    for (const [direction, base, max] of [
      ["Read", capacity.readCapacityUnits, capacity.maxReadCapacityUnits],
      ["Write", capacity.writeCapacityUnits, capacity.maxWriteCapacityUnits],
    ] as const) {
      const dimension = `dynamodb:table:${direction}CapacityUnits`;
      table.push(
        resource(TYPES.scalingTarget, `table-${direction.toLowerCase()}-target`, {
          serviceNamespace: "dynamodb",
          resourceId: `table/${tableName}`,
          scalableDimension: dimension,
          minCapacity: base,
          maxCapacity: max,
          tags: tags("market-analytics"),
        }),
        resource(TYPES.scalingPolicy, `table-${direction.toLowerCase()}-policy`, {
          name: `${tableName}-${direction.toLowerCase()}`,
          policyType: "TargetTrackingScaling",
          serviceNamespace: "dynamodb",
          resourceId: `table/${tableName}`,
          scalableDimension: dimension,
          targetTrackingScalingPolicyConfiguration: {
            targetValue: capacity.targetUtilizationPercent,
            predefinedMetricSpecification: {
              predefinedMetricType: `DynamoDB${direction}CapacityUtilization`,
            },
          },
        }),
      );
    }
  }

  const bucket: RecordedResourceLike[] = [
    resource(
      TYPES.bucket,
      "archive",
      { bucket: bucketName, forceDestroy: true, tags: tags("market-archive") },
      { id: bucketName, state: { arn: bucketArn } },
    ),
    resource(TYPES.bucketOwnershipControls, "archive-ownership", {
      bucket: bucketName,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    }),
    resource(TYPES.bucketPublicAccessBlock, "archive-public-access", {
      bucket: bucketName,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }),
    resource(TYPES.bucketEncryption, "archive-encryption", {
      bucket: bucketName,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    }),
    resource(TYPES.bucketPolicy, "archive-policy", {
      bucket: bucketName,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    }),
    resource(TYPES.bucketLifecycle, "archive-lifecycle", {
      bucket: bucketName,
      rules: [
        {
          id: "raw-data",
          status: "Enabled",
          filter: { prefix: "raw/" },
          transitions: archive.transitions.map((transition) => ({
            days: transition.afterDays,
            storageClass: transition.storageClass,
          })),
          ...(archive.expireAfterDays === undefined
            ? {}
            : { expiration: { days: archive.expireAfterDays } }),
          ...(archive.noncurrentVersionExpireAfterDays === undefined
            ? {}
            : {
                noncurrentVersionExpiration: {
                  noncurrentDays: archive.noncurrentVersionExpireAfterDays,
                },
              }),
        },
      ],
    }),
    ...(archive.versioning
      ? [
          resource(TYPES.bucketVersioning, "archive-versioning", {
            bucket: bucketName,
            versioningConfiguration: { status: "Enabled" },
          }),
        ]
      : []),
  ];

  const ingestion: RecordedResourceLike[] = [
    resource(
      TYPES.stream,
      "stream",
      {
        name: streamName,
        shardCount: settings.stream.shardCount,
        retentionPeriod: settings.stream.retentionHours,
        streamModeDetails: { streamMode: "PROVISIONED" },
        encryptionType: "KMS",
        kmsKeyId: "alias/aws/kinesis",
        tags: tags("market-data"),
      },
      { state: { arn: streamArn } },
    ),
    ...["market-processor", "market-archiver"].map((consumer) =>
      resource(
        TYPES.queue,
        `${consumer}-dlq`,
        {
          name: dlqName(consumer),
          messageRetentionSeconds: settings.queues.dlqRetentionSeconds,
          sqsManagedSseEnabled: true,
          tags: tags(`${consumer}-dlq`),
        },
        { state: { arn: dlqArn(consumer) } },
      ),
    ),
    resource(TYPES.topic, "alarms", {
      name: nameOf(environment, "sns-topic", "alarms"),
      tags: tags("alarms"),
    }),
  ];

  const consumers = ["market-processor", "market-archiver"].flatMap((consumer) => [
    ...functionResources(environment, consumer, settings.lambda.streamConsumerReservedConcurrency, [
      {
        Sid: "ReadStream",
        Effect: "Allow",
        Action: [
          "kinesis:DescribeStream",
          "kinesis:DescribeStreamSummary",
          "kinesis:GetRecords",
          "kinesis:GetShardIterator",
          "kinesis:ListShards",
        ],
        Resource: streamArn,
      },
      {
        Sid: "SendFailedBatchesToDeadLetterQueue",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: dlqArn(consumer),
      },
      consumer === "market-processor"
        ? {
            Sid: "ReadWriteBars",
            Effect: "Allow",
            Action: ["dynamodb:BatchGetItem", "dynamodb:PutItem"],
            Resource: tableArn,
          }
        : {
            Sid: "WriteRawArchive",
            Effect: "Allow",
            Action: ["s3:PutObject"],
            Resource: `${bucketArn}/raw/*`,
          },
    ]),
    resource(TYPES.eventSourceMapping, `${consumer}-mapping`, {
      eventSourceArn: streamArn,
      functionName: nameOf(environment, "lambda-function", consumer),
      startingPosition: "LATEST",
      batchSize: settings.lambda.batchSize,
      parallelizationFactor: settings.lambda.parallelizationFactor,
      functionResponseTypes: ["ReportBatchItemFailures"],
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 3,
      maximumRecordAgeInSeconds: 3600,
      destinationConfig: { onFailure: { destinationArn: dlqArn(consumer) } },
      tags: tags(consumer),
    }),
    resource(TYPES.metricAlarm, `${consumer}-errors`, {
      name: nameOf(environment, "cloudwatch-alarm", `${consumer}-errors`),
      metricName: "Errors",
      namespace: "AWS/Lambda",
      tags: tags(consumer),
    }),
  ]);

  const api: RecordedResourceLike[] = [
    ...functionResources(environment, "analytics-api", settings.lambda.apiReservedConcurrency, [
      {
        Sid: "ReadBars",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:Query"],
        Resource: tableArn,
      },
    ]),
    resource(TYPES.functionUrl, "analytics-api-url", {
      functionName: nameOf(environment, "lambda-function", "analytics-api"),
      authorizationType: "AWS_IAM",
    }),
  ];

  // Dashboards take no tags; only their name is checked.
  const dashboard = resource(TYPES.dashboard, "dashboard", {
    dashboardName: nameOf(environment, "cloudwatch-dashboard", "market-dashboard"),
    dashboardBody: JSON.stringify({ widgets: [] }),
  });

  return [...network, ...table, ...bucket, ...ingestion, ...consumers, ...api, dashboard];
}

/** A copy of the stack with one resource's inputs (and state) changed by `change`. */
export function withResource(
  resources: readonly RecordedResourceLike[],
  name: string,
  change: (inputs: Record<string, unknown>) => Record<string, unknown>,
): RecordedResourceLike[] {
  if (!resources.some((candidate) => candidate.name === name)) {
    throw new Error(`The fixture has no resource named "${name}".`);
  }
  return resources.map((candidate) => {
    if (candidate.name !== name) {
      return candidate;
    }
    const inputs = change(structuredClone({ ...candidate.inputs }));
    const computed = Object.entries(candidate.state ?? {}).filter(
      ([key]) => !(key in candidate.inputs),
    );
    return { ...candidate, inputs, state: { ...Object.fromEntries(computed), ...inputs } };
  });
}

/** A copy of the stack with one resource's options replaced. */
export function withOptions(
  resources: readonly RecordedResourceLike[],
  name: string,
  options: NonNullable<RecordedResourceLike["options"]>,
): RecordedResourceLike[] {
  if (!resources.some((candidate) => candidate.name === name)) {
    throw new Error(`The fixture has no resource named "${name}".`);
  }
  return resources.map((candidate) =>
    candidate.name === name ? { ...candidate, options } : candidate,
  );
}

/** A copy of the stack without the named resources. */
export function without(
  resources: readonly RecordedResourceLike[],
  ...names: readonly string[]
): RecordedResourceLike[] {
  for (const name of names) {
    if (!resources.some((candidate) => candidate.name === name)) {
      throw new Error(`The fixture has no resource named "${name}".`);
    }
  }
  return resources.filter((candidate) => !names.includes(candidate.name));
}

/** A copy of `inputs` without `key`, for tests that unset an input. */
export function omit(inputs: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).filter(([candidate]) => candidate !== key));
}
