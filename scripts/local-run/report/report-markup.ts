/** Escaping and chart scales shared by the sections of the HTML run report. */
import { DECIMAL_PLACES, parseScaled } from "../../../functions/domain/decimal";

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

export const esc = escapeHtml;

/** Coordinates to two decimals: enough for a screen, short in the file. */
export const px = (value: number): string => String(Math.round(value * 100) / 100);

/** `02:26Z` */
export function minuteLabel(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)}Z`;
}

/** 1, 2 or 5 times a power of ten, at least `rough`. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(rough));
  const scaled = rough / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

/** Round values from `low` to `high` about `count` apart. */
export function niceTicks(
  low: number,
  high: number,
  count: number,
): { values: number[]; step: number } {
  const step = niceStep((high - low) / Math.max(1, count));
  const values: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
    values.push(value);
  }
  return { values, step };
}

/** Decimals a tick label needs at `step`. */
export function decimalsFor(step: number): number {
  return Math.min(10, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
}

export const price = (text: string): bigint => parseScaled(text, DECIMAL_PLACES);
