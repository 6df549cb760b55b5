import { TEMPLATE_ENVIRONMENT_SUFFIX } from "../../modules/config/deployment";
import {
  ENVIRONMENT_NAMES,
  ENVIRONMENT_SETTINGS,
  type EnvironmentName,
} from "../../modules/config/settings";
import { dashboardConsoleUrl } from "../../modules/monitoring/dashboard-body";
import { MAX_BODY_CHARACTERS } from "../gitops/github";
import { PRICE_TABLE, TRAFFIC, type CostEstimate } from "./cost-model";
import { dataPathDiagram, dataPathNames } from "./plan-diagram";
import {
  layoutTable,
  renderMarkdownTable,
  renderTable,
  wrapText,
  type Column,
} from "../cli/text-table";

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

/** Text output stays within this many columns: long cells wrap, paragraphs break at spaces. */
export const TEXT_WIDTH = 120;

/**
 * The markdown form stays under this many characters: GitHub's comment limit, less room for the
 * comment's marker and title (`scripts/plan/pr-comment.ts`).
 */
export const MARKDOWN_LIMIT = MAX_BODY_CHARACTERS - 1_024;

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

const usd = (value: number) => `$${value.toFixed(2)}`;

const columns = (...headers: string[]): Column[] => headers.map((header) => ({ header }));

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

function planCommand(plans: readonly EnvironmentPlan[]): string {
  return plans.length === 1
    ? `npm run plan -- --env ${plans[0].environment}`
    : "npm run plan -- --env all";
}

function resourceSummary(plan: EnvironmentPlan): string {
  const cloud = cloudResources(plan);
  const inside = cloud.filter((r) => r.createdBy !== undefined).length;
  return inside === 0
    ? String(cloud.length)
    : `${cloud.length} (${cloud.length - inside} from the program, ${inside} awsx creates in its VPC)`;
}

