import type { SequencedTick } from "./bar";
import type { Tick } from "./tick";
import { checkSequencedTick } from "./tick";
import {
  LARGE_AMOUNT,
  LONG_LITERAL,
  hasLargeAmount,
  mayHoldShortLiteral,
  parseAsWritten,
} from "./literals";

export { parseAsWritten } from "./literals";

// Module-level references for the per-tick path: esbuild's CommonJS output (what tsx runs, as in
// `npm run bench`) reads every imported binding through two export accessors at each use.
const checkTickOf = checkSequencedTick;

/**
 * A stream record as the functions see it, independent of the Lambda event shape (see
 * `functions/shared/kinesis-event.ts` for the conversion).
 */
export interface StreamRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** The record's bytes, base64-encoded (as in the Lambda event). */
  readonly data: string;
  /** Approximate arrival time in epoch seconds, with a fractional part (as in the Lambda event). */
  readonly approximateArrivalTimestamp: number;
}

/** Reasons a whole record is rejected, exactly as logged. */
export const RECORD_REASONS = {
  notBase64: "data is not valid base64",
  notUtf8: "data is not valid UTF-8",
  notJson: "data is not valid JSON",
  emptyArray:
    "data is an empty JSON array; a record carries one tick or a non-empty array of ticks",
} as const;

/** A tick that failed validation, by its position in the record (0 for a single-tick record). */
export interface RejectedTick {
  readonly index: number;
  readonly reason: string;
}

/**
 * The decoded content of a record. A record that cannot be decoded at all is rejected as a whole;
 * otherwise each tick stands alone: one bad element of an array does not reject the others.
 */
