import {
  MANAGED_POLICY_MAX_CHARACTERS,
  WILDCARD_ONLY_SID,
  deployPolicies,
  platformResources,
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
const VPC = "vpc-0123456789abcdef0";

function scopeOf(
  environment: EnvironmentName,
  options: { enforceWorkloadBoundary?: boolean; vpcId?: string } = {},
): PermissionScope {
  return {
    environment,
    settings: environmentSettings(environment),
    accountId: ACCOUNT,
    region: "us-east-1",
    stateBucketArn: `arn:aws:s3:::trading-analytics-state-${environment}-${ACCOUNT}`,
    secretsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${environment}-key-id`,
    workloadBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/trading-analytics-${environment}-workload-boundary`,
    enforceWorkloadBoundary: options.enforceWorkloadBoundary ?? true,
    ...("vpcId" in options ? { vpcId: options.vpcId } : { vpcId: VPC }),
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

/** Verbs that change something; none may reach the preview role. */
const WRITE_VERB =
  /:(Create|Delete|Put|Update|Tag|Untag|Register|Deregister|Attach|Detach|Associate|Disassociate|Modify|Revoke|Authorize|Pass|Encrypt|Generate|Invoke|Increase|Decrease|Start|Stop|Enable|Disable|Add|Remove|Set|Replace)/;

describe.each(ENVIRONMENT_NAMES)("the %s pipeline roles", (environment) => {
  const scope = scopeOf(environment);
  const deploy = deployPolicies(scope);
  const preview = previewPolicies(scope);
  const a = (service: string, resource: string) =>
    `arn:aws:${service}:us-east-1:${ACCOUNT}:${resource}`;
  const roles = `arn:aws:iam::${ACCOUNT}:role/trading-analytics/${environment}/*`;

  it("groups the statements into managed policies under IAM's size limit", () => {
    expect(Object.keys(deploy)).toEqual([
      "state",
      "network",
      "data",
      "monitoring",
      "compute",
      "read",
    ]);
    expect(Object.keys(preview)).toEqual([
      "state",
      "network",
      "data",
      "monitoring",
      "compute",
      "read",
    ]);
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
    expect(bySid(preview).UseSecretsKey.Action).toEqual(["kms:Decrypt"]);
  });

  it("names every action exactly: no wildcard anywhere", () => {
    for (const { Sid, Action } of [
      ...statements(deploy),
      ...statements(preview),
      ...workloadBoundaryPolicy(scope).Statement,
    ]) {
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

  it("mentions no other environment anywhere", () => {
    const text = JSON.stringify([deploy, preview, workloadBoundaryPolicy(scope)]);
    for (const other of ENVIRONMENT_NAMES.filter((name) => name !== environment)) {
      expect(text).not.toMatch(new RegExp(`(^|[^a-z])${other}(-|"|/|$)`));
    }
  });

  it("scopes resources by the platform's own names, never by the bare environment prefix", () => {
    const resources = statements(deploy).flatMap((statement) =>
      typeof statement.Resource === "string" ? [statement.Resource] : [...statement.Resource],
    );
    expect(resources.filter((resource) => resource.endsWith(`:${environment}-*`))).toEqual([]);
    expect(resources.filter((resource) => resource.includes(`/${environment}-*`))).toEqual([]);
    expect(platformResources(scope).table).toBe(
      a("dynamodb", `table/${environment}-market-analytics-us-east-1-*`),
    );
    expect(platformResources(scope).bucket).toBe(
      `arn:aws:s3:::${environment}-market-archive-us-east-1-*`,
    );
  });

  it("lets the smoke check call the analytics API through its URL only", () => {
    const api = a("lambda", `function:${environment}-analytics-api-us-east-1-*`);
    expect(bySid(deploy).SmokeCheckQueryApi).toEqual({
      Action: ["lambda:InvokeFunctionUrl"],
      Resource: api,
      Condition: { StringEquals: { "lambda:FunctionUrlAuthType": "AWS_IAM" } },
    });
    expect(bySid(deploy).SmokeCheckInvokeApiThroughUrl).toEqual({
      Action: ["lambda:InvokeFunction"],
      Resource: api,
      Condition: { Bool: { "lambda:InvokedViaFunctionUrl": "true" } },
    });
  });

  it("lets the deploy role remove Lambda's leftover interfaces in its own VPC only", () => {
    expect(bySid(deploy).RemoveLambdaNetworkInterfaces).toEqual({
      Action: ["ec2:DetachNetworkInterface", "ec2:DeleteNetworkInterface"],
      Resource: a("ec2", "network-interface/*"),
      Condition: { ArnEquals: { "ec2:Vpc": a("ec2", `vpc/${VPC}`) } },
    });
    const withoutVpc = bySid(deployPolicies(scopeOf(environment, { vpcId: undefined })));
    expect(withoutVpc.RemoveLambdaNetworkInterfaces).toBeUndefined();
  });

  it("reaches roles only under the environment's IAM path", () => {
    const deployStatements = bySid(deploy);
    const iam = Object.entries(deployStatements).filter(([, statement]) =>
      statement.Action.some((action) => action.startsWith("iam:")),
    );
    expect(Object.fromEntries(iam.map(([sid, statement]) => [sid, statement.Resource]))).toEqual({
      Roles: roles,
      RolesWithinWorkloadBoundary: roles,
      PassRolesToFunctionsAndFlowLogs: roles,
      ...(environment === "production"
        ? {
            CreateTableScalingServiceRole: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable`,
          }
        : {}),
    });
  });

  it("acts on event source mappings only while they carry this environment's tag", () => {
    const mappings = a("lambda", "event-source-mapping:*");
    const consumers = [
      a("lambda", `function:${environment}-market-processor-us-east-1-*`),
      a("lambda", `function:${environment}-market-archiver-us-east-1-*`),
    ];
    const envTag = { "aws:ResourceTag/Environment": environment };
    const s = bySid(deploy);
    expect({
      create: s.CreateEventSourceMappings,
      tag: s.TagEventSourceMappings,
      read: s.ReadOwnEventSourceMappings,
      change: s.ChangeOwnEventSourceMappings,
      untag: s.UntagOwnEventSourceMappings,
    }).toEqual({
      create: {
        Action: ["lambda:CreateEventSourceMapping"],
        Resource: "*",
        Condition: {
          ArnLike: { "lambda:FunctionArn": consumers },
          StringEquals: { "aws:RequestTag/Environment": environment },
        },
      },
      tag: {
        Action: ["lambda:TagResource"],
        Resource: mappings,
        Condition: {
          StringEqualsIfExists: { ...envTag, "aws:RequestTag/Environment": environment },
        },
      },
      read: {
        Action: ["lambda:GetEventSourceMapping", "lambda:ListTags"],
        Resource: mappings,
        Condition: { StringEquals: envTag },
      },
      change: {
        Action: ["lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"],
        Resource: mappings,
        Condition: { StringEquals: envTag, ArnLike: { "lambda:FunctionArn": consumers } },
      },
      untag: {
        Action: ["lambda:UntagResource"],
        Resource: mappings,
        Condition: {
          StringEquals: envTag,
          "ForAllValues:StringNotEquals": { "aws:TagKeys": ["Environment"] },
        },
      },
    });
  });

  it("grants what AWS authorizes only on * in one statement on *", () => {
    const unscoped = statements(deploy).filter(
      (statement) => statement.Resource === "*" && statement.Condition === undefined,
    );
    expect(unscoped.map((statement) => statement.Sid)).toEqual([WILDCARD_ONLY_SID]);
    expect(unscoped[0].Action).toEqual(
      expect.arrayContaining([
        "logs:DescribeLogGroups",
        "kinesis:UpdateShardCount",
        "kinesis:UpdateStreamMode",
        "kinesis:EnableEnhancedMonitoring",
        "kinesis:DisableEnhancedMonitoring",
      ]),
    );
    expect(bySid(deploy).MarketDataStreams.Action).not.toContain("kinesis:UpdateShardCount");
    expect(statements(deploy).filter((statement) => statement.Sid === "ListLogGroups")).toEqual([]);
  });

  it("caps the roles the pipeline creates with a boundary that lets flow logs find their group", () => {
    const boundary = workloadBoundaryPolicy(scope).Statement;
    expect(boundary.find((statement) => statement.Sid === "FindLogGroups")).toEqual({
      Sid: "FindLogGroups",
      Effect: "Allow",
      Action: ["logs:DescribeLogGroups"],
      Resource: "*",
    });
    expect(boundary.find((statement) => statement.Sid === "ReadWriteOwnTables")?.Resource).toEqual([
      a("dynamodb", `table/${environment}-market-analytics-us-east-1-*`),
      a("dynamodb", `table/${environment}-market-analytics-us-east-1-*/index/*`),
    ]);
  });
});

describe("the review stacks' role", () => {
  const scope: PermissionScope = {
    ...scopeOf("dev", { vpcId: undefined }),
    workloadBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/trading-analytics-dev-review-workload-boundary`,
    stacks: "review",
  };
  const deploy = deployPolicies(scope);
  const s = bySid(deploy);
  const a = (service: string, resource: string) =>
    `arn:aws:${service}:us-east-1:${ACCOUNT}:${resource}`;
  const state = `arn:aws:s3:::trading-analytics-state-dev-${ACCOUNT}`;
  const reviewTags = {
    StringEquals: { "aws:ResourceTag/Environment": "dev" },
    StringLike: { "aws:ResourceTag/ReviewStack": "dev-pr*" },
  };

  it("fits the same six managed policies, and names every action exactly", () => {
    expect(Object.keys(deploy)).toEqual([
      "state",
      "network",
      "data",
      "monitoring",
      "compute",
      "read",
    ]);
    for (const document of Object.values(deploy)) {
      expect(policySize(document)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    }
    for (const { Action } of [...statements(deploy), ...workloadBoundaryPolicy(scope).Statement]) {
      expect(Action.filter((action) => !/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action))).toEqual([]);
    }
  });

  it("reaches only names whose suffix starts with pr, and roles under the review path", () => {
    const resources = platformResources(scope);
    expect(resources.table).toBe(a("dynamodb", "table/dev-market-analytics-us-east-1-pr*"));
    expect(resources.bucket).toBe("arn:aws:s3:::dev-market-archive-us-east-1-pr*");
    expect(resources.roles).toBe(`arn:aws:iam::${ACCOUNT}:role/trading-analytics/dev-review/*`);
    const named = statements(deploy)
      .flatMap((statement) =>
        typeof statement.Resource === "string" ? [statement.Resource] : [...statement.Resource],
      )
      .filter((resource) => /[:/]dev-[a-z]/.test(resource) && !resource.includes(":key/"))
      .filter(
        (resource) => resource !== `arn:aws:iam::${ACCOUNT}:role/trading-analytics/dev-review/*`,
      );
    expect(named.length).toBeGreaterThan(15);
    expect(named.filter((resource) => !resource.includes("-pr*"))).toEqual([]);
    expect(s.RolesWithinWorkloadBoundary.Condition).toEqual({
      StringEquals: { "iam:PermissionsBoundary": scope.workloadBoundaryArn },
    });
  });

  it("reads and writes only the review stacks' state objects, and reads the backend's version", () => {
    expect({
      list: s.ListStateBucket,
      meta: s.ReadBackendVersion,
      objects: s.ReviewStackStateObjects,
    }).toEqual({
      list: { Action: ["s3:ListBucket"], Resource: state },
      meta: { Action: ["s3:GetObject"], Resource: `${state}/.pulumi/meta.yaml` },
      objects: {
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: [
          `${state}/.pulumi/stacks/trading-analytics-dev/dev-pr*`,
          `${state}/.pulumi/history/trading-analytics-dev/dev-pr*`,
          `${state}/.pulumi/backups/trading-analytics-dev/dev-pr*`,
          `${state}/.pulumi/journal/trading-analytics-dev/dev-pr*`,
          `${state}/.pulumi/locks/organization/trading-analytics-dev/dev-pr*`,
        ],
      },
    });
    expect(s.StateObjects).toBeUndefined();
  });

  it("acts on event source mappings only while they carry a review stack's tag, or none yet", () => {
    const mappings = a("lambda", "event-source-mapping:*");
    expect({
      tagNew: s.TagNewEventSourceMappings,
      retag: s.RetagOwnEventSourceMappings,
      read: s.ReadOwnEventSourceMappings,
      untag: s.UntagOwnEventSourceMappings,
    }).toEqual({
      tagNew: {
        Action: ["lambda:TagResource"],
        Resource: mappings,
        Condition: {
          StringEquals: { "aws:RequestTag/Environment": "dev" },
          StringLike: { "aws:RequestTag/ReviewStack": "dev-pr*" },
          Null: { "aws:ResourceTag/Environment": "true" },
        },
      },
      retag: {
        Action: ["lambda:TagResource"],
        Resource: mappings,
        Condition: {
          ...reviewTags,
          StringEqualsIfExists: { "aws:RequestTag/Environment": "dev" },
          StringLikeIfExists: { "aws:RequestTag/ReviewStack": "dev-pr*" },
        },
      },
      read: {
        Action: ["lambda:GetEventSourceMapping", "lambda:ListTags"],
        Resource: mappings,
        Condition: reviewTags,
      },
      untag: {
        Action: ["lambda:UntagResource"],
        Resource: mappings,
        Condition: {
          ...reviewTags,
          "ForAllValues:StringNotEquals": { "aws:TagKeys": ["Environment", "ReviewStack"] },
        },
      },
    });
    expect(s.TagEventSourceMappings).toBeUndefined();
  });

  it("changes only network resources tagged for a review stack, and removes no interface", () => {
    expect(s.OwnNetwork.Condition).toEqual(reviewTags);
    expect(s.CreateTaggedVpc.Condition).toEqual({
      StringEquals: { "aws:RequestTag/Environment": "dev" },
      StringLike: { "aws:RequestTag/ReviewStack": "dev-pr*" },
    });
    expect(s.UntagOwnNetwork.Condition).toEqual({
      ...reviewTags,
      "ForAllValues:StringNotEquals": { "aws:TagKeys": ["Environment", "ReviewStack"] },
    });
    expect(s.RemoveLambdaNetworkInterfaces).toBeUndefined();
  });

  it("gets none of the writes AWS authorizes only on *", () => {
    expect(s[WILDCARD_ONLY_SID].Resource).toBe("*");
    expect(s[WILDCARD_ONLY_SID].Action.filter((action) => WRITE_VERB.test(action))).toEqual([]);
  });
});

describe("roles without the workload boundary", () => {
  it("let the deploy role create roles freely only when the boundary is off", () => {
    const statementsOff = bySid(deployPolicies(scopeOf("dev", { enforceWorkloadBoundary: false })));
    expect(statementsOff.RolesWithinWorkloadBoundary).toBeUndefined();
    expect(statementsOff.Roles.Action.slice(-3)).toEqual([
      "iam:CreateRole",
      "iam:PutRolePolicy",
      "iam:DeleteRolePolicy",
    ]);
    const statementsOn = bySid(deployPolicies(scopeOf("dev")));
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
