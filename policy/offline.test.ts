import * as aws from "@pulumi/aws";
import {
  validateResourceOfType,
  type Policies,
  type PolicyResource,
  type ResourceValidationArgs,
} from "@pulumi/policy";

import { evaluatePolicies, evaluatePolicyReport, type RecordedResourceLike } from "./offline";

const bucket: RecordedResourceLike = {
  type: "aws:s3/bucket:Bucket",
  name: "archive",
  id: "dev-market-archive-us-east-1-a1",
  inputs: { bucket: "dev-market-archive-us-east-1-a1", tags: { Service: "market-archive" } },
  state: {
    bucket: "dev-market-archive-us-east-1-a1",
    arn: "arn:aws:s3:::dev-market-archive-us-east-1-a1",
  },
  options: { protect: true, retainOnDelete: true, ignoreChanges: ["tags"], dependsOn: ["urn:dep"] },
};

const queue: RecordedResourceLike = {
  type: "aws:sqs/queue:Queue",
  name: "dlq",
  urn: "urn:pulumi:dev::p::aws:sqs/queue:Queue::dlq",
  inputs: { name: "dev-dlq" },
};

const component: RecordedResourceLike = {
  type: "trading:storage:ArchiveBucket",
  name: "archive-component",
  urn: "urn:dep",
  inputs: {},
};

