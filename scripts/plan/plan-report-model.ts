import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentName,
} from "../../modules/config/settings";
import type { CostEstimate } from "./cost-model-prices";

/**
 * What the offline plan knows about an environment (its resources, policy violations and cost
 * estimate) and the facts the report reads from it: modules, physical names, counts.
 */

/** One resource of an environment's plan. */
export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  /** The platform module that creates it: the domain of its outermost `trading:<domain>:` component. */
  readonly module: string;
  /** The name AWS knows it by, where the program sets one (see {@link physicalNameOf}). */
  readonly physicalName?: string;
  /**
   * Set on a component the program registers but whose provider builds what is inside it when the
   * plan is applied (awsx's VPC): it is no cloud resource itself, and the mock runtime cannot see
   * inside it. Its children are listed with `createdBy`.
   * @default - a cloud resource
   */
  readonly component?: boolean;
  /**
   * The logical name of the component whose provider creates this resource at deploy time; the
   * plan derives it from the component's inputs (`scripts/plan/plan-awsx.ts`).
   * @default - registered by the program itself
   */
  readonly createdBy?: string;
  /** Why the resource exists, where it was derived: the input it comes from. */
  readonly reason?: string;
}

/** Resource types whose physical name is unique across every AWS account, not just this one. */
export const GLOBAL_NAME_TYPES: ReadonlySet<string> = new Set(["aws:s3/bucket:Bucket"]);

/** The type token of a CloudWatch dashboard. */
export const DASHBOARD_TYPE = "aws:cloudwatch/dashboard:Dashboard";

/** The input that carries a resource type's physical name, where it is not `name`. */
const PHYSICAL_NAME_INPUTS: Readonly<Record<string, string>> = {
  "aws:s3/bucket:Bucket": "bucket",
  [DASHBOARD_TYPE]: "dashboardName",
};

/**
 * The physical name a resource is created with: `bucket` for an S3 bucket, `dashboardName` for a
 * CloudWatch dashboard, `name` for the other named AWS resources. Undefined where AWS assigns an
 * id instead (policies attached to a bucket, queue or topic, event source mappings, security group
 * rules, awsx's VPC).
 */
export function physicalNameOf(
  type: string,
  inputs: Readonly<Record<string, unknown>>,
): string | undefined {
  if (!type.startsWith("aws:")) {
    return undefined;
  }
  const value = inputs[PHYSICAL_NAME_INPUTS[type] ?? "name"];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export interface PlanViolation {
  readonly policyName: string;
  readonly resource: string;
  readonly message: string;
}

/** What the plan knows about one environment. */
export interface EnvironmentPlan {
  readonly environment: EnvironmentName;
  /**
   * A review stack of the environment (`dev-pr42`) when that is what was planned.
   * @default - the environment's own stack
   */
  readonly stack?: string;
  /**
   * The suffix every physical name ends with: `ENVIRONMENT_SUFFIX` where set, else the stack file's
   * `environmentSuffix`, as the program resolves it.
   */
  readonly environmentSuffix: string;
  /** Cloud resources, and the components whose insides the plan derives (flagged `component`). */
  readonly resources: readonly PlannedResource[];
  /**
   * The platform's own components (`trading:*`), which a preview counts beside the resources.
   * @default 0
   */
  readonly platformComponents?: number;
  /** What the plan found about a component's inputs, e.g. an endpoint attached to no route table. */
  readonly componentWarnings?: readonly string[];
  readonly violations: readonly PlanViolation[];
  readonly cost: CostEstimate;
}

export type ReportFormat = "text" | "markdown";

/**
 * The module of a resource, read from its URN's type chain
 * (`urn:pulumi:dev::trading-analytics-dev::trading:stack:TradingStack$trading:storage:ArchiveBucket$aws:s3/bucket:Bucket::name`).
 */
export function moduleOf(urn: string): string {
  const parts = urn.split("::");
  const chain = (parts[2] ?? "").split("$");
  const domains = chain
    .map((type) => /^trading:([a-z0-9-]+):/.exec(type)?.[1])
    .filter((domain): domain is string => domain !== undefined && domain !== "stack");
  if (domains.length > 0) {
    return domains[0];
  }
  return chain.some((type) => type.startsWith("trading:stack:")) ? "stack" : "other";
}

type Flat = Record<string, string>;

function flatten(value: unknown, prefix = "", out: Flat = {}): Flat {
  if (Array.isArray(value)) {
    out[prefix] = (value as unknown[])
      .map((item) =>
        typeof item === "object" && item !== null ? Object.values(item).join(" ") : String(item),
      )
      .join(", ");
  } else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      flatten(child, prefix === "" ? key : `${prefix}.${key}`, out);
    }
  } else {
    out[prefix] = String(value);
  }
  return out;
}

/** Settings whose values are not the same in every environment, as rows of [setting, ...values in `environments` order]. */
export function differingSettings(environments: readonly EnvironmentName[]): string[][] {
  const flat = ENVIRONMENT_NAMES.map((env) => flatten(ENVIRONMENT_SETTINGS[env]));
  const keys = [...new Set(flat.flatMap((entry) => Object.keys(entry)))].filter(
    (key) => key !== "name" && new Set(flat.map((entry) => entry[key] ?? "-")).size > 1,
  );
  return keys.map((key) => [
    key,
    ...environments.map((env) => flat[ENVIRONMENT_NAMES.indexOf(env)][key] ?? "-"),
  ]);
}

/** Pulumi's short form of a type token, as its preview shows it: `aws:s3/bucket:Bucket` -> `aws:s3:Bucket`. */
export function displayType(type: string): string {
  const match = /^([^:/]+):([^:/]+)\/[^:]+:(.+)$/.exec(type);
  return match === null ? type : `${match[1]}:${match[2]}:${match[3]}`;
}

/** The resources AWS will hold: everything but components. */
export function cloudResources(plan: EnvironmentPlan): PlannedResource[] {
  return plan.resources.filter((r) => r.component !== true);
}

/**
 * What `pulumi preview` of a new stack counts as "to create": every cloud resource (those awsx
 * creates inside its VPC included), every component (the platform's and awsx's) and the stack
 * itself. Default providers are not counted (pulumi/pulumi, `pkg/engine`: `isInternalStep`).
 */
export function previewCreates(plan: EnvironmentPlan): number {
  return 1 + (plan.platformComponents ?? 0) + plan.resources.length;
}
