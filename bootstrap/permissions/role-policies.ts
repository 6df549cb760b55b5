import { computeGrants } from "./compute-grants";
import { dataGrants } from "./data-grants";
import { networkGrants } from "./network-grants";
import { platformResources } from "./platform-resources";
import {
  POLICY_GROUPS,
  type Grant,
  type PermissionScope,
  type PolicyDocument,
  type PolicyGroup,
  type RolePolicies,
  type Statement,
} from "./policy-types";
import { roleGrants } from "./role-grants";
import { stateGrants } from "./state-grants";
import { wildcardOnlyGrant } from "./wildcard-only";

/**
 * What each environment's pipeline roles may do, as data: one table of grants, from which the
 * deploy role gets read + write actions and the preview role only the read actions.
 *
 * Every grant names exact actions (never `service:*`) and is scoped to one environment: the
 * platform's own physical names (`<env>-<service>-<region>-*`, planned by modules/naming), the
 * IAM path of its roles, or, where the service has no name to scope by (EC2/VPC, Application Auto
 * Scaling, event source mappings), `Environment` tag conditions. Actions AWS authorizes only on
 * `"*"` are in one statement on `"*"` (wildcard-only.ts). Where each action list comes from is in
 * README.md beside this file.
 */
function grants(scope: PermissionScope): Grant[] {
  const resources = platformResources(scope);
  return [
    ...stateGrants(scope),
    ...networkGrants(scope),
    ...dataGrants(scope, resources),
    ...computeGrants(scope, resources),
    ...roleGrants(scope, resources),
    wildcardOnlyGrant(scope),
  ];
}

function statement(grant: Grant, actions: readonly string[]): Statement {
  return {
    Sid: grant.sid,
    Effect: "Allow",
    Action: [...actions],
    Resource: grant.resources.length === 1 ? grant.resources[0] : [...grant.resources],
    ...(grant.condition === undefined ? {} : { Condition: grant.condition }),
  };
}

function documents(
  statements: readonly { group: PolicyGroup; statement: Statement }[],
): RolePolicies {
  const result: Partial<Record<PolicyGroup, PolicyDocument>> = {};
  for (const group of POLICY_GROUPS) {
    const inGroup = statements
      .filter((entry) => entry.group === group)
      .map((entry) => entry.statement);
    if (inGroup.length > 0) {
      result[group] = { Version: "2012-10-17", Statement: inGroup };
    }
  }
  return result;
}

/** The deploy role's policies: every grant with its read and write actions. */
export function deployPolicies(scope: PermissionScope): RolePolicies {
  return documents(
    grants(scope).map((grant) => ({
      group: grant.group,
      statement: statement(grant, [...grant.read, ...grant.write]),
    })),
  );
}

/** The preview role's policies: the read actions of the grants that have any. */
export function previewPolicies(scope: PermissionScope): RolePolicies {
  return documents(
    grants(scope)
      .filter((grant) => grant.read.length > 0)
      .map((grant) => ({ group: grant.group, statement: statement(grant, grant.read) })),
  );
}

/** IAM counts a managed policy's size without whitespace; the limit is 6,144 characters. */
export const MANAGED_POLICY_MAX_CHARACTERS = 6_144;

export function policySize(document: PolicyDocument): number {
  return JSON.stringify(document).length;
}
