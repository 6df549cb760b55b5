import {
  ENVIRONMENT_NAMES,
  REGION,
  environmentSettings,
  type EnvironmentName,
} from "../modules/config/settings";
import { reviewStackRolePath } from "../modules/naming/role-paths";
import { REVIEW_STACK_ENVIRONMENT, REVIEW_SUFFIX_PREFIX } from "../modules/config/review-stack";
import {
  BOOTSTRAP_PREFIX,
  checkedName,
  reviewWorkloadBoundaryPolicyArn,
  reviewWorkloadBoundaryPolicyName,
  validateAccountId,
  workloadBoundaryPolicyArn,
  workloadBoundaryPolicyName,
} from "../modules/naming/bootstrap-names";

/**
 * The one place that knows where each environment's Pulumi state lives, which key encrypts its
 * secrets and which roles the pipelines assume. The bootstrap creates exactly these names,
 * `scripts/gitops/pulumi-env.ts` derives local settings from them, and the bootstrap prints the GitHub
 * variables the workflows read, so nobody types a bucket name.
 *
 * None of these names starts with `<env>-`: that prefix is what a deploy role may change, and a
 * pipeline must never be able to change its own state bucket, key or role. The prefix and the
 * workload boundary's name, which the platform's roles refer to as well, are defined in
 * `modules/naming/bootstrap-names.ts` and re-exported here.
 */

/** The GitHub Actions OIDC issuer, as IAM names it in the provider ARN and condition keys. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** The audience `aws-actions/configure-aws-credentials` requests; every trust policy checks it. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/** The Pulumi project of an environment, as `environments/<env>/Pulumi.yaml` names it. */
export function projectName(environment: EnvironmentName): string {
  return `${BOOTSTRAP_PREFIX}-${environment}`;
}

/** The environment's Pulumi project directory, relative to the repository root. */
export function environmentDirectory(environment: EnvironmentName): string {
  return `environments/${environment}`;
}

/** The stack name is the environment name. */
export function stackName(environment: EnvironmentName): string {
  return environment;
}

/** `trading-analytics-state-<env>-<account>`: S3 names are global, so the account makes it unique. */
export function stateBucketName(environment: EnvironmentName, accountId: string): string {
  validateAccountId(accountId, "Account id");
  return checkedName("s3-bucket", `${BOOTSTRAP_PREFIX}-state-${environment}-${accountId}`);
}

/** The KMS alias of the key that encrypts the environment's Pulumi secrets and state bucket. */
export function secretsKeyAlias(environment: EnvironmentName): string {
  return checkedName("kms-alias", `alias/${BOOTSTRAP_PREFIX}-${environment}-pulumi-secrets`);
}

/** The role `pulumi up`/`destroy` and the smoke check run as, in the environment's GitHub environment. */
export function deployRoleName(environment: EnvironmentName): string {
  return checkedName("iam-role", `${BOOTSTRAP_PREFIX}-${environment}-deploy`);
}

/** The read-only role of previews and drift checks. */
export function previewRoleName(environment: EnvironmentName): string {
  return checkedName("iam-role", `${BOOTSTRAP_PREFIX}-${environment}-preview`);
}

/** `s3://<bucket>?region=us-east-1`, what `pulumi login` and `cloud-url` take. */
export function backendUrl(bucketName: string): string {
  return `s3://${bucketName}?region=${REGION}`;
}

/** `awskms://alias/<name>?region=us-east-1`, what `pulumi stack init --secrets-provider` takes. */
export function secretsProviderUrl(alias: string): string {
  return `awskms://${alias}?region=${REGION}`;
}

/** Everything a pipeline or an operator needs to reach one environment's state. */
export interface EnvironmentBackend {
  readonly environment: EnvironmentName;
  readonly accountId: string;
  readonly region: typeof REGION;
  readonly projectName: string;
  readonly stackName: string;
  readonly workDir: string;
  readonly stateBucketName: string;
  readonly stateBucketArn: string;
  readonly backendUrl: string;
  readonly secretsKeyAlias: string;
  readonly secretsProvider: string;
  readonly deployRoleName: string;
  readonly deployRoleArn: string;
  readonly previewRoleName: string;
  readonly previewRoleArn: string;
  readonly workloadBoundaryPolicyName: string;
  readonly workloadBoundaryPolicyArn: string;
}

