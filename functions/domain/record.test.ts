import fc from "fast-check";
import { RECORD_REASONS, decodeRecordData, decodeStreamRecords, parseAsWritten } from "./record";
import type { DecodedRecord, StreamRecord } from "./record";
import { TICK_REASONS, WrittenNumber, checkTick } from "./tick";
import type { Tick } from "./tick";

const TICK = { symbol: "AAPL", price: 189.25, size: 100, ts: 1_714_571_100_123, tradeId: "T-1" };

const base64 = (text: string | Buffer) =>
  (typeof text === "string" ? Buffer.from(text, "utf8") : text).toString("base64");

describe("decodeRecordData", () => {
  it("decodes a record holding one tick", () => {
    expect(decodeRecordData(base64(JSON.stringify(TICK)))).toEqual({
      ok: true,
      ticks: [{ index: 0, tick: TICK }],
      rejected: [],
    });
  });

  it("keeps the valid ticks of an array and rejects the others one by one", () => {
    const data = JSON.stringify([
      TICK,
      { ...TICK, price: -1 },
      "oops",
      { ...TICK, tradeId: "T-2" },
    ]);
    expect(decodeRecordData(base64(data))).toEqual({
      ok: true,
      ticks: [
        { index: 0, tick: TICK },
        { index: 3, tick: { ...TICK, tradeId: "T-2" } },
      ],
      rejected: [
        { index: 1, reason: TICK_REASONS.priceInvalid },
        { index: 2, reason: TICK_REASONS.notObject },
      ],
    });
  });

  it("decodes non-ASCII UTF-8 text", () => {
    const tick = { ...TICK, tradeId: "Zürich-✓" };
    expect(decodeRecordData(base64(JSON.stringify(tick)))).toEqual({
      ok: true,
      ticks: [{ index: 0, tick }],
      rejected: [],
    });
  });

  it("strips a UTF-8 byte order mark", () => {
    const data = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify(TICK)),
    ]);
    expect(decodeRecordData(base64(data))).toEqual({
      ok: true,
      ticks: [{ index: 0, tick: TICK }],
      rejected: [],
    });
  });

  it("rejects a single value that is not a tick as a tick, not as a record", () => {
    expect(decodeRecordData(base64("42"))).toEqual({
      ok: true,
      ticks: [],
      rejected: [{ index: 0, reason: TICK_REASONS.notObject }],
    });
  });

  it.each([
    ["bad base64 characters", "not*base64!", RECORD_REASONS.notBase64],
    ["a truncated base64 quantum", "QUJDR", RECORD_REASONS.notBase64],
    [
      "bytes that are not UTF-8",
      base64(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
      RECORD_REASONS.notUtf8,
    ],
    ["an overlong UTF-8 encoding", base64(Buffer.from([0xc0, 0xaf])), RECORD_REASONS.notUtf8],
    ["truncated JSON", base64('{"symbol":"AAPL"'), RECORD_REASONS.notJson],
    ["empty data", "", RECORD_REASONS.notJson],
    ["an empty array", base64("[]"), RECORD_REASONS.emptyArray],
  ])("rejects the whole record for %s", (_, data, reason) => {
    expect(decodeRecordData(data)).toEqual({ ok: false, reason });
  });

  it("words the record reasons for a reader", () => {
    expect(RECORD_REASONS).toEqual({
      notBase64: "data is not valid base64",
      notUtf8: "data is not valid UTF-8",
      notJson: "data is not valid JSON",
      emptyArray:
        "data is an empty JSON array; a record carries one tick or a non-empty array of ticks",
    });
  });
});

