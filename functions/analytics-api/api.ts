import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type {
  APIGatewayProxyStructuredResultV2,
  Context,
  LambdaFunctionURLEvent,
  LambdaFunctionURLResult,
} from "aws-lambda";
import type { Bar } from "../domain/bar";
import { VWAP_DECIMAL_PLACES } from "../domain/bar";
import {
  DECIMAL_PLACES,
  NOTIONAL_DECIMAL_PLACES,
  divideScaledHalfEven,
  formatScaled,
  scaleDecimal,
} from "../domain/decimal";
import type { Interval } from "../domain/time";
import { toIso } from "../domain/time";
import { createDynamoDbClient } from "../shared/clients";
import type { Environment } from "../shared/env";
import { requiredEnv } from "../shared/env";
import { createLogger, createMetrics } from "../shared/observability";
import { readBarsPage, readLatestBar } from "./bar-reader";
import type { QueryParameters } from "./params";
import { BadRequestError, encodePageToken, parseBarsQuery, parseLatestQuery } from "./params";

/**
 * A decimal as the API writes it: the shortest exact plain decimal text of the value. No sign, no
 * exponent, no leading zeros (`"0.5"`, not `".5"`), no trailing zeros after the point and no point
 * for a whole number: `"100"`, `"0.0000000001"`, `"97316742.1234567891"`. Each value has exactly
 * one such text, so two decimals are equal exactly when their texts are.
 */
export type DecimalText = string;

/**
 * A bar as the API returns it. Prices, volume and notional are exact; VWAP is notional / volume
 * rounded half to even to {@link VWAP_DECIMAL_PLACES} places, then written in the same shortest
 * form (trailing zeros dropped: `"180.5"`, not `"180.5000000000"`).
 */
export interface BarJson {
  readonly symbol: string;
  readonly interval: Interval;
  /** Interval start, ISO-8601 UTC. */
  readonly start: string;
  readonly open: DecimalText;
  readonly high: DecimalText;
  readonly low: DecimalText;
  readonly close: DecimalText;
  /** Sum of trade sizes, exact (at most 10 decimal places). */
  readonly volume: DecimalText;
  /** Sum of price x size, exact (at most 20 decimal places). */
  readonly notional: DecimalText;
  /** Volume-weighted average price, rounded half to even to 10 decimal places. */
  readonly vwap: DecimalText;
  readonly trades: number;
  readonly firstTradeAt: string;
  readonly lastTradeAt: string;
}

/** `GET /bars` response body. */
export interface BarsResponse {
  readonly symbol: string;
  readonly interval: Interval;
  /** The range served, aligned to the interval. */
  readonly from: string;
  readonly to: string;
  readonly bars: readonly BarJson[];
  /** Pass as `next` with the same query for the following page; `null` on the last page. */
  readonly next: string | null;
}

/** `GET /latest` response body. */
export interface LatestResponse {
  /** The latest 1-minute bar of each requested symbol that has one, in request order. */
  readonly bars: readonly BarJson[];
  /** Requested symbols without any bar. */
  readonly missing: readonly string[];
}

/**
 * The exact text of a price. A stored price has at most {@link DECIMAL_PLACES} decimals (and at
 * most 15 significant digits), so the number is the nearest double to exactly one such decimal.
 */
export function priceText(price: number): DecimalText {
  const scaled = price > 0 ? scaleDecimal(price) : undefined;
  if (scaled === undefined) {
    throw new RangeError(
      `price ${price} is not a positive number with at most ${DECIMAL_PLACES} decimal places`,
    );
  }
  return formatScaled(scaled, DECIMAL_PLACES);
}

/** VWAP of a bar: notional / volume, rounded half to even to {@link VWAP_DECIMAL_PLACES} places. */
export function vwapText(bar: Bar): DecimalText {
  const vwap = divideScaledHalfEven(
    bar.notional,
    NOTIONAL_DECIMAL_PLACES,
    bar.volume,
    DECIMAL_PLACES,
    VWAP_DECIMAL_PLACES,
  );
  return formatScaled(vwap, VWAP_DECIMAL_PLACES);
}

export function barToJson(bar: Bar): BarJson {
  return {
    symbol: bar.symbol,
    interval: bar.interval,
    start: toIso(bar.start),
    open: priceText(bar.open),
    high: priceText(bar.high),
    low: priceText(bar.low),
    close: priceText(bar.close),
    volume: formatScaled(bar.volume, DECIMAL_PLACES),
    notional: formatScaled(bar.notional, NOTIONAL_DECIMAL_PLACES),
    vwap: vwapText(bar),
    trades: bar.trades,
    firstTradeAt: toIso(bar.firstTradeAt),
    lastTradeAt: toIso(bar.lastTradeAt),
  };
}

