import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { runActionlint } from "./support/github-actionlint";

import {
  ENVIRONMENT_VARIABLES,
  REPOSITORY_VARIABLE_SUFFIXES,
  REVIEW_STACK_MAX_AGE_VARIABLE,
} from "../environments/backends";
import {
  DESTROY_RUN_NAME,
  ENVIRONMENT_WORKFLOWS,
  runEnvironment,
} from "../scripts/gitops/environment-runs";
import { STAGING_DEPLOY } from "../scripts/gitops/verify-release";
import { evaluate, interpolate, truthy, type Value } from "./support/github-expression";
import { pushRuns, type PushFilter } from "./support/github-paths";
import {
  REPOSITORY_ROOT,
  action,
  actionFiles,
  declaredInputs,
  needsOf,
  stepNamed,
  workflow,
  workflowFiles,
  type Job,
  type Step,
} from "./support/workflows";

/**
 * Commits read from each action's own repository (tag -> commit): checkout, setup-node,
 * configure-aws-credentials and pulumi/actions as the team's pin list records them, upload- and
 * download-artifact from their tags v7.0.0 and v8.0.1. A pin at one of these versions must be this
 * commit; Renovate (renovate.json, helpers:pinGitHubActionDigests) moves pins to newer versions,
 * each again a full commit with its version in a comment.
 */
const VERIFIED_PINS: Record<string, Readonly<Record<string, string>>> = {
  "actions/checkout": { "v7.0.1": "3d3c42e5aac5ba805825da76410c181273ba90b1" },
  "actions/setup-node": { "v7.0.0": "820762786026740c76f36085b0efc47a31fe5020" },
  "aws-actions/configure-aws-credentials": {
    "v6.2.3": "e6de054238d6b7531b4efff3b6587d9aade6a06c",
  },
  "pulumi/actions": { "v7.0.0": "8e5e406f4007fca908480587cb9893c07090f58d" },
  "actions/upload-artifact": { "v7.0.0": "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f" },
  "actions/download-artifact": { "v8.0.1": "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c" },
};

/** Inputs each pinned action documents for the pinned version; a typo would be silently ignored. */
const KNOWN_ACTION_INPUTS: Record<string, readonly string[]> = {
  "actions/checkout": ["ref", "fetch-depth", "persist-credentials"],
  "actions/setup-node": ["node-version", "node-version-file", "cache", "cache-dependency-path"],
  "aws-actions/configure-aws-credentials": [
    "role-to-assume",
    "role-session-name",
    "role-duration-seconds",
    "aws-region",
  ],
  "pulumi/actions": [
    "command",
    "stack-name",
    "work-dir",
    "cloud-url",
    "secrets-provider",
    "pulumi-version-file",
    "policyPacks",
    "diff",
    "comment-on-pr",
    "edit-pr-comment",
    "comment-on-summary",
    "always-include-summary",
    "github-token",
    "message",
    "plan",
    "upsert",
    "remove",
  ],
  "actions/upload-artifact": ["name", "path", "if-no-files-found", "retention-days"],
  "actions/download-artifact": ["name", "path"],
};

const ENVIRONMENTS = ["dev", "staging", "production"] as const;

const allWorkflows = workflowFiles();
const allActions = actionFiles();
const allSources = [...allWorkflows, ...allActions];

function jobsOf(file: string): Record<string, Job> {
  return workflow(file).jobs;
}

function allSteps(): { readonly path: string; readonly step: Step }[] {
  const fromWorkflows = allWorkflows.flatMap((source) =>
    Object.values(source.document.jobs).flatMap((job) =>
      (job.steps ?? []).map((step) => ({ path: source.path, step })),
    ),
  );
  const fromActions = allActions.flatMap((source) =>
    source.document.runs.steps.map((step) => ({ path: source.path, step })),
  );
  return [...fromWorkflows, ...fromActions];
}

/** A GitHub context for one event, shaped like the real payload where the workflows read it. */
function context(event: {
  readonly name: string;
  readonly ref?: string;
  readonly baseRef?: string;
  readonly headRepository?: string;
  readonly inputs?: Record<string, Value>;
}): Record<string, Value> {
  const repository = "acme/trading-analytics";
  return {
    github: {
      event_name: event.name,
      ref: event.ref ?? "",
      ref_name: (event.ref ?? "").replace(/^refs\/(heads|tags)\//, ""),
      base_ref: event.baseRef ?? "",
      repository,
      event:
        event.name === "pull_request"
          ? {
              pull_request: {
                number: 7,
                head: { repo: { full_name: event.headRepository ?? repository } },
              },
            }
          : {},
    },
    inputs: event.inputs ?? {},
  };
}

function concurrencyGroup(job: Job): string {
  const concurrency = job.concurrency;
  return typeof concurrency === "string" ? concurrency : (concurrency?.group ?? "");
}

function runs(job: Job, ctx: Record<string, Value>): boolean {
  return job.if === undefined ? true : truthy(evaluate(job.if, ctx));
}

/** Jobs that run for an event, following `needs` (a job whose needs did not run is skipped). */
function jobsThatRun(file: string, ctx: Record<string, Value>): string[] {
  const jobs = jobsOf(file);
  const running = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const [id, job] of Object.entries(jobs)) {
      if (running.has(id)) {
        continue;
      }
      const needs = needsOf(job);
      if (needs.every((need) => running.has(need)) && runs(job, ctx)) {
        running.add(id);
        changed = true;
      }
    }
  }
  return Object.keys(jobs).filter((id) => running.has(id));
}

describe("actionlint", () => {
  /** actionlint 1.7.7 (WebAssembly), which knows the `vars` context: no finding is filtered. */
  async function findings(text: string, path: string) {
    return (await runActionlint(text, path)).map(({ message, line }) => ({ line, message }));
  }

  it.each(allWorkflows.map((source) => [source.path, source.text]))(
    "%s has zero findings",
    async (path, text) => {
      expect(await findings(text, path)).toEqual([]);
    },
  );

  it("catches a planted error, so a clean result means something", async () => {
    const deploy = allWorkflows.find((source) => source.path.endsWith("deploy.yml"));
    const broken = (deploy?.text ?? "").replace(
      "needs: [verify-release, preview-production]",
      "needs: [verify-release, preview-prod]",
    );
    expect(
      (await findings(broken, ".github/workflows/deploy.yml")).map((finding) => finding.message),
    ).toEqual([
      'job "production" needs job "preview-prod" which does not exist in this workflow',
      'property "preview-production" is not defined in object type {verify-release: {outputs: {commit: string; tag: string}; result: string}}',
      'property "preview-production" is not defined in object type {verify-release: {outputs: {commit: string; tag: string}; result: string}}',
    ]);
  });

  it("knows the vars context, and finds a misspelt action input", async () => {
    const probe = [
      "on: push",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      '      - run: echo "$X"',
      "        env:",
      "          X: ${{ vars.X }}",
      // actionlint knows the inputs of popular actions by tag, not by commit.
      "      - uses: actions/checkout@v4",
      "        with:",
      "          fetch-dept: 0",
      "",
    ].join("\n");
    expect((await findings(probe, "probe.yml")).map((finding) => finding.line)).toEqual([11]);
  });
});

