import http from "node:http";
import type { AddressInfo } from "node:net";
import { capacityOf } from "./capacity";

/**
 * An HTTP proxy in front of a local DynamoDB that counts the requests that really reach it, by
 * operation (`X-Amz-Target`), SDK retries included, and the capacity units they would consume in
 * DynamoDB (see `capacity.ts`).
 */
export class CountingProxy {
  readonly counts = new Map<string, number>();
  readonly capacity = { readUnits: 0, writeUnits: 0 };
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true });

  private constructor(private readonly upstream: URL) {
    this.server = http.createServer((request, response) => {
      const target = request.headers["x-amz-target"];
      const operation = (Array.isArray(target) ? target[0] : target)?.split(".").pop() ?? "unknown";
      this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
      const requestChunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => requestChunks.push(chunk));
      const forward = http.request(
        {
          host: this.upstream.hostname,
          port: this.upstream.port,
          method: request.method,
          path: request.url,
          headers: request.headers,
          agent: this.agent,
        },
        (upstreamResponse) => {
          response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          const responseChunks: Buffer[] = [];
          upstreamResponse.on("data", (chunk: Buffer) => responseChunks.push(chunk));
          upstreamResponse.on("end", () => {
            this.meter(
              operation,
              upstreamResponse.statusCode ?? 502,
              Buffer.concat(requestChunks),
              Buffer.concat(responseChunks),
            );
          });
          upstreamResponse.pipe(response);
        },
      );
      forward.on("error", (error) => {
        response.writeHead(502);
        response.end(error.message);
      });
      request.pipe(forward);
    });
  }

  static async start(
    upstreamEndpoint: string,
  ): Promise<{ proxy: CountingProxy; endpoint: string }> {
    const proxy = new CountingProxy(new URL(upstreamEndpoint));
    await new Promise<void>((resolve, reject) => {
      proxy.server.once("error", reject);
      proxy.server.listen(0, "127.0.0.1", resolve);
    });
    const { port } = proxy.server.address() as AddressInfo;
    return { proxy, endpoint: `http://127.0.0.1:${port}` };
  }

  private meter(operation: string, status: number, request: Buffer, response: Buffer): void {
    const parse = (body: Buffer): object => {
      try {
        return JSON.parse(body.toString("utf8") || "{}") as object;
      } catch {
        return {};
      }
    };
    const used = capacityOf(operation, status, parse(request), parse(response));
    this.capacity.readUnits += used.readUnits;
    this.capacity.writeUnits += used.writeUnits;
  }

  /** Requests since the last reset, by operation; then starts counting afresh. */
  take(): Map<string, number> {
    const taken = new Map(this.counts);
    this.counts.clear();
    return taken;
  }

  /** Capacity units since the last reset; then starts counting afresh. */
  takeCapacity(): { readUnits: number; writeUnits: number } {
    const taken = { ...this.capacity };
    this.capacity.readUnits = 0;
    this.capacity.writeUnits = 0;
    return taken;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }
}
