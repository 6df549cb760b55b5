import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";
import type {
  RegisterResourceRequest,
  RegisterResourceResponse,
} from "@pulumi/pulumi/proto/resource_pb";
import { parse as parseYaml } from "yaml";

import { reviewStackFileText } from "../../environments/stack-files";
import { parseReviewStackName } from "../../modules/config/review-stack";
import type { EnvironmentName } from "../../modules/config/settings";

/**
 * Runs a Pulumi program under Pulumi's own mock runtime and records every resource it registers,
 * with its inputs, what the mock returned, and the options the engine would receive. Used by the
 * environment tests, the offline plan and the offline policy harness, so it does not depend on jest.
 */

export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "us-east-1";

/** The AWS-managed prefix lists of the gateway-endpoint services in us-east-1. */
export const MOCK_PREFIX_LISTS: Readonly<
  Record<string, { readonly id: string; readonly cidrBlocks: readonly string[] }>
> = {
  "com.amazonaws.us-east-1.s3": {
    id: "pl-63a5400a",
    cidrBlocks: ["16.15.176.0/20", "16.182.0.0/16", "3.5.0.0/19", "52.216.0.0/15", "54.231.0.0/16"],
  },
  "com.amazonaws.us-east-1.dynamodb": {
    id: "pl-02cd2c6b",
    cidrBlocks: ["3.218.180.0/22", "3.218.184.0/22", "52.94.0.0/22", "52.119.224.0/20"],
  },
};

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

export interface EnvironmentRunOptions {
  /** Replaces the stack config's `environmentSuffix`. */
  readonly suffix?: string;
  /** Value of the `ENVIRONMENT_SUFFIX` variable while the program runs. @default - unset */
  readonly envOverride?: string;
  /**
   * Runs the program as this stack of the environment's project: a review stack (`dev-pr42`), with
   * the stack file the review-stack workflow writes for it. @default - the environment's own stack
   */
  readonly stack?: string;
}

const REPOSITORY_ROOT = path.resolve(__dirname, "..", "..");

function hex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function regionalArn(service: string, resource: string): string {
  return `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${resource}`;
}

function stringInput(inputs: Record<string, unknown>, key: string, fallback: string): string {
  const value = inputs[key];
  return typeof value === "string" && value !== "" ? value : fallback;
}

function subnetTypes(inputs: Record<string, unknown>): string[] {
  const specs = inputs.subnetSpecs;
  if (!Array.isArray(specs)) {
    return ["Private", "Public"];
  }
  return specs.map((spec: unknown) =>
    typeof spec === "object" &&
    spec !== null &&
    typeof (spec as { type?: unknown }).type === "string"
      ? (spec as { type: string }).type
      : "Private",
  );
}

