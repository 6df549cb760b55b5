/** One symbol's session rolled up from its bars, and the sessions as a text table. */
import {
  DECIMAL_PLACES,
  NOTIONAL_DECIMAL_PLACES,
  divideScaledHalfEven,
  formatScaled,
  parseScaled,
} from "../../functions/domain/decimal";
import type { ExactApiBar } from "../smoke/analytics-client";
import { formatInteger, renderTable, type Column } from "../cli/text-table";

/**
 * One symbol's session, rolled up from its 1-minute bars as the API returned them. Decimals are
 * exact text, as the API writes them: sums of scaled integers, never of floats.
 */
export interface SessionRow {
  readonly symbol: string;
  readonly bars: number;
  readonly trades: number;
  readonly volume: string;
  readonly notional: string;
  /** Session VWAP: total notional over total volume, rounded half to even to 10 places. */
  readonly vwap: string;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
}

const price = (text: string): bigint => parseScaled(text, DECIMAL_PLACES);

/** Session VWAP to `places` decimals, half to even, from exact totals. */
function vwapOf(volume: bigint, notional: bigint, places: number): bigint {
  return volume > 0n
    ? divideScaledHalfEven(notional, NOTIONAL_DECIMAL_PLACES, volume, DECIMAL_PLACES, places)
    : 0n;
}

/** Rolls a symbol's 1-minute bars up into its session; `undefined` when it has none. */
export function sessionOf(symbol: string, bars: readonly ExactApiBar[]): SessionRow | undefined {
  if (bars.length === 0) {
    return undefined;
  }
  const ordered = [...bars].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  let trades = 0;
  let volume = 0n;
  let notional = 0n;
  let high = price(first.high);
  let low = price(first.low);
  for (const bar of ordered) {
    trades += bar.trades;
    volume += parseScaled(bar.volume, DECIMAL_PLACES);
    notional += parseScaled(bar.notional, NOTIONAL_DECIMAL_PLACES);
    const barHigh = price(bar.high);
    const barLow = price(bar.low);
    high = barHigh > high ? barHigh : high;
    low = barLow < low ? barLow : low;
  }
  return {
    symbol,
    bars: ordered.length,
    trades,
    volume: formatScaled(volume, DECIMAL_PLACES),
    notional: formatScaled(notional, NOTIONAL_DECIMAL_PLACES),
    vwap: formatScaled(vwapOf(volume, notional, DECIMAL_PLACES), DECIMAL_PLACES),
    open: first.open,
    high: formatScaled(high, DECIMAL_PLACES),
    low: formatScaled(low, DECIMAL_PLACES),
    close: last.close,
  };
}

/** Exact decimal text with thousands separators and at least `minimumPlaces` decimals: nothing is rounded. */
export function groupDecimal(text: string, minimumPlaces = 0): string {
  const [integerPart = "0", fraction = ""] = text.split(".");
  const grouped = integerPart.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const places = fraction.padEnd(minimumPlaces, "0");
  return places === "" ? grouped : `${grouped}.${places}`;
}

/** A scaled integer to exactly `places` decimals (already rounded by the caller), grouped. */
function fixedScaled(value: bigint, places: number): string {
  const text = formatScaled(value, places);
  return groupDecimal(text, places);
}

const SESSION_COLUMNS: readonly Column[] = [
  { header: "symbol" },
  { header: "bars", align: "right" },
  { header: "trades", align: "right" },
  { header: "volume", align: "right" },
  { header: "VWAP", align: "right" },
  { header: "open", align: "right" },
  { header: "high", align: "right" },
  { header: "low", align: "right" },
  { header: "close", align: "right" },
];

/**
 * The sessions as a table: volume and prices exactly (prices with at least 2 decimals), VWAP
 * rounded half to even to 4 decimals from the exact totals.
 */
export function renderSessionTable(rows: readonly SessionRow[]): string {
  return renderTable(
    SESSION_COLUMNS,
    rows.map((row) => [
      row.symbol,
      formatInteger(row.bars),
      formatInteger(row.trades),
      groupDecimal(row.volume),
      fixedScaled(
        vwapOf(
          parseScaled(row.volume, DECIMAL_PLACES),
          parseScaled(row.notional, NOTIONAL_DECIMAL_PLACES),
          4,
        ),
        4,
      ),
      groupDecimal(row.open, 2),
      groupDecimal(row.high, 2),
      groupDecimal(row.low, 2),
      groupDecimal(row.close, 2),
    ]),
  );
}
