import fc from "fast-check";
import { sequenceNumber } from "../testing/kinesis-events";
import { BASE_MINUTE, amountArb, referenceBar, tradeIdArb } from "../testing/arbitraries";
import type { SequencedTick } from "./bar";
import type { BarState, Contribution } from "./idempotency";
import { applyContributions, barKey, planBarUpdates, watermarkKey } from "./idempotency";

import type { DecodedStreamRecord } from "./record";
import { compareSequenceNumbers } from "./sequence";

const SHARD_0 = "shardId-000000000000";
const SHARD_1 = "shardId-000000000001";

const tick = (overrides: Partial<SequencedTick>): SequencedTick => ({
  symbol: "AAPL",
  price: 100,
  size: 1,
  ts: BASE_MINUTE,
  tradeId: "1",
  seq: "1",
  index: 0,
  ...overrides,
});

function streamRecord(
  shardId: string,
  partitionKey: string,
  seq: string,
  ticks: readonly Omit<SequencedTick, "seq" | "index">[],
): DecodedStreamRecord {
  return {
    shardId,
    partitionKey,
    sequenceNumber: seq,
    ticks: ticks.map((t, index) => ({ ...t, seq, index })),
  };
}

/** Applies a batch to an in-memory table; `fails(i)` makes the i-th bar's write fail. */
function deliver(
  table: Map<string, BarState>,
  records: readonly DecodedStreamRecord[],
  fails: (barIndex: number) => boolean = () => false,
): string | null {
  let retryFrom: string | null = null;
  planBarUpdates(records).forEach((update, i) => {
    if (fails(i)) {
      if (
        retryFrom === null ||
        compareSequenceNumbers(update.earliestSequenceNumber, retryFrom) < 0
      ) {
        retryFrom = update.earliestSequenceNumber;
      }
      return;
    }
    const applied = applyContributions(table.get(update.key), update.contributions);
    if (applied.changed && applied.state !== undefined) {
      table.set(update.key, applied.state);
    }
  });
  return retryFrom;
}

function expectedBars(
  records: readonly DecodedStreamRecord[],
): Map<string, ReturnType<typeof referenceBar>> {
  const byBar = new Map<string, SequencedTick[]>();
  for (const record of records) {
    for (const t of record.ticks) {
      const key = barKey(t.symbol, Math.floor(t.ts / 60_000) * 60_000);
      byBar.set(key, [...(byBar.get(key) ?? []), t]);
    }
  }
  return new Map([...byBar].map(([key, ticks]) => [key, referenceBar(ticks)]));
}

describe("watermarkKey", () => {
  it("keys a stream by shard and partition key", () => {
    expect(watermarkKey(SHARD_0, "AAPL")).toBe("shardId-000000000000/AAPL");
  });
});

describe("planBarUpdates", () => {
  it("groups ticks by bar and record, and finds each bar's earliest record", () => {
    const records = [
      streamRecord(SHARD_0, "AAPL", "30", [
        tick({ ts: BASE_MINUTE + 1 }),
        tick({ ts: BASE_MINUTE + 60_001 }),
      ]),
      streamRecord(SHARD_0, "MIX", "20", [tick({ ts: BASE_MINUTE + 2 }), tick({ symbol: "MSFT" })]),
      streamRecord(SHARD_0, "AAPL", "100", [tick({ ts: BASE_MINUTE + 3 })]),
      streamRecord(SHARD_0, "AAPL", "101", []),
    ];
    const updates = planBarUpdates(records);
    expect(
      updates.map((u) => ({
        key: u.key,
        ticks: u.ticks,
        earliest: u.earliestSequenceNumber,
        contributions: u.contributions.map((c) => [c.stream, c.sequenceNumber, c.ticks.length]),
      })),
    ).toEqual([
      {
        key: `AAPL|${BASE_MINUTE}`,
        ticks: 3,
        earliest: "20",
        contributions: [
          [`${SHARD_0}/AAPL`, "30", 1],
          [`${SHARD_0}/MIX`, "20", 1],
          [`${SHARD_0}/AAPL`, "100", 1],
        ],
      },
      {
        key: `AAPL|${BASE_MINUTE + 60_000}`,
        ticks: 1,
        earliest: "30",
        contributions: [[`${SHARD_0}/AAPL`, "30", 1]],
      },
      {
        key: `MSFT|${BASE_MINUTE}`,
        ticks: 1,
        earliest: "20",
        contributions: [[`${SHARD_0}/MIX`, "20", 1]],
      },
    ]);
  });
});

