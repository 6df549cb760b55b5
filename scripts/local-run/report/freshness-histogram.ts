/** The report's freshness section: a histogram of send-to-visible times with p50 and p99. */
import { quantile } from "../freshness-probe";
import { formatDecimal, formatInteger, formatMs } from "../../cli/text-table";
import type { RunReportData } from "./run-report-data";
import { decimalsFor, esc, niceStep, niceTicks, px } from "./report-markup";

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

export function renderFreshness(data: RunReportData): string {
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
