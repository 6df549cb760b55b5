import * as pulumi from "@pulumi/pulumi";

import { readFileSync } from "node:fs";
import { join } from "node:path";

import { parse } from "yaml";

import {
  BOOTSTRAP_PROJECT,
  ROLES_WITHOUT_BOUNDARY_WARNING,
  loadBootstrapConfig,
  resolveBootstrapConfig,
  type RawBootstrapConfig,
} from "../bootstrap/config";
import {
  deployRoleContexts,
  githubSubjects,
  githubTrustPolicy,
  previewRoleContexts,
} from "../bootstrap/github-oidc";
import { bootstrapProgram } from "../bootstrap/program";
import { reviewStackScope } from "../bootstrap/review-stack-role";
import {
  deployPolicies,
  previewPolicies,
  workloadBoundaryPolicy,
  type PermissionScope,
} from "../bootstrap/permissions";
import { KEY_ACCOUNT_ACTIONS } from "../bootstrap/state-backend";
import { reviewStacksBackend } from "../environments/backends";
import { environmentSettings, type EnvironmentName } from "../modules/config/settings";
import { proposeEnvironmentSuffix } from "../modules/naming/deployment-suffix";

const ACCOUNT = "123456789012";
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;

interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

const recorded: Recorded[] = [];
let callerAccount = ACCOUNT;

function computed(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      return { arn: PROVIDER_ARN };
    case "aws:kms/key:Key": {
      const env = String(inputs.description).split(" ")[6];
      return { arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${env}-key-id`, keyId: `${env}-key-id` };
    }
    case "aws:s3/bucket:Bucket":
      return { arn: `arn:aws:s3:::${String(inputs.bucket)}`, bucket: inputs.bucket };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${ACCOUNT}:role/${String(inputs.name)}` };
    case "aws:iam/policy:Policy":
      return { arn: `arn:aws:iam::${ACCOUNT}:policy/${String(inputs.name)}` };
    default:
      return {};
  }
}

void pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      recorded.push({
        type: args.type,
        name: args.name,
        inputs: args.inputs as Record<string, unknown>,
      });
      return {
        id: `${args.name}-id`,
        state: { ...args.inputs, ...computed(args.type, args.inputs as Record<string, unknown>) },
      };
    },
    call: (args) => {
      if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
        return {
          accountId: callerAccount,
          arn: `arn:aws:iam::${callerAccount}:user/admin`,
          userId: "AIDA",
        };
      }
      throw new Error(`Unexpected call ${args.token}`);
    },
  },
  "trading-analytics-bootstrap",
  "bootstrap",
  false,
);

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

async function settle(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs: () => Promise<void> };
  await runtime.waitForRPCs();
}

const RAW: RawBootstrapConfig = {
  region: "us-east-1",
  awsAccountId: ACCOUNT,
  githubRepository: "acme/trading-analytics",
  githubOwnerId: "1001",
  githubRepositoryId: "2002",
  defaultBranch: undefined,
  existingOidcProviderArn: undefined,
  environments: undefined,
  allowRolesWithoutBoundary: undefined,
  vpcIds: undefined,
};

async function run(raw: Partial<RawBootstrapConfig> = {}) {
  recorded.length = 0;
  const outputs = await bootstrapProgram(resolveBootstrapConfig({ ...RAW, ...raw }));
  const resolved = {
    accountId: outputs.accountId,
    environmentSuffix: outputs.environmentSuffix,
    environmentSuffixCommands: outputs.environmentSuffixCommands,
    stackFilesCommand: outputs.stackFilesCommand,
    githubProtectionCommand: outputs.githubProtectionCommand,
    oidcProviderArn: await valueOf(outputs.oidcProviderArn),
    githubVariables: await valueOf(outputs.githubVariables),
    githubSetupCommands: await valueOf(outputs.githubSetupCommands),
    reviewStacks:
      outputs.reviewStacks === undefined
        ? undefined
        : {
            roleArn: await valueOf(outputs.reviewStacks.roleArn),
            workloadBoundaryArn: await valueOf(outputs.reviewStacks.workloadBoundaryArn),
            githubEnvironment: outputs.reviewStacks.githubEnvironment,
            rolePath: outputs.reviewStacks.rolePath,
          },
    environments: Object.fromEntries(
      await Promise.all(
        Object.entries(outputs.environments).map(async ([env, value]) => [
          env,
          {
            stateBucket: await valueOf(value.stateBucket),
            backendUrl: value.backendUrl,
            secretsProvider: value.secretsProvider,
            secretsKeyArn: await valueOf(value.secretsKeyArn),
            deployRoleArn: await valueOf(value.deployRoleArn),
            previewRoleArn: await valueOf(value.previewRoleArn),
            workloadBoundaryArn: await valueOf(value.workloadBoundaryArn),
            networkInterfaceCleanup: value.networkInterfaceCleanup,
            ...(value.deployRoleWarning === undefined
              ? {}
              : { deployRoleWarning: value.deployRoleWarning }),
            stackInitCommand: value.stackInitCommand,
            changeSecretsProviderCommand: value.changeSecretsProviderCommand,
            environmentSuffixCommand: value.environmentSuffixCommand,
          },
        ]),
      ),
    ),
  };
  await settle();
  return { resolved, resources: [...recorded] };
}

