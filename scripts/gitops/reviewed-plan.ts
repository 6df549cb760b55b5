import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { environmentSettings, type EnvironmentName } from "../../modules/config/settings";
import { errorAnnotation } from "./github";
import { applyReviewedPlan, pulumiStreaming, type ApplyOptions } from "./reviewed-plan-apply";
import {
  ReviewedPlanError,
  operationsText,
  recordPlan,
  reviewedPlanMarkdown,
} from "./reviewed-plan-record";

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
 *
 * This file reads the arguments and runs the command; `reviewed-plan-record.ts` hashes and
 * summarizes the plan, `reviewed-plan-apply.ts` runs the up and reports on it.
 */

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

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
