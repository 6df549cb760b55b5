import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { environmentBackend } from "../../environments/backends";
import {
  changeSecretsProviderCommand,
  committedReviewStackFiles,
  environmentSuffixCommand,
  expectedSecretsProvider,
  parseStackFile,
  reviewStackFilePath,
  reviewStackFileText,
  stackFilePath,
  stackFileProblems,
  stackFilesProblems,
  stackInitCommand,
} from "../../environments/stack-files";
import {
  ENVIRONMENT_SUFFIX_PATTERN,
  TEMPLATE_ENVIRONMENT_SUFFIX,
} from "../../modules/config/deployment";
import { resolveDeploymentConfig } from "../../modules/config/deployment";
import { reviewStack } from "../../modules/config/review-stack";
import { ENVIRONMENT_NAMES, type EnvironmentName } from "../../modules/config/settings";

const ROOT = path.resolve(__dirname, "..", "..");

function committed(environment: EnvironmentName): string {
  return fs.readFileSync(path.join(ROOT, stackFilePath(environment)), "utf8");
}

const FIX =
  "Run the bootstrap's `stackFilesCommand` output (README, Deploying, First deploy) and commit the file.";

/** A stack file as the Pulumi CLI writes it after `stack init`, with the given top-level lines. */
function stackFile(environment: EnvironmentName, top: string, suffix = "a1"): string {
  return `${top}config:\n  aws:region: us-east-1\n  trading-analytics-${environment}:environmentSuffix: "${suffix}"\n`;
}

const KEY = "AQICAHh4dGVzdC1kYXRhLWtleQ==";

describe("the committed stack files", () => {
  test.each(ENVIRONMENT_NAMES)(
    "%s: names its own environment's KMS secrets provider, never the passphrase one",
    (environment) => {
      const contents = parseStackFile(committed(environment));
      expect(contents.secretsprovider).toBe(
        `awskms://alias/trading-analytics-${environment}-pulumi-secrets?region=us-east-1`,
      );
      expect(contents.secretsprovider).toBe(
        environmentBackend(environment, "123456789012").secretsProvider,
      );
      expect(contents.encryptionsalt).toBeUndefined();
    },
  );

  test("pass every rule, including encryptedkey all or none and never shared", () => {
    const files = Object.fromEntries(ENVIRONMENT_NAMES.map((env) => [env, committed(env)]));
    expect(stackFilesProblems(files)).toEqual([]);
  });

  test("encryptedkey: the template ships none; once the first deploy commits one, every environment needs its own", () => {
    const keys = ENVIRONMENT_NAMES.map((env) => parseStackFile(committed(env)).encryptedkey);
    const present = keys.filter((key) => key !== undefined);
    // Either the template as shipped (no stack initialised yet) or a deployed repository: never half.
    expect([0, ENVIRONMENT_NAMES.length]).toContain(present.length);
    expect(new Set(present).size).toBe(present.length);
  });

  test("each sets a valid environmentSuffix (the template's until a deployment sets its own)", () => {
    for (const environment of ENVIRONMENT_NAMES) {
      const suffix = parseStackFile(committed(environment)).config?.[
        `trading-analytics-${environment}:environmentSuffix`
      ];
      expect(suffix).toMatch(ENVIRONMENT_SUFFIX_PATTERN);
    }
    expect(TEMPLATE_ENVIRONMENT_SUFFIX).toBe("a1");
  });
});

