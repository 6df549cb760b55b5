/** Instrument symbols: 1-12 characters of `A-Z 0-9 . -` (e.g. `AAPL`, `BRK.B`, `ES-M24`). */
export const SYMBOL_PATTERN = /^[A-Z0-9.-]{1,12}$/;

/** The rule above in words, for error messages. */
export const SYMBOL_RULE = "1-12 characters of A-Z, 0-9, '.' or '-'";

/**
 * {@link SYMBOL_PATTERN} as a character loop: the same strings, without a regular expression call
 * for every tick.
 */
export function isSymbol(text: string): boolean {
  const length = text.length;
  if (length < 1 || length > 12) {
    return false;
  }
  for (let i = 0; i < length; i += 1) {
    const code = text.charCodeAt(i);
    // A-Z, 0-9, '.', '-'
    if (!((code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 46 || code === 45)) {
      return false;
    }
  }
  return true;
}
