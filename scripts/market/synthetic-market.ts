import { Random } from "./random";
import { buildSymbols, roundCents, type SymbolProfile } from "./symbol-universe";

/** A trade as producers put it on the stream. `ts` is ISO-8601 or epoch milliseconds, as both occur. */
export interface Tick {
  readonly symbol: string;
  readonly price: number;
  readonly size: number;
  readonly ts: string | number;
  readonly tradeId: string;
}

/** The ways a record can be malformed. Bad base64 cannot be produced through PutRecords. */
export const FAULT_KINDS = [
  "bad-json",
  "negative-price",
  "zero-size",
  "missing-symbol",
  "bad-ts",
  "mixed-array",
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** Fault kinds that break one tick's schema, as opposed to the whole record. */
const SCHEMA_FAULTS = ["negative-price", "zero-size", "missing-symbol", "bad-ts"] as const;

type SchemaFault = (typeof SCHEMA_FAULTS)[number];

export type RecordKind = "tick" | "tick-array" | FaultKind;

/** One Kinesis record of the synthetic market, with what the pipeline must make of it. */
export interface MarketRecord {
  readonly partitionKey: string;
  /** The record's payload exactly as it is put on the stream. */
  readonly data: string;
  readonly kind: RecordKind;
  /** The ticks that must end up in bars. */
  readonly validTicks: readonly Tick[];
  /** Tick payloads the decoder must reject; an unparsable record counts as one. */
  readonly malformedTicks: number;
  /**
   * A valid tick whose timestamp is strictly later than every earlier tick of its symbol, so seeing
   * the symbol's latest bar reach that timestamp proves this tick was applied.
   */
  readonly probe?: Tick;
}

export interface MarketConfig {
  readonly seed: number;
  readonly symbolCount: number;
  /** Fraction (0..1) of records that are malformed. */
  readonly faultFraction: number;
  /** Timestamp of the first tick, in epoch milliseconds. */
  readonly startMs: number;
  /** Ticks per second of market time; tick timestamps advance by 1/rate seconds each. */
  readonly ticksPerSecond: number;
  /** Fraction of well-formed records that carry an array of ticks. @default - 0.1 */
  readonly arrayRecordFraction?: number;
}

/** Trading seconds in a year (252 sessions of 6.5 hours): the time unit of annualised volatility. */
const TRADING_YEAR_MS = 252 * 6.5 * 3600 * 1000;
const ANNUAL_DRIFT = 0.06;

interface SymbolState {
  readonly profile: SymbolProfile;
  mid: number;
  lastTsMs: number;
}

/**
 * A seeded synthetic market: mid prices follow a geometric Brownian motion per symbol, trades print
 * at the bid or the ask, sizes are mostly round lots with odd lots and a heavy tail of blocks, and
 * busy names trade more often. The same config always yields the same records.
 */
export class SyntheticMarket {
  readonly symbols: readonly SymbolProfile[];
  private readonly random: Random;
  private readonly states: SymbolState[];
  private readonly cumulativeActivity: number[];
  private readonly arrayRecordFraction: number;
  private tickIndex = 0;
  private nextTradeId = 1;

  constructor(private readonly config: MarketConfig) {
    if (!Number.isInteger(config.symbolCount) || config.symbolCount < 1) {
      throw new Error(`symbolCount must be a positive whole number, got ${config.symbolCount}.`);
    }
    if (!(config.faultFraction >= 0 && config.faultFraction <= 1)) {
      throw new Error(`faultFraction must be between 0 and 1, got ${config.faultFraction}.`);
    }
    if (!(config.ticksPerSecond > 0)) {
      throw new Error(`ticksPerSecond must be positive, got ${config.ticksPerSecond}.`);
    }
    this.random = new Random(config.seed);
    this.symbols = buildSymbols(config.symbolCount, this.random);
    this.states = this.symbols.map((profile) => ({
      profile,
      mid: profile.referencePrice,
      lastTsMs: Number.NEGATIVE_INFINITY,
    }));
    let total = 0;
    this.cumulativeActivity = this.symbols.map((profile) => (total += profile.activity));
    this.arrayRecordFraction = config.arrayRecordFraction ?? 0.1;
  }

  /** Ticks (well-formed or not) generated so far; market time is `startMs + ticks / rate`. */
  get ticksGenerated(): number {
    return this.tickIndex;
  }

  /** The market time of the next tick, in epoch milliseconds. */
  get nextTickTimeMs(): number {
    return this.timeOf(this.tickIndex);
  }

  next(): MarketRecord {
    const state = this.pickSymbol();
    if (this.config.faultFraction > 0 && this.random.chance(this.config.faultFraction)) {
      return this.faultyRecord(state, this.random.pick(FAULT_KINDS));
    }
    if (this.random.chance(this.arrayRecordFraction)) {
      const count = this.random.int(2, 8);
      const ticks: Tick[] = [];
      let probe: Tick | undefined;
      for (let i = 0; i < count; i += 1) {
        const { tick, strictlyLater } = this.trade(state);
        ticks.push(tick);
        probe = strictlyLater ? tick : probe;
      }
      return this.record(state, JSON.stringify(ticks), "tick-array", ticks, 0, probe);
    }
    const { tick, strictlyLater } = this.trade(state);
    return this.record(
      state,
      JSON.stringify(tick),
      "tick",
      [tick],
      0,
      strictlyLater ? tick : undefined,
    );
  }

  private record(
    state: SymbolState,
    data: string,
    kind: RecordKind,
    validTicks: Tick[],
    malformedTicks: number,
    probe?: Tick,
  ): MarketRecord {
    const record: MarketRecord = {
      partitionKey: state.profile.symbol,
      data,
      kind,
      validTicks,
      malformedTicks,
    };
    return probe ? { ...record, probe } : record;
  }

  private timeOf(index: number): number {
    return this.config.startMs + Math.floor((index * 1000) / this.config.ticksPerSecond);
  }

  private pickSymbol(): SymbolState {
    const total = this.cumulativeActivity[this.cumulativeActivity.length - 1] ?? 1;
    const target = this.random.next() * total;
    let low = 0;
    let high = this.cumulativeActivity.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.cumulativeActivity[middle] ?? 0) > target) {
        high = middle;
      } else {
        low = middle + 1;
      }
    }
    return this.states[low];
  }

  /** Advances the symbol's mid to the next tick's time and prints a trade at the bid or the ask. */
  private trade(state: SymbolState): { tick: Tick; strictlyLater: boolean } {
    const tsMs = this.timeOf(this.tickIndex);
    this.tickIndex += 1;
    const { volatility, halfSpreadBps } = state.profile;
    if (Number.isFinite(state.lastTsMs) && tsMs > state.lastTsMs) {
      const years = (tsMs - state.lastTsMs) / TRADING_YEAR_MS;
      const shock = volatility * Math.sqrt(years) * this.random.normal();
      state.mid *= Math.exp((ANNUAL_DRIFT - (volatility * volatility) / 2) * years + shock);
    }
    const strictlyLater = tsMs > state.lastTsMs;
    state.lastTsMs = tsMs;
    const halfSpread = Math.max(0.005, (state.mid * halfSpreadBps) / 10_000);
    const side = this.random.chance(0.5) ? 1 : -1;
    const price = Math.max(0.01, roundCents(state.mid + side * halfSpread));
    const tick: Tick = {
      symbol: state.profile.symbol,
      price,
      size: this.size(),
      ts: this.random.chance(0.5) ? new Date(tsMs).toISOString() : tsMs,
      tradeId: `T${String(this.nextTradeId).padStart(10, "0")}`,
    };
    this.nextTradeId += 1;
    return { tick, strictlyLater };
  }

  /** Mostly round lots (multiples of 100), some odd lots, and a heavy (Pareto) tail of blocks. */
  private size(): number {
    const draw = this.random.next();
    if (draw < 0.75) {
      return 100 * this.random.geometric(0.45);
    }
    if (draw < 0.92) {
      return this.random.int(1, 99);
    }
    return Math.min(250_000, Math.round(this.random.pareto(500, 1.3) / 100) * 100);
  }

  /** A well-formed tick turned into one that fails the schema in one specific way. */
  private brokenTick(state: SymbolState, kind: SchemaFault): Record<string, unknown> {
    const { tick } = this.trade(state);
    switch (kind) {
      case "negative-price":
        return { ...tick, price: -tick.price };
      case "zero-size":
        return { ...tick, size: 0 };
      case "missing-symbol": {
        const withoutSymbol: Record<string, unknown> = { ...tick };
        delete withoutSymbol.symbol;
        return withoutSymbol;
      }
      case "bad-ts":
        return { ...tick, ts: this.random.pick(["yesterday", "2024-13-01T09:30:00Z", "", true]) };
    }
  }

  private faultyRecord(state: SymbolState, kind: FaultKind): MarketRecord {
    switch (kind) {
      case "bad-json": {
        const { tick } = this.trade(state);
        const text = JSON.stringify(tick);
        // A record cut short mid-way, as a producer that crashed half-way through a write leaves it.
        const cut = this.random.int(1, text.length - 2);
        return this.record(state, text.slice(0, cut), kind, [], 1);
      }
      case "mixed-array": {
        const count = this.random.int(3, 6);
        const badCount = this.random.int(1, Math.min(2, count - 1));
        const badPositions = new Set<number>();
        while (badPositions.size < badCount) {
          badPositions.add(this.random.int(0, count - 1));
        }
        const entries: unknown[] = [];
        const good: Tick[] = [];
        for (let i = 0; i < count; i += 1) {
          if (badPositions.has(i)) {
            entries.push(this.brokenTick(state, this.random.pick(SCHEMA_FAULTS)));
          } else {
            const { tick } = this.trade(state);
            entries.push(tick);
            good.push(tick);
          }
        }
        return this.record(state, JSON.stringify(entries), kind, good, badCount);
      }
      default:
        return this.record(state, JSON.stringify(this.brokenTick(state, kind)), kind, [], 1);
    }
  }
}

