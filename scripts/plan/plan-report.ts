import { renderMarkdown } from "./plan-report-markdown";
import type { EnvironmentPlan, ReportFormat } from "./plan-report-model";
import { renderText } from "./plan-report-text";

/**
 * The offline plan's report of one or more environments, as text for the terminal
 * (`plan-report-text.ts`) or markdown for a pull request (`plan-report-markdown.ts`); what it
 * reports on is in `plan-report-model.ts`, the parts both forms share in `plan-report-sections.ts`.
 */

/** The whole report: summary first, then the details. */
export function renderPlan(plans: readonly EnvironmentPlan[], format: ReportFormat): string {
  return format === "markdown" ? renderMarkdown(plans) : renderText(plans);
}
