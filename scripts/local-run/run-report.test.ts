import type { ExactApiBar } from "../smoke/analytics-client";
import type { ArchiveAudit } from "./archive-audit";
import type { SimulatedMapping } from "../local-aws/event-source-mapping-deployed";
import { quantile } from "./freshness-probe";
import { reconcile, renderSummary, type RunFigures } from "./run-report";
import { groupDecimal, renderSessionTable, sessionOf } from "./session-table";

function bar(start: string, fields: Partial<ExactApiBar>): ExactApiBar {
  return {
    symbol: "AAPL",
    interval: "1m",
    start,
    open: "100",
    high: "100",
    low: "100",
    close: "100",
    volume: "100",
    notional: "10000",
    vwap: "100",
    trades: 1,
    firstTradeAt: start,
    lastTradeAt: start,
    ...fields,
  };
}

const AUDIT: ArchiveAudit = {
  objects: 3,
  lines: 120,
  archivedRecords: 120,
  duplicateLines: 0,
  missing: [],
  problems: [],
};

const FIGURES: RunFigures = {
  env: "staging",
  shards: 2,
  sendSeconds: 2,
  ticksSent: 150,
  recordsSent: 120,
  distinctTrades: 140,
  rePuts: { records: 3, ticks: 4, malformedTicks: 1, wholeBatches: 0, otherKey: 1, otherShard: 1 },
  malformedTicksGenerated: 6,
  ticksInBars: 140,
  duplicatesSkipped: 4,
  pastRetentionTicks: 0,
  malformedTicks: 6,
  malformedRecords: 5,
  archive: AUDIT,
  reconcile: {
    from: Date.UTC(2024, 4, 1, 13, 30),
    to: Date.UTC(2024, 4, 1, 13, 32),
    barsCompared: 14,
    differences: [],
    table: "",
    archiveProblems: [],
  },
  ttl: { items: 14, expiring: 14, wrong: [], retentionDays: 30 },
  freshness: { samples: 4, p50Ms: 120, p99Ms: 480, maxMs: 480, notVisible: 0, queryErrors: 0 },
  deadLettered: [],
  lastErrors: new Map(),
  durations: new Map([
    ["market-processor", { p50Ms: 40, p99Ms: 90 }],
    ["analytics-api", { p50Ms: 4.5, p99Ms: 12 }],
  ]),
  processorInvocations: 9,
  archiverInvocations: 8,
  processorRetries: 0,
  functionErrors: 0,
  partialFailures: 0,
};

describe("sessionOf", () => {
  it("rolls 1-minute bars up: first open, last close, extremes, sums and notional over volume", () => {
    const session = sessionOf("AAPL", [
      bar("2024-05-01T13:31:00.000Z", {
        open: "101",
        high: "104",
        low: "100.5",
        close: "103",
        volume: "300",
        notional: "30900",
        trades: 3,
      }),
      bar("2024-05-01T13:30:00.000Z", {
        open: "100",
        high: "102",
        low: "99",
        close: "101",
        volume: "100",
        notional: "10050",
        trades: 2,
      }),
    ]);
    expect(session).toEqual({
      symbol: "AAPL",
      bars: 2,
      trades: 5,
      volume: "400",
      notional: "40950",
      vwap: "102.375",
      open: "100",
      high: "104",
      low: "99",
      close: "103",
    });
    expect(sessionOf("MSFT", [])).toBeUndefined();
  });

  it("adds volumes and notionals exactly, where floats would lose digits", () => {
    const session = sessionOf("EXACT", [
      bar("2024-05-01T13:30:00.000Z", {
        volume: "0.1",
        notional: "97316742.12345678912345678912",
      }),
      bar("2024-05-01T13:31:00.000Z", {
        volume: "0.2",
        notional: "0.00000000000000000001",
      }),
      bar("2024-05-01T13:32:00.000Z", {
        volume: "9007199254740993",
        notional: "9007199254740993",
      }),
    ]);
    expect(session).toMatchObject({
      volume: "9007199254740993.3",
      notional: "9007199352057735.12345678912345678913",
    });
    // The same sums as numbers: the volume's last digits are gone.
    expect(String(Number("0.1") + Number("0.2") + Number("9007199254740993"))).not.toBe(
      "9007199254740993.3",
    );
  });

  it("rounds the session VWAP half to even, from the exact totals", () => {
    // 1.00000000005 exactly: the tie at the 11th place goes to the even digit.
    const tie = sessionOf("TIE", [
      bar("2024-05-01T13:30:00.000Z", { volume: "1", notional: "1.00000000005" }),
    ]);
    expect(tie?.vwap).toBe("1");
    const up = sessionOf("UP", [
      bar("2024-05-01T13:30:00.000Z", { volume: "1", notional: "1.00000000015" }),
    ]);
    expect(up?.vwap).toBe("1.0000000002");
  });

  it("renders the session table with aligned columns, volumes and prices exactly", () => {
    const session = sessionOf("BRK.B", [
      bar("2024-05-01T13:30:00.000Z", { volume: "12345", notional: "1234500", trades: 1234 }),
    ]);
    const odd = sessionOf("ODD", [
      bar("2024-05-01T13:30:00.000Z", {
        open: "0.1234567891",
        high: "1234.5",
        low: "0.1234567891",
        close: "1234.5",
        volume: "1234567.25",
        notional: "1234567.25",
      }),
    ]);
    expect(renderSessionTable([session, odd].flatMap((row) => (row ? [row] : [])))).toBe(
      [
        "symbol  bars  trades        volume      VWAP          open      high           low     close",
        "------  ----  ------  ------------  --------  ------------  --------  ------------  --------",
        "BRK.B      1   1,234        12,345  100.0000        100.00    100.00        100.00    100.00",
        "ODD        1       1  1,234,567.25    1.0000  0.1234567891  1,234.50  0.1234567891  1,234.50",
      ].join("\n"),
    );
  });
});