export type DecodedRecord =
  | {
      readonly ok: true;
      /** Valid ticks with their index in the record. */
      readonly ticks: readonly { readonly index: number; readonly tick: Tick }[];
      readonly rejected: readonly RejectedTick[];
    }
  | { readonly ok: false; readonly reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A record rejected as a whole; one shared instance per reason, so rejecting allocates nothing. */
interface RecordFailure {
  readonly ok: false;
  readonly reason: string;
}

const failure = (reason: string): RecordFailure => ({ ok: false, reason });
const NOT_BASE64 = failure(RECORD_REASONS.notBase64);
const NOT_UTF8 = failure(RECORD_REASONS.notUtf8);
const NOT_JSON = failure(RECORD_REASONS.notJson);
const EMPTY_ARRAY = failure(RECORD_REASONS.emptyArray);

/** Record bytes (base64) to text: strict base64, strict UTF-8. */
function decodeText(base64: string): string | RecordFailure {
  let binary: string;
  try {
    // atob validates the alphabet and padding, and is the fastest decoder in Node.js.
    binary = atob(base64);
  } catch {
    return NOT_BASE64;
  }
  // atob yields one character per byte; characters above 0x7f take two bytes in UTF-8, so equal
  // lengths mean ASCII (a native count, far cheaper than a regular expression scan).
  if (Buffer.byteLength(binary, "utf8") === binary.length) {
    // ASCII bytes decode to the same characters in latin1 and UTF-8.
    return binary;
  }
  try {
    return utf8.decode(Buffer.from(base64, "base64"));
  } catch {
    return NOT_UTF8;
  }
}

/** Receives the reason of each invalid tick of a record. */
type RejectTick = (index: number, reason: string) => void;

/** Shared by records without a valid tick; never mutated (records expose ticks read-only). */
const NO_TICKS: readonly SequencedTick[] = Object.freeze([]);

/** Returned by {@link checkTicks} when the record must be parsed again, as written. */
const READ_AS_WRITTEN = Symbol("read as written");

/**
 * The hot path of decoding: base64, UTF-8 and JSON, then each tick validated straight into a
 * sequenced tick. Returns the record's valid ticks, or the failure of a record rejected as a whole.
 */
function decodeTicks(
  base64: string,
  sequenceNumber: string,
  reject: RejectTick,
): readonly SequencedTick[] | RecordFailure {
  const text = decodeText(base64);
  if (typeof text !== "string") {
    return text;
  }
  const asWritten = mayHoldShortLiteral(text);
  let value: unknown;
  try {
    value = asWritten ? parseAsWritten(text) : JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
  const ticks = checkTicks(value, sequenceNumber, reject, asWritten ? undefined : text);
  if (ticks !== READ_AS_WRITTEN) {
    return ticks;
  }
  // The text parsed once already; without it, checkTicks never asks for another read.
  return checkTicks(parseAsWritten(text), sequenceNumber, reject, undefined) as
    readonly SequencedTick[] | RecordFailure;
}

/**
 * Validates the ticks of a parsed record. With `text` (the record was parsed without reading its
 * literals), a tick that may hide a literal of shape 3 makes it return {@link READ_AS_WRITTEN}
 * when the text holds one, before any tick is rejected.
 */
function checkTicks(
  value: unknown,
  sequenceNumber: string,
  reject: RejectTick,
  text: string | undefined,
): readonly SequencedTick[] | RecordFailure | typeof READ_AS_WRITTEN {
  if (!Array.isArray(value)) {
    // The common record: one tick, held in an array of exactly one element.
    const checked = checkTickOf(value, sequenceNumber, 0);
    if (typeof checked === "string") {
      if (text !== undefined && hasLargeAmount(value) && LONG_LITERAL.test(text)) {
        return READ_AS_WRITTEN;
      }
      reject(0, checked);
      return NO_TICKS;
    }
    if (
      text !== undefined &&
      (checked.price >= LARGE_AMOUNT || checked.size >= LARGE_AMOUNT) &&
      LONG_LITERAL.test(text)
    ) {
      return READ_AS_WRITTEN;
    }
    return [checked];
  }
  const elements: readonly unknown[] = value;
  if (elements.length === 0) {
    return EMPTY_ARRAY;
  }
  const ticks: SequencedTick[] = [];
  let rejected: RejectedTick[] | undefined;
  let large = false;
  for (let index = 0; index < elements.length; index += 1) {
    const element = elements[index];
    const checked = checkTickOf(element, sequenceNumber, index);
    if (typeof checked === "string") {
      (rejected ??= []).push({ index, reason: checked });
      large ||= hasLargeAmount(element);
    } else {
      ticks.push(checked);
      large ||= checked.price >= LARGE_AMOUNT || checked.size >= LARGE_AMOUNT;
    }
  }
  if (large && text !== undefined && LONG_LITERAL.test(text)) {
    return READ_AS_WRITTEN;
  }
  if (rejected !== undefined) {
    for (const { index, reason } of rejected) {
      reject(index, reason);
    }
  }
  return ticks;
}

/**
 * Decodes one record's data: base64, UTF-8, JSON (with prices and sizes as written, see
 * {@link parseAsWritten}), then each tick through `validateTick`.
 */
export function decodeRecordData(base64: string): DecodedRecord {
  const rejected: RejectedTick[] = [];
  const decoded = decodeTicks(base64, "0", (index, reason) => {
    rejected.push({ index, reason });
  });
  if (!isTickArray(decoded)) {
    return { ok: false, reason: decoded.reason };
  }
  return {
    ok: true,
    ticks: decoded.map(({ symbol, price, size, ts, tradeId, index }) => ({
      index,
      tick: { symbol, price, size, ts, tradeId },
    })),
    rejected,
  };
}

function isTickArray(
  decoded: readonly SequencedTick[] | RecordFailure,
): decoded is readonly SequencedTick[] {
  return Array.isArray(decoded);
}

/** One skipped input: a whole record (`tickIndex` null) or one tick of a record. */
export interface MalformedInput {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** Index of the tick in its record; `null` when the record itself could not be decoded. */
  readonly tickIndex: number | null;
  readonly reason: string;
}

/** A record's valid ticks, ready to be grouped into bars. */
export interface DecodedStreamRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly ticks: readonly SequencedTick[];
}

export interface DecodedBatch {
  /** Every record in input order, including those with no valid tick. */
  readonly records: readonly DecodedStreamRecord[];
  /** Skipped records and ticks, in input order. */
  readonly malformed: readonly MalformedInput[];
  /** Valid ticks over all records. */
  readonly validTicks: number;
}

/** Decodes a batch of records. Never throws on bad data: bad input is reported in `malformed`. */
export function decodeStreamRecords(records: readonly StreamRecord[]): DecodedBatch {
  const decoded: DecodedStreamRecord[] = [];
  const malformed: MalformedInput[] = [];
  let current: StreamRecord | undefined;
  const reject = (tickIndex: number | null, reason: string): void => {
    const { shardId, sequenceNumber, partitionKey } = current as StreamRecord;
    malformed.push({ shardId, sequenceNumber, partitionKey, tickIndex, reason });
  };
  let validTicks = 0;
  for (const record of records) {
    const { shardId, sequenceNumber, partitionKey } = record;
    current = record;
    const result = decodeTicks(record.data, sequenceNumber, reject);
    let ticks = NO_TICKS;
    if (isTickArray(result)) {
      ticks = result;
    } else {
      reject(null, result.reason);
    }
    validTicks += ticks.length;
    decoded.push({ shardId, sequenceNumber, partitionKey, ticks });
  }
  return { records: decoded, malformed, validTicks };
}
