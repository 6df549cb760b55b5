import { ENVIRONMENT_NAMES } from "../../modules/config/settings";
import { MAX_BODY_CHARACTERS } from "../gitops/github";
import { renderMarkdownTable } from "../cli/text-table";
import { cloudResources, differingSettings, type EnvironmentPlan } from "./plan-report-model";
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
  planDiagram,
  planned,
  priceNotes,
  sortedResources,
  summaryRows,
  templateSuffixWarning,
  violationRows,
  type Section,
} from "./plan-report-sections";

/**
 * The plan report as markdown for a pull-request comment or a job summary: collapsible sections,
 * rows left out of the largest ones to stay within GitHub's comment limit.
 */

/**
 * The markdown form stays under this many characters: GitHub's comment limit, less room for the
 * comment's marker and title (`scripts/plan/pr-comment.ts`).
 */
export const MARKDOWN_LIMIT = MAX_BODY_CHARACTERS - 1_024;

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

export function renderMarkdown(plans: readonly EnvironmentPlan[]): string {
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
