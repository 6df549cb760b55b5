/**
 * Exact decimal arithmetic for prices and sizes.
 *
 * Volume and notional are sums, and floating-point sums depend on the order of the terms. Bars
 * are merged in whatever order records arrive, so every sum is kept as a scaled integer
 * (`bigint`): a price or size is stored as `value * 10^DECIMAL_PLACES`, a notional (price x size)
 * as `value * 10^(2 * DECIMAL_PLACES)`. Merging is then exactly associative and commutative.
 */

/** Digits a price or a size may carry after the decimal point. */
export const DECIMAL_PLACES = 10;

/** Scale of a notional (price x size). */
export const NOTIONAL_DECIMAL_PLACES = 2 * DECIMAL_PLACES;

const FACTOR = 10 ** DECIMAL_PLACES;

/**
 * Below this magnitude `Math.round(x * 1e10)` is the exact scaled integer: the product stays
 * under 2^51, so its rounding error is below one half.
 */
const FAST_PATH_LIMIT = 2e5;

const DECIMAL_TEXT = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/**
 * The scaled integer `x * 10^DECIMAL_PLACES` of a finite, positive number, or `undefined` when
 * the shortest decimal form of `x` (what `String(x)` prints) has more than `DECIMAL_PLACES`
 * digits after the point.
 */
export function scaleDecimal(x: number): bigint | undefined {
  if (x < FAST_PATH_LIMIT) {
    const scaled = Math.round(x * FACTOR);
    return scaled / FACTOR === x ? BigInt(scaled) : undefined;
  }
  return scaleDecimalText(String(x));
}

/**
 * An exact running sum of non-negative scaled integers that avoids bigint arithmetic per term:
 * terms given as safe integers are added as numbers while the running total stays a safe
 * integer, and moved into a bigint only when it would not. `smallFactor` converts the scale of
 * the number terms to the scale of the sum (the number terms may use a coarser scale so their
 * products stay small).
 */
export class ScaledSum {
  private small = 0;
  private big = 0n;

  constructor(private readonly smallFactor: bigint = 1n) {}

  /** Adds a non-negative safe integer, at the number terms' scale. */
  addSafe(term: number): void {
    const next = this.small + term;
    // Exact whenever the true sum is a safe integer; a larger true sum rounds to >= 2^53.
    if (next <= Number.MAX_SAFE_INTEGER) {
      this.small = next;
    } else {
      this.big += BigInt(this.small) * this.smallFactor;
      this.small = term;
    }
  }

  /** Adds a term at the sum's own scale. */
  addBig(term: bigint): void {
    this.big += term;
  }

  total(): bigint {
    // Bigint operations are calls, not instructions: skip the ones a zero makes pointless.
    const small = this.small === 0 ? 0n : BigInt(this.small) * this.smallFactor;
    return this.big === 0n ? small : this.big + small;
  }
}

/** Whether `x` (finite, positive) has at most `DECIMAL_PLACES` decimals: {@link scaleDecimal} without the bigint. */
export function fitsDecimalPlaces(x: number): boolean {
  if (x < FAST_PATH_LIMIT) {
    return Math.round(x * FACTOR) / FACTOR === x;
  }
  return scaleDecimalText(String(x)) !== undefined;
}

/** Exact scaling from a number's decimal text (`String(x)`, exponent form allowed). */
export function scaleDecimalText(text: string): bigint | undefined {
  const match = DECIMAL_TEXT.exec(text);
  if (match === null) {
    return undefined;
  }
  const [, integerDigits, fractionDigits = "", exponentText = "0"] = match;
  const exponent = Number(exponentText);
  const fractionLength = fractionDigits.length - exponent;
  const digits = BigInt(integerDigits + fractionDigits);
  if (fractionLength > DECIMAL_PLACES) {
    // Trailing zeros do not count as decimal places.
    const excess = 10n ** BigInt(fractionLength - DECIMAL_PLACES);
    return digits % excess === 0n ? digits / excess : undefined;
  }
  return digits * 10n ** BigInt(DECIMAL_PLACES - fractionLength);
}

