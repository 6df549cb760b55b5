import fc from "fast-check";
import { BASE_MINUTE, amountArb, referenceBar } from "../../tests/support/functions/arbitraries";
import { sequenceNumber } from "../../tests/support/functions/kinesis-events";
import type { Bar, SequencedTick } from "./bar";
import { barFromTicks } from "./bar";
import { applyTrades, barKey, planBarUpdates } from "./idempotency";
import type { DecodedStreamRecord, StreamRecord } from "./record";
import { decodeStreamRecords } from "./record";
import type { Tick } from "./tick";
import { minuteStart } from "./time";

const SHARD_0 = "shardId-000000000000";
const SHARD_1 = "shardId-000000000001";

const tick = (overrides: Partial<Tick>): Tick => ({
  symbol: "AAPL",
  price: 100,
  size: 1,
  ts: BASE_MINUTE,
  tradeId: "1",
  ...overrides,
});

/** A decoded record of `ticks`, each sequenced by the record. */
function streamRecord(
  shardId: string,
  seq: string,
  ticks: readonly Tick[],
  partitionKey = ticks[0]?.symbol ?? "EMPTY",
): DecodedStreamRecord {
  return {
    shardId,
    partitionKey,
    sequenceNumber: seq,
    ticks: ticks.map((t, index) => ({ ...t, seq, index })),
  };
}

/** A bar's stored state in the in-memory table: the bar and the ids of the trades it counted. */
interface StoredState {
  readonly bar: Bar;
  readonly ids: ReadonlySet<string>;
}

interface Counts {
  applied: number;
  duplicates: number;
  ticks: number;
}

const noCounts = (): Counts => ({ applied: 0, duplicates: 0, ticks: 0 });

/**
 * Folds one batch into the table as the processor does: plan by bar, apply each bar's ticks
 * against its stored set. `fails(i)` makes the i-th bar's write fail: nothing of it is stored.
 */
function fold(
  table: Map<string, StoredState>,
  records: readonly DecodedStreamRecord[],
  counts: Counts,
  fails: (barIndex: number) => boolean = () => false,
): void {
  planBarUpdates(records).forEach((update, i) => {
    if (fails(i)) {
      return;
    }
    const current = table.get(update.key);
    const result = applyTrades(current?.bar, update.ticks, (id) => current?.ids.has(id) ?? false);
    counts.applied += result.added.length;
    counts.duplicates += result.duplicateTicks;
    counts.ticks += update.ticks.length;
    if (result.added.length > 0 && result.bar !== undefined) {
      const ids = new Set(current?.ids);
      for (const added of result.added) {
        ids.add(added.tradeId);
      }
      table.set(update.key, { bar: result.bar, ids });
    }
  });
}

const bars = (table: Map<string, StoredState>): Map<string, Bar> =>
  new Map([...table].map(([key, state]) => [key, state.bar]));

