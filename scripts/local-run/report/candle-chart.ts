/** The report's candlestick section: one price-and-volume chart per symbol, with its bars. */
import type { ExactApiBar } from "../../smoke/analytics-client";
import { formatMinute } from "../run-report";
import { formatInteger } from "../../cli/text-table";
import type { CandleSeries, RunReportData } from "./run-report-data";
import { decimalsFor, esc, minuteLabel, niceTicks, price, px } from "./report-markup";

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

export function renderCandles(data: RunReportData): string {
  const { from, to } = data.figures.reconcile;
  const charts = data.candles.map(
    (series) =>
      `<figure class="chart" data-symbol="${esc(series.symbol)}" data-bars="${series.bars.length}"><figcaption><strong>${esc(series.symbol)}</strong> ${formatInteger(series.bars.length)} one-minute bar${series.bars.length === 1 ? "" : "s"}, ${formatInteger(series.bars.reduce((sum, bar) => sum + bar.trades, 0))} trades</figcaption>${renderCandleChart(series, from, to)}${renderBarTable(series)}</figure>`,
  );
  return `<section id="candles"><h2>One-minute bars through GET /bars</h2><p class="note">The ${data.candles.length === 1 ? "symbol" : `${formatInteger(data.candles.length)} symbols`} with the most bars, as the analytics API returned them. Hover a candle for its exact open, high, low, close and volume; green closes at or above its open, red below.</p>${charts.length > 0 ? `<div class="charts">${charts.join("")}</div>` : `<p class="empty">No bars.</p>`}</section>`;
}
