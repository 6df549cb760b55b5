import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { reviewRoleContexts } from "../bootstrap/github-oidc";
import {
  ENVIRONMENT_VARIABLES,
  REVIEW_GITHUB_ENVIRONMENT,
  REVIEW_STACK_MAX_AGE_VARIABLE,
} from "../environments/backends";
import { REVIEW_STACK_LABEL, parseMaxAgeDays } from "../scripts/gitops/review-stack-options";
import { runActionlint } from "./support/github-actionlint";
import { evaluate, interpolate, truthy, type Value } from "./support/github-expression";
import {
  REPOSITORY_ROOT,
  action,
  needsOf,
  stepNamed,
  workflow,
  workflowFiles,
  type Job,
  type Step,
} from "./support/workflows";

/**
 * The review-stack workflows, read as GitHub runs them: which jobs each pull-request event starts,
 * in which GitHub environment (the one whose OIDC subject only the review-stack role trusts), with
 * which permissions, concurrency and steps; and the sweeper's schedule and reports.
 */

const REPOSITORY = "acme/trading-analytics";
const REVIEW = workflow("review-stack.yml");
const SWEEPER = workflow("review-stack-sweeper.yml");

interface PullRequestEvent {
  readonly action: string;
  /** The label added or removed, for labeled and unlabeled. */
  readonly label?: string;
  /** The pull request's labels when the event fired. */
  readonly labels?: readonly string[];
  readonly state?: "open" | "closed";
  readonly headRepository?: string;
}

function pullRequestContext(event: PullRequestEvent): Record<string, Value> {
  return {
    github: {
      event_name: "pull_request",
      repository: REPOSITORY,
      workflow: "Review stack",
      run_id: 99,
      server_url: "https://github.com",
      event: {
        action: event.action,
        ...(event.label === undefined ? {} : { label: { name: event.label } }),
        pull_request: {
          number: 42,
          state: event.state ?? "open",
          labels: (event.labels ?? []).map((name) => ({ name })),
          head: {
            sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
            repo: { full_name: event.headRepository ?? REPOSITORY },
          },
        },
      },
    },
    vars: {},
  };
}

function runs(job: Job, context: Record<string, Value>): boolean {
  return job.if === undefined ? true : truthy(evaluate(job.if, context));
}

/** The jobs an event starts, the comment job judged on what became of the jobs it needs. */
function jobsFor(event: PullRequestEvent): string[] {
  const context = pullRequestContext(event);
  const started = Object.entries(REVIEW.jobs)
    .filter(([, job]) => needsOf(job).length === 0 && runs(job, context))
    .map(([id]) => id);
  const needs = Object.fromEntries(
    ["up", "destroy"].map((id) => [
      id,
      { result: started.includes(id) ? "success" : "skipped", outputs: {} },
    ]),
  );
  const comment = runs(REVIEW.jobs.comment, { ...context, needs });
  return comment ? [...started, "comment"] : started;
}

function steps(job: Job): Step[] {
  return job.steps ?? [];
}

describe("triggers", () => {
  test("review stacks follow the pull request's label, pushes and closing; never pull_request_target", () => {
    expect(REVIEW.on).toEqual({
      pull_request: { types: ["labeled", "unlabeled", "synchronize", "reopened", "closed"] },
    });
    for (const source of workflowFiles()) {
      expect(source.text).not.toContain("pull_request_target");
    }
  });

  test("the sweeper runs daily and on demand, with a dry run", () => {
    expect(SWEEPER.on).toEqual({
      schedule: [{ cron: "41 3 * * *" }],
      workflow_dispatch: {
        inputs: {
          "dry-run": {
            description: "List what would be removed, and remove nothing",
            type: "boolean",
            default: false,
          },
        },
      },
    });
  });
});

