import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  DECIMAL_PLACES,
  NOTIONAL_DECIMAL_PLACES,
  formatScaled,
  parseScaled,
} from "../../../functions/domain/decimal";
import type { ExactApiBar } from "../../smoke/analytics-client";
import { quantile } from "../freshness-probe";
import { formatMinute, groupDecimal, renderSummary } from "../run-report";
import { formatDecimal, formatInteger, formatMs } from "../../cli/text-table";
import type { CandleSeries, RunReportData, SymbolReconcile } from "./run-report-data";

/**
 * The local run's report as one self-contained HTML page: inline CSS and inline SVG, no script and
 * nothing fetched, so it opens offline. Figures are the run's own: prices, volumes and notionals
 * are the API's (or the reconcile's) exact decimal text; numbers only place shapes.
 */

export const REPORT_FILE = "report.html";

/** Writes the report as `report.html` in `directory` (created if need be); resolves to its path. */
export async function writeRunHtmlReport(directory: string, data: RunReportData): Promise<string> {
  await mkdir(directory, { recursive: true });
  const file = path.join(directory, REPORT_FILE);
  await writeFile(file, renderRunHtmlReport(data), "utf8");
  return file;
}

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text or an attribute value, escaped for HTML (and SVG within it). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

const esc = escapeHtml;

/** Coordinates to two decimals: enough for a screen, short in the file. */
const px = (value: number): string => String(Math.round(value * 100) / 100);

