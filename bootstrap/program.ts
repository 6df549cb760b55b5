import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import {
  REVIEW_GITHUB_ENVIRONMENT,
  environmentBackend,
  githubSetupCommands,
  githubVariables,
  reviewGitHubVariables,
  reviewStacksBackend,
  type EnvironmentBackend,
} from "../environments/backends";
import {
  changeSecretsProviderCommand,
  environmentSuffixCommand,
  pulumiCommand,
  stackInitCommand,
} from "../environments/stack-files";
import {
  ENVIRONMENT_NAMES,
  environmentSettings,
  type EnvironmentName,
} from "../modules/config/settings";
import { proposeEnvironmentSuffix } from "../modules/naming/deployment-suffix";
import { ROLES_WITHOUT_BOUNDARY_WARNING, type BootstrapConfig } from "./config";
import { GitHubOidcProvider } from "./github-oidc";
import { PipelineRoles } from "./pipeline-roles";
import { ReviewStackRole } from "./review-stack-role";
import { StateBackend } from "./state-backend";

/** What one environment's pipelines and operators need, as the stack outputs it. */
export interface EnvironmentOutputs {
  readonly stateBucket: pulumi.Output<string>;
  readonly backendUrl: string;
  readonly secretsProvider: string;
  readonly secretsKeyArn: pulumi.Output<string>;
  readonly deployRoleArn: pulumi.Output<string>;
  readonly previewRoleArn: pulumi.Output<string>;
  readonly workloadBoundaryArn: pulumi.Output<string>;
  /** Whether, and where, the deploy role may remove Lambda's leftover network interfaces. */
  readonly networkInterfaceCleanup: string;
  /** Set when the deploy role may create roles without the boundary: it is then an administrator. */
  readonly deployRoleWarning?: string;
  /** `pulumi stack init` for the environment's stack, with its backend and secrets provider. */
  readonly stackInitCommand: string;
  /** Moves a stack that already exists to the KMS secrets provider. */
  readonly changeSecretsProviderCommand: string;
  /** `pulumi config set environmentSuffix <proposed>` in the environment's stack file. */
  readonly environmentSuffixCommand: string;
}

/** The review stacks' role, created with dev (README, Deploying, Review stacks). */
export interface ReviewStackOutputs {
  readonly roleArn: pulumi.Output<string>;
  readonly workloadBoundaryArn: pulumi.Output<string>;
  /** The GitHub environment whose jobs the role trusts. */
  readonly githubEnvironment: string;
  /** The IAM path of the roles review stacks create. */
  readonly rolePath: string;
}

export interface BootstrapOutputs {
  readonly accountId: string;
  readonly oidcProviderArn: pulumi.Output<string>;
  /**
   * The `environmentSuffix` proposed for this deployment (account and repository, see
   * `proposeEnvironmentSuffix`): S3 bucket names are global, so the template's `a1` is taken.
   */
  readonly environmentSuffix: string;
  readonly environments: Readonly<Partial<Record<EnvironmentName, EnvironmentOutputs>>>;
  /** Present when dev is bootstrapped: the role pull requests' review stacks deploy with. */
  readonly reviewStacks?: ReviewStackOutputs;
  /** Every environment's `environmentSuffixCommand`, one a line (each stack must exist first). */
  readonly environmentSuffixCommands: string;
  /**
   * Writes every stack file's secrets provider, `encryptedkey` and suffix through the Pulumi CLI,
   * then checks them (`scripts/bootstrap/stack-files.ts`).
   */
  readonly stackFilesCommand: string;
  /**
   * Applies and verifies the GitHub side: environments with their deployment refs and reviewers,
   * the release-tag ruleset, every variable (`scripts/bootstrap/github-protection.ts`).
   */
  readonly githubProtectionCommand: string;
  /** The variables to set: per GitHub environment, and on the repository. */
  readonly githubVariables: pulumi.Output<{
    readonly environments: Readonly<Record<string, Readonly<Record<string, string>>>>;
    readonly repository: Readonly<Record<string, string>>;
  }>;
  /** `gh variable set` lines that set all of them; pipe into a shell. */
  readonly githubSetupCommands: pulumi.Output<string>;
}

function networkInterfaceCleanup(backend: EnvironmentBackend, vpcId: string | undefined): string {
  const environment = backend.environment;
  return vpcId === undefined
    ? `not granted: after the first \`pulumi up\` of ${environment}, run \`vpc="$(${pulumiCommand(backend, ["stack", "output", "vpcId", "--stack", environment, "--cwd", backend.workDir])})"\` from the repository root, then \`pulumi config set --path 'vpcIds.${environment}' "$vpc"\` and \`pulumi up\` in bootstrap/; until then deleting the functions' security group may fail with AccessDenied`
    : `in ${vpcId} only`;
}

/** Fails the deployment when the real ARN is not the one the GitHub variables will carry. */
function expectArn(
  actual: pulumi.Output<string>,
  expected: string,
  what: string,
): pulumi.Output<string> {
  return actual.apply((arn) => {
    if (arn !== expected) {
      throw new Error(`${what} is ${arn}, but environments/backends.ts expects ${expected}.`);
    }
    return arn;
  });
}

/**
 * The bootstrap: after checking the credentials are for the configured account, the GitHub OIDC provider, and per environment the state backend (bucket and key)
 * and the pipeline roles. Names come from environments/backends.ts, the one place the workflows'
 * variables are derived from too.
 */
