import { spawn } from "node:child_process";

import { environmentDirectory, stackName } from "../../environments/backends";
import type { EnvironmentName } from "../../modules/config/settings";
import { codeFence, stripAnsi } from "./github";
import { sha256Hex } from "./reviewed-plan-record";

/**
 * The `apply` half of the reviewed plan (`reviewed-plan.ts`): checks that the downloaded file is
 * the plan that was reviewed, runs `pulumi up --plan`, and says what happened: applied, refused
 * by the plan because production changed since the preview, or failed for another reason.
 */

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
