import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Bar } from "../../../functions/domain/bar";
import {
  DECIMAL_PLACES,
  NOTIONAL_DECIMAL_PLACES,
  formatScaled,
} from "../../../functions/domain/decimal";
import type { ExactApiBar } from "../../smoke/analytics-client";
import type { LocalClients } from "../../local-aws/local-clients";
import type { LatestBarsQuery } from "../freshness-probe";
import { formatMinute, type Reconciliation, type RunFigures } from "../run-report";
import type { SessionRow } from "../session-table";
import type { ArchiveBars } from "../../operations/archive-bars";
import { scanRange } from "../../operations/range-scan";
import { compareChunk } from "../../operations/bar-differences";

/**
 * What the run's HTML report shows, recorded by the local run: the figures of its summary, a few
 * symbols' one-minute bars exactly as the API returned them, every freshness latency, and the
 * reconcile per symbol.
 */
export interface RunReportData {
  /** When the report was made, epoch ms. */
  readonly generatedAt: number;
  readonly figures: RunFigures;
  readonly reconciliation: Reconciliation;
  /** Every symbol's session, rolled up from its bars (the run's "Bars per symbol" table). */
  readonly sessions: readonly SessionRow[];
  /** The charted symbols' one-minute bars through GET /bars, by minute. */
  readonly candles: readonly CandleSeries[];
  /** Every freshness sample, send -> visible through GET /latest, in ms. */
  readonly freshnessMs: readonly number[];
  /** The archive's distinct trades against the table's bars, per symbol, by symbol. */
  readonly reconcile: readonly SymbolReconcile[];
}

export interface CandleSeries {
  readonly symbol: string;
  readonly bars: readonly ExactApiBar[];
}

/** A symbol's bars added up: counts, and exact decimal text for volume and notional. */
export interface BarTotals {
  readonly bars: number;
  readonly trades: number;
  readonly volume: string;
  readonly notional: string;
}

export interface SymbolReconcile {
  readonly symbol: string;
  /** The bars the archive's distinct trades make. */
  readonly archive: BarTotals;
  /** The bars in the table. */
  readonly table: BarTotals;
  /** One line per bar that differs, e.g. `2026-05-01T13:05Z: volume, notional`. */
  readonly differences: readonly string[];
}

/** Symbols charted by default. */
export const CHARTED_SYMBOLS = 4;

/**
 * The symbols to chart: those with the most bars, then the most trades (the market's order on a
 * tie), with their bars by minute.
 */
export function chartedSeries(
  sessions: readonly SessionRow[],
  barsBySymbol: ReadonlyMap<string, readonly ExactApiBar[]>,
  count = CHARTED_SYMBOLS,
): CandleSeries[] {
  return [...sessions]
    .sort((a, b) => b.bars - a.bars || b.trades - a.trades)
    .slice(0, count)
    .map((session) => ({
      symbol: session.symbol,
      bars: [...(barsBySymbol.get(session.symbol) ?? [])].sort(
        (a, b) => Date.parse(a.start) - Date.parse(b.start),
      ),
    }));
}

interface Sums {
  bars: number;
  trades: number;
  volume: bigint;
  notional: bigint;
}

const noSums = (): Sums => ({ bars: 0, trades: 0, volume: 0n, notional: 0n });

function addBar(sums: Sums, bar: Bar): void {
  sums.bars += 1;
  sums.trades += bar.trades;
  sums.volume += bar.volume;
  sums.notional += bar.notional;
}

function totalsOf(sums: Sums): BarTotals {
  return {
    bars: sums.bars,
    trades: sums.trades,
    volume: formatScaled(sums.volume, DECIMAL_PLACES),
    notional: formatScaled(sums.notional, NOTIONAL_DECIMAL_PLACES),
  };
}

/**
 * Adds up, per symbol, the archive's bars and the table's bars of a range scanned chunk by chunk,
 * and keeps the bars that differ as reconcile finds them (`compareChunk`).
 */
export class SymbolReconcileTally {
  private readonly symbols = new Map<
    string,
    { archive: Sums; table: Sums; differences: string[] }
  >();

  private entry(symbol: string): { archive: Sums; table: Sums; differences: string[] } {
    let entry = this.symbols.get(symbol);
    if (entry === undefined) {
      entry = { archive: noSums(), table: noSums(), differences: [] };
      this.symbols.set(symbol, entry);
    }
    return entry;
  }