describe("applyContributions", () => {
  const contribution = (stream: string, seq: string, price: number): Contribution => ({
    stream,
    sequenceNumber: seq,
    ticks: [tick({ price, seq, ts: BASE_MINUTE + price })],
  });

  it("applies records above the watermark of their stream and skips the rest", () => {
    const first = applyContributions(undefined, [
      contribution("s0/AAPL", "5", 10),
      contribution("s0/AAPL", "7", 11),
    ]);
    expect(first).toMatchObject({
      changed: true,
      appliedTicks: 2,
      appliedRecords: 2,
      duplicateTicks: 0,
      duplicateRecords: 0,
    });
    expect(first.state?.watermarks).toEqual({ "s0/AAPL": "7" });

    const again = applyContributions(first.state, [
      contribution("s0/AAPL", "7", 11),
      contribution("s0/AAPL", "8", 12),
      contribution("s1/AAPL", "3", 13),
    ]);
    expect(again).toMatchObject({
      changed: true,
      appliedTicks: 2,
      duplicateTicks: 1,
      duplicateRecords: 1,
    });
    expect(again.state?.watermarks).toEqual({ "s0/AAPL": "8", "s1/AAPL": "3" });
    expect(again.state?.bar.trades).toBe(4);
  });

  it("reports no change when every record was applied before", () => {
    const first = applyContributions(undefined, [contribution("s0/AAPL", "5", 10)]);
    const replay = applyContributions(first.state, [contribution("s0/AAPL", "5", 10)]);
    expect(replay).toEqual({
      state: first.state,
      changed: false,
      appliedTicks: 0,
      appliedRecords: 0,
      duplicateTicks: 1,
      duplicateRecords: 1,
    });
  });

  it("reports no change and no state for nothing on an empty bar", () => {
    expect(applyContributions(undefined, [])).toEqual({
      state: undefined,
      changed: false,
      appliedTicks: 0,
      appliedRecords: 0,
      duplicateTicks: 0,
      duplicateRecords: 0,
    });
  });

  it("compares sequence numbers as big integers, not as text", () => {
    const first = applyContributions(undefined, [contribution("s0/AAPL", "99", 10)]);
    const next = applyContributions(first.state, [contribution("s0/AAPL", "100", 11)]);
    expect(next.appliedTicks).toBe(1);
    expect(next.state?.watermarks).toEqual({ "s0/AAPL": "100" });
  });

  it("counts a later record of another partition key applied first (parallel batch streams)", () => {
    // Stream MIX (processed by another batch stream of the same shard) writes seq 50 first;
    // stream AAPL's seq 40 then arrives. A per-shard watermark would skip 40 and lose a tick.
    const table = new Map<string, BarState>();
    deliver(table, [streamRecord(SHARD_0, "MIX", "50", [tick({ tradeId: "2", price: 2 })])]);
    deliver(table, [streamRecord(SHARD_0, "AAPL", "40", [tick({ tradeId: "1", price: 1 })])]);
    const state = table.get(`AAPL|${BASE_MINUTE}`);
    expect(state?.bar.trades).toBe(2);
    expect(state?.watermarks).toEqual({ [`${SHARD_0}/MIX`]: "50", [`${SHARD_0}/AAPL`]: "40" });
  });
});