/** The backend of one environment in one account; an unknown environment or bad account id throws. */
export function environmentBackend(environment: string, accountId: string): EnvironmentBackend {
  const name = environmentSettings(environment).name;
  validateAccountId(accountId, "Account id");
  const bucket = stateBucketName(name, accountId);
  const alias = secretsKeyAlias(name);
  return {
    environment: name,
    accountId,
    region: REGION,
    projectName: projectName(name),
    stackName: stackName(name),
    workDir: environmentDirectory(name),
    stateBucketName: bucket,
    stateBucketArn: `arn:aws:s3:::${bucket}`,
    backendUrl: backendUrl(bucket),
    secretsKeyAlias: alias,
    secretsProvider: secretsProviderUrl(alias),
    deployRoleName: deployRoleName(name),
    deployRoleArn: `arn:aws:iam::${accountId}:role/${deployRoleName(name)}`,
    previewRoleName: previewRoleName(name),
    previewRoleArn: `arn:aws:iam::${accountId}:role/${previewRoleName(name)}`,
    workloadBoundaryPolicyName: workloadBoundaryPolicyName(name),
    workloadBoundaryPolicyArn: workloadBoundaryPolicyArn(name, accountId),
  };
}

/**
 * Variables of each GitHub environment (`dev`, `staging`, `production`), read by the jobs that run
 * in it: `pulumi up`, the smoke check and `pulumi destroy`.
 */
export const ENVIRONMENT_VARIABLES = {
  deployRoleArn: "AWS_ROLE_ARN",
  backendUrl: "PULUMI_BACKEND_URL",
  secretsProvider: "PULUMI_SECRETS_PROVIDER",
} as const;

/**
 * Suffixes of the repository variables read by the jobs that must not run in a GitHub environment
 * (previews and drift checks: a job in an environment gets that environment's OIDC subject, and in
 * production it would wait for a reviewer). The name is `<ENV>_<suffix>`, e.g. `DEV_AWS_PREVIEW_ROLE_ARN`.
 */
export const REPOSITORY_VARIABLE_SUFFIXES = {
  previewRoleArn: "AWS_PREVIEW_ROLE_ARN",
  backendUrl: "PULUMI_BACKEND_URL",
  secretsProvider: "PULUMI_SECRETS_PROVIDER",
} as const;

/** `DEV`, `STAGING`, `PRODUCTION`: the prefix of an environment's repository variables. */
export function repositoryVariablePrefix(environment: EnvironmentName): string {
  return environment.toUpperCase();
}

/** The GitHub variables of one environment, split by where they are set. */
export interface GitHubVariables {
  /** Set in the GitHub environment named after the environment. */
  readonly environment: Readonly<Record<string, string>>;
  /** Set on the repository. */
  readonly repository: Readonly<Record<string, string>>;
}

export function githubVariables(backend: EnvironmentBackend): GitHubVariables {
  const prefix = repositoryVariablePrefix(backend.environment);
  return {
    environment: {
      [ENVIRONMENT_VARIABLES.deployRoleArn]: backend.deployRoleArn,
      [ENVIRONMENT_VARIABLES.backendUrl]: backend.backendUrl,
      [ENVIRONMENT_VARIABLES.secretsProvider]: backend.secretsProvider,
    },
    repository: {
      [`${prefix}_${REPOSITORY_VARIABLE_SUFFIXES.previewRoleArn}`]: backend.previewRoleArn,
      [`${prefix}_${REPOSITORY_VARIABLE_SUFFIXES.backendUrl}`]: backend.backendUrl,
      [`${prefix}_${REPOSITORY_VARIABLE_SUFFIXES.secretsProvider}`]: backend.secretsProvider,
    },
  };
}

/**
 * The GitHub environment the review-stack workflows run in. Its OIDC subject,
 * `repo:OWNER/REPO:environment:review`, is the only one the review-stack role trusts. Every branch
 * may use it (a pull request's branch is anyone's), so what protects the account is the role's
 * scope: review-stack names only.
 */
export const REVIEW_GITHUB_ENVIRONMENT = "review";

/**
 * The repository variable that sets after how many days without an update the sweeper removes a
 * review stack. The bootstrap does not set it; unset, the sweeper uses
 * `DEFAULT_REVIEW_STACK_MAX_AGE_DAYS`.
 */
export const REVIEW_STACK_MAX_AGE_VARIABLE = "REVIEW_STACK_MAX_AGE_DAYS";
export const DEFAULT_REVIEW_STACK_MAX_AGE_DAYS = 3;

/** The role review stacks deploy with: `trading-analytics-dev-review`, never dev's deploy role. */
export function reviewRoleName(environment: EnvironmentName): string {
  return checkedName("iam-role", `${BOOTSTRAP_PREFIX}-${environment}-review`);
}

