import type { EnvironmentName } from "../config/settings";
import { NAME_RULES, type ResourceKind } from "./physical-name";

/**
 * Names the bootstrap project creates that the platform itself refers to. They live here, not in
 * `environments/backends.ts` (which re-exports them), so the modules can use them without depending
 * on the environment projects, and the bootstrap and the platform share one definition.
 *
 * None of these names starts with `<env>-`: that prefix is what a deploy role may change, and a
 * pipeline must never be able to change what constrains it.
 */
export const BOOTSTRAP_PREFIX = "trading-analytics";

const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/** Rejects a 12-digit account id that is not one, saying where the value came from. */
export function validateAccountId(accountId: string, source: string): string {
  if (!ACCOUNT_ID_PATTERN.test(accountId)) {
    throw new Error(
      `${source} "${accountId}" is not an AWS account id: use the 12 digits that \`aws sts get-caller-identity --query Account --output text\` prints.`,
    );
  }
  return accountId;
}

/** A fixed (not `{env}-{service}-...`) name, checked against the limits AWS enforces on its kind. */
export function checkedName(kind: ResourceKind, name: string): string {
  const rule = NAME_RULES[kind];
  const disallowed = [...new Set([...name].filter((ch) => !rule.allowedCharacter.test(ch)))];
  if (disallowed.length > 0) {
    throw new Error(
      `${rule.label} name "${name}" contains ${disallowed.map((ch) => `"${ch}"`).join(", ")}, which AWS does not allow: use only ${rule.allowedDescription}.`,
    );
  }
  if (name.length < rule.minLength || name.length > rule.maxLength) {
    throw new Error(
      `${rule.label} name "${name}" is ${name.length} characters; AWS allows ${rule.minLength}-${rule.maxLength}.`,
    );
  }
  return name;
}

/**
 * The permissions boundary every role the deploy role creates must carry: it caps what the
 * platform's own roles (functions, flow logs) can ever do to this environment's resources.
 */
export function workloadBoundaryPolicyName(environment: EnvironmentName): string {
  return checkedName("iam-policy", `${BOOTSTRAP_PREFIX}-${environment}-workload-boundary`);
}

/**
 * `arn:aws:iam::<account>:policy/trading-analytics-<env>-workload-boundary`: what the platform sets
 * as `permissionsBoundary` on its roles, and the exact value the deploy role's
 * `iam:PermissionsBoundary` condition requires.
 */
export function workloadBoundaryPolicyArn(environment: EnvironmentName, accountId: string): string {
  validateAccountId(accountId, "Account id");
  return `arn:aws:iam::${accountId}:policy/${workloadBoundaryPolicyName(environment)}`;
}

/**
 * The permissions boundary of every role a review stack creates: like the environment's, but
 * reaching only review-stack names (suffix `pr<N>`), so a pull request's function can never be
 * granted the environment's own table, stream or bucket, whatever inline policy it is given.
 */
export function reviewWorkloadBoundaryPolicyName(environment: EnvironmentName): string {
  return checkedName("iam-policy", `${BOOTSTRAP_PREFIX}-${environment}-review-workload-boundary`);
}

/** `arn:aws:iam::<account>:policy/trading-analytics-<env>-review-workload-boundary`. */
export function reviewWorkloadBoundaryPolicyArn(
  environment: EnvironmentName,
  accountId: string,
): string {
  validateAccountId(accountId, "Account id");
  return `arn:aws:iam::${accountId}:policy/${reviewWorkloadBoundaryPolicyName(environment)}`;
}
