import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import { BOOTSTRAP_PREFIX, type EnvironmentBackend } from "../environments/backends";
import type { EnvironmentSettings } from "../modules/config/settings";
import { standardTags } from "../modules/naming/tags";
import {
  githubSubjects,
  githubTrustPolicy,
  deployRoleContexts,
  previewRoleContexts,
  type GitHubRepository,
} from "./github-oidc";
import {
  POLICY_GROUPS,
  deployPolicies,
  previewPolicies,
  workloadBoundaryPolicy,
  type PermissionScope,
  type RolePolicies,
} from "./permissions";

/** `pulumi up` and `destroy` can wait long for Lambda's VPC network interfaces. */
export const DEPLOY_SESSION_SECONDS = 7_200;
export const PREVIEW_SESSION_SECONDS = 3_600;

export interface PipelineRolesArgs {
  /** Names and ARNs of this environment's backend and roles. */
  readonly backend: EnvironmentBackend;
  readonly settings: EnvironmentSettings;
  readonly repository: GitHubRepository;
  readonly defaultBranch: string;
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly stateBucketArn: pulumi.Input<string>;
  readonly secretsKeyArn: pulumi.Input<string>;
  /**
   * Whether every role the deploy role creates must carry the workload boundary. Off only with a
   * reason, recorded on the deploy role; off makes the deploy role an administrator of the account.
   */
  readonly workloadBoundary:
    { readonly enforce: true } | { readonly enforce: false; readonly reason: string };
  /**
   * The environment's VPC, once it exists: the deploy role may remove Lambda's leftover network
   * interfaces in it. @default - no network-interface cleanup
   */
  readonly vpcId?: string;
}

/**
 * One environment's pipeline identities: the deploy role (trusted only by jobs in the GitHub
 * environment of the same name), the read-only preview role (pull requests, the default branch,
 * and for production release tags), and the permissions boundary that caps every role the deploy
 * role creates. Both roles can reach this environment's resources, state and key, and nothing else.
 */
export class PipelineRoles extends pulumi.ComponentResource {
  public readonly deployRoleArn: pulumi.Output<string>;
  public readonly previewRoleArn: pulumi.Output<string>;
  public readonly workloadBoundaryArn: pulumi.Output<string>;

  constructor(name: string, args: PipelineRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:bootstrap:PipelineRoles", name, {}, opts);
    const { backend, settings, repository } = args;
    const env = backend.environment;
    const tags = standardTags(env, "pipeline");
    const enforce = args.workloadBoundary.enforce;

    const scopeFor = (stateBucketArn: string, secretsKeyArn: string): PermissionScope => ({
      environment: env,
      settings,
      accountId: backend.accountId,
      region: backend.region,
      stateBucketArn,
      secretsKeyArn,
      workloadBoundaryArn: backend.workloadBoundaryPolicyArn,
      enforceWorkloadBoundary: enforce,
      ...(args.vpcId === undefined ? {} : { vpcId: args.vpcId }),
    });
    const scope = pulumi
      .all([args.stateBucketArn, args.secretsKeyArn])
      .apply(([bucketArn, keyArn]) => scopeFor(bucketArn, keyArn));

    const boundary = new aws.iam.Policy(
      `${name}-workload-boundary`,
      {
        name: backend.workloadBoundaryPolicyName,
        description: `Permissions boundary of every role the ${env} pipeline creates`,
        policy: scope.apply((s) => JSON.stringify(workloadBoundaryPolicy(s))),
        tags,
      },
      { parent: this },
    );

    const role = (
      kind: "deploy" | "preview",
      roleName: string,
      contexts: string[],
      sessionSeconds: number,
      policies: (s: PermissionScope) => RolePolicies,
      description: string,
    ): aws.iam.Role => {
      const subjects = contexts.flatMap((context) => githubSubjects(repository, context));
      const created = new aws.iam.Role(
        `${name}-${kind}`,
        {
          name: roleName,
          description,
          maxSessionDuration: sessionSeconds,
          assumeRolePolicy: pulumi
            .output(args.oidcProviderArn)
            .apply((providerArn) =>
              JSON.stringify(
                githubTrustPolicy(
                  providerArn,
                  `GitHubActions${kind === "deploy" ? "Deploy" : "Preview"}`,
                  subjects,
                ),
              ),
            ),
          tags,
        },
        { parent: this },
      );
      // Which groups a role has does not depend on the ARNs, so they are known before deployment.
      const groups = policies(scopeFor(backend.stateBucketArn, "arn:aws:kms:placeholder"));
      for (const group of POLICY_GROUPS) {
        if (groups[group] === undefined) {
          continue;
        }
        const policy = new aws.iam.Policy(
          `${name}-${kind}-${group}`,
          {
            name: `${BOOTSTRAP_PREFIX}-${env}-${kind}-${group}`,
            description: `${kind === "deploy" ? "Deploy" : "Read-only preview"} permissions of the ${env} pipeline: ${group}`,
            policy: scope.apply((s) => JSON.stringify(policies(s)[group])),
            tags,
          },
          { parent: this },
        );
        new aws.iam.RolePolicyAttachment(
          `${name}-${kind}-${group}`,
          { role: created.name, policyArn: policy.arn },
          { parent: this },
        );
      }
      return created;
    };

    const deploy = role(
      "deploy",
      backend.deployRoleName,
      deployRoleContexts(env),
      DEPLOY_SESSION_SECONDS,
      deployPolicies,
      args.workloadBoundary.enforce
        ? `Deploys the ${env} stack from the GitHub environment ${env}`
        : `ADMINISTRATOR: deploys the ${env} stack from the GitHub environment ${env} and may create roles without a permissions boundary, because: ${args.workloadBoundary.reason}`,
    );
    const preview = role(
      "preview",
      backend.previewRoleName,
      previewRoleContexts(env, args.defaultBranch),
      PREVIEW_SESSION_SECONDS,
      previewPolicies,
      `Reads the ${env} stack for previews and drift checks`,
    );

    this.deployRoleArn = deploy.arn;
    this.previewRoleArn = preview.arn;
    this.workloadBoundaryArn = boundary.arn;
    this.registerOutputs({
      deployRoleArn: this.deployRoleArn,
      previewRoleArn: this.previewRoleArn,
      workloadBoundaryArn: this.workloadBoundaryArn,
    });
  }
}
