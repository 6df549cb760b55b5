import { runProgram } from "../../scripts/plan/mock-runtime";
import {
  ENVIRONMENT_SUFFIX_PATTERN,
  loadDeploymentConfig,
  resolveDeploymentConfig,
  type DeploymentConfig,
  type RawDeploymentConfig,
} from "./deployment";
import { ENVIRONMENT_SETTINGS } from "./settings";

const HOW_TO =
  "Set it with `pulumi config set environmentSuffix <value>` or the ENVIRONMENT_SUFFIX environment variable.";

const valid: RawDeploymentConfig = {
  environment: "dev",
  stack: "dev",
  region: "us-east-1",
  environmentSuffix: "a1",
  environmentSuffixOverride: undefined,
};

const invalidSuffix = (source: string, value: string) =>
  `${source} "${value}" is invalid: use 1-12 lower-case letters or digits, e.g. "a1". ${HOW_TO}`;
const missingSuffix = `environmentSuffix is missing: use 1-12 lower-case letters or digits, e.g. "a1". ${HOW_TO}`;

describe("resolveDeploymentConfig", () => {
  test.each(["dev", "staging", "production"] as const)("accepts %s with its own stack", (env) => {
    expect(resolveDeploymentConfig({ ...valid, environment: env, stack: env })).toEqual({
      environment: env,
      environmentSuffix: "a1",
      settings: ENVIRONMENT_SETTINGS[env],
    });
  });

  test.each<[string, Partial<RawDeploymentConfig>, string]>([
    [
      "unknown environment",
      { environment: "qa", stack: "qa" },
      'Unknown environment "qa". Use one of: dev, staging, production (the stack name is the environment name).',
    ],
    [
      "stack of another environment",
      { stack: "staging" },
      'Stack "staging" does not match environment "dev": the stack name is the environment name, or dev-pr<N> for a pull request\'s review stack. Run `pulumi stack select dev`.',
    ],
    [
      "another name in dev",
      { stack: "dev-feature" },
      'Stack "dev-feature" does not match environment "dev": the stack name is the environment name, or dev-pr<N> for a pull request\'s review stack. Run `pulumi stack select dev`.',
    ],
    [
      "region missing",
      { region: undefined },
      "aws:region is not set; this platform deploys to us-east-1 only. Run `pulumi config set aws:region us-east-1`.",
    ],
    [
      "wrong region",
      { region: "eu-west-1" },
      'aws:region is "eu-west-1"; this platform deploys to us-east-1 only. Run `pulumi config set aws:region us-east-1`.',
    ],
    ["suffix missing", { environmentSuffix: undefined }, missingSuffix],
    ["suffix empty", { environmentSuffix: "" }, missingSuffix],
    [
      "suffix and override empty",
      { environmentSuffix: "", environmentSuffixOverride: "" },
      missingSuffix,
    ],
    ["upper case", { environmentSuffix: "A1" }, invalidSuffix("environmentSuffix", "A1")],
    ["underscore", { environmentSuffix: "a_1" }, invalidSuffix("environmentSuffix", "a_1")],
    ["hyphen", { environmentSuffix: "a-1" }, invalidSuffix("environmentSuffix", "a-1")],
    ["dot", { environmentSuffix: "a.1" }, invalidSuffix("environmentSuffix", "a.1")],
    ["space", { environmentSuffix: " a1" }, invalidSuffix("environmentSuffix", " a1")],
    [
      "13 characters",
      { environmentSuffix: "abcdefghijklm" },
      invalidSuffix("environmentSuffix", "abcdefghijklm"),
    ],
    [
      "bad override",
      { environmentSuffixOverride: "PR42" },
      invalidSuffix("ENVIRONMENT_SUFFIX", "PR42"),
    ],
    [
      "13-character override",
      { environmentSuffixOverride: "e123456789012" },
      invalidSuffix("ENVIRONMENT_SUFFIX", "e123456789012"),
    ],
    [
      "a suffix in the review stacks' names",
      { environmentSuffix: "pr42" },
      `environmentSuffix "pr42" starts with "pr", which only review stacks use (dev-pr<N> has the suffix pr<N>): the review-stack role may change every dev resource whose suffix starts with it. Use a suffix that does not, e.g. the bootstrap's environmentSuffix output. ${HOW_TO}`,
    ],
    [
      "an override in the review stacks' names",
      { environmentSuffixOverride: "prx" },
      `ENVIRONMENT_SUFFIX "prx" starts with "pr", which only review stacks use`,
    ],
    [
      "the review tag on an environment's own stack",
      { defaultTags: { tags: { Environment: "dev", ReviewStack: "dev-pr42" } } },
      'aws:defaultTags tags every resource of stack "dev" ReviewStack="dev-pr42", which only review stacks carry: the review-stack role may change what carries it. Remove ReviewStack from the stack file\'s aws:defaultTags.',
    ],
  ])("rejects %s", (_case, change, message) => {
    expect(() => resolveDeploymentConfig({ ...valid, ...change })).toThrow(message);
  });

  test.each(["a", "a1", "123", "abcdefghijkl", "p42", "rp1"])("accepts the suffix %j", (suffix) => {
    expect(resolveDeploymentConfig({ ...valid, environmentSuffix: suffix }).environmentSuffix).toBe(
      suffix,
    );
  });

  test("the ENVIRONMENT_SUFFIX override wins over the stack config", () => {
    expect(
      resolveDeploymentConfig({ ...valid, environmentSuffixOverride: "e42" }).environmentSuffix,
    ).toBe("e42");
  });

  test("the override stands in for a missing or bad stack value", () => {
    expect(
      resolveDeploymentConfig({
        ...valid,
        environmentSuffix: undefined,
        environmentSuffixOverride: "e42",
      }).environmentSuffix,
    ).toBe("e42");
    expect(
      resolveDeploymentConfig({
        ...valid,
        environmentSuffix: "A1",
        environmentSuffixOverride: "e42",
      }).environmentSuffix,
    ).toBe("e42");
  });

  test("an empty override falls back to the stack config", () => {
    expect(
      resolveDeploymentConfig({ ...valid, environmentSuffixOverride: "" }).environmentSuffix,
    ).toBe("a1");
  });

  test("the pattern is 1-12 lower-case letters or digits", () => {
    expect(ENVIRONMENT_SUFFIX_PATTERN.source).toBe("^[a-z0-9]{1,12}$");
  });
});

