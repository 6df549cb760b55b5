import fc from "fast-check";
import { TICK_REASONS, tickSchema, validateTick } from "./tick";

const VALID = {
  symbol: "AAPL",
  price: 189.25,
  size: 100,
  ts: 1_714_571_100_123,
  tradeId: "T-1",
} as const;

describe("validateTick", () => {
  it.each<[string, unknown, object]>([
    ["a plain tick", VALID, { ...VALID }],
    ["an ISO timestamp", { ...VALID, ts: "2024-05-01T13:45:00.123Z" }, { ...VALID }],
    [
      "an ISO timestamp with an offset and microseconds",
      { ...VALID, ts: "2024-05-01T15:45:00.123999+02:00" },
      { ...VALID },
    ],
    ["a numeric trade id", { ...VALID, tradeId: 42 }, { ...VALID, tradeId: "42" }],
    ["extra fields", { ...VALID, venue: "XNAS" }, { ...VALID }],
    ["a dotted symbol", { ...VALID, symbol: "BRK.B" }, { ...VALID, symbol: "BRK.B" }],
    [
      "a 12-character symbol",
      { ...VALID, symbol: "ABCDEFGHIJ-1" },
      { ...VALID, symbol: "ABCDEFGHIJ-1" },
    ],
    ["10 decimal places", { ...VALID, size: 0.0000000001 }, { ...VALID, size: 0.0000000001 }],
    ["a large price", { ...VALID, price: 612_345.5 }, { ...VALID, price: 612_345.5 }],
  ])("accepts %s", (_, input, tick) => {
    expect(validateTick(input)).toEqual({ ok: true, tick });
  });

  it.each<[string, unknown, string]>([
    ["null", null, TICK_REASONS.notObject],
    ["a number", 42, TICK_REASONS.notObject],
    ["a string", "AAPL", TICK_REASONS.notObject],
    ["a nested array", [VALID], TICK_REASONS.notObject],
    [
      "an empty object",
      {},
      "symbol is required; price is required; size is required; ts is required; tradeId is required",
    ],
    ["a lowercase symbol", { ...VALID, symbol: "aapl" }, TICK_REASONS.symbolInvalid],
    ["a 13-character symbol", { ...VALID, symbol: "ABCDEFGHIJKLM" }, TICK_REASONS.symbolInvalid],
    ["an empty symbol", { ...VALID, symbol: "" }, TICK_REASONS.symbolInvalid],
    ["a symbol with a space", { ...VALID, symbol: "BRK B" }, TICK_REASONS.symbolInvalid],
    ["a numeric symbol type", { ...VALID, symbol: 7 }, TICK_REASONS.symbolInvalid],
    ["a zero price", { ...VALID, price: 0 }, TICK_REASONS.priceInvalid],
    ["a negative price", { ...VALID, price: -1 }, TICK_REASONS.priceInvalid],
    ["a price as text", { ...VALID, price: "189.25" }, TICK_REASONS.priceInvalid],
    ["a null price", { ...VALID, price: null }, TICK_REASONS.priceInvalid],
    ["an infinite price", { ...VALID, price: Infinity }, TICK_REASONS.priceInvalid],
    ["a NaN price", { ...VALID, price: NaN }, TICK_REASONS.priceInvalid],
    ["a price with 11 decimals", { ...VALID, price: 1.00000000001 }, TICK_REASONS.priceDecimals],
    ["a float-noise price", { ...VALID, price: 0.1 + 0.2 }, TICK_REASONS.priceDecimals],
    ["a missing size", { ...VALID, size: undefined }, TICK_REASONS.sizeRequired],
    ["a zero size", { ...VALID, size: 0 }, TICK_REASONS.sizeInvalid],
    ["a size with 11 decimals", { ...VALID, size: 1e-11 }, TICK_REASONS.sizeDecimals],
    ["epoch seconds", { ...VALID, ts: 1_714_571_100 }, TICK_REASONS.tsRange],
    ["a fractional epoch", { ...VALID, ts: 1_714_571_100_123.5 }, TICK_REASONS.tsFormat],
    ["a boolean ts", { ...VALID, ts: true }, TICK_REASONS.tsFormat],
    ["an ISO date without time", { ...VALID, ts: "2024-05-01" }, TICK_REASONS.tsFormat],
    ["an ISO time without offset", { ...VALID, ts: "2024-05-01T13:45:00" }, TICK_REASONS.tsFormat],
    ["February 30", { ...VALID, ts: "2024-02-30T00:00:00Z" }, TICK_REASONS.tsCalendar],
    ["hour 24", { ...VALID, ts: "2024-05-01T24:00:00Z" }, TICK_REASONS.tsCalendar],
    ["a leap second", { ...VALID, ts: "2016-12-31T23:59:60Z" }, TICK_REASONS.tsCalendar],
    ["a date in 1999", { ...VALID, ts: "1999-12-31T23:59:59.999Z" }, TICK_REASONS.tsRange],
    ["a missing trade id", { ...VALID, tradeId: undefined }, TICK_REASONS.tradeIdRequired],
    ["an empty trade id", { ...VALID, tradeId: "" }, TICK_REASONS.tradeIdInvalid],
    ["a 65-character trade id", { ...VALID, tradeId: "x".repeat(65) }, TICK_REASONS.tradeIdInvalid],
    ["a negative trade id", { ...VALID, tradeId: -1 }, TICK_REASONS.tradeIdInvalid],
    ["a fractional trade id", { ...VALID, tradeId: 1.5 }, TICK_REASONS.tradeIdInvalid],
    ["an unsafe integer trade id", { ...VALID, tradeId: 2 ** 60 }, TICK_REASONS.tradeIdInvalid],
    [
      "several problems at once",
      { ...VALID, symbol: "x", price: -2, ts: "yesterday" },
      `${TICK_REASONS.symbolInvalid}; ${TICK_REASONS.priceInvalid}; ${TICK_REASONS.tsFormat}`,
    ],
  ])("rejects %s", (_, input, reason) => {
    expect(validateTick(input)).toEqual({ ok: false, reason });
  });

  it("words the reasons for a reader", () => {
    expect(TICK_REASONS).toEqual({
      notObject: "tick must be a JSON object",
      symbolRequired: "symbol is required",
      symbolInvalid: "symbol must be 1-12 characters of A-Z, 0-9, '.' or '-'",
      priceRequired: "price is required",
      priceInvalid: "price must be a finite number greater than 0",
      priceDecimals: "price must have at most 10 decimal places",
      sizeRequired: "size is required",
      sizeInvalid: "size must be a finite number greater than 0",
      sizeDecimals: "size must have at most 10 decimal places",
      tsRequired: "ts is required",
      tsFormat:
        "ts must be an ISO-8601 date-time with a UTC offset (e.g. 2024-05-01T13:45:00.123Z) or integer epoch milliseconds",
      tsCalendar: "ts must be a valid calendar date and time",
      tsRange:
        "ts must be between 2000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z (epoch milliseconds, not seconds)",
      tradeIdRequired: "tradeId is required",
      tradeIdInvalid: "tradeId must be a string of 1-64 characters or a non-negative integer",
    });
  });

  const field = <T>(valid: fc.Arbitrary<T>) =>
    fc.oneof(
      { arbitrary: valid, weight: 4 },
      fc.constant(undefined),
      fc.constant(null),
      fc.string({ maxLength: 3 }),
      fc.double(),
      fc.integer(),
    );
  const looseTick = fc.record(
    {
      symbol: field(fc.constantFrom("AAPL", "BRK.B", "X-1", "aapl", "TOO-LONG-SYMBOL")),
      price: field(
        fc.oneof(
          fc.double({ min: 0.01, max: 1e6 }),
          fc.integer({ min: 1, max: 1e6 }).map((n) => n / 100),
        ),
      ),
      size: field(
        fc.oneof(fc.integer({ min: -5, max: 10_000 }), fc.double({ min: 1e-12, max: 10 })),
      ),
      ts: field(
        fc.oneof(
          fc.integer({ min: 900_000_000_000, max: 1_800_000_000_000 }),
          fc
            .tuple(
              fc.integer({ min: 1990, max: 2030 }),
              fc.integer({ min: 0, max: 13 }),
              fc.integer({ min: 0, max: 32 }),
              fc.integer({ min: 0, max: 25 }),
              fc.constantFrom("Z", "+02:00", "-05:30", "", "+24:00"),
              fc.constantFrom("", ".1", ".123456", "."),
            )
            .map(
              ([y, mo, d, h, zone, fraction]) =>
                `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}T${String(h).padStart(2, "0")}:07:09${fraction}${zone}`,
            ),
        ),
      ),
      tradeId: field(
        fc.oneof(
          fc.string({ minLength: 0, maxLength: 70 }),
          fc.integer({ min: -3, max: 1_000 }),
          fc.constantFrom(2 ** 53, 2 ** 53 - 1, 1.5, -0),
        ),
      ),
    },
    { requiredKeys: [] },
  );

  it("accepts exactly what the schema accepts, with the same tick", () => {
    fc.assert(
      fc.property(looseTick, (input) => {
        const schema = tickSchema().safeParse(input);
        const result = validateTick(input);
        expect(result.ok).toBe(schema.success);
        if (result.ok && schema.success) {
          expect(result.tick).toEqual(schema.data);
        }
      }),
      { numRuns: 3_000 },
    );
  });
});
