import * as pulumi from "@pulumi/pulumi";

import { validateAccountId, validateRepository, GITHUB_OIDC_HOST } from "../environments/backends";
import {
  ENVIRONMENT_NAMES,
  REGION,
  isEnvironmentName,
  type EnvironmentName,
} from "../modules/config/settings";
import type { GitHubRepository } from "./github-oidc";

/** The bootstrap project's name, and so its config namespace. */
export const BOOTSTRAP_PROJECT = "trading-analytics-bootstrap";

/** Everything an administrator sets for the bootstrap, validated. */
export interface BootstrapConfig {
  /** The account the bootstrap must run in; a run with other credentials fails. */
  readonly accountId: string;
  readonly repository: GitHubRepository;
  /** Where scheduled drift checks and rollback dispatches run. */
  readonly defaultBranch: string;
  /** Reuse this OIDC provider instead of creating one. */
  readonly existingOidcProviderArn: string | undefined;
  readonly environments: readonly EnvironmentName[];
  /**
   * Whether roles the deploy roles create must carry the workload boundary. `enforce: false`
   * (`allowRolesWithoutBoundary`) makes every deploy role an administrator of the account.
   */
  readonly workloadBoundary:
    { readonly enforce: true } | { readonly enforce: false; readonly reason: string };
  /**
   * Each environment's VPC id, once its first `pulumi up` created it: the deploy role may remove
   * Lambda's leftover network interfaces in that VPC only.
   * @default - none: no environment's deploy role may remove network interfaces
   */
  readonly vpcIds: Readonly<Partial<Record<EnvironmentName, string>>>;
}

/**
 * The plain consequence of `allowRolesWithoutBoundary`, said wherever it is set: a role the deploy
 * role creates without the boundary may be given any inline policy and passed to a function, which
 * then runs with it, so the deploy role can do anything in the account.
 */
export const ROLES_WITHOUT_BOUNDARY_WARNING =
  "allowRolesWithoutBoundary makes each deploy role an administrator of the account: it may create roles with any inline policy and pass them to Lambda, so anyone who can run its GitHub environment's jobs can do anything in the account, in every environment.";

/** The config values as read, before validation. */
export interface RawBootstrapConfig {
  readonly region: string | undefined;
  readonly awsAccountId: string | undefined;
  readonly githubRepository: string | undefined;
  readonly githubOwnerId: string | undefined;
  readonly githubRepositoryId: string | undefined;
  readonly defaultBranch: string | undefined;
  readonly existingOidcProviderArn: string | undefined;
  readonly environments: unknown;
  /**
   * Why the deploy roles may create roles without the workload boundary. Setting it makes every
   * deploy role an ADMINISTRATOR of the account ({@link ROLES_WITHOUT_BOUNDARY_WARNING}); the
   * reason is recorded on each deploy role.
   * @default - the boundary is enforced
   */
  readonly allowRolesWithoutBoundary: string | undefined;
  /** `vpcIds`: `{ "<env>": "vpc-..." }`, see {@link BootstrapConfig.vpcIds}. */
  readonly vpcIds: unknown;
}

const NUMERIC_ID = /^[1-9]\d{0,19}$/;
const VPC_ID = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;
const BRANCH_PATTERN = /^[A-Za-z0-9._/-]+$/;
const PROVIDER_ARN = new RegExp(
  `^arn:aws:iam::(\\d{12}):oidc-provider/${GITHUB_OIDC_HOST.replace(/\./g, "\\.")}$`,
);
const SET = (key: string, example: string) =>
  `Set it with \`pulumi config set ${key} ${example}\` in bootstrap/.`;

