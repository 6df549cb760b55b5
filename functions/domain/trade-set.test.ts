import { createHash } from "node:crypto";
import fc from "fast-check";
import type { PageAddress } from "./trade-set";
import {
  MAX_PAGE_DEPTH,
  PageDirectory,
  TradeSetFormatError,
  decodeTradeIds,
  encodeTradeIds,
  hashTradeId,
  isCanonicalIntegerId,
  pageId,
  splitPage,
} from "./trade-set";

const HASHES = 2 ** 32;

/** A deterministic version-4 style UUID (lower case) for the i-th test trade. */
function uuid(i: number): string {
  const h = createHash("sha256").update(String(i)).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The longest prefix of whole code points of `text` within 64 UTF-16 code units. */
function firstCodeUnits(text: string): string {
  let out = "";
  for (const c of text) {
    if (out.length + c.length > 64) {
      break;
    }
    out += c;
  }
  return out;
}

/** The error `run` throws (or `undefined`). */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

const sorted = (ids: Iterable<string>): string[] => [...ids].sort();

function span(page: PageAddress): number {
  return 2 ** (MAX_PAGE_DEPTH - page.depth);
}

function contains(page: PageAddress, hash: number): boolean {
  return hash >= page.prefix && hash < page.prefix + span(page);
}

/** Flips the case of the letters of `id` where `flips` says so. */
function mixCase(id: string, flips: readonly boolean[]): string {
  return [...id].map((c, i) => (flips[i] ? c.toUpperCase() : c)).join("");
}

const canonicalIntegerArb = fc.oneof(
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }).map(String),
  fc.nat(1_000).map(String),
  fc.constantFrom("0", String(Number.MAX_SAFE_INTEGER)),
);
const uuidArb = fc.uuid();
const mixedCaseUuidArb = fc
  .tuple(fc.uuid(), fc.array(fc.boolean(), { minLength: 36, maxLength: 36 }))
  .map(([id, flips]) => mixCase(id, flips));
const nonCanonicalNumericArb = fc.oneof(
  fc.constantFrom(
    "007",
    "00",
    "1e3",
    "-1",
    "+5",
    " 5",
    "5 ",
    "1.0",
    "0x10",
    "9007199254740992",
    "99999999999999999",
  ),
  fc.nat(10_000).map((n) => `0${n}`),
);
/** Well-formed Unicode (no lone surrogates), 1-64 UTF-16 code units like a validated trade id. */
const unicodeArb = fc
  .oneof(
    fc.string({ unit: "binary", minLength: 1, maxLength: 64 }),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 64 }),
  )
  .map(firstCodeUnits);
const prefixedArb = fc.nat(100_000).map((n) => `TRADE-2024-05-01-${String(n).padStart(6, "0")}`);

const tradeIdArb = fc.oneof(
  canonicalIntegerArb,
  uuidArb,
  uuidArb.map((id) => id.toUpperCase()),
  mixedCaseUuidArb,
  nonCanonicalNumericArb,
  unicodeArb,
  prefixedArb,
);
const idSetArb = fc.uniqueArray(tradeIdArb, { maxLength: 150 });

describe("isCanonicalIntegerId", () => {
  it.each([
    ["0", true],
    ["7", true],
    ["10", true],
    ["9007199254740991", true],
    ["9007199254740992", false],
    ["99999999999999999", false],
    ["007", false],
    ["00", false],
    ["", false],
    ["1e3", false],
    ["-1", false],
    ["+5", false],
    ["1.0", false],
    [" 5", false],
  ])("%p is canonical: %p", (id, canonical) => {
    expect(isCanonicalIntegerId(id)).toBe(canonical);
  });
});