function only(resources: Recorded[], type: string, name: string): Recorded {
  const found = resources.filter((resource) => resource.type === type && resource.name === name);
  expect(found.map((resource) => `${resource.type} ${resource.name}`)).toEqual([`${type} ${name}`]);
  return found[0];
}

function json(value: unknown): unknown {
  return JSON.parse(String(value));
}

function scopeOf(environment: EnvironmentName): PermissionScope {
  return {
    environment,
    settings: environmentSettings(environment),
    accountId: ACCOUNT,
    region: "us-east-1",
    stateBucketArn: `arn:aws:s3:::trading-analytics-state-${environment}-${ACCOUNT}`,
    secretsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${environment}-key-id`,
    workloadBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/trading-analytics-${environment}-workload-boundary`,
    enforceWorkloadBoundary: true,
  };
}

describe("bootstrap under mocks", () => {
  let result: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    result = await run();
  });

  it("creates the OIDC provider once, and per environment a backend and two roles", () => {
    const counts: Record<string, number> = {};
    for (const resource of result.resources) {
      counts[resource.type] = (counts[resource.type] ?? 0) + 1;
    }
    expect(counts).toEqual({
      "trading:bootstrap:GitHubOidcProvider": 1,
      "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
      "trading:bootstrap:StateBackend": 3,
      "aws:kms/key:Key": 3,
      "aws:kms/alias:Alias": 3,
      "aws:s3/bucket:Bucket": 3,
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 3,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 3,
      "aws:s3/bucketVersioning:BucketVersioning": 3,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 3,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 3,
      "aws:s3/bucketPolicy:BucketPolicy": 3,
      "trading:bootstrap:PipelineRoles": 3,
      "trading:bootstrap:ReviewStackRole": 1,
      "aws:iam/role:Role": 7,
      // Per environment: the boundary, six deploy and six preview policies; for the review stacks
      // their boundary and six policies.
      "aws:iam/policy:Policy": 46,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 42,
    });
    const urns = result.resources.map((resource) => `${resource.type}::${resource.name}`);
    expect(new Set(urns).size).toBe(urns.length);
  });

  it("trusts GitHub's token service, for STS only", () => {
    const provider = only(
      result.resources,
      "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
      "github",
    );
    expect(provider.inputs).toEqual({
      url: "https://token.actions.githubusercontent.com",
      clientIdLists: ["sts.amazonaws.com"],
      tags: { ManagedBy: "pulumi", Project: "trading-analytics", Service: "github-oidc" },
    });
  });

  describe.each(["dev", "staging", "production"] as const)("%s", (environment) => {
    const bucket = `trading-analytics-state-${environment}-${ACCOUNT}`;
    const tags = {
      Environment: environment,
      ManagedBy: "pulumi",
      Project: "trading-analytics",
      Service: "pulumi-state",
    };

    it("keeps state in a versioned, KMS-encrypted, private, TLS-only bucket", () => {
      const r = result.resources;
      expect(only(r, "aws:s3/bucket:Bucket", `${environment}-state-bucket`).inputs).toEqual({
        bucket,
        forceDestroy: false,
        tags,
      });
      const id = `${environment}-state-bucket-id`;
      expect(
        only(r, "aws:s3/bucketVersioning:BucketVersioning", `${environment}-state-versioning`)
          .inputs,
      ).toEqual({ bucket: id, versioningConfiguration: { status: "Enabled" } });
      expect(
        only(
          r,
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          `${environment}-state-encryption`,
        ).inputs,
      ).toEqual({
        bucket: id,
        rules: [
          {
            applyServerSideEncryptionByDefault: {
              sseAlgorithm: "aws:kms",
              kmsMasterKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${environment}-key-id`,
            },
            bucketKeyEnabled: true,
          },
        ],
      });
      expect(
        only(
          r,
          "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
          `${environment}-state-public-access`,
        ).inputs,
      ).toEqual({
        bucket: id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(
        only(
          r,
          "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
          `${environment}-state-ownership`,
        ).inputs,
      ).toEqual({ bucket: id, rule: { objectOwnership: "BucketOwnerEnforced" } });
      expect(
        only(
          r,
          "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
          `${environment}-state-lifecycle`,
        ).inputs,
      ).toEqual({
        bucket: id,
        rules: [
          {
            id: "expire-old-state-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: 90 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      });
      const policy = only(r, "aws:s3/bucketPolicy:BucketPolicy", `${environment}-state-tls-only`);
      expect(json(policy.inputs.policy)).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      });
    });

    it("encrypts secrets with its own rotating key, administered through IAM", () => {
      const key = only(result.resources, "aws:kms/key:Key", `${environment}-state-key`);
      expect({ ...key.inputs, policy: json(key.inputs.policy) }).toEqual({
        description: `Pulumi secrets and state of the ${environment} environment`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: {
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AccountManagesAndUsesKeyThroughIam",
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
              Action: [...KEY_ACCOUNT_ACTIONS],
              Resource: "*",
            },
          ],
        },
        tags,
      });
      for (const action of KEY_ACCOUNT_ACTIONS) {
        expect(action).toMatch(/^kms:[A-Za-z]+$/);
      }
      expect(KEY_ACCOUNT_ACTIONS).toContain("kms:PutKeyPolicy");
      expect(
        only(result.resources, "aws:kms/alias:Alias", `${environment}-state-key-alias`).inputs,
      ).toEqual({
        name: `alias/trading-analytics-${environment}-pulumi-secrets`,
        targetKeyId: `${environment}-key-id`,
      });
    });

    it("trusts the deploy role only to jobs in the GitHub environment, in both subject forms", () => {
      const role = only(result.resources, "aws:iam/role:Role", `${environment}-pipeline-deploy`);
      expect(role.inputs.name).toBe(`trading-analytics-${environment}-deploy`);
      expect(role.inputs.maxSessionDuration).toBe(7200);
      expect(json(role.inputs.assumeRolePolicy)).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "GitHubActionsDeploy",
            Effect: "Allow",
            Principal: { Federated: PROVIDER_ARN },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": [
                  `repo:acme/trading-analytics:environment:${environment}`,
                  `repo:acme@1001/trading-analytics@2002:environment:${environment}`,
                ],
              },
            },
          },
        ],
      });
    });

    it("trusts the preview role only to pull requests or releases, and the default branch", () => {
      const role = only(result.resources, "aws:iam/role:Role", `${environment}-pipeline-preview`);
      expect(role.inputs.name).toBe(`trading-analytics-${environment}-preview`);
      expect(role.inputs.maxSessionDuration).toBe(3600);
      const subjects =
        environment === "production"
          ? [
              "repo:acme/trading-analytics:ref:refs/tags/v*",
              "repo:acme@1001/trading-analytics@2002:ref:refs/tags/v*",
              "repo:acme/trading-analytics:ref:refs/heads/main",
              "repo:acme@1001/trading-analytics@2002:ref:refs/heads/main",
            ]
          : [
              "repo:acme/trading-analytics:pull_request",
              "repo:acme@1001/trading-analytics@2002:pull_request",
              "repo:acme/trading-analytics:ref:refs/heads/main",
              "repo:acme@1001/trading-analytics@2002:ref:refs/heads/main",
            ];
      expect(json(role.inputs.assumeRolePolicy)).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "GitHubActionsPreview",
            Effect: "Allow",
            Principal: { Federated: PROVIDER_ARN },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition:
              environment === "production"
                ? {
                    StringEquals: {
                      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    },
                    StringLike: { "token.actions.githubusercontent.com:sub": subjects },
                  }
                : {
                    StringEquals: {
                      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                      "token.actions.githubusercontent.com:sub": subjects,
                    },
                  },
          },
        ],
      });
    });

    it("attaches exactly the environment's policies to each role", () => {
      const scope = scopeOf(environment);
      const policies = result.resources.filter(
        (resource) =>
          resource.type === "aws:iam/policy:Policy" &&
          resource.name.startsWith(`${environment}-pipeline-`),
      );
      const byName = Object.fromEntries(
        policies.map((policy) => [policy.inputs.name, json(policy.inputs.policy)]),
      );
      const prefix = `trading-analytics-${environment}`;
      expect(byName).toEqual({
        [`${prefix}-workload-boundary`]: workloadBoundaryPolicy(scope),
        ...Object.fromEntries(
          Object.entries(deployPolicies(scope)).map(([group, document]) => [
            `${prefix}-deploy-${group}`,
            document,
          ]),
        ),
        ...Object.fromEntries(
          Object.entries(previewPolicies(scope)).map(([group, document]) => [
            `${prefix}-preview-${group}`,
            document,
          ]),
        ),
      });
      const attachments = result.resources
        .filter(
          (resource) =>
            resource.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" &&
            resource.name.startsWith(`${environment}-pipeline-`),
        )
        .map(
          (resource) => `${String(resource.inputs.role)} <- ${String(resource.inputs.policyArn)}`,
        );
      const arn = (name: string) => `arn:aws:iam::${ACCOUNT}:policy/${prefix}-${name}`;
      const groups = ["state", "network", "data", "monitoring", "compute", "read"];
      expect(attachments).toEqual([
        ...groups.map((group) => `${prefix}-deploy <- ${arn(`deploy-${group}`)}`),
        ...groups.map((group) => `${prefix}-preview <- ${arn(`preview-${group}`)}`),
      ]);
    });

    it("mentions no other environment in any of its resources", () => {
      const others = (["dev", "staging", "production"] as const).filter(
        (other) => other !== environment,
      );
      const mine = result.resources.filter((resource) =>
        resource.name.startsWith(`${environment}-`),
      );
      // Dev's also include the review stacks' role, its boundary and its six policies.
      expect(mine.length).toBe(environment === "dev" ? 53 : 38);
      const text = JSON.stringify(mine.map((resource) => resource.inputs));
      for (const other of others) {
        expect(text).not.toMatch(new RegExp(`(^|[^a-z])${other}(-|"|$| )`));
      }
    });
  });

  it("outputs what each GitHub environment and the repository need, and the commands to set it", () => {
    const { resolved } = result;
    expect(resolved.accountId).toBe(ACCOUNT);
    expect(resolved.oidcProviderArn).toBe(PROVIDER_ARN);
    expect(resolved.environments.production).toEqual({
      stateBucket: `trading-analytics-state-production-${ACCOUNT}`,
      backendUrl: `s3://trading-analytics-state-production-${ACCOUNT}?region=us-east-1`,
      secretsProvider:
        "awskms://alias/trading-analytics-production-pulumi-secrets?region=us-east-1",
      secretsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/production-key-id`,
      deployRoleArn: `arn:aws:iam::${ACCOUNT}:role/trading-analytics-production-deploy`,
      previewRoleArn: `arn:aws:iam::${ACCOUNT}:role/trading-analytics-production-preview`,
      workloadBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/trading-analytics-production-workload-boundary`,
      networkInterfaceCleanup: `not granted: after the first \`pulumi up\` of production, run \`vpc="$(PULUMI_BACKEND_URL='s3://trading-analytics-state-production-${ACCOUNT}?region=us-east-1' pulumi stack output vpcId --stack production --cwd environments/production)"\` from the repository root, then \`pulumi config set --path 'vpcIds.production' "$vpc"\` and \`pulumi up\` in bootstrap/; until then deleting the functions' security group may fail with AccessDenied`,
      stackInitCommand: `PULUMI_BACKEND_URL='s3://trading-analytics-state-production-${ACCOUNT}?region=us-east-1' pulumi stack init production --cwd environments/production --secrets-provider 'awskms://alias/trading-analytics-production-pulumi-secrets?region=us-east-1'`,
      changeSecretsProviderCommand: `PULUMI_BACKEND_URL='s3://trading-analytics-state-production-${ACCOUNT}?region=us-east-1' pulumi stack change-secrets-provider 'awskms://alias/trading-analytics-production-pulumi-secrets?region=us-east-1' --stack production --cwd environments/production`,
      environmentSuffixCommand: `PULUMI_BACKEND_URL='s3://trading-analytics-state-production-${ACCOUNT}?region=us-east-1' pulumi config set environmentSuffix gqtojxwu --stack production --cwd environments/production`,
    });
    expect(resolved.githubVariables.environments.dev).toEqual({
      AWS_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/trading-analytics-dev-deploy`,
      PULUMI_BACKEND_URL: `s3://trading-analytics-state-dev-${ACCOUNT}?region=us-east-1`,
      PULUMI_SECRETS_PROVIDER:
        "awskms://alias/trading-analytics-dev-pulumi-secrets?region=us-east-1",
    });
    expect(Object.keys(resolved.githubVariables.repository)).toEqual([
      "DEV_AWS_PREVIEW_ROLE_ARN",
      "DEV_PULUMI_BACKEND_URL",
      "DEV_PULUMI_SECRETS_PROVIDER",
      "STAGING_AWS_PREVIEW_ROLE_ARN",
      "STAGING_PULUMI_BACKEND_URL",
      "STAGING_PULUMI_SECRETS_PROVIDER",
      "PRODUCTION_AWS_PREVIEW_ROLE_ARN",
      "PRODUCTION_PULUMI_BACKEND_URL",
      "PRODUCTION_PULUMI_SECRETS_PROVIDER",
    ]);
    expect(resolved.githubVariables.environments.review).toEqual({
      AWS_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/trading-analytics-dev-review`,
      PULUMI_BACKEND_URL: `s3://trading-analytics-state-dev-${ACCOUNT}?region=us-east-1`,
      PULUMI_SECRETS_PROVIDER:
        "awskms://alias/trading-analytics-dev-pulumi-secrets?region=us-east-1",
    });
    const lines = resolved.githubSetupCommands.trimEnd().split("\n");
    expect(lines).toHaveLength(21);
    expect(lines[6]).toBe(
      `gh variable set AWS_ROLE_ARN --repo acme/trading-analytics --env review --body 'arn:aws:iam::${ACCOUNT}:role/trading-analytics-dev-review'`,
    );
    expect(lines[0]).toBe(
      `gh variable set AWS_ROLE_ARN --repo acme/trading-analytics --env dev --body 'arn:aws:iam::${ACCOUNT}:role/trading-analytics-dev-deploy'`,
    );
    expect(lines[20]).toBe(
      "gh variable set PRODUCTION_PULUMI_SECRETS_PROVIDER --repo acme/trading-analytics --body 'awskms://alias/trading-analytics-production-pulumi-secrets?region=us-east-1'",
    );
  });
});

describe("the review stacks' role", () => {
  let result: Awaited<ReturnType<typeof run>>;
  const review = reviewStacksBackend(ACCOUNT);

  beforeAll(async () => {
    result = await run();
  });

  it("is a role of its own, trusted only by jobs in the review GitHub environment", () => {
    const role = only(result.resources, "aws:iam/role:Role", "dev-review-stacks");
    expect({ ...role.inputs, assumeRolePolicy: json(role.inputs.assumeRolePolicy) }).toEqual({
      name: "trading-analytics-dev-review",
      description:
        "Deploys and destroys dev review stacks (dev-pr<N>) from the GitHub environment review",
      maxSessionDuration: 7200,
      assumeRolePolicy: {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "GitHubActionsReviewStacks",
            Effect: "Allow",
            Principal: { Federated: PROVIDER_ARN },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": [
                  "repo:acme/trading-analytics:environment:review",
                  "repo:acme@1001/trading-analytics@2002:environment:review",
                ],
              },
            },
          },
        ],
      },
      tags: {
        Environment: "dev",
        ManagedBy: "pulumi",
        Project: "trading-analytics",
        Service: "pipeline",
      },
    });
  });

  it("carries the review-stack grants, and its stacks' roles get the review boundary", () => {
    const scope = reviewStackScope(
      review,
      environmentSettings("dev"),
      `arn:aws:s3:::trading-analytics-state-dev-${ACCOUNT}`,
      `arn:aws:kms:us-east-1:${ACCOUNT}:key/dev-key-id`,
    );
    const policies = result.resources.filter(
      (resource) =>
        resource.type === "aws:iam/policy:Policy" && resource.name.startsWith("dev-review-stacks"),
    );
    expect(
      Object.fromEntries(
        policies.map((policy) => [policy.inputs.name, json(policy.inputs.policy)]),
      ),
    ).toEqual({
      "trading-analytics-dev-review-workload-boundary": workloadBoundaryPolicy(scope),
      ...Object.fromEntries(
        Object.entries(deployPolicies(scope)).map(([group, document]) => [
          `trading-analytics-dev-review-${group}`,
          document,
        ]),
      ),
    });
    const attachments = result.resources
      .filter(
        (resource) =>
          resource.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" &&
          resource.name.startsWith("dev-review-stacks"),
      )
      .map((resource) => `${String(resource.inputs.role)} <- ${String(resource.inputs.policyArn)}`);
    expect(attachments).toEqual(
      ["state", "network", "data", "monitoring", "compute", "read"].map(
        (group) =>
          `trading-analytics-dev-review <- arn:aws:iam::${ACCOUNT}:policy/trading-analytics-dev-review-${group}`,
      ),
    );
    expect(result.resolved.reviewStacks).toEqual({
      roleArn: review.roleArn,
      workloadBoundaryArn: review.workloadBoundaryPolicyArn,
      githubEnvironment: "review",
      rolePath: "/trading-analytics/dev-review/",
    });
  });

  it("is not created without dev", async () => {
    const { resources, resolved } = await run({ environments: ["staging", "production"] });
    expect(resources.filter((resource) => resource.name.includes("review-stacks"))).toEqual([]);
    expect(resolved.reviewStacks).toBeUndefined();
    expect(resolved.githubSetupCommands).not.toContain("--env review");
  });
});

