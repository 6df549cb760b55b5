import type { EnvironmentName } from "../config/settings";
import { BOOTSTRAP_PREFIX } from "./bootstrap-names";

/**
 * `/trading-analytics/<env>/`: the IAM path of every role the platform creates (function execution
 * roles, the flow-log delivery role). The bootstrap scopes each environment's deploy role to
 * `role/trading-analytics/<env>/*`, so a role outside it (another environment's, an administrator's
 * `<env>-admin`, the pipeline roles themselves) is out of its reach, whatever its name.
 */
export function platformRolePath(environment: EnvironmentName): string {
  return `/${BOOTSTRAP_PREFIX}/${environment}/`;
}

/**
 * `/trading-analytics/<env>-review/`: the IAM path of the roles review stacks create, the only
 * roles the review-stack role may create, change or pass. It is not under the environment's own
 * path (`/trading-analytics/dev/` does not contain `/trading-analytics/dev-review/`), so neither
 * pipeline reaches the other's roles through it.
 */
export function reviewStackRolePath(environment: EnvironmentName): string {
  return `/${BOOTSTRAP_PREFIX}/${environment}-review/`;
}
