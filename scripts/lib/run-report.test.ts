import type { ApiBar } from "./analytics-client";
import type { ArchiveAudit } from "./archive-audit";
import { quantile } from "./freshness-probe";
import {
  reconcile,
  renderSessionTable,
  renderSummary,
  sessionOf,
  type RunFigures,
} from "./run-report";

function bar(start: string, fields: Partial<ApiBar>): ApiBar {
  return {
    symbol: "AAPL",
    interval: "1m",
    start,
    open: 100,
    high: 100,
    low: 100,
    close: 100,
    volume: 100,
    notional: 10_000,
    vwap: 100,
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
  malformedTicksGenerated: 6,
  ticksInBars: 144,
  malformedTicks: 6,
  malformedRecords: 5,
  archive: AUDIT,
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
  functionErrors: 0,
  partialFailures: 1,
};

describe("sessionOf", () => {
  it("rolls 1-minute bars up: first open, last close, extremes, sums and notional over volume", () => {
    const session = sessionOf("AAPL", [
      bar("2024-05-01T13:31:00.000Z", {
        open: 101,
        high: 104,
        low: 100.5,
        close: 103,
        volume: 300,
        notional: 30_900,
        trades: 3,
      }),
      bar("2024-05-01T13:30:00.000Z", {
        open: 100,
        high: 102,
        low: 99,
        close: 101,
        volume: 100,
        notional: 10_050,
        trades: 2,
      }),
    ]);
    expect(session).toEqual({
      symbol: "AAPL",
      bars: 2,
      trades: 5,
      volume: 400,
      notional: 40_950,
      vwap: 102.375,
      open: 100,
      high: 104,
      low: 99,
      close: 103,
    });
    expect(sessionOf("MSFT", [])).toBeUndefined();
  });

  it("renders the session table with aligned columns", () => {
    const session = sessionOf("BRK.B", [
      bar("2024-05-01T13:30:00.000Z", { volume: 12_345, notional: 1_234_500, trades: 1234 }),
    ]);
    expect(renderSessionTable(session ? [session] : [])).toBe(
      [
        "symbol  bars  trades  volume      VWAP    open    high     low   close",
        "------  ----  ------  ------  --------  ------  ------  ------  ------",
        "BRK.B      1   1,234  12,345  100.0000  100.00  100.00  100.00  100.00",
      ].join("\n"),
    );
  });
});

describe("reconcile", () => {
  it("passes when every tick and record is accounted for", () => {
    expect(reconcile(FIGURES)).toEqual({ ok: true, problems: [] });
  });

  it("names the missing ticks and what the generator made", () => {
    expect(reconcile({ ...FIGURES, ticksInBars: 140, malformedTicks: 5 }).problems).toEqual([
      "Ticks do not reconcile: sent 150, but bars hold 140 and the processor skipped 5 as malformed (145, 5 missing). The market generated 6 malformed ticks.",
    ]);
    expect(reconcile({ ...FIGURES, ticksInBars: 146 }).problems).toEqual([
      "Ticks do not reconcile: sent 150, but bars hold 146 and the processor skipped 6 as malformed (152, 2 too many).",
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
        deadLettered: [batch, { ...batch, startSequenceNumber: "150", batchSize: 9 }],
        lastErrors: new Map([
          [
            "staging-market-processor-us-east-1-local",
            "Bar write failed; Lambda retries the batch from its earliest record: throttled",
          ],
        ]),
      }).problems,
    ).toEqual([
      "staging-market-processor-us-east-1-local: 50 record(s) in 2 batch(es) went to the on-failure destination after exhausting their retries (first: shardId-000000000001 from 100; the function reported 1 batch item failure(s)). Its last ERROR log: Bar write failed; Lambda retries the batch from its earliest record: throttled.",
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

describe("renderSummary", () => {
  it("prints every figure and the verdict", () => {
    expect(renderSummary(FIGURES, reconcile(FIGURES))).toBe(
      [
        "environment         staging (2 shards)",
        "ticks sent          150 in 120 records over 2.0 s (75 ticks/s)",
        "ticks in bars       144",
        "malformed           6 ticks in 5 records (skipped and logged by the processor)",
        "ticks reconcile     yes: 150 sent = 144 in bars + 6 malformed",
        "archived records    120 read back from 3 gzip NDJSON objects",
        "archive reconciles  yes: 120 archived = 120 records sent",
        "bar TTL             14 of 14 bar items expire 30 days after their minute (expiresAt)",
        "freshness           p50 120 ms, p99 480 ms (send -> visible through GET /latest, 4 samples)",
        "invocations         processor 9, archiver 8; function errors 0, partial batch failures 1",
        "handler p50/p99     market-processor 40.0 ms / 90.0 ms, analytics-api 4.50 ms / 12.0 ms",
        "",
        "OK: every tick is in a bar or was skipped as malformed, and every record is archived exactly as sent.",
      ].join("\n"),
    );
  });

  it("marks a failed run and lists its problems", () => {
    const figures = { ...FIGURES, ticksInBars: 143 };
    const text = renderSummary(figures, reconcile(figures));
    expect(text).toContain("ticks reconcile     NO: 150 sent != 143 in bars + 6 malformed");
    expect(
      text.endsWith(
        "FAILED:\n  - Ticks do not reconcile: sent 150, but bars hold 143 and the processor skipped 6 as malformed (149, 1 missing).",
      ),
    ).toBe(true);
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