describe("bootstrap outputs for the stack files and GitHub", () => {
  it("proposes this deployment's environmentSuffix and prints the commands that write it", async () => {
    const { resolved } = await run();
    expect(resolved.environmentSuffix).toBe("gqtojxwu");
    expect(resolved.environmentSuffix).toBe(
      proposeEnvironmentSuffix(ACCOUNT, "acme/trading-analytics"),
    );
    expect(resolved.environmentSuffixCommands).toBe(
      (["dev", "staging", "production"] as const)
        .map(
          (env) =>
            `PULUMI_BACKEND_URL='s3://trading-analytics-state-${env}-${ACCOUNT}?region=us-east-1' pulumi config set environmentSuffix gqtojxwu --stack ${env} --cwd environments/${env}\n`,
        )
        .join(""),
    );
    expect(resolved.stackFilesCommand).toBe(
      `npx tsx scripts/bootstrap/stack-files.ts --account-id ${ACCOUNT} --suffix gqtojxwu`,
    );
    expect(resolved.githubProtectionCommand).toBe(
      `npx tsx scripts/bootstrap/github-protection.ts --repo acme/trading-analytics --account-id ${ACCOUNT} --reviewer 'user:<login>'`,
    );
  });

  it("names the environments when the bootstrap covers fewer, and asks for reviewers only with production", async () => {
    const { resolved } = await run({ environments: ["staging", "dev"] });
    expect(resolved.stackFilesCommand).toBe(
      `npx tsx scripts/bootstrap/stack-files.ts --account-id ${ACCOUNT} --suffix gqtojxwu --env dev --env staging`,
    );
    expect(resolved.githubProtectionCommand).toBe(
      `npx tsx scripts/bootstrap/github-protection.ts --repo acme/trading-analytics --account-id ${ACCOUNT} --env dev --env staging`,
    );
  });

  it("gives another repository in the same account another suffix", async () => {
    const { resolved } = await run({ githubRepository: "globex/trading-analytics" });
    expect(resolved.environmentSuffix).toBe(
      proposeEnvironmentSuffix(ACCOUNT, "globex/trading-analytics"),
    );
    expect(resolved.environmentSuffix).not.toBe("gqtojxwu");
  });
});