describe("which jobs each pull-request event starts", () => {
  const label = REVIEW_STACK_LABEL;
  test.each<[string, PullRequestEvent, string[]]>([
    ["the label added", { action: "labeled", label, labels: [label] }, ["up", "comment"]],
    ["another label added", { action: "labeled", label: "bug", labels: [label, "bug"] }, []],
    [
      "the label added to a closed pull request",
      { action: "labeled", label, labels: [label], state: "closed" },
      [],
    ],
    ["a push while labelled", { action: "synchronize", labels: [label] }, ["up", "comment"]],
    ["a push without the label", { action: "synchronize", labels: ["bug"] }, []],
    ["reopened while labelled", { action: "reopened", labels: [label] }, ["up", "comment"]],
    ["reopened without the label", { action: "reopened", labels: [] }, []],
    ["the label removed", { action: "unlabeled", label, labels: [] }, ["destroy", "comment"]],
    ["another label removed", { action: "unlabeled", label: "bug", labels: [label] }, []],
    [
      "closed while labelled",
      { action: "closed", labels: [label], state: "closed" },
      ["destroy", "comment"],
    ],
    ["closed without the label", { action: "closed", labels: [], state: "closed" }, []],
    [
      "a fork labelled",
      { action: "labeled", label, labels: [label], headRepository: "mallory/trading-analytics" },
      ["fork"],
    ],
    [
      "a fork's push while labelled",
      { action: "synchronize", labels: [label], headRepository: "mallory/trading-analytics" },
      [],
    ],
    [
      "a fork closed while labelled",
      {
        action: "closed",
        labels: [label],
        state: "closed",
        headRepository: "mallory/trading-analytics",
      },
      [],
    ],
  ])("%s", (_case, event, expected) => {
    expect(jobsFor(event)).toEqual(expected);
  });

  test("the label in the conditions is the one the sweeper and comment use", () => {
    const text = JSON.stringify(REVIEW.jobs);
    const quoted = [...text.matchAll(/'([a-z-]+)'/g)].map((match) => match[1]);
    expect(new Set(quoted.filter((word) => word.includes("review")))).toEqual(
      new Set([REVIEW_STACK_LABEL]),
    );
  });
});

describe("the GitHub environment, role and permissions", () => {
  test("deploys and destroys only in the review environment, whose subject only the review-stack role trusts", () => {
    expect(REVIEW.jobs.up.environment).toBe(REVIEW_GITHUB_ENVIRONMENT);
    expect(REVIEW.jobs.destroy.environment).toBe(REVIEW_GITHUB_ENVIRONMENT);
    expect(SWEEPER.jobs.sweep.environment).toBe(REVIEW_GITHUB_ENVIRONMENT);
    // A job in the environment gets repo:OWNER/REPO:environment:review as its OIDC subject.
    expect(reviewRoleContexts(REVIEW_GITHUB_ENVIRONMENT)).toEqual(["environment:review"]);
    for (const document of [REVIEW, SWEEPER]) {
      for (const [id, job] of Object.entries(document.jobs)) {
        if (job.environment !== undefined) {
          expect({ id, environment: job.environment }).toEqual({ id, environment: "review" });
        }
      }
    }
  });

  test("assumes the role the review environment's variable names, never a repository variable", () => {
    for (const job of [REVIEW.jobs.up, REVIEW.jobs.destroy, SWEEPER.jobs.sweep]) {
      const assume = stepNamed(steps(job), "Assume the review-stack role");
      expect(assume.uses).toBe("./.github/actions/assume-aws-role");
      expect(assume.with?.["role-to-assume"]).toBe(
        `\${{ vars.${ENVIRONMENT_VARIABLES.deployRoleArn} }}`,
      );
      expect(assume.with?.["role-duration-seconds"]).toBe("7200");
    }
    const texts = workflowFiles()
      .filter((source) => source.path.includes("/review-stack"))
      .map((source) => source.text);
    for (const text of texts) {
      expect(text).not.toMatch(/vars\.(DEV|STAGING|PRODUCTION)_/);
    }
  });

  test("grants each job only what it uses: the OIDC token to the cloud jobs, comments to the commenting ones", () => {
    const granted = (document: typeof REVIEW) =>
      Object.fromEntries(Object.entries(document.jobs).map(([id, job]) => [id, job.permissions]));
    expect(REVIEW.permissions).toEqual({ contents: "read" });
    expect(SWEEPER.permissions).toEqual({ contents: "read" });
    expect(granted(REVIEW)).toEqual({
      fork: {},
      up: { contents: "read", "id-token": "write" },
      destroy: { contents: "read", "id-token": "write" },
      comment: { contents: "read", "pull-requests": "write" },
    });
    expect(granted(SWEEPER)).toEqual({
      sweep: { contents: "read", "id-token": "write", "pull-requests": "read" },
      report: { contents: "read", "pull-requests": "write" },
    });
  });

  test("checks out without keeping the token, everywhere", () => {
    for (const document of [REVIEW, SWEEPER]) {
      for (const job of Object.values(document.jobs)) {
        for (const step of steps(job).filter((s) => s.uses?.startsWith("actions/checkout@"))) {
          expect(step.with).toEqual({ "persist-credentials": false });
        }
      }
    }
  });
});

