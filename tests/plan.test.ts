import { ENVIRONMENT_SETTINGS } from "../modules/config/settings";
import { estimateMonthlyCost } from "../scripts/plan/cost-model";
import { PRICE_TABLE } from "../scripts/plan/cost-model-prices";
import { TRAFFIC } from "../scripts/plan/cost-model-traffic";
import { renderPlan } from "../scripts/plan/plan-report";
import {
  differingSettings,
  moduleOf,
  physicalNameOf,
  type EnvironmentPlan,
} from "../scripts/plan/plan-report-model";
import { templateSuffixWarning } from "../scripts/plan/plan-report-sections";
import { runEnvironmentProgram } from "../scripts/plan/mock-runtime-environments";
import { planEnvironment, type PlanEnvironmentOptions } from "../scripts/plan/plan-worker";
import { recordedProgramRunner } from "./support/environment-recording";
import { captureIo } from "../scripts/cli/capture-io";
import { parsePlanArgs } from "../scripts/plan/plan";

describe("plan arguments", () => {
  const parse = (argv: string[]) => parsePlanArgs(argv, captureIo());

  it("defaults to every environment as text", () => {
    expect(parse([])).toEqual({ kind: "run", options: { env: "all", format: "text" } });
  });

  it.each([
    [["--env", "production", "--format", "markdown"], { env: "production", format: "markdown" }],
    [["--env=staging", "--out=plan.md"], { env: "staging", format: "text", out: "plan.md" }],
  ])("parses %j", (argv, expected) => {
    expect(parse(argv)).toEqual({ kind: "run", options: expected });
  });

  it("answers --help with the options and examples", () => {
    const io = captureIo();
    expect(parsePlanArgs(["--help"], io)).toEqual({ kind: "exit", code: 0 });
    expect(io.out()).toContain("Usage: npm run plan -- [options]");
    expect(io.out()).toContain("npm run plan -- --env dev --format markdown --out dist/plan.md");
  });

  it.each([
    [
      ["--env", "prod"],
      "argument 'prod' is invalid. Allowed choices are dev, staging, production, all. Did you mean production?",
    ],
    [["--format", "html"], "argument 'html' is invalid. Allowed choices are text, markdown."],
    [["--env"], "error: option '--env <environment>' argument missing"],
    [["--out="], "error: --out needs a file path."],
    [
      ["--verbose"],
      "error: unknown option '--verbose'\nValid options: --env, --format, --out, --stack, --help.",
    ],
  ])("rejects %j with exit 2", (argv, message) => {
    const io = captureIo();
    expect(parsePlanArgs(argv, io)).toEqual({ kind: "exit", code: 2 });
    expect(io.err()).toContain(message);
  });
});

describe("moduleOf", () => {
  it.each([
    [
      "urn:pulumi:dev::trading-analytics-dev::trading:stack:TradingStack$trading:storage:ArchiveBucket$aws:s3/bucket:Bucket::b",
      "storage",
    ],
    [
      "urn:pulumi:dev::p::trading:stack:TradingStack$trading:compute:MarketFunctions$trading:compute:MarketFunction$aws:iam/role:Role::r",
      "compute",
    ],
    ["urn:pulumi:dev::p::trading:stack:TradingStack$aws:sns/topic:Topic::t", "stack"],
    ["urn:pulumi:dev::p::pulumi:providers:aws::default", "other"],
  ])("%s belongs to %s", (urn, module) => {
    expect(moduleOf(urn)).toBe(module);
  });
});

