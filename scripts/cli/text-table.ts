/** Plain-text tables and number formatting for the developer commands' terminal output. */

export type Alignment = "left" | "right";

export interface Column {
  readonly header: string;
  readonly align?: Alignment;
}

/** How a table fits the terminal. */
export interface TableLayout {
  /**
   * Widest line in characters, indent included: the widest columns narrow until the table fits,
   * and their cells wrap onto continuation lines. @default - no limit
   */
  readonly maxWidth?: number;
  /** Written before every line, e.g. two spaces for a table under a heading. @default - none */
  readonly indent?: string;
}

/** A table's lines: the header lines, the rule, and each row's lines (more than one where a cell wraps). */
export interface TableLines {
  readonly header: readonly string[];
  readonly rule: string;
  readonly rows: readonly (readonly string[])[];
}

const COLUMN_GAP = "  ";
/** A column never narrows below this, so a wrapped cell still reads as words. */
const MIN_COLUMN_WIDTH = 8;

/**
 * The column widths that fit `available` characters. Columns narrow from the widest down to a
 * common cap, chosen as high as the total allows; a column keeps room for its longest word where
 * it can, so names and URLs stay whole while prose wraps.
 */
function fitWidths(
  natural: readonly number[],
  longestWord: readonly number[],
  available: number,
): number[] {
  const total = (widths: readonly number[]) => widths.reduce((sum, width) => sum + width, 0);
  if (total(natural) <= available) {
    return [...natural];
  }
  const wordFloors = natural.map((w, i) => Math.min(w, Math.max(MIN_COLUMN_WIDTH, longestWord[i])));
  const floors =
    total(wordFloors) <= available ? wordFloors : natural.map((w) => Math.min(w, MIN_COLUMN_WIDTH));
  const capped = (cap: number) => natural.map((w, i) => Math.max(floors[i], Math.min(w, cap)));
  let cap = Math.max(...natural);
  while (cap > 0 && total(capped(cap)) > available) {
    cap -= 1;
  }
  const widths = capped(cap);
  // Give what the cap left over back to the narrowed columns, left to right.
  let spare = available - total(widths);
  for (let i = 0; i < widths.length && spare > 0; i += 1) {
    const grow = Math.min(spare, natural[i] - widths[i]);
    widths[i] += grow;
    spare -= grow;
  }
  return widths;
}

/** Characters after which a long cell may break: words, name parts, paths, lists and URLs. */
const BREAK_AFTER = new Set([" ", "-", "/", ":", ",", ".", "?", "&", "=", "#", "_", ")"]);

/**
 * Splits text into lines of at most `width` characters, breaking at a space where one is close
 * enough, else after a hyphen, slash, colon or similar, else inside the word. Spaces at a break
 * are dropped.
 */
export function wrapCell(text: string, width: number): string[] {
  if (width <= 0 || text.length <= width) {
    return [text];
  }
  const lines: string[] = [];
  let rest = text;
  // A break in the last two thirds of the line, at a space if there is one: an earlier break
  // would leave a stub of a line, and a URL or name reads best whole.
  const lastBreak = (breaks: (i: number) => boolean): number => {
    for (let i = width; i >= Math.ceil(width / 3); i -= 1) {
      if (breaks(i)) {
        return i;
      }
    }
    return -1;
  };
  while (rest.length > width) {
    const line = rest;
    let cut = lastBreak((i) => line[i] === " " || line[i - 1] === " ");
    if (cut <= 0) {
      cut = lastBreak((i) => BREAK_AFTER.has(line[i - 1]));
    }
    if (cut <= 0) {
      cut = width;
    }
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0) {
    lines.push(rest);
  }
  return lines;
}

/** Word-wraps a paragraph to `width` characters, each line after `indent`. */
export function wrapText(text: string, width: number, indent = ""): string {
  return text
    .split("\n")
    .flatMap((line) => wrapCell(line, width - indent.length))
    .map((line) => `${indent}${line}`.trimEnd())
    .join("\n");
}

/** Lays a table out line by line, each column as wide as its widest cell or as the layout allows. */
export function layoutTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  layout: TableLayout = {},
): TableLines {
  const indent = layout.indent ?? "";
  const natural = columns.map((column, index) =>
    Math.max(column.header.length, ...rows.map((row) => (row[index] ?? "").length)),
  );
  const longestWord = columns.map((column, index) =>
    Math.max(
      ...[column.header, ...rows.map((row) => row[index] ?? "")].flatMap((cell) =>
        cell.split(" ").map((word) => word.length),
      ),
    ),
  );
  const widths =
    layout.maxWidth === undefined
      ? natural
      : fitWidths(
          natural,
          longestWord,
          layout.maxWidth - indent.length - COLUMN_GAP.length * (columns.length - 1),
        );
  const lines = (cells: readonly string[]): string[] => {
    const wrapped = columns.map((_, index) => wrapCell(cells[index] ?? "", widths[index]));
    const height = Math.max(...wrapped.map((cell) => cell.length));
    return Array.from({ length: height }, (_, lineIndex) =>
      `${indent}${columns
        .map((column, index) => {
          const cell = wrapped[index][lineIndex] ?? "";
          return column.align === "right"
            ? cell.padStart(widths[index])
            : cell.padEnd(widths[index]);
        })
        .join(COLUMN_GAP)}`.trimEnd(),
    );
  };
  return {
    header: lines(columns.map((column) => column.header)),
    rule: `${indent}${widths.map((width) => "-".repeat(width)).join(COLUMN_GAP)}`,
    rows: rows.map(lines),
  };
}

/**
 * Renders rows under a header with a rule, each column as wide as its widest cell; with a
 * `maxWidth`, the widest columns narrow and their cells wrap so that no line is longer.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  layout: TableLayout = {},
): string {
  const table = layoutTable(columns, rows, layout);
  return [...table.header, table.rule, ...table.rows.flat()].join("\n");
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
