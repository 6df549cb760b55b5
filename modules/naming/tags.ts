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

/** The tags every taggable resource carries. `Environment` is what the deploy roles' tag conditions check. */
export function standardTags(environment: EnvironmentName, service: string): StandardTags {
  return { Environment: environment, ManagedBy: "pulumi", Project: PROJECT_TAG, Service: service };
}