describe("physicalNameOf", () => {
  it.each<[string, Record<string, unknown>, string | undefined]>([
    [
      "aws:s3/bucket:Bucket",
      { bucket: "dev-market-archive-us-east-1-a1" },
      "dev-market-archive-us-east-1-a1",
    ],
    ["aws:s3/bucketPolicy:BucketPolicy", { bucket: "dev-market-archive-us-east-1-a1" }, undefined],
    [
      "aws:lambda/function:Function",
      { name: "dev-analytics-api-us-east-1-a1" },
      "dev-analytics-api-us-east-1-a1",
    ],
    [
      "aws:iam/role:Role",
      { name: "dev-analytics-api-role-us-east-1-a1", path: "/trading-analytics/dev/" },
      "dev-analytics-api-role-us-east-1-a1",
    ],
    [
      "aws:cloudwatch/dashboard:Dashboard",
      { dashboardName: "dev-market-dashboard-us-east-1-a1", dashboardBody: "{}" },
      "dev-market-dashboard-us-east-1-a1",
    ],
    ["aws:lambda/eventSourceMapping:EventSourceMapping", { functionName: "f" }, undefined],
    ["awsx:ec2:Vpc", { name: "ignored" }, undefined],
  ])("%s %j -> %s", (type, inputs, expected) => {
    expect(physicalNameOf(type, inputs)).toBe(expected);
  });
});

describe("settings side by side", () => {
  it("lists exactly the settings that differ, in environment order", () => {
    const rows = differingSettings(["dev", "staging", "production"]);
    const byKey = new Map(rows.map(([key, ...values]) => [key, values]));
    expect(byKey.get("lambda.memoryMb")).toEqual(["512", "1024", "2048"]);
    expect(byKey.get("network.cidrBlock")).toEqual([
      "10.10.0.0/16",
      "10.20.0.0/16",
      "10.30.0.0/16",
    ]);
    expect(byKey.get("table.capacity.mode")).toEqual(["on-demand", "on-demand", "provisioned"]);
    expect(byKey.get("archive.versioning")).toEqual(["false", "false", "true"]);
    expect(byKey.has("region")).toBe(false);
    expect(byKey.get("stream.retentionHours")).toEqual(["24", "72", "168"]);
    expect(byKey.has("lambda.batchSize")).toBe(false);
  });
});

describe("cost estimate", () => {
  it("prices shards, the fan-out consumer and the table from each environment's settings", () => {
    for (const settings of Object.values(ENVIRONMENT_SETTINGS)) {
      const estimate = estimateMonthlyCost(settings, 13);
      const line = (item: string) => estimate.lines.find((l) => l.item === item);
      expect(line("stream shards")?.monthlyUsd).toBeCloseTo(
        settings.stream.shardCount * 730 * PRICE_TABLE.kinesisShardHour,
        2,
      );
      expect(line("reads and writes")?.basis).toMatch(
        settings.table.capacity.mode === "provisioned" ? /^provisioned, auto scaled/ : /^on-demand/,
      );
      const sum = estimate.lines.reduce((total, l) => total + l.monthlyUsd, 0);
      expect(estimate.totalUsd).toBeCloseTo(sum, 2);
    }
  });

  it("keeps provisioned capacity between the base and the auto-scaling ceiling", () => {
    const production = ENVIRONMENT_SETTINGS.production;
    const idle = estimateMonthlyCost(production, 13, {
      ...TRAFFIC.production,
      ticksPerSecond: 0,
      apiRequestsPerSecond: 0,
    });
    const capacity = production.table.capacity;
    if (capacity.mode !== "provisioned") {
      throw new Error("production is provisioned");
    }
    const base =
      730 *
      (capacity.writeCapacityUnits * PRICE_TABLE.dynamodbProvisionedWcuHour +
        capacity.readCapacityUnits * PRICE_TABLE.dynamodbProvisionedRcuHour);
    expect(idle.lines.find((l) => l.item === "reads and writes")?.monthlyUsd).toBeCloseTo(base, 2);
    const flood = estimateMonthlyCost(production, 13, {
      ...TRAFFIC.production,
      ticksPerSecond: 1e7,
      activeSymbols: 1e6,
    });
    const ceiling =
      730 *
      (capacity.maxWriteCapacityUnits * PRICE_TABLE.dynamodbProvisionedWcuHour +
        capacity.maxReadCapacityUnits * PRICE_TABLE.dynamodbProvisionedRcuHour);
    expect(flood.lines.find((l) => l.item === "reads and writes")?.monthlyUsd).toBeCloseTo(
      ceiling,
      2,
    );
  });

  it("costs production more than staging and staging more than dev", () => {
    const [dev, staging, production] = (["dev", "staging", "production"] as const).map(
      (env) => estimateMonthlyCost(ENVIRONMENT_SETTINGS[env], 13).totalUsd,
    );
    expect(dev).toBeLessThan(staging);
    expect(staging).toBeLessThan(production);
  });
});