describe("groupDecimal", () => {
  it.each([
    ["0", 0, "0"],
    ["999", 0, "999"],
    ["1000", 2, "1,000.00"],
    ["1234567.5", 2, "1,234,567.50"],
    ["0.0000000001", 2, "0.0000000001"],
  ])("writes %s with %d decimals at least as %s", (text, places, expected) => {
    expect(groupDecimal(text, places)).toBe(expected);
  });
});

describe("reconcile", () => {
  it("passes when every trade, duplicate, malformed tick and record is accounted for", () => {
    expect(reconcile(FIGURES)).toEqual({ ok: true, problems: [] });
  });

  it("compares the bars with the distinct trades sent, not with the ticks sent", () => {
    expect(reconcile({ ...FIGURES, ticksInBars: 137 }).problems).toEqual([
      "Ticks do not reconcile: the producer sent 140 distinct valid trades, but bars hold 137 (3 missing).",
    ]);
    // Re-put ticks counted twice show as too many trades.
    expect(reconcile({ ...FIGURES, ticksInBars: 144, duplicatesSkipped: 0 }).problems).toEqual([
      "Ticks do not reconcile: the producer sent 140 distinct valid trades, but bars hold 144 (4 too many).",
      "Duplicates do not reconcile: the producer re-put 4 valid ticks, but the processor skipped 0 as duplicates and no batch was retried.",
    ]);
  });

  it("counts every re-put tick as a duplicate: exactly, or at least when batches were retried", () => {
    expect(reconcile({ ...FIGURES, ticksInBars: 139, pastRetentionTicks: 1 }).problems).toEqual([
      "Ticks do not reconcile: the producer sent 140 distinct valid trades, but bars hold 139 (1 missing).",
      "1 tick fell in bars past their retention and were not counted: the market's trade times or this machine's clock are off by the retention or more.",
    ]);
    expect(reconcile({ ...FIGURES, duplicatesSkipped: 5 }).problems).toEqual([
      "Duplicates do not reconcile: the producer re-put 4 valid ticks, but the processor skipped 5 as duplicates and no batch was retried.",
    ]);
    expect(reconcile({ ...FIGURES, duplicatesSkipped: 9, processorRetries: 2 }).ok).toBe(true);
    expect(reconcile({ ...FIGURES, duplicatesSkipped: 3, processorRetries: 2 }).problems).toEqual([
      "Duplicates do not reconcile: the producer re-put 4 valid ticks, but the processor skipped 3 as duplicates.",
    ]);
  });

  it("names malformed ticks the processor missed or counted twice", () => {
    expect(reconcile({ ...FIGURES, malformedTicks: 5 }).problems).toEqual([
      "Malformed ticks do not reconcile: the producer sent 6, the processor skipped 5 as malformed (1 missing).",
    ]);
  });

  it("names missing archive records and wrong archive content", () => {
    const archive: ArchiveAudit = {
      ...AUDIT,
      archivedRecords: 113,
      missing: ["s:1", "s:2", "s:3", "s:4", "s:5", "s:6", "s:7"],
      problems: ["object raw/x holds s:9, which was never sent"],
    };
    expect(reconcile({ ...FIGURES, archive }).problems).toEqual([
      "Archive does not reconcile: sent 120 records, the archive holds 113. Missing: s:1, s:2, s:3, s:4, s:5, and 2 more.",
      "Archive content is wrong in 1 place(s): object raw/x holds s:9, which was never sent.",
    ]);
  });

  it("fails on any bar that differs from the archive, and on an archive it could not read", () => {
    const figures: RunFigures = {
      ...FIGURES,
      reconcile: {
        ...FIGURES.reconcile,
        differences: ["AAPL 2024-05-01T13:31Z: missing bar"],
        table: "symbol  minute ...",
        archiveProblems: ["raw/x: not gzip"],
      },
    };
    expect(reconcile(figures).problems).toEqual([
      "Reconcile: 1 of 14 bars differ from the archive's distinct trades: AAPL 2024-05-01T13:31Z: missing bar.",
      "Reconcile could not read the archive in 1 place(s): raw/x: not gzip.",
    ]);
  });

  it("reports batches parked in an on-failure destination, per function, with its last error", () => {
    const batch = {
      functionName: "staging-market-processor-us-east-1-local",
      shardId: "shardId-000000000001",
      startSequenceNumber: "100",
      endSequenceNumber: "140",
      batchSize: 41,
      condition: "RetryAttemptsExhausted" as const,
      lastError: "the function reported 1 batch item failure(s)",
    };
    expect(
      reconcile({
        ...FIGURES,
        deadLettered: [
          batch,
          { ...batch, startSequenceNumber: "150", batchSize: 9 },
          {
            ...batch,
            functionName: "staging-market-archiver-us-east-1-local",
            batchSize: 3,
            condition: "RecordAgeExceeded",
            lastError:
              "its oldest record arrived 3601.0 s ago, past the maximum record age of 3600 s",
          },
        ],
        lastErrors: new Map([
          [
            "staging-market-processor-us-east-1-local",
            "Bar write failed; Lambda retries the batch from its earliest record: throttled",
          ],
        ]),
      }).problems,
    ).toEqual([
      "staging-market-processor-us-east-1-local: 50 record(s) in 2 batch(es) went to the on-failure destination (first: shardId-000000000001 from 100, after exhausting their retries; the function reported 1 batch item failure(s)). Its last ERROR log: Bar write failed; Lambda retries the batch from its earliest record: throttled.",
      "staging-market-archiver-us-east-1-local: 3 record(s) in 1 batch(es) went to the on-failure destination (first: shardId-000000000001 from 100, past their maximum record age; its oldest record arrived 3601.0 s ago, past the maximum record age of 3600 s).",
    ]);
  });
});

