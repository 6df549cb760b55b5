import { ENVIRONMENT_SUFFIX_PATTERN } from "../modules/config/deployment";
import { parseReviewStackName, type ReviewStack } from "../modules/config/review-stack";
import {
  ENVIRONMENT_SETTINGS,
  isEnvironmentName,
  type EnvironmentName,
  type EnvironmentSettings,
} from "../modules/config/settings";

/**
 * What the policies know about the stack being deployed, besides its resources. The Pulumi engine
 * starts a policy pack with `PULUMI_STACK`, `PULUMI_PROJECT` and `PULUMI_CONFIG` (the stack's
 * configuration as JSON) in its environment; the offline harness passes the same values directly.
 * (`args.getConfig()` is something else: the policy pack's own configuration.)
 */
export interface StackContext {
  /** The Pulumi stack name: the environment name, or a review stack's `dev-pr<N>`. */
  readonly stack?: string;
  /** The Pulumi project name, the namespace of the project's own config keys. */
  readonly project?: string;
  /** Stack configuration, keyed `<namespace>:<key>` as Pulumi writes it, e.g. `aws:region`. */
  readonly config: Readonly<Record<string, string>>;
  /** The `ENVIRONMENT_SUFFIX` override that ephemeral stacks use instead of the config value. */
  readonly environmentSuffixOverride?: string;
}

/** Reads the context the Pulumi CLI hands to a policy pack process. */
export function stackContextFromProcess(env: NodeJS.ProcessEnv = process.env): StackContext {
  const stack = nonEmpty(env.PULUMI_STACK) ?? nonEmpty(env.PULUMI_NODEJS_STACK);
  const project = nonEmpty(env.PULUMI_PROJECT) ?? nonEmpty(env.PULUMI_NODEJS_PROJECT);
  const override = nonEmpty(env.ENVIRONMENT_SUFFIX);
  return {
    ...(stack === undefined ? {} : { stack }),
    ...(project === undefined ? {} : { project }),
    config: parseConfigJson(env.PULUMI_CONFIG),
    ...(override === undefined ? {} : { environmentSuffixOverride: override }),
  };
}

/** Parses `PULUMI_CONFIG`: a JSON object of string values. */
export function parseConfigJson(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === "") {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(
      `PULUMI_CONFIG is not valid JSON (${(error as Error).message}): it must be the stack configuration as a JSON object, as the Pulumi CLI sets it.`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(
      `PULUMI_CONFIG must be a JSON object of configuration keys to values; received ${Array.isArray(parsed) ? "an array" : typeof parsed}.`,
    );
  }
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}

/** The review stack the context's stack is, if it is one; a malformed name is none. */
export function contextReviewStack(context: StackContext): ReviewStack | undefined {
  if (context.stack === undefined) {
    return undefined;
  }
  try {
    return parseReviewStackName(context.stack);
  } catch {
    return undefined;
  }
}

/**
 * The environment the stack deploys, when its name is one of the environments or one of their
 * review stacks (`dev-pr42` deploys dev, with dev's settings).
 */
export function stackEnvironment(context: StackContext): EnvironmentName | undefined {
  if (context.stack !== undefined && isEnvironmentName(context.stack)) {
    return context.stack;
  }
  return contextReviewStack(context)?.environment;
}

/**
 * The environmentSuffix every physical name in the stack must end with: a review stack's `pr<N>`
 * (from its name, as the program takes it), else the `ENVIRONMENT_SUFFIX` override when set, else
 * the project's `environmentSuffix` config value. Undefined when none is known (the naming rule
 * then checks the suffix's shape only).
 */
export function expectedEnvironmentSuffix(context: StackContext): string | undefined {
  const review = contextReviewStack(context);
  if (review !== undefined) {
    return review.suffix;
  }
  if (context.environmentSuffixOverride !== undefined) {
    return context.environmentSuffixOverride;
  }
  const keys = Object.keys(context.config).filter(
    (key) => key === "environmentSuffix" || key.endsWith(":environmentSuffix"),
  );
  const preferred =
    context.project !== undefined
      ? keys.find((key) => key === `${context.project}:environmentSuffix`)
      : undefined;
  if (preferred !== undefined) {
    return context.config[preferred];
  }
  const values = [...new Set(keys.map((key) => context.config[key]))];
  const only = values.length === 1 ? values[0] : undefined;
  return only !== undefined && ENVIRONMENT_SUFFIX_PATTERN.test(only) ? only : undefined;
}

/** The `Environment` tag's value when it names an environment. */
export function taggedEnvironment(
  tags: Readonly<Record<string, string>>,
): EnvironmentName | undefined {
  const value = tags.Environment;
  return value !== undefined && isEnvironmentName(value) ? value : undefined;
}

/**
 * The environment whose settings a resource must follow: the stack's environment (what is being
 * deployed), else the resource's own `Environment` tag. Undefined when neither resolves; the
 * required-tags rule reports that case, so the rules that need an environment skip the resource.
 */
export function resolveEnvironment(
  context: StackContext,
  tags: Readonly<Record<string, string>>,
): EnvironmentName | undefined {
  return stackEnvironment(context) ?? taggedEnvironment(tags);
}

export function settingsFor(environment: EnvironmentName): EnvironmentSettings {
  return ENVIRONMENT_SETTINGS[environment];
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
