/** Messages between a local Lambda sandbox (a worker thread) and the process that invokes it. */

export interface SandboxInit {
  readonly handlerPath: string;
  readonly exportName: string;
  readonly functionName: string;
  readonly memoryMb: number;
  readonly region: string;
  readonly accountId: string;
  /** A line the worker writes last on shutdown, so the parent knows all output has arrived. */
  readonly endOfOutputMarker: string;
}

export interface SerializedError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stack: string;
}

export type SandboxRequest =
  | {
      readonly type: "invoke";
      readonly id: number;
      readonly event: unknown;
      readonly deadlineMs: number;
    }
  | { readonly type: "shutdown" };

export type SandboxReply =
  | { readonly type: "ready"; readonly initMs: number }
  | { readonly type: "init-error"; readonly error: SerializedError }
  | {
      readonly type: "result";
      readonly id: number;
      readonly requestId: string;
      readonly durationMs: number;
      readonly result: unknown;
    }
  | {
      readonly type: "error";
      readonly id: number;
      readonly requestId: string;
      readonly durationMs: number;
      readonly error: SerializedError;
    };
