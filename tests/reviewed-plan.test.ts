import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

import { parseReviewedPlanArgs } from "../scripts/gitops/reviewed-plan";
import {
  applyReviewedPlan,
  classifyUp,
  upArguments,
  type PulumiProcess,
} from "../scripts/gitops/reviewed-plan-apply";
import {
  planArtifactName,
  recordPlan,
  reviewedPlanMarkdown,
  sha256Hex,
  summarizePlan,
} from "../scripts/gitops/reviewed-plan-record";

const TSX = join(__dirname, "../node_modules/.bin/tsx");
const SCRIPT = join(__dirname, "../scripts/gitops/reviewed-plan.ts");
const COMMIT = "3d3c42e5aac5ba805825da76410c181273ba90b1";
const PROJECT = "urn:pulumi:production::trading-analytics-production";

/** An update plan as `pulumi preview --save-plan` writes it (apitype.DeploymentPlanV1). */
const PLAN = `${JSON.stringify(
  {
    manifest: { time: "2026-03-02T05:17:00Z", magic: "", version: "v3.248.0" },
    config: { "aws:region": "us-east-1" },
    resourcePlans: {
      [`${PROJECT}::pulumi:pulumi:Stack::trading-analytics-production`]: {
        goal: { type: "pulumi:pulumi:Stack", name: "trading-analytics-production" },
        steps: ["same"],
        state: {},
      },
      [`${PROJECT}::trading:compute:MarketFunction$aws:lambda/function:Function::production-market-processor`]:
        { goal: { type: "aws:lambda/function:Function" }, steps: ["update"], state: {} },
      [`${PROJECT}::trading:storage:ArchiveBucket$aws:s3/bucket:Bucket::production-market-archive`]:
        {
          goal: { type: "aws:s3/bucket:Bucket" },
          steps: ["create-replacement", "replace", "delete-replaced"],
          state: {},
        },
      [`${PROJECT}::aws:sqs/queue:Queue::production-redrive`]: {
        goal: { type: "aws:sqs/queue:Queue" },
        steps: ["create"],
        state: {},
      },
      [`${PROJECT}::aws:sns/topic:Topic::production-alarms`]: {
        goal: { type: "aws:sns/topic:Topic" },
        steps: ["same"],
        state: {},
      },
    },
  },
  null,
  4,
)}\n`;

const VIOLATION = `error: resource ${PROJECT}::aws:sqs/queue:Queue::production-redrive violates plan: properties changed: ~~visibilityTimeoutSeconds[{60}!={30}]`;

describe("recording the reviewed plan", () => {
  it("names the artifact by environment, commit, run and attempt", () => {
    expect(planArtifactName("production", COMMIT, "4711", "2")).toBe(
      `pulumi-plan-production-${COMMIT}-4711-2`,
    );
    expect(() => planArtifactName("production", "v1.4.2", "4711", "1")).toThrow(
      '--commit "v1.4.2" is not a full commit SHA.',
    );
    expect(() => planArtifactName("production", COMMIT, "", "1")).toThrow(
      '--run-id "" and --run-attempt "1" must be GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT.',
    );
  });

  it("counts the operations and lists the resources the plan changes", () => {
    expect(summarizePlan(PLAN)).toEqual({
      operations: {
        create: 1,
        "create-replacement": 1,
        "delete-replaced": 1,
        replace: 1,
        same: 2,
        update: 1,
      },
      changes: [
        { urn: `${PROJECT}::aws:sqs/queue:Queue::production-redrive`, steps: ["create"] },
        {
          urn: `${PROJECT}::trading:compute:MarketFunction$aws:lambda/function:Function::production-market-processor`,
          steps: ["update"],
        },
        {
          urn: `${PROJECT}::trading:storage:ArchiveBucket$aws:s3/bucket:Bucket::production-market-archive`,
          steps: ["create-replacement", "replace", "delete-replaced"],
        },
      ],
    });
    expect(summarizePlan('{"manifest": {}}')).toEqual({ operations: {}, changes: [] });
  });

  it.each([
    ["not json", "The plan is not JSON ("],
    [
      '{"resourcePlans": {}}',
      "The plan has no manifest: it is not what pulumi preview --save-plan writes.",
    ],
    ["null", "The plan has no manifest"],
  ])("rejects %j", (text, message) => {
    expect(() => summarizePlan(text)).toThrow(message);
  });

  it("writes what approval applies into the summary, after the preview", () => {
    const recorded = recordPlan("production", PLAN, COMMIT, "4711", "1");
    expect(recorded.sha256).toBe(sha256Hex(PLAN));
    expect(reviewedPlanMarkdown("production", COMMIT, recorded)).toBe(
      [
        "### Reviewed plan for `production`",
        "",
        "Approving the `production` environment applies exactly this plan with `pulumi up --plan`: Pulumi refuses any operation the preview above did not propose, and the run then fails without it.",
        "",
        "| | |",
        "| --- | --- |",
        `| commit | \`${COMMIT}\` |`,
        `| plan | artifact \`pulumi-plan-production-${COMMIT}-4711-1\`, sha256 \`${recorded.sha256}\` |`,
        "| operations | 1 create, 1 create-replacement, 1 delete-replaced, 1 replace, 2 same, 1 update |",
        "",
        "<details open><summary>Resources the plan changes (3)</summary>",
        "",
        "| resource | steps |",
        "| --- | --- |",
        "| `aws:sqs/queue:Queue production-redrive` | create |",
        "| `aws:lambda/function:Function production-market-processor` | update |",
        "| `aws:s3/bucket:Bucket production-market-archive` | create-replacement, replace, delete-replaced |",
        "",
        "</details>",
        "",
      ].join("\n"),
    );
  });
});