/** Realistic computed values for the resource types this platform uses. */
function mockState(args: pulumi.runtime.MockResourceArgs): {
  id: string;
  state: Record<string, unknown>;
} {
  const inputs = args.inputs as Record<string, unknown>;
  const seed = `${args.type}::${args.name}`;
  const named = stringInput(inputs, "name", `${args.name}-${hex(seed, 7)}`);
  const computed = (id: string, state: Record<string, unknown> = {}) => ({
    id,
    state: { ...inputs, ...state },
  });

  switch (args.type) {
    case "awsx:ec2:Vpc": {
      const zones =
        typeof inputs.numberOfAvailabilityZones === "number" ? inputs.numberOfAvailabilityZones : 3;
      const vpcId = `vpc-${hex(seed, 17)}`;
      const ids = (kind: string) =>
        subnetTypes(inputs).includes(kind)
          ? Array.from({ length: zones }, (_, i) => `subnet-${hex(`${seed}::${kind}::${i}`, 17)}`)
          : [];
      return computed("", {
        vpcId,
        privateSubnetIds: ids("Private"),
        publicSubnetIds: ids("Public"),
        isolatedSubnetIds: ids("Isolated"),
      });
    }
    case "aws:s3/bucket:Bucket": {
      const bucket = stringInput(inputs, "bucket", `${args.name}-${hex(seed, 7)}`);
      return computed(bucket, {
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketDomainName: `${bucket}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${bucket}.s3.${MOCK_REGION}.amazonaws.com`,
        region: MOCK_REGION,
      });
    }
    case "aws:dynamodb/table:Table":
      return computed(named, { name: named, arn: regionalArn("dynamodb", `table/${named}`) });
    case "aws:kinesis/stream:Stream": {
      const arn = regionalArn("kinesis", `stream/${named}`);
      return computed(arn, { name: named, arn });
    }
    case "aws:kinesis/streamConsumer:StreamConsumer": {
      const arn = `${stringInput(inputs, "streamArn", regionalArn("kinesis", "stream/unknown"))}/consumer/${named}:1700000000`;
      return computed(arn, { name: named, arn });
    }
    case "aws:sqs/queue:Queue": {
      const url = `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT_ID}/${named}`;
      return computed(url, { name: named, url, arn: regionalArn("sqs", named) });
    }
    case "aws:sns/topic:Topic": {
      const arn = regionalArn("sns", named);
      return computed(arn, { name: named, arn });
    }
    case "aws:cloudwatch/logGroup:LogGroup":
      return computed(named, { name: named, arn: regionalArn("logs", `log-group:${named}`) });
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return computed(named, { name: named, arn: regionalArn("cloudwatch", `alarm:${named}`) });
    case "aws:iam/role:Role":
      return computed(named, {
        name: named,
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${named}`,
        uniqueId: `AROA${hex(seed, 17).toUpperCase()}`,
      });
    case "aws:iam/policy:Policy":
      return computed(named, {
        name: named,
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/${named}`,
      });
    case "aws:iam/rolePolicy:RolePolicy":
      return computed(`${stringInput(inputs, "role", "role")}:${named}`, { name: named });
    case "aws:ec2/securityGroup:SecurityGroup": {
      const id = `sg-${hex(seed, 17)}`;
      return computed(id, { name: named, arn: regionalArn("ec2", `security-group/${id}`) });
    }
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
      const id = `sgr-${hex(seed, 17)}`;
      return computed(id, {
        securityGroupRuleId: id,
        arn: regionalArn("ec2", `security-group-rule/${id}`),
      });
    }
    case "aws:ec2/flowLog:FlowLog": {
      const id = `fl-${hex(seed, 17)}`;
      return computed(id, { arn: regionalArn("ec2", `vpc-flow-log/${id}`) });
    }
    case "aws:appautoscaling/target:Target":
      return computed(stringInput(inputs, "resourceId", named), {
        arn: regionalArn("application-autoscaling", `scalable-target/${hex(seed, 32)}`),
      });
    case "aws:appautoscaling/policy:Policy":
      return computed(named, {
        name: named,
        arn: regionalArn(
          "autoscaling",
          `scalingPolicy:${uuid(seed)}:resource/dynamodb/${stringInput(inputs, "resourceId", "table/unknown")}:policyName/${named}`,
        ),
      });
    case "aws:lambda/function:Function": {
      const arn = regionalArn("lambda", `function:${named}`);
      return computed(named, {
        name: named,
        arn,
        qualifiedArn: `${arn}:$LATEST`,
        invokeArn: `arn:aws:apigateway:${MOCK_REGION}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        version: "$LATEST",
      });
    }
    case "aws:lambda/functionUrl:FunctionUrl": {
      const urlId = hex(seed, 32);
      return computed(urlId, {
        urlId,
        functionUrl: `https://${urlId}.lambda-url.${MOCK_REGION}.on.aws/`,
        functionArn: regionalArn(
          "lambda",
          `function:${stringInput(inputs, "functionName", "unknown")}`,
        ),
      });
    }
    case "aws:lambda/eventSourceMapping:EventSourceMapping": {
      const id = uuid(seed);
      return computed(id, { uuid: id, arn: regionalArn("lambda", `event-source-mapping:${id}`) });
    }
    case "aws:kms/key:Key": {
      const keyId = uuid(seed);
      return computed(keyId, { keyId, arn: regionalArn("kms", `key/${keyId}`) });
    }
    case "aws:kms/alias:Alias":
      return computed(named, { name: named, arn: regionalArn("kms", named) });
    default:
      return computed(args.custom === false ? "" : `${args.name}-${hex(seed, 8)}`);
  }
}

