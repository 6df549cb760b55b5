import {
  deployPolicies,
  workloadBoundaryPolicy,
  type PermissionScope,
} from "../../bootstrap/permissions";
import { environmentBackend } from "../../environments/backends";
import {
  EXPECTED_SERVICES,
  EXPECTED_STREAM_CONSUMERS,
  expectedBoundaryArn,
  expectedComputeNames,
  expectedEventSourceMapping,
  expectedFunction,
  expectedParallelizationFactor,
  expectedRedriveCommand,
  expectedFunctionAlarms,
  expectedFunctionUrl,
  expectedLogGroup,
  expectedPolicyDocument,
  expectedRole,
  expectedRolePolicy,
  expectedStreamConsumer,
  expectedTrustPolicy,
  type ComputeSurroundings,
  type ExpectedService,
  type ExpectedStreamConsumer,
} from "./compute/expected-compute";
import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentName,
} from "../../modules/config/settings";
import type { ProgramResult, RecordedResource } from "../../scripts/plan/mock-runtime";
import { MOCK_ACCOUNT_ID } from "../../scripts/plan/mock-runtime-aws";
import { EXPECTED, EXPECTED_TAGGABLE_TYPES } from "./environment-expectations";
import { recordedEnvironmentProgram } from "./environment-recording";
import { runEnvironmentProgram } from "../../scripts/plan/mock-runtime-environments";
import { allows, grantedPairs, type EvaluatedDocument } from "./iam-evaluation";
import { acceptsInput, acceptsTags, physicalNameInput } from "./provider-schema";

const REGION = "us-east-1";
const SUFFIX = "a1";
const ACCOUNT = MOCK_ACCOUNT_ID;
/** The creation timestamp `scripts/plan/mock-runtime-aws.ts` puts in a stream consumer's ARN. */
const MOCK_CONSUMER_TIMESTAMP = "1700000000";

/** Prefixes a physical name may carry before `{env}-...`: flow-log and function log groups, KMS aliases. */
const NAME_PREFIXES = ["/vpc/flow-logs/", "/aws/lambda/", "alias/"];

const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";

/** The input holding a resource's physical name: a dashboard has `dashboardName`, not `name`. */
export function nameInputOf(type: string): string | undefined {
  return type === DASHBOARD ? "dashboardName" : physicalNameInput(type);
}

export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
  return resources
    .filter((resource) => resource.type === type)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The one resource of a type; fails when there is not exactly one. */
export function single(resources: readonly RecordedResource[], type: string): RecordedResource {
  const found = ofType(resources, type);
  if (found.length !== 1) {
    throw new Error(`Expected exactly one ${type}, found ${found.length}`);
  }
  return found[0];
}

/** A resource by type and logical name. */
export function named(
  resources: readonly RecordedResource[],
  type: string,
  name: string,
): RecordedResource {
  const found = resources.filter((resource) => resource.type === type && resource.name === name);
  if (found.length !== 1) {
    throw new Error(`Expected exactly one ${type} named ${name}, found ${found.length}`);
  }
  return found[0];
}

/** A resource by type and physical name (the input `nameInputOf` names). */
export function withPhysicalName(
  resources: readonly RecordedResource[],
  type: string,
  physical: string,
): RecordedResource {
  const property = nameInputOf(type);
  const found = resources.filter(
    (resource) =>
      resource.type === type && property !== undefined && resource.inputs[property] === physical,
  );
  if (found.length !== 1) {
    throw new Error(
      `Expected exactly one ${type} with physical name ${physical}, found ${found.length}`,
    );
  }
  return found[0];
}

/** The physical names of every resource of a type, sorted. */
export function physicalNamesOf(resources: readonly RecordedResource[], type: string): string[] {
  const property = nameInputOf(type);
  if (property === undefined) {
    throw new Error(`${type} has no physical name`);
  }
  return ofType(resources, type)
    .map((resource) => String(resource.inputs[property]))
    .sort();
}

/** Parses a JSON policy input. */
export function json(value: unknown): unknown {
  if (typeof value !== "string") {
    throw new Error(`Expected a JSON string, got ${typeof value}`);
  }
  return JSON.parse(value) as unknown;
}

/** Every key/value pair anywhere in a value. */
function entries(value: unknown): [string, unknown][] {
  if (Array.isArray(value)) {
    return value.flatMap(entries);
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, inner]) => [
      [key, inner] as [string, unknown],
      ...entries(inner),
    ]);
  }
  return [];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** The pattern every physical name of an environment matches. */
export function physicalNamePattern(environment: EnvironmentName, suffix = SUFFIX): RegExp {
  const prefixes = NAME_PREFIXES.map(escape).join("|");
  return new RegExp(
    `^(?:${prefixes})?${environment}-[a-z0-9]+(?:-[a-z0-9]+)*-us-east-1-${suffix}$`,
  );
}

/** Every physical name of the environment, as it must be deployed. */
export function expectedPhysicalNames(environment: EnvironmentName, suffix = SUFFIX): string[] {
  const name = (service: string) => `${environment}-${service}-${REGION}-${suffix}`;
  const names = [
    name("functions"),
    name("market-analytics"),
    name("market-archive"),
    name("market-data"),
    name("market-processor-dlq"),
    name("market-archiver-dlq"),
    name("alarms"),
    name("market-analytics-read-throttles"),
    name("market-analytics-write-throttles"),
    name("market-processor-dlq-depth"),
    name("market-archiver-dlq-depth"),
    name("market-dashboard"),
    ...expectedComputeNames({ environment, suffix }),
  ];
  if (environment === "production") {
    names.push(
      `/vpc/flow-logs/${name("vpc")}`,
      name("vpc-flow-logs"),
      name("vpc-flow-logs"),
      name("market-analytics-read-scaling"),
      name("market-analytics-write-scaling"),
    );
  }
  return names.sort();
}

/** The parts of a CloudWatch dashboard body the tests read. */
interface DashboardJson {
  readonly widgets: readonly {
    readonly type: string;
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
    readonly properties: {
      readonly title?: string;
      readonly metrics: readonly (readonly unknown[])[];
      readonly annotations?: unknown;
      readonly [key: string]: unknown;
    };
  }[];
}

/** One graph of the dashboard, as the tests expect it. */
interface ExpectedGraph {
  readonly title: string;
  readonly metrics: readonly (readonly unknown[])[];
  readonly annotations?: unknown;
}

function standardTags(environment: EnvironmentName, service: string): Record<string, string> {
  return {
    Environment: environment,
    ManagedBy: "pulumi",
    Project: "trading-analytics",
    Service: service,
  };
}

