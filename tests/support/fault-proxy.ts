import { createServer, request as httpRequest } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP proxy in front of a local DynamoDB (dynalite) that injects the failures DynamoDB and
 * the network produce, so the functions' retry paths run against the real SDK:
 * - `throughput-exceeded`: 400 ProvisionedThroughputExceededException (not forwarded);
 * - `throttling`: 400 ThrottlingException (not forwarded);
 * - `internal-error`: 500 InternalServerError (not forwarded);
 * - `drop-request`: the connection is cut before the request reaches DynamoDB;
 * - `drop-response`: the request is applied, then the connection is cut before the response:
 *   the client cannot know its write succeeded;
 * - `unprocessed-keys` (BatchGetItem only): the read is answered, but the second half of the keys
 *   (a lone key included) is moved to `UnprocessedKeys`, as DynamoDB does when it throttles part
 *   of a batch.
 */

export const DYNAMODB_FAULTS = [
  "throughput-exceeded",
  "throttling",
  "internal-error",
  "drop-request",
  "drop-response",
] as const;

export type DynamoDbFault = (typeof DYNAMODB_FAULTS)[number] | "unprocessed-keys";

/** A request as the proxy sees it. */
export interface ProxiedRequest {
  /** DynamoDB operation from `X-Amz-Target`, e.g. `PutItem`. */
  readonly operation: string;
  /** The JSON request body. */
  readonly body: string;
  /** 0-based position of the request among all the proxy has received. */
  readonly index: number;
}

/** Picks the fault for a request, or `undefined` to pass it through. */
export type FaultPlan = (request: ProxiedRequest) => DynamoDbFault | undefined;

export interface FaultProxyStats {
  readonly requests: number;
  /** Requests per DynamoDB operation, e.g. `{ BatchGetItem: 3, PutItem: 40 }`. */
  readonly operations: Readonly<Record<string, number>>;
  readonly faults: Readonly<Record<DynamoDbFault, number>>;
}

export interface FaultProxy {
  /** The proxy's endpoint URL, to use in place of DynamoDB's. */
  readonly url: string;
  /** Replaces the plan, e.g. to stop injecting faults once a scenario is over. */
  setPlan(plan: FaultPlan): void;
  stats(): FaultProxyStats;
  stop(): Promise<void>;
}

const ERROR_BODIES: Record<
  "throughput-exceeded" | "throttling" | "internal-error",
  [number, object]
> = {
  "throughput-exceeded": [
    400,
    {
      __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
      message:
        "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
    },
  ],
  throttling: [
    400,
    {
      __type: "com.amazon.coral.availability#ThrottlingException",
      message: "Rate of requests exceeds the allowed throughput.",
    },
  ],
  "internal-error": [
    500,
    {
      __type: "com.amazonaws.dynamodb.v20120810#InternalServerError",
      message: "Internal server error",
    },
  ],
};

/** A plan that passes everything through. */
export const noFaults: FaultPlan = () => undefined;

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A seeded plan: each request of `operations` (all when omitted) fails with probability `rate`,
 * with a fault drawn evenly from `faults`.
 */
export function randomFaults(options: {
  readonly seed: number;
  readonly rate: number;
  readonly faults?: readonly DynamoDbFault[];
  readonly operations?: readonly string[];
}): FaultPlan {
  const random = seededRandom(options.seed);
  const faults = options.faults ?? DYNAMODB_FAULTS;
  return (request) => {
    if (options.operations !== undefined && !options.operations.includes(request.operation)) {
      return undefined;
    }
    if (random() >= options.rate) {
      return undefined;
    }
    return faults[Math.floor(random() * faults.length)];
  };
}

type AttributeMap = Record<string, Record<string, unknown>>;

interface BatchGetRequest {
  RequestItems: Record<string, { Keys: AttributeMap[]; ConsistentRead?: boolean }>;
}

