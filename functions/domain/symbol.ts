/** Instrument symbols: 1-12 characters of `A-Z 0-9 . -` (e.g. `AAPL`, `BRK.B`, `ES-M24`). */
export const SYMBOL_PATTERN = /^[A-Z0-9.-]{1,12}$/;

/** The rule above in words, for error messages. */
export const SYMBOL_RULE = "1-12 characters of A-Z, 0-9, '.' or '-'";