describe("applying the reviewed plan", () => {
  const options = {
    environment: "production" as const,
    planPath: "/tmp/reviewed-plan/pulumi-plan.json",
    sha256: sha256Hex(PLAN),
    message: `Deploy run 4711 at ${COMMIT}`,
    policyPack: "/work/policy",
  };

  function pulumiAnswering(exitCode: number, output: string) {
    const calls: string[][] = [];
    const pulumi: PulumiProcess = (args) => {
      calls.push([...args]);
      return Promise.resolve({ exitCode, output });
    };
    return { calls, pulumi };
  }

  it("runs pulumi up constrained to the plan", () => {
    expect(upArguments("production", "plan.json", "Deploy run 1", "/work/policy")).toEqual([
      "up",
      "--yes",
      "--non-interactive",
      "--stack",
      "production",
      "--cwd",
      "environments/production",
      "--plan",
      "plan.json",
      "--diff",
      "--color",
      "never",
      "--suppress-progress",
      "--message",
      "Deploy run 1",
      "--policy-pack",
      "/work/policy",
    ]);
    expect(upArguments("staging", "plan.json", "m", undefined)).not.toContain("--policy-pack");
  });

  it.each([
    [0, "Resources:\n    ~ 1 updated\n", "applied"],
    [255, VIOLATION, "plan-rejected"],
    [
      255,
      "error: create is not allowed by the plan: no steps were expected for this resource",
      "plan-rejected",
    ],
    [
      255,
      "error: update is not allowed by the plan: this resource is constrained to same",
      "plan-rejected",
    ],
    [255, "error: resource violates plan: properties changed: +-arn", "plan-rejected"],
    [255, `error: no plan for resource ${PROJECT}::aws:sqs/queue:Queue::extra`, "plan-rejected"],
    [
      255,
      `error: expected resource operations for ${PROJECT}::aws:sqs/queue:Queue::x but none were seen`,
      "plan-rejected",
    ],
    [255, "error: the stack is currently locked by 1 lock(s)", "failed"],
    [1, "error: AccessDenied: not authorized to perform: lambda:UpdateFunctionCode", "failed"],
  ])("exit %i with %j is %s", (exitCode, output, status) => {
    expect(classifyUp(exitCode, output)).toBe(status);
  });

  it("applies the plan that was reviewed", async () => {
    const { calls, pulumi } = pulumiAnswering(0, "Resources:\n    ~ 1 updated\n");
    const report = await applyReviewedPlan(options, pulumi, () => Buffer.from(PLAN));
    expect(calls).toEqual([
      upArguments("production", options.planPath, options.message, "/work/policy"),
    ]);
    expect(report.status).toBe("applied");
    expect(report.exitCode).toBe(0);
    expect(report.message).toBe(
      `Applied the reviewed plan (sha256 ${options.sha256}) to production.`,
    );
  });

  it("applies nothing from a file that is not the reviewed plan", async () => {
    const { calls, pulumi } = pulumiAnswering(0, "");
    const report = await applyReviewedPlan(options, pulumi, () => Buffer.from(`${PLAN} `));
    expect(calls).toEqual([]);
    expect(report).toEqual({
      status: "not-the-reviewed-plan",
      exitCode: 1,
      message: `The plan at ${options.planPath} is not the plan that was reviewed: its sha256 is ${sha256Hex(`${PLAN} `)}, the reviewed plan's is ${options.sha256}. Nothing was applied to production. Re-run all jobs of this run ("Re-run failed jobs" would reuse this plan): the release then previews production as it is now, saves a new plan, and waits for a reviewer to approve that one.`,
      summary: expect.stringContaining("### Pulumi up of `production` with the reviewed plan"),
    });
    const missing = await applyReviewedPlan(options, pulumi, () => undefined);
    expect(missing.message).toBe(
      `The reviewed plan is not at ${options.planPath}: the download of the plan artifact brought nothing there. Nothing was applied to production. Re-run all jobs of this run ("Re-run failed jobs" would reuse this plan): the release then previews production as it is now, saves a new plan, and waits for a reviewer to approve that one.`,
    );
    expect(calls).toEqual([]);
  });

  it("fails saying why and what to do when production changed since the review", async () => {
    const output = [
      "Updating (production):",
      "    ~ aws:lambda/function:Function production-market-processor updated",
      `\u001b[31m${VIOLATION}\u001b[0m`,
      "Resources:",
      "    ~ 1 updated",
    ].join("\n");
    const { pulumi } = pulumiAnswering(255, output);
    const report = await applyReviewedPlan(options, pulumi, () => Buffer.from(PLAN));
    expect(report.status).toBe("plan-rejected");
    expect(report.exitCode).toBe(1);
    expect(report.message).toBe(
      `The reviewed plan no longer applies to production, so Pulumi stopped the up: ${VIOLATION}. Since the preview, production or its state changed (another up or a rollback, or a change made outside Pulumi), or the program no longer proposes the same operations. Pulumi applied nothing the plan did not hold, but the plan's operations before this point may have been applied. Re-run all jobs of this run ("Re-run failed jobs" would reuse this plan): the release then previews production as it is now, saves a new plan, and waits for a reviewer to approve that one.`,
    );
    expect(report.summary).toBe(
      [
        "### Pulumi up of `production` with the reviewed plan",
        "",
        report.message,
        "",
        "<details open><summary>Pulumi output</summary>",
        "",
        "```",
        "Updating (production):",
        "    ~ aws:lambda/function:Function production-market-processor updated",
        VIOLATION,
        "Resources:",
        "    ~ 1 updated",
        "```",
        "",
        "</details>",
        "",
      ].join("\n"),
    );
  });

  it("tells another failure apart from a rejected plan", async () => {
    const { pulumi } = pulumiAnswering(255, "error: the stack is currently locked by 1 lock(s)");
    const report = await applyReviewedPlan(options, pulumi, () => Buffer.from(PLAN));
    expect(report.status).toBe("failed");
    expect(report.message).toBe(
      'pulumi up with the reviewed plan failed on production (exit 255) for a reason other than the plan: see Pulumi\'s error at the end of the output. Operations before the failure may have been applied. Fix the cause, then re-run all jobs of this run ("Re-run failed jobs" would reuse this plan): the release then previews production as it is now, saves a new plan, and waits for a reviewer to approve that one.',
    );
  });
});