interface BatchGetResponse {
  Responses?: Record<string, AttributeMap[]>;
  UnprocessedKeys?: Record<string, { Keys: AttributeMap[]; ConsistentRead?: boolean }>;
}

/** Moves the second half of each table's requested keys (or its only key) to `UnprocessedKeys`. */
function withUnprocessedKeys(requestText: string, responseText: string): string {
  const request = JSON.parse(requestText) as BatchGetRequest;
  const response = JSON.parse(responseText) as BatchGetResponse;
  const unprocessed: NonNullable<BatchGetResponse["UnprocessedKeys"]> = {};
  const responses: NonNullable<BatchGetResponse["Responses"]> = {};
  for (const [table, { Keys, ConsistentRead }] of Object.entries(request.RequestItems)) {
    const held = Keys.length === 1 ? Keys : Keys.slice(Math.ceil(Keys.length / 2));
    const heldIds = new Set(held.map((key) => JSON.stringify([key.pk, key.sk])));
    responses[table] = (response.Responses?.[table] ?? []).filter(
      (item) => !heldIds.has(JSON.stringify([item.pk, item.sk])),
    );
    if (held.length > 0) {
      unprocessed[table] = { Keys: held, ConsistentRead };
    }
  }
  return JSON.stringify({ Responses: responses, UnprocessedKeys: unprocessed });
}

function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on("data", (chunk: Buffer) => chunks.push(chunk));
    message.on("end", () => resolve(Buffer.concat(chunks)));
    message.on("error", reject);
  });
}

/** Starts the proxy on 127.0.0.1 (OS-chosen port) in front of `target` (an `http://` URL). */
export async function startFaultProxy(target: string, initialPlan: FaultPlan): Promise<FaultProxy> {
  const upstream = new URL(target);
  let plan = initialPlan;
  let requests = 0;
  const operations: Record<string, number> = {};
  const faults: Record<DynamoDbFault, number> = {
    "throughput-exceeded": 0,
    throttling: 0,
    "internal-error": 0,
    "drop-request": 0,
    "drop-response": 0,
    "unprocessed-keys": 0,
  };

  function forward(
    incoming: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (response) => {
          readBody(response).then(
            (responseBody) =>
              resolve({
                status: response.statusCode ?? 502,
                headers: response.headers,
                body: responseBody,
              }),
            reject,
          );
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const body = await readBody(incoming);
    const target = incoming.headers["x-amz-target"];
    const operation = typeof target === "string" ? target.slice(target.indexOf(".") + 1) : "";
    const fault = plan({ operation, body: body.toString("utf8"), index: requests });
    requests += 1;
    operations[operation] = (operations[operation] ?? 0) + 1;
    if (fault !== undefined) {
      faults[fault] += 1;
    }
    if (fault === "drop-request") {
      incoming.socket.destroy();
      return;
    }
    if (fault === "unprocessed-keys") {
      const response = await forward(incoming, body);
      const rewritten =
        operation === "BatchGetItem" && response.status === 200
          ? withUnprocessedKeys(body.toString("utf8"), response.body.toString("utf8"))
          : response.body.toString("utf8");
      outgoing.writeHead(response.status, { "content-type": "application/x-amz-json-1.0" });
      outgoing.end(rewritten);
      return;
    }
    if (fault !== undefined && fault !== "drop-response") {
      const [status, errorBody] = ERROR_BODIES[fault];
      outgoing.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
      outgoing.end(JSON.stringify(errorBody));
      return;
    }
    const response = await forward(incoming, body);
    if (fault === "drop-response") {
      incoming.socket.destroy();
      return;
    }
    outgoing.writeHead(response.status, response.headers);
    outgoing.end(response.body);
  }

  const server: Server = createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch(() => incoming.socket.destroy());
  });
  const url = await new Promise<string>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });

  return {
    url,
    setPlan(next) {
      plan = next;
    },
    stats: () => ({ requests, operations: { ...operations }, faults: { ...faults } }),
    stop: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
