import type { EnvironmentName, EnvironmentSettings } from "../../modules/config/settings";

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