/**
 * The state objects of the environment's review stacks in its bucket, as Pulumi's DIY backend lays
 * them out (pkg/backend/diy: `.pulumi/stacks|history|backups|journal/<project>/<stack>...`, locks
 * under `.pulumi/locks/organization/<project>/<stack>/`). `dev-pr*` matches no stack of the dev
 * project but the review stacks: the stack name is `dev` or `dev-pr<N>` (modules/config).
 */
export function reviewStateObjectKeys(environment: EnvironmentName): string[] {
  const project = projectName(environment);
  const stacks = `${environment}-${REVIEW_SUFFIX_PREFIX}*`;
  return [
    ...["stacks", "history", "backups", "journal"].map(
      (folder) => `.pulumi/${folder}/${project}/${stacks}`,
    ),
    `.pulumi/locks/organization/${project}/${stacks}`,
  ];
}

/** Everything the review-stack workflows and their role need; the backend is dev's own. */
export interface ReviewStacksBackend {
  readonly environment: EnvironmentBackend;
  readonly githubEnvironment: typeof REVIEW_GITHUB_ENVIRONMENT;
  readonly roleName: string;
  readonly roleArn: string;
  /** `/trading-analytics/dev-review/`: the only path its stacks' roles may have. */
  readonly rolePath: string;
  readonly workloadBoundaryPolicyName: string;
  readonly workloadBoundaryPolicyArn: string;
  /** Object key patterns of the review stacks' state, within the environment's state bucket. */
  readonly stateObjectKeys: readonly string[];
}

export function reviewStacksBackend(accountId: string): ReviewStacksBackend {
  const environment = environmentBackend(REVIEW_STACK_ENVIRONMENT, accountId);
  const name = environment.environment;
  return {
    environment,
    githubEnvironment: REVIEW_GITHUB_ENVIRONMENT,
    roleName: reviewRoleName(name),
    roleArn: `arn:aws:iam::${accountId}:role/${reviewRoleName(name)}`,
    rolePath: reviewStackRolePath(name),
    workloadBoundaryPolicyName: reviewWorkloadBoundaryPolicyName(name),
    workloadBoundaryPolicyArn: reviewWorkloadBoundaryPolicyArn(name, accountId),
    stateObjectKeys: reviewStateObjectKeys(name),
  };
}

/**
 * The variables of the `review` GitHub environment: the same names the deploy jobs read, with the
 * review-stack role and dev's backend and secrets provider.
 */
export function reviewGitHubVariables(backend: ReviewStacksBackend): Record<string, string> {
  return {
    [ENVIRONMENT_VARIABLES.deployRoleArn]: backend.roleArn,
    [ENVIRONMENT_VARIABLES.backendUrl]: backend.environment.backendUrl,
    [ENVIRONMENT_VARIABLES.secretsProvider]: backend.environment.secretsProvider,
  };
}

const REPOSITORY_PATTERN = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;

/** Checks `OWNER/REPO` as GitHub spells repository names. */
export function validateRepository(repository: string, source: string): string {
  if (!REPOSITORY_PATTERN.test(repository)) {
    throw new Error(
      `${source} "${repository}" is not a GitHub repository: use OWNER/REPO, e.g. "acme/trading-analytics".`,
    );
  }
  return repository;
}

/** Quotes a value for a POSIX shell, so printed commands can be pasted as they are. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/**
 * `gh variable set` commands that set every variable the workflows read, for the given
 * environments (with dev, also the `review` environment's), so the values go from the bootstrap
 * outputs to GitHub without being retyped.
 */
export function githubSetupCommands(
  repository: string,
  backends: readonly EnvironmentBackend[],
): string {
  validateRepository(repository, "GitHub repository");
  const lines: string[] = [];
  for (const backend of backends) {
    const variables = githubVariables(backend);
    for (const [name, value] of Object.entries(variables.environment)) {
      lines.push(
        `gh variable set ${name} --repo ${repository} --env ${backend.environment} --body ${shellQuote(value)}`,
      );
    }
    for (const [name, value] of Object.entries(variables.repository)) {
      lines.push(`gh variable set ${name} --repo ${repository} --body ${shellQuote(value)}`);
    }
    if (backend.environment === REVIEW_STACK_ENVIRONMENT) {
      const review = reviewGitHubVariables(reviewStacksBackend(backend.accountId));
      for (const [name, value] of Object.entries(review)) {
        lines.push(
          `gh variable set ${name} --repo ${repository} --env ${REVIEW_GITHUB_ENVIRONMENT} --body ${shellQuote(value)}`,
        );
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

export {
  BOOTSTRAP_PREFIX,
  ENVIRONMENT_NAMES,
  REGION,
  validateAccountId,
  workloadBoundaryPolicyArn,
  workloadBoundaryPolicyName,
  type EnvironmentName,
};