/** Plain decimal text of a non-negative scaled integer, without trailing zeros: `"123.45"`. */
export function formatScaled(value: bigint, decimalPlaces: number): string {
  if (value < 0n) {
    throw new RangeError(`formatScaled expects a non-negative value, got ${value}`);
  }
  const digits = value.toString().padStart(decimalPlaces + 1, "0");
  const integerPart = digits.slice(0, digits.length - decimalPlaces);
  const fractionPart = digits.slice(digits.length - decimalPlaces).replace(/0+$/, "");
  return fractionPart === "" ? integerPart : `${integerPart}.${fractionPart}`;
}

const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** Inverse of {@link formatScaled}. Throws on anything but plain non-negative decimal text. */
export function parseScaled(text: string, decimalPlaces: number): bigint {
  const match = PLAIN_DECIMAL.exec(text);
  if (match === null) {
    throw new RangeError(`"${text}" is not a plain non-negative decimal number`);
  }
  const [, integerPart, fractionPart = ""] = match;
  if (fractionPart.length > decimalPlaces) {
    throw new RangeError(`"${text}" has more than ${decimalPlaces} decimal places`);
  }
  return BigInt(integerPart + fractionPart.padEnd(decimalPlaces, "0"));
}

/** A scaled integer as the nearest JavaScript number (for JSON responses). */
export function scaledToNumber(value: bigint, decimalPlaces: number): number {
  return Number(formatScaled(value, decimalPlaces));
}

/** `numerator / denominator` as a scaled integer with `decimalPlaces`, rounded half up. */
export function divideScaled(
  numerator: bigint,
  numeratorPlaces: number,
  denominator: bigint,
  denominatorPlaces: number,
  decimalPlaces: number,
): bigint {
  if (denominator <= 0n) {
    throw new RangeError("divideScaled expects a positive denominator");
  }
  // value = (n / 10^np) / (d / 10^dp) = n * 10^(dp - np) / d; scaled by 10^places.
  const shift = denominatorPlaces - numeratorPlaces + decimalPlaces;
  const scaledNumerator = shift >= 0 ? numerator * 10n ** BigInt(shift) : numerator;
  const scaledDenominator = shift >= 0 ? denominator : denominator * 10n ** BigInt(-shift);
  return (scaledNumerator * 2n + scaledDenominator) / (scaledDenominator * 2n);
}

/**
 * `numerator / denominator` as a scaled integer with `decimalPlaces`, rounded half to even
 * (banker's rounding): an exact tie goes to the neighbour whose last digit is even, so ties do not
 * bias a series of results upwards. Same arguments as {@link divideScaled}; any sign of numerator.
 */
export function divideScaledHalfEven(
  numerator: bigint,
  numeratorPlaces: number,
  denominator: bigint,
  denominatorPlaces: number,
  decimalPlaces: number,
): bigint {
  if (denominator <= 0n) {
    throw new RangeError("divideScaledHalfEven expects a positive denominator");
  }
  const shift = denominatorPlaces - numeratorPlaces + decimalPlaces;
  const scaledNumerator = shift >= 0 ? numerator * 10n ** BigInt(shift) : numerator;
  const scaledDenominator = shift >= 0 ? denominator : denominator * 10n ** BigInt(-shift);
  // Truncated quotient and remainder (the remainder has the numerator's sign).
  const quotient = scaledNumerator / scaledDenominator;
  const remainder = scaledNumerator % scaledDenominator;
  const twiceRemainder = (remainder < 0n ? -remainder : remainder) * 2n;
  const awayFromZero =
    twiceRemainder > scaledDenominator ||
    (twiceRemainder === scaledDenominator && quotient % 2n !== 0n);
  if (!awayFromZero) {
    return quotient;
  }
  return scaledNumerator < 0n ? quotient - 1n : quotient + 1n;
}