export async function bootstrapProgram(config: BootstrapConfig): Promise<BootstrapOutputs> {
  // Checked before anything is registered: a run with the wrong credentials creates nothing.
  const { accountId } = await aws.getCallerIdentity();
  if (accountId !== config.accountId) {
    throw new Error(
      `These credentials are for account ${accountId}, but awsAccountId is ${config.accountId}: sign in to ${config.accountId}, or fix awsAccountId.`,
    );
  }

  if (!config.workloadBoundary.enforce) {
    await pulumi.log.warn(ROLES_WITHOUT_BOUNDARY_WARNING);
  }

  const oidc = new GitHubOidcProvider("github", {
    accountId: config.accountId,
    existingProviderArn: config.existingOidcProviderArn,
  });

  const repository = `${config.repository.owner}/${config.repository.name}`;
  const environmentSuffix = proposeEnvironmentSuffix(config.accountId, repository);
  const environments: Partial<Record<EnvironmentName, EnvironmentOutputs>> = {};
  const verifiedArns: pulumi.Output<string>[] = [];
  const backends: EnvironmentBackend[] = [];
  let reviewStacks: ReviewStackOutputs | undefined;
  for (const environment of config.environments) {
    const backend = environmentBackend(environment, config.accountId);
    backends.push(backend);
    const state = new StateBackend(`${environment}-state`, {
      environment,
      accountId: config.accountId,
      bucketName: backend.stateBucketName,
      keyAlias: backend.secretsKeyAlias,
    });
    const roles = new PipelineRoles(`${environment}-pipeline`, {
      backend,
      settings: environmentSettings(environment),
      repository: config.repository,
      defaultBranch: config.defaultBranch,
      oidcProviderArn: oidc.arn,
      stateBucketArn: state.bucketArn,
      secretsKeyArn: state.keyArn,
      workloadBoundary: config.workloadBoundary,
      vpcId: config.vpcIds[environment],
    });
    const deployRoleArn = expectArn(
      roles.deployRoleArn,
      backend.deployRoleArn,
      `The ${environment} deploy role`,
    );
    const previewRoleArn = expectArn(
      roles.previewRoleArn,
      backend.previewRoleArn,
      `The ${environment} preview role`,
    );
    verifiedArns.push(deployRoleArn, previewRoleArn);
    environments[environment] = {
      stateBucket: state.bucketName,
      backendUrl: backend.backendUrl,
      secretsProvider: backend.secretsProvider,
      secretsKeyArn: state.keyArn,
      deployRoleArn,
      previewRoleArn,
      workloadBoundaryArn: roles.workloadBoundaryArn,
      networkInterfaceCleanup: networkInterfaceCleanup(backend, config.vpcIds[environment]),
      ...(config.workloadBoundary.enforce
        ? {}
        : { deployRoleWarning: ROLES_WITHOUT_BOUNDARY_WARNING }),
      stackInitCommand: stackInitCommand(backend),
      changeSecretsProviderCommand: changeSecretsProviderCommand(backend),
      environmentSuffixCommand: environmentSuffixCommand(backend, environmentSuffix),
    };
    if (environment === "dev") {
      const review = reviewStacksBackend(config.accountId);
      const role = new ReviewStackRole(`${environment}-review-stacks`, {
        backend: review,
        settings: environmentSettings(environment),
        repository: config.repository,
        oidcProviderArn: oidc.arn,
        stateBucketArn: state.bucketArn,
        secretsKeyArn: state.keyArn,
      });
      const roleArn = expectArn(role.roleArn, review.roleArn, "The review-stack role");
      verifiedArns.push(roleArn);
      reviewStacks = {
        roleArn,
        workloadBoundaryArn: role.workloadBoundaryArn,
        githubEnvironment: review.githubEnvironment,
        rolePath: review.rolePath,
      };
    }
  }

  // The scripts default to every environment; name them when the bootstrap covers fewer.
  const only =
    config.environments.length === ENVIRONMENT_NAMES.length
      ? ""
      : config.environments.map((environment) => ` --env ${environment}`).join("");
  // Production's required reviewers are people or teams: the operator names them.
  const reviewers = config.environments.includes("production") ? " --reviewer 'user:<login>'" : "";
  const ready = pulumi.all(verifiedArns);
  return {
    accountId,
    oidcProviderArn: oidc.arn,
    environmentSuffix,
    environments,
    ...(reviewStacks === undefined ? {} : { reviewStacks }),
    environmentSuffixCommands: `${backends
      .map((backend) => environmentSuffixCommand(backend, environmentSuffix))
      .join("\n")}\n`,
    stackFilesCommand: `npx tsx scripts/bootstrap/stack-files.ts --account-id ${accountId} --suffix ${environmentSuffix}${only}`,
    githubProtectionCommand: `npx tsx scripts/bootstrap/github-protection.ts --repo ${repository} --account-id ${accountId}${only}${reviewers}`,
    githubVariables: ready.apply(() => ({
      environments: Object.fromEntries([
        ...backends.map((backend) => [backend.environment, githubVariables(backend).environment]),
        ...(reviewStacks === undefined
          ? []
          : [
              [
                REVIEW_GITHUB_ENVIRONMENT,
                reviewGitHubVariables(reviewStacksBackend(config.accountId)),
              ],
            ]),
      ]) as Record<string, Record<string, string>>,
      repository: Object.assign(
        {},
        ...backends.map((backend) => githubVariables(backend).repository),
      ) as Record<string, string>,
    })),
    githubSetupCommands: ready.apply(() => githubSetupCommands(repository, backends)),
  };
}
