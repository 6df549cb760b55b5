import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";

import { ProgramError, runProgram, type ProgramResult } from "./mock-runtime";
import { awsMocks, MOCK_PREFIX_LISTS } from "./mock-runtime-aws";
import { runEnvironmentProgram } from "./mock-runtime-environments";

const base = { project: "mock-runtime-test", stack: "test", config: {} };

class Holder extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("test:index:Holder", name, {}, opts);
    new aws.sqs.Queue(`${name}-child`, {}, { parent: this });
    this.registerOutputs({});
  }
}

describe("runProgram records what the engine would receive", () => {
  let run: ProgramResult;

  beforeAll(async () => {
    run = await runProgram({
      ...base,
      program: () => {
        const plain = new aws.sqs.Queue("plain", { name: "plain-queue" });
        new aws.sqs.Queue("protected", { name: "protected-queue" }, { protect: true });
        new aws.sqs.Queue("retained", {}, { retainOnDelete: true });
        new aws.dynamodb.Table("ignoring", { hashKey: "pk" }, { ignoreChanges: ["readCapacity"] });
        new Holder("holder", { protect: true });
        const vpc = new awsx.ec2.Vpc("default-vpc", {});
        return {
          url: plain.url,
          arn: plain.arn,
          subnets: vpc.privateSubnetIds,
          nested: { id: plain.id },
        };
      },
    });
  });

  const byName = (name: string) => {
    const found = run.resources.find((resource) => resource.name === name);
    if (found === undefined) {
      throw new Error(`${name} was not recorded`);
    }
    return found;
  };

  test("a protected resource is caught", () => {
    expect(byName("protected").options.protect).toBe(true);
    expect(byName("plain").options.protect).toBe(false);
  });

  test("protection inherited from a parent component is caught too", () => {
    expect(byName("holder").options.protect).toBe(true);
    expect(byName("holder-child").options.protect).toBe(true);
    expect(byName("holder-child").options.parent).toBe(byName("holder").urn);
  });

  test("retainOnDelete and ignoreChanges are recorded", () => {
    expect(byName("retained").options.retainOnDelete).toBe(true);
    expect(byName("plain").options.retainOnDelete).toBe(false);
    expect(byName("ignoring").options.ignoreChanges).toEqual(["readCapacity"]);
  });

  test("inputs, state, ids and URNs are recorded", () => {
    const plain = byName("plain");
    expect(plain).toEqual({
      type: "aws:sqs/queue:Queue",
      name: "plain",
      custom: true,
      urn: "urn:pulumi:test::mock-runtime-test::aws:sqs/queue:Queue::plain",
      id: "https://sqs.us-east-1.amazonaws.com/123456789012/plain-queue",
      inputs: { name: "plain-queue" },
      state: {
        name: "plain-queue",
        url: "https://sqs.us-east-1.amazonaws.com/123456789012/plain-queue",
        arn: "arn:aws:sqs:us-east-1:123456789012:plain-queue",
      },
      options: {
        protect: false,
        retainOnDelete: false,
        ignoreChanges: [],
        dependsOn: [],
        deleteBeforeReplace: false,
      },
    });
  });

  test("exports are resolved deeply", () => {
    expect(run.outputs).toEqual({
      url: "https://sqs.us-east-1.amazonaws.com/123456789012/plain-queue",
      arn: "arn:aws:sqs:us-east-1:123456789012:plain-queue",
      subnets: [
        expect.stringMatching(/^subnet-[0-9a-f]{17}$/),
        expect.stringMatching(/^subnet-[0-9a-f]{17}$/),
        expect.stringMatching(/^subnet-[0-9a-f]{17}$/),
      ],
      nested: { id: "https://sqs.us-east-1.amazonaws.com/123456789012/plain-queue" },
    });
  });

  test("an awsx VPC with default subnets gets three zones of private and public subnets", () => {
    const vpc = byName("default-vpc");
    expect(vpc.custom).toBe(false);
    expect(vpc.state.privateSubnetIds).toHaveLength(3);
    expect(vpc.state.publicSubnetIds).toHaveLength(3);
    expect(vpc.state.isolatedSubnetIds).toEqual([]);
    expect(vpc.state.vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
  });
});

describe("the mocks answer the invokes the platform uses", () => {
  test.each([
    ["aws:index/getRegion:getRegion", {}, { region: "us-east-1", name: "us-east-1" }],
    ["aws:index/getCallerIdentity:getCallerIdentity", {}, { accountId: "123456789012" }],
    ["aws:index/getPartition:getPartition", {}, { partition: "aws", dnsSuffix: "amazonaws.com" }],
    [
      "aws:ec2/getPrefixList:getPrefixList",
      { name: "com.amazonaws.us-east-1.s3" },
      { id: "pl-63a5400a" },
    ],
    [
      "aws:ec2/getPrefixList:getPrefixList",
      { name: "com.amazonaws.us-east-1.dynamodb" },
      { id: "pl-02cd2c6b" },
    ],
    [
      "aws:index/getAvailabilityZones:getAvailabilityZones",
      {},
      {
        names: ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"],
      },
    ],
  ])("%s %j", async (token, inputs, expected) => {
    expect(await awsMocks.call({ token, inputs, provider: "" })).toMatchObject(expected);
  });

  test("prefix lists carry their CIDR blocks", () => {
    expect(Object.keys(MOCK_PREFIX_LISTS)).toEqual([
      "com.amazonaws.us-east-1.s3",
      "com.amazonaws.us-east-1.dynamodb",
    ]);
  });

  test("an unknown prefix list is an error naming the known ones", () => {
    expect(() =>
      awsMocks.call({
        token: "aws:ec2/getPrefixList:getPrefixList",
        inputs: { name: "com.amazonaws.us-east-1.sqs" },
        provider: "",
      }),
    ).toThrow(
      'No mock prefix list named "com.amazonaws.us-east-1.sqs": known are com.amazonaws.us-east-1.s3, com.amazonaws.us-east-1.dynamodb.',
    );
  });

  test("every invoke is recorded with its inputs", async () => {
    const run = await runProgram({
      ...base,
      program: () => ({
        first: aws.getCallerIdentityOutput().accountId,
        second: aws.getCallerIdentityOutput().accountId,
        prefixList: aws.ec2.getPrefixListOutput({ name: "com.amazonaws.us-east-1.s3" }).id,
      }),
    });
    expect(run.outputs).toEqual({
      first: "123456789012",
      second: "123456789012",
      prefixList: "pl-63a5400a",
    });
    expect([...run.invokes].sort((a, b) => a.token.localeCompare(b.token))).toEqual([
      {
        token: "aws:ec2/getPrefixList:getPrefixList",
        inputs: { name: "com.amazonaws.us-east-1.s3" },
      },
      { token: "aws:index/getCallerIdentity:getCallerIdentity", inputs: {} },
      { token: "aws:index/getCallerIdentity:getCallerIdentity", inputs: {} },
    ]);
  });

  test("an unmocked invoke fails the program with a message saying where to add it", async () => {
    const run = runProgram({
      ...base,
      program: () => ({ vpc: aws.ec2.getVpcOutput({ default: true }).id }),
    });
    await expect(run).rejects.toThrow(ProgramError);
    await expect(run).rejects.toThrow(
      "The mock runtime does not answer the invoke aws:ec2/getVpc:getVpc: add it to scripts/plan/mock-runtime-aws.ts.",
    );
  });
});

describe("failures", () => {
  test("a program that throws rejects with what it had registered", async () => {
    const run = runProgram({
      ...base,
      program: () => {
        new aws.sqs.Queue("before", { name: "before" });
        throw new Error("bad input");
      },
    });
    await expect(run).rejects.toMatchObject({
      name: "ProgramError",
      message: "bad input",
      resources: [expect.objectContaining({ type: "aws:sqs/queue:Queue", name: "before" })],
    });
  });

  test("a program that logs an error fails", async () => {
    const errorLog = jest.spyOn(global.console, "error").mockImplementation(() => undefined);
    await expect(
      runProgram({
        ...base,
        program: () => {
          void pulumi.log.error("something is wrong");
          return {};
        },
      }),
    ).rejects.toThrow('The program of stack "test" logged errors; see the output above.');
    expect(errorLog).toHaveBeenCalledWith("error: [runtime] something is wrong");
    errorLog.mockRestore();
  });

  test("a program with no exports has no outputs", async () => {
    expect((await runProgram({ ...base, program: () => undefined })).outputs).toEqual({});
  });

  test("environment variables are set during the run and restored after it", async () => {
    process.env.MOCK_RUNTIME_PROBE = "outer";
    let seen: string | undefined;
    await runProgram({
      ...base,
      environmentVariables: { MOCK_RUNTIME_PROBE: "inner" },
      program: () => {
        seen = process.env.MOCK_RUNTIME_PROBE;
      },
    });
    expect(seen).toBe("inner");
    expect(process.env.MOCK_RUNTIME_PROBE).toBe("outer");
    delete process.env.MOCK_RUNTIME_PROBE;
  });

  test("an environment program runs once per module registry", async () => {
    await runEnvironmentProgram("dev");
    await expect(runEnvironmentProgram("dev")).rejects.toThrow(
      "environments/dev/index.ts already ran in this process; Node caches modules, so run each environment in its own process or test file.",
    );
  });
});
