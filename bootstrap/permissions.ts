import { VPC_NETWORK_INTERFACE_ACTIONS, XRAY_WRITE_ACTIONS } from "../modules/compute/iam";
import type { EnvironmentName, EnvironmentSettings } from "../modules/config/settings";

/**
 * What each environment's pipeline roles may do, as data: one table of grants, from which the
 * deploy role gets read + write actions and the preview role only the read actions.
 *
 * Every grant names exact actions (never `service:*`) and is scoped to one environment: ARNs with
 * the `<env>-` name prefix that the platform's physical names start with, or, where the service has
 * no name to scope by (EC2/VPC, Application Auto Scaling, event source mappings), `Environment`
 * tag conditions and `lambda:FunctionArn`. The only grants without an environment in their resource
 * are the read-only Describe/List actions AWS does not authorize per resource
 * ({@link UNSCOPED_READ_SID}).
 *
 * Action lists follow the calls the Pulumi AWS provider makes to create, read (refresh), update
 * and delete each resource type the platform uses. An action missing here shows up as an
 * AccessDenied naming it on the first real run; add it to the grant of that service.
 */

export type Condition = Readonly<
  Record<string, Readonly<Record<string, string | readonly string[]>>>
>;

export interface Statement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Condition;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly Statement[];
}

/** The managed policies a role's grants are split into; each stays under IAM's 6,144-character limit. */
export const POLICY_GROUPS = ["state", "network", "data", "compute", "read"] as const;
export type PolicyGroup = (typeof POLICY_GROUPS)[number];

/** Everything the grants are scoped by. */
export interface PermissionScope {
  readonly environment: EnvironmentName;
  readonly settings: EnvironmentSettings;
  readonly accountId: string;
  readonly region: string;
  readonly stateBucketArn: string;
  readonly secretsKeyArn: string;
  /** Required on every role the deploy role creates or changes, when enforced. */
  readonly workloadBoundaryArn: string;
  readonly enforceWorkloadBoundary: boolean;
}

interface Grant {
  readonly sid: string;
  readonly group: PolicyGroup;
  /** Granted to the deploy and the preview role. */
  readonly read: readonly string[];
  /** Granted to the deploy role only. */
  readonly write: readonly string[];
  readonly resources: readonly string[];
  readonly condition?: Condition;
}

/** The statement whose resource is `"*"`: Describe/List actions with no resource-level permissions. */
export const UNSCOPED_READ_SID = "DescribeWithoutResourceLevelPermissions";

/** Log group prefixes of the platform: the functions' and the VPC flow logs'. */
export const LOG_GROUP_PREFIXES = ["/aws/lambda/", "/vpc/flow-logs/"] as const;

/** The service-linked role Application Auto Scaling uses for DynamoDB tables. */
export const DYNAMODB_SCALING_SERVICE = "dynamodb.application-autoscaling.amazonaws.com";

/** EC2 resource types the platform's VPC consists of. */
const NETWORK_RESOURCE_TYPES = [
  "vpc",
  "subnet",
  "route-table",
  "internet-gateway",
  "security-group",
  "security-group-rule",
  "vpc-endpoint",
  "vpc-flow-log",
] as const;

/** EC2 actions that create a tagged resource, with the resource types each one creates. */
const NETWORK_CREATE_ACTIONS: readonly { readonly action: string; readonly creates: string }[] = [
  { action: "ec2:CreateVpc", creates: "vpc" },
  { action: "ec2:CreateSubnet", creates: "subnet" },
  { action: "ec2:CreateRouteTable", creates: "route-table" },
  { action: "ec2:CreateInternetGateway", creates: "internet-gateway" },
  { action: "ec2:CreateSecurityGroup", creates: "security-group" },
  { action: "ec2:AuthorizeSecurityGroupEgress", creates: "security-group-rule" },
  { action: "ec2:CreateVpcEndpoint", creates: "vpc-endpoint" },
  { action: "ec2:CreateFlowLogs", creates: "vpc-flow-log" },
];

