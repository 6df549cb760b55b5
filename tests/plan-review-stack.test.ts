import { captureIo } from "../scripts/cli/capture-io";
import { renderPlan } from "../scripts/plan/plan-report";
import { environmentPlan } from "../scripts/plan/plan-run";
import { runEnvironmentProgram } from "../scripts/plan/mock-runtime-environments";
import { planEnvironment, type WorkerResult } from "../scripts/plan/plan-worker";
import { parsePlanArgs } from "../scripts/plan/plan";
import { recordedProgramRunner } from "./support/environment-recording";

/**
 * The offline plan of a pull request's review stack: dev's program run as `dev-pr42`, with the
 * stack file the review-stack workflow writes, as the test run recorded it.
 */

describe("npm run plan -- --stack", () => {
  const parse = (argv: string[]) => parsePlanArgs(argv, captureIo());

  test.each([[["--env", "dev", "--stack", "dev-pr42"]], [["--stack", "dev-pr42"]]])(
    "%j plans dev's review stack",
    (argv) => {
      expect(parse(argv)).toEqual({
        kind: "run",
        options: { env: "dev", format: "text", stack: "dev-pr42" },
      });
    },
  );

  test.each([
    [
      ["--env", "staging", "--stack", "dev-pr42"],
      "--stack dev-pr42 is a review stack of dev, not of staging: use --env dev.",
    ],
    [
      ["--stack", "dev"],
      '--stack "dev" is not a review stack: use dev-pr<N>, N the pull request number (or leave --stack out for the environments\' own stacks).',
    ],
    [
      ["--stack", "dev-prX"],
      'Stack "dev-prX" is not a review stack name: use dev-pr<N> with N the pull request number (1-99999), e.g. dev-pr42.',
    ],
    [["--stack", "production-pr1"], "only dev has review stacks"],
  ])("%j exits 2 saying why", (argv, message) => {
    const io = captureIo();
    expect(parsePlanArgs(argv, io)).toEqual({ kind: "exit", code: 2 });
    expect(io.err()).toContain(message);
  });
});

describe("the plan of dev-pr42", () => {
  let result: WorkerResult;

  beforeAll(async () => {
    // The test run's recording of dev-pr42, shared with the other files that read it.
    result = await planEnvironment(
      "dev",
      { stack: "dev-pr42", environmentSuffixOverride: undefined },
      recordedProgramRunner(runEnvironmentProgram),
    );
  });

  test("names every resource with the suffix pr42 and passes the policy pack", () => {
    expect(result.environmentSuffix).toBe("pr42");
    expect(result.violations).toEqual([]);
    const named = result.resources.filter((resource) => resource.physicalName !== undefined);
    expect(named.length).toBeGreaterThan(30);
    expect(
      named.filter((resource) => !(resource.physicalName ?? "").endsWith("-us-east-1-pr42")),
    ).toEqual([]);
  });

  test("says which stack it planned, beside the environment whose settings and cost it has", () => {
    const plan = environmentPlan("dev", result, "dev-pr42");
    expect(plan.stack).toBe("dev-pr42");
    expect(environmentPlan("dev", result, "dev").stack).toBeUndefined();
    expect(renderPlan([plan], "text").split("\n")[0]).toBe("Offline plan: dev (stack dev-pr42)");
    expect(renderPlan([plan], "markdown")).toContain("## Offline plan: dev (stack dev-pr42)");
    expect(renderPlan([plan], "markdown")).toContain("dev-market-archive-us-east-1-pr42");
  });
});
