import { ENVIRONMENT_NAMES } from "../../modules/config/settings";
import { layoutTable, renderTable, wrapText, type Column } from "../cli/text-table";
import {
  cloudResources,
  differingSettings,
  displayType,
  type EnvironmentPlan,
  type PlannedResource,
} from "./plan-report-model";
import {
  GLOBAL_NAMES_NOTE,
  SUMMARY_COLUMNS,
  awsxSections,
  columns,
  costRows,
  countingNote,
  dashboardRows,
  globalNameRows,
  moduleCountRows,
  physicalCell,
  planCommand,
  planned,
  priceNotes,
  sortedResources,
  summaryRows,
  templateSuffixWarning,
  violationRows,
  type Section,
} from "./plan-report-sections";

/**
 * The plan report as plain text for the terminal, within {@link TEXT_WIDTH} columns: long cells
 * wrap, paragraphs break at spaces.
 */

/** Text output stays within this many columns: long cells wrap, paragraphs break at spaces. */
export const TEXT_WIDTH = 120;

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

export function renderText(plans: readonly EnvironmentPlan[]): string {
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
