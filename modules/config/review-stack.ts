import { ENVIRONMENT_NAMES, type EnvironmentName } from "./settings";

/**
 * Review stacks: a pull request labelled for review deploys into a stack of its own in the dev
 * project, `dev-pr<N>`, with dev's settings and backend, and every physical name ending in the
 * suffix `pr<N>` instead of dev's. Only dev has review stacks.
 *
 * The names are what the review-stack role is scoped by (bootstrap/permissions): resources whose
 * suffix starts with `pr`, state objects of the `dev-pr*` stacks, roles under the review path. So
 * the suffix prefix is reserved: no environment's own suffix may start with it
 * (`resolveDeploymentConfig`), or that role could reach the environment's resources.
 */

/** The one environment with review stacks. */
export const REVIEW_STACK_ENVIRONMENT = "dev" satisfies EnvironmentName;

/** The start of every review stack's suffix, `pr<N>`, and of nothing else's. */
export const REVIEW_SUFFIX_PREFIX = "pr";

/** The highest pull request number a review stack supports; the names are checked up to it. */
export const MAX_REVIEW_PULL_REQUEST = 99_999;

/** One pull request's review stack. */
export interface ReviewStack {
  readonly environment: typeof REVIEW_STACK_ENVIRONMENT;
  /** `dev-pr<N>`: the Pulumi stack, in the dev project. */
  readonly stack: string;
  readonly pullRequest: number;
  /** `pr<N>`: the environmentSuffix of every physical name of the stack. */
  readonly suffix: string;
}

const NUMBER_PATTERN = /^[1-9][0-9]*$/;

const NAME_HELP = `use ${REVIEW_STACK_ENVIRONMENT}-${REVIEW_SUFFIX_PREFIX}<N> with N the pull request number (1-${MAX_REVIEW_PULL_REQUEST}), e.g. ${REVIEW_STACK_ENVIRONMENT}-${REVIEW_SUFFIX_PREFIX}42`;

/** The review stack of pull request `pullRequest`; throws on a number the names cannot carry. */
export function reviewStack(pullRequest: number): ReviewStack {
  if (!Number.isInteger(pullRequest) || pullRequest < 1 || pullRequest > MAX_REVIEW_PULL_REQUEST) {
    throw new Error(
      `Pull request ${String(pullRequest)} cannot have a review stack: its number must be 1-${MAX_REVIEW_PULL_REQUEST}, which every physical name can carry within AWS's limits.`,
    );
  }
  const suffix = `${REVIEW_SUFFIX_PREFIX}${pullRequest}`;
  return {
    environment: REVIEW_STACK_ENVIRONMENT,
    stack: `${REVIEW_STACK_ENVIRONMENT}-${suffix}`,
    pullRequest,
    suffix,
  };
}

/**
 * The review stack a stack name denotes; `undefined` for a name that does not look like one
 * (`dev`, `staging`). A name that looks like one but is not (`dev-prX`, `dev-pr0`, `staging-pr1`)
 * throws, saying what review stacks are called.
 */
export function parseReviewStackName(stack: string): ReviewStack | undefined {
  const match = new RegExp(`^(${ENVIRONMENT_NAMES.join("|")})-${REVIEW_SUFFIX_PREFIX}(.*)$`).exec(
    stack,
  );
  if (match === null) {
    return undefined;
  }
  const [, environment, number] = match;
  if (environment !== REVIEW_STACK_ENVIRONMENT) {
    throw new Error(
      `Stack "${stack}" looks like a review stack of ${environment}, but only ${REVIEW_STACK_ENVIRONMENT} has review stacks: ${NAME_HELP}. ${environment} deploys its own stack, "${environment}", only.`,
    );
  }
  if (!NUMBER_PATTERN.test(number) || Number(number) > MAX_REVIEW_PULL_REQUEST) {
    throw new Error(`Stack "${stack}" is not a review stack name: ${NAME_HELP}.`);
  }
  return reviewStack(Number(number));
}

/** Whether a deployment's own suffix would fall in the names the review-stack role may change. */
export function isReservedSuffix(suffix: string): boolean {
  return suffix.startsWith(REVIEW_SUFFIX_PREFIX);
}
