import type {
  EnforcementLevel,
  Policies,
  PolicyResourceOptions,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

/** The offline harness's side of the engine: resources prepared as the engine passes them, and each policy call guarded. */

/**
 * One resource as the mock runtime records it (`scripts/plan/mock-runtime.ts`): the inputs the
 * program registered, the state the mock returned, and the resource options.
 */
export interface RecordedResourceLike {
  readonly type: string;
  readonly name: string;
  readonly urn?: string;
  /** The provider's id; part of the outputs stack validations see. */
  readonly id?: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly state?: Readonly<Record<string, unknown>>;
  readonly options?: {
    readonly protect?: boolean;
    readonly retainOnDelete?: boolean;
    readonly ignoreChanges?: readonly string[];
    readonly parent?: string;
    /** URNs the resource depends on (explicit `dependsOn` and the sources of its inputs). */
    readonly dependsOn?: readonly string[];
    readonly deleteBeforeReplace?: boolean;
    readonly aliases?: readonly string[];
    readonly additionalSecretOutputs?: readonly string[];
  };
}

export interface EvaluationOptions {
  /** The stack the resources belong to; on this platform its name is the environment name. */
  readonly stack: string;
  /** The Pulumi project, for URNs of resources recorded without one and project config keys. @default - "trading-analytics" */
  readonly project?: string;
  /** Stack configuration, keyed `<namespace>:<key>` (e.g. `trading-analytics-dev:environmentSuffix`). @default - none */
  readonly config?: Readonly<Record<string, string>>;
  /** An `ENVIRONMENT_SUFFIX` override, as ephemeral stacks set it. @default - the config value */
  readonly environmentSuffix?: string;
  /** The policies to run. @default - the whole pack, `buildPolicies()` */
  readonly policies?: Policies;
}

/** One policy violation, as `pulumi preview` would list it. */
export interface Violation {
  readonly policyName: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly message: string;
  /** The resource the violation is about; absent for a violation of the stack as a whole. */
  readonly urn?: string;
  readonly name?: string;
  readonly type?: string;
}

export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";
export const DEFAULT_PROJECT = "trading-analytics";

/** What `args.notApplicable()` throws; the engine records the policy as not applicable and moves on. */
class NotApplicable extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason ?? "Policy is not applicable");
    this.name = "NotApplicable";
  }
}

export function notApplicable(reason?: string): never {
  throw new NotApplicable(reason);
}

export function pulumiTypeOf(value: unknown): string | undefined {
  const type = (value as { __pulumiType?: unknown } | undefined)?.__pulumiType;
  return typeof type === "string" && type.length > 0 ? type : undefined;
}

/** The engine's type test: the class's `__pulumiType`, else its `isInstance`. */
export function isTypeOf(type: string, resourceClass: unknown): boolean {
  const pulumiType = pulumiTypeOf(resourceClass);
  if (pulumiType !== undefined) {
    return type === pulumiType;
  }
  const isInstance = (resourceClass as { isInstance?: (value: unknown) => unknown } | undefined)
    ?.isInstance;
  return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function isPlainData(value: unknown): value is object {
  if (Array.isArray(value)) {
    return true;
  }
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * A frozen copy of recorded property values: plain objects and arrays are copied (so no policy can
 * change what the next one sees, as the engine deserializes afresh for each), while assets,
 * archives and resource references are passed as the same objects, as the engine passes them.
 */
function frozenCopy(value: unknown): unknown {
  if (!isPlainData(value)) {
    return value;
  }
  const copy: unknown = Array.isArray(value)
    ? value.map(frozenCopy)
    : Object.fromEntries(Object.entries(value).map(([key, child]) => [key, frozenCopy(child)]));
  return Object.freeze(copy);
}

function isThenable(value: unknown): boolean {
  return typeof (value as { then?: unknown } | undefined)?.then === "function";
}

export function enforcementLevelOf(policy: {
  enforcementLevel?: EnforcementLevel;
}): EnforcementLevel {
  const level = policy.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL;
  return level === "remediate" ? "mandatory" : level;
}

export function isResourcePolicy(policy: Policies[number]): policy is ResourceValidationPolicy {
  return "validateResource" in policy && policy.validateResource !== undefined;
}

export function isStackPolicy(policy: Policies[number]): policy is StackValidationPolicy {
  return "validateStack" in policy && typeof policy.validateStack === "function";
}

export interface Prepared {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** Inputs: what the engine passes to resource validations. */
  readonly inputs: Record<string, unknown>;
  /** Outputs (inputs overlaid with the provider's state): what it passes to stack validations. */
  readonly outputs: Record<string, unknown>;
  readonly opts: PolicyResourceOptions & { readonly retainOnDelete?: boolean };
  readonly dependsOn: readonly string[];
}

export function prepare(
  resources: readonly RecordedResourceLike[],
  options: EvaluationOptions,
): Prepared[] {
  const project = options.project ?? DEFAULT_PROJECT;
  const seen = new Set<string>();
  const prepared = resources.map((resource): Prepared => {
    const urn =
      resource.urn ?? `urn:pulumi:${options.stack}::${project}::${resource.type}::${resource.name}`;
    if (seen.has(urn)) {
      throw new Error(
        `Two resources have the URN "${urn}": the engine rejects duplicates, so give each ${resource.type} a unique logical name.`,
      );
    }
    seen.add(urn);
    const recorded = resource.options ?? {};
    const opts: Prepared["opts"] = {
      protect: recorded.protect === true,
      ignoreChanges: [...(recorded.ignoreChanges ?? [])],
      aliases: [...(recorded.aliases ?? [])],
      additionalSecretOutputs: [...(recorded.additionalSecretOutputs ?? [])],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      ...(recorded.deleteBeforeReplace === undefined
        ? {}
        : { deleteBeforeReplace: recorded.deleteBeforeReplace }),
      ...(recorded.parent === undefined ? {} : { parent: recorded.parent }),
      ...(recorded.retainOnDelete === undefined ? {} : { retainOnDelete: recorded.retainOnDelete }),
    };
    const inputs = frozenCopy({ ...resource.inputs }) as Record<string, unknown>;
    const outputs = frozenCopy({
      ...resource.inputs,
      ...(resource.state ?? {}),
      ...(resource.id === undefined || resource.id === "" ? {} : { id: resource.id }),
    }) as Record<string, unknown>;
    return {
      type: resource.type,
      name: resource.name,
      urn,
      inputs,
      outputs,
      opts: frozenCopy(opts) as Prepared["opts"],
      dependsOn: [...(recorded.dependsOn ?? [])],
    };
  });
  return prepared;
}

function failure(policyName: string, subject: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`Policy "${policyName}" failed on ${subject}: ${message}`, { cause: error });
}

/**
 * Runs a validation as the engine does: `notApplicable` ends it quietly, a promise is refused.
 * Returns whether the policy applied (ran without calling `notApplicable`).
 */
export function run(policyName: string, subject: string, call: () => unknown): boolean {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    if (error instanceof NotApplicable) {
      return false;
    }
    throw failure(policyName, subject, error);
  }
  if (isThenable(result)) {
    throw new Error(
      `Policy "${policyName}" returned a promise on ${subject}: the offline evaluation runs synchronous validations only, so make the validation synchronous.`,
    );
  }
  return true;
}
