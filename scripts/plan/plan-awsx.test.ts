import { expandAwsxVpc } from "./plan-awsx";

const S3 = "com.amazonaws.us-east-1.s3";
const DYNAMODB = "com.amazonaws.us-east-1.dynamodb";

/** The inputs modules/network/private-network.ts gives awsx, for a number of zones. */
function platformInputs(zones: number): Record<string, unknown> {
  return {
    cidrBlock: "10.30.0.0/16",
    numberOfAvailabilityZones: zones,
    subnetStrategy: "Auto",
    subnetSpecs: [{ type: "Isolated", cidrMask: 20 }],
    natGateways: { strategy: "None" },
    vpcEndpointStrategy: "Auto",
    vpcEndpointSpecs: [
      { serviceName: S3, vpcEndpointType: "Gateway" },
      { serviceName: DYNAMODB, vpcEndpointType: "Gateway" },
    ],
  };
}

const listed = (name: string, inputs: Record<string, unknown>) =>
  expandAwsxVpc(name, inputs).children.map((child) => `${child.type} ${child.name}`);

describe("what awsx creates inside its VPC", () => {
  it("isolated subnets without NAT: the VPC, a gateway, a subnet, route table and association per zone, two endpoints", () => {
    expect(listed("production-network-vpc", platformInputs(3))).toEqual([
      "aws:ec2/vpc:Vpc production-network-vpc",
      "aws:ec2/internetGateway:InternetGateway production-network-vpc",
      "aws:ec2/subnet:Subnet production-network-vpc-isolated-1",
      "aws:ec2/routeTable:RouteTable production-network-vpc-isolated-1",
      "aws:ec2/routeTableAssociation:RouteTableAssociation production-network-vpc-isolated-1",
      "aws:ec2/subnet:Subnet production-network-vpc-isolated-2",
      "aws:ec2/routeTable:RouteTable production-network-vpc-isolated-2",
      "aws:ec2/routeTableAssociation:RouteTableAssociation production-network-vpc-isolated-2",
      "aws:ec2/subnet:Subnet production-network-vpc-isolated-3",
      "aws:ec2/routeTable:RouteTable production-network-vpc-isolated-3",
      "aws:ec2/routeTableAssociation:RouteTableAssociation production-network-vpc-isolated-3",
      `aws:ec2/vpcEndpoint:VpcEndpoint ${S3}`,
      `aws:ec2/vpcEndpoint:VpcEndpoint ${DYNAMODB}`,
    ]);
    expect(listed("dev-network-vpc", platformInputs(2))).toHaveLength(10);
  });

  it("says why each exists, and sums up the inputs", () => {
    const expansion = expandAwsxVpc("dev-network-vpc", platformInputs(2));
    expect(expansion.inputs).toBe(
      "2 availability zones; one Isolated /20 subnet per zone; natGateways None; 2 endpoints with vpcEndpointStrategy Auto",
    );
    expect(expansion.warnings).toEqual([]);
    const reasons = new Map(expansion.children.map((c) => [`${c.type} ${c.name}`, c.reason]));
    expect(reasons.get("aws:ec2/internetGateway:InternetGateway dev-network-vpc")).toBe(
      "always created (AWS does not charge for it); no route uses it, as there is no public subnet",
    );
    expect(reasons.get(`aws:ec2/vpcEndpoint:VpcEndpoint ${S3}`)).toBe(
      "Gateway endpoint on both route tables (vpcEndpointStrategy Auto)",
    );
    expect(reasons.get("aws:ec2/subnet:Subnet dev-network-vpc-isolated-2")).toBe(
      "Isolated /20, availability zone 2 of 2",
    );
  });

  it("awsx's defaults: three zones, a public and a private subnet each, a NAT gateway per zone", () => {
    const children = expandAwsxVpc("vpc", {}).children;
    const count = (type: string) => children.filter((c) => c.type === type).length;
    expect(count("aws:ec2/subnet:Subnet")).toBe(6);
    expect(count("aws:ec2/routeTable:RouteTable")).toBe(6);
    expect(count("aws:ec2/routeTableAssociation:RouteTableAssociation")).toBe(6);
    expect(count("aws:ec2/eip:Eip")).toBe(3);
    expect(count("aws:ec2/natGateway:NatGateway")).toBe(3);
    // One route per public subnet to the internet gateway, one per private subnet to its NAT gateway.
    expect(count("aws:ec2/route:Route")).toBe(6);
    expect(children.length).toBe(2 + 6 * 3 + 3 * 2 + 6);
    // Public subnets come first in each zone, as awsx creates them.
    expect(children.slice(2, 5).map((c) => c.name)).toEqual([
      "vpc-public-1",
      "vpc-public-1",
      "vpc-public-1",
    ]);
  });

  it("one NAT gateway for the VPC with the Single strategy, none with given addresses' Elastic IPs", () => {
    const single = expandAwsxVpc("vpc", {
      availabilityZoneNames: ["us-east-1a", "us-east-1b"],
      natGateways: { strategy: "Single", elasticIpAllocationIds: ["eipalloc-1"] },
    }).children;
    expect(single.filter((c) => c.type === "aws:ec2/natGateway:NatGateway")).toHaveLength(1);
    expect(single.filter((c) => c.type === "aws:ec2/eip:Eip")).toHaveLength(0);
    expect(single.find((c) => c.name === "vpc-private-2")?.reason).toBe("Private, us-east-1b");
  });

  it("named and unused subnet specs", () => {
    expect(
      listed("vpc", {
        numberOfAvailabilityZones: 1,
        natGateways: { strategy: "None" },
        subnetSpecs: [{ type: "Private", name: "app" }, { type: "Unused" }],
      }),
    ).toEqual([
      "aws:ec2/vpc:Vpc vpc",
      "aws:ec2/internetGateway:InternetGateway vpc",
      "aws:ec2/subnet:Subnet vpc-app-1",
      "aws:ec2/routeTable:RouteTable vpc-app-1",
      "aws:ec2/routeTableAssociation:RouteTableAssociation vpc-app-1",
    ]);
  });

  it("warns where a gateway endpoint attaches to no route table (the Legacy default)", () => {
    const expansion = expandAwsxVpc("vpc", {
      ...platformInputs(2),
      vpcEndpointStrategy: undefined,
    });
    expect(expansion.warnings).toEqual([
      `The gateway endpoint ${S3} attaches to no route table under vpcEndpointStrategy Legacy: traffic to the service does not use it. Set vpcEndpointStrategy: "Auto".`,
      `The gateway endpoint ${DYNAMODB} attaches to no route table under vpcEndpointStrategy Legacy: traffic to the service does not use it. Set vpcEndpointStrategy: "Auto".`,
    ]);
  });

  it("warns where NAT gateways have no public subnet to go in", () => {
    expect(
      expandAwsxVpc("vpc", {
        subnetSpecs: [{ type: "Isolated" }],
        natGateways: { strategy: "OnePerAz" },
      }).warnings,
    ).toEqual([
      'natGateways.strategy OnePerAz needs a public subnet for its NAT gateways, and there is none: awsx rejects these inputs. Use natGateways: { strategy: "None" } or add a Public subnet spec.',
    ]);
  });

  it("an interface endpoint under Auto gets a security group and its ingress rule", () => {
    expect(
      listed("vpc", {
        numberOfAvailabilityZones: 1,
        subnetSpecs: [{ type: "Isolated" }],
        natGateways: { strategy: "None" },
        vpcEndpointStrategy: "Auto",
        vpcEndpointSpecs: [
          { serviceName: "com.amazonaws.us-east-1.sqs", vpcEndpointType: "Interface" },
        ],
      }).slice(5),
    ).toEqual([
      "aws:ec2/vpcEndpoint:VpcEndpoint com.amazonaws.us-east-1.sqs",
      "aws:ec2/securityGroup:SecurityGroup com.amazonaws.us-east-1.sqs-sg",
      "aws:ec2/securityGroupRule:SecurityGroupRule com.amazonaws.us-east-1.sqs-ingress",
    ]);
  });
});
