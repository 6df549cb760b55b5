import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";

import type { EnvironmentName, EnvironmentSettings } from "../config/settings";
import { standardTags } from "../naming/tags";
import {
  FunctionSecurityGroup,
  GATEWAY_ENDPOINT_SERVICES,
  gatewayServiceName,
} from "./function-security-group";
import { VpcFlowLogs } from "./vpc-flow-logs";

/** Physical names, retention and delivery role settings of the VPC flow logs. */
export interface FlowLogOptions {
  readonly logGroupName: string;
  readonly roleName: string;
  readonly rolePolicyName: string;
  readonly retentionDays: number;
  /** The account on whose behalf the flow-logs service may assume the delivery role. */
  readonly accountId: pulumi.Input<string>;
  /** The environment's workload boundary ARN, set as the delivery role's permissions boundary. */
  readonly permissionsBoundaryArn: pulumi.Input<string>;
  /**
   * The IAM path of the delivery role: the environment's, or a review stack's.
   * @default - the environment's path
   */
  readonly rolePath?: string;
}

export interface PrivateNetworkArgs {
  /** The environment the resources belong to, as their `Environment` tag says. */
  readonly environment: EnvironmentName;
  /** The deployment region, e.g. `us-east-1`: service and prefix-list names and ARNs depend on it. */
  readonly region: string;
  /** CIDR, availability zones and subnet size of this environment's VPC. */
  readonly network: EnvironmentSettings["network"];
  /** Physical name of the functions' security group. */
  readonly securityGroupName: string;
  /** Records the VPC's traffic when given. @default - no flow logs */
  readonly flowLogs?: FlowLogOptions;
}

/**
 * The environment's own VPC: isolated private subnets only (no NAT gateway, no route to the
 * internet), S3 and DynamoDB gateway endpoints on their route tables, and the functions' security
 * group. awsx also creates an internet gateway that no route uses; it costs nothing.
 */
export class PrivateNetwork extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  /** The isolated subnets the functions run in, one per availability zone. */
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  public readonly functionSecurityGroupId: pulumi.Output<string>;
  /** Present only where flow logs are recorded (production). */
  public readonly flowLogs: VpcFlowLogs | undefined;

  constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trading:network:PrivateNetwork", name, {}, opts);

    const tags = standardTags(args.environment, "vpc");
    const vpc = new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.network.cidrBlock,
        numberOfAvailabilityZones: args.network.availabilityZoneCount,
        subnetStrategy: "Auto",
        subnetSpecs: [{ type: "Isolated", cidrMask: args.network.subnetCidrMask, tags }],
        natGateways: { strategy: "None" },
        enableDnsHostnames: true,
        enableDnsSupport: true,
        vpcEndpointStrategy: "Auto",
        vpcEndpointSpecs: GATEWAY_ENDPOINT_SERVICES.map((service) => ({
          serviceName: gatewayServiceName(args.region, service),
          vpcEndpointType: "Gateway",
          tags,
        })),
        tags,
      },
      { parent: this },
    );

    const securityGroup = new FunctionSecurityGroup(
      `${name}-functions`,
      {
        environment: args.environment,
        region: args.region,
        vpcId: vpc.vpcId,
        securityGroupName: args.securityGroupName,
      },
      { parent: this },
    );

    this.flowLogs =
      args.flowLogs === undefined
        ? undefined
        : new VpcFlowLogs(
            `${name}-flow-logs`,
            {
              environment: args.environment,
              region: args.region,
              vpcId: vpc.vpcId,
              ...args.flowLogs,
            },
            { parent: this },
          );

    this.vpcId = vpc.vpcId;
    this.privateSubnetIds = vpc.isolatedSubnetIds;
    this.functionSecurityGroupId = securityGroup.securityGroupId;
    this.registerOutputs({
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      functionSecurityGroupId: this.functionSecurityGroupId,
    });
  }
}
