import * as fs from "node:fs";
import * as path from "node:path";

import { Option } from "commander";
import type { Command } from "commander";

import { parseReviewStackName } from "../../modules/config/review-stack";
import { ENVIRONMENT_NAMES, type EnvironmentName } from "../../modules/config/settings";
import {
  EXIT_OK,
  EXIT_PROBLEM,
  parseCommand,
  runMain,
  UsageError,
  type CommandIo,
  type Parsed,
} from "../cli/program";
import { createCommand } from "../cli/program-help";
import type { EnvironmentPlan } from "./plan-report-model";

const PLAN_ENVIRONMENTS = [...ENVIRONMENT_NAMES, "all"] as const;

export interface PlanOptions {
  readonly env: (typeof PLAN_ENVIRONMENTS)[number];
  readonly format: "text" | "markdown";
  readonly out?: string;
  /** A review stack, `dev-pr<N>`, planned instead of its environment's own stack. */
  readonly stack?: string;
}

/** `npm run plan`'s command line. */
export function planCommand(io: CommandIo): Command {
  return createCommand(
    {
      script: "plan",
      description:
        "Runs the real environment programs under Pulumi's mock runtime (no cloud access) and prints the resources per environment by module with their physical names, the globally unique names (S3 buckets), the settings that differ between environments, the policy verdict and an estimated monthly cost.",
      details:
        "Warns when a stack file still has the template's environmentSuffix. The report goes to stdout (or --out), progress to stderr.",
      exitCodes: {
        ok: "no policy violation",
        problem: "an environment violates a policy (or an error)",
      },
      examples: [
        "npm run plan",
        "npm run plan -- --env production",
        "npm run plan -- --env dev --format markdown --out dist/plan.md",
        "npm run plan -- --env dev --stack dev-pr42",
      ],
    },
    io,
  )
    .addOption(
      new Option("--env <environment>", "the environment to plan, or all")
        .choices(PLAN_ENVIRONMENTS)
        .default("all"),
    )
    .addOption(
      new Option("--format <format>", "report format")
        .choices(["text", "markdown"])
        .default("text"),
    )
    .addOption(new Option("--out <file>", "write the report to this file (default: stdout)"))
    .addOption(
      new Option(
        "--stack <stack>",
        "a pull request's review stack, dev-pr<N>: dev's program with the stack file the review-stack workflow writes, every name ending in pr<N>",
      ),
    );
}

/** Parses `--env`, `--format` and `--out` (also in `--name=value` form). */
export function parsePlanArgs(argv: readonly string[], io: CommandIo): Parsed<PlanOptions> {
  return parseCommand<PlanOptions>(planCommand(io), argv, io, {
    validate: (values) => {
      const options = values as unknown as PlanOptions;
      if (options.out === "") {
        throw new UsageError("--out needs a file path.");
      }
      if (options.stack !== undefined) {
        let review;
        try {
          review = parseReviewStackName(options.stack);
        } catch (error) {
          throw new UsageError(error instanceof Error ? error.message : String(error));
        }
        if (review === undefined) {
          throw new UsageError(
            `--stack "${options.stack}" is not a review stack: use dev-pr<N>, N the pull request number (or leave --stack out for the environments' own stacks).`,
          );
        }
        if (options.env !== "all" && options.env !== review.environment) {
          throw new UsageError(
            `--stack ${review.stack} is a review stack of ${review.environment}, not of ${options.env}: use --env ${review.environment}.`,
          );
        }
        return { ...options, env: review.environment };
      }
      return options;
    },
  });
}

/** `npm run plan -- [options]`; resolves with the exit code. */
export async function planCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parsePlanArgs(argv, io);
  if (parsed.kind === "exit") {
    return parsed.code;
  }
  const { options } = parsed;
  const environments: EnvironmentName[] =
    options.env === "all" ? [...ENVIRONMENT_NAMES] : [options.env];
  const started = Date.now();
  // The programs, the policy pack and the report load once the command line is valid, so --help
  // and a usage error answer at once.
  const [{ buildPlans }, { renderPlan }, { checkStackConfig }] = await Promise.all([
    import("./plan-run"),
    import("./plan-report"),
    import("./mock-runtime-environments"),
  ]);
  // Each stack's config first, as its program will read it: a bad value stops the plan before any
  // program starts, with the program's own message.
  const configErrors = environments.flatMap((environment) => {
    try {
      checkStackConfig(environment, options.stack ?? environment, io.env.ENVIRONMENT_SUFFIX);
      return [];
    } catch (error) {
      return [`error: ${environment}: ${error instanceof Error ? error.message : String(error)}\n`];
    }
  });
  if (configErrors.length > 0) {
    io.stderr(configErrors.join(""));
    return EXIT_PROBLEM;
  }
  let plans: EnvironmentPlan[];
  try {
    // ENVIRONMENT_SUFFIX reaches every program, as in a deployment.
    plans = await buildPlans(environments, {
      environmentSuffixOverride: io.env.ENVIRONMENT_SUFFIX,
      ...(options.stack === undefined ? {} : { stack: options.stack }),
    });
  } catch (error) {
    // A program that fails says what to change (a config or naming error): its message suffices.
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_PROBLEM;
  }
  const report = renderPlan(plans, options.format);
  if (options.out !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
    fs.writeFileSync(options.out, report);
    io.stderr(`Wrote ${options.out}\n`);
  } else {
    io.stdout(report);
  }
  io.stderr(
    `Planned ${environments.join(", ")} offline in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
  );
  return plans.some((plan) => plan.violations.length > 0) ? EXIT_PROBLEM : EXIT_OK;
}

if (require.main === module) {
  runMain(planCli);
}
