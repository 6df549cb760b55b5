import type { PlatformResources } from "./platform-resources";
import type { Grant, PermissionScope } from "./policy-types";

/**
 * The platform's roles (function execution roles, the flow-log delivery role), all under the IAM
 * path `/trading-analytics/<env>/` and nowhere else: a role outside the path, whatever its name
 * (`dev-admin`, another environment's roles, the pipeline roles at `/`), is out of reach. With the
 * boundary enforced, a role may be created or given an inline policy only while it carries this
 * environment's workload boundary, and nothing here can change or remove a boundary.
 */
export function roleGrants(scope: PermissionScope, resources: PlatformResources): Grant[] {
  const roles = [resources.roles];
  const writeInline = ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy"];
  return [
    {
      sid: "Roles",
      group: "compute",
      read: [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:ListRoleTags",
      ],
      write: [
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        ...(scope.enforceWorkloadBoundary ? [] : writeInline),
      ],
      resources: roles,
    },
    ...(scope.enforceWorkloadBoundary
      ? [
          {
            // A role the pipeline creates can never do more than the boundary allows, whatever
            // inline policy it is given: no escalation out of the environment.
            sid: "RolesWithinWorkloadBoundary",
            group: "compute" as const,
            read: [],
            write: writeInline,
            resources: roles,
            condition: { StringEquals: { "iam:PermissionsBoundary": scope.workloadBoundaryArn } },
          },
        ]
      : []),
    {
      sid: "PassRolesToFunctionsAndFlowLogs",
      group: "compute",
      read: [],
      write: ["iam:PassRole"],
      resources: roles,
      condition: {
        StringEquals: {
          "iam:PassedToService": [
            "lambda.amazonaws.com",
            ...(scope.settings.network.flowLogs ? ["vpc-flow-logs.amazonaws.com"] : []),
          ],
        },
      },
    },
  ];
}
