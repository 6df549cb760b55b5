import * as fs from "node:fs";
import * as path from "node:path";

import { resolveDeploymentConfig } from "../../modules/config/deployment";
import { FakeGitHub } from "../../tests/support/fake-github";
import { captureIo } from "../cli/capture-io";
import { MAX_BODY_CHARACTERS, commentMarker, upsertPullRequestComment } from "../gitops/github";
import { planCli } from "./plan";
import { ENVIRONMENT_NAMES, type EnvironmentName } from "../../modules/config/settings";
import { dataPathDiagram, mermaidNodeIds, templateDataPathNames } from "./plan-diagram";
import { renderPlan } from "./plan-report";
import { MARKDOWN_LIMIT } from "./plan-report-markdown";
import { cloudResources, previewCreates, type EnvironmentPlan } from "./plan-report-model";
import { TEXT_WIDTH } from "./plan-report-text";
import { recordedProgramRunner } from "../../tests/support/environment-recording";
import {
  checkStackConfig,
  readStackConfigOf,
  runEnvironmentProgram,
} from "./mock-runtime-environments";
import * as planRun from "./plan-run";
import { buildPlans, environmentPlan } from "./plan-run";
import { planEnvironment } from "./plan-worker";

const README = path.join(__dirname, "..", "..", "README.md");

/** Every ```mermaid block of a markdown text. */
function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((match) => match[1]);
}

/** Node id -> the first line of its label. */
function componentTitles(diagram: string): Map<string, string> {
  return new Map(
    [...diagram.matchAll(/^\s*(?:subgraph\s+)?(\w+)\[\(?"([^"<]*)/gm)].map((m) => [m[1], m[2]]),
  );
}

function longLines(text: string): string[] {
  return text.split("\n").filter((line) => line.length > TEXT_WIDTH);
}

