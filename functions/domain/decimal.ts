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

/**
 * Significant digits a price or a size may carry: a decimal of at most 15 significant digits comes
 * back unchanged from the nearest double, so a value that passes this rule is exactly the decimal
 * its producer wrote.
 */
export const SIGNIFICANT_DIGITS = 15;

const FACTOR = 10 ** DECIMAL_PLACES;

/** Scaled integers from here up have 16 digits (scaled values of the fast path stay below 2e15). */
const SIXTEEN_DIGITS = 10 ** SIGNIFICANT_DIGITS;

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

/**
 * Whether `x` (finite, positive) has at most {@link SIGNIFICANT_DIGITS} significant digits in its
 * shortest decimal form (what `String(x)` prints), counted as {@link readDecimal} counts them.
 */
export function fitsSignificantDigits(x: number): boolean {
  if (x < FAST_PATH_LIMIT) {
    const scaled = Math.round(x * FACTOR);
    if (scaled / FACTOR === x) {
      // x * 10^10 exactly, below 2e15: its digits are x's digits followed by zeros.
      return scaled < SIXTEEN_DIGITS || scaled % 10 === 0;
    }
  }
  return (readDecimal(String(x))?.significant ?? Infinity) <= SIGNIFICANT_DIGITS;
}

/**
 * {@link fitsDecimalPlaces} and {@link fitsSignificantDigits} at once, for the validation hot path:
 * whether `x` (finite, positive) has at most {@link DECIMAL_PLACES} decimal places and at most
 * {@link SIGNIFICANT_DIGITS} significant digits.
 */
export function fitsDecimalDigits(x: number): boolean {
  if (x < FAST_PATH_LIMIT) {
    const scaled = Math.round(x * FACTOR);
    return scaled / FACTOR === x && (scaled < SIXTEEN_DIGITS || scaled % 10 === 0);
  }
  const written = readDecimal(String(x));
  return (
    written !== undefined &&
    written.places <= DECIMAL_PLACES &&
    written.significant <= SIGNIFICANT_DIGITS
  );
}

/**
 * A decimal number as written: a JSON number literal, or a number's shortest form (`String(x)`).
 *
 * Digits are counted as written: the decimal places are the digits written after the point
 * (`1.50` has 2); the significant digits run from the first non-zero digit (leading zeros do not
 * count) to the last digit written after the point (`1.50` has 3, `0.0012` 2, `100.0` 4). Trailing
 * zeros after the point are written precision and count. A whole number and an exponent form are
 * judged by the digits of their value, from its first to its last non-zero digit: the trailing
 * zeros of a whole number only place its digits (`1000000000000000`, which `JSON.stringify(1e15)`
 * writes, has 1 significant digit), and an exponent form states its value, not a precision
 * (`1.5e3` is 1500: 2 significant digits, 0 places; `1.0e-10` has 1 and 10; `1e-11` has 11 places).
 */
export interface WrittenDecimal {
  readonly negative: boolean;
  /** The digits from the first to the last non-zero one: `"105"` for `-0.01050`, `""` for zero. */
  readonly digits: string;
  /** Power of ten of the first non-zero digit (`-2` for `0.0105`); 0 for zero. */
  readonly lead: number;
  /** Decimal places, counted as described above. */
  readonly places: number;
  /** Significant digits, counted as described above; 0 for zero. */
  readonly significant: number;
}

/**
 * Exponents are clamped to this magnitude (a JSON exponent may have any number of digits), which
 * keeps every count below exact and changes no verdict: a number this large or small is far past
 * any limit.
 */
const EXPONENT_LIMIT = 1e9;

const DIGIT_0 = 48;
const DIGIT_9 = 57;

/**
 * Reads decimal text in JSON number syntax (`-?digits[.digits][e[+-]digits]`, leading zeros
 * allowed), or `undefined` for anything else.
 */
export function readDecimal(text: string): WrittenDecimal | undefined {
  const length = text.length;
  let at = 0;
  const negative = text.charCodeAt(0) === 45; // "-"
  if (negative) {
    at = 1;
  }
  // Digits of the mantissa: the first and last non-zero ones, by their index among all digits.
  let digitCount = 0;
  let integerDigits = -1;
  let first = -1;
  let last = -1;
  const mantissaStart = at;
  for (; at < length; at += 1) {
    const code = text.charCodeAt(at);
    if (code >= DIGIT_0 && code <= DIGIT_9) {
      if (code !== DIGIT_0) {
        if (first < 0) {
          first = digitCount;
        }
        last = digitCount;
      }
      digitCount += 1;
    } else if (code === 46 && integerDigits < 0) {
      // "."
      if (digitCount === 0) {
        return undefined;
      }
      integerDigits = digitCount;
    } else {
      break;
    }
  }
  if (integerDigits < 0) {
    integerDigits = digitCount;
  }
  const fractionDigits = digitCount - integerDigits;
  const mantissaEnd = at;
  if (integerDigits === 0 || (fractionDigits === 0 && text.charCodeAt(at - 1) === 46)) {
    return undefined;
  }
  let exponent = 0;
  const hasExponent = at < length;
  if (hasExponent) {
    const marker = text.charCodeAt(at);
    if (marker !== 101 && marker !== 69) {
      // not "e" or "E"
      return undefined;
    }
    at += 1;
    let exponentNegative = false;
    const sign = text.charCodeAt(at);
    if (sign === 45 || sign === 43) {
      exponentNegative = sign === 45;
      at += 1;
    }
    if (at >= length) {
      return undefined;
    }
    for (; at < length; at += 1) {
      const code = text.charCodeAt(at);
      if (code < DIGIT_0 || code > DIGIT_9) {
        return undefined;
      }
      if (exponent < EXPONENT_LIMIT) {
        exponent = exponent * 10 + (code - DIGIT_0);
      }
    }
    exponent = Math.min(exponent, EXPONENT_LIMIT);
    if (exponentNegative) {
      exponent = -exponent;
    }
  }
  if (first < 0) {
    return {
      negative,
      digits: "",
      lead: 0,
      places: hasExponent ? 0 : fractionDigits,
      significant: 0,
    };
  }
  const lead = integerDigits - 1 - first + exponent;
  // Power of ten of the last non-zero digit.
  const trail = integerDigits - 1 - last + exponent;
  const written = !hasExponent && fractionDigits > 0;
  const places = written ? fractionDigits : Math.max(0, -trail);
  const digits = text
    .slice(mantissaStart, mantissaEnd)
    .replace(".", "")
    .slice(first, last + 1);
  return {
    negative,
    digits,
    lead,
    places,
    significant: written ? lead + places + 1 : last - first + 1,
  };
}

/** Whether a written decimal is at most `limit` (finite, positive), compared exactly. */
export function writtenAtMost(written: WrittenDecimal, limit: number): boolean {
  if (written.negative || written.digits === "") {
    return true;
  }
  const bound = readDecimal(String(limit));
  if (bound === undefined || bound.negative || bound.digits === "") {
    throw new RangeError(`writtenAtMost expects a finite, positive limit, got ${limit}`);
  }
  if (written.lead !== bound.lead) {
    return written.lead < bound.lead;
  }
  // Same leading power of ten, no leading or trailing zeros: text order is numeric order.
  return written.digits <= bound.digits;
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