describe("action pins", () => {
  const usesLines = allSources.flatMap((source) =>
    source.text
      .split("\n")
      .map((line, index) => ({ path: source.path, line: index + 1, text: line }))
      .filter((entry) => /^\s*(-\s+)?uses:/.test(entry.text)),
  );

  it("finds the uses: lines it checks", () => {
    expect(usesLines.length).toBe(41);
  });

  it.each(usesLines.map((entry) => [`${entry.path}:${entry.line}`, entry.text]))(
    "%s is local or pinned to a full commit with its version, the verified commit where known",
    (_, text) => {
      const local =
        /^\s*(-\s+)?uses: \.\/\.github\/(workflows\/[a-z-]+\.yml|actions\/[a-z-]+)$/.exec(text);
      if (local !== null) {
        return;
      }
      const pinned = /^\s*(-\s+)?uses: ([a-z-]+\/[a-z-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(
        text,
      );
      expect(pinned).not.toBeNull();
      const [, , repository, sha, version] = pinned as RegExpExecArray;
      expect(Object.keys(VERIFIED_PINS)).toContain(repository);
      const verified = VERIFIED_PINS[repository][version];
      if (verified !== undefined) {
        expect({ repository, version, sha }).toEqual({ repository, version, sha: verified });
      }
    },
  );

  it("pins each action to one commit everywhere", () => {
    const pins = new Map<string, Set<string>>();
    for (const entry of usesLines) {
      const match = /uses: ([a-z-]+\/[a-z-]+)@(\S+ # \S+)$/.exec(entry.text);
      if (match !== null) {
        pins.set(match[1], new Set([...(pins.get(match[1]) ?? []), match[2]]));
      }
    }
    expect(
      [...pins.entries()].filter(([, versions]) => versions.size > 1).map(([name]) => name),
    ).toEqual([]);
    expect([...pins.keys()].sort()).toEqual(Object.keys(VERIFIED_PINS).sort());
  });

  it("passes only inputs the pinned actions document", () => {
    for (const { path, step } of allSteps()) {
      if (step.uses === undefined || step.uses.startsWith("./")) {
        continue;
      }
      const repository = step.uses.split("@")[0];
      const unknown = Object.keys(step.with ?? {}).filter(
        (input) => !KNOWN_ACTION_INPUTS[repository].includes(input),
      );
      expect({ path, step: step.name, unknown }).toEqual({ path, step: step.name, unknown: [] });
    }
  });

  it("pins the Pulumi CLI in .pulumi-version, to the SDK's version, and every Pulumi step reads it", () => {
    const version = readFileSync(join(REPOSITORY_ROOT, ".pulumi-version"), "utf8");
    const sdk = (
      JSON.parse(
        readFileSync(join(REPOSITORY_ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8"),
      ) as { version: string }
    ).version;
    expect(version).toBe(`${sdk}\n`);
    const pulumiSteps = allSteps().filter(({ step }) => step.uses?.startsWith("pulumi/actions@"));
    expect(pulumiSteps.map(({ path, step }) => `${path}: ${step.name}`)).toEqual([
      ".github/workflows/pulumi-deploy.yml: Pulumi up",
      ".github/workflows/pulumi-deploy.yml: Pulumi destroy",
      ".github/workflows/pulumi-preview.yml: Pulumi preview",
      ".github/workflows/review-stack.yml: Pulumi up",
      ".github/workflows/review-stack.yml: Pulumi destroy",
      ".github/actions/setup-pulumi/action.yml: Install the Pulumi CLI",
    ]);
    for (const { step } of pulumiSteps) {
      expect(step.with?.["pulumi-version-file"]).toBe(".pulumi-version");
      expect(step.with).not.toHaveProperty("pulumi-version");
    }
  });
});

describe("triggers and the branch -> environment mapping", () => {
  it("runs CI on every pull request and every branch push", () => {
    expect(workflow("ci.yml").on).toEqual({ pull_request: null, push: { branches: ["**"] } });
  });

  it("previews pull requests into main and staging only, never with pull_request_target", () => {
    expect(workflow("preview.yml").on).toEqual({
      pull_request: { branches: ["main", "staging"] },
    });
    for (const source of allWorkflows) {
      expect(source.text).not.toContain("pull_request_target");
    }
  });

  it.each([
    ["main", "dev"],
    ["staging", "staging"],
  ])("previews a pull request into %s against %s", (baseRef, environment) => {
    const ctx = context({ name: "pull_request", baseRef });
    const preview = jobsOf("preview.yml").preview;
    expect(preview.uses).toBe("./.github/workflows/pulumi-preview.yml");
    expect(evaluate(String(preview.with?.environment), ctx)).toBe(environment);
    expect(jobsThatRun("preview.yml", ctx)).toEqual(["preview"]);
  });

  it("deploys on pushes to main and staging, release tags, and a dispatch with a tag", () => {
    const on = workflow("deploy.yml").on as { push: PushFilter; workflow_dispatch: unknown };
    expect(Object.keys(on)).toEqual(["push", "workflow_dispatch"]);
    expect(on.push.branches).toEqual(["main", "staging"]);
    expect(on.push.tags).toEqual(["v[0-9]+.[0-9]+.[0-9]+"]);
    expect(on.workflow_dispatch).toEqual({
      inputs: {
        tag: {
          description: "Release tag to deploy to production again (rollback), e.g. v1.4.2",
          type: "string",
          required: true,
        },
      },
    });
  });

  it.each([
    [{ name: "push", ref: "refs/heads/main" }, ["dev"]],
    [{ name: "push", ref: "refs/heads/staging" }, ["staging"]],
    [
      { name: "push", ref: "refs/tags/v1.4.2" },
      ["verify-release", "preview-production", "production"],
    ],
    [
      { name: "workflow_dispatch", ref: "refs/heads/main", inputs: { tag: "v1.4.1" } },
      ["verify-release", "preview-production", "production"],
    ],
  ])("deploy.yml on %j runs %j", (event, expected) => {
    expect(jobsThatRun("deploy.yml", context(event))).toEqual(expected);
  });

  describe("only changes to what deploys start an up", () => {
    const push = (workflow("deploy.yml").on as { push: PushFilter }).push;
    const deploys = (ref: string, changed: string[]) => pushRuns(push, ref, changed);

    it.each([
      ["environments/dev/index.ts"],
      ["environments/production/Pulumi.production.yaml"],
      ["environments/backends.ts"],
      ["modules/storage/archive-bucket.ts"],
      ["modules/compute/iam.ts"],
      ["functions/market-processor/handler.ts"],
      ["functions/domain/bar.ts"],
      ["policy/rules/iam.ts"],
      ["policy/PulumiPolicy.yaml"],
      ["policy/package.json"],
      ["package.json"],
      ["package-lock.json"],
      [".nvmrc"],
      [".pulumi-version"],
      ["tsconfig.json"],
      ["scripts/build/build-functions.ts"],
      [".github/workflows/deploy.yml"],
      [".github/workflows/pulumi-deploy.yml"],
      [".github/actions/setup-pulumi/action.yml"],
      [".github/actions/assume-aws-role/action.yml"],
    ])("%s deploys", (path) => {
      expect(deploys("refs/heads/main", [path])).toBe(true);
      expect(deploys("refs/heads/staging", [path])).toBe(true);
    });

    it.each([
      ["README.md"],
      ["policy/README.md"],
      ["bootstrap/permissions/README.md"],
      ["functions/domain/bar.test.ts"],
      ["functions/handlers.test.ts"],
      ["tests/support/functions/market.ts"],
      ["modules/compute/market-functions.test.ts"],
      ["tests/support/compute/expected-compute.ts"],
      ["policy/rules/s3.test.ts"],
      ["tests/support/policy/compliant-stack.ts"],
      ["tests/workflows.test.ts"],
      ["tests/support/github-paths.ts"],
      ["scripts/gitops/drift.ts"],
      ["scripts/smoke/smoke.ts"],
      ["scripts/local-aws/local-aws.ts"],
      ["bootstrap/program.ts"],
      ["jest.config.js"],
      ["eslint.config.mjs"],
      [".prettierrc.json"],
      [".github/workflows/ci.yml"],
      [".github/workflows/drift.yml"],
      ["renovate.json"],
    ])("%s alone does not deploy", (path) => {
      expect(deploys("refs/heads/main", [path])).toBe(false);
      expect(deploys("refs/heads/staging", [path])).toBe(false);
    });

    it("deploys a change that mixes documentation, tests and code", () => {
      expect(deploys("refs/heads/main", ["README.md", "functions/domain/bar.test.ts"])).toBe(false);
      expect(
        deploys("refs/heads/main", [
          "README.md",
          "functions/domain/bar.test.ts",
          "functions/domain/bar.ts",
        ]),
      ).toBe(true);
    });

    it("deploys every release tag, whatever it changes, and no other branch", () => {
      expect(deploys("refs/tags/v1.4.2", ["README.md"])).toBe(true);
      expect(deploys("refs/tags/v1.4.2-rc1", ["functions/domain/bar.ts"])).toBe(false);
      expect(deploys("refs/heads/feature/x", ["functions/domain/bar.ts"])).toBe(false);
    });

    it("leaves CI unfiltered: every change is checked", () => {
      expect(
        pushRuns(workflow("ci.yml").on.push as PushFilter, "refs/heads/x", ["README.md"]),
      ).toBe(true);
    });
  });

  it("maps each deploy job to its environment and command", () => {
    const jobs = jobsOf("deploy.yml");
    const targets = Object.fromEntries(
      Object.entries(jobs)
        .filter(([, job]) => job.uses !== undefined)
        .map(([id, job]) => [id, { uses: job.uses, ...job.with }]),
    );
    expect(targets).toEqual({
      dev: { uses: "./.github/workflows/pulumi-deploy.yml", environment: "dev", command: "up" },
      staging: {
        uses: "./.github/workflows/pulumi-deploy.yml",
        environment: "staging",
        command: "up",
      },
      "preview-production": {
        uses: "./.github/workflows/pulumi-preview.yml",
        environment: "production",
        ref: "${{ needs.verify-release.outputs.commit }}",
        "offline-plan": true,
        "save-plan": true,
      },
      production: {
        uses: "./.github/workflows/pulumi-deploy.yml",
        environment: "production",
        command: "up",
        ref: "${{ needs.verify-release.outputs.commit }}",
        "plan-artifact": "${{ needs.preview-production.outputs.plan-artifact }}",
        "plan-sha256": "${{ needs.preview-production.outputs.plan-sha256 }}",
      },
    });
  });

  it("checks the pushed tag, or the dispatched tag for a rollback", () => {
    const tagExpression = String(
      stepNamed(
        jobsOf("deploy.yml")["verify-release"].steps ?? [],
        "Check the tag is a release that staging deployed successfully",
      ).env?.TAG,
    );
    expect(evaluate(tagExpression, context({ name: "push", ref: "refs/tags/v2.0.0" }))).toBe(
      "v2.0.0",
    );
    expect(
      evaluate(
        tagExpression,
        context({ name: "workflow_dispatch", ref: "refs/heads/main", inputs: { tag: "v1.9.3" } }),
      ),
    ).toBe("v1.9.3");
  });

  it("destroys only on a dispatch naming the environment and its confirmation", () => {
    expect(workflow("destroy.yml").on).toEqual({
      workflow_dispatch: {
        inputs: {
          environment: {
            description: "Environment to destroy",
            type: "choice",
            required: true,
            options: ["dev", "staging", "production"],
          },
          confirm: {
            description: "Type the environment name again to confirm",
            type: "string",
            required: true,
          },
        },
      },
    });
  });

  it("checks drift daily and on demand, for every environment", () => {
    expect(workflow("drift.yml").on).toEqual({
      schedule: [{ cron: "17 5 * * *" }],
      workflow_dispatch: null,
    });
    const drift = jobsOf("drift.yml").drift;
    expect(drift.strategy).toEqual({
      "fail-fast": false,
      matrix: { environment: ["dev", "staging", "production"] },
    });
    expect(drift.uses).toBe("./.github/workflows/pulumi-preview.yml");
    expect(drift.with).toEqual({ environment: "${{ matrix.environment }}", drift: true });
  });

  it("keeps the shared Pulumi steps in reusable workflows that only workflow_call triggers", () => {
    for (const file of ["pulumi-preview.yml", "pulumi-deploy.yml"]) {
      expect(Object.keys(workflow(file).on)).toEqual(["workflow_call"]);
    }
    const callers = allWorkflows.flatMap((source) =>
      Object.entries(source.document.jobs)
        .filter(([, job]) => job.uses !== undefined)
        .map(([id, job]) => `${source.path}#${id} -> ${job.uses}`),
    );
    expect(callers).toEqual([
      ".github/workflows/deploy.yml#dev -> ./.github/workflows/pulumi-deploy.yml",
      ".github/workflows/deploy.yml#staging -> ./.github/workflows/pulumi-deploy.yml",
      ".github/workflows/deploy.yml#preview-production -> ./.github/workflows/pulumi-preview.yml",
      ".github/workflows/deploy.yml#production -> ./.github/workflows/pulumi-deploy.yml",
      ".github/workflows/destroy.yml#destroy -> ./.github/workflows/pulumi-deploy.yml",
      ".github/workflows/drift.yml#drift -> ./.github/workflows/pulumi-preview.yml",
      ".github/workflows/preview.yml#preview -> ./.github/workflows/pulumi-preview.yml",
    ]);
  });
});

describe("permissions", () => {
  it("defaults every triggered workflow to contents: read, and leaves reusable ones to their caller", () => {
    const defaults = Object.fromEntries(
      allWorkflows.map((source) => [source.path, source.document.permissions ?? "inherited"]),
    );
    expect(defaults).toEqual({
      ".github/workflows/ci.yml": { contents: "read" },
      ".github/workflows/deploy.yml": { contents: "read" },
      ".github/workflows/destroy.yml": { contents: "read" },
      ".github/workflows/drift.yml": { contents: "read" },
      ".github/workflows/preview.yml": { contents: "read" },
      ".github/workflows/pulumi-deploy.yml": "inherited",
      ".github/workflows/pulumi-preview.yml": "inherited",
      ".github/workflows/review-stack-sweeper.yml": { contents: "read" },
      ".github/workflows/review-stack.yml": { contents: "read" },
    });
    for (const file of ["pulumi-preview.yml", "pulumi-deploy.yml"]) {
      for (const job of Object.values(jobsOf(file))) {
        expect(job.permissions).toBeUndefined();
      }
    }
  });

  it("grants each job exactly what it uses", () => {
    const granted = Object.fromEntries(
      allWorkflows
        .filter((source) => !source.path.includes("/pulumi-"))
        .flatMap((source) =>
          Object.entries(source.document.jobs).map(([id, job]) => [
            `${source.path.replace(".github/workflows/", "")}#${id}`,
            job.permissions,
          ]),
        ),
    );
    const assumesRole = { contents: "read", "id-token": "write" };
    expect(granted).toEqual({
      "ci.yml#check": { contents: "read" },
      "deploy.yml#dev": assumesRole,
      "deploy.yml#staging": assumesRole,
      "deploy.yml#verify-release": { contents: "read", actions: "read" },
      "deploy.yml#preview-production": assumesRole,
      "deploy.yml#production": assumesRole,
      "destroy.yml#confirm": {},
      "destroy.yml#destroy": { ...assumesRole, actions: "read" },
      "drift.yml#drift": { ...assumesRole, issues: "write" },
      "preview.yml#fork": {},
      "preview.yml#preview": { ...assumesRole, "pull-requests": "write" },
      "review-stack.yml#fork": {},
      "review-stack.yml#up": assumesRole,
      "review-stack.yml#destroy": assumesRole,
      "review-stack.yml#comment": { contents: "read", "pull-requests": "write" },
      "review-stack-sweeper.yml#sweep": { ...assumesRole, "pull-requests": "read" },
      "review-stack-sweeper.yml#report": { contents: "read", "pull-requests": "write" },
    });
  });

  it("grants id-token: write exactly to the jobs that assume an AWS role", () => {
    const assumesItself = (job: Job) =>
      (job.steps ?? []).some((step) => step.uses === "./.github/actions/assume-aws-role");
    const assuming = new Set(
      allWorkflows
        .filter((source) =>
          Object.values(source.document.jobs).some((job) =>
            (job.steps ?? []).some((step) => step.uses === "./.github/actions/assume-aws-role"),
          ),
        )
        .map((source) => `./${source.path}`),
    );
    expect([...assuming].sort()).toEqual([
      "./.github/workflows/pulumi-deploy.yml",
      "./.github/workflows/pulumi-preview.yml",
      "./.github/workflows/review-stack-sweeper.yml",
      "./.github/workflows/review-stack.yml",
    ]);
    for (const source of allWorkflows) {
      for (const [id, job] of Object.entries(source.document.jobs)) {
        const permissions = job.permissions as Record<string, string> | undefined;
        const callsAssumingWorkflow = job.uses !== undefined && assuming.has(job.uses);
        const assumes =
          callsAssumingWorkflow || (!source.path.includes("/pulumi-") && assumesItself(job));
        expect({ job: `${source.path}#${id}`, idToken: permissions?.["id-token"] }).toEqual({
          job: `${source.path}#${id}`,
          idToken: assumes ? "write" : undefined,
        });
      }
    }
  });

  it("never passes secrets on, and never interpolates an expression into a shell script", () => {
    for (const source of allWorkflows) {
      expect(source.text).not.toContain("secrets: inherit");
      expect(source.text).not.toContain("secrets.");
    }
    for (const { path, step } of allSteps()) {
      if (step.run !== undefined) {
        expect({ path, step: step.name, run: step.run.includes("${{") }).toEqual({
          path,
          step: step.name,
          run: false,
        });
      }
    }
  });
});

describe("concurrency", () => {
  it("runs one up per environment stack, and never cancels an up or destroy in progress", () => {
    const deploy = jobsOf("pulumi-deploy.yml").deploy;
    expect(deploy.environment).toBe("${{ inputs.environment }}");
    expect(deploy.concurrency).toEqual({
      group:
        "pulumi-${{ inputs.command == 'destroy' && 'destroy-' || '' }}${{ inputs.environment }}",
      "cancel-in-progress": false,
    });
    for (const environment of ENVIRONMENTS) {
      expect(
        interpolate(concurrencyGroup(deploy), { inputs: { environment, command: "up" } }),
      ).toBe(`pulumi-${environment}`);
    }
  });

  it("gives destroy a group of its own, so GitHub never drops a pending up or destroy for the other", () => {
    const deploy = jobsOf("pulumi-deploy.yml").deploy;
    const groups = ENVIRONMENTS.flatMap((environment) =>
      ["up", "destroy"].map((command) =>
        interpolate(concurrencyGroup(deploy), { inputs: { environment, command } }),
      ),
    );
    expect(groups).toEqual([
      "pulumi-dev",
      "pulumi-destroy-dev",
      "pulumi-staging",
      "pulumi-destroy-staging",
      "pulumi-production",
      "pulumi-destroy-production",
    ]);
    const steps = deploy.steps ?? [];
    const names = steps.map((step) => step.name);
    const guard = stepNamed(steps, "Check that no other run works on the environment");
    expect(names.indexOf(guard.name)).toBe(names.indexOf("Pulumi destroy") - 1);
    expect(guard.if).toBe("inputs.command == 'destroy'");
    expect(guard.run).toBe(
      'npx tsx scripts/gitops/environment-runs.ts --env "$ENVIRONMENT" --current-run "$GITHUB_RUN_ID"',
    );
    expect(guard.env).toEqual({
      ENVIRONMENT: "${{ inputs.environment }}",
      GH_TOKEN: "${{ github.token }}",
    });
  });

  it("finds each deploy run's environment the way the deploy jobs are chosen", () => {
    expect(ENVIRONMENT_WORKFLOWS).toEqual(["deploy.yml", "destroy.yml"]);
    const targetOf = (jobs: string[]) => {
      const environments = jobs
        .map((id) => jobsOf("deploy.yml")[id].with?.environment)
        .filter((environment) => environment !== undefined);
      return environments.length === 0 ? undefined : [...new Set(environments)].join();
    };
    const events = [
      { name: "push", ref: "refs/heads/main", branch: "main" },
      { name: "push", ref: "refs/heads/staging", branch: "staging" },
      { name: "push", ref: "refs/tags/v1.4.2", branch: "v1.4.2" },
      { name: "workflow_dispatch", ref: "refs/heads/main", branch: "main", inputs: { tag: "v1" } },
    ];
    for (const event of events) {
      const running = jobsThatRun("deploy.yml", context(event));
      expect({ event: event.ref, environment: targetOf(running) }).toEqual({
        event: event.ref,
        environment: runEnvironment("deploy.yml", {
          event: event.name,
          head_branch: event.branch,
          display_title: "x",
        }),
      });
    }
  });

  it("names each destroy run after its environment, as the destroy check reads it", () => {
    const runName = (workflow("destroy.yml") as unknown as { "run-name": string })["run-name"];
    for (const environment of ENVIRONMENTS) {
      const title = interpolate(runName, { inputs: { environment } }) as string;
      expect(DESTROY_RUN_NAME.test(title)).toBe(true);
      expect(
        runEnvironment("destroy.yml", {
          event: "workflow_dispatch",
          head_branch: "main",
          display_title: title,
        }),
      ).toBe(environment);
    }
  });

  it("lets a newer push supersede a preview, in groups apart from up and destroy", () => {
    const preview = jobsOf("pulumi-preview.yml").preview;
    expect(preview.concurrency).toEqual({
      group:
        "${{ inputs.drift && 'drift' || 'preview' }}-${{ inputs.environment }}-${{ github.event.pull_request.number || github.ref }}",
      "cancel-in-progress": true,
    });
    const group = (drift: boolean, event: Record<string, Value>) =>
      interpolate(concurrencyGroup(preview), {
        ...event,
        inputs: { drift, environment: "dev" },
      });
    expect(group(false, context({ name: "pull_request", baseRef: "main" }))).toBe("preview-dev-7");
    expect(group(true, context({ name: "schedule", ref: "refs/heads/main" }))).toBe(
      "drift-dev-refs/heads/main",
    );
  });

  it("has no workflow-level concurrency that could cancel a deploy, destroy or drift run", () => {
    for (const file of ["deploy.yml", "destroy.yml", "drift.yml", "preview.yml"]) {
      expect(workflow(file).concurrency).toBeUndefined();
    }
    expect(workflow("ci.yml").concurrency).toEqual({
      group: "ci-${{ github.event_name }}-${{ github.ref }}",
      "cancel-in-progress": true,
    });
  });
});

describe("destroy confirmation", () => {
  const jobs = jobsOf("destroy.yml");
  const check = stepNamed(jobs.confirm.steps ?? [], "Check the confirmation");

  function runCheck(environment: string, confirm: string) {
    return spawnSync("bash", ["-e", "-c", check.run ?? ""], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, ENVIRONMENT: environment, CONFIRM: confirm },
    });
  }

  it("passes the inputs through the environment, not into the script", () => {
    expect(check.env).toEqual({
      ENVIRONMENT: "${{ inputs.environment }}",
      CONFIRM: "${{ inputs.confirm }}",
    });
  });

  it.each(ENVIRONMENTS)("lets %s through when confirm repeats its name", (environment) => {
    const result = runCheck(environment, environment);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`Confirmed: destroying ${environment}.\n`);
  });

  it.each([
    ["production", "prod"],
    ["production", "Production"],
    ["staging", "production"],
    ["dev", ""],
    ["dev", "dev "],
  ])("stops %s when confirm is %j", (environment, confirm) => {
    const result = runCheck(environment, confirm);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(
      `::error title=Destroy not confirmed::confirm is "${confirm}" but must be "${environment}" to destroy ${environment}. Nothing was destroyed; run the workflow again and type the environment name.\n`,
    );
  });

  it("destroys only after the confirmation, in the chosen environment's GitHub environment", () => {
    expect(needsOf(jobs.destroy)).toEqual(["confirm"]);
    expect(jobs.destroy.with).toEqual({
      environment: "${{ inputs.environment }}",
      command: "destroy",
    });
    const destroy = stepNamed(jobsOf("pulumi-deploy.yml").deploy.steps ?? [], "Pulumi destroy");
    expect(destroy.if).toBe("inputs.command == 'destroy'");
    expect(destroy.with?.command).toBe("destroy");
  });
});

describe("production promotion", () => {
  const jobs = jobsOf("deploy.yml");
  const previewSteps = jobsOf("pulumi-preview.yml").preview.steps ?? [];
  const deploySteps = jobsOf("pulumi-deploy.yml").deploy.steps ?? [];

  it("verifies the tag and staging's successful deploy of its commit before previewing production", () => {
    const verify = jobs["verify-release"];
    const checkout = stepNamed(verify.steps ?? [], "Check out with all branches and tags");
    expect(checkout.with).toEqual({ "fetch-depth": 0, "persist-credentials": false });
    const check = stepNamed(
      verify.steps ?? [],
      "Check the tag is a release that staging deployed successfully",
    );
    expect(check.id).toBe("verify");
    expect(check.run).toBe(
      'npx tsx scripts/gitops/verify-release.ts --tag "$TAG" --branch staging --remote origin',
    );
    expect(check.env?.GH_TOKEN).toBe("${{ github.token }}");
    expect(verify.outputs).toEqual({
      tag: "${{ steps.verify.outputs.tag }}",
      commit: "${{ steps.verify.outputs.commit }}",
    });
    expect(needsOf(jobs["preview-production"])).toEqual(["verify-release"]);
    expect(needsOf(jobs.production)).toEqual(["verify-release", "preview-production"]);
  });

  it("reads staging's deploy under the names the workflows give it", () => {
    expect(workflow(STAGING_DEPLOY.workflow).name).toBe(STAGING_DEPLOY.workflowName);
    const caller = jobsOf(STAGING_DEPLOY.workflow).staging;
    const reusable = jobsOf("pulumi-deploy.yml").deploy;
    const jobName = `${caller.name} / ${interpolate(reusable.name ?? "", { inputs: { ...caller.with } }) as string}`;
    expect(jobName).toBe(STAGING_DEPLOY.job);
    for (const name of STAGING_DEPLOY.steps) {
      const step = stepNamed(deploySteps, name);
      expect(evaluate(step.if ?? "true", { inputs: { ...caller.with, "plan-artifact": "" } })).toBe(
        true,
      );
    }
    const on = workflow(STAGING_DEPLOY.workflow).on as { push: PushFilter };
    expect(on.push.branches).toContain("staging");
  });

  it("deploys production only in the production GitHub environment, after its preview", () => {
    const deploy = jobsOf("pulumi-deploy.yml").deploy;
    const ctx = { inputs: { environment: "production" } };
    expect(evaluate(deploy.environment as string, ctx)).toBe("production");
    const preview = jobsOf("pulumi-preview.yml").preview;
    expect(preview.environment).toBeUndefined();
  });

  it("saves the production preview as an update plan and hands it to the production job", () => {
    const previewStep = stepNamed(previewSteps, "Pulumi preview");
    const planPath = String(previewStep.with?.plan);
    const runner = { temp: "/home/runner/work/_temp" };
    expect(evaluate(planPath, { inputs: { "save-plan": true }, runner })).toBe(
      "/home/runner/work/_temp/pulumi-plan.json",
    );
    expect(evaluate(planPath, { inputs: { "save-plan": false }, runner })).toBe("");

    const record = stepNamed(previewSteps, "Record the reviewed plan");
    expect(record.id).toBe("plan");
    expect(record.if).toBe("inputs.save-plan");
    expect(record.run).toBe(
      'npx tsx scripts/gitops/reviewed-plan.ts record --env "$ENVIRONMENT" --plan "$RUNNER_TEMP/pulumi-plan.json" --commit "$COMMIT" --run-id "$GITHUB_RUN_ID" --run-attempt "$GITHUB_RUN_ATTEMPT"',
    );
    expect(record.env).toEqual({
      ENVIRONMENT: "${{ inputs.environment }}",
      COMMIT: "${{ inputs.ref || github.sha }}",
    });
    const upload = stepNamed(previewSteps, "Upload the reviewed plan");
    expect(upload.if).toBe("inputs.save-plan");
    expect(upload.uses?.startsWith("actions/upload-artifact@")).toBe(true);
    expect(upload.with).toEqual({
      name: "${{ steps.plan.outputs.artifact }}",
      path: "${{ runner.temp }}/pulumi-plan.json",
      "if-no-files-found": "error",
      "retention-days": 30,
    });

    const preview = jobsOf("pulumi-preview.yml").preview;
    expect(preview.outputs).toEqual({
      "plan-artifact": "${{ steps.plan.outputs.artifact }}",
      "plan-sha256": "${{ steps.plan.outputs.sha256 }}",
    });
    const outputs = (
      workflow("pulumi-preview.yml").on.workflow_call as {
        outputs: Record<string, { value: string }>;
      }
    ).outputs;
    expect(outputs["plan-artifact"].value).toBe("${{ jobs.preview.outputs.plan-artifact }}");
    expect(outputs["plan-sha256"].value).toBe("${{ jobs.preview.outputs.plan-sha256 }}");
  });

  it("applies exactly the downloaded plan after the reviewer's approval, and smoke-checks", () => {
    const names = deploySteps.map((step) => step.name);
    expect(names.indexOf("Download the reviewed plan")).toBeLessThan(
      names.indexOf("Pulumi up with the reviewed plan"),
    );
    const download = stepNamed(deploySteps, "Download the reviewed plan");
    expect(download.if).toBe("inputs.plan-artifact != ''");
    expect(download.uses?.startsWith("actions/download-artifact@")).toBe(true);
    expect(download.with).toEqual({
      name: "${{ inputs.plan-artifact }}",
      path: "${{ runner.temp }}/reviewed-plan",
    });
    const apply = stepNamed(deploySteps, "Pulumi up with the reviewed plan");
    expect(apply.if).toBe("inputs.command == 'up' && inputs.plan-artifact != ''");
    expect(apply.run).toBe(
      'npx tsx scripts/gitops/reviewed-plan.ts apply --env "$ENVIRONMENT" --plan "$RUNNER_TEMP/reviewed-plan/pulumi-plan.json" --sha256 "$PLAN_SHA256" --message "$MESSAGE" --policy-pack "$POLICY_PACK"',
    );
    expect(apply.env).toEqual({
      ENVIRONMENT: "${{ inputs.environment }}",
      PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
      PLAN_SHA256: "${{ inputs.plan-sha256 }}",
      POLICY_PACK: "${{ steps.setup.outputs.policy-packs }}",
      MESSAGE: "${{ github.workflow }} run ${{ github.run_id }} at ${{ inputs.ref || github.sha }}",
    });
    const up = stepNamed(deploySteps, "Pulumi up");
    const production = { command: "up", environment: "production", "plan-artifact": "p" };
    const staging = { command: "up", environment: "staging", "plan-artifact": "" };
    expect(truthy(evaluate(up.if ?? "", { inputs: production }))).toBe(false);
    expect(truthy(evaluate(apply.if ?? "", { inputs: production }))).toBe(true);
    expect(truthy(evaluate(up.if ?? "", { inputs: staging }))).toBe(true);
    expect(truthy(evaluate(apply.if ?? "", { inputs: staging }))).toBe(false);
    const smoke = stepNamed(deploySteps, "Smoke check");
    expect(truthy(evaluate(smoke.if ?? "", { inputs: production }))).toBe(true);
  });

  it("writes the preview, then the plan the reviewer approves, then the offline plan into the summary", () => {
    const step = stepNamed(previewSteps, "Pulumi preview");
    expect(step.with?.["comment-on-summary"]).toBe(true);
    expect(jobs["preview-production"].with?.["comment-on-pr"]).toBeUndefined();
    const names = previewSteps.map((candidate) => candidate.name);
    expect(names.indexOf("Pulumi preview")).toBeLessThan(names.indexOf("Record the reviewed plan"));
    expect(names.indexOf("Record the reviewed plan")).toBeLessThan(names.indexOf("Offline plan"));
  });
});

describe("fork pull requests", () => {
  const jobs = jobsOf("preview.yml");

  it("skips the preview of a fork with a notice, and previews same-repository branches", () => {
    const fork = context({
      name: "pull_request",
      baseRef: "main",
      headRepository: "someone/trading-analytics",
    });
    const own = context({ name: "pull_request", baseRef: "main" });
    expect(jobsThatRun("preview.yml", fork)).toEqual(["fork"]);
    expect(jobsThatRun("preview.yml", own)).toEqual(["preview"]);
    const explain = stepNamed(jobs.fork.steps ?? [], "Explain the skipped preview");
    const result = spawnSync("bash", ["-e", "-c", explain.run ?? ""], {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        HEAD_REPOSITORY: "someone/trading-analytics",
        GITHUB_STEP_SUMMARY: "/dev/null",
      },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      "::notice title=Preview skipped::This pull request comes from the fork someone/trading-analytics, which gets no cloud credentials, so there is no Pulumi preview. CI still runs. A maintainer can push the branch to this repository to get a preview.\n",
    );
  });

  it("runs CI for forks too: no job of ci.yml looks at where the pull request comes from", () => {
    for (const job of Object.values(jobsOf("ci.yml"))) {
      expect(job.if).toBeUndefined();
    }
  });
});

describe("the Pulumi steps", () => {
  const previewSteps = jobsOf("pulumi-preview.yml").preview.steps ?? [];
  const deploySteps = jobsOf("pulumi-deploy.yml").deploy.steps ?? [];

  it("previews with the diff, one edited PR comment, the summary, the policy pack and the environment's backend", () => {
    expect(stepNamed(previewSteps, "Pulumi preview")).toEqual({
      name: "Pulumi preview",
      id: "preview",
      if: "${{ !inputs.drift }}",
      uses: "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d",
      with: {
        command: "preview",
        "stack-name": "${{ steps.setup.outputs.stack }}",
        "work-dir": "${{ steps.setup.outputs.work-dir }}",
        "cloud-url":
          "${{ vars[format('{0}_PULUMI_BACKEND_URL', steps.setup.outputs.variable-prefix)] }}",
        "secrets-provider":
          "${{ vars[format('{0}_PULUMI_SECRETS_PROVIDER', steps.setup.outputs.variable-prefix)] }}",
        "pulumi-version-file": ".pulumi-version",
        policyPacks: "${{ steps.setup.outputs.policy-packs }}",
        diff: true,
        "comment-on-pr": "${{ inputs.comment-on-pr }}",
        "edit-pr-comment": true,
        "comment-on-summary": true,
        "always-include-summary": true,
        "github-token": "${{ github.token }}",
        plan: "${{ inputs.save-plan && format('{0}/pulumi-plan.json', runner.temp) || '' }}",
      },
    });
  });

  it("adds the offline plan to the summary and, on a pull request, to one edited comment", () => {
    const names = previewSteps.map((step) => step.name);
    expect(names).toEqual([
      "Check out",
      "Set up Pulumi",
      "Assume the read-only role",
      "Pulumi preview",
      "Record the reviewed plan",
      "Upload the reviewed plan",
      "Offline plan",
      "Drift check",
    ]);
    const plan = stepNamed(previewSteps, "Offline plan");
    expect(plan.if).toBe(
      "inputs.offline-plan && (success() || steps.preview.outcome == 'failure')",
    );
    expect(plan.run).toBe(
      [
        'npm run plan -- --env "$ENVIRONMENT" --format markdown --out "$RUNNER_TEMP/plan.md"',
        'cat "$RUNNER_TEMP/plan.md" >> "$GITHUB_STEP_SUMMARY"',
        'if [ -n "$PR_NUMBER" ]; then',
        '  npx tsx scripts/plan/pr-comment.ts --pr "$PR_NUMBER" --key "offline-plan-$ENVIRONMENT" \\',
        '    --title "Offline plan: $ENVIRONMENT" --body-file "$RUNNER_TEMP/plan.md"',
        "fi",
        "",
      ].join("\n"),
    );
    expect(jobsOf("preview.yml").preview.with).toEqual({
      environment: "${{ github.base_ref == 'staging' && 'staging' || 'dev' }}",
      "comment-on-pr": true,
      "offline-plan": true,
    });
  });

  it("checks drift with the preview-only refresh script and its issue, in place of the preview", () => {
    const drift = stepNamed(previewSteps, "Drift check");
    expect(drift.if).toBe("inputs.drift");
    expect(drift.run).toBe(
      'npx tsx scripts/gitops/drift.ts --env "$ENVIRONMENT" --run-url "$RUN_URL"',
    );
    expect(drift.env).toEqual({
      ENVIRONMENT: "${{ inputs.environment }}",
      GH_TOKEN: "${{ github.token }}",
      PULUMI_BACKEND_URL:
        "${{ vars[format('{0}_PULUMI_BACKEND_URL', steps.setup.outputs.variable-prefix)] }}",
      RUN_URL:
        "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}",
    });
  });

  it("resolves the repository variables of each environment", () => {
    const roleExpression = String(
      stepNamed(previewSteps, "Assume the read-only role").with?.["role-to-assume"],
    );
    for (const environment of ENVIRONMENTS) {
      const prefix = environment.toUpperCase();
      const vars = {
        [`${prefix}_AWS_PREVIEW_ROLE_ARN`]: `arn:aws:iam::123456789012:role/trading-analytics-${environment}-preview`,
      };
      const ctx = { vars, steps: { setup: { outputs: { "variable-prefix": prefix } } } };
      expect(evaluate(roleExpression, ctx)).toBe(
        `arn:aws:iam::123456789012:role/trading-analytics-${environment}-preview`,
      );
    }
  });

  it("ups with the policy pack, then runs the smoke check", () => {
    const names = deploySteps.map((step) => step.name);
    expect(names).toEqual([
      "Check the command",
      "Check out",
      "Set up Pulumi",
      "Download the reviewed plan",
      "Assume the deploy role",
      "Pulumi up",
      "Pulumi up with the reviewed plan",
      "Smoke check",
      "Check that no other run works on the environment",
      "Pulumi destroy",
    ]);
    const up = stepNamed(deploySteps, "Pulumi up");
    expect(up.if).toBe("inputs.command == 'up' && inputs.plan-artifact == ''");
    expect(up.with).toMatchObject({
      command: "up",
      "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}",
      "secrets-provider": "${{ vars.PULUMI_SECRETS_PROVIDER }}",
      policyPacks: "${{ steps.setup.outputs.policy-packs }}",
      diff: true,
    });
    const smoke = stepNamed(deploySteps, "Smoke check");
    expect(smoke.if).toBe("inputs.command == 'up'");
    expect(smoke.run).toBe('npm run smoke -- --env "$ENVIRONMENT"');
    expect(smoke.env).toEqual({
      ENVIRONMENT: "${{ inputs.environment }}",
      PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
    });
  });

  it("assumes the deploy role long enough for a slow destroy", () => {
    expect(stepNamed(deploySteps, "Assume the deploy role").with).toEqual({
      "role-to-assume": "${{ vars.AWS_ROLE_ARN }}",
      variable: "AWS_ROLE_ARN (environment ${{ inputs.environment }})",
      environment: "${{ inputs.environment }}",
      "aws-region": "${{ steps.setup.outputs.region }}",
      "role-duration-seconds": "7200",
    });
  });

  it("rejects a command other than up or destroy, and production without a reviewed plan, before doing anything", () => {
    const check = stepNamed(deploySteps, "Check the command");
    expect(check.env).toEqual({
      COMMAND: "${{ inputs.command }}",
      ENVIRONMENT: "${{ inputs.environment }}",
      PLAN_ARTIFACT: "${{ inputs.plan-artifact }}",
    });
    const run = (command: string, environment = "dev", planArtifact = "") =>
      spawnSync("bash", ["-e", "-c", check.run ?? ""], {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH,
          COMMAND: command,
          ENVIRONMENT: environment,
          PLAN_ARTIFACT: planArtifact,
        },
      });
    expect(run("up").status).toBe(0);
    expect(run("destroy").status).toBe(0);
    expect(run("up", "production", "pulumi-plan-production-x").status).toBe(0);
    expect(run("destroy", "production").status).toBe(0);
    const refresh = run("refresh");
    expect(refresh.status).toBe(1);
    expect(refresh.stdout).toBe(
      '::error title=Unknown command::command is "refresh"; use up or destroy.\n',
    );
    const unreviewed = run("up", "production");
    expect(unreviewed.status).toBe(1);
    expect(unreviewed.stdout).toBe(
      "::error title=No reviewed plan::production applies only a reviewed plan: pass plan-artifact and plan-sha256 from the production preview (pulumi-preview.yml with save-plan).\n",
    );
    const destroyWithPlan = run("destroy", "staging", "pulumi-plan-staging-x");
    expect(destroyWithPlan.status).toBe(1);
    expect(destroyWithPlan.stdout).toBe(
      "::error title=Plan with destroy::a reviewed plan applies to up only.\n",
    );
  });

  it("reads exactly the GitHub variables environments/backends.ts defines, only in the reusable and review-stack workflows", () => {
    const referenced = new Set<string>();
    for (const source of allWorkflows) {
      const direct = [...source.text.matchAll(/vars\.([A-Z_]+)/g)].map((match) => match[1]);
      const prefixed = [...source.text.matchAll(/vars\[format\('\{0\}_([A-Z_]+)'/g)].map(
        (match) => `<ENV>_${match[1]}`,
      );
      const names = [...direct, ...prefixed];
      if (!source.path.includes("/pulumi-") && !source.path.includes("/review-stack")) {
        expect({ path: source.path, names }).toEqual({ path: source.path, names: [] });
      }
      names.forEach((name) => referenced.add(name));
    }
    expect([...referenced].sort()).toEqual(
      [
        ...Object.values(ENVIRONMENT_VARIABLES),
        ...Object.values(REPOSITORY_VARIABLE_SUFFIXES).map((suffix) => `<ENV>_${suffix}`),
        REVIEW_STACK_MAX_AGE_VARIABLE,
      ].sort(),
    );
  });
});

describe("shared steps and caches", () => {
  it("sets Node.js up in one place, with npm's cache", () => {
    const setupNode = allSteps().filter(({ step }) => step.uses?.startsWith("actions/setup-node@"));
    expect(setupNode.map(({ path }) => path)).toEqual([
      ".github/actions/setup-node-project/action.yml",
    ]);
    expect(setupNode[0].step.with).toEqual({
      "node-version-file": ".nvmrc",
      cache: "npm",
      "cache-dependency-path": "${{ inputs.cache-dependency-path }}",
    });
  });

  it("keeps the Pulumi plugins in their own npm cache entry, linked before the CLI runs", () => {
    const steps = action("setup-pulumi").runs.steps;
    expect(steps.map((step) => step.name)).toEqual([
      "Set up Node.js and install dependencies",
      "Build the function bundles",
      "Resolve the environment",
      "Keep Pulumi plugins in the npm cache",
      "Install the Pulumi CLI",
      "Find the policy pack",
    ]);
    expect(steps[0].with).toEqual({
      "cache-dependency-path": "package-lock.json\n.pulumi-version\n",
    });
    expect(steps[3].run).toContain('ln -sfn "$plugins" "$HOME/.pulumi/plugins"');
  });

  it("links ~/.pulumi/plugins into the npm cache, keeping plugins already installed", () => {
    const link = stepNamed(
      action("setup-pulumi").runs.steps,
      "Keep Pulumi plugins in the npm cache",
    );
    const home = spawnSync("mktemp", ["-d"], { encoding: "utf8" }).stdout.trim();
    const npmCache = join(home, "npm-cache");
    spawnSync("mkdir", ["-p", join(home, ".pulumi/plugins/resource-aws-v7.48.0")]);
    const result = spawnSync("bash", ["-e", "-c", link.run ?? ""], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: home, npm_config_cache: npmCache },
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("Pulumi plugins: 1 cached\n");
    const target = spawnSync("readlink", [join(home, ".pulumi/plugins")], { encoding: "utf8" });
    expect(target.stdout.trim()).toBe(join(npmCache, "_pulumi/plugins"));
    const listed = spawnSync("ls", [join(npmCache, "_pulumi/plugins")], { encoding: "utf8" });
    expect(listed.stdout).toBe("resource-aws-v7.48.0\n");
    const again = spawnSync("bash", ["-e", "-c", link.run ?? ""], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: home, npm_config_cache: npmCache },
    });
    expect(again.stdout).toBe("Pulumi plugins: 1 cached\n");
    spawnSync("rm", ["-rf", home]);
  });

  it("runs the same commands as .ci/run, in the same order, then builds the bundles", () => {
    const ciRun = readFileSync(join(REPOSITORY_ROOT, ".ci/run"), "utf8")
      .split("\n")
      .filter((line) => line.startsWith("npm "));
    const steps = jobsOf("ci.yml").check.steps ?? [];
    const commands = steps.flatMap((step) =>
      step.uses === "./.github/actions/setup-node-project"
        ? (action("setup-node-project")
            .runs.steps.map((inner) => inner.run)
            .filter(Boolean) as string[])
        : step.run === undefined
          ? []
          : [step.run],
    );
    expect(commands).toEqual([...ciRun, "npm run build"]);
  });

  it("passes only declared inputs to reusable workflows and local actions, and all required ones", () => {
    const calls: { where: string; target: string; passed: string[] }[] = [];
    for (const source of allWorkflows) {
      for (const [id, job] of Object.entries(source.document.jobs)) {
        if (job.uses !== undefined) {
          calls.push({
            where: `${source.path}#${id}`,
            target: job.uses,
            passed: Object.keys(job.with ?? {}),
          });
        }
      }
    }
    for (const { path, step } of allSteps()) {
      if (step.uses?.startsWith("./.github/actions/")) {
        calls.push({
          where: `${path}: ${step.name}`,
          target: step.uses,
          passed: Object.keys(step.with ?? {}),
        });
      }
    }
    expect(calls.length).toBe(22);
    for (const call of calls) {
      const declared: Record<string, { required?: boolean; default?: unknown }> =
        call.target.startsWith("./.github/workflows/")
          ? declaredInputs(
              workflow(call.target.replace("./.github/workflows/", "")),
              "workflow_call",
            )
          : (action(call.target.replace("./.github/actions/", "")).inputs ?? {});
      const unknown = call.passed.filter((input) => !(input in declared));
      const missing = Object.entries(declared)
        .filter(
          ([name, input]) =>
            input.required === true && input.default === undefined && !call.passed.includes(name),
        )
        .map(([name]) => name);
      expect({ ...call, unknown, missing }).toEqual({ ...call, unknown: [], missing: [] });
    }
  });

  it("reads only outputs the setup action declares", () => {
    const declared = Object.keys(action("setup-pulumi").outputs ?? {});
    for (const file of ["pulumi-preview.yml", "pulumi-deploy.yml"]) {
      const text = readFileSync(join(REPOSITORY_ROOT, ".github/workflows", file), "utf8");
      const used = [
        ...new Set([...text.matchAll(/steps\.setup\.outputs\.([a-z-]+)/g)].map((m) => m[1])),
      ];
      expect(used.filter((output) => !declared.includes(output))).toEqual([]);
    }
  });
});