function denyInsecureTransport(action: string, resource: unknown): unknown {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: action,
        Resource: resource,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/**
 * Runs `environments/<env>/index.ts` under the mocks once and asserts every rule of the platform
 * for that environment with exact values. Call once per test file (one stack per module registry).
 */
export function describeEnvironment(environment: EnvironmentName): void {
  const expected = EXPECTED[environment];
  const tags = (service: string) => standardTags(environment, service);
  const name = (service: string) => `${environment}-${service}-${REGION}-${SUFFIX}`;

  describe(`environments/${environment}`, () => {
    let run: ProgramResult;
    let resources: RecordedResource[];

    beforeAll(async () => {
      run = await recordedEnvironmentProgram(environment, runEnvironmentProgram);
      resources = run.resources;
    });

    const streamArn = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name("market-data")}`;
    /** What the compute layer must be wired to: this environment's names, and the ids the mocks gave. */
    const surroundings = (): ComputeSurroundings => ({
      environment,
      suffix: SUFFIX,
      accountId: ACCOUNT,
      streamArn,
      consumerArn: `${streamArn}/consumer/${name("market-processor-consumer")}:${MOCK_CONSUMER_TIMESTAMP}`,
      tableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name("market-analytics")}`,
      tableName: name("market-analytics"),
      bucketArn: `arn:aws:s3:::${name("market-archive")}`,
      bucketName: name("market-archive"),
      processorDeadLetterQueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name("market-processor-dlq")}`,
      archiverDeadLetterQueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name("market-archiver-dlq")}`,
      privateSubnetIds: single(resources, "awsx:ec2:Vpc").state.isolatedSubnetIds as string[],
      securityGroupId: String(single(resources, "aws:ec2/securityGroup:SecurityGroup").id),
      alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:${name("alarms")}`,
    });
    const lambda = (service: ExpectedService) =>
      withPhysicalName(resources, "aws:lambda/function:Function", name(service));
    const mapping = (service: ExpectedStreamConsumer) =>
      named(
        resources,
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        `${environment}-functions-${service}-mapping`,
      );
    const rolePolicy = (service: ExpectedService) =>
      withPhysicalName(resources, "aws:iam/rolePolicy:RolePolicy", name(`${service}-role`));
    const queue = (service: ExpectedStreamConsumer) =>
      withPhysicalName(resources, "aws:sqs/queue:Queue", name(`${service}-dlq`));

    describe("inventory", () => {
      test("registers exactly the expected resources", () => {
        const counts: Record<string, number> = {};
        for (const resource of resources) {
          counts[resource.type] = (counts[resource.type] ?? 0) + 1;
        }
        expect(counts).toEqual(expected.resourceCounts);
      });

      test("every registration got a URN, and URNs are unique", () => {
        const urns = resources.map((resource) => resource.urn);
        expect(
          urns.every(
            (urn) =>
              typeof urn === "string" &&
              urn.startsWith(`urn:pulumi:${environment}::trading-analytics-${environment}::`),
          ),
        ).toBe(true);
        expect(new Set(urns).size).toBe(resources.length);
      });

      test("asks AWS for the account once, so every component shares the same account id", () => {
        expect(
          run.invokes
            .map((invoke) => invoke.token)
            .filter((token) => token === "aws:index/getCallerIdentity:getCallerIdentity"),
        ).toEqual(["aws:index/getCallerIdentity:getCallerIdentity"]);
      });

      test("every resource but the stack itself has a parent, so the tree is one stack", () => {
        const stack = single(resources, "trading:stack:TradingStack");
        expect(stack.name).toBe(environment);
        expect(stack.options.parent).toBeUndefined();
        const urns = new Set(resources.map((resource) => resource.urn));
        for (const resource of resources.filter((r) => r !== stack)) {
          expect(urns.has(resource.options.parent)).toBe(true);
        }
      });
    });

    describe("outputs", () => {
      test("are all present and wired to the resources that produce them", () => {
        const vpc = single(resources, "awsx:ec2:Vpc");
        const securityGroup = single(resources, "aws:ec2/securityGroup:SecurityGroup");
        expect(run.outputs).toEqual({
          vpcId: vpc.state.vpcId,
          privateSubnetIds: vpc.state.isolatedSubnetIds,
          functionSecurityGroupId: securityGroup.id,
          tableName: name("market-analytics"),
          tableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name("market-analytics")}`,
          bucketName: name("market-archive"),
          bucketArn: `arn:aws:s3:::${name("market-archive")}`,
          streamName: name("market-data"),
          streamArn: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name("market-data")}`,
          dlqUrls: {
            marketProcessor: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name("market-processor-dlq")}`,
            marketArchiver: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name("market-archiver-dlq")}`,
          },
          dlqArns: {
            marketProcessor: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name("market-processor-dlq")}`,
            marketArchiver: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name("market-archiver-dlq")}`,
          },
          alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:${name("alarms")}`,
          functionNames: {
            "market-processor": name("market-processor"),
            "market-archiver": name("market-archiver"),
            "analytics-api": name("analytics-api"),
          },
          analyticsApiUrl: single(resources, "aws:lambda/functionUrl:FunctionUrl").state
            .functionUrl,
          dashboardUrl: `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/${name("market-dashboard")}`,
        });
        expect(run.outputs.analyticsApiUrl).toMatch(
          /^https:\/\/[0-9a-f]{32}\.lambda-url\.us-east-1\.on\.aws\/$/,
        );
        expect(run.outputs.vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
        expect(run.outputs.privateSubnetIds).toHaveLength(expected.vpc.zones);
        expect(run.outputs.functionSecurityGroupId).toMatch(/^sg-[0-9a-f]{17}$/);
      });
    });

    describe("network", () => {
      test("the VPC: environment CIDR and zones, isolated subnets only, no NAT, S3 and DynamoDB gateway endpoints", () => {
        const vpc = single(resources, "awsx:ec2:Vpc");
        expect(vpc.inputs).toEqual({
          cidrBlock: expected.vpc.cidrBlock,
          numberOfAvailabilityZones: expected.vpc.zones,
          subnetStrategy: "Auto",
          subnetSpecs: [
            { type: "Isolated", cidrMask: expected.vpc.subnetCidrMask, tags: tags("vpc") },
          ],
          natGateways: { strategy: "None" },
          enableDnsHostnames: true,
          enableDnsSupport: true,
          vpcEndpointStrategy: "Auto",
          vpcEndpointSpecs: [
            {
              serviceName: "com.amazonaws.us-east-1.s3",
              vpcEndpointType: "Gateway",
              tags: tags("vpc"),
            },
            {
              serviceName: "com.amazonaws.us-east-1.dynamodb",
              vpcEndpointType: "Gateway",
              tags: tags("vpc"),
            },
          ],
          tags: tags("vpc"),
        });
        expect(vpc.state.publicSubnetIds).toEqual([]);
        expect(vpc.state.privateSubnetIds).toEqual([]);
      });

      test("the functions' security group: in the VPC, no ingress, HTTPS egress to the two prefix lists only", () => {
        const vpc = single(resources, "awsx:ec2:Vpc");
        const group = single(resources, "aws:ec2/securityGroup:SecurityGroup");
        expect(group.inputs).toEqual({
          name: name("functions"),
          description:
            "Trading analytics functions: no ingress, HTTPS egress to S3 and DynamoDB only",
          vpcId: vpc.state.vpcId,
          tags: tags("vpc"),
        });
        expect(
          ofType(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map(
            (rule) => rule.inputs,
          ),
        ).toEqual([
          {
            securityGroupId: group.id,
            description: "HTTPS to dynamodb through its gateway endpoint",
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            prefixListId: "pl-02cd2c6b",
            tags: tags("vpc"),
          },
          {
            securityGroupId: group.id,
            description: "HTTPS to s3 through its gateway endpoint",
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            prefixListId: "pl-63a5400a",
            tags: tags("vpc"),
          },
        ]);
        const ingressTypes = resources.filter((r) => /ingress|securityGroupRule:/i.test(r.type));
        expect(ingressTypes).toEqual([]);
      });

      test(
        expected.flowLogRetentionDays === undefined
          ? "records no flow logs"
          : "records all traffic into a log group, delivered by a role only the flow-logs service of this account can assume",
        () => {
          const flowLogs = ofType(resources, "aws:ec2/flowLog:FlowLog");
          const logGroupName = `/vpc/flow-logs/${name("vpc")}`;
          if (expected.flowLogRetentionDays === undefined) {
            expect(flowLogs).toEqual([]);
            expect(ofType(resources, "trading:network:VpcFlowLogs")).toEqual([]);
            // The functions' log groups and roles are theirs alone (see "compute"); none is for flow logs.
            const flowLogNamed = (type: string) =>
              physicalNamesOf(resources, type).filter(
                (physical) => physical.startsWith("/vpc/") || physical.includes(`-vpc-flow-logs-`),
              );
            expect(flowLogNamed("aws:cloudwatch/logGroup:LogGroup")).toEqual([]);
            expect(flowLogNamed("aws:iam/role:Role")).toEqual([]);
            expect(flowLogNamed("aws:iam/rolePolicy:RolePolicy")).toEqual([]);
            return;
          }
          const vpc = single(resources, "awsx:ec2:Vpc");
          const logGroup = withPhysicalName(
            resources,
            "aws:cloudwatch/logGroup:LogGroup",
            logGroupName,
          );
          const role = withPhysicalName(resources, "aws:iam/role:Role", name("vpc-flow-logs"));
          const policy = withPhysicalName(
            resources,
            "aws:iam/rolePolicy:RolePolicy",
            name("vpc-flow-logs"),
          );
          const logGroupArn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroupName}`;
          expect(logGroup.inputs).toEqual({
            name: logGroupName,
            retentionInDays: expected.flowLogRetentionDays,
            tags: tags("vpc"),
          });
          expect(role.inputs).toEqual({
            name: name("vpc-flow-logs"),
            path: `/trading-analytics/${environment}/`,
            description: "Delivers this environment's VPC flow logs to CloudWatch Logs",
            assumeRolePolicy: expect.any(String) as unknown,
            permissionsBoundary: expectedBoundaryArn(environment, ACCOUNT),
            tags: tags("vpc"),
          });
          expect(json(role.inputs.assumeRolePolicy)).toEqual({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "FlowLogsServiceForThisAccount",
                Effect: "Allow",
                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                  StringEquals: { "aws:SourceAccount": ACCOUNT },
                  ArnLike: { "aws:SourceArn": `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc-flow-log/*` },
                },
              },
            ],
          });
          expect(policy.inputs.name).toBe(name("vpc-flow-logs"));
          expect(policy.inputs.role).toBe(name("vpc-flow-logs"));
          expect(json(policy.inputs.policy)).toEqual({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "WriteFlowLogRecords",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: [logGroupArn, `${logGroupArn}:log-stream:*`],
              },
              {
                Sid: "FindLogGroups",
                Effect: "Allow",
                Action: ["logs:DescribeLogGroups"],
                Resource: "*",
              },
            ],
          });
          const [flowLog] = flowLogs;
          expect(flowLogs).toHaveLength(1);
          expect(flowLog.inputs).toEqual({
            vpcId: vpc.state.vpcId,
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
            logDestination: logGroupArn,
            iamRoleArn: `arn:aws:iam::${ACCOUNT}:role/${name("vpc-flow-logs")}`,
            maxAggregationInterval: 60,
            tags: tags("vpc"),
          });
          expect(flowLog.options.dependsOn).toContain(policy.urn);
        },
      );
    });

    describe("storage", () => {
      test("the analytics table: pk/sk strings, TTL on expiresAt, encrypted, PITR and capacity per environment", () => {
        const table = single(resources, "aws:dynamodb/table:Table");
        const capacity =
          expected.table.billingMode === "PAY_PER_REQUEST"
            ? {
                billingMode: "PAY_PER_REQUEST",
                onDemandThroughput: {
                  maxReadRequestUnits: expected.table.maxRead,
                  maxWriteRequestUnits: expected.table.maxWrite,
                },
              }
            : {
                billingMode: "PROVISIONED",
                readCapacity: expected.table.read,
                writeCapacity: expected.table.write,
              };
        expect(table.inputs).toEqual({
          name: name("market-analytics"),
          hashKey: "pk",
          rangeKey: "sk",
          attributes: [
            { name: "pk", type: "S" },
            { name: "sk", type: "S" },
          ],
          ttl: { attributeName: "expiresAt", enabled: true },
          serverSideEncryption: { enabled: true },
          pointInTimeRecovery: { enabled: expected.pointInTimeRecovery },
          deletionProtectionEnabled: false,
          ...capacity,
          tags: tags("market-analytics"),
        });
        expect(table.options.ignoreChanges).toEqual(
          expected.table.billingMode === "PROVISIONED" ? ["readCapacity", "writeCapacity"] : [],
        );
      });

      test(
        expected.table.billingMode === "PROVISIONED"
          ? "auto scaling: read and write targets from base to maximum, target tracking at 70%"
          : "no auto scaling on an on-demand table",
        () => {
          const targets = ofType(resources, "aws:appautoscaling/target:Target");
          const policies = ofType(resources, "aws:appautoscaling/policy:Policy");
          const capacity = expected.table;
          if (capacity.billingMode !== "PROVISIONED") {
            expect(targets).toEqual([]);
            expect(policies).toEqual([]);
            return;
          }
          const resourceId = `table/${name("market-analytics")}`;
          expect(targets.map((target) => target.inputs)).toEqual([
            {
              serviceNamespace: "dynamodb",
              resourceId,
              scalableDimension: "dynamodb:table:ReadCapacityUnits",
              minCapacity: capacity.read,
              maxCapacity: capacity.maxRead,
              tags: tags("market-analytics"),
            },
            {
              serviceNamespace: "dynamodb",
              resourceId,
              scalableDimension: "dynamodb:table:WriteCapacityUnits",
              minCapacity: capacity.write,
              maxCapacity: capacity.maxWrite,
              tags: tags("market-analytics"),
            },
          ]);
          expect(policies.map((policy) => policy.inputs)).toEqual(
            (["Read", "Write"] as const).map((unit) => ({
              name: name(`market-analytics-${unit.toLowerCase()}-scaling`),
              policyType: "TargetTrackingScaling",
              serviceNamespace: "dynamodb",
              resourceId,
              scalableDimension: `dynamodb:table:${unit}CapacityUnits`,
              targetTrackingScalingPolicyConfiguration: {
                predefinedMetricSpecification: {
                  predefinedMetricType: `DynamoDB${unit}CapacityUtilization`,
                },
                targetValue: capacity.targetPercent,
              },
            })),
          );
        },
      );

      test("the archive bucket: named, emptied on destroy, tagged", () => {
        expect(single(resources, "aws:s3/bucket:Bucket").inputs).toEqual({
          bucket: name("market-archive"),
          forceDestroy: true,
          tags: tags("market-archive"),
        });
      });

      test("the archive is private: all four public-access blocks, ACLs off, TLS only", () => {
        const bucket = name("market-archive");
        const arn = `arn:aws:s3:::${bucket}`;
        const publicAccess = single(
          resources,
          "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        );
        expect(publicAccess.inputs).toEqual({
          bucket,
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
        expect(
          single(resources, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs,
        ).toEqual({
          bucket,
          rule: { objectOwnership: "BucketOwnerEnforced" },
        });
        const policy = single(resources, "aws:s3/bucketPolicy:BucketPolicy");
        expect(policy.inputs.bucket).toBe(bucket);
        expect(json(policy.inputs.policy)).toEqual(
          denyInsecureTransport("s3:*", [arn, `${arn}/*`]),
        );
        expect(policy.options.dependsOn).toContain(publicAccess.urn);
      });

      test("the archive is encrypted by default with SSE-KMS and a bucket key", () => {
        expect(
          single(
            resources,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          ).inputs,
        ).toEqual({
          bucket: name("market-archive"),
          rules: [
            {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" },
              bucketKeyEnabled: true,
            },
          ],
        });
      });

      test(expected.versioning ? "versioning is enabled" : "versioning is not configured", () => {
        const versioning = ofType(resources, "aws:s3/bucketVersioning:BucketVersioning");
        expect(versioning.map((v) => v.inputs)).toEqual(
          expected.versioning
            ? [{ bucket: name("market-archive"), versioningConfiguration: { status: "Enabled" } }]
            : [],
        );
      });

      test("lifecycle rules are exactly the environment's, and objects under 128 KB never transition", () => {
        const type = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
        const lifecycle = single(resources, type);
        expect(lifecycle.inputs).toEqual({
          bucket: name("market-archive"),
          rules: expected.lifecycleRules,
          transitionDefaultMinimumObjectSize: "all_storage_classes_128K",
        });
        expect(acceptsInput(type, "transitionDefaultMinimumObjectSize")).toBe(true);
        const versioning = ofType(resources, "aws:s3/bucketVersioning:BucketVersioning");
        for (const v of versioning) {
          expect(lifecycle.options.dependsOn).toContain(v.urn);
        }
      });
    });

    describe("ingestion", () => {
      test(`the market-data stream: provisioned shards per environment, KMS-encrypted, ${expected.streamRetentionHours} h retention`, () => {
        expect(single(resources, "aws:kinesis/stream:Stream").inputs).toEqual({
          name: name("market-data"),
          streamModeDetails: { streamMode: "PROVISIONED" },
          shardCount: expected.shardCount,
          retentionPeriod: expected.streamRetentionHours,
          encryptionType: "KMS",
          kmsKeyId: "alias/aws/kinesis",
          shardLevelMetrics: [
            "IncomingRecords",
            "IteratorAgeMilliseconds",
            "ReadProvisionedThroughputExceeded",
            "WriteProvisionedThroughputExceeded",
          ],
          enforceConsumerDeletion: true,
          tags: tags("market-data"),
        });
      });

      test.each(["market-processor", "market-archiver"])(
        "the %s dead-letter queue: encrypted, 14-day retention, TLS only",
        (consumer) => {
          const service = `${consumer}-dlq`;
          const queue = named(resources, "aws:sqs/queue:Queue", `${environment}-${service}`);
          expect(queue.inputs).toEqual({
            name: name(service),
            messageRetentionSeconds: expected.dlqRetentionSeconds,
            sqsManagedSseEnabled: true,
            tags: tags(service),
          });
          const policy = named(
            resources,
            "aws:sqs/queuePolicy:QueuePolicy",
            `${environment}-${service}-policy`,
          );
          expect(policy.inputs.queueUrl).toBe(
            `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name(service)}`,
          );
          expect(json(policy.inputs.policy)).toEqual(
            denyInsecureTransport("sqs:*", `arn:aws:sqs:${REGION}:${ACCOUNT}:${name(service)}`),
          );
        },
      );
    });

    describe("never lost", () => {
      test("each dead-letter queue keeps a parked batch's pointer at least as long as the stream keeps its records", () => {
        const streamSeconds =
          (single(resources, "aws:kinesis/stream:Stream").inputs.retentionPeriod as number) * 3600;
        const queues = ofType(resources, "aws:sqs/queue:Queue").map((queue) => ({
          queue: queue.inputs.name,
          keepsStreamRetention: (queue.inputs.messageRetentionSeconds as number) >= streamSeconds,
        }));
        expect(queues).toHaveLength(2);
        expect(queues).toEqual(
          queues.map((queue) => ({ queue: queue.queue, keepsStreamRetention: true })),
        );
      });

      test("each mapping parks a failing batch while the stream still holds its records, and only after long retries", () => {
        const streamSeconds =
          (single(resources, "aws:kinesis/stream:Stream").inputs.retentionPeriod as number) * 3600;
        const policies = EXPECTED_STREAM_CONSUMERS.map((service) => {
          const inputs = mapping(service).inputs;
          const age = inputs.maximumRecordAgeInSeconds as number;
          return {
            service,
            maximumRetryAttempts: inputs.maximumRetryAttempts,
            maximumRecordAgeInSeconds: age,
            redriveWindowSeconds: streamSeconds - age,
          };
        });
        expect(policies).toEqual([
          {
            service: "market-processor",
            maximumRetryAttempts: 10_000,
            maximumRecordAgeInSeconds: 900,
            redriveWindowSeconds: expected.streamRetentionHours * 3600 - 900,
          },
          {
            service: "market-archiver",
            maximumRetryAttempts: 10_000,
            maximumRecordAgeInSeconds: 3600,
            redriveWindowSeconds: expected.streamRetentionHours * 3600 - 3600,
          },
        ]);
        for (const policy of policies) {
          expect(policy.redriveWindowSeconds).toBeGreaterThan(0);
        }
      });

      test.each(EXPECTED_STREAM_CONSUMERS)(
        "%s: its dead-letter depth and lag alarms name the redrive command",
        (service) => {
          const command = expectedRedriveCommand(environment, service);
          const description = (id: string) =>
            String(
              withPhysicalName(
                resources,
                "aws:cloudwatch/metricAlarm:MetricAlarm",
                name(`${service}-${id}`),
              ).inputs.alarmDescription,
            );
          expect(description("dlq-depth")).toContain(`\`${command}\``);
          expect(description("iterator-age")).toContain(`\`${command}\``);
        },
      );
    });

    describe("compute", () => {
      test.each(EXPECTED_SERVICES)(
        "%s: every input of the function, wired to this environment",
        (service) => {
          expect(lambda(service).inputs).toEqual(expectedFunction(surroundings(), service));
        },
      );

      test("every function runs in the VPC's isolated subnets, behind the functions' security group", () => {
        const vpc = single(resources, "awsx:ec2:Vpc");
        const securityGroup = single(resources, "aws:ec2/securityGroup:SecurityGroup");
        const isolated = vpc.state.isolatedSubnetIds as string[];
        expect(isolated).toHaveLength(expected.vpc.zones);
        expect(run.outputs.privateSubnetIds).toEqual(isolated);
        for (const service of EXPECTED_SERVICES) {
          const fn = lambda(service);
          expect({ service, vpcConfig: fn.inputs.vpcConfig }).toEqual({
            service,
            vpcConfig: { subnetIds: isolated, securityGroupIds: [securityGroup.id] },
          });
          // Taken from the VPC and the group themselves, not from copies of their ids.
          expect(fn.options.dependsOn).toContain(vpc.urn);
          expect(fn.options.dependsOn).toContain(securityGroup.urn);
        }
      });

      test(`every function: ${expected.compute.memoryMb} MB, arm64, nodejs24.x`, () => {
        expect(
          EXPECTED_SERVICES.map((service) => {
            const { memorySize, architectures, runtime } = lambda(service).inputs;
            return { service, memorySize, architectures, runtime };
          }),
        ).toEqual(
          EXPECTED_SERVICES.map((service) => ({
            service,
            memorySize: expected.compute.memoryMb,
            architectures: ["arm64"],
            runtime: "nodejs24.x",
          })),
        );
      });

      test("TABLE_NAME and BUCKET_NAME are this environment's table and bucket", () => {
        const table = single(resources, "aws:dynamodb/table:Table");
        const bucket = single(resources, "aws:s3/bucket:Bucket");
        expect(table.state.name).toBe(name("market-analytics"));
        expect(bucket.state.bucket).toBe(name("market-archive"));
        const variables = (service: ExpectedService) =>
          (lambda(service).inputs.environment as { variables: Record<string, string> }).variables;
        expect({
          processor: variables("market-processor").TABLE_NAME,
          archiver: variables("market-archiver").BUCKET_NAME,
          api: variables("analytics-api").TABLE_NAME,
        }).toEqual({
          processor: table.state.name,
          archiver: bucket.state.bucket,
          api: table.state.name,
        });
        expect(lambda("market-processor").options.dependsOn).toContain(table.urn);
        expect(lambda("market-archiver").options.dependsOn).toContain(bucket.urn);
        expect(lambda("analytics-api").options.dependsOn).toContain(table.urn);
      });

      test(
        `reserved concurrency: ${expected.compute.consumerConcurrency} per stream consumer, ` +
          `${expected.compute.apiConcurrency} for the API`,
        () => {
          expect(
            Object.fromEntries(
              EXPECTED_SERVICES.map((service) => [
                service,
                lambda(service).inputs.reservedConcurrentExecutions,
              ]),
            ),
          ).toEqual({
            "market-processor": expected.compute.consumerConcurrency,
            "market-archiver": expected.compute.consumerConcurrency,
            "analytics-api": expected.compute.apiConcurrency,
          });
        },
      );

      test("each stream consumer's reserved concurrency covers the stream's shards x its parallelization factor", () => {
        const shards = single(resources, "aws:kinesis/stream:Stream").inputs.shardCount as number;
        for (const service of EXPECTED_STREAM_CONSUMERS) {
          const factor = mapping(service).inputs.parallelizationFactor as number;
          const reserved = lambda(service).inputs.reservedConcurrentExecutions as number;
          expect({ service, needed: shards * factor, reserved }).toEqual({
            service,
            needed: expected.shardCount * expectedParallelizationFactor(environment, service),
            reserved: expected.compute.consumerConcurrency,
          });
          expect(reserved).toBeGreaterThanOrEqual(shards * factor);
        }
      });

      test("the processor's fan-out consumer is registered on this environment's stream", () => {
        const stream = single(resources, "aws:kinesis/stream:Stream");
        const consumer = single(resources, "aws:kinesis/streamConsumer:StreamConsumer");
        expect(consumer.inputs).toEqual(expectedStreamConsumer(surroundings()));
        expect(consumer.inputs.streamArn).toBe(stream.state.arn);
        expect(consumer.options.dependsOn).toContain(stream.urn);
      });

      test("the processor's mapping reads its fan-out consumer, the archiver's the stream; each fails over to its own DLQ", () => {
        const stream = single(resources, "aws:kinesis/stream:Stream");
        const consumer = single(resources, "aws:kinesis/streamConsumer:StreamConsumer");
        const source = { "market-processor": consumer, "market-archiver": stream };
        for (const service of EXPECTED_STREAM_CONSUMERS) {
          const inputs = mapping(service).inputs;
          expect(inputs).toEqual(expectedEventSourceMapping(surroundings(), service));
          expect({
            service,
            reads: inputs.eventSourceArn,
            invokes: inputs.functionName,
            onFailure: (inputs.destinationConfig as { onFailure: { destinationArn: string } })
              .onFailure.destinationArn,
          }).toEqual({
            service,
            reads: source[service].state.arn,
            invokes: lambda(service).state.arn,
            onFailure: queue(service).state.arn,
          });
        }
      });

      test.each(EXPECTED_SERVICES)("%s: its own role and log group", (service) => {
        const at = surroundings();
        const role = withPhysicalName(resources, "aws:iam/role:Role", name(`${service}-role`));
        expect(role.inputs).toEqual(expectedRole(at, service));
        expect(json(role.inputs.assumeRolePolicy)).toEqual(expectedTrustPolicy(at));
        expect(rolePolicy(service).inputs).toEqual(expectedRolePolicy(at, service));
        const logGroup = withPhysicalName(
          resources,
          "aws:cloudwatch/logGroup:LogGroup",
          `/aws/lambda/${name(service)}`,
        );
        expect(logGroup.inputs).toEqual(expectedLogGroup(at, service));
        expect(lambda(service).inputs.role).toBe(role.state.arn);
      });

      test.each(EXPECTED_SERVICES)(
        "%s: its policy grants exactly its access, on this environment's resources",
        (service) => {
          expect(json(rolePolicy(service).inputs.policy)).toEqual(
            expectedPolicyDocument(surroundings(), service),
          );
        },
      );

      test("every resource the policies name is one this environment registered", () => {
        const state = (type: string, physical: string) =>
          String(withPhysicalName(resources, type, physical).state.arn);
        const own = [
          ...EXPECTED_SERVICES.map(
            (service) =>
              `${state("aws:cloudwatch/logGroup:LogGroup", `/aws/lambda/${name(service)}`)}:*`,
          ),
          state("aws:kinesis/stream:Stream", name("market-data")),
          state("aws:kinesis/streamConsumer:StreamConsumer", name("market-processor-consumer")),
          state("aws:dynamodb/table:Table", name("market-analytics")),
          `${String(single(resources, "aws:s3/bucket:Bucket").state.arn)}/raw/*`,
          ...EXPECTED_STREAM_CONSUMERS.map((service) => String(queue(service).state.arn)),
        ];
        const named = EXPECTED_SERVICES.flatMap((service) =>
          (
            json(rolePolicy(service).inputs.policy) as { Statement: { Resource: string }[] }
          ).Statement.map((statement) => statement.Resource),
        ).filter((resource) => resource !== "*");
        expect([...new Set(named)].sort()).toEqual([...own].sort());
      });

      test("no policy or trust document names another environment", () => {
        const documents = [
          ...ofType(resources, "aws:iam/rolePolicy:RolePolicy").map((r) => r.inputs.policy),
          ...ofType(resources, "aws:iam/role:Role").map((r) => r.inputs.assumeRolePolicy),
        ].map(String);
        expect(documents).toHaveLength(expected.resourceCounts["aws:iam/role:Role"] * 2);
        for (const document of documents) {
          expect(document).toMatch(/^\{"Version":"2012-10-17","Statement":\[/);
          for (const other of ENVIRONMENT_NAMES.filter((e) => e !== environment)) {
            expect(document).not.toMatch(new RegExp(`(?<![A-Za-z0-9])${other}(?![A-Za-z0-9])`));
          }
          // Every named resource (not "*", not an account condition) is this environment's.
          const resourcesNamed = (
            (JSON.parse(document) as { Statement: { Resource?: unknown }[] }).Statement.flatMap(
              (statement) => statement.Resource ?? [],
            ) as string[]
          ).filter((resource) => resource !== "*");
          for (const resource of resourcesNamed) {
            expect(resource).toMatch(
              new RegExp(`[:/]${environment}-[a-z0-9-]+-${REGION}-${SUFFIX}(?:$|[:/])`),
            );
          }
        }
      });

      test(`every log group keeps ${expected.compute.logRetentionDays} days`, () => {
        const retention = ofType(resources, "aws:cloudwatch/logGroup:LogGroup").map((group) => ({
          name: group.inputs.name,
          days: group.inputs.retentionInDays,
        }));
        expect(retention.map((group) => group.name).sort()).toEqual(
          [
            ...EXPECTED_SERVICES.map((service) => `/aws/lambda/${name(service)}`),
            ...(expected.flowLogRetentionDays === undefined
              ? []
              : [`/vpc/flow-logs/${name("vpc")}`]),
          ].sort(),
        );
        for (const group of retention) {
          expect(group).toEqual({ name: group.name, days: expected.compute.logRetentionDays });
        }
      });

      test("the only roles and inline policies are the functions' (and the flow logs' where recorded)", () => {
        const flowLogs = expected.flowLogRetentionDays === undefined ? [] : [name("vpc-flow-logs")];
        const roles = [
          ...EXPECTED_SERVICES.map((service) => name(`${service}-role`)),
          ...flowLogs,
        ].sort();
        expect(physicalNamesOf(resources, "aws:iam/role:Role")).toEqual(roles);
        expect(physicalNamesOf(resources, "aws:iam/rolePolicy:RolePolicy")).toEqual(roles);
      });

      test("the analytics API's Function URL: IAM auth, on the API function, exported", () => {
        const url = single(resources, "aws:lambda/functionUrl:FunctionUrl");
        expect(url.inputs).toEqual(expectedFunctionUrl(surroundings()));
        expect(url.inputs.functionName).toBe(lambda("analytics-api").state.name);
        expect(url.options.dependsOn).toContain(lambda("analytics-api").urn);
        expect(run.outputs.analyticsApiUrl).toBe(url.state.functionUrl);
      });
    });

    describe("permissions boundary", () => {
      const boundaryArn = expectedBoundaryArn(environment, ACCOUNT);
      const others = ENVIRONMENT_NAMES.filter((other) => other !== environment);
      const FLOW_LOGS_SERVICE = "vpc-flow-logs.amazonaws.com";
      /** What the bootstrap scopes this environment's pipeline and boundary by, in the mock account. */
      const scopeOf = (env: EnvironmentName): PermissionScope => {
        const backend = environmentBackend(env, ACCOUNT);
        return {
          environment: env,
          settings: ENVIRONMENT_SETTINGS[env],
          accountId: ACCOUNT,
          region: REGION,
          stateBucketArn: backend.stateBucketArn,
          secretsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9`,
          workloadBoundaryArn: backend.workloadBoundaryPolicyArn,
          enforceWorkloadBoundary: true,
        };
      };
      const roleNames = () =>
        [
          ...EXPECTED_SERVICES.map((service) => name(`${service}-role`)),
          ...(expected.flowLogRetentionDays === undefined ? [] : [name("vpc-flow-logs")]),
        ].sort();
      const inlinePairs = () =>
        ofType(resources, "aws:iam/rolePolicy:RolePolicy").flatMap((policy) =>
          grantedPairs(json(policy.inputs.policy) as EvaluatedDocument).map((pair) => ({
            policy: String(policy.inputs.name),
            ...pair,
          })),
        );

      test(`every role carries arn:aws:iam::123456789012:policy/trading-analytics-${environment}-workload-boundary, and no role goes without`, () => {
        expect(boundaryArn).toBe(
          `arn:aws:iam::123456789012:policy/trading-analytics-${environment}-workload-boundary`,
        );
        const boundaries = ofType(resources, "aws:iam/role:Role")
          .map((role) => [String(role.inputs.name), role.inputs.permissionsBoundary])
          .sort(([a], [b]) => String(a).localeCompare(String(b)));
        expect(boundaries).toEqual(roleNames().map((role) => [role, boundaryArn]));
      });

      test("it is the boundary the bootstrap creates for this environment", () => {
        expect(environmentBackend(environment, ACCOUNT).workloadBoundaryPolicyArn).toBe(
          boundaryArn,
        );
      });

      test("the deploy role may create, change and pass each role only with this environment's boundary on it", () => {
        const compute = deployPolicies(scopeOf(environment)).compute;
        if (compute === undefined) {
          throw new Error(`The ${environment} deploy role has no compute policy`);
        }
        const outcomes = ofType(resources, "aws:iam/role:Role").map((role) => {
          const roleName = String(role.inputs.name);
          const request = (action: string, context: Record<string, string>) =>
            allows(compute, {
              action,
              resource: `arn:aws:iam::${ACCOUNT}:role${String(role.inputs.path)}${roleName}`,
              context,
            });
          const own = { "iam:PermissionsBoundary": String(role.inputs.permissionsBoundary) };
          const passedTo =
            roleName === name("vpc-flow-logs") ? FLOW_LOGS_SERVICE : "lambda.amazonaws.com";
          return {
            role: roleName,
            create: request("iam:CreateRole", own),
            putPolicy: request("iam:PutRolePolicy", own),
            deletePolicy: request("iam:DeleteRolePolicy", own),
            pass: request("iam:PassRole", { "iam:PassedToService": passedTo }),
            createWithoutBoundary: request("iam:CreateRole", {}),
            createWithOtherBoundary: others.map((other) =>
              request("iam:CreateRole", {
                "iam:PermissionsBoundary": expectedBoundaryArn(other, ACCOUNT),
              }),
            ),
          };
        });
        expect(outcomes).toEqual(
          roleNames().map((role) => ({
            role,
            create: true,
            putPolicy: true,
            deletePolicy: true,
            pass: true,
            createWithoutBoundary: false,
            createWithOtherBoundary: [false, false],
          })),
        );
      });

      test("the boundary allows every action each inline policy grants, on the resources it names", () => {
        const boundary = workloadBoundaryPolicy(scopeOf(environment));
        const pairs = inlinePairs();
        // 9 runtime pairs per function, plus its data: processor 12, archiver 7, API 1; flow logs 7.
        expect(pairs.length).toBe(expected.flowLogRetentionDays === undefined ? 47 : 54);
        expect(pairs.filter((pair) => !allows(boundary, pair))).toEqual([]);
      });

      test("another environment's boundary would deny every resource these policies name", () => {
        const named = inlinePairs().filter((pair) => pair.resource !== "*");
        expect(named.length).toBeGreaterThan(0);
        for (const other of others) {
          const boundary = workloadBoundaryPolicy(scopeOf(other));
          expect({ other, allowed: named.filter((pair) => allows(boundary, pair)) }).toEqual({
            other,
            allowed: [],
          });
        }
      });
    });

    describe("monitoring", () => {
      const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${name("alarms")}`;

      test("the alarm topic accepts publications from this account's CloudWatch alarms only", () => {
        expect(single(resources, "aws:sns/topic:Topic").inputs).toEqual({
          name: name("alarms"),
          tags: tags("alarms"),
        });
        const policy = single(resources, "aws:sns/topicPolicy:TopicPolicy");
        expect(policy.inputs.arn).toBe(topicArn);
        expect(json(policy.inputs.policy)).toEqual({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "CloudWatchAlarmsOfThisAccount",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: "sns:Publish",
              Resource: topicArn,
              Condition: {
                StringEquals: { "aws:SourceAccount": ACCOUNT },
                ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:*` },
              },
            },
          ],
        });
      });

      test("alarms: table throttles and DLQ depth above zero, and the functions' own, to the topic, notifying per environment", () => {
        const alarm = (
          service: string,
          watched: string,
          namespace: string,
          metricName: string,
          dimensions: Record<string, string>,
          statistic: string,
          description: unknown = expect.stringMatching(/\S/),
        ) => ({
          name: name(service),
          alarmDescription: description,
          namespace,
          metricName,
          dimensions,
          statistic,
          threshold: 0,
          comparisonOperator: "GreaterThanThreshold",
          period: 60,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          treatMissingData: "notBreaching",
          actionsEnabled: expected.alarmsNotify,
          alarmActions: [topicArn],
          okActions: [topicArn],
          tags: tags(watched),
        });
        const table = name("market-analytics");
        const byName = ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")
          .map((a) => a.inputs)
          .sort((a, b) => String(a.name).localeCompare(String(b.name)));
        expect(byName).toEqual(
          [
            alarm(
              "market-analytics-read-throttles",
              "market-analytics",
              "AWS/DynamoDB",
              "ReadThrottleEvents",
              { TableName: table },
              "Sum",
            ),
            alarm(
              "market-analytics-write-throttles",
              "market-analytics",
              "AWS/DynamoDB",
              "WriteThrottleEvents",
              { TableName: table },
              "Sum",
            ),
            alarm(
              "market-processor-dlq-depth",
              "market-processor-dlq",
              "AWS/SQS",
              "ApproximateNumberOfMessagesVisible",
              { QueueName: name("market-processor-dlq") },
              "Maximum",
              `A market-processor batch kept failing until its record age limit; its pointer (shard and sequence range) waits in market-processor-dlq and the bars lack its ticks. Fix the cause (the processor's errors alarm and log group, the table's throttle alarms), then run \`npm run redrive -- --env ${environment} --consumer market-processor\`: it re-reads the range from the stream while the stream keeps it, else from the raw archive, and applies it (replaying is always safe).`,
            ),
            alarm(
              "market-archiver-dlq-depth",
              "market-archiver-dlq",
              "AWS/SQS",
              "ApproximateNumberOfMessagesVisible",
              { QueueName: name("market-archiver-dlq") },
              "Maximum",
              `A market-archiver batch kept failing until its record age limit; its pointer (shard and sequence range) waits in market-archiver-dlq and the raw archive lacks its records, which only the stream still holds, until its retention (stream.retentionHours) ends. Fix the cause (the archiver's errors alarm, S3 errors in its log group), then run \`npm run redrive -- --env ${environment} --consumer market-archiver\` before then (replaying is always safe).`,
            ),
            ...expectedFunctionAlarms(surroundings()),
          ].sort((a, b) => String(a.name).localeCompare(String(b.name))),
        );
      });

      test("every alarm reports to this environment's topic, and waits for it", () => {
        const topic = single(resources, "aws:sns/topic:Topic");
        expect(topic.state.arn).toBe(topicArn);
        const alarms = ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm");
        expect(alarms).toHaveLength(
          expected.resourceCounts["aws:cloudwatch/metricAlarm:MetricAlarm"],
        );
        for (const alarm of alarms) {
          expect({
            alarm: alarm.inputs.name,
            actionsEnabled: alarm.inputs.actionsEnabled,
            alarmActions: alarm.inputs.alarmActions,
            okActions: alarm.inputs.okActions,
            waitsForTopic: alarm.options.dependsOn?.includes(String(topic.urn)),
          }).toEqual({
            alarm: alarm.inputs.name,
            actionsEnabled: expected.alarmsNotify,
            alarmActions: [topic.state.arn],
            okActions: [topic.state.arn],
            waitsForTopic: true,
          });
        }
      });
    });

    describe("dashboard", () => {
      const dashboardName = name("market-dashboard");
      const dashboard = () => single(resources, DASHBOARD);
      const widgets = () => (json(dashboard().inputs.dashboardBody) as DashboardJson).widgets;
      const graphs = () => widgets().filter((widget) => widget.type === "metric");

      /** Every graph, written out with this environment's physical names. */
      const expectedGraphs = (): ExpectedGraph[] => {
        const functions = ["market-processor", "market-archiver", "analytics-api"];
        const lambdaMetric = (service: string, metric: string, stat: string, label: string) => [
          "AWS/Lambda",
          metric,
          "FunctionName",
          name(service),
          { stat, label },
        ];
        const hidden = (id: string) => ({ id, stat: "Sum", visible: false });
        const rate = (n: number, label: string) => [
          { expression: `m${n}/PERIOD(m${n})`, label, id: `e${n}` },
        ];
        const processorCount = (metric: string, id: string) => [
          "TradingAnalytics",
          metric,
          "service",
          "market-processor",
          "environment",
          environment,
          hidden(id),
        ];
        const tableMetric = (metric: string, options: Record<string, unknown>) => [
          "AWS/DynamoDB",
          metric,
          "TableName",
          name("market-analytics"),
          options,
        ];
        return [
          {
            title: "Freshness: market-processor iterator age",
            metrics: [
              lambdaMetric("market-processor", "IteratorAge", "Maximum", "Maximum"),
              lambdaMetric("market-processor", "IteratorAge", "p99", "p99"),
            ],
            annotations: { horizontal: [{ label: "Iterator-age alarm (1,000 ms)", value: 1000 }] },
          },
          {
            title: "Ticks per second: market-processor",
            metrics: [
              rate(1, "Applied"),
              processorCount("TicksApplied", "m1"),
              rate(2, "Duplicate"),
              processorCount("DuplicateTicks", "m2"),
              rate(3, "Malformed ticks"),
              processorCount("MalformedTicks", "m3"),
              rate(4, "Malformed records"),
              processorCount("MalformedRecords", "m4"),
              rate(5, "Past retention"),
              processorCount("TicksPastRetention", "m5"),
            ],
          },
          {
            title: "Dead-letter queue depth",
            metrics: ["market-processor-dlq", "market-archiver-dlq"].map((queue) => [
              "AWS/SQS",
              "ApproximateNumberOfMessagesVisible",
              "QueueName",
              name(queue),
              { stat: "Maximum", label: queue },
            ]),
          },
          {
            title: "Function errors",
            metrics: functions.map((service) => lambdaMetric(service, "Errors", "Sum", service)),
          },
          {
            title: "Function throttles",
            metrics: functions.map((service) => lambdaMetric(service, "Throttles", "Sum", service)),
          },
          {
            title: "Bars table throttle events",
            metrics: [
              tableMetric("ReadThrottleEvents", { stat: "Sum", label: "Read" }),
              tableMetric("WriteThrottleEvents", { stat: "Sum", label: "Write" }),
            ],
          },
          {
            title: "Bars table consumed capacity",
            metrics: [
              rate(1, "Read"),
              tableMetric("ConsumedReadCapacityUnits", hidden("m1")),
              rate(2, "Write"),
              tableMetric("ConsumedWriteCapacityUnits", hidden("m2")),
            ],
          },
          {
            title: "API duration: analytics-api",
            metrics: [
              lambdaMetric("analytics-api", "Duration", "p50", "p50"),
              lambdaMetric("analytics-api", "Duration", "p99", "p99"),
            ],
          },
          {
            title: "API responses 4xx / 5xx: analytics-api",
            metrics: [
              lambdaMetric("analytics-api", "Url4xxCount", "Sum", "4xx"),
              lambdaMetric("analytics-api", "Url5xxCount", "Sum", "5xx"),
            ],
          },
        ];
      };

      test(`${name("market-dashboard")}, in the monitoring module, linked from the dashboardUrl output`, () => {
        const component = single(resources, "trading:monitoring:TradingDashboard");
        expect(dashboard().inputs).toEqual({
          dashboardName,
          dashboardBody: expect.any(String) as unknown,
        });
        expect(dashboard().options.parent).toBe(component.urn);
        expect(component.options.parent).toBe(single(resources, "trading:stack:TradingStack").urn);
        expect(run.outputs.dashboardUrl).toBe(
          `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/${dashboardName}`,
        );
      });

      test("graphs exactly the expected metrics of this environment's resources, per minute, in us-east-1", () => {
        expect(
          graphs().map((widget) => ({
            title: widget.properties.title,
            metrics: widget.properties.metrics,
            annotations: widget.properties.annotations,
          })),
        ).toEqual(expectedGraphs());
        for (const widget of graphs()) {
          expect(widget.properties).toMatchObject({
            region: "us-east-1",
            period: 60,
            view: "timeSeries",
            stacked: false,
          });
        }
        // Besides the graphs, only the note that the dashboard is managed by Pulumi.
        expect(widgets().filter((widget) => widget.type !== "metric")).toEqual([
          {
            type: "text",
            x: 0,
            y: 0,
            width: 24,
            height: 2,
            properties: {
              markdown: `## Trading analytics: ${environment}\nManaged by Pulumi (modules/monitoring/trading-dashboard.ts): changes made in the console are replaced by the next deployment.`,
            },
          },
        ]);
      });

      test("the ticks graph reads the processor's metrics as the function is configured to publish them", () => {
        const variables = (
          lambda("market-processor").inputs.environment as {
            variables: Record<string, string>;
          }
        ).variables;
        const counts = graphs()
          .flatMap((widget) => widget.properties.metrics)
          .filter((row) => typeof row[0] === "string" && !row[0].startsWith("AWS/"));
        expect(counts.map((row) => row.slice(0, 6))).toEqual(
          [
            "TicksApplied",
            "DuplicateTicks",
            "MalformedTicks",
            "MalformedRecords",
            "TicksPastRetention",
          ].map((metric) => [
            variables.POWERTOOLS_METRICS_NAMESPACE,
            metric,
            "service",
            variables.POWERTOOLS_SERVICE_NAME,
            "environment",
            variables.ENVIRONMENT,
          ]),
        );
      });

      test("every resource it graphs is one of this environment's, and it waits for each of them", () => {
        const graphed = graphs()
          .flatMap((widget) => widget.properties.metrics)
          .flatMap((row) =>
            row.flatMap((cell, index) =>
              ["FunctionName", "QueueName", "TableName"].includes(String(row[index - 1]))
                ? [`${String(row[index - 1])} ${String(cell)}`]
                : [],
            ),
          );
        expect([...new Set(graphed)].sort()).toEqual(
          [
            ...["market-processor", "market-archiver", "analytics-api"].map(
              (service) => `FunctionName ${name(service)}`,
            ),
            `QueueName ${name("market-processor-dlq")}`,
            `QueueName ${name("market-archiver-dlq")}`,
            `TableName ${name("market-analytics")}`,
          ].sort(),
        );
        const sources = [
          ...["market-processor", "market-archiver", "analytics-api"].map((service) =>
            lambda(service as ExpectedService),
          ),
          queue("market-processor"),
          queue("market-archiver"),
          single(resources, "aws:dynamodb/table:Table"),
        ];
        for (const source of sources) {
          expect({
            source: source.name,
            waits: dashboard().options.dependsOn?.includes(String(source.urn)),
          }).toEqual({
            source: source.name,
            waits: true,
          });
        }
      });

      test("names no other environment, nor any resource of another", () => {
        const body = String(dashboard().inputs.dashboardBody);
        for (const other of ENVIRONMENT_NAMES.filter((e) => e !== environment)) {
          expect(body).not.toMatch(new RegExp(`(?<![A-Za-z0-9])${other}(?![A-Za-z0-9])`));
          for (const physical of expectedPhysicalNames(other)) {
            expect(body).not.toContain(physical);
          }
        }
      });

      test("its graphs tile the 24-column grid without overlapping", () => {
        const cells = new Set<string>();
        for (const widget of widgets()) {
          expect(widget.x + widget.width).toBeLessThanOrEqual(24);
          for (let x = widget.x; x < widget.x + widget.width; x += 1) {
            for (let y = widget.y; y < widget.y + widget.height; y += 1) {
              expect(cells.has(`${x},${y}`)).toBe(false);
              cells.add(`${x},${y}`);
            }
          }
        }
      });
    });

    describe("rules for every resource", () => {
      test("every physical name is {env}-{service}-us-east-1-a1 (log groups behind a path prefix), unique per kind", () => {
        const names: string[] = [];
        for (const resource of resources) {
          const property = nameInputOf(resource.type);
          if (property === undefined) {
            continue;
          }
          const value = resource.inputs[property];
          expect({ type: resource.type, name: value }).toEqual({
            type: resource.type,
            name: expect.stringMatching(physicalNamePattern(environment)) as unknown,
          });
          names.push(String(value));
        }
        expect(names.sort()).toEqual(expectedPhysicalNames(environment));
        // AWS names are unique per kind of resource (a function and its role may share a name).
        const typedNames = resources
          .filter((r) => nameInputOf(r.type) !== undefined)
          .map((r) => `${r.type} ${String(r.inputs[nameInputOf(r.type) ?? ""])}`);
        expect(new Set(typedNames).size).toBe(typedNames.length);
      });

      test("every taggable resource carries Environment, ManagedBy, Project and Service", () => {
        const taggable = resources.filter((resource) => acceptsTags(resource.type));
        const types = [...new Set(taggable.map((resource) => resource.type))].sort();
        expect(types).toEqual(
          EXPECTED_TAGGABLE_TYPES.filter((type) => (expected.resourceCounts[type] ?? 0) > 0).sort(),
        );
        for (const resource of taggable) {
          expect({ type: resource.type, name: resource.name, tags: resource.inputs.tags }).toEqual({
            type: resource.type,
            name: resource.name,
            tags: {
              Environment: environment,
              ManagedBy: "pulumi",
              Project: "trading-analytics",
              Service: expect.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/) as unknown,
            },
          });
        }
      });

      test("nothing is protected, retained on delete or deletion-protected", () => {
        for (const resource of resources) {
          expect({ urn: resource.urn, protect: resource.options.protect === true }).toEqual({
            urn: resource.urn,
            protect: false,
          });
          expect({ urn: resource.urn, retain: resource.options.retainOnDelete === true }).toEqual({
            urn: resource.urn,
            retain: false,
          });
          const protectedInputs = entries(resource.inputs).filter(
            ([key, value]) => /deletionProtection/i.test(key) && value !== false,
          );
          expect(protectedInputs).toEqual([]);
        }
      });

      test("nothing refers to another environment", () => {
        const text = JSON.stringify(resources.map((r) => r.inputs));
        for (const other of ENVIRONMENT_NAMES.filter((e) => e !== environment)) {
          // As a word anywhere: names, ARNs (after ":" or "/"), tags, descriptions, documents.
          expect(text).not.toMatch(new RegExp(`(?<![A-Za-z0-9])${other}(?![A-Za-z0-9])`));
        }
      });
    });
  });
}