describe("evaluatePolicies", () => {
  it("passes engine-shaped arguments to resource validations", () => {
    const seen: ResourceValidationArgs[] = [];
    const policies: Policies = [
      { name: "capture", description: "d", validateResource: (args) => void seen.push(args) },
    ];
    expect(evaluatePolicies([bucket], { stack: "dev", policies })).toEqual([]);
    expect(seen).toHaveLength(1);
    const [args] = seen;
    expect(args?.type).toBe("aws:s3/bucket:Bucket");
    expect(args?.name).toBe("archive");
    expect(args?.urn).toBe("urn:pulumi:dev::trading-analytics::aws:s3/bucket:Bucket::archive");
    expect(args?.props).toEqual(bucket.inputs);
    expect(args?.opts).toEqual({
      protect: true,
      retainOnDelete: true,
      ignoreChanges: ["tags"],
      aliases: [],
      additionalSecretOutputs: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    });
    expect(args?.stackTags.size).toBe(0);
    expect(args?.getConfig()).toEqual({});
    expect(args?.isType(aws.s3.Bucket)).toBe(true);
    expect(args?.isType(aws.sqs.Queue)).toBe(false);
    expect(args?.asType(aws.s3.Bucket)).toEqual(bucket.inputs);
    expect(args?.asType(aws.sqs.Queue)).toBeUndefined();
    expect(Object.isFrozen(args?.props)).toBe(true);
    expect(Object.isFrozen(args?.props.tags)).toBe(true);
  });

  it("uses the project for URNs it synthesises and rejects duplicate URNs", () => {
    const urns: string[] = [];
    const policies: Policies = [
      { name: "urns", description: "d", validateResource: (args) => void urns.push(args.urn) },
    ];
    evaluatePolicies([bucket, queue], { stack: "prod", project: "p", policies });
    expect(urns).toEqual([
      "urn:pulumi:prod::p::aws:s3/bucket:Bucket::archive",
      "urn:pulumi:dev::p::aws:sqs/queue:Queue::dlq",
    ]);
    expect(() => evaluatePolicies([queue, { ...queue }], { stack: "dev", policies })).toThrow(
      'Two resources have the URN "urn:pulumi:dev::p::aws:sqs/queue:Queue::dlq": the engine rejects duplicates, so give each aws:sqs/queue:Queue a unique logical name.',
    );
  });

  it("reports violations with the resource, and skips policies that are not applicable", () => {
    const policies: Policies = [
      {
        name: "buckets-only",
        description: "d",
        enforcementLevel: "mandatory",
        validateResource: validateResourceOfType(aws.s3.Bucket, (props, args, report) => {
          report(`bucket ${String(props.bucket)} of ${args.name}`);
        }),
      },
      {
        name: "queues-by-hand",
        description: "d",
        enforcementLevel: "advisory",
        validateResource: [
          (args, report) => {
            if (args.type !== "aws:sqs/queue:Queue") {
              args.notApplicable("queues only");
            }
            report("first");
          },
          (_args, report) => report("second"),
        ],
      },
    ];
    const report = evaluatePolicyReport([bucket, queue], { stack: "dev", policies });
    expect(report.violations).toEqual([
      {
        policyName: "buckets-only",
        enforcementLevel: "mandatory",
        message: "bucket dev-market-archive-us-east-1-a1 of archive",
        urn: "urn:pulumi:dev::trading-analytics::aws:s3/bucket:Bucket::archive",
        name: "archive",
        type: "aws:s3/bucket:Bucket",
      },
      {
        policyName: "queues-by-hand",
        enforcementLevel: "advisory",
        message: "second",
        urn: "urn:pulumi:dev::trading-analytics::aws:s3/bucket:Bucket::archive",
        name: "archive",
        type: "aws:s3/bucket:Bucket",
      },
      {
        policyName: "queues-by-hand",
        enforcementLevel: "advisory",
        message: "first",
        urn: queue.urn,
        name: "dlq",
        type: "aws:sqs/queue:Queue",
      },
      {
        policyName: "queues-by-hand",
        enforcementLevel: "advisory",
        message: "second",
        urn: queue.urn,
        name: "dlq",
        type: "aws:sqs/queue:Queue",
      },
    ]);
    expect(report.policies).toEqual([
      {
        policyName: "buckets-only",
        kind: "resource",
        enforcementLevel: "mandatory",
        appliedTo: 1,
        violations: 1,
      },
      {
        policyName: "queues-by-hand",
        kind: "resource",
        enforcementLevel: "advisory",
        appliedTo: 2,
        violations: 3,
      },
    ]);
  });

  it("leaves out disabled policies and reports remediate as mandatory", () => {
    const policies: Policies = [
      {
        name: "off",
        description: "d",
        enforcementLevel: "disabled",
        validateResource: (_a, r) => r("x"),
      },
      {
        name: "fix",
        description: "d",
        enforcementLevel: "remediate",
        validateResource: (_a, r) => r("y"),
      },
    ];
    const report = evaluatePolicyReport([queue], { stack: "dev", policies });
    expect(report.violations.map((v) => [v.policyName, v.enforcementLevel, v.message])).toEqual([
      ["fix", "mandatory", "y"],
    ]);
    expect(report.policies.map((p) => p.policyName)).toEqual(["fix"]);
  });

  it("gives stack validations every resource's outputs, parent and dependencies", () => {
    const seen: PolicyResource[][] = [];
    const policies: Policies = [
      {
        name: "stack",
        description: "d",
        validateStack: (args, report) => {
          seen.push(args.resources);
          report("about the bucket", args.resources[1]?.urn);
          report("about the stack");
        },
      },
    ];
    const child = { ...bucket, options: { ...bucket.options, parent: "urn:dep" } };
    const violations = evaluatePolicies([component, child], { stack: "dev", policies });
    const [resources] = seen;
    const stored = resources?.[1];
    expect(stored?.props).toEqual({
      bucket: "dev-market-archive-us-east-1-a1",
      tags: { Service: "market-archive" },
      arn: "arn:aws:s3:::dev-market-archive-us-east-1-a1",
      id: "dev-market-archive-us-east-1-a1",
    });
    expect(stored?.parent?.name).toBe("archive-component");
    expect(stored?.dependencies.map((d) => d.name)).toEqual(["archive-component"]);
    expect(stored?.isType(aws.s3.Bucket)).toBe(true);
    expect(stored?.asType(aws.s3.Bucket)).toBe(stored?.props);
    expect(violations).toEqual([
      {
        policyName: "stack",
        enforcementLevel: "mandatory",
        message: "about the bucket",
        urn: "urn:pulumi:dev::trading-analytics::aws:s3/bucket:Bucket::archive",
        name: "archive",
        type: "aws:s3/bucket:Bucket",
      },
      { policyName: "stack", enforcementLevel: "mandatory", message: "about the stack" },
    ]);
  });

  it("fails the evaluation when a policy throws, as a preview fails", () => {
    const policies: Policies = [
      {
        name: "broken",
        description: "d",
        validateResource: () => {
          throw new TypeError("cannot read x");
        },
      },
    ];
    expect(() => evaluatePolicies([queue], { stack: "dev", policies })).toThrow(
      `Policy "broken" failed on ${queue.urn}: cannot read x`,
    );
    const stackBroken: Policies = [
      {
        name: "broken-stack",
        description: "d",
        validateStack: () => {
          throw new Error("boom");
        },
      },
    ];
    expect(() => evaluatePolicies([queue], { stack: "dev", policies: stackBroken })).toThrow(
      'Policy "broken-stack" failed on the stack: boom',
    );
  });

  it("refuses asynchronous validations with a message that says what to change", () => {
    const policies: Policies = [
      { name: "async", description: "d", validateResource: async () => Promise.resolve() },
    ];
    expect(() => evaluatePolicies([queue], { stack: "dev", policies })).toThrow(
      `Policy "async" returned a promise on ${queue.urn}: the offline evaluation runs synchronous validations only, so make the validation synchronous.`,
    );
  });

  it("reports the stack config's suffix to the naming rule", () => {
    const resources: RecordedResourceLike[] = [
      {
        ...queue,
        inputs: {
          name: "dev-market-processor-dlq-us-east-1-b2",
          messageRetentionSeconds: 1209600,
          sqsManagedSseEnabled: true,
          tags: {
            Environment: "dev",
            ManagedBy: "pulumi",
            Project: "trading-analytics",
            Service: "market-processor-dlq",
          },
        },
      },
    ];
    expect(
      evaluatePolicies(resources, {
        stack: "dev",
        project: "trading-analytics-dev",
        config: { "trading-analytics-dev:environmentSuffix": "b2" },
      }),
    ).toEqual([]);
    expect(
      evaluatePolicies(resources, {
        stack: "dev",
        project: "trading-analytics-dev",
        config: { "trading-analytics-dev:environmentSuffix": "a1" },
      }).map((violation) => violation.policyName),
    ).toEqual(["physical-name-pattern"]);
  });
});

describe("property values", () => {
  it("passes assets and archives through as the engine does, without copying them", async () => {
    const { asset } = await import("@pulumi/pulumi");
    const code = new asset.FileArchive("dist/functions/market-processor");
    const seen: unknown[] = [];
    const policies: Policies = [
      {
        name: "code",
        description: "d",
        validateResource: (args) => void seen.push(args.props.code),
      },
    ];
    evaluatePolicies([{ ...queue, inputs: { code } }], { stack: "dev", policies });
    expect(seen).toEqual([code]);
    expect(seen[0]).toBe(code);
  });
});
