/** The symbols a synthetic market trades: well-known names first, then generated tickers. */
import type { Random } from "./random";

export interface SymbolProfile {
  readonly symbol: string;
  /** Price at the start of the run, in USD. */
  readonly referencePrice: number;
  /** Annualised volatility of the geometric Brownian motion, e.g. 0.25 for 25%. */
  readonly volatility: number;
  /** Half of the quoted spread in basis points: trades print at bid or ask around the mid. */
  readonly halfSpreadBps: number;
  /** Relative share of the trading activity. */
  readonly activity: number;
}

const WELL_KNOWN: ReadonlyArray<readonly [string, number, number]> = [
  ["AAPL", 189.5, 0.24],
  ["MSFT", 415.2, 0.22],
  ["NVDA", 121.4, 0.52],
  ["AMZN", 182.3, 0.3],
  ["GOOGL", 166.8, 0.28],
  ["META", 492.1, 0.36],
  ["TSLA", 241.7, 0.58],
  ["BRK.B", 412.5, 0.16],
  ["JPM", 201.3, 0.21],
  ["V", 276.4, 0.18],
  ["UNH", 522.9, 0.24],
  ["XOM", 114.6, 0.23],
  ["JNJ", 155.2, 0.15],
  ["WMT", 68.4, 0.17],
  ["MA", 458.7, 0.19],
  ["PG", 165.9, 0.14],
  ["HD", 361.2, 0.22],
  ["CVX", 154.8, 0.24],
  ["LLY", 801.5, 0.33],
  ["ABBV", 171.3, 0.22],
  ["MRK", 124.9, 0.2],
  ["KO", 62.3, 0.13],
  ["PEP", 169.7, 0.15],
  ["AVGO", 158.6, 0.45],
  ["COST", 851.4, 0.2],
  ["ORCL", 139.8, 0.3],
  ["ADBE", 519.6, 0.34],
  ["CRM", 268.2, 0.33],
  ["NFLX", 648.9, 0.38],
  ["AMD", 151.2, 0.5],
  ["INTC", 30.4, 0.45],
  ["CSCO", 49.8, 0.19],
  ["QCOM", 170.1, 0.36],
  ["TXN", 194.7, 0.26],
  ["IBM", 189.9, 0.22],
  ["BAC", 38.2, 0.26],
  ["WFC", 58.1, 0.27],
  ["GS", 468.3, 0.27],
  ["DIS", 95.6, 0.29],
  ["NKE", 84.7, 0.31],
];

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Builds the symbol universe: the well-known names first, then generated tickers. */
export function buildSymbols(count: number, random: Random): SymbolProfile[] {
  const profiles: SymbolProfile[] = WELL_KNOWN.slice(0, count).map(
    ([symbol, referencePrice, volatility], rank) => ({
      symbol,
      referencePrice,
      volatility,
      halfSpreadBps: 0.5 + rank * 0.05,
      activity: 1 / Math.pow(rank + 1, 0.8),
    }),
  );
  const taken = new Set(profiles.map((profile) => profile.symbol));
  while (profiles.length < count) {
    const length = random.int(3, 4);
    let symbol = "";
    for (let i = 0; i < length; i += 1) {
      symbol += LETTERS[random.int(0, LETTERS.length - 1)];
    }
    if (taken.has(symbol)) {
      continue;
    }
    taken.add(symbol);
    const rank = profiles.length;
    const price = Math.exp(Math.log(40) + random.normal());
    profiles.push({
      symbol,
      referencePrice: roundCents(Math.min(900, Math.max(2, price))),
      volatility: random.uniform(0.25, 0.9),
      halfSpreadBps: random.uniform(3, 15),
      activity: 1 / Math.pow(rank + 1, 0.8),
    });
  }
  return profiles;
}

export function roundCents(value: number): number {
  return Math.round(value * 100) / 100;
}
