import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  DECIMAL_PLACES,
  NOTIONAL_DECIMAL_PLACES,
  formatScaled,
  parseScaled,
} from "../../../functions/domain/decimal";
import { formatMinute, renderSummary } from "../run-report";
import { groupDecimal } from "../session-table";
import { formatInteger, formatMs } from "../../cli/text-table";
import type { RunReportData, SymbolReconcile } from "./run-report-data";
import { renderCandles } from "./candle-chart";
import { renderFreshness } from "./freshness-histogram";
import { esc } from "./report-markup";
import { STYLE } from "./report-style";

/**
 * The local run's report as one self-contained HTML page: inline CSS and inline SVG, no script and
 * nothing fetched, so it opens offline. Figures are the run's own: prices, volumes and notionals
 * are the API's (or the reconcile's) exact decimal text; numbers only place shapes. This module
 * writes the page and its summary, reconcile and session sections; the charts, their shared
 * markup helpers and the stylesheet live beside it.
 */

export const REPORT_FILE = "report.html";

/** Writes the report as `report.html` in `directory` (created if need be); resolves to its path. */
export async function writeRunHtmlReport(directory: string, data: RunReportData): Promise<string> {
  await mkdir(directory, { recursive: true });
  const file = path.join(directory, REPORT_FILE);
  await writeFile(file, renderRunHtmlReport(data), "utf8");
  return file;
}

// ---------------------------------------------------------------------------------------------
// Reconcile

function sumText(values: readonly string[], places: number): string {
  return formatScaled(
    values.reduce((sum, value) => sum + parseScaled(value, places), 0n),
    places,
  );
}

function reconcileCells(row: {
  archive: SymbolReconcile["archive"];
  table: SymbolReconcile["table"];
}): string {
  const cell = (archive: string, table: string, name: string): string => {
    const differs = archive !== table ? " differs" : "";
    return `<td class="num${differs}" data-field="${name}-archive">${esc(archive)}</td><td class="num${differs}" data-field="${name}-table">${esc(table)}</td>`;
  };
  return [
    cell(formatInteger(row.archive.bars), formatInteger(row.table.bars), "bars"),
    cell(formatInteger(row.archive.trades), formatInteger(row.table.trades), "trades"),
    cell(groupDecimal(row.archive.volume), groupDecimal(row.table.volume), "volume"),
    cell(groupDecimal(row.archive.notional), groupDecimal(row.table.notional), "notional"),
  ].join("");
}

function renderReconcile(data: RunReportData): string {
  const { reconcile: run } = data.figures;
  const count = run.differences.length;
  const verdict = `${formatInteger(count)} difference${count === 1 ? "" : "s"} over ${formatInteger(run.barsCompared)} bar${run.barsCompared === 1 ? "" : "s"} of ${formatMinute(run.from)}..${formatMinute(run.to)}`;
  const rows = data.reconcile.map((row) => {
    const differences =
      row.differences.length === 0
        ? "0"
        : `${formatInteger(row.differences.length)}: ${row.differences.map(esc).join("; ")}`;
    return `<tr data-symbol="${esc(row.symbol)}" data-differences="${row.differences.length}"${row.differences.length > 0 ? ` class="differs"` : ""}><th scope="row">${esc(row.symbol)}</th>${reconcileCells(row)}<td data-field="differences">${differences}</td></tr>`;
  });
  const total = (side: "archive" | "table") => ({
    bars: data.reconcile.reduce((sum, row) => sum + row[side].bars, 0),
    trades: data.reconcile.reduce((sum, row) => sum + row[side].trades, 0),
    volume: sumText(
      data.reconcile.map((row) => row[side].volume),
      DECIMAL_PLACES,
    ),
    notional: sumText(
      data.reconcile.map((row) => row[side].notional),
      NOTIONAL_DECIMAL_PLACES,
    ),
  });
  const totalDifferences = data.reconcile.reduce((sum, row) => sum + row.differences.length, 0);
  const problems =
    run.archiveProblems.length > 0
      ? `<ul class="problems">${run.archiveProblems.map((problem) => `<li>${esc(problem)}</li>`).join("")}</ul>`
      : "";
  return `<section id="reconcile"><h2>Reconcile</h2><p class="verdict ${count === 0 && run.archiveProblems.length === 0 ? "ok" : "failed"}" id="reconcile-verdict">${esc(verdict)}</p><p class="note">Per symbol and minute of the run, the archive's distinct valid trades against the bars in the table, as <code>npm run reconcile</code> compares them (trades, volume, notional, prices, times); each side added up per symbol.</p>${problems}<table class="reconcile"><thead><tr><th rowspan="2">symbol</th><th colspan="2">bars</th><th colspan="2">trades</th><th colspan="2">volume</th><th colspan="2">notional</th><th rowspan="2">differences</th></tr><tr><th>archive</th><th>table</th><th>archive</th><th>table</th><th>archive</th><th>table</th><th>archive</th><th>table</th></tr></thead><tbody>${rows.join("")}</tbody><tfoot><tr data-total=""><th scope="row">total</th>${reconcileCells({ archive: total("archive"), table: total("table") })}<td data-field="differences">${formatInteger(totalDifferences)}</td></tr></tfoot></table></section>`;
}

