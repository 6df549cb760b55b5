import { decimalEquals } from "./analytics-client";

/**
 * The smoke check itself, independent of where it runs: a test tick for the reserved symbol, and
 * polling the analytics API until its 1-minute bar shows that very tick, within a deadline.
 */

/**
 * The symbol the smoke check trades. Reserved: no market has it (real symbols are at most five
 * letters before any suffix), so its bars never mix with real ones; dashboards can filter it out.
 */
export const SMOKE_SYMBOL = "ZZSMOKE";

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_POLL_MS = 250;

/** The tick the smoke check sends: `ts` now, a price that encodes the run, so the bar shows it. */
export interface SmokeTick {
  readonly symbol: typeof SMOKE_SYMBOL;
  readonly price: number;
  readonly size: number;
  readonly ts: number;
  readonly tradeId: string;
}

/**
 * A unique trade id, and a price derived from it (1000.0000-1099.9999): the tick is the latest of
 * its minute (ts = now), so the bar's close becomes this price, which no earlier run used.
 */
export function smokeTick(nowMs: number, nonce: number): SmokeTick {
  if (!Number.isInteger(nonce) || nonce < 0) {
    throw new Error(`Smoke tick nonce must be a non-negative integer, got ${nonce}.`);
  }
  const code = nonce % 1_000_000;
  return {
    symbol: SMOKE_SYMBOL,
    price: Number((1000 + code / 10_000).toFixed(4)),
    size: 1,
    ts: nowMs,
    tradeId: `smoke-${nowMs}-${code}`,
  };
}

interface BarView {
  readonly symbol?: unknown;
  readonly interval?: unknown;
  readonly start?: unknown;
  readonly close?: unknown;
  readonly lastTradeAt?: unknown;
}

/**
 * The 1-minute bar of the tick's minute in a `GET /latest` answer, if the tick made it the latest:
 * its close (exact decimal text) is the tick's price exactly, compared as decimals, not as floats.
 */
export function findTickBar(body: unknown, tick: SmokeTick): BarView | undefined {
  if (
    typeof body !== "object" ||
    body === null ||
    !Array.isArray((body as { bars?: unknown }).bars)
  ) {
    return undefined;
  }
  const minuteStart = tick.ts - (tick.ts % 60_000);
  return ((body as { bars: unknown[] }).bars as BarView[]).find(
    (bar) =>
      typeof bar === "object" &&
      bar !== null &&
      bar.symbol === tick.symbol &&
      bar.interval === "1m" &&
      typeof bar.start === "string" &&
      Date.parse(bar.start) === minuteStart &&
      decimalEquals(bar.close, tick.price) &&
      typeof bar.lastTradeAt === "string" &&
      Date.parse(bar.lastTradeAt) === tick.ts,
  );
}

export type PublishTick = (tick: SmokeTick) => Promise<void>;
/** Answers `GET /latest?symbols=<symbol>` with the parsed JSON body; throws on a non-200 answer. */
export type QueryLatest = (symbol: string) => Promise<unknown>;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface SmokeCheckOptions {
  readonly tick: SmokeTick;
  readonly publish: PublishTick;
  readonly query: QueryLatest;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly pollMs: number;
}

export interface SmokeResult {
  readonly tick: SmokeTick;
  /** From just before the tick was put to the answer that showed it. */
  readonly elapsedMs: number;
  readonly queries: number;
}

export class SmokeCheckFailed extends Error {}

function describe(value: unknown): string {
  const text = value instanceof Error ? value.message : JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export async function runSmokeCheck(options: SmokeCheckOptions): Promise<SmokeResult> {
  const { tick, clock, timeoutMs, pollMs } = options;
  const started = clock.now();
  try {
    await options.publish(tick);
  } catch (error) {
    throw new SmokeCheckFailed(
      `Could not put the smoke tick ${tick.tradeId} for ${tick.symbol} into the stream: ${describe(error)}`,
    );
  }
  let queries = 0;
  let last: string = "no answer yet";
  for (;;) {
    queries += 1;
    try {
      const body = await options.query(tick.symbol);
      if (findTickBar(body, tick) !== undefined) {
        return { tick, elapsedMs: clock.now() - started, queries };
      }
      last = `answer ${describe(body)}`;
    } catch (error) {
      last = `error ${describe(error)}`;
    }
    const elapsed = clock.now() - started;
    if (elapsed >= timeoutMs) {
      throw new SmokeCheckFailed(
        `The smoke tick ${tick.tradeId} for ${tick.symbol} (price ${tick.price}) did not show up through the analytics API within ${timeoutMs} ms (${queries} queries over ${elapsed} ms; last ${last}). Check the market-processor's logs, its event source mapping and the API's logs in this environment.`,
      );
    }
    await clock.sleep(Math.min(pollMs, timeoutMs - elapsed));
  }
}
