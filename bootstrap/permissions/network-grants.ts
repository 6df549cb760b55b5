import { allOf, regionalArn, tagScope, type Grant, type PermissionScope } from "./policy-types";

/** EC2 resource types the platform's VPC consists of. */
const NETWORK_RESOURCE_TYPES = [
  "vpc",
  "subnet",
  "route-table",
  "internet-gateway",
  "security-group",
  "security-group-rule",
  "vpc-endpoint",
  "vpc-flow-log",
] as const;

/** EC2 actions that create a tagged resource, with the resource types each one creates. */
const NETWORK_CREATE_ACTIONS: readonly { readonly action: string; readonly creates: string }[] = [
  { action: "ec2:CreateVpc", creates: "vpc" },
  { action: "ec2:CreateSubnet", creates: "subnet" },
  { action: "ec2:CreateRouteTable", creates: "route-table" },
  { action: "ec2:CreateInternetGateway", creates: "internet-gateway" },
  { action: "ec2:CreateSecurityGroup", creates: "security-group" },
  { action: "ec2:AuthorizeSecurityGroupEgress", creates: "security-group-rule" },
  { action: "ec2:CreateVpcEndpoint", creates: "vpc-endpoint" },
  { action: "ec2:CreateFlowLogs", creates: "vpc-flow-log" },
];

/**
 * What the AWS provider calls to remove the network interfaces Lambda leaves behind when it deletes
 * a security group (`DescribeNetworkInterfaces` is in the wildcard-only statement).
 */
export const LAMBDA_INTERFACE_CLEANUP_ACTIONS = [
  "ec2:DetachNetworkInterface",
  "ec2:DeleteNetworkInterface",
] as const;

/** `security-group-rule` -> `CreateTaggedSecurityGroupRule`. */
function createSid(type: string): string {
  return `CreateTagged${type
    .split("-")
    .map((word) => `${word[0].toUpperCase()}${word.slice(1)}`)
    .join("")}`;
}

/**
 * EC2 names nothing, so the network is scoped by its Environment tag: a create must tag the new
 * resource with this environment, and every other action needs the resources it touches (the new
 * resource's VPC, route tables, security group) to carry it already. Each create action gets its
 * own statement so the tag request of one create can never stand in for the parent resource of
 * another (e.g. a subnet in another environment's VPC). Review stacks' network also carries
 * `ReviewStack=<env>-pr*` (`tagScope`), which the environment's own never does.
 */
export function networkGrants(scope: PermissionScope): Grant[] {
  const arn = (resource: string) => regionalArn(scope, "ec2", resource);
  const tags = tagScope(scope);
  const flowLogs = scope.settings.network.flowLogs;
  const networkTypes = NETWORK_RESOURCE_TYPES.filter(
    (type) => flowLogs || type !== "vpc-flow-log",
  ).map((type) => arn(`${type}/*`));
  const creates = NETWORK_CREATE_ACTIONS.filter(
    ({ action }) => action !== "ec2:CreateFlowLogs" || flowLogs,
  );
  const list: Grant[] = creates.map(({ action, creates: type }) => ({
    sid: createSid(type),
    group: "network",
    read: [],
    write: [action],
    resources: [arn(`${type}/*`)],
    condition: tags.onCreate,
  }));
  list.push(
    {
      sid: "TagNetworkOnCreate",
      group: "network",
      read: [],
      write: ["ec2:CreateTags"],
      resources: networkTypes,
      condition: allOf(tags.onCreate, {
        StringEquals: {
          "ec2:CreateAction": creates.map(({ action }) => action.replace("ec2:", "")),
        },
      }),
    },
    {
      sid: "ReadOwnVpcs",
      group: "network",
      read: ["ec2:DescribeVpcAttribute"],
      write: [],
      resources: [arn("vpc/*")],
      condition: tags.existing,
    },
    {
      sid: "OwnNetwork",
      group: "network",
      read: [],
      write: [
        ...creates
          .filter(
            ({ action }) => action !== "ec2:CreateVpc" && action !== "ec2:CreateInternetGateway",
          )
          .map(({ action }) => action),
        "ec2:AttachInternetGateway",
        "ec2:DetachInternetGateway",
        "ec2:AssociateRouteTable",
        "ec2:DisassociateRouteTable",
        "ec2:CreateRoute",
        "ec2:DeleteRoute",
        "ec2:ModifyVpcAttribute",
        "ec2:ModifySubnetAttribute",
        "ec2:ModifyVpcEndpoint",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:ModifySecurityGroupRules",
        "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
        "ec2:DeleteVpc",
        "ec2:DeleteSubnet",
        "ec2:DeleteRouteTable",
        "ec2:DeleteInternetGateway",
        "ec2:DeleteSecurityGroup",
        "ec2:DeleteVpcEndpoints",
        ...(flowLogs ? ["ec2:DeleteFlowLogs"] : []),
      ],
      resources: networkTypes,
      condition: tags.existing,
    },
    {
      // Retagging keeps the Environment tag: it may be set only to this environment...
      sid: "RetagOwnNetwork",
      group: "network",
      read: [],
      write: ["ec2:CreateTags"],
      resources: networkTypes,
      condition: allOf(tags.existing, tags.retag),
    },
    {
      // ...and never removed.
      sid: "UntagOwnNetwork",
      group: "network",
      read: [],
      write: ["ec2:DeleteTags"],
      resources: networkTypes,
      condition: allOf(tags.existing, {
        "ForAllValues:StringNotEquals": { "aws:TagKeys": tags.keys },
      }),
    },
  );
  if (scope.vpcId !== undefined) {
    list.push({
      // Lambda's interfaces carry no tags; `ec2:Vpc` is the one key that ties them to this
      // environment (iam-data: network-interface supports ec2:Vpc, ec2:Subnet, tags).
      sid: "RemoveLambdaNetworkInterfaces",
      group: "network",
      read: [],
      write: [...LAMBDA_INTERFACE_CLEANUP_ACTIONS],
      resources: [arn("network-interface/*")],
      condition: { ArnEquals: { "ec2:Vpc": arn(`vpc/${scope.vpcId}`) } },
    });
  }
  return list;
}
