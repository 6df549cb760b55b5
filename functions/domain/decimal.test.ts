import fc from "fast-check";
import {
  DECIMAL_PLACES,
  SIGNIFICANT_DIGITS,
  ScaledSum,
  divideScaled,
  divideScaledHalfEven,
  fitsDecimalDigits,
  fitsDecimalPlaces,
  fitsSignificantDigits,
  formatScaled,
  parseScaled,
  readDecimal,
  scaleDecimal,
  scaleDecimalText,
  scaledToNumber,
  writtenAtMost,
} from "./decimal";

describe("scaleDecimal", () => {
  it.each([
    [1, 10_000_000_000n],
    [0.1, 1_000_000_000n],
    [101.23, 1_012_300_000_000n],
    [0.0000000001, 1n],
    [199_999.9999999999, 1_999_999_999_999_999n],
    [200_000.5, 2_000_005_000_000_000n],
    [123_456_789.0123, 1_234_567_890_123_000_000n],
    [1e21, 10_000_000_000_000_000_000_000_000_000_000n],
    [1.5e-7, 1_500n],
  ])("scales %p to %p", (value, expected) => {
    expect(scaleDecimal(value)).toBe(expected);
  });

  it.each([[1e-11], [0.30000000000000004], [0.123456789012], [1 / 3], [2e5 + 1e-10 / 3]])(
    "rejects %p, which has more than 10 decimal places",
    (value) => {
      expect(scaleDecimal(value)).toBeUndefined();
    },
  );

  it("agrees with exact scaling of String(x) for every positive double", () => {
    fc.assert(
      fc.property(fc.double({ min: Number.MIN_VALUE, max: 1e300, noNaN: true }), (value) => {
        expect(scaleDecimal(value)).toBe(scaleDecimalText(String(value)));
        expect(fitsDecimalPlaces(value)).toBe(scaleDecimal(value) !== undefined);
      }),
      { numRuns: 2_000 },
    );
  });

  it("recovers every decimal of up to 15 significant digits and 10 places from its double", () => {
    // A double holds any decimal of 15 significant digits exactly enough to round-trip.
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 15n - 1n }), fc.nat(12), (digits, shift) => {
        const scaled = digits * 10n ** BigInt(shift);
        const value = Number(formatScaled(scaled, DECIMAL_PLACES));
        expect(scaleDecimal(value)).toBe(scaled);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("formatScaled and parseScaled", () => {
  it.each([
    [0n, 10, "0"],
    [1n, 10, "0.0000000001"],
    [12_345_000_000_000n, 10, "1234.5"],
    [10_000_000_000n, 10, "1"],
    [123n, 0, "123"],
    [5n, 20, "0.00000000000000000005"],
  ])("formats %p with %p places as %p", (value, places, text) => {
    expect(formatScaled(value, places)).toBe(text);
    expect(parseScaled(text, places)).toBe(value);
  });

  it("rejects a negative value", () => {
    expect(() => formatScaled(-1n, 10)).toThrow(
      "formatScaled expects a non-negative value, got -1",
    );
  });

  it.each([
    ["1e5", 10, '"1e5" is not a plain non-negative decimal number'],
    ["-1", 10, '"-1" is not a plain non-negative decimal number'],
    ["1.", 10, '"1." is not a plain non-negative decimal number'],
    ["0.123", 2, '"0.123" has more than 2 decimal places'],
  ])("parseScaled(%p, %p) throws %p", (text, places, message) => {
    expect(() => parseScaled(text, places)).toThrow(message);
  });

  it("round-trips every non-negative scaled integer", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.nat(24), (value, places) => {
        expect(parseScaled(formatScaled(value, places), places)).toBe(value);
      }),
    );
  });

  it("converts to the nearest number", () => {
    expect(scaledToNumber(1_012_300_000_000n, 10)).toBe(101.23);
    expect(scaledToNumber(3n, 20)).toBe(3e-20);
  });
});