describe("report", () => {
  const plan: EnvironmentPlan = {
    environment: "dev",
    environmentSuffix: "k3x9q2mz",
    resources: [
      {
        type: "aws:s3/bucket:Bucket",
        name: "dev-market-archive",
        module: "storage",
        physicalName: "dev-market-archive-us-east-1-k3x9q2mz",
      },
      {
        type: "aws:kinesis/stream:Stream",
        name: "dev-market-data",
        module: "ingestion",
        physicalName: "dev-market-data-us-east-1-k3x9q2mz",
      },
      {
        type: "aws:s3/bucketPolicy:BucketPolicy",
        name: "dev-market-archive-policy",
        module: "storage",
      },
    ],
    violations: [
      { policyName: "required-tags", resource: "dev-market-data", message: "missing Service" },
    ],
    cost: estimateMonthlyCost(ENVIRONMENT_SETTINGS.dev, 13),
  };

  it("renders markdown with resources by module, the verdict, violations and the cost basis", () => {
    const markdown = renderPlan([plan], "markdown");
    expect(markdown).toContain("| ingestion | 1 |");
    expect(markdown).toContain("| storage | 2 |");
    expect(markdown).toContain("| total | 3 |");
    expect(markdown).toContain("| dev | **FAIL** (1) | 3 | + 4 to create | $");
    expect(markdown).toContain("| dev | required-tags | dev-market-data | missing Service |");
    expect(markdown).toContain("| lambda.memoryMb | 512 | 1024 | 2048 |");
    expect(markdown).toContain(`as of ${PRICE_TABLE.asOf}`);
    expect(markdown).toContain("- dev: 5 ticks/s average");
    expect(markdown).toContain("13 alarms");
  });

  it("renders aligned text", () => {
    const text = renderPlan([{ ...plan, violations: [] }], "text");
    expect(text).toMatch(/^dev {10}pass {4}3 {16}\+ 4 to create {11}\$\d+\.\d\d$/m);
    // By module, then by type in Pulumi's short form; names and physical names aligned.
    expect(text).toMatch(
      /^storage: 2\n {2}aws:s3:Bucket\n {4}dev-market-archive {9}dev-market-archive-us-east-1-k3x9q2mz\n {2}aws:s3:BucketPolicy\n {4}dev-market-archive-policy {2}-$/m,
    );
  });

  it("shows every physical name beside its logical name, and the globally unique ones apart", () => {
    const markdown = renderPlan([plan], "markdown");
    expect(markdown).toContain("| module | type | name | physical name |");
    expect(markdown).toContain(
      "| ingestion | aws:kinesis/stream:Stream | dev-market-data | dev-market-data-us-east-1-k3x9q2mz |",
    );
    expect(markdown).toContain(
      [
        "<details><summary>Globally unique names</summary>",
        "",
        "| environment | suffix | type | physical name |",
        "| --- | --- | --- | --- |",
        "| dev | k3x9q2mz | aws:s3/bucket:Bucket | dev-market-archive-us-east-1-k3x9q2mz |",
        "",
        "S3 bucket names are shared by every AWS account: the suffix must be this deployment's own.",
        "",
        "</details>",
      ].join("\n"),
    );
    expect(markdown).not.toContain("Warning");
  });

  it("links each environment's dashboard in the CloudWatch console", () => {
    const withDashboard: EnvironmentPlan = {
      ...plan,
      resources: [
        ...plan.resources,
        {
          type: "aws:cloudwatch/dashboard:Dashboard",
          name: "dev-dashboard",
          module: "monitoring",
          physicalName: "dev-market-dashboard-us-east-1-k3x9q2mz",
        },
      ],
    };
    expect(renderPlan([withDashboard], "markdown")).toContain(
      [
        "<details><summary>Dashboards</summary>",
        "",
        "| environment | dashboard | console |",
        "| --- | --- | --- |",
        "| dev | dev-market-dashboard-us-east-1-k3x9q2mz | https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/dev-market-dashboard-us-east-1-k3x9q2mz |",
      ].join("\n"),
    );
    expect(renderPlan([withDashboard], "text")).toMatch(
      /^monitoring: 1\n {2}aws:cloudwatch:Dashboard\n {4}dev-dashboard\s+dev-market-dashboard-us-east-1-k3x9q2mz$/m,
    );
  });

  it("warns right after the summary when a stack file still has the template's suffix, naming the buckets at stake", () => {
    const template: EnvironmentPlan = {
      ...plan,
      environmentSuffix: "a1",
      resources: [
        {
          type: "aws:s3/bucket:Bucket",
          name: "dev-market-archive",
          module: "storage",
          physicalName: "dev-market-archive-us-east-1-a1",
        },
      ],
    };
    const markdown = renderPlan([template, { ...plan, environment: "staging" }], "markdown");
    const [heading, summary, , warning] = markdown.split("\n\n");
    expect(heading).toBe("## Offline plan: dev, staging");
    expect(summary).toMatch(/^\| environment \| policy \| cloud resources \|/);
    expect(warning).toBe(
      "**Warning:** environmentSuffix is `a1` in dev: the template's placeholder, which every copy of this repository commits. S3 bucket names are global, so `dev-market-archive-us-east-1-a1` is a name every copy would create, and `pulumi up` stops at BucketAlreadyExists where another account created it first. Before the first deploy, set the suffix the bootstrap proposes (`pulumi -C bootstrap stack output stackFilesCommand`; README: Deploying, First deploy).",
    );
    expect(templateSuffixWarning([template], "text")).toMatch(
      /^WARNING: environmentSuffix is a1 in dev: .* so dev-market-archive-us-east-1-a1 is a name/,
    );
    expect(templateSuffixWarning([plan], "text")).toBeUndefined();
  });
});

