import { fork } from "node:child_process";
import * as path from "node:path";

import { ENVIRONMENT_SETTINGS, type EnvironmentName } from "../../modules/config/settings";
import { estimateMonthlyCost } from "./cost-model";
import type { EnvironmentPlan } from "./plan-report-model";
import type { WorkerResult } from "./plan-worker";

const WORKER = path.join(__dirname, "plan-worker.ts");

/** What the plan of several environments is given from outside. */
export interface BuildPlansOptions {
  /**
   * The `ENVIRONMENT_SUFFIX` each program sees, as a deployment would: a bad one fails the plan with
   * the program's naming error, a good one is in every physical name.
   * @default - the plan's own `ENVIRONMENT_SUFFIX`
   */
  readonly environmentSuffixOverride?: string;
  /**
   * A review stack (`dev-pr42`) of the one environment planned, instead of its own stack.
   * @default - each environment's own stack
   */
  readonly stack?: string;
}

function runWorker(
  environment: EnvironmentName,
  override: string | undefined,
  stack: string | undefined,
): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    if (override === undefined) {
      delete env.ENVIRONMENT_SUFFIX;
    } else {
      env.ENVIRONMENT_SUFFIX = override;
    }
    const child = fork(WORKER, stack === undefined ? [environment] : [environment, stack], {
      env,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    let settled = false;
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("message", (message: { ok: boolean; result?: WorkerResult; error?: string }) => {
      settled = true;
      if (message.ok && message.result !== undefined) {
        resolve(message.result);
      } else {
        reject(new Error(`${environment}: ${message.error ?? "the program failed"}`));
      }
    });
    child.on("exit", (code) => {
      if (!settled) {
        reject(new Error(`${environment}: the plan worker exited with ${code}.\n${stderr}`));
      }
    });
  });
}

/** One environment's plan from what its worker found. */
export function environmentPlan(
  environment: EnvironmentName,
  result: WorkerResult,
  stack?: string,
): EnvironmentPlan {
  return {
    environment,
    ...(stack === undefined || stack === environment ? {} : { stack }),
    environmentSuffix: result.environmentSuffix,
    resources: result.resources,
    platformComponents: result.platformComponents,
    componentWarnings: result.componentWarnings,
    violations: result.violations,
    cost: estimateMonthlyCost(
      ENVIRONMENT_SETTINGS[environment],
      result.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm").length,
    ),
  };
}

/**
 * Builds the plans of the given environments, each program in a process of its own (a Pulumi
 * program loads once per process), two at a time (one per core here).
 */
export async function buildPlans(
  environments: readonly EnvironmentName[],
  options: BuildPlansOptions = { environmentSuffixOverride: process.env.ENVIRONMENT_SUFFIX },
): Promise<EnvironmentPlan[]> {
  const results = new Map<EnvironmentName, WorkerResult>();
  const queue = [...environments];
  const lanes = Array.from({ length: Math.min(2, queue.length) }, async () => {
    for (let env = queue.shift(); env !== undefined; env = queue.shift()) {
      results.set(env, await runWorker(env, options.environmentSuffixOverride, options.stack));
    }
  });
  await Promise.all(lanes);
  return environments.map((environment) =>
    environmentPlan(environment, results.get(environment) as WorkerResult, options.stack),
  );
}
