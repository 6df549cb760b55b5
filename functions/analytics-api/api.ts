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
import { VWAP_DECIMAL_PLACES, vwapScaled } from "../domain/bar";
import { DECIMAL_PLACES, NOTIONAL_DECIMAL_PLACES, scaledToNumber } from "../domain/decimal";
import type { Interval } from "../domain/time";
import { toIso } from "../domain/time";
import { createDynamoDbClient } from "../shared/clients";
import type { Environment } from "../shared/env";
import { requiredEnv } from "../shared/env";
import { createLogger, createMetrics } from "../shared/observability";
import { readBarsPage, readLatestBar } from "./bar-reader";
import type { QueryParameters } from "./params";
import { BadRequestError, encodePageToken, parseBarsQuery, parseLatestQuery } from "./params";

/** A bar as the API returns it. Volume, notional and VWAP are exact to 10 decimal places. */
export interface BarJson {
  readonly symbol: string;
  readonly interval: Interval;
  /** Interval start, ISO-8601 UTC. */
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

export function barToJson(bar: Bar): BarJson {
  return {
    symbol: bar.symbol,
    interval: bar.interval,
    start: toIso(bar.start),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: scaledToNumber(bar.volume, DECIMAL_PLACES),
    notional: scaledToNumber(bar.notional, NOTIONAL_DECIMAL_PLACES),
    vwap: scaledToNumber(vwapScaled(bar), VWAP_DECIMAL_PLACES),
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
