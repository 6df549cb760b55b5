import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { DECIMAL_PLACES, parseScaled } from "../../../functions/domain/decimal";
import { quantile } from "../freshness-probe";
import { renderSummary } from "../run-report";
import { groupDecimal } from "../session-table";
import { formatInteger } from "../../cli/text-table";
import { REPORT_FILE, writeRunHtmlReport } from "./run-html-report";
import type { RunReportData } from "./run-report-data";
import { FRESHNESS_MS, recordedRun } from "./run-report.fixture";

/**
 * The run's HTML report, opened in headless Chromium: Debian's `chromium` package, driven by
 * playwright-core, with no network and a fresh profile.
 */

/**
 * Debian's chromium (what .ci/run installs), or a Chrome a CI image already has, or
 * `CHROMIUM_PATH`.
 */
const CHROMIUM =
  [
    process.env.CHROMIUM_PATH,
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
  ]
    .filter((candidate): candidate is string => candidate !== undefined && candidate !== "")
    .find((candidate) => fs.existsSync(candidate)) ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

async function launchChromium(userDataDir: string): Promise<BrowserContext> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `The report's browser test needs Chromium at ${CHROMIUM}, and there is none. Install Debian's package: apt-get update && apt-get install -y --no-install-recommends chromium (.ci/run does this when it is absent).`,
    );
  }
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    offline: true,
    viewport: { width: 1400, height: 900 },
  });
}

interface Opened {
  readonly page: Page;
  readonly url: string;
  /** Every request the page made, the report's own file included. */
  readonly requests: string[];
  readonly errors: string[];
}

