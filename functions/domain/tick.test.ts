import fc from "fast-check";
import { MAX_PRICE, MAX_SIZE, TICK_REASONS, WrittenNumber, tickSchema, validateTick } from "./tick";

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
    ["the largest price", { ...VALID, price: 1e9 }, { ...VALID, price: 1e9 }],
    ["the largest size", { ...VALID, size: 1e15 }, { ...VALID, size: 1e15 }],
    [
      "15 significant digits",
      { ...VALID, price: 12_345.678_901_234_5, size: 123_456_789_012_345 },
      { ...VALID, price: 12_345.678_901_234_5, size: 123_456_789_012_345 },
    ],
    [
      "15 significant digits and 10 decimal places",
      { ...VALID, price: 99_999.000_000_000_1 },
      { ...VALID, price: 99_999.000_000_000_1 },
    ],
    [
      "the smallest amounts",
      { ...VALID, price: 1e-10, size: 1e-10 },
      { ...VALID, price: 1e-10, size: 1e-10 },
    ],
    [
      "a literal that keeps the digit rules, kept as written",
      { ...VALID, price: new WrittenNumber("1.500", 1.5) },
      { ...VALID, price: 1.5 },
    ],
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
    ["a negative zero price", { ...VALID, price: -0 }, TICK_REASONS.priceInvalid],
    ["a price past the largest", { ...VALID, price: 1_000_000_001 }, TICK_REASONS.priceMax],
    [
      "a price just past the largest",
      { ...VALID, price: 1_000_000_000.000_001 },
      `${TICK_REASONS.priceMax}; ${TICK_REASONS.priceDigits}`,
    ],
    ["a price of 1e126", { ...VALID, price: 1e126 }, TICK_REASONS.priceMax],
    [
      "a price with 16 significant digits",
      { ...VALID, price: 123_456.012_345_678_9 },
      TICK_REASONS.priceDigits,
    ],
    [
      "a size with 16 significant digits",
      { ...VALID, size: 1_234_567_890_123_456 },
      `${TICK_REASONS.sizeMax}; ${TICK_REASONS.sizeDigits}`,
    ],
    [
      "a size with 16 significant digits in range",
      { ...VALID, size: 123_456_789.012_345_6 },
      TICK_REASONS.sizeDigits,
    ],
    [
      "a size past the largest",
      { ...VALID, size: 1e15 + 1 },
      `${TICK_REASONS.sizeMax}; ${TICK_REASONS.sizeDigits}`,
    ],
    ["a size of 1e16", { ...VALID, size: 1e16 }, TICK_REASONS.sizeMax],
    ["an infinite size", { ...VALID, size: Infinity }, TICK_REASONS.sizeInvalid],
    ["a negative size", { ...VALID, size: -5 }, TICK_REASONS.sizeInvalid],
    [
      "a negative price with 11 decimals",
      { ...VALID, price: -1e-11 },
      `${TICK_REASONS.priceInvalid}; ${TICK_REASONS.priceDecimals}`,
    ],
    ["a price with 11 decimals", { ...VALID, price: 1.00000000001 }, TICK_REASONS.priceDecimals],
    ["a float-noise price", { ...VALID, price: 0.1 + 0.2 }, TICK_REASONS.priceDecimals],
    ["a missing size", { ...VALID, size: undefined }, TICK_REASONS.sizeRequired],
    ["a zero size", { ...VALID, size: 0 }, TICK_REASONS.sizeInvalid],
    [
      "a size literal rounded by JSON.parse",
      { ...VALID, size: new WrittenNumber("1000000000.0000000001", 1e9) },
      TICK_REASONS.sizeDigits,
    ],
    [
      "a price literal past the largest by less than its double shows",
      { ...VALID, price: new WrittenNumber("1000000000.0000000001", 1e9) },
      `${TICK_REASONS.priceMax}; ${TICK_REASONS.priceDigits}`,
    ],
    [
      "a price literal with trailing zeros past 10 places",
      { ...VALID, price: new WrittenNumber("1.00000000000", 1) },
      TICK_REASONS.priceDecimals,
    ],
    [
      "a price literal with too many places and digits",
      { ...VALID, price: new WrittenNumber("0.30000000000000004", 0.1 + 0.2) },
      TICK_REASONS.priceDecimals,
    ],
    [
      "a negative zero literal with 11 places",
      { ...VALID, size: new WrittenNumber("-0.00000000000", -0) },
      `${TICK_REASONS.sizeInvalid}; ${TICK_REASONS.sizeDecimals}`,
    ],
    [
      "a literal that overflows a double",
      { ...VALID, size: new WrittenNumber("1e400", Infinity) },
      TICK_REASONS.sizeMax,
    ],
    [
      "a literal that underflows a double",
      { ...VALID, price: new WrittenNumber("1e-400", 0) },
      TICK_REASONS.priceDecimals,
    ],
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
      priceMax: "price must be at most 1000000000",
      priceDecimals: "price must have at most 10 decimal places",
      priceDigits: "price must have at most 15 significant digits",
      sizeRequired: "size is required",
      sizeInvalid: "size must be a finite number greater than 0",
      sizeMax: "size must be at most 1000000000000000",
      sizeDecimals: "size must have at most 10 decimal places",
      sizeDigits: "size must have at most 15 significant digits",
      tsRequired: "ts is required",
      tsFormat:
        "ts must be an ISO-8601 date-time with a UTC offset (e.g. 2024-05-01T13:45:00.123Z) or integer epoch milliseconds",
      tsCalendar: "ts must be a valid calendar date and time",
      tsRange:
        "ts must be between 2000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z (epoch milliseconds, not seconds)",
      tradeIdRequired: "tradeId is required",
      tradeIdInvalid:
        "tradeId must be a string of 1-64 characters of well-formed Unicode (no lone surrogate) or a non-negative integer",
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
  /** Decimal text of up to 18 digits around a limit's scale, with up to 12 places. */
  const decimalText = fc
    .tuple(fc.bigInt({ min: 1n, max: 10n ** 18n }), fc.integer({ min: 0, max: 12 }))
    .map(([digits, places]) => {
      const text = digits.toString().padStart(places + 1, "0");
      return places === 0 ? text : `${text.slice(0, -places)}.${text.slice(-places)}`;
    });
  /** Amounts around every rule's boundary, as numbers and as literals kept as written. */
  const amount = (max: number) =>
    fc.oneof(
      fc.double({ min: 1e-12, max: max * 10 }),
      fc.constantFrom(max, max + 1, max - 1, max * (1 + Number.EPSILON), 1e-10, 1e-11, -0),
      decimalText.map(Number),
      decimalText.map((text) => new WrittenNumber(text, Number(text))),
      fc
        .tuple(decimalText, fc.integer({ min: -15, max: 15 }), fc.constantFrom("", "-"))
        .map(([text, exponent, sign]) => {
          const literal = `${sign}${text}e${exponent}`;
          return new WrittenNumber(literal, Number(literal));
        }),
    );
  const looseTick = fc.record(
    {
      symbol: field(fc.constantFrom("AAPL", "BRK.B", "X-1", "aapl", "TOO-LONG-SYMBOL")),
      price: field(
        fc.oneof(
          fc.double({ min: 0.01, max: 1e6 }),
          fc.integer({ min: 1, max: 1e6 }).map((n) => n / 100),
          amount(MAX_PRICE),
        ),
      ),
      size: field(
        fc.oneof(
          fc.integer({ min: -5, max: 10_000 }),
          fc.double({ min: 1e-12, max: 10 }),
          amount(MAX_SIZE),
        ),
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

  it("judges a number as its shortest decimal form, written as a literal, is judged", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.double({ min: -1e16, max: 1e16, noNaN: true }),
          decimalText.map(Number),
        ),
        fc.constantFrom("price", "size"),
        (value, key) => {
          expect(validateTick({ ...VALID, [key]: value })).toEqual(
            validateTick({ ...VALID, [key]: new WrittenNumber(String(value), value) }),
          );
        },
      ),
      { numRuns: 3_000 },
    );
  });

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

describe("trade ids that storage could not keep", () => {
  it.each([
    ["a lone high surrogate", "\ud800"],
    ["a lone low surrogate", "T-\udc00"],
  ])("rejects %s, which UTF-8 cannot carry", (_, tradeId) => {
    expect(validateTick({ symbol: "AAPL", price: 1, size: 1, ts: 1714571101000, tradeId })).toEqual(
      {
        ok: false,
        reason: TICK_REASONS.tradeIdInvalid,
      },
    );
  });

  it("accepts a paired surrogate (an emoji) at the length limit", () => {
    const tradeId = `${"x".repeat(62)}\u{1F600}`;
    expect(tradeId).toHaveLength(64);
    expect(
      validateTick({ symbol: "AAPL", price: 1, size: 1, ts: 1714571101000, tradeId }),
    ).toMatchObject({
      ok: true,
    });
  });
});
