import { randomUUID } from "node:crypto";
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from "aws-lambda";
import { z } from "zod";
import type { LatestBarView } from "./freshness-probe";

/** A bar as the analytics API returns it (see functions/analytics-api). */
export const barJsonSchema = z.object({
  symbol: z.string(),
  interval: z.string(),
  start: z.string(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number(),
  notional: z.number(),
  vwap: z.number(),
  trades: z.number().int(),
  firstTradeAt: z.string(),
  lastTradeAt: z.string(),
});

export type ApiBar = z.infer<typeof barJsonSchema>;

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
  async latest(symbols: readonly string[]): Promise<Map<string, ApiBar>> {
    const result = new Map<string, ApiBar>();
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

  /** Every bar of a symbol in [fromMs, toMs), following `next` tokens through all pages. */
  async allBars(symbol: string, fromMs: number, toMs: number, interval = "1m"): Promise<ApiBar[]> {
    const bars: ApiBar[] = [];
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
