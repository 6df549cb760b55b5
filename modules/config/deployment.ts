import * as pulumi from "@pulumi/pulumi";

import { REVIEW_STACK_TAG } from "../naming/tags";
import {
  REVIEW_SUFFIX_PREFIX,
  isReservedSuffix,
  parseReviewStackName,
  type ReviewStack,
} from "./review-stack";
import {
  assertDeliverySettings,
  environmentSettings,
  type EnvironmentName,
  type EnvironmentSettings,
} from "./settings";

/** What an operator sets per deployment, validated, plus the environment's settings. */
export interface DeploymentConfig {
  readonly environment: EnvironmentName;
  /** Distinguishes this deployment's physical names, e.g. `a1`; ephemeral stacks get their own. */
  readonly environmentSuffix: string;
  readonly settings: EnvironmentSettings;
  /**
   * Set when the stack is a pull request's review stack (`dev-pr<N>`): its roles go under the
   * review path with the review boundary, the only roles the review-stack role may create.
   * @default - the environment's own stack
   */
  readonly reviewStack?: ReviewStack;
}

export interface RawDeploymentConfig {
  /** The environment the program was written for (`environments/<env>/index.ts`). */
  readonly environment: string;
  /** The selected Pulumi stack: the environment, or one of its review stacks (`dev-pr<N>`). */
  readonly stack: string;
  /** `aws:region` from the stack config. */
  readonly region: string | undefined;
  /** `environmentSuffix` from the stack config. */
  readonly environmentSuffix: string | undefined;
  /** The `ENVIRONMENT_SUFFIX` environment variable, which wins over the stack config. */
  readonly environmentSuffixOverride: string | undefined;
  /** `aws:defaultTags` from the stack config, as Pulumi parses it: `{ tags: { ... } }`. */
  readonly defaultTags?: unknown;
}

export const ENVIRONMENT_SUFFIX_PATTERN = /^[a-z0-9]{1,12}$/;

/**
 * The suffix the committed stack files carry, so the tests and the offline plan have real names.
 * Every copy of this repository commits it, and S3 bucket names are global: a deployment sets its
 * own (the bootstrap proposes one, `proposeEnvironmentSuffix` in `modules/naming`), and the offline
 * plan warns while a stack file still has this one.
 */
export const TEMPLATE_ENVIRONMENT_SUFFIX = "a1";

const SUFFIX_HOW_TO =
  "Set it with `pulumi config set environmentSuffix <value>` or the ENVIRONMENT_SUFFIX environment variable";

/** The stack file a config error is fixed in: `environments/dev/Pulumi.dev.yaml`. */
function stackFileOf(environment: string, stack: string): string {
  return `environments/${environment}/Pulumi.${stack}.yaml`;
}

/** The sentence that ends a config error: which file holds the value to change. */
function fixIn(stackFile: string, source?: string): string {
  return source === "ENVIRONMENT_SUFFIX"
    ? `ENVIRONMENT_SUFFIX overrides the environmentSuffix in ${stackFile}: correct it, or unset it.`
    : `The stack file to edit is ${stackFile}.`;
}

