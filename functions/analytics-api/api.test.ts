import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SequencedTick } from "../domain/bar";
import { barFromTicks, rollupBars } from "../domain/bar";
import type { Tick } from "../domain/tick";
import type { Interval } from "../domain/time";
import { bucketStart } from "../domain/time";
import { createMarketProcessor } from "../market-processor/processor";
import {
  createAnalyticsTable,
  localDynamoDbClient,
  startLocalAws,
} from "../../scripts/local-aws/local-aws";
import type { LocalAws } from "../../scripts/local-aws/local-aws";
import { referenceBar } from "../../tests/support/functions/arbitraries";
import { functionUrlEvent } from "../../tests/support/functions/function-url";
import { kinesisEvent, lambdaContext } from "../../tests/support/functions/kinesis-events";
import { tickRecords, TEST_CLOCK } from "../../tests/support/functions/market";
import { RecordingMetrics, silentLogger } from "../../tests/support/functions/observability";
import type { AnalyticsApi, ApiResponse, BarJson, BarsResponse, LatestResponse } from "./api";
import { barToJson, createAnalyticsApi, priceText } from "./api";
import { encodePageToken } from "./params";

const TABLE = "dev-market-analytics-api";
const NOON = Date.UTC(2024, 4, 1, 12);
const MINUTES = 130;

let local: LocalAws;
let client: DynamoDBClient;
let sequenced: SequencedTick[];
let api: AnalyticsApi;

/** AAPL trades in most minutes from 12:00 to 14:08 (every minute m with m % 7 === 3 is quiet). */
function marketTicks(): Tick[] {
  const ticks: Tick[] = [];
  for (let minute = 0; minute < MINUTES; minute += 1) {
    if (minute % 7 === 3) {
      continue;
    }
    for (let i = 0; i < 3; i += 1) {
      ticks.push({
        symbol: "AAPL",
        price: 180 + ((minute * 7 + i * 3) % 23) / 4,
        size: 1 + ((minute + i) % 5) * 0.5,
        ts: NOON + minute * 60_000 + i * 17_000,
        tradeId: String(minute * 10 + i),
      });
    }
  }
  ticks.push({ symbol: "MSFT", price: 410.5, size: 2, ts: NOON + 5 * 60_000, tradeId: "m1" });
  ticks.push({ symbol: "MSFT", price: 411, size: 3, ts: NOON + 65 * 60_000, tradeId: "m2" });
  ticks.push({ symbol: "BRK.B", price: 412.25, size: 1, ts: NOON + 2 * 60_000, tradeId: "b1" });
  return ticks;
}

/** Runs ticks through the market processor into the table; returns them as it saw them. */
async function ingest(
  ticks: readonly Tick[],
  options: { ticksPerRecord: number; firstSequence: number },
): Promise<SequencedTick[]> {
  const packed = tickRecords(ticks, options);
  const processor = createMarketProcessor({
    dynamodb: client,
    tableName: TABLE,
    barTtlDays: 7,
    logger: silentLogger(),
    metrics: new RecordingMetrics(),
    now: TEST_CLOCK,
  });
  for (let i = 0; i < packed.records.length; i += 100) {
    const result = await processor.processBatch(kinesisEvent(packed.records.slice(i, i + 100)));
    expect(result.response).toEqual({ batchItemFailures: [] });
  }
  return packed.sequenced;
}

beforeAll(async () => {
  local = await startLocalAws({ services: ["dynamodb"], setEnv: false });
  client = localDynamoDbClient(local);
  await createAnalyticsTable(client, TABLE);
  api = createAnalyticsApi({
    dynamodb: client,
    tableName: TABLE,
    logger: silentLogger(),
    metrics: new RecordingMetrics(),
  });
  sequenced = await ingest(marketTicks(), { ticksPerRecord: 3, firstSequence: 1 });
});

afterAll(async () => {
  client.destroy();
  await local.stop();
});

async function get(
  path: string,
  query: Readonly<Record<string, string>> | readonly (readonly [string, string])[] = {},
  method = "GET",
): Promise<ApiResponse & { json: unknown }> {
  const response = (await api.handler(
    functionUrlEvent(method, path, query),
    lambdaContext("dev-analytics-api"),
  )) as ApiResponse;
  return { ...response, json: JSON.parse(response.body) as unknown };
}

