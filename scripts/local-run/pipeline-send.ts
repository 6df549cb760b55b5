/**
 * The local run's producers: the seeded market put onto the stream at the requested rate, some
 * records put twice, with what Kinesis stored noted for the end-of-run checks.
 */
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { KinesisProducer, type Placement } from "../market/kinesis-producer";
import {
  RePutPlanner,
  SyntheticMarket,
  type MarketRecord,
  type RePutPlan,
  type Tick,
} from "../market/synthetic-market";
import type { FreshnessSamples } from "./report/run-report-data";
import type { FreshnessProbe } from "./freshness-probe";
import type { LocalRunOptions } from "./local-run-options";
import type { RunTraffic } from "./pipeline-pollers";
import type { RePutFigures } from "./run-report";

/** Records a single PutRecords carries at most; the producer batches up to this many. */
const PRODUCER_BATCH_RECORDS = 500;
/** PutRecords requests in flight at once. */
const PRODUCER_IN_FLIGHT = 4;

function tickTimeMs(tick: Tick): number {
  return typeof tick.ts === "number" ? tick.ts : Date.parse(tick.ts);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the producers sent, beyond the counters of `RunTraffic`. */
export interface SentMarket {
  readonly market: SyntheticMarket;
  readonly sendSeconds: number;
  /** The first and last valid tick's time, in ms; infinite when nothing was sent. */
  readonly firstTickMs: number;
  readonly lastTickMs: number;
  readonly rePuts: RePutFigures;
  /** Valid ticks of the originals: the market never repeats a trade id. */
  readonly distinctTrades: number;
}

/**
 * Puts the seeded market onto the stream, `ratePerSecond` ticks a second for `durationSeconds`
 * (or until `signal` aborts), up to `PRODUCER_IN_FLIGHT` PutRecords at once; offers the freshness
 * probe its ticks as they go out. Rejects with the first failed request once the others settle.
 */
export async function sendMarket(run: {
  readonly options: LocalRunOptions;
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly traffic: RunTraffic;
  readonly freshness: FreshnessProbe;
  readonly freshnessSamples: FreshnessSamples;
  readonly signal?: AbortSignal;
  readonly status: (message: string) => void;
}): Promise<SentMarket> {
  const { options, traffic, freshness, freshnessSamples } = run;
  const { sent, counters, committedBeforeSent, lastSequenceByShard } = traffic;
  const producer = new KinesisProducer(run.kinesis, run.streamName);
  const market = new SyntheticMarket({
    seed: options.seed,
    symbolCount: options.symbols,
    faultFraction: options.faults,
    startMs: Date.now(),
    ticksPerSecond: options.ratePerSecond,
  });
  const marketStart = performance.now();
  const totalTicks = Math.max(1, Math.round(options.ratePerSecond * options.durationSeconds));
  let firstTickMs = Number.POSITIVE_INFINITY;
  let lastTickMs = Number.NEGATIVE_INFINITY;

  const planner = new RePutPlanner({ seed: options.seed, fraction: options.reputs });
  const rePuts = {
    records: 0,
    ticks: 0,
    malformedTicks: 0,
    wholeBatches: 0,
    otherKey: 0,
    otherShard: 0,
  } satisfies RePutFigures;
  let distinctTrades = 0;

  /** Notes a record Kinesis stored (an original or a re-put copy). */
  const noteSent = (record: MarketRecord, partitionKey: string, placement: Placement): void => {
    const id = `${placement.shardId}:${placement.sequenceNumber}`;
    const ticks = record.validTicks.length + record.malformedTicks;
    sent.set(id, { partitionKey, data: record.data, ticks });
    counters.ticksSent += ticks;
    counters.recordsSent += 1;
    counters.malformedTicksGenerated += record.malformedTicks;
    if (committedBeforeSent.delete(id)) {
      counters.ticksProcessed += ticks;
    }
    const sequence = BigInt(placement.sequenceNumber);
    if (sequence > (lastSequenceByShard.get(placement.shardId) ?? -1n)) {
      lastSequenceByShard.set(placement.shardId, sequence);
    }
  };

  const send = async (batch: readonly MarketRecord[], plan: RePutPlan): Promise<void> => {
    const sentAt = performance.now();
    const outcome = await producer.putWithRePuts(batch, plan);
    outcome.placements.forEach((placement, index) => {
      const record = batch[index];
      noteSent(record, record.partitionKey, placement);
      // The market never repeats a trade id: an original's valid ticks are distinct trades.
      distinctTrades += record.validTicks.length;
      for (const tick of record.validTicks) {
        const ms = tickTimeMs(tick);
        firstTickMs = Math.min(firstTickMs, ms);
        lastTickMs = Math.max(lastTickMs, ms);
      }
      const { probe } = record;
      if (probe && freshness.offer(probe.symbol, tickTimeMs(probe), sentAt)) {
        freshnessSamples.watch(probe.symbol, tickTimeMs(probe), sentAt);
      }
    });
    for (const rePut of outcome.rePuts) {
      const record = batch[rePut.index];
      noteSent(record, rePut.partitionKey, rePut.placement);
      rePuts.records += 1;
      rePuts.ticks += record.validTicks.length;
      rePuts.malformedTicks += record.malformedTicks;
      rePuts.otherKey += rePut.otherKey ? 1 : 0;
      rePuts.otherShard +=
        rePut.placement.shardId === outcome.placements[rePut.index]?.shardId ? 0 : 1;
    }
    rePuts.wholeBatches += outcome.wholeBatch ? 1 : 0;
  };

  run.status(
    `Sending ${options.ratePerSecond.toLocaleString("en-US")} ticks/s over ${options.symbols.toLocaleString("en-US")} symbols for ${options.durationSeconds} s (seed ${options.seed}, ${(options.faults * 100).toFixed(1)}% malformed records, ${(options.reputs * 100).toFixed(1)}% of records put twice)...`,
  );
  const inFlight = new Set<Promise<void>>();
  let sendFailure: Error | undefined;
  while (market.ticksGenerated < totalTicks && !run.signal?.aborted && sendFailure === undefined) {
    const elapsedMs = performance.now() - marketStart;
    const due = Math.min(totalTicks, Math.floor((elapsedMs / 1000) * options.ratePerSecond));
    const batch: MarketRecord[] = [];
    while (market.ticksGenerated < due && batch.length < PRODUCER_BATCH_RECORDS) {
      batch.push(market.next());
    }
    if (batch.length === 0) {
      const nextDueMs = ((market.ticksGenerated + 1) / options.ratePerSecond) * 1000;
      await sleep(Math.min(50, Math.max(1, nextDueMs - elapsedMs)));
      continue;
    }
    while (inFlight.size >= PRODUCER_IN_FLIGHT) {
      await Promise.race(inFlight);
    }
    // Chosen here, in batch order, so the same seed re-puts the same way whatever the timing.
    const plan = planner.plan(batch);
    const request: Promise<void> = send(batch, plan)
      .catch((error: unknown) => {
        sendFailure ??= error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  if (sendFailure !== undefined) {
    throw sendFailure;
  }
  const sendSeconds = (performance.now() - marketStart) / 1000;
  return { market, sendSeconds, firstTickMs, lastTickMs, rePuts, distinctTrades };
}