/** Reference bars of distinct trades, keyed like the processor's updates. */
function referenceBars(trades: readonly Tick[]): Map<string, Bar> {
  const groups = new Map<string, Tick[]>();
  for (const t of trades) {
    const key = barKey(t.symbol, minuteStart(t.ts));
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return new Map([...groups].map(([key, group]) => [key, referenceBar(group)]));
}

describe("barKey", () => {
  it("keys a bar by symbol and minute start", () => {
    expect(barKey("BRK.B", BASE_MINUTE)).toBe(`BRK.B|${BASE_MINUTE}`);
  });
});

describe("planBarUpdates", () => {
  it("groups ticks by bar in batch order, repeats included, and finds each bar's earliest record", () => {
    const a1 = tick({ ts: BASE_MINUTE + 1, tradeId: "1" });
    const a2 = tick({ ts: BASE_MINUTE + 60_001, tradeId: "2" });
    const b1 = tick({ ts: BASE_MINUTE + 2, tradeId: "3" });
    const b2 = tick({ symbol: "MSFT", tradeId: "1" });
    const c1 = tick({ ts: BASE_MINUTE + 3, tradeId: "4" });
    const records = [
      streamRecord(SHARD_0, "30", [a1, a2]),
      streamRecord(SHARD_1, "20", [b1, b2], "MIX"),
      streamRecord(SHARD_0, "100", [c1, a1]),
      streamRecord(SHARD_0, "101", []),
    ];
    expect(planBarUpdates(records)).toEqual([
      {
        key: `AAPL|${BASE_MINUTE}`,
        symbol: "AAPL",
        start: BASE_MINUTE,
        ticks: [
          { ...a1, seq: "30", index: 0 },
          { ...b1, seq: "20", index: 0 },
          { ...c1, seq: "100", index: 0 },
          { ...a1, seq: "100", index: 1 },
        ],
        // Sequence numbers compare as integers: "100" is after "30".
        earliestSequenceNumber: "20",
      },
      {
        key: `AAPL|${BASE_MINUTE + 60_000}`,
        symbol: "AAPL",
        start: BASE_MINUTE + 60_000,
        ticks: [{ ...a2, seq: "30", index: 1 }],
        earliestSequenceNumber: "30",
      },
      {
        key: `MSFT|${BASE_MINUTE}`,
        symbol: "MSFT",
        start: BASE_MINUTE,
        ticks: [{ ...b2, seq: "20", index: 1 }],
        earliestSequenceNumber: "20",
      },
    ]);
  });

  it("plans nothing for records without ticks", () => {
    expect(planBarUpdates([streamRecord(SHARD_0, "1", [])])).toEqual([]);
    expect(planBarUpdates([])).toEqual([]);
  });
});

describe("applyTrades", () => {
  const a = tick({ tradeId: "a", price: 10, ts: BASE_MINUTE + 1_000 });
  const b = tick({ tradeId: "b", price: 11, ts: BASE_MINUTE + 2_000 });
  const c = tick({ tradeId: "c", price: 9, ts: BASE_MINUTE + 3_000 });

  it("adds nothing and makes no bar from nothing", () => {
    expect(applyTrades(undefined, [], () => false)).toEqual({
      bar: undefined,
      added: [],
      duplicateTicks: 0,
    });
  });

  it("starts a bar from the new trades", () => {
    expect(applyTrades(undefined, [b, a], () => false)).toEqual({
      bar: barFromTicks([a, b]),
      added: [b, a],
      duplicateTicks: 0,
    });
  });

  it("adds to the stored bar only the trades its set does not hold", () => {
    const current = barFromTicks([a]);
    const asked: string[] = [];
    const result = applyTrades(current, [a, b, c], (id) => {
      asked.push(id);
      return id === "a";
    });
    expect(result).toEqual({ bar: barFromTicks([a, b, c]), added: [b, c], duplicateTicks: 1 });
    expect(asked).toEqual(["a", "b", "c"]);
  });

  it("counts a trade repeated within the ticks once, by its first occurrence", () => {
    const again = { ...a, price: 12 };
    const result = applyTrades(undefined, [a, b, again, b], () => false);
    expect(result).toEqual({ bar: barFromTicks([a, b]), added: [a, b], duplicateTicks: 2 });
    expect(result.bar?.trades).toBe(2);
  });

  it("returns the stored bar itself when every trade was counted", () => {
    const current = barFromTicks([a, b]);
    const result = applyTrades(current, [b, a, b], () => true);
    expect(result.bar).toBe(current);
    expect(result).toEqual({ bar: current, added: [], duplicateTicks: 3 });
  });

  it("adds nothing when the same ticks are applied again to its result", () => {
    const first = applyTrades(undefined, [a, b, c], () => false);
    const ids = new Set(first.added.map((t) => t.tradeId));
    const again = applyTrades(first.bar, [c, a, b], (id) => ids.has(id));
    expect(again).toEqual({ bar: first.bar, added: [], duplicateTicks: 3 });
  });
});

/** A stream record as the event source delivers it: a tick object as JSON, base64. */
function rawRecord(shardId: string, seq: string, body: unknown): StreamRecord {
  return {
    shardId,
    sequenceNumber: seq,
    partitionKey: "AAPL",
    data: Buffer.from(JSON.stringify(body)).toString("base64"),
    approximateArrivalTimestamp: 1_714_571_100.5,
  };
}

describe("trade identity", () => {
  const body = { symbol: "AAPL", price: 1.5, size: 2, ts: "2024-05-01T13:45:01.000Z" };

  it("takes a numeric trade id and its decimal text for one trade", () => {
    const decoded = decodeStreamRecords([
      rawRecord(SHARD_0, sequenceNumber(1), { ...body, tradeId: 7 }),
      rawRecord(SHARD_0, sequenceNumber(2), { ...body, tradeId: "7" }),
    ]);
    expect(decoded.records.map((r) => r.ticks.map((t) => t.tradeId))).toEqual([["7"], ["7"]]);
    const table = new Map<string, StoredState>();
    const counts = noCounts();
    fold(table, decoded.records.slice(0, 1), counts);
    fold(table, decoded.records.slice(1), counts);
    expect(counts).toEqual({ applied: 1, duplicates: 1, ticks: 2 });
    const state = table.get(`AAPL|${BASE_MINUTE}`);
    expect(state?.ids).toEqual(new Set(["7"]));
    expect(state?.bar).toEqual({
      symbol: "AAPL",
      interval: "1m",
      start: BASE_MINUTE,
      open: 1.5,
      openOrder: { ts: BASE_MINUTE + 1_000, tradeId: "7" },
      high: 1.5,
      low: 1.5,
      close: 1.5,
      closeOrder: { ts: BASE_MINUTE + 1_000, tradeId: "7" },
      volume: 20_000_000_000n,
      notional: 3n * 10n ** 20n,
      trades: 1,
      firstTradeAt: BASE_MINUTE + 1_000,
      lastTradeAt: BASE_MINUTE + 1_000,
    });
  });

  it("keeps a numeric trade id apart from text with leading zeros", () => {
    const decoded = decodeStreamRecords([
      rawRecord(SHARD_0, sequenceNumber(1), [
        { ...body, tradeId: 7 },
        { ...body, tradeId: "007" },
      ]),
    ]);
    const table = new Map<string, StoredState>();
    const counts = noCounts();
    fold(table, decoded.records, counts);
    expect(counts).toEqual({ applied: 2, duplicates: 0, ticks: 2 });
    expect(table.get(`AAPL|${BASE_MINUTE}`)?.ids).toEqual(new Set(["7", "007"]));
  });

  it("takes one trade id under two symbols for two trades", () => {
    const table = new Map<string, StoredState>();
    const counts = noCounts();
    const aapl = tick({ tradeId: "1", price: 10 });
    const msft = tick({ symbol: "MSFT", tradeId: "1", price: 20 });
    fold(table, [streamRecord(SHARD_0, "1", [aapl, msft], "MIX")], counts);
    fold(table, [streamRecord(SHARD_0, "2", [msft, aapl], "MIX")], counts);
    expect(counts).toEqual({ applied: 2, duplicates: 2, ticks: 4 });
    expect(bars(table)).toEqual(
      new Map([
        [`AAPL|${BASE_MINUTE}`, barFromTicks([aapl])],
        [`MSFT|${BASE_MINUTE}`, barFromTicks([msft])],
      ]),
    );
  });

  it("counts a record whose write failed when it is replayed after a later record landed", () => {
    // r1 and r2 both fall into bar B; r1's write fails, r2's lands, then r1 is replayed.
    const t1 = tick({ tradeId: "a", price: 10, ts: BASE_MINUTE + 1_000 });
    const t2 = tick({ tradeId: "b", price: 11, ts: BASE_MINUTE + 2_000 });
    const r1 = streamRecord(SHARD_0, sequenceNumber(1), [t1]);
    const r2 = streamRecord(SHARD_0, sequenceNumber(2), [t2]);
    const table = new Map<string, StoredState>();
    const counts = noCounts();
    fold(table, [r1], counts, () => true);
    fold(table, [r2], counts);
    fold(table, [r1], counts);
    expect(counts).toEqual({ applied: 2, duplicates: 0, ticks: 2 });
    const bar = table.get(`AAPL|${BASE_MINUTE}`)?.bar;
    expect(bar).toEqual(referenceBar([t1, t2]));
    expect([bar?.open, bar?.close, bar?.trades]).toEqual([10, 11, 2]);
  });

  it("counts a tick re-put as a new record, on another shard, once", () => {
    const t = tick({ tradeId: "T-1", price: 10, ts: BASE_MINUTE + 1_000 });
    const table = new Map<string, StoredState>();
    const counts = noCounts();
    fold(table, [streamRecord(SHARD_0, sequenceNumber(1), [t])], counts);
    fold(table, [streamRecord(SHARD_1, sequenceNumber(9), [t])], counts);
    expect(counts).toEqual({ applied: 1, duplicates: 1, ticks: 2 });
    expect(table.get(`AAPL|${BASE_MINUTE}`)?.bar).toEqual(barFromTicks([t]));
  });
});

const TRADE_IDS = [
  ...Array.from({ length: 40 }, (_, i) => String(i)),
  "9007199254740991",
  "A",
  "B",
  "a",
  "T-9",
  "T-10",
  "550e8400-e29b-41d4-a716-446655440000",
  "550E8400-E29B-41D4-A716-446655440000",
  "550e8400-E29B-41d4-a716-446655440000",
  "é",
];

/** Distinct trades: unique (symbol, tradeId) per bar, times that often tie. */
const tradesArb: fc.Arbitrary<Tick[]> = fc.uniqueArray(
  fc.record({
    symbol: fc.constantFrom("AAPL", "MSFT"),
    price: amountArb,
    size: amountArb,
    ts: fc
      .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 5 }))
      .map(([minute, step]) => BASE_MINUTE + minute * 60_000 + step * 11_999),
    tradeId: fc.constantFrom(...TRADE_IDS),
  }),
  {
    minLength: 1,
    maxLength: 60,
    size: "medium",
    selector: (t) => `${t.symbol}|${minuteStart(t.ts)}|${t.tradeId}`,
  },
);