describe("encodeTradeIds / decodeTradeIds", () => {
  it("round-trips any set of ids of every shape", () => {
    fc.assert(
      fc.property(idSetArb, (ids) => {
        const decoded = decodeTradeIds(encodeTradeIds(ids));
        expect(decoded.length).toBe(ids.length);
        expect(sorted(decoded)).toEqual(sorted(ids));
      }),
      { numRuns: 500 },
    );
  });

  it("is deterministic and independent of order and repeats", () => {
    fc.assert(
      fc.property(
        idSetArb.chain((ids) =>
          fc.tuple(
            fc.constant(ids),
            fc.shuffledSubarray(ids, { minLength: ids.length }),
            fc.subarray(ids),
          ),
        ),
        ([ids, shuffled, repeated]) => {
          const bytes = encodeTradeIds(ids);
          expect(encodeTradeIds(ids)).toEqual(bytes);
          expect(encodeTradeIds(shuffled)).toEqual(bytes);
          expect(encodeTradeIds([...repeated, ...shuffled, ...repeated])).toEqual(bytes);
          expect(encodeTradeIds(new Set(ids))).toEqual(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("lays out the flag byte, then numeric gaps, lower and upper UUIDs, and raw ids", () => {
    expect([...encodeTradeIds([])]).toEqual([0, 0, 0, 0, 0]);
    // numeric: count 3, then 5, gap 2, gap 295 (0xa7 0x02); no UUIDs; raw: count 1, length 1, "x".
    expect([...encodeTradeIds(["7", "5", "300", "x"])]).toEqual([
      0, 3, 5, 2, 165, 2, 0, 0, 1, 1, 120,
    ]);
    expect([...encodeTradeIds(["00112233-4455-6677-8899-aabbccddeeff"])]).toEqual([
      0, 0, 1, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
      0xee, 0xff, 0, 0,
    ]);
    expect([...encodeTradeIds(["00112233-4455-6677-8899-AABBCCDDEEFF"])]).toEqual([
      0, 0, 0, 1, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc,
      0xdd, 0xee, 0xff, 0,
    ]);
    // "007" is not canonical: a raw id of three bytes, not the number 7.
    expect([...encodeTradeIds(["007"])]).toEqual([0, 0, 0, 0, 1, 3, 48, 48, 55]);
  });

  it("decodes ids in layout order: numbers ascending, lower UUIDs, upper UUIDs, raw ids", () => {
    const lower = "00112233-4455-6677-8899-aabbccddeeff";
    const upper = "00112233-4455-6677-8899-AABBCCDDEEFF";
    const digitsOnly = "00000000-0000-0000-0000-000000000000";
    expect(
      decodeTradeIds(encodeTradeIds(["b", upper, "10", lower, "a", "9", "007", digitsOnly])),
    ).toEqual(["9", "10", digitsOnly, lower, upper, "007", "a", "b"]);
  });

  it("keeps numeric 7 and text 007 apart, and UUIDs of different case apart", () => {
    const ids = [
      "7",
      "007",
      "aaaaaaaa-0000-0000-0000-000000000000",
      "AAAAAAAA-0000-0000-0000-000000000000",
    ];
    expect(sorted(decodeTradeIds(encodeTradeIds(ids)))).toEqual(sorted(ids));
  });

  it("costs one byte per sequential numeric id, plus a small header", () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => String(i + 1));
    const bytes = encodeTradeIds(ids);
    // flag 1 + count 3 + first id 1 + 49,999 gaps of 1 + three empty counts 3.
    expect(bytes.length).toBe(50_007);
    expect(bytes.length).toBeLessThan(60 * 1024);
    // Epoch-millisecond-like ids: only the first one costs more (6 bytes).
    const large = Array.from({ length: 50_000 }, (_, i) => String(1_714_571_100_000 + i));
    expect(encodeTradeIds(large).length).toBe(50_012);
    expect(sorted(decodeTradeIds(bytes))).toEqual(sorted(ids));
  });

  it("costs 16 bytes per UUID of either case, plus a small header", () => {
    const lower = Array.from({ length: 1_000 }, (_, i) => uuid(i));
    expect(encodeTradeIds(lower.slice(0, 1)).length).toBe(21);
    expect(encodeTradeIds(lower).length).toBe(16_006);
    expect(encodeTradeIds(lower.map((id) => id.toUpperCase())).length).toBe(16_006);
    expect(encodeTradeIds([...lower, ...lower.map((id) => id.toUpperCase())]).length).toBe(32_007);
  });

  it("costs at most the text plus a length byte for other ids", () => {
    // UUIDs with one upper-case letter are not canonical: stored as text.
    const mixed = Array.from({ length: 200 }, (_, i) => `A${uuid(i).slice(1)}`);
    const bytes = encodeTradeIds(mixed);
    expect(bytes.length).toBeLessThanOrEqual(1 + 4 + 200 * 37);
    expect(sorted(decodeTradeIds(bytes))).toEqual(sorted(mixed));
  });

  it("deflates raw ids with long shared prefixes", () => {
    const ids = Array.from(
      { length: 100 },
      (_, i) => `TRADE-2024-05-01-${String(i).padStart(6, "0")}`,
    );
    const bytes = encodeTradeIds(ids);
    expect(bytes[0]).toBe(1);
    // Plain: 5 header bytes + 100 x (1 + 23) = 2,405 bytes.
    expect(bytes.length).toBeLessThan(2_405 / 4);
    expect(decodeTradeIds(bytes)).toEqual(ids);
  });

  it("does not deflate a set without raw ids", () => {
    const bytes = encodeTradeIds(Array.from({ length: 100 }, (_, i) => uuid(i)));
    expect(bytes[0]).toBe(0);
  });

  const corrupt: [string, number[], string][] = [
    ["no bytes at all", [], "trade set: no flag byte"],
    ["an unknown flag", [2, 0, 0, 0, 0], "trade set: unknown flags 2"],
    ["a known and an unknown flag", [3, 0, 0, 0, 0], "trade set: unknown flags 3"],
    ["a missing count", [0], "trade set: a varint runs past the end of the data"],
    ["a truncated varint", [0, 1, 0x80], "trade set: a varint runs past the end of the data"],
    [
      "a varint of ten bytes",
      [0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
      "trade set: a varint is longer than 8 bytes",
    ],
    [
      "a varint of 2^53",
      [0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0, 0],
      "trade set: a varint exceeds 2^53 - 1",
    ],
    [
      "numeric gaps summing past 2^53 - 1",
      [0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 0, 0, 0],
      "trade set: a numeric trade id exceeds 2^53 - 1",
    ],
    ["a truncated UUID", [0, 0, 1, 0xaa, 0xbb], "trade set: 16 bytes run past the end of the data"],
    [
      "a raw id past the end",
      [0, 0, 0, 0, 1, 5, 97],
      "trade set: 5 bytes run past the end of the data",
    ],
    [
      "a raw id that is not UTF-8",
      [0, 0, 0, 0, 1, 1, 0xff],
      "trade set: a raw trade id is not UTF-8",
    ],
    [
      "a raw id with a truncated UTF-8 sequence",
      [0, 0, 0, 0, 1, 1, 0xc3],
      "trade set: a raw trade id is not UTF-8",
    ],
    ["trailing bytes", [0, 0, 0, 0, 0, 0], "trade set: bytes left after the last trade id"],
    [
      "a trailing byte after ids",
      [0, 1, 7, 0, 0, 0, 9],
      "trade set: bytes left after the last trade id",
    ],
    ["a deflate flag without a payload", [1], "trade set: the deflated payload does not inflate"],
    [
      "a deflate flag over garbage",
      [1, 0xff, 0xff, 0xff],
      "trade set: the deflated payload does not inflate",
    ],
  ];

  it.each(corrupt)("rejects %s", (_, bytes, message) => {
    const thrown = thrownBy(() => decodeTradeIds(Uint8Array.from(bytes)));
    expect(thrown).toBeInstanceOf(TradeSetFormatError);
    expect(thrown).toMatchObject({ name: "TradeSetFormatError", message });
  });

  it("rejects a valid encoding cut short anywhere", () => {
    const bytes = encodeTradeIds(["1", "300", uuid(1), uuid(2).toUpperCase(), "x-1", "héllo"]);
    for (let length = 0; length < bytes.length; length += 1) {
      expect(() => decodeTradeIds(bytes.subarray(0, length))).toThrow(TradeSetFormatError);
    }
  });
});

describe("hashTradeId", () => {
  it.each([
    ["0", 0x64f08f61],
    ["1", 0x551f758f],
    ["7", 0x7a21d05d],
    ["42", 0x28ec2cbd],
    ["9007199254740991", 0x8c263678],
    ["AAPL-1", 0xc7a4c4b0],
    ["T-9", 0xfa523264],
    ["550e8400-e29b-41d4-a716-446655440000", 0x96e49d5d],
    ["550E8400-E29B-41D4-A716-446655440000", 0x21581d2d],
    ["é", 0xbaf79669],
    ["", 0xab3e7c0b],
  ])("hashes %p to its fixed value", (id, hash) => {
    expect(hashTradeId(id)).toBe(hash);
  });

  it("is an unsigned 32-bit number", () => {
    fc.assert(
      fc.property(tradeIdArb, (id) => {
        const hash = hashTradeId(id);
        expect(Number.isInteger(hash) && hash >= 0 && hash < HASHES).toBe(true);
      }),
    );
  });

  it.each([
    ["random UUIDs", (i: number) => uuid(i)],
    ["sequential numeric ids", (i: number) => String(i)],
    [
      "UUIDs differing in their last digits",
      (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`,
    ],
  ])("spreads 100,000 %s evenly over the 256 top-byte pages", (_, idOf) => {
    const buckets = new Array<number>(256).fill(0);
    for (let i = 0; i < 100_000; i += 1) {
      buckets[hashTradeId(idOf(i)) >>> 24] += 1;
    }
    // 390.6 expected per bucket, standard deviation about 19.7.
    expect(Math.min(...buckets)).toBeGreaterThanOrEqual(300);
    expect(Math.max(...buckets)).toBeLessThanOrEqual(480);
  });
});

describe("pageId", () => {
  it.each([
    [{ depth: 0, prefix: 0 }, "0-00000000"],
    [{ depth: 3, prefix: 0xa0000000 }, "3-a0000000"],
    [{ depth: 32, prefix: 0xffffffff }, "32-ffffffff"],
  ])("names %p %p", (page, id) => {
    expect(pageId(page)).toBe(id);
  });
});

/** A directory built by splitting pages: `splits` picks the page to split at each step. */
const directoryArb: fc.Arbitrary<PageDirectory> = fc
  .array(fc.nat(), { maxLength: 80 })
  .map((splits) => {
    let directory = PageDirectory.uniform(0);
    for (const pick of splits) {
      const pages = directory.all();
      const page = pages[pick % pages.length];
      if (page.depth < MAX_PAGE_DEPTH) {
        const depth = page.depth + 1;
        directory = directory.replace(page, [
          { depth, prefix: page.prefix },
          { depth, prefix: page.prefix + 2 ** (MAX_PAGE_DEPTH - depth) },
        ]);
      }
    }
    return directory;
  });

describe("PageDirectory", () => {
  it("makes uniform directories", () => {
    expect(PageDirectory.uniform(0).all()).toEqual([{ depth: 0, prefix: 0 }]);
    expect(PageDirectory.uniform(2).all()).toEqual([
      { depth: 2, prefix: 0 },
      { depth: 2, prefix: 0x40000000 },
      { depth: 2, prefix: 0x80000000 },
      { depth: 2, prefix: 0xc0000000 },
    ]);
    expect(PageDirectory.uniform(2).size).toBe(4);
    expect([...PageDirectory.uniform(2).depths()]).toEqual([2, 2, 2, 2]);
  });

  it("reads stored depths in hash order", () => {
    const directory = PageDirectory.fromDepths(Uint8Array.from([1, 2, 3, 3]));
    expect(directory.all()).toEqual([
      { depth: 1, prefix: 0 },
      { depth: 2, prefix: 0x80000000 },
      { depth: 3, prefix: 0xc0000000 },
      { depth: 3, prefix: 0xe0000000 },
    ]);
    expect([...directory.depths()]).toEqual([1, 2, 3, 3]);
  });

  it("reads a directory down to pages of a single hash", () => {
    const depths = [...Array.from({ length: 31 }, (_, i) => i + 1), 32, 32];
    const directory = PageDirectory.fromDepths(Uint8Array.from(depths));
    expect(directory.size).toBe(33);
    expect(directory.all().slice(-2)).toEqual([
      { depth: 32, prefix: 0xfffffffe },
      { depth: 32, prefix: 0xffffffff },
    ]);
    expect(directory.pageOf(0xffffffff)).toEqual({ depth: 32, prefix: 0xffffffff });
  });

  it.each<[string, number[], string]>([
    ["no pages", [], "trade set: the page directory does not cover every hash"],
    ["a gap at the end", [1], "trade set: the page directory does not cover every hash"],
    [
      "a missing last quarter",
      [2, 2, 2],
      "trade set: the page directory does not cover every hash",
    ],
    ["a missing half before a page", [2, 1, 1], "trade set: page depth 1 does not fit at 40000000"],
    ["a misaligned page", [2, 1, 2], "trade set: page depth 1 does not fit at 40000000"],
    [
      "an overlap past the end",
      [1, 1, 1],
      "trade set: the page directory does not cover every hash",
    ],
    ["two whole ranges", [0, 0], "trade set: the page directory does not cover every hash"],
    ["a depth of 33", [33], "trade set: page depth 33 does not fit at 0"],
    ["a depth of 255", [1, 255], "trade set: page depth 255 does not fit at 80000000"],
  ])("rejects %s", (_, depths, message) => {
    const thrown = thrownBy(() => PageDirectory.fromDepths(Uint8Array.from(depths)));
    expect(thrown).toBeInstanceOf(TradeSetFormatError);
    expect(thrown).toMatchObject({ message });
  });

  it("round-trips its depths", () => {
    fc.assert(
      fc.property(directoryArb, (directory) => {
        expect(PageDirectory.fromDepths(directory.depths())).toEqual(directory);
      }),
    );
  });

  it("finds the page of a hash as a linear scan does", () => {
    fc.assert(
      fc.property(
        directoryArb,
        fc.array(fc.integer({ min: 0, max: HASHES - 1 }), { maxLength: 20 }),
        (directory, hashes) => {
          const pages = directory.all();
          const boundaries = pages.flatMap((page) => [page.prefix, page.prefix + span(page) - 1]);
          for (const hash of [...hashes, ...boundaries]) {
            const scanned = pages.filter((page) => contains(page, hash));
            expect(scanned).toHaveLength(1);
            expect(directory.pageOf(hash)).toBe(scanned[0]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses to replace a page it does not hold", () => {
    expect(() =>
      PageDirectory.uniform(1).replace({ depth: 0, prefix: 0 }, PageDirectory.uniform(1).all()),
    ).toThrow(new RangeError("page 0-00000000 is not in the directory"));
  });
});

describe("splitPage", () => {
  const root: PageAddress = { depth: 0, prefix: 0 };

  it("keeps a page that fits whole", () => {
    const ids = ["1", "2", uuid(1)];
    expect(splitPage(root, ids, 900)).toEqual([{ page: root, ids, bytes: encodeTradeIds(ids) }]);
  });

  it("halves by hash until every page fits", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(tradeIdArb, { maxLength: 300 }),
        fc.integer({ min: 5, max: 1_200 }),
        (ids, maxBytes) => {
          const parts = splitPage(root, ids, maxBytes);
          // A complete cover of the page, in hash order: the directory of the parts is valid.
          const directory = PageDirectory.uniform(0).replace(
            root,
            parts.map((part) => part.page),
          );
          expect(PageDirectory.fromDepths(directory.depths()).all()).toEqual(
            parts.map((part) => part.page),
          );
          const placed = new Map<string, number>();
          for (const part of parts) {
            expect(part.bytes).toEqual(encodeTradeIds(part.ids));
            if (part.page.depth < MAX_PAGE_DEPTH) {
              expect(part.bytes.length).toBeLessThanOrEqual(maxBytes);
            }
            for (const id of part.ids) {
              expect(contains(part.page, hashTradeId(id))).toBe(true);
              placed.set(id, (placed.get(id) ?? 0) + 1);
            }
          }
          expect(sorted(placed.keys())).toEqual(sorted(ids));
          expect([...placed.values()].every((count) => count === 1)).toBe(true);
          expect(parts.length === 1).toBe(encodeTradeIds(ids).length <= maxBytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("splits a page within its own range", () => {
    const page: PageAddress = { depth: 3, prefix: 0xa0000000 };
    const ids = Array.from({ length: 20_000 }, (_, i) => uuid(i)).filter((id) =>
      contains(page, hashTradeId(id)),
    );
    expect(ids.length).toBeGreaterThan(2_000);
    const parts = splitPage(page, ids, 900);
    expect(parts[0].page.prefix).toBe(page.prefix);
    let next = page.prefix;
    for (const part of parts) {
      expect(part.page.prefix).toBe(next);
      expect(part.page.depth).toBeGreaterThan(page.depth);
      expect(part.bytes.length).toBeLessThanOrEqual(900);
      next += span(part.page);
    }
    expect(next).toBe(page.prefix + span(page));
    expect(sorted(parts.flatMap((part) => part.ids))).toEqual(sorted(ids));
  });

  it("returns a page of one hash whole, whatever its size", () => {
    // Two ids with one and the same 32-bit hash.
    expect(hashTradeId("40189")).toBe(0xfc2231ee);
    expect(hashTradeId("797186")).toBe(0xfc2231ee);
    const parts = splitPage(root, ["40189", "797186"], 5);
    // Every level splits off an empty half (5 bytes, which fits) until the page of that hash.
    expect(parts).toHaveLength(33);
    expect(parts.filter((part) => part.ids.length > 0)).toEqual([
      {
        page: { depth: 32, prefix: 0xfc2231ee },
        ids: ["40189", "797186"],
        bytes: encodeTradeIds(["40189", "797186"]),
      },
    ]);
    expect(parts.every((part) => part.ids.length > 0 || part.bytes.length === 5)).toBe(true);
  });
});