/** `security-group-rule` -> `CreateTaggedSecurityGroupRule`. */
function createSid(type: string): string {
  return `CreateTagged${type
    .split("-")
    .map((word) => `${word[0].toUpperCase()}${word.slice(1)}`)
    .join("")}`;
}

function grants(scope: PermissionScope): Grant[] {
  const { environment: env, accountId: account, region } = scope;
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${region}:${account}:${resource}`;
  const envTag = { "aws:ResourceTag/Environment": env };
  const requestTag = { "aws:RequestTag/Environment": env };
  const functions = arn("lambda", `function:${env}-*`);
  const provisioned = scope.settings.table.capacity.mode === "provisioned";

  const list: Grant[] = [
    {
      sid: "ListStateBucket",
      group: "state",
      read: ["s3:ListBucket"],
      write: [],
      resources: [scope.stateBucketArn],
    },
    {
      sid: "StateObjects",
      group: "state",
      read: ["s3:GetObject"],
      write: ["s3:PutObject", "s3:DeleteObject"],
      resources: [`${scope.stateBucketArn}/*`],
    },
    {
      // Secrets in the stack config and state, and the state bucket's SSE-KMS.
      sid: "UseSecretsKey",
      group: "state",
      read: ["kms:Decrypt"],
      write: ["kms:Encrypt", "kms:GenerateDataKey"],
      resources: [scope.secretsKeyArn],
    },
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
        "s3:ListBucketVersions",
      ],
      resources: [`arn:aws:s3:::${env}-*`],
    },
    {
      // forceDestroy empties the archive before deleting it.
      sid: "EmptyArchiveBuckets",
      group: "data",
      read: [],
      write: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
      resources: [`arn:aws:s3:::${env}-*/*`],
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
      resources: [arn("dynamodb", `table/${env}-*`)],
    },
    {
      // The stream and its enhanced fan-out consumers (stream/<name>/consumer/<consumer>).
      sid: "MarketDataStreams",
      group: "data",
      read: [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:DescribeStreamConsumer",
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
        "kinesis:UpdateShardCount",
        "kinesis:UpdateStreamMode",
        "kinesis:EnableEnhancedMonitoring",
        "kinesis:DisableEnhancedMonitoring",
        "kinesis:RegisterStreamConsumer",
        "kinesis:DeregisterStreamConsumer",
      ],
      resources: [arn("kinesis", `stream/${env}-*`)],
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
      resources: [arn("sqs", `${env}-*`)],
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
      resources: [arn("sns", `${env}-*`)],
    },
    {
      // The platform's alarms, and the target-tracking alarms Auto Scaling names after the table.
      sid: "Alarms",
      group: "compute",
      read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
      write: [
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
      ],
      resources: [
        arn("cloudwatch", `alarm:${env}-*`),
        ...(provisioned ? [arn("cloudwatch", `alarm:TargetTracking-table/${env}-*`)] : []),
      ],
    },
    {
      sid: "LogGroups",
      group: "compute",
      read: ["logs:ListTagsForResource", "logs:ListTagsLogGroup"],
      write: [
        "logs:CreateLogGroup",
        "logs:DeleteLogGroup",
        "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy",
        "logs:TagResource",
        "logs:UntagResource",
        "logs:TagLogGroup",
        "logs:UntagLogGroup",
      ],
      resources: LOG_GROUP_PREFIXES.map((prefix) => arn("logs", `log-group:${prefix}${env}-*`)),
    },
    {
      sid: "Functions",
      group: "compute",
      read: [
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:GetFunctionCodeSigningConfig",
        "lambda:GetFunctionConcurrency",
        "lambda:GetFunctionUrlConfig",
        "lambda:GetFunctionRecursionConfig",
        "lambda:GetRuntimeManagementConfig",
        "lambda:GetPolicy",
        "lambda:ListVersionsByFunction",
        "lambda:ListTags",
      ],
      write: [
        "lambda:CreateFunction",
        "lambda:DeleteFunction",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:PutFunctionConcurrency",
        "lambda:DeleteFunctionConcurrency",
        "lambda:CreateFunctionUrlConfig",
        "lambda:UpdateFunctionUrlConfig",
        "lambda:DeleteFunctionUrlConfig",
        "lambda:TagResource",
        "lambda:UntagResource",
      ],
      resources: [functions],
    },
    {
      // Mappings have opaque ids; Lambda authorizes them by the function they invoke.
      sid: "CreateEventSourceMappings",
      group: "compute",
      read: [],
      write: ["lambda:CreateEventSourceMapping"],
      resources: ["*"],
      condition: { ArnLike: { "lambda:FunctionArn": functions } },
    },
    {
      sid: "ManageEventSourceMappings",
      group: "compute",
      read: [],
      write: ["lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"],
      resources: [arn("lambda", "event-source-mapping:*")],
      condition: { ArnLike: { "lambda:FunctionArn": functions } },
    },
    {
      sid: "TagEventSourceMappingsOnCreate",
      group: "compute",
      read: [],
      write: ["lambda:TagResource"],
      resources: [arn("lambda", "event-source-mapping:*")],
      condition: { StringEquals: requestTag },
    },
    {
      sid: "OwnEventSourceMappings",
      group: "compute",
      read: ["lambda:GetEventSourceMapping", "lambda:ListTags"],
      write: ["lambda:TagResource", "lambda:UntagResource"],
      resources: [arn("lambda", "event-source-mapping:*")],
      condition: { StringEquals: envTag },
    },
    {
      // The smoke check after each up: one tick into the stream, one signed request to the API.
      sid: "SmokeCheckPutTick",
      group: "compute",
      read: [],
      write: ["kinesis:PutRecord"],
      resources: [arn("kinesis", `stream/${env}-*`)],
    },
    {
      sid: "SmokeCheckQueryApi",
      group: "compute",
      read: [],
      write: ["lambda:InvokeFunctionUrl"],
      resources: [functions],
      condition: { StringEquals: { "lambda:FunctionUrlAuthType": "AWS_IAM" } },
    },
    {
      sid: "Roles",
      group: "compute",
      read: [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:ListRoleTags",
      ],
      write: [
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        ...(scope.enforceWorkloadBoundary
          ? []
          : ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy"]),
      ],
      resources: [`arn:aws:iam::${account}:role/${env}-*`],
    },
    ...(scope.enforceWorkloadBoundary
      ? [
          {
            // A role the pipeline creates can never do more than the boundary allows, whatever
            // inline policy it is given: no escalation out of the environment.
            sid: "RolesWithinWorkloadBoundary",
            group: "compute" as const,
            read: [],
            write: ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy"],
            resources: [`arn:aws:iam::${account}:role/${env}-*`],
            condition: { StringEquals: { "iam:PermissionsBoundary": scope.workloadBoundaryArn } },
          },
        ]
      : []),
    {
      sid: "PassRolesToFunctionsAndFlowLogs",
      group: "compute",
      read: [],
      write: ["iam:PassRole"],
      resources: [`arn:aws:iam::${account}:role/${env}-*`],
      condition: {
        StringEquals: {
          "iam:PassedToService": [
            "lambda.amazonaws.com",
            ...(scope.settings.network.flowLogs ? ["vpc-flow-logs.amazonaws.com"] : []),
          ],
        },
      },
    },
  ];

  if (provisioned) {
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
        resources: [arn("application-autoscaling", "scalable-target/*")],
        condition: { StringEquals: requestTag },
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
        resources: [arn("application-autoscaling", "scalable-target/*")],
        condition: { StringEquals: envTag },
      },
    );
  }

  // EC2 names nothing, so the network is scoped by its Environment tag: a create must tag the new
  // resource with this environment, and every other action needs the resources it touches (the new
  // resource's VPC, route tables, security group) to carry it already. Each create action gets its
  // own statement so the tag request of one create can never stand in for the parent resource of
  // another (e.g. a subnet in another environment's VPC).
  const networkTypes = (
    scope.settings.network.flowLogs
      ? NETWORK_RESOURCE_TYPES
      : NETWORK_RESOURCE_TYPES.filter((type) => type !== "vpc-flow-log")
  ).map((type) => arn("ec2", `${type}/*`));
  const creates = NETWORK_CREATE_ACTIONS.filter(
    ({ action }) => action !== "ec2:CreateFlowLogs" || scope.settings.network.flowLogs,
  );
  for (const { action, creates: type } of creates) {
    list.push({
      sid: createSid(type),
      group: "network",
      read: [],
      write: [action],
      resources: [arn("ec2", `${type}/*`)],
      condition: { StringEquals: requestTag },
    });
  }
  list.push(
    {
      sid: "TagNetworkOnCreate",
      group: "network",
      read: [],
      write: ["ec2:CreateTags"],
      resources: networkTypes,
      condition: {
        StringEquals: {
          ...requestTag,
          "ec2:CreateAction": creates.map(({ action }) => action.replace("ec2:", "")),
        },
      },
    },
    {
      sid: "OwnNetwork",
      group: "network",
      read: [],
      write: [
        ...creates
          .filter(
            ({ action }) => action !== "ec2:CreateVpc" && action !== "ec2:CreateInternetGateway",
          )
          .map(({ action }) => action),
        "ec2:AttachInternetGateway",
        "ec2:DetachInternetGateway",
        "ec2:AssociateRouteTable",
        "ec2:DisassociateRouteTable",
        "ec2:CreateRoute",
        "ec2:DeleteRoute",
        "ec2:ModifyVpcAttribute",
        "ec2:ModifySubnetAttribute",
        "ec2:ModifyVpcEndpoint",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:ModifySecurityGroupRules",
        "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
        "ec2:DeleteVpc",
        "ec2:DeleteSubnet",
        "ec2:DeleteRouteTable",
        "ec2:DeleteInternetGateway",
        "ec2:DeleteSecurityGroup",
        "ec2:DeleteVpcEndpoints",
        ...(scope.settings.network.flowLogs ? ["ec2:DeleteFlowLogs"] : []),
      ],
      resources: networkTypes,
      condition: { StringEquals: envTag },
    },
    {
      // Retagging keeps the Environment tag: it may be set only to this environment...
      sid: "RetagOwnNetwork",
      group: "network",
      read: [],
      write: ["ec2:CreateTags"],
      resources: networkTypes,
      condition: {
        StringEquals: envTag,
        StringEqualsIfExists: requestTag,
      },
    },
    {
      // ...and never removed.
      sid: "UntagOwnNetwork",
      group: "network",
      read: [],
      write: ["ec2:DeleteTags"],
      resources: networkTypes,
      condition: {
        StringEquals: envTag,
        "ForAllValues:StringNotEquals": { "aws:TagKeys": ["Environment"] },
      },
    },
    {
      sid: "ListLogGroups",
      group: "read",
      read: ["logs:DescribeLogGroups"],
      write: [],
      resources: [arn("logs", "log-group:*")],
    },
    {
      sid: UNSCOPED_READ_SID,
      group: "read",
      read: [
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeRegions",
        "ec2:DescribeVpcs",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeSubnets",
        "ec2:DescribeRouteTables",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSecurityGroupRules",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeVpcEndpointServices",
        "ec2:DescribePrefixLists",
        "ec2:DescribeTags",
        ...(scope.settings.network.flowLogs ? ["ec2:DescribeFlowLogs"] : []),
        ...(provisioned
          ? [
              "application-autoscaling:DescribeScalableTargets",
              "application-autoscaling:DescribeScalingPolicies",
            ]
          : []),
      ],
      write: [],
      resources: ["*"],
    },
  );
  return list;
}

function statement(grant: Grant, actions: readonly string[]): Statement {
  return {
    Sid: grant.sid,
    Effect: "Allow",
    Action: [...actions],
    Resource: grant.resources.length === 1 ? grant.resources[0] : [...grant.resources],
    ...(grant.condition === undefined ? {} : { Condition: grant.condition }),
  };
}

export type RolePolicies = Readonly<Partial<Record<PolicyGroup, PolicyDocument>>>;

function documents(
  statements: readonly { group: PolicyGroup; statement: Statement }[],
): RolePolicies {
  const result: Partial<Record<PolicyGroup, PolicyDocument>> = {};
  for (const group of POLICY_GROUPS) {
    const inGroup = statements
      .filter((entry) => entry.group === group)
      .map((entry) => entry.statement);
    if (inGroup.length > 0) {
      result[group] = { Version: "2012-10-17", Statement: inGroup };
    }
  }
  return result;
}

/** The deploy role's policies: every grant with its read and write actions. */
export function deployPolicies(scope: PermissionScope): RolePolicies {
  return documents(
    grants(scope).map((grant) => ({
      group: grant.group,
      statement: statement(grant, [...grant.read, ...grant.write]),
    })),
  );
}

/** The preview role's policies: the read actions of the grants that have any. */
export function previewPolicies(scope: PermissionScope): RolePolicies {
  return documents(
    grants(scope)
      .filter((grant) => grant.read.length > 0)
      .map((grant) => ({ group: grant.group, statement: statement(grant, grant.read) })),
  );
}

/**
 * The permissions boundary of every role the deploy role creates (the functions' execution roles
 * and the flow-log delivery role): the most those roles could ever be granted, all in this
 * environment. Their own inline policies stay narrower; the boundary only caps them.
 */
export function workloadBoundaryPolicy(scope: PermissionScope): PolicyDocument {
  const { environment: env, accountId: account, region } = scope;
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${region}:${account}:${resource}`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: LOG_GROUP_PREFIXES.map((prefix) => arn("logs", `log-group:${prefix}${env}-*`)),
      },
      {
        Sid: "ReadOwnStream",
        Effect: "Allow",
        Action: [
          "kinesis:DescribeStream",
          "kinesis:DescribeStreamSummary",
          "kinesis:DescribeStreamConsumer",
          "kinesis:GetRecords",
          "kinesis:GetShardIterator",
          "kinesis:ListShards",
          "kinesis:SubscribeToShard",
        ],
        Resource: arn("kinesis", `stream/${env}-*`),
      },
      {
        Sid: "ReadWriteOwnTables",
        Effect: "Allow",
        Action: [
          "dynamodb:DescribeTable",
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
          "dynamodb:Query",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:BatchWriteItem",
          "dynamodb:ConditionCheckItem",
        ],
        Resource: [arn("dynamodb", `table/${env}-*`), arn("dynamodb", `table/${env}-*/index/*`)],
      },
      {
        Sid: "WriteOwnArchive",
        Effect: "Allow",
        Action: ["s3:PutObject"],
        Resource: `arn:aws:s3:::${env}-*/*`,
      },
      {
        Sid: "SendToOwnQueues",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: arn("sqs", `${env}-*`),
      },
      {
        // Lambda creates and removes a function's VPC network interfaces with its execution role;
        // AWS only authorizes these on "*" (the interfaces do not exist yet).
        Sid: "VpcNetworkInterfaces",
        Effect: "Allow",
        Action: [...VPC_NETWORK_INTERFACE_ACTIONS],
        Resource: "*",
      },
      {
        // Active tracing; X-Ray has no resource types.
        Sid: "WriteTraces",
        Effect: "Allow",
        Action: [...XRAY_WRITE_ACTIONS],
        Resource: "*",
      },
    ],
  };
}

/** IAM counts a managed policy's size without whitespace; the limit is 6,144 characters. */
export const MANAGED_POLICY_MAX_CHARACTERS = 6_144;

export function policySize(document: PolicyDocument): number {
  return JSON.stringify(document).length;
}