describe("divideScaled", () => {
  it.each([
    // notional 1012.3 (20 places) / volume 10 (10 places) = 101.23
    [101_230_000_000_000_000_000_000n, 20, 100_000_000_000n, 10, 10, 1_012_300_000_000n],
    // 1 / 3 rounds down, 2 / 3 rounds up (half up)
    [1n, 0, 3n, 0, 4, 3_333n],
    [2n, 0, 3n, 0, 4, 6_667n],
    [5n, 1, 1n, 0, 0, 1n],
  ])("%p@%p / %p@%p to %p places is %p", (n, np, d, dp, places, expected) => {
    expect(divideScaled(n, np, d, dp, places)).toBe(expected);
  });

  it("rejects a zero denominator", () => {
    expect(() => divideScaled(1n, 0, 0n, 0, 2)).toThrow(
      "divideScaled expects a positive denominator",
    );
  });
});

describe("ScaledSum", () => {
  it("adds safe integers past 2^53 exactly, spilling into bigint", () => {
    const sum = new ScaledSum();
    for (let i = 0; i < 5; i += 1) {
      sum.addSafe(Number.MAX_SAFE_INTEGER);
    }
    sum.addBig(3n);
    expect(sum.total()).toBe(5n * BigInt(Number.MAX_SAFE_INTEGER) + 3n);
  });

  it("converts number terms to the sum's scale", () => {
    const sum = new ScaledSum(10n ** 12n);
    sum.addSafe(Number.MAX_SAFE_INTEGER);
    sum.addSafe(2);
    sum.addBig(5n);
    expect(sum.total()).toBe((BigInt(Number.MAX_SAFE_INTEGER) + 2n) * 10n ** 12n + 5n);
  });

  it("equals a bigint sum for any terms", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.maxSafeNat(), fc.bigInt({ min: 0n, max: 10n ** 30n })), {
          maxLength: 50,
        }),
        (terms) => {
          const sum = new ScaledSum(1_000n);
          let expected = 0n;
          for (const term of terms) {
            if (typeof term === "number") {
              sum.addSafe(term);
              expected += BigInt(term) * 1_000n;
            } else {
              sum.addBig(term);
              expected += term;
            }
          }
          expect(sum.total()).toBe(expected);
        },
      ),
    );
  });
});