/** Validates the raw values; every failure names the bad value and what is allowed. Pure, so tests cover every case. */
export function resolveDeploymentConfig(raw: RawDeploymentConfig): DeploymentConfig {
  const settings = environmentSettings(raw.environment);
  // The table is code, but a bad edit must fail here, before the stack registers anything.
  assertDeliverySettings(settings);
  const review = parseReviewStackName(raw.stack);
  if (review !== undefined && review.environment !== settings.name) {
    throw new Error(
      `Stack "${raw.stack}" is a review stack of ${review.environment}, not of ${settings.name}: deploy it from environments/${review.environment}.`,
    );
  }
  if (review === undefined && raw.stack !== settings.name) {
    throw new Error(
      `Stack "${raw.stack}" does not match environment "${settings.name}": the stack name is the environment name${settings.name === "dev" ? ", or dev-pr<N> for a pull request's review stack" : ""}. Run \`pulumi stack select ${settings.name}\`.`,
    );
  }
  const stackFile = stackFileOf(settings.name, raw.stack);
  if (raw.region !== settings.region) {
    throw new Error(
      `aws:region is ${raw.region === undefined ? "not set" : `"${raw.region}"`}; this platform deploys to ${settings.region} only. Run \`pulumi config set aws:region ${settings.region}\`. ${fixIn(stackFile)}`,
    );
  }
  const reviewTag = defaultTag(raw.defaultTags, REVIEW_STACK_TAG);
  if (review !== undefined) {
    return {
      environment: settings.name,
      environmentSuffix: reviewStackSuffix(review, raw, reviewTag),
      settings,
      reviewStack: review,
    };
  }
  if (reviewTag !== undefined) {
    throw new Error(
      `aws:defaultTags tags every resource of stack "${raw.stack}" ${REVIEW_STACK_TAG}=${JSON.stringify(reviewTag)}, which only review stacks carry: the review-stack role may change what carries it. Remove ${REVIEW_STACK_TAG} from the stack file's aws:defaultTags. ${fixIn(stackFile)}`,
    );
  }
  const override = raw.environmentSuffixOverride;
  const suffix = override !== undefined && override !== "" ? override : raw.environmentSuffix;
  const source = suffix === override ? "ENVIRONMENT_SUFFIX" : "environmentSuffix";
  if (suffix === undefined || suffix === "") {
    throw new Error(
      `environmentSuffix is missing: use 1-12 lower-case letters or digits, e.g. "a1". ${SUFFIX_HOW_TO}. ${fixIn(stackFile)}`,
    );
  }
  if (!ENVIRONMENT_SUFFIX_PATTERN.test(suffix)) {
    throw new Error(
      `${source} "${suffix}" is invalid: use 1-12 lower-case letters or digits, e.g. "a1". ${SUFFIX_HOW_TO}. ${fixIn(stackFile, source)}`,
    );
  }
  if (isReservedSuffix(suffix)) {
    throw new Error(
      `${source} "${suffix}" starts with "${REVIEW_SUFFIX_PREFIX}", which only review stacks use (dev-pr<N> has the suffix pr<N>): the review-stack role may change every dev resource whose suffix starts with it. Use a suffix that does not, e.g. the bootstrap's environmentSuffix output. ${SUFFIX_HOW_TO}. ${fixIn(stackFile, source)}`,
    );
  }
  return { environment: settings.name, environmentSuffix: suffix, settings };
}

/** The value of one tag in `aws:defaultTags`, or undefined. */
function defaultTag(defaultTags: unknown, key: string): string | undefined {
  const tags =
    typeof defaultTags === "object" && defaultTags !== null
      ? (defaultTags as { tags?: unknown }).tags
      : undefined;
  const value =
    typeof tags === "object" && tags !== null ? (tags as Record<string, unknown>)[key] : undefined;
  if (value === undefined) {
    return undefined;
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * A review stack's suffix is `pr<N>`, from its name. Any other value from the stack config or
 * `ENVIRONMENT_SUFFIX` would give it another deployment's names (dev's, when the stack file is a
 * copy of dev's), so it is refused; so is a stack config without the review tag its role needs.
 */
function reviewStackSuffix(
  review: ReviewStack,
  raw: RawDeploymentConfig,
  reviewTag: string | undefined,
): string {
  const stackFile = `environments/${review.environment}/Pulumi.${review.stack}.yaml`;
  const write = `Write the stack file with \`npx tsx scripts/gitops/review-stacks.ts stack-file --stack ${review.stack}\``;
  for (const [source, value] of [
    ["ENVIRONMENT_SUFFIX", raw.environmentSuffixOverride],
    ["environmentSuffix", raw.environmentSuffix],
  ] as const) {
    if (value !== undefined && value !== "" && value !== review.suffix) {
      throw new Error(
        `Stack "${review.stack}" is a review stack, whose suffix is "${review.suffix}" (from its name); ${source} "${value}" would give it another deployment's names. ${source === "ENVIRONMENT_SUFFIX" ? "Unset ENVIRONMENT_SUFFIX or set it to the same value" : `Remove environmentSuffix from ${stackFile}`}.`,
      );
    }
  }
  if (reviewTag !== review.stack) {
    throw new Error(
      `Stack "${review.stack}" is a review stack, so aws:defaultTags must tag every resource ${REVIEW_STACK_TAG}=${review.stack}: its role may create network resources and event source mappings only with that tag. The stack config has ${reviewTag === undefined ? "no such tag" : `${REVIEW_STACK_TAG}=${JSON.stringify(reviewTag)}`}. ${write}.`,
    );
  }
  return review.suffix;
}

/** The one place that reads Pulumi config and the process environment. */
export function loadDeploymentConfig(environment: string): DeploymentConfig {
  const config = new pulumi.Config();
  const awsConfig = new pulumi.Config("aws");
  return resolveDeploymentConfig({
    environment,
    stack: pulumi.getStack(),
    region: awsConfig.get("region"),
    environmentSuffix: config.get("environmentSuffix"),
    environmentSuffixOverride: process.env.ENVIRONMENT_SUFFIX,
    defaultTags: awsConfig.getObject<unknown>("defaultTags"),
  });
}
