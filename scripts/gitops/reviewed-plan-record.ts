import { createHash } from "node:crypto";

import type { EnvironmentName } from "../../modules/config/settings";

/**
 * The `record` half of the reviewed plan (`reviewed-plan.ts`): the plan's hash, the name of the
 * artifact it travels in, what it would change, and the job summary the reviewer reads before
 * approving production.
 */

/** Pulumi's update plan file (apitype.DeploymentPlanV1): the proposed steps per resource URN. */
interface DeploymentPlan {
  readonly manifest: unknown;
  readonly resourcePlans?: Readonly<Record<string, { readonly steps?: readonly string[] }>>;
}

export class ReviewedPlanError extends Error {}

const COMMIT_PATTERN = /^[0-9a-f]{40}$/;

export function sha256Hex(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** One artifact per environment, commit and run attempt: a re-run previews and uploads afresh. */
export function planArtifactName(
  environment: EnvironmentName,
  commit: string,
  runId: string,
  runAttempt: string,
): string {
  if (!COMMIT_PATTERN.test(commit)) {
    throw new ReviewedPlanError(`--commit "${commit}" is not a full commit SHA.`);
  }
  if (!/^\d+$/.test(runId) || !/^\d+$/.test(runAttempt)) {
    throw new ReviewedPlanError(
      `--run-id "${runId}" and --run-attempt "${runAttempt}" must be GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT.`,
    );
  }
  return `pulumi-plan-${environment}-${commit}-${runId}-${runAttempt}`;
}

export interface PlannedChange {
  readonly urn: string;
  readonly steps: readonly string[];
}

export interface PlanSummary {
  /** How many resources each operation touches; a replacement counts under each of its steps. */
  readonly operations: Readonly<Record<string, number>>;
  /** The resources with a step other than "same", by URN. */
  readonly changes: readonly PlannedChange[];
}

export function summarizePlan(text: string): PlanSummary {
  let plan: DeploymentPlan;
  try {
    plan = JSON.parse(text) as DeploymentPlan;
  } catch (error) {
    throw new ReviewedPlanError(
      `The plan is not JSON (${error instanceof Error ? error.message : String(error)}): it is not what pulumi preview --save-plan writes.`,
    );
  }
  if (typeof plan !== "object" || plan === null || !("manifest" in plan)) {
    throw new ReviewedPlanError(
      "The plan has no manifest: it is not what pulumi preview --save-plan writes.",
    );
  }
  const operations: Record<string, number> = {};
  const changes: PlannedChange[] = [];
  for (const [urn, resource] of Object.entries(plan.resourcePlans ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const steps = resource.steps ?? [];
    for (const step of new Set(steps)) {
      operations[step] = (operations[step] ?? 0) + 1;
    }
    if (steps.some((step) => step !== "same")) {
      changes.push({ urn, steps });
    }
  }
  return { operations, changes };
}

/** `urn:pulumi:production::project::parent$aws:s3/bucket:Bucket::name` -> `aws:s3/bucket:Bucket name`. */
function resourceLabel(urn: string): string {
  const parts = urn.split("::");
  const type = (parts[2] ?? urn).split("$").pop() ?? urn;
  return `${type} ${parts.slice(3).join("::")}`.trim();
}

export function operationsText(summary: PlanSummary): string {
  const entries = Object.entries(summary.operations).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0
    ? "no resources"
    : entries.map(([operation, count]) => `${count} ${operation}`).join(", ");
}

export interface RecordedPlan {
  readonly artifact: string;
  readonly sha256: string;
  readonly summary: PlanSummary;
}

export function reviewedPlanMarkdown(
  environment: EnvironmentName,
  commit: string,
  recorded: RecordedPlan,
): string {
  const { artifact, sha256, summary } = recorded;
  const changes =
    summary.changes.length === 0
      ? "The plan changes no resource."
      : [
          `<details open><summary>Resources the plan changes (${summary.changes.length})</summary>`,
          "",
          "| resource | steps |",
          "| --- | --- |",
          ...summary.changes.map(
            (change) =>
              `| \`${resourceLabel(change.urn).replace(/\|/g, "\\|")}\` | ${change.steps.join(", ")} |`,
          ),
          "",
          "</details>",
        ].join("\n");
  return [
    `### Reviewed plan for \`${environment}\``,
    "",
    `Approving the \`${environment}\` environment applies exactly this plan with \`pulumi up --plan\`: Pulumi refuses any operation the preview above did not propose, and the run then fails without it.`,
    "",
    "| | |",
    "| --- | --- |",
    `| commit | \`${commit}\` |`,
    `| plan | artifact \`${artifact}\`, sha256 \`${sha256}\` |`,
    `| operations | ${operationsText(summary)} |`,
    "",
    changes,
    "",
  ].join("\n");
}

export function recordPlan(
  environment: EnvironmentName,
  planText: string,
  commit: string,
  runId: string,
  runAttempt: string,
): RecordedPlan {
  return {
    artifact: planArtifactName(environment, commit, runId, runAttempt),
    sha256: sha256Hex(planText),
    summary: summarizePlan(planText),
  };
}
