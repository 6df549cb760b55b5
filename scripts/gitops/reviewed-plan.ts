import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { environmentDirectory, stackName } from "../../environments/backends";
import { environmentSettings, type EnvironmentName } from "../../modules/config/settings";
import { codeFence, errorAnnotation, stripAnsi } from "./github";

/**
 * Production applies exactly what its reviewer saw. The release's preview saves its proposed
 * operations as a Pulumi update plan (`pulumi preview --save-plan`); `record` hashes the plan,
 * names the artifact it travels in and writes both into the job summary under the preview, where
 * the reviewer approves the production environment. After the approval, `apply` checks that the
 * downloaded file is that plan and runs `pulumi up --plan`, which refuses any operation the plan
 * does not hold (docs: "Update plans"). If production changed since the preview, the up stops and
 * this says why and what to do: preview again and have the new plan reviewed.
 *
 *   npx tsx scripts/gitops/reviewed-plan.ts record --env production --plan plan.json \
 *     --commit <sha> --run-id <id> --run-attempt <n>
 *   npx tsx scripts/gitops/reviewed-plan.ts apply --env production --plan plan.json \
 *     --sha256 <hex> --message <text> [--policy-pack <dir>]
 */

/** Pulumi's update plan file (apitype.DeploymentPlanV1): the proposed steps per resource URN. */
interface DeploymentPlan {
  readonly manifest: unknown;
  readonly resourcePlans?: Readonly<Record<string, { readonly steps?: readonly string[] }>>;
}

export class ReviewedPlanError extends Error {}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;
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

/** `pulumi up` constrained to the plan; run in the repository root. */
export function upArguments(
  environment: EnvironmentName,
  planPath: string,
  message: string,
  policyPack: string | undefined,
): string[] {
  return [
    "up",
    "--yes",
    "--non-interactive",
    "--stack",
    stackName(environment),
    "--cwd",
    environmentDirectory(environment),
    "--plan",
    planPath,
    "--diff",
    "--color",
    "never",
    "--suppress-progress",
    "--message",
    message,
    ...(policyPack === undefined ? [] : ["--policy-pack", policyPack]),
  ];
}

/**
 * The errors Pulumi 3.248 raises when an update departs from its plan: step_generator.go
 * ("<op> is not allowed by the plan: ...", "resource <urn> violates plan: ...", "no plan for
 * resource <urn>", "Expected a new resource plan for <urn>"), step_executor.go ("resource violates
 * plan: ...") and deployment_executor.go ("expected resource operations for <urn> but none were
 * seen"), all in pkg/resource/deploy.
 */
const PLAN_VIOLATIONS = [
  /is not allowed by the plan/,
  /violates plan/,
  /no plan for resource/,
  /Expected a new resource plan for/,
  /expected resource operations for \S+ but none were seen/,
];

export type UpStatus = "applied" | "plan-rejected" | "failed";

export function classifyUp(exitCode: number, output: string): UpStatus {
  if (exitCode === 0) {
    return "applied";
  }
  return PLAN_VIOLATIONS.some((pattern) => pattern.test(output)) ? "plan-rejected" : "failed";
}

function firstViolation(output: string): string {
  return (
    stripAnsi(output)
      .split("\n")
      .map((line) => line.trim())
      .find((line) => PLAN_VIOLATIONS.some((pattern) => pattern.test(line))) ?? ""
  );
}

const RERUN =
  'Re-run all jobs of this run ("Re-run failed jobs" would reuse this plan): the release then previews production as it is now, saves a new plan, and waits for a reviewer to approve that one.';

export type PulumiProcess = (args: readonly string[]) => Promise<{
  readonly exitCode: number;
  readonly output: string;
}>;

/** Runs the Pulumi CLI, passing its output through to the log as it comes and keeping a copy. */
export const pulumiStreaming: PulumiProcess = (args) =>
  new Promise((resolve) => {
    const child = spawn("pulumi", [...args], { stdio: ["ignore", "pipe", "pipe"] });
    const chunks: string[] = [];
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      process.stdout.write(chunk);
      chunks.push(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      process.stderr.write(chunk);
      chunks.push(chunk);
    });
    child.on("error", (error) =>
      resolve({
        exitCode: 1,
        output: `Could not run the Pulumi CLI: ${error.message}. Install it (pulumi/actions in CI).`,
      }),
    );
    child.on("close", (code) => resolve({ exitCode: code ?? 1, output: chunks.join("") }));
  });

