import { reviewStacksBackend } from "../../environments/backends";
import { reviewStack } from "../../modules/config/review-stack";
import { deployEnvironment } from "../../modules/stack";
import { evaluatePolicies } from "../../policy/offline";
import { ProgramError, runProgram, type ProgramResult } from "../../scripts/plan/mock-runtime";
import { MOCK_ACCOUNT_ID } from "../../scripts/plan/mock-runtime-aws";
import {
  environmentProject,
  readStackConfig,
  readStackConfigOf,
  runEnvironmentProgram,
} from "../../scripts/plan/mock-runtime-environments";
import { recordedEnvironmentProgram } from "../support/environment-recording";
import { physicalNameInput } from "../support/provider-schema";

/**
 * The dev program as a pull request's review stack, `dev-pr42`, with the stack file the review-stack
 * workflow writes: dev's settings, every physical name ending in `pr42`, roles under the review
 * path with the review boundary, and the policy pack passing.
 */

const REVIEW = reviewStack(42);
const BACKEND = reviewStacksBackend(MOCK_ACCOUNT_ID);

/** Inputs that hold a physical name besides `name` and `bucket`. */
const OTHER_NAME_INPUTS: Readonly<Record<string, string>> = {
  "aws:cloudwatch/dashboard:Dashboard": "dashboardName",
};

async function failure(run: Promise<ProgramResult>): Promise<ProgramError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof ProgramError) {
      return error;
    }
    throw error;
  }
  throw new Error("The program succeeded; it should have failed");
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") {
    out.push(value);
  } else if (Array.isArray(value)) {
    value.forEach((item) => strings(item, out));
  } else if (typeof value === "object" && value !== null) {
    Object.values(value).forEach((item) => strings(item, out));
  }
  return out;
}

describe("a review stack's program refuses a bad stack or stack file, registering nothing", () => {
  const reviewConfig = readStackConfigOf("dev", REVIEW.stack);

  test.each<[string, string, string, Record<string, string>, string]>([
    [
      "dev-prX",
      "dev",
      "dev-prX",
      reviewConfig,
      'Stack "dev-prX" is not a review stack name: use dev-pr<N> with N the pull request number (1-99999), e.g. dev-pr42.',
    ],
    [
      "staging-pr1",
      "staging",
      "staging-pr1",
      readStackConfig("staging"),
      'Stack "staging-pr1" looks like a review stack of staging, but only dev has review stacks: use dev-pr<N> with N the pull request number (1-99999), e.g. dev-pr42. staging deploys its own stack, "staging", only.',
    ],
    [
      "production-pr1",
      "production",
      "production-pr1",
      readStackConfig("production"),
      'Stack "production-pr1" looks like a review stack of production, but only dev has review stacks: use dev-pr<N> with N the pull request number (1-99999), e.g. dev-pr42. production deploys its own stack, "production", only.',
    ],
    [
      "dev-pr42 with dev's committed stack file",
      "dev",
      REVIEW.stack,
      readStackConfig("dev"),
      `Stack "dev-pr42" is a review stack, whose suffix is "pr42" (from its name); environmentSuffix "${readStackConfig("dev")["trading-analytics-dev:environmentSuffix"]}" would give it another deployment's names. Remove environmentSuffix from environments/dev/Pulumi.dev-pr42.yaml.`,
    ],
  ])("%s", async (_case, environment, stack, config, message) => {
    const error = await failure(
      runProgram({
        project: `trading-analytics-${environment}`,
        stack,
        config,
        program: () => deployEnvironment(environment),
      }),
    );
    expect(error.message).toBe(message);
    expect(error.resources).toEqual([]);
  });
});

