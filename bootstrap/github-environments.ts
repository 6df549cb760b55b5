import type { EnvironmentName } from "../modules/config/settings";

/**
 * The GitHub side of the bootstrap, as data: which refs may run jobs in each GitHub environment,
 * who must approve production, and the ruleset that protects release tags.
 *
 * Each deploy role trusts `repo:OWNER/REPO:environment:<env>` (bootstrap/github-oidc.ts), and any
 * workflow in the repository can name `environment: <env>`, including one added on a branch or in a
 * pull request. What stops it is the environment's deployment branch policy: a job whose ref the
 * policy does not allow is never started, so it never gets the environment's OIDC token.
 * https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment#deployment-branches-and-tags
 *
 * Production's read-only role also trusts `ref:refs/tags/v*`: whoever can push a `v*` tag can read
 * production's state and secrets and start a release. Hence the tag ruleset: only repository
 * administrators may create, move or delete `v*` tags.
 */

/** A name pattern a ref must match to run jobs in the environment (a custom deployment policy). */
export interface DeploymentRefPolicy {
  /** fnmatch-style pattern, e.g. `main` or `v*`. */
  readonly name: string;
  readonly type: "branch" | "tag";
}

export interface EnvironmentProtection {
  /** The only refs whose jobs may use the environment (and so its deploy role). */
  readonly deploymentRefs: readonly DeploymentRefPolicy[];
  /**
   * Whether a reviewer must approve each job, and never the person who started it
   * (`prevent_self_review`).
   */
  readonly requiredReviewers: boolean;
}

/**
 * Per environment, what `.github/workflows/deploy.yml` deploys from: dev from `main`, staging from
 * `staging`, production from release tags only. A rollback or a destroy of production is therefore
 * dispatched from a release tag (Run workflow → Use workflow from → Tags), a destroy of staging from
 * `staging` and of dev from `main`.
 */
export const ENVIRONMENT_PROTECTION: Readonly<Record<EnvironmentName, EnvironmentProtection>> = {
  dev: { deploymentRefs: [{ name: "main", type: "branch" }], requiredReviewers: false },
  staging: { deploymentRefs: [{ name: "staging", type: "branch" }], requiredReviewers: false },
  production: { deploymentRefs: [{ name: "v*", type: "tag" }], requiredReviewers: true },
};

/**
 * The `review` environment, which the review-stack workflows run in: every branch and tag may use
 * it (`deployment_branch_policy: null`), since a pull request's branch can be anyone's. Its
 * variables name the review-stack role, whose scope (review stacks only) is what protects the
 * account. Required reviewers may be added by hand to approve each review deploy; the verification
 * leaves them alone.
 */
export const REVIEW_ENVIRONMENT_BODY = { deployment_branch_policy: null } as const;

/** GitHub allows at most six required reviewers (users or teams) per environment. */
export const MAX_REVIEWERS = 6;

export interface Reviewer {
  readonly type: "User" | "Team";
  readonly id: number;
}

/**
 * `deployment_branch_policy` with custom policies: only refs matching the environment's
 * deployment-branch-policies may deploy (`protected_branches: false` is required alongside).
 * https://docs.github.com/en/rest/deployments/environments#create-or-update-an-environment
 */
export const CUSTOM_DEPLOYMENT_POLICY = {
  protected_branches: false,
  custom_branch_policies: true,
} as const;

/** The body of `PUT /repos/{owner}/{repo}/environments/{environment_name}`. */
export function environmentRequestBody(
  protection: EnvironmentProtection,
  reviewers: readonly Reviewer[],
): Record<string, unknown> {
  if (!protection.requiredReviewers) {
    return { deployment_branch_policy: CUSTOM_DEPLOYMENT_POLICY };
  }
  if (reviewers.length === 0 || reviewers.length > MAX_REVIEWERS) {
    throw new Error(
      `Production needs 1-${MAX_REVIEWERS} required reviewers, got ${reviewers.length}: pass --reviewer user:LOGIN or --reviewer team:ORG/SLUG.`,
    );
  }
  return {
    prevent_self_review: true,
    reviewers: reviewers.map((reviewer) => ({ type: reviewer.type, id: reviewer.id })),
    deployment_branch_policy: CUSTOM_DEPLOYMENT_POLICY,
  };
}

/**
 * GitHub's built-in repository role ids as rulesets name them (`actor_type: RepositoryRole`):
 * 5 is Admin (2 is Maintain, 4 is Write). GitHub documents only the shape; these ids are what the
 * API returns for the built-in roles (github/rest-api-description#4406).
 */
export const REPOSITORY_ADMIN_ROLE_ID = 5;

/**
 * Only repository administrators may create, move or delete `v*` tags; nobody else can bypass.
 * https://docs.github.com/en/rest/repos/rules#create-a-repository-ruleset
 * https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-rulesets/available-rules-for-rulesets
 */
export const RELEASE_TAG_RULESET = {
  name: "Release tags v*",
  target: "tag",
  enforcement: "active",
  bypass_actors: [
    { actor_id: REPOSITORY_ADMIN_ROLE_ID, actor_type: "RepositoryRole", bypass_mode: "always" },
  ],
  conditions: { ref_name: { include: ["refs/tags/v*"], exclude: [] } },
  rules: [
    { type: "creation" },
    { type: "update" },
    { type: "deletion" },
    { type: "non_fast_forward" },
  ],
} as const;