export interface ApplyOptions {
  readonly environment: EnvironmentName;
  readonly planPath: string;
  readonly sha256: string;
  readonly message: string;
  readonly policyPack: string | undefined;
}

export interface ApplyReport {
  readonly status: UpStatus | "not-the-reviewed-plan";
  readonly exitCode: 0 | 1;
  /** One paragraph for the log, the annotation and the summary. */
  readonly message: string;
  readonly summary: string;
}

/** Keeps the end of a long output, where Pulumi prints the error and the resource summary. */
function tail(output: string, limit = 60_000): string {
  const text = stripAnsi(output).trim();
  return text.length <= limit ? text : `… (the start is in the log)\n${text.slice(-limit)}`;
}

function report(
  status: ApplyReport["status"],
  message: string,
  environment: EnvironmentName,
  output: string,
): ApplyReport {
  const title = `### Pulumi up of \`${environment}\` with the reviewed plan`;
  const details =
    output === ""
      ? ""
      : `\n\n<details${status === "applied" ? "" : " open"}><summary>Pulumi output</summary>\n\n${codeFence(tail(output))}\n\n</details>`;
  return {
    status,
    exitCode: status === "applied" ? 0 : 1,
    message,
    summary: `${title}\n\n${message}${details}\n`,
  };
}

export async function applyReviewedPlan(
  options: ApplyOptions,
  pulumi: PulumiProcess,
  readFile: (path: string) => Buffer | undefined,
): Promise<ApplyReport> {
  const { environment, planPath, sha256 } = options;
  const content = readFile(planPath);
  if (content === undefined) {
    return report(
      "not-the-reviewed-plan",
      `The reviewed plan is not at ${planPath}: the download of the plan artifact brought nothing there. Nothing was applied to ${environment}. ${RERUN}`,
      environment,
      "",
    );
  }
  const actual = sha256Hex(content);
  if (actual !== sha256) {
    return report(
      "not-the-reviewed-plan",
      `The plan at ${planPath} is not the plan that was reviewed: its sha256 is ${actual}, the reviewed plan's is ${sha256}. Nothing was applied to ${environment}. ${RERUN}`,
      environment,
      "",
    );
  }
  const result = await pulumi(
    upArguments(environment, planPath, options.message, options.policyPack),
  );
  const status = classifyUp(result.exitCode, result.output);
  if (status === "applied") {
    return report(
      status,
      `Applied the reviewed plan (sha256 ${sha256}) to ${environment}.`,
      environment,
      result.output,
    );
  }
  if (status === "plan-rejected") {
    return report(
      status,
      `The reviewed plan no longer applies to ${environment}, so Pulumi stopped the up: ${firstViolation(result.output)}. Since the preview, ${environment} or its state changed (another up or a rollback, or a change made outside Pulumi), or the program no longer proposes the same operations. Pulumi applied nothing the plan did not hold, but the plan's operations before this point may have been applied. ${RERUN}`,
      environment,
      result.output,
    );
  }
  return report(
    status,
    `pulumi up with the reviewed plan failed on ${environment} (exit ${result.exitCode}) for a reason other than the plan: see Pulumi's error at the end of the output. Operations before the failure may have been applied. Fix the cause, then ${RERUN.charAt(0).toLowerCase()}${RERUN.slice(1)}`,
    environment,
    result.output,
  );
}

function option(values: Record<string, string | undefined>, name: string, usage: string): string {
  const value = values[name];
  if (value === undefined || value === "") {
    throw new ReviewedPlanError(`--${name} is required: ${usage}`);
  }
  return value;
}

const RECORD_USAGE =
  "npx tsx scripts/gitops/reviewed-plan.ts record --env <environment> --plan <file> --commit <sha> --run-id <id> --run-attempt <n>";
