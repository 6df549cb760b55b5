import { runProgram } from "../../scripts/lib/mock-runtime";
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
      'Stack "staging" does not match environment "dev": the stack name is the environment name. Run `pulumi stack select dev`.',
    ],
    [
      "ephemeral stack name",
      { stack: "dev-pr42" },
      'Stack "dev-pr42" does not match environment "dev": the stack name is the environment name. Run `pulumi stack select dev`.',
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
      { environmentSuffixOverride: "pr12345678901" },
      invalidSuffix("ENVIRONMENT_SUFFIX", "pr12345678901"),
    ],
  ])("rejects %s", (_case, change, message) => {
    expect(() => resolveDeploymentConfig({ ...valid, ...change })).toThrow(message);
  });

  test.each(["a", "a1", "123", "abcdefghijkl", "pr42"])("accepts the suffix %j", (suffix) => {
    expect(resolveDeploymentConfig({ ...valid, environmentSuffix: suffix }).environmentSuffix).toBe(
      suffix,
    );
  });

  test("the ENVIRONMENT_SUFFIX override wins over the stack config", () => {
    expect(
      resolveDeploymentConfig({ ...valid, environmentSuffixOverride: "pr42" }).environmentSuffix,
    ).toBe("pr42");
  });

  test("the override stands in for a missing or bad stack value", () => {
    expect(
      resolveDeploymentConfig({
        ...valid,
        environmentSuffix: undefined,
        environmentSuffixOverride: "pr42",
      }).environmentSuffix,
    ).toBe("pr42");
    expect(
      resolveDeploymentConfig({
        ...valid,
        environmentSuffix: "A1",
        environmentSuffixOverride: "pr42",
      }).environmentSuffix,
    ).toBe("pr42");
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
    expect((await load(stackConfig, { override: "pr9" })).environmentSuffix).toBe("pr9");
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

  test("a missing region is reported", async () => {
    await expect(load({ "trading-analytics-staging:environmentSuffix": "b7" })).rejects.toThrow(
      "aws:region is not set; this platform deploys to us-east-1 only. Run `pulumi config set aws:region us-east-1`.",
    );
  });
});
