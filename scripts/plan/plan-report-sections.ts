import { TEMPLATE_ENVIRONMENT_SUFFIX } from "../../modules/config/deployment";
import { ENVIRONMENT_SETTINGS } from "../../modules/config/settings";
import { dashboardConsoleUrl } from "../../modules/monitoring/dashboard-body";
import type { Column } from "../cli/text-table";
import { PRICE_TABLE } from "./cost-model-prices";
import { TRAFFIC } from "./cost-model-traffic";
import { dataPathDiagram, dataPathNames } from "./plan-diagram";
import {
  DASHBOARD_TYPE,
  GLOBAL_NAME_TYPES,
  cloudResources,
  previewCreates,
  type EnvironmentPlan,
  type PlannedResource,
  type ReportFormat,
} from "./plan-report-model";

/**
 * The parts of the plan report its text and markdown forms share: the summary, the sections'
 * rows (resources, awsx's VPC, global names, dashboards, cost) and the notes around them.
 */

export const usd = (value: number) => `$${value.toFixed(2)}`;

export const columns = (...headers: string[]): Column[] => headers.map((header) => ({ header }));

/** One collapsible part of the report: a table with text around it. */
export interface Section {
  readonly title: string;
  readonly before?: readonly string[];
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly string[])[];
  readonly after?: readonly string[];
  /** What to run for the rows the markdown form had to leave out. */
  readonly fullCommand: string;
}

export function planCommand(plans: readonly EnvironmentPlan[]): string {
  return plans.length === 1
    ? `npm run plan -- --env ${plans[0].environment}`
    : "npm run plan -- --env all";
}

export function resourceSummary(plan: EnvironmentPlan): string {
  const cloud = cloudResources(plan);
  const inside = cloud.filter((r) => r.createdBy !== undefined).length;
  return inside === 0
    ? String(cloud.length)
    : `${cloud.length} (${cloud.length - inside} from the program, ${inside} awsx creates in its VPC)`;
}

export function summaryRows(plans: readonly EnvironmentPlan[], format: ReportFormat): string[][] {
  return plans.map((plan) => [
    plan.environment,
    plan.violations.length === 0
      ? "pass"
      : `${format === "markdown" ? "**FAIL**" : "FAIL"} (${plan.violations.length})`,
    resourceSummary(plan),
    `+ ${previewCreates(plan)} to create`,
    usd(plan.cost.totalUsd),
  ]);
}

export const SUMMARY_COLUMNS = columns(
  "environment",
  "policy",
  "cloud resources",
  "preview of a new stack",
  "cost per month",
);

export function countingNote(
  plans: readonly EnvironmentPlan[],
  code: (text: string) => string,
): string {
  const components = plans.flatMap((plan) => plan.resources.filter((r) => r.component === true));
  const opaque = [...new Set(components.map((r) => code(r.type)))].join(", ");
  return [
    `The preview column is what ${code("pulumi preview")} of a new stack says: the cloud resources, every component (the platform's and awsx's) and the stack itself.`,
    components.length === 0
      ? ""
      : ` The mock runtime sees ${opaque} as one component and cannot look inside: what awsx creates there when the plan is applied is derived from the component's inputs (see "Inside awsx's VPC").`,
  ].join("");
}

export function moduleCountRows(plans: readonly EnvironmentPlan[]): string[][] {
  const modules = [
    ...new Set(plans.flatMap((plan) => cloudResources(plan).map((r) => r.module))),
  ].sort();
  return [
    ...modules.map((module) => [
      module,
      ...plans.map((plan) =>
        String(cloudResources(plan).filter((r) => r.module === module).length),
      ),
    ]),
    ["total", ...plans.map((plan) => String(cloudResources(plan).length))],
  ];
}

/**
 * By module, the program's resources before those a component's provider creates, then by type;
 * the program's by name, the derived ones in the order the provider creates them.
 */
export function sortedResources(plan: EnvironmentPlan): PlannedResource[] {
  const order = new Map(plan.resources.map((r, i) => [r, i]));
  return [...plan.resources].sort(
    (a, b) =>
      a.module.localeCompare(b.module) ||
      Number(a.createdBy !== undefined) - Number(b.createdBy !== undefined) ||
      a.type.localeCompare(b.type) ||
      (a.createdBy === undefined
        ? a.name.localeCompare(b.name)
        : (order.get(a) ?? 0) - (order.get(b) ?? 0)),
  );
}

