import {
  MANAGED_POLICY_MAX_CHARACTERS,
  UNSCOPED_READ_SID,
  deployPolicies,
  policySize,
  previewPolicies,
  workloadBoundaryPolicy,
  type PermissionScope,
  type RolePolicies,
  type Statement,
} from "../bootstrap/permissions";
import {
  ENVIRONMENT_NAMES,
  environmentSettings,
  type EnvironmentName,
} from "../modules/config/settings";

const ACCOUNT = "123456789012";

function scopeOf(environment: EnvironmentName, enforceWorkloadBoundary = true): PermissionScope {
  return {
    environment,
    settings: environmentSettings(environment),
    accountId: ACCOUNT,
    region: "us-east-1",
    stateBucketArn: `arn:aws:s3:::trading-analytics-state-${environment}-${ACCOUNT}`,
    secretsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${environment}-key-id`,
    workloadBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/trading-analytics-${environment}-workload-boundary`,
    enforceWorkloadBoundary,
  };
}

function statements(policies: RolePolicies): Statement[] {
  return Object.values(policies).flatMap((document) => document.Statement);
}

function bySid(policies: RolePolicies): Record<string, Omit<Statement, "Sid" | "Effect">> {
  return Object.fromEntries(
    statements(policies).map(({ Sid, Effect, ...rest }) => {
      expect(Effect).toBe("Allow");
      return [Sid, rest];
    }),
  );
}

