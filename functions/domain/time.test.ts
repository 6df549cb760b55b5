import fc from "fast-check";
import {
  INTERVALS,
  ISO_CALENDAR,
  ISO_FORMAT,
  ISO_RANGE,
  bucketStart,
  checkEpochMs,
  isInterval,
  isoTimestampMs,
  minuteStart,
  parseIsoTimestamp,
  parseTimestampText,
  toIso,
} from "./time";

describe("parseIsoTimestamp", () => {
  it.each([
    ["2024-05-01T13:45:00Z", Date.UTC(2024, 4, 1, 13, 45)],
    ["2024-05-01T13:45:00.1Z", Date.UTC(2024, 4, 1, 13, 45, 0, 100)],
    ["2024-05-01T13:45:00.123456789Z", Date.UTC(2024, 4, 1, 13, 45, 0, 123)],
    ["2024-05-01T13:45:00.999999Z", Date.UTC(2024, 4, 1, 13, 45, 0, 999)],
    ["2024-05-01T15:45:00+02:00", Date.UTC(2024, 4, 1, 13, 45)],
    ["2024-05-01T08:15:00-05:30", Date.UTC(2024, 4, 1, 13, 45)],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
    ["2000-01-01T00:00:00Z", Date.UTC(2000, 0, 1)],
    ["9999-12-31T23:59:59.999Z", Date.UTC(9999, 11, 31, 23, 59, 59, 999)],
  ])("parses %s", (text, ms) => {
    expect(parseIsoTimestamp(text)).toEqual({ ok: true, ms });
  });

  it.each([
    ["2024-05-01", "format"],
    ["2024-05-01 13:45:00Z", "format"],
    ["2024-05-01T13:45Z", "format"],
    ["2024-05-01T13:45:00", "format"],
    ["2024-05-01T13:45:00.Z", "format"],
    ["2024-05-01T13:45:00+0200", "format"],
    ["2024-05-01t13:45:00z", "format"],
    ["2023-02-29T00:00:00Z", "calendar"],
    ["2024-04-31T00:00:00Z", "calendar"],
    ["2024-13-01T00:00:00Z", "calendar"],
    ["2024-00-10T00:00:00Z", "calendar"],
    ["2024-05-00T00:00:00Z", "calendar"],
    ["2024-05-01T24:00:00Z", "calendar"],
    ["2024-05-01T23:60:00Z", "calendar"],
    ["2024-05-01T23:59:60Z", "calendar"],
    ["2024-05-01T23:59:59+24:00", "calendar"],
    ["1999-12-31T23:59:59.999Z", "range"],
    ["2000-01-01T00:30:00+01:00", "range"],
  ])("rejects %s (%s)", (text, problem) => {
    expect(parseIsoTimestamp(text)).toEqual({ ok: false, problem });
  });
});

