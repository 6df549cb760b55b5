import { ENVIRONMENT_SETTINGS } from "../../modules/config/settings";
import { deployEnvironment, TradingStack } from "../../modules/stack";
import { ProgramError, runProgram, type ProgramResult } from "../../scripts/plan/mock-runtime";
import { runEnvironmentProgram } from "../../scripts/plan/mock-runtime-environments";
import { expectedPhysicalNames, nameInputOf } from "../support/environment-assertions";

const HOW_TO =
  "Set it with `pulumi config set environmentSuffix <value>` or the ENVIRONMENT_SUFFIX environment variable.";
const IN_STACK_FILE = `${HOW_TO} The stack file to edit is environments/dev/Pulumi.dev.yaml.`;
const IN_OVERRIDE = `${HOW_TO} ENVIRONMENT_SUFFIX overrides the environmentSuffix in environments/dev/Pulumi.dev.yaml: correct it, or unset it.`;

/** The error a failed run rejects with. */
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

describe("a bad deployment fails before any resource is registered", () => {
  test.each([
    [
      "upper-case suffix",
      { suffix: "A1" },
      `environmentSuffix "A1" is invalid: use 1-12 lower-case letters or digits, e.g. "a1". ${IN_STACK_FILE}`,
    ],
    [
      "underscore",
      { suffix: "a_1" },
      `environmentSuffix "a_1" is invalid: use 1-12 lower-case letters or digits, e.g. "a1". ${IN_STACK_FILE}`,
    ],
    [
      "13 characters",
      { suffix: "abcdefghijklm" },
      `environmentSuffix "abcdefghijklm" is invalid: use 1-12 lower-case letters or digits, e.g. "a1". ${IN_STACK_FILE}`,
    ],
    [
      "empty suffix",
      { suffix: "" },
      `environmentSuffix is missing: use 1-12 lower-case letters or digits, e.g. "a1". ${IN_STACK_FILE}`,
    ],
    [
      "bad override",
      { envOverride: "PR-7" },
      `ENVIRONMENT_SUFFIX "PR-7" is invalid: use 1-12 lower-case letters or digits, e.g. "a1". ${IN_OVERRIDE}`,
    ],
    [
      "bad override over a good suffix",
      { suffix: "a1", envOverride: "pr_7" },
      `ENVIRONMENT_SUFFIX "pr_7" is invalid: use 1-12 lower-case letters or digits, e.g. "a1". ${IN_OVERRIDE}`,
    ],
  ])("dev with %s", async (_case, options, message) => {
    const error = await failure(runEnvironmentProgram("dev", options));
    expect(error.message).toBe(message);
    expect(error.resources).toEqual([]);
  });

  test("an unknown environment", async () => {
    const error = await failure(
      runProgram({
        project: "trading-analytics-qa",
        stack: "qa",
        config: { "aws:region": "us-east-1", "trading-analytics-qa:environmentSuffix": "a1" },
        program: () => deployEnvironment("qa"),
      }),
    );
    expect(error.message).toBe(
      'Unknown environment "qa". Use one of: dev, staging, production (the stack name is the environment name).',
    );
    expect(error.resources).toEqual([]);
  });

  test("a physical name over its AWS limit fails the stack before the stack itself is registered", async () => {
    const suffix = "x".repeat(30);
    const error = await failure(
      runProgram({
        project: "trading-analytics-production",
        stack: "production",
        config: {},
        program: () =>
          new TradingStack("production", {
            config: {
              environment: "production",
              environmentSuffix: suffix,
              settings: ENVIRONMENT_SETTINGS.production,
            },
          }).outputs,
      }),
    );
    expect(error.message).toBe(
      `IAM role name "production-vpc-flow-logs-us-east-1-${suffix}" is 65 characters; AWS allows at most 64. Shorten the service "vpc-flow-logs" or the environmentSuffix "${suffix}" by at least 1 character.`,
    );
    expect(error.resources).toEqual([]);
  });
});

describe("ENVIRONMENT_SUFFIX gives an ephemeral stack its own names", () => {
  let run: ProgramResult;
  const before = process.env.ENVIRONMENT_SUFFIX;

  beforeAll(async () => {
    run = await runEnvironmentProgram("staging", { envOverride: "e42" });
  });

  test("the override wins over the stack config's suffix in every physical name", () => {
    expect(run.outputs.tableName).toBe("staging-market-analytics-us-east-1-e42");
    expect(run.outputs.bucketName).toBe("staging-market-archive-us-east-1-e42");
    expect(run.outputs.streamName).toBe("staging-market-data-us-east-1-e42");
    const names = run.resources
      .map((r) => r.inputs[nameInputOf(r.type) ?? ""])
      .filter((value): value is string => typeof value === "string");
    expect(names.sort()).toEqual(expectedPhysicalNames("staging", "e42"));
  });

  test("the variable is restored after the run", () => {
    expect(process.env.ENVIRONMENT_SUFFIX).toBe(before);
  });
});
