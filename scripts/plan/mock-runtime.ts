import * as pulumi from "@pulumi/pulumi";
import type {
  RegisterResourceRequest,
  RegisterResourceResponse,
} from "@pulumi/pulumi/proto/resource_pb";

import { mockCall, mockState } from "./mock-runtime-aws";

/**
 * Runs a Pulumi program under Pulumi's own mock runtime and records every resource it registers,
 * with its inputs, what the mock returned, and the options the engine would receive. Used by the
 * environment tests, the offline plan and the offline policy harness, so it does not depend on jest.
 * The mocks' AWS values are in `mock-runtime-aws.ts`; the environments' programs and stack config in
 * `mock-runtime-environments.ts`.
 */

/** The options of a registration, as the engine would receive them (inherited values included). */
export interface RecordedOptions {
  readonly protect?: boolean;
  readonly retainOnDelete?: boolean;
  readonly ignoreChanges?: readonly string[];
  /** URN of the parent resource. */
  readonly parent?: string;
  /** URNs the resource depends on: `dependsOn` and the resources its inputs come from. */
  readonly dependsOn?: readonly string[];
  readonly deleteBeforeReplace?: boolean;
}

export interface RecordedResource {
  /** Type token, e.g. `aws:s3/bucket:Bucket` or `trading:stack:TradingStack`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  readonly urn?: string;
  readonly id?: string;
  /** False for component resources (local or remote, such as `awsx:ec2:Vpc`). */
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  /** What the mock returned as the resource's state (inputs plus computed values). */
  readonly state: Record<string, unknown>;
  readonly options: RecordedOptions;
}

/** One data-source call (invoke) the program made, e.g. `aws:index/getCallerIdentity:getCallerIdentity`. */
export interface RecordedInvoke {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

export interface ProgramResult {
  /** Every registration, in order. */
  readonly resources: RecordedResource[];
  /** Every invoke, in the order the mocks answered them. */
  readonly invokes: RecordedInvoke[];
  /** The program's exports with every output resolved. */
  readonly outputs: Record<string, unknown>;
}

/** A program that failed; carries what it had registered before failing. */
export class ProgramError extends Error {
  constructor(
    message: string,
    readonly resources: RecordedResource[],
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = "ProgramError";
  }
}

export interface RunProgramOptions {
  /** Pulumi project: also the namespace of `new pulumi.Config()`. */
  readonly project: string;
  readonly stack: string;
  /** Stack configuration keyed `<namespace>:<key>`. */
  readonly config: Readonly<Record<string, string>>;
  /** Builds the resources; may return the stack's exports (plain values, outputs or a promise). */
  readonly program: () => unknown;
  /** Process environment variables set while the program runs (undefined unsets one). */
  readonly environmentVariables?: Readonly<Record<string, string | undefined>>;
}

type RegisterCallback = (error: Error | null, response?: RegisterResourceResponse) => void;

interface RecordingMonitor {
  registerResource(request: RegisterResourceRequest, callback: RegisterCallback): unknown;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Wraps the mock monitor so every registration is recorded with its options. */
function recordRegistrations(into: RecordedResource[]): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as RecordingMonitor | undefined;
  if (monitor === undefined) {
    throw new Error("The Pulumi mock monitor is not set: call pulumi.runtime.setMocks first.");
  }
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    const object = request.getObject();
    const options: RecordedOptions = {
      protect: request.getProtect(),
      retainOnDelete: request.getRetainondelete(),
      ignoreChanges: request.getIgnorechangesList(),
      ...(request.getParent() === "" ? {} : { parent: request.getParent() }),
      dependsOn: request.getDependenciesList(),
      deleteBeforeReplace: request.getDeletebeforereplace(),
    };
    const record: {
      -readonly [K in keyof RecordedResource]: RecordedResource[K];
    } = {
      type: request.getType(),
      name: request.getName(),
      custom: request.getCustom(),
      inputs: object === undefined ? {} : asRecord(pulumi.runtime.deserializeProperties(object)),
      state: {},
      options,
    };
    into.push(record);
    return register(request, (error, response) => {
      if (error === null && response !== undefined) {
        record.urn = response.getUrn();
        record.id = response.getId() === "" ? undefined : response.getId();
        const state = response.getObject();
        record.state =
          state === undefined ? {} : asRecord(pulumi.runtime.deserializeProperties(state));
      }
      callback(error, response);
    });
  };
}

async function resolveExports(exported: unknown): Promise<Record<string, unknown>> {
  const value: unknown = await Promise.resolve(exported);
  if (value === undefined) {
    return {};
  }
  const serialized = await pulumi.runtime.serializeProperties("outputs", { value });
  return asRecord(pulumi.runtime.deserializeProperty(serialized.value));
}

function setEnvironmentVariables(
  variables: Readonly<Record<string, string | undefined>>,
): () => void {
  const previous = Object.fromEntries(Object.keys(variables).map((key) => [key, process.env[key]]));
  const apply = (values: Readonly<Record<string, string | undefined>>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) {
        delete process.env[key];
      } else {
        process.env[key] = value;
      }
    }
  };
  apply(variables);
  return () => apply(previous);
}

/**
 * Runs one program under the mocks: sets the mocks and the stack config first, then calls the
 * program, awaits every exported output and every registration. Rejects with a `ProgramError`
 * (carrying what was registered) when the program throws or logs an error.
 */
export async function runProgram(options: RunProgramOptions): Promise<ProgramResult> {
  // An invoke the mocks cannot answer is reported after the run: a rejected invoke inside the
  // Pulumi runtime surfaces as an unhandled rejection that would end the process.
  const unanswered: string[] = [];
  const invokes: RecordedInvoke[] = [];
  const mocks: pulumi.runtime.Mocks = {
    newResource: (args) => mockState(args),
    call: (args) => {
      invokes.push({ token: args.token, inputs: asRecord(args.inputs) });
      try {
        return mockCall(args);
      } catch (error) {
        unanswered.push(error instanceof Error ? error.message : String(error));
        return {};
      }
    },
  };
  await pulumi.runtime.setMocks(mocks, options.project, options.stack, false);
  pulumi.runtime.setAllConfig({ ...options.config });
  const resources: RecordedResource[] = [];
  recordRegistrations(resources);

  const restore = setEnvironmentVariables(options.environmentVariables ?? {});
  let outputs: Record<string, unknown>;
  try {
    outputs = await resolveExports(options.program());
  } catch (error) {
    await pulumi.runtime.disconnect();
    const message = error instanceof Error ? error.message : String(error);
    throw new ProgramError(unanswered.length > 0 ? unanswered.join("\n") : message, resources, {
      cause: error,
    });
  } finally {
    restore();
  }
  await pulumi.runtime.disconnect();
  if (unanswered.length > 0) {
    throw new ProgramError(unanswered.join("\n"), resources, { cause: undefined });
  }
  if (pulumi.log.hasErrors()) {
    throw new ProgramError(
      `The program of stack "${options.stack}" logged errors; see the output above.`,
      resources,
      { cause: undefined },
    );
  }
  return { resources, invokes, outputs };
}