describe("reconcile, TTL", () => {
  it("reports bar items that would never expire", () => {
    expect(
      reconcile({
        ...FIGURES,
        ttl: {
          items: 14,
          expiring: 13,
          wrong: ["BAR#AAPL 2024-05-01T13:30:00.000Z (none)"],
          retentionDays: 30,
        },
      }).problems,
    ).toEqual([
      "1 of 14 bar items do not expire 30 days after their minute: BAR#AAPL 2024-05-01T13:30:00.000Z (none).",
    ]);
  });
});

const MAPPINGS: readonly SimulatedMapping[] = [
  {
    consumer: "market-processor",
    batchSize: 500,
    maximumBatchingWindowSeconds: 0,
    parallelizationFactor: 2,
    maximumRetryAttempts: 10_000,
    maximumRecordAgeSeconds: 900,
    bisectBatchOnFunctionError: true,
    idlePollMs: 100,
    retryBackoffMs: 50,
  },
  {
    consumer: "market-archiver",
    batchSize: 10_000,
    maximumBatchingWindowSeconds: 5,
    deployedBatchingWindowSeconds: 300,
    parallelizationFactor: 1,
    maximumRetryAttempts: 10_000,
    maximumRecordAgeSeconds: 3600,
    bisectBatchOnFunctionError: true,
    idlePollMs: 100,
    retryBackoffMs: 50,
  },
];