/**
 * A record a producer puts again: a PutRecords whose response it never saw (a timeout, a dropped
 * connection) had in fact stored the record, and the producer's retry stores it a second time as
 * a new record with its own sequence number.
 */
export interface RePut {
  /** Position of the original record in the batch. */
  readonly index: number;
  /** The partition key of the copy; it differs from the original's when `otherKey` is set. */
  readonly partitionKey: string;
  /**
   * The producer picked a new partition key for the retry (random keys per attempt are common),
   * so the copy lands on whichever shard that key hashes to, possibly another one.
   */
  readonly otherKey: boolean;
}

/** What a producer puts again after one PutRecords batch. */
export interface RePutPlan {
  /** The whole request timed out and was sent again: every record is re-put, under its own key. */
  readonly wholeBatch: boolean;
  readonly rePuts: readonly RePut[];
}

export interface RePutConfig {
  /** Seed of the re-put choices; the market's seed gives a reproducible run. */
  readonly seed: number;
  /** Expected fraction (0..1) of records put twice; 0 puts every record once. */
  readonly fraction: number;
}

/** Share of the re-put records that come from a whole batch sent again. */
const WHOLE_BATCH_SHARE = 0.25;
/** Share of the single re-put records sent under another partition key. */
const OTHER_KEY_SHARE = 0.25;

