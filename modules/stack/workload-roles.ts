import { platformRolePath, reviewStackRolePath } from "../naming/role-paths";
import type { DeploymentConfig } from "../config/deployment";
import {
  reviewWorkloadBoundaryPolicyArn,
  workloadBoundaryPolicyArn,
} from "../naming/bootstrap-names";

/** Where a deployment's own roles live and the boundary they carry. */
export interface WorkloadRoles {
  /** The IAM path of every role the stack creates. */
  readonly path: string;
  /** The permissions boundary every role the stack creates carries, in the given account. */
  readonly boundaryArn: (accountId: string) => string;
}

/**
 * The environment's own stack puts its roles under `/trading-analytics/<env>/` with the
 * environment's boundary, which the deploy role requires. A review stack puts them under
 * `/trading-analytics/<env>-review/` with the review boundary, which the review-stack role requires
 * and which reaches only review-stack names: a pull request's roles never reach the environment's
 * own resources.
 */
export function workloadRoles(config: DeploymentConfig): WorkloadRoles {
  const { environment } = config;
  return config.reviewStack === undefined
    ? {
        path: platformRolePath(environment),
        boundaryArn: (accountId) => workloadBoundaryPolicyArn(environment, accountId),
      }
    : {
        path: reviewStackRolePath(environment),
        boundaryArn: (accountId) => reviewWorkloadBoundaryPolicyArn(environment, accountId),
      };
}
