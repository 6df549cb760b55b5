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
  readonly workloadBoundary:
    { readonly enforce: true } | { readonly enforce: false; readonly reason: string };
}

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
  readonly allowRolesWithoutBoundary: string | undefined;
}

const NUMERIC_ID = /^[1-9]\d{0,19}$/;
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
        "allowRolesWithoutBoundary must say why the pipeline may create roles without the workload boundary (10-500 characters); it lets a pipeline create roles that reach beyond its environment.",
      );
    }
    workloadBoundary = { enforce: false, reason };
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
  });
}