/** `02:26Z` */
function minuteLabel(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)}Z`;
}

/** 1, 2 or 5 times a power of ten, at least `rough`. */
function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(rough));
  const scaled = rough / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

/** Round values from `low` to `high` about `count` apart. */
function niceTicks(low: number, high: number, count: number): { values: number[]; step: number } {
  const step = niceStep((high - low) / Math.max(1, count));
  const values: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
    values.push(value);
  }
  return { values, step };
}

/** Decimals a tick label needs at `step`. */
function decimalsFor(step: number): number {
  return Math.min(10, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
}

const price = (text: string): bigint => parseScaled(text, DECIMAL_PLACES);

// ---------------------------------------------------------------------------------------------
// Candlesticks

const CANDLE_CHART = {
  width: 640,
  left: 76,
  right: 14,
  top: 12,
  priceHeight: 200,
  gap: 10,
  volumeHeight: 56,
  bottom: 26,
} as const;

function candleTitle(symbol: string, bar: ExactApiBar): string {
  return [
    `${symbol} ${formatMinute(Date.parse(bar.start))}`,
    `open ${bar.open}`,
    `high ${bar.high}`,
    `low ${bar.low}`,
    `close ${bar.close}`,
    `volume ${bar.volume}`,
    `trades ${bar.trades}`,
    `VWAP ${bar.vwap}`,
  ].join("\n");
}

/** The minutes a chart spans: the run's range `[from, to)`, widened to every bar of the series. */
function minuteDomain(series: CandleSeries, from: number, to: number): [number, number] {
  const starts = series.bars.map((bar) => Date.parse(bar.start));
  const ranged = to > from;
  return [
    Math.min(...starts, ranged ? from : Infinity),
    Math.max(...starts.map((start) => start + 60_000), ranged ? to : -Infinity),
  ];
}

function renderCandleChart(series: CandleSeries, from: number, to: number): string {
  const c = CANDLE_CHART;
  const { symbol, bars } = series;
  const height = c.top + c.priceHeight + c.gap + c.volumeHeight + c.bottom;
  const plotWidth = c.width - c.left - c.right;
  if (bars.length === 0) {
    return `<p class="empty">${esc(symbol)} has no bar.</p>`;
  }
  const label = `${symbol}: ${formatInteger(bars.length)} one-minute bar${bars.length === 1 ? "" : "s"}`;
  const [domainFrom, domainTo] = minuteDomain(series, from, to);
  const slots = Math.max(1, Math.round((domainTo - domainFrom) / 60_000));
  const slotWidth = plotWidth / slots;
  const bodyWidth = Math.max(1, Math.min(36, slotWidth * 0.62));
  const xOf = (start: number): number => c.left + ((start - domainFrom) / 60_000 + 0.5) * slotWidth;

  const lows = bars.map((bar) => Number(bar.low));
  const highs = bars.map((bar) => Number(bar.high));
  let low = Math.min(...lows);
  let high = Math.max(...highs);
  const span = high - low || Math.max(high * 0.0005, 0.01);
  low -= span * 0.08;
  high += span * 0.08;
  const yOf = (value: number): number => c.top + ((high - value) / (high - low)) * c.priceHeight;
  const volumeTop = c.top + c.priceHeight + c.gap;
  const maxVolume = Math.max(...bars.map((bar) => Number(bar.volume)), Number.MIN_VALUE);

  const parts: string[] = [];
  // Price grid and labels.
  const ticks = niceTicks(low, high, 4);
  const decimals = decimalsFor(ticks.step);
  for (const value of ticks.values) {
    const y = px(yOf(value));
    parts.push(
      `<line class="grid" x1="${c.left}" x2="${c.width - c.right}" y1="${y}" y2="${y}"/>`,
      `<text class="axis" x="${c.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(value.toFixed(decimals))}</text>`,
    );
  }
  parts.push(
    `<text class="axis" x="${c.left - 6}" y="${px(volumeTop + c.volumeHeight / 2)}" text-anchor="end" dominant-baseline="middle">volume</text>`,
    `<line class="baseline" x1="${c.left}" x2="${c.width - c.right}" y1="${px(volumeTop + c.volumeHeight)}" y2="${px(volumeTop + c.volumeHeight)}"/>`,
  );
  // Minute labels, at most about 8.
  const every = Math.max(1, Math.ceil(slots / 8));
  for (let slot = 0; slot < slots; slot += every) {
    const start = domainFrom + slot * 60_000;
    parts.push(
      `<text class="axis" x="${px(xOf(start))}" y="${px(volumeTop + c.volumeHeight + 16)}" text-anchor="middle">${esc(minuteLabel(start))}</text>`,
    );
  }
  for (const bar of bars) {
    const start = Date.parse(bar.start);
    const x = xOf(start);
    const up = price(bar.close) >= price(bar.open);
    const open = yOf(Number(bar.open));
    const close = yOf(Number(bar.close));
    // At least a pixel tall, centred where open and close meet.
    const bodyHeight = Math.max(1, Math.abs(open - close));
    const bodyTop = (open + close) / 2 - bodyHeight / 2;
    const volumeHeight = Math.max(1, (Number(bar.volume) / maxVolume) * c.volumeHeight);
    parts.push(
      `<g class="candle ${up ? "up" : "down"}" data-start="${esc(bar.start)}" data-open="${esc(bar.open)}" data-high="${esc(bar.high)}" data-low="${esc(bar.low)}" data-close="${esc(bar.close)}" data-volume="${esc(bar.volume)}" data-trades="${bar.trades}" data-vwap="${esc(bar.vwap)}">`,
      `<title>${esc(candleTitle(symbol, bar))}</title>`,
      `<line class="wick" x1="${px(x)}" x2="${px(x)}" y1="${px(yOf(Number(bar.high)))}" y2="${px(yOf(Number(bar.low)))}"/>`,
      `<rect class="body" x="${px(x - bodyWidth / 2)}" y="${px(bodyTop)}" width="${px(bodyWidth)}" height="${px(bodyHeight)}"/>`,
      `<rect class="volume" x="${px(x - bodyWidth / 2)}" y="${px(volumeTop + c.volumeHeight - volumeHeight)}" width="${px(bodyWidth)}" height="${px(volumeHeight)}"/>`,
      `</g>`,
    );
  }
  return `<svg class="candles" viewBox="0 0 ${c.width} ${height}" width="${c.width}" height="${height}" role="img" aria-label="${esc(label)}">${parts.join("")}</svg>`;
}