/** The expected deploy statements, written out: the review copy of bootstrap/permissions.ts. */
function expectedDeploy(env: EnvironmentName): Record<string, Omit<Statement, "Sid" | "Effect">> {
  const a = (service: string, resource: string) =>
    `arn:aws:${service}:us-east-1:${ACCOUNT}:${resource}`;
  const production = env === "production";
  const functions = a("lambda", `function:${env}-*`);
  const envTag = { "aws:ResourceTag/Environment": env };
  const requestTag = { "aws:RequestTag/Environment": env };
  const networkTypes = [
    "vpc",
    "subnet",
    "route-table",
    "internet-gateway",
    "security-group",
    "security-group-rule",
    "vpc-endpoint",
    ...(production ? ["vpc-flow-log"] : []),
  ].map((type) => a("ec2", `${type}/*`));
  const createTagged = (action: string, type: string) => ({
    Action: [action],
    Resource: a("ec2", `${type}/*`),
    Condition: { StringEquals: requestTag },
  });
  return {
    ListStateBucket: {
      Action: ["s3:ListBucket"],
      Resource: `arn:aws:s3:::trading-analytics-state-${env}-${ACCOUNT}`,
    },
    StateObjects: {
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: `arn:aws:s3:::trading-analytics-state-${env}-${ACCOUNT}/*`,
    },
    UseSecretsKey: {
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
      Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${env}-key-id`,
    },
    CreateTaggedVpc: createTagged("ec2:CreateVpc", "vpc"),
    CreateTaggedSubnet: createTagged("ec2:CreateSubnet", "subnet"),
    CreateTaggedRouteTable: createTagged("ec2:CreateRouteTable", "route-table"),
    CreateTaggedInternetGateway: createTagged("ec2:CreateInternetGateway", "internet-gateway"),
    CreateTaggedSecurityGroup: createTagged("ec2:CreateSecurityGroup", "security-group"),
    CreateTaggedSecurityGroupRule: createTagged(
      "ec2:AuthorizeSecurityGroupEgress",
      "security-group-rule",
    ),
    CreateTaggedVpcEndpoint: createTagged("ec2:CreateVpcEndpoint", "vpc-endpoint"),
    ...(production
      ? { CreateTaggedVpcFlowLog: createTagged("ec2:CreateFlowLogs", "vpc-flow-log") }
      : {}),
    TagNetworkOnCreate: {
      Action: ["ec2:CreateTags"],
      Resource: networkTypes,
      Condition: {
        StringEquals: {
          ...requestTag,
          "ec2:CreateAction": [
            "CreateVpc",
            "CreateSubnet",
            "CreateRouteTable",
            "CreateInternetGateway",
            "CreateSecurityGroup",
            "AuthorizeSecurityGroupEgress",
            "CreateVpcEndpoint",
            ...(production ? ["CreateFlowLogs"] : []),
          ],
        },
      },
    },
    OwnNetwork: {
      Action: [
        "ec2:CreateSubnet",
        "ec2:CreateRouteTable",
        "ec2:CreateSecurityGroup",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:CreateVpcEndpoint",
        ...(production ? ["ec2:CreateFlowLogs"] : []),
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
        ...(production ? ["ec2:DeleteFlowLogs"] : []),
      ],
      Resource: networkTypes,
      Condition: { StringEquals: envTag },
    },
    RetagOwnNetwork: {
      Action: ["ec2:CreateTags"],
      Resource: networkTypes,
      Condition: { StringEquals: envTag, StringEqualsIfExists: requestTag },
    },
    UntagOwnNetwork: {
      Action: ["ec2:DeleteTags"],
      Resource: networkTypes,
      Condition: {
        StringEquals: envTag,
        "ForAllValues:StringNotEquals": { "aws:TagKeys": ["Environment"] },
      },
    },
    ArchiveBuckets: {
      Action: [
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
      Resource: `arn:aws:s3:::${env}-*`,
    },
    EmptyArchiveBuckets: {
      Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
      Resource: `arn:aws:s3:::${env}-*/*`,
    },
    AnalyticsTables: {
      Action: [
        "dynamodb:DescribeTable",
        "dynamodb:DescribeTimeToLive",
        "dynamodb:DescribeContinuousBackups",
        "dynamodb:ListTagsOfResource",
        "dynamodb:CreateTable",
        "dynamodb:DeleteTable",
        "dynamodb:UpdateTable",
        "dynamodb:UpdateTimeToLive",
        "dynamodb:UpdateContinuousBackups",
        "dynamodb:TagResource",
        "dynamodb:UntagResource",
      ],
      Resource: a("dynamodb", `table/${env}-*`),
    },
    MarketDataStreams: {
      Action: [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:DescribeStreamConsumer",
        "kinesis:ListShards",
        "kinesis:ListTagsForStream",
        "kinesis:ListTagsForResource",
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
      Resource: a("kinesis", `stream/${env}-*`),
    },
    DeadLetterQueues: {
      Action: [
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ListQueueTags",
        "sqs:CreateQueue",
        "sqs:DeleteQueue",
        "sqs:SetQueueAttributes",
        "sqs:TagQueue",
        "sqs:UntagQueue",
      ],
      Resource: a("sqs", `${env}-*`),
    },
    AlarmTopics: {
      Action: [
        "sns:GetTopicAttributes",
        "sns:ListTagsForResource",
        "sns:CreateTopic",
        "sns:DeleteTopic",
        "sns:SetTopicAttributes",
        "sns:TagResource",
        "sns:UntagResource",
      ],
      Resource: a("sns", `${env}-*`),
    },
    ...(production
      ? {
          CreateTableScalingServiceRole: {
            Action: ["iam:CreateServiceLinkedRole"],
            Resource: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable`,
            Condition: {
              StringEquals: {
                "iam:AWSServiceName": "dynamodb.application-autoscaling.amazonaws.com",
              },
            },
          },
          RegisterTaggedScalableTargets: {
            Action: [
              "application-autoscaling:RegisterScalableTarget",
              "application-autoscaling:TagResource",
            ],
            Resource: a("application-autoscaling", "scalable-target/*"),
            Condition: { StringEquals: requestTag },
          },
          OwnScalableTargets: {
            Action: [
              "application-autoscaling:ListTagsForResource",
              "application-autoscaling:RegisterScalableTarget",
              "application-autoscaling:DeregisterScalableTarget",
              "application-autoscaling:PutScalingPolicy",
              "application-autoscaling:DeleteScalingPolicy",
              "application-autoscaling:TagResource",
              "application-autoscaling:UntagResource",
            ],
            Resource: a("application-autoscaling", "scalable-target/*"),
            Condition: { StringEquals: envTag },
          },
        }
      : {}),
    Alarms: {
      Action: [
        "cloudwatch:DescribeAlarms",
        "cloudwatch:ListTagsForResource",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
      ],
      Resource: production
        ? [
            a("cloudwatch", `alarm:${env}-*`),
            a("cloudwatch", `alarm:TargetTracking-table/${env}-*`),
          ]
        : a("cloudwatch", `alarm:${env}-*`),
    },
    LogGroups: {
      Action: [
        "logs:ListTagsForResource",
        "logs:ListTagsLogGroup",
        "logs:CreateLogGroup",
        "logs:DeleteLogGroup",
        "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy",
        "logs:TagResource",
        "logs:UntagResource",
        "logs:TagLogGroup",
        "logs:UntagLogGroup",
      ],
      Resource: [
        a("logs", `log-group:/aws/lambda/${env}-*`),
        a("logs", `log-group:/vpc/flow-logs/${env}-*`),
      ],
    },
    Functions: {
      Action: [
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
      Resource: functions,
    },
    CreateEventSourceMappings: {
      Action: ["lambda:CreateEventSourceMapping"],
      Resource: "*",
      Condition: { ArnLike: { "lambda:FunctionArn": functions } },
    },
    ManageEventSourceMappings: {
      Action: ["lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"],
      Resource: a("lambda", "event-source-mapping:*"),
      Condition: { ArnLike: { "lambda:FunctionArn": functions } },
    },
    TagEventSourceMappingsOnCreate: {
      Action: ["lambda:TagResource"],
      Resource: a("lambda", "event-source-mapping:*"),
      Condition: { StringEquals: requestTag },
    },
    OwnEventSourceMappings: {
      Action: [
        "lambda:GetEventSourceMapping",
        "lambda:ListTags",
        "lambda:TagResource",
        "lambda:UntagResource",
      ],
      Resource: a("lambda", "event-source-mapping:*"),
      Condition: { StringEquals: envTag },
    },
    SmokeCheckPutTick: {
      Action: ["kinesis:PutRecord"],
      Resource: a("kinesis", `stream/${env}-*`),
    },
    SmokeCheckQueryApi: {
      Action: ["lambda:InvokeFunctionUrl"],
      Resource: functions,
      Condition: { StringEquals: { "lambda:FunctionUrlAuthType": "AWS_IAM" } },
    },
    Roles: {
      Action: [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:ListRoleTags",
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
      ],
      Resource: `arn:aws:iam::${ACCOUNT}:role/${env}-*`,
    },
    RolesWithinWorkloadBoundary: {
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy"],
      Resource: `arn:aws:iam::${ACCOUNT}:role/${env}-*`,
      Condition: {
        StringEquals: {
          "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/trading-analytics-${env}-workload-boundary`,
        },
      },
    },
    PassRolesToFunctionsAndFlowLogs: {
      Action: ["iam:PassRole"],
      Resource: `arn:aws:iam::${ACCOUNT}:role/${env}-*`,
      Condition: {
        StringEquals: {
          "iam:PassedToService": production
            ? ["lambda.amazonaws.com", "vpc-flow-logs.amazonaws.com"]
            : ["lambda.amazonaws.com"],
        },
      },
    },
    ListLogGroups: {
      Action: ["logs:DescribeLogGroups"],
      Resource: a("logs", "log-group:*"),
    },
    [UNSCOPED_READ_SID]: {
      Action: [
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
        ...(production
          ? [
              "ec2:DescribeFlowLogs",
              "application-autoscaling:DescribeScalableTargets",
              "application-autoscaling:DescribeScalingPolicies",
            ]
          : []),
      ],
      Resource: "*",
    },
  };
}

/** Verbs that change something; none may reach the preview role. */
const WRITE_VERB =
  /:(Create|Delete|Put|Update|Tag|Untag|Register|Deregister|Attach|Detach|Associate|Disassociate|Modify|Revoke|Authorize|Pass|Encrypt|Generate|Invoke|Increase|Decrease|Start|Stop|Enable|Disable|Add|Remove|Set|Replace)/;

describe.each(ENVIRONMENT_NAMES)("the %s pipeline roles", (environment) => {
  const scope = scopeOf(environment);
  const deploy = deployPolicies(scope);
  const preview = previewPolicies(scope);

  it("grants the deploy role every statement, exactly", () => {
    expect(bySid(deploy)).toEqual(expectedDeploy(environment));
  });

  it("groups the statements into managed policies under IAM's size limit", () => {
    expect(Object.keys(deploy)).toEqual(["state", "network", "data", "compute", "read"]);
    expect(Object.keys(preview)).toEqual(["state", "data", "compute", "read"]);
    for (const document of [...Object.values(deploy), ...Object.values(preview)]) {
      expect(policySize(document)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    }
  });

  it("gives the preview role only the read actions of the same statements", () => {
    const full = bySid(deploy);
    for (const [sid, readOnly] of Object.entries(bySid(preview))) {
      expect(readOnly.Resource).toEqual(full[sid].Resource);
      expect(readOnly.Condition).toEqual(full[sid].Condition);
      for (const action of readOnly.Action) {
        expect(full[sid].Action).toContain(action);
        expect({ sid, action, write: WRITE_VERB.test(action) }).toEqual({
          sid,
          action,
          write: false,
        });
      }
    }
    expect(bySid(preview).StateObjects).toEqual({
      Action: ["s3:GetObject"],
      Resource: `arn:aws:s3:::trading-analytics-state-${environment}-${ACCOUNT}/*`,
    });
    expect(bySid(preview).UseSecretsKey.Action).toEqual(["kms:Decrypt"]);
  });

  it("names every action exactly: no wildcard anywhere", () => {
    const all = [
      ...statements(deploy),
      ...statements(preview),
      ...workloadBoundaryPolicy(scope).Statement,
    ];
    for (const { Sid, Action } of all) {
      for (const action of Action) {
        expect({ Sid, action, exact: /^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action) }).toEqual({
          Sid,
          action,
          exact: true,
        });
      }
      expect(new Set(Action).size).toBe(Action.length);
    }
  });

  it("scopes every resource to this environment, by name, tag or function", () => {
    const mine = new RegExp(`(^|[^a-z])${environment}(-|"|$)`);
    for (const statement of [...statements(deploy), ...statements(preview)]) {
      const resources = Array.isArray(statement.Resource)
        ? statement.Resource
        : [statement.Resource];
      const conditionNamesMe = mine.test(JSON.stringify(statement.Condition ?? {}));
      for (const resource of resources as string[]) {
        const scoped =
          mine.test(resource) ||
          conditionNamesMe ||
          (statement.Sid === UNSCOPED_READ_SID && resource === "*") ||
          (statement.Sid === "ListLogGroups" && resource.endsWith(":log-group:*")) ||
          // The one resource DESIGN.md lets environments share: an account-wide service-linked role.
          (statement.Sid === "CreateTableScalingServiceRole" &&
            resource.endsWith("/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"));
        expect({ sid: statement.Sid, resource, scoped }).toEqual({
          sid: statement.Sid,
          resource,
          scoped: true,
        });
      }
    }
    const unscoped = statements(deploy).filter((statement) => statement.Resource === "*");
    expect(unscoped.map((statement) => statement.Sid)).toEqual([
      "CreateEventSourceMappings",
      UNSCOPED_READ_SID,
    ]);
    for (const action of bySid(deploy)[UNSCOPED_READ_SID].Action) {
      expect(action).toMatch(/:(Describe|List)/);
    }
  });

  it("mentions no other environment anywhere", () => {
    const others = ENVIRONMENT_NAMES.filter((other) => other !== environment);
    const text = JSON.stringify([deploy, preview, workloadBoundaryPolicy(scope)]);
    for (const other of others) {
      expect(text).not.toMatch(new RegExp(`(^|[^a-z])${other}(-|"|$)`));
    }
  });

  it("caps the roles the pipeline creates with a boundary inside the environment", () => {
    const a = (service: string, resource: string) =>
      `arn:aws:${service}:us-east-1:${ACCOUNT}:${resource}`;
    expect(workloadBoundaryPolicy(scope)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "WriteOwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [
            a("logs", `log-group:/aws/lambda/${environment}-*`),
            a("logs", `log-group:/vpc/flow-logs/${environment}-*`),
          ],
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
          Resource: a("kinesis", `stream/${environment}-*`),
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
          Resource: [
            a("dynamodb", `table/${environment}-*`),
            a("dynamodb", `table/${environment}-*/index/*`),
          ],
        },
        {
          Sid: "WriteOwnArchive",
          Effect: "Allow",
          Action: ["s3:PutObject"],
          Resource: `arn:aws:s3:::${environment}-*/*`,
        },
        {
          Sid: "SendToOwnQueues",
          Effect: "Allow",
          Action: ["sqs:SendMessage"],
          Resource: a("sqs", `${environment}-*`),
        },
        {
          Sid: "VpcNetworkInterfaces",
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
    });
  });
});

describe("roles without the workload boundary", () => {
  it("let the deploy role create roles freely only when the boundary is off", () => {
    const statementsOff = bySid(deployPolicies(scopeOf("dev", false)));
    expect(statementsOff.RolesWithinWorkloadBoundary).toBeUndefined();
    expect(statementsOff.Roles.Action.slice(-3)).toEqual([
      "iam:CreateRole",
      "iam:PutRolePolicy",
      "iam:DeleteRolePolicy",
    ]);
    const statementsOn = bySid(deployPolicies(scopeOf("dev", true)));
    expect(statementsOn.Roles.Action).not.toContain("iam:CreateRole");
    expect(statementsOn.Roles.Action).not.toContain("iam:PutRolePolicy");
  });

  it("never grant what would lift the boundary or attach managed policies", () => {
    for (const environment of ENVIRONMENT_NAMES) {
      const actions = statements(deployPolicies(scopeOf(environment))).flatMap((s) => s.Action);
      for (const forbidden of [
        "iam:DeleteRolePermissionsBoundary",
        "iam:PutRolePermissionsBoundary",
        "iam:AttachRolePolicy",
        "iam:CreatePolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
      ]) {
        expect(actions).not.toContain(forbidden);
      }
    }
  });
});