function present(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

/** Validates the bootstrap config; every failure names the value and how to fix it. */
export function resolveBootstrapConfig(raw: RawBootstrapConfig): BootstrapConfig {
  if (raw.region !== REGION) {
    throw new Error(
      `aws:region is ${raw.region === undefined ? "not set" : `"${raw.region}"`}; the platform and its state live in ${REGION}. ${SET("aws:region", REGION)}`,
    );
  }
  if (!present(raw.awsAccountId)) {
    throw new Error(
      `awsAccountId is missing: the bootstrap refuses to guess which account it runs in. ${SET("awsAccountId", "123456789012")}`,
    );
  }
  const accountId = validateAccountId(raw.awsAccountId, "awsAccountId");

  if (!present(raw.githubRepository)) {
    throw new Error(
      `githubRepository is missing: the roles trust only this repository's workflows. ${SET("githubRepository", "acme/trading-analytics")}`,
    );
  }
  const [owner, name] = validateRepository(raw.githubRepository, "githubRepository").split("/");

  const ownerId = raw.githubOwnerId;
  const repositoryId = raw.githubRepositoryId;
  if (present(ownerId) !== present(repositoryId)) {
    throw new Error(
      "Set both githubOwnerId and githubRepositoryId (the numeric ids from `gh api repos/OWNER/REPO --jq '.owner.id, .id'`) to accept the immutable subject form, or neither.",
    );
  }
  for (const [key, value] of [
    ["githubOwnerId", ownerId],
    ["githubRepositoryId", repositoryId],
  ] as const) {
    if (present(value) && !NUMERIC_ID.test(value)) {
      throw new Error(
        `${key} "${value}" is not a numeric GitHub id: use the number \`gh api repos/OWNER/REPO\` shows.`,
      );
    }
  }

  const defaultBranch = present(raw.defaultBranch) ? raw.defaultBranch : "main";
  if (!BRANCH_PATTERN.test(defaultBranch)) {
    throw new Error(
      `defaultBranch "${defaultBranch}" is not a branch name: use letters, digits and . _ / - (no wildcards).`,
    );
  }

  let existingOidcProviderArn: string | undefined;
  if (present(raw.existingOidcProviderArn)) {
    const match = PROVIDER_ARN.exec(raw.existingOidcProviderArn);
    if (match === null) {
      throw new Error(
        `existingOidcProviderArn "${raw.existingOidcProviderArn}" is not GitHub's OIDC provider: use arn:aws:iam::<account>:oidc-provider/${GITHUB_OIDC_HOST}, or unset it to create the provider.`,
      );
    }
    if (match[1] !== accountId) {
      throw new Error(
        `existingOidcProviderArn belongs to account ${match[1]}, not awsAccountId ${accountId}: a role can only trust a provider in its own account.`,
      );
    }
    existingOidcProviderArn = raw.existingOidcProviderArn;
  }

  let environments: EnvironmentName[] = [...ENVIRONMENT_NAMES];
  if (raw.environments !== undefined && raw.environments !== null) {
    const list = raw.environments;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((item) => typeof item === "string")
    ) {
      throw new Error(
        `environments must be a non-empty list of environment names, e.g. \`pulumi config set --path 'environments[0]' dev\`; got ${JSON.stringify(list)}.`,
      );
    }
    const unknown = list.filter((item: string) => !isEnvironmentName(item));
    if (unknown.length > 0) {
      throw new Error(
        `environments lists ${unknown.map((item: string) => `"${item}"`).join(", ")}: use ${ENVIRONMENT_NAMES.join(", ")}.`,
      );
    }
    environments = ENVIRONMENT_NAMES.filter((environment) => list.includes(environment));
  }

  let workloadBoundary: BootstrapConfig["workloadBoundary"] = { enforce: true };
  if (raw.allowRolesWithoutBoundary !== undefined) {
    const reason = raw.allowRolesWithoutBoundary.trim();
    if (reason.length < 10 || reason.length > 500) {
      throw new Error(
        `allowRolesWithoutBoundary must say why the pipeline may create roles without the workload boundary (10-500 characters). ${ROLES_WITHOUT_BOUNDARY_WARNING}`,
      );
    }
    workloadBoundary = { enforce: false, reason };
  }

  const vpcIds: Partial<Record<EnvironmentName, string>> = {};
  if (raw.vpcIds !== undefined && raw.vpcIds !== null) {
    const entries =
      typeof raw.vpcIds === "object" && !Array.isArray(raw.vpcIds)
        ? Object.entries(raw.vpcIds as Record<string, unknown>)
        : undefined;
    if (entries === undefined) {
      throw new Error(
        `vpcIds must map environment names to VPC ids, e.g. \`pulumi config set --path 'vpcIds.dev' vpc-0123456789abcdef0\`; got ${JSON.stringify(raw.vpcIds)}.`,
      );
    }
    for (const [environment, vpcId] of entries) {
      if (!isEnvironmentName(environment)) {
        throw new Error(`vpcIds names "${environment}": use ${ENVIRONMENT_NAMES.join(", ")}.`);
      }
      if (typeof vpcId !== "string" || !VPC_ID.test(vpcId)) {
        throw new Error(
          `vpcIds.${environment} ${JSON.stringify(vpcId)} is not a VPC id: use the stack's vpcId output (\`pulumi stack output vpcId\`), e.g. vpc-0123456789abcdef0.`,
        );
      }
      vpcIds[environment] = vpcId;
    }
  }

  return {
    accountId,
    repository: {
      owner,
      name,
      ...(present(ownerId) && present(repositoryId) ? { ids: { ownerId, repositoryId } } : {}),
    },
    defaultBranch,
    existingOidcProviderArn,
    environments,
    workloadBoundary,
    vpcIds,
  };
}

/** The one place the bootstrap reads its config. */
export function loadBootstrapConfig(): BootstrapConfig {
  const config = new pulumi.Config(BOOTSTRAP_PROJECT);
  const aws = new pulumi.Config("aws");
  return resolveBootstrapConfig({
    region: aws.get("region"),
    awsAccountId: config.get("awsAccountId"),
    githubRepository: config.get("githubRepository"),
    githubOwnerId: config.get("githubOwnerId"),
    githubRepositoryId: config.get("githubRepositoryId"),
    defaultBranch: config.get("defaultBranch"),
    existingOidcProviderArn: config.get("existingOidcProviderArn"),
    environments: config.getObject<unknown>("environments"),
    allowRolesWithoutBoundary: config.get("allowRolesWithoutBoundary"),
    vpcIds: config.getObject<unknown>("vpcIds"),
  });
}