function expectedBars(symbol: string, interval: Interval, from: number, to: number): BarJson[] {
  const groups = new Map<number, SequencedTick[]>();
  for (const tick of sequenced) {
    const start = bucketStart(tick.ts, interval);
    if (tick.symbol === symbol && start >= from && start < to) {
      groups.set(start, [...(groups.get(start) ?? []), tick]);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, ticks]) =>
      barToJson(interval === "1m" ? referenceBar(ticks) : barFromTicks(ticks, interval)),
    );
}

const iso = (ms: number) => new Date(ms).toISOString();

describe("GET /bars", () => {
  it("returns 1-minute bars over a range, oldest first, with every documented field", async () => {
    const response = await get("/bars", {
      symbol: "AAPL",
      from: "2024-05-01T12:00:00Z",
      to: "2024-05-01T12:10:00Z",
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual({
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    });
    const body = response.json as BarsResponse;
    expect(body).toEqual({
      symbol: "AAPL",
      interval: "1m",
      from: "2024-05-01T12:00:00.000Z",
      to: "2024-05-01T12:10:00.000Z",
      bars: expectedBars("AAPL", "1m", NOON, NOON + 10 * 60_000),
      next: null,
    });
    expect(body.bars).toHaveLength(9);
    expect(body.bars[0]).toEqual({
      symbol: "AAPL",
      interval: "1m",
      start: "2024-05-01T12:00:00.000Z",
      open: "180",
      high: "181.5",
      low: "180",
      close: "181.5",
      volume: "4.5",
      notional: "814.125",
      vwap: "180.9166666667",
      trades: 3,
      firstTradeAt: "2024-05-01T12:00:00.000Z",
      lastTradeAt: "2024-05-01T12:00:34.000Z",
    });
  });

  it.each(["5m", "15m", "1h"] as const)("merges 1-minute bars into %s bars", async (interval) => {
    const response = await get("/bars", {
      symbol: "AAPL",
      from: String(NOON),
      to: String(NOON + MINUTES * 60_000),
      interval,
      limit: "1440",
    });
    expect(response.statusCode).toBe(200);
    const body = response.json as BarsResponse;
    const to =
      bucketStart(NOON + MINUTES * 60_000 - 1, interval) +
      { "5m": 5, "15m": 15, "1h": 60 }[interval] * 60_000;
    expect(body).toEqual({
      symbol: "AAPL",
      interval,
      from: iso(NOON),
      to: iso(to),
      bars: expectedBars("AAPL", interval, NOON, to),
      next: null,
    });
  });

  it("covers every interval that overlaps the range", async () => {
    const response = await get("/bars", {
      symbol: "AAPL",
      from: "2024-05-01T12:07:30Z",
      to: "2024-05-01T12:31:00Z",
      interval: "15m",
    });
    const body = response.json as BarsResponse;
    expect([body.from, body.to]).toEqual(["2024-05-01T12:00:00.000Z", "2024-05-01T12:45:00.000Z"]);
    expect(body.bars.map((bar) => [bar.start, bar.trades])).toEqual([
      ["2024-05-01T12:00:00.000Z", 39],
      ["2024-05-01T12:15:00.000Z", 39],
      ["2024-05-01T12:30:00.000Z", 39],
    ]);
  });

  it("pages through a range with opaque tokens, never splitting a bar", async () => {
    for (const [interval, limit] of [
      ["1m", 7],
      ["5m", 4],
      ["15m", 1],
    ] as const) {
      const query = {
        symbol: "AAPL",
        from: iso(NOON),
        to: iso(NOON + MINUTES * 60_000),
        interval,
        limit: String(limit),
      };
      const everything = ((await get("/bars", { ...query, limit: "1440" })).json as BarsResponse)
        .bars;
      const pages: BarJson[][] = [];
      let next: string | null = null;
      do {
        const response = await get("/bars", next === null ? query : { ...query, next });
        expect(response.statusCode).toBe(200);
        const body = response.json as BarsResponse;
        pages.push([...body.bars]);
        next = body.next;
        if (next !== null) {
          expect(next).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(body.bars).toHaveLength(limit);
        }
      } while (next !== null);
      expect(pages.flat()).toEqual(everything);
      expect(pages.length).toBe(Math.ceil(everything.length / limit));
    }
  });

  it("returns an empty page for a symbol without bars", async () => {
    const response = await get("/bars", {
      symbol: "NONE",
      from: iso(NOON),
      to: iso(NOON + 3_600_000),
    });
    expect(response.statusCode).toBe(200);
    expect((response.json as BarsResponse).bars).toEqual([]);
    expect((response.json as BarsResponse).next).toBeNull();
  });

  const valid = { symbol: "AAPL", from: "2024-05-01T12:00:00Z", to: "2024-05-01T13:00:00Z" };
  const anotherSymbolsToken = encodePageToken("MSFT", "1m", "2024-05-01T12:05:00.000Z");

  it.each<[string, Record<string, string> | [string, string][], string]>([
    ["no symbol", { from: valid.from, to: valid.to }, "symbol is required"],
    ["an empty symbol", { ...valid, symbol: "" }, "symbol is required"],
    [
      "a lowercase symbol",
      { ...valid, symbol: "aapl" },
      "symbol must be 1-12 characters of A-Z, 0-9, '.' or '-'",
    ],
    [
      "a repeated symbol",
      [
        ["symbol", "AAPL"],
        ["symbol", "MSFT"],
        ["from", valid.from],
        ["to", valid.to],
      ],
      "symbol must be 1-12 characters of A-Z, 0-9, '.' or '-'",
    ],
    ["no from", { symbol: "AAPL", to: valid.to }, "from is required"],
    [
      "a from that is not a time",
      { ...valid, from: "yesterday" },
      "from must be an ISO-8601 date-time with a UTC offset (e.g. 2024-05-01T13:45:00Z) or integer epoch milliseconds",
    ],
    [
      "a from without offset",
      { ...valid, from: "2024-05-01T12:00:00" },
      "from must be an ISO-8601 date-time with a UTC offset (e.g. 2024-05-01T13:45:00Z) or integer epoch milliseconds",
    ],
    [
      "February 30",
      { ...valid, from: "2024-02-30T12:00:00Z" },
      "from must be a valid calendar date and time",
    ],
    [
      "a from before 2000",
      { ...valid, from: "1999-12-31T00:00:00Z" },
      "from must be between 2000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z",
    ],
    [
      "epoch seconds",
      { ...valid, from: "1714564800" },
      "from must be between 2000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z",
    ],
    ["no to", { symbol: "AAPL", from: valid.from }, "to is required"],
    [
      "a to that is not a time",
      { ...valid, to: "now" },
      "to must be an ISO-8601 date-time with a UTC offset (e.g. 2024-05-01T13:45:00Z) or integer epoch milliseconds",
    ],
    ["to equal to from", { ...valid, to: valid.from }, "to must be later than from"],
    ["to before from", { ...valid, to: "2024-05-01T11:00:00Z" }, "to must be later than from"],
    [
      "an unknown interval",
      { ...valid, interval: "2m" },
      "interval must be one of 1m, 5m, 15m, 1h",
    ],
    [
      "more than a day of 1m",
      { ...valid, to: "2024-05-02T12:00:01Z" },
      "to must be at most 1 day after from for interval 1m",
    ],
    [
      "more than 7 days of 5m",
      { ...valid, interval: "5m", to: "2024-05-08T12:00:01Z" },
      "to must be at most 7 days after from for interval 5m",
    ],
    [
      "more than 14 days of 15m",
      { ...valid, interval: "15m", to: "2024-05-15T12:00:01Z" },
      "to must be at most 14 days after from for interval 15m",
    ],
    [
      "more than 31 days of 1h",
      { ...valid, interval: "1h", to: "2024-06-01T12:00:01Z" },
      "to must be at most 31 days after from for interval 1h",
    ],
    ["a zero limit", { ...valid, limit: "0" }, "limit must be a whole number from 1 to 1440"],
    [
      "a limit above 1440",
      { ...valid, limit: "1441" },
      "limit must be a whole number from 1 to 1440",
    ],
    [
      "a fractional limit",
      { ...valid, limit: "2.5" },
      "limit must be a whole number from 1 to 1440",
    ],
    [
      "a limit that is not a number",
      { ...valid, limit: "all" },
      "limit must be a whole number from 1 to 1440",
    ],
    [
      "a token that is not base64url",
      { ...valid, next: "abc+/==" },
      "next is not a valid page token for this query; repeat the request without next",
    ],
    [
      "a token that is not JSON",
      { ...valid, next: Buffer.from("{oops").toString("base64url") },
      "next is not a valid page token for this query; repeat the request without next",
    ],
    [
      "a token of another symbol",
      { ...valid, next: anotherSymbolsToken },
      "next is not a valid page token for this query; repeat the request without next",
    ],
    [
      "a token of another interval",
      { ...valid, next: encodePageToken("AAPL", "5m", "2024-05-01T12:05:00.000Z") },
      "next is not a valid page token for this query; repeat the request without next",
    ],
    [
      "a token outside the range",
      { ...valid, next: encodePageToken("AAPL", "1m", "2024-05-01T14:05:00.000Z") },
      "next is not a valid page token for this query; repeat the request without next",
    ],
    [
      "a token off the minute",
      { ...valid, next: encodePageToken("AAPL", "1m", "2024-05-01T12:05:30.000Z") },
      "next is not a valid page token for this query; repeat the request without next",
    ],
    [
      "a token of another version",
      {
        ...valid,
        next: Buffer.from(
          JSON.stringify({ v: 2, s: "AAPL", i: "1m", k: "2024-05-01T12:05:00.000Z" }),
        ).toString("base64url"),
      },
      "next is not a valid page token for this query; repeat the request without next",
    ],
    [
      "an unknown parameter",
      { ...valid, symobl: "AAPL" },
      'unknown query parameter "symobl"; GET /bars accepts symbol, from, to, interval, limit, next',
    ],
  ])("rejects %s with 400", async (_, query, message) => {
    const response = await get("/bars", query);
    expect(response.statusCode).toBe(400);
    expect(response.headers).toEqual({
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    });
    expect(response.json).toEqual({ message });
  });

  it("rejects a token that was edited by hand", async () => {
    const first = (await get("/bars", { ...valid, limit: "5" })).json as BarsResponse;
    const token = first.next ?? "";
    const tampered = token.slice(0, -2) + (token.endsWith("A") ? "B" : "A") + token.slice(-1);
    const response = await get("/bars", { ...valid, limit: "5", next: tampered });
    expect(response.statusCode).toBe(400);
    expect(response.json).toEqual({
      message: "next is not a valid page token for this query; repeat the request without next",
    });
  });
});

describe("GET /latest", () => {
  it("returns the latest 1-minute bar of each symbol in request order and lists the missing ones", async () => {
    const response = await get("/latest", { symbols: "MSFT,NONE,AAPL,BRK.B,MSFT" });
    expect(response.statusCode).toBe(200);
    const body = response.json as LatestResponse;
    const lastAapl = expectedBars("AAPL", "1m", NOON, NOON + MINUTES * 60_000).at(-1);
    expect(body).toEqual({
      bars: [
        expectedBars("MSFT", "1m", NOON + 65 * 60_000, NOON + 66 * 60_000)[0],
        lastAapl,
        expectedBars("BRK.B", "1m", NOON, NOON + 3 * 60_000)[0],
      ],
      missing: ["NONE"],
    });
    expect(lastAapl?.start).toBe("2024-05-01T14:08:00.000Z");
  });

  it.each<[string, Record<string, string>, string]>([
    ["no symbols", {}, "symbols is required"],
    ["an empty list", { symbols: "" }, "symbols is required"],
    [
      "26 symbols",
      { symbols: Array.from({ length: 26 }, (_, i) => `S${i}`).join(",") },
      "symbols must list at most 25 symbols, got 26",
    ],
    [
      "an invalid symbol",
      { symbols: "AAPL,msft" },
      `symbols contains "msft"; each symbol must be 1-12 characters of A-Z, 0-9, '.' or '-', separated by commas`,
    ],
    [
      "an empty item",
      { symbols: "AAPL,,MSFT" },
      `symbols contains ""; each symbol must be 1-12 characters of A-Z, 0-9, '.' or '-', separated by commas`,
    ],
    [
      "a very long item, cut in the message",
      { symbols: "X".repeat(100) },
      `symbols contains "${"X".repeat(40)}..."; each symbol must be 1-12 characters of A-Z, 0-9, '.' or '-', separated by commas`,
    ],
    [
      "an unknown parameter",
      { symbols: "AAPL", symbol: "AAPL" },
      'unknown query parameter "symbol"; GET /latest accepts symbols',
    ],
  ])("rejects %s with 400", async (_, query, message) => {
    const response = await get("/latest", query);
    expect(response.statusCode).toBe(400);
    expect(response.json).toEqual({ message });
  });

  it("accepts 25 distinct symbols", async () => {
    const symbols = Array.from({ length: 25 }, (_, i) => `S${i}`);
    const response = await get("/latest", { symbols: [...symbols, "S0"].join(",") });
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ bars: [], missing: symbols });
  });
});

