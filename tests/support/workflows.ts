import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { parse } from "yaml";

export const REPOSITORY_ROOT = join(__dirname, "..", "..");
export const WORKFLOW_DIRECTORY = join(REPOSITORY_ROOT, ".github", "workflows");
export const ACTION_DIRECTORY = join(REPOSITORY_ROOT, ".github", "actions");

export interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly shell?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, string | boolean | number>;
  readonly "continue-on-error"?: boolean | string;
}

export interface Job {
  readonly name?: string;
  readonly if?: string;
  readonly needs?: string | string[];
  readonly "runs-on"?: string;
  readonly environment?: string | { readonly name: string; readonly url?: string };
  readonly permissions?: Record<string, string> | string;
  readonly concurrency?:
    string | { readonly group: string; readonly "cancel-in-progress"?: boolean };
  readonly outputs?: Record<string, string>;
  readonly strategy?: { readonly matrix?: Record<string, unknown>; readonly "fail-fast"?: boolean };
  readonly uses?: string;
  readonly with?: Record<string, string | boolean | number>;
  readonly secrets?: unknown;
  readonly steps?: Step[];
  readonly "timeout-minutes"?: number;
}

export interface WorkflowInput {
  readonly description?: string;
  readonly type?: string;
  readonly required?: boolean;
  readonly default?: unknown;
  readonly options?: string[];
}

export interface Workflow {
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly concurrency?: { readonly group: string; readonly "cancel-in-progress"?: boolean };
  readonly jobs: Record<string, Job>;
}

export interface CompositeAction {
  readonly name: string;
  readonly inputs?: Record<string, { readonly required?: boolean; readonly default?: string }>;
  readonly outputs?: Record<string, { readonly value: string }>;
  readonly runs: { readonly using: string; readonly steps: Step[] };
}

export interface SourceFile<T> {
  /** Path relative to the repository root, e.g. `.github/workflows/deploy.yml`. */
  readonly path: string;
  readonly text: string;
  readonly document: T;
}

export function workflowFiles(): SourceFile<Workflow>[] {
  return readdirSync(WORKFLOW_DIRECTORY)
    .filter((file) => file.endsWith(".yml") || file.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const text = readFileSync(join(WORKFLOW_DIRECTORY, file), "utf8");
      return { path: `.github/workflows/${file}`, text, document: parse(text) as Workflow };
    });
}

export function actionFiles(): SourceFile<CompositeAction>[] {
  return readdirSync(ACTION_DIRECTORY)
    .sort()
    .map((directory) => {
      const text = readFileSync(join(ACTION_DIRECTORY, directory, "action.yml"), "utf8");
      return {
        path: `.github/actions/${directory}/action.yml`,
        text,
        document: parse(text) as CompositeAction,
      };
    });
}

export function workflow(file: string): Workflow {
  const found = workflowFiles().find((source) => source.path === `.github/workflows/${file}`);
  if (found === undefined) {
    throw new Error(`No workflow ${file}`);
  }
  return found.document;
}

export function action(name: string): CompositeAction {
  const found = actionFiles().find(
    (source) => source.path === `.github/actions/${name}/action.yml`,
  );
  if (found === undefined) {
    throw new Error(`No action ${name}`);
  }
  return found.document;
}

export function needsOf(job: Job): string[] {
  if (job.needs === undefined) {
    return [];
  }
  return Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** The inputs a workflow declares under `on.workflow_call.inputs` or `on.workflow_dispatch.inputs`. */
export function declaredInputs(
  document: Workflow,
  trigger: "workflow_call" | "workflow_dispatch",
): Record<string, WorkflowInput> {
  const section = document.on[trigger] as { inputs?: Record<string, WorkflowInput> } | null;
  return section?.inputs ?? {};
}

export function stepNamed(steps: readonly Step[], name: string): Step {
  const step = steps.find((candidate) => candidate.name === name);
  if (step === undefined) {
    throw new Error(`No step named "${name}" among: ${steps.map((s) => s.name).join(", ")}`);
  }
  return step;
}