const APPLY_USAGE =
  "npx tsx scripts/gitops/reviewed-plan.ts apply --env <environment> --plan <file> --sha256 <hex> --message <text> [--policy-pack <dir>]";

export type ReviewedPlanCommand =
  | {
      readonly command: "record";
      readonly environment: EnvironmentName;
      readonly planPath: string;
      readonly commit: string;
      readonly runId: string;
      readonly runAttempt: string;
    }
  | ({ readonly command: "apply" } & ApplyOptions);

export function parseReviewedPlanArgs(argv: readonly string[]): ReviewedPlanCommand {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      env: { type: "string" },
      plan: { type: "string" },
      commit: { type: "string" },
      "run-id": { type: "string" },
      "run-attempt": { type: "string" },
      sha256: { type: "string" },
      message: { type: "string" },
      "policy-pack": { type: "string" },
    },
    strict: true,
  });
  if (command === "record") {
    return {
      command,
      environment: environmentSettings(option(values, "env", RECORD_USAGE)).name,
      planPath: option(values, "plan", RECORD_USAGE),
      commit: option(values, "commit", RECORD_USAGE),
      runId: option(values, "run-id", RECORD_USAGE),
      runAttempt: option(values, "run-attempt", RECORD_USAGE),
    };
  }
  if (command === "apply") {
    const sha256 = option(values, "sha256", APPLY_USAGE);
    if (!SHA256_PATTERN.test(sha256)) {
      throw new ReviewedPlanError(
        `--sha256 "${sha256}" is not a SHA-256 in hex: pass the plan-sha256 output of the preview that saved the plan.`,
      );
    }
    const policyPack = values["policy-pack"];
    return {
      command,
      environment: environmentSettings(option(values, "env", APPLY_USAGE)).name,
      planPath: option(values, "plan", APPLY_USAGE),
      sha256,
      message: option(values, "message", APPLY_USAGE),
      policyPack: policyPack === undefined || policyPack === "" ? undefined : policyPack,
    };
  }
  throw new ReviewedPlanError(`Use record or apply:\n  ${RECORD_USAGE}\n  ${APPLY_USAGE}`);
}

function appendTo(variable: string, text: string): void {
  const file = process.env[variable];
  if (file !== undefined && file !== "") {
    appendFileSync(file, text);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseReviewedPlanArgs(argv);
  if (parsed.command === "record") {
    if (!existsSync(parsed.planPath)) {
      throw new ReviewedPlanError(
        `No plan at ${parsed.planPath}: the preview did not save one (pulumi/actions with plan: <path>).`,
      );
    }
    const text = readFileSync(parsed.planPath, "utf8");
    const recorded = recordPlan(
      parsed.environment,
      text,
      parsed.commit,
      parsed.runId,
      parsed.runAttempt,
    );
    process.stdout.write(
      `Plan for ${parsed.environment} at ${parsed.commit}: ${operationsText(recorded.summary)}; sha256 ${recorded.sha256}; artifact ${recorded.artifact}.\n`,
    );
    appendTo("GITHUB_OUTPUT", `artifact=${recorded.artifact}\nsha256=${recorded.sha256}\n`);
    appendTo(
      "GITHUB_STEP_SUMMARY",
      reviewedPlanMarkdown(parsed.environment, parsed.commit, recorded),
    );
    return 0;
  }
  const result = await applyReviewedPlan(parsed, pulumiStreaming, (path) =>
    existsSync(path) ? readFileSync(path) : undefined,
  );
  (result.exitCode === 0 ? process.stdout : process.stderr).write(`\n${result.message}\n`);
  if (result.exitCode !== 0 && process.env.GITHUB_ACTIONS === "true") {
    const titles = {
      "plan-rejected": "Reviewed plan no longer applies",
      "not-the-reviewed-plan": "Not the reviewed plan",
      failed: "Pulumi up failed",
      applied: "",
    } as const;
    process.stdout.write(errorAnnotation(titles[result.status], result.message));
  }
  appendTo("GITHUB_STEP_SUMMARY", result.summary);
  return result.exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