describe("routing and failures", () => {
  it.each(["/", "/bars/", "/Bars", "/latest/AAPL", "/health"])(
    "answers 404 for %s",
    async (path) => {
      const response = await get(path);
      expect(response.statusCode).toBe(404);
      expect(response.headers["cache-control"]).toBe("no-store");
      expect(response.json).toEqual({
        message: `no route for ${path}; the routes are GET /bars and GET /latest`,
      });
    },
  );

  it.each([
    ["POST", "/bars"],
    ["PUT", "/latest"],
    ["DELETE", "/bars"],
    ["HEAD", "/latest"],
  ])("answers 405 with Allow: GET for %s %s", async (method, path) => {
    const response = await get(path, {}, method);
    expect(response.statusCode).toBe(405);
    expect(response.headers).toEqual({
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      allow: "GET",
    });
    expect(response.json).toEqual({
      message: `method ${method} is not allowed on ${path}; use GET`,
    });
  });

  it("answers 500 with a request id and logs the error, never a stack trace", async () => {
    const logger = silentLogger();
    const error = jest.spyOn(logger, "error");
    const metrics = new RecordingMetrics();
    const broken = createAnalyticsApi({
      dynamodb: client,
      tableName: "no-such-table",
      logger,
      metrics,
    });
    const context = lambdaContext("dev-analytics-api");

    const response = (await broken.handler(
      functionUrlEvent("GET", "/latest", { symbols: "AAPL" }),
      context,
    )) as ApiResponse;

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({
      message: "internal error; quote the request id when reporting it",
      requestId: context.awsRequestId,
    });
    expect(response.body).not.toMatch(/at |ResourceNotFound|no-such-table/);
    expect(error).toHaveBeenCalledWith(
      "Request failed",
      expect.objectContaining({ path: "/latest", query: "symbols=AAPL", error: expect.any(Error) }),
    );
    expect(metrics.published).toEqual([
      expect.objectContaining({ Requests: 1, ClientErrors: 0, ServerErrors: 1 }),
    ]);
  });

  it("answers 500 for an item that does not have the bar layout", async () => {
    await client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          pk: { S: "BAR#BROKEN" },
          sk: { S: "2024-05-01T12:00:00.000Z" },
          symbol: { S: "BROKEN" },
        },
      }),
    );
    const response = await get("/latest", { symbols: "BROKEN" });
    expect(response.statusCode).toBe(500);
  });

  it("counts client errors in metrics", async () => {
    const metrics = new RecordingMetrics();
    const counted = createAnalyticsApi({
      dynamodb: client,
      tableName: TABLE,
      logger: silentLogger(),
      metrics,
    });
    await counted.handler(functionUrlEvent("GET", "/latest", {}), lambdaContext());
    await counted.handler(functionUrlEvent("GET", "/latest", { symbols: "AAPL" }), lambdaContext());
    expect(metrics.published.map((m) => [m.Requests, m.ClientErrors, m.ServerErrors])).toEqual([
      [1, 1, 0],
      [1, 0, 0],
    ]);
  });
});