describe("review stacks: dev-pr<N> is dev with the suffix pr<N>", () => {
  const review: RawDeploymentConfig = {
    environment: "dev",
    stack: "dev-pr42",
    region: "us-east-1",
    environmentSuffix: undefined,
    environmentSuffixOverride: undefined,
    defaultTags: { tags: { Environment: "dev", ReviewStack: "dev-pr42" } },
  };
  const write =
    "Write the stack file with `npx tsx scripts/gitops/review-stacks.ts stack-file --stack dev-pr42`.";

  test("resolves to dev's settings, the suffix pr<N> and the review stack", () => {
    expect(resolveDeploymentConfig(review)).toEqual({
      environment: "dev",
      environmentSuffix: "pr42",
      settings: ENVIRONMENT_SETTINGS.dev,
      reviewStack: { environment: "dev", stack: "dev-pr42", pullRequest: 42, suffix: "pr42" },
    });
  });

  test("accepts the same suffix from the config or ENVIRONMENT_SUFFIX, and the largest number", () => {
    expect(
      resolveDeploymentConfig({
        ...review,
        environmentSuffix: "pr42",
        environmentSuffixOverride: "pr42",
      }).environmentSuffix,
    ).toBe("pr42");
    expect(
      resolveDeploymentConfig({
        ...review,
        stack: "dev-pr99999",
        defaultTags: { tags: { ReviewStack: "dev-pr99999" } },
      }).environmentSuffix,
    ).toBe("pr99999");
  });

  test.each<[string, Partial<RawDeploymentConfig>, string]>([
    [
      "a name that is not dev-pr<N>",
      { stack: "dev-prX" },
      'Stack "dev-prX" is not a review stack name: use dev-pr<N> with N the pull request number (1-99999), e.g. dev-pr42.',
    ],
    [
      "pull request 0",
      { stack: "dev-pr0" },
      'Stack "dev-pr0" is not a review stack name: use dev-pr<N> with N the pull request number (1-99999), e.g. dev-pr42.',
    ],
    [
      "a leading zero",
      { stack: "dev-pr042" },
      'Stack "dev-pr042" is not a review stack name: use dev-pr<N>',
    ],
    [
      "a number longer than the names carry",
      { stack: "dev-pr100000" },
      'Stack "dev-pr100000" is not a review stack name: use dev-pr<N> with N the pull request number (1-99999)',
    ],
    [
      "a review stack of staging",
      { environment: "staging", stack: "staging-pr1" },
      'Stack "staging-pr1" looks like a review stack of staging, but only dev has review stacks: use dev-pr<N> with N the pull request number (1-99999), e.g. dev-pr42. staging deploys its own stack, "staging", only.',
    ],
    [
      "a review stack of production",
      { environment: "production", stack: "production-pr1" },
      'Stack "production-pr1" looks like a review stack of production, but only dev has review stacks: use dev-pr<N> with N the pull request number (1-99999), e.g. dev-pr42. production deploys its own stack, "production", only.',
    ],
    [
      "dev's review stack in the staging project",
      { environment: "staging" },
      'Stack "dev-pr42" is a review stack of dev, not of staging: deploy it from environments/dev.',
    ],
    [
      "dev's suffix in the stack config",
      { environmentSuffix: "a1" },
      'Stack "dev-pr42" is a review stack, whose suffix is "pr42" (from its name); environmentSuffix "a1" would give it another deployment\'s names. Remove environmentSuffix from environments/dev/Pulumi.dev-pr42.yaml.',
    ],
    [
      "another suffix from ENVIRONMENT_SUFFIX",
      { environmentSuffixOverride: "pr7" },
      'Stack "dev-pr42" is a review stack, whose suffix is "pr42" (from its name); ENVIRONMENT_SUFFIX "pr7" would give it another deployment\'s names. Unset ENVIRONMENT_SUFFIX or set it to the same value.',
    ],
    [
      "no review tag",
      { defaultTags: { tags: { Environment: "dev" } } },
      `Stack "dev-pr42" is a review stack, so aws:defaultTags must tag every resource ReviewStack=dev-pr42: its role may create network resources and event source mappings only with that tag. The stack config has no such tag. ${write}`,
    ],
    ["no default tags", { defaultTags: undefined }, `The stack config has no such tag. ${write}`],
    [
      "another review stack's tag",
      { defaultTags: { tags: { ReviewStack: "dev-pr7" } } },
      `The stack config has ReviewStack="dev-pr7". ${write}`,
    ],
    [
      "a wrong region",
      { region: "eu-west-1" },
      'aws:region is "eu-west-1"; this platform deploys to us-east-1 only.',
    ],
  ])("rejects %s", (_case, change, message) => {
    expect(() => resolveDeploymentConfig({ ...review, ...change })).toThrow(message);
  });
});

