import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentName,
} from "../../modules/config/settings";
import { PRICE_TABLE, TRAFFIC, type CostEstimate } from "./cost-model";

/** One resource of an environment's plan. */
export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  /** The platform module that creates it: the domain of its outermost `trading:<domain>:` component. */
  readonly module: string;
}

export interface PlanViolation {
  readonly policyName: string;
  readonly resource: string;
  readonly message: string;
}

/** What the plan knows about one environment. */
export interface EnvironmentPlan {
  readonly environment: EnvironmentName;
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

/** The whole report: resources by module, differing settings, policy verdict, cost estimate. */
export function renderPlan(plans: readonly EnvironmentPlan[], format: ReportFormat): string {
  const envs = plans.map((plan) => plan.environment);
  const sections: string[] = [heading(format, 2, `Offline plan: ${envs.join(", ")}`)];

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
      .map((r) => [r.module, r.type, r.name]);
    const body = table(format, ["module", "type", "name"], rows);
    sections.push(
      format === "markdown"
        ? `<details><summary>${plan.environment}: ${plan.resources.length} resources</summary>\n\n${body}\n\n</details>`
        : `${heading(format, 3, `${plan.environment}: ${plan.resources.length} resources`)}\n${body}`,
    );
  }

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