describe("stackFileProblems", () => {
  const expected = (env: EnvironmentName) =>
    `It must be \`secretsprovider: ${expectedSecretsProvider(env)}\`. ${FIX}`;

  test.each<[string, EnvironmentName, string, string]>([
    [
      "no secretsprovider",
      "dev",
      "",
      `environments/dev/Pulumi.dev.yaml names no secretsprovider: Pulumi then uses the passphrase provider for the stack, whatever its state says (pulumi/pulumi#17236), and every run stops asking for PULUMI_CONFIG_PASSPHRASE. ${expected("dev")}`,
    ],
    [
      "an empty secretsprovider",
      "dev",
      'secretsprovider: ""\n',
      `environments/dev/Pulumi.dev.yaml names no secretsprovider`,
    ],
    [
      "another environment's key",
      "production",
      "secretsprovider: awskms://alias/trading-analytics-staging-pulumi-secrets?region=us-east-1\n",
      `environments/production/Pulumi.production.yaml names awskms://alias/trading-analytics-staging-pulumi-secrets?region=us-east-1, the secrets key of staging: each environment encrypts its secrets with its own key, and production's pipeline roles may not use another's. ${expected("production")}`,
    ],
    [
      "the passphrase provider",
      "staging",
      "secretsprovider: passphrase\n",
      `environments/staging/Pulumi.staging.yaml names the passphrase provider: no pipeline has a passphrase, and none should. ${expected("staging")}`,
    ],
    [
      "its key in another region",
      "dev",
      "secretsprovider: awskms://alias/trading-analytics-dev-pulumi-secrets?region=eu-west-1\n",
      `environments/dev/Pulumi.dev.yaml names "awskms://alias/trading-analytics-dev-pulumi-secrets?region=eu-west-1". ${expected("dev")}`,
    ],
    [
      "a passphrase salt left beside the KMS provider",
      "dev",
      `secretsprovider: ${expectedSecretsProvider("dev")}\nencryptionsalt: v1:abc:def\n`,
      `environments/dev/Pulumi.dev.yaml holds an encryptionsalt, which only the passphrase provider uses: \`pulumi stack change-secrets-provider ${expectedSecretsProvider("dev")}\` removes it. ${FIX}`,
    ],
    [
      "a mangled encryptedkey",
      "dev",
      `secretsprovider: ${expectedSecretsProvider("dev")}\nencryptedkey: "not base64!"\n`,
      "environments/dev/Pulumi.dev.yaml has an encryptedkey that is not base64: restore the value `pulumi stack init` or `pulumi stack change-secrets-provider` wrote.",
    ],
  ])("fails on %s", (_case, environment, top, message) => {
    const problems = stackFileProblems(environment, stackFile(environment, top), {
      requireEncryptedKey: false,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  test("requires an encryptedkey when asked, and the suffix when given", () => {
    const text = stackFile("dev", `secretsprovider: ${expectedSecretsProvider("dev")}\n`);
    expect(stackFileProblems("dev", text, { requireEncryptedKey: false })).toEqual([]);
    expect(
      stackFileProblems("dev", text, { requireEncryptedKey: true, environmentSuffix: "k3x9q2mz" }),
    ).toEqual([
      `environments/dev/Pulumi.dev.yaml holds no encryptedkey, the stack's data key that \`pulumi stack init\` writes: without it the CLI mints a new data key on every run, which the read-only preview role cannot. ${FIX}`,
      `environments/dev/Pulumi.dev.yaml sets trading-analytics-dev:environmentSuffix to "a1", not "k3x9q2mz". ${FIX}`,
    ]);
    const ready = stackFile(
      "dev",
      `secretsprovider: ${expectedSecretsProvider("dev")}\nencryptedkey: ${KEY}\n`,
      "k3x9q2mz",
    );
    expect(
      stackFileProblems("dev", ready, { requireEncryptedKey: true, environmentSuffix: "k3x9q2mz" }),
    ).toEqual([]);
  });

  test("reports a file that is not a YAML mapping", () => {
    expect(stackFileProblems("dev", "- a\n- b\n", { requireEncryptedKey: false })).toEqual([
      "environments/dev/Pulumi.dev.yaml cannot be read: it is not a YAML mapping.",
    ]);
  });
});

describe("stackFilesProblems", () => {
  const ready = (env: EnvironmentName, key: string) =>
    stackFile(env, `secretsprovider: ${expectedSecretsProvider(env)}\nencryptedkey: ${key}\n`);
  const template = (env: EnvironmentName) =>
    stackFile(env, `secretsprovider: ${expectedSecretsProvider(env)}\n`);

  test("an encryptedkey in one stack file makes it required in every other", () => {
    expect(
      stackFilesProblems({
        dev: ready("dev", "ZGV2a2V5"),
        staging: template("staging"),
        production: template("production"),
      }),
    ).toEqual([
      `environments/staging/Pulumi.staging.yaml holds no encryptedkey, the stack's data key that \`pulumi stack init\` writes: without it the CLI mints a new data key on every run, which the read-only preview role cannot. ${FIX}`,
      `environments/production/Pulumi.production.yaml holds no encryptedkey, the stack's data key that \`pulumi stack init\` writes: without it the CLI mints a new data key on every run, which the read-only preview role cannot. ${FIX}`,
    ]);
  });

  test("no two stack files may hold the same encryptedkey", () => {
    expect(
      stackFilesProblems({
        dev: ready("dev", "ZGV2a2V5"),
        staging: ready("staging", "ZGV2a2V5"),
        production: ready("production", "cHJvZGtleQ=="),
      }),
    ).toEqual([
      `environments/staging/Pulumi.staging.yaml holds the same encryptedkey as environments/dev/Pulumi.dev.yaml: a data key is encrypted with one environment's KMS key, so a copied one cannot be decrypted. ${FIX}`,
    ]);
  });

  test("all initialised, or none: both pass", () => {
    expect(
      stackFilesProblems({
        dev: ready("dev", "ZGV2"),
        staging: ready("staging", "c3Rn"),
        production: ready("production", "cHJk"),
      }),
    ).toEqual([]);
    expect(
      stackFilesProblems({
        dev: template("dev"),
        staging: template("staging"),
        production: template("production"),
      }),
    ).toEqual([]);
  });
});

describe("the commands that write a stack file", () => {
  const backend = environmentBackend("staging", "123456789012");

  test("quote the backend and provider URLs for the shell", () => {
    expect(stackInitCommand(backend)).toBe(
      "PULUMI_BACKEND_URL='s3://trading-analytics-state-staging-123456789012?region=us-east-1' pulumi stack init staging --cwd environments/staging --secrets-provider 'awskms://alias/trading-analytics-staging-pulumi-secrets?region=us-east-1'",
    );
    expect(changeSecretsProviderCommand(backend)).toBe(
      "PULUMI_BACKEND_URL='s3://trading-analytics-state-staging-123456789012?region=us-east-1' pulumi stack change-secrets-provider 'awskms://alias/trading-analytics-staging-pulumi-secrets?region=us-east-1' --stack staging --cwd environments/staging",
    );
    expect(environmentSuffixCommand(backend, "k3x9q2mz")).toBe(
      "PULUMI_BACKEND_URL='s3://trading-analytics-state-staging-123456789012?region=us-east-1' pulumi config set environmentSuffix k3x9q2mz --stack staging --cwd environments/staging",
    );
  });
});

describe("review stack files", () => {
  const review = reviewStack(42);
  const devFile = [
    "secretsprovider: awskms://alias/trading-analytics-dev-pulumi-secrets?region=us-east-1",
    `encryptedkey: ${KEY}`,
    "config:",
    "  aws:region: us-east-1",
    "  aws:defaultTags:",
    "    tags:",
    "      Environment: dev",
    "      ManagedBy: pulumi",
    "      Project: trading-analytics",
    '  trading-analytics-dev:environmentSuffix: "k3x9a2bc"',
    "",
  ].join("\n");

  test("lives beside dev's and is ignored by git", () => {
    expect(reviewStackFilePath(review)).toBe("environments/dev/Pulumi.dev-pr42.yaml");
    const ignored = execFileSync(
      "git",
      ["check-ignore", "--no-index", "environments/dev/Pulumi.dev-pr42.yaml"],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(ignored.trim()).toBe("environments/dev/Pulumi.dev-pr42.yaml");
    expect(() =>
      execFileSync("git", ["check-ignore", "--no-index", stackFilePath("dev")], { cwd: ROOT }),
    ).toThrow();
  });

  test("is never committed", () => {
    const files = execFileSync("git", ["ls-files", "environments"], { cwd: ROOT, encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    expect(files).toContain(stackFilePath("dev"));
    expect(committedReviewStackFiles(files)).toEqual([]);
    expect(
      committedReviewStackFiles([
        "environments/dev/Pulumi.dev-pr42.yaml",
        "environments/dev/Pulumi.dev.yaml",
        "environments/dev/Pulumi.yaml",
      ]),
    ).toEqual(["environments/dev/Pulumi.dev-pr42.yaml"]);
  });

  test("holds dev's provider, data key and config, without dev's suffix, with the review tag", () => {
    const text = reviewStackFileText(devFile, review);
    expect(text.split("\n")[0]).toBe(
      "# The review stack of pull request #42, written from environments/dev/Pulumi.dev.yaml by scripts/gitops/review-stacks.ts. Never committed.",
    );
    expect(parseStackFile(text)).toEqual({
      secretsprovider: "awskms://alias/trading-analytics-dev-pulumi-secrets?region=us-east-1",
      encryptedkey: KEY,
      config: {
        "aws:region": "us-east-1",
        "aws:defaultTags": {
          tags: {
            Environment: "dev",
            ManagedBy: "pulumi",
            Project: "trading-analytics",
            ReviewStack: "dev-pr42",
          },
        },
      },
    });
    expect(stackFileProblems("dev", text, { requireEncryptedKey: true })).toEqual([]);
  });

  test("is what the program accepts for the review stack", () => {
    const config = parseStackFile(reviewStackFileText(devFile, review)).config ?? {};
    expect(
      resolveDeploymentConfig({
        environment: "dev",
        stack: review.stack,
        region: config["aws:region"] as string,
        environmentSuffix: config["trading-analytics-dev:environmentSuffix"] as undefined,
        environmentSuffixOverride: undefined,
        defaultTags: config["aws:defaultTags"],
      }).environmentSuffix,
    ).toBe("pr42");
  });

  test("from the committed dev file too", () => {
    const text = reviewStackFileText(committed("dev"), review);
    const parsed = parseStackFile(text);
    expect(parsed.secretsprovider).toBe(expectedSecretsProvider("dev"));
    expect(parsed.encryptedkey).toBe(parseStackFile(committed("dev")).encryptedkey);
    expect(parsed.config?.["trading-analytics-dev:environmentSuffix"]).toBeUndefined();
  });

  test("leaves out a data key encrypted for another provider, and adds tags where dev has none", () => {
    const parsed = parseStackFile(
      reviewStackFileText(
        `secretsprovider: passphrase\nencryptedkey: ${KEY}\nconfig:\n  aws:region: us-east-1\n`,
        review,
      ),
    );
    expect(parsed).toEqual({
      secretsprovider: expectedSecretsProvider("dev"),
      config: {
        "aws:region": "us-east-1",
        "aws:defaultTags": { tags: { ReviewStack: "dev-pr42" } },
      },
    });
  });
});
