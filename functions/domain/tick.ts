import * as z from "zod/mini";
import {
  DECIMAL_PLACES,
  SIGNIFICANT_DIGITS,
  fitsDecimalDigits,
  fitsDecimalPlaces,
  fitsSignificantDigits,
  readDecimal,
  writtenAtMost,
} from "./decimal";
import type { WrittenDecimal } from "./decimal";
import { SYMBOL_PATTERN, SYMBOL_RULE, isSymbol } from "./symbol";
import {
  checkEpochMs,
  isoTimestampMs,
  parseIsoTimestamp,
  toIso,
  MAX_TIMESTAMP_MS,
  MIN_TIMESTAMP_MS,
} from "./time";
import type { TimestampParse } from "./time";

// Module-level references for the per-tick path: esbuild's CommonJS output (what tsx runs, as in
// `npm run bench`) reads every imported binding through two export accessors at each use.
const fitsDigits = fitsDecimalDigits;
const symbolChars = isSymbol;
const isoMs = isoTimestampMs;
const earliestMs = MIN_TIMESTAMP_MS;
const latestMs = MAX_TIMESTAMP_MS;

/** One trade, validated and normalised. */
export interface Tick {
  /** 1-12 characters of `A-Z 0-9 . -`. */
  readonly symbol: string;
  /**
   * > 0, at most {@link MAX_PRICE}, at most {@link DECIMAL_PLACES} decimal places and
   * {@link SIGNIFICANT_DIGITS} significant digits: exactly the decimal the producer wrote.
   */
  readonly price: number;
  /**
   * > 0, at most {@link MAX_SIZE}, at most {@link DECIMAL_PLACES} decimal places and
   * {@link SIGNIFICANT_DIGITS} significant digits: exactly the decimal the producer wrote.
   */
  readonly size: number;
  /** Trade time, UTC epoch milliseconds (ISO input is converted; sub-millisecond digits dropped). */
  readonly ts: number;
  /** Producer's trade id; a numeric id is kept as its decimal text. */
  readonly tradeId: string;
}

/** A tick with its position in the stream (for logs and retries; never part of a bar). */
export interface SequencedTick extends Tick {
  readonly seq: string;
  readonly index: number;
}

export const MAX_TRADE_ID_LENGTH = 64;

/** Largest accepted price. */
export const MAX_PRICE = 1_000_000_000;

/** Largest accepted size. */
export const MAX_SIZE = 1_000_000_000_000_000;

/** Rejection reasons, exactly as logged. */
export const TICK_REASONS = {
  notObject: "tick must be a JSON object",
  symbolRequired: "symbol is required",
  symbolInvalid: `symbol must be ${SYMBOL_RULE}`,
  priceRequired: "price is required",
  priceInvalid: "price must be a finite number greater than 0",
  priceMax: `price must be at most ${MAX_PRICE}`,
  priceDecimals: `price must have at most ${DECIMAL_PLACES} decimal places`,
  priceDigits: `price must have at most ${SIGNIFICANT_DIGITS} significant digits`,
  sizeRequired: "size is required",
  sizeInvalid: "size must be a finite number greater than 0",
  sizeMax: `size must be at most ${MAX_SIZE}`,
  sizeDecimals: `size must have at most ${DECIMAL_PLACES} decimal places`,
  sizeDigits: `size must have at most ${SIGNIFICANT_DIGITS} significant digits`,
  tsRequired: "ts is required",
  tsFormat:
    "ts must be an ISO-8601 date-time with a UTC offset (e.g. 2024-05-01T13:45:00.123Z) or integer epoch milliseconds",
  tsCalendar: "ts must be a valid calendar date and time",
  tsRange: `ts must be between ${toIso(MIN_TIMESTAMP_MS)} and ${toIso(MAX_TIMESTAMP_MS)} (epoch milliseconds, not seconds)`,
  tradeIdRequired: "tradeId is required",
  tradeIdInvalid: `tradeId must be a string of 1-${MAX_TRADE_ID_LENGTH} characters of well-formed Unicode (no lone surrogate) or a non-negative integer`,
} as const;

const requiredOr = (required: string, invalid: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? required : invalid),
});

/**
 * A price or size of a record whose literal breaks the digit rules (more than
 * {@link DECIMAL_PLACES} decimal places or {@link SIGNIFICANT_DIGITS} significant digits, counted
 * as {@link readDecimal} counts them) or overflows a double, kept as written: its double need not
 * be the decimal the producer wrote, so the tick is judged by the literal (see
 * {@link writtenAmount}).
 */
export class WrittenNumber {
  /** The literal's digits, as {@link readDecimal} reads them. */
  readonly decimal: WrittenDecimal;

  /**
   * @param source The JSON number literal, exactly as the record wrote it.
   * @param value What `JSON.parse` made of it.
   */
  constructor(
    readonly source: string,
    readonly value: number,
  ) {
    const decimal = readDecimal(source);
    if (decimal === undefined) {
      throw new RangeError(`"${source}" is not a JSON number`);
    }
    this.decimal = decimal;
  }
}

