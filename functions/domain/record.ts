import type { SequencedTick } from "./bar";
import type { Tick } from "./tick";
import { checkTick } from "./tick";

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
/** atob yields one character per byte, so any byte above 0x7f means non-ASCII input. */
const NON_ASCII = /[\x80-\xff]/;

/** Record bytes (base64) to text: strict base64, strict UTF-8. */
function decodeText(base64: string): { ok: true; text: string } | { ok: false; reason: string } {
  let binary: string;
  try {
    // atob validates the alphabet and padding, and is the fastest decoder in Node.js 20.
    binary = atob(base64);
  } catch {
    return { ok: false, reason: RECORD_REASONS.notBase64 };
  }
  if (!NON_ASCII.test(binary)) {
    // ASCII bytes decode to the same characters in latin1 and UTF-8.
    return { ok: true, text: binary };
  }
  try {
    return { ok: true, text: utf8.decode(Buffer.from(base64, "base64")) };
  } catch {
    return { ok: false, reason: RECORD_REASONS.notUtf8 };
  }
}

type DecodedTicks =
  | { readonly ok: true; readonly ticks: SequencedTick[]; readonly rejected: RejectedTick[] }
  | { readonly ok: false; readonly reason: string };

/** The hot path of {@link decodeRecordData}: builds sequenced ticks directly. */
function decodeTicks(base64: string, sequenceNumber: string): DecodedTicks {
  const text = decodeText(base64);
  if (!text.ok) {
    return text;
  }
  let value: unknown;
  try {
    value = JSON.parse(text.text);
  } catch {
    return { ok: false, reason: RECORD_REASONS.notJson };
  }
  const elements: readonly unknown[] = Array.isArray(value) ? value : [value];
  if (elements.length === 0) {
    return { ok: false, reason: RECORD_REASONS.emptyArray };
  }
  const ticks: SequencedTick[] = [];
  const rejected: RejectedTick[] = [];
  for (let index = 0; index < elements.length; index += 1) {
    const checked = checkTick(elements[index]);
    if (typeof checked === "string") {
      rejected.push({ index, reason: checked });
    } else {
      const { symbol, price, size, ts, tradeId } = checked;
      ticks.push({ symbol, price, size, ts, tradeId, seq: sequenceNumber, index });
    }
  }
  return { ok: true, ticks, rejected };
}

/** Decodes one record's data: base64, UTF-8, JSON, then each tick through `validateTick`. */
export function decodeRecordData(base64: string): DecodedRecord {
  const decoded = decodeTicks(base64, "0");
  if (!decoded.ok) {
    return decoded;
  }
  return {
    ok: true,
    ticks: decoded.ticks.map(({ symbol, price, size, ts, tradeId, index }) => ({
      index,
      tick: { symbol, price, size, ts, tradeId },
    })),
    rejected: decoded.rejected,
  };
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
  let validTicks = 0;
  for (const record of records) {
    const { shardId, sequenceNumber, partitionKey } = record;
    const result = decodeTicks(record.data, sequenceNumber);
    if (!result.ok) {
      malformed.push({
        shardId,
        sequenceNumber,
        partitionKey,
        tickIndex: null,
        reason: result.reason,
      });
      decoded.push({ shardId, sequenceNumber, partitionKey, ticks: [] });
      continue;
    }
    for (const rejected of result.rejected) {
      malformed.push({
        shardId,
        sequenceNumber,
        partitionKey,
        tickIndex: rejected.index,
        reason: rejected.reason,
      });
    }
    validTicks += result.ticks.length;
    decoded.push({ shardId, sequenceNumber, partitionKey, ticks: result.ticks });
  }
  return { records: decoded, malformed, validTicks };
}