  add(chunk: {
    readonly archive: ArchiveBars;
    readonly table: ReadonlyMap<string, Bar | Error>;
  }): void {
    for (const archived of chunk.archive.bars.values()) {
      addBar(this.entry(archived.symbol).archive, archived.bar);
    }
    for (const stored of chunk.table.values()) {
      if (!(stored instanceof Error)) {
        addBar(this.entry(stored.symbol).table, stored);
      }
    }
    for (const difference of compareChunk(chunk.archive, chunk.table)) {
      this.entry(difference.symbol).differences.push(
        `${formatMinute(difference.start)}: ${difference.fields.join(", ")}`,
      );
    }
  }

  rows(): SymbolReconcile[] {
    return [...this.symbols]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([symbol, entry]) => ({
        symbol,
        archive: totalsOf(entry.archive),
        table: totalsOf(entry.table),
        differences: entry.differences,
      }));
  }
}

/**
 * The run's reconcile per symbol: reads `[from, to)` of the archive and the table as the run's
 * reconcile does (the symbols the archive has trades of, records arriving up to `lateMinutes`
 * after the range), and adds up each side per symbol.
 */
export async function reconcileBySymbol(options: {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly bucketName: string;
  readonly tableName: string;
  readonly from: number;
  readonly to: number;
  readonly lateMinutes: number;
}): Promise<SymbolReconcile[]> {
  const tally = new SymbolReconcileTally();
  if (!Number.isFinite(options.from) || !Number.isFinite(options.to)) {
    return [];
  }
  for await (const chunk of scanRange({ ...options, progress: () => undefined })) {
    tally.add(chunk);
  }
  return tally.rows();
}

/**
 * The report's data at the end of a run: its figures, the charted symbols' bars as read back, the
 * freshness samples, and the reconcile of the run's range (`figures.reconcile`) per symbol.
 */
export async function recordRunReport(run: {
  readonly clients: Pick<LocalClients, "s3" | "dynamodb">;
  readonly bucketName: string;
  readonly tableName: string;
  readonly lateMinutes: number;
  readonly figures: RunFigures;
  readonly reconciliation: Reconciliation;
  readonly sessions: readonly SessionRow[];
  readonly barsBySymbol: ReadonlyMap<string, readonly ExactApiBar[]>;
  readonly freshnessMs: readonly number[];
  readonly now?: () => number;
}): Promise<RunReportData> {
  const { from, to } = run.figures.reconcile;
  return {
    generatedAt: (run.now ?? Date.now)(),
    figures: run.figures,
    reconciliation: run.reconciliation,
    sessions: run.sessions,
    candles: chartedSeries(run.sessions, run.barsBySymbol),
    freshnessMs: run.freshnessMs,
    reconcile:
      to > from
        ? await reconcileBySymbol({
            s3: run.clients.s3,
            dynamodb: run.clients.dynamodb,
            bucketName: run.bucketName,
            tableName: run.tableName,
            from,
            to,
            lateMinutes: run.lateMinutes,
          })
        : [],
  };
}

interface Watched {
  readonly symbol: string;
  readonly tsMs: number;
  readonly sentAt: number;
}

/**
 * Every freshness latency, for the report's histogram (the probe reports its quantiles only).
 * Wrapped around the probe's query, it sees the answers the probe sees and applies the probe's
 * rule to the ticks the probe took: a tick is visible once its symbol's latest bar has reached
 * its trade time, timed from its send to the answer that shows it; one not visible within
 * `timeoutMs` is no sample.
 */
export class FreshnessSamples {
  private readonly watched: Watched[] = [];
  private readonly latencies: number[] = [];

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly timeoutMs = 60_000,
  ) {}

  /** The probe took this tick (its `offer` returned true). */
  watch(symbol: string, tsMs: number, sentAt: number): void {
    this.watched.push({ symbol, tsMs, sentAt });
  }

  /** `query`, noting the latency of each watched tick an answer shows. */
  observe(query: LatestBarsQuery): LatestBarsQuery {
    return async (symbols) => {
      const latest = await query(symbols);
      const seenAt = this.now();
      for (let i = this.watched.length - 1; i >= 0; i -= 1) {
        const tick = this.watched[i];
        const bar = latest.get(tick.symbol);
        if (bar && bar.lastTradeAt >= tick.tsMs) {
          this.latencies.push(seenAt - tick.sentAt);
          this.watched.splice(i, 1);
        } else if (seenAt - tick.sentAt > this.timeoutMs) {
          this.watched.splice(i, 1);
        }
      }
      return latest;
    };
  }

  /** The latencies so far, ascending, in ms. */
  samplesMs(): number[] {
    return [...this.latencies].sort((a, b) => a - b);
  }
}
