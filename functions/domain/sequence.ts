/**
 * Kinesis sequence numbers are decimal strings of up to 128 digits (56 in practice), ordered per
 * shard. They exceed `Number.MAX_SAFE_INTEGER`, so they are compared as big integers: a longer
 * string is larger, equal lengths compare lexicographically (digits sort like their values).
 */

const SEQUENCE_NUMBER = /^(0|[1-9]\d{0,127})$/;

/** Whether `text` is a well-formed sequence number (decimal digits, no leading zero). */
export function isSequenceNumber(text: string): boolean {
  return SEQUENCE_NUMBER.test(text);
}

/** Negative when `a < b`, zero when equal, positive when `a > b`, comparing as big integers. */
export function compareSequenceNumbers(a: string, b: string): number {
  if (a.length !== b.length) {
    return a.length - b.length;
  }
  // One scan when a < b; equal-length sequence numbers share long prefixes.
  return a < b ? -1 : a === b ? 0 : 1;
}

/** The larger of two sequence numbers; `undefined` counts as below every sequence number. */
export function maxSequenceNumber(a: string | undefined, b: string): string {
  if (a === undefined) {
    return b;
  }
  // One string comparison (not the two of compareSequenceNumbers): this runs once per record.
  return (a.length === b.length ? a < b : a.length < b.length) ? b : a;
}