const operationArb = fc.record({
  kind: fc.constantFrom("repeat", "bisect", "reput", "reputMerged"),
  batch: fc.nat(),
  swap: fc.boolean(),
});

const discardArb = fc.record({
  batch: fc.nat(),
  failures: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
});

interface Scenario {
  /** The distinct trades. */
  readonly trades: readonly Tick[];
  /** Every delivery, in order: a batch and which of its bars' writes fail. */
  readonly deliveries: readonly {
    readonly records: readonly DecodedStreamRecord[];
    readonly fails: readonly boolean[] | null;
  }[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .tuple(tradesArb, fc.array(fc.nat(), { maxLength: 15 }))
  .chain(([trades, copies]) => {
    // Producer-side repeats: the same trade put again, identical content.
    const sent = [...trades, ...copies.map((i) => ({ ...trades[i % trades.length] }))];
    return fc.record({
      trades: fc.constant(trades),
      sent: fc.shuffledSubarray(sent, { minLength: sent.length }),
      recordSizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 60, maxLength: 60 }),
      shards: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
      batchSizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 60, maxLength: 60 }),
      operations: fc.array(operationArb, { maxLength: 12 }),
      order: fc.array(fc.nat(), { minLength: 100, maxLength: 100 }),
      discards: fc.array(discardArb, { maxLength: 6 }),
    });
  })
  .map((draft) => {
    let next = 1;
    const newSeq = () => sequenceNumber(next++);
    // The original records: consecutive ticks grouped 1-3 per record, on either shard.
    const records: DecodedStreamRecord[] = [];
    for (let i = 0, r = 0; i < draft.sent.length; r += 1) {
      const size = draft.recordSizes[r % 60];
      records.push(
        streamRecord(
          draft.shards[r % 60] ? SHARD_1 : SHARD_0,
          newSeq(),
          draft.sent.slice(i, i + size),
        ),
      );
      i += size;
    }
    // The first delivery of each record: consecutive batches.
    const batches: DecodedStreamRecord[][] = [];
    for (let i = 0, b = 0; i < records.length; b += 1) {
      const size = draft.batchSizes[b % 60];
      batches.push(records.slice(i, i + size));
      i += size;
    }
    // Redeliveries: whole batches again, halves of bisected batches, re-puts as new records.
    const base = batches.length;
    for (const op of draft.operations) {
      const batch = batches[op.batch % base];
      const reput = (record: DecodedStreamRecord) =>
        streamRecord(record.shardId === SHARD_0 ? SHARD_1 : SHARD_0, newSeq(), record.ticks);
      if (op.kind === "repeat") {
        batches.push(batch);
      } else if (op.kind === "bisect") {
        const half = Math.ceil(batch.length / 2);
        const halves = [batch.slice(0, half), batch.slice(half)].filter((h) => h.length > 0);
        batches.push(...(op.swap ? halves.reverse() : halves));
      } else if (op.kind === "reput") {
        batches.push((op.swap ? [...batch].reverse() : batch).map(reput));
      } else {
        const ticks = batch.flatMap((record) => record.ticks);
        batches.push([streamRecord(SHARD_1, newSeq(), ticks, "MIX")]);
      }
    }
    // Any order, then some deliveries fail in part (some bars' writes do not land) and are
    // replayed whole at the end.
    const ordered = batches
      .map((records, i) => ({ records, key: draft.order[i % 100] * 1_000 + i }))
      .sort((x, y) => x.key - y.key)
      .map(({ records }) => records);
    const fails = new Map<number, boolean[]>();
    for (const discard of draft.discards) {
      fails.set(discard.batch % ordered.length, discard.failures);
    }
    const deliveries = ordered.map((records, i) => ({ records, fails: fails.get(i) ?? null }));
    for (const [i] of [...fails].sort(([x], [y]) => x - y)) {
      deliveries.push({ records: ordered[i], fails: null });
    }
    return { trades: draft.trades, deliveries };
  });