/** The format as a regular expression and `Date`, the plain way: the reference for the parser. */
function referenceParse(text: string): ReturnType<typeof parseIsoTimestamp> {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/.exec(
      text,
    );
  if (match === null) {
    return { ok: false, problem: "format" };
  }
  const [y, mo, d, h, mi, s, fraction = "", sign, oh = "0", om = "0"] = match.slice(1);
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  if (
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(mo) - 1 ||
    date.getUTCDate() !== Number(d) ||
    date.getUTCHours() !== Number(h) ||
    date.getUTCMinutes() !== Number(mi) ||
    date.getUTCSeconds() !== Number(s) ||
    Number(oh) > 23 ||
    Number(om) > 59
  ) {
    return { ok: false, problem: "calendar" };
  }
  const offset = (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const ms =
    date.getTime() +
    Number(fraction.padEnd(3, "0").slice(0, 3)) -
    (sign === undefined ? 0 : offset);
  return ms >= Date.UTC(2000, 0, 1) && ms <= Date.UTC(9999, 11, 31, 23, 59, 59, 999)
    ? { ok: true, ms }
    : { ok: false, problem: "range" };
}

describe("parseIsoTimestamp against a reference", () => {
  const part = (max: number, width: number) =>
    fc.oneof(
      fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, "0")),
      fc.constantFrom("", "x", "1", "123"),
    );
  const candidate = fc
    .tuple(
      fc.oneof(
        fc.integer({ min: 1998, max: 2101 }).map(String),
        fc.constantFrom("0099", "9999", "20a4"),
      ),
      fc.constantFrom("-", "/"),
      part(13, 2),
      part(32, 2),
      fc.constantFrom("T", " ", "t"),
      part(25, 2),
      part(61, 2),
      part(61, 2),
      fc.constantFrom("", ".", ".5", ".123", ".1234567890", ".12345678"),
      fc.constantFrom(
        "Z",
        "z",
        "",
        "+00:00",
        "-05:30",
        "+14:00",
        "+24:00",
        "+05:60",
        "+0530",
        "+5:30",
      ),
    )
    .map(
      ([y, dash, mo, d, t, h, mi, s, fraction, zone]) =>
        `${y}${dash}${mo}-${d}${t}${h}:${mi}:${s}${fraction}${zone}`,
    );

  it("agrees on every candidate string", () => {
    fc.assert(
      fc.property(candidate, (text) => {
        expect(parseIsoTimestamp(text)).toEqual(referenceParse(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it("agrees with Date on every instant of the accepted range", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
        (ms) => {
          expect(isoTimestampMs(new Date(ms).toISOString())).toBe(ms);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

describe("isoTimestampMs", () => {
  it.each([
    ["2024-05-01T13:45:00.123Z", Date.UTC(2024, 4, 1, 13, 45, 0, 123)],
    ["2024-05-01T15:45:00+02:00", Date.UTC(2024, 4, 1, 13, 45)],
    ["2024-05-01 13:45:00Z", ISO_FORMAT],
    ["2023-02-29T00:00:00Z", ISO_CALENDAR],
    ["1999-12-31T23:59:59.999Z", ISO_RANGE],
    ["0099-01-01T00:00:00Z", ISO_RANGE],
  ])("%p -> %p", (text, expected) => {
    expect(isoTimestampMs(text)).toBe(expected);
  });
});

describe("epoch milliseconds", () => {
  it.each([
    [946_684_800_000, { ok: true, ms: 946_684_800_000 }],
    [946_684_799_999, { ok: false, problem: "range" }],
    [1_714_571_100, { ok: false, problem: "range" }],
    [1.5, { ok: false, problem: "format" }],
    [253_402_300_800_000, { ok: false, problem: "range" }],
  ])("checkEpochMs(%p)", (value, expected) => {
    expect(checkEpochMs(value)).toEqual(expected);
  });

  it.each([
    ["1714571100000", { ok: true, ms: 1_714_571_100_000 }],
    ["2024-05-01T13:45:00Z", { ok: true, ms: 1_714_571_100_000 }],
    ["1714571100000.5", { ok: false, problem: "format" }],
    ["-1714571100000", { ok: false, problem: "format" }],
    ["12345678901234567", { ok: false, problem: "format" }],
  ])("parseTimestampText(%p)", (text, expected) => {
    expect(parseTimestampText(text)).toEqual(expected);
  });
});

describe("intervals", () => {
  const at = Date.UTC(2024, 4, 1, 13, 47, 31, 250);

  it.each([
    ["1m", Date.UTC(2024, 4, 1, 13, 47)],
    ["5m", Date.UTC(2024, 4, 1, 13, 45)],
    ["15m", Date.UTC(2024, 4, 1, 13, 45)],
    ["1h", Date.UTC(2024, 4, 1, 13, 0)],
  ] as const)("bucketStart in %s", (interval, start) => {
    expect(bucketStart(at, interval)).toBe(start);
  });

  it("buckets minutes and formats fixed-width ISO", () => {
    expect(minuteStart(at)).toBe(Date.UTC(2024, 4, 1, 13, 47));
    expect(toIso(minuteStart(at))).toBe("2024-05-01T13:47:00.000Z");
  });

  it("knows its intervals", () => {
    expect(INTERVALS).toEqual(["1m", "5m", "15m", "1h"]);
    expect(isInterval("15m")).toBe(true);
    expect(isInterval("1d")).toBe(false);
  });
});
