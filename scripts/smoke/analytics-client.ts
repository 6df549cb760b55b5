import { randomUUID } from "node:crypto";
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from "aws-lambda";
import { z } from "zod";
import {
  DECIMAL_PLACES,
  NOTIONAL_DECIMAL_PLACES,
  formatScaled,
  parseScaled,
  scaleDecimal,
} from "../../functions/domain/decimal";

/** What the API says about one symbol's latest bar. */
export interface LatestBarView {
  /** Minute start of the latest bar, epoch milliseconds. */
  readonly start: number;
  /** Time of the latest trade in that bar, epoch milliseconds. */
  readonly lastTradeAt: number;
  readonly trades: number;
}

/**
 * The API's decimal text with at most `places` decimals: the shortest exact plain decimal (no
 * sign, exponent, leading zeros or trailing zeros; no point for a whole number), so every value
 * has exactly one text.
 */
export function decimalTextPattern(places: number): RegExp {
  return new RegExp(`^(?:0|[1-9]\\d*)(?:\\.\\d{0,${places - 1}}[1-9])?$`);
}

function decimalText(places: number) {
  return z
    .string()
    .regex(
      decimalTextPattern(places),
      `must be a plain decimal with at most ${places} decimal places, without trailing zeros`,
    );
}

/** A bar as the analytics API returns it (see functions/analytics-api): decimals are exact text. */
export const barJsonSchema = z.object({
  symbol: z.string(),
  interval: z.string(),
  start: z.string(),
  open: decimalText(DECIMAL_PLACES),
  high: decimalText(DECIMAL_PLACES),
  low: decimalText(DECIMAL_PLACES),
  close: decimalText(DECIMAL_PLACES),
  volume: decimalText(DECIMAL_PLACES),
  notional: decimalText(NOTIONAL_DECIMAL_PLACES),
  /** Rounded half to even to 10 decimal places. */
  vwap: decimalText(DECIMAL_PLACES),
  trades: z.number().int(),
  firstTradeAt: z.string(),
  lastTradeAt: z.string(),
});

/** A bar exactly as the API returns it: prices, volume, notional and VWAP as decimal text. */
export type ExactApiBar = z.infer<typeof barJsonSchema>;

/**
 * A bar with its decimals as the nearest numbers, for reports and charts. A number keeps about 16
 * significant digits, so never compare or add these where exactness matters: use
 * {@link ExactApiBar} and {@link decimalEquals} or {@link parseScaled} instead.
 */
export interface ApiBar {
  readonly symbol: string;
  readonly interval: string;
  readonly start: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly notional: number;
  readonly vwap: number;
  readonly trades: number;
  readonly firstTradeAt: string;
  readonly lastTradeAt: string;
}

/** {@link ApiBar} of an exact bar: each decimal text as the nearest number. */
export function approximateBar(bar: ExactApiBar): ApiBar {
  return {
    ...bar,
    open: Number(bar.open),
    high: Number(bar.high),
    low: Number(bar.low),
    close: Number(bar.close),
    volume: Number(bar.volume),
    notional: Number(bar.notional),
    vwap: Number(bar.vwap),
  };
}

/**
 * The text the API writes for a price or size sent as a number with at most 10 decimal places
 * (a double stands for exactly one such decimal): `1000.0042` -> `"1000.0042"`, `1e-10` ->
 * `"0.0000000001"`.
 */
export function decimalTextOf(value: number): string {
  const scaled = value >= 0 ? scaleDecimal(value) : undefined;
  if (scaled === undefined) {
    throw new RangeError(
      `${value} is not a non-negative number with at most ${DECIMAL_PLACES} decimal places`,
    );
  }
  return formatScaled(scaled, DECIMAL_PLACES);
}

/**
 * Whether decimal text from the API (a price, volume or VWAP) is exactly the value of a number
 * with at most 10 decimal places, compared as scaled integers, never as floats: `"1000.0042"`
 * equals `1000.0042`, but `"1000.00420000000000001"` does not, although it rounds to that number.
 */
export function decimalEquals(text: unknown, value: number): boolean {
  if (typeof text !== "string") {
    return false;
  }
  const expected = value >= 0 ? scaleDecimal(value) : undefined;
  if (expected === undefined) {
    return false;
  }
  try {
    return parseScaled(text, DECIMAL_PLACES) === expected;
  } catch {
    return false;
  }
}

const barsResponseSchema = z.object({
  bars: z.array(barJsonSchema),
  next: z.string().nullable(),
});

const latestResponseSchema = z.object({
  bars: z.array(barJsonSchema),
  missing: z.array(z.string()),
});

