import type {
  EnforcementLevel,
  Policies,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

import type { StackContext } from "./context";
import { buildPolicies } from "./policies";

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

const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";
const DEFAULT_PROJECT = "trading-analytics";

/** What `args.notApplicable()` throws; the engine records the policy as not applicable and moves on. */
class NotApplicable extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason ?? "Policy is not applicable");
    this.name = "NotApplicable";
  }
}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason);
}

function pulumiTypeOf(value: unknown): string | undefined {
  const type = (value as { __pulumiType?: unknown } | undefined)?.__pulumiType;
  return typeof type === "string" && type.length > 0 ? type : undefined;
}

/** The engine's type test: the class's `__pulumiType`, else its `isInstance`. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
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

function enforcementLevelOf(policy: { enforcementLevel?: EnforcementLevel }): EnforcementLevel {
  const level = policy.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL;
  return level === "remediate" ? "mandatory" : level;
}

function isResourcePolicy(policy: Policies[number]): policy is ResourceValidationPolicy {
  return "validateResource" in policy && policy.validateResource !== undefined;
}

function isStackPolicy(policy: Policies[number]): policy is StackValidationPolicy {
  return "validateStack" in policy && typeof policy.validateStack === "function";
}

interface Prepared {
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

function prepare(
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
function run(policyName: string, subject: string, call: () => unknown): boolean {
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

function resourceViolations(
  policies: readonly ResourceValidationPolicy[],
  resources: readonly Prepared[],
  outcomes: Map<string, PolicyOutcome>,
): Violation[] {
  const violations: Violation[] = [];
  for (const resource of resources) {
    for (const policy of policies) {
      const enforcementLevel = enforcementLevelOf(policy);
      const validations: ResourceValidation[] = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : policy.validateResource === undefined
          ? []
          : [policy.validateResource];
      const single = validations.length === 1 ? pulumiTypeOf(validations[0]) : undefined;
      if (single !== undefined && single !== resource.type) {
        continue;
      }
      let applied = false;
      for (const validation of validations) {
        const args: ResourceValidationArgs = {
          type: resource.type,
          props: resource.inputs,
          urn: resource.urn,
          name: resource.name,
          opts: resource.opts,
          stackTags: new Map<string, string>(),
          isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
          asType: ((resourceClass: unknown) =>
            isTypeOf(resource.type, resourceClass)
              ? resource.inputs
              : undefined) as ResourceValidationArgs["asType"],
          getConfig: <T extends object>() => ({}) as T,
          notApplicable,
        };
        const ran = run(policy.name, resource.urn, () =>
          validation(args, (message) => {
            violations.push({
              policyName: policy.name,
              enforcementLevel,
              message,
              urn: resource.urn,
              name: resource.name,
              type: resource.type,
            });
          }),
        );
        applied = applied || ran;
      }
      if (applied) {
        countApplication(outcomes, policy.name);
      }
    }
  }
  return violations;
}

function countApplication(outcomes: Map<string, PolicyOutcome>, policyName: string): void {
  const outcome = outcomes.get(policyName);
  if (outcome !== undefined) {
    outcomes.set(policyName, { ...outcome, appliedTo: outcome.appliedTo + 1 });
  }
}

function stackResources(resources: readonly Prepared[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const stack = resources.map((resource) => {
    const policyResource: PolicyResource = {
      type: resource.type,
      props: resource.outputs,
      urn: resource.urn,
      name: resource.name,
      opts: resource.opts,
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
      asType: ((resourceClass: unknown) =>
        isTypeOf(resource.type, resourceClass)
          ? resource.outputs
          : undefined) as PolicyResource["asType"],
    };
    byUrn.set(resource.urn, policyResource);
    return policyResource;
  });
  for (const [index, resource] of resources.entries()) {
    const target = stack[index];
    if (target === undefined) {
      continue;
    }
    const parent = resource.opts.parent === undefined ? undefined : byUrn.get(resource.opts.parent);
    if (parent !== undefined) {
      target.parent = parent;
    }
    target.dependencies = resource.dependsOn
      .map((urn) => byUrn.get(urn))
      .filter((dependency): dependency is PolicyResource => dependency !== undefined);
  }
  return stack;
}

function stackViolations(
  policies: readonly StackValidationPolicy[],
  resources: readonly Prepared[],
  outcomes: Map<string, PolicyOutcome>,
): Violation[] {
  const violations: Violation[] = [];
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  for (const policy of policies) {
    const enforcementLevel = enforcementLevelOf(policy);
    const pulumiType = pulumiTypeOf(policy.validateStack);
    if (pulumiType !== undefined && !resources.some((resource) => resource.type === pulumiType)) {
      continue;
    }
    const args: StackValidationArgs = {
      resources: stackResources(resources),
      stackTags: new Map<string, string>(),
      getConfig: <T extends object>() => ({}) as T,
      notApplicable,
    };
    const applied = run(policy.name, "the stack", () =>
      policy.validateStack(args, (message, urn) => {
        const resource = urn === undefined ? undefined : byUrn.get(urn);
        violations.push({
          policyName: policy.name,
          enforcementLevel,
          message,
          ...(urn === undefined ? {} : { urn }),
          ...(resource === undefined ? {} : { name: resource.name, type: resource.type }),
        });
      }),
    );
    if (applied) {
      countApplication(outcomes, policy.name);
    }
  }
  return violations;
}

/** How one policy fared: on how many resources it applied (1 for a stack policy that applied). */
export interface PolicyOutcome {
  readonly policyName: string;
  readonly kind: "resource" | "stack";
  readonly enforcementLevel: EnforcementLevel;
  readonly appliedTo: number;
  readonly violations: number;
}

