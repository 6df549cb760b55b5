import * as pulumi from "@pulumi/pulumi";

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
}

export interface RawDeploymentConfig {
  /** The environment the program was written for (`environments/<env>/index.ts`). */
  readonly environment: string;
  /** The selected Pulumi stack; must equal the environment. */
  readonly stack: string;
  /** `aws:region` from the stack config. */
  readonly region: string | undefined;
  /** `environmentSuffix` from the stack config. */
  readonly environmentSuffix: string | undefined;
  /** The `ENVIRONMENT_SUFFIX` environment variable, which wins over the stack config. */
  readonly environmentSuffixOverride: string | undefined;
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

/** Validates the raw values; every failure names the bad value and what is allowed. Pure, so tests cover every case. */
export function resolveDeploymentConfig(raw: RawDeploymentConfig): DeploymentConfig {
  const settings = environmentSettings(raw.environment);
  // The table is code, but a bad edit must fail here, before the stack registers anything.
  assertDeliverySettings(settings);
  if (raw.stack !== settings.name) {
    throw new Error(
      `Stack "${raw.stack}" does not match environment "${settings.name}": the stack name is the environment name. Run \`pulumi stack select ${settings.name}\`.`,
    );
  }
  if (raw.region !== settings.region) {
    throw new Error(
      `aws:region is ${raw.region === undefined ? "not set" : `"${raw.region}"`}; this platform deploys to ${settings.region} only. Run \`pulumi config set aws:region ${settings.region}\`.`,
    );
  }
  const override = raw.environmentSuffixOverride;
  const suffix = override !== undefined && override !== "" ? override : raw.environmentSuffix;
  const source = suffix === override ? "ENVIRONMENT_SUFFIX" : "environmentSuffix";
  if (suffix === undefined || suffix === "") {
    throw new Error(
      `environmentSuffix is missing: use 1-12 lower-case letters or digits, e.g. "a1". ${SUFFIX_HOW_TO}.`,
    );
  }
  if (!ENVIRONMENT_SUFFIX_PATTERN.test(suffix)) {
    throw new Error(
      `${source} "${suffix}" is invalid: use 1-12 lower-case letters or digits, e.g. "a1". ${SUFFIX_HOW_TO}.`,
    );
  }
  return { environment: settings.name, environmentSuffix: suffix, settings };
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
  });
}