describe("divideScaledHalfEven", () => {
  const NOTIONAL = 20;

  it.each<[string, bigint, bigint, bigint]>([
    // [description, notional at 20 places, volume at 10 places, VWAP at 10 places]
    ["a tie after an even digit stays", 200000000010000000000n, 20000000000n, 10000000000n],
    ["a tie after an odd digit goes up", 200000000030000000000n, 20000000000n, 10000000002n],
    ["below the tie goes down", 200000000009999999999n, 20000000000n, 10000000000n],
    ["above the tie goes up", 200000000010000000001n, 20000000000n, 10000000001n],
    ["1 / 3", 100000000000000000000n, 30000000000n, 3333333333n],
    ["2 / 3", 200000000000000000000n, 30000000000n, 6666666667n],
    ["an exact quotient", 123450000000000000000000n, 100000000000n, 1234500000000n],
  ])("%s", (_, notional, volume, expected) => {
    expect(divideScaledHalfEven(notional, NOTIONAL, volume, DECIMAL_PLACES, DECIMAL_PLACES)).toBe(
      expected,
    );
  });

  it("rounds down a tie that divideScaled (half up) rounds up", () => {
    const tie = [
      200000000010000000000n,
      NOTIONAL,
      20000000000n,
      DECIMAL_PLACES,
      DECIMAL_PLACES,
    ] as const;
    expect(divideScaled(...tie)).toBe(10000000001n);
    expect(divideScaledHalfEven(...tie)).toBe(10000000000n);
  });

  it("rounds ties to even beyond 2^53", () => {
    // (2^53 + 1) / 2 = 4503599627370496.5: the even neighbour is ...496.
    const volume = 2n * 10n ** 10n;
    const notional = (2n ** 53n + 1n) * 10n ** 20n;
    expect(divideScaledHalfEven(notional, NOTIONAL, volume, DECIMAL_PLACES, 0)).toBe(2n ** 52n);
    expect(
      divideScaledHalfEven(notional + 2n * 10n ** 20n, NOTIONAL, volume, DECIMAL_PLACES, 0),
    ).toBe(2n ** 52n + 2n);
  });

  it("scales down when the result has fewer places than the operands", () => {
    expect(divideScaledHalfEven(25n, 1, 1n, 0, 0)).toBe(2n);
    expect(divideScaledHalfEven(35n, 1, 1n, 0, 0)).toBe(4n);
    expect(divideScaledHalfEven(26n, 1, 1n, 0, 0)).toBe(3n);
  });

  it("rounds negative ties to even, symmetrically", () => {
    expect(divideScaledHalfEven(-25n, 1, 1n, 0, 0)).toBe(-2n);
    expect(divideScaledHalfEven(-35n, 1, 1n, 0, 0)).toBe(-4n);
    expect(divideScaledHalfEven(-24n, 1, 1n, 0, 0)).toBe(-2n);
    expect(divideScaledHalfEven(-26n, 1, 1n, 0, 0)).toBe(-3n);
  });

  it("rejects a denominator that is not positive", () => {
    expect(() => divideScaledHalfEven(1n, 0, 0n, 0, 0)).toThrow(
      "divideScaledHalfEven expects a positive denominator",
    );
    expect(() => divideScaledHalfEven(1n, 0, -1n, 0, 0)).toThrow(RangeError);
  });

  it("is the nearest scaled integer, the even one on a tie", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 40n }),
        fc.bigInt({ min: 1n, max: 10n ** 25n }),
        (notional, volume) => {
          const result = divideScaledHalfEven(
            notional,
            NOTIONAL,
            volume,
            DECIMAL_PLACES,
            DECIMAL_PLACES,
          );
          // notional / 10^20 / (volume / 10^10) * 10^10 = notional / volume exactly.
          const error = notional - result * volume;
          const twice = (error < 0n ? -error : error) * 2n;
          expect(twice <= volume).toBe(true);
          if (twice === volume) {
            expect(result % 2n).toBe(0n);
          }
        },
      ),
    );
  });
});

/** JSON number literals: sign, integer part (no leading zero), fraction, exponent (|e| <= 400). */
const literal = fc
  .tuple(
    fc.constantFrom("", "", "-"),
    fc.oneof(
      fc.constant("0"),
      fc
        .tuple(
          fc.integer({ min: 1, max: 9 }),
          fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: 19 }),
        )
        .map(([first, rest]) => `${first}${rest}`),
    ),
    fc.option(
      fc.string({ unit: fc.constantFrom(..."0123456789000"), minLength: 1, maxLength: 14 }),
    ),
    fc.option(
      fc.tuple(
        fc.constantFrom("e", "E"),
        fc.constantFrom("", "+", "-"),
        fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 400 })),
        fc.boolean(),
      ),
    ),
  )
  .map(
    ([sign, integer, fraction, exponent]) =>
      `${sign}${integer}${fraction === null ? "" : `.${fraction}`}${
        exponent === null
          ? ""
          : `${exponent[0]}${exponent[1]}${exponent[3] ? "0" : ""}${exponent[2]}`
      }`,
  );

