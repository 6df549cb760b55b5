import {
  ENVIRONMENT_NAMES,
  environmentBackend,
  githubSetupCommands,
  githubVariables,
  reviewGitHubVariables,
  reviewStacksBackend,
  stateBucketName,
  validateRepository,
} from "../environments/backends";
import * as backendNames from "../environments/backends";
import * as platformNames from "../modules/naming/bootstrap-names";
import {
  githubOutputLines,
  parsePulumiEnvArgs,
  pulumiEnvCli,
  resolveAccountId,
  runPulumiEnv,
  shellExports,
} from "../scripts/gitops/pulumi-env";
import { captureIo } from "../scripts/cli/capture-io";

const ACCOUNT = "123456789012";

describe("environment backends", () => {
  it("names production's state, key and roles", () => {
    expect(environmentBackend("production", ACCOUNT)).toEqual({
      environment: "production",
      accountId: ACCOUNT,
      region: "us-east-1",
      projectName: "trading-analytics-production",
      stackName: "production",
      workDir: "environments/production",
      stateBucketName: "trading-analytics-state-production-123456789012",
      stateBucketArn: "arn:aws:s3:::trading-analytics-state-production-123456789012",
      backendUrl: "s3://trading-analytics-state-production-123456789012?region=us-east-1",
      secretsKeyAlias: "alias/trading-analytics-production-pulumi-secrets",
      secretsProvider:
        "awskms://alias/trading-analytics-production-pulumi-secrets?region=us-east-1",
      deployRoleName: "trading-analytics-production-deploy",
      deployRoleArn: "arn:aws:iam::123456789012:role/trading-analytics-production-deploy",
      previewRoleName: "trading-analytics-production-preview",
      previewRoleArn: "arn:aws:iam::123456789012:role/trading-analytics-production-preview",
      workloadBoundaryPolicyName: "trading-analytics-production-workload-boundary",
      workloadBoundaryPolicyArn:
        "arn:aws:iam::123456789012:policy/trading-analytics-production-workload-boundary",
    });
  });

  it.each(ENVIRONMENT_NAMES)(
    "keeps %s's own state, key and roles out of its deploy role's <env>- scope",
    (environment) => {
      const backend = environmentBackend(environment, ACCOUNT);
      for (const name of [
        backend.stateBucketName,
        backend.secretsKeyAlias.replace("alias/", ""),
        backend.deployRoleName,
        backend.previewRoleName,
        backend.workloadBoundaryPolicyName,
      ]) {
        for (const other of ENVIRONMENT_NAMES) {
          expect(name.startsWith(`${other}-`)).toBe(false);
        }
        expect(name).toContain(environment);
      }
    },
  );

  it("names the workload boundary with the function the platform's roles use", () => {
    expect(backendNames.workloadBoundaryPolicyArn).toBe(platformNames.workloadBoundaryPolicyArn);
    expect(backendNames.workloadBoundaryPolicyName).toBe(platformNames.workloadBoundaryPolicyName);
    expect(backendNames.validateAccountId).toBe(platformNames.validateAccountId);
    expect(backendNames.BOOTSTRAP_PREFIX).toBe(platformNames.BOOTSTRAP_PREFIX);
    for (const environment of ENVIRONMENT_NAMES) {
      expect(environmentBackend(environment, ACCOUNT).workloadBoundaryPolicyArn).toBe(
        `arn:aws:iam::123456789012:policy/trading-analytics-${environment}-workload-boundary`,
      );
    }
  });

  it("gives each environment distinct names", () => {
    const names = ENVIRONMENT_NAMES.map((environment) => environmentBackend(environment, ACCOUNT));
    for (const key of [
      "stateBucketName",
      "secretsKeyAlias",
      "deployRoleName",
      "previewRoleName",
    ] as const) {
      expect(new Set(names.map((backend) => backend[key])).size).toBe(3);
    }
  });

  it("rejects a bad account id or environment with what to do", () => {
    expect(() => environmentBackend("dev", "12345")).toThrow(
      'Account id "12345" is not an AWS account id: use the 12 digits that `aws sts get-caller-identity --query Account --output text` prints.',
    );
    expect(() => stateBucketName("dev", "1234567890123")).toThrow(
      'Account id "1234567890123" is not an AWS account id',
    );
    expect(() => environmentBackend("qa", ACCOUNT)).toThrow(
      'Unknown environment "qa". Use one of: dev, staging, production (the stack name is the environment name).',
    );
  });

  it("splits the GitHub variables between the environment and the repository", () => {
    expect(githubVariables(environmentBackend("staging", ACCOUNT))).toEqual({
      environment: {
        AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/trading-analytics-staging-deploy",
        PULUMI_BACKEND_URL: "s3://trading-analytics-state-staging-123456789012?region=us-east-1",
        PULUMI_SECRETS_PROVIDER:
          "awskms://alias/trading-analytics-staging-pulumi-secrets?region=us-east-1",
      },
      repository: {
        STAGING_AWS_PREVIEW_ROLE_ARN:
          "arn:aws:iam::123456789012:role/trading-analytics-staging-preview",
        STAGING_PULUMI_BACKEND_URL:
          "s3://trading-analytics-state-staging-123456789012?region=us-east-1",
        STAGING_PULUMI_SECRETS_PROVIDER:
          "awskms://alias/trading-analytics-staging-pulumi-secrets?region=us-east-1",
      },
    });
  });

  it("prints the gh commands that set every variable, quoted for the shell", () => {
    expect(
      githubSetupCommands("acme/trading-analytics", [environmentBackend("dev", ACCOUNT)]),
    ).toBe(
      [
        "gh variable set AWS_ROLE_ARN --repo acme/trading-analytics --env dev --body 'arn:aws:iam::123456789012:role/trading-analytics-dev-deploy'",
        "gh variable set PULUMI_BACKEND_URL --repo acme/trading-analytics --env dev --body 's3://trading-analytics-state-dev-123456789012?region=us-east-1'",
        "gh variable set PULUMI_SECRETS_PROVIDER --repo acme/trading-analytics --env dev --body 'awskms://alias/trading-analytics-dev-pulumi-secrets?region=us-east-1'",
        "gh variable set DEV_AWS_PREVIEW_ROLE_ARN --repo acme/trading-analytics --body 'arn:aws:iam::123456789012:role/trading-analytics-dev-preview'",
        "gh variable set DEV_PULUMI_BACKEND_URL --repo acme/trading-analytics --body 's3://trading-analytics-state-dev-123456789012?region=us-east-1'",
        "gh variable set DEV_PULUMI_SECRETS_PROVIDER --repo acme/trading-analytics --body 'awskms://alias/trading-analytics-dev-pulumi-secrets?region=us-east-1'",
        "gh variable set AWS_ROLE_ARN --repo acme/trading-analytics --env review --body 'arn:aws:iam::123456789012:role/trading-analytics-dev-review'",
        "gh variable set PULUMI_BACKEND_URL --repo acme/trading-analytics --env review --body 's3://trading-analytics-state-dev-123456789012?region=us-east-1'",
        "gh variable set PULUMI_SECRETS_PROVIDER --repo acme/trading-analytics --env review --body 'awskms://alias/trading-analytics-dev-pulumi-secrets?region=us-east-1'",
        "",
      ].join("\n"),
    );
    expect(() => validateRepository("acme", "githubRepository")).toThrow(
      'githubRepository "acme" is not a GitHub repository: use OWNER/REPO, e.g. "acme/trading-analytics".',
    );
  });
});