describe("planning staging offline", () => {
  it("runs the real program and passes every policy", async () => {
    // The test run's recording of staging's program, shared with the other files that read it.
    const result = await planEnvironment(
      "staging",
      { environmentSuffixOverride: undefined },
      recordedProgramRunner(runEnvironmentProgram),
    );
    expect(result.violations).toEqual([]);
    expect(
      result.resources
        .filter((r) => r.type === "aws:s3/bucket:Bucket")
        .map((r) => `${r.name} -> ${r.physicalName}`),
    ).toEqual(["staging-market-archive -> staging-market-archive-us-east-1-a1"]);
    expect(result.resources.find((r) => r.type === "aws:dynamodb/table:Table")?.physicalName).toBe(
      "staging-market-analytics-us-east-1-a1",
    );
    expect(result.resources.filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard")).toEqual(
      [
        {
          type: "aws:cloudwatch/dashboard:Dashboard",
          name: "staging-dashboard",
          module: "monitoring",
          physicalName: "staging-market-dashboard-us-east-1-a1",
        },
      ],
    );
    const modules = new Set(result.resources.map((r) => r.module));
    expect([...modules].sort()).toEqual([
      "compute",
      "ingestion",
      "monitoring",
      "network",
      "storage",
    ]);
    expect(
      result.resources
        .filter((r) => r.type === "aws:lambda/function:Function")
        .map((r) => r.name)
        .sort(),
    ).toHaveLength(3);
  });

  it.each<[string, "dev" | "staging", PlanEnvironmentOptions]>([
    ["an ENVIRONMENT_SUFFIX", "staging", { environmentSuffixOverride: "k3x9q2mz" }],
    [
      "a review stack's ENVIRONMENT_SUFFIX",
      "dev",
      { stack: "dev-pr4", environmentSuffixOverride: "pr4" },
    ],
  ])(
    "reads a recorded program only for a stack's own config, not %s",
    async (_case, environment, options) => {
      const unexpected = jest.fn(runEnvironmentProgram);
      await expect(
        planEnvironment(environment, options, recordedProgramRunner(unexpected)),
      ).rejects.toThrow("Only a stack's own config is recorded, without ENVIRONMENT_SUFFIX");
      expect(unexpected).not.toHaveBeenCalled();
    },
  );

  it("rejects an unknown environment", async () => {
    await expect(planEnvironment("qa")).rejects.toThrow('Unknown environment "qa".');
  });
});