/** The digits of a literal by exact bigint arithmetic: an independent reading of the same rules. */
function referenceDigits(text: string) {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null) {
    throw new Error(`not a literal: ${text}`);
  }
  const [, sign, integer, fraction = "", exponentText] = match;
  const mantissa = BigInt(integer + fraction);
  // value = mantissa * 10^exponent
  const exponent = Number(exponentText ?? "0") - fraction.length;
  let places: number;
  let significant: number;
  if (mantissa === 0n) {
    places = exponentText === undefined ? fraction.length : 0;
    significant = 0;
  } else if (exponentText === undefined && fraction !== "") {
    // As written: every digit after the point counts.
    places = fraction.length;
    significant = mantissa.toString().length;
  } else {
    // By value: from the first to the last non-zero digit.
    const digits = mantissa.toString().replace(/0+$/, "");
    const trail = exponent + mantissa.toString().length - digits.length;
    places = Math.max(0, -trail);
    significant = digits.length;
  }
  return { negative: sign === "-", zero: mantissa === 0n, places, significant, mantissa, exponent };
}

describe("readDecimal", () => {
  it.each<[string, object]>([
    ["1.50", { negative: false, digits: "15", lead: 0, places: 2, significant: 3 }],
    ["0.0012", { negative: false, digits: "12", lead: -3, places: 4, significant: 2 }],
    ["1.5e3", { negative: false, digits: "15", lead: 3, places: 0, significant: 2 }],
    ["1.50e3", { negative: false, digits: "15", lead: 3, places: 0, significant: 2 }],
    ["1500", { negative: false, digits: "15", lead: 3, places: 0, significant: 2 }],
    ["1000000000000000", { negative: false, digits: "1", lead: 15, places: 0, significant: 1 }],
    ["100.0", { negative: false, digits: "1", lead: 2, places: 1, significant: 4 }],
    ["1e-11", { negative: false, digits: "1", lead: -11, places: 11, significant: 1 }],
    ["2.50E-9", { negative: false, digits: "25", lead: -9, places: 10, significant: 2 }],
    ["1.0e-10", { negative: false, digits: "1", lead: -10, places: 10, significant: 1 }],
    ["10e-11", { negative: false, digits: "1", lead: -10, places: 10, significant: 1 }],
    ["1.00e2", { negative: false, digits: "1", lead: 2, places: 0, significant: 1 }],
    ["0e-20", { negative: false, digits: "", lead: 0, places: 0, significant: 0 }],
    ["1e+21", { negative: false, digits: "1", lead: 21, places: 0, significant: 1 }],
    ["-0.01050", { negative: true, digits: "105", lead: -2, places: 5, significant: 4 }],
    [
      "1000000000.0000000001",
      { negative: false, digits: "10000000000000000001", lead: 9, places: 10, significant: 20 },
    ],
    ["0", { negative: false, digits: "", lead: 0, places: 0, significant: 0 }],
    ["-0", { negative: true, digits: "", lead: 0, places: 0, significant: 0 }],
    ["0.000", { negative: false, digits: "", lead: 0, places: 3, significant: 0 }],
    ["1e-99999999999999999999", { digits: "1", lead: -1e9, places: 1e9, significant: 1 }],
  ])("reads %p", (text, expected) => {
    expect(readDecimal(text)).toMatchObject(expected);
  });

  it.each([
    [""],
    ["-"],
    ["1."],
    [".5"],
    ["1e"],
    ["1e+"],
    ["1.5.3"],
    ["1x"],
    ["Infinity"],
    ["NaN"],
    ["--1"],
  ])("rejects %p", (text) => {
    expect(readDecimal(text)).toBeUndefined();
  });

  it("counts places and significant digits as an exact bigint reading does", () => {
    fc.assert(
      fc.property(literal, (text) => {
        const written = readDecimal(text);
        const reference = referenceDigits(text);
        expect(written).toBeDefined();
        expect(written?.negative).toBe(reference.negative);
        expect(written?.digits === "").toBe(reference.zero);
        expect(written?.places).toBe(reference.places);
        expect(written?.significant).toBe(reference.significant);
      }),
      { numRuns: 3_000 },
    );
  });

  it("reads a literal of at most 15 significant digits back from its double unchanged", () => {
    // The premise of the exact validation: such a literal is exactly its double.
    fc.assert(
      fc.property(literal, (text) => {
        const written = readDecimal(text);
        const value = Math.abs(Number(text));
        fc.pre(
          written !== undefined &&
            written.significant <= SIGNIFICANT_DIGITS &&
            written.digits !== "" &&
            Number.isFinite(value) &&
            value >= Number.MIN_VALUE * 2 ** 52,
        );
        const shortest = readDecimal(String(value));
        expect(shortest?.digits).toBe(written?.digits);
        expect(shortest?.lead).toBe(written?.lead);
      }),
      { numRuns: 3_000 },
    );
  });
});

