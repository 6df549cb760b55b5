import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

/** The account of the ARNs the mocks compute. */
export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "us-east-1";
/** Creation timestamp the mocks put in enhanced fan-out consumer ARNs. */
export const MOCK_CONSUMER_TIMESTAMP = "1764201600";

/** One resource registration as the engine would see it. */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly parentUrn: string;
  /** URNs of every resource this one waits for: explicit `dependsOn` and inputs' sources. */
  readonly dependencyUrns: readonly string[];
  readonly inputs: Record<string, unknown>;
}

/** The parts of a RegisterResourceRequest the recorder reads. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
}

type RegisterResource = (req: RegisterRequest, callback: unknown) => Promise<void>;

interface UrnMinter {
  newUrn(parent: string, type: string, name: string): string;
}

interface PendingRegistration {
  readonly urn: string;
  readonly parentUrn: string;
  readonly dependencyUrns: readonly string[];
}

function text(value: unknown, what: string): string {
  if (typeof value !== "string") {
    throw new Error(`Mock expected ${what} to be a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Provider-computed outputs the code under test reads, shaped like AWS would return them. */
function computedState(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const name = inputs.name;
  switch (type) {
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${text(name, "role name")}` };
    case "aws:cloudwatch/logGroup:LogGroup":
      return {
        arn: `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:log-group:${text(name, "log group name")}`,
      };
    case "aws:lambda/function:Function":
      return {
        arn: `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:function:${text(name, "function name")}`,
      };
    case "aws:kinesis/streamConsumer:StreamConsumer":
      return {
        arn: `${text(inputs.streamArn, "stream ARN")}/consumer/${text(name, "consumer name")}:${MOCK_CONSUMER_TIMESTAMP}`,
      };
    case "aws:lambda/eventSourceMapping:EventSourceMapping":
      return { uuid: `uuid-${text(inputs.functionName, "mapping function").split(":").pop()}` };
    case "aws:lambda/functionUrl:FunctionUrl":
      return {
        functionUrl: `https://${text(inputs.functionName, "URL function")}.lambda-url.${MOCK_REGION}.on.aws/`,
      };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return {
        arn: `arn:aws:cloudwatch:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:alarm:${text(name, "alarm name")}`,
      };
    default:
      return {};
  }
}

/**
 * Pulumi mocks that record every registration with its parent and dependencies (which the public
 * mock interface does not show), so tests can assert ordering as well as inputs.
 */
export class ResourceRecorder implements pulumi.runtime.Mocks {
  public readonly resources: RecordedResource[] = [];
  /** The token of every invoke (data-source call), in the order the mocks answered them. */
  public readonly invokes: string[] = [];
  private pending: PendingRegistration | undefined;

  /** Installs the mocks; call before the code under test is imported. */
  public async install(project: string, stack: string): Promise<void> {
    const notePending = (registration: PendingRegistration): void => {
      this.pending = registration;
    };
    const prototype = MockMonitor.prototype as unknown as {
      registerResource: RegisterResource;
    };
    const original = prototype.registerResource;
    prototype.registerResource = function (this: UrnMinter, req, callback) {
      // The original calls newResource synchronously, before its first await.
      notePending({
        urn: this.newUrn(req.getParent(), req.getType(), req.getName()),
        parentUrn: req.getParent(),
        dependencyUrns: req.getDependenciesList(),
      });
      return original.call(this, req, callback);
    };
    await pulumi.runtime.setMocks(this, project, stack, false);
  }

  public newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const registration = this.pending;
    if (registration === undefined) {
      throw new Error(`Registration of ${args.type} ${args.name} arrived without its request`);
    }
    this.pending = undefined;
    const inputs = args.inputs as Record<string, unknown>;
    this.resources.push({
      ...registration,
      type: args.type,
      name: args.name,
      custom: args.custom ?? false,
      inputs,
    });
    const state = { ...inputs, ...computedState(args.type, inputs) };
    const id = typeof inputs.name === "string" ? inputs.name : `${args.name}-id`;
    return { id, state };
  }

  /**
   * The components under test are handed the account and every ARN they need, so they invoke
   * nothing; an invoke is recorded (for the tests to assert on) and fails.
   */
  public call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    this.invokes.push(args.token);
    throw new Error(`Unexpected invoke ${args.token} under mocks`);
  }

  /** The one resource with this type and logical name; throws unless exactly one exists. */
  public one(type: string, name: string): RecordedResource {
    const found = this.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
      throw new Error(`Expected one ${type} named ${name}, found ${found.length}`);
    }
    return found[0];
  }

  /** The resource registered under this URN. */
  public byUrn(urn: string): RecordedResource {
    const found = this.resources.find((r) => r.urn === urn);
    if (found === undefined) {
      throw new Error(`No resource registered as ${urn}`);
    }
    return found;
  }
}

/** Waits until every registration and invoke issued so far (and any they trigger) has finished. */
export async function settle(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (runtime.waitForRPCs === undefined) {
    throw new Error("@pulumi/pulumi no longer exposes runtime.waitForRPCs: update settle()");
  }
  await runtime.waitForRPCs();
}

/** The value of an output under mocks (never unknown: the mocks run with preview off). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => {
    output.apply((value) => {
      resolve(value);
      return value;
    });
  });
}
