import { writtenAmount } from "./tick";

// Module-level reference: esbuild's CommonJS output reads imported bindings through accessors.
const amountAsWritten = writtenAmount;

/*
 * A price or size literal is read as written only when it has to be: when its double may be judged
 * otherwise (`JSON.parse` makes 1e9 of `1000000000.0000000001`, 1 of `1.00000000000`, Infinity of
 * `1e400`). Digits are counted as `readDecimal` counts them. A literal of at most 15 significant
 * digits comes back from its double unchanged (short of an overflow or an underflow), and the
 * double's digits then give the same verdicts as the literal's. Every other literal has one of
 * three shapes:
 *
 * 1. more than 10 digits after a point (trailing zeros the double drops, or digits past its
 *    precision): the text holds a "." followed by 11 digits;
 * 2. a negative exponent after a mantissa of 16 digits or more, or with 3 digits or more (an
 *    underflow): the text holds "e-" or "E-" there;
 * 3. any other literal of more than 15 significant digits (at most 10 after the point, so at least
 *    6 before it, the first not 0, and no negative exponent), or one that overflows: its double is
 *    at least 1e5 in magnitude.
 *
 * Shapes 1 and 2 are looked for in the text before parsing, by native searches for "." and "-"
 * (far cheaper than a regular expression over every character). Shape 3 is looked for only when a
 * tick has a price or size of at least 1e5. A record that may hold such a literal is parsed with
 * the reviver that reads each price and size literal; a false alarm (a match in a string or a
 * nested object) only costs that slower parse.
 */

/** Magnitude from which a price or size may hide a literal of shape 3. */
export const LARGE_AMOUNT = 1e5;

/** Literals of shape 3 in member-value position: 16 digits, or an exponent of 3 digits or more. */
export const LONG_LITERAL = /:\s*-?(?:\d[\d.]{15}|[\d.]+[eE][+-]?\d{3})/;

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/** `,` `}` `]` or JSON whitespace: what may follow a number literal inside a value (or the end). */
const endsValue = (code: number): boolean =>
  code === 44 ||
  code === 125 ||
  code === 93 ||
  code === 32 ||
  code === 10 ||
  code === 13 ||
  code === 9 ||
  Number.isNaN(code);

/** Whether the text may hold a number literal of shape 1 or 2. */
export function mayHoldShortLiteral(text: string): boolean {
  for (let at = text.indexOf("."); at >= 0; at = text.indexOf(".", at + 1)) {
    // Most points are followed by fewer than 11 digits: one look settles them.
    if (isDigit(text.charCodeAt(at + 11))) {
      let end = at + 1;
      while (isDigit(text.charCodeAt(end))) {
        end += 1;
      }
      if (end - at > 11) {
        return true;
      }
    }
  }
  // One search for "-" (rarer than "e") finds both "e-" and "E-".
  for (let at = text.indexOf("-"); at >= 0; at = text.indexOf("-", at + 1)) {
    const marker = text.charCodeAt(at - 1);
    if ((marker === 101 || marker === 69) && endsShapeTwo(text, at - 1)) {
      return true;
    }
  }
  return false;
}

/** Whether the "e-" or "E-" at `marker` belongs to a literal of shape 2. */
function endsShapeTwo(text: string, marker: number): boolean {
  let start = marker;
  while (isDigit(text.charCodeAt(start - 1))) {
    start -= 1;
  }
  let mantissaDigits = marker - start;
  if (mantissaDigits === 0) {
    return false;
  }
  if (text.charCodeAt(start - 1) === 46) {
    // A point: count the digits before it too.
    let integerStart = start - 1;
    while (isDigit(text.charCodeAt(integerStart - 1))) {
      integerStart -= 1;
    }
    mantissaDigits += start - 1 - integerStart;
  }
  let end = marker + 2;
  while (isDigit(text.charCodeAt(end))) {
    end += 1;
  }
  const exponentDigits = end - marker - 2;
  return (
    exponentDigits > 0 &&
    endsValue(text.charCodeAt(end)) &&
    (mantissaDigits >= 16 || exponentDigits >= 3)
  );
}

/** Whether a price or size value may hide a literal of shape 3. */
const isLarge = (amount: unknown): boolean =>
  typeof amount === "number" && (amount >= LARGE_AMOUNT || amount <= -LARGE_AMOUNT);

/** Whether an invalid tick may hide a literal of shape 3 (not the hot path). */
export function hasLargeAmount(input: unknown): boolean {
  if (typeof input !== "object" || input === null) {
    return false;
  }
  const { price, size } = input as { price?: unknown; size?: unknown };
  return isLarge(price) || isLarge(size);
}

/** Source text of a primitive, passed to a `JSON.parse` reviver (Node.js 22+). */
interface ReviverContext {
  readonly source?: string;
}

/**
 * The `JSON.parse` reviver that keeps each `price` and `size` number as written (see
 * `writtenAmount`). It marks members of that name at any depth: validation reads them only from
 * tick objects (the record's value or the elements of its array), so a nested one changes nothing.
 */
function keepAmountsAsWritten(key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value === "number" && (key === "price" || key === "size")) {
    const source = context?.source;
    if (source !== undefined) {
      return amountAsWritten(source, value);
    }
  }
  return value;
}

/**
 * `JSON.parse` with every price and size literal read as written: a literal that breaks the digit
 * rules, overflows or underflows becomes a `WrittenNumber`. Decoding gives the verdicts of this
 * parse but uses it only when a record may need it (see above). Throws a `SyntaxError` for text
 * that is not JSON.
 */
export function parseAsWritten(text: string): unknown {
  return JSON.parse(text, keepAmountsAsWritten);
}
