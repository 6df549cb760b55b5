/** Plain-text tables and number formatting for the developer commands' terminal output. */

export type Alignment = "left" | "right";

export interface Column {
  readonly header: string;
  readonly align?: Alignment;
}

/** Renders rows under a header with a rule, each column as wide as its widest cell. */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...rows.map((row) => (row[index] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    columns
      .map((column, index) => {
        const cell = cells[index] ?? "";
        const width = widths[index] ?? 0;
        return column.align === "right" ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [
    line(columns.map((column) => column.header)),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...rows.map(line),
  ].join("\n");
}

/** Renders a GitHub-flavoured markdown table. */
export function renderMarkdownTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  const escape = (cell: string): string => cell.replace(/\|/g, "\\|");
  return [
    `| ${columns.map((column) => escape(column.header)).join(" | ")} |`,
    `| ${columns.map((column) => (column.align === "right" ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((row) => `| ${columns.map((_, index) => escape(row[index] ?? "")).join(" | ")} |`),
  ].join("\n");
}

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** 12,345 */
export function formatInteger(value: number): string {
  return integerFormat.format(value);
}

/** Fixed decimals with thousands separators: 1,234.50 */
export function formatDecimal(value: number, decimals: number): string {
  return new Intl.NumberFormat("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(value);
}

/** Milliseconds for humans: `0.84 ms`, `12.3 ms`, `412 ms`, `n/a` when there is no figure. */
export function formatMs(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) {
    return "n/a";
  }
  if (value < 10) {
    return `${value.toFixed(2)} ms`;
  }
  if (value < 100) {
    return `${value.toFixed(1)} ms`;
  }
  return `${formatInteger(Math.round(value))} ms`;
}