function renderBarTable(series: CandleSeries): string {
  const rows = series.bars.map(
    (bar) =>
      `<tr data-start="${esc(bar.start)}"><td>${esc(formatMinute(Date.parse(bar.start)))}</td><td class="num">${esc(bar.open)}</td><td class="num">${esc(bar.high)}</td><td class="num">${esc(bar.low)}</td><td class="num">${esc(bar.close)}</td><td class="num">${esc(bar.volume)}</td><td class="num">${bar.trades}</td><td class="num">${esc(bar.vwap)}</td></tr>`,
  );
  return `<details${series.bars.length <= 10 ? " open" : ""}><summary>Exact figures of ${formatInteger(series.bars.length)} bar${series.bars.length === 1 ? "" : "s"}</summary><table class="bars"><thead><tr><th>minute</th><th>open</th><th>high</th><th>low</th><th>close</th><th>volume</th><th>trades</th><th>VWAP</th></tr></thead><tbody>${rows.join("")}</tbody></table></details>`;
}

function renderCandles(data: RunReportData): string {
  const { from, to } = data.figures.reconcile;
  const charts = data.candles.map(
    (series) =>
      `<figure class="chart" data-symbol="${esc(series.symbol)}" data-bars="${series.bars.length}"><figcaption><strong>${esc(series.symbol)}</strong> ${formatInteger(series.bars.length)} one-minute bar${series.bars.length === 1 ? "" : "s"}, ${formatInteger(series.bars.reduce((sum, bar) => sum + bar.trades, 0))} trades</figcaption>${renderCandleChart(series, from, to)}${renderBarTable(series)}</figure>`,
  );
  return `<section id="candles"><h2>One-minute bars through GET /bars</h2><p class="note">The ${data.candles.length === 1 ? "symbol" : `${formatInteger(data.candles.length)} symbols`} with the most bars, as the analytics API returned them. Hover a candle for its exact open, high, low, close and volume; green closes at or above its open, red below.</p>${charts.length > 0 ? `<div class="charts">${charts.join("")}</div>` : `<p class="empty">No bars.</p>`}</section>`;
}

// ---------------------------------------------------------------------------------------------
// Freshness

const HISTOGRAM = { width: 640, height: 250, left: 48, right: 16, top: 40, bottom: 40 } as const;

