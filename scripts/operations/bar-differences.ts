import type { Bar } from "../../functions/domain/bar";
import {
  DECIMAL_PLACES,
  NOTIONAL_DECIMAL_PLACES,
  formatScaled,
} from "../../functions/domain/decimal";
import { renderMarkdownTable, renderTable } from "../cli/text-table";
import type { Column } from "../cli/text-table";
import type { ArchiveBars } from "./archive-bars";
import { formatMinute } from "./cli";
import { targetOf } from "./rebuild";
import type { RebuildTarget } from "./rebuild-target";

/**
 * How `npm run reconcile` compares the archive with the table: per symbol and minute, the fields
 * in which the archive's bar and the table's differ, and the differences as a table to print.
 */

export interface Difference {
  readonly key: string;
  readonly symbol: string;
  readonly start: number;
  /** The archive's bar, `undefined` when the archive has no trade for it. */
  readonly archive: Bar | undefined;
  /** The table's bar, `undefined` when there is none, or the error that kept it from being read. */
  readonly table: Bar | Error | undefined;
  /** What differs, e.g. `["volume", "notional"]`, `["missing bar"]`. */
  readonly fields: readonly string[];
  /** What a repair writes. */
  readonly target: RebuildTarget;
}

const COMPARED: readonly [string, (bar: Bar) => unknown][] = [
  ["trades", (bar) => bar.trades],
  ["volume", (bar) => bar.volume],
  ["notional", (bar) => bar.notional],
  ["open", (bar) => bar.open],
  ["high", (bar) => bar.high],
  ["low", (bar) => bar.low],
  ["close", (bar) => bar.close],
  ["firstTradeAt", (bar) => bar.firstTradeAt],
  ["lastTradeAt", (bar) => bar.lastTradeAt],
];

/** The fields in which two bars differ. */
export function differingFields(archive: Bar, table: Bar): string[] {
  return COMPARED.filter(([, value]) => value(archive) !== value(table)).map(([name]) => name);
}

/** One bar's difference, `undefined` when the archive and the table agree. */
export function compareBar(
  key: string,
  archive: ArchiveBars,
  table: Bar | Error | undefined,
): Difference | undefined {
  const target = targetOf(key, archive);
  const archived = target.bar;
  let fields: string[];
  if (table instanceof Error) {
    fields = [`unreadable item: ${table.message}`];
  } else if (archived === undefined && table === undefined) {
    return undefined;
  } else if (table === undefined) {
    fields = ["missing bar"];
  } else if (archived === undefined) {
    fields = ["no trade in the archive"];
  } else {
    fields = differingFields(archived, table);
  }
  if (fields.length === 0) {
    return undefined;
  }
  return {
    key,
    symbol: target.symbol,
    start: target.start,
    archive: archived,
    table,
    fields,
    target,
  };
}

/** Every difference of a chunk, by symbol then minute. */
export function compareChunk(
  archive: ArchiveBars,
  table: ReadonlyMap<string, Bar | Error>,
): Difference[] {
  const keys = [...new Set([...archive.bars.keys(), ...table.keys()])];
  return keys
    .map((key) => compareBar(key, archive, table.get(key)))
    .filter((difference): difference is Difference => difference !== undefined)
    .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.start - b.start));
}

export type TableFormat = "text" | "markdown";

const COLUMNS: readonly Column[] = [
  { header: "symbol" },
  { header: "minute" },
  { header: "trades archive", align: "right" },
  { header: "trades table", align: "right" },
  { header: "volume archive", align: "right" },
  { header: "volume table", align: "right" },
  { header: "notional archive", align: "right" },
  { header: "notional table", align: "right" },
  { header: "differs" },
];

function figures(bar: Bar | Error | undefined): [string, string, string] {
  if (bar === undefined || bar instanceof Error) {
    return ["-", "-", "-"];
  }
  return [
    String(bar.trades),
    formatScaled(bar.volume, DECIMAL_PLACES),
    formatScaled(bar.notional, NOTIONAL_DECIMAL_PLACES),
  ];
}

/** The differences as an aligned table (or a markdown one). */
export function formatDifferences(differences: readonly Difference[], format: TableFormat): string {
  const rows = differences.map((difference) => {
    const archived = figures(difference.archive);
    const stored = figures(difference.table);
    return [
      difference.symbol,
      formatMinute(difference.start),
      archived[0],
      stored[0],
      archived[1],
      stored[1],
      archived[2],
      stored[2],
      difference.fields.join(", "),
    ];
  });
  return format === "markdown" ? renderMarkdownTable(COLUMNS, rows) : renderTable(COLUMNS, rows);
}
