import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { z } from "zod";

import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentName,
} from "../modules/config/settings";
import { estimateMonthlyCost } from "./lib/cost-model";
import { environmentProject, readStackConfig } from "./lib/mock-runtime";
import { renderPlan, type EnvironmentPlan } from "./lib/plan-report";
import type { WorkerResult } from "./lib/plan-worker";

const USAGE = `Usage: npm run plan -- [--env dev|staging|production|all] [--format text|markdown] [--out FILE]

Runs the real environment programs under Pulumi's mock runtime (no cloud access) and prints the
resources per environment by module with their physical names, the globally unique names (S3
buckets), the settings that differ between environments, the policy verdict and an estimated
monthly cost. Warns when a stack file still has the template's environmentSuffix. Exits 1 when
any environment violates a policy.`;

const optionsSchema = z.object({
  env: z.enum([...ENVIRONMENT_NAMES, "all"], {
    error: (issue) =>
      `--env "${String(issue.input)}" is not an environment: use dev, staging, production or all.`,
  }),
  format: z.enum(["text", "markdown"], {
    error: (issue) => `--format "${String(issue.input)}" is not supported: use text or markdown.`,
  }),
  out: z.string().min(1, "--out needs a file path.").optional(),
});

export type PlanOptions = z.infer<typeof optionsSchema>;

/** Parses `--env`, `--format` and `--out` (also in `--name=value` form); throws a message on bad input. */
export function parsePlanArgs(argv: readonly string[]): PlanOptions | "help" {
  const raw: Record<string, string> = { env: "all", format: "text" };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      return "help";
    }
    const match = /^--(env|format|out)(?:=(.*))?$/.exec(arg);
    if (match === null) {
      throw new Error(`Unknown argument "${arg}".\n${USAGE}`);
    }
    const value = match[2] ?? argv[i + 1];
    if (value === undefined || (match[2] === undefined && value.startsWith("--"))) {
      throw new Error(`--${match[1]} needs a value.\n${USAGE}`);
    }
    if (match[2] === undefined) {
      i += 1;
    }
    raw[match[1]] = value;
  }
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((issue) => issue.message).join("\n"));
  }
  return parsed.data;
}

const WORKER = path.join(__dirname, "lib", "plan-worker.ts");

function runWorker(environment: EnvironmentName): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [environment], {
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

/** Builds the plans of the given environments, two programs at a time (one per core here). */
export async function buildPlans(
  environments: readonly EnvironmentName[],
): Promise<EnvironmentPlan[]> {
  const results = new Map<EnvironmentName, WorkerResult>();
  const queue = [...environments];
  const lanes = Array.from({ length: Math.min(2, queue.length) }, async () => {
    for (let env = queue.shift(); env !== undefined; env = queue.shift()) {
      results.set(env, await runWorker(env));
    }
  });
  await Promise.all(lanes);
  return environments.map((environment) => {
    const result = results.get(environment) as WorkerResult;
    return {
      environment,
      environmentSuffix:
        readStackConfig(environment)[`${environmentProject(environment)}:environmentSuffix`] ?? "",
      resources: result.resources,
      violations: result.violations,
      cost: estimateMonthlyCost(
        ENVIRONMENT_SETTINGS[environment],
        result.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm").length,
      ),
    };
  });
}

async function main(): Promise<number> {
  const options = parsePlanArgs(process.argv.slice(2));
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const environments = options.env === "all" ? [...ENVIRONMENT_NAMES] : [options.env];
  const started = Date.now();
  const plans = await buildPlans(environments);
  const report = renderPlan(plans, options.format);
  if (options.out !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
    fs.writeFileSync(options.out, report);
    console.error(`Wrote ${options.out}`);
  } else {
    process.stdout.write(report);
  }
  console.error(
    `Planned ${environments.join(", ")} offline in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
  );
  return plans.some((plan) => plan.violations.length > 0) ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 2;
    },
  );
}