describe("renderSummary", () => {
  it("prints every figure and the verdict", () => {
    expect(renderSummary(FIGURES, reconcile(FIGURES))).toBe(
      [
        "environment         staging (2 shards)",
        "ticks sent          150 in 120 records over 2.0 s (75 ticks/s), re-puts included",
        "ticks in bars       140 (distinct valid trades sent: 140)",
        "duplicates skipped  4 (re-puts 4 ticks in 3 records: 0 whole batches, 1 under another key, 1 on another shard)",
        "malformed           6 ticks in 5 records (skipped and logged by the processor)",
        "ticks reconcile     yes: 150 sent = 140 in bars + 4 duplicates + 6 malformed",
        "archived records    120 read back from 3 gzip NDJSON objects",
        "archive reconciles  yes: 120 archived = 120 records sent",
        "reconcile           0 differences over 14 bars of 2024-05-01T13:30Z..2024-05-01T13:32Z (the archive's distinct trades vs the table: trades, volume, notional, prices, times)",
        "bar TTL             14 of 14 bar items expire 30 days after their minute (expiresAt)",
        "freshness           p50 120 ms, p99 480 ms (send -> visible through GET /latest, 4 samples)",
        "invocations         processor 9, archiver 8; function errors 0, partial batch failures 0",
        "handler p50/p99     market-processor 40.0 ms / 90.0 ms, analytics-api 4.50 ms / 12.0 ms",
        "",
        "OK: every distinct trade is in a bar once, every re-put tick was skipped as a duplicate and every malformed one as malformed, every record is archived exactly as sent, and the bars match the archive.",
      ].join("\n"),
    );
  });

  it("shows the mappings as simulated, and a shortened window with the deployed one", () => {
    const text = renderSummary({ ...FIGURES, mappings: MAPPINGS }, reconcile(FIGURES));
    expect(text).toContain(
      [
        "environment         staging (2 shards)",
        "processor mapping   500 records, no batching window, 2 lanes per shard; 10,000 retries within 15 min of arrival, bisected on errors",
        "archiver mapping    10,000 records or 5 s (--archiver-window; deployed 300 s), 1 lane per shard; 10,000 retries within 1 h of arrival, bisected on errors",
        "ticks sent",
      ].join("\n"),
    );
  });

  it("counts the ticks of retried batches apart from the re-puts", () => {
    const figures = { ...FIGURES, duplicatesSkipped: 10, processorRetries: 1, partialFailures: 1 };
    const text = renderSummary(figures, reconcile(figures));
    expect(text).toContain(
      "duplicates skipped  10 (re-puts 4 ticks in 3 records: 0 whole batches, 1 under another key, 1 on another shard; 6 ticks of retried batches)",
    );
    expect(text).toContain(
      "ticks reconcile     yes: 150 sent = 140 in bars + 4 duplicates + 6 malformed",
    );
  });

  it("marks a failed run and lists its problems", () => {
    const figures = { ...FIGURES, ticksInBars: 139 };
    const text = renderSummary(figures, reconcile(figures));
    expect(text).toContain(
      "ticks reconcile     NO: 150 sent != 139 in bars + 4 duplicates + 6 malformed",
    );
    expect(
      text.endsWith(
        "FAILED:\n  - Ticks do not reconcile: the producer sent 140 distinct valid trades, but bars hold 139 (1 missing).",
      ),
    ).toBe(true);
  });

  it("prints the bars that differ from the archive, and fails", () => {
    const figures: RunFigures = {
      ...FIGURES,
      reconcile: {
        ...FIGURES.reconcile,
        differences: ["AAPL 2024-05-01T13:31Z: missing bar"],
        table:
          "symbol  minute             trades archive\nAAPL    2024-05-01T13:31Z               3",
      },
    };
    const text = renderSummary(figures, reconcile(figures));
    expect(text).toContain(
      "reconcile           1 difference over 14 bars of 2024-05-01T13:30Z..2024-05-01T13:32Z",
    );
    expect(text).toContain(
      "\n\nBars that differ from the archive (reconcile):\nsymbol  minute             trades archive\nAAPL    2024-05-01T13:31Z               3\n\nFAILED:\n  - Reconcile: 1 of 14 bars differ from the archive's distinct trades: AAPL 2024-05-01T13:31Z: missing bar.",
    );
  });
});

describe("quantile", () => {
  it("takes the nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile(values, 1)).toBe(100);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeUndefined();
  });
});
