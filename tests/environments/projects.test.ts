import * as fs from "node:fs";
import * as path from "node:path";

import { parse as parseYaml } from "yaml";

import { deployPolicies } from "../../bootstrap/permissions";
import { environmentBackend } from "../../environments/backends";
import { ENVIRONMENT_SUFFIX_PATTERN } from "../../modules/config/deployment";
import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentName,
} from "../../modules/config/settings";
import { standardTags } from "../../modules/naming/tags";
import {
  environmentDirectory,
  readStackConfig,
} from "../../scripts/plan/mock-runtime-environments";
import { allows } from "../support/iam-evaluation";

/** [first, last] address of an IPv4 CIDR block, as integers. */
function range(cidr: string): [number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (match === null) {
    throw new Error(`Not an IPv4 CIDR block: ${cidr}`);
  }
  const [a, b, c, d, bits] = match.slice(1).map(Number);
  const base = (((a << 24) >>> 0) + (b << 16) + (c << 8) + d) >>> 0;
  const size = 2 ** (32 - bits);
  return [base, base + size - 1];
}

describe("the three environment projects", () => {
  test("VPC CIDR blocks are distinct and do not overlap, so the VPCs could be peered", () => {
    const blocks = ENVIRONMENT_NAMES.map((env) => ENVIRONMENT_SETTINGS[env].network.cidrBlock);
    expect(blocks).toEqual(["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16"]);
    for (let i = 0; i < blocks.length; i++) {
      for (let j = i + 1; j < blocks.length; j++) {
        const [aStart, aEnd] = range(blocks[i]);
        const [bStart, bEnd] = range(blocks[j]);
        expect({ pair: [blocks[i], blocks[j]], overlap: aStart <= bEnd && bStart <= aEnd }).toEqual(
          {
            pair: [blocks[i], blocks[j]],
            overlap: false,
          },
        );
      }
    }
  });

  test("the CIDR helper detects an overlap", () => {
    const [aStart, aEnd] = range("10.10.0.0/16");
    const [bStart, bEnd] = range("10.10.128.0/17");
    expect(aStart <= bEnd && bStart <= aEnd).toBe(true);
  });

  test.each(ENVIRONMENT_NAMES)(
    "%s: Pulumi.yaml is a TypeScript nodejs project named for the environment",
    (env) => {
      const project = parseYaml(
        fs.readFileSync(path.join(environmentDirectory(env), "Pulumi.yaml"), "utf8"),
      ) as unknown;
      expect(project).toEqual({
        name: `trading-analytics-${env}`,
        description: `Trading analytics platform, ${env} environment (us-east-1)`,
        runtime: { name: "nodejs", options: { typescript: true } },
        main: "index.ts",
      });
    },
  );

  test.each(ENVIRONMENT_NAMES)(
    "%s: the stack config sets the region, the default tags and the suffix in the project's namespace",
    (env) => {
      expect(readStackConfig(env)).toEqual({
        "aws:region": "us-east-1",
        "aws:defaultTags": `{"tags":{"Environment":"${env}","ManagedBy":"pulumi","Project":"trading-analytics"}}`,
        [`trading-analytics-${env}:environmentSuffix`]: expect.stringMatching(
          ENVIRONMENT_SUFFIX_PATTERN,
        ) as unknown,
      });
    },
  );

  test.each([
    ["dev", { Environment: "dev", ManagedBy: "pulumi", Project: "trading-analytics" }],
    ["staging", { Environment: "staging", ManagedBy: "pulumi", Project: "trading-analytics" }],
    [
      "production",
      { Environment: "production", ManagedBy: "pulumi", Project: "trading-analytics" },
    ],
  ] as const)(
    "%s: the default provider tags what awsx creates in the VPC with the standard tags but Service",
    (env, tags) => {
      const withoutService = Object.fromEntries(
        Object.entries(standardTags(env, "vpc")).filter(([key]) => key !== "Service"),
      );
      const parsed = JSON.parse(readStackConfig(env)["aws:defaultTags"] ?? "null") as unknown;
      expect(parsed).toEqual({ tags });
      expect(parsed).toEqual({ tags: withoutService });
    },
  );

  /** What awsx creates inside the VPC, which the program cannot tag itself, by EC2 create action. */
  const AWSX_CREATES = [
    ["ec2:CreateVpc", "vpc"],
    ["ec2:CreateSubnet", "subnet"],
    ["ec2:CreateRouteTable", "route-table"],
    ["ec2:CreateInternetGateway", "internet-gateway"],
    ["ec2:CreateVpcEndpoint", "vpc-endpoint"],
  ] as const;

  function networkPolicy(env: EnvironmentName) {
    const account = "123456789012";
    const backend = environmentBackend(env, account);
    const network = deployPolicies({
      environment: env,
      settings: ENVIRONMENT_SETTINGS[env],
      accountId: account,
      region: "us-east-1",
      stateBucketArn: backend.stateBucketArn,
      secretsKeyArn: `arn:aws:kms:us-east-1:${account}:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9`,
      workloadBoundaryArn: backend.workloadBoundaryPolicyArn,
      enforceWorkloadBoundary: true,
    }).network;
    if (network === undefined) {
      throw new Error(`The ${env} deploy role has no network policy`);
    }
    return { account, network };
  }

  test.each(ENVIRONMENT_NAMES)(
    "%s: with the default tags the deploy role may create and tag what awsx creates; without them, or with another environment's, it may not",
    (env) => {
      const { account, network } = networkPolicy(env);
      const defaultTags = (
        JSON.parse(readStackConfig(env)["aws:defaultTags"] ?? "null") as {
          tags: Record<string, string>;
        }
      ).tags;
      const other = ENVIRONMENT_NAMES.find((name) => name !== env) ?? env;
      const outcomes = AWSX_CREATES.map(([action, type]) => {
        const resource = `arn:aws:ec2:us-east-1:${account}:${type}/${type}-0123456789abcdef0`;
        const create = (environment: string | undefined) =>
          allows(network, {
            action,
            resource,
            context: environment === undefined ? {} : { "aws:RequestTag/Environment": environment },
          });
        return {
          action,
          create: create(defaultTags.Environment),
          tagOnCreate: allows(network, {
            action: "ec2:CreateTags",
            resource,
            context: {
              "aws:RequestTag/Environment": defaultTags.Environment ?? "",
              "ec2:CreateAction": action.replace("ec2:", ""),
            },
          }),
          createUntagged: create(undefined),
          createAsOther: create(other),
        };
      });
      expect(outcomes).toEqual(
        AWSX_CREATES.map(([action]) => ({
          action,
          create: true,
          tagOnCreate: true,
          createUntagged: false,
          createAsOther: false,
        })),
      );
    },
  );

  test.each(ENVIRONMENT_NAMES)("%s: index.ts only deploys its own environment", (env) => {
    const source = fs.readFileSync(path.join(environmentDirectory(env), "index.ts"), "utf8");
    expect(source).toBe(
      `import { deployEnvironment } from "../../modules/stack";\n\nexport = deployEnvironment("${env}");\n`,
    );
  });
});