interface Scenario {
  readonly records: readonly DecodedStreamRecord[];
  readonly streams: readonly (readonly DecodedStreamRecord[])[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .array(
    fc.record({
      shard: fc.constantFrom(SHARD_0, SHARD_1),
      key: fc.constantFrom("AAPL", "MSFT", "MIX"),
      ticks: fc.array(
        fc.record({
          symbol: fc.constantFrom("AAPL", "MSFT"),
          price: amountArb,
          size: amountArb,
          minute: fc.integer({ min: 0, max: 2 }),
          second: fc.integer({ min: 0, max: 5 }),
          tradeId: tradeIdArb,
        }),
        { minLength: 0, maxLength: 3 },
      ),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((drafts) => {
    const records = drafts.map((draft, n) =>
      streamRecord(
        draft.shard,
        draft.key,
        sequenceNumber(n + 1),
        draft.ticks.map((t) => ({
          // A record keyed by a symbol carries that symbol; MIX records carry any.
          symbol: draft.key === "MIX" ? t.symbol : draft.key,
          price: t.price,
          size: t.size,
          ts: BASE_MINUTE + t.minute * 60_000 + t.second * 1_000,
          tradeId: t.tradeId,
        })),
      ),
    );
    const byStream = new Map<string, DecodedStreamRecord[]>();
    for (const record of records) {
      // Kinesis orders records per shard and partition key: those are the batch streams.
      const key = `${record.shardId}/${record.partitionKey}`;
      byStream.set(key, [...(byStream.get(key) ?? []), record]);
    }
    return { records, streams: [...byStream.values()] };
  });

const stepArb = fc.record({
  stream: fc.nat(),
  rewind: fc.nat(),
  length: fc.integer({ min: 1, max: 8 }),
  failures: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
});

describe("exactly-once effect under redelivery", () => {
  it("replaying any subset of applied records changes nothing", () => {
    fc.assert(
      fc.property(
        scenarioArb.chain((scenario) =>
          fc.tuple(fc.constant(scenario), fc.subarray([...scenario.records])),
        ),
        ([scenario, replayed]) => {
          const table = new Map<string, BarState>();
          for (const stream of scenario.streams) {
            deliver(table, stream);
          }
          const before = new Map(table);
          for (const update of planBarUpdates(replayed)) {
            const applied = applyContributions(table.get(update.key), update.contributions);
            expect(applied.changed).toBe(false);
            expect(applied.appliedTicks).toBe(0);
            expect(applied.duplicateTicks).toBe(update.ticks);
          }
          expect(table).toEqual(before);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("retries from the reported checkpoint, rewinds, bisects and interleaved streams give exact bars", () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(stepArb, { maxLength: 60 }), (scenario, steps) => {
        const table = new Map<string, BarState>();
        // Per stream: records before `acked[i]` are checkpointed (Lambda will not send them again
        // unless a batch that contains them is retried).
        const acked = scenario.streams.map(() => 0);
        for (const step of steps) {
          const s = step.stream % scenario.streams.length;
          const stream = scenario.streams[s];
          if (acked[s] >= stream.length) {
            continue;
          }
          // A redelivery starts at the checkpoint or earlier (a retried or bisected batch).
          const start = acked[s] - (step.rewind % (acked[s] + 1));
          const batch = stream.slice(start, start + step.length + (acked[s] - start));
          const retryFrom = deliver(table, batch, (i) => step.failures[i % 8]);
          const end = start + batch.length;
          const checkpoint =
            retryFrom === null
              ? end
              : batch.findIndex((r) => r.sequenceNumber === retryFrom) + start;
          acked[s] = Math.max(acked[s], checkpoint);
        }
        scenario.streams.forEach((stream, s) => {
          deliver(table, stream.slice(acked[s]));
        });

        const expected = expectedBars(scenario.records);
        expect(new Map([...table].map(([key, state]) => [key, state.bar]))).toEqual(expected);
        for (const [key, state] of table) {
          const contributors = scenario.records.filter((r) =>
            r.ticks.some((t) => barKey(t.symbol, Math.floor(t.ts / 60_000) * 60_000) === key),
          );
          const watermarks: Record<string, string> = {};
          for (const record of contributors) {
            watermarks[`${record.shardId}/${record.partitionKey}`] = record.sequenceNumber;
          }
          expect(state.watermarks).toEqual(watermarks);
        }
      }),
      { numRuns: 300 },
    );
  });
});