describe("decodeStreamRecords", () => {
  const record = (sequenceNumber: string, data: string, partitionKey = "AAPL"): StreamRecord => ({
    shardId: "shardId-000000000000",
    sequenceNumber,
    partitionKey,
    data,
    approximateArrivalTimestamp: 1_714_571_100.5,
  });

  it("sequences valid ticks and lists every malformed input with its position", () => {
    const batch = decodeStreamRecords([
      record("101", base64(JSON.stringify(TICK))),
      record("102", "%%%"),
      record(
        "103",
        base64(
          JSON.stringify([
            { ...TICK, symbol: "bad" },
            { ...TICK, tradeId: 9 },
          ]),
        ),
      ),
    ]);
    expect(batch).toEqual({
      records: [
        {
          shardId: "shardId-000000000000",
          sequenceNumber: "101",
          partitionKey: "AAPL",
          ticks: [{ ...TICK, seq: "101", index: 0 }],
        },
        { shardId: "shardId-000000000000", sequenceNumber: "102", partitionKey: "AAPL", ticks: [] },
        {
          shardId: "shardId-000000000000",
          sequenceNumber: "103",
          partitionKey: "AAPL",
          ticks: [{ ...TICK, tradeId: "9", seq: "103", index: 1 }],
        },
      ],
      malformed: [
        {
          shardId: "shardId-000000000000",
          sequenceNumber: "102",
          partitionKey: "AAPL",
          tickIndex: null,
          reason: RECORD_REASONS.notBase64,
        },
        {
          shardId: "shardId-000000000000",
          sequenceNumber: "103",
          partitionKey: "AAPL",
          tickIndex: 0,
          reason: TICK_REASONS.symbolInvalid,
        },
      ],
      validTicks: 2,
    });
  });
});

/** A record of one tick with the given price and size literals, as text. */
const tickText = (price: string, size: string) =>
  `{"symbol":"AAPL","price":${price},"size":${size},"ts":1714571100123,"tradeId":"T-1"}`;

const decodeText = (text: string) => decodeRecordData(base64(text));