describe("writtenAtMost", () => {
  const atMost = (text: string, limit: number) => {
    const written = readDecimal(text);
    if (written === undefined) {
      throw new Error(text);
    }
    return writtenAtMost(written, limit);
  };

  it.each<[string, number, boolean]>([
    ["1e9", 1e9, true],
    ["1000000000.000", 1e9, true],
    ["1000000000.0000000001", 1e9, false],
    ["999999999.99999999999999", 1e9, true],
    ["1000000001", 1e9, false],
    ["10e8", 1e9, true],
    ["1e10", 1e9, false],
    ["1e15", 1e15, true],
    ["1000000000000001", 1e15, false],
    ["189.25", 189.25, true],
    ["189.2500000000000001", 189.25, false],
    ["189.2499999999999999", 189.25, true],
    ["-1e400", 1, true],
    ["0", 1, true],
  ])("%p <= %p is %p", (text, limit, expected) => {
    expect(atMost(text, limit)).toBe(expected);
  });

  it("compares exactly", () => {
    fc.assert(
      fc.property(
        literal,
        fc.integer({ min: 1, max: 999_999 }),
        fc.integer({ min: -6, max: 15 }),
        (text, digits, shift) => {
          const limit = Number(`${digits}e${shift}`);
          const reference = referenceDigits(text);
          // value <= limit, both scaled to integers at a common power of ten.
          const low = Math.min(reference.exponent, shift);
          const value = reference.mantissa * 10n ** BigInt(reference.exponent - low);
          const bound = BigInt(digits) * 10n ** BigInt(shift - low);
          expect(atMost(text, limit)).toBe(reference.negative || value <= bound);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("rejects a limit that is not finite and positive", () => {
    expect(() =>
      writtenAtMost({ negative: false, digits: "1", lead: 0, places: 0, significant: 1 }, 0),
    ).toThrow("writtenAtMost expects a finite, positive limit, got 0");
  });
});

describe("fitsSignificantDigits and fitsDecimalDigits", () => {
  it.each<[number, boolean, boolean]>([
    [123_456_789_012_345, true, true],
    [1_234_567_890_123_456, false, false],
    [1e15, true, true],
    [99_999.99999_99999, true, true],
    [123_456.012_345_678_9, false, false],
    [199_999.999_999_999, true, true],
    [123_456_789.012_345_6, false, false],
    [0.1 + 0.2, false, false],
    [1e-11, true, false],
    [1e300, true, true],
  ])("%p: %p significant digits, %p both", (value, digits, both) => {
    expect(fitsSignificantDigits(value)).toBe(digits);
    expect(fitsDecimalDigits(value)).toBe(both);
  });

  it("agree with the digits of String(x) for every positive double", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: Number.MIN_VALUE, max: 1e300, noNaN: true }),
          fc.double({ min: 1e-11, max: 1e16, noNaN: true }),
          fc
            .bigInt({ min: 1n, max: 10n ** 17n })
            .map((n) => Number(formatScaled(n, DECIMAL_PLACES))),
        ),
        (value) => {
          const written = readDecimal(String(value));
          const digits = (written?.significant ?? Infinity) <= SIGNIFICANT_DIGITS;
          expect(fitsSignificantDigits(value)).toBe(digits);
          expect(fitsDecimalDigits(value)).toBe(digits && fitsDecimalPlaces(value));
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