function summaryRows(plans: readonly EnvironmentPlan[], format: ReportFormat): string[][] {
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

const SUMMARY_COLUMNS = columns(
  "environment",
  "policy",
  "cloud resources",
  "preview of a new stack",
  "cost per month",
);

function countingNote(plans: readonly EnvironmentPlan[], code: (text: string) => string): string {
  const components = plans.flatMap((plan) => plan.resources.filter((r) => r.component === true));
  const opaque = [...new Set(components.map((r) => code(r.type)))].join(", ");
  return [
    `The preview column is what ${code("pulumi preview")} of a new stack says: the cloud resources, every component (the platform's and awsx's) and the stack itself.`,
    components.length === 0
      ? ""
      : ` The mock runtime sees ${opaque} as one component and cannot look inside: what awsx creates there when the plan is applied is derived from the component's inputs (see "Inside awsx's VPC").`,
  ].join("");
}

function moduleCountRows(plans: readonly EnvironmentPlan[]): string[][] {
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
function sortedResources(plan: EnvironmentPlan): PlannedResource[] {
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
function physicalCell(resource: PlannedResource): string {
  if (resource.component === true) {
    return "(component)";
  }
  if (resource.createdBy !== undefined) {
    return "(created by awsx)";
  }
  return resource.physicalName ?? "-";
}

function awsxSections(
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

function costRows(plans: readonly EnvironmentPlan[], withBasis: boolean): string[][] {
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

function priceNotes(plans: readonly EnvironmentPlan[]): string[] {
  return [
    `Prices: AWS on-demand list prices for ${PRICE_TABLE.region}, as of ${PRICE_TABLE.asOf}; sources: ${PRICE_TABLE.sources.join(", ")}.`,
    "No free tier, savings plans, data transfer or taxes. Traffic assumed:",
    ...plans.map(
      (plan) =>
        `- ${plan.environment}: ${TRAFFIC[plan.environment].ticksPerSecond} ticks/s average, ${TRAFFIC[plan.environment].activeSymbols} symbols, ${TRAFFIC[plan.environment].apiRequestsPerSecond} API requests/s`,
    ),
  ];
}

function dashboardRows(plans: readonly EnvironmentPlan[]): string[][] {
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

function globalNameRows(plans: readonly EnvironmentPlan[]): string[][] {
  return plans.flatMap((plan) =>
    plan.resources
      .filter((r) => GLOBAL_NAME_TYPES.has(r.type))
      .map((r) => [plan.environment, plan.environmentSuffix, r.type, r.physicalName ?? "-"]),
  );
}

const GLOBAL_NAMES_NOTE =
  "S3 bucket names are shared by every AWS account: the suffix must be this deployment's own.";

function violationRows(plans: readonly EnvironmentPlan[]): string[][] {
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

/** The whole report: summary first, then the details. */
export function renderPlan(plans: readonly EnvironmentPlan[], format: ReportFormat): string {
  return format === "markdown" ? renderMarkdown(plans) : renderText(plans);
}

function markdownSection(section: Section, shownRows: number): string {
  const rows = section.rows.slice(0, shownRows);
  const left = section.rows.length - rows.length;
  const parts = [
    ...(section.before ?? []),
    renderMarkdownTable(section.columns, rows),
    ...(left === 0
      ? []
      : [
          `_${left} of ${section.rows.length} rows left out to stay within GitHub's comment limit: \`${section.fullCommand}\` lists them all._`,
        ]),
    ...(section.after ?? []),
  ];
  return `<details><summary>${section.title}</summary>\n\n${parts.join("\n\n")}\n\n</details>`;
}

/**
 * Joins the summary and the sections; when the whole would pass `limit`, leaves rows out of the
 * largest sections, saying so in each, until it fits.
 */
export function fitMarkdown(
  head: readonly string[],
  sections: readonly Section[],
  limit: number = MARKDOWN_LIMIT,
): string {
  const shown = sections.map((section) => section.rows.length);
  const render = () =>
    `${[...head, ...sections.map((section, i) => markdownSection(section, shown[i]))].join("\n\n")}\n`;
  let text = render();
  while (text.length > limit) {
    const sizes = sections.map((section, i) =>
      shown[i] === 0 ? -1 : markdownSection(section, shown[i]).length,
    );
    const largest = sizes.indexOf(Math.max(...sizes));
    if (sizes[largest] < 0) {
      break;
    }
    // Rows are of similar length: drop as many as the excess needs, at least one.
    const rowLength = Math.max(1, Math.floor(sizes[largest] / (shown[largest] + 1)));
    shown[largest] = Math.max(0, shown[largest] - Math.ceil((text.length - limit) / rowLength) - 1);
    text = render();
  }
  if (text.length > limit) {
    const note = "\n\n_The plan is cut here to stay within GitHub's comment limit._\n";
    text = `${text.slice(0, limit - note.length)}${note}`;
  }
  return text;
}

/** What the plan's heading names: the environments, and a review stack where one was planned. */
function planned(plans: readonly EnvironmentPlan[]): string {
  return plans
    .map((plan) =>
      plan.stack === undefined ? plan.environment : `${plan.environment} (stack ${plan.stack})`,
    )
    .join(", ");
}

function renderMarkdown(plans: readonly EnvironmentPlan[]): string {
  const code = (text: string) => `\`${text}\``;
  const envs = plans.map((plan) => plan.environment);
  const head: string[] = [
    `## Offline plan: ${planned(plans)}`,
    renderMarkdownTable(SUMMARY_COLUMNS, summaryRows(plans, "markdown")),
    countingNote(plans, code),
  ];
  const warning = templateSuffixWarning(plans, "markdown");
  if (warning !== undefined) {
    head.push(warning);
  }
  const violations = violationRows(plans);
  if (violations.length > 0) {
    head.push(
      "**Policy violations**",
      renderMarkdownTable(columns("environment", "policy", "resource", "message"), violations),
    );
  }
  for (const plan of plans) {
    for (const note of plan.componentWarnings ?? []) {
      head.push(`**Warning (${plan.environment}):** ${note}`);
    }
  }
  for (const plan of plans) {
    // Outside <details>: GitHub fails to draw a diagram with edge labels in a collapsed section
    // (mermaid-js/mermaid#3504).
    head.push(`### Data path: ${plan.environment}`, `\`\`\`mermaid\n${planDiagram(plan)}\n\`\`\``);
  }

  const all = planCommand(plans);
  const sections: Section[] = [
    {
      title: "Resources by module",
      columns: columns("module", ...envs),
      rows: moduleCountRows(plans),
      fullCommand: all,
    },
    ...plans.map((plan) => ({
      title: `${plan.environment}: ${cloudResources(plan).length} cloud resources`,
      columns: columns("module", "type", "name", "physical name"),
      rows: sortedResources(plan).map((r) => [r.module, r.type, r.name, physicalCell(r)]),
      fullCommand: planCommand([plan]),
    })),
    ...awsxSections(plans, code, (type) => type),
    {
      title: "Globally unique names",
      columns: columns("environment", "suffix", "type", "physical name"),
      rows: globalNameRows(plans),
      after: [GLOBAL_NAMES_NOTE],
      fullCommand: all,
    },
    {
      title: "Dashboards",
      columns: columns("environment", "dashboard", "console"),
      rows: dashboardRows(plans),
      fullCommand: all,
    },
    {
      title: "Settings that differ between environments",
      columns: columns("setting", ...ENVIRONMENT_NAMES),
      rows: differingSettings(ENVIRONMENT_NAMES),
      fullCommand: all,
    },
    {
      title: "Estimated monthly cost (USD)",
      columns: columns("item", ...envs),
      rows: costRows(plans, true),
      after: [priceNotes(plans).join("\n")],
      fullCommand: all,
    },
  ];
  return fitMarkdown(head, sections);
}

function heading(text: string): string {
  return `${text}\n${"=".repeat(Math.min(text.length, TEXT_WIDTH))}`;
}

function textTable(header: readonly Column[], rows: readonly (readonly string[])[], indent = "") {
  return renderTable(header, rows, { maxWidth: TEXT_WIDTH, indent });
}

const paragraph = (text: string) => wrapText(text, TEXT_WIDTH);

/**
 * One environment's resources, by module and then by type (in Pulumi's short form), names and
 * physical names in two aligned columns.
 */
function textResources(plan: EnvironmentPlan): string {
  const resources = sortedResources(plan);
  const layout = layoutTable(
    columns("name", "physical name"),
    resources.map((r) => [r.name, physicalCell(r)]),
    { maxWidth: TEXT_WIDTH, indent: "    " },
  );
  const lines = [
    heading(`${plan.environment}: ${cloudResources(plan).length} cloud resources`),
    ...layout.header,
    layout.rule,
  ];
  resources.forEach((r, i) => {
    const previous = resources[i - 1] as PlannedResource | undefined;
    if (previous?.module !== r.module) {
      const count = cloudResources(plan).filter((c) => c.module === r.module).length;
      lines.push(`${r.module}: ${count}`);
    }
    const group = r.createdBy === undefined ? displayType(r.type) : `${displayType(r.type)} (awsx)`;
    const previousGroup =
      previous === undefined || previous.module !== r.module
        ? undefined
        : previous.createdBy === undefined
          ? displayType(previous.type)
          : `${displayType(previous.type)} (awsx)`;
    if (group !== previousGroup) {
      lines.push(`  ${group}`);
    }
    lines.push(...layout.rows[i]);
  });
  return lines.join("\n");
}

function textSection(section: Section): string {
  return [
    heading(section.title),
    ...(section.before ?? []).map(paragraph),
    textTable(section.columns, section.rows),
    ...(section.after ?? []).map(paragraph),
  ].join("\n\n");
}

function renderText(plans: readonly EnvironmentPlan[]): string {
  const plain = (text: string) => text;
  const envs = plans.map((plan) => plan.environment);
  const parts: string[] = [
    heading(`Offline plan: ${planned(plans)}`),
    textTable(SUMMARY_COLUMNS, summaryRows(plans, "text")),
    paragraph(countingNote(plans, plain)),
  ];
  const warning = templateSuffixWarning(plans, "text");
  if (warning !== undefined) {
    parts.push(paragraph(warning));
  }
  const violations = violationRows(plans);
  if (violations.length > 0) {
    parts.push(
      heading("Policy violations"),
      textTable(columns("environment", "policy", "resource", "message"), violations),
    );
  }
  for (const plan of plans) {
    for (const note of plan.componentWarnings ?? []) {
      parts.push(paragraph(`WARNING (${plan.environment}): ${note}`));
    }
  }
  const all = planCommand(plans);
  parts.push(
    textSection({
      title: "Resources by module",
      columns: columns("module", ...envs),
      rows: moduleCountRows(plans),
      fullCommand: all,
    }),
    ...plans.map(textResources),
    ...awsxSections(plans, plain, displayType).map(textSection),
    textSection({
      title: "Globally unique names",
      columns: columns("environment", "suffix", "type", "physical name"),
      rows: globalNameRows(plans),
      after: [GLOBAL_NAMES_NOTE],
      fullCommand: all,
    }),
    textSection({
      title: "Dashboards",
      columns: columns("environment", "dashboard", "console"),
      rows: dashboardRows(plans),
      fullCommand: all,
    }),
    textSection({
      title: "Settings that differ between environments",
      columns: columns("setting", ...ENVIRONMENT_NAMES),
      rows: differingSettings(ENVIRONMENT_NAMES),
      fullCommand: all,
    }),
    heading("Estimated monthly cost (USD)"),
    textTable(
      [{ header: "item" }, ...envs.map((env) => ({ header: env, align: "right" as const }))],
      costRows(plans, false),
    ),
    ...plans.map((plan) =>
      [
        `What ${plan.environment}'s amounts assume:`,
        textTable(
          columns("item", "basis"),
          plan.cost.lines.map((l) => [`${l.service}: ${l.item}`, l.basis]),
          "  ",
        ),
      ].join("\n"),
    ),
    priceNotes(plans).map(paragraph).join("\n"),
  );
  return `${parts.join("\n\n")}\n`;
}