describe("reviewed-plan arguments", () => {
  it("reads record and apply", () => {
    expect(
      parseReviewedPlanArgs([
        "record",
        "--env",
        "production",
        "--plan",
        "p.json",
        "--commit",
        COMMIT,
        "--run-id",
        "1",
        "--run-attempt",
        "1",
      ]),
    ).toEqual({
      command: "record",
      environment: "production",
      planPath: "p.json",
      commit: COMMIT,
      runId: "1",
      runAttempt: "1",
    });
    const sha256 = sha256Hex("x");
    const apply = ["apply", "--env", "production", "--plan", "p.json", "--message", "m"];
    expect(parseReviewedPlanArgs([...apply, "--sha256", sha256, "--policy-pack", ""])).toEqual({
      command: "apply",
      environment: "production",
      planPath: "p.json",
      sha256,
      message: "m",
      policyPack: undefined,
    });
  });

  it.each([
    [[], "Use record or apply:"],
    [
      ["record", "--env", "production"],
      "--plan is required: npx tsx scripts/gitops/reviewed-plan.ts record",
    ],
    [["apply", "--env", "production", "--plan", "p", "--message", "m"], "--sha256 is required"],
    [
      ["apply", "--env", "production", "--plan", "p", "--message", "m", "--sha256", ""],
      "--sha256 is required",
    ],
    [
      ["apply", "--env", "production", "--plan", "p", "--message", "m", "--sha256", "abc"],
      '--sha256 "abc" is not a SHA-256 in hex',
    ],
  ])("rejects %j", (argv, message) => {
    expect(() => parseReviewedPlanArgs(argv)).toThrow(message);
  });
});