// ---------------------------------------------------------------------------------------------
// Summary and sessions

function renderSummarySection(data: RunReportData): string {
  const { figures, reconciliation } = data;
  const cards: [string, string, string][] = [
    ["ticksSent", "ticks sent", formatInteger(figures.ticksSent)],
    ["ticksInBars", "ticks in bars", formatInteger(figures.ticksInBars)],
    ["duplicatesSkipped", "duplicates skipped", formatInteger(figures.duplicatesSkipped)],
    ["malformedTicks", "malformed ticks", formatInteger(figures.malformedTicks)],
    [
      "archivedRecords",
      "archived records",
      `${formatInteger(figures.archive.archivedRecords)} of ${formatInteger(figures.recordsSent)}`,
    ],
    [
      "reconcile",
      "reconcile",
      `${formatInteger(figures.reconcile.differences.length)} difference${figures.reconcile.differences.length === 1 ? "" : "s"}`,
    ],
    [
      "freshness",
      "freshness p50 / p99",
      `${formatMs(figures.freshness.p50Ms)} / ${formatMs(figures.freshness.p99Ms)}`,
    ],
    [
      "invocations",
      "invocations",
      `${formatInteger(figures.processorInvocations + figures.archiverInvocations)}`,
    ],
  ];
  const status = reconciliation.ok
    ? `<p class="status ok" id="status">OK: the run reconciles.</p>`
    : `<div class="status failed" id="status"><p>FAILED:</p><ul>${reconciliation.problems.map((problem) => `<li>${esc(problem)}</li>`).join("")}</ul></div>`;
  return `<section id="summary">${status}<dl class="figures">${cards.map(([key, name, value]) => `<div data-figure="${key}"><dt>${esc(name)}</dt><dd>${esc(value)}</dd></div>`).join("")}</dl><details open><summary>The run's summary, as printed</summary><pre>${esc(renderSummary(figures, reconciliation))}</pre></details></section>`;
}

function renderSessions(data: RunReportData): string {
  const rows = data.sessions.map(
    (row) =>
      `<tr data-symbol="${esc(row.symbol)}"><th scope="row">${esc(row.symbol)}</th><td class="num">${formatInteger(row.bars)}</td><td class="num">${formatInteger(row.trades)}</td><td class="num">${esc(groupDecimal(row.volume))}</td><td class="num">${esc(groupDecimal(row.notional))}</td><td class="num">${esc(row.vwap)}</td><td class="num">${esc(row.open)}</td><td class="num">${esc(row.high)}</td><td class="num">${esc(row.low)}</td><td class="num">${esc(row.close)}</td></tr>`,
  );
  return `<section id="sessions"><h2>Bars per symbol</h2><p class="note">Every symbol's one-minute bars through GET /bars, rolled up per session: exact sums of the API's decimal text, VWAP their quotient rounded half to even.</p><details${data.sessions.length <= 12 ? " open" : ""}><summary>${formatInteger(data.sessions.length)} symbol${data.sessions.length === 1 ? "" : "s"}</summary><table class="sessions"><thead><tr><th>symbol</th><th>bars</th><th>trades</th><th>volume</th><th>notional</th><th>VWAP</th><th>open</th><th>high</th><th>low</th><th>close</th></tr></thead><tbody>${rows.join("")}</tbody></table></details></section>`;
}

/** The report as one self-contained HTML page. */
export function renderRunHtmlReport(data: RunReportData): string {
  const { figures, reconciliation } = data;
  const range =
    figures.reconcile.to > figures.reconcile.from
      ? `${formatMinute(figures.reconcile.from)}..${formatMinute(figures.reconcile.to)}`
      : "no trades";
  const title = `Local run ${figures.env}: ${reconciliation.ok ? "OK" : "FAILED"} (${range})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body data-env="${esc(figures.env)}">
<header><h1>Local run: ${esc(figures.env)} (${formatInteger(figures.shards)} shard${figures.shards === 1 ? "" : "s"})</h1><p class="meta">Bars of ${esc(range)}; ${formatInteger(figures.ticksSent)} ticks sent over ${figures.sendSeconds.toFixed(1)} s; report made ${esc(new Date(data.generatedAt).toISOString())}.</p></header>
${renderSummarySection(data)}
${renderCandles(data)}
${renderFreshness(data)}
${renderReconcile(data)}
${renderSessions(data)}
</body>
</html>
`;
}
