import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentName } from "../config/settings";
import { standardTags } from "../naming/tags";

/** The AWS services the functions reach, each through a gateway endpoint and its managed prefix list. */
export const GATEWAY_ENDPOINT_SERVICES = ["s3", "dynamodb"] as const;

export type GatewayEndpointService = (typeof GATEWAY_ENDPOINT_SERVICES)[number];

/** The managed prefix list (and gateway endpoint service) name of an AWS service in a region. */
export function gatewayServiceName(region: string, service: GatewayEndpointService): string {
  return `com.amazonaws.${region}.${service}`;
}

export interface FunctionSecurityGroupArgs {
  /** The environment the resources belong to, as their `Environment` tag says. */
  readonly environment: EnvironmentName;
  /** The deployment region, e.g. `us-east-1`: service and prefix-list names and ARNs depend on it. */
  readonly region: string;
  /** The VPC the functions run in. */
  readonly vpcId: pulumi.Input<string>;
  /** Physical name of the security group. */
  readonly securityGroupName: string;
}

/**
 * The security group of every function: no ingress at all, and egress only HTTPS to the S3 and
 * DynamoDB prefix lists, which is all the gateway endpoints carry.
 *
 * Rules are separate `aws.vpc.SecurityGroupEgressRule` resources rather than inline blocks: each
 * rule is tagged and diffed on its own, and the provider removes the allow-all egress rule AWS adds
 * to a new group, so nothing but these rules remains.
 */
export class FunctionSecurityGroup extends pulumi.ComponentResource {
  public readonly securityGroupId: pulumi.Output<string>;
  /** Prefix list id per service, e.g. `pl-63a5400a` for S3 in us-east-1. */
  public readonly prefixListIds: Readonly<Record<GatewayEndpointService, pulumi.Output<string>>>;

  constructor(
    name: string,
    args: FunctionSecurityGroupArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("trading:network:FunctionSecurityGroup", name, {}, opts);

    const tags = standardTags(args.environment, "vpc");
    const group = new aws.ec2.SecurityGroup(
      name,
      {
        name: args.securityGroupName,
        description:
          "Trading analytics functions: no ingress, HTTPS egress to S3 and DynamoDB only",
        vpcId: args.vpcId,
        tags,
      },
      { parent: this },
    );

    const prefixListIds = {} as Record<GatewayEndpointService, pulumi.Output<string>>;
    for (const service of GATEWAY_ENDPOINT_SERVICES) {
      const prefixList = aws.ec2.getPrefixListOutput(
        { name: gatewayServiceName(args.region, service) },
        { parent: this },
      );
      prefixListIds[service] = prefixList.id;
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-https-${service}`,
        {
          securityGroupId: group.id,
          description: `HTTPS to ${service} through its gateway endpoint`,
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          prefixListId: prefixList.id,
          tags,
        },
        { parent: this },
      );
    }

    this.securityGroupId = group.id;
    this.prefixListIds = prefixListIds;
    this.registerOutputs({ securityGroupId: this.securityGroupId });
  }
}