describe("concurrency", () => {
  const context = pullRequestContext({ action: "synchronize", labels: [REVIEW_STACK_LABEL] });
  const group = (job: Job) =>
    interpolate(
      typeof job.concurrency === "string" ? job.concurrency : (job.concurrency?.group ?? ""),
      context,
    );

  test("one run per review stack, up and destroy in the same group, never cancelled mid-run", () => {
    expect(group(REVIEW.jobs.up)).toBe("review-stack-dev-pr42");
    expect(group(REVIEW.jobs.destroy)).toBe("review-stack-dev-pr42");
    for (const job of [
      REVIEW.jobs.up,
      REVIEW.jobs.destroy,
      REVIEW.jobs.comment,
      SWEEPER.jobs.sweep,
    ]) {
      expect(typeof job.concurrency === "object" && job.concurrency["cancel-in-progress"]).toBe(
        false,
      );
    }
    expect(group(REVIEW.jobs.comment)).toBe("review-stack-comment-pr42");
    expect(group(SWEEPER.jobs.sweep)).toBe("review-stack-sweeper");
  });

  test("no workflow-level group: an unrelated label event never replaces a pending deploy", () => {
    expect(REVIEW.concurrency).toBeUndefined();
    expect(SWEEPER.concurrency).toBeUndefined();
    // Jobs whose if: is false never enter a group, so only the events that act queue there.
    expect(jobsFor({ action: "labeled", label: "bug", labels: [REVIEW_STACK_LABEL] })).toEqual([]);
  });
});

describe("the up job", () => {
  const up = REVIEW.jobs.up;
  const context = pullRequestContext({ action: "synchronize", labels: [REVIEW_STACK_LABEL] });

  test("sets up dev's project for the review stack, writes its stack file, then assumes the role", () => {
    expect(steps(up).map((step) => step.name)).toEqual([
      "Check out",
      "Set up Pulumi",
      "Write the review stack's stack file",
      "Assume the review-stack role",
      "Pulumi up",
      "Read the stack outputs",
      "Smoke check",
      "Record the smoke check",
    ]);
    const setup = stepNamed(steps(up), "Set up Pulumi");
    expect(setup.uses).toBe("./.github/actions/setup-pulumi");
    expect({
      environment: setup.with?.environment,
      stack: interpolate(String(setup.with?.stack), context),
    }).toEqual({ environment: "dev", stack: "dev-pr42" });
    expect(stepNamed(steps(up), "Write the review stack's stack file").run).toBe(
      'npx tsx scripts/gitops/review-stacks.ts stack-file --stack "$STACK"',
    );
  });

  test("ups the review stack in dev's backend with the policy pack, creating it on the first run", () => {
    const pulumi = stepNamed(steps(up), "Pulumi up");
    expect(pulumi.uses).toBe("pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d");
    expect(pulumi.with).toEqual({
      command: "up",
      "stack-name": "${{ steps.setup.outputs.stack }}",
      "work-dir": "${{ steps.setup.outputs.work-dir }}",
      "cloud-url": `\${{ vars.${ENVIRONMENT_VARIABLES.backendUrl} }}`,
      "secrets-provider": `\${{ vars.${ENVIRONMENT_VARIABLES.secretsProvider} }}`,
      upsert: true,
      "pulumi-version-file": ".pulumi-version",
      policyPacks: "${{ steps.setup.outputs.policy-packs }}",
      diff: true,
      "comment-on-summary": true,
      "always-include-summary": true,
      message:
        "${{ github.workflow }} run ${{ github.run_id }} at ${{ github.event.pull_request.head.sha }}",
    });
  });

  test("reads the API URL from the stack, smoke-checks it and records the result even when it fails", () => {
    const outputs = stepNamed(steps(up), "Read the stack outputs");
    expect(outputs.env?.PULUMI_BACKEND_URL).toBe(
      `\${{ vars.${ENVIRONMENT_VARIABLES.backendUrl} }}`,
    );
    expect(outputs.run).toContain('pulumi stack output --json --stack "$STACK" --cwd "$WORK_DIR"');
    const smoke = stepNamed(steps(up), "Smoke check");
    expect(smoke.shell).toBe("bash");
    expect(smoke.run).toBe(
      'npm run --silent smoke -- --env dev --outputs "$RUNNER_TEMP/stack-outputs.json" --timeout-ms 60000 2>&1 | tee "$RUNNER_TEMP/smoke.log"',
    );
    const record = stepNamed(steps(up), "Record the smoke check");
    expect(record.if).toBe("always() && steps.outputs.outcome == 'success'");
    expect(up.outputs).toEqual({
      "api-url": "${{ steps.outputs.outputs.api-url }}",
      "smoke-result": "${{ steps.smoke-result.outputs.result }}",
      "smoke-message": "${{ steps.smoke-result.outputs.message }}",
    });
  });
});