export interface HistogramBin {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** Equal-width bins of round width (1, 2 or 5 times a power of ten ms) holding every sample. */
export function histogramBins(sortedMs: readonly number[]): HistogramBin[] {
  if (sortedMs.length === 0) {
    return [];
  }
  const min = sortedMs[0];
  const max = sortedMs[sortedMs.length - 1];
  const target = Math.min(30, Math.max(5, Math.ceil(Math.sqrt(sortedMs.length)) * 2));
  const width = niceStep(max > min ? (max - min) / target : Math.max(1, max / 10));
  const first = Math.floor(min / width) * width;
  const count = Math.max(1, Math.floor((max - first) / width) + 1);
  const counts = new Array<number>(count).fill(0);
  for (const value of sortedMs) {
    counts[Math.min(count - 1, Math.max(0, Math.floor((value - first) / width)))] += 1;
  }
  return counts.map((binCount, index) => ({
    from: first + index * width,
    to: first + (index + 1) * width,
    count: binCount,
  }));
}

function renderHistogram(samplesMs: readonly number[]): string {
  const h = HISTOGRAM;
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const bins = histogramBins(sorted);
  const p50 = quantile(sorted, 0.5);
  const p99 = quantile(sorted, 0.99);
  const attributes = `data-samples="${sorted.length}"${p50 === undefined ? "" : ` data-p50="${p50}"`}${p99 === undefined ? "" : ` data-p99="${p99}"`}`;
  if (bins.length === 0) {
    return `<svg class="histogram" ${attributes} viewBox="0 0 ${h.width} 40" width="${h.width}" height="40" role="img" aria-label="no freshness samples"><text class="axis" x="${h.left}" y="24">No freshness samples.</text></svg>`;
  }
  const plotWidth = h.width - h.left - h.right;
  const plotHeight = h.height - h.top - h.bottom;
  const domainFrom = bins[0].from;
  const domainTo = bins[bins.length - 1].to;
  const xOf = (ms: number): number =>
    h.left + ((ms - domainFrom) / (domainTo - domainFrom)) * plotWidth;
  const maxCount = Math.max(...bins.map((bin) => bin.count));
  const countTicks = niceTicks(0, maxCount, Math.min(4, maxCount));
  const top = Math.max(maxCount, countTicks.values[countTicks.values.length - 1] ?? maxCount);
  const yOf = (count: number): number => h.top + plotHeight - (count / top) * plotHeight;
  const parts: string[] = [];
  for (const value of countTicks.values.filter((tick) => Number.isInteger(tick))) {
    const y = px(yOf(value));
    parts.push(
      `<line class="grid" x1="${h.left}" x2="${h.width - h.right}" y1="${y}" y2="${y}"/>`,
      `<text class="axis" x="${h.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatInteger(value)}</text>`,
    );
  }
  const every = Math.max(1, Math.ceil(bins.length / 8));
  const labelDecimals = decimalsFor(bins[0].to - bins[0].from);
  for (let index = 0; index <= bins.length; index += every) {
    const ms = domainFrom + (index * (domainTo - domainFrom)) / bins.length;
    parts.push(
      `<text class="axis" x="${px(xOf(ms))}" y="${h.height - h.bottom + 16}" text-anchor="middle">${esc(formatDecimal(ms, labelDecimals))}</text>`,
    );
  }
  parts.push(
    `<text class="axis" x="${px(h.left + plotWidth / 2)}" y="${h.height - 4}" text-anchor="middle">send -&gt; visible, ms</text>`,
  );
  for (const bin of bins) {
    const x = xOf(bin.from);
    const width = Math.max(1, xOf(bin.to) - x - 1);
    const y = yOf(bin.count);
    parts.push(
      `<rect class="bin" x="${px(x)}" y="${px(y)}" width="${px(width)}" height="${px(h.top + plotHeight - y)}" data-from="${bin.from}" data-to="${bin.to}" data-count="${bin.count}"><title>${esc(`${formatDecimal(bin.from, labelDecimals)}-${formatDecimal(bin.to, labelDecimals)} ms: ${formatInteger(bin.count)} sample${bin.count === 1 ? "" : "s"}`)}</title></rect>`,
    );
  }
  parts.push(
    `<line class="baseline" x1="${h.left}" x2="${h.width - h.right}" y1="${h.top + plotHeight}" y2="${h.top + plotHeight}"/>`,
  );
  // Each marker's label on a row of its own, beside its line, on the side with room for it.
  const markers: [string, number | undefined, number][] = [
    ["p50", p50, h.top - 24],
    ["p99", p99, h.top - 8],
  ];
  for (const [name, value, labelY] of markers) {
    if (value === undefined) {
      continue;
    }
    const x = xOf(value);
    const text = `${name} ${formatMs(value)}`;
    const leftward = x + 8 + text.length * 6.5 > h.width;
    parts.push(
      `<g class="marker ${name}" data-ms="${value}"><title>${esc(text)}</title><line x1="${px(x)}" x2="${px(x)}" y1="${labelY - 4}" y2="${h.top + plotHeight}"/><text x="${px(x)}" dx="${leftward ? -4 : 4}" y="${labelY}" text-anchor="${leftward ? "end" : "start"}">${esc(text)}</text></g>`,
    );
  }
  return `<svg class="histogram" ${attributes} viewBox="0 0 ${h.width} ${h.height}" width="${h.width}" height="${h.height}" role="img" aria-label="${esc(`freshness of ${formatInteger(sorted.length)} samples`)}">${parts.join("")}</svg>`;
}

function renderFreshness(data: RunReportData): string {
  const { freshness } = data.figures;
  const sorted = [...data.freshnessMs].sort((a, b) => a - b);
  const notes = [
    `${formatInteger(sorted.length)} sample${sorted.length === 1 ? "" : "s"}`,
    `p50 ${formatMs(quantile(sorted, 0.5))}`,
    `p99 ${formatMs(quantile(sorted, 0.99))}`,
    `max ${formatMs(sorted[sorted.length - 1])}`,
  ];
  if (freshness.notVisible > 0) {
    notes.push(`${formatInteger(freshness.notVisible)} not visible in time`);
  }
  if (freshness.queryErrors > 0) {
    notes.push(`${formatInteger(freshness.queryErrors)} query errors`);
  }
  return `<section id="freshness"><h2>Freshness</h2><p class="note">Time from a sampled tick's PutRecords to its trade showing in GET /latest: ${esc(notes.join(", "))}.</p>${renderHistogram(sorted)}</section>`;
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

const STYLE = `
:root { color-scheme: light; --fg: #1d232a; --muted: #5b6673; --line: #d9dee4; --grid: #eceff3;
  --up: #1a7f4b; --down: #c4372b; --accent: #2f6fdf; --bad: #b42318; --good: #1a7f4b; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 20px 24px 48px; color: var(--fg); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 6px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta, .note { color: var(--muted); margin: 0 0 10px; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 12px; overflow-x: auto;
  white-space: pre-wrap; }
.status { font-weight: 600; padding: 8px 12px; border-radius: 6px; margin: 12px 0; }
.status p { margin: 0; }
.status.ok, .verdict.ok { color: var(--good); background: #e9f6ef; }
.status.failed, .verdict.failed { color: var(--bad); background: #fdecea; }
.verdict { display: inline-block; font-weight: 600; padding: 4px 10px; border-radius: 6px; margin: 4px 0 8px; }
dl.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; margin: 12px 0; }
dl.figures div { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
dl.figures dt { color: var(--muted); font-size: 12px; }
dl.figures dd { margin: 2px 0 0; font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
summary { cursor: pointer; color: var(--muted); margin: 6px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 18px; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
figcaption { margin-bottom: 4px; color: var(--muted); }
figure.chart details { overflow-x: auto; }
figcaption strong { color: var(--fg); font-size: 15px; margin-right: 6px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-size: 11px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg .grid { stroke: var(--grid); }
svg .baseline { stroke: var(--line); }
.candle .wick { stroke-width: 1.5; }
.candle.up .wick { stroke: var(--up); } .candle.up .body { fill: var(--up); }
.candle.down .wick { stroke: var(--down); } .candle.down .body { fill: var(--down); }
.candle .volume { fill: #9fb0c3; }
.candle:hover .body { stroke: var(--fg); stroke-width: 1; } .candle:hover .volume { fill: var(--accent); }
.histogram .bin { fill: #7da2e8; } .histogram .bin:hover { fill: var(--accent); }
.marker line { stroke-width: 1.5; stroke-dasharray: 4 3; }
.marker.p50 line { stroke: var(--up); } .marker.p50 text { fill: var(--up); font-weight: 600; }
.marker.p99 line { stroke: var(--down); } .marker.p99 text { fill: var(--down); font-weight: 600; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 4px 0; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--grid); text-align: left; white-space: nowrap; }
thead th { color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line); }
th[colspan] { text-align: center; }
td.num { text-align: right; }
td.differs, tr.differs th { color: var(--bad); font-weight: 600; }
tfoot th, tfoot td { border-top: 1px solid var(--line); font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
`;

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
