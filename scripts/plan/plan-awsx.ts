/**
 * What awsx creates inside its VPC component. `awsx.ec2.Vpc` is a remote component: the awsx
 * provider builds its children when the plan is applied, so under the mock runtime the program
 * registers one opaque `awsx:ec2:Vpc` and nothing inside it. The plan derives the children from the
 * component's inputs, following awsx 3.x (pulumi/pulumi-awsx, `awsx/ec2/vpc.ts`: `Vpc.initialize`,
 * `compareSubnetSpecs`, `shouldCreateNatGateway`, `getVpcEndpointType`; subnet names from
 * `awsx/ec2/subnetNaming.ts`), so its resource counts match what a real preview shows.
 */

/** The type token of awsx's VPC component. */
export const AWSX_VPC_TYPE = "awsx:ec2:Vpc";

/** awsx's default when neither `numberOfAvailabilityZones` nor `availabilityZoneNames` is set. */
const DEFAULT_AVAILABILITY_ZONES = 3;

/** One resource awsx creates inside the component. */
export interface AwsxChild {
  readonly type: string;
  /** Its logical name, as awsx names it (`<vpc>-isolated-1`, the endpoint's service name). */
  readonly name: string;
  /** Why awsx creates it, from which input. */
  readonly reason: string;
}

/** What awsx will create, and what about the inputs the plan could not follow. */
export interface AwsxVpcExpansion {
  /** The inputs that decide the children, in words, e.g. `2 availability zones, subnets Isolated /20`. */
  readonly inputs: string;
  readonly children: readonly AwsxChild[];
  /** Inputs awsx would reject or that leave something unattached; empty when there are none. */
  readonly warnings: readonly string[];
}

interface SubnetSpec {
  readonly type: "Public" | "Private" | "Isolated" | "Unused";
  readonly name?: string;
  readonly cidrMask?: number;
}

interface EndpointSpec {
  readonly serviceName: string;
  /** Lower-case, as awsx compares it; awsx treats a missing type as a gateway. */
  readonly endpointType: string;
  readonly hasRouteTableIds: boolean;
  readonly hasSecurityGroupIds: boolean;
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};

/** A string input, or the default awsx applies when it is not one. */
const text = (value: unknown, fallback: string): string =>
  typeof value === "string" ? value : fallback;

function subnetSpecs(inputs: Record<string, unknown>): SubnetSpec[] {
  if (!Array.isArray(inputs.subnetSpecs)) {
    // awsx's default layout: one private and one public subnet per availability zone.
    return [{ type: "Private" }, { type: "Public" }];
  }
  return inputs.subnetSpecs.map((raw) => {
    const spec = record(raw);
    const type = text(spec.type, "Private");
    return {
      type: (["Public", "Private", "Isolated", "Unused"].includes(type)
        ? type
        : "Private") as SubnetSpec["type"],
      name: typeof spec.name === "string" ? spec.name : undefined,
      cidrMask: typeof spec.cidrMask === "number" ? spec.cidrMask : undefined,
    };
  });
}

function endpointSpecs(inputs: Record<string, unknown>): EndpointSpec[] {
  const specs = Array.isArray(inputs.vpcEndpointSpecs) ? inputs.vpcEndpointSpecs : [];
  return specs.map((raw) => {
    const spec = record(raw);
    return {
      serviceName: text(spec.serviceName, "(unknown service)"),
      endpointType:
        typeof spec.vpcEndpointType === "string" ? spec.vpcEndpointType.toLowerCase() : "gateway",
      hasRouteTableIds: spec.routeTableIds !== undefined,
      hasSecurityGroupIds: spec.securityGroupIds !== undefined,
    };
  });
}

/** Public first, then private, then isolated: the order awsx creates a zone's subnets in. */
const SUBNET_ORDER: Readonly<Record<SubnetSpec["type"], number>> = {
  Public: 0,
  Private: 1,
  Isolated: 2,
  Unused: 3,
};

/**
 * The resources awsx 3.x creates for one `awsx:ec2:Vpc` with these inputs: the VPC and its
 * internet gateway; per availability zone and subnet spec a subnet, its route table and the
 * association between them; a route to the internet gateway per public subnet; NAT gateways and
 * their Elastic IPs per `natGateways.strategy` with routes to them from private subnets; and one
 * endpoint per `vpcEndpointSpecs` entry (with a security group and its ingress rule for an
 * interface endpoint under `vpcEndpointStrategy: "Auto"`).
 */