describe("the Pulumi set-up for a review stack", () => {
  test("resolves dev's project with the review stack, or dev's own stack without one", () => {
    const resolve = stepNamed(action("setup-pulumi").runs.steps, "Resolve the environment");
    expect(action("setup-pulumi").inputs?.stack).toEqual({
      description:
        "A review stack of the environment, dev-pr<N>; empty for the environment's own stack.",
      required: false,
      default: "",
    });
    const directory = mkdtempSync(join(tmpdir(), "setup-pulumi-"));
    const outputs = (stack: string) => {
      const file = join(directory, `output-${stack || "none"}`);
      const result = spawnSync("bash", ["-e", "-c", resolve.run ?? ""], {
        cwd: REPOSITORY_ROOT,
        encoding: "utf8",
        env: { ...process.env, ENVIRONMENT: "dev", STACK: stack, GITHUB_OUTPUT: file },
      });
      expect(result.stderr).toBe("");
      return readFileSync(file, "utf8");
    };
    try {
      expect(outputs("dev-pr42")).toContain("work-dir=environments/dev\nstack=dev-pr42\n");
      expect(outputs("")).toContain("work-dir=environments/dev\nstack=dev\n");
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe("the destroy job", () => {
  const destroy = REVIEW.jobs.destroy;

  test("destroys and removes the stack only when it exists", () => {
    expect(steps(destroy).map((step) => step.name)).toEqual([
      "Check out",
      "Set up Pulumi",
      "Write the review stack's stack file",
      "Assume the review-stack role",
      "Find the review stack",
      "Pulumi destroy",
    ]);
    const pulumi = stepNamed(steps(destroy), "Pulumi destroy");
    expect(pulumi.if).toBe("steps.find.outputs.exists == 'true'");
    expect(pulumi.with).toMatchObject({
      command: "destroy",
      "stack-name": "${{ steps.setup.outputs.stack }}",
      "work-dir": "${{ steps.setup.outputs.work-dir }}",
      remove: true,
      "pulumi-version-file": ".pulumi-version",
    });
    expect(destroy.outputs).toEqual({ existed: "${{ steps.find.outputs.exists }}" });
  });
});

describe("the comment", () => {
  const comment = REVIEW.jobs.comment;
  const step = stepNamed(steps(comment), "Update the review stack's comment");
  const env = (needs: Record<string, Value>) => {
    const context = { ...pullRequestContext({ action: "closed" }), needs };
    // GitHub passes a missing value to the step as an empty string.
    return Object.fromEntries(
      ["EVENT", "RESULT", "API_URL", "SMOKE_RESULT"].map((name) => [
        name,
        interpolate(String(step.env?.[name]), context) ?? "",
      ]),
    );
  };

  test("is one job after up or destroy, whatever became of them", () => {
    expect(needsOf(comment)).toEqual(["up", "destroy"]);
    expect(comment.if).toBe(
      "always() && (needs.up.result != 'skipped' || needs.destroy.result != 'skipped')",
    );
    expect(step.run).toContain('npx tsx scripts/gitops/review-stacks.ts comment --pr "$PR"');
    expect(step.env?.GH_TOKEN).toBe("${{ github.token }}");
    expect(step.env?.MAX_AGE_DAYS).toBe(`\${{ vars.${REVIEW_STACK_MAX_AGE_VARIABLE} }}`);
  });

  test.each<[string, Record<string, Value>, Record<string, string>]>([
    [
      "a deploy",
      {
        up: {
          result: "success",
          outputs: {
            "api-url": "https://u.lambda-url.us-east-1.on.aws/",
            "smoke-result": "passed",
          },
        },
        destroy: { result: "skipped", outputs: {} },
      },
      {
        EVENT: "up",
        RESULT: "success",
        API_URL: "https://u.lambda-url.us-east-1.on.aws/",
        SMOKE_RESULT: "passed",
      },
    ],
    [
      "a failed smoke check",
      {
        up: { result: "failure", outputs: { "smoke-result": "failed" } },
        destroy: { result: "skipped", outputs: {} },
      },
      { EVENT: "up", RESULT: "failure", API_URL: "", SMOKE_RESULT: "failed" },
    ],
    [
      "a destroy",
      {
        up: { result: "skipped", outputs: {} },
        destroy: { result: "success", outputs: { existed: "true" } },
      },
      { EVENT: "destroy", RESULT: "success", API_URL: "", SMOKE_RESULT: "" },
    ],
    [
      "nothing to destroy",
      {
        up: { result: "skipped", outputs: {} },
        destroy: { result: "success", outputs: { existed: "false" } },
      },
      { EVENT: "destroy", RESULT: "skipped", API_URL: "", SMOKE_RESULT: "" },
    ],
    [
      "a failed destroy",
      {
        up: { result: "skipped", outputs: {} },
        destroy: { result: "failure", outputs: { existed: "true" } },
      },
      { EVENT: "destroy", RESULT: "failure", API_URL: "", SMOKE_RESULT: "" },
    ],
  ])("says what %s did", (_case, needs, expected) => {
    expect(env(needs)).toEqual(expected);
  });
});

describe("the sweeper", () => {
  test("lists, decides and removes with the review-stack role, the days from the repository variable", () => {
    const sweep = SWEEPER.jobs.sweep;
    expect(steps(sweep).map((step) => step.name)).toEqual([
      "Check out",
      "Set up Pulumi",
      "Assume the review-stack role",
      "Remove the review stacks nothing needs",
    ]);
    expect(stepNamed(steps(sweep), "Set up Pulumi").with).toEqual({ environment: "dev" });
    const run = stepNamed(steps(sweep), "Remove the review stacks nothing needs");
    expect(run.env).toEqual({
      PULUMI_BACKEND_URL: `\${{ vars.${ENVIRONMENT_VARIABLES.backendUrl} }}`,
      GH_TOKEN: "${{ github.token }}",
      MAX_AGE_DAYS: `\${{ vars.${REVIEW_STACK_MAX_AGE_VARIABLE} }}`,
      DRY_RUN: "${{ inputs.dry-run && 'true' || 'false' }}",
    });
    expect(run.run).toContain('npx tsx scripts/gitops/review-stacks.ts "${args[@]}"');
    // An unset variable reaches the script as "", which means the default of 3 days.
    expect(parseMaxAgeDays("")).toBe(3);
    expect(sweep.outputs).toEqual({ swept: "${{ steps.sweep.outputs.swept }}" });
  });

  test("comments on the swept pull requests only when it removed some, even after a failed removal", () => {
    const report = SWEEPER.jobs.report;
    expect(needsOf(report)).toEqual(["sweep"]);
    const runsWith = (swept: string) =>
      truthy(
        evaluate(report.if ?? "", { needs: { sweep: { result: "failure", outputs: { swept } } } }),
      );
    expect([runsWith(""), runsWith("[]"), runsWith('[{"pr":7,"reason":"merged"}]')]).toEqual([
      false,
      false,
      true,
    ]);
    expect(
      stepNamed(steps(report), "Say on each pull request that its stack was removed").run,
    ).toContain('report-swept --swept "$SWEPT"');
  });
});

describe("actionlint", () => {
  test.each(
    workflowFiles()
      .filter((source) => source.path.includes("/review-stack"))
      .map((source) => [source.path, source.text]),
  )("%s has zero findings", async (path, text) => {
    expect(await runActionlint(text, path)).toEqual([]);
  });
});