/**
 * A price or size as a record wrote it, from its JSON literal and the double `JSON.parse` made of
 * it: the double itself when the literal has at most {@link DECIMAL_PLACES} decimal places and
 * {@link SIGNIFICANT_DIGITS} significant digits and the double is finite (the double is then
 * exactly the literal, so every rule judges it as written), else a {@link WrittenNumber}.
 */
export function writtenAmount(source: string, value: number): number | WrittenNumber {
  const written = new WrittenNumber(source, value);
  const { places, significant } = written.decimal;
  return places <= DECIMAL_PLACES && significant <= SIGNIFICANT_DIGITS && Number.isFinite(value)
    ? value
    : written;
}

/** Digit rules of a number: judged on its shortest decimal form, whatever its sign. */
const numberPlacesFit = (value: number): boolean => fitsDecimalPlaces(Math.abs(value));
const numberDigitsFit = (value: number): boolean => fitsSignificantDigits(Math.abs(value));

function timestampReason(parse: Extract<TimestampParse, { ok: false }>): string {
  switch (parse.problem) {
    case "format":
      return TICK_REASONS.tsFormat;
    case "calendar":
      return TICK_REASONS.tsCalendar;
    case "range":
      return TICK_REASONS.tsRange;
  }
}

interface AmountRule {
  readonly max: number;
  readonly required: string;
  readonly invalid: string;
  readonly tooLarge: string;
  readonly decimals: string;
  readonly digits: string;
}

/**
 * A price or size: a number, or a {@link WrittenNumber} judged by its literal, under the same
 * rules in the same order. Every broken rule is reported, except that too many decimal places
 * hide too many significant digits (rounding to the allowed places is the fix for both). The
 * significant-digit check says so with `when`, not by aborting at the decimal places: the union
 * reports the issues of the one branch of the input's type, and an aborted branch has none to give.
 */
const amount = (rule: AmountRule) =>
  z.pipe(
    z.union(
      [
        z.number().check(
          z.positive({ error: rule.invalid }),
          z.maximum(rule.max, { error: rule.tooLarge }),
          z.refine(numberPlacesFit, { error: rule.decimals }),
          z.refine(numberDigitsFit, {
            error: rule.digits,
            when: ({ value }) => typeof value === "number" && numberPlacesFit(value),
          }),
        ),
        z.instanceof(WrittenNumber, { abort: true }).check(
          z.refine(({ decimal }) => !decimal.negative && decimal.digits !== "", {
            error: rule.invalid,
          }),
          z.refine(({ decimal }) => writtenAtMost(decimal, rule.max), { error: rule.tooLarge }),
          z.refine(({ decimal }) => decimal.places <= DECIMAL_PLACES, { error: rule.decimals }),
          z.refine(({ decimal }) => decimal.significant <= SIGNIFICANT_DIGITS, {
            error: rule.digits,
            when: ({ value }) =>
              value instanceof WrittenNumber && value.decimal.places <= DECIMAL_PLACES,
          }),
        ),
      ],
      requiredOr(rule.required, rule.invalid),
    ),
    z.transform((value): number => (typeof value === "number" ? value : value.value)),
  );

/**
 * The tick schema: the single definition of a valid tick. Unknown fields are ignored (producers
 * may add their own), `ts` becomes epoch milliseconds and `tradeId` a string. Written with
 * `zod/mini`, the tree-shakable build: the same validation in a fraction of the bundle size.
 *
 * Built on first use, not at import: valid ticks pass the direct check below and never reach the
 * schema, so a container that only ever sees valid ticks does not pay for building it at cold start.
 */
export function tickSchema() {
  return (builtTickSchema ??= buildTickSchema());
}