function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
  const inputs = args.inputs as Record<string, unknown>;
  switch (args.token) {
    case "aws:index/getRegion:getRegion":
      return {
        id: MOCK_REGION,
        name: MOCK_REGION,
        region: MOCK_REGION,
        description: "US East (N. Virginia)",
        endpoint: `ec2.${MOCK_REGION}.amazonaws.com`,
      };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        id: MOCK_ACCOUNT_ID,
        accountId: MOCK_ACCOUNT_ID,
        arn: `arn:aws:sts::${MOCK_ACCOUNT_ID}:assumed-role/deploy/pulumi`,
        userId: "AROAMOCKDEPLOYROLE:pulumi",
      };
    case "aws:index/getPartition:getPartition":
      return {
        id: "aws",
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        reverseDnsPrefix: "com.amazonaws",
      };
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const names = ["a", "b", "c", "d", "e", "f"].map((zone) => `${MOCK_REGION}${zone}`);
      return {
        id: MOCK_REGION,
        names,
        zoneIds: names.map((_, i) => `use1-az${i + 1}`),
        groupNames: [MOCK_REGION],
      };
    }
    case "aws:ec2/getPrefixList:getPrefixList": {
      const name = typeof inputs.name === "string" ? inputs.name : "";
      const list = MOCK_PREFIX_LISTS[name];
      if (list === undefined) {
        throw new Error(
          `No mock prefix list named "${name}": known are ${Object.keys(MOCK_PREFIX_LISTS).join(", ")}.`,
        );
      }
      return {
        id: list.id,
        prefixListId: list.id,
        name,
        cidrBlocks: [...list.cidrBlocks],
        region: MOCK_REGION,
      };
    }
    default:
      throw new Error(
        `The mock runtime does not answer the invoke ${args.token}: add it to scripts/plan/mock-runtime.ts.`,
      );
  }
}

/** The mocks: realistic ids and ARNs in account 123456789012, us-east-1. */
export const awsMocks: pulumi.runtime.Mocks = {
  newResource: (args) => mockState(args),
  call: (args) => mockCall(args),
};

type RegisterCallback = (error: Error | null, response?: RegisterResourceResponse) => void;

interface RecordingMonitor {
  registerResource(request: RegisterResourceRequest, callback: RegisterCallback): unknown;
}

function asRecord(value: unknown): Record<string, unknown> {
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

/** The Pulumi project of an environment, e.g. `trading-analytics-dev`. */
export function environmentProject(environment: EnvironmentName): string {
  return `trading-analytics-${environment}`;
}

/** The directory of an environment's Pulumi project. */
export function environmentDirectory(environment: EnvironmentName): string {
  return path.join(REPOSITORY_ROOT, "environments", environment);
}

/** The committed stack config (`environments/<env>/Pulumi.<env>.yaml`), keyed `<namespace>:<key>`. */
export function readStackConfig(environment: EnvironmentName): Record<string, string> {
  return stackFileConfig(readStackFile(environment));
}

function readStackFile(environment: EnvironmentName): string {
  const file = path.join(environmentDirectory(environment), `Pulumi.${environment}.yaml`);
  return fs.readFileSync(file, "utf8");
}

/**
 * The config of one stack of the environment's project: the committed stack file's for the
 * environment's own stack, or for a review stack the file the workflow writes from it.
 */
export function readStackConfigOf(
  environment: EnvironmentName,
  stack: string,
): Record<string, string> {
  if (stack === environment) {
    return readStackConfig(environment);
  }
  const review = parseReviewStackName(stack);
  if (review === undefined || review.environment !== environment) {
    throw new Error(
      `Stack "${stack}" is neither ${environment} nor one of its review stacks (${environment}-pr<N>).`,
    );
  }
  return stackFileConfig(reviewStackFileText(readStackFile(environment), review));
}

function stackFileConfig(text: string): Record<string, string> {
  const document = asRecord(parseYaml(text));
  return Object.fromEntries(
    Object.entries(asRecord(document.config)).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

const loadedPrograms = new Set<string>();

/**
 * Runs `environments/<env>/index.ts` as `pulumi up` would on stack `<env>` (or a review stack of it),
 * with the committed stack config (or the review stack's). A module loads once per module registry, so each environment can run once per process
 * (or jest test file); a run that failed may be repeated.
 */
export async function runEnvironmentProgram(
  environment: EnvironmentName,
  options: EnvironmentRunOptions = {},
): Promise<ProgramResult> {
  const project = environmentProject(environment);
  const entry = path.join(environmentDirectory(environment), "index.ts");
  if (loadedPrograms.has(entry)) {
    throw new Error(
      `${path.relative(REPOSITORY_ROOT, entry)} already ran in this process; Node caches modules, so run each environment in its own process or test file.`,
    );
  }
  const stack = options.stack ?? environment;
  const config = readStackConfigOf(environment, stack);
  if (options.suffix !== undefined) {
    config[`${project}:environmentSuffix`] = options.suffix;
  }
  const result = await runProgram({
    project,
    stack,
    config,
    environmentVariables: { ENVIRONMENT_SUFFIX: options.envOverride },
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    program: (): unknown => require(entry),
  });
  loadedPrograms.add(entry);
  return result;
}