describe("bootstrap options", () => {
  it("reuses an existing OIDC provider and bootstraps only the listed environments", async () => {
    const existing = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    const { resolved, resources } = await run({
      existingOidcProviderArn: existing,
      environments: ["staging"],
      githubOwnerId: undefined,
      githubRepositoryId: undefined,
    });
    expect(
      resources.filter((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider"),
    ).toEqual([]);
    expect(Object.keys(resolved.environments)).toEqual(["staging"]);
    expect(
      resources.filter((r) => r.type === "aws:iam/role:Role").map((r) => r.inputs.name),
    ).toEqual(["trading-analytics-staging-deploy", "trading-analytics-staging-preview"]);
    const deploy = only(resources, "aws:iam/role:Role", "staging-pipeline-deploy");
    expect(json(deploy.inputs.assumeRolePolicy)).toEqual(
      githubTrustPolicy(existing, "GitHubActionsDeploy", [
        "repo:acme/trading-analytics:environment:staging",
      ]),
    );
  });

  it("says the deploy role is an administrator, and why, when roles may skip the workload boundary", async () => {
    const { resources, resolved } = await run({
      environments: ["dev"],
      allowRolesWithoutBoundary: "Functions module does not set permissionsBoundary yet",
    });
    const deploy = only(resources, "aws:iam/role:Role", "dev-pipeline-deploy");
    expect(deploy.inputs.description).toBe(
      "ADMINISTRATOR: deploys the dev stack from the GitHub environment dev and may create roles without a permissions boundary, because: Functions module does not set permissionsBoundary yet",
    );
    expect((resolved.environments.dev as { deployRoleWarning?: string }).deployRoleWarning).toBe(
      ROLES_WITHOUT_BOUNDARY_WARNING,
    );
    expect(ROLES_WITHOUT_BOUNDARY_WARNING).toMatch(/makes each deploy role an administrator/);
    const compute = only(resources, "aws:iam/policy:Policy", "dev-pipeline-deploy-compute");
    const sids = (json(compute.inputs.policy) as { Statement: { Sid: string }[] }).Statement.map(
      (s) => s.Sid,
    );
    expect(sids).not.toContain("RolesWithinWorkloadBoundary");
  });

  it("refuses to run with credentials for another account, creating nothing", async () => {
    callerAccount = "999999999999";
    try {
      recorded.length = 0;
      await expect(
        bootstrapProgram(resolveBootstrapConfig({ ...RAW, environments: ["dev"] })),
      ).rejects.toThrow(
        `These credentials are for account 999999999999, but awsAccountId is ${ACCOUNT}: sign in to ${ACCOUNT}, or fix awsAccountId.`,
      );
      await settle();
      expect(recorded).toEqual([]);
    } finally {
      callerAccount = ACCOUNT;
    }
  });
});

describe("trust policy building blocks", () => {
  it("lists both subject forms when ids are known", () => {
    expect(githubSubjects({ owner: "acme", name: "repo" }, "pull_request")).toEqual([
      "repo:acme/repo:pull_request",
    ]);
    expect(
      githubSubjects(
        { owner: "acme", name: "repo", ids: { ownerId: "1", repositoryId: "2" } },
        "environment:dev",
      ),
    ).toEqual(["repo:acme/repo:environment:dev", "repo:acme@1/repo@2:environment:dev"]);
    expect(deployRoleContexts("staging")).toEqual(["environment:staging"]);
    expect(previewRoleContexts("dev", "trunk")).toEqual(["pull_request", "ref:refs/heads/trunk"]);
    expect(previewRoleContexts("production", "main")).toEqual([
      "ref:refs/tags/v*",
      "ref:refs/heads/main",
    ]);
  });

  it("refuses a trust policy without subjects", () => {
    expect(() => githubTrustPolicy(PROVIDER_ARN, "Empty", [])).toThrow(
      "Trust policy Empty has no subjects: name the workflow contexts it trusts.",
    );
  });
});

describe("the bootstrap project", () => {
  it("is its own Pulumi project, whose name is the config namespace the program reads", () => {
    const project = parse(readFileSync(join(__dirname, "../bootstrap/Pulumi.yaml"), "utf8")) as {
      name: string;
      main: string;
      runtime: { name: string; options: Record<string, unknown> };
    };
    expect(project.name).toBe(BOOTSTRAP_PROJECT);
    expect(project.main).toBe("index.ts");
    expect(project.runtime).toEqual({
      name: "nodejs",
      options: { typescript: false, nodeargs: "--import tsx" },
    });
  });

  it("reads its config once, from the project's namespace", () => {
    pulumi.runtime.setAllConfig({
      "aws:region": "us-east-1",
      [`${BOOTSTRAP_PROJECT}:awsAccountId`]: ACCOUNT,
      [`${BOOTSTRAP_PROJECT}:githubRepository`]: "acme/trading-analytics",
      [`${BOOTSTRAP_PROJECT}:defaultBranch`]: "trunk",
      [`${BOOTSTRAP_PROJECT}:environments`]: JSON.stringify(["staging", "dev"]),
    });
    try {
      expect(loadBootstrapConfig()).toEqual({
        accountId: ACCOUNT,
        repository: { owner: "acme", name: "trading-analytics" },
        defaultBranch: "trunk",
        existingOidcProviderArn: undefined,
        environments: ["dev", "staging"],
        workloadBoundary: { enforce: true },
        vpcIds: {},
      });
    } finally {
      pulumi.runtime.setAllConfig({});
    }
  });
});

describe("bootstrap config", () => {
  it("defaults to all environments, the main branch and an enforced boundary", () => {
    expect(
      resolveBootstrapConfig({ ...RAW, githubOwnerId: undefined, githubRepositoryId: undefined }),
    ).toEqual({
      accountId: ACCOUNT,
      repository: { owner: "acme", name: "trading-analytics" },
      defaultBranch: "main",
      existingOidcProviderArn: undefined,
      environments: ["dev", "staging", "production"],
      workloadBoundary: { enforce: true },
      vpcIds: {},
    });
  });

  it("takes each environment's VPC id, and scopes its deploy role's interface cleanup to it", async () => {
    expect(
      resolveBootstrapConfig({ ...RAW, vpcIds: { staging: "vpc-0123456789abcdef0" } }).vpcIds,
    ).toEqual({ staging: "vpc-0123456789abcdef0" });
    const { resolved, resources } = await run({
      environments: ["staging"],
      vpcIds: { staging: "vpc-0123456789abcdef0" },
    });
    expect(resolved.environments.staging.networkInterfaceCleanup).toBe(
      "in vpc-0123456789abcdef0 only",
    );
    const network = only(resources, "aws:iam/policy:Policy", "staging-pipeline-deploy-network");
    expect(
      (
        json(network.inputs.policy) as { Statement: { Sid: string; Condition?: unknown }[] }
      ).Statement.find((statement) => statement.Sid === "RemoveLambdaNetworkInterfaces")?.Condition,
    ).toEqual({
      ArnEquals: {
        "ec2:Vpc": `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/vpc-0123456789abcdef0`,
      },
    });
  });

  it("orders the environments it is given", () => {
    expect(
      resolveBootstrapConfig({ ...RAW, environments: ["production", "dev"] }).environments,
    ).toEqual(["dev", "production"]);
  });

  it.each<[string, Partial<RawBootstrapConfig>, string]>([
    [
      "a wrong region",
      { region: "eu-west-1" },
      'aws:region is "eu-west-1"; the platform and its state live in us-east-1. Set it with `pulumi config set aws:region us-east-1` in bootstrap/.',
    ],
    [
      "no region",
      { region: undefined },
      "aws:region is not set; the platform and its state live in us-east-1.",
    ],
    [
      "no account",
      { awsAccountId: undefined },
      "awsAccountId is missing: the bootstrap refuses to guess which account it runs in. Set it with `pulumi config set awsAccountId 123456789012` in bootstrap/.",
    ],
    ["a bad account", { awsAccountId: "12-34" }, 'awsAccountId "12-34" is not an AWS account id'],
    [
      "no repository",
      { githubRepository: undefined },
      "githubRepository is missing: the roles trust only this repository's workflows. Set it with `pulumi config set githubRepository acme/trading-analytics` in bootstrap/.",
    ],
    [
      "a bad repository",
      { githubRepository: "https://github.com/acme/x" },
      'githubRepository "https://github.com/acme/x" is not a GitHub repository: use OWNER/REPO, e.g. "acme/trading-analytics".',
    ],
    [
      "only one id",
      { githubRepositoryId: undefined },
      "Set both githubOwnerId and githubRepositoryId (the numeric ids from `gh api repos/OWNER/REPO --jq '.owner.id, .id'`) to accept the immutable subject form, or neither.",
    ],
    [
      "a non-numeric id",
      { githubOwnerId: "acme" },
      'githubOwnerId "acme" is not a numeric GitHub id: use the number `gh api repos/OWNER/REPO` shows.',
    ],
    [
      "a wildcard branch",
      { defaultBranch: "release/*" },
      'defaultBranch "release/*" is not a branch name: use letters, digits and . _ / - (no wildcards).',
    ],
    [
      "another provider",
      { existingOidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/accounts.google.com` },
      `existingOidcProviderArn "arn:aws:iam::${ACCOUNT}:oidc-provider/accounts.google.com" is not GitHub's OIDC provider: use arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com, or unset it to create the provider.`,
    ],
    [
      "a provider in another account",
      {
        existingOidcProviderArn:
          "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com",
      },
      `existingOidcProviderArn belongs to account 210987654321, not awsAccountId ${ACCOUNT}: a role can only trust a provider in its own account.`,
    ],
    [
      "an unknown environment",
      { environments: ["dev", "qa"] },
      'environments lists "qa": use dev, staging, production.',
    ],
    [
      "an empty environment list",
      { environments: [] },
      "environments must be a non-empty list of environment names, e.g. `pulumi config set --path 'environments[0]' dev`; got [].",
    ],
    [
      "a VPC id that is not one",
      { vpcIds: { dev: "subnet-0123" } },
      'vpcIds.dev "subnet-0123" is not a VPC id: use the stack\'s vpcId output (`pulumi stack output vpcId`), e.g. vpc-0123456789abcdef0.',
    ],
    [
      "a VPC id for an unknown environment",
      { vpcIds: { qa: "vpc-0123456789abcdef0" } },
      'vpcIds names "qa": use dev, staging, production.',
    ],
    [
      "a boundary exemption without a reason",
      { allowRolesWithoutBoundary: "because" },
      "allowRolesWithoutBoundary must say why the pipeline may create roles without the workload boundary (10-500 characters). allowRolesWithoutBoundary makes each deploy role an administrator of the account",
    ],
  ])("rejects %s", (_, raw, message) => {
    expect(() => resolveBootstrapConfig({ ...RAW, ...raw })).toThrow(message);
  });
});
