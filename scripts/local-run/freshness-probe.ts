/**
 * Freshness: the time from a tick being sent to it being visible through the query API. Sampled
 * ticks are watched by asking the API for their symbols' latest bars until the bar has reached the
 * tick's trade time.
 */

import type { LatestBarView } from "../smoke/analytics-client";

/** Asks the API for the latest bars of some symbols; a symbol with no bar yet is absent. */
export type LatestBarsQuery = (
  symbols: readonly string[],
) => Promise<ReadonlyMap<string, LatestBarView>>;

export interface FreshnessProbeSettings {
  /** Probes watched at once; each is one symbol in the `/latest` query. @default - 6 */
  readonly maxOutstanding?: number;
  /** Minimum time between two accepted samples, in ms. @default - 100 */
  readonly sampleEveryMs?: number;
  /**
   * Shortest pause between two queries, in ms. The pause grows to a twentieth of the youngest
   * probe's age (at most 250 ms), so a lagging pipeline is not loaded further by its own
   * measurement while the resolution stays within 5%. @default - 20
   */
  readonly pollMs?: number;
  /** A tick not visible after this long counts as not visible, in ms. @default - 60000 */
  readonly timeoutMs?: number;
  /** Clock in ms; performance.now by default. */
  readonly now?: () => number;
}

interface Probe {
  readonly symbol: string;
  readonly tsMs: number;
  readonly sentAt: number;
}

export interface FreshnessSummary {
  readonly samples: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly maxMs: number | undefined;
  /** Probes that never became visible within the timeout, or were still pending at the end. */
  readonly notVisible: number;
  readonly queryErrors: number;
}

/** The q-quantile (0..1) of sorted values, nearest-rank. */
export function quantile(sortedValues: readonly number[], q: number): number | undefined {
  if (sortedValues.length === 0) {
    return undefined;
  }
  const rank = Math.ceil(q * sortedValues.length);
  return sortedValues[Math.min(sortedValues.length - 1, Math.max(0, rank - 1))];
}

export class FreshnessProbe {
  private readonly outstanding: Probe[] = [];
  private readonly latencies: number[] = [];
  private notVisible = 0;
  private queryErrors = 0;
  private lastAcceptedAt = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly maxOutstanding: number;
  private readonly sampleEveryMs: number;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly query: LatestBarsQuery,
    settings: FreshnessProbeSettings = {},
  ) {
    this.maxOutstanding = settings.maxOutstanding ?? 6;
    this.sampleEveryMs = settings.sampleEveryMs ?? 100;
    this.pollMs = settings.pollMs ?? 20;
    this.timeoutMs = settings.timeoutMs ?? 60_000;
    this.now = settings.now ?? (() => performance.now());
  }

  /**
   * Offers a sent tick for sampling. It is taken if enough time passed since the last sample and
   * its symbol is not already watched; `sentAt` is when its PutRecords was issued.
   */
  offer(symbol: string, tsMs: number, sentAt: number): boolean {
    if (
      this.stopping ||
      sentAt - this.lastAcceptedAt < this.sampleEveryMs ||
      this.outstanding.length >= this.maxOutstanding ||
      this.outstanding.some((probe) => probe.symbol === symbol)
    ) {
      return false;
    }
    this.lastAcceptedAt = sentAt;
    this.outstanding.push({ symbol, tsMs, sentAt });
    this.running ??= this.loop();
    return true;
  }

  get pending(): number {
    return this.outstanding.length;
  }

  /** Makes a last check of the outstanding probes, then stops. */
  async stop(): Promise<FreshnessSummary> {
    this.stopping = true;
    await this.running;
    if (this.outstanding.length > 0) {
      await this.check();
      this.notVisible += this.outstanding.length;
      this.outstanding.length = 0;
    }
    return this.summary();
  }

  summary(): FreshnessSummary {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      samples: sorted.length,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: sorted[sorted.length - 1],
      notVisible: this.notVisible,
      queryErrors: this.queryErrors,
    };
  }

  private async loop(): Promise<void> {
    while (!this.stopping && this.outstanding.length > 0) {
      await this.check();
      const youngestAge = this.now() - Math.max(...this.outstanding.map((probe) => probe.sentAt));
      const pause = Math.max(this.pollMs, Math.min(250, youngestAge / 20));
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    this.running = undefined;
  }

  private async check(): Promise<void> {
    const symbols = [...new Set(this.outstanding.map((probe) => probe.symbol))];
    let latest: ReadonlyMap<string, LatestBarView>;
    try {
      latest = await this.query(symbols);
    } catch {
      this.queryErrors += 1;
      return;
    }
    const seenAt = this.now();
    for (let i = this.outstanding.length - 1; i >= 0; i -= 1) {
      const probe = this.outstanding[i];
      const bar = latest.get(probe.symbol);
      if (bar && bar.lastTradeAt >= probe.tsMs) {
        this.latencies.push(seenAt - probe.sentAt);
        this.outstanding.splice(i, 1);
      } else if (seenAt - probe.sentAt > this.timeoutMs) {
        this.notVisible += 1;
        this.outstanding.splice(i, 1);
      }
    }
  }
}