describe("the script as the workflows run it", () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "reviewed-plan-"));
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  /** A `pulumi` on PATH that records its arguments, prints FAKE_PULUMI_OUTPUT and exits with FAKE_PULUMI_EXIT. */
  function fakePulumi(): string {
    const bin = join(root, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, "pulumi"),
      [
        "#!/usr/bin/env bash",
        'printf "%s\\n" "$@" > "$FAKE_PULUMI_ARGS"',
        'printf "%s\\n" "$FAKE_PULUMI_OUTPUT"',
        'exit "$FAKE_PULUMI_EXIT"',
        "",
      ].join("\n"),
    );
    chmodSync(join(bin, "pulumi"), 0o755);
    return bin;
  }

  function run(args: string[], env: Record<string, string>) {
    const output = join(root, "github-output");
    const summary = join(root, "github-summary");
    writeFileSync(output, "");
    writeFileSync(summary, "");
    const result = spawnSync(TSX, [SCRIPT, ...args], {
      cwd: join(__dirname, ".."),
      encoding: "utf8",
      env: {
        PATH: `${fakePulumi()}${delimiter}${process.env.PATH ?? ""}`,
        HOME: root,
        GITHUB_ACTIONS: "true",
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        FAKE_PULUMI_ARGS: join(root, "pulumi-args"),
        ...env,
      },
    });
    return {
      ...result,
      output: readFileSync(output, "utf8"),
      summary: readFileSync(summary, "utf8"),
    };
  }

  it("records the plan, then applies it, and refuses it once production moved on", () => {
    const planPath = join(root, "pulumi-plan.json");
    writeFileSync(planPath, PLAN);
    const recorded = run(
      [
        "record",
        "--env",
        "production",
        "--plan",
        planPath,
        "--commit",
        COMMIT,
        "--run-id",
        "4711",
        "--run-attempt",
        "1",
      ],
      {},
    );
    expect(recorded.stderr).toBe("");
    expect(recorded.status).toBe(0);
    const sha256 = sha256Hex(PLAN);
    expect(recorded.output).toBe(
      `artifact=pulumi-plan-production-${COMMIT}-4711-1\nsha256=${sha256}\n`,
    );
    expect(recorded.summary).toBe(
      reviewedPlanMarkdown(
        "production",
        COMMIT,
        recordPlan("production", PLAN, COMMIT, "4711", "1"),
      ),
    );

    const apply = [
      "apply",
      "--env",
      "production",
      "--plan",
      planPath,
      "--sha256",
      sha256,
      "--message",
      "Deploy run 4711",
      "--policy-pack",
      "",
    ];
    const applied = run(apply, {
      FAKE_PULUMI_OUTPUT: "Resources:\n    ~ 1 updated",
      FAKE_PULUMI_EXIT: "0",
    });
    expect(applied.status).toBe(0);
    expect(applied.stdout).toBe(
      `Resources:\n    ~ 1 updated\n\nApplied the reviewed plan (sha256 ${sha256}) to production.\n`,
    );
    expect(readFileSync(join(root, "pulumi-args"), "utf8")).toBe(
      `${upArguments("production", planPath, "Deploy run 4711", undefined).join("\n")}\n`,
    );

    const rejected = run(apply, { FAKE_PULUMI_OUTPUT: VIOLATION, FAKE_PULUMI_EXIT: "255" });
    expect(rejected.status).toBe(1);
    expect(rejected.stdout.split("\n")[0]).toBe(VIOLATION);
    expect(rejected.stdout).toContain(
      "::error title=Reviewed plan no longer applies::The reviewed plan no longer applies to production, so Pulumi stopped the up:",
    );
    expect(rejected.stderr).toContain("Re-run all jobs of this run");
    expect(rejected.summary).toContain("### Pulumi up of `production` with the reviewed plan");
  });
});
