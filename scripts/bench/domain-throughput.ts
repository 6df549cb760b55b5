import {
  applyTrades,
  decodeStreamRecords,
  planBarUpdates,
  type StreamRecord,
} from "../../functions/domain";
import { marketRecords, median, streamRecords } from "./bench-market";

export interface DomainThroughput {
  readonly ticks: number;
  readonly records: number;
  readonly batchRecords: number;
  /** decode (base64, UTF-8, JSON) + validate + group into bars + merge, ticks per second. */
  readonly domainTicksPerSecond: number;
  /** decode + validate alone (no bars), ticks per second: where the time goes. */
  readonly decodeTicksPerSecond: number;
  /** `JSON.parse` alone on the same records' text, ticks per second. */
  readonly jsonParseTicksPerSecond: number;
  /** domain / JSON.parse: the share of bare parsing speed the whole domain keeps. */
  readonly ratio: number;
}

export interface DomainThroughputOptions {
  /** @default 200000 */
  readonly ticks?: number;
  /** Records per batch, as the event source mapping delivers them. @default 500 */
  readonly batchRecords?: number;
  /** Timed rounds of each side; the median counts. @default 7 */
  readonly rounds?: number;
}

function timeIt(run: () => number): { ms: number; sink: number } {
  const started = performance.now();
  const sink = run();
  return { ms: performance.now() - started, sink };
}

/**
 * The processor's in-memory work per batch (everything but DynamoDB) against bare `JSON.parse`
 * of the same record texts, on a market with 1% malformed records. Rounds alternate so drift
 * (JIT, GC, other load) hits both sides alike.
 */
export function measureDomainThroughput(options: DomainThroughputOptions = {}): DomainThroughput {
  const batchRecords = options.batchRecords ?? 500;
  const rounds = options.rounds ?? 7;
  const { records, ticks } = marketRecords({
    ticks: options.ticks ?? 200_000,
    symbols: 50,
    faults: 0.01,
    startMs: Date.UTC(2024, 4, 1, 13, 30),
    ticksPerSecond: 2000,
  });
  const texts = records.map((record) => record.data);
  const batches: StreamRecord[][] = [];
  const all = streamRecords(records);
  for (let i = 0; i < all.length; i += batchRecords) {
    batches.push(all.slice(i, i + batchRecords));
  }

  const parseAll = (): number => {
    let sink = 0;
    for (const text of texts) {
      try {
        const value: unknown = JSON.parse(text);
        sink += Array.isArray(value) ? value.length : 1;
      } catch {
        sink += 1;
      }
    }
    return sink;
  };
  const processAll = (): number => {
    let sink = 0;
    for (const batch of batches) {
      const decoded = decodeStreamRecords(batch);
      for (const update of planBarUpdates(decoded.records)) {
        sink += applyTrades(undefined, update.ticks, () => false).added.length;
      }
      sink += decoded.malformed.length;
    }
    return sink;
  };

  const decodeAll = (): number => {
    let sink = 0;
    for (const batch of batches) {
      const decoded = decodeStreamRecords(batch);
      sink += decoded.validTicks + decoded.malformed.length;
    }
    return sink;
  };

  // Warm every path up so the timed rounds measure optimised code.
  parseAll();
  decodeAll();
  processAll();
  const parseMs: number[] = [];
  const decodeMs: number[] = [];
  const processMs: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const parsed = timeIt(parseAll);
    const decodedOnly = timeIt(decodeAll);
    const processed = timeIt(processAll);
    if (processed.sink !== ticks || parsed.sink !== ticks || decodedOnly.sink !== ticks) {
      throw new Error(
        `Benchmark lost ticks: ${ticks} generated, JSON.parse saw ${parsed.sink}, the domain accounted for ${processed.sink}.`,
      );
    }
    parseMs.push(parsed.ms);
    decodeMs.push(decodedOnly.ms);
    processMs.push(processed.ms);
  }
  const jsonParseTicksPerSecond = ticks / (median(parseMs) / 1000);
  const domainTicksPerSecond = ticks / (median(processMs) / 1000);
  return {
    ticks,
    records: records.length,
    batchRecords,
    domainTicksPerSecond,
    decodeTicksPerSecond: ticks / (median(decodeMs) / 1000),
    jsonParseTicksPerSecond,
    ratio: domainTicksPerSecond / jsonParseTicksPerSecond,
  };
}