describe("exactly-once effect, whatever the delivery", () => {
  it("folds any deliveries of a set of trades into the bars of the distinct trades", () => {
    fc.assert(
      fc.property(scenarioArb, ({ trades, deliveries }) => {
        const table = new Map<string, StoredState>();
        const counts = noCounts();
        for (const { records, fails } of deliveries) {
          fold(table, records, counts, (i) => fails?.[i % fails.length] ?? false);
        }
        expect(bars(table)).toEqual(referenceBars(trades));
        for (const [key, state] of table) {
          const ids = trades
            .filter((t) => barKey(t.symbol, minuteStart(t.ts)) === key)
            .map((t) => t.tradeId);
          expect(state.ids).toEqual(new Set(ids));
          expect(state.bar.trades).toBe(ids.length);
        }
        expect(counts.applied).toBe(trades.length);
        expect(counts.applied + counts.duplicates).toBe(counts.ticks);
      }),
      { numRuns: 400 },
    );
  });

  it("gives the same bars for the same trades split into batches any other way", () => {
    fc.assert(
      fc.property(
        tradesArb.chain((trades) =>
          fc.tuple(
            fc.constant(trades),
            fc.shuffledSubarray(trades, { minLength: trades.length }),
            fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 40, maxLength: 40 }),
          ),
        ),
        ([trades, shuffled, sizes]) => {
          const table = new Map<string, StoredState>();
          const counts = noCounts();
          for (let i = 0, b = 0; i < shuffled.length; b += 1) {
            const batch = shuffled.slice(i, i + sizes[b]);
            fold(table, [streamRecord(SHARD_0, sequenceNumber(b + 1), batch, "MIX")], counts);
            i += sizes[b];
          }
          const once = noCounts();
          const single = new Map<string, StoredState>();
          fold(single, [streamRecord(SHARD_0, sequenceNumber(1), trades, "MIX")], once);
          expect(bars(table)).toEqual(bars(single));
          expect(counts).toEqual({ applied: trades.length, duplicates: 0, ticks: trades.length });
        },
      ),
      { numRuns: 200 },
    );
  });
});

// The fold's sequenced ticks are the plan's own: a bar never depends on seq or index.
describe("sequence positions", () => {
  it("leave the bar unchanged whatever the record and position of each trade", () => {
    const t: SequencedTick = { ...tick({ tradeId: "x" }), seq: "5", index: 0 };
    const u: SequencedTick = {
      ...t,
      seq: "49590000000000000000000000000000000000000000000000000001",
      index: 3,
    };
    const bar = applyTrades(undefined, [t], () => false).bar;
    expect(bar?.openOrder).toEqual({ ts: BASE_MINUTE, tradeId: "x" });
    expect(bar?.closeOrder).toEqual({ ts: BASE_MINUTE, tradeId: "x" });
    expect(applyTrades(undefined, [u], () => false).bar).toEqual(bar);
  });
});