describe("loadDeploymentConfig reads the stack's Pulumi config", () => {
  async function load(
    config: Record<string, string>,
    options: { stack?: string; override?: string } = {},
  ): Promise<DeploymentConfig> {
    let loaded: DeploymentConfig | undefined;
    await runProgram({
      project: "trading-analytics-staging",
      stack: options.stack ?? "staging",
      config,
      environmentVariables: { ENVIRONMENT_SUFFIX: options.override },
      program: () => {
        loaded = loadDeploymentConfig("staging");
      },
    });
    if (loaded === undefined) {
      throw new Error("the program did not run");
    }
    return loaded;
  }

  const stackConfig = {
    "aws:region": "us-east-1",
    "trading-analytics-staging:environmentSuffix": "b7",
  };

  test("the suffix from the project's namespace and the region from aws", async () => {
    expect(await load(stackConfig)).toEqual({
      environment: "staging",
      environmentSuffix: "b7",
      settings: ENVIRONMENT_SETTINGS.staging,
    });
  });

  test("the ENVIRONMENT_SUFFIX variable wins", async () => {
    expect((await load(stackConfig, { override: "e9" })).environmentSuffix).toBe("e9");
  });

  test("a suffix in another project's namespace does not count", async () => {
    await expect(
      load({ "aws:region": "us-east-1", "trading-analytics-dev:environmentSuffix": "b7" }),
    ).rejects.toThrow(missingSuffix);
  });

  test("the selected stack must be the environment", async () => {
    await expect(load(stackConfig, { stack: "production" })).rejects.toThrow(
      'Stack "production" does not match environment "staging": the stack name is the environment name. Run `pulumi stack select staging`.',
    );
  });

  test("reads aws:defaultTags for a review stack", async () => {
    let loaded: DeploymentConfig | undefined;
    await runProgram({
      project: "trading-analytics-dev",
      stack: "dev-pr7",
      config: {
        "aws:region": "us-east-1",
        "aws:defaultTags": JSON.stringify({ tags: { Environment: "dev", ReviewStack: "dev-pr7" } }),
      },
      program: () => {
        loaded = loadDeploymentConfig("dev");
      },
    });
    expect(loaded?.environmentSuffix).toBe("pr7");
    expect(loaded?.reviewStack?.pullRequest).toBe(7);
  });

  test("a missing region is reported", async () => {
    await expect(load({ "trading-analytics-staging:environmentSuffix": "b7" })).rejects.toThrow(
      "aws:region is not set; this platform deploys to us-east-1 only. Run `pulumi config set aws:region us-east-1`.",
    );
  });
});