describe("exact decimals", () => {
  const at = (minutes: number, seconds = 0) => NOON + minutes * 60_000 + seconds * 1_000;
  const tick = (
    symbol: string,
    price: number,
    size: number,
    ts: number,
    tradeId: string,
  ): Tick => ({
    symbol,
    price,
    size,
    ts,
    tradeId,
  });
  let rollTicks: SequencedTick[];

  beforeAll(async () => {
    const ticks = [
      // Notional 97316742.1234567891: more significant digits than a double holds.
      tick("EXACT", 97_316_742, 1, at(0), "e1"),
      tick("EXACT", 0.1234567891, 1, at(0, 10), "e2"),
      // VWAP 1.00000000005 and 1.00000000015: ties at the 11th decimal place.
      tick("TIE", 1, 1, at(0), "t1"),
      tick("TIE", 1.0000000001, 1, at(0, 1), "t2"),
      tick("TIE", 1, 1, at(1), "t3"),
      tick("TIE", 1.0000000003, 1, at(1, 1), "t4"),
      // Volume and notional far beyond 2^53; prices and sizes at the ends of the valid ranges.
      tick("BIG", 123_456_789.987654, 1e15, at(0), "b1"),
      tick("BIG", 0.0000000001, 999_999_999_999_999, at(0, 1), "b2"),
      tick("BIG", 1_000_000_000, 0.0000000001, at(0, 2), "b3"),
      ...[3, 4, 5, 6, 7, 8, 9, 10].map((second) =>
        tick("BIG", 1, 1e15, at(0, second), `b${second + 1}`),
      ),
      // One trade.
      tick("ONE", 1234.5678901234, 98_765.4321, at(0, 30), "o1"),
      // Minutes 0 and 3 share a 5m bar whose VWAP is a tie; minute 20 joins them in the 1h bar.
      tick("ROLL", 97_316_742, 1, at(0), "r1"),
      tick("ROLL", 0.1234567893, 1, at(3), "r2"),
      tick("ROLL", 2.5, 0.5, at(20), "r3"),
    ];
    const ingested = await ingest(ticks, { ticksPerRecord: 1, firstSequence: 10_000 });
    rollTicks = ingested.filter((t) => t.symbol === "ROLL");
  });

  async function bars(symbol: string, interval: Interval = "1m"): Promise<BarJson[]> {
    const response = await get("/bars", {
      symbol,
      from: iso(NOON),
      to: iso(NOON + 3_600_000),
      interval,
    });
    expect(response.statusCode).toBe(200);
    return [...(response.json as BarsResponse).bars];
  }

  it("returns a notional of 97316742.1234567891 to the last digit, as a JSON string", async () => {
    const expected: BarJson = {
      symbol: "EXACT",
      interval: "1m",
      start: "2024-05-01T12:00:00.000Z",
      open: "97316742",
      high: "97316742",
      low: "0.1234567891",
      close: "0.1234567891",
      volume: "2",
      notional: "97316742.1234567891",
      // 48658371.06172839455: a tie after an odd digit, which goes up to the even one.
      vwap: "48658371.0617283946",
      trades: 2,
      firstTradeAt: "2024-05-01T12:00:00.000Z",
      lastTradeAt: "2024-05-01T12:00:10.000Z",
    };
    const response = await get("/bars", {
      symbol: "EXACT",
      from: iso(NOON),
      to: iso(NOON + 60_000),
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('"notional":"97316742.1234567891"');
    expect((response.json as BarsResponse).bars).toEqual([expected]);

    const latest = await get("/latest", { symbols: "EXACT" });
    expect(latest.body).toContain('"notional":"97316742.1234567891"');
    expect(latest.json).toEqual({ bars: [expected], missing: [] });
  });

  it("rounds VWAP half to even at the 10th decimal place, in both directions", async () => {
    const tie = await bars("TIE");
    expect(tie.map(({ notional, volume, vwap }) => ({ notional, volume, vwap }))).toEqual([
      // 1.00000000005: the tie goes down to the even 0 (half up would give 1.0000000001).
      { notional: "2.0000000001", volume: "2", vwap: "1" },
      // 1.00000000015: the tie goes up to the even 2.
      { notional: "2.0000000003", volume: "2", vwap: "1.0000000002" },
    ]);
  });

  it("keeps volume and notional beyond 2^53 exact", async () => {
    expect(await bars("BIG")).toEqual([
      {
        symbol: "BIG",
        interval: "1m",
        start: "2024-05-01T12:00:00.000Z",
        open: "123456789.987654",
        high: "1000000000",
        low: "0.0000000001",
        close: "1",
        // Checked with Python's decimal module at 80 digits, VWAP rounded half to even.
        volume: "9999999999999999.0000000001",
        notional: "123456797987654000100000.0999999999",
        vwap: "12345679.7987654012",
        trades: 11,
        firstTradeAt: "2024-05-01T12:00:00.000Z",
        lastTradeAt: "2024-05-01T12:00:10.000Z",
      },
    ]);
  });

  it("answers a bar of one trade with its price as open, high, low, close and VWAP", async () => {
    const [bar] = await bars("ONE");
    expect(bar).toMatchObject({
      open: "1234.5678901234",
      high: "1234.5678901234",
      low: "1234.5678901234",
      close: "1234.5678901234",
      volume: "98765.4321",
      notional: "121932631.12482292332114",
      vwap: "1234.5678901234",
      trades: 1,
    });
  });

  const ROLLED: Record<"5m" | "15m" | "1h", Partial<BarJson>[]> = {
    "5m": [
      {
        start: "2024-05-01T12:00:00.000Z",
        open: "97316742",
        high: "97316742",
        low: "0.1234567893",
        close: "0.1234567893",
        volume: "2",
        notional: "97316742.1234567893",
        // 48658371.06172839465: a tie after an even digit stays (half up would end in 47).
        vwap: "48658371.0617283946",
        trades: 2,
      },
      {
        start: "2024-05-01T12:20:00.000Z",
        open: "2.5",
        close: "2.5",
        volume: "0.5",
        notional: "1.25",
        vwap: "2.5",
        trades: 1,
      },
    ],
    "15m": [
      {
        start: "2024-05-01T12:00:00.000Z",
        volume: "2",
        notional: "97316742.1234567893",
        vwap: "48658371.0617283946",
        trades: 2,
      },
      { start: "2024-05-01T12:15:00.000Z", volume: "0.5", notional: "1.25", vwap: "2.5" },
    ],
    "1h": [
      {
        start: "2024-05-01T12:00:00.000Z",
        open: "97316742",
        high: "97316742",
        low: "0.1234567893",
        close: "2.5",
        volume: "2.5",
        notional: "97316743.3734567893",
        vwap: "38926697.3493827157",
        trades: 3,
      },
    ],
  };

  it.each(["5m", "15m", "1h"] as const)("merges %s bars exactly", async (interval) => {
    const rolled = await bars("ROLL", interval);
    expect(rolled).toHaveLength(ROLLED[interval].length);
    rolled.forEach((bar, i) => expect(bar).toMatchObject({ interval, ...ROLLED[interval][i] }));
  });

  it("writes bars rolled up by rollupBars exactly", async () => {
    const minutes = rollTicks.map((t) => barFromTicks([t]));
    expect(rollupBars(minutes, "1h").map(barToJson)).toEqual(await bars("ROLL", "1h"));
    expect(barToJson(rollupBars(minutes, "1h")[0])).toMatchObject(ROLLED["1h"][0]);
  });

  it.each<[number, string]>([
    [100, "100"],
    [0.1, "0.1"],
    [0.0000000001, "0.0000000001"],
    [1234.5678901234, "1234.5678901234"],
    [123_456_789_012_345, "123456789012345"],
    [1e21, "1000000000000000000000"],
  ])("writes the price %p as %p", (price, text) => {
    expect(priceText(price)).toBe(text);
  });

  it.each([0.12345678901, 0, -1])("refuses to write the price %p", (price) => {
    expect(() => priceText(price)).toThrow(RangeError);
  });
});