describe("exact amounts", () => {
  it.each<[string, string, string, { price: number; size: number }]>([
    ["the largest price", "1e9", "1", { price: 1e9, size: 1 }],
    ["the largest price written out", "1000000000", "1", { price: 1e9, size: 1 }],
    ["the largest size", "1", "1e15", { price: 1, size: 1e15 }],
    ["the largest size written out", "1", "1000000000000000", { price: 1, size: 1e15 }],
    [
      "15 significant digits",
      "12345.6789012345",
      "123456789012345",
      { price: 12345.6789012345, size: 123456789012345 },
    ],
    [
      "15 significant digits with trailing zeros",
      "100000.000000000",
      "1",
      { price: 100000, size: 1 },
    ],
    ["10 decimal places", "0.0000000001", "0.1234567890", { price: 1e-10, size: 0.123456789 }],
    ["10 decimal places with trailing zeros", "1.0000000000", "1", { price: 1, size: 1 }],
    ["the smallest exponent", "1e-10", "1.0e-9", { price: 1e-10, size: 1e-9 }],
    ["exponent forms", "1.5e3", "2.50E+2", { price: 1500, size: 250 }],
    ["exponent forms by their value", "1.0e-10", "10e-11", { price: 1e-10, size: 1e-10 }],
    ["a long exponent form of 15 digits", "1000000000000000000e-18", "1", { price: 1, size: 1 }],
  ])("accepts %s", (_, price, size, amounts) => {
    expect(decodeText(tickText(price, size))).toEqual({
      ok: true,
      ticks: [{ index: 0, tick: { ...TICK, ...amounts } }],
      rejected: [],
    });
  });

  it.each<[string, string, string, string]>([
    [
      "a price past the largest in its 20th digit",
      "1000000000.0000000001",
      "1",
      `${TICK_REASONS.priceMax}; ${TICK_REASONS.priceDigits}`,
    ],
    ["a price past the largest", "1000000001", "1", TICK_REASONS.priceMax],
    ["a price of 1e126", "1e126", "1", TICK_REASONS.priceMax],
    ["a price that overflows a double", "1e400", "1", TICK_REASONS.priceMax],
    [
      "a size past the largest",
      "1",
      "1000000000000001",
      `${TICK_REASONS.sizeMax}; ${TICK_REASONS.sizeDigits}`,
    ],
    [
      "a size past the largest in exponent form",
      "1",
      "1.000000000000001e15",
      `${TICK_REASONS.sizeMax}; ${TICK_REASONS.sizeDigits}`,
    ],
    ["a size of 1e16", "1", "1e16", TICK_REASONS.sizeMax],
    ["a price with 16 significant digits", "123456.0123456789", "1", TICK_REASONS.priceDigits],
    ["a size with 16 significant digits", "1", "123456789.0123456", TICK_REASONS.sizeDigits],
    [
      "a price with 16 significant digits written with trailing zeros",
      "100000.0000000000",
      "1",
      TICK_REASONS.priceDigits,
    ],
    ["a price with 11 decimal places", "0.00000000001", "1", TICK_REASONS.priceDecimals],
    ["a size with 11 decimal places", "1", "0.12345678901", TICK_REASONS.sizeDecimals],
    ["11 decimal places of trailing zeros", "1.00000000000", "1", TICK_REASONS.priceDecimals],
    ["an exponent past 10 places", "1e-11", "1", TICK_REASONS.priceDecimals],
    ["an exponent form past 10 places", "15e-12", "1", TICK_REASONS.priceDecimals],
    [
      "a long exponent form JSON.parse would round to 1",
      "1",
      "100000000000000001e-17",
      TICK_REASONS.sizeDecimals,
    ],
    [
      "a long exponent form JSON.parse would round to 1e9",
      "1000000000000000001e-9",
      "1",
      `${TICK_REASONS.priceMax}; ${TICK_REASONS.priceDigits}`,
    ],
    ["a literal that underflows a double", "1", "1e-400", TICK_REASONS.sizeDecimals],
    ["too many places and digits", "0.30000000000000004", "1", TICK_REASONS.priceDecimals],
    ["a zero price", "0", "1", TICK_REASONS.priceInvalid],
    ["a zero price with a point", "0.0", "1", TICK_REASONS.priceInvalid],
    ["a negative zero price", "-0", "1", TICK_REASONS.priceInvalid],
    ["a negative zero size", "1", "-0", TICK_REASONS.sizeInvalid],
    ["a negative price", "-1", "1", TICK_REASONS.priceInvalid],
    [
      "a negative zero with 11 places",
      "-0.00000000000",
      "1",
      `${TICK_REASONS.priceInvalid}; ${TICK_REASONS.priceDecimals}`,
    ],
    [
      "a negative exponent form past 10 places",
      "1",
      "-1e-11",
      `${TICK_REASONS.sizeInvalid}; ${TICK_REASONS.sizeDecimals}`,
    ],
    [
      "a negative price with 20 digits",
      "-1000000000.0000000001",
      "1",
      `${TICK_REASONS.priceInvalid}; ${TICK_REASONS.priceDigits}`,
    ],
  ])("rejects %s", (_, price, size, reason) => {
    expect(decodeText(tickText(price, size))).toEqual({
      ok: true,
      ticks: [],
      rejected: [{ index: 0, reason }],
    });
  });

  it("rejects a size JSON.parse would silently round to 1e9", () => {
    const text =
      '{"symbol":"AAPL","price":1,"size":1000000000.0000000001,"ts":1714571100123,"tradeId":"t"}';
    expect(JSON.parse(text)).toMatchObject({ size: 1e9 });
    expect(decodeText(text)).toEqual({
      ok: true,
      ticks: [],
      rejected: [{ index: 0, reason: TICK_REASONS.sizeDigits }],
    });
  });

  it("judges each tick of an array by its own literals", () => {
    const text = `[${tickText("189.25", "100")},${tickText("189.25", "100.00000000000")},${tickText(
      "1e-11",
      "1",
    )}]`;
    expect(decodeText(text)).toEqual({
      ok: true,
      ticks: [{ index: 0, tick: TICK }],
      rejected: [
        { index: 1, reason: TICK_REASONS.sizeDecimals },
        { index: 2, reason: TICK_REASONS.priceDecimals },
      ],
    });
  });

  it.each<[string, string, object]>([
    [
      "whitespace around the colon",
      '{"symbol":"AAPL","price" :\n 1.00000000000,"size":100,"ts":1714571100123,"tradeId":"T-1"}',
      { rejected: [{ index: 0, reason: TICK_REASONS.priceDecimals }] },
    ],
    [
      "an escaped key",
      '{"symbol":"AAPL","pr\\u0069ce":1000000000.0000000001,"size":100,"ts":1714571100123,"tradeId":"T-1"}',
      {
        rejected: [{ index: 0, reason: `${TICK_REASONS.priceMax}; ${TICK_REASONS.priceDigits}` }],
      },
    ],
    [
      "a repeated key, of which the last counts",
      '{"symbol":"AAPL","price":1.00000000000,"price":189.25,"size":100,"ts":1714571100123,"tradeId":"T-1"}',
      { ticks: [{ index: 0, tick: TICK }] },
    ],
    [
      "a repeated key whose last literal breaks the rules",
      '{"symbol":"AAPL","price":189.25,"price":189.250000000000,"size":100,"ts":1714571100123,"tradeId":"T-1"}',
      { rejected: [{ index: 0, reason: TICK_REASONS.priceDecimals }] },
    ],
    [
      "an unknown field holding long literals",
      '{"symbol":"AAPL","price":189.25,"size":100,"ts":1714571100123,"tradeId":"T-1","quote":{"price":1.00000000000000000001,"size":1e-99}}',
      { ticks: [{ index: 0, tick: TICK }] },
    ],
    [
      "strings that look like long literals",
      '{"symbol":"AAPL","price":189.25,"size":100,"ts":1714571100123,"tradeId":"T-1","note":"x:1e-11, y:1.00000000000000000001"}',
      { ticks: [{ index: 0, tick: TICK }] },
    ],
  ])("reads %s", (_, text, expected) => {
    expect(decodeText(text)).toEqual({ ok: true, ticks: [], rejected: [], ...expected });
  });
});