describe("review stacks' backend", () => {
  it("is dev's bucket and key, with a role, path, boundary and state objects of its own", () => {
    const review = reviewStacksBackend(ACCOUNT);
    expect({ ...review, environment: review.environment.environment }).toEqual({
      environment: "dev",
      githubEnvironment: "review",
      roleName: "trading-analytics-dev-review",
      roleArn: "arn:aws:iam::123456789012:role/trading-analytics-dev-review",
      rolePath: "/trading-analytics/dev-review/",
      workloadBoundaryPolicyName: "trading-analytics-dev-review-workload-boundary",
      workloadBoundaryPolicyArn:
        "arn:aws:iam::123456789012:policy/trading-analytics-dev-review-workload-boundary",
      stateObjectKeys: [
        ".pulumi/stacks/trading-analytics-dev/dev-pr*",
        ".pulumi/history/trading-analytics-dev/dev-pr*",
        ".pulumi/backups/trading-analytics-dev/dev-pr*",
        ".pulumi/journal/trading-analytics-dev/dev-pr*",
        ".pulumi/locks/organization/trading-analytics-dev/dev-pr*",
      ],
    });
    expect(review.environment).toEqual(environmentBackend("dev", ACCOUNT));
    for (const name of [review.roleName, review.workloadBoundaryPolicyName]) {
      for (const environment of ENVIRONMENT_NAMES) {
        expect(name.startsWith(`${environment}-`)).toBe(false);
      }
    }
    expect(reviewGitHubVariables(review)).toEqual({
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/trading-analytics-dev-review",
      PULUMI_BACKEND_URL: "s3://trading-analytics-state-dev-123456789012?region=us-east-1",
      PULUMI_SECRETS_PROVIDER:
        "awskms://alias/trading-analytics-dev-pulumi-secrets?region=us-east-1",
    });
  });

  it("adds the review environment's variables only with dev", () => {
    expect(
      githubSetupCommands("acme/trading-analytics", [environmentBackend("staging", ACCOUNT)]),
    ).not.toContain("--env review");
  });
});

