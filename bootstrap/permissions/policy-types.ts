import { REVIEW_SUFFIX_PREFIX } from "../../modules/config/review-stack";
import type { EnvironmentName, EnvironmentSettings } from "../../modules/config/settings";
import { REVIEW_STACK_TAG } from "../../modules/naming/tags";

export type Condition = Readonly<
  Record<string, Readonly<Record<string, string | readonly string[]>>>
>;

export interface Statement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Condition;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly Statement[];
}

/** The managed policies a role's grants are split into; each stays under IAM's 6,144-character limit. */
export const POLICY_GROUPS = ["state", "network", "data", "monitoring", "compute", "read"] as const;
export type PolicyGroup = (typeof POLICY_GROUPS)[number];

export type RolePolicies = Readonly<Partial<Record<PolicyGroup, PolicyDocument>>>;

/** Everything the grants are scoped by. */
export interface PermissionScope {
  readonly environment: EnvironmentName;
  readonly settings: EnvironmentSettings;
  readonly accountId: string;
  readonly region: string;
  readonly stateBucketArn: string;
  readonly secretsKeyArn: string;
  /** Required on every role the deploy role creates or changes, when enforced. */
  readonly workloadBoundaryArn: string;
  readonly enforceWorkloadBoundary: boolean;
  /**
   * The environment's VPC (`vpc-...`, the stack's `vpcId` output), once it exists. The deploy role may
   * remove Lambda's leftover network interfaces only in it (`ec2:Vpc`); the VPC is created by the
   * environment's first `pulumi up`, after the bootstrap, so its id is set and the bootstrap run
   * again once it is known.
   * @default - no network-interface cleanup: deleting the functions' security group waits for
   *   Lambda to release its interfaces, and fails with AccessDenied if the provider must remove one
   */
  readonly vpcId?: string;
  /**
   * Which of the environment's stacks the role reaches.
   *
   * - `environment`: the environment's own stack: every `<env>-<service>-<region>-*` name, roles
   *   under `/trading-analytics/<env>/`, resources tagged `Environment=<env>`, the whole state bucket.
   * - `review`: its review stacks (`<env>-pr<N>`) only: names whose suffix starts with `pr`, roles
   *   under `/trading-analytics/<env>-review/`, resources also tagged `ReviewStack=<env>-pr*`, the
   *   review stacks' state objects; and none of the writes AWS authorizes only on `*`.
   *
   * @default "environment"
   */
  readonly stacks?: "environment" | "review";
}

/** Whether the scope is the review stacks'. */
export function isReviewScope(scope: PermissionScope): boolean {
  return scope.stacks === "review";
}

/** How the scope's resources without a name (EC2, mappings, scalable targets) are told apart by tag. */
export interface TagScope {
  /** What a create's request tags must say. */
  readonly onCreate: Condition;
  /** What an existing resource's tags must say. */
  readonly existing: Condition;
  /** What a tag request may set, where it sets these keys at all. */
  readonly retag: Condition;
  /** The keys that may never be removed. */
  readonly keys: readonly string[];
}

/**
 * The environment's own stack: `Environment=<env>`. Its review stacks: also `ReviewStack=<env>-pr*`,
 * which the environment's own resources never carry (modules/config refuses it on their stack), so
 * the review-stack role can neither create, change nor retag them.
 */
export function tagScope(scope: PermissionScope): TagScope {
  const env = scope.environment;
  if (!isReviewScope(scope)) {
    return {
      onCreate: { StringEquals: { "aws:RequestTag/Environment": env } },
      existing: { StringEquals: { "aws:ResourceTag/Environment": env } },
      retag: { StringEqualsIfExists: { "aws:RequestTag/Environment": env } },
      keys: ["Environment"],
    };
  }
  const stacks = `${env}-${REVIEW_SUFFIX_PREFIX}*`;
  return {
    onCreate: {
      StringEquals: { "aws:RequestTag/Environment": env },
      StringLike: { [`aws:RequestTag/${REVIEW_STACK_TAG}`]: stacks },
    },
    existing: {
      StringEquals: { "aws:ResourceTag/Environment": env },
      StringLike: { [`aws:ResourceTag/${REVIEW_STACK_TAG}`]: stacks },
    },
    retag: {
      StringEqualsIfExists: { "aws:RequestTag/Environment": env },
      StringLikeIfExists: { [`aws:RequestTag/${REVIEW_STACK_TAG}`]: stacks },
    },
    keys: ["Environment", REVIEW_STACK_TAG],
  };
}

/** Conditions merged operator by operator; a key twice under one operator is a mistake. */
export function allOf(...conditions: readonly Condition[]): Condition {
  const merged: Record<string, Record<string, string | readonly string[]>> = {};
  for (const condition of conditions) {
    for (const [operator, keys] of Object.entries(condition)) {
      for (const [key, value] of Object.entries(keys)) {
        merged[operator] ??= {};
        if (key in merged[operator]) {
          throw new Error(`Condition ${operator} ${key} is given twice.`);
        }
        merged[operator][key] = value;
      }
    }
  }
  return merged;
}

/**
 * One statement of the deploy role, whose read actions the preview role gets too. Every grant
 * names exact actions (never `service:*`) on this environment's resources only.
 */
export interface Grant {
  readonly sid: string;
  readonly group: PolicyGroup;
  /** Granted to the deploy and the preview role. */
  readonly read: readonly string[];
  /** Granted to the deploy role only. */
  readonly write: readonly string[];
  readonly resources: readonly string[];
  readonly condition?: Condition;
}

/** `arn:aws:<service>:<region>:<account>:<resource>` in the scope's region and account. */
export function regionalArn(scope: PermissionScope, service: string, resource: string): string {
  return `arn:aws:${service}:${scope.region}:${scope.accountId}:${resource}`;
}
