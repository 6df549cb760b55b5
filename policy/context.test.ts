import {
  expectedEnvironmentSuffix,
  parseConfigJson,
  resolveEnvironment,
  stackContextFromProcess,
  stackEnvironment,
} from "./context";

describe("stackContextFromProcess", () => {
  it("reads the variables the Pulumi CLI sets for a policy pack", () => {
    expect(
      stackContextFromProcess({
        PULUMI_STACK: "production",
        PULUMI_PROJECT: "trading-analytics-production",
        PULUMI_CONFIG:
          '{"aws:region":"us-east-1","trading-analytics-production:environmentSuffix":"a1"}',
      }),
    ).toEqual({
      stack: "production",
      project: "trading-analytics-production",
      config: { "aws:region": "us-east-1", "trading-analytics-production:environmentSuffix": "a1" },
    });
  });

  it("falls back to the Node.js-specific variables and reads ENVIRONMENT_SUFFIX", () => {
    expect(
      stackContextFromProcess({
        PULUMI_NODEJS_STACK: "dev",
        PULUMI_NODEJS_PROJECT: "trading-analytics-dev",
        ENVIRONMENT_SUFFIX: "pr42",
      }),
    ).toEqual({
      stack: "dev",
      project: "trading-analytics-dev",
      config: {},
      environmentSuffixOverride: "pr42",
    });
    expect(stackContextFromProcess({ PULUMI_STACK: "", ENVIRONMENT_SUFFIX: "" })).toEqual({
      config: {},
    });
  });
});

describe("parseConfigJson", () => {
  it("keeps strings and writes other values as JSON", () => {
    expect(parseConfigJson('{"a:b":"x","a:n":3,"a:o":{"k":true}}')).toEqual({
      "a:b": "x",
      "a:n": "3",
      "a:o": '{"k":true}',
    });
    expect(parseConfigJson(undefined)).toEqual({});
    expect(parseConfigJson("  ")).toEqual({});
  });

  it.each([
    [
      "[1]",
      "PULUMI_CONFIG must be a JSON object of configuration keys to values; received an array.",
    ],
    [
      '"text"',
      "PULUMI_CONFIG must be a JSON object of configuration keys to values; received string.",
    ],
  ])("rejects %s", (raw, message) => {
    expect(() => parseConfigJson(raw)).toThrow(message);
  });

  it("rejects text that is not JSON, saying what it must be", () => {
    expect(() => parseConfigJson("{oops")).toThrow(
      /^PULUMI_CONFIG is not valid JSON \(.+\): it must be the stack configuration as a JSON object, as the Pulumi CLI sets it\.$/,
    );
  });
});

describe("environment resolution", () => {
  const tags = { Environment: "staging" };

  it("prefers the stack's environment, then the Environment tag, and never guesses", () => {
    expect(resolveEnvironment({ stack: "production", config: {} }, tags)).toBe("production");
    expect(resolveEnvironment({ stack: "feature-x", config: {} }, tags)).toBe("staging");
    expect(resolveEnvironment({ config: {} }, { Environment: "qa" })).toBeUndefined();
    expect(resolveEnvironment({ config: {} }, {})).toBeUndefined();
    expect(stackEnvironment({ stack: "Production", config: {} })).toBeUndefined();
  });

  it("takes a review stack's environment from its name, and ignores a malformed one", () => {
    expect(stackEnvironment({ stack: "dev-pr42", config: {} })).toBe("dev");
    expect(resolveEnvironment({ stack: "dev-pr42", config: {} }, tags)).toBe("dev");
    expect(stackEnvironment({ stack: "dev-prX", config: {} })).toBeUndefined();
    expect(stackEnvironment({ stack: "staging-pr1", config: {} })).toBeUndefined();
  });
});

describe("expectedEnvironmentSuffix", () => {
  it.each([
    [{ config: { "p:environmentSuffix": "a1" } }, "a1"],
    [{ project: "p", config: { "p:environmentSuffix": "a1", "q:environmentSuffix": "b2" } }, "a1"],
    [{ config: { "p:environmentSuffix": "a1", "q:environmentSuffix": "b2" } }, undefined],
    [{ config: { environmentSuffix: "c3" } }, "c3"],
    [{ config: { "p:environmentSuffix": "Not Valid" } }, undefined],
    [{ config: { "p:environmentSuffix": "a1" }, environmentSuffixOverride: "e7" }, "e7"],
    [{ stack: "dev-pr42", config: { "p:environmentSuffix": "a1" } }, "pr42"],
    [{ stack: "dev-pr42", config: {}, environmentSuffixOverride: "e7" }, "pr42"],
    [{ config: {} }, undefined],
  ])("%j gives %s", (context, expected) => {
    expect(expectedEnvironmentSuffix(context)).toBe(expected);
  });
});