describe("planning every environment", () => {
  let plans: EnvironmentPlan[];
  const planOf = (environment: EnvironmentName) =>
    plans.find((plan) => plan.environment === environment) as EnvironmentPlan;

  // Each environment's program as the test run recorded it: the plan of each is what a plan
  // worker computes from that run (the worker processes themselves run below, with a suffix).
  beforeAll(async () => {
    const runProgram = recordedProgramRunner(runEnvironmentProgram);
    plans = [];
    // One at a time: a program that is not recorded yet runs here, and Pulumi's runtime is global.
    for (const environment of ENVIRONMENT_NAMES) {
      const result = await planEnvironment(
        environment,
        { environmentSuffixOverride: undefined },
        runProgram,
      );
      plans.push(environmentPlan(environment, result));
    }
  });

  // What a preview of a new stack counts: the program's cloud resources, what awsx creates in its
  // VPC, the platform's components, awsx's VPC component and the stack.
  it.each<[EnvironmentName, { program: number; awsx: number; components: number }]>([
    ["dev", { program: 47, awsx: 10, components: 19 }],
    ["staging", { program: 47, awsx: 10, components: 19 }],
    ["production", { program: 56, awsx: 13, components: 20 }],
  ])("%s: resource counts as a real preview has them", (environment, expected) => {
    const plan = planOf(environment);
    const cloud = cloudResources(plan);
    const inside = cloud.filter((r) => r.createdBy !== undefined);
    expect(cloud.length - inside.length).toBe(expected.program);
    expect(inside).toHaveLength(expected.awsx);
    expect(plan.resources.filter((r) => r.component === true)).toHaveLength(1);
    expect((plan.platformComponents ?? 0) + 1).toBe(expected.components);
    expect(previewCreates(plan)).toBe(1 + expected.components + expected.program + expected.awsx);
    expect(plan.componentWarnings).toEqual([]);
    expect(plan.violations).toEqual([]);
  });

  it.each<[EnvironmentName, number]>([
    ["dev", 2],
    ["staging", 2],
    ["production", 3],
  ])(
    "%s: awsx's VPC holds one VPC, a gateway, %d isolated subnets with route tables, two endpoints",
    (environment, zones) => {
      const plan = planOf(environment);
      const vpc = `${environment}-network-vpc`;
      const inside = plan.resources.filter((r) => r.createdBy === vpc);
      const count = (type: string) => inside.filter((r) => r.type === type).length;
      expect(count("aws:ec2/vpc:Vpc")).toBe(1);
      expect(count("aws:ec2/internetGateway:InternetGateway")).toBe(1);
      expect(count("aws:ec2/subnet:Subnet")).toBe(zones);
      expect(count("aws:ec2/routeTable:RouteTable")).toBe(zones);
      expect(count("aws:ec2/routeTableAssociation:RouteTableAssociation")).toBe(zones);
      expect(
        inside.filter((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint").map((r) => r.name),
      ).toEqual(["com.amazonaws.us-east-1.s3", "com.amazonaws.us-east-1.dynamodb"]);
      expect(inside.every((r) => r.module === "network")).toBe(true);
      expect(inside).toHaveLength(2 + 3 * zones + 2);
    },
  );

  it("says the mock runtime cannot see inside awsx's VPC, and lists what awsx creates from its inputs", () => {
    const text = renderPlan([planOf("production")], "text").replace(/\s+/g, " ");
    expect(text).toContain(
      "The mock runtime sees awsx:ec2:Vpc as one component and cannot look inside",
    );
    expect(text).toContain("Inside awsx's VPC: production, production-network-vpc (13 resources)");
    expect(text).toContain(
      "Its inputs: 3 availability zones; one Isolated /20 subnet per zone; natGateways None; 2 endpoints with vpcEndpointStrategy Auto.",
    );
    expect(text).toMatch(
      /production pass 69 \(56 from the program, 13 awsx creates in its VPC\) \+ 90 to create/,
    );
  });

  it("keeps every line of the text output within 120 columns", () => {
    for (const plan of plans) {
      expect(longLines(renderPlan([plan], "text"))).toEqual([]);
    }
    expect(longLines(renderPlan(plans, "text"))).toEqual([]);
  });

  it("puts the summary first in markdown, the details in collapsed sections, all within one comment", () => {
    for (const group of [...plans.map((plan) => [plan]), plans]) {
      const markdown = renderPlan(group, "markdown");
      expect(markdown.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
      expect(markdown).not.toContain("rows left out");
      const blocks = markdown.split("\n\n");
      expect(blocks[0]).toBe(`## Offline plan: ${group.map((p) => p.environment).join(", ")}`);
      expect(blocks[1]).toMatch(
        /^\| environment \| policy \| cloud resources \| preview of a new stack \| cost per month \|\n/,
      );
      for (const plan of group) {
        expect(blocks[1]).toContain(
          `| ${plan.environment} | pass | ${cloudResources(plan).length} (`,
        );
      }
      const firstDetails = markdown.indexOf("<details>");
      expect(markdown.indexOf("```mermaid")).toBeLessThan(firstDetails);
      expect(markdown.slice(firstDetails)).not.toContain("```mermaid");
      expect(markdown.match(/<details>/g)?.length).toBe(markdown.match(/<\/details>/g)?.length);
      expect(mermaidBlocks(markdown)).toHaveLength(group.length);
    }
  });

  it("posts all three environments as one pull-request comment, whole", () => {
    const markdown = renderPlan(plans, "markdown");
    const github = new FakeGitHub("acme/trading-analytics");
    github.addIssue("Promote", { pullRequest: true });
    // As scripts/plan/pr-comment.ts posts it: its title, then the plan.
    const content = `## Offline plan: all environments\n\n${markdown}`;
    upsertPullRequestComment(github.runner, "acme/trading-analytics", 1, "offline-plan", content);
    const [comment] = github.issue(1).comments;
    expect(comment.body).toBe(`${commentMarker("offline-plan")}\n${content}`);
    expect(comment.body.length).toBeLessThanOrEqual(MAX_BODY_CHARACTERS);
  });

  it("draws each environment's data path with its sizes and names", () => {
    const [diagram] = mermaidBlocks(renderPlan([planOf("staging")], "markdown"));
    expect(diagram).toContain("staging-market-data-us-east-1-a1<br/>2 shards, 72 h retention");
    expect(diagram).toContain("market-processor<br/>1024 MB arm64");
    expect(diagram).toContain("on-demand, at most 1,000 read / 1,000 write units/s");
    expect(diagram).toContain("1-minute bars kept 30 d (TTL), PITR on");
  });

  it("the README's architecture is the same diagram, with every component of each environment's", () => {
    const readme = fs.readFileSync(README, "utf8");
    const architecture = readme.slice(
      readme.indexOf("\n## Architecture\n"),
      readme.indexOf("\n## ", readme.indexOf("\n## Architecture\n") + 1),
    );
    const [diagram] = mermaidBlocks(architecture);
    expect(diagram).toBe(dataPathDiagram(ENVIRONMENT_NAMES, templateDataPathNames()));
    const readmeComponents = componentTitles(diagram);
    for (const plan of plans) {
      const [planned] = mermaidBlocks(renderPlan([plan], "markdown"));
      expect(mermaidNodeIds(diagram).sort()).toEqual(mermaidNodeIds(planned).sort());
      for (const [id, title] of componentTitles(planned)) {
        expect([id, readmeComponents.get(id)]).toEqual([id, title]);
      }
    }
  });
});

describe("ENVIRONMENT_SUFFIX in the plan", () => {
  const before = process.env.ENVIRONMENT_SUFFIX;
  afterEach(() => {
    if (before === undefined) {
      delete process.env.ENVIRONMENT_SUFFIX;
    } else {
      process.env.ENVIRONMENT_SUFFIX = before;
    }
  });

  it("a good one is in every physical name, as in a deployment, for each environment asked, in its order", async () => {
    process.env.ENVIRONMENT_SUFFIX = "k3x9q2mz";
    // Two worker processes at once, one per lane; the plans come back in the order asked.
    const plans = await buildPlans(["staging", "dev"]);
    expect(plans.map((plan) => [plan.environment, plan.environmentSuffix])).toEqual([
      ["staging", "k3x9q2mz"],
      ["dev", "k3x9q2mz"],
    ]);
    for (const plan of plans) {
      const named = plan.resources.filter((r) => r.physicalName !== undefined);
      expect(named.length).toBeGreaterThan(30);
      expect(
        named.filter((r) => !(r.physicalName as string).endsWith("-us-east-1-k3x9q2mz")),
      ).toEqual([]);
      // Each name is the environment's own (a log group's behind its fixed /aws/lambda/ prefix).
      expect(
        named.filter((r) => !(r.physicalName as string).includes(`${plan.environment}-`)),
      ).toEqual([]);
    }
    const dev = plans[1];
    const text = renderPlan([dev], "text");
    expect(text).not.toContain("WARNING: environmentSuffix");
    expect(text).toMatch(
      /^dev +k3x9q2mz +aws:s3\/bucket:Bucket +dev-market-archive-us-east-1-k3x9q2mz$/m,
    );
    expect(renderPlan([dev], "markdown")).toContain("dev-market-data-us-east-1-k3x9q2mz<br/>");
  });

  it("a bad one fails the plan with the naming error, naming the stack file", async () => {
    await expect(buildPlans(["dev"], { environmentSuffixOverride: "PR-7" })).rejects.toThrow(
      'dev: ENVIRONMENT_SUFFIX "PR-7" is invalid: use 1-12 lower-case letters or digits, e.g. "a1". Set it with `pulumi config set environmentSuffix <value>` or the ENVIRONMENT_SUFFIX environment variable. ENVIRONMENT_SUFFIX overrides the environmentSuffix in environments/dev/Pulumi.dev.yaml: correct it, or unset it.',
    );
  });
});

describe("npm run plan with ENVIRONMENT_SUFFIX", () => {
  it("prints the names a good one gives", async () => {
    const io = captureIo({ ENVIRONMENT_SUFFIX: "k3x9q2mz" });
    expect(await planCli(["--env", "dev"], io)).toBe(0);
    expect(io.out()).toMatch(/^ {4}dev-market-data {2,}dev-market-data-us-east-1-k3x9q2mz$/m);
    expect(io.out()).not.toContain("-us-east-1-a1");
  });

  it("stops at a bad one with the program's message and no stack trace, exit 1, before any program starts", async () => {
    const build = jest.spyOn(planRun, "buildPlans");
    const io = captureIo({ ENVIRONMENT_SUFFIX: "PR-7" });
    expect(await planCli(["--env", "dev"], io)).toBe(1);
    expect(io.out()).toBe("");
    expect(io.err()).toBe(
      'error: dev: ENVIRONMENT_SUFFIX "PR-7" is invalid: use 1-12 lower-case letters or digits, e.g. "a1". Set it with `pulumi config set environmentSuffix <value>` or the ENVIRONMENT_SUFFIX environment variable. ENVIRONMENT_SUFFIX overrides the environmentSuffix in environments/dev/Pulumi.dev.yaml: correct it, or unset it.\n',
    );
    expect(build).not.toHaveBeenCalled();
    build.mockRestore();
  });

  it("names every environment a bad one fails, each with its own stack file", async () => {
    const build = jest.spyOn(planRun, "buildPlans");
    const io = captureIo({ ENVIRONMENT_SUFFIX: "x_1" });
    expect(await planCli([], io)).toBe(1);
    expect(io.err().split("\n").filter(Boolean)).toEqual(
      ENVIRONMENT_NAMES.map(
        (environment) =>
          `error: ${environment}: ENVIRONMENT_SUFFIX "x_1" is invalid: use 1-12 lower-case letters or digits, e.g. "a1". Set it with \`pulumi config set environmentSuffix <value>\` or the ENVIRONMENT_SUFFIX environment variable. ENVIRONMENT_SUFFIX overrides the environmentSuffix in environments/${environment}/Pulumi.${environment}.yaml: correct it, or unset it.`,
      ),
    );
    expect(build).not.toHaveBeenCalled();
    build.mockRestore();
  });

  it("stops at an ENVIRONMENT_SUFFIX other than a review stack's own, naming the stack", async () => {
    const io = captureIo({ ENVIRONMENT_SUFFIX: "pr43" });
    expect(await planCli(["--env", "dev", "--stack", "dev-pr42"], io)).toBe(1);
    expect(io.err()).toMatch(
      /^error: dev: Stack "dev-pr42" is a review stack, whose suffix is "pr42"/,
    );
  });
});

describe("config errors name the stack file to edit", () => {
  const valid = {
    environment: "staging",
    stack: "staging",
    region: "us-east-1",
    environmentSuffix: "a1",
    environmentSuffixOverride: undefined,
  };

  it.each<[string, Partial<typeof valid> & Record<string, unknown>, string]>([
    [
      "a missing region",
      { region: undefined },
      "aws:region is not set; this platform deploys to us-east-1 only. Run `pulumi config set aws:region us-east-1`. The stack file to edit is environments/staging/Pulumi.staging.yaml.",
    ],
    [
      "a missing suffix",
      { environmentSuffix: undefined },
      'environmentSuffix is missing: use 1-12 lower-case letters or digits, e.g. "a1". Set it with `pulumi config set environmentSuffix <value>` or the ENVIRONMENT_SUFFIX environment variable. The stack file to edit is environments/staging/Pulumi.staging.yaml.',
    ],
    [
      "a bad suffix",
      { environmentSuffix: "A1" },
      'environmentSuffix "A1" is invalid: use 1-12 lower-case letters or digits, e.g. "a1". Set it with `pulumi config set environmentSuffix <value>` or the ENVIRONMENT_SUFFIX environment variable. The stack file to edit is environments/staging/Pulumi.staging.yaml.',
    ],
  ])("%s", (_case, change, message) => {
    expect(() => resolveDeploymentConfig({ ...valid, ...change })).toThrow(message);
  });
});

describe("a stack's config, checked before any program runs", () => {
  it.each<[EnvironmentName, string, string | undefined, string]>([
    ["dev", "dev", undefined, "a1"],
    ["staging", "staging", undefined, "a1"],
    ["production", "production", "k3x9q2mz", "k3x9q2mz"],
    ["dev", "dev-pr42", undefined, "pr42"],
  ])(
    "%s's stack %s (ENVIRONMENT_SUFFIX %s) deploys with the suffix %s and the environment's settings",
    (environment, stack, override, suffix) => {
      const config = checkStackConfig(environment, stack, override);
      expect(config.environment).toBe(environment);
      expect(config.environmentSuffix).toBe(suffix);
      expect(config.settings.name).toBe(environment);
      expect(config.reviewStack?.stack).toBe(stack === environment ? undefined : stack);
    },
  );

  it("names aws:defaultTags that are not a JSON object as Pulumi's getObject does, and the file", () => {
    const config = {
      ...readStackConfigOf("staging", "staging"),
      "aws:defaultTags": "Environment=staging",
    };
    expect(() => checkStackConfig("staging", "staging", undefined, config)).toThrow(
      "Configuration 'aws:defaultTags' value 'Environment=staging' is not a valid JSON object. The stack file to edit is environments/staging/Pulumi.staging.yaml.",
    );
  });

  it("names a review stack without the tag its role needs", () => {
    const config = { ...readStackConfigOf("dev", "dev-pr42"), "aws:defaultTags": '{"tags":{}}' };
    expect(() => checkStackConfig("dev", "dev-pr42", undefined, config)).toThrow(
      /^Stack "dev-pr42" is a review stack, so aws:defaultTags must tag every resource/,
    );
  });
});