/** The physical-name cell: the name, or why there is none. */
export function physicalCell(resource: PlannedResource): string {
  if (resource.component === true) {
    return "(component)";
  }
  if (resource.createdBy !== undefined) {
    return "(created by awsx)";
  }
  return resource.physicalName ?? "-";
}

export function awsxSections(
  plans: readonly EnvironmentPlan[],
  code: (text: string) => string,
  typeCell: (type: string) => string,
): Section[] {
  return plans.flatMap((plan) =>
    plan.resources
      .filter((r) => r.component === true)
      .map((component) => {
        const children = plan.resources.filter((r) => r.createdBy === component.name);
        return {
          title: `Inside awsx's VPC: ${plan.environment}, ${component.name} (${children.length} resources)`,
          before: [
            `${code(component.type)} is a component: the mock runtime records it as one resource, and the awsx provider creates what is inside it when the plan is applied. Its inputs: ${component.reason ?? "-"}. From them awsx 3.x creates:`,
          ],
          columns: columns("type", "name", "why"),
          rows: children.map((r) => [typeCell(r.type), r.name, r.reason ?? "-"]),
          fullCommand: planCommand([plan]),
        };
      }),
  );
}

export function costRows(plans: readonly EnvironmentPlan[], withBasis: boolean): string[][] {
  const items = [
    ...new Set(plans.flatMap((plan) => plan.cost.lines.map((l) => `${l.service}: ${l.item}`))),
  ];
  return [
    ...items.map((key) => [
      key,
      ...plans.map((plan) => {
        const line = plan.cost.lines.find((l) => `${l.service}: ${l.item}` === key);
        if (line === undefined) {
          return "-";
        }
        return withBasis ? `${usd(line.monthlyUsd)} (${line.basis})` : usd(line.monthlyUsd);
      }),
    ]),
    ["total per month", ...plans.map((plan) => usd(plan.cost.totalUsd))],
  ];
}

export function priceNotes(plans: readonly EnvironmentPlan[]): string[] {
  return [
    `Prices: AWS on-demand list prices for ${PRICE_TABLE.region}, as of ${PRICE_TABLE.asOf}; sources: ${PRICE_TABLE.sources.join(", ")}.`,
    "No free tier, savings plans, data transfer or taxes. Traffic assumed:",
    ...plans.map(
      (plan) =>
        `- ${plan.environment}: ${TRAFFIC[plan.environment].ticksPerSecond} ticks/s average, ${TRAFFIC[plan.environment].activeSymbols} symbols, ${TRAFFIC[plan.environment].apiRequestsPerSecond} API requests/s`,
    ),
  ];
}

export function dashboardRows(plans: readonly EnvironmentPlan[]): string[][] {
  return plans.flatMap((plan) =>
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
  );
}

export function globalNameRows(plans: readonly EnvironmentPlan[]): string[][] {
  return plans.flatMap((plan) =>
    plan.resources
      .filter((r) => GLOBAL_NAME_TYPES.has(r.type))
      .map((r) => [plan.environment, plan.environmentSuffix, r.type, r.physicalName ?? "-"]),
  );
}

export const GLOBAL_NAMES_NOTE =
  "S3 bucket names are shared by every AWS account: the suffix must be this deployment's own.";

export function violationRows(plans: readonly EnvironmentPlan[]): string[][] {
  return plans.flatMap((plan) =>
    plan.violations.map((v) => [plan.environment, v.policyName, v.resource, v.message]),
  );
}

/** The data path of one environment as it is planned, with its names. */
export function planDiagram(plan: EnvironmentPlan): string {
  return dataPathDiagram(
    [plan.environment],
    dataPathNames(plan.environment, plan.environmentSuffix),
  );
}

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

/** What the plan's heading names: the environments, and a review stack where one was planned. */
export function planned(plans: readonly EnvironmentPlan[]): string {
  return plans
    .map((plan) =>
      plan.stack === undefined ? plan.environment : `${plan.environment} (stack ${plan.stack})`,
    )
    .join(", ");
}