export interface PolicyReport {
  readonly violations: readonly Violation[];
  /** Every policy that ran (disabled ones are left out), in pack order. */
  readonly policies: readonly PolicyOutcome[];
}

/**
 * Runs the policy pack over recorded resources the way `pulumi preview --policy-pack` runs it:
 * every resource validation with the resource's inputs, then every stack validation with all
 * resources' outputs (inputs overlaid with the mock's state). Violations come in resource order,
 * then stack violations in policy order. A policy that throws (other than through
 * `notApplicable`) makes the evaluation throw, as it fails a preview.
 */
export function evaluatePolicyReport(
  resources: readonly RecordedResourceLike[],
  options: EvaluationOptions,
): PolicyReport {
  const context: StackContext = {
    stack: options.stack,
    ...(options.project === undefined ? {} : { project: options.project }),
    config: { ...(options.config ?? {}) },
    ...(options.environmentSuffix === undefined
      ? {}
      : { environmentSuffixOverride: options.environmentSuffix }),
  };
  const policies = (options.policies ?? buildPolicies(() => context)).filter(
    (policy) => enforcementLevelOf(policy) !== "disabled",
  );
  const outcomes = new Map<string, PolicyOutcome>(
    policies.map((policy) => [
      policy.name,
      {
        policyName: policy.name,
        kind: isStackPolicy(policy) ? "stack" : "resource",
        enforcementLevel: enforcementLevelOf(policy),
        appliedTo: 0,
        violations: 0,
      },
    ]),
  );
  const prepared = prepare(resources, options);
  const violations = [
    ...resourceViolations(policies.filter(isResourcePolicy), prepared, outcomes),
    ...stackViolations(policies.filter(isStackPolicy), prepared, outcomes),
  ];
  for (const violation of violations) {
    const outcome = outcomes.get(violation.policyName);
    if (outcome !== undefined) {
      outcomes.set(violation.policyName, { ...outcome, violations: outcome.violations + 1 });
    }
  }
  return { violations, policies: [...outcomes.values()] };
}

/** The violations of {@link evaluatePolicyReport}: what the offline plan and the tests check. */
export function evaluatePolicies(
  resources: readonly RecordedResourceLike[],
  options: EvaluationOptions,
): Violation[] {
  return [...evaluatePolicyReport(resources, options).violations];
}
