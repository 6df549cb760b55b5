import type { EnvironmentName } from "../config/settings";

/** The project tag carried by every resource, so cost reports and tag-scoped IAM can find them. */
export const PROJECT_TAG = "trading-analytics";

export interface StandardTags {
  readonly Environment: EnvironmentName;
  readonly ManagedBy: "pulumi";
  readonly Project: typeof PROJECT_TAG;
  readonly Service: string;
  readonly [key: string]: string;
}

/**
 * The tag every resource of a review stack carries, set to the stack's name (`dev-pr42`) through the
 * stack's `aws:defaultTags`. The review-stack role may create network resources and event source
 * mappings only with it, and change only those that carry it: EC2 and mappings have no name to
 * scope by, and the `Environment` tag (`dev`) is the same as dev's own.
 */
export const REVIEW_STACK_TAG = "ReviewStack";

/** The tags every taggable resource carries. `Environment` is what the deploy roles' tag conditions check. */
export function standardTags(environment: EnvironmentName, service: string): StandardTags {
  return { Environment: environment, ManagedBy: "pulumi", Project: PROJECT_TAG, Service: service };
}