function buildTickSchema() {
  const timestamp = z.pipe(
    z.unknown(),
    z.transform((value, ctx): number => {
      if (value === undefined) {
        ctx.issues.push({ code: "custom", message: TICK_REASONS.tsRequired, input: value });
        return z.NEVER;
      }
      const parsed =
        typeof value === "number"
          ? checkEpochMs(value)
          : typeof value === "string"
            ? parseIsoTimestamp(value)
            : ({ ok: false, problem: "format" } as const);
      if (!parsed.ok) {
        ctx.issues.push({ code: "custom", message: timestampReason(parsed), input: value });
        return z.NEVER;
      }
      return parsed.ms;
    }),
  );

  const tradeId = z.union(
    [
      z.string().check(
        z.minLength(1, { error: TICK_REASONS.tradeIdInvalid }),
        z.maxLength(MAX_TRADE_ID_LENGTH, { error: TICK_REASONS.tradeIdInvalid }),
        z.refine((id: string) => id.isWellFormed(), { error: TICK_REASONS.tradeIdInvalid }),
      ),
      z.pipe(
        z
          .number()
          .check(
            z.int({ error: TICK_REASONS.tradeIdInvalid }),
            z.nonnegative({ error: TICK_REASONS.tradeIdInvalid }),
            z.maximum(Number.MAX_SAFE_INTEGER, { error: TICK_REASONS.tradeIdInvalid }),
          ),
        z.transform(String),
      ),
    ],
    requiredOr(TICK_REASONS.tradeIdRequired, TICK_REASONS.tradeIdInvalid),
  );

  return z.object(
    {
      symbol: z
        .string(requiredOr(TICK_REASONS.symbolRequired, TICK_REASONS.symbolInvalid))
        .check(z.regex(SYMBOL_PATTERN, { error: TICK_REASONS.symbolInvalid })),
      price: amount({
        max: MAX_PRICE,
        required: TICK_REASONS.priceRequired,
        invalid: TICK_REASONS.priceInvalid,
        tooLarge: TICK_REASONS.priceMax,
        decimals: TICK_REASONS.priceDecimals,
        digits: TICK_REASONS.priceDigits,
      }),
      size: amount({
        max: MAX_SIZE,
        required: TICK_REASONS.sizeRequired,
        invalid: TICK_REASONS.sizeInvalid,
        tooLarge: TICK_REASONS.sizeMax,
        decimals: TICK_REASONS.sizeDecimals,
        digits: TICK_REASONS.sizeDigits,
      }),
      ts: timestamp,
      tradeId,
    },
    { error: TICK_REASONS.notObject },
  );
}

let builtTickSchema: ReturnType<typeof buildTickSchema> | undefined;

export type TickValidation =
  { readonly ok: true; readonly tick: Tick } | { readonly ok: false; readonly reason: string };

function acceptedTimestamp(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isInteger(value) && value >= earliestMs && value <= latestMs ? value : undefined;
  }
  if (typeof value === "string") {
    const ms = isoMs(value);
    return ms >= 0 ? ms : undefined;
  }
  return undefined;
}

function acceptedTradeId(value: unknown): string | undefined {
  if (typeof value === "string") {
    // A lone surrogate (JSON "\ud800") cannot be stored as UTF-8: the trade set would not know it.
    return value.length >= 1 && value.length <= MAX_TRADE_ID_LENGTH && value.isWellFormed()
      ? value
      : undefined;
  }
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0
    ? String(value)
    : undefined;
}

function isAcceptedAmount(value: unknown, max: number): value is number {
  return typeof value === "number" && value > 0 && value <= max && fitsDigits(value);
}

/**
 * Validates one decoded JSON value as a tick. A price or size is a number, judged by its shortest
 * decimal form (what `JSON.stringify` writes), or a {@link WrittenNumber}, judged by its literal.
 *
 * A valid tick is accepted by a direct check that accepts exactly what {@link tickSchema} accepts
 * and yields the same tick (a property test holds the two together); anything else goes through
 * the schema, which words the reasons.
 * A tick with several problems gets them all, joined by `"; "`.
 */
export function validateTick(input: unknown): TickValidation {
  const checked = checkTick(input);
  return typeof checked === "string" ? { ok: false, reason: checked } : { ok: true, tick: checked };
}

/** {@link validateTick} without the wrapper object: the tick, or the reason it is not one. */
export function checkTick(input: unknown): Tick | string {
  const checked = checkSequencedTick(input, "", 0);
  if (typeof checked === "string") {
    return checked;
  }
  const { symbol, price, size, ts, tradeId } = checked;
  return { symbol, price, size, ts, tradeId };
}

function schemaCheck(input: unknown): Tick | string {
  const result = tickSchema().safeParse(input);
  if (result.success) {
    return result.data;
  }
  return result.error.issues.map((issue) => issue.message).join("; ");
}

/**
 * {@link checkTick} for the decoder's hot path: a valid tick comes back as the sequenced tick
 * itself, built once (no intermediate {@link Tick}); an invalid one as its reason.
 */
export function checkSequencedTick(
  input: unknown,
  seq: string,
  index: number,
): SequencedTick | string {
  if (typeof input === "object" && input !== null && !Array.isArray(input)) {
    const candidate = input as Record<string, unknown>;
    const { symbol, price, size, ts, tradeId } = candidate;
    if (
      typeof symbol === "string" &&
      symbolChars(symbol) &&
      isAcceptedAmount(price, MAX_PRICE) &&
      isAcceptedAmount(size, MAX_SIZE)
    ) {
      const ms = acceptedTimestamp(ts);
      const id = acceptedTradeId(tradeId);
      if (ms !== undefined && id !== undefined) {
        return { symbol, price, size, ts: ms, tradeId: id, seq, index };
      }
    }
  }
  const checked = schemaCheck(input);
  if (typeof checked === "string") {
    return checked;
  }
  const { symbol, price, size, ts, tradeId } = checked;
  return { symbol, price, size, ts, tradeId, seq, index };
}