export interface AnalyticsApiOptions {
  readonly dynamodb: DynamoDBClient;
  /** The analytics table. */
  readonly tableName: string;
  /** @default - a Powertools logger configured from the environment */
  readonly logger?: Logger;
  /** @default - Powertools metrics configured from the environment */
  readonly metrics?: Metrics;
}

export interface AnalyticsApi {
  /** The Function URL handler. */
  readonly handler: (
    event: LambdaFunctionURLEvent,
    context: Context,
  ) => Promise<LambdaFunctionURLResult>;
}

const ROUTES = ["/bars", "/latest"] as const;
type Route = (typeof ROUTES)[number];

function isRoute(path: string): path is Route {
  return (ROUTES as readonly string[]).includes(path);
}

const BASE_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
} as const;

/** A Function URL response with a status code, headers and a JSON body. */
export type ApiResponse = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

function respond(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): ApiResponse {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/**
 * Builds the analytics API (Function URL, read-only):
 * - `GET /bars?symbol=&from=&to=&interval=1m|5m|15m|1h&limit=&next=`: bars of one symbol whose
 *   interval overlaps [from, to), oldest first, paginated;
 * - `GET /latest?symbols=A,B`: the latest 1-minute bar of each symbol.
 * Bad parameters get 400 with a message naming the parameter, unknown paths 404, other methods
 * 405 with `Allow: GET`, failures 500 with a request id (details go to the log only).
 */
export function createAnalyticsApi(options: AnalyticsApiOptions): AnalyticsApi {
  const logger = options.logger ?? createLogger();
  const metrics = options.metrics ?? createMetrics();
  const { dynamodb, tableName } = options;

  async function getBars(parameters: QueryParameters): Promise<BarsResponse> {
    const query = parseBarsQuery(parameters);
    const page = await readBarsPage(dynamodb, tableName, query);
    return {
      symbol: query.symbol,
      interval: query.interval,
      from: toIso(query.from),
      to: toIso(query.to),
      bars: page.bars.map(barToJson),
      next:
        page.lastSortKey === null
          ? null
          : encodePageToken(query.symbol, query.interval, page.lastSortKey),
    };
  }

  async function getLatest(parameters: QueryParameters): Promise<LatestResponse> {
    const symbols = parseLatestQuery(parameters);
    const latest = await Promise.all(
      symbols.map((symbol) => readLatestBar(dynamodb, tableName, symbol)),
    );
    return {
      bars: latest.filter((bar): bar is Bar => bar !== null).map(barToJson),
      missing: symbols.filter((_, i) => latest[i] === null),
    };
  }

  async function route(event: LambdaFunctionURLEvent): Promise<ApiResponse> {
    const path = event.rawPath;
    const method = event.requestContext.http.method;
    if (!isRoute(path)) {
      return respond(404, {
        message: `no route for ${path}; the routes are GET /bars and GET /latest`,
      });
    }
    if (method !== "GET") {
      return respond(
        405,
        { message: `method ${method} is not allowed on ${path}; use GET` },
        { allow: "GET" },
      );
    }
    const parameters: QueryParameters = event.queryStringParameters ?? {};
    try {
      return respond(
        200,
        path === "/bars" ? await getBars(parameters) : await getLatest(parameters),
      );
    } catch (error) {
      if (error instanceof BadRequestError) {
        return respond(400, { message: error.message });
      }
      throw error;
    }
  }

  async function handler(
    event: LambdaFunctionURLEvent,
    context: Context,
  ): Promise<LambdaFunctionURLResult> {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    let response: ApiResponse;
    try {
      response = await route(event);
    } catch (error) {
      logger.error("Request failed", {
        path: event.rawPath,
        query: event.rawQueryString,
        error: error instanceof Error ? error : String(error),
      });
      response = respond(500, {
        message: "internal error; quote the request id when reporting it",
        requestId: context.awsRequestId,
      });
    }
    const status = response.statusCode;
    metrics.addMetric("Requests", MetricUnit.Count, 1);
    metrics.addMetric("ClientErrors", MetricUnit.Count, status >= 400 && status < 500 ? 1 : 0);
    metrics.addMetric("ServerErrors", MetricUnit.Count, status >= 500 ? 1 : 0);
    metrics.publishStoredMetrics();
    return response;
  }

  return { handler };
}

/** Options from the function's environment: `TABLE_NAME` and the Powertools variables. */
export function apiOptionsFromEnv(env: Environment = process.env): AnalyticsApiOptions {
  return {
    dynamodb: createDynamoDbClient(),
    tableName: requiredEnv("TABLE_NAME", env),
    logger: createLogger(env),
    metrics: createMetrics(env),
  };
}
