import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { ReviewStacksBackend } from "../environments/backends";
import type { EnvironmentSettings } from "../modules/config/settings";
import { standardTags } from "../modules/naming/tags";
import {
  githubSubjects,
  githubTrustPolicy,
  reviewRoleContexts,
  type GitHubRepository,
} from "./github-oidc";
import {
  POLICY_GROUPS,
  deployPolicies,
  workloadBoundaryPolicy,
  type PermissionScope,
} from "./permissions";
import { DEPLOY_SESSION_SECONDS } from "./pipeline-roles";

export interface ReviewStackRoleArgs {
  /** The review stacks' names: role, path, boundary, state objects, and dev's backend. */
  readonly backend: ReviewStacksBackend;
  /** The settings of the environment the review stacks copy (dev). */
  readonly settings: EnvironmentSettings;
  readonly repository: GitHubRepository;
  readonly oidcProviderArn: pulumi.Input<string>;
  /** The environment's state bucket, which holds the review stacks' state too. */
  readonly stateBucketArn: pulumi.Input<string>;
  /** The environment's secrets key, which the review stacks' stack files name. */
  readonly secretsKeyArn: pulumi.Input<string>;
}

/** The scope of the review-stack role's grants (bootstrap/permissions, `stacks: "review"`). */
export function reviewStackScope(
  backend: ReviewStacksBackend,
  settings: EnvironmentSettings,
  stateBucketArn: string,
  secretsKeyArn: string,
): PermissionScope {
  return {
    environment: backend.environment.environment,
    settings,
    accountId: backend.environment.accountId,
    region: backend.environment.region,
    stateBucketArn,
    secretsKeyArn,
    workloadBoundaryArn: backend.workloadBoundaryPolicyArn,
    // Never lifted: whoever can push a branch can use this role.
    enforceWorkloadBoundary: true,
    stacks: "review",
  };
}

/**
 * The role pull requests' review stacks deploy with (`trading-analytics-dev-review`), never dev's
 * deploy role. Trusted only by jobs in the `review` GitHub environment, it may create, change and
 * delete only review-stack resources (names ending `-pr<N>`, network resources and mappings tagged
 * `ReviewStack`), roles under `/trading-analytics/dev-review/` with its own boundary, and the review
 * stacks' state objects in dev's bucket with dev's key. It has no read-only twin: the review-stack
 * workflows run no preview.
 */
export class ReviewStackRole extends pulumi.ComponentResource {
  public readonly roleArn: pulumi.Output<string>;
  public readonly workloadBoundaryArn: pulumi.Output<string>;

  constructor(name: string, args: ReviewStackRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:bootstrap:ReviewStackRole", name, {}, opts);
    const { backend, settings } = args;
    const env = backend.environment.environment;
    const tags = standardTags(env, "pipeline");
    const scope = pulumi
      .all([args.stateBucketArn, args.secretsKeyArn])
      .apply(([bucketArn, keyArn]) => reviewStackScope(backend, settings, bucketArn, keyArn));

    const boundary = new aws.iam.Policy(
      `${name}-workload-boundary`,
      {
        name: backend.workloadBoundaryPolicyName,
        description: `Permissions boundary of every role a ${env} review stack creates`,
        policy: scope.apply((s) => JSON.stringify(workloadBoundaryPolicy(s))),
        tags,
      },
      { parent: this },
    );

    const subjects = reviewRoleContexts(backend.githubEnvironment).flatMap((context) =>
      githubSubjects(args.repository, context),
    );
    const role = new aws.iam.Role(
      name,
      {
        name: backend.roleName,
        description: `Deploys and destroys ${env} review stacks (${env}-pr<N>) from the GitHub environment ${backend.githubEnvironment}`,
        maxSessionDuration: DEPLOY_SESSION_SECONDS,
        assumeRolePolicy: pulumi
          .output(args.oidcProviderArn)
          .apply((providerArn) =>
            JSON.stringify(githubTrustPolicy(providerArn, "GitHubActionsReviewStacks", subjects)),
          ),
        tags,
      },
      { parent: this },
    );

    // Which groups the role has does not depend on the ARNs, so they are known before deployment.
    const groups = deployPolicies(
      reviewStackScope(
        backend,
        settings,
        backend.environment.stateBucketArn,
        "arn:aws:kms:placeholder",
      ),
    );
    for (const group of POLICY_GROUPS) {
      if (groups[group] === undefined) {
        continue;
      }
      const policy = new aws.iam.Policy(
        `${name}-${group}`,
        {
          name: `${backend.roleName}-${group}`,
          description: `Permissions of ${env} review stacks: ${group}`,
          policy: scope.apply((s) => JSON.stringify(deployPolicies(s)[group])),
          tags,
        },
        { parent: this },
      );
      new aws.iam.RolePolicyAttachment(
        `${name}-${group}`,
        { role: role.name, policyArn: policy.arn },
        { parent: this },
      );
    }

    this.roleArn = role.arn;
    this.workloadBoundaryArn = boundary.arn;
    this.registerOutputs({ roleArn: this.roleArn, workloadBoundaryArn: this.workloadBoundaryArn });
  }
}