describe("scripts/gitops/pulumi-env.ts", () => {
  const noLookup = () => {
    throw new Error("must not ask AWS");
  };

  /** What the command writes and appends; throws what it says on stderr when it refuses. */
  function run(argv: string[], env: NodeJS.ProcessEnv = {}, lookup: () => string = noLookup) {
    const written: string[] = [];
    const appended: [string, string][] = [];
    const io = captureIo(env);
    const parsed = parsePulumiEnvArgs(argv, io);
    if (parsed.kind === "exit") {
      throw new Error(io.err());
    }
    runPulumiEnv(parsed.options, {
      env,
      lookupAccount: lookup,
      write: (text) => written.push(text),
      appendFile: (path, text) => appended.push([path, text]),
    });
    return { written, appended };
  }

  it("prints exports for eval", () => {
    expect(run(["--env", "dev", "--account-id", ACCOUNT]).written).toEqual([
      [
        "export PULUMI_BACKEND_URL='s3://trading-analytics-state-dev-123456789012?region=us-east-1'",
        "export PULUMI_SECRETS_PROVIDER='awskms://alias/trading-analytics-dev-pulumi-secrets?region=us-east-1'",
        "export PULUMI_STACK='dev'",
        "export PULUMI_WORK_DIR='environments/dev'",
        "",
      ].join("\n"),
    ]);
    expect(shellExports(environmentBackend("dev", ACCOUNT))).not.toContain("\n\n");
  });

  it("prints the backend as JSON", () => {
    const [json] = run(["--env", "staging", "--format", "json"], {
      AWS_ACCOUNT_ID: ACCOUNT,
    }).written;
    expect(JSON.parse(json)).toEqual(environmentBackend("staging", ACCOUNT));
  });

  it("appends the workflow's target to GITHUB_OUTPUT without any account", () => {
    expect(
      run(["--env", "production", "--format", "github-output"], { GITHUB_OUTPUT: "/tmp/out" })
        .appended,
    ).toEqual([
      [
        "/tmp/out",
        "work-dir=environments/production\nstack=production\nproject=trading-analytics-production\nregion=us-east-1\nvariable-prefix=PRODUCTION\n",
      ],
    ]);
    expect(githubOutputLines("dev").split("\n")).toHaveLength(5);
  });

  it("targets a review stack of dev in dev's project and backend", () => {
    expect(
      run(["--env", "dev", "--stack", "dev-pr42", "--format", "github-output"], {
        GITHUB_OUTPUT: "/tmp/out",
      }).appended,
    ).toEqual([
      [
        "/tmp/out",
        "work-dir=environments/dev\nstack=dev-pr42\nproject=trading-analytics-dev\nregion=us-east-1\nvariable-prefix=DEV\n",
      ],
    ]);
    expect(
      run(["--env", "dev", "--stack", "dev-pr7", "--account-id", ACCOUNT]).written[0],
    ).toContain("export PULUMI_STACK='dev-pr7'\n");
    const [json] = run(["--env", "dev", "--stack", "dev-pr7", "--format", "json"], {
      AWS_ACCOUNT_ID: ACCOUNT,
    }).written;
    expect(JSON.parse(json)).toEqual({
      ...environmentBackend("dev", ACCOUNT),
      stackName: "dev-pr7",
    });
  });

  it.each([
    [
      ["--env", "staging", "--stack", "dev-pr7"],
      '--stack "dev-pr7" is not a stack of staging: use staging.',
    ],
    [
      ["--env", "dev", "--stack", "dev-feature"],
      '--stack "dev-feature" is not a stack of dev: use dev or a review stack, dev-pr<N>.',
    ],
    [["--env", "dev", "--stack", "dev-prX"], 'Stack "dev-prX" is not a review stack name'],
    [["--env", "staging", "--stack", "staging-pr1"], "only dev has review stacks"],
  ])("refuses %j", (argv, message) => {
    expect(() =>
      run([...argv, "--format", "github-output"], { GITHUB_OUTPUT: "/tmp/out" }),
    ).toThrow(message);
  });

  it("finds the account from the flag, then AWS_ACCOUNT_ID, then the current credentials", () => {
    expect(resolveAccountId(ACCOUNT, { AWS_ACCOUNT_ID: "210987654321" }, noLookup)).toBe(ACCOUNT);
    expect(resolveAccountId(undefined, { AWS_ACCOUNT_ID: "210987654321" }, noLookup)).toBe(
      "210987654321",
    );
    expect(resolveAccountId(undefined, {}, () => "555555555555")).toBe("555555555555");
    expect(() => resolveAccountId(undefined, { AWS_ACCOUNT_ID: "abc" }, noLookup)).toThrow(
      'AWS_ACCOUNT_ID "abc" is not an AWS account id',
    );
    expect(() => resolveAccountId(undefined, {}, () => "")).toThrow(
      'The account of the current AWS credentials "" is not an AWS account id',
    );
  });

  it("explains bad input", () => {
    expect(() => run([])).toThrow("error: required option '--env <environment>' not specified.");
    expect(() => run(["--env", "dev", "--format", "yaml"])).toThrow(
      "error: option '--format <format>' argument 'yaml' is invalid. Allowed choices are shell, json, github-output.",
    );
    expect(() => run(["--env", "prod", "--account-id", ACCOUNT])).toThrow(
      "Allowed choices are dev, staging, production. Did you mean production?",
    );
    expect(() => run(["--env", "dev", "--account-id", "1234"])).toThrow(
      '--account-id "1234" is not an AWS account id',
    );
    expect(() => run(["--env", "dev", "--format", "github-output"])).toThrow(
      "--format github-output appends to the file named by GITHUB_OUTPUT, which is not set: it is meant for GitHub Actions steps.",
    );
  });

  it("exits 0 with the exports, 1 when the account cannot be found", () => {
    const io = captureIo({});
    expect(pulumiEnvCli(["--env", "dev", "--account-id", ACCOUNT], io, noLookup)).toBe(0);
    expect(io.out()).toContain("export PULUMI_STACK='dev'\n");
    const lost = captureIo({});
    const code = pulumiEnvCli(["--env", "dev"], lost, () => {
      throw new Error("Could not find the AWS account: pass --account-id or set AWS_ACCOUNT_ID.");
    });
    expect(code).toBe(1);
    expect(lost.err()).toBe(
      "Could not find the AWS account: pass --account-id or set AWS_ACCOUNT_ID.\n",
    );
  });
});
