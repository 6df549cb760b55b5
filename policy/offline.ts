import type {
  EnforcementLevel,
  PolicyResource,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

import type { StackContext } from "./context";
import { buildPolicies } from "./policies";
import type {
  RecordedResourceLike,
  EvaluationOptions,
  Violation,
  Prepared,
} from "./offline-resources";
import {
  notApplicable,
  pulumiTypeOf,
  isTypeOf,
  enforcementLevelOf,
  isResourcePolicy,
  isStackPolicy,
  prepare,
  run,
} from "./offline-resources";

export type { EvaluationOptions, RecordedResourceLike, Violation } from "./offline-resources";

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
