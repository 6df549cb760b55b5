import { deflateRawSync, inflateRawSync } from "node:zlib";

/**
 * The set of distinct trades a bar has counted, stored compactly.
 *
 * A trade's identity is (symbol, tradeId) and a bar belongs to one symbol, so a bar's set holds
 * trade ids only. Ids come in three shapes, each encoded as tightly as it allows:
 * - canonical decimal integers (`"0"`, `"17"`, up to 2^53 - 1; what a numeric `tradeId` becomes):
 *   sorted, first value then gaps, as unsigned LEB128 varints: sequential ids cost one byte each;
 * - canonical UUIDs (36 characters, all lower or all upper case hex): 16 bytes each;
 * - anything else: its UTF-8 length as a varint, then the bytes.
 * The payload is deflated when that makes it smaller (ids with long shared prefixes).
 *
 * Layout: one flag byte (bit 0: deflated), then the payload
 * `count(numeric) numeric… count(uuid lower) uuid… count(uuid upper) uuid… count(raw) raw…`.
 */

const FLAG_DEFLATED = 1;
const UUID_LOWER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_UPPER = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
/** Deflate only payloads at least this long: below it the header outweighs any gain. */
const DEFLATE_FROM_BYTES = 64;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** Whether `id` is the decimal text of a safe non-negative integer, without leading zeros. */
export function isCanonicalIntegerId(id: string): boolean {
  const length = id.length;
  if (length === 0 || length > 16 || (length > 1 && id.charCodeAt(0) === 48)) {
    return false;
  }
  for (let i = 0; i < length; i += 1) {
    const code = id.charCodeAt(i);
    if (code < 48 || code > 57) {
      return false;
    }
  }
  return length < 16 || Number(id) <= Number.MAX_SAFE_INTEGER;
}