/**
 * Which records a producer puts twice, seeded, so a run is reproducible. Each record is put again
 * with probability `fraction`: a quarter of that as whole batches sent again (the request timed
 * out), the rest as single records (their entries were retried), a quarter of those under a new
 * partition key. The market's own draws are not affected, so the same seed sends the same ticks
 * whatever the fraction.
 */
export class RePutPlanner {
  private readonly random: Random;
  private readonly batchProbability: number;
  private readonly recordProbability: number;

  constructor(config: RePutConfig) {
    if (!(config.fraction >= 0 && config.fraction <= 1)) {
      throw new RangeError(
        `The re-put fraction must be a number from 0 to 1, got ${config.fraction}.`,
      );
    }
    // A different stream of draws than the market's for the same seed.
    this.random = new Random((config.seed ^ 0x2e9f7a31) >>> 0);
    // A record is re-put with probability b + (1 - b) r = fraction, where b = fraction x share.
    this.batchProbability = config.fraction * WHOLE_BATCH_SHARE;
    this.recordProbability =
      this.batchProbability >= 1
        ? 0
        : (config.fraction - this.batchProbability) / (1 - this.batchProbability);
  }

  /** The re-puts of one batch of records, in the batch's order. */
  plan(records: readonly { readonly partitionKey: string }[]): RePutPlan {
    if (records.length === 0 || (this.batchProbability === 0 && this.recordProbability === 0)) {
      return { wholeBatch: false, rePuts: [] };
    }
    if (this.random.chance(this.batchProbability)) {
      return {
        wholeBatch: true,
        rePuts: records.map((record, index) => ({
          index,
          partitionKey: record.partitionKey,
          otherKey: false,
        })),
      };
    }
    const rePuts: RePut[] = [];
    records.forEach((record, index) => {
      if (!this.random.chance(this.recordProbability)) {
        return;
      }
      if (this.random.chance(OTHER_KEY_SHARE)) {
        const key = this.random.nextUint32().toString(16).padStart(8, "0");
        rePuts.push({ index, partitionKey: `${record.partitionKey}-${key}`, otherKey: true });
      } else {
        rePuts.push({ index, partitionKey: record.partitionKey, otherKey: false });
      }
    });
    return { wholeBatch: false, rePuts };
  }
}