const errorBodySchema = z.object({ message: z.string() });

/** The API answered with a status other than 200. */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly statusCode: number,
    readonly path: string,
    message: string,
  ) {
    super(`GET ${path} answered ${statusCode}: ${message}`);
  }
}

/** Invokes the analytics-api function (RequestResponse). */
export type FunctionUrlInvoker = (
  event: LambdaFunctionURLEvent,
) => Promise<LambdaFunctionURLResult>;

/**
 * The event a Lambda Function URL (payload format 2.0, AWS_IAM auth) delivers for a GET request.
 * Repeated query parameters are joined with commas, as Function URLs do.
 */
export function functionUrlEvent(
  method: string,
  path: string,
  query: Readonly<Record<string, string>> = {},
): LambdaFunctionURLEvent {
  const search = new URLSearchParams(query);
  const parameters: Record<string, string> = {};
  for (const [name, value] of search) {
    parameters[name] = parameters[name] === undefined ? value : `${parameters[name]},${value}`;
  }
  const now = new Date();
  const domainName = "local.lambda-url.us-east-1.on.aws";
  const event: LambdaFunctionURLEvent = {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: search.toString(),
    headers: {
      host: domainName,
      "user-agent": "local-run",
      "x-forwarded-proto": "https",
      accept: "application/json",
    },
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName,
      domainPrefix: "local",
      http: {
        method,
        path,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "local-run",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  return Object.keys(parameters).length > 0
    ? { ...event, queryStringParameters: parameters }
    : event;
}

/** A client of the analytics API that calls its handler the way a Function URL does. */
export class AnalyticsClient {
  constructor(private readonly invoke: FunctionUrlInvoker) {}

  /** GETs a path and returns the parsed JSON body; a non-200 answer throws {@link ApiError}. */
  async get(path: string, query: Readonly<Record<string, string>> = {}): Promise<unknown> {
    const result = await this.invoke(functionUrlEvent("GET", path, query));
    const response = typeof result === "string" ? { statusCode: 200, body: result } : result;
    const statusCode = response.statusCode ?? 200;
    const raw = response.body ?? "";
    const text =
      "isBase64Encoded" in response && response.isBase64Encoded
        ? Buffer.from(raw, "base64").toString("utf8")
        : raw;
    const body: unknown = text.length > 0 ? JSON.parse(text) : undefined;
    if (statusCode !== 200) {
      const parsed = errorBodySchema.safeParse(body);
      throw new ApiError(statusCode, path, parsed.success ? parsed.data.message : text);
    }
    return body;
  }

  /** The latest 1-minute bar of each symbol (at most 25 per request, as the API allows). */
  async latest(symbols: readonly string[]): Promise<Map<string, ExactApiBar>> {
    const result = new Map<string, ExactApiBar>();
    for (let i = 0; i < symbols.length; i += 25) {
      const body = latestResponseSchema.parse(
        await this.get("/latest", { symbols: symbols.slice(i, i + 25).join(",") }),
      );
      for (const bar of body.bars) {
        result.set(bar.symbol, bar);
      }
    }
    return result;
  }

  /** The latest bars in the shape the freshness probe reads. */
  async latestViews(symbols: readonly string[]): Promise<Map<string, LatestBarView>> {
    const bars = await this.latest(symbols);
    const views = new Map<string, LatestBarView>();
    for (const [symbol, bar] of bars) {
      views.set(symbol, {
        start: Date.parse(bar.start),
        lastTradeAt: Date.parse(bar.lastTradeAt),
        trades: bar.trades,
      });
    }
    return views;
  }

  /**
   * Every bar of a symbol in [fromMs, toMs) with its decimals as numbers, for reports: see
   * {@link ApiBar}; {@link allExactBars} has the exact values.
   */
  async allBars(symbol: string, fromMs: number, toMs: number, interval = "1m"): Promise<ApiBar[]> {
    return (await this.allExactBars(symbol, fromMs, toMs, interval)).map(approximateBar);
  }

  /** Every bar of a symbol in [fromMs, toMs), exactly, following `next` tokens through all pages. */
  async allExactBars(
    symbol: string,
    fromMs: number,
    toMs: number,
    interval = "1m",
  ): Promise<ExactApiBar[]> {
    const bars: ExactApiBar[] = [];
    let next: string | null = null;
    do {
      const query: Record<string, string> = {
        symbol,
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        interval,
      };
      if (next !== null) {
        query.next = next;
      }
      const page = barsResponseSchema.parse(await this.get("/bars", query));
      bars.push(...page.bars);
      next = page.next;
    } while (next !== null);
    return bars;
  }
}