class ByteWriter {
  private buffer = new Uint8Array(256);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  /** Unsigned LEB128 of a safe non-negative integer (arithmetic, not 32-bit shifts). */
  varint(value: number): void {
    this.ensure(8);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

class ByteReader {
  private offset = 0;

  constructor(private readonly data: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.data.length;
  }

  varint(): number {
    let value = 0;
    let factor = 1;
    for (let length = 1; ; length += 1) {
      if (this.offset >= this.data.length) {
        throw new TradeSetFormatError("a varint runs past the end of the data");
      }
      if (length > 8) {
        throw new TradeSetFormatError("a varint is longer than 8 bytes");
      }
      const byte = this.data[this.offset++];
      value += (byte & 0x7f) * factor;
      if (byte < 0x80) {
        break;
      }
      factor *= 0x80;
    }
    if (!Number.isSafeInteger(value)) {
      throw new TradeSetFormatError("a varint exceeds 2^53 - 1");
    }
    return value;
  }

  bytes(length: number): Uint8Array {
    if (this.offset + length > this.data.length) {
      throw new TradeSetFormatError(`${length} bytes run past the end of the data`);
    }
    const slice = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}

/** Stored trade-set bytes that do not follow the layout above. */
export class TradeSetFormatError extends Error {
  constructor(problem: string) {
    super(`trade set: ${problem}`);
    this.name = "TradeSetFormatError";
  }
}

function uuidBytes(id: string): Uint8Array {
  const hex = id.replaceAll("-", "");
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i += 1) {
    bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  return bytes;
}

function uuidText(bytes: Uint8Array, upper: boolean): string {
  let hex = "";
  for (const byte of bytes) {
    hex += byte.toString(16).padStart(2, "0");
  }
  const text = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return upper ? text.toUpperCase() : text;
}

/** The bytes of a set of trade ids (deterministic: the same set always gives the same bytes). */
export function encodeTradeIds(ids: Iterable<string>): Uint8Array {
  const numeric: number[] = [];
  const lower: string[] = [];
  const upper: string[] = [];
  const raw: string[] = [];
  for (const id of new Set(ids)) {
    if (isCanonicalIntegerId(id)) {
      numeric.push(Number(id));
    } else if (id.length === 36 && UUID_LOWER.test(id)) {
      lower.push(id);
    } else if (id.length === 36 && UUID_UPPER.test(id)) {
      upper.push(id);
    } else {
      raw.push(id);
    }
  }
  numeric.sort((a, b) => a - b);
  lower.sort();
  upper.sort();
  raw.sort();
  const payload = new ByteWriter();
  payload.varint(numeric.length);
  let previous = 0;
  for (const value of numeric) {
    payload.varint(value - previous);
    previous = value;
  }
  for (const group of [lower, upper]) {
    payload.varint(group.length);
    for (const id of group) {
      payload.bytes(uuidBytes(id));
    }
  }
  payload.varint(raw.length);
  for (const id of raw) {
    if (!id.isWellFormed()) {
      // UTF-8 cannot carry a lone surrogate; validation refuses such ids before they get here.
      throw new TradeSetFormatError(`trade id ${JSON.stringify(id)} is not well-formed UTF-16`);
    }
    const bytes = utf8Encoder.encode(id);
    payload.varint(bytes.length);
    payload.bytes(bytes);
  }
  const plain = payload.result();
  if (plain.length >= DEFLATE_FROM_BYTES && raw.length > 0) {
    const deflated = deflateRawSync(plain, { level: 9 });
    if (deflated.length < plain.length) {
      const out = new Uint8Array(deflated.length + 1);
      out[0] = FLAG_DEFLATED;
      out.set(deflated, 1);
      return out;
    }
  }
  const out = new Uint8Array(plain.length + 1);
  out.set(plain, 1);
  return out;
}

/** The trade ids of bytes written by {@link encodeTradeIds}. */
export function decodeTradeIds(data: Uint8Array): string[] {
  if (data.length === 0) {
    throw new TradeSetFormatError("no flag byte");
  }
  const flags = data[0];
  if ((flags & ~FLAG_DEFLATED) !== 0) {
    throw new TradeSetFormatError(`unknown flags ${flags}`);
  }
  let payload = data.subarray(1);
  if (flags & FLAG_DEFLATED) {
    try {
      payload = inflateRawSync(payload);
    } catch {
      throw new TradeSetFormatError("the deflated payload does not inflate");
    }
  }
  const reader = new ByteReader(payload);
  const ids: string[] = [];
  let value = 0;
  for (let n = reader.varint(); n > 0; n -= 1) {
    value += reader.varint();
    if (!Number.isSafeInteger(value)) {
      throw new TradeSetFormatError("a numeric trade id exceeds 2^53 - 1");
    }
    ids.push(String(value));
  }
  for (const upper of [false, true]) {
    for (let n = reader.varint(); n > 0; n -= 1) {
      ids.push(uuidText(reader.bytes(16), upper));
    }
  }
  for (let n = reader.varint(); n > 0; n -= 1) {
    try {
      ids.push(utf8Decoder.decode(reader.bytes(reader.varint())));
    } catch (error) {
      throw error instanceof TradeSetFormatError
        ? error
        : new TradeSetFormatError("a raw trade id is not UTF-8");
    }
  }
  if (!reader.done) {
    throw new TradeSetFormatError("bytes left after the last trade id");
  }
  return ids;
}

/**
 * A 32-bit hash of a trade id (FNV-1a over UTF-16 code units, then murmur3's finaliser for
 * avalanche): it spreads a large set over pages. Stable forever: stored pages depend on it.
 */
export function hashTradeId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash bits a page can be split on. */
export const MAX_PAGE_DEPTH = 32;

/**
 * A page of a large set: the ids whose hash starts with the `depth` bits of `prefix`.
 * Pages of one set form a complete prefix code (every hash falls in exactly one page).
 */
export interface PageAddress {
  readonly depth: number;
  /** The page's hash prefix, as the top `depth` bits of an unsigned 32-bit number. */
  readonly prefix: number;
}

/** The page's id within its set: depth and prefix, e.g. `"3-a0000000"`. */
export function pageId(page: PageAddress): string {
  return `${page.depth}-${page.prefix.toString(16).padStart(8, "0")}`;
}

function pageSpan(depth: number): number {
  return 2 ** (MAX_PAGE_DEPTH - depth);
}

/**
 * The pages of a large set, in hash order, as stored in the bar item: one byte (the depth) per
 * page. Splitting a page replaces it by its two halves.
 */
export class PageDirectory {
  private readonly pages: PageAddress[];

  private constructor(pages: PageAddress[]) {
    this.pages = pages;
  }

  /** A directory of `2^depth` equal pages. */
  static uniform(depth: number): PageDirectory {
    const span = pageSpan(depth);
    return new PageDirectory(
      Array.from({ length: 2 ** depth }, (_, i) => ({ depth, prefix: i * span })),
    );
  }

  /** The directory of stored depths; throws when they do not cover every hash exactly once. */
  static fromDepths(depths: Uint8Array): PageDirectory {
    const pages: PageAddress[] = [];
    let next = 0;
    for (const depth of depths) {
      if (depth > MAX_PAGE_DEPTH || next % pageSpan(depth) !== 0) {
        throw new TradeSetFormatError(`page depth ${depth} does not fit at ${next.toString(16)}`);
      }
      pages.push({ depth, prefix: next });
      next += pageSpan(depth);
    }
    if (next !== 2 ** MAX_PAGE_DEPTH) {
      throw new TradeSetFormatError("the page directory does not cover every hash");
    }
    return new PageDirectory(pages);
  }

  depths(): Uint8Array {
    return Uint8Array.from(this.pages, (page) => page.depth);
  }

  get size(): number {
    return this.pages.length;
  }

  all(): readonly PageAddress[] {
    return this.pages;
  }

  /** The page holding `hash` (binary search over the prefixes). */
  pageOf(hash: number): PageAddress {
    let low = 0;
    let high = this.pages.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.pages[middle].prefix <= hash) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return this.pages[low];
  }

  /** A copy with `page` replaced by `halves` (its subdivision, in hash order). */
  replace(page: PageAddress, halves: readonly PageAddress[]): PageDirectory {
    const index = this.pages.findIndex(
      (candidate) => candidate.prefix === page.prefix && candidate.depth === page.depth,
    );
    if (index < 0) {
      throw new RangeError(`page ${pageId(page)} is not in the directory`);
    }
    const pages = [...this.pages];
    pages.splice(index, 1, ...halves);
    return new PageDirectory(pages);
  }
}

/**
 * Splits the ids of one page into pages whose encoding fits `maxBytes`, halving by the next hash
 * bit as often as needed. A page at {@link MAX_PAGE_DEPTH} is returned whole, whatever its size:
 * only ids with one and the same 32-bit hash can fill it.
 */
export function splitPage(
  page: PageAddress,
  ids: readonly string[],
  maxBytes: number,
): { readonly page: PageAddress; readonly ids: readonly string[]; readonly bytes: Uint8Array }[] {
  const bytes = encodeTradeIds(ids);
  if (bytes.length <= maxBytes || page.depth >= MAX_PAGE_DEPTH) {
    return [{ page, ids, bytes }];
  }
  const depth = page.depth + 1;
  const upperPrefix = page.prefix + pageSpan(depth);
  const lower: string[] = [];
  const upper: string[] = [];
  for (const id of ids) {
    (hashTradeId(id) >= upperPrefix ? upper : lower).push(id);
  }
  return [
    ...splitPage({ depth, prefix: page.prefix }, lower, maxBytes),
    ...splitPage({ depth, prefix: upperPrefix }, upper, maxBytes),
  ];
}
