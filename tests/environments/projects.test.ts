import * as fs from "node:fs";
import * as path from "node:path";

import { parse as parseYaml } from "yaml";

import { ENVIRONMENT_NAMES, ENVIRONMENT_SETTINGS } from "../../modules/config/settings";
import { environmentDirectory, readStackConfig } from "../../scripts/lib/mock-runtime";

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
    "%s: the stack config sets the region and the suffix in the project's namespace",
    (env) => {
      expect(readStackConfig(env)).toEqual({
        "aws:region": "us-east-1",
        [`trading-analytics-${env}:environmentSuffix`]: "a1",
      });
    },
  );

  test.each(ENVIRONMENT_NAMES)("%s: index.ts only deploys its own environment", (env) => {
    const source = fs.readFileSync(path.join(environmentDirectory(env), "index.ts"), "utf8");
    expect(source).toBe(
      `import { deployEnvironment } from "../../modules/stack";\n\nexport = deployEnvironment("${env}");\n`,
    );
  });
});
