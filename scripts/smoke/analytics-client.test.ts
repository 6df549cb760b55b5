import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from "aws-lambda";
import { ZodError } from "zod";
import { barToJson } from "../../functions/analytics-api/api";
import type { SequencedTick } from "../../functions/domain/bar";
import { barFromTicks } from "../../functions/domain/bar";
import {
  AnalyticsClient,
  barJsonSchema,
  decimalEquals,
  decimalTextOf,
  type ExactApiBar,
} from "./analytics-client";

const START = Date.UTC(2024, 4, 1, 12);

const EXACT: ExactApiBar = {
  symbol: "EXACT",
  interval: "1m",
  start: "2024-05-01T12:00:00.000Z",
  open: "97316742",
  high: "97316742",
  low: "0.1234567891",
  close: "0.1234567891",
  volume: "2",
  notional: "97316742.1234567891",
  vwap: "48658371.0617283946",
  trades: 2,
  firstTradeAt: "2024-05-01T12:00:00.000Z",
  lastTradeAt: "2024-05-01T12:00:10.000Z",
};

/** A client whose "Function URL" answers each request with the next body, and records the queries. */
function clientAnswering(...bodies: unknown[]): {
  client: AnalyticsClient;
  queries: Record<string, string | undefined>[];
} {
  const queries: Record<string, string | undefined>[] = [];
  const client = new AnalyticsClient((event: LambdaFunctionURLEvent) => {
    queries.push({ path: event.rawPath, ...event.queryStringParameters });
    const result: LambdaFunctionURLResult = {
      statusCode: 200,
      body: JSON.stringify(bodies.shift()),
    };
    return Promise.resolve(result);
  });
  return { client, queries };
}

describe("the analytics client", () => {
  it("keeps every decimal of the API's answer as exact text", async () => {
    const next = {
      ...EXACT,
      start: "2024-05-01T12:01:00.000Z",
      notional: "0.00000000000000000001",
    };
    const { client, queries } = clientAnswering(
      { symbol: "EXACT", interval: "1m", bars: [EXACT], next: "page-2" },
      { symbol: "EXACT", interval: "1m", bars: [next], next: null },
    );
    const bars = await client.allExactBars("EXACT", START, START + 120_000);
    expect(bars).toEqual([EXACT, next]);
    expect(bars[0].notional).toBe("97316742.1234567891");
    expect(queries.map((query) => query.next)).toEqual([undefined, "page-2"]);
  });

  it("gives reports the nearest numbers, and only there", async () => {
    const { client } = clientAnswering({ bars: [EXACT], next: null });
    const [bar] = await client.allBars("EXACT", START, START + 60_000);
    expect(bar).toMatchObject({ open: 97316742, low: 0.1234567891, volume: 2, trades: 2 });
    expect(bar.notional).toBe(97316742.12345679);
  });

  it("reads /latest as exact bars", async () => {
    const { client } = clientAnswering({ bars: [EXACT], missing: ["NONE"] });
    const latest = await client.latest(["EXACT", "NONE"]);
    expect([...latest.entries()]).toEqual([["EXACT", EXACT]]);
  });

  it.each<[string, keyof ExactApiBar, unknown]>([
    ["a number, as the API once answered", "notional", 97316742.12345679],
    ["an exponent", "low", "1e-10"],
    ["a trailing zero", "close", "0.12345678910"],
    ["a leading zero", "volume", "02"],
    ["a bare point", "open", "97316742."],
    ["a sign", "high", "-1"],
    ["a VWAP with 11 decimal places", "vwap", "48658371.06172839455"],
    ["a notional with 21 decimal places", "notional", "0.000000000000000000001"],
  ])("rejects a bar with %s, and only that field", async (_, field, value) => {
    const { client } = clientAnswering(
      { bars: [EXACT], missing: [] },
      { bars: [{ ...EXACT, [field]: value }], missing: [] },
    );
    expect((await client.latest(["EXACT"])).get("EXACT")).toEqual(EXACT);
    const error: unknown = await client.latest(["EXACT"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZodError);
    expect((error as ZodError).issues.map((issue) => issue.path)).toEqual([["bars", 0, field]]);
  });

  it("accepts every bar the API writes", () => {
    const ticks: SequencedTick[] = [
      { symbol: "BIG", price: 123_456_789.987654, size: 9e15, ts: START, tradeId: "1" },
      { symbol: "BIG", price: 0.0000000001, size: 1e14, ts: START + 1, tradeId: "2" },
      {
        symbol: "BIG",
        price: 999_999_999_999_999,
        size: 0.0000000001,
        ts: START + 2,
        tradeId: "3",
      },
    ].map((tick, index) => ({ ...tick, seq: "1", index }));
    const bar = barJsonSchema.parse(JSON.parse(JSON.stringify(barToJson(barFromTicks(ticks)))));
    expect(bar).toMatchObject({
      low: "0.0000000001",
      volume: "9100000000000000.0000000001",
      notional: "1111111109888886000109999.9999999999",
    });
    expect(decimalEquals(bar.low, 0.0000000001)).toBe(true);
    expect(decimalEquals(bar.close, 999_999_999_999_999)).toBe(true);
  });
});

describe("exact decimal comparison", () => {
  it.each<[number, string]>([
    [1000.0042, "1000.0042"],
    [100, "100"],
    [0.0000000001, "0.0000000001"],
    [1e21, "1000000000000000000000"],
  ])("writes %p as the API does: %p", (value, text) => {
    expect(decimalTextOf(value)).toBe(text);
    expect(decimalEquals(text, value)).toBe(true);
  });

  it("refuses a number with more than 10 decimal places", () => {
    expect(() => decimalTextOf(0.12345678901)).toThrow(RangeError);
    expect(decimalEquals("0.12345678901", 0.12345678901)).toBe(false);
  });

  it.each<[string, unknown]>([
    ["text that only rounds to the number", "1000.00420000000000001"],
    ["text 1e-10 away", "1000.0042000001"],
    ["the number itself", 1000.0042],
    ["text that is not a plain decimal", "1.0000042e3"],
    ["nothing", undefined],
  ])("does not equate %s with 1000.0042", (_, text) => {
    expect(decimalEquals(text, 1000.0042)).toBe(false);
  });
});
