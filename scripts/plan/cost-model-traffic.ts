import type { EnvironmentName } from "../../modules/config/settings";

/**
 * The traffic each environment is assumed to carry, and what one bar's writes over its minute cost
 * in DynamoDB capacity at that traffic. The cost model (`cost-model.ts`) prices these.
 */

/** Traffic an environment is assumed to carry, stated in the plan's output next to the estimate. */
export interface TrafficAssumptions {
  /** Average ticks per second over the month (markets are closed two-thirds of the time). */
  readonly ticksPerSecond: number;
  /** Average ticks per Kinesis record. */
  readonly ticksPerRecord: number;
  /** Average record size in bytes. */
  readonly recordBytes: number;
  /** Symbols traded, so bars written per minute. */
  readonly activeSymbols: number;
  /** Analytics API requests per second, averaged over the month. */
  readonly apiRequestsPerSecond: number;
  /** Average processor invocation duration in milliseconds. */
  readonly processorMs: number;
  /** Average archiver invocation duration in milliseconds: decode, gzip and one PUT of its batch. */
  readonly archiverMs: number;
  /** Average API invocation duration in milliseconds. */
  readonly apiMs: number;
  /** Batches per second the processor is invoked with (per shard, per parallel batch). */
  readonly processorInvocationsPerSecond: number;
  /**
   * Bytes of gzip NDJSON the archiver writes per byte of record data. Measured with the archiver's
   * own encoder (`functions/market-archiver/archive.ts`) on the synthetic market
   * (`scripts/market/synthetic-market.ts`): 0.27 for one tick per record, where the line's metadata
   * dominates, 0.15-0.16 for arrays of ticks. Real trades repeat less than synthetic ones, so real
   * objects are likely larger than estimated: the estimate errs on the small side.
   */
  readonly archiveGzipRatio: number;
  /** Log bytes written per invocation. */
  readonly logBytesPerInvocation: number;
  /**
   * Bytes a trade id takes in a bar's stored trade set: 16 for UUIDs (the costly case, assumed
   * everywhere), about 1-3 for sequential numeric ids.
   */
  readonly tradeIdBytes: number;
}

/** A bar item's attributes besides its trade set, in bytes (measured by `npm run bench`). */
export const BAR_ITEM_BASE_BYTES = 350;
/** The inline set's limit and a page's, as `functions/market-processor/trade-set-writes.ts`. */
const INLINE_SET_MAX_BYTES = 3_000;

/** What the processor's writes of one bar over its minute cost, by DynamoDB's billing rules. */
export interface BarMinuteCapacity {
  /** Distinct trades of one symbol in one minute, on average. */
  readonly tradesPerBarMinute: number;
  /** Writes of the bar over its minute: one per processor batch that carries its trades. */
  readonly writes: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  /** Whether the set outgrows the bar item (pages, transactions at 2 units per KB). */
  readonly spills: boolean;
}

/**
 * The capacity one bar consumes over its minute. Each write rewrites the bar item (1 write unit
 * per KB of the whole item, rounded up) after a strongly consistent read (1 read unit per 4 KB);
 * the item grows by `tradeIdBytes` per trade. A set past the inline limit is written in
 * transactions (2 units per KB) of the bar item and one page (under 1 KB) per new trade.
 * DynamoDB developer guide, "Read/write capacity unit consumption"; `npm run bench` measures it.
 */
export function barMinuteCapacity(
  traffic: TrafficAssumptions,
  processorInvocationsPerMinute: number,
): BarMinuteCapacity {
  const tradesPerBarMinute = (traffic.ticksPerSecond * 60) / traffic.activeSymbols;
  const writes = Math.max(
    1,
    Math.min(Math.ceil(tradesPerBarMinute), processorInvocationsPerMinute),
  );
  const perWrite = tradesPerBarMinute / writes;
  let writeUnits = 0;
  let readUnits = 0;
  let spills = false;
  for (let j = 1; j <= writes; j += 1) {
    const setBytes = traffic.tradeIdBytes * perWrite * j;
    if (setBytes <= INLINE_SET_MAX_BYTES) {
      const itemBytes = BAR_ITEM_BASE_BYTES + setBytes;
      writeUnits += Math.ceil(itemBytes / 1024);
      readUnits += Math.ceil(itemBytes / 4096);
    } else {
      spills = true;
      const pages = Math.ceil(perWrite);
      writeUnits += 2 * (1 + pages);
      readUnits += 1 + pages;
    }
  }
  return { tradesPerBarMinute, writes, writeUnits, readUnits, spills };
}

export const TRAFFIC: Readonly<Record<EnvironmentName, TrafficAssumptions>> = {
  dev: {
    ticksPerSecond: 5,
    ticksPerRecord: 1,
    recordBytes: 110,
    activeSymbols: 20,
    apiRequestsPerSecond: 0.05,
    processorMs: 40,
    archiverMs: 60,
    apiMs: 15,
    processorInvocationsPerSecond: 1,
    archiveGzipRatio: 0.27,
    logBytesPerInvocation: 600,
    tradeIdBytes: 16,
  },
  staging: {
    ticksPerSecond: 100,
    ticksPerRecord: 5,
    recordBytes: 520,
    activeSymbols: 100,
    apiRequestsPerSecond: 1,
    processorMs: 60,
    archiverMs: 250,
    apiMs: 15,
    processorInvocationsPerSecond: 4,
    archiveGzipRatio: 0.16,
    logBytesPerInvocation: 600,
    tradeIdBytes: 16,
  },
  production: {
    ticksPerSecond: 600,
    ticksPerRecord: 10,
    recordBytes: 1000,
    activeSymbols: 500,
    apiRequestsPerSecond: 20,
    processorMs: 80,
    archiverMs: 250,
    apiMs: 12,
    processorInvocationsPerSecond: 8,
    archiveGzipRatio: 0.16,
    logBytesPerInvocation: 600,
    tradeIdBytes: 16,
  },
};
