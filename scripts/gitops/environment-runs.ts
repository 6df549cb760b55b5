import { appendFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { environmentSettings, type EnvironmentName } from "../../modules/config/settings";
import { RELEASE_TAG_PATTERN } from "./verify-release";
import {
  ACTIVE_RUN_STATUSES,
  errorAnnotation,
  ghCli,
  listWorkflowRuns,
  resolveRepository,
  type GhRunner,
  type WorkflowRun,
} from "./github";

/**
 * The runs that may still change an environment, found before a destroy of it starts.
 *
 * GitHub keeps at most one pending run per concurrency group and cancels the older pending one
 * when another arrives (docs: "Using concurrency", jobs.<job_id>.concurrency). If up and destroy
 * shared a group, a queued destroy could be dropped for the next push's up, or a queued up for a
 * destroy, each showing only as "cancelled". So destroy has its own group, and before it runs it
 * looks here for any other run of the workflows that work on the environment which has not
 * finished (queued, waiting for a reviewer, in progress), and refuses with their names: a
 * destroy never races an up, and nothing waiting is dropped. What is left, an up that starts after
 * this check, meets the state lock that the destroy holds and fails at once, visibly.
 *
 *   npx tsx scripts/gitops/environment-runs.ts --env staging --current-run "$GITHUB_RUN_ID"
 *
 * Exit status: 0 when no other run works on the environment, 1 otherwise (or when the check fails).
 */

/** The workflows whose runs change an environment, by file. */
export const ENVIRONMENT_WORKFLOWS = ["deploy.yml", "destroy.yml"] as const;

export type EnvironmentWorkflow = (typeof ENVIRONMENT_WORKFLOWS)[number];

/** destroy.yml names each run after the environment it destroys (`run-name`). */
export const DESTROY_RUN_NAME = /^Destroy (dev|staging|production)$/;

/**
 * The environment a run works on, from what the runs API says about it: deploy.yml deploys dev
 * for a push to main, staging for a push to staging, and production for a release tag or a
 * dispatch (a rollback); destroy.yml says it in its run name. tests/workflows.test.ts checks this
 * against the jobs each event starts.
 */
export function runEnvironment(
  workflow: EnvironmentWorkflow,
  run: Pick<WorkflowRun, "event" | "head_branch" | "display_title">,
): EnvironmentName | undefined {
  if (workflow === "destroy.yml") {
    const named = DESTROY_RUN_NAME.exec(run.display_title);
    return named === null ? undefined : (named[1] as EnvironmentName);
  }
  if (run.event === "workflow_dispatch") {
    return "production";
  }
  if (run.event !== "push") {
    return undefined;
  }
  if (run.head_branch === "main") {
    return "dev";
  }
  if (run.head_branch === "staging") {
    return "staging";
  }
  return run.head_branch !== null && RELEASE_TAG_PATTERN.test(run.head_branch)
    ? "production"
    : undefined;
}

export interface ActiveRun {
  readonly workflow: EnvironmentWorkflow;
  readonly run: WorkflowRun;
}

/** Runs of the environment's workflows, other than `currentRunId`, that have not finished. */
export function otherActiveRuns(
  gh: GhRunner,
  repository: string,
  environment: EnvironmentName,
  currentRunId: number,
): ActiveRun[] {
  const found = new Map<number, ActiveRun>();
  for (const workflow of ENVIRONMENT_WORKFLOWS) {
    for (const status of ACTIVE_RUN_STATUSES) {
      for (const run of listWorkflowRuns(gh, repository, workflow, { status })) {
        if (
          run.id !== currentRunId &&
          run.status !== "completed" &&
          runEnvironment(workflow, run) === environment
        ) {
          found.set(run.id, { workflow, run });
        }
      }
    }
  }
  return [...found.values()].sort((a, b) => a.run.id - b.run.id);
}

export function describeActiveRun({ workflow, run }: ActiveRun): string {
  const what = run.head_branch === null ? run.event : `${run.event} of ${run.head_branch}`;
  return `${workflow} run #${run.run_number} "${run.display_title}" (${what}, ${run.status}): ${run.html_url}`;
}

export interface IdleReport {
  readonly exitCode: 0 | 1;
  readonly message: string;
}

export function checkEnvironmentIdle(
  gh: GhRunner,
  repository: string,
  environment: EnvironmentName,
  currentRunId: number,
): IdleReport {
  const active = otherActiveRuns(gh, repository, environment, currentRunId);
  if (active.length === 0) {
    return {
      exitCode: 0,
      message: `No other deploy or destroy of ${environment} is queued, waiting or running.`,
    };
  }
  return {
    exitCode: 1,
    message: [
      `Not destroying ${environment}: ${active.length === 1 ? "another run works" : `${active.length} other runs work`} on it and ${active.length === 1 ? "has" : "have"} not finished. Nothing was destroyed. Let ${active.length === 1 ? "it" : "them"} finish (or cancel ${active.length === 1 ? "it" : "them"}), then run Destroy again:`,
      ...active.map((entry) => `- ${describeActiveRun(entry)}`),
    ].join("\n"),
  };
}

export interface EnvironmentRunsOptions {
  readonly environment: EnvironmentName;
  readonly currentRunId: number;
  readonly repository: string;
}

export function parseEnvironmentRunsArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): EnvironmentRunsOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      env: { type: "string" },
      "current-run": { type: "string" },
      repo: { type: "string" },
    },
    strict: true,
  });
  const usage =
    "npx tsx scripts/gitops/environment-runs.ts --env <dev|staging|production> --current-run <run id> [--repo OWNER/REPO]";
  if (values.env === undefined || values["current-run"] === undefined) {
    throw new Error(`--env and --current-run are required: ${usage}`);
  }
  const currentRunId = Number(values["current-run"]);
  if (!Number.isSafeInteger(currentRunId) || currentRunId <= 0) {
    throw new Error(`--current-run "${values["current-run"]}" is not a run id (GITHUB_RUN_ID).`);
  }
  return {
    environment: environmentSettings(values.env).name,
    currentRunId,
    repository: resolveRepository(values.repo, env),
  };
}

if (require.main === module) {
  try {
    const options = parseEnvironmentRunsArgs(process.argv.slice(2), process.env);
    const report = checkEnvironmentIdle(
      ghCli,
      options.repository,
      options.environment,
      options.currentRunId,
    );
    if (report.exitCode === 0) {
      process.stdout.write(`${report.message}\n`);
    } else {
      process.stderr.write(`${report.message}\n`);
      if (process.env.GITHUB_ACTIONS === "true") {
        process.stdout.write(errorAnnotation("Destroy refused", report.message));
      }
      const summary = process.env.GITHUB_STEP_SUMMARY;
      if (summary !== undefined && summary !== "") {
        appendFileSync(summary, `### Destroy refused\n\n${report.message}\n`);
      }
    }
    process.exitCode = report.exitCode;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