describe("the run's HTML report in headless Chromium", () => {
  let directory: string;
  let context: BrowserContext;
  const clean = recordedRun();
  const failed = recordedRun({ missingBar: true });

  let report: Opened;

  beforeAll(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "run-report-"));
    context = await launchChromium(path.join(directory, "profile"));
    report = await open("clean", clean);
  });

  afterAll(async () => {
    await context?.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  async function open(name: string, data: RunReportData): Promise<Opened> {
    const file = await writeRunHtmlReport(path.join(directory, name), data);
    expect(path.basename(file)).toBe(REPORT_FILE);
    const page = await context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") {
        errors.push(message.text());
      }
    });
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: "load" });
    return { page, url, requests, errors };
  }

  it("opens from its one file: nothing fetched, no script, no error", async () => {
    expect(report.requests).toEqual([report.url]);
    expect(report.errors).toEqual([]);
    const html = fs.readFileSync(path.join(directory, "clean", REPORT_FILE), "utf8");
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\b(?:src|href)=|url\(|@import|https?:/i);
    expect(await report.page.title()).toBe(
      "Local run dev: OK (2026-12-06T02:26Z..2026-12-06T02:29Z)",
    );
  });

  it("draws one candle per bar of each charted symbol, with the API's exact open, high, low and close", async () => {
    const { page } = report;
    expect(clean.candles.map((series) => series.symbol)).toEqual(["AAPL", "MSFT", "NVDA", "GOOGL"]);
    const charted = await page.$$eval("figure.chart", (figures) =>
      figures.map((figure) => figure.getAttribute("data-symbol")),
    );
    expect(charted).toEqual(clean.candles.map((series) => series.symbol));
    const price = (text: string): bigint => parseScaled(text, DECIMAL_PLACES);
    for (const series of clean.candles) {
      const chart = page.locator(`figure.chart[data-symbol="${series.symbol}"]`);
      await expect(chart.locator("figcaption").textContent()).resolves.toContain(series.symbol);
      const candles = await chart.locator("svg.candles g.candle").evaluateAll((groups) =>
        groups.map((group) => {
          const box = (selector: string) => {
            const rect = group.querySelector(selector).getBoundingClientRect();
            return { top: rect.top, bottom: rect.bottom, width: rect.width, height: rect.height };
          };
          return {
            up: group.classList.contains("up"),
            start: group.getAttribute("data-start"),
            open: group.getAttribute("data-open"),
            high: group.getAttribute("data-high"),
            low: group.getAttribute("data-low"),
            close: group.getAttribute("data-close"),
            volume: group.getAttribute("data-volume"),
            tooltip: group.querySelector("title")?.textContent ?? "",
            wick: box("line.wick"),
            body: box("rect.body"),
            volumeBar: box("rect.volume"),
            fill: group.ownerDocument.defaultView.getComputedStyle(group.querySelector("rect.body"))
              .fill,
          };
        }),
      );
      expect(candles).toHaveLength(series.bars.length);
      candles.forEach((candle, index) => {
        const bar = series.bars[index];
        expect(candle).toMatchObject({
          start: bar.start,
          open: bar.open,
          high: bar.high,
          low: bar.low,
          close: bar.close,
          volume: bar.volume,
        });
        for (const line of [
          `open ${bar.open}`,
          `high ${bar.high}`,
          `low ${bar.low}`,
          `close ${bar.close}`,
          `volume ${bar.volume}`,
        ]) {
          expect(candle.tooltip.split("\n")).toContain(line);
        }
        expect(candle.up).toBe(price(bar.close) >= price(bar.open));
        expect(candle.fill).toBe(candle.up ? "rgb(26, 127, 75)" : "rgb(196, 55, 43)");
        // Drawn on screen: the wick spans high to low, the body (a pixel at least) open to close.
        expect(candle.body.width).toBeGreaterThan(0);
        expect(candle.body.height).toBeGreaterThan(0);
        expect(candle.volumeBar.height).toBeGreaterThan(0);
        expect(candle.wick.top).toBeLessThanOrEqual(candle.body.top + 0.5);
        expect(candle.wick.bottom).toBeGreaterThanOrEqual(candle.body.bottom - 0.5);
      });
      // The highest high is drawn highest, the lowest low lowest.
      const highest = series.bars.reduce(
        (best, bar, index) => (price(bar.high) > price(series.bars[best].high) ? index : best),
        0,
      );
      const lowest = series.bars.reduce(
        (best, bar, index) => (price(bar.low) < price(series.bars[best].low) ? index : best),
        0,
      );
      expect(Math.min(...candles.map((candle) => candle.wick.top))).toBe(candles[highest].wick.top);
      expect(Math.max(...candles.map((candle) => candle.wick.bottom))).toBe(
        candles[lowest].wick.bottom,
      );
      // The exact figures beside the chart, one row per bar.
      const rows = await chart
        .locator("table.bars tbody tr")
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
        );
      expect(rows).toEqual(
        series.bars.map((bar) => [
          `${bar.start.slice(0, 16)}Z`,
          bar.open,
          bar.high,
          bar.low,
          bar.close,
          bar.volume,
          String(bar.trades),
          bar.vwap,
        ]),
      );
    }
  });

  it("draws the freshness histogram over every sample, with p50 and p99 marked", async () => {
    const { page } = report;
    const sorted = [...FRESHNESS_MS].sort((a, b) => a - b);
    const histogram = page.locator("#freshness svg.histogram");
    await expect(histogram.getAttribute("data-samples")).resolves.toBe(
      String(clean.figures.freshness.samples),
    );
    expect(clean.figures.freshness.samples).toBe(FRESHNESS_MS.length);
    const bins = await histogram.locator("rect.bin").evaluateAll((rects) =>
      rects.map((rect) => ({
        from: Number(rect.getAttribute("data-from")),
        to: Number(rect.getAttribute("data-to")),
        count: Number(rect.getAttribute("data-count")),
        left: rect.getBoundingClientRect().left,
        right: rect.getBoundingClientRect().right,
        height: rect.getBoundingClientRect().height,
      })),
    );
    expect(bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(FRESHNESS_MS.length);
    for (const bin of bins) {
      expect(bin.count).toBe(sorted.filter((value) => value >= bin.from && value < bin.to).length);
    }
    // Heights follow the counts.
    const tallest = bins.reduce((best, bin) => (bin.count > best.count ? bin : best));
    expect(Math.max(...bins.map((bin) => bin.height))).toBe(tallest.height);
    expect(tallest.height).toBeGreaterThan(0);
    for (const [name, q, figure] of [
      ["p50", 0.5, clean.figures.freshness.p50Ms],
      ["p99", 0.99, clean.figures.freshness.p99Ms],
    ] as const) {
      const value = quantile(sorted, q);
      expect(value).toBe(figure);
      const marker = histogram.locator(`g.marker.${name}`);
      await expect(marker.getAttribute("data-ms")).resolves.toBe(String(value));
      await expect(marker.locator("text").textContent()).resolves.toMatch(
        new RegExp(`^${name} [\\d,.]+ ms$`),
      );
      // The marker stands over the bin holding its value.
      const x = await marker.locator("line").evaluate((line) => line.getBoundingClientRect().left);
      const bin = bins.find(
        (candidate) => value !== undefined && value >= candidate.from && value <= candidate.to,
      );
      expect(bin).toBeDefined();
      expect(x).toBeGreaterThanOrEqual((bin?.left ?? 0) - 1);
      expect(x).toBeLessThanOrEqual((bin?.right ?? 0) + 1);
    }
  });

  it("lists the reconcile per symbol, with 0 differences when the run is clean", async () => {
    const { page } = report;
    await expect(page.locator("#reconcile-verdict").textContent()).resolves.toBe(
      "0 differences over 10 bars of 2026-12-06T02:26Z..2026-12-06T02:29Z",
    );
    const rows = await page
      .locator("#reconcile table tbody tr")
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll("th, td")].map((cell) => cell.textContent)),
      );
    expect(rows).toEqual(
      clean.reconcile.map((row) => [
        row.symbol,
        formatInteger(row.archive.bars),
        formatInteger(row.table.bars),
        formatInteger(row.archive.trades),
        formatInteger(row.table.trades),
        groupDecimal(row.archive.volume),
        groupDecimal(row.table.volume),
        groupDecimal(row.archive.notional),
        groupDecimal(row.table.notional),
        "0",
      ]),
    );
    // The table side is what the API read back, symbol by symbol.
    for (const row of clean.reconcile) {
      const session = clean.sessions.find((candidate) => candidate.symbol === row.symbol);
      expect([row.table.trades, row.table.volume, row.table.notional]).toEqual([
        session?.trades,
        session?.volume,
        session?.notional,
      ]);
    }
    const total = await page
      .locator("#reconcile table tfoot tr th, #reconcile table tfoot tr td")
      .allTextContents();
    expect(total).toEqual([
      "total",
      "10",
      "10",
      "29",
      "29",
      "2,648.25",
      "2,648.25",
      "480,535.0775",
      "480,535.0775",
      "0",
    ]);
    await expect(page.locator("#reconcile .differs").count()).resolves.toBe(0);
  });

  it("shows the run's summary figures and its summary as printed", async () => {
    const { page } = report;
    await expect(page.locator("#status").textContent()).resolves.toBe("OK: the run reconciles.");
    const figures = Object.fromEntries(
      await page
        .locator("dl.figures > div")
        .evaluateAll((divs) =>
          divs.map((div) => [
            div.getAttribute("data-figure"),
            div.querySelector("dd")?.textContent,
          ]),
        ),
    );
    expect(figures).toMatchObject({
      ticksSent: formatInteger(clean.figures.ticksSent),
      ticksInBars: "29",
      duplicatesSkipped: "2",
      malformedTicks: "3",
      archivedRecords: "27 of 27",
      reconcile: "0 differences",
      freshness: "732 ms / 1,557 ms",
    });
    await expect(page.locator("#summary pre").textContent()).resolves.toBe(
      renderSummary(clean.figures, clean.reconciliation),
    );
    const sessions = await page
      .locator("#sessions tbody tr")
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-symbol")));
    expect(sessions).toEqual(["AAPL", "MSFT", "NVDA", "GOOGL", "KO"]);
  });

  it("marks a bar missing from the table in the reconcile, and the run as failed", async () => {
    const { page, errors } = await open("failed", failed);
    expect(errors).toEqual([]);
    await expect(page.locator("#reconcile-verdict").textContent()).resolves.toBe(
      "1 difference over 10 bars of 2026-12-06T02:26Z..2026-12-06T02:29Z",
    );
    await expect(page.locator("#reconcile-verdict").getAttribute("class")).resolves.toBe(
      "verdict failed",
    );
    const differing = await page.locator("#reconcile tbody tr.differs").evaluateAll((trs) =>
      trs.map((tr) => ({
        symbol: tr.getAttribute("data-symbol"),
        bars: [...tr.querySelectorAll('[data-field^="bars-"]')].map((td) => td.textContent),
        differences: tr.querySelector('[data-field="differences"]')?.textContent,
      })),
    );
    expect(differing).toEqual([
      { symbol: "MSFT", bars: ["3", "2"], differences: "1: 2026-12-06T02:27Z: missing bar" },
    ]);
    await expect(page.locator("#status li").allTextContents()).resolves.toEqual(
      failed.reconciliation.problems,
    );
    // MSFT's chart has the two bars the API still returns.
    await expect(page.locator('figure.chart[data-symbol="MSFT"] g.candle').count()).resolves.toBe(
      2,
    );
  });
});
