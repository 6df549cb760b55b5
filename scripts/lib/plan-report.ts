import { TEMPLATE_ENVIRONMENT_SUFFIX } from "../../modules/config/deployment";
import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentName,
} from "../../modules/config/settings";
import { dashboardConsoleUrl } from "../../modules/monitoring/dashboard-body";
import { PRICE_TABLE, TRAFFIC, type CostEstimate } from "./cost-model";

/** One resource of an environment's plan. */
export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  /** The platform module that creates it: the domain of its outermost `trading:<domain>:` component. */
  readonly module: string;
  /** The name AWS knows it by, where the program sets one (see {@link physicalNameOf}). */
  readonly physicalName?: string;
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
  /** The `environmentSuffix` of the committed stack file, which every physical name ends with. */
  readonly environmentSuffix: string;
  readonly resources: readonly PlannedResource[];
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

function table(format: ReportFormat, header: string[], rows: string[][]): string {
  if (format === "markdown") {
    const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
    return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
  }
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => row[i].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function heading(format: ReportFormat, level: number, text: string): string {
  return format === "markdown"
    ? `${"#".repeat(level)} ${text}`
    : `${text}\n${"=".repeat(text.length)}`;
}

const usd = (value: number) => `$${value.toFixed(2)}`;

/**
 * Said first when a stack file still carries the template's suffix: its bucket names are those of
 * every other copy of this repository, and S3 refuses a name another account holds.
 */
export function templateSuffixWarning(
  plans: readonly EnvironmentPlan[],
  format: ReportFormat,
): string | undefined {
  const affected = plans.filter((plan) => plan.environmentSuffix === TEMPLATE_ENVIRONMENT_SUFFIX);
  if (affected.length === 0) {
    return undefined;
  }
  const buckets = affected.flatMap((plan) =>
    plan.resources
      .filter((r) => GLOBAL_NAME_TYPES.has(r.type) && r.physicalName !== undefined)
      .map((r) => r.physicalName as string),
  );
  const code = (text: string) => (format === "markdown" ? `\`${text}\`` : text);
  const label = format === "markdown" ? "**Warning:**" : "WARNING:";
  return `${label} environmentSuffix is ${code(TEMPLATE_ENVIRONMENT_SUFFIX)} in ${affected.map((plan) => plan.environment).join(", ")}: the template's placeholder, which every copy of this repository commits. S3 bucket names are global, so ${buckets.map(code).join(", ") || "its buckets"} ${buckets.length === 1 ? "is a name" : "are names"} every copy would create, and ${code("pulumi up")} stops at BucketAlreadyExists where another account created it first. Before the first deploy, set the suffix the bootstrap proposes (${code("pulumi -C bootstrap stack output stackFilesCommand")}; README: Deploying, First deploy).`;
}

/** The whole report: resources by module, differing settings, policy verdict, cost estimate. */
export function renderPlan(plans: readonly EnvironmentPlan[], format: ReportFormat): string {
  const envs = plans.map((plan) => plan.environment);
  const sections: string[] = [heading(format, 2, `Offline plan: ${envs.join(", ")}`)];
  const warning = templateSuffixWarning(plans, format);
  if (warning !== undefined) {
    sections.push(warning);
  }

  const modules = [...new Set(plans.flatMap((plan) => plan.resources.map((r) => r.module)))].sort();
  const countRows = modules.map((module) => [
    module,
    ...plans.map((plan) => String(plan.resources.filter((r) => r.module === module).length)),
  ]);
  countRows.push(["total", ...plans.map((plan) => String(plan.resources.length))]);
  sections.push(
    heading(format, 3, "Resources by module"),
    table(format, ["module", ...envs], countRows),
  );

  for (const plan of plans) {
    const rows = [...plan.resources]
      .sort(
        (a, b) =>
          a.module.localeCompare(b.module) ||
          a.type.localeCompare(b.type) ||
          a.name.localeCompare(b.name),
      )
      .map((r) => [r.module, r.type, r.name, r.physicalName ?? "-"]);
    const body = table(format, ["module", "type", "name", "physical name"], rows);
    sections.push(
      format === "markdown"
        ? `<details><summary>${plan.environment}: ${plan.resources.length} resources</summary>\n\n${body}\n\n</details>`
        : `${heading(format, 3, `${plan.environment}: ${plan.resources.length} resources`)}\n${body}`,
    );
  }

  sections.push(
    heading(format, 3, "Globally unique names"),
    table(
      format,
      ["environment", "suffix", "type", "physical name"],
      plans.flatMap((plan) =>
        plan.resources
          .filter((r) => GLOBAL_NAME_TYPES.has(r.type))
          .map((r) => [plan.environment, plan.environmentSuffix, r.type, r.physicalName ?? "-"]),
      ),
    ),
    "S3 bucket names are shared by every AWS account: the suffix must be this deployment's own.",
  );

  sections.push(
    heading(format, 3, "Dashboards"),
    table(
      format,
      ["environment", "dashboard", "console"],
      plans.flatMap((plan) =>
        plan.resources
          .filter((r) => r.type === DASHBOARD_TYPE && r.physicalName !== undefined)
          .map((r) => [
            plan.environment,
            r.physicalName as string,
            dashboardConsoleUrl(
              ENVIRONMENT_SETTINGS[plan.environment].region,
              r.physicalName as string,
            ),
          ]),
      ),
    ),
  );

  sections.push(
    heading(format, 3, "Settings that differ between environments"),
    table(format, ["setting", ...ENVIRONMENT_NAMES], differingSettings(ENVIRONMENT_NAMES)),
  );

  const verdictRows = plans.map((plan) => [
    plan.environment,
    plan.violations.length === 0 ? "pass" : `FAIL (${plan.violations.length})`,
  ]);
  sections.push(
    heading(format, 3, "Policy verdict"),
    table(format, ["environment", "verdict"], verdictRows),
  );
  const violations = plans.flatMap((plan) =>
    plan.violations.map((v) => [plan.environment, v.policyName, v.resource, v.message]),
  );
  if (violations.length > 0) {
    sections.push(table(format, ["environment", "policy", "resource", "message"], violations));
  }

  const items = [
    ...new Set(plans.flatMap((plan) => plan.cost.lines.map((l) => `${l.service}: ${l.item}`))),
  ];
  const costRows = items.map((key) => [
    key,
    ...plans.map((plan) => {
      const line = plan.cost.lines.find((l) => `${l.service}: ${l.item}` === key);
      return line === undefined ? "-" : `${usd(line.monthlyUsd)} (${line.basis})`;
    }),
  ]);
  costRows.push(["total per month", ...plans.map((plan) => usd(plan.cost.totalUsd))]);
  const assumptions = plans.map(
    (plan) =>
      `${plan.environment}: ${TRAFFIC[plan.environment].ticksPerSecond} ticks/s average, ${TRAFFIC[plan.environment].activeSymbols} symbols, ${TRAFFIC[plan.environment].apiRequestsPerSecond} API requests/s`,
  );
  sections.push(
    heading(format, 3, "Estimated monthly cost (USD)"),
    table(format, ["item", ...envs], costRows),
    [
      `Prices: AWS on-demand list prices for ${PRICE_TABLE.region}, as of ${PRICE_TABLE.asOf}; sources: ${PRICE_TABLE.sources.join(", ")}.`,
      "No free tier, savings plans, data transfer or taxes. Traffic assumed:",
      ...assumptions.map((line) => `- ${line}`),
    ].join("\n"),
  );
  return `${sections.join("\n\n")}\n`;
}
