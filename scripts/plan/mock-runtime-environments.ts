import * as fs from "node:fs";
import * as path from "node:path";

import { parse as parseYaml } from "yaml";

import { reviewStackFileText } from "../../environments/stack-files";
import { resolveDeploymentConfig, type DeploymentConfig } from "../../modules/config/deployment";
import { parseReviewStackName } from "../../modules/config/review-stack";
import type { EnvironmentName } from "../../modules/config/settings";
import { asRecord, runProgram, type ProgramResult } from "./mock-runtime";

/**
 * The environments' Pulumi programs under the mock runtime (`mock-runtime.ts`): each environment's
 * project, directory and committed stack config (or a review stack's), and a run of
 * `environments/<env>/index.ts` as `pulumi up` would run it.
 */

export interface EnvironmentRunOptions {
  /** Replaces the stack config's `environmentSuffix`. */
  readonly suffix?: string;
  /** Value of the `ENVIRONMENT_SUFFIX` variable while the program runs. @default - unset */
  readonly envOverride?: string;
  /**
   * Runs the program as this stack of the environment's project: a review stack (`dev-pr42`), with
   * the stack file the review-stack workflow writes for it. @default - the environment's own stack
   */
  readonly stack?: string;
}

const REPOSITORY_ROOT = path.resolve(__dirname, "..", "..");

/** The Pulumi project of an environment, e.g. `trading-analytics-dev`. */
export function environmentProject(environment: EnvironmentName): string {
  return `trading-analytics-${environment}`;
}

/** The directory of an environment's Pulumi project. */
export function environmentDirectory(environment: EnvironmentName): string {
  return path.join(REPOSITORY_ROOT, "environments", environment);
}

/** The committed stack config (`environments/<env>/Pulumi.<env>.yaml`), keyed `<namespace>:<key>`. */
export function readStackConfig(environment: EnvironmentName): Record<string, string> {
  return stackFileConfig(readStackFile(environment));
}

function readStackFile(environment: EnvironmentName): string {
  const file = path.join(environmentDirectory(environment), `Pulumi.${environment}.yaml`);
  return fs.readFileSync(file, "utf8");
}

/**
 * The config of one stack of the environment's project: the committed stack file's for the
 * environment's own stack, or for a review stack the file the workflow writes from it.
 */
export function readStackConfigOf(
  environment: EnvironmentName,
  stack: string,
): Record<string, string> {
  if (stack === environment) {
    return readStackConfig(environment);
  }
  const review = parseReviewStackName(stack);
  if (review === undefined || review.environment !== environment) {
    throw new Error(
      `Stack "${stack}" is neither ${environment} nor one of its review stacks (${environment}-pr<N>).`,
    );
  }
  return stackFileConfig(reviewStackFileText(readStackFile(environment), review));
}

function stackFileConfig(text: string): Record<string, string> {
  const document = asRecord(parseYaml(text));
  return Object.fromEntries(
    Object.entries(asRecord(document.config)).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

/**
 * Checks one stack's config as its program will read it (`loadDeploymentConfig` in
 * modules/config/deployment.ts): region, suffix, `ENVIRONMENT_SUFFIX` and a review stack's tags.
 * Returns what the program will deploy with, or throws the program's own message, which names the
 * file to edit, without running the program.
 * `config` is the stack's config as `readStackConfigOf` reads it from the stack file.
 */
export function checkStackConfig(
  environment: EnvironmentName,
  stack: string,
  environmentSuffixOverride: string | undefined,
  config: Readonly<Record<string, string>> = readStackConfigOf(environment, stack),
): DeploymentConfig {
  const defaultTags = config["aws:defaultTags"];
  let parsedTags: unknown;
  if (defaultTags !== undefined) {
    try {
      // The stack file's objects are kept as JSON text, which Pulumi's getObject parses.
      parsedTags = JSON.parse(defaultTags) as unknown;
    } catch {
      // Pulumi's own ConfigTypeError text, and the file that holds the value.
      throw new Error(
        `Configuration 'aws:defaultTags' value '${defaultTags}' is not a valid JSON object. The stack file to edit is environments/${environment}/Pulumi.${stack}.yaml.`,
      );
    }
  }
  return resolveDeploymentConfig({
    environment,
    stack,
    region: config["aws:region"],
    environmentSuffix: config[`${environmentProject(environment)}:environmentSuffix`],
    environmentSuffixOverride,
    defaultTags: parsedTags,
  });
}

const loadedPrograms = new Set<string>();

/**
 * Runs `environments/<env>/index.ts` as `pulumi up` would on stack `<env>` (or a review stack of it),
 * with the committed stack config (or the review stack's). A module loads once per module registry, so each environment can run once per process
 * (or jest test file); a run that failed may be repeated.
 */
export async function runEnvironmentProgram(
  environment: EnvironmentName,
  options: EnvironmentRunOptions = {},
): Promise<ProgramResult> {
  const project = environmentProject(environment);
  const entry = path.join(environmentDirectory(environment), "index.ts");
  if (loadedPrograms.has(entry)) {
    throw new Error(
      `${path.relative(REPOSITORY_ROOT, entry)} already ran in this process; Node caches modules, so run each environment in its own process or test file.`,
    );
  }
  const stack = options.stack ?? environment;
  const config = readStackConfigOf(environment, stack);
  if (options.suffix !== undefined) {
    config[`${project}:environmentSuffix`] = options.suffix;
  }
  const result = await runProgram({
    project,
    stack,
    config,
    environmentVariables: { ENVIRONMENT_SUFFIX: options.envOverride },
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    program: (): unknown => require(entry),
  });
  loadedPrograms.add(entry);
  return result;
}