export function expandAwsxVpc(
  name: string,
  inputs: Readonly<Record<string, unknown>>,
): AwsxVpcExpansion {
  const all = record(inputs);
  const zoneNames = Array.isArray(all.availabilityZoneNames)
    ? all.availabilityZoneNames.map(String)
    : undefined;
  const zones =
    zoneNames?.length ??
    (typeof all.numberOfAvailabilityZones === "number"
      ? all.numberOfAvailabilityZones
      : DEFAULT_AVAILABILITY_ZONES);
  const specs = subnetSpecs(all)
    .filter((spec) => spec.type !== "Unused")
    .sort((a, b) => SUBNET_ORDER[a.type] - SUBNET_ORDER[b.type]);
  const natStrategy = text(record(all.natGateways).strategy, "OnePerAz");
  // NAT gateways use the given Elastic IPs instead of new ones.
  const allocations = record(all.natGateways).elasticIpAllocationIds;
  const ownAddresses = Array.isArray(allocations) && allocations.length > 0;
  const endpointStrategy = text(all.vpcEndpointStrategy, "Legacy");
  const endpoints = endpointSpecs(all);
  const hasPublic = specs.some((spec) => spec.type === "Public");
  const warnings: string[] = [];
  if (natStrategy !== "None" && !hasPublic) {
    warnings.push(
      `natGateways.strategy ${natStrategy} needs a public subnet for its NAT gateways, and there is none: awsx rejects these inputs. Use natGateways: { strategy: "None" } or add a Public subnet spec.`,
    );
  }

  const children: AwsxChild[] = [
    { type: "aws:ec2/vpc:Vpc", name, reason: `the VPC itself${cidr(all)}` },
    {
      type: "aws:ec2/internetGateway:InternetGateway",
      name,
      reason: hasPublic
        ? "always created; the public subnets route to it"
        : "always created (AWS does not charge for it); no route uses it, as there is no public subnet",
    },
  ];
  let natGateways = 0;
  for (let zone = 1; zone <= zones; zone += 1) {
    const where = zoneNames?.[zone - 1] ?? `availability zone ${zone} of ${zones}`;
    for (const spec of specs) {
      const subnet = `${name}-${spec.name ?? spec.type.toLowerCase()}-${zone}`;
      const mask = spec.cidrMask === undefined ? "" : ` /${spec.cidrMask}`;
      children.push(
        { type: "aws:ec2/subnet:Subnet", name: subnet, reason: `${spec.type}${mask}, ${where}` },
        {
          type: "aws:ec2/routeTable:RouteTable",
          name: subnet,
          reason: `the subnet's own route table${spec.type === "Isolated" ? ", with no route out of the VPC" : ""}`,
        },
        {
          type: "aws:ec2/routeTableAssociation:RouteTableAssociation",
          name: subnet,
          reason: "ties the subnet to its route table",
        },
      );
      const createsNat =
        spec.type === "Public" &&
        (natStrategy === "OnePerAz"
          ? natGateways < zone
          : natStrategy === "Single" && natGateways < 1);
      if (createsNat) {
        natGateways += 1;
        if (!ownAddresses) {
          children.push({
            type: "aws:ec2/eip:Eip",
            name: `${name}-${zone}`,
            reason: `the NAT gateway's address (natGateways ${natStrategy})`,
          });
        }
        children.push({
          type: "aws:ec2/natGateway:NatGateway",
          name: `${name}-${zone}`,
          reason: `natGateways ${natStrategy}, in ${subnet}`,
        });
      }
      if (spec.type === "Public") {
        children.push({
          type: "aws:ec2/route:Route",
          name: subnet,
          reason: "0.0.0.0/0 to the internet gateway",
        });
      } else if (spec.type === "Private" && natStrategy !== "None") {
        children.push({
          type: "aws:ec2/route:Route",
          name: subnet,
          reason: `0.0.0.0/0 to a NAT gateway (natGateways ${natStrategy})`,
        });
      }
    }
  }
  const routeTables = zones * specs.length;
  for (const endpoint of endpoints) {
    const gateway = endpoint.endpointType === "gateway";
    let attachment: string;
    if (endpoint.hasRouteTableIds) {
      attachment = "on the route tables its spec names";
    } else if (gateway && endpointStrategy === "Auto") {
      const tables =
        routeTables === 1
          ? "the route table"
          : routeTables === 2
            ? "both route tables"
            : `all ${routeTables} route tables`;
      attachment = `on ${tables} (vpcEndpointStrategy Auto)`;
    } else if (gateway) {
      attachment = `on no route table (vpcEndpointStrategy ${endpointStrategy})`;
      warnings.push(
        `The gateway endpoint ${endpoint.serviceName} attaches to no route table under vpcEndpointStrategy ${endpointStrategy}: traffic to the service does not use it. Set vpcEndpointStrategy: "Auto".`,
      );
    } else {
      attachment = "in the subnets and security groups awsx chooses";
    }
    children.push({
      type: "aws:ec2/vpcEndpoint:VpcEndpoint",
      name: endpoint.serviceName,
      reason: `${gateway ? "Gateway" : "Interface"} endpoint ${attachment}`,
    });
    if (!gateway && endpointStrategy === "Auto" && !endpoint.hasSecurityGroupIds) {
      children.push(
        {
          type: "aws:ec2/securityGroup:SecurityGroup",
          name: `${endpoint.serviceName}-sg`,
          reason: "the interface endpoint's own security group (vpcEndpointStrategy Auto)",
        },
        {
          type: "aws:ec2/securityGroupRule:SecurityGroupRule",
          name: `${endpoint.serviceName}-ingress`,
          reason: "lets the VPC reach the interface endpoint",
        },
      );
    }
  }

  const subnetWords = specs
    .map((spec) => `${spec.type}${spec.cidrMask === undefined ? "" : ` /${spec.cidrMask}`}`)
    .join(" + ");
  return {
    inputs: [
      `${zones} availability zone${zones === 1 ? "" : "s"}`,
      specs.length === 0
        ? "no subnets"
        : `${specs.length === 1 ? "one" : "one each of"} ${subnetWords} subnet${specs.length === 1 ? "" : "s"} per zone`,
      `natGateways ${natStrategy}`,
      `${endpoints.length} endpoint${endpoints.length === 1 ? "" : "s"} with vpcEndpointStrategy ${endpointStrategy}`,
    ].join("; "),
    children,
    warnings,
  };
}

function cidr(inputs: Record<string, unknown>): string {
  return typeof inputs.cidrBlock === "string" ? `, ${inputs.cidrBlock}` : "";
}