describe("environments/dev as the review stack dev-pr42", () => {
  let run: ProgramResult;

  beforeAll(async () => {
    // The test run's recording of dev-pr42, shared with the other files that read it.
    run = await recordedEnvironmentProgram("dev", runEnvironmentProgram, REVIEW.stack);
  });

  test("every physical name is dev-<service>-us-east-1-pr42, with its fixed prefix where it has one", () => {
    const names = run.resources.flatMap((resource) => {
      const input = OTHER_NAME_INPUTS[resource.type] ?? physicalNameInput(resource.type);
      const value = input === undefined ? undefined : resource.inputs[input];
      return typeof value === "string" ? [{ type: resource.type, value }] : [];
    });
    expect(names.length).toBeGreaterThan(30);
    const pattern =
      /^(\/aws\/lambda\/|\/vpc\/flow-logs\/)?dev-[a-z0-9]+(-[a-z0-9]+)*-us-east-1-pr42$/;
    expect(names.filter((name) => !pattern.test(name.value))).toEqual([]);
    expect(new Set(names.map((name) => `${name.type} ${name.value}`)).size).toBe(names.length);
  });

  test("no input anywhere names one of dev's own resources", () => {
    const devSuffix = readStackConfig("dev")["trading-analytics-dev:environmentSuffix"];
    const everything = run.resources.flatMap((resource) => strings(resource.inputs));
    expect(everything.filter((value) => value.includes(`-us-east-1-${devSuffix}`))).toEqual([]);
  });

  test("every role is under the review path and carries the review boundary", () => {
    const roles = run.resources.filter((resource) => resource.type === "aws:iam/role:Role");
    expect(roles.length).toBe(3);
    for (const role of roles) {
      expect({
        name: role.inputs.name,
        path: role.inputs.path,
        permissionsBoundary: role.inputs.permissionsBoundary,
      }).toEqual({
        name: role.inputs.name,
        path: "/trading-analytics/dev-review/",
        permissionsBoundary: `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/trading-analytics-dev-review-workload-boundary`,
      });
    }
    expect(BACKEND.rolePath).toBe("/trading-analytics/dev-review/");
    expect(BACKEND.workloadBoundaryPolicyArn).toBe(roles[0].inputs.permissionsBoundary);
  });

  test("has dev's settings: 512 MB functions, one shard, on-demand table", () => {
    const functions = run.resources.filter(
      (resource) => resource.type === "aws:lambda/function:Function",
    );
    expect(functions.map((fn) => fn.inputs.memorySize)).toEqual([512, 512, 512]);
    const stream = run.resources.find((resource) => resource.type === "aws:kinesis/stream:Stream");
    expect(stream?.inputs.shardCount).toBe(1);
    const table = run.resources.find((resource) => resource.type === "aws:dynamodb/table:Table");
    expect(table?.inputs.billingMode).toBe("PAY_PER_REQUEST");
  });

  test("exports the API URL the workflow posts on the pull request", () => {
    expect(run.outputs.analyticsApiUrl).toMatch(
      /^https:\/\/[0-9a-f]{32}\.lambda-url\.us-east-1\.on\.aws\/$/,
    );
  });

  test("passes the policy pack with zero violations", () => {
    expect(
      evaluatePolicies(run.resources, {
        stack: REVIEW.stack,
        project: environmentProject("dev"),
        config: readStackConfigOf("dev", REVIEW.stack),
      }),
    ).toEqual([]);
  });

  test("fails the policy pack's naming rule on a resource with dev's own suffix", () => {
    const table = run.resources.find((resource) => resource.type === "aws:dynamodb/table:Table");
    if (table === undefined) {
      throw new Error("no table");
    }
    const renamed = run.resources.map((resource) =>
      resource === table
        ? { ...resource, inputs: { ...resource.inputs, name: "dev-market-analytics-us-east-1-a1" } }
        : resource,
    );
    const violations = evaluatePolicies(renamed, {
      stack: REVIEW.stack,
      project: environmentProject("dev"),
      config: readStackConfigOf("dev", REVIEW.stack),
    });
    expect(violations.map((violation) => violation.policyName)).toEqual(["physical-name-pattern"]);
    expect(violations[0].message).toContain('instead of the environmentSuffix "pr42"');
  });
});