describe("reading literals as written", () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  /** How often decoding the text parses it with the reviver that reads literals. */
  const revivedParses = (text: string): number => {
    const parse = jest.spyOn(JSON, "parse");
    decodeText(text);
    const revived = parse.mock.calls.filter((call) => call.length > 1 && call[1] !== undefined);
    parse.mockRestore();
    return revived.length;
  };

  it.each([
    ["an ordinary tick", JSON.stringify(TICK)],
    ["a tick with an ISO timestamp", JSON.stringify({ ...TICK, ts: "2024-05-01T13:45:00.123Z" })],
    [
      "a tick with a UUID trade id",
      JSON.stringify({ ...TICK, tradeId: "550e8400-e29b-41d4-a716-4466554400e1" }),
    ],
    ["a tick with a hex trade id", JSON.stringify({ ...TICK, tradeId: "x1e-11a 2e-5" })],
    ["a tick with 10 decimal places", JSON.stringify({ ...TICK, price: 1.0123456789 })],
    ["a tick with a large size", JSON.stringify({ ...TICK, size: 123_456_789 })],
    ["an array of ticks", JSON.stringify([TICK, TICK, { ...TICK, size: 5e-7 }])],
    ["a rejected tick", JSON.stringify({ ...TICK, price: -1 })],
    ["an exponent form judged by its value", tickText("1e-11", "1E-11")],
  ])("parses %s without reading literals", (_, text) => {
    expect(revivedParses(text)).toBe(0);
  });

  it.each([
    ["a fraction of 11 digits", tickText("1.00000000000", "1")],
    [
      "a long mantissa and a negative exponent in capitals",
      tickText("1", "100000000000000001E-17"),
    ],
    ["a long mantissa and a negative exponent", tickText("1.5", "100000000000000001e-17")],
    ["a literal that underflows", tickText("1.5", "1e-400")],
    ["a long literal in a large price", tickText("123456.0123456789", "1")],
    ["a long literal in a large rejected size", tickText("-1", "1000000000000001")],
    ["a literal that overflows", tickText("1e400", "1")],
    [
      "a long literal in a large price of an array",
      `[${tickText("1", "1")},${tickText("123456.0123456789", "1")}]`,
    ],
  ])("reads the literals of a record with %s", (_, text) => {
    expect(revivedParses(text)).toBe(1);
  });

  it("parses with each price and size kept as written where the digit rules need it", () => {
    expect(parseAsWritten('{"price":1.50,"size":1.00000000000,"x":{"price":1e400}}')).toEqual({
      price: 1.5,
      size: new WrittenNumber("1.00000000000", 1),
      x: { price: new WrittenNumber("1e400", Infinity) },
    });
    expect(() => parseAsWritten("{")).toThrow(SyntaxError);
  });

  /** JSON number literals: sign, integer part, fraction (often with trailing zeros), exponent. */
  const literal = fc.oneof(
    fc
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
          fc.string({ unit: fc.constantFrom(..."01234567890000"), minLength: 1, maxLength: 14 }),
        ),
        fc.option(
          fc.tuple(
            fc.constantFrom("e", "E"),
            fc.constantFrom("", "+", "-"),
            fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 400 })),
          ),
        ),
      )
      .map(
        ([sign, integer, fraction, exponent]) =>
          `${sign}${integer}${fraction === null ? "" : `.${fraction}`}${exponent === null ? "" : exponent.join("")}`,
      ),
    fc.constantFrom(
      "1e9",
      "1000000000.0000000001",
      "1000000001",
      "1e15",
      "1000000000000000",
      "1000000000000001",
      "1e-10",
      "1e-11",
      "1e126",
      "1e400",
      "1e-400",
      "-0",
      "0.00000000000",
      "189.25",
      "100",
      "100000.0000000000",
      "123456.1234567890",
      "-999999.9999999990",
      "1234567.123456780e-1",
      "100000000000000001e-17",
      "1000000000000000001e-9",
      "1000000000000000000e-18",
      "12345678901234567e-30",
      "1000000.0000000001e-6",
      "-99999999.99999999e-7",
      "1.0e-10",
      "0e-400",
      "5e-7",
    ),
  );

  /** The reasons a price (or size) literal earns, by exact bigint arithmetic on its text. */
  function referenceReasons(text: string, field: "price" | "size"): string[] {
    const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (match === null) {
      throw new Error(`not a literal: ${text}`);
    }
    const [, sign, integer, fraction = "", exponentText] = match;
    const mantissa = BigInt(integer + fraction);
    // value = mantissa * 10^exponent, and as a scaled integer: scaled / 10^places.
    const exponent = Number(exponentText ?? "0") - fraction.length;
    let places: number;
    let significant: number;
    if (exponentText === undefined && fraction !== "") {
      // As written: every digit after the point counts.
      places = fraction.length;
      significant = mantissa === 0n ? 0 : mantissa.toString().length;
    } else {
      // By value: from the first to the last non-zero digit.
      const digits = mantissa === 0n ? "" : mantissa.toString().replace(/0+$/, "");
      places =
        mantissa === 0n ? 0 : Math.max(0, -(exponent + mantissa.toString().length - digits.length));
      significant = digits.length;
    }
    // Exact: a mantissa's trailing zeros make up for a negative shift.
    const shift = exponent + places;
    const scaled = shift >= 0 ? mantissa * 10n ** BigInt(shift) : mantissa / 10n ** BigInt(-shift);
    const max = field === "price" ? 10n ** 9n : 10n ** 15n;
    const reasons: string[] = [];
    const reason = (rule: "Invalid" | "Max" | "Decimals" | "Digits") =>
      TICK_REASONS[`${field}${rule}`];
    if (sign === "-" || mantissa === 0n) {
      reasons.push(reason("Invalid"));
    }
    if (sign === "" && scaled > max * 10n ** BigInt(places)) {
      reasons.push(reason("Max"));
    }
    if (places > 10) {
      reasons.push(reason("Decimals"));
    } else if (significant > 15) {
      reasons.push(reason("Digits"));
    }
    return reasons;
  }

  it("judges every price and size literal exactly as written", () => {
    fc.assert(
      fc.property(literal, literal, (price, size) => {
        const reasons = [...referenceReasons(price, "price"), ...referenceReasons(size, "size")];
        const decoded = decodeText(tickText(price, size));
        if (reasons.length > 0) {
          expect(decoded).toEqual({
            ok: true,
            ticks: [],
            rejected: [{ index: 0, reason: reasons.join("; ") }],
          });
        } else {
          expect(decoded).toEqual({
            ok: true,
            ticks: [{ index: 0, tick: { ...TICK, price: Number(price), size: Number(size) } }],
            rejected: [],
          });
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it("judges a number value as a record written with JSON.stringify", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double(), fc.double({ min: -1e16, max: 1e16 }), literal.map(Number)),
        fc.constantFrom("price", "size"),
        (value, key) => {
          const tick = { ...TICK, [key]: value };
          const checked = checkTick(tick);
          expect(decodeText(JSON.stringify(tick))).toEqual(
            typeof checked === "string"
              ? { ok: true, ticks: [], rejected: [{ index: 0, reason: checked }] }
              : { ok: true, ticks: [{ index: 0, tick: checked }], rejected: [] },
          );
        },
      ),
      { numRuns: 3_000 },
    );
  });

  const space = fc.constantFrom("", "", " ", "\n", "\t ");
  const stringValue = fc
    .oneof(
      fc.uuid(),
      fc.string({ unit: fc.constantFrom(..."0123456789.e-E"), maxLength: 24 }),
      fc.constantFrom(
        ":1e-11",
        ": 1.000000000000",
        "x:12345678901234567,",
        "2024-05-01T13:45:00.123Z",
        '1e-5"',
        "\\",
      ),
      fc.string(),
    )
    .map((text) => JSON.stringify(text));
  const key = fc.constantFrom("price", "size", "pr\\u0069ce", "x", "ts");
  const { value } = fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      literal,
      stringValue,
      fc
        .array(fc.tuple(key, space, tie("value")), { maxLength: 3 })
        .map((members) => `{${members.map(([k, s, v]) => `"${k}"${s}:${s}${v}`).join(",")}}`),
      fc.array(tie("value"), { maxLength: 3 }).map((items) => `[${items.join(",")}]`),
    ),
  }));
  const tick = fc
    .record({
      price: fc.oneof({ arbitrary: literal, weight: 5 }, value),
      size: fc.oneof({ arbitrary: literal, weight: 5 }, value),
      ts: fc.constantFrom("1714571100123", '"2024-05-01T13:45:00.123Z"', "1714571100"),
      tradeId: fc.oneof(stringValue, fc.constantFrom("42", "12345678901234567890")),
      extra: fc.array(fc.tuple(key, value), { maxLength: 2 }),
      priceKey: fc.constantFrom("price", "price", "pr\\u0069ce"),
      spaces: fc.array(space, { minLength: 6, maxLength: 6 }),
    })
    .map(({ price, size, ts, tradeId, extra, priceKey, spaces }) => {
      const members = [
        `"symbol":"AAPL"`,
        `"${priceKey}"${spaces[0]}:${spaces[1]}${price}`,
        `"size"${spaces[2]}:${spaces[3]}${size}`,
        `"ts":${ts}`,
        `"tradeId"${spaces[4]}:${spaces[5]}${tradeId}`,
        ...extra.map(([k, v]) => `"${k}":${v}`),
      ];
      return `{${members.join(",")}}`;
    });
  const record = fc.oneof(
    tick,
    fc
      .array(
        fc.oneof(
          { arbitrary: tick, weight: 4 },
          value,
          tick.map((t) => `[${t}]`),
        ),
        {
          minLength: 1,
          maxLength: 4,
        },
      )
      .map((items) => `[${items.join(",")}]`),
  );

  /** `decodeRecordData` with every literal read as written, from `parseAsWritten` and `checkTick`. */
  function decodeAsWritten(text: string): DecodedRecord {
    let value: unknown;
    try {
      value = parseAsWritten(text);
    } catch {
      return { ok: false, reason: RECORD_REASONS.notJson };
    }
    const items: readonly unknown[] = Array.isArray(value) ? value : [value];
    if (items.length === 0) {
      return { ok: false, reason: RECORD_REASONS.emptyArray };
    }
    const ticks: { index: number; tick: Tick }[] = [];
    const rejected: { index: number; reason: string }[] = [];
    items.forEach((item, index) => {
      const checked = checkTick(item);
      if (typeof checked === "string") {
        rejected.push({ index, reason: checked });
      } else {
        ticks.push({ index, tick: checked });
      }
    });
    return { ok: true, ticks, rejected };
  }

  it("gives the verdicts of reading every literal, reading them only when needed", () => {
    fc.assert(
      fc.property(record, (text) => {
        expect(decodeText(text)).toEqual(decodeAsWritten(text));
      }),
      { numRuns: 3_000 },
    );
  });
});
